'use strict';
// multichain-node (npm), two majors side by side: 1.8.1 (callbacks only) and
// 2.2.0-version1.0.4 (callbacks or promises). Usage: node flow_multichain_node.js 1.8|2.2
//
// How the library talks (lib/client.js, same in both): POST {"method","params":[...],"id":1,
// "jsonrpc":"2.0"} with Content-Type application/json and Basic auth. On HTTP 200 it hands
// back reply.result; otherwise, if the reply's Content-Type is EXACTLY "application/json", it
// hands back reply.error (the {code,message} object) as the error, else the raw body string.
// Named-argument calls fill every optional parameter with the library's defaults (e.g. grant
// sends native-amount/start-block/end-block/comment/comment-to as null).

const { Flow, StepFailure, check, checkTxid, waitFor, show } = require('./harness');

const which = process.argv[2];
const pkg = { '1.8': 'multichain-node-18', '2.2': 'multichain-node-22' }[which];
if (!pkg) {
  console.error('usage: node flow_multichain_node.js 1.8|2.2');
  process.exit(2);
}
const version = require(`${pkg}/package.json`).version;
const flow = new Flow(`multichain-node-${which}`);
const connection = { port: flow.port, host: flow.host, user: flow.user, pass: flow.password };
const mc = require(pkg)(connection);
// The transport underneath; 1.8.1 has no wrapper for streams, and neither version can name a
// method it does not know -- a user reaches those through lib/client.js.
const raw = require(`${pkg}/lib/client.js`)(connection);

const GRANTED = ['connect', 'send', 'receive'];
const HEX_DATA = '48656c6c6f20576f726c64';

// 1.8.x: mc.cmd([args,] callback). 2.2.x: mc.cmd([args]) returns a promise.
function call(cmd, args) {
  check(typeof mc[cmd] === 'function', `multichain-node ${version} has no ${cmd}()`);
  if (which === '2.2') return args === undefined ? mc[cmd]() : mc[cmd](args);
  return new Promise((resolve, reject) => {
    const cb = (err, res) => (err ? reject(err) : resolve(res));
    if (args === undefined) mc[cmd](cb); else mc[cmd](args, cb);
  });
}

function rawCall(method, params) {
  return new Promise((resolve, reject) => raw.call(method, params, (err, res) => (err ? reject(err) : resolve(res))));
}

// Stream commands: the wrapper in 2.2.x, the transport in 1.8.x (which has no wrapper for them).
function streamCall(cmd, named, positional) {
  return which === '2.2' ? call(cmd, named) : rawCall(cmd.toLowerCase(), positional);
}

async function expectError(promise, code, { message, prefix } = {}) {
  let res;
  try {
    res = await promise;
  } catch (err) {
    check(err && typeof err === 'object' && !(err instanceof Error),
      `expected the reply's error object {code,message}, got ${show(err)}`);
    check(err.code === code, `error code ${show(err.code)}, expected ${code} (message ${show(err.message, 120)})`);
    if (message !== undefined) check(err.message === message, `error message ${show(err.message)}, expected ${show(message)}`);
    if (prefix !== undefined) {
      check(typeof err.message === 'string' && err.message.startsWith(prefix),
        `error message should start with ${show(prefix)}, got ${show(err.message, 120)}`);
    }
    return;
  }
  throw new StepFailure(`expected an error, got result ${show(res)}`);
}

