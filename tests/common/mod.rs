//! Test helpers: real `multichain-util`/`multichaind`/`multichain-cli` processes in temporary
//! data directories on free ports, and a raw HTTP client for wire-level checks.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const UTIL: &str = env!("CARGO_BIN_EXE_multichain-util");
pub const DAEMON: &str = env!("CARGO_BIN_EXE_multichaind");
pub const CLI: &str = env!("CARGO_BIN_EXE_multichain-cli");

/// The real MultiChain 2.3 transcripts, copied into the repo.
pub fn golden(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("compat-tests/golden/multichain-2.3")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn golden_json(name: &str) -> Value {
    serde_json::from_str(&golden(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct CliOut {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl CliOut {
    fn from(o: Output) -> Self {
        CliOut {
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            code: o.status.code().unwrap_or(-1),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }

    /// The stdout line of a string result.
    pub fn line(&self) -> String {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        self.stdout.trim_end_matches('\n').to_string()
    }
}

/// A node in its own data directory; stopped when dropped.
pub struct TestNode {
    pub dir: tempfile::TempDir,
    pub chain: String,
    pub rpc_port: u16,
    pub p2p_port: u16,
    pub start_output: CliOut,
    running: bool,
}

impl TestNode {
    /// `multichain-util create` with `params` (e.g. `-target-block-time=2`), then start.
    pub fn create(chain: &str, params: &[&str]) -> TestNode {
        let dir = tempfile::tempdir().unwrap();
        let out = Self::util_in(dir.path(), chain, params);
        assert_eq!(
            out.code, 0,
            "util create failed: {}{}",
            out.stdout, out.stderr
        );
        Self::started(dir, chain)
    }

    /// A node of `chain` in `dir` (made by `multichain-util` or copied), on free ports, started.
    fn started(dir: tempfile::TempDir, chain: &str) -> TestNode {
        let mut n = TestNode {
            dir,
            chain: chain.to_string(),
            rpc_port: free_port(),
            p2p_port: free_port(),
            start_output: CliOut {
                stdout: String::new(),
                stderr: String::new(),
                code: 0,
            },
            running: false,
        };
        n.start();
        n
    }

    /// A second node of `other`'s chain: its params.dat and multichain.conf copied (with
    /// `conf_lines` added, e.g. `gen=0`), so it builds the same genesis block; then started.
    pub fn copy_of(other: &TestNode, conf_lines: &[&str]) -> TestNode {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (
            other.dir.path().join(&other.chain),
            dir.path().join(&other.chain),
        );
        std::fs::create_dir_all(&to).unwrap();
        std::fs::copy(from.join("params.dat"), to.join("params.dat")).unwrap();
        let mut conf = std::fs::read_to_string(from.join("multichain.conf")).unwrap();
        for line in conf_lines {
            conf.push_str(&format!("\n{line}\n"));
        }
        std::fs::write(to.join("multichain.conf"), conf).unwrap();
        Self::started(dir, &other.chain)
    }

    pub fn util_in(dir: &Path, chain: &str, params: &[&str]) -> CliOut {
        let mut cmd = Command::new(UTIL);
        cmd.arg("create")
            .arg(chain)
            .arg(format!("-datadir={}", dir.display()));
        cmd.args(params);
        CliOut::from(cmd.output().unwrap())
    }

    pub fn datadir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn start(&mut self) {
        let out = Command::new(DAEMON)
            .arg(&self.chain)
            .arg(format!("-datadir={}", self.dir.path().display()))
            .arg("-daemon")
            .arg(format!("-port={}", self.p2p_port))
            .arg(format!("-rpcport={}", self.rpc_port))
            .output()
            .unwrap();
        self.start_output = CliOut::from(out);
        assert_eq!(
            self.start_output.code, 0,
            "multichaind failed: {}{}",
            self.start_output.stdout, self.start_output.stderr
        );
        self.running = true;
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.cli(&["getblockcount"]).code == 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("node did not answer");
    }

    /// `stop`, then waits for the process to finish; returns the CLI output of `stop`.
    pub fn stop(&mut self) -> CliOut {
        assert!(self.running, "node is not running");
        let out = self.cli(&["stop"]);
        assert_eq!(out.code, 0, "stop failed: {}", out.stderr);
        // Wait until the port is released and the database closed.
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.rpc_port)).is_err() && !self.lock_held() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!self.lock_held(), "node did not shut down");
        self.running = false;
        out
    }

    /// Kills the node with SIGKILL (no shutdown at all), as a crash would.
    pub fn kill(&mut self) {
        self.send_kill();
        self.after_kill();
    }

    /// The SIGKILL part of `kill`, usable while other threads still call the node; waits until
    /// the port is closed. Follow with `after_kill`.
    pub fn send_kill(&self) {
        assert!(self.running, "node is not running");
        let pid_file = self.dir.path().join(&self.chain).join("multichain.pid");
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let status = Command::new("kill")
            .args(["-9", pid.trim()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.rpc_port)).is_ok() {
            assert!(Instant::now() < deadline, "node did not die");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Marks a killed node as stopped and removes the pid file the crash left behind.
    pub fn after_kill(&mut self) {
        let _ = std::fs::remove_file(self.dir.path().join(&self.chain).join("multichain.pid"));
        self.running = false;
    }

    /// multichaind removes its pid file when it has shut down.
    fn lock_held(&self) -> bool {
        self.dir
            .path()
            .join(&self.chain)
            .join("multichain.pid")
            .exists()
    }

    /// `multichain-cli CHAIN -datadir=… -rpcport=… args…`
    pub fn cli(&self, args: &[&str]) -> CliOut {
        let mut cmd = Command::new(CLI);
        cmd.arg(&self.chain)
            .arg(format!("-datadir={}", self.dir.path().display()))
            .arg(format!("-rpcport={}", self.rpc_port));
        cmd.args(args);
        CliOut::from(cmd.output().unwrap())
    }

    /// A successful CLI call's JSON result.
    pub fn cli_json(&self, args: &[&str]) -> Value {
        let out = self.cli(args);
        assert_eq!(out.code, 0, "{args:?} failed: {}", out.stderr);
        out.json()
    }

    pub fn credentials(&self) -> (String, String) {
        let text =
            std::fs::read_to_string(self.dir.path().join(&self.chain).join("multichain.conf"))
                .unwrap();
        let get = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .unwrap()
                .to_string()
        };
        (get("rpcuser"), get("rpcpassword"))
    }

    /// Raw HTTP POST to `/` with the node's credentials.
    pub fn post(&self, body: &[u8]) -> HttpReply {
        let (u, p) = self.credentials();
        http(self.rpc_port, "POST", "/", Some((&u, &p)), body)
    }

    /// A JSON-RPC call over HTTP; returns the whole reply object.
    pub fn rpc(&self, method: &str, params: Value) -> Value {
        let body = serde_json::json!({"method": method, "params": params, "id": 1});
        self.post(body.to_string().as_bytes()).json()
    }

    /// Like `rpc`, but `None` when no reply comes (the node is down or went down meanwhile).
    pub fn try_rpc(&self, method: &str, params: Value) -> Option<Value> {
        let call = std::panic::AssertUnwindSafe(|| self.rpc(method, params));
        std::panic::catch_unwind(call).ok()
    }

    /// Waits until the chain has at least `height` blocks after genesis.
    pub fn wait_height(&self, height: u64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.cli(&["getblockcount"]).line().parse::<u64>().unwrap() >= height {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("height {height} not reached in time");
    }

    /// Waits until the mempool is empty (everything mined).
    pub fn wait_mined(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.cli_json(&["getmempoolinfo"])["size"] == 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("mempool not mined in time");
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        if self.running {
            let _ = self.cli(&["stop"]);
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

pub struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("reply not JSON ({e}): {}", self.text()))
    }
}

/// One HTTP/1.1 request with `Connection: close`.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: &[u8],
) -> HttpReply {
    http_to(("127.0.0.1", port), method, path, auth, body)
}

pub fn http_to<A: std::net::ToSocketAddrs>(
    addr: A,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: &[u8],
) -> HttpReply {
    use base64::Engine;
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some((u, p)) = auth {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
        req.push_str(&format!("Authorization: Basic {token}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    // The server may answer (413) before reading a large body; ignore write errors.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse_reply(&raw)
}

pub fn parse_reply(raw: &[u8]) -> HttpReply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP reply: {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    HttpReply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// Same structure: objects with the same keys in the same order, arrays whose elements
/// match (each against the golden element at the same index, or the first), same JSON
/// types (numbers are one type: MultiChain prints integral reals without a point).
pub fn same_shape(ours: &Value, golden: &Value, path: &str) -> Result<(), String> {
    match (ours, golden) {
        (Value::Object(a), Value::Object(b)) => {
            let ka: Vec<&String> = a.keys().collect();
            let kb: Vec<&String> = b.keys().collect();
            if ka != kb {
                return Err(format!(
                    "{path}: keys differ\n ours:   {ka:?}\n golden: {kb:?}"
                ));
            }
            for (k, v) in a {
                same_shape(v, &b[k], &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(b)) => {
            if b.is_empty() || a.is_empty() {
                return Ok(());
            }
            for (i, v) in a.iter().enumerate() {
                same_shape(v, b.get(i).unwrap_or(&b[0]), &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Null, Value::Null) => Ok(()),
        _ => Err(format!("{path}: type differs: ours {ours} golden {golden}")),
    }
}

pub fn assert_same_shape(ours: &Value, golden: &Value, what: &str) {
    if let Err(e) = same_shape(ours, golden, what) {
        panic!("{e}");
    }
}

pub fn is_txid(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A successful call's result; panics with the error otherwise.
pub fn call(node: &TestNode, method: &str, params: Value) -> Value {
    let reply = node.rpc(method, params.clone());
    assert!(
        reply["error"].is_null(),
        "{method} {params} failed: {}",
        reply["error"]
    );
    reply["result"].clone()
}

/// A failing call's (code, message); panics if it succeeds.
pub fn call_err(node: &TestNode, method: &str, params: Value) -> (i64, String) {
    let reply = node.rpc(method, params.clone());
    assert!(
        !reply["error"].is_null(),
        "{method} {params} should fail, gave {}",
        reply["result"]
    );
    (
        reply["error"]["code"].as_i64().unwrap(),
        reply["error"]["message"].as_str().unwrap().to_string(),
    )
}

/// The genesis admin's address and a new address of the same wallet.
pub fn admin_and_new_address(node: &TestNode) -> (String, String) {
    let text = |v: Value| v.as_str().expect("an address").to_string();
    let admin = text(call(node, "getaddresses", serde_json::json!([]))[0].clone());
    (
        admin,
        text(call(node, "getnewaddress", serde_json::json!([]))),
    )
}

/// The member names of a JSON object, in order.
pub fn member_names(v: &Value) -> Vec<&str> {
    v.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// The chain's address format, from its parameters.
pub fn address_format(node: &TestNode) -> mcnode::primitives::address::AddressFormat {
    let params = call(node, "getblockchainparams", serde_json::json!([]));
    let bytes = |name: &str| hex::decode(params[name].as_str().unwrap()).unwrap();
    mcnode::primitives::address::AddressFormat {
        pubkeyhash_version: bytes("address-pubkeyhash-version"),
        scripthash_version: bytes("address-scripthash-version"),
        private_key_version: bytes("private-key-version"),
        checksum_value: bytes("address-checksum-value").try_into().unwrap(),
    }
}
