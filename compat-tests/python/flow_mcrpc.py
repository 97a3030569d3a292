"""mcrpc 2.0.6.0 (PyPI `mcrpc`): typed MultiChain 2.x client.

How it behaves (mcrpc/client.py): POSTs {"method","params"} only (no id, no jsonrpc), drops
None arguments, parses the reply with floats as Decimal, then does
    if data["error"] is not None: raise RpcError(data["error"].get("message"))
    return data["result"]
regardless of the HTTP status -- so a reply without an "error" member raises KeyError, and the
user only ever sees the error MESSAGE (not the code). Several calls wrap the result in a model
class that reads every field MultiChain 2.x returns (mcrpc/responses.py) and raises KeyError
when one is missing: getinfo, getblockchaininfo, getmempoolinfo, getruntimeparams,
getmininginfo, getnetworkinfo, getinitstatus.
"""
from decimal import Decimal

import mcrpc
from mcrpc.exceptions import RpcError

from harness import Flow, StepFailure, check, check_txid, wait_for

GRANTED = ["connect", "send", "receive"]
HEX_DATA = "48656c6c6f20576f726c64"

flow = Flow("mcrpc")
client = mcrpc.RpcClient(flow.host, flow.port, flow.user, flow.password)
ctx = flow.ctx


def expect_rpc_error(fn, message=None, prefix=None):
    try:
        res = fn()
    except RpcError as e:
        msg = str(e)
        if message is not None:
            check(msg == message, "RpcError message %r, expected %r" % (msg, message))
        if prefix is not None:
            check(msg.startswith(prefix), "RpcError message should start with %r, got %r"
                  % (prefix, msg[:120]))
        return
    raise StepFailure("expected mcrpc.exceptions.RpcError, call returned %r" % (res,))


def getinfo():
    info = client.getinfo()  # mcrpc.responses.Getinfo: KeyError if any 2.x field is missing
    check(info.chainname == flow.chain, "chainname %r" % info.chainname)
    check(info.version == "2.3", "version %r" % info.version)
    check(info.protocol == "multichain", "protocol %r" % info.protocol)
    check(isinstance(info.nodeversion, int), "nodeversion %r" % info.nodeversion)


flow.step("getinfo", getinfo)


def model_getblockchaininfo():
    m = client.getblockchaininfo()
    check(m.chainname == flow.chain and m.blocks >= 0 and len(m.bestblockhash) == 64, repr(m))


def model_getmempoolinfo():
    m = client.getmempoolinfo()
    check(isinstance(m.size, int) and isinstance(m.bytes, int), repr(m))


def model_getruntimeparams():
    m = client.getruntimeparams()
    check(isinstance(m.port, int), repr(m))


def model_getmininginfo():
    m = client.getmininginfo()
    check(isinstance(m.blocks, int), repr(m))


def model_getnetworkinfo():
    m = client.getnetworkinfo()
    check(isinstance(m.localaddresses, list) and isinstance(m.networks, list), repr(m))


def model_getinitstatus():
    m = client.getinitstatus()
    check(m.initialized is True and m.version == "2.3", repr(m))


flow.step("model_getblockchaininfo", model_getblockchaininfo)
flow.step("model_getmempoolinfo", model_getmempoolinfo)
flow.step("model_getruntimeparams", model_getruntimeparams)
flow.step("model_getmininginfo", model_getmininginfo)
flow.step("model_getnetworkinfo", model_getnetworkinfo)
flow.step("model_getinitstatus", model_getinitstatus)


def getnewaddress():
    addr = client.getnewaddress()
    check(isinstance(addr, str) and len(addr) > 25, "not an address: %r" % (addr,))
    v = client.validateaddress(addr)
    check(v.get("isvalid") is True and v.get("ismine") is True, repr(v))
    ctx["addr"] = addr


flow.step("getnewaddress", getnewaddress)


def signmessage():
    check("addr" in ctx, "the getnewaddress step failed; no address to sign with")
    sig = client.signmessage(ctx["addr"], "调度方案01")
    check(isinstance(sig, str) and len(sig) == 88, "not a Base64 signature: %r" % (sig,))
    check(client.verifymessage(ctx["addr"], sig, "调度方案01") is True, "not verified")
    check(client.verifymessage(ctx["addr"], sig, "调度方案02") is False, "another message verified")


flow.step("signmessage", signmessage)


def grant():
    ctx["grant_txid"] = check_txid(client.grant(ctx["addr"], ",".join(GRANTED)), "grant")


flow.step("grant", grant)


