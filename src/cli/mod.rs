//! `multichain-cli`: turns words into a JSON-RPC request as MultiChain's client does, sends it,
//! and prints the answer in MultiChain's format with its exit codes.

pub mod convert_table;
pub mod http;

use crate::jsonfmt;
use crate::params::runtime::{self, Options};
use crate::params::ChainParams;
use serde_json::{Map, Value};
use std::io::Write;

pub const BANNER: &str = "\nMultiChain 2.3 RPC client\n\n";
/// Port used when neither -rpcport nor params.dat give one.
const FALLBACK_RPC_PORT: u16 = 8570;

fn usage() -> String {
    format!(
        "{BANNER}Usage:\n  multichain-cli <blockchain-name> [options] <command> [params]  Send command to MultiChain Core\n  multichain-cli <blockchain-name> [options] help                List commands\n  multichain-cli <blockchain-name> [options] help <command>      Get help for a command\n\nOptions:\n  -conf=<file>           Specify configuration file (default: multichain.conf)\n  -datadir=<dir>         Specify data directory\n  -requestout=<requestout>  Send request to stderr, stdout or null (not print it at all), default stderr\n  -rpcconnect=<ip>       Send commands to node running on <ip> (default: 127.0.0.1)\n  -rpcport=<port>        Connect to JSON-RPC on <port>\n  -rpcwait               Wait for RPC server to start\n  -rpcuser=<user>        Username for JSON-RPC connections\n  -rpcpassword=<pw>      Password for JSON-RPC connections\n  -rpcclienttimeout=<n>  Timeout in seconds during HTTP requests (default: 900)\n"
    )
}

/// How one CLI word becomes a JSON parameter.
#[derive(Debug, PartialEq, Eq)]
enum Conversion {
    Text,
    Json,
    /// JSON if it parses to an object/array/bool, otherwise the word as text.
    MaybeString,
    /// JSON of any type if it parses, otherwise the word as text.
    AnyType,
}

fn conversion(method: &str, index: usize) -> Conversion {
    let has = |table: &[(&str, u8)]| {
        table
            .iter()
            .any(|(m, i)| *m == method && *i as usize == index)
    };
    if !has(convert_table::CONVERT) {
        return Conversion::Text;
    }
    if has(convert_table::ANY_TYPE) {
        return Conversion::AnyType;
    }
    if has(convert_table::MAY_BE_STRING) {
        return Conversion::MaybeString;
    }
    Conversion::Json
}

/// Converts the words after the method name to JSON parameters.
pub fn convert_params(method: &str, words: &[String]) -> Result<Vec<Value>, String> {
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let parsed = || serde_json::from_str::<Value>(w);
            match conversion(method, i) {
                Conversion::Text => Ok(Value::String(w.clone())),
                Conversion::Json => parsed().map_err(|_| format!("Error parsing JSON:{w}")),
                Conversion::AnyType => Ok(parsed().unwrap_or_else(|_| Value::String(w.clone()))),
                Conversion::MaybeString => Ok(match parsed() {
                    Ok(v @ (Value::Object(_) | Value::Array(_) | Value::Bool(_))) => v,
                    _ => Value::String(w.clone()),
                }),
            }
        })
        .collect()
}

/// The request body exactly as MultiChain's client writes it (member order fixed).
pub fn request_body(method: &str, params: &[Value], id: &str, chain: &str) -> String {
    let mut m = Map::new();
    m.insert("method".into(), Value::String(method.to_string()));
    m.insert("params".into(), Value::Array(params.to_vec()));
    m.insert("id".into(), Value::String(id.to_string()));
    m.insert("chain_name".into(), Value::String(chain.to_string()));
    let mut s = jsonfmt::to_compact(&Value::Object(m));
    s.push('\n');
    s
}

fn request_id() -> String {
    let n: u32 = rand::Rng::gen_range(&mut rand::thread_rng(), 10_000_000..100_000_000);
    format!("{n:08}-{}", crate::node::unix_now())
}

