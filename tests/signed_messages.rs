//! signmessage and verifymessage through the RPC: MultiChain's arguments, results and errors.

mod common;

use common::*;
use mcnode::primitives::address::Address;
use serde_json::{json, Value};

/// A pay-to-script-hash address of this chain (a valid address with no key behind it).
fn script_address(node: &TestNode) -> String {
    let format = address_format(node);
    format.encode_address(&Address::ScriptHash([7; 20]))
}

#[test]
fn messages_are_signed_and_verified_as_multichain_does() {
    let node = TestNode::create("signedmessages", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    let text = |v: Value| v.as_str().unwrap().to_string();

    let signature = text(call(&node, "signmessage", json!([admin, "调度方案01"])));
    assert_eq!(signature.len(), 88, "65 bytes in Base64: {signature}");
    let verify = |address: &str, signature: &str, message: &str| {
        call(&node, "verifymessage", json!([address, signature, message]))
    };
    assert_eq!(verify(&admin, &signature, "调度方案01"), json!(true));
    assert_eq!(verify(&admin, &signature, "调度方案02"), json!(false));
    assert_eq!(verify(&other, &signature, "调度方案01"), json!(false));
    assert_eq!(verify(&admin, "", "调度方案01"), json!(false));

    // Deterministic, and the same by the address or by its private key.
    let wif = text(call(&node, "dumpprivkey", json!([admin])));
    assert_eq!(
        text(call(&node, "signmessage", json!([wif, "调度方案01"]))),
        signature
    );
    // A key outside the wallet signs when given itself, not by its address.
    let pair = call(&node, "createkeypairs", json!([]))[0].clone();
    let (address, privkey) = (text(pair["address"].clone()), text(pair["privkey"].clone()));
    let outside = text(call(&node, "signmessage", json!([privkey, "m"])));
    assert_eq!(verify(&address, &outside, "m"), json!(true));
    assert_eq!(
        call_err(&node, "signmessage", json!([address, "m"])),
        (-5, "Private key not available".into())
    );

    let script = script_address(&node);
    for (method, params, expected) in [
        (
            "signmessage",
            json!(["nonsense", "m"]),
            (-5, "Invalid address or private key"),
        ),
        (
            "signmessage",
            json!([script, "m"]),
            (-5, "Address does not refer to key"),
        ),
        (
            "signmessage",
            json!([1, "m"]),
            (-1, "value is type int, expected str"),
        ),
        (
            "verifymessage",
            json!(["nonsense", signature, "m"]),
            (-5, "Invalid address"),
        ),
        (
            "verifymessage",
            json!([script, signature, "m"]),
            (-5, "Address does not refer to key"),
        ),
        (
            "verifymessage",
            json!([admin, "%%%", "m"]),
            (-22, "Malformed base64 encoding"),
        ),
    ] {
        let (code, message) = expected;
        assert_eq!(
            call_err(&node, method, params.clone()),
            (code, message.to_string()),
            "{method} {params}"
        );
    }
    // Wrong counts of arguments give the command's help, as for every command.
    let (code, help) = call_err(&node, "signmessage", json!([admin]));
    assert_eq!(code, -1);
    assert!(
        help.starts_with("signmessage \"address\"|\"privkey\" \"message\""),
        "{help}"
    );
    let (code, help) = call_err(&node, "verifymessage", json!([admin, signature]));
    assert_eq!(code, -1);
    assert!(
        help.starts_with("verifymessage \"address\" \"signature\" \"message\""),
        "{help}"
    );
}
