//! Issue #4 end to end over JSON-RPC: the paper's Fig. 11–12 dispatch plan published the
//! Web Demo's way, consensus refusing raw transactions that break a rule, and an exchange.

mod common;

use common::*;
use serde_json::{json, Value};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// A 579-byte configuration file with Chinese text, a NUL and high bytes in it.
fn config_txt() -> Vec<u8> {
    let mut bytes = "# 调度方案01 配置\nperiod=15min\n".as_bytes().to_vec();
    bytes.extend_from_slice(&[0x00, 0xff, 0xfe, 0x80]);
    let mut i = 0u32;
    while bytes.len() < 579 {
        bytes.extend_from_slice(format!("user{i}=load;").as_bytes());
        i += 1;
    }
    bytes.truncate(579);
    bytes
}

/// The Web Demo's `fileref_to_string` and `string_to_fileref`.
fn fileref(vout: u32, name: &str, mime: &str, size: usize) -> String {
    format!("\0{vout}\0{name}\0{mime}\0{size}")
}

/// The first unspent output of `address` holding `asset` (or any output when `None`).
fn unspent_of(node: &TestNode, address: &str, asset: Option<&str>) -> Value {
    let list = call(node, "listunspent", json!([0, 9999999, [address]]));
    list.as_array()
        .unwrap()
        .iter()
        .find(|u| {
            let assets = u["assets"].as_array().unwrap();
            match asset {
                Some(name) => assets.iter().any(|a| a["name"] == name),
                None => assets.is_empty(),
            }
        })
        .unwrap_or_else(|| panic!("no unspent output of {address} with {asset:?}: {list}"))
        .clone()
}

/// The chain admin's address and two new wallet addresses that may send and receive.
fn admin_and_two_senders(node: &TestNode) -> (String, String, String) {
    let (admin, other) = admin_and_new_address(node);
    let third = call(node, "getnewaddress", json!([]))
        .as_str()
        .unwrap()
        .to_string();
    call(
        node,
        "grant",
        json!([format!("{other},{third}"), "send,receive"]),
    );
    (admin, other, third)
}

/// The permission types `listpermissions` lists for `permissions` (`entity.*`) of `address`.
fn permission_types(node: &TestNode, permissions: &str, address: &str) -> Vec<String> {
    let perms = call(node, "listpermissions", json!([permissions, address]));
    perms
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap().to_string())
        .collect()
}

/// A raw follow-on of one raw unit of `asset` from `admin`, sent at once: consensus refuses
/// it (-26) for `reason`.
fn raw_follow_on_is_refused(node: &TestNode, admin: &str, asset: &str, reason: &str) {
    let (code, message) = call_err(
        node,
        "createrawsendfrom",
        json!([admin, {admin: {"issuemore": {"asset": asset, "raw": 1}}}, [], "send"]),
    );
    assert_eq!(code, -26, "{message}");
    assert!(message.contains(reason), "{message}");
}

/// A raw transaction signed by the wallet; the signature must come out complete.
fn sign(node: &TestNode, hex: &Value) -> String {
    let signed = call(node, "signrawtransaction", json!([hex]));
    assert_eq!(signed["complete"], true, "{signed}");
    signed["hex"].as_str().unwrap().to_string()
}

/// Fig. 11: `调度方案01`, quantity 100, with `config.txt` in its details, issued by one
/// address to another exactly as the Web Demo's issue page does it. Fig. 12: the asset is
/// listed with name, quantity, issuer, file size, hash, time and block, and the file comes
/// back byte for byte the way the Web Demo's download page reads it.
#[test]
fn fig_11_12_dispatch_plan_with_file_round_trips() {
    let node = TestNode::create("figchain", &["-target-block-time=2"]);
    let (issuer, receiver) = admin_and_new_address(&node);
    call(&node, "grant", json!([receiver, "receive"]));

    let content = config_txt();
    assert_eq!(content.len(), 579);
    let mut details = serde_json::Map::new();
    details.insert("period".into(), json!("2026-11-24 10:00-10:15"));
    details.insert(
        "@file".into(),
        json!(fileref(2, "config.txt", "text/plain", content.len())),
    );
    let mut file_blob = b"\0config.txt\0text/plain\0".to_vec();
    file_blob.extend_from_slice(&content);
    let txid = call(
        &node,
        "createrawsendfrom",
        json!([
            issuer,
            {receiver.clone(): {"issue": {"raw": 100}}},
            [
                {"create": "asset", "name": "调度方案01", "multiple": 1, "open": true,
                 "details": details},
                hex(&file_blob)
            ],
            "send"
        ]),
    );
    let txid = txid.as_str().unwrap().to_string();
    assert!(is_txid(&txid));
    node.wait_mined();

    // Fig. 12 as the Web Demo's issue page lists it.
    let assets = call(&node, "listassets", json!(["*", true]));
    let asset = assets
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "调度方案01")
        .unwrap_or_else(|| panic!("asset not listed: {assets}"))
        .clone();
    assert_eq!(asset["issuetxid"], txid.as_str());
    assert_eq!(asset["issueqty"], 100.0);
    assert_eq!(asset["units"], 1.0);
    assert_eq!(asset["open"], true);
    let issue = &asset["issues"][0];
    assert_eq!(issue["issuers"][0], issuer.as_str());
    assert_eq!(issue["txid"], txid.as_str());
    assert_eq!(issue["details"]["period"], "2026-11-24 10:00-10:15");
    let file_ref = issue["details"]["@file"].as_str().unwrap();
    let parts: Vec<&str> = file_ref.split('\0').collect();
    assert_eq!(parts, ["", "2", "config.txt", "text/plain", "579"]);

    // Time and block of the issue transaction.
    let tx = call(&node, "getrawtransaction", json!([txid, 1]));
    let block = call(&node, "getblock", json!([tx["blockhash"], 1]));
    assert!(block["height"].as_u64().unwrap() >= 1);
    assert!(tx["blocktime"].as_u64().unwrap() > 1_700_000_000);
    assert!(tx["confirmations"].as_u64().unwrap() >= 1);

    // The receiving address holds the 100 units.
    let balances = call(&node, "getaddressbalances", json!([receiver]));
    assert!(
        balances
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["name"] == "调度方案01" && b["qty"] == 100.0),
        "{balances}"
    );

    // The download page: gettxoutdata(txid, vout of the file reference), split in four at NUL.
    let vout = parts[1].parse::<u32>().unwrap();
    let data = call(&node, "gettxoutdata", json!([txid, vout]));
    let bytes = unhex(data.as_str().unwrap());
    let mut fields = bytes.splitn(4, |b| *b == 0);
    assert_eq!(fields.next().unwrap(), b"");
    assert_eq!(fields.next().unwrap(), b"config.txt");
    assert_eq!(fields.next().unwrap(), b"text/plain");
    assert_eq!(fields.next().unwrap(), content.as_slice());

    // The same asset name cannot be issued twice.
    let (code, message) = call_err(&node, "issue", json!([issuer, "调度方案01", 5, 1]));
    assert_eq!(code, -705, "{message}");
}

