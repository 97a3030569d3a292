//! getwalletinfo, the hex UBJSON codec, createmultisig and wallet dumps through the RPC.

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn wallet_info_follows_the_wallet() {
    let node = TestNode::create("walletinfo", &["-target-block-time=2"]);
    let info = call(&node, "getwalletinfo", json!([]));
    let names = member_names(&info);
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

    // keypoolrefill: `size` keys beside the one kept in hand; a new address takes one.
    assert_eq!(count(&locked, "keypoolsize"), 2);
    assert_eq!(call(&node, "keypoolrefill", json!([5])), Value::Null);
    assert_eq!(
        count(&call(&node, "getwalletinfo", json!([])), "keypoolsize"),
        6
    );
    call(&node, "getnewaddress", json!([]));
    assert_eq!(count(&call(&node, "getinfo", json!([])), "keypoolsize"), 5);
    assert_eq!(
        call_err(&node, "keypoolrefill", json!([-1])),
        (-8, "Invalid parameter, expected valid size.".into())
    );
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

#[test]
fn createmultisig_builds_the_script_and_its_address() {
    let node = TestNode::create("multisig", &["-target-block-time=2"]);
    let (admin, _) = admin_and_new_address(&node);
    let k1 = "03789ed0bb717d88f7d321a368d905e7430207ebbd82bd342cf11ae157a7ace5fd";
    let k2 = "03dbc6764b8884a92e871274b87583e6d5c2a58819473e17e107ef3f6aa5a61626";
    let made = call(&node, "createmultisig", json!([2, [k1, k2]]));
    let script = made["redeemScript"].as_str().unwrap();
    assert_eq!(script, format!("5221{k1}21{k2}52ae"));
    // The address is the script's hash under the chain's script-hash version.
    let format = address_format(&node);
    let hash = mcnode::primitives::address::hash160(&hex::decode(script).unwrap());
    let expected = format.encode_address(&mcnode::primitives::address::Address::ScriptHash(hash));
    assert_eq!(made["address"], json!(expected));
    // A wallet address stands for its key.
    let admin_key = call(&node, "validateaddress", json!([admin]))["pubkey"].clone();
    let by_address = call(&node, "createmultisig", json!([1, [admin]]));
    let by_key = call(&node, "createmultisig", json!([1, [admin_key]]));
    assert_eq!(by_address, by_key);
    let uncompressed = hex::encode(
        bitcoin::secp256k1::PublicKey::from_slice(&hex::decode(k1).unwrap())
            .unwrap()
            .serialize_uncompressed(),
    );
    // MultiChain's checks, in its order and words.
    let outside = call(&node, "createkeypairs", json!([]))[0]["address"].clone();
    let outside = outside.as_str().unwrap();
    for (params, message) in [
        (json!([0, [k1]]), "a multisignature address must require at least one key to redeem".to_string()),
        (json!([3, [k1, k2]]), "not enough keys supplied (got 2 keys, but need at least 3 to redeem)".into()),
        (json!([1, vec![k1; 17]]), "Number of addresses involved in the multisignature address creation > 16\nReduce the number".into()),
        (json!([1, ["zz"]]), " Invalid public key: zz".into()),
        (json!([1, ["02aa"]]), " Invalid public key: 02aa".into()),
        (json!([1, [outside]]), format!("no full public key for address {outside}")),
        (json!([1, [expected.clone()]]), format!("{expected} does not refer to a key")),
        (json!(["1", [k1]]), "value is type str, expected int".into()),
        (json!([1, k1]), "value is type str, expected array".into()),
        (json!([1, vec![uncompressed.as_str(); 16]]), "redeemScript exceeds size limit: 1059 > 520".into()),
    ] {
        assert_eq!(call_err(&node, "createmultisig", params.clone()), (-1, message), "{params}");
    }

    // addmultisigaddress: the same address, now watched by the wallet; what it receives
    // shows among the wallet's watch-only outputs.
    let added = call(&node, "addmultisigaddress", json!([1, [admin]]));
    assert_eq!(added, by_address["address"]);
    let seen = call(&node, "validateaddress", json!([added]));
    assert_eq!(
        (seen["ismine"].clone(), seen["iswatchonly"].clone()),
        (json!(false), json!(true)),
        "{seen}"
    );
    call(&node, "grant", json!([added, "receive"]));
    call(&node, "issue", json!([added, "msasset", 10, 1]));
    let watched = call(&node, "listunspent", json!([0, 9999999, [added]]));
    // The grant's output and the asset's.
    let rows = watched.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{watched}");
    assert!(rows
        .iter()
        .all(|r| r["address"] == added && r["spendable"] == false));
    assert!(
        rows.iter().any(|r| r["assets"][0]["qty"] == 10),
        "{watched}"
    );
    assert_eq!(
        call_err(&node, "addmultisigaddress", json!([1, [admin], ""])).0,
        -702
    );
    assert_eq!(
        call_err(&node, "addmultisigaddress", json!([0, [admin]])),
        (
            -1,
            "a multisignature address must require at least one key to redeem".into()
        )
    );
}

#[test]
fn getinfo_and_getchaintotals_count_assets_and_streams() {
    let node = TestNode::create("chaintotals", &["-target-block-time=2"]);
    let (admin, _) = admin_and_new_address(&node);
    // A fresh chain has its root stream and no assets: getinfo then shows no asset count,
    // as MultiChain's does (golden 03_getinfo).
    let info = call(&node, "getinfo", json!([]));
    assert_eq!(info["streams"], json!(1));
    assert!(info.get("assets").is_none(), "{info}");
    let totals = call(&node, "getchaintotals", json!([]));
    let names = member_names(&totals);
    assert_eq!(
        names,
        [
            "blocks",
            "rewards",
            "addresses",
            "transactions",
            "assets",
            "streams",
            "filters",
            "variables",
            "libraries",
            "upgrades",
            "licenses"
        ]
    );
    assert_eq!(totals["assets"], json!(0));
    assert_eq!(totals["addresses"], Value::Null);
    // Counted as soon as they are accepted, before a block confirms them.
    call(&node, "create", json!(["stream", "s1", true]));
    call(&node, "create", json!(["stream", "s2", false]));
    call(&node, "issue", json!([admin, "a1", 100, 1]));
    let info = call(&node, "getinfo", json!([]));
    assert_eq!(
        (info["assets"].clone(), info["streams"].clone()),
        (json!(1), json!(3))
    );
    node.wait_mined();
    let totals = call(&node, "getchaintotals", json!([]));
    assert_eq!(
        (totals["assets"].clone(), totals["streams"].clone()),
        (json!(1), json!(3))
    );
    assert_eq!(totals["blocks"], call(&node, "getblockcount", json!([])));
    // Order of getinfo's members around the counts, as MultiChain's.
    let info = call(&node, "getinfo", json!([]));
    let keys = member_names(&info);
    let at = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert!(at("chainrewards") + 1 == at("assets") && at("assets") + 1 == at("streams"));
}

#[test]
fn a_wallet_dump_moves_keys_to_another_node() {
    let first = TestNode::create("dumpone", &["-target-block-time=2"]);
    let (admin, made) = admin_and_new_address(&first);
    let file = first.datadir().join("keys.txt");
    let path = file.to_str().unwrap();
    assert_eq!(call(&first, "dumpwallet", json!([path])), Value::Null);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("# Wallet dump created by MultiChain"),
        "{text}"
    );
    assert!(text.ends_with("# End of dump\n"), "{text}");
    let wif = call(&first, "dumpprivkey", json!([made]));
    let line = text
        .lines()
        .find(|l| l.ends_with(&format!("# addr={made}")))
        .unwrap_or_else(|| panic!("{made} not in {text}"));
    assert!(
        line.starts_with(&format!("{} ", wif.as_str().unwrap())),
        "{line}"
    );
    assert!(line.contains(" label= "), "{line}");
    assert!(text.contains(" reserve=1 # addr="), "pool keys: {text}");

    // A second node whose chain reads the same addresses and keys takes them, with a line
    // in MultiChain's hand added.
    let params = call(&first, "getblockchainparams", json!([]));
    let same: Vec<String> = [
        "address-pubkeyhash-version",
        "address-scripthash-version",
        "private-key-version",
        "address-checksum-value",
    ]
    .iter()
    .map(|name| format!("-{name}={}", params[name].as_str().unwrap()))
    .collect();
    let mut util_args = vec!["-target-block-time=2"];
    util_args.extend(same.iter().map(String::as_str));
    let second = TestNode::create("dumptwo", &util_args);
    let pair = call(&second, "createkeypairs", json!([]))[0].clone();
    let extra = format!(
        "{} 2026-12-06T04:44:12Z label=a%20plan # addr={}\nnot-a-key 2026-12-06T04:44:12Z label=\n",
        pair["privkey"].as_str().unwrap(),
        pair["address"].as_str().unwrap()
    );
    std::fs::write(&file, text + &extra).unwrap();
    assert_eq!(call(&second, "importwallet", json!([path])), Value::Null);
    for address in [
        &admin,
        &made,
        &pair["address"].as_str().unwrap().to_string(),
    ] {
        let v = call(&second, "validateaddress", json!([address]));
        assert_eq!(v["ismine"], true, "{address}: {v}");
    }
    assert_eq!(call(&second, "dumpprivkey", json!([made])), wif);

    assert_eq!(
        call_err(&second, "importwallet", json!(["/nonexistent/keys.txt"])),
        (-717, "Cannot open wallet dump file".into())
    );
    // Nothing of the chain's own may be overwritten by a dump.
    let chain_dir = second.datadir().join("dumptwo");
    // A link elsewhere to one of them is followed.
    let link = second.datadir().join("link-to-params");
    std::os::unix::fs::symlink(chain_dir.join("params.dat"), &link).unwrap();
    for own in [
        chain_dir.join("ledger").join("x.txt"),
        chain_dir.join("params.dat"),
        link,
    ] {
        assert_eq!(
            call_err(&second, "dumpwallet", json!([own.to_str().unwrap()])),
            (-8, "Cannot dump wallet file to itself".into())
        );
        assert_eq!(
            call_err(&second, "backupwallet", json!([own.to_str().unwrap()])),
            (-8, "Cannot backup wallet file to itself".into())
        );
    }
    call(&second, "getblockchainparams", json!([]));

    // A backup into a directory is its wallet.dat, in the dump format importwallet reads.
    let backups = first.datadir().join("backups");
    std::fs::create_dir(&backups).unwrap();
    assert_eq!(
        call(&first, "backupwallet", json!([backups.to_str().unwrap()])),
        Value::Null
    );
    let backup = std::fs::read_to_string(backups.join("wallet.dat")).unwrap();
    assert!(
        backup.contains(&format!("{} ", wif.as_str().unwrap())),
        "{backup}"
    );
    assert_eq!(
        call_err(
            &first,
            "backupwallet",
            json!(["/nonexistent/dir/wallet.dat"])
        ),
        (-4, "Error: Wallet backup failed!".into())
    );
}