enum Outcome {
    Ok,
    /// Exit code.
    Failed(i32),
}

/// Entry point; returns the process exit code.
/// Splits arguments: options may come before and after the chain name, but everything after
/// the command is a parameter, even `-5` (`listblocks -5`).
fn split_args(args: Vec<String>) -> (Options, Vec<String>) {
    let mut options = Vec::new();
    let mut words = Vec::new();
    for a in args {
        if words.len() < 2 && a.starts_with('-') && a.len() > 1 {
            options.push(a);
        } else {
            words.push(a);
        }
    }
    (Options::from_args(options).0, words)
}

pub fn run(args: Vec<String>) -> i32 {
    let (cmdline, words) = split_args(args);
    let Some(chain) = words.first().cloned() else {
        print!("{}", usage());
        return 1;
    };
    if words.len() < 2 {
        print!("{}", usage());
        return 1;
    }
    let method = words[1].clone();
    let datadir = runtime::data_dir(&cmdline);
    let chain_dir = datadir.join(&chain);
    let options = runtime::load_chain_options(cmdline, &chain);
    let password = options.get("rpcpassword").unwrap_or("").to_string();
    if password.is_empty() {
        if convert_table::API_NAMES.contains(&chain.as_str()) {
            print!("{BANNER}");
            eprintln!("ERROR: Couldn't read configuration file for blockchain {chain}. \n\nBe sure include the blockchain name before the command name, e.g.:\n\nmultichain-cli chain1 {chain}\n\n");
            return 1;
        }
        eprintln!(
            "error: No credentials found for chain \"{chain}\"\n\nYou must set rpcpassword=<password> in the configuration file:\n{}\nIf the file does not exist, create it with owner-readable-only file permissions.",
            chain_dir.join("multichain.conf").display()
        );
        return 1;
    }
    let user = options.get("rpcuser").unwrap_or("").to_string();
    let params = match convert_params(&method, &words[2..]) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let port = match options.get("rpcport") {
        Some(p) => p.parse().unwrap_or(FALLBACK_RPC_PORT),
        None => std::fs::read_to_string(chain_dir.join("params.dat"))
            .ok()
            .and_then(|t| ChainParams::parse(&t).ok())
            .map(|p| p.rpc_port())
            .unwrap_or(FALLBACK_RPC_PORT),
    };
    let host = options.get("rpcconnect").unwrap_or("127.0.0.1").to_string();
    let body = request_body(&method, &params, &request_id(), &chain);
    let timeout = options.int("rpcclienttimeout", 900).max(1) as u64;
    let wait = options.flag("rpcwait", false);
    let request_out = options.get("requestout").unwrap_or("stderr").to_string();

    let response = loop {
        match http::post(&host, port, &user, &password, &body, timeout) {
            Ok(r) => {
                if wait && is_warmup(&r) {
                    std::thread::sleep(std::time::Duration::from_secs(1));
                    continue;
                }
                break r;
            }
            Err(http::HttpError::Connect(reason)) => {
                if wait {
                    std::thread::sleep(std::time::Duration::from_secs(1));
                    continue;
                }
                eprintln!(
                    "error: Could not connect to the server {host}:{port}{reason}\n\nMake sure the multichaind server is running and that you are connecting to the correct RPC port."
                );
                return 1;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    };
    match handle_response(&response, &body, &request_out) {
        Outcome::Ok => 0,
        Outcome::Failed(code) => code,
    }
}

fn is_warmup(r: &http::HttpResponse) -> bool {
    serde_json::from_slice::<Value>(&r.body)
        .ok()
        .and_then(|v| v.get("error")?.get("code")?.as_i64())
        == Some(-28)
}

fn handle_response(r: &http::HttpResponse, body: &str, request_out: &str) -> Outcome {
    match r.status {
        401 => {
            eprintln!("error: Authorization failed: Incorrect rpcuser or rpcpassword");
            return Outcome::Failed(1);
        }
        503 => {
            eprintln!(
                "error: Server response: {}",
                String::from_utf8_lossy(&r.body)
            );
            return Outcome::Failed(1);
        }
        s if s > 400 && s != 404 && s != 500 => {
            eprintln!("error: server returned HTTP error {s}");
            return Outcome::Failed(1);
        }
        _ => {}
    }
    if r.body.is_empty() {
        eprintln!("error: no response from server");
        return Outcome::Failed(1);
    }
    let Ok(reply) = serde_json::from_slice::<Value>(&r.body) else {
        eprintln!("error: couldn't parse reply from server");
        return Outcome::Failed(1);
    };
    let Some(obj) = reply.as_object() else {
        eprintln!("error: expected reply to have result, error and id properties");
        return Outcome::Failed(1);
    };
    // The request is echoed once the reply has arrived.
    match request_out {
        "stdout" => println!("{body}"),
        "null" => {}
        _ => eprintln!("{body}"),
    }
    let error = obj.get("error").cloned().unwrap_or(Value::Null);
    if !error.is_null() {
        let code = error.get("code").and_then(Value::as_i64).unwrap_or(1);
        let message = match error.get("message") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => jsonfmt::to_compact(other),
            None => String::new(),
        };
        eprintln!("error code: {code}\nerror message:\n{message}");
        let _ = std::io::stderr().flush();
        return Outcome::Failed((code.unsigned_abs() % 256) as i32);
    }
    match obj.get("result") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => println!("{s}"),
        Some(v) => println!("{}", jsonfmt::to_pretty(v)),
    }
    let _ = std::io::stdout().flush();
    Outcome::Ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn arguments_convert_like_multichain_cli() {
        assert_eq!(
            convert_params("grant", &words(&["1abc", "connect,send,recv"])).unwrap(),
            vec![json!("1abc"), json!("connect,send,recv")]
        );
        assert_eq!(
            convert_params("issue", &words(&["1abc", "asset1", "1000", "0.01"])).unwrap(),
            vec![json!("1abc"), json!("asset1"), json!(1000), json!(0.01)]
        );
        assert_eq!(
            convert_params(
                "publish",
                &words(&["s1", "[\"k3\",\"k4\"]", "{\"text\":\"hello\"}"])
            )
            .unwrap(),
            vec![json!("s1"), json!(["k3", "k4"]), json!({"text": "hello"})]
        );
        // A maybe-string position keeps numbers as text.
        assert_eq!(
            convert_params("publish", &words(&["s1", "123", "00"])).unwrap(),
            vec![json!("s1"), json!("123"), json!("00")]
        );
        assert_eq!(
            convert_params("getblock", &words(&["0"])).unwrap(),
            vec![json!("0")]
        );
        assert_eq!(
            convert_params("getblock", &words(&["1", "4"])).unwrap(),
            vec![json!("1"), json!(4)]
        );
        assert_eq!(
            convert_params("listblocks", &words(&["-5"])).unwrap(),
            vec![json!("-5")]
        );
        assert_eq!(
            convert_params("grant", &words(&["a", "b", "notjson"])).unwrap_err(),
            "Error parsing JSON:notjson"
        );
    }

    #[test]
    fn negative_numbers_after_the_command_are_parameters() {
        let (o, w) = split_args(words(&[
            "-datadir=/x",
            "chain1",
            "-rpcport=5",
            "listblocks",
            "-5",
        ]));
        assert_eq!(w, words(&["chain1", "listblocks", "-5"]));
        assert_eq!(o.get("datadir"), Some("/x"));
        assert_eq!(o.get("rpcport"), Some("5"));
    }

    #[test]
    fn request_body_member_order() {
        assert_eq!(
            request_body("grant", &[json!("1Yu2"), json!("connect")], "73624125-1700000000", "chain1"),
            "{\"method\":\"grant\",\"params\":[\"1Yu2\",\"connect\"],\"id\":\"73624125-1700000000\",\"chain_name\":\"chain1\"}\n"
        );
    }
}