/// Raw transactions that break a rule are refused by `sendrawtransaction` with code -26 and
/// MultiChain's reject reason; a refused transaction changes nothing.
#[test]
fn consensus_refuses_raw_transactions_breaking_rules() {
    let node = TestNode::create("rulechain", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    call(&node, "grant", json!([other, "send,receive,create"]));
    call(&node, "issue", json!([admin, "gold", 100, 1]));
    call(&node, "create", json!(["stream", "closed1", false]));
    node.wait_mined();

    // Asset conservation: 100 gold in, 150 gold out.
    let gold = unspent_of(&node, &admin, Some("gold"));
    let raw = call(
        &node,
        "createrawtransaction",
        json!([[{"txid": gold["txid"], "vout": gold["vout"]}], {other.clone(): {"gold": 150}}]),
    );
    let (code, message) = call_err(&node, "sendrawtransaction", json!([sign(&node, &raw)]));
    assert_eq!(code, -26, "{message}");
    assert!(message.starts_with("16: "), "{message}");
    assert!(message.contains("mismatch"), "{message}");

    // A grant signed by an address without admin permission.
    let coin = unspent_of(&node, &other, None);
    let input = json!([{"txid": coin["txid"], "vout": coin["vout"]}]);
    let raw = call(
        &node,
        "createrawtransaction",
        json!([input, {other.clone(): {"permissions": {"type": "admin,mine"}}}]),
    );
    let (code, message) = call_err(&node, "sendrawtransaction", json!([sign(&node, &raw)]));
    assert_eq!(code, -26, "{message}");
    assert!(message.contains("admin"), "{message}");
    let perms = call(&node, "listpermissions", json!(["admin", other]));
    assert_eq!(perms, json!([]));

    // Writing to a closed stream without its write permission.
    let publish_raw = || {
        let raw = call(&node, "createrawtransaction", json!([input, {}]));
        call(
            &node,
            "appendrawdata",
            json!([raw, {"for": "closed1", "keys": ["k1"], "data": "c0ffee"}]),
        )
    };
    let signed = sign(&node, &publish_raw());
    let (code, message) = call_err(&node, "sendrawtransaction", json!([signed]));
    assert_eq!(code, -26, "{message}");
    assert!(message.contains("publisher"), "{message}");

    // With stream write permission the same transaction is accepted and indexed.
    call(&node, "grant", json!([other, "closed1.write"]));
    node.wait_mined();
    let txid = call(
        &node,
        "sendrawtransaction",
        json!([sign(&node, &publish_raw())]),
    );
    node.wait_mined();
    call(&node, "subscribe", json!(["closed1"]));
    let items = call(&node, "liststreamkeyitems", json!(["closed1", "k1"]));
    assert_eq!(items[0]["txid"], txid);
    assert_eq!(items[0]["publishers"], json!([other]));
    assert_eq!(items[0]["data"], "c0ffee");

    // Two transactions creating the same name: only the first is accepted.
    let create = |from: &str| {
        call(
            &node,
            "createrawsendfrom",
            json!([from, {}, [{"create": "stream", "name": "twin", "open": true}], "sign"]),
        )["hex"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let first = create(&admin);
    let second = create(&other);
    call(&node, "sendrawtransaction", json!([first]));
    let (code, message) = call_err(&node, "sendrawtransaction", json!([second]));
    assert_eq!(code, -26, "{message}");
    assert!(message.starts_with("16: "), "{message}");

    // An input that does not exist.
    let raw = call(
        &node,
        "createrawtransaction",
        json!([[{"txid": "11".repeat(32), "vout": 0}], {other.clone(): 0}]),
    );
    let (code, message) = call_err(&node, "sendrawtransaction", json!([raw]));
    assert_eq!((code, message.as_str()), (-27, "missing inputs"));

    // Nothing refused reached the chain: gold is still 100 in total, one stream `twin`.
    node.wait_mined();
    let totals = call(&node, "gettotalbalances", json!([]));
    assert_eq!(totals[0]["name"], "gold");
    assert_eq!(totals[0]["qty"], 100.0);
    let twins = call(&node, "liststreams", json!(["twin"]));
    assert_eq!(twins.as_array().unwrap().len(), 1);
}

/// `createrawsendfrom`'s `{"create": …}` objects read their options as MultiChain does: a
/// stream is closed unless opened, restrictions and per-asset permissions are kept, and the
/// same options given twice or an empty name are refused.
#[test]
fn raw_created_entities_keep_their_options() {
    let node = TestNode::create("rawoptchain", &["-target-block-time=2"]);
    let (admin, _) = admin_and_new_address(&node);
    let create = |object: Value, outputs: Value| {
        call(
            &node,
            "createrawsendfrom",
            json!([admin, outputs, [object], "send"]),
        )
    };
    create(json!({"create": "stream", "name": "rawclosed"}), json!({}));
    create(
        json!({"create": "stream", "name": "rawoff", "restrict": "offchain"}),
        json!({}),
    );
    create(
        json!({"create": "asset", "name": "rawlocked", "multiple": 10, "restrict": "send"}),
        json!({admin.clone(): {"issue": {"raw": 1000}}}),
    );
    // `create stream` with an options object and no restriction: an open stream.
    call(&node, "create", json!(["stream", "plainopen", {}]));
    node.wait_mined();

    let restrict = |name: &str| call(&node, "liststreams", json!([name]))[0]["restrict"].clone();
    let flags = |write, offchain| json!({"write": write, "read": false, "onchain": false, "offchain": offchain});
    assert_eq!(restrict("rawclosed"), flags(true, false));
    assert_eq!(restrict("rawoff"), flags(false, true));
    assert_eq!(restrict("plainopen"), flags(false, false));
    let asset = &call(&node, "listassets", json!(["rawlocked"]))[0];
    assert_eq!(asset["restrict"]["send"], true);
    assert_eq!(asset["restrict"]["receive"], false);
    assert_eq!(asset["units"], 0.1);
    assert_eq!(asset["open"], false);

    let refused = |object: Value| {
        let (code, message) = call_err(
            &node,
            "createrawsendfrom",
            json!([admin, {}, [object], "send"]),
        );
        (code, message)
    };
    assert_eq!(
        refused(json!({"create": "stream", "name": "x", "open": true, "restrict": "write"})),
        (
            -8,
            "open/restrict field can appear only once in the object".to_string()
        )
    );
    assert_eq!(
        refused(json!({"create": "stream", "name": ""})),
        (-8, "Invalid name".to_string())
    );
    assert_eq!(
        refused(json!({"create": "stream", "name": "y", "restrict": "onchain,offchain"})).0,
        -702
    );
    assert_eq!(
        refused(json!({"create": "asset", "name": "z", "restrict": "write"})),
        (-8, "Invalid restrict".to_string())
    );
}

/// An exchange of 10 gold for 5 silver between two addresses, the raw exchange way.
#[test]
fn exchange_swaps_assets_atomically() {
    let node = TestNode::create("swapchain", &["-target-block-time=2"]);
    let (alice, bob) = admin_and_new_address(&node);
    call(&node, "grant", json!([bob, "send,receive"]));
    call(&node, "issue", json!([alice, "gold", 100, 1]));
    call(&node, "issue", json!([bob, "silver", 50, 1]));
    node.wait_mined();

    let offer = call(
        &node,
        "preparelockunspentfrom",
        json!([alice, {"gold": 10}]),
    );
    let raw = call(
        &node,
        "createrawexchange",
        json!([offer["txid"], offer["vout"], {"silver": 5}]),
    );
    let decoded = call(&node, "decoderawexchange", json!([raw]));
    assert_eq!(decoded["offer"]["assets"][0]["name"], "gold");
    assert_eq!(decoded["offer"]["assets"][0]["qty"], 10.0);
    assert_eq!(decoded["ask"]["assets"][0]["name"], "silver");
    assert_eq!(decoded["ask"]["assets"][0]["qty"], 5.0);
    assert_eq!(decoded["cancomplete"], true);

    let accept = call(&node, "preparelockunspentfrom", json!([bob, {"silver": 5}]));
    let done = call(
        &node,
        "appendrawexchange",
        json!([raw, accept["txid"], accept["vout"], {"gold": 10}]),
    );
    assert_eq!(done["complete"], true, "{done}");
    call(&node, "sendrawtransaction", json!([done["hex"]]));
    node.wait_mined();

    let qty = |address: &str, asset: &str| -> f64 {
        call(&node, "getaddressbalances", json!([address]))
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == asset)
            .map(|b| b["qty"].as_f64().unwrap())
            .unwrap_or(0.0)
    };
    assert_eq!(qty(&alice, "gold"), 90.0);
    assert_eq!(qty(&alice, "silver"), 5.0);
    assert_eq!(qty(&bob, "gold"), 10.0);
    assert_eq!(qty(&bob, "silver"), 45.0);
}

/// The `gold` quantity in a balance list (0 when absent).
fn gold_in(balances: &Value) -> f64 {
    balances
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "gold")
        .map_or(0.0, |b| b["qty"].as_f64().unwrap())
}

/// MultiChain's `minconf` in balances: an output counts with that many confirmations, or at
/// once when its transaction spent only this wallet's outputs (its own change and transfers).
#[test]
fn balances_wait_for_confirmations_only_of_what_others_sent() {
    let node = TestNode::create("minconfchain", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    let outside = call(&node, "createkeypairs", json!([]))[0].clone();
    let outside_address = outside["address"].as_str().unwrap().to_string();
    call(
        &node,
        "grant",
        json!([format!("{other},{outside_address}"), "send,receive"]),
    );
    call(&node, "issue", json!([admin, "gold", 100, 1]));
    node.wait_mined();
    let to_outside = call(&node, "sendasset", json!([outside_address, "gold", 10]));
    node.wait_mined();

    call(&node, "pause", json!(["mining"]));
    // The wallet's own transfer: trusted before any confirmation.
    call(&node, "sendasset", json!([other, "gold", 5]));
    // Gold from an address outside the wallet, signed with its key.
    let sent = call(&node, "getrawtransaction", json!([to_outside, 1]));
    let vout = sent["vout"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["scriptPubKey"]["addresses"] == json!([outside_address]))
        .expect("the output to the outside address")["n"]
        .clone();
    let raw = call(
        &node,
        "createrawtransaction",
        json!([[{"txid": to_outside, "vout": vout}], {admin.clone(): {"gold": 10}}]),
    );
    let signed = call(
        &node,
        "signrawtransaction",
        json!([raw, [], [outside["privkey"]]]),
    );
    assert_eq!(signed["complete"], true, "{signed}");
    call(&node, "sendrawtransaction", json!([signed["hex"]]));

    let address_gold = |address: &str, minconf: i64| {
        gold_in(&call(
            &node,
            "getaddressbalances",
            json!([address, minconf]),
        ))
    };
    assert_eq!(
        gold_in(&call(&node, "getaddressbalances", json!([admin]))),
        85.0
    );
    assert_eq!(address_gold(&admin, 0), 95.0);
    assert_eq!(address_gold(&other, 1), 5.0);
    assert_eq!(address_gold(&other, 100), 5.0);
    assert_eq!(gold_in(&call(&node, "gettotalbalances", json!([]))), 90.0);
    assert_eq!(gold_in(&call(&node, "gettotalbalances", json!([0]))), 100.0);
    let multi = call(&node, "getmultibalances", json!([[admin.clone()], "gold"]));
    assert_eq!(gold_in(&multi[&admin]), 85.0);
    let multi = call(
        &node,
        "getmultibalances",
        json!([[admin.clone()], "gold", 0]),
    );
    assert_eq!(gold_in(&multi[&admin]), 95.0);

    call(&node, "resume", json!(["mining"]));
    node.wait_mined();
    assert_eq!(address_gold(&admin, 1), 95.0);
    // One confirmation is not two: only the outside gold waits.
    assert_eq!(address_gold(&admin, 2), 85.0);
}

/// The txids of a listassettransactions answer, in order.
fn txids_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["txid"].as_str().unwrap().to_string())
        .collect()
}

