//! Wallet history, stream summaries, block item listings and balances answer as MultiChain
//! 2.3 does in the cases its source shows and our first answers got wrong.

mod common;

use common::*;
use serde_json::{json, Value};

/// One block holding, in this order, one item of `s1` and two of `s2`; its height.
fn block_with_three_items(node: &TestNode) -> u64 {
    call(node, "create", json!(["stream", "s1", true]));
    call(node, "create", json!(["stream", "s2", true]));
    node.wait_mined();
    call(node, "subscribe", json!([["s1", "s2"]]));
    call(node, "pause", json!(["mining"]));
    call(node, "publish", json!(["s1", "k", "aa"]));
    call(node, "publish", json!(["s2", "k", "bb"]));
    call(node, "publish", json!(["s2", "k", "cc"]));
    call(node, "resume", json!(["mining"]));
    node.wait_mined();
    let item = &call(node, "liststreamitems", json!(["s1", true]))[0];
    item["blockheight"].as_u64().expect("a mined item")
}

#[test]
fn block_item_listings_count_only_the_streams_own_transactions() {
    let node = TestNode::create("blockitems", &["-target-block-time=2"]);
    let height = block_with_three_items(&node);
    let block = height.to_string();
    // count 1, start -1: the last of s1's transactions in the block, not the block's last.
    let last = call(
        &node,
        "liststreamblockitems",
        json!(["s1", block, false, 1]),
    );
    assert_eq!(last.as_array().unwrap().len(), 1, "{last}");
    assert_eq!(last[0]["data"], "aa");
    let s2 = call(
        &node,
        "liststreamblockitems",
        json!(["s2", block, false, 1, 0]),
    );
    assert_eq!(s2[0]["data"], "bb");
    let all = call(&node, "liststreamblockitems", json!(["s2", block]));
    assert_eq!(all.as_array().unwrap().len(), 2);
}

#[test]
fn address_history_pages_over_that_addresss_own_entries() {
    let node = TestNode::create("addrhistory", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    let first = call(&node, "grant", json!([other, "receive"]));
    let second = call(&node, "grant", json!([other, "send"]));
    call(&node, "create", json!(["stream", "s1", true]));
    node.wait_mined();
    let txids = |v: Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["txid"].clone())
            .collect()
    };
    // Skipping one of the address's own entries leaves the older grant.
    let mine = call(&node, "listaddresstransactions", json!([other, 10]));
    assert_eq!(
        txids(mine.clone()),
        vec![first.clone(), second.clone()],
        "{mine}"
    );
    let page = call(&node, "listaddresstransactions", json!([other, 1, 1]));
    assert_eq!(txids(page), vec![first.clone()]);
    let page = call(&node, "listaddresstransactions", json!([other, 1, 0]));
    assert_eq!(txids(page), vec![second.clone()]);
    // Reaching past the address's oldest entry, the window still holds `count` of them.
    let page = call(&node, "listaddresstransactions", json!([other, 10, 1]));
    assert_eq!(txids(page), vec![first.clone(), second.clone()]);
    let page = call(&node, "listaddresstransactions", json!([other, 10, 2]));
    assert_eq!(page, json!([]));
    // A window reaching past the oldest entry keeps its size and ends at the oldest.
    let all = txids(call(&node, "listwallettransactions", json!([1000, 0])));
    let n = all.len();
    assert!(n >= 4, "{all:?}");
    let tail = txids(call(&node, "listwallettransactions", json!([3, n - 1])));
    assert_eq!(tail, all[..3].to_vec());
    let past = call(&node, "listwallettransactions", json!([3, n]));
    assert_eq!(past, json!([]));
    let _ = admin;
}

