//! Runtime options: MultiChain-style command-line flags (`-name=value`) merged with
//! `multichain.conf` files, and the data directory layout.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Options from the command line and configuration files, by normalized name
/// (`rpc-allow-ip` ≡ `rpcallowip`). Each name keeps every value given, in order of precedence.
#[derive(Clone, Debug, Default)]
pub struct Options {
    values: HashMap<String, Vec<String>>,
}

pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl Options {
    /// Splits arguments into options (`-x`, `-x=v`, `-nox`) and positional words.
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> (Options, Vec<String>) {
        let mut o = Options::default();
        let mut words = Vec::new();
        for a in args {
            if let Some(opt) = a.strip_prefix('-') {
                let opt = opt.strip_prefix('-').unwrap_or(opt);
                let (name, value) = match opt.split_once('=') {
                    Some((n, v)) => (n.to_string(), v.to_string()),
                    None => (opt.to_string(), "1".to_string()),
                };
                let mut key = normalize(&name);
                let mut value = value;
                // `-nofoo` means foo=0, as in Bitcoin-derived daemons.
                if key.starts_with("no") && !opt.contains('=') && key.len() > 2 {
                    key = key[2..].to_string();
                    value = "0".into();
                }
                o.values.entry(key).or_default().push(value);
            } else {
                words.push(a);
            }
        }
        (o, words)
    }

    /// Reads `name=value` lines (`#` comments). Missing file → no options.
    pub fn from_file(path: &Path) -> Options {
        let mut o = Options::default();
        if let Ok(text) = std::fs::read_to_string(path) {
            for line in text.lines() {
                let line = line.split('#').next().unwrap_or("").trim();
                if let Some((n, v)) = line.split_once('=') {
                    o.values
                        .entry(normalize(n.trim()))
                        .or_default()
                        .push(v.trim().to_string());
                }
            }
        }
        o
    }

    /// Adds options that apply only where `self` has none of that name (lower precedence).
    pub fn with_fallback(mut self, lower: Options) -> Options {
        for (k, v) in lower.values {
            self.values.entry(k).or_insert(v);
        }
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(&normalize(name))
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.values
            .get(&normalize(name))
            .cloned()
            .unwrap_or_default()
    }

    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(&normalize(name))
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.values.insert(normalize(name), vec![value.to_string()]);
    }

    /// Integer option; non-numbers read as 0 like `atoi`.
    pub fn int(&self, name: &str, default: i64) -> i64 {
        match self.get(name) {
            Some(v) => v.trim().parse().unwrap_or(0),
            None => default,
        }
    }

    pub fn flag(&self, name: &str, default: bool) -> bool {
        match self.get(name) {
            Some(v) => !matches!(v.trim(), "0" | "false" | ""),
            None => default,
        }
    }

    /// The `-name=value` pairs as given, with original spelling of names (for
    /// `multichain-util create NAME -param=value`).
    pub fn raw_pairs(args: &[String]) -> Vec<(String, String)> {
        args.iter()
            .filter_map(|a| {
                let opt = a.strip_prefix('-')?;
                let opt = opt.strip_prefix('-').unwrap_or(opt);
                let (n, v) = opt.split_once('=').unwrap_or((opt, "1"));
                Some((n.to_string(), v.to_string()))
            })
            .collect()
    }
}

/// `~/.multichain`, or `-datadir`.
pub fn data_dir(options: &Options) -> PathBuf {
    if let Some(d) = options.get("datadir") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".multichain")
}

/// The chain's own directory.
pub fn chain_dir(options: &Options, chain: &str) -> PathBuf {
    data_dir(options).join(chain)
}

/// All options for `chain`: command line, then `setruntimeparam.conf`, the chain's
/// `multichain.conf`, and the global `multichain.conf` (first value found wins).
pub fn load_chain_options(cmdline: Options, chain: &str) -> Options {
    let dir = chain_dir(&cmdline, chain);
    let conf = cmdline
        .get("conf")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("multichain.conf"));
    let global = data_dir(&cmdline).join("multichain.conf");
    cmdline
        .with_fallback(Options::from_file(&dir.join("setruntimeparam.conf")))
        .with_fallback(Options::from_file(&conf))
        .with_fallback(Options::from_file(&global))
}

/// Creates the chain's `multichain.conf` with generated RPC credentials if it does not exist,
/// and the (empty) global one. The file is readable by its owner only.
pub fn ensure_rpc_credentials(datadir: &Path, chain: &str) -> std::io::Result<()> {
    let global = datadir.join("multichain.conf");
    if !global.exists() {
        std::fs::create_dir_all(datadir)?;
        std::fs::write(&global, "")?;
    }
    let dir = datadir.join(chain);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("multichain.conf");
    if path.exists() {
        return Ok(());
    }
    let secret: [u8; 32] = rand::random();
    let text = format!(
        "rpcuser=multichainrpc\nrpcpassword={}\n",
        bs58::encode(secret).into_string()
    );
    write_private(&path, text.as_bytes())
}

/// Writes a file only its owner can read (credentials).
pub fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_forms() {
        let args = [
            "chain1",
            "-daemon",
            "-rpcport=1234",
            "-rpc-allow-ip=10.0.0.1",
            "-rpcallowip=10.0.0.2",
            "-nolisten",
        ]
        .map(String::from);
        let (o, words) = Options::from_args(args);
        assert_eq!(words, vec!["chain1"]);
        assert!(o.flag("daemon", false));
        assert_eq!(o.int("rpcport", 0), 1234);
        assert_eq!(o.all("rpcallowip"), vec!["10.0.0.1", "10.0.0.2"]);
        assert!(!o.flag("listen", true));
    }

    #[test]
    fn precedence_first_value_wins() {
        let (cmd, _) = Options::from_args(["-rpcport=1".to_string()]);
        let mut conf = Options::default();
        conf.set("rpcport", "2");
        conf.set("rpcuser", "u");
        let o = cmd.with_fallback(conf);
        assert_eq!(o.get("rpcport"), Some("1"));
        assert_eq!(o.get("rpcuser"), Some("u"));
    }
}
