//! The binary cache and `{"cache": id}` data, the unspent-output set's statistics, address
//! groupings, fees, `submitblock` between two nodes of one chain, and the commands this node
//! answers as MultiChain does without the feature (explorer, filters' callbacks, peers).

mod common;

use common::*;
use serde_json::{json, Value};

fn cache_file(node: &TestNode, id: &str) -> std::path::PathBuf {
    node.datadir().join(&node.chain).join("cache").join(id)
}

/// The vout of a transaction's data output (the first null-data one).
fn data_vout(node: &TestNode, txid: &str) -> u64 {
    let tx = call(node, "getrawtransaction", json!([txid, 1]));
    tx["vout"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["scriptPubKey"]["type"] == "nulldata")
        .map(|o| o["n"].as_u64().unwrap())
        .expect("a data output")
}

#[test]
fn binary_cache_items_are_filled_published_and_deleted() {
    let node = TestNode::create(
        "bincache",
        &["-target-block-time=2", "-max-std-op-return-size=1000"],
    );
    let id = call(&node, "createbinarycache", json!([]));
    let id = id.as_str().unwrap().to_string();
    assert!(cache_file(&node, &id).is_file());
    assert_eq!(
        call(&node, "appendbinarycache", json!([id, "0102"])),
        json!(2)
    );
    assert_eq!(call(&node, "appendbinarycache", json!([id, ""])), json!(2));
    assert_eq!(
        call(&node, "appendbinarycache", json!([id, "FF"])),
        json!(3)
    );
    assert_eq!(std::fs::read(cache_file(&node, &id)).unwrap(), [1, 2, 0xff]);
    let not_found = (
        -8,
        "Binary cache item with this identifier not found".to_string(),
    );
    for (params, error) in [
        (
            json!([id, "0g"]),
            (-8, "data should be hexadecimal string".to_string()),
        ),
        (
            json!([id, "012"]),
            (-8, "data should be hexadecimal string".to_string()),
        ),
        (
            json!([id, 12]),
            (-8, "data should be hexadecimal string".to_string()),
        ),
        (
            json!([5, "00"]),
            (-8, "cache identifier should be string".to_string()),
        ),
        (json!(["nope", "00"]), not_found.clone()),
        (json!(["../params.dat", "00"]), not_found.clone()),
    ] {
        assert_eq!(
            call_err(&node, "appendbinarycache", params.clone()),
            error,
            "{params}"
        );
    }
    let (code, _) = call_err(&node, "appendbinarycache", json!([id]));
    assert_eq!(code, -1);

    // Published as an item's raw data: by publish, in publishmulti and as raw data.
    call(&node, "create", json!(["stream", "s", true]));
    let txid = call(&node, "publish", json!(["s", "k", {"cache": id}]));
    let item = call(&node, "getstreamitem", json!(["s", txid]));
    assert_eq!(item["data"], "0102ff");
    let multi = call(
        &node,
        "publishmulti",
        json!(["s", [{"key": "k2", "data": {"cache": id}}, {"key": "k3", "data": "aa"}]]),
    );
    let items = call(&node, "liststreamtxitems", json!(["s", multi]));
    assert_eq!(items[0]["data"], "0102ff");
    assert_eq!(items[1]["data"], "aa");
    let admin = call(&node, "getaddresses", json!([]))[0].clone();
    let raw = call(
        &node,
        "createrawsendfrom",
        json!([admin, {}, [{"cache": id}], "send"]),
    );
    let raw = raw.as_str().unwrap();
    let vout = data_vout(&node, raw);
    assert_eq!(call(&node, "gettxoutdata", json!([raw, vout])), "0102ff");
    for (data, error) in [
        (
            json!({"cache": 5}),
            (
                -8,
                "cache identifier in data object should be string".to_string(),
            ),
        ),
        (json!({"cache": "nope"}), not_found.clone()),
    ] {
        assert_eq!(call_err(&node, "publish", json!(["s", "k", data])), error);
    }
    // Over the chain's max-std-op-return-size: refused, as MultiChain does.
    let big = call(&node, "createbinarycache", json!([]));
    call(&node, "appendbinarycache", json!([big, "00".repeat(1001)]));
    assert_eq!(
        call_err(&node, "publish", json!(["s", "k", {"cache": big}])),
        (-702, "Binary cache item too big".to_string())
    );

    // txouttobinarycache: part of an output's data into an empty item, once.
    let copy = call(&node, "createbinarycache", json!([]));
    let copy = copy.as_str().unwrap();
    assert_eq!(
        call(&node, "txouttobinarycache", json!([copy, txid, 0, 2, 1])),
        json!(2)
    );
    assert_eq!(std::fs::read(cache_file(&node, copy)).unwrap(), [2, 0xff]);
    assert_eq!(
        call_err(&node, "txouttobinarycache", json!([copy, txid, 0])),
        (-32603, "Binary cache item is not empty".to_string())
    );
    let text = call(&node, "publish", json!(["s", "k", {"text": "hi"}]));
    let empty = call(&node, "createbinarycache", json!([]));
    assert_eq!(
        call_err(&node, "txouttobinarycache", json!([empty, text, 0])),
        (
            -702,
            "This API is not supported for text and JSON data".to_string()
        )
    );
    assert_eq!(
        call_err(&node, "txouttobinarycache", json!([empty, txid, 5])).0,
        -712
    );

    // Deleted: gone for every command.
    assert_eq!(call(&node, "deletebinarycache", json!([id])), Value::Null);
    assert!(!cache_file(&node, &id).exists());
    assert_eq!(call_err(&node, "deletebinarycache", json!([id])), not_found);
    assert_eq!(
        call_err(&node, "publish", json!(["s", "k", {"cache": id}])),
        not_found
    );
    assert!(node
        .datadir()
        .join(&node.chain)
        .join("params.dat")
        .is_file());
}

