//! multichain-cli's own behaviour: output forms, error text, exit codes.

mod common;

use common::*;
use std::process::Command;

#[test]
fn errors_print_code_and_message_with_multichains_exit_status() {
    let node = TestNode::create("clichain", &["-target-block-time=2"]);
    let out = node.cli(&["grant", "notanaddress", "connect"]);
    assert_eq!(out.code, 5);
    assert!(
        out.stderr
            .ends_with("error code: -5\nerror message:\nInvalid address: notanaddress\n"),
        "{}",
        out.stderr
    );
    let out = node.cli(&["listpermissions", "fly"]);
    assert_eq!(out.code, 8);
    assert!(out
        .stderr
        .ends_with("error code: -8\nerror message:\nInvalid permission\n"));
    // -704 → 192, like golden's -703 → 191.
    let stranger = node.cli_json(&["createkeypairs"])[0]["address"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = node.cli_json(&["getaddresses"])[0]
        .as_str()
        .unwrap()
        .to_string();
    let new = node.cli(&["getnewaddress"]).line();
    let out = node.cli(&["grantfrom", &new, &stranger, "connect"]);
    assert_eq!(out.code, 192, "{}", out.stderr);
    assert!(out
        .stderr
        .contains("from-address doesn't have activate or admin permission"));
    let out = node.cli(&["grantfrom", &stranger, &new, "connect"]);
    assert_eq!(out.code, 709 % 256);
    assert!(out
        .stderr
        .contains("Private key for from-address is not found in this wallet"));
    // grantfrom by the admin works.
    assert!(is_txid(
        &node
            .cli(&["grantfrom", &admin, &stranger, "connect"])
            .line()
    ));
    // Wrong argument count: the help text as the message, exit 1.
    let out = node.cli(&["getblockhash"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("error message:\ngetblockhash index\n"));
    // Arguments that must be JSON.
    let out = node.cli(&["grant", &new, "connect", "notjson"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr, "error: Error parsing JSON:notjson\n");
    // A string result prints raw, numbers bare, null as nothing.
    assert!(!node.cli(&["getbestblockhash"]).stdout.starts_with('"'));
    assert_eq!(node.cli(&["ping"]).stdout, "");
    // -requestout=stdout moves the echo to stdout.
    let out = node.cli(&["-requestout=stdout", "getblockcount"]);
    assert!(out.stdout.starts_with("{\"method\":\"getblockcount\""));
    assert!(out.stderr.is_empty());
}

#[test]
fn connection_and_credential_failures() {
    let dir = tempfile::tempdir().unwrap();
    let out = TestNode::util_in(dir.path(), "offchain", &[]);
    assert_eq!(out.code, 0);
    let port = free_port();
    let out = Command::new(CLI)
        .args([
            "offchain",
            &format!("-datadir={}", dir.path().display()),
            &format!("-rpcport={port}"),
            "getinfo",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "error: Could not connect to the server 127.0.0.1:{port}"
        )),
        "{err}"
    );
    assert!(err.contains("Make sure the multichaind server is running and that you are connecting to the correct RPC port."));

    let out = Command::new(CLI)
        .args([
            "nochain",
            &format!("-datadir={}", dir.path().display()),
            "getinfo",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: No credentials found for chain \"nochain\""),
        "{err}"
    );

    // multichaind without params.dat explains how to create the chain.
    let out = Command::new(DAEMON)
        .args(["nochain", &format!("-datadir={}", dir.path().display())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ERROR: Parameter set for blockchain nochain is not complete."),
        "{err}"
    );
    assert!(err.contains("multichain-util create nochain"));
}

#[test]
fn wrong_password_is_reported() {
    let node = TestNode::create("authchain", &["-target-block-time=2"]);
    let out = node.cli(&["-rpcpassword=wrong", "getinfo"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: Authorization failed: Incorrect rpcuser or rpcpassword\n"
    );
}

/// `multichain-cli … | head` must end quietly when the reader goes away, as MultiChain's does,
/// not with a panic message.
#[test]
fn a_closed_output_pipe_ends_the_cli_quietly() {
    let node = TestNode::create("pipechain", &["-target-block-time=2"]);
    let mut child = Command::new(CLI)
        .arg(&node.chain)
        .arg(format!("-datadir={}", node.dir.path().display()))
        .arg(format!("-rpcport={}", node.rpc_port))
        .arg("help")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes before the answer is printed.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
