//! getwalletinfo and the hex UBJSON codec through the RPC.

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn wallet_info_follows_the_wallet() {
    let node = TestNode::create("walletinfo", &["-target-block-time=2"]);
    let info = call(&node, "getwalletinfo", json!([]));
    let names: Vec<&str> = info
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        [
            "walletversion",
            "balance",
            "walletdbversion",
            "txcount",
            "utxocount",
            "keypoololdest",
            "keypoolsize"
        ]
    );
    let getinfo = call(&node, "getinfo", json!([]));
    for same in [
        "walletversion",
        "balance",
        "walletdbversion",
        "keypoololdest",
        "keypoolsize",
    ] {
        assert_eq!(info[same], getinfo[same], "{same}");
    }
    // A publish adds one wallet transaction and leaves one spendable output (its change) in
    // place of the one it spent.
    call(&node, "create", json!(["stream", "s", true]));
    let before = call(&node, "getwalletinfo", json!([]));
    call(&node, "publish", json!(["s", "k", "00"]));
    let after = call(&node, "getwalletinfo", json!([]));
    let count = |v: &Value, name: &str| v[name].as_u64().unwrap();
    assert_eq!(count(&after, "txcount"), count(&before, "txcount") + 1);
    assert_eq!(count(&after, "utxocount"), count(&before, "utxocount"));
    assert!(count(&after, "utxocount") >= 1);
    // A locked output is not spendable.
    let unspent = call(&node, "listunspent", json!([0]));
    let first = &unspent[0];
    call(
        &node,
        "lockunspent",
        json!([false, [{"txid": first["txid"], "vout": first["vout"]}]]),
    );
    let locked = call(&node, "getwalletinfo", json!([]));
    assert_eq!(count(&locked, "utxocount"), count(&after, "utxocount") - 1);
    let (code, _) = call_err(&node, "getwalletinfo", json!([1]));
    assert_eq!(code, -1);
}

#[test]
fn hex_ubjson_round_trips_and_matches_published_json() {
    let node = TestNode::create("hexubjson", &["-target-block-time=2"]);
    let value = json!({"a": [1, 2.5, "调度", null, true], "b": {"c": -70000}});
    let hex = call(&node, "encodehexubjson", json!([value]));
    let hex = hex.as_str().unwrap();
    assert_eq!(call(&node, "decodehexubjson", json!([hex])), value);
    // The bytes a JSON stream item is stored as.
    call(&node, "create", json!(["stream", "s", true]));
    let txid = call(&node, "publish", json!(["s", "k", {"json": value}]));
    let raw = call(&node, "getrawtransaction", json!([txid]));
    assert!(raw.as_str().unwrap().contains(hex), "{hex} not in {raw}");
    // MultiChain's errors.
    assert_eq!(
        call_err(&node, "decodehexubjson", json!(["zz"])),
        (-32603, "Error decoding UBJSON".to_string())
    );
    let (code, _) = call_err(&node, "encodehexubjson", json!([]));
    assert_eq!(code, -1);
}
