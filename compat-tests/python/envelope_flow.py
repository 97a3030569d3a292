"""The flow for the two Python clients built the same way: Savoir and multichaincli.

Both build {"chain_name","version","params","method","id"} and POST it; on HTTP 200 they
return reply["result"], on any other status they log and return the WHOLE reply envelope
({"result":null,"error":{...},"id":...}) instead of raising. So a user of these libraries
checks every answer for an error envelope -- unwrap() below does exactly that.
"""

from harness import StepFailure, check, check_txid, wait_for

GRANTED = ["connect", "send", "receive"]
HEX_DATA = "48656c6c6f20576f726c64"  # "Hello World"


def is_error_envelope(res):
    return isinstance(res, dict) and set(res) >= {"result", "error", "id"} and res["error"] is not None


def unwrap(res):
    """What a savoir/multichaincli user does with an answer: error envelope -> failure."""
    if is_error_envelope(res):
        err = res["error"]
        raise StepFailure("RPC error [%s] %s" % (err.get("code"), str(err.get("message"))[:200]))
    return res


def expect_error(res, code, message=None, prefix=None):
    """The answer must be the error envelope the library hands back on a non-200 reply."""
    check(isinstance(res, dict), "expected the error envelope (a dict), got %r" % (res,))
    check(set(res) >= {"result", "error", "id"}, "envelope lacks result/error/id: %r" % (res,))
    check(res["result"] is None, "result should be null in an error reply: %r" % (res,))
    # The library sends a positive integer id; MultiChain echoes it in command errors.
    check(isinstance(res["id"], int) and res["id"] > 0, "id not echoed: %r" % (res,))
    err = res["error"]
    check(isinstance(err, dict), "error should be an object: %r" % (res,))
    check(err.get("code") == code, "error code %r, expected %r (message %r)"
          % (err.get("code"), code, err.get("message")))
    msg = err.get("message")
    if message is not None:
        check(msg == message, "error message %r, expected %r" % (msg, message))
    if prefix is not None:
        check(isinstance(msg, str) and msg.startswith(prefix),
              "error message should start with %r, got %r" % (prefix, str(msg)[:120]))