def listpermissions():
    check("grant_txid" in ctx, "the grant step failed; nothing to list")

    def granted():
        rows = client.listpermissions(",".join(GRANTED), ctx["addr"])
        return rows if sorted(r["type"] for r in rows) == sorted(GRANTED) else None
    rows = wait_for(granted, what="connect,send,receive for the new address")
    for r in rows:
        check(r["address"] == ctx["addr"] and r["for"] is None, repr(r))
        check(r["startblock"] == 0 and r["endblock"] == 4294967295, repr(r))


flow.step("listpermissions", listpermissions)


def getblockchainparams():
    p = client.getblockchainparams()
    check(p["chain-name"] == flow.chain, "chain-name %r" % p.get("chain-name"))
    check(p["target-block-time"] == 2, "target-block-time %r" % p.get("target-block-time"))


flow.step("getblockchainparams", getblockchainparams)

flow.step("error_invalid_address", lambda: expect_rpc_error(
    lambda: client.grant("not-an-address", "connect"), message="Invalid address: not-an-address"))
# mcrpc has no method of that name: attribute access falls back to a generic _call.
flow.step("error_unknown_method", lambda: expect_rpc_error(
    lambda: client.nosuchmethod(), message="Method not found"))
# mcrpc drops None arguments, so a missing permission list sends just ["<address>"].
flow.step("error_wrong_arg_count", lambda: expect_rpc_error(
    lambda: client.grant(ctx["addr"], None), prefix='grant "address(es)" "permission(s)"'))

# ---- issue #4 -----------------------------------------------------------------------------
asset = flow.unique("asset")
stream = flow.unique("stream")


def asset_issue():
    ctx["issue_txid"] = check_txid(client.issue(ctx["addr"], asset, 1000, 0.01), "issue")


def asset_listassets():
    rows = client.listassets(asset)
    check(len(rows) == 1 and rows[0]["name"] == asset, repr(rows))
    check(rows[0]["issueqty"] == 1000 and rows[0]["units"] == Decimal("0.01"), repr(rows))


def asset_getaddressbalances():
    rows = client.getaddressbalances(ctx["addr"], 0)
    mine = [r for r in rows if r["name"] == asset]
    check(len(mine) == 1 and mine[0]["qty"] == 1000, repr(rows))


def asset_transactions_need_subscription():
    expect_rpc_error(lambda: client.listassettransactions(asset),
                     message="Not subscribed to this asset")


def asset_transactions():
    check(client.subscribe(asset) is None, "subscribe should return null")
    rows = client.listassettransactions(asset, True)
    check(len(rows) == 1 and rows[0]["txid"] == ctx["issue_txid"], repr(rows))
    check(rows[0]["addresses"] == {ctx["addr"]: 1000}, repr(rows[0]["addresses"]))
    check(isinstance(rows[0]["vin"], list) and len(rows[0]["hex"]) > 100, repr(rows[0]))
    one = client.getassettransaction(asset, ctx["issue_txid"])
    check(one["txid"] == ctx["issue_txid"] and "vin" not in one, repr(one))
    listed = client.listassets(asset)[0]
    check(listed["subscribed"] is True and listed["transactions"] == 1, repr(listed))
    # Flows share the node: later ones list every asset and expect them unsubscribed.
    check(client.unsubscribe(asset) is None, "unsubscribe should return null")


flow.step("asset_issue", asset_issue)
flow.step("asset_listassets", asset_listassets)
flow.step("asset_getaddressbalances", asset_getaddressbalances)
flow.step("asset_transactions_need_subscription", asset_transactions_need_subscription)
flow.step("asset_transactions", asset_transactions)

switch_asset = flow.unique("switch")


def asset_open_and_close():
    # canopen/canclose: closed at issue, then opened and closed again by its admin.
    params = {"name": switch_asset, "canopen": True, "canclose": True}
    check_txid(client.issue(ctx["addr"], params, 10, 1), "issue")
    row = client.listassets(switch_asset)[0]
    check(row["open"] is False and row["canopen"] is True and row["canclose"] is True,
          repr(row))
    expect_rpc_error(lambda: client.issuemore(ctx["addr"], switch_asset, 1),
                     message="Issuing more units not allowed for this asset: " + switch_asset)
    expect_rpc_error(lambda: client.update(switch_asset, {"open": True, "other": 1}),
                     message="Asset update should be object with single field - open")
    check_txid(client.update(switch_asset, {"open": True}), "update")
    check(client.listassets(switch_asset)[0]["open"] is True, "not open after update")
    check_txid(client.issuemore(ctx["addr"], switch_asset, 5), "issuemore")
    # The asset's admin is the wallet address that issued it, not the recipient.
    expect_rpc_error(lambda: client.updatefrom(ctx["addr"], switch_asset, {"open": False}),
                     message="from-address doesn't have admin permission for this entity")
    check_txid(client.update(switch_asset, {"open": False}), "update")
    row = client.listassets(switch_asset)[0]
    check(row["open"] is False and row["issueqty"] == 15, repr(row))


