//! Bitcoin's account-based wallet commands, which MultiChain 2.3's scalable wallet refuses
//! (-702) after checking their arguments; `getaddressesbyaccount ""` and `getbalance "*"`, which
//! it answers.

mod common;

use common::*;
use serde_json::json;

const ACCOUNTS: &str = "Accounts are not supported with scalable wallet - if you need accounts, run multichaind -walletdbversion=1 -rescan, but the wallet will perform worse";

fn refusal(start: &str, need: &str) -> (i64, String) {
    (
        -702,
        format!("{start} with scalable wallet - if you need {need}, run multichaind -walletdbversion=1 -rescan, but the wallet will perform worse"),
    )
}

#[test]
fn account_commands_are_refused_as_by_a_scalable_wallet() {
    let node = TestNode::create("accounts", &["-target-block-time=2"]);
    let (admin, new) = admin_and_new_address(&node);
    let accounts = refusal("Accounts are not supported", "accounts");
    let not_supported = refusal("Not supported", "accounts");
    for (method, params, expected) in [
        ("getaccountaddress", json!([""]), accounts.clone()),
        ("setaccount", json!([admin, "a"]), accounts.clone()),
        ("getaccount", json!([admin]), accounts.clone()),
        ("getaddressesbyaccount", json!(["a"]), accounts.clone()),
        (
            "getreceivedbyaddress",
            json!([admin]),
            not_supported.clone(),
        ),
        ("getreceivedbyaccount", json!([""]), accounts.clone()),
        ("listreceivedbyaddress", json!([]), not_supported.clone()),
        ("listreceivedbyaccount", json!([]), accounts.clone()),
        ("getnewaddress", json!([""]), accounts.clone()),
        (
            "move",
            json!(["", "a", 1]),
            refusal("Accounts are not supported", "move"),
        ),
        (
            "sendfromaccount",
            json!(["", admin, 1]),
            refusal("Accounts are not supported", "sendfrom"),
        ),
        (
            "sendmany",
            json!(["", {}]),
            refusal("Accounts are not supported", "sendmany"),
        ),
        (
            "listaccounts",
            json!([]),
            refusal("Accounts are not supported", "listaccounts"),
        ),
        (
            "getbalance",
            json!(["", 1]),
            refusal("Accounts are not supported", "getbalance"),
        ),
        (
            "listtransactions",
            json!(["*", 10]),
            refusal("Not supported", "listtransactions"),
        ),
        // Arguments are read first where MultiChain reads them first.
        (
            "listtransactions",
            json!(["*", -1]),
            (-8, "Negative count".into()),
        ),
        (
            "listtransactions",
            json!(["*", 1, -1]),
            (-8, "Negative from".into()),
        ),
        (
            "listtransactions",
            json!([1]),
            (-1, "value is type int, expected str".into()),
        ),
        (
            "getbalance",
            json!(["*", "x"]),
            (-1, "value is type str, expected int".into()),
        ),
        (
            "getaddressesbyaccount",
            json!(["*"]),
            (-11, "Invalid account name".into()),
        ),
    ] {
        assert_eq!(
            call_err(&node, method, params.clone()),
            expected,
            "{method} {params}"
        );
    }
    assert_eq!(accounts.1, ACCOUNTS);
    // Wrong argument counts give the help first.
    let (code, help) = call_err(&node, "sendmany", json!([""]));
    assert_eq!(code, -1);
    assert!(help.starts_with("sendmany "), "{help}");

    // The one account there is: every address of the wallet.
    let listed = call(&node, "getaddressesbyaccount", json!([""]));
    let mut listed: Vec<String> = serde_json::from_value(listed).unwrap();
    listed.sort();
    let mut expected = vec![admin, new];
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(
        call(&node, "getbalance", json!(["*", 0, true])),
        call(&node, "getbalance", json!([]))
    );
}