#[test]
fn verbose_wallet_entries_show_inputs_outputs_and_stream_grants() {
    let node = TestNode::create("verbosehistory", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    call(&node, "create", json!(["stream", "closed1", false]));
    node.wait_mined();
    let grant = call(&node, "grant", json!([other, "closed1.write"]));
    let entry = call(&node, "getwallettransaction", json!([grant, false, true]));
    let perms = entry["permissions"].as_array().unwrap();
    assert_eq!(perms.len(), 1, "{entry}");
    assert_eq!(perms[0]["for"]["name"], "closed1");
    assert_eq!(perms[0]["write"], true);
    assert_eq!(perms[0]["addresses"], json!([other]));
    let keys = member_names(&entry);
    let at = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert!(at("timereceived") < at("vin") && at("vin") < at("vout") && at("vout") < at("hex"));
    let vin = &entry["vin"][0];
    assert_eq!(vin["addresses"], json!([admin]));
    assert_eq!(vin["ismine"], true);
    assert!(vin["txid"].is_string() && vin["vout"].is_u64(), "{vin}");
    let granted = entry["vout"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["addresses"] == json!([other]))
        .unwrap_or_else(|| panic!("no output to {other}: {entry}"));
    assert_eq!(granted["type"], "pubkeyhash");
    assert_eq!(granted["permissions"][0]["write"], true);
}

#[test]
fn key_summaries_can_take_only_the_first_publishers_items() {
    let node = TestNode::create("summaries", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    call(&node, "grant", json!([other, "send"]));
    call(&node, "create", json!(["stream", "sm", true]));
    node.wait_mined();
    call(&node, "subscribe", json!(["sm"]));
    let publish = |from: &str, value: Value| {
        call(
            &node,
            "publishfrom",
            json!([from, "sm", "m", {"json": value}]),
        );
    };
    publish(&admin, json!({"a": 1, "z": 2}));
    publish(&other, json!({"q": 5}));
    publish(&admin, json!({"a": 7, "n": null}));
    let summary =
        |mode: &str| call(&node, "getstreamkeysummary", json!(["sm", "m", mode]))["json"].clone();
    assert_eq!(
        summary("jsonobjectmerge"),
        json!({"a": 7, "n": null, "q": 5, "z": 2})
    );
    assert_eq!(
        summary("jsonobjectmerge,firstpublishersany"),
        json!({"a": 7, "n": null, "z": 2})
    );
    assert_eq!(
        summary("jsonobjectmerge,firstpublishersall,omitnull"),
        json!({"a": 7, "z": 2})
    );
}

#[test]
fn json_data_outside_streams_is_decoded_in_transactions() {
    let node = TestNode::create("formatted", &["-target-block-time=2"]);
    let (admin, _) = admin_and_new_address(&node);
    let txid = call(
        &node,
        "sendwithdatafrom",
        json!([admin, admin, {}, {"json": {"a": 1}}]),
    );
    let tx = call(&node, "getrawtransaction", json!([txid, 1]));
    let data: Vec<&Value> = tx["vout"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o.get("data"))
        .collect();
    assert_eq!(data, vec![&json!([{"json": {"a": 1}}])], "{tx}");
}

#[test]
fn balances_list_holders_and_zero_rows_as_multichain_does() {
    let node = TestNode::create("balances", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    call(&node, "grant", json!([other, "receive"]));
    call(
        &node,
        "issue",
        json!([admin, {"name": "gold", "open": true}, 100, 1]),
    );
    call(&node, "issue", json!([admin, "silver", 50, 1]));
    node.wait_mined();
    call(&node, "sendasset", json!([other, "silver", 5]));
    node.wait_mined();
    // `other` holds only silver: with gold chosen it shows gold at zero; without any holding
    // of a chosen asset an address is left out.
    let multi = call(&node, "getmultibalances", json!(["*", ["gold", "silver"]]));
    let names = |rows: &Value| -> Vec<(String, f64)> {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["name"].as_str().unwrap().to_string(),
                    r["qty"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        names(&multi[&other]),
        vec![("silver".to_string(), 5.0), ("gold".to_string(), 0.0)]
    );
    let gold_only = call(&node, "getmultibalances", json!(["*", "gold"]));
    assert!(gold_only.get(&other).is_none(), "{gold_only}");
    assert_eq!(
        names(&gold_only["total"]),
        vec![("gold".to_string(), 100.0)]
    );
    // Named addresses are always listed; zero rows only for assets some of them hold.
    let named = call(&node, "getmultibalances", json!([[other], "gold"]));
    assert_eq!(named[&other], json!([]));
    let named = call(
        &node,
        "getmultibalances",
        json!([[other], ["gold", "silver"]]),
    );
    assert_eq!(names(&named[&other]), vec![("silver".to_string(), 5.0)]);
    let (code, message) = call_err(&node, "getmultibalances", json!([[other, other]]));
    assert_eq!(
        (code, message),
        (-8, format!("Invalid parameter, duplicate address: {other}"))
    );
    // Asking for zero more units is a plain payment, not an issue; issuing none is allowed.
    call(&node, "issuemore", json!([admin, "gold", 0]));
    call(&node, "issue", json!([admin, "empty", 0]));
    node.wait_mined();
    let gold = call(&node, "getassetinfo", json!(["gold"]));
    assert_eq!(gold["issuecount"], 1, "{gold}");
    // Zero units with new details: an issue of 0 carrying them, without a follow-on element.
    let update = call(&node, "issuemore", json!([admin, "gold", 0, 0, {"v": 2}]));
    let raw = call(&node, "getrawtransaction", json!([update, 1]));
    assert!(
        !raw.to_string().contains("73706b6f"),
        "a follow-on element: {raw}"
    );
    node.wait_mined();
    let gold = call(&node, "getassetinfo", json!(["gold", true]));
    assert_eq!(gold["issuecount"], 2, "{gold}");
    assert_eq!(gold["issues"][1]["details"], json!({"v": 2}), "{gold}");
    assert_eq!(gold["issues"][1]["qty"], 0.0, "{gold}");
    let empty = call(&node, "getassetinfo", json!(["empty"]));
    assert_eq!(empty["issueqty"], 0.0, "{empty}");
    let (code, message) = call_err(&node, "sendasset", json!([other, "gold", 1000]));
    assert_eq!((code, message.as_str()), (-6, "Insufficient funds."));
}

/// Key counts are kept in memory once asked for; each block must move them on, and the
/// items listed must follow, with or without pending items beside the confirmed ones.
#[test]
fn key_counts_follow_each_block_after_being_asked() {
    let node = TestNode::create("keycounts", &["-target-block-time=2"]);
    call(&node, "create", json!(["stream", "s1", true]));
    node.wait_mined();
    call(&node, "subscribe", json!(["s1"]));
    let publisher = call(&node, "getaddresses", json!([]))[0].clone();
    let counts = |node: &TestNode| {
        let k = &call(node, "liststreamkeys", json!(["s1", "k"]))[0];
        let p = &call(node, "liststreampublishers", json!(["s1", publisher]))[0];
        assert_eq!(
            (&k["items"], &k["confirmed"]),
            (&p["items"], &p["confirmed"])
        );
        (
            k["items"].as_u64().unwrap(),
            k["confirmed"].as_u64().unwrap(),
        )
    };
    let data = |node: &TestNode| -> Vec<Value> {
        call(node, "liststreamkeyitems", json!(["s1", "k", false, 100]))
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["data"].clone())
            .collect()
    };
    let mut published = Vec::new();
    for round in 0..3u8 {
        call(&node, "pause", json!(["mining"]));
        let hex = format!("{:02x}", round);
        call(&node, "publish", json!(["s1", "k", hex]));
        published.push(json!(hex));
        let n = published.len() as u64;
        // A block the miner had begun before the pause may take the item already.
        let (items, confirmed) = counts(&node);
        assert_eq!(items, n, "round {round}");
        assert!(
            confirmed == n - 1 || confirmed == n,
            "round {round}: {confirmed}"
        );
        assert_eq!(data(&node), published);
        call(&node, "resume", json!(["mining"]));
        node.wait_mined();
        assert_eq!(counts(&node), (n, n), "round {round}, all confirmed");
        assert_eq!(data(&node), published);
        let last = call(&node, "liststreamkeyitems", json!(["s1", "k", false, 1]));
        assert_eq!(last[0]["data"], json!(hex));
        let by_publisher = call(
            &node,
            "liststreampublisheritems",
            json!(["s1", publisher, false, 100]),
        );
        assert_eq!(by_publisher.as_array().unwrap().len() as u64, n);
    }
}

/// MultiChain 2.3 lists permissions in its database's key order: by the address's hash, not
/// by when each was granted (golden `node2/10_node2_listpermissions`: the second node's address,
/// granted last, comes first). The golden addresses' hashes, granted here in the opposite
/// order, come back in the golden order.
#[test]
fn permissions_are_listed_by_address_hash_as_multichain_does() {
    use mcnode::params::ChainParams;
    use mcnode::primitives::address::Address;
    let golden_format = ChainParams::parse(&golden("params.dat"))
        .unwrap()
        .address_format();
    // The transcript's first line is the request the CLI sent.
    let transcript = golden("node2/10_node2_listpermissions.txt");
    let answer = &transcript[transcript.find("\n[").unwrap()..];
    let listed: Vec<String> = serde_json::from_str::<Value>(answer)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "connect")
        .map(|e| e["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed.len(), 3, "{listed:?}");
    let hashes: Vec<Address> = listed
        .iter()
        .map(|a| golden_format.decode_address(a).unwrap())
        .collect();

    let node = TestNode::create("permorder", &["-target-block-time=2"]);
    let format = ChainParams::parse(
        &std::fs::read_to_string(node.datadir().join("permorder/params.dat")).unwrap(),
    )
    .unwrap()
    .address_format();
    let ours: Vec<String> = hashes.iter().map(|h| format.encode_address(h)).collect();
    for a in ours.iter().rev() {
        call(&node, "grant", json!([a, "connect"]));
    }
    let order = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["address"].as_str().unwrap().to_string())
            .filter(|a| ours.contains(a))
            .collect()
    };
    assert_eq!(
        order(call(&node, "listpermissions", json!(["connect"]))),
        ours
    );
    // Asked for by address, they come in the order asked.
    let asked = vec![ours[2].clone(), ours[0].clone()];
    let by_address = call(
        &node,
        "listpermissions",
        json!(["connect", asked.join(",")]),
    );
    assert_eq!(order(by_address), asked);
}

#[test]
fn asset_issues_are_listed_oldest_first_in_pages() {
    let node = TestNode::create("assetissues", &["-target-block-time=2"]);
    let (admin, _) = admin_and_new_address(&node);
    let first = call(
        &node,
        "issue",
        json!([admin, {"name": "gold", "open": true}, 100, 0.01]),
    );
    let second = call(
        &node,
        "issuemore",
        json!([admin, "gold", 50, 0, {"batch": 2}]),
    );
    let issues = call(&node, "listassetissues", json!(["gold"]));
    assert_eq!(
        issues,
        json!([
            {"txid": first, "qty": 100, "raw": 10000},
            {"txid": second, "qty": 50, "raw": 5000},
        ])
    );
    // Verbose: each issue as listassets shows it.
    let listed = call(&node, "listassets", json!(["gold", true]))[0]["issues"].clone();
    assert_eq!(
        call(&node, "listassetissues", json!(["gold", true])),
        listed
    );
    assert_eq!(
        call(&node, "listassetissues", json!(["gold", true, 1, -1]))[0]["details"],
        json!({"batch": 2})
    );
    assert_eq!(
        call(&node, "listassetissues", json!([first, false, 1, 0])),
        json!([{"txid": first, "qty": 100, "raw": 10000}])
    );
    for (params, code, message) in [
        (
            json!([second]),
            -708,
            "Asset with this issue txid not found".to_string(),
        ),
        (json!(["gold", false, -1]), -8, "Invalid count".into()),
        (json!(["gold", false, 1, "x"]), -8, "Invalid start".into()),
        (
            json!(["silver"]),
            -708,
            "Asset with this name not found: silver".into(),
        ),
    ] {
        assert_eq!(
            call_err(&node, "listassetissues", params.clone()),
            (code, message),
            "{params}"
        );
    }
}

#[test]
fn miners_are_listed_with_their_permission_wait_and_state() {
    let node = TestNode::create("miners", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    node.wait_height(1);
    call(&node, "pause", json!(["mining"]));
    call(&node, "grant", json!([other, "mine"]));
    let rows = call(&node, "listminers", json!([]));
    let by_address = |rows: &Value, a: &str| -> Value {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["address"] == a)
            .cloned()
            .unwrap_or_else(|| panic!("{a} not in {rows}"))
    };
    let first = by_address(&rows, &admin);
    assert_eq!(
        member_names(&first),
        [
            "address",
            "islocal",
            "permitted",
            "diversitywaitblocks",
            "lastmined",
            "chainstate",
            "localstate"
        ]
    );
    assert_eq!(first["islocal"], true);
    assert_eq!(first["permitted"], true);
    assert_eq!(first["diversitywaitblocks"], 0);
    assert!(first["lastmined"].as_u64().unwrap() >= 1, "{first}");
    assert_eq!(first["chainstate"], "mining-permitted");
    assert_eq!(first["localstate"], "mining-paused");
    // The grant waits in the mempool while mining is paused.
    let second = by_address(&rows, &other);
    assert_eq!(second["permitted"], false);
    assert_eq!(second["diversitywaitblocks"], Value::Null);
    assert_eq!(second["lastmined"], Value::Null);
    assert_eq!(second["chainstate"], "pending-mine-permissions");
    assert_eq!(second["localstate"], "pending-mine-permissions");
    // Fewest blocks to wait first.
    assert_eq!(rows[0]["address"], admin.as_str());

    call(&node, "resume", json!(["mining"]));
    let height = call(&node, "getblockcount", json!([])).as_u64().unwrap();
    node.wait_height(height + 1);
    let rows = call(&node, "listminers", json!([true]));
    let second = by_address(&rows, &other);
    assert_eq!(second["permitted"], true);
    assert_eq!(second["chainstate"], "mining-permitted");
    assert_eq!(second["startblock"], 0);
    assert_eq!(second["endblock"], 4294967295u64);
    // The node mines with one address of its wallet; the other is not its choice.
    let states: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["localstate"].as_str().unwrap())
        .collect();
    assert!(states.contains(&"other-local-address-preferred"), "{rows}");
    let (code, _) = call_err(&node, "listminers", json!([true, 1]));
    assert_eq!(code, -1);
}

#[test]
fn gettransaction_and_listsinceblock_show_bitcoins_view_of_wallet_transactions() {
    let node = TestNode::create("gettx", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    call(&node, "create", json!(["stream", "s1", true]));
    node.wait_mined();
    // Paid to the wallet alone: every output, sent and received.
    let grant = call(&node, "grant", json!([other, "send"]));
    let got = call(&node, "gettransaction", json!([grant]));
    assert_eq!(
        member_names(&got),
        [
            "amount",
            "fee",
            "confirmations",
            "txid",
            "walletconflicts",
            "valid",
            "time",
            "timereceived",
            "details",
            "hex"
        ]
    );
    assert_eq!(got["confirmations"], 0);
    let categories: Vec<(&str, u64)> = got["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["category"].as_str().unwrap(), d["vout"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        categories,
        [("send", 0), ("send", 1), ("receive", 0), ("receive", 1)]
    );
    assert_eq!(got["details"][0]["address"], other.as_str());
    assert_eq!(got["details"][1]["address"], admin.as_str());
    assert_eq!(got["hex"], call(&node, "getrawtransaction", json!([grant])));
    // A stream item is paid to nobody: one send entry without an address; the change is left
    // out. Once mined, where it is.
    let item = call(&node, "publish", json!(["s1", "k", "00"]));
    node.wait_mined();
    let got = call(&node, "gettransaction", json!([item, true]));
    assert_eq!(
        got["details"],
        json!([{"account": "", "category": "send", "amount": 0, "vout": 0, "fee": 0}])
    );
    assert_eq!(got["confirmations"], 1);
    for name in ["blockhash", "blockheight", "blockindex", "blocktime"] {
        assert!(got.get(name).is_some(), "{name} missing: {got}");
    }

    // listsinceblock: the same entries, each with where its transaction is.
    let all = call(&node, "listsinceblock", json!([]));
    let tip = call(&node, "getblockcount", json!([])).as_u64().unwrap();
    assert_eq!(all["lastblock"], call(&node, "getblockhash", json!([tip])));
    let of = |list: &Value, txid: &Value| -> Vec<Value> {
        list["transactions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["txid"] == *txid)
            .cloned()
            .collect()
    };
    let entries = of(&all, &item);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["category"], "send");
    assert_eq!(entries[0]["blockhash"], got["blockhash"]);
    assert_eq!(of(&all, &grant).len(), 4);
    // After the item's block: neither it nor the grant before it.
    let later = call(&node, "listsinceblock", json!([got["blockhash"], 2]));
    assert!(
        of(&later, &item).is_empty() && of(&later, &grant).is_empty(),
        "{later}"
    );
    assert_eq!(
        later["lastblock"],
        call(&node, "getblockhash", json!([tip - 1]))
    );
    assert_eq!(
        call_err(&node, "listsinceblock", json!(["", 0])),
        (-8, "Invalid parameter".into())
    );

    assert_eq!(
        call_err(&node, "gettransaction", json!(["00"])),
        (-710, "Invalid or non-wallet transaction id".into())
    );
    assert_eq!(
        call_err(&node, "gettransaction", json!([item, 1])),
        (-1, "value is type int, expected bool".into())
    );
}