flow.step("asset_open_and_close", asset_open_and_close)

published = {}


def stream_create():
    check_txid(client.create("stream", stream, True), "create")


def stream_subscribe():
    res = client.subscribe(stream)
    check(res is None, "subscribe should return null, got %r" % (res,))


def publish(kind, key, data):
    def fn():
        published[kind] = check_txid(client.publish(stream, key, data), "publish " + kind)
    return fn


def stream_liststreamitems():
    client.liststreamitems(stream)
    check(len(published) == 3, "not all three publish steps succeeded: %r" % (published,))

    def three():
        items = [i for i in client.liststreamitems(stream) if i["txid"] in published.values()]
        return items if len(items) == 3 else None
    by_txid = {i["txid"]: i for i in wait_for(three, what="the three published items")}
    check(by_txid[published["hex"]]["data"] == HEX_DATA, repr(by_txid))
    check(by_txid[published["json"]]["data"] == {"json": {"a": 1, "b": "x"}}, repr(by_txid))
    check(by_txid[published["text"]]["data"] == {"text": "hello"}, repr(by_txid))


def stream_liststreamkeyitems():
    items = client.liststreamkeyitems(stream, "key1")
    check(len(items) == 1 and items[0]["data"] == HEX_DATA and items[0]["keys"] == ["key1"],
          repr(items))


flow.step("stream_create", stream_create)
flow.step("stream_subscribe", stream_subscribe)
flow.step("stream_publish_hex", publish("hex", "key1", HEX_DATA))
flow.step("stream_publish_json", publish("json", "key2", {"json": {"a": 1, "b": "x"}}))
flow.step("stream_publish_text", publish("text", ["k3", "k4"], {"text": "hello"}))
flow.step("stream_liststreamitems", stream_liststreamitems)
flow.step("stream_liststreamkeyitems", stream_liststreamkeyitems)
# Two refusals, as in the golden session (34, 35): an unknown stream, data that is not hex.
flow.step("stream_error_unknown_stream", lambda: expect_rpc_error(
    lambda: client.publish("no-such-stream", "key1", "00"),
    message="Stream with this name not found: no-such-stream"))
flow.step("stream_error_bad_hex", lambda: expect_rpc_error(
    lambda: client.publish(stream, "key1", "zz"), message="data should be hexadecimal string or recognized object"))



# Answers checked against MultiChain 2.3's source this issue: key summaries, verbose wallet
# entries, multi-address balances, address history paging.
def stream_getstreamkeysummary():
    check_txid(client.publish(stream, "key2", {"json": {"b": "y", "c": 2}}), "publish json 2")
    res = client.getstreamkeysummary(stream, "key2", "jsonobjectmerge")
    check(res == {"json": {"a": 1, "b": "y", "c": 2}}, repr(res))


def wallet_getwallettransaction_verbose():
    entry = client.getwallettransaction(published["hex"], False, True)
    check(isinstance(entry.get("vin"), list) and entry["vin"], repr(entry))
    check(entry["vin"][0]["ismine"] is True, repr(entry["vin"]))
    items = [o for o in entry["vout"] if o.get("items")]
    check(len(items) == 1 and items[0]["items"][0]["data"] == HEX_DATA, repr(entry["vout"]))


def asset_getmultibalances():
    res = client.getmultibalances([ctx["addr"]], asset)
    rows = res.get(ctx["addr"])
    check(rows is not None and [(r["name"], r["qty"]) for r in rows] == [(asset, 1000)], repr(res))
    check([(r["name"], r["qty"]) for r in res["total"]] == [(asset, 1000)], repr(res))


def wallet_listaddresstransactions_paging():
    newest = client.listaddresstransactions(ctx["addr"], 1)
    second = client.listaddresstransactions(ctx["addr"], 1, 1)
    both = client.listaddresstransactions(ctx["addr"], 2)
    check(len(newest) == 1 and len(second) == 1, repr((newest, second)))
    check([e["txid"] for e in both] == [second[0]["txid"], newest[0]["txid"]], repr(both))


flow.step("stream_getstreamkeysummary", stream_getstreamkeysummary)
flow.step("wallet_getwallettransaction_verbose", wallet_getwallettransaction_verbose)
flow.step("asset_getmultibalances", asset_getmultibalances)
flow.step("wallet_listaddresstransactions_paging", wallet_listaddresstransactions_paging)

flow.finish()
