//! A restarted node comes back with the same chain, wallet and permissions, and with the
//! transactions it had accepted but not yet mined.

mod common;

use common::*;
use serde_json::json;

#[test]
fn restarted_node_keeps_chain_wallet_and_permissions() {
    let mut node = TestNode::create("restartchain", &["-target-block-time=2"]);
    let a1 = node.cli(&["getnewaddress"]).line();
    let a2 = node.cli(&["getnewaddress"]).line();
    node.cli(&["grant", &a1, "connect,send,receive"]).line();
    node.cli(&["grant", &a2, "issue", "0", "5", "1000"]).line();
    node.wait_mined();
    let height: u64 = node.cli(&["getblockcount"]).line().parse().unwrap();
    let hashes = node.cli_json(&["listblocks", &format!("0-{height}")]);
    let addresses = node.cli_json(&["getaddresses"]);
    let permissions = node.cli_json(&["listpermissions"]);
    let key = node.cli(&["dumpprivkey", &a1]).line();
    let params = std::fs::read_to_string(node.datadir().join("restartchain/params.dat")).unwrap();

    // A transaction acknowledged while mining is paused must survive the restart.
    node.cli(&["pause", "mining"]).line();
    let a3 = node.cli(&["getnewaddress"]).line();
    let pending = node.cli(&["grant", &a3, "send"]).line();
    assert!(node
        .cli_json(&["getrawmempool"])
        .as_array()
        .unwrap()
        .contains(&pending.as_str().into()));

    node.stop();
    node.start();

    let after: u64 = node.cli(&["getblockcount"]).line().parse().unwrap();
    assert!(after >= height);
    let again = node.cli_json(&["listblocks", &format!("0-{height}")]);
    for (a, b) in again
        .as_array()
        .unwrap()
        .iter()
        .zip(hashes.as_array().unwrap())
    {
        assert_eq!(a["hash"], b["hash"]);
        assert_eq!(a["miner"], b["miner"]);
    }
    let mut expected_addresses = addresses.as_array().unwrap().clone();
    expected_addresses.push(a3.as_str().into());
    assert_eq!(
        node.cli_json(&["getaddresses"]).as_array().unwrap(),
        &expected_addresses
    );
    assert_eq!(node.cli(&["dumpprivkey", &a1]).line(), key);
    // Every stored block reads back as the chain, with its index entries and undo data.
    assert_eq!(node.cli(&["verifychain", "4", "0"]).line(), "true");
    let perms_now = node.cli_json(&["listpermissions"]);
    for p in permissions.as_array().unwrap() {
        assert!(perms_now.as_array().unwrap().contains(p), "lost {p}");
    }
    let timed = perms_now
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["address"] == a2.as_str() && p["type"] == "issue")
        .expect("timed issue grant");
    assert_eq!(
        (timed["startblock"].as_u64(), timed["endblock"].as_u64()),
        (Some(5), Some(1000))
    );
    // params.dat is not rewritten on a normal restart.
    assert_eq!(
        std::fs::read_to_string(node.datadir().join("restartchain/params.dat")).unwrap(),
        params
    );

    // The pending grant is still there and gets mined.
    node.wait_mined();
    let mined = node.cli_json(&["listpermissions", "send", &a3]);
    assert_eq!(mined.as_array().unwrap().len(), 1);
}