/// A subscribed asset's transactions: refused before subscribing (-703, as MultiChain),
/// then the issue, a transfer and a transfer with data, confirmed ones before pending ones,
/// each with what it moved per address; paging, a single transaction, counts in
/// `listassets`, another asset kept apart, and the same list after a restart.
#[test]
fn asset_transactions_follow_a_subscribed_asset() {
    let mut node = TestNode::create("assettxchain", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    let grant = call(&node, "grant", json!([other, "receive,send"]));
    let issue = call(
        &node,
        "issue",
        json!([admin, {"name": "gold", "open": true}, 1000, 0.01]),
    );
    node.wait_mined();
    let not_subscribed = (-703, "Not subscribed to this asset".to_string());
    assert_eq!(
        call_err(&node, "listassettransactions", json!(["gold"])),
        not_subscribed
    );
    assert_eq!(
        call_err(&node, "getassettransaction", json!(["gold", issue])),
        not_subscribed
    );
    // As in MultiChain, the other arguments are read before the subscription is looked for.
    assert_eq!(
        call_err(&node, "listassettransactions", json!(["gold", false, -1])),
        (-8, "Invalid count".to_string())
    );
    let listed = call(&node, "listassets", json!(["gold"]))[0].clone();
    assert_eq!(listed["subscribed"], false);
    assert!(listed.get("transactions").is_none(), "{listed}");

    call(&node, "subscribe", json!(["gold"]));
    call(&node, "pause", json!(["mining"]));
    let transfer = call(&node, "sendasset", json!([other, "gold", 12.5]));
    let with_data = call(
        &node,
        "sendwithdata",
        json!([other, {"gold": 1}, "48656c6c6f"]),
    );
    let listed = call(&node, "listassets", json!(["gold"]))[0].clone();
    assert_eq!(listed["subscribed"], true);
    assert_eq!(listed["synchronized"], true);
    assert_eq!(listed["transactions"], 3);
    assert_eq!(listed["confirmed"], 1);

    let list = call(&node, "listassettransactions", json!(["gold"]));
    assert_eq!(
        txids_of(&list),
        vec![issue.clone(), transfer.clone(), with_data.clone()]
    );
    let issued = &list[0];
    assert_eq!(issued["addresses"], json!({admin.clone(): 1000}));
    assert!(issued["confirmations"].as_i64().unwrap() >= 1, "{issued}");
    assert!(is_txid(issued["blockhash"].as_str().unwrap()));
    let sent = &list[1];
    assert_eq!(sent["addresses"][&admin], -12.5);
    assert_eq!(sent["addresses"][&other], 12.5);
    assert_eq!(sent["addresses"].as_object().unwrap().len(), 2);
    assert_eq!(sent["confirmations"], 0);
    assert!(sent.get("blockhash").is_none(), "{sent}");
    assert_eq!(sent["items"], json!([]));
    assert_eq!(sent["data"], json!([]));
    assert!(sent.get("vin").is_none(), "{sent}");
    assert_eq!(list[2]["data"], json!(["48656c6c6f"]));
    assert_eq!(list[2]["addresses"][&other], 1);

    // Paging: the last one by default window of one, the first two from 0, none past the end.
    let last = call(&node, "listassettransactions", json!(["gold", false, 1]));
    assert_eq!(txids_of(&last), vec![with_data.clone()]);
    let first = call(&node, "listassettransactions", json!(["gold", false, 2, 0]));
    assert_eq!(txids_of(&first), vec![issue.clone(), transfer.clone()]);
    let past = call(&node, "listassettransactions", json!(["gold", false, 2, 5]));
    assert_eq!(past, json!([]));
    assert_eq!(
        call_err(&node, "listassettransactions", json!(["gold", false, -1])),
        (-8, "Invalid count".to_string())
    );

    let one = call(
        &node,
        "getassettransaction",
        json!(["gold", transfer, true]),
    );
    assert_eq!(one["txid"], transfer);
    assert_eq!(one["addresses"], sent["addresses"]);
    let received = one["vout"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["addresses"] == json!([other]))
        .expect("an output to the other address");
    assert_eq!(received["assets"][0]["name"], "gold");
    assert_eq!(received["assets"][0]["qty"], 12.5);
    assert_eq!(one["vin"].as_array().unwrap().len(), 1);
    // The spent output (of the issue, a transaction the wallet store has) is shown.
    assert_eq!(one["vin"][0]["assets"][0]["name"], "gold", "{}", one["vin"]);
    assert_eq!(one["vin"][0]["assets"][0]["qty"], 1000);
    assert!(one["hex"].as_str().unwrap().len() > 100);
    assert_eq!(
        call_err(&node, "getassettransaction", json!(["gold", grant])),
        (
            -710,
            "This transaction was not found for this asset".to_string()
        )
    );
    assert_eq!(
        call_err(&node, "getassettransaction", json!(["gold", "zz"])),
        (
            -8,
            "parameter 2 must be hexadecimal string (not 'zz')".to_string()
        )
    );

    call(&node, "resume", json!(["mining"]));
    node.wait_mined();
    call(&node, "issue", json!([admin, "silver", 50, 1]));
    // New details without units write no quantity: not one of the asset's transactions in
    // MultiChain's wallet either. Units issued more are.
    call(
        &node,
        "issuemore",
        json!([admin, "gold", 0, 0, {"note": "x"}]),
    );
    let more = call(&node, "issuemore", json!([other, "gold", 5]));
    node.wait_mined();
    let listed = call(&node, "listassets", json!(["gold"]))[0].clone();
    assert_eq!(listed["transactions"], 4);
    assert_eq!(listed["confirmed"], 4);
    let last = call(&node, "listassettransactions", json!(["gold", false, 1]));
    assert_eq!(txids_of(&last), vec![more.clone()]);
    assert_eq!(last[0]["addresses"], json!({other.clone(): 5}));
    let confirmed = call(&node, "getassettransaction", json!(["gold", transfer]));
    assert!(
        confirmed["confirmations"].as_i64().unwrap() >= 1,
        "{confirmed}"
    );
    assert!(is_txid(confirmed["blockhash"].as_str().unwrap()));
    assert!(confirmed["blockindex"].as_i64().unwrap() >= 1);

    node.stop();
    node.start();
    let after = call(&node, "listassettransactions", json!(["gold", false, 10]));
    assert_eq!(txids_of(&after), vec![issue, transfer, with_data, more]);
    assert_eq!(after[1]["addresses"], sent["addresses"]);
    call(&node, "unsubscribe", json!(["gold"]));
    assert_eq!(
        call_err(&node, "listassettransactions", json!(["gold"])),
        not_subscribed
    );
}

/// The 2.x asset options `totallimit`, `issuelimit` and `unrestrict: "issue"`: refused or
/// kept by `issue` and `{"create": "asset"}` in MultiChain's words, shown by `listassets` and
/// `decoderawtransaction`, and enforced by consensus on genesis and follow-on issues alike,
/// raw ones included, which no RPC check stands before.
#[test]
fn asset_limits_and_unrestricted_issue() {
    let node = TestNode::create("limitchain", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    // `other` may send and receive but holds no issue permission at all.
    call(&node, "grant", json!([other, "send,receive"]));
    let issue =
        |params: Value, qty: f64| call_err(&node, "issue", json!([admin, params, qty, 0.01]));
    let invalid = |m: &str| (-8, m.to_string());
    assert_eq!(
        issue(json!({"name": "x", "totallimit": "5"}), 1.0),
        invalid("Invalid value for 'totallimit' field, should be numeric")
    );
    // 0.001 is no whole raw unit at 0.01 units.
    assert_eq!(
        issue(json!({"name": "x", "issuelimit": 0.001}), 1.0),
        invalid("Invalid value for 'issuelimit' field, should be positive")
    );
    assert_eq!(
        issue(json!({"name": "x", "unrestrict": "send"}), 1.0),
        invalid("Invalid value for 'unrestrict' field")
    );
    assert_eq!(
        issue(json!({"name": "x", "unrestrict": "issue"}), 1.0),
        (
            -702,
            "Asset cannot have unrestricted issue permission if follow-ons are not allowed or cannot be allowed".to_string()
        )
    );
    assert_eq!(
        issue(json!({"name": "x", "open": true, "totallimit": 50}), 60.0),
        (
            -701,
            "Invalid quantity, over the totallimit for this asset".to_string()
        )
    );
    assert_eq!(
        issue(json!({"name": "x", "open": true, "issuelimit": 20}), 30.0),
        (
            -701,
            "Invalid quantity, over the issuelimit for this asset".to_string()
        )
    );

    let capped = json!({"name": "capped", "open": true, "totallimit": 100, "issuelimit": 40});
    call(&node, "issue", json!([admin, capped, 30, 0.01]));
    let shared = json!({"name": "shared", "open": true, "unrestrict": "issue"});
    call(&node, "issue", json!([admin, shared, 10, 1]));
    node.wait_mined();
    let listed = |name: &str| call(&node, "listassets", json!([name, true]))[0].clone();
    let capped = listed("capped");
    assert_eq!(capped["totallimit"], 100.0, "{capped}");
    assert_eq!(capped["issuelimit"], 40.0, "{capped}");
    assert_eq!(capped["open"], true);
    assert_eq!(capped["restrict"]["issue"], true);
    let shared = listed("shared");
    assert_eq!(shared["totallimit"], Value::Null);
    assert_eq!(shared["restrict"]["issue"], false);

    // Follow-ons: each within 40, all within 100.
    let more = |from: &str, asset: &str, qty: f64| {
        let reply = node.rpc("issuemorefrom", json!([from, from, asset, qty]));
        match reply["error"].as_object() {
            None => Ok(()),
            Some(e) => Err((e["code"].as_i64().unwrap(), e["message"].to_string())),
        }
    };
    let (_, message) = more(&admin, "capped", 40.01).unwrap_err();
    assert!(message.contains("above asset issuance limit"), "{message}");
    more(&admin, "capped", 40.0).unwrap();
    more(&admin, "capped", 30.0).unwrap();
    let (_, message) = more(&admin, "capped", 0.01).unwrap_err();
    assert!(
        message.contains("above total asset issuance limit"),
        "{message}"
    );
    // Anyone may issue more of `shared`, no one but its issuer more of `capped`.
    more(&other, "shared", 5.0).unwrap();
    // Yet an input signed SIGHASH_NONE makes no issuer, as in MultiChain.
    let unsigned = call(
        &node,
        "createrawsendfrom",
        json!([other, {other.clone(): {"issuemore": {"asset": "shared", "raw": 1}}}]),
    );
    let signed = call(
        &node,
        "signrawtransaction",
        json!([unsigned, null, null, "NONE"]),
    );
    assert_eq!(signed["complete"], true, "{signed}");
    let (code, message) = call_err(&node, "sendrawtransaction", json!([signed["hex"]]));
    assert_eq!(code, -26, "{message}");
    assert!(message.contains("valid issuer"), "{message}");
    let (code, message) = more(&other, "capped", 1.0).unwrap_err();
    assert_eq!(code, -704, "{message}");
    node.wait_mined();
    assert_eq!(listed("capped")["issueqty"], 100.0);
    let shared = listed("shared");
    assert_eq!(shared["issueqty"], 15.0);
    assert_eq!(shared["issues"][1]["issuers"], json!([other]));

    // Raw creation: limits in raw units of the final multiple, checked by consensus.
    let create = |raw: i64| {
        call_err(
            &node,
            "createrawsendfrom",
            json!([admin, {admin.clone(): {"issue": {"raw": raw}}},
                [{"create": "asset", "name": "rawcap", "open": true, "totallimit": 40, "multiple": 10}],
                "send"]),
        )
    };
    let (code, message) = create(401);
    assert_eq!(code, -26, "{message}");
    assert!(
        message.contains("above total asset issuance limit"),
        "{message}"
    );
    // Genesis outputs: the issue limit holds for each, the total limit for all together.
    let split = |name: &str, limit: &str| {
        let mut object = json!({"create": "asset", "name": name, "open": true});
        object[limit] = json!(40);
        let outputs =
            json!({admin.clone(): {"issue": {"raw": 30}}, other.clone(): {"issue": {"raw": 30}}});
        node.rpc(
            "createrawsendfrom",
            json!([admin, outputs, [object], "send"]),
        )["error"]
            .clone()
    };
    assert_eq!(split("split1", "issuelimit"), Value::Null);
    let refused = split("split2", "totallimit");
    assert_eq!(refused["code"], -26, "{refused}");
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains("above total asset issuance limit"),
        "{message}"
    );

    let signed = call(
        &node,
        "createrawsendfrom",
        json!([admin, {admin.clone(): {"issue": {"raw": 400}}},
            [{"create": "asset", "name": "rawcap", "open": true, "totallimit": 40, "multiple": 10}],
            "sign"]),
    );
    let decoded = call(&node, "decoderawtransaction", json!([signed["hex"]]));
    assert_eq!(decoded["issue"]["totallimit"], 40.0, "{decoded}");
    assert_eq!(decoded["issue"]["issuelimit"], Value::Null);
    call(&node, "sendrawtransaction", json!([signed["hex"]]));
    node.wait_mined();
    // A raw follow-on of one more raw unit passes the RPC layer and meets consensus.
    raw_follow_on_is_refused(&node, &admin, "rawcap", "above total asset issuance limit");
    assert_eq!(
        call_err(
            &node,
            "createrawsendfrom",
            json!([admin, {}, [{"create": "asset", "name": "y", "issuelimit": -1}], "send"]),
        ),
        invalid("Invalid issuelimit - should be positive")
    );
}

/// `canopen`/`canclose` and `update`: an asset's admins open or close it later, and only as
/// it was issued to allow; the change is checked by consensus (follow-ons of a closed asset,
/// raw ones included, are refused) and not shown as a permission anywhere.
#[test]
fn assets_are_opened_and_closed_by_their_admins() {
    let mut node = TestNode::create("switchchain", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    call(&node, "grant", json!([other, "send,receive"]));
    let issue_err = |params: Value| call_err(&node, "issue", json!([admin, params, 1, 1]));
    assert_eq!(
        issue_err(json!({"name": "x", "canclose": true})),
        (
            -702,
            "Issued asset must either be open now, or possible to open later (canopen parameter)"
                .to_string()
        )
    );
    assert_eq!(
        issue_err(json!({"name": "x", "canopen": "yes"})),
        (
            -8,
            "Invalid value for 'canopen' field, should be boolean".to_string()
        )
    );
    let issued = call(
        &node,
        "issue",
        json!([admin, {"name": "switch", "canopen": true, "canclose": true}, 10, 1]),
    );
    call(
        &node,
        "issue",
        json!([admin, {"name": "fixed", "open": true}, 10, 1]),
    );
    call(&node, "create", json!(["stream", "notanasset", true]));
    node.wait_mined();
    let listed = |name: &str| call(&node, "listassets", json!([name]))[0].clone();
    let switch = listed("switch");
    assert_eq!(
        (&switch["open"], &switch["canopen"], &switch["canclose"]),
        (&json!(false), &json!(true), &json!(true))
    );
    let raw_issue = call(&node, "getrawtransaction", json!([issued, 1]));
    assert_eq!(raw_issue["issue"]["canopen"], true, "{raw_issue}");
    let more_err = || call_err(&node, "issuemore", json!([admin, "switch", 1]));
    assert_eq!(
        more_err(),
        (
            -701,
            "Issuing more units not allowed for this asset: switch".to_string()
        )
    );

    let update_err = |params: Value| call_err(&node, "update", params);
    assert_eq!(
        update_err(json!(["fixed", {"open": false}])),
        (-701, "Closing is not allowed for this asset".to_string())
    );
    assert_eq!(
        update_err(json!(["switch", {"open": true, "other": 1}])),
        (
            -8,
            "Asset update should be object with single field - open".to_string()
        )
    );
    assert_eq!(
        update_err(json!(["nosuch", {"open": true}])),
        (-708, "Entity with this name not found: nosuch".to_string())
    );
    assert_eq!(
        update_err(json!(["notanasset", {"open": true}])),
        (-703, "This entity cannot be updated".to_string())
    );
    // Not even a global admin opens an asset it is no admin of.
    call(&node, "grant", json!([other, "admin"]));
    assert_eq!(
        call_err(
            &node,
            "updatefrom",
            json!([other, "switch", {"open": true}])
        ),
        (
            -704,
            "from-address doesn't have admin permission for this entity".to_string()
        )
    );
    let (code, message) = call_err(
        &node,
        "createrawsendfrom",
        json!([other, {"switch": {"open": true}}, [], "send"]),
    );
    assert_eq!(code, -26, "{message}");
    assert!(message.contains("valid admin"), "{message}");
    // Nor grants the asset's permissions: MultiChain asks the asset's admins only.
    assert_eq!(
        call_err(&node, "grantfrom", json!([other, other, "switch.issue"])),
        (
            -704,
            "from-address doesn't have admin permission for this entity".to_string()
        )
    );

    // Opened: more units may be issued; the switch is no permission anyone lists.
    let opened = call(&node, "update", json!(["switch", {"open": true}]));
    node.wait_mined();
    assert_eq!(listed("switch")["open"], true);
    call(&node, "issuemore", json!([admin, "switch", 5]));
    let decoded = call(&node, "getrawtransaction", json!([opened, 1]));
    let vout = decoded["vout"].as_array().unwrap();
    assert!(
        vout.iter().all(|o| o.get("permissions").is_none()),
        "{decoded}"
    );
    let in_wallet = call(&node, "getwallettransaction", json!([opened]));
    assert_eq!(in_wallet["permissions"], json!([]), "{in_wallet}");
    // A decoded issue shows the asset as issued; the wallet's entry as it is now.
    let raw_issue = call(&node, "getrawtransaction", json!([issued, 1]));
    assert_eq!(raw_issue["issue"]["open"], false, "{raw_issue}");
    let wallet_issue = call(&node, "getwallettransaction", json!([issued]));
    assert_eq!(wallet_issue["issue"]["open"], true, "{wallet_issue}");

    // Closed again, by its admin: follow-ons are refused, raw ones by consensus.
    call(
        &node,
        "updatefrom",
        json!([admin, "switch", {"open": false}]),
    );
    node.wait_mined();
    assert_eq!(listed("switch")["open"], false);
    assert_eq!(more_err().0, -701);
    raw_follow_on_is_refused(
        &node,
        &admin,
        "switch",
        "follow-ons not allowed for this asset",
    );
    assert_eq!(listed("switch")["issueqty"], 15.0);

    // The raw way: an output keyed by the asset's name instead of an address.
    assert_eq!(
        call_err(
            &node,
            "createrawsendfrom",
            json!([admin, {"fixed": {"open": false}}, [], "send"]),
        ),
        (-701, "Closing is not allowed for this asset".to_string())
    );
    // Grants count first, as in MultiChain: opening and issuing more in one transaction.
    let outputs = json!({"switch": {"open": true}, admin.clone(): {"issuemore": {"asset": "switch", "raw": 2}}});
    call(
        &node,
        "createrawsendfrom",
        json!([admin, outputs, [], "send"]),
    );
    node.wait_mined();
    let switch = listed("switch");
    assert_eq!(
        (&switch["open"], &switch["issueraw"]),
        (&json!(true), &json!(17))
    );
    // The switch is kept like any permission: still open after a restart.
    node.stop();
    node.start();
    let switch = &call(&node, "listassets", json!(["switch"]))[0];
    assert_eq!(
        (&switch["open"], &switch["canclose"]),
        (&json!(true), &json!(true))
    );
    call(&node, "issuemore", json!([admin, "switch", 1]));
}

/// An asset issued with `restrict: "send,receive"` moves only from holders of its per-asset
/// send permission to holders of its receive permission, and travels alone in an output, as
/// MultiChain's consensus has it; every issuer holds both permissions from the start. The
/// wallet answers as MultiChain's does: -701 for a recipient without receive, "Insufficient
/// funds" where its coins may not be sent, and a change output of its own for the asset.
#[test]
fn restricted_assets_move_only_between_permitted_holders() {
    let node = TestNode::create("restrictchain", &["-target-block-time=2"]);
    let (admin, other, third) = admin_and_two_senders(&node);
    call(
        &node,
        "issue",
        json!([admin, {"name": "locked", "restrict": "send,receive"}, 100, 1]),
    );
    call(&node, "issue", json!([admin, "free", 100, 1]));
    node.wait_mined();
    let types = permission_types(&node, "locked.*", &admin);
    for t in ["admin", "activate", "issue", "send", "receive"] {
        assert!(types.iter().any(|x| x == t), "{t} missing: {types:?}");
    }

    assert_eq!(
        call_err(&node, "sendasset", json!([other, "locked", 10])),
        (
            -701,
            "One of the outputs doesn't have per-asset receive permission".to_string()
        )
    );
    call(&node, "grant", json!([other, "locked.receive"]));
    call(&node, "sendasset", json!([other, "locked", 10]));
    node.wait_mined();
    // Its coin of `locked` may not leave it yet: to the wallet, no funds.
    assert_eq!(
        call_err(&node, "sendassetfrom", json!([other, admin, "locked", 5])),
        (-6, "Insufficient funds.".to_string())
    );
    call(&node, "grant", json!([other, "locked.send"]));
    call(&node, "sendassetfrom", json!([other, admin, "locked", 5]));
    node.wait_mined();
    let qty_of = |address: &str, name: &str| {
        let balances = call(&node, "getaddressbalances", json!([address]));
        balances
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .map_or(0.0, |b| b["qty"].as_f64().unwrap())
    };
    assert_eq!(qty_of(&other, "locked"), 5.0);
    // verifypermission, MultiChain's way: what an asset does not restrict, anyone holds.
    let verify = |address: &str, permission: &str| {
        call(&node, "verifypermission", json!([address, permission]))
    };
    assert_eq!(verify(&third, "free.send"), true);
    assert_eq!(verify(&third, "locked.send"), false);
    assert_eq!(verify(&other, "locked.send"), true);

    // Inputs of both assets: the restricted one's change goes back alone (one change output
    // for both would break the rule below).
    let raw = call(
        &node,
        "createrawsendfrom",
        json!([admin, {other.clone(): {"locked": 1}, third.clone(): {"free": 1}}, [], "send"]),
    );
    assert!(is_txid(raw.as_str().unwrap()), "{raw}");
    node.wait_mined();
    assert_eq!(
        (qty_of(&other, "locked"), qty_of(&third, "free")),
        (6.0, 1.0)
    );

    // Consensus: a restricted asset travels alone, and only to a holder of receive.
    let (code, message) = call_err(
        &node,
        "createrawsendfrom",
        json!([admin, {other.clone(): {"locked": 1, "free": 1}}, [], "send"]),
    );
    assert_eq!(code, -701, "{message}");
    assert_eq!(
        message,
        "One of multiple assets in output has per-asset permissions"
    );
    let coin = unspent_of(&node, &admin, Some("locked"));
    let unsigned = call(
        &node,
        "createrawtransaction",
        json!([[{"txid": coin["txid"], "vout": coin["vout"]}], {third.clone(): {"locked": 1}}]),
    );
    let unsigned = call(&node, "appendrawchange", json!([unsigned, admin]));
    let (code, message) = call_err(&node, "sendrawtransaction", json!([sign(&node, &unsigned)]));
    assert_eq!(code, -26, "{message}");
    assert!(
        message.contains("doesn't have per-asset receive permission"),
        "{message}"
    );
}

/// Which signers count for an output, as MultiChain's `IsRelevantInput` has it: those of
/// inputs signed SIGHASH_ALL (and a SIGHASH_SINGLE one at the same index). A grant signed
/// SIGHASH_NONE by an admin names no admin; an item in a closed stream needs every counted
/// signer to be a writer.
#[test]
fn only_signers_covering_an_output_count_for_it() {
    let node = TestNode::create("coverchain", &["-target-block-time=2"]);
    let (admin, other, third) = admin_and_two_senders(&node);
    call(&node, "create", json!(["stream", "closed2", false]));
    node.wait_mined();
    call(&node, "grant", json!([other, "closed2.write"]));
    node.wait_mined();
    // Its creator holds the stream's four permissions, as MultiChain grants them.
    let types = permission_types(&node, "closed2.*", &admin);
    assert_eq!(types.len(), 4, "{types:?}");
    for t in ["admin", "activate", "write", "read"] {
        assert!(types.iter().any(|x| x == t), "{t} missing: {types:?}");
    }

    let input = |address: &str| {
        let coin = unspent_of(&node, address, None);
        json!({"txid": coin["txid"], "vout": coin["vout"]})
    };
    let item = json!({"for": "closed2", "keys": ["k"], "data": "00"});
    let publish_from = |inputs: Value| {
        let raw = call(&node, "createrawtransaction", json!([inputs, {}]));
        let raw = call(&node, "appendrawdata", json!([raw, item]));
        node.rpc("sendrawtransaction", json!([sign(&node, &raw)]))
    };
    let mixed = publish_from(json!([input(&other), input(&third)]));
    assert_eq!(mixed["error"]["code"], -26, "{mixed}");
    assert!(
        mixed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("valid publisher"),
        "{mixed}"
    );
    let alone = publish_from(json!([input(&other)]));
    assert!(alone["error"].is_null(), "{alone}");

    // The admin's grant, signed SIGHASH_NONE: refused; signed SIGHASH_ALL: accepted.
    let grant = call(
        &node,
        "createrawtransaction",
        json!([[input(&admin)], {third.clone(): {"permissions": {"type": "create"}}}]),
    );
    let none = call(
        &node,
        "signrawtransaction",
        json!([grant, null, null, "NONE"]),
    );
    let (code, message) = call_err(&node, "sendrawtransaction", json!([none["hex"]]));
    assert_eq!(code, -26, "{message}");
    assert!(message.contains("valid admin"), "{message}");
    call(&node, "sendrawtransaction", json!([sign(&node, &grant)]));
    node.wait_mined();
    let perms = call(&node, "listpermissions", json!(["create", third]));
    assert_eq!(perms.as_array().unwrap().len(), 1, "{perms}");
}

/// Waiting transactions are kept serialized: read back from the mempool (raw, decoded, in
/// `getrawmempool true`, as asset transactions) they are whole, and the block stores the
/// same bytes.
#[test]
fn waiting_transactions_read_back_whole_and_are_stored_unchanged() {
    let node = TestNode::create("waitingchain", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    call(&node, "grant", json!([other, "receive"]));
    call(&node, "create", json!(["stream", "s", true]));
    call(&node, "issue", json!([admin, "gold", 100, 1]));
    node.wait_mined();
    call(&node, "subscribe", json!(["gold"]));
    call(&node, "pause", json!(["mining"]));
    let published = call(&node, "publish", json!(["s", "k", "6869"]));
    let sent = call(&node, "sendasset", json!([other, "gold", 5]));
    let txids = [published.as_str().unwrap(), sent.as_str().unwrap()];

    let pool = call(&node, "getrawmempool", json!([true]));
    for txid in txids {
        assert!(pool[txid]["size"].as_u64().unwrap() > 100, "{pool}");
    }
    let waiting: Vec<Value> = txids
        .iter()
        .map(|t| call(&node, "getrawtransaction", json!([t])))
        .collect();
    for (txid, hex) in txids.iter().zip(&waiting) {
        let size = pool[*txid]["size"].as_u64().unwrap() as usize;
        assert_eq!(hex.as_str().unwrap().len(), 2 * size);
    }
    let decoded = call(&node, "getrawtransaction", json!([txids[0], 1]));
    let item = decoded["vout"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|o| o["items"].as_array().filter(|i| !i.is_empty()))
        .expect("the published item")[0]
        .clone();
    assert_eq!(item["data"], "6869");
    assert_eq!(item["keys"], json!(["k"]));
    let asset_txs = call(&node, "listassettransactions", json!(["gold"]));
    assert_eq!(asset_txs.as_array().unwrap().last().unwrap()["txid"], sent);

    call(&node, "resume", json!(["mining"]));
    node.wait_mined();
    for (txid, hex) in txids.iter().zip(&waiting) {
        assert_eq!(&call(&node, "getrawtransaction", json!([txid])), hex);
        let confirmed = call(&node, "getrawtransaction", json!([txid, 1]));
        assert!(confirmed["confirmations"].as_u64().unwrap() >= 1);
    }
    // Every transaction of the block is found by txid, the coinbase too, and the publish
    // still leads to its item once confirmed.
    let confirmed = call(&node, "getrawtransaction", json!([txids[0], 1]));
    let block = call(&node, "getblock", json!([confirmed["blockhash"], 1]));
    for txid in block["tx"].as_array().unwrap() {
        let tx = call(&node, "getrawtransaction", json!([txid, 1]));
        assert_eq!(tx["blockhash"], confirmed["blockhash"], "{txid}");
    }
    let items = call(&node, "liststreamtxitems", json!(["s", txids[0]]));
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert_eq!(items[0]["data"], "6869");
    assert!(items[0]["confirmations"].as_u64().unwrap() >= 1);
}

#[test]
fn a_grant_can_carry_data_or_a_stream_item() {
    let node = TestNode::create("grantdata", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    call(&node, "create", json!(["stream", "notes", true]));
    node.wait_mined();
    call(&node, "subscribe", json!(["notes"]));

    let txid = call(
        &node,
        "grantwithdata",
        json!([other, "connect", {"json": {"why": "调度方案01"}}]),
    );
    let tx = call(&node, "getrawtransaction", json!([txid, 1]));
    let outputs = tx["vout"].as_array().unwrap();
    assert_eq!(outputs[0]["permissions"][0]["connect"], true);
    assert_eq!(outputs[1]["data"], json!([{"json": {"why": "调度方案01"}}]));

    // A new stream item rides along, published by the granting address.
    let txid = call(
        &node,
        "grantwithdatafrom",
        json!([admin, other, "send", {"for": "notes", "key": "k1", "data": "0a0b"}, 0, 0, -1]),
    );
    let items = call(&node, "liststreamkeyitems", json!(["notes", "k1"]));
    assert_eq!(items[0]["txid"], txid);
    assert_eq!(items[0]["publishers"], json!([admin]));
    assert_eq!(items[0]["data"], "0a0b");
    let rows = call(&node, "listpermissions", json!(["connect,send", other]));
    assert_eq!(rows.as_array().unwrap().len(), 2, "{rows}");

    // The older name, and MultiChain's checks of the data.
    call(
        &node,
        "grantwithmetadata",
        json!([other, "receive", "48656c6c6f"]),
    );
    assert_eq!(
        call_err(&node, "grantwithdata", json!([other, "connect", "zz"])),
        (
            -8,
            "data should be hexadecimal string or recognized object".into()
        )
    );
    let (code, message) = call_err(&node, "grantwithdata", json!([other, "connect"]));
    assert_eq!(code, -1);
    assert!(message.starts_with("grantwithdata "), "{message}");
}