#[test]
fn generation_estimates_network_and_wallet_locking_answer_as_multichain() {
    let node = TestNode::create("smallcmds", &["-target-block-time=2"]);
    node.wait_height(1);
    // setgenerate false stops block making; getgenerate and getruntimeparams follow.
    assert_eq!(call(&node, "setgenerate", json!([false])), Value::Null);
    assert_eq!(call(&node, "getgenerate", json!([])), false);
    assert_eq!(call(&node, "getruntimeparams", json!([]))["gen"], false);
    call(&node, "create", json!(["stream", "waits", true]));
    let height = call(&node, "getblockcount", json!([]));
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(call(&node, "getblockcount", json!([])), height);
    assert_eq!(call(&node, "getmempoolinfo", json!([]))["size"], 1);
    call(&node, "setgenerate", json!([true, 2]));
    assert_eq!(call(&node, "getmininginfo", json!([]))["genproclimit"], 2);
    node.wait_mined();
    assert_eq!(
        call_err(&node, "setgenerate", json!(["yes"])),
        (
            -8,
            "Invalid value for 'generate' field, should be boolean".into()
        )
    );

    assert!(call(&node, "getnetworkhashps", json!([])).is_u64());
    assert!(call(&node, "getnetworkhashps", json!([-1, 1])).is_u64());
    assert_eq!(call(&node, "estimatefee", json!([6])), json!(-1));
    assert_eq!(call(&node, "estimatepriority", json!([6])), json!(-1));
    assert_eq!(
        call_err(&node, "estimatefee", json!(["6"])),
        (-3, "Expected type int, got str".into())
    );
    assert_eq!(
        call_err(&node, "prioritisetransaction", json!(["00", 1, 0])),
        (
            -702,
            "Transaction prioritization is not supported in this version of MultiChain".into()
        )
    );

    for method in ["walletlock", "walletpassphrase", "walletpassphrasechange"] {
        assert_eq!(
            call_err(&node, method, json!([])),
            (
                -15,
                format!("Error: running with an unencrypted wallet, but {method} was called.")
            )
        );
    }
    // No peer-to-peer layer yet: no traffic, no added nodes, and adding one is refused.
    let totals = call(&node, "getnettotals", json!([]));
    assert_eq!(
        member_names(&totals),
        ["totalbytesrecv", "totalbytessent", "timemillis"]
    );
    assert!(totals["timemillis"].as_u64().unwrap() > 1_700_000_000_000);
    assert_eq!(call(&node, "getaddednodeinfo", json!([true])), json!([]));
    assert_eq!(
        call_err(&node, "getaddednodeinfo", json!([false, "10.0.0.1:8571"])),
        (-24, "Error: Node has not been added.".into())
    );
    assert_eq!(
        call_err(&node, "addnode", json!(["10.0.0.1:8571", "add"])).0,
        -702
    );
    assert_eq!(
        call_err(&node, "addnode", json!(["10.0.0.1:8571", "join"])).0,
        -1
    );
    assert_eq!(
        call(&node, "resendwallettransactions", json!([])),
        "Wallet transactions resent"
    );
    assert_eq!(
        call_err(&node, "setmocktime", json!([1])),
        (
            -1,
            "setmocktime for regression testing (-regtest mode) only".into()
        )
    );

    let (code, message) = call_err(&node, "encryptwallet", json!(["secret"]));
    assert_eq!(code, -16);
    assert!(
        message.starts_with("Error: Failed to encrypt the wallet"),
        "{message}"
    );
    assert_eq!(call_err(&node, "encryptwallet", json!([""])).0, -1);
}

