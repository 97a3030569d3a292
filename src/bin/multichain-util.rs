//! `multichain-util create NAME [protocol] [-datadir=DIR] [-PARAM=VALUE …]`: writes a new
//! chain's params.dat with MultiChain's messages.

use mcnode::params::runtime::{self, Options};
use mcnode::params::{ChainParams, LATEST_PROTOCOL};

const BANNER: &str = "\nMultiChain 2.3 Utilities (latest protocol 20013)\n\n";

fn usage() {
    print!(
        "Usage:\n  multichain-util create <blockchain-name> ( <protocol-version> = {LATEST_PROTOCOL} ) [options]\n  multichain-util clone <old-blockchain-name> <new-blockchain-name> [options]\n\nOptions:\n  -datadir=<dir>                            Specify data directory\n  -<parameter-name>=<parameter-value>       Set a blockchain parameter, e.g. -anyone-can-connect=true\n"
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    print!("{BANNER}");
    let (options, words) = Options::from_args(args.clone());
    let code = match words.first().map(String::as_str) {
        Some("create") if words.len() >= 2 => create(&words[1], words.get(2), &options, &args),
        _ => {
            usage();
            1
        }
    };
    std::process::exit(code);
}

fn create(name: &str, protocol: Option<&String>, options: &Options, args: &[String]) -> i32 {
    if let Some(p) = protocol {
        if p.parse::<u32>().ok() != Some(LATEST_PROTOCOL) {
            eprintln!("ERROR: Invalid value for protocol version. Valid range: {LATEST_PROTOCOL}");
            return 1;
        }
    }
    if name.len() > mcnode::params::chain_params::MAX_CHAIN_NAME_LEN
        || name.is_empty()
        || name.contains(['/', '\\', '@'])
    {
        eprintln!("ERROR: invalid chain name: {name}");
        return 1;
    }
    let datadir = runtime::data_dir(options);
    let dir = datadir.join(name);
    let path = dir.join("params.dat");
    if path.exists() {
        eprintln!(
            "Cannot create chain parameter set, file {} already exists",
            path.display()
        );
        eprintln!("ERROR: Blockchain parameter set was not generated.");
        return 1;
    }
    let overrides: Vec<(String, String)> = Options::raw_pairs(args)
        .into_iter()
        .filter(|(k, _)| k != "datadir")
        .collect();
    let params = match ChainParams::create(name, &overrides) {
        Ok(p) => p,
        Err(e) => {
            println!("{e}");
            eprintln!("ERROR: Blockchain parameter set was not generated.");
            return 1;
        }
    };
    if let Err(e) =
        std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, params.render()))
    {
        eprintln!("ERROR: cannot write {}: {e}", path.display());
        eprintln!("ERROR: Blockchain parameter set was not generated.");
        return 1;
    }
    if let Err(e) = runtime::ensure_rpc_credentials(&datadir, name) {
        eprintln!("ERROR: cannot write multichain.conf: {e}");
        return 1;
    }
    println!("Blockchain parameter set was successfully generated.");
    println!(
        "You can edit it in {} before running multichaind for the first time.\n",
        path.display()
    );
    println!("To generate blockchain please run \"multichaind {name} -daemon\".");
    0
}
