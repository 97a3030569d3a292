//! The JSON-RPC wire, checked against MultiChain's transcripts (http_raw_exchanges.txt) and
//! json-rpc-wire.md: envelope, ids, statuses, headers, auth, and hundreds of malformed requests.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn reply_of(node: &TestNode, body: &str) -> HttpReply {
    node.post(body.as_bytes())
}

#[test]
fn envelope_statuses_and_headers_match_multichain() {
    let node = TestNode::create("wirechain", &["-target-block-time=2"]);

    // Success: members result, error, id in that order; newline-terminated; headers.
    let r = reply_of(
        &node,
        r#"{"jsonrpc":"1.0","id":"curltest","method":"getblockcount","params":[]}"#,
    );
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(
        text.starts_with("{\"result\":")
            && text.ends_with(",\"error\":null,\"id\":\"curltest\"}\n"),
        "{text}"
    );
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(r.header("Server"), Some("multichain-json-rpc/2.3"));
    assert_eq!(
        r.header("Content-Length"),
        Some(text.len().to_string().as_str())
    );
    let names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        &names[..4],
        ["Content-Length", "Content-Type", "Server", "Date"]
    );

    // Golden exchanges: unknown method 404, wrong chain name 400 with id 0, parse error 500.
    for (body, status, expected) in [
        (
            r#"{"jsonrpc":"1.0","id":1,"method":"nosuchmethod","params":[]}"#,
            404,
            r#"{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":1}"#,
        ),
        (
            r#"{"jsonrpc":"1.0","id":2,"method":"getblock","params":["notahash"]}"#,
            500,
            r#"{"result":null,"error":{"code":-711,"message":"Block height should be integer"},"id":2}"#,
        ),
        (
            r#"{"jsonrpc":"1.0","id":4,"method":"getblockcount","params":[],"chain_name":"otherchain"}"#,
            400,
            r#"{"result":null,"error":{"code":-32600,"message":"Wrong chain name"},"id":0}"#,
        ),
        (
            r#"{"method":"#,
            500,
            r#"{"result":null,"error":{"code":-32700,"message":"Parse error"},"id":0}"#,
        ),
    ] {
        let r = reply_of(&node, body);
        assert_eq!(r.status, status, "{body}");
        assert_eq!(r.text(), format!("{expected}\n"), "{body}");
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(r.header("Server"), None, "errors carry no Server header");
        let golden = golden("http_raw_exchanges.txt");
        assert!(golden.contains(expected), "golden has {expected}");
    }

    // Batch: array in, array out, 200 even with failures.
    let r = reply_of(
        &node,
        r#"[{"id":5,"method":"getblockcount","params":[]},{"id":6,"method":"nosuchmethod","params":[]}]"#,
    );
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(
        v[1],
        json!({"result":null,"error":{"code":-32601,"message":"Method not found"},"id":6})
    );
    assert!(v[0]["result"].is_u64());
    assert_eq!(reply_of(&node, "[]").text(), "[]\n");

    // Ids: echoed verbatim, null when absent (never a notification); jsonrpc ignored.
    for (body, id) in [
        (r#"{"method":"getblockcount"}"#, Value::Null),
        (r#"{"method":"getblockcount","id":null}"#, Value::Null),
        (
            r#"{"method":"getblockcount","id":[1,{"a":2}],"jsonrpc":"2.0"}"#,
            json!([1, {"a": 2}]),
        ),
        (
            r#"{"method":"getblockcount","id":1.5,"version":"1.1"}"#,
            json!(1.5),
        ),
        (
            r#"{"method":"getblockcount","params":null,"id":"x"}"#,
            json!("x"),
        ),
    ] {
        let v = reply_of(&node, body).json();
        assert_eq!(v["id"], id, "{body}");
        assert!(v["error"].is_null());
    }

    // Envelope errors.
    for (body, message) in [
        (r#"{"id":1}"#, "Missing method"),
        (r#"{"id":1,"method":5}"#, "Method must be a string"),
        (
            r#"{"id":1,"method":"getinfo","params":{}}"#,
            "Params must be an array",
        ),
        (
            r#"{"id":1,"method":"getinfo","params":"x"}"#,
            "Params must be an array",
        ),
        (
            r#"{"id":1,"method":"getinfo","chain_name":5}"#,
            "Chain name must be a string",
        ),
    ] {
        let r = reply_of(&node, body);
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.json()["error"]["message"], message);
        assert_eq!(r.json()["error"]["code"], -32600);
        assert_eq!(r.json()["id"], 0);
    }
    let r = reply_of(&node, "5");
    assert_eq!(r.json()["error"]["message"], "Top-level object parse error");
    // Inside a batch, envelope errors keep the element's id; non-objects get null.
    let v = reply_of(&node, r#"[{"id":7,"chain_name":"x","method":"getinfo"},3]"#).json();
    assert_eq!(v[0]["id"], 7);
    assert_eq!(v[0]["error"]["message"], "Wrong chain name");
    assert_eq!(
        v[1],
        json!({"result":null,"error":{"code":-32600,"message":"Invalid Request object"},"id":null})
    );

    // Wrong argument count: -1 with the command's help text.
    let v = reply_of(&node, r#"{"id":1,"method":"getblockhash","params":[]}"#).json();
    assert_eq!(v["error"]["code"], -1);
    let help = node.cli(&["help", "getblockhash"]).stdout;
    assert_eq!(
        format!("{}\n", v["error"]["message"].as_str().unwrap()),
        help
    );

    // Non-ASCII is escaped as \uXXXX, as MultiChain writes it.
    let r = reply_of(&node, "{\"id\":\"\u{4e16}\",\"method\":\"getblockcount\"}");
    assert!(r.text().ends_with("\"id\":\"\\u4E16\"}\n"), "{}", r.text());
}

#[test]
fn http_layer_auth_method_path() {
    let node = TestNode::create("httpchain", &["-target-block-time=2"]);
    let (u, p) = node.credentials();
    let body = br#"{"method":"getblockcount","id":1}"#;

    // Missing auth: 401 at once, with WWW-Authenticate; wrong password: 401 after a delay.
    let r = http(node.rpc_port, "POST", "/", None, body);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("WWW-Authenticate"),
        Some("Basic realm=\"jsonrpc\"")
    );
    assert_eq!(r.body.len(), 0);
    let t = Instant::now();
    let r = http(node.rpc_port, "POST", "/", Some((&u, "wrong")), body);
    assert_eq!(r.status, 401);
    assert!(t.elapsed() >= Duration::from_millis(250));
    let r = http(node.rpc_port, "POST", "/", Some(("other", &p)), body);
    assert_eq!(r.status, 401);

    // Only POST to exactly `/`.
    let r = http(node.rpc_port, "GET", "/", Some((&u, &p)), b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.text(), "JSONRPC server handles only POST requests");
    assert_eq!(
        http(node.rpc_port, "POST", "/wallet", Some((&u, &p)), body).status,
        404
    );
    assert_eq!(
        http(node.rpc_port, "DELETE", "/", Some((&u, &p)), body).status,
        405
    );

    // Oversized bodies are refused without harming the node.
    let big = vec![b' '; 33 * 1024 * 1024];
    let r = http(node.rpc_port, "POST", "/", Some((&u, &p)), &big);
    assert_eq!(r.status, 413);
    assert_eq!(
        http(node.rpc_port, "POST", "/", Some((&u, &p)), body).status,
        200
    );
}

/// Clients from other hosts are refused with 403 unless `rpcallowip` lets them in.
#[test]
fn clients_outside_rpcallowip_get_403() {
    let ip = mcnode::daemon::local_addresses()
        .into_iter()
        .find(|a| a.is_ipv4())
        .expect("this test needs a non-loopback IPv4 address on the machine");
    let mut node = TestNode::create("allowchain", &["-target-block-time=2"]);
    node.stop();
    // Allow some other network only, so the server binds every interface.
    std::fs::write(
        node.datadir().join("allowchain/multichain.conf"),
        format!(
            "{}rpcallowip=10.255.255.0/24\n",
            std::fs::read_to_string(node.datadir().join("allowchain/multichain.conf")).unwrap()
        ),
    )
    .unwrap();
    node.start();
    assert!(!node
        .start_output
        .stdout
        .contains("Listening for API requests"));
    let (u, p) = node.credentials();
    let body = br#"{"method":"getblockcount","id":1}"#;
    let r = http_to((ip, node.rpc_port), "POST", "/", Some((&u, &p)), body);
    assert_eq!(r.status, 403);
    assert_eq!(r.body.len(), 0);
    // Loopback is always allowed.
    assert_eq!(
        http(node.rpc_port, "POST", "/", Some((&u, &p)), body).status,
        200
    );
}

/// `-rpcservertimeout`: a keep-alive connection left without a request for that long is
/// closed, as MultiChain's HTTP server does; one that keeps sending requests stays open.
#[test]
fn idle_connections_are_closed_after_rpcservertimeout() {
    use std::io::{Read, Write};
    let mut node = TestNode::create("idlechain", &["-target-block-time=2"]);
    node.stop();
    let conf = node.datadir().join("idlechain/multichain.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(&conf, format!("{text}rpcservertimeout=1\n")).unwrap();
    node.start();
    let (u, p) = node.credentials();
    let auth = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
    };
    let request = |id: u32| {
        let body = format!(r#"{{"method":"getblockcount","params":[],"id":{id}}}"#);
        format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let connect = || {
        let s = std::net::TcpStream::connect(("127.0.0.1", node.rpc_port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    };
    // One request, then silence: the server closes the connection (a read sees its end).
    let mut quiet = connect();
    quiet.write_all(request(1).as_bytes()).unwrap();
    let mut reply = [0u8; 4096];
    let n = quiet.read(&mut reply).unwrap();
    assert!(String::from_utf8_lossy(&reply[..n]).starts_with("HTTP/1.1 200"));
    let began = Instant::now();
    let mut rest = Vec::new();
    quiet.read_to_end(&mut rest).expect("closed, not timed out");
    let took = began.elapsed();
    assert!(took >= Duration::from_millis(900), "closed after {took:?}");
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
    // A request every 0.4 s for 3 s: still served on the same connection.
    let mut busy = connect();
    for id in 0..8 {
        busy.write_all(request(id).as_bytes()).unwrap();
        let n = busy.read(&mut reply).unwrap();
        assert!(
            String::from_utf8_lossy(&reply[..n]).starts_with("HTTP/1.1 200"),
            "request {id} on a busy connection"
        );
        std::thread::sleep(Duration::from_millis(400));
    }
}

/// Several hundred malformed requests: each gets a MultiChain-style error (never a dropped
/// connection), and the node answers correctly afterwards.
#[test]
fn malformed_requests_get_errors_and_the_node_survives() {
    let node = TestNode::create("fuzzchain", &["-target-block-time=2"]);
    let address = node.cli(&["getnewaddress"]).line();
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    // Broken JSON.
    for s in [
        "",
        "{",
        "}",
        "[",
        "nul",
        "{\"method\"",
        "{'method':'getinfo'}",
        "{\"method\":\"getinfo\",}",
        "\u{0}",
        "{\"a\":1}{",
        "[[[[[[[[[[",
        "\"\\u12\"",
    ] {
        bodies.push(s.as_bytes().to_vec());
    }
    bodies.push(vec![0xff, 0xfe, 0x7b]);
    bodies.push(format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes());
    // Every command, with wrong types and counts of parameters.
    let methods = [
        "getinfo",
        "help",
        "getblockchainparams",
        "getruntimeparams",
        "getblockchaininfo",
        "getblockcount",
        "getbestblockhash",
        "getblockhash",
        "getblock",
        "listblocks",
        "getrawmempool",
        "getmempoolinfo",
        "getnetworkinfo",
        "getpeerinfo",
        "getmininginfo",
        "getnewaddress",
        "getaddresses",
        "listaddresses",
        "validateaddress",
        "dumpprivkey",
        "importprivkey",
        "importaddress",
        "createkeypairs",
        "grant",
        "grantfrom",
        "revoke",
        "revokefrom",
        "listpermissions",
        "verifypermission",
        "pause",
        "resume",
        "getlastblockinfo",
        "getdifficulty",
        "getchaintips",
        "clearmempool",
    ];
    let bad_values = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1e300),
        json!(18446744073709551615u64),
        json!(-9223372036854775807i64),
        json!(0.5),
        json!(""),
        json!("x".repeat(10_000)),
        json!("1XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        json!([]),
        json!({}),
        json!([1, [2, [3]]]),
        json!({"a": {"b": null}}),
        json!("connect,send,receive"),
        json!(address),
    ];
    for m in methods {
        for v in &bad_values {
            bodies.push(
                json!({"id": 1, "method": m, "params": [v]})
                    .to_string()
                    .into_bytes(),
            );
            bodies.push(
                json!({"id": 1, "method": m, "params": [v, v, v]})
                    .to_string()
                    .into_bytes(),
            );
        }
        bodies.push(
            json!({"id": 1, "method": m, "params": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]})
                .to_string()
                .into_bytes(),
        );
    }
    // Grants with broken ranges and amounts.
    for extra in [
        json!([-5]),
        json!([0, -2]),
        json!([0, 5, -3]),
        json!(["x"]),
        json!([1e20]),
        json!([-1.0]),
    ] {
        let mut params = vec![json!(address), json!("send")];
        params.extend(extra.as_array().unwrap().iter().cloned());
        bodies.push(
            json!({"id": 2, "method": "grant", "params": params})
                .to_string()
                .into_bytes(),
        );
    }
    assert!(bodies.len() > 500, "{} requests", bodies.len());

    // Commands that legitimately succeed with odd input (e.g. help "x") are fine; what must
    // never happen is a missing or malformed reply.
    let mut errors = 0;
    for body in &bodies {
        let r = node.post(body);
        assert!(
            matches!(r.status, 200 | 400 | 404 | 500),
            "status {} for {}",
            r.status,
            String::from_utf8_lossy(body)
        );
        let v: Value = serde_json::from_slice(&r.body).unwrap_or_else(|_| {
            panic!(
                "bad reply {:?} to {:?}",
                r.text(),
                String::from_utf8_lossy(body)
            )
        });
        let obj = v.as_object().expect("one reply object");
        let keys: Vec<&String> = obj.keys().collect();
        assert_eq!(keys, ["result", "error", "id"]);
        if r.status != 200 {
            errors += 1;
            let e = &v["error"];
            assert!(e["code"].is_i64(), "{e}");
            assert!(!e["message"].as_str().unwrap().is_empty(), "{e}");
            assert!(v["result"].is_null());
        }
    }
    assert!(errors > 400, "only {errors} errors");
    let info = node.rpc("getinfo", json!([]));
    assert_eq!(info["result"]["chainname"], "fuzzchain");
    assert_eq!(
        node.cli(&["validateaddress", &address]).json()["isvalid"],
        true
    );
}

/// getinfo's result is kept between calls while the node state is unchanged; every change it
/// shows must still appear at once.
#[test]
fn getinfo_follows_every_change_it_shows() {
    let node = TestNode::create("getinfochain", &["-target-block-time=2"]);
    let before = node.rpc("getinfo", json!([]));
    assert_eq!(node.rpc("getinfo", json!([])), before);
    assert_eq!(before["result"]["miningpaused"], json!(false));

    node.rpc("pause", json!(["mining,incoming"]));
    let paused = node.rpc("getinfo", json!([]))["result"].clone();
    assert_eq!(paused["miningpaused"], json!(true));
    assert_eq!(paused["incomingpaused"], json!(true));
    node.rpc("resume", json!(["mining,incoming"]));
    let resumed = node.rpc("getinfo", json!([]))["result"].clone();
    assert_eq!(resumed["miningpaused"], json!(false));
    assert_eq!(resumed["incomingpaused"], json!(false));

    // A transaction and the block that holds it.
    let address = node.rpc("getnewaddress", json!([]))["result"].clone();
    node.rpc("grant", json!([address, "receive"]));
    let height = before["result"]["blocks"].as_u64().unwrap();
    node.wait_height(height + 1);
    let later = node.rpc("getinfo", json!([]))["result"].clone();
    assert!(later["blocks"].as_u64().unwrap() > height, "{later}");
    // Arguments are still checked, cache or not.
    assert_eq!(node.rpc("getinfo", json!([1]))["error"]["code"], json!(-1));
}

/// Short stream listings are answered on the connection threads while publishes and blocks
/// change the state under them; they never wait on a writer that waits on them, and each
/// answer is a consistent listing.
#[test]
fn short_listings_stay_consistent_while_publishes_and_blocks_run() {
    let node = TestNode::create("inplacechain", &["-target-block-time=2"]);
    node.cli(&["create", "stream", "s1", "true"]).line();
    node.wait_mined();
    node.cli(&["subscribe", "s1"]);
    let published: usize = std::thread::scope(|s| {
        let until = Instant::now() + Duration::from_secs(4);
        let publishers: Vec<_> = (0..2)
            .map(|t| {
                let node = &node;
                s.spawn(move || {
                    let mut n = 0;
                    while Instant::now() < until {
                        let params = json!(["s1", "k", format!("{t:02x}{n:08x}")]);
                        let reply = node.rpc("publish", params);
                        assert!(reply["result"].is_string(), "{reply}");
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let node = &node;
                s.spawn(move || {
                    let mut seen = 0;
                    while Instant::now() < until {
                        let started = Instant::now();
                        let items = node.rpc("liststreamkeyitems", json!(["s1", "k", false, 5]));
                        assert!(started.elapsed() < Duration::from_secs(5));
                        let Some(items) = items["result"].as_array().cloned() else {
                            panic!("not a list: {items}");
                        };
                        assert!(items.len() <= 5);
                        assert!(items.iter().all(|i| i["keys"] == json!(["k"])), "{items:?}");
                        let keys = node.rpc("liststreamkeys", json!(["s1", "k"]));
                        let count = keys["result"][0]["items"].as_u64().unwrap_or(0);
                        assert!(count >= seen, "the key's items went from {seen} to {count}");
                        seen = count;
                        let all = node.rpc("liststreamitems", json!(["s1", false, 10]));
                        assert!(all["result"].as_array().is_some_and(|a| a.len() <= 10));
                    }
                })
            })
            .collect();
        for r in readers {
            r.join().unwrap();
        }
        publishers.into_iter().map(|p| p.join().unwrap()).sum()
    });
    assert!(published > 50, "only {published} published");
    let keys = node.rpc("liststreamkeys", json!(["s1", "k"]));
    assert_eq!(keys["result"][0]["items"], json!(published));
    // A long listing goes to the call pool and sees the same items.
    let long = node.rpc("liststreamkeyitems", json!(["s1", "k", false, 1_000_000]));
    assert_eq!(long["result"].as_array().map(Vec::len), Some(published));
}