#[test]
fn combineunspent_gathers_an_addresss_outputs() {
    let node = TestNode::create("combine", &["-target-block-time=2"]);
    let (admin, other) = admin_and_new_address(&node);
    call(&node, "grant", json!([other, "send,receive"]));
    call(&node, "issue", json!([admin, "gold", 100, 1]));
    node.wait_mined();
    for _ in 0..5 {
        call(&node, "sendasset", json!([other, "gold", 3]));
    }
    let outputs = |node: &TestNode| {
        call(node, "listunspent", json!([0, 9999999, [other]]))
            .as_array()
            .unwrap()
            .len()
    };
    // Not confirmed yet: with the default of one confirmation, nothing to combine.
    assert_eq!(call(&node, "combineunspent", json!([other])), json!([]));
    node.wait_mined();
    let before = outputs(&node);
    assert!(before >= 6, "{before}");
    let made = call(&node, "combineunspent", json!([other, 1, 100, 2, 100]));
    assert_eq!(made.as_array().unwrap().len(), 1, "{made}");
    assert_eq!(outputs(&node), 1);
    let balances = call(&node, "getaddressbalances", json!([other, 0]));
    assert_eq!(balances[0]["qty"], 15, "{balances}");
    // At most `maxinputs` outputs a transaction: two transactions for seven outputs of four.
    for _ in 0..6 {
        call(&node, "sendasset", json!([other, "gold", 1]));
    }
    node.wait_mined();
    let made = call(&node, "combineunspent", json!([other, 1, 100, 2, 4]));
    assert_eq!(made.as_array().unwrap().len(), 2, "{made}");

    for (params, code, message) in [
        (
            json!(["*", 1, 100, 1]),
            -8,
            "Invalid mininputs. Valid Range [2 - 1000].",
        ),
        (json!(["*", 1, 100, 5, 3]), -8, "maxinputs below mininouts."),
        (
            json!(["*", 1, 0]),
            -8,
            "Invalid maximum-transactions. Valid Range [1 - 100].",
        ),
        (json!(["zz"]), -5, "Invalid address: zz"),
        (
            json!([format!("{other},{other}")]),
            -8,
            &format!("Invalid parameter, duplicated address: {other}"),
        ),
    ] {
        assert_eq!(
            call_err(&node, "combineunspent", params.clone()),
            (code, message.to_string()),
            "{params}"
        );
    }
}

