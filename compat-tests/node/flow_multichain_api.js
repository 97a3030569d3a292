'use strict';
// multichain-api 1.0.0-alpha.13 (npm, Tilkal): promise-based functional client.
//
// How it talks (RpcClient.js): POST JSON.stringify(request) where a command builder returns
// {method} for no-argument calls (NO params member, NO id, NO jsonrpc) or {method, params}.
// Whatever the HTTP status, the body is JSON.parse'd (failure -> RpcError with the status);
// then `if (response.error !== null) reject(new MultiChainError(response))`, else it resolves
// with the WHOLE reply {result, error, id}. MultiChainError's constructor reads
// response.error.code, so a reply WITHOUT an "error" member throws a TypeError inside the
// HTTP callback and crashes the process (the harness records that as a failure).

const { Flow, StepFailure, check, checkTxid, waitFor, show } = require('./harness');
const { RpcClient } = require('multichain-api/RpcClient');
const { MultiChainError } = require('multichain-api/MultiChainError');
const C = (name) => require(`multichain-api/Commands/${name}`)[name];

const GetInfo = C('GetInfo');
const GetNewAddress = C('GetNewAddress');
const ValidateAddress = C('ValidateAddress');
const Grant = C('Grant');
const ListPermissions = C('ListPermissions');
const GetBlockchainParams = C('GetBlockchainParams');
const Issue = C('Issue');
const ListAssets = C('ListAssets');
const GetAddressBalances = C('GetAddressBalances');
const Create = C('Create');
const Subscribe = C('Subscribe');
const Publish = C('Publish');
const ListStreamItems = C('ListStreamItems');
const ListStreamKeyItems = C('ListStreamKeyItems');

const version = require('multichain-api/package.json').version;
const flow = new Flow('multichain-api');
const client = RpcClient({
  protocol: 'http', host: flow.host, port: flow.port, username: flow.user, password: flow.password,
});

const GRANTED = ['connect', 'send', 'receive'];
const HEX_DATA = '48656c6c6f20576f726c64';

// The library resolves with the whole reply; a user reads .result.
async function result(request) {
  const reply = await client(request);
  check(reply && reply.error === null, `reply.error should be null: ${show(reply)}`);
  check('id' in reply && reply.id === null, `reply.id should be null (the request had no id): ${show(reply.id)}`);
  return reply.result;
}

async function expectError(request, code, { message, prefix } = {}) {
  let reply;
  try {
    reply = await client(request);
  } catch (err) {
    check(err instanceof MultiChainError, `expected MultiChainError, got ${show(err)}`);
    const e = err.response.error;
    check(e.code === code, `error code ${show(e.code)}, expected ${code} (message ${show(e.message, 120)})`);
    check(err.response.result === null, `result should be null: ${show(err.response)}`);
    if (message !== undefined) check(e.message === message, `message ${show(e.message)}, expected ${show(message)}`);
    if (prefix !== undefined) {
      check(typeof e.message === 'string' && e.message.startsWith(prefix),
        `message should start with ${show(prefix)}, got ${show(e.message, 120)}`);
    }
    check(err.message === `[${code}] ${e.message}`, `MultiChainError.message ${show(err.message, 120)}`);
    return;
  }
  throw new StepFailure(`expected a MultiChainError, got ${show(reply)}`);
}