#[test]
fn utxo_statistics_groupings_fees_and_refusals() {
    let node = TestNode::create("utxoset", &["-target-block-time=2"]);
    call(&node, "create", json!(["stream", "s", true]));
    call(&node, "publish", json!(["s", "k", "00"]));
    node.wait_mined();
    let before = call(&node, "gettxoutsetinfo", json!([]));
    assert_eq!(before["height"], call(&node, "getblockcount", json!([])));
    assert_eq!(
        before["bestblock"],
        call(&node, "getbestblockhash", json!([]))
    );
    // Every output of this single node's chain is its wallet's (the genesis one aside).
    let unspent = call(&node, "listunspent", json!([1]));
    let unspent = unspent.as_array().unwrap();
    assert_eq!(before["txouts"], json!(unspent.len()));
    let txids: std::collections::BTreeSet<_> = unspent
        .iter()
        .map(|u| u["txid"].as_str().unwrap())
        .collect();
    assert_eq!(before["transactions"], json!(txids.len()));
    assert!(before["bytes_serialized"].as_u64().unwrap() > 32 * txids.len() as u64);
    assert_eq!(before["total_amount"], json!(0));
    let hash = before["hash_serialized"].as_str().unwrap();
    assert!(is_txid(hash));
    // The same set gives the same hash; a block more, another.
    assert_eq!(
        call(&node, "gettxoutsetinfo", json!([]))["hash_serialized"],
        hash
    );
    call(&node, "publish", json!(["s", "k", "01"]));
    node.wait_mined();
    let after = call(&node, "gettxoutsetinfo", json!([]));
    assert_ne!(after["hash_serialized"], hash);
    assert_ne!(after["bestblock"], before["bestblock"]);
    assert_eq!(call_err(&node, "gettxoutsetinfo", json!([1])).0, -1);

    // One group per address holding outputs, with its label.
    let groups = call(&node, "listaddressgroupings", json!([]));
    let admin = call(&node, "getaddresses", json!([]))[0].clone();
    assert!(
        groups
            .as_array()
            .unwrap()
            .contains(&json!([[admin, 0, ""]])),
        "{groups}"
    );

    // Fees: none on a chain without a native currency.
    assert_eq!(call(&node, "settxfee", json!([0])), json!(true));
    assert_eq!(
        call_err(&node, "settxfee", json!([0.1])),
        (-8, "Invalid amount".to_string())
    );
    assert_eq!(
        call_err(&node, "settxfee", json!(["x"])),
        (-1, "value is type str, expected real".to_string())
    );

    // Answered as MultiChain answers without the feature.
    assert_eq!(call(&node, "liststorednodes", json!([])), json!([]));
    assert_eq!(call_err(&node, "liststorednodes", json!([1])).0, -8);
    assert_eq!(
        call(&node, "getchunkqueueinfo", json!([])),
        json!({"chunks": {"waiting": 0, "querying": 0, "retrieving": 0},
               "bytes": {"waiting": 0, "querying": 0, "retrieving": 0}})
    );
    assert_eq!(
        call(&node, "getchunkqueuetotals", json!([]))["chunks"]["delivered"],
        0
    );
    for callback in ["getfiltertxid", "getfilterstreamitem", "setfilterparam"] {
        assert_eq!(
            call_err(&node, callback, json!([])),
            (
                -32601,
                "This method can only be called from within a filter".to_string()
            )
        );
    }
    let (code, message) = call_err(&node, "explorerlisttransactions", json!([]));
    assert_eq!(code, -702);
    assert!(
        message.starts_with("Explorer APIs are not enabled."),
        "{message}"
    );
    assert_eq!(
        call_err(&node, "explorerlistredeemtransactions", json!(["x"])).0,
        -1
    );
    assert_eq!(
        call_err(&node, "getblocktemplate", json!([])),
        (
            -702,
            "getblocktemplate is not supported in this version of MultiChain".to_string()
        )
    );
    assert_eq!(
        call_err(&node, "debug", json!(["x", {}])),
        (-701, "API is not allowed".to_string())
    );
    assert_eq!(call_err(&node, "storenode", json!(["1.2.3.4"])).0, -702);

    // The tip by hand: only with mining and incoming blocks paused; the tip itself may be
    // set as the last block, a block below it not yet; no block is ever marked invalid.
    assert_eq!(call_err(&node, "setlastblock", json!([])).0, -701);
    call(&node, "pause", json!(["incoming,mining"]));
    let tip = call(&node, "getbestblockhash", json!([]));
    assert_eq!(call(&node, "setlastblock", json!([])), tip);
    assert_eq!(call(&node, "setlastblock", json!(["0"])), tip);
    assert_eq!(call(&node, "setlastblock", json!([tip])), tip);
    assert_eq!(call_err(&node, "setlastblock", json!(["-1"])).0, -702);
    assert_eq!(
        call_err(&node, "setlastblock", json!(["-999999"])),
        (-711, "Block height out of range".to_string())
    );
    assert_eq!(call_err(&node, "setlastblock", json!([1])).0, -1);
    call(&node, "resume", json!(["incoming,mining"]));
    let unknown = "11".repeat(32);
    for method in ["invalidateblock", "reconsiderblock"] {
        assert_eq!(
            call_err(&node, method, json!([unknown])),
            (-711, "Block not found".to_string())
        );
    }
    assert_eq!(call_err(&node, "invalidateblock", json!([tip])).0, -702);
    assert_eq!(call(&node, "reconsiderblock", json!([tip])), Value::Null);

    // applycommands: a UBJSON batch of requests, answered by a UBJSON batch of replies.
    let admin_text = admin.as_str().unwrap();
    let batch = json!([
        {"method": "getblockcount", "params": [], "id": 1},
        {"method": "nosuch", "id": 2},
        {"method": "getinfo", "params": [1], "id": 3},
        {"method": "getblockcount", "id": 4, "defaultaddress": "1NotThisNodesAddress"},
        {"method": "validateaddress", "params": [admin_text], "id": 5, "defaultaddress": admin_text},
        {"params": [], "id": 6}
    ]);
    let hex = call(&node, "encodehexubjson", json!([batch]));
    let replies = call(&node, "applycommands", json!([hex]));
    let replies = call(&node, "decodehexubjson", json!([replies]));
    let count = call(&node, "getblockcount", json!([]));
    assert_eq!(replies[0], json!({"result": count, "error": null, "id": 1}));
    assert_eq!(
        replies[1]["error"],
        json!({"code": -32601, "message": "Method not found"})
    );
    assert_eq!(replies[2]["error"]["code"], -1);
    assert!(replies[2]["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("getinfo"));
    assert_eq!(
        replies[3],
        json!({"result": null, "error": {"code": -709, "message": "Ignored for this default address"}, "id": 4})
    );
    assert_eq!(replies[4]["result"]["ismine"], true);
    assert_eq!(
        replies[5]["error"],
        json!({"code": -32600, "message": "Missing method"})
    );
    assert_eq!(
        call_err(&node, "applycommands", json!(["zz"])),
        (-32603, "Error decoding UBJSON".to_string())
    );
    let object = call(&node, "encodehexubjson", json!([{"a": 1}]));
    assert_eq!(call_err(&node, "applycommands", json!([object])).0, -1);
    assert_eq!(call_err(&node, "storenode", json!(["1.2.3.4", "x"])).0, -1);
}

/// Blocks of one node given to another of the same chain that does not mine: connected in
/// order, answered "duplicate" as MultiChain 2.3 answers (for a rejected block too), and
/// "duplicate-inconclusive" for one that does not extend the tip.
#[test]
fn submitblock_connects_blocks_made_elsewhere() {
    let miner = TestNode::create("relay", &["-target-block-time=2"]);
    call(&miner, "create", json!(["stream", "s", true]));
    call(&miner, "publish", json!(["s", "k", "00"]));
    miner.wait_height(4);
    let other = TestNode::copy_of(&miner, &["gen=0"]);
    assert_eq!(call(&other, "getblockcount", json!([])), json!(0));
    assert_eq!(
        call(&other, "getblockhash", json!([0])),
        call(&miner, "getblockhash", json!([0]))
    );
    let block_hex = |h: u64| {
        let hash = call(&miner, "getblockhash", json!([h]));
        call(&miner, "getblock", json!([hash, false]))
            .as_str()
            .unwrap()
            .to_string()
    };
    for bad in ["zz", "00", ""] {
        assert_eq!(
            call_err(&other, "submitblock", json!([bad])),
            (-22, "Block decode failed".to_string())
        );
    }
    assert_eq!(call_err(&other, "submitblock", json!([])).0, -1);
    for h in 1..=2 {
        assert_eq!(
            call(&other, "submitblock", json!([block_hex(h)])),
            "duplicate"
        );
        assert_eq!(call(&other, "getblockcount", json!([])), json!(h));
        assert_eq!(
            call(&other, "getblockhash", json!([h])),
            call(&miner, "getblockhash", json!([h]))
        );
    }
    assert_eq!(
        call(&other, "submitblock", json!([block_hex(2)])),
        "duplicate"
    );
    assert_eq!(
        call(&other, "submitblock", json!([block_hex(4)])),
        "duplicate-inconclusive"
    );
    // A block whose transactions do not match its header: rejected, still "duplicate".
    let mut tampered = block_hex(3);
    let last = tampered.len() - 2;
    let flipped = if &tampered[last..] == "00" {
        "01"
    } else {
        "00"
    };
    tampered.replace_range(last.., flipped);
    assert_eq!(call(&other, "submitblock", json!([tampered])), "duplicate");
    assert_eq!(call(&other, "getblockcount", json!([])), json!(2));
    for h in 3..=4 {
        assert_eq!(
            call(&other, "submitblock", json!([block_hex(h)])),
            "duplicate"
        );
    }
    assert_eq!(call(&other, "getblockcount", json!([])), json!(4));
    // The stream the miner created is on the other node now.
    let streams = call(&other, "liststreams", json!(["s"]));
    assert_eq!(streams[0]["name"], "s");
}

/// `-rpcallowmethod` holds inside an `applycommands` batch too: each command is checked as a
/// request of its own.
#[test]
fn applycommands_keeps_to_rpcallowmethod() {
    let mut node = TestNode::create("allowlist", &["-target-block-time=2"]);
    node.stop();
    let conf = node.datadir().join(&node.chain).join("multichain.conf");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    text.push_str("\nrpcallowmethod=applycommands,encodehexubjson,decodehexubjson,getblockcount\n");
    std::fs::write(&conf, text).unwrap();
    node.start();
    let refused = (
        -701,
        "Method not allowed with current setting of -rpcallowmethod runtime parameter".to_string(),
    );
    assert_eq!(call_err(&node, "getinfo", json!([])), refused);
    let batch = json!([
        {"method": "getblockcount", "params": [], "id": 1},
        {"method": "getinfo", "params": [], "id": 2},
        {"method": "stop", "params": [], "id": 3}
    ]);
    let hex = call(&node, "encodehexubjson", json!([batch]));
    let replies = call(&node, "applycommands", json!([hex]));
    let replies = call(&node, "decodehexubjson", json!([replies]));
    assert!(replies[0]["result"].is_u64(), "{replies}");
    for i in [1, 2] {
        assert_eq!(replies[i]["error"]["code"], refused.0, "{replies}");
        assert_eq!(replies[i]["error"]["message"], refused.1.as_str());
    }
    // The node is still up (stop was refused); end it without its stop command.
    call(&node, "getblockcount", json!([]));
    node.kill();
}
