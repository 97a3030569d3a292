//! `liststreamqueryitems`: the items carrying every key and publisher a query names, confirmed
//! and waiting alike, with MultiChain's errors and its `-maxqueryscanitems` bound, which
//! `setruntimeparam` changes at run time (as it does `-maxshowndata`).

mod common;

use common::*;
use serde_json::{json, Value};

fn data_of(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .expect("a list of items")
        .iter()
        .map(|i| i["data"].as_str().unwrap())
        .collect()
}

#[test]
fn a_query_lists_the_items_with_all_its_keys_and_publishers() {
    let mut node = TestNode::create("queries", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    call(&node, "grant", json!([other, "send"]));
    call(&node, "create", json!(["stream", "s1", true]));
    node.wait_mined();
    let query = |q: Value| call(&node, "liststreamqueryitems", json!(["s1", q]));

    assert_eq!(
        call_err(&node, "liststreamqueryitems", json!(["s1", {"key": "a"}])),
        (-703, "Not subscribed to this stream".into())
    );
    call(&node, "subscribe", json!(["s1"]));
    call(&node, "publish", json!(["s1", ["a", "b"], "01"]));
    call(&node, "publish", json!(["s1", "a", "02"]));
    node.wait_mined();
    // Waiting in the mempool, after the confirmed ones.
    call(&node, "publishfrom", json!([other, "s1", ["b", "a"], "03"]));
    call(&node, "publishfrom", json!([other, "s1", "c", "04"]));

    assert_eq!(data_of(&query(json!({"key": "a"}))), ["01", "02", "03"]);
    assert_eq!(data_of(&query(json!({"keys": ["a", "b"]}))), ["01", "03"]);
    assert_eq!(
        data_of(&query(json!({"key": "a", "publisher": other}))),
        ["03"]
    );
    assert_eq!(
        data_of(&query(json!({"publishers": [admin, other]}))),
        Vec::<&str>::new()
    );
    assert_eq!(data_of(&query(json!({"publisher": admin}))), ["01", "02"]);
    assert_eq!(
        data_of(&query(json!({"key": "nowhere", "publisher": admin}))),
        Vec::<&str>::new()
    );
    // `*` reads no index: with an indexed condition beside it, only an item keyed "*" matches.
    assert_eq!(
        data_of(&query(json!({"keys": ["a", "*"]}))),
        Vec::<&str>::new()
    );

    // The same items, in the same form, as liststreamkeyitems gives them.
    for verbose in [false, true] {
        assert_eq!(
            call(
                &node,
                "liststreamqueryitems",
                json!(["s1", {"keys": ["b"]}, verbose])
            ),
            call(&node, "liststreamkeyitems", json!(["s1", "b", verbose]))
        );
    }

    for (params, code, message) in [
        (json!(["s1", "a"]), -8, "Invalid query, should be object "),
        (json!(["s1", {}]), -8, "Invalid query, cannot be empty"),
        (json!(["s1", {"txid": "x"}]), -8, "Invalid field: txid"),
        (
            json!(["s1", {"publisher": "nonsense"}]),
            -5,
            "Invalid address",
        ),
        (
            json!(["s1", {"key": "*"}]),
            -703,
            "The required keys index is not active for this subscription.",
        ),
        (
            json!(["s1", {"key": "*", "publisher": "*"}]),
            -703,
            "Both the keys and publishers indexes are not active for this subscription.",
        ),
        (
            json!(["s1", {"key": "a"}, "yes"]),
            -8,
            "Invalid parameter value type, should be boolean",
        ),
        (
            json!(["nostream", {"key": "a"}]),
            -708,
            "Stream with this name not found: nostream",
        ),
    ] {
        assert_eq!(
            call_err(&node, "liststreamqueryitems", params.clone()),
            (code, message.to_string()),
            "{params}"
        );
    }

    // Above -maxqueryscanitems: one index too long to list, or too long to check.
    node.stop();
    let conf = node.datadir().join("queries").join("multichain.conf");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    text.push_str("maxqueryscanitems=2\n");
    std::fs::write(&conf, text).unwrap();
    node.start();
    assert_eq!(
        call_err(&node, "liststreamqueryitems", json!(["s1", {"key": "a"}])),
        (-702, "Resulting list is too large".into())
    );
    // The shortest index is what is read and checked: key "c" has one item.
    assert_eq!(
        data_of(&call(
            &node,
            "liststreamqueryitems",
            json!(["s1", {"keys": ["a", "c"], "publisher": other}])
        )),
        Vec::<&str>::new()
    );
    call(&node, "publish", json!(["s1", ["a", "b"], "05"]));
    assert_eq!(
        call_err(
            &node,
            "liststreamqueryitems",
            json!(["s1", {"keys": ["a", "b"]}])
        ),
        (
            -702,
            "This query requires decoding 3 items, which is above the maxqueryscanitems limit of 2."
                .into()
        )
    );

    // setruntimeparam changes the bound (and what is shown of large data) while it runs.
    call(&node, "setruntimeparam", json!(["maxqueryscanitems", "10"]));
    assert_eq!(
        data_of(&call(
            &node,
            "liststreamqueryitems",
            json!(["s1", {"keys": ["a", "b"]}])
        )),
        ["01", "03", "05"]
    );
    call(&node, "setruntimeparam", json!(["maxshowndata", 1]));
    let params = call(&node, "getruntimeparams", json!([]));
    assert_eq!(
        (
            params["maxqueryscanitems"].clone(),
            params["maxshowndata"].clone()
        ),
        (json!(10), json!(1))
    );
    let shown = call(&node, "liststreamkeyitems", json!(["s1", "c"]))[0]["data"].clone();
    assert_eq!(shown, "04", "one byte is still shown inline");
    call(&node, "publish", json!(["s1", "big", "0a0b0c"]));
    let shown = call(&node, "liststreamkeyitems", json!(["s1", "big"]))[0]["data"].clone();
    assert_eq!(
        shown["size"], 3,
        "three bytes are shown by reference: {shown}"
    );
    call(&node, "setruntimeparam", json!(["mineemptyrounds", 2.0]));
    assert_eq!(
        call(&node, "getruntimeparams", json!([]))["mineemptyrounds"],
        2
    );
    for (params, code, message) in [
        (
            json!(["nosuchparam", 1]),
            -8,
            "Unsupported runtime parameter: nosuchparam",
        ),
        (
            json!(["maxshowndata", 1.5]),
            -8,
            "Invalid parameter value type",
        ),
        (json!(["maxshowndata", -1]), -8, "Should be non-negative"),
        (
            json!(["mineemptyrounds", 2]),
            -8,
            "Invalid parameter value type",
        ),
        (
            json!(["miningturnover", "0.5"]),
            -702,
            "Changing miningturnover while the node runs is not supported by this node yet",
        ),
    ] {
        assert_eq!(
            call_err(&node, "setruntimeparam", params.clone()),
            (code, message.to_string()),
            "{params}"
        );
    }
}