async function main() {
  const ctx = flow.ctx;
  console.log(`   (library version ${version})`);

  await flow.step('getinfo', async () => {
    const info = await result(GetInfo()); // request body: {"method":"getinfo"}
    check(info.chainname === flow.chain, `chainname ${show(info.chainname)}`);
    check(info.version === '2.3', `version ${show(info.version)}`);
    check(Number.isInteger(info.nodeversion), `nodeversion ${show(info.nodeversion)}`);
  });

  await flow.step('getnewaddress', async () => {
    const addr = await result(GetNewAddress());
    check(typeof addr === 'string' && addr.length > 25, `not an address: ${show(addr)}`);
    const v = await result(ValidateAddress(addr));
    check(v.isvalid === true && v.ismine === true, `validateaddress: ${show(v)}`);
    ctx.addr = addr;
  });

  await flow.step('grant', async () => {
    ctx.grantTxid = checkTxid(await result(Grant(ctx.addr, GRANTED.join(','))), 'grant');
  });

  await flow.step('listpermissions', async () => {
    check(ctx.grantTxid, 'the grant step failed; nothing to list');
    const rows = await waitFor(async () => {
      const r = await result(ListPermissions(GRANTED.join(','), ctx.addr));
      return r.map((x) => x.type).sort().join() === [...GRANTED].sort().join() ? r : null;
    }, 'connect,send,receive for the new address');
    for (const r of rows) {
      check(r.address === ctx.addr && r.for === null, `row ${show(r)}`);
      check(r.startblock === 0 && r.endblock === 4294967295, `row ${show(r)}`);
    }
  });

  await flow.step('getblockchainparams', async () => {
    const p = await result(GetBlockchainParams());
    check(p['chain-name'] === flow.chain, `chain-name ${show(p['chain-name'])}`);
    check(p['target-block-time'] === 2, `target-block-time ${show(p['target-block-time'])}`);
  });

  await flow.step('error_invalid_address', () => expectError(
    Grant('not-an-address', 'connect'), -5, { message: 'Invalid address: not-an-address' }));
  // Any {method, params} object is a valid request for this client.
  await flow.step('error_unknown_method', () => expectError(
    { method: 'nosuchmethod' }, -32601, { message: 'Method not found' }));
  await flow.step('error_wrong_arg_count', () => expectError(
    Grant(ctx.addr), -1, { prefix: 'grant "address(es)" "permission(s)"' }));

  // ---- issue #4 ---------------------------------------------------------------------------
  const asset = flow.unique('asset');
  const stream = flow.unique('stream');

  await flow.step('asset_issue', async () => {
    ctx.issueTxid = checkTxid(await result(Issue(ctx.addr, asset, 1000, 0.01)), 'issue');
  });
  await flow.step('asset_listassets', async () => {
    const rows = await result(ListAssets(asset));
    check(rows.length === 1 && rows[0].name === asset && rows[0].issuetxid === ctx.issueTxid, show(rows));
    check(rows[0].issueqty === 1000 && rows[0].units === 0.01, show(rows));
  });
  await flow.step('asset_getaddressbalances', async () => {
    const rows = await result(GetAddressBalances(ctx.addr, 0));
    const mine = rows.filter((r) => r.name === asset);
    check(mine.length === 1 && mine[0].qty === 1000, show(rows));
  });

  const published = {};
  await flow.step('stream_create', async () => {
    checkTxid(await result(Create('stream', stream, true)), 'create');
  });
  await flow.step('stream_subscribe', async () => {
    const res = await result(Subscribe(stream));
    check(res === null, `subscribe should return null, got ${show(res)}`);
  });
  const publish = (kind, key, data) => async () => {
    published[kind] = checkTxid(await result(Publish(stream, key, data)), `publish ${kind}`);
  };
  await flow.step('stream_publish_hex', publish('hex', 'key1', HEX_DATA));
  await flow.step('stream_publish_json', publish('json', 'key2', { json: { a: 1, b: 'x' } }));
  await flow.step('stream_publish_text', publish('text', ['k3', 'k4'], { text: 'hello' }));
  await flow.step('stream_liststreamitems', async () => {
    await result(ListStreamItems(stream));
    check(Object.keys(published).length === 3, `not all three publish steps succeeded: ${show(published)}`);
    const items = await waitFor(async () => {
      const mine = (await result(ListStreamItems(stream))).filter((i) => Object.values(published).includes(i.txid));
      return mine.length === 3 ? mine : null;
    }, 'the three published items');
    const byTxid = Object.fromEntries(items.map((i) => [i.txid, i]));
    check(byTxid[published.hex].data === HEX_DATA, show(byTxid[published.hex]));
    check(JSON.stringify(byTxid[published.json].data) === '{"json":{"a":1,"b":"x"}}', show(byTxid[published.json]));
    check(JSON.stringify(byTxid[published.text].data) === '{"text":"hello"}', show(byTxid[published.text]));
  });
  await flow.step('stream_liststreamkeyitems', async () => {
    const items = await result(ListStreamKeyItems(stream, 'key1'));
    check(items.length === 1 && items[0].data === HEX_DATA && items[0].txid === published.hex, show(items));
  });
  // Two refusals, as in the golden session (34, 35): an unknown stream, data that is not hex.
  await flow.step('stream_error_unknown_stream', () => expectError(
    Publish('no-such-stream', 'key1', '00'), -708, { message: 'Stream with this name not found: no-such-stream' }));
  await flow.step('stream_error_bad_hex', () => expectError(
    Publish(stream, 'key1', 'zz'), -8, { message: 'data should be hexadecimal string or recognized object' }));

  flow.finish();
}

main();
