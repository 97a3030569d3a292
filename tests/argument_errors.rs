//! Arguments MultiChain 2.3 reads in its own way: what it accepts, and the error it gives
//! first when several things are wrong.

mod common;

use common::*;
use serde_json::json;

#[test]
fn arguments_are_checked_in_multichains_order_and_words() {
    let node = TestNode::create("argchecks", &["-target-block-time=2"]);
    let (admin, _) = admin_and_new_address(&node);
    call(&node, "create", json!(["stream", "s1", true]));
    call(
        &node,
        "create",
        json!(["stream", "offonly", {"restrict": "onchain"}]),
    );
    node.wait_mined();
    call(&node, "subscribe", json!(["s1"]));

    // A stream taking only off-chain items refuses an on-chain one before reading its data.
    let (code, message) = call_err(&node, "publish", json!(["offonly", "k", "zz"]));
    assert_eq!(
        (code, message.as_str()),
        (
            -701,
            "Publishing onchain items is not allowed to this stream"
        )
    );
    // The rules refuse it too when it comes as a raw transaction.
    let (code, message) = call_err(
        &node,
        "createrawsendfrom",
        json!([admin, {}, [{"for": "offonly", "key": "k", "data": "aa"}], "send"]),
    );
    assert_eq!(code, -26, "{message}");
    assert!(
        message.contains("stream restrictions violation"),
        "{message}"
    );
    // publishmulti items may use the key `*`, which publish refuses.
    call(
        &node,
        "publishmulti",
        json!(["s1", [{"key": "*", "data": "aa"}]]),
    );
    let (code, message) = call_err(&node, "publish", json!(["s1", "*", "aa"]));
    assert_eq!((code, message.as_str()), (-8, "Invalid item-key-string: *"));
    let (_, message) = call_err(
        &node,
        "publishmulti",
        json!(["s1", [{"keys": ["a", 1], "data": "aa"}]]),
    );
    assert_eq!(message, "key should be string");

    // Transaction ids: hexadecimal first, then the length (Bitcoin's ParseHashV).
    let (code, message) = call_err(&node, "getstreamitem", json!(["s1", "zz"]));
    assert_eq!(
        (code, message.as_str()),
        (-8, "txid must be hexadecimal string (not 'zz')")
    );
    let (code, message) = call_err(&node, "getstreamitem", json!(["s1", "abcd"]));
    assert_eq!(
        (code, message.as_str()),
        (-8, "txid must be of length 64 (not 4)")
    );

    // Block sets: "" names no block, numbers may come in an array.
    assert_eq!(
        call(&node, "liststreamblockitems", json!(["s1", ""])),
        json!([])
    );
    assert_eq!(
        call(&node, "listblocks", json!([[0, 1]]))
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A filter that does not exist is not found; a stream is not a filter.
    let (code, message) = call_err(&node, "listtxfilters", json!(["nosuch"]));
    assert_eq!(
        (code, message.as_str()),
        (-708, "Filter with this name not found: nosuch")
    );
    let (code, message) = call_err(&node, "liststreamfilters", json!(["s1"]));
    assert_eq!(
        (code, message.as_str()),
        (-708, "Invalid filter identifier, not filter")
    );
    // Upgrades, variables and libraries: none can be made yet, so the lists are empty and a
    // name is answered the same way.
    for method in ["listupgrades", "listvariables", "listlibraries"] {
        assert_eq!(call(&node, method, json!([])), json!([]), "{method}");
        assert_eq!(call(&node, method, json!(["*"])), json!([]), "{method}");
    }
    for (method, kind) in [
        ("listupgrades", "upgrade"),
        ("listvariables", "variable"),
        ("listlibraries", "library"),
    ] {
        let mut upper = kind.to_string();
        upper[..1].make_ascii_uppercase();
        assert_eq!(
            call_err(&node, method, json!(["nosuch"])),
            (-708, format!("{upper} with this name not found: nosuch"))
        );
        assert_eq!(
            call_err(&node, method, json!(["s1"])),
            (-708, format!("Invalid {kind} identifier, not {kind}"))
        );
    }
    assert_eq!(
        call_err(&node, "listvariables", json!(["*", false, -1])),
        (-8, "Invalid count".into())
    );
    // Naming one in any command of its kind gets the same answers.
    for (method, params, kind) in [
        ("getvariableinfo", json!(["v1"]), "Variable"),
        ("getvariablevalue", json!(["v1"]), "Variable"),
        ("getvariablehistory", json!(["v1"]), "Variable"),
        ("setvariablevalue", json!(["v1", 5]), "Variable"),
        ("setvariablevaluefrom", json!([admin, "v1", 5]), "Variable"),
        ("getlibrarycode", json!(["v1"]), "Library"),
        ("addlibraryupdate", json!(["v1", "u", {}]), "Library"),
        ("getfiltercode", json!(["v1"]), "Filter"),
        ("runtxfilter", json!(["v1"]), "Filter"),
        ("runstreamfilter", json!(["v1"]), "Filter"),
    ] {
        assert_eq!(
            call_err(&node, method, params),
            (-708, format!("{kind} with this name not found: v1")),
            "{method}"
        );
    }
    assert_eq!(
        call_err(&node, "getfiltercode", json!(["s1"])),
        (-708, "Invalid filter identifier, not filter".into())
    );
    assert_eq!(
        call_err(&node, "getvariableinfo", json!([1])),
        (-8, "Invalid variable identifier, expected string".into())
    );
    assert_eq!(
        call_err(&node, "getvariablehistory", json!(["v1", false, "x"])),
        (-8, "Invalid count".into())
    );
    assert_eq!(
        call_err(&node, "approvefrom", json!([admin, "s1", true])),
        (
            -708,
            "Invalid identifier, should be upgrade or filter".into()
        )
    );
    assert_eq!(
        call_err(&node, "approvefrom", json!([admin, "u1", true])),
        (-708, "Entity with this name not found: u1".into())
    );
    for method in ["testtxfilter", "teststreamfilter"] {
        assert_eq!(
            call_err(&node, method, json!([{}, "code"])).0,
            -702,
            "{method}"
        );
    }

    // An issue quantity given as an object is a token issue, which is not supported.
    let (code, message) = call_err(&node, "issue", json!([admin, "t1", {"a": 1}]));
    assert_eq!(
        (code, message.as_str()),
        (-702, "Invalid quantity, should be numeric")
    );

    // Raw transaction parameters: each with the error MultiChain gives for it.
    let (code, message) = call_err(&node, "createrawtransaction", json!([[], "x"]));
    assert_eq!(
        (code, message.as_str()),
        (
            -8,
            "Invalid addresses, should be either object or array of objects"
        )
    );
    let (code, message) = call_err(&node, "createrawtransaction", json!([[], {}, "aabb"]));
    assert_eq!(
        (code, message.as_str()),
        (-1, "value is type str, expected array")
    );
    // An output's issue and issuemore objects are read field by field, in the order given.
    for (fields, expected) in [
        (
            json!({"issue": {"raw": 5, "qty": 1}}),
            (-8, "Invalid field for object issue: qty"),
        ),
        (
            json!({"issuemore": {"asset": "nosuch", "raw": -5}}),
            (-708, "Issue transaction with this name not found: nosuch"),
        ),
        (
            json!({"issuemore": {"raw": -5, "asset": "nosuch"}}),
            (-8, "Negative value for issuemore raw qty"),
        ),
        // Not an object: a quantity of an asset called "issue".
        (
            json!({"issue": 5}),
            (-708, "Issue transaction with this name not found: issue"),
        ),
    ] {
        let (code, message) = call_err(
            &node,
            "createrawtransaction",
            json!([[], {admin.clone(): fields}]),
        );
        assert_eq!((code, message.as_str()), expected);
    }

    // issuemorefrom names a from-address outside the wallet before anything else.
    call(&node, "issue", json!([admin, "closedgold", 10, 1]));
    node.wait_mined();
    let outsider = call(&node, "createkeypairs", json!([]))[0]["address"].clone();
    let (code, message) = call_err(
        &node,
        "issuemorefrom",
        json!([outsider, admin, "closedgold", 5]),
    );
    assert_eq!(
        (code, message.as_str()),
        (
            -709,
            "Private key for from-address is not found in this wallet"
        )
    );

    // sendasset reads its quantity as a plain number (json_spirit's type error).
    let (code, message) = call_err(&node, "sendasset", json!([admin, "closedgold", {"a": 1}]));
    assert_eq!(
        (code, message.as_str()),
        (-1, "value is type obj, expected real")
    );

    // signrawtransaction refuses a previous output whose script is not the one on chain.
    let coin = call(&node, "listunspent", json!([0]))[0].clone();
    let raw = call(
        &node,
        "createrawtransaction",
        json!([[{"txid": coin["txid"], "vout": coin["vout"]}], {}]),
    );
    let wrong = "76a914000000000000000000000000000000000000000088ac";
    let (code, message) = call_err(
        &node,
        "signrawtransaction",
        json!([raw, [{"txid": coin["txid"], "vout": coin["vout"], "scriptPubKey": wrong}]]),
    );
    assert_eq!(code, -712, "{message}");
    assert!(
        message.starts_with("Previous output scriptPubKey mismatch:\n"),
        "{message}"
    );
}

/// Enterprise commands: MultiChain Community checks how many arguments came, then refuses.
#[test]
fn enterprise_commands_are_refused_after_their_argument_count() {
    let node = TestNode::create("enterprise", &["-target-block-time=2"]);
    for (method, params) in [
        ("createfeed", json!(["feed1"])),
        ("listfeeds", json!([])),
        ("getlicenserequest", json!([])),
        ("gethealthcheck", json!([])),
        ("purgestreamitems", json!(["s1", "all"])),
        ("trimsubscribe", json!(["s1", "items"])),
    ] {
        assert_eq!(
            call_err(&node, method, params),
            (
                -702,
                format!("This feature is only available in MultiChain Enterprise: {method} API")
            )
        );
    }
    // Too many arguments: the command's help, as for any other command.
    let (code, message) = call_err(&node, "gethealthcheck", json!([1]));
    assert_eq!(code, -1);
    assert!(message.starts_with("gethealthcheck"), "{message}");
    let (code, _) = call_err(&node, "purgefeed", json!(["feed1"]));
    assert_eq!(code, -1);
}