#[test]
fn unconfirmed_balance_counts_what_others_send_until_it_is_mined() {
    let node = TestNode::create(
        "unconfirmed",
        &["-target-block-time=2", "-initial-block-reward=1000000000"],
    );
    let (admin, _) = admin_and_new_address(&node);
    node.wait_height(2);
    assert_eq!(call(&node, "getunconfirmedbalance", json!([])), json!(0));
    // Outside the wallet: a key that will send back.
    let pair = call(&node, "createkeypairs", json!([]))[0].clone();
    let outside = pair["address"].as_str().unwrap();
    call(&node, "grant", json!([outside, "send,receive"]));
    call(&node, "pause", json!(["mining"]));
    let paid = call(&node, "send", json!([outside, 3]));
    // The wallet's own payment and change are not "unconfirmed" income.
    assert_eq!(call(&node, "getunconfirmedbalance", json!([])), json!(0));
    call(&node, "resume", json!(["mining"]));
    node.wait_mined();
    let tx = call(&node, "getrawtransaction", json!([paid, 1]));
    let output = tx["vout"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["scriptPubKey"]["addresses"] == json!([outside]))
        .unwrap()
        .clone();
    let input =
        json!({"txid": paid, "vout": output["n"], "scriptPubKey": output["scriptPubKey"]["hex"]});
    let raw = call(
        &node,
        "createrawtransaction",
        json!([[{"txid": paid, "vout": output["n"]}], {admin.as_str(): 2.5}]),
    );
    let signed = call(
        &node,
        "signrawtransaction",
        json!([raw, [input], [pair["privkey"]]]),
    );
    // Held out of blocks while it is looked at.
    call(&node, "pause", json!(["mining"]));
    call(&node, "sendrawtransaction", json!([signed["hex"]]));
    assert_eq!(call(&node, "getunconfirmedbalance", json!([])), json!(2.5));
    call(&node, "resume", json!(["mining"]));
    node.wait_mined();
    assert_eq!(call(&node, "getunconfirmedbalance", json!([])), json!(0));
    assert_eq!(call_err(&node, "getunconfirmedbalance", json!([1])).0, -1);
}
