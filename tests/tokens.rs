//! Non-fungible assets and their tokens through the RPC: issued, shown, sent, counted in
//! balances, refused where MultiChain refuses, and still there after a restart.

mod common;

use common::*;
use serde_json::{json, Value};

fn error(code: i64, message: &str) -> (i64, String) {
    (code, message.to_string())
}

/// The token rows of one address in `gettokenbalances`: (token, qty), by token.
fn tokens_of(balances: &Value, address: &Value) -> Vec<(String, f64)> {
    let mut rows: Vec<(String, f64)> = balances[address.as_str().unwrap()]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|r| {
            assert_eq!(r["asset"], "nft");
            (
                r["token"].as_str().unwrap().to_string(),
                r["qty"].as_f64().unwrap(),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

#[test]
fn tokens_are_issued_sent_and_counted() {
    let mut node = TestNode::create("tokens", &["-target-block-time=2"]);
    let admin = call(&node, "getaddresses", json!([]))[0].clone();
    let other = call(&node, "getnewaddress", json!([]));
    call(&node, "grant", json!([other, "receive,send"]));

    // The asset: quantity 0, units 1, and open (or able to be opened).
    let nft = json!({"name": "nft", "fungible": false, "open": true});
    assert_eq!(
        call_err(&node, "issue", json!([admin, nft, 5, 1])),
        error(-702, "Quantity should be 0 for non-fungible token asset ")
    );
    assert_eq!(
        call_err(&node, "issue", json!([admin, nft, 0, 0.1])),
        error(-701, "Non-fungible token asset should have multiple 1")
    );
    assert_eq!(
        call_err(
            &node,
            "issue",
            json!([admin, {"name": "closed", "fungible": false}, 0, 1])
        ),
        error(
            -702,
            "Asset cannot have non-fungible tokens if follow-ons are not allowed or cannot be allowed"
        )
    );
    assert_eq!(
        call_err(
            &node,
            "issue",
            json!([admin, {"name": "x", "fungible": 1}, 0, 1])
        )
        .0,
        -8
    );
    let asset_txid = call(&node, "issue", json!([admin, nft, 0, 1]));
    call(
        &node,
        "issue",
        json!([admin, {"name": "plain", "open": true}, 10, 1]),
    );
    let info = call(&node, "getassetinfo", json!(["nft"]));
    assert_eq!(info["fungible"], false);
    assert_eq!(info["issueqty"], json!(0));

    // Tokens: each id once, a whole positive quantity, of a non-fungible asset only.
    let issue = call(
        &node,
        "issuetoken",
        json!([admin, "nft", "tok1", 5, 0, {"color": "red"}]),
    );
    assert!(is_txid(issue.as_str().unwrap()));
    for (params, expected) in [
        (
            json!([admin, "nft", "tok1", 1]),
            error(-701, "Token with this ID already exists in this asset"),
        ),
        (
            json!([admin, "nft", "", 1]),
            error(-8, "Invalid token name"),
        ),
        (
            json!([admin, "nft", "tok2", 1.5]),
            error(-8, "Invalid quantity - should be integer"),
        ),
        (
            json!([admin, "nft", "tok2", 0]),
            error(-8, "Invalid quantity - should be positive"),
        ),
        (
            json!([admin, "plain", "tok2", 1]),
            error(-701, "Issuing tokens not supported for this asset"),
        ),
    ] {
        assert_eq!(
            call_err(&node, "issuetoken", params.clone()),
            expected,
            "{params}"
        );
    }
    let token = call(&node, "gettokeninfo", json!(["nft", "tok1", true]));
    assert_eq!(
        token,
        json!({"txid": issue, "qty": 5, "raw": 5, "token": "tok1",
               "details": {"color": "red"}, "issuers": [admin]})
    );
    assert_eq!(
        call_err(&node, "gettokeninfo", json!(["nft", "nope"])),
        error(-708, "Token nope not found in this asset")
    );
    assert_eq!(
        call_err(&node, "gettokeninfo", json!(["plain", "tok1"])),
        error(
            -701,
            "Token details are only available for non-fungible assets"
        )
    );
    // The issue as decoded, before and after it is in a block.
    let raw = call(&node, "getrawtransaction", json!([issue]));
    let decoded = call(&node, "decoderawtransaction", json!([raw]));
    let rows: Vec<&Value> = decoded["vout"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["assets"].as_array())
        .flatten()
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["type"], "issuetoken");
    assert_eq!(rows[0]["token"], "tok1");
    assert_eq!(rows[0]["issuetxid"], asset_txid);
    node.wait_mined();

    // Sent by token id, alone or in a list; balances count the asset's tokens together.
    assert_eq!(
        call_err(&node, "sendasset", json!([other, "nft", 1])),
        error(-702, "This API is not supported for nun-fungible assets")
    );
    assert_eq!(
        call_err(&node, "send", json!([other, {"nft": 2}])),
        error(
            -8,
            "Invalid token quantity, should be object or array of objects"
        )
    );
    assert_eq!(
        call_err(
            &node,
            "send",
            json!([other, {"nft": {"token": "zzz", "qty": 1}}])
        ),
        error(-708, "Token zzz not found in this asset")
    );
    assert_eq!(
        call_err(&node, "send", json!([other, {"nft": {"token": "tok1"}}])),
        error(-8, "Missing quantity")
    );
    assert_eq!(
        call_err(
            &node,
            "send",
            json!([other, {"nft": {"token": "tok1", "qty": 9}}])
        )
        .0,
        -6
    );
    call(
        &node,
        "send",
        json!([other, {"nft": {"token": "tok1", "qty": 2}}]),
    );
    call(&node, "issuetoken", json!([admin, "nft", "tok2", 3]));
    let mut to = serde_json::Map::new();
    to.insert(
        other.as_str().unwrap().to_string(),
        json!({"nft": [{"token": "tok1", "qty": 1}, {"token": "tok2", "qty": 1}]}),
    );
    call(&node, "createrawsendfrom", json!([admin, to, [], "send"]));
    // The wallet's view of a token's issue.
    let entry = call(&node, "getwallettransaction", json!([issue]));
    assert_eq!(
        entry["issue"],
        json!({"name": "nft", "assetref": entry["issue"]["assetref"], "token": "tok1",
               "details": {"color": "red"}, "qty": 5, "raw": 5, "addresses": [admin]})
    );
    // A raw output issuing a token, and the refusals of its object.
    let mut to = serde_json::Map::new();
    let raw_issue = json!({"asset": "nft", "token": "tok3", "qty": 4, "details": {"n": 3}});
    to.insert(
        admin.as_str().unwrap().to_string(),
        json!({"issuetoken": raw_issue}),
    );
    call(&node, "createrawsendfrom", json!([admin, to, [], "send"]));
    assert_eq!(
        call(&node, "gettokeninfo", json!(["nft", "tok3"]))["details"],
        json!({"n": 3})
    );
    for (object, expected) in [
        (
            json!({"token": "tok4", "qty": 1}),
            error(-8, "Missing asset"),
        ),
        (
            json!({"asset": "nft", "qty": 1}),
            error(-8, "Missing token"),
        ),
        (
            json!({"asset": "nft", "token": "tok3", "qty": 1}),
            error(-701, "Token with this ID already exists in this asset"),
        ),
        (
            json!({"asset": "plain", "token": "tok4", "qty": 1}),
            error(-8, "Issuing tokens for fungible assets is not allowed"),
        ),
    ] {
        let mut to = serde_json::Map::new();
        to.insert(
            admin.as_str().unwrap().to_string(),
            json!({"issuetoken": object}),
        );
        assert_eq!(
            call_err(&node, "createrawsendfrom", json!([admin, to, [], "send"])),
            expected
        );
    }
    node.wait_mined();
    let balances = call(&node, "gettokenbalances", json!([]));
    assert_eq!(
        tokens_of(&balances, &admin),
        [
            ("tok1".to_string(), 2.0),
            ("tok2".to_string(), 2.0),
            ("tok3".to_string(), 4.0)
        ]
    );
    assert_eq!(
        tokens_of(&balances, &other),
        [("tok1".to_string(), 3.0), ("tok2".to_string(), 1.0)]
    );
    let held = call(&node, "getaddressbalances", json!([other, 0]));
    let assetref = call(&node, "getassetinfo", json!(["nft"]))["assetref"].clone();
    assert!(assetref.is_string());
    assert_eq!(
        held,
        json!([{"name": "nft", "assetref": assetref, "qty": 4}])
    );
    // Asked about the asset, an address shows its tokens it does not hold at 0.
    let named = call(&node, "gettokenbalances", json!([[admin, other], "nft"]));
    assert_eq!(
        tokens_of(&named, &other),
        [
            ("tok1".to_string(), 3.0),
            ("tok2".to_string(), 1.0),
            ("tok3".to_string(), 0.0)
        ]
    );
    assert_eq!(
        call_err(&node, "gettokenbalances", json!(["*", "plain"])),
        error(
            -701,
            "Token balances are only available for non-fungible assets"
        )
    );
    // More units of a non-fungible asset come only as new tokens.
    assert_eq!(
        call_err(&node, "issuemore", json!([admin, "nft", 1])),
        error(
            -702,
            "Invalid quantity, must be 0 if adding custom fields to non-fungible assets"
        )
    );
    let listed = call(&node, "listassets", json!(["nft", true]));
    let tokens: Vec<&Value> = listed[0]["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["token"])
        .collect();
    assert_eq!(
        tokens,
        [&Value::Null, &json!("tok1"), &json!("tok2"), &json!("tok3")]
    );

    // A subscriber to the asset sees every transaction moving its tokens, as the asset's.
    call(&node, "subscribe", json!(["nft"]));
    let txs = call(&node, "listassettransactions", json!(["nft", false, 100]));
    let txids: Vec<&Value> = txs.as_array().unwrap().iter().map(|t| &t["txid"]).collect();
    assert!(txids.contains(&&issue), "{txs}");
    let sent = txs
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["addresses"][other.as_str().unwrap()] == json!(2))
        .unwrap_or_else(|| panic!("the send of 2 tok1 to {other}: {txs}"));
    assert_eq!(sent["addresses"][admin.as_str().unwrap()], json!(-2));

    // After a restart the tokens are found again.
    node.wait_mined();
    node.stop();
    node.start();
    assert_eq!(
        call(&node, "gettokeninfo", json!(["nft", "tok2"]))["raw"],
        3
    );
    assert_eq!(call(&node, "gettokenbalances", json!([])), balances);
    assert_eq!(
        call_err(&node, "issuetoken", json!([admin, "nft", "tok2", 1])),
        error(-701, "Token with this ID already exists in this asset")
    );
}

/// A chain of an older protocol (before MultiChain 2.2) knows no tokens, issue limits or
/// switchable assets: MultiChain's refusals.
#[test]
fn older_protocols_refuse_what_came_with_tokens() {
    let node = TestNode::create(
        "oldtokens",
        &["-target-block-time=2", "-protocol-version=20012"],
    );
    let admin = call(&node, "getaddresses", json!([]))[0].clone();
    for field in ["fungible", "canopen", "totallimit"] {
        let value = if field == "totallimit" {
            json!(5)
        } else {
            json!(false)
        };
        let params = json!({"name": "x", "open": true, field: value});
        assert_eq!(
            call_err(&node, "issue", json!([admin, params, 0, 1])),
            error(
                -702,
                &format!("{field} field is not supported in this protocol version")
            )
        );
    }
    call(
        &node,
        "issue",
        json!([admin, {"name": "plain", "open": true}, 1, 1]),
    );
    assert_eq!(
        call_err(&node, "issuetoken", json!([admin, "plain", "t", 1])),
        error(-702, "API is not supported with this protocol version.")
    );
}