async function main() {
  const ctx = flow.ctx;
  console.log(`   (library version ${version})`);

  await flow.step('getinfo', async () => {
    const info = await call('getInfo');
    check(info && info.chainname === flow.chain, `chainname ${show(info && info.chainname)}`);
    check(info.version === '2.3', `version ${show(info.version)}`);
    check(Number.isInteger(info.nodeversion), `nodeversion ${show(info.nodeversion)}`);
  });

  await flow.step('getnewaddress', async () => {
    const addr = await call('getNewAddress');
    check(typeof addr === 'string' && addr.length > 25, `not an address: ${show(addr)}`);
    const v = await call('validateAddress', { address: addr });
    check(v.isvalid === true && v.ismine === true, `validateaddress: ${show(v)}`);
    ctx.addr = addr;
  });

  await flow.step('signmessage', async () => {
    check(ctx.addr, 'the getnewaddress step failed; no address to sign with');
    const sig = await call('signMessage', { address: ctx.addr, message: '调度方案01' });
    check(typeof sig === 'string' && sig.length === 88, `not a Base64 signature: ${show(sig)}`);
    const ok = await call('verifyMessage', { address: ctx.addr, signature: sig, message: '调度方案01' });
    check(ok === true, `verifymessage of the signed message: ${show(ok)}`);
    const other = await call('verifyMessage', { address: ctx.addr, signature: sig, message: '调度方案02' });
    check(other === false, `verifymessage of another message: ${show(other)}`);
  });

  await flow.step('grant', async () => {
    ctx.grantTxid = checkTxid(await call('grant', { addresses: ctx.addr, permissions: GRANTED.join(',') }), 'grant');
  });

  await flow.step('listpermissions', async () => {
    check(ctx.grantTxid, 'the grant step failed; nothing to list');
    const rows = await waitFor(async () => {
      const r = await call('listPermissions', { permissions: GRANTED.join(','), addresses: ctx.addr });
      return r.map((x) => x.type).sort().join() === [...GRANTED].sort().join() ? r : null;
    }, 'connect,send,receive for the new address');
    for (const r of rows) {
      check(r.address === ctx.addr && r.for === null, `row ${show(r)}`);
      check(r.startblock === 0 && r.endblock === 4294967295, `row ${show(r)}`);
    }
  });

  await flow.step('getblockchainparams', async () => {
    const p = await call('getBlockchainParams');
    check(p['chain-name'] === flow.chain, `chain-name ${show(p['chain-name'])}`);
    check(p['target-block-time'] === 2, `target-block-time ${show(p['target-block-time'])}`);
  });

  await flow.step('error_invalid_address', () => expectError(
    call('grant', { addresses: 'not-an-address', permissions: 'connect' }), -5, { message: 'Invalid address: not-an-address' }));
  await flow.step('error_unknown_method', () => expectError(
    rawCall('nosuchmethod', []), -32601, { message: 'Method not found' }));
  // An array is passed through as the positional params: ["<address>"] alone.
  await flow.step('error_wrong_arg_count', () => expectError(
    call('grant', [ctx.addr]), -1, { prefix: 'grant "address(es)" "permission(s)"' }));

  // ---- issue #4 ---------------------------------------------------------------------------
  const asset = flow.unique('asset');
  const stream = flow.unique('stream');

  await flow.step('asset_issue', async () => {
    ctx.issueTxid = checkTxid(await call('issue', { address: ctx.addr, asset, qty: 1000, units: 0.01 }), 'issue');
  });
  await flow.step('asset_listassets', async () => {
    const rows = await call('listAssets', { asset });
    check(rows.length === 1 && rows[0].name === asset && rows[0].issuetxid === ctx.issueTxid, show(rows));
    check(rows[0].issueqty === 1000 && rows[0].units === 0.01, show(rows));
  });
  await flow.step('asset_getaddressbalances', async () => {
    const rows = await call('getAddressBalances', { address: ctx.addr, minconf: 0 });
    const mine = rows.filter((r) => r.name === asset);
    check(mine.length === 1 && mine[0].qty === 1000, show(rows));
  });
  await flow.step('asset_transactions_need_subscription', () => expectError(
    streamCall('listAssetTransactions', { asset }, [asset]), -703, { message: 'Not subscribed to this asset' }));
  await flow.step('asset_transactions', async () => {
    const res = await streamCall('subscribe', { stream: asset }, [asset]);
    check(res === null, `subscribe should return null, got ${show(res)}`);
    const rows = await streamCall('listAssetTransactions', { asset, verbose: true }, [asset, true]);
    check(rows.length === 1 && rows[0].txid === ctx.issueTxid, show(rows));
    check(rows[0].addresses[ctx.addr] === 1000 && Array.isArray(rows[0].vout), show(rows[0]));
    const one = await streamCall('getAssetTransaction', { asset, txid: ctx.issueTxid }, [asset, ctx.issueTxid]);
    check(one.txid === ctx.issueTxid && one.vin === undefined, show(one));
    // Flows share the node: later ones list every asset and expect them unsubscribed.
    check(await streamCall('unsubscribe', { stream: asset }, [asset]) === null, 'unsubscribe should return null');
  });

  const published = {};
  await flow.step('stream_create', async () => {
    checkTxid(await streamCall('create', { type: 'stream', name: stream, open: true }, ['stream', stream, true]), 'create');
  });
  await flow.step('stream_subscribe', async () => {
    const res = await streamCall('subscribe', { stream }, [stream]);
    check(res === null, `subscribe should return null, got ${show(res)}`);
  });
  const publish = (kind, key, data) => async () => {
    published[kind] = checkTxid(await streamCall('publish', { stream, key, data }, [stream, key, data]), `publish ${kind}`);
  };
  await flow.step('stream_publish_hex', publish('hex', 'key1', HEX_DATA));
  await flow.step('stream_publish_json', publish('json', 'key2', { json: { a: 1, b: 'x' } }));
  await flow.step('stream_publish_text', publish('text', ['k3', 'k4'], { text: 'hello' }));
  await flow.step('stream_liststreamitems', async () => {
    const list = () => streamCall('listStreamItems', { stream }, [stream]);
    await list();
    check(Object.keys(published).length === 3, `not all three publish steps succeeded: ${show(published)}`);
    const items = await waitFor(async () => {
      const mine = (await list()).filter((i) => Object.values(published).includes(i.txid));
      return mine.length === 3 ? mine : null;
    }, 'the three published items');
    const byTxid = Object.fromEntries(items.map((i) => [i.txid, i]));
    check(byTxid[published.hex].data === HEX_DATA, show(byTxid[published.hex]));
    check(JSON.stringify(byTxid[published.json].data) === '{"json":{"a":1,"b":"x"}}', show(byTxid[published.json]));
    check(JSON.stringify(byTxid[published.text].data) === '{"text":"hello"}', show(byTxid[published.text]));
  });
  await flow.step('stream_liststreamkeyitems', async () => {
    const items = await streamCall('listStreamKeyItems', { stream, key: 'key1' }, [stream, 'key1']);
    check(items.length === 1 && items[0].data === HEX_DATA && items[0].txid === published.hex, show(items));
  });
  // Two refusals, as in the golden session (34, 35): an unknown stream, data that is not hex.
  await flow.step('stream_error_unknown_stream', () => expectError(
    streamCall('publish', { stream: 'no-such-stream', key: 'key1', data: '00' }, ['no-such-stream', 'key1', '00']),
    -708, { message: 'Stream with this name not found: no-such-stream' }));
  await flow.step('stream_error_bad_hex', () => expectError(
    streamCall('publish', { stream, key: 'key1', data: 'zz' }, [stream, 'key1', 'zz']),
    -8, { message: 'data should be hexadecimal string or recognized object' }));

  flow.finish();
}

main();