/// What a node acknowledged survives it being killed: mempool transactions (from the journal)
/// and their wallet history, then mined as usual.
#[test]
fn acknowledged_transactions_survive_a_kill() {
    let mut node = TestNode::create("killchain", &["-target-block-time=2"]);
    node.cli(&["create", "stream", "s1", "true"]).line();
    node.wait_mined();
    node.cli(&["subscribe", "s1"]);
    // One mined block's rotation, then transactions that wait in the journal.
    let first = node.cli(&["publish", "s1", "k", "01"]).line();
    node.wait_mined();
    node.cli(&["pause", "mining"]).line();
    let waiting: Vec<String> = (0..20)
        .map(|i| {
            node.cli(&["publish", "s1", "k", &format!("{i:02x}")])
                .line()
        })
        .collect();
    let history = node.cli_json(&["listwallettransactions", "100"]);
    node.kill();
    node.start();

    let mempool = node.cli_json(&["getrawmempool"]);
    for txid in &waiting {
        assert!(
            mempool.as_array().unwrap().contains(&txid.as_str().into()),
            "lost {txid}"
        );
    }
    let again = node.cli_json(&["listwallettransactions", "100"]);
    let txids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["txid"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(txids(&again), txids(&history));
    assert!(txids(&again).contains(&first));
    // Mining resumes after a restart; every waiting item reaches the chain.
    node.wait_mined();
    let items = node.cli_json(&["liststreamkeyitems", "s1", "k", "false", "100"]);
    assert_eq!(items.as_array().unwrap().len(), 21);
}

/// A node killed while publishers are busy keeps every transaction it acknowledged, whether it
/// was in a block, in a journal being rotated, or just appended.
#[test]
fn a_kill_under_load_loses_no_acknowledged_transaction() {
    let mut node = TestNode::create("loadkillchain", &["-target-block-time=2"]);
    node.cli(&["create", "stream", "s1", "true"]).line();
    node.wait_mined();
    let acknowledged: Vec<String> = std::thread::scope(|s| {
        let publishers: Vec<_> = (0..3)
            .map(|t| {
                let node = &node;
                s.spawn(move || {
                    let mut txids = Vec::new();
                    for i in 0u32.. {
                        let params = json!(["s1", format!("k{t}"), format!("{i:08x}")]);
                        // The node is killed under the publishers: they stop at the first
                        // call without a reply (not acknowledged).
                        let Some(reply) = node.try_rpc("publish", params) else {
                            break;
                        };
                        txids.push(reply["result"].as_str().expect("a txid").to_string());
                    }
                    txids
                })
            })
            .collect();
        // Long enough for a few blocks and journal rotations.
        std::thread::sleep(std::time::Duration::from_millis(4500));
        node.send_kill();
        publishers
            .into_iter()
            .flat_map(|p| p.join().unwrap())
            .collect()
    });
    node.after_kill();
    assert!(acknowledged.len() > 100, "only {}", acknowledged.len());
    node.start();
    for txid in &acknowledged {
        let found = node.rpc("getrawtransaction", json!([txid]));
        assert!(found["error"].is_null(), "lost {txid}: {found}");
        // Its wallet history record too, wherever the kill left it: the journal, its own
        // index row, or its txid index row (a block mined before the rotation).
        let record = node.rpc("getwallettransaction", json!([txid]));
        assert!(record["error"].is_null(), "no history for {txid}: {record}");
    }
    // Once each: a record recovered from the journal is not added a second time.
    let history = node.rpc("listwallettransactions", json!([1_000_000]))["result"].clone();
    let mut listed: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["txid"].as_str().unwrap())
        .collect();
    let count = listed.len();
    listed.sort_unstable();
    listed.dedup();
    assert_eq!(listed.len(), count, "repeated history records");
    for txid in &acknowledged {
        assert!(
            listed.binary_search(&txid.as_str()).is_ok(),
            "{txid} not listed"
        );
    }
}

#[test]
fn two_nodes_cannot_share_a_data_directory() {
    let node = TestNode::create("lockchain", &["-target-block-time=2"]);
    let out = std::process::Command::new(DAEMON)
        .arg("lockchain")
        .arg(format!("-datadir={}", node.datadir().display()))
        .arg(format!("-rpcport={}", free_port()))
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("MultiChain is probably already running"),
        "{err}"
    );
    // The first node is unaffected.
    assert_eq!(node.cli(&["getblockcount"]).code, 0);
}