def run(flow, api):
    ctx = flow.ctx
    chain = flow.chain

    def getinfo():
        info = unwrap(api.getinfo())
        check(isinstance(info, dict), "getinfo result is not an object: %r" % (info,))
        check(info.get("chainname") == chain, "chainname %r != %r" % (info.get("chainname"), chain))
        check(info.get("version") == "2.3", "version %r != '2.3'" % info.get("version"))
        check(isinstance(info.get("nodeversion"), int), "nodeversion not an integer")
        check(isinstance(info.get("burnaddress"), str), "burnaddress missing")
    flow.step("getinfo", getinfo)

    def getnewaddress():
        addr = unwrap(api.getnewaddress())
        check(isinstance(addr, str) and len(addr) > 25, "not an address: %r" % (addr,))
        v = unwrap(api.validateaddress(addr))
        check(v.get("isvalid") is True and v.get("ismine") is True,
              "validateaddress of the new address: %r" % (v,))
        ctx["addr"] = addr
    flow.step("getnewaddress", getnewaddress)

    def signmessage():
        check("addr" in ctx, "the getnewaddress step failed; no address to sign with")
        sig = unwrap(api.signmessage(ctx["addr"], "调度方案01"))
        check(isinstance(sig, str) and len(sig) == 88, "not a Base64 signature: %r" % (sig,))
        check(unwrap(api.verifymessage(ctx["addr"], sig, "调度方案01")) is True,
              "verifymessage of the signed message is not true")
        check(unwrap(api.verifymessage(ctx["addr"], sig, "调度方案02")) is False,
              "verifymessage of another message is not false")
    flow.step("signmessage", signmessage)

    def grant():
        ctx["grant_txid"] = check_txid(unwrap(api.grant(ctx["addr"], ",".join(GRANTED))), "grant")
    flow.step("grant", grant)

    def listpermissions():
        check("grant_txid" in ctx, "the grant step failed; nothing to list")

        def granted():
            rows = unwrap(api.listpermissions(",".join(GRANTED), ctx["addr"]))
            return rows if sorted(r.get("type") for r in rows) == sorted(GRANTED) else None
        rows = wait_for(granted, what="connect,send,receive for the new address in listpermissions")
        for r in rows:
            check(r.get("address") == ctx["addr"], "row for another address: %r" % (r,))
            check(r.get("for") is None, "'for' should be null for global permissions: %r" % (r,))
            check(r.get("startblock") == 0 and r.get("endblock") == 4294967295,
                  "unexpected start/end block: %r" % (r,))
    flow.step("listpermissions", listpermissions)

    def getblockchainparams():
        params = unwrap(api.getblockchainparams())
        check(params.get("chain-name") == chain, "chain-name %r" % params.get("chain-name"))
        check(params.get("target-block-time") == 2, "target-block-time %r"
              % params.get("target-block-time"))
    flow.step("getblockchainparams", getblockchainparams)

    flow.step("error_invalid_address", lambda: expect_error(
        api.grant("not-an-address", "connect"), -5, message="Invalid address: not-an-address"))
    flow.step("error_unknown_method", lambda: expect_error(
        api.nosuchmethod(), -32601, message="Method not found"))
    flow.step("error_wrong_arg_count", lambda: expect_error(
        api.grant(ctx["addr"]), -1, prefix='grant "address(es)" "permission(s)"'))

    def wallet_utilities():
        check("addr" in ctx, "the getnewaddress step failed; no address to use")
        info = unwrap(api.getwalletinfo())
        check(list(info)[:5] == ["walletversion", "balance", "walletdbversion", "txcount",
                                 "utxocount"], "getwalletinfo members: %r" % (list(info),))
        pubkey = unwrap(api.validateaddress(ctx["addr"])).get("pubkey")
        made = unwrap(api.createmultisig(1, [ctx["addr"]]))
        check(made.get("redeemScript") == "5121%s51ae" % pubkey, "createmultisig: %r" % (made,))
        check(unwrap(api.validateaddress(made.get("address"))).get("isvalid") is True,
              "the multisig address is not valid: %r" % (made,))
        value = {"plan": "调度方案01", "qty": [100, 2.5, None]}
        encoded = unwrap(api.encodehexubjson(value))
        check(unwrap(api.decodehexubjson(encoded)) == value, "UBJSON round trip of %r" % (value,))
        totals = unwrap(api.getchaintotals())
        check(isinstance(totals.get("streams"), int) and totals["streams"] >= 1,
              "getchaintotals: %r" % (totals,))
    flow.step("wallet_utilities", wallet_utilities)

    def listminers():
        rows = unwrap(api.listminers(True))
        check(isinstance(rows, list) and rows, "listminers: %r" % (rows,))
        first = rows[0]
        check(list(first) == ["address", "islocal", "permitted", "diversitywaitblocks",
                              "startblock", "endblock", "lastmined", "chainstate", "localstate"],
              "listminers members: %r" % (list(first),))
        check(first["permitted"] is True and first["chainstate"] == "mining-permitted",
              "the first miner may mine: %r" % (first,))
    flow.step("listminers", listminers)

    def wallet_more():
        check("addr" in ctx, "the getnewaddress step failed; no address to use")
        check_txid(unwrap(api.grantwithdata(ctx["addr"], "send", {"text": "调度方案01"})),
                   "grantwithdata")
        check(isinstance(unwrap(api.combineunspent()), list), "combineunspent is not a list")
        check(unwrap(api.setruntimeparam("maxqueryscanitems", "4000")) is None,
              "setruntimeparam should return null")
        check(unwrap(api.getruntimeparams()).get("maxqueryscanitems") == 4000,
              "maxqueryscanitems not changed")
        unwrap(api.setruntimeparam("maxqueryscanitems", "5000"))
        check(unwrap(api.listupgrades()) == [], "listupgrades should be empty")
        expect_error(api.createfeed("feed1"), -702,
                     message="This feature is only available in MultiChain Enterprise: createfeed API")
    flow.step("wallet_more", wallet_more)
    flow.step("error_accounts_not_supported", lambda: expect_error(
        api.listtransactions(), -702,
        message="Not supported with scalable wallet - if you need listtransactions, run "
                "multichaind -walletdbversion=1 -rescan, but the wallet will perform worse"))

    # ---- issue #4 -------------------------------------------------------------------------
    asset = flow.unique("asset")
    stream = flow.unique("stream")

    def asset_issue():
        ctx["issue_txid"] = check_txid(unwrap(api.issue(ctx["addr"], asset, 1000, 0.01)), "issue")
    flow.step("asset_issue", asset_issue)

    def asset_listassets():
        rows = unwrap(api.listassets(asset))
        check(isinstance(rows, list) and len(rows) == 1, "listassets %s: %r" % (asset, rows))
        a = rows[0]
        check(a.get("name") == asset and a.get("issuetxid") == ctx.get("issue_txid"),
              "name/issuetxid: %r" % (a,))
        check(a.get("issueqty") == 1000 and a.get("units") == 0.01, "issueqty/units: %r" % (a,))
    flow.step("asset_listassets", asset_listassets)

    def asset_listassetissues():
        issues = unwrap(api.listassetissues(asset))
        check(issues == [{"txid": ctx.get("issue_txid"), "qty": 1000, "raw": 100000}],
              "listassetissues %s: %r" % (asset, issues))
    flow.step("asset_listassetissues", asset_listassetissues)

    def asset_getaddressbalances():
        rows = unwrap(api.getaddressbalances(ctx["addr"], 0))
        mine = [r for r in rows if r.get("name") == asset]
        check(len(mine) == 1 and mine[0].get("qty") == 1000, "balances: %r" % (rows,))
    flow.step("asset_getaddressbalances", asset_getaddressbalances)

    def stream_create():
        ctx["create_txid"] = check_txid(unwrap(api.create("stream", stream, True)), "create")
    flow.step("stream_create", stream_create)

    def stream_subscribe():
        res = unwrap(api.subscribe(stream))
        check(res is None, "subscribe should return null, got %r" % (res,))
    flow.step("stream_subscribe", stream_subscribe)

    published = {}

    def publish(kind, key, data):
        def fn():
            published[kind] = check_txid(unwrap(api.publish(stream, key, data)), "publish " + kind)
        return fn
    flow.step("stream_publish_hex", publish("hex", "key1", HEX_DATA))
    flow.step("stream_publish_json", publish("json", "key2", {"json": {"a": 1, "b": "x"}}))
    flow.step("stream_publish_text", publish("text", ["k3", "k4"], {"text": "hello"}))

    def stream_liststreamitems():
        unwrap(api.liststreamitems(stream))
        check(len(published) == 3, "not all three publish steps succeeded: %r" % (published,))
        def three_items():
            items = [i for i in unwrap(api.liststreamitems(stream))
                     if i.get("txid") in published.values()]
            return items if len(items) == 3 else None
        items = wait_for(three_items, what="the three published items")
        by_txid = {i["txid"]: i for i in items}
        check(len(by_txid) == 3, "expected 3 items, got %r" % (items,))
        check(by_txid[published["hex"]]["data"] == HEX_DATA, "hex item: %r" % by_txid[published["hex"]])
        check(by_txid[published["json"]]["data"] == {"json": {"a": 1, "b": "x"}},
              "json item: %r" % by_txid[published["json"]])
        check(by_txid[published["text"]]["data"] == {"text": "hello"},
              "text item: %r" % by_txid[published["text"]])
        check(by_txid[published["text"]]["keys"] == ["k3", "k4"], "keys of text item")
    flow.step("stream_liststreamitems", stream_liststreamitems)

    def stream_liststreamkeyitems():
        items = unwrap(api.liststreamkeyitems(stream, "key1"))
        check(len(items) == 1 and items[0].get("txid") == published.get("hex")
              and items[0].get("data") == HEX_DATA and items[0].get("keys") == ["key1"],
              "items for key1: %r" % (items,))
    flow.step("stream_liststreamkeyitems", stream_liststreamkeyitems)

    def stream_liststreamqueryitems():
        items = unwrap(api.liststreamqueryitems(stream, {"keys": ["k4", "k3"]}))
        check(len(items) == 1 and items[0].get("txid") == published.get("text"),
              "items with keys k4 and k3: %r" % (items,))
        publisher = items[0]["publishers"][0]
        both = unwrap(api.liststreamqueryitems(stream, {"key": "key1", "publisher": publisher}))
        check([i.get("txid") for i in both] == [published.get("hex")],
              "items with key1 from %s: %r" % (publisher, both))
        expect_error(api.liststreamqueryitems(stream, {}), -8,
                     message="Invalid query, cannot be empty")
    flow.step("stream_liststreamqueryitems", stream_liststreamqueryitems)

    def wallet_gettransaction():
        tx = unwrap(api.gettransaction(published.get("hex")))
        check(tx.get("txid") == published.get("hex") and isinstance(tx.get("hex"), str),
              "gettransaction: %r" % (tx,))
        check([d.get("category") for d in tx.get("details", [])] == ["send"],
              "a published item is one send entry: %r" % (tx.get("details"),))
    flow.step("wallet_gettransaction", wallet_gettransaction)

    def stream_publish_binary_cache():
        cache = unwrap(api.createbinarycache())
        check(isinstance(cache, str) and cache, "createbinarycache: %r" % (cache,))
        check(unwrap(api.appendbinarycache(cache, HEX_DATA[:10])) == 5, "first part")
        check(unwrap(api.appendbinarycache(cache, HEX_DATA[10:])) == len(HEX_DATA) // 2,
              "second part")
        txid = check_txid(unwrap(api.publish(stream, "cached", {"cache": cache})),
                          "publish from the cache")
        item = unwrap(api.getstreamitem(stream, txid))
        check(item.get("data") == HEX_DATA, "the cached item: %r" % (item,))
        check(unwrap(api.deletebinarycache(cache)) is None, "deletebinarycache")
        expect_error(api.appendbinarycache(cache, "00"), -8,
                     message="Binary cache item with this identifier not found")
    flow.step("stream_publish_binary_cache", stream_publish_binary_cache)

    nft = flow.unique("nft")

    def asset_tokens():
        check("addr" in ctx, "the getnewaddress step failed; no address to use")
        check_txid(unwrap(api.issue(ctx["addr"], {"name": nft, "fungible": False, "open": True},
                                    0, 1)), "issue of a non-fungible asset")
        txid = check_txid(unwrap(api.issuetoken(ctx["addr"], nft, "token-1", 3, 0,
                                                {"serial": 1})), "issuetoken")
        info = unwrap(api.gettokeninfo(nft, "token-1"))
        check(info == {"txid": txid, "qty": 3, "raw": 3, "token": "token-1",
                       "details": {"serial": 1}}, "gettokeninfo: %r" % (info,))
        expect_error(api.issuetoken(ctx["addr"], nft, "token-1", 1), -701,
                     message="Token with this ID already exists in this asset")
        expect_error(api.sendasset(ctx["addr"], nft, 1), -702,
                     message="This API is not supported for nun-fungible assets")
        balances = unwrap(api.gettokenbalances(ctx["addr"], nft, 0))
        rows = balances.get(ctx["addr"])
        check(rows == [{"asset": nft, "assetref": rows[0].get("assetref") if rows else None,
                        "token": "token-1", "qty": 3}], "gettokenbalances: %r" % (balances,))
    flow.step("asset_tokens", asset_tokens)

    # Two refusals, as in the golden session (34, 35): an unknown stream, data that is not hex.
    flow.step("stream_error_unknown_stream", lambda: expect_error(
        api.publish("no-such-stream", "key1", "00"), -708,
        message="Stream with this name not found: no-such-stream"))
    flow.step("stream_error_bad_hex", lambda: expect_error(
        api.publish(stream, "key1", "zz"), -8, message="data should be hexadecimal string or recognized object"))
