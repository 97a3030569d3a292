<?php
// The MultiChain Web Demo's conversation with its node, replayed through a client written
// the way the demo talks (webdemo_client.php): the read calls of its pages, the permission
// page's grantfrom/revokefrom, then the asset/stream/exchange pages' calls (issue #4).

require __DIR__ . '/harness.php';
require __DIR__ . '/webdemo_client.php';

$multichain_chain = array(
    'rpchost' => getenv('MC_HOST') ?: '127.0.0.1',
    'rpcport' => getenv('MC_PORT'),
    'rpcuser' => getenv('MC_USER'),
    'rpcpassword' => getenv('MC_PASS'),
);

$flow = new Flow('php-webdemo');
$ctx = &$flow->ctx;
$chain = $flow->chain;

// A successful reply, read the way the demo does; anything else fails the step.
function ok($reply)
{
    check(is_array($reply), 'reply is not a JSON object: ' . show($reply));
    foreach (array('result', 'error', 'id') as $key) {
        check(array_key_exists($key, $reply), "reply lacks '$key' (MultiChain always sends result, error, id): " . show($reply));
    }
    if (!no_error_result($result, $reply)) {
        throw new StepFailure('RPC error [' . $reply['error']['code'] . '] ' . show($reply['error']['message'], 200));
    }
    return $result;
}

function expect_error($reply, $code, $message = null, $prefix = null)
{
    check(is_array($reply) && array_key_exists('error', $reply) && is_array($reply['error']),
        'expected an error reply, got ' . show($reply));
    check(array_key_exists('result', $reply) && $reply['result'] === null, 'result should be null: ' . show($reply));
    $e = $reply['error'];
    check($e['code'] === $code, 'error code ' . show($e['code']) . ", expected $code (message " . show($e['message'], 120) . ')');
    if ($message !== null) {
        check($e['message'] === $message, 'error message ' . show($e['message']) . ', expected ' . show($message));
    }
    if ($prefix !== null) {
        check(is_string($e['message']) && strpos($e['message'], $prefix) === 0,
            'error message should start with ' . show($prefix) . ', got ' . show($e['message'], 120));
    }
}

// Values an earlier step should have left in $ctx; a clear failure instead of PHP warnings.
function need($ctx)
{
    $keys = array_slice(func_get_args(), 1);
    foreach ($keys as $key) {
        check(isset($ctx[$key]), "needs '$key' from an earlier step, which failed");
    }
}

function column($rows, $key)
{
    $out = array();
    foreach ($rows as $row) {
        if (is_array($row) && array_key_exists($key, $row)) {
            $out[] = $row[$key];
        }
    }
    return $out;
}

$GRANTED = 'connect,send,receive';

// ---- issue #2: what the demo's pages read and the permissions page writes --------------------

$flow->step('getinfo', function () use ($chain) {
    $info = ok(multichain('getinfo'));
    check($info['chainname'] === $chain, 'chainname ' . show($info['chainname']));
    check($info['version'] === '2.3', 'version ' . show($info['version']));
    check(is_string($info['burnaddress']) && strlen($info['burnaddress']) > 25, 'burnaddress ' . show($info['burnaddress']));
    // The demo's home page shows these.
    check(is_int($info['blocks']) && is_int($info['connections']) && is_int($info['protocolversion']), show($info));
    check(is_string($info['nodeaddress']) && strpos($info['nodeaddress'], $chain . '@') === 0, 'nodeaddress ' . show($info['nodeaddress']));
});

$flow->step('getpeerinfo', function () {
    $peers = ok(multichain('getpeerinfo'));
    check(is_array($peers) && count($peers) === 0, 'a lone node has no peers: ' . show($peers));
});

$flow->step('getnewaddress', function () use (&$ctx) {
    foreach (array('addr1', 'addr2') as $k) {
        $addr = ok(multichain('getnewaddress'));
        check(is_string($addr) && strlen($addr) > 25, 'not an address: ' . show($addr));
        $ctx[$k] = $addr;
    }
    check($ctx['addr1'] !== $ctx['addr2'], 'two calls gave the same address');
});

$flow->step('getaddresses_verbose', function () use (&$ctx) {
    need($ctx, 'addr1', 'addr2');
    $rows = ok(multichain('getaddresses', true));
    foreach ($rows as $row) {
        check(is_array($row) && isset($row['address']) && array_key_exists('ismine', $row), 'row ' . show($row));
    }
    $mine = array();
    foreach ($rows as $row) {
        if ($row['ismine']) {
            $mine[] = $row['address'];
        }
    }
    check(in_array($ctx['addr1'], $mine, true) && in_array($ctx['addr2'], $mine, true), 'new addresses not listed as ismine');
    $ctx['addresses'] = column($rows, 'address');
});

// The home page: every permission of every wallet address.
$flow->step('listpermissions_all', function () use (&$ctx) {
    need($ctx, 'addresses');
    $rows = ok(multichain('listpermissions', 'all', implode(',', $ctx['addresses'])));
    $types = array();
    foreach ($rows as $row) {
        check(in_array($row['address'], $ctx['addresses'], true), 'row for a foreign address: ' . show($row));
        $types[$row['type']] = true;
    }
    foreach (array('connect', 'send', 'receive', 'issue', 'create', 'mine', 'activate', 'admin') as $t) {
        check(isset($types[$t]), "the node's own address should hold '$t': " . show(array_keys($types)));
    }
});

// The permissions page: admin addresses = listpermissions('admin,activate', <wallet addresses>).
$flow->step('listpermissions_admin', function () use (&$ctx) {
    need($ctx, 'addresses');
    $rows = ok(multichain('listpermissions', 'admin,activate', implode(',', $ctx['addresses'])));
    $admins = array();
    foreach ($rows as $row) {
        if ($row['type'] === 'admin') {
            $admins[] = $row['address'];
        }
    }
    check(count($admins) >= 1, 'no admin address in the wallet: ' . show($rows));
    $ctx['admin'] = $admins[0];
});

$flow->step('grant', function () use (&$ctx, $GRANTED) {
    need($ctx, 'addr1');
    $ctx['grant_txid'] = check_txid(ok(multichain('grant', $ctx['addr1'], $GRANTED)), 'grant');
});

$flow->step('grantfrom', function () use (&$ctx, $GRANTED) {
    need($ctx, 'admin', 'addr2');
    $ctx['grantfrom_txid'] = check_txid(ok(multichain('grantfrom', $ctx['admin'], $ctx['addr2'], $GRANTED)), 'grantfrom');
});

$flow->step('listpermissions', function () use (&$ctx, $GRANTED) {
    check(isset($ctx['grant_txid']) && isset($ctx['grantfrom_txid']), 'a grant step failed; nothing to list');
    $rows = wait_for(function () use ($ctx, $GRANTED) {
        $rows = ok(multichain('listpermissions', $GRANTED, $ctx['addr1'] . ',' . $ctx['addr2']));
        return count($rows) === 6 ? $rows : null;
    }, 'six rows: connect,send,receive for both addresses');
    $seen = array();
    foreach ($rows as $row) {
        check(in_array($row['address'], array($ctx['addr1'], $ctx['addr2']), true), 'row for another address: ' . show($row));
        check($row['for'] === null && $row['startblock'] === 0 && $row['endblock'] === 4294967295, 'row ' . show($row));
        $seen[$row['address'] . '/' . $row['type']] = true;
    }
    check(count($seen) === 6, 'duplicate rows: ' . show($rows));
});

$flow->step('revokefrom', function () use (&$ctx) {
    need($ctx, 'admin', 'addr2');
    check_txid(ok(multichain('revokefrom', $ctx['admin'], $ctx['addr2'], 'send')), 'revokefrom');
    wait_for(function () use ($ctx) {
        return count(ok(multichain('listpermissions', 'send', $ctx['addr2']))) === 0;
    }, 'send permission of addr2 to disappear');
    $left = ok(multichain('listpermissions', 'connect,receive', $ctx['addr2']));
    check(count($left) === 2, 'connect/receive should remain: ' . show($left));
});

// The demo sizes uploads with these three parameters (multichain_max_data_size()).
$flow->step('getblockchainparams', function () use ($chain) {
    $p = ok(multichain('getblockchainparams'));
    check($p['chain-name'] === $chain, 'chain-name ' . show($p['chain-name']));
    foreach (array('maximum-block-size', 'max-std-tx-size', 'max-std-op-return-size') as $k) {
        check(isset($p[$k]) && is_int($p[$k]), "$k missing or not an integer: " . show(isset($p[$k]) ? $p[$k] : null));
    }
    $max = min($p['maximum-block-size'] - 80 - 320, $p['max-std-tx-size'] - 320, $p['max-std-op-return-size']);
    check($max > 512, 'max data size ' . $max);
});

$flow->step('error_invalid_address', function () {
    expect_error(multichain('grant', 'not-an-address', 'connect'), -5, 'Invalid address: not-an-address');
});
$flow->step('error_unknown_method', function () {
    expect_error(multichain('nosuchmethod'), -32601, 'Method not found');
});
$flow->step('error_wrong_arg_count', function () use (&$ctx) {
    need($ctx, 'addr1');
    expect_error(multichain('grant', $ctx['addr1']), -1, null, 'grant "address(es)" "permission(s)"');
});

// ---- issue #4: the demo's asset, exchange and stream pages -----------------------------------

$asset = $flow->unique('asset');
$stream = $flow->unique('stream');
$HELLO = bin2hex('Hello from the web demo');

// page-issue: createrawsendfrom(from, {to: {issue: {raw}}}, [issue metadata], 'send')
$flow->step('asset_createrawsendfrom_issue', function () use (&$ctx, $asset) {
    need($ctx, 'admin', 'addr1');
    $to = array($ctx['addr1'] => array('issue' => array('raw' => 100000)));
    $datas = array(array('name' => $asset, 'multiple' => 100, 'open' => true, 'details' => new stdClass()));
    $ctx['issue_txid'] = check_txid(ok(multichain('createrawsendfrom', $ctx['admin'], $to, $datas, 'send')), 'issue');
});

$flow->step('asset_listassets_verbose', function () use (&$ctx, $asset) {
    $found = null;
    foreach (ok(multichain('listassets', '*', true)) as $a) {
        if ($a['name'] === $asset) {
            $found = $a;
        }
    }
    check($found !== null, "$asset not listed");
    check($found['issueqty'] == 1000 && $found['units'] == 0.01 && $found['open'] === true, show($found));
    check($found['issues'][0]['issuers'][0] === $ctx['admin'], 'issuer ' . show($found['issues']));
});

$flow->step('asset_getmultibalances', function () use (&$ctx, $asset) {
    $b = ok(multichain('getmultibalances', array(), array(), 0, true)); // the home page's call
    check(isset($b[$ctx['addr1']]) && in_array($asset, column($b[$ctx['addr1']], 'name'), true), show($b));
});

$flow->step('asset_getaddressbalances', function () use (&$ctx, $asset) {
    $rows = ok(multichain('getaddressbalances', $ctx['addr1'], 0, true));
    $qty = null;
    foreach ($rows as $r) {
        if ($r['name'] === $asset) {
            $qty = $r['qty'];
        }
    }
    check($qty == 1000, 'balance ' . show($rows));
});

$flow->step('asset_gettotalbalances', function () use ($asset) {
    check(in_array($asset, column(ok(multichain('gettotalbalances', 0)), 'name'), true), "$asset not in total balances");
});

$flow->step('asset_sendassetfrom', function () use (&$ctx, $asset) {
    check_txid(ok(multichain('sendassetfrom', $ctx['addr1'], $ctx['admin'], $asset, 10.0)), 'sendassetfrom');
});

// page-offer / page-accept
$flow->step('exchange_preparelockunspentfrom', function () use (&$ctx, $asset) {
    $p = ok(multichain('preparelockunspentfrom', $ctx['addr1'], array($asset => 5.0)));
    check(is_string($p['txid']) && is_int($p['vout']), show($p));
    $ctx['offer'] = $p;
});

$flow->step('exchange_createrawexchange', function () use (&$ctx, $asset) {
    need($ctx, 'offer');
    $hex = ok(multichain('createrawexchange', $ctx['offer']['txid'], $ctx['offer']['vout'], array($asset => 1.0)));
    check(is_string($hex) && ctype_xdigit($hex), show($hex));
    $ctx['exchange_hex'] = $hex;
});

$flow->step('exchange_decoderawexchange', function () use (&$ctx) {
    need($ctx, 'exchange_hex');
    $d = ok(multichain('decoderawexchange', $ctx['exchange_hex'], true));
    check($d['complete'] === false && is_array($d['offer']) && is_array($d['ask']), show($d));
});

$flow->step('exchange_appendrawexchange', function () use (&$ctx, $asset) {
    need($ctx, 'exchange_hex');
    $p = ok(multichain('preparelockunspentfrom', $ctx['admin'], array($asset => 1.0)));
    $r = ok(multichain('appendrawexchange', $ctx['exchange_hex'], $p['txid'], $p['vout'], array($asset => 5.0)));
    check($r['complete'] === true && ctype_xdigit($r['hex']), show($r));
    $ctx['complete_hex'] = $r['hex'];
});

$flow->step('raw_sendrawtransaction', function () use (&$ctx) {
    need($ctx, 'complete_hex');
    check_txid(ok(multichain('sendrawtransaction', $ctx['complete_hex'])), 'sendrawtransaction');
});

$flow->step('exchange_lockunspent', function () {
    check(ok(multichain('lockunspent', true)) === true, 'lockunspent(true) should return true');
});

// page-create / page-publish / page-view
$flow->step('stream_createfrom', function () use (&$ctx, $stream) {
    $ctx['stream_txid'] = check_txid(ok(multichain('createfrom', $ctx['admin'], 'stream', $stream, true)), 'createfrom');
});

$flow->step('stream_liststreams_verbose', function () use (&$ctx, $stream) {
    $names = array();
    foreach (ok(multichain('liststreams', '*', true)) as $s) {
        $names[$s['name']] = $s;
    }
    check(isset($names['root']) && isset($names[$stream]), 'streams ' . show(array_keys($names)));
    check($names[$stream]['createtxid'] === $ctx['stream_txid'] && isset($names[$stream]['streamref']), show($names[$stream]));
});

$flow->step('stream_subscribe', function () use ($stream) {
    check(ok(multichain('subscribe', $stream)) === null, 'subscribe should return null');
});

$published = array();
foreach (array(
    'hex' => array('key1', $HELLO),
    'json' => array('key2', array('json' => array('page' => 'publish', 'n' => 1))),
    'text' => array('key3', array('text' => 'hello')),
) as $kind => $item) {
    $flow->step("stream_publishfrom_$kind", function () use (&$ctx, &$published, $stream, $kind, $item) {
        $published[$kind] = check_txid(ok(multichain('publishfrom', $ctx['admin'], $stream, $item[0], $item[1])), "publishfrom $kind");
    });
}

$flow->step('raw_createrawsendfrom_data', function () use (&$ctx, &$published, $stream, $HELLO) {
    $datas = array(array('for' => $stream, 'key' => 'rawkey', 'data' => $HELLO));
    $published['raw'] = check_txid(ok(multichain('createrawsendfrom', $ctx['admin'], new stdClass(), $datas, 'send')), 'createrawsendfrom');
});

$flow->step('stream_liststreamitems', function () use (&$ctx, &$published, $stream, $HELLO) {
    ok(multichain('liststreamitems', $stream, true, 1000));
    check(isset($published['hex'], $published['json'], $published['text']), 'publish steps failed: ' . show($published));
    $items = wait_for(function () use ($stream, $published) {
        $items = ok(multichain('liststreamitems', $stream, true, 1000));
        return count($items) >= 3 ? $items : null;
    }, 'the published items');
    $by = array();
    foreach ($items as $i) {
        $by[$i['txid']] = $i;
    }
    check($by[$published['hex']]['data'] === $HELLO && $by[$published['hex']]['publishers'] === array($ctx['admin']), show($by[$published['hex']]));
    check($by[$published['text']]['data'] === array('text' => 'hello'), show($by[$published['text']]));
    $ctx['hex_vout'] = $by[$published['hex']]['vout'];
});

$flow->step('stream_liststreamkeyitems', function () use (&$published, $stream) {
    $items = ok(multichain('liststreamkeyitems', $stream, 'key1', true, 1000));
    need($published, 'hex');
    check(count($items) === 1 && $items[0]['txid'] === $published['hex'], show($items));
});

$flow->step('stream_liststreamkeys', function () use ($stream) {
    $keys = ok(multichain('liststreamkeys', $stream, 'key1'));
    check(count($keys) === 1 && $keys[0]['items'] === 1, show($keys));
});

$flow->step('stream_liststreampublisheritems', function () use (&$ctx, $stream) {
    $items = ok(multichain('liststreampublisheritems', $stream, $ctx['admin'], true, 1000));
    check(count($items) >= 3, show($items));
});

$flow->step('stream_liststreampublishers', function () use (&$ctx, $stream) {
    $p = ok(multichain('liststreampublishers', $stream, $ctx['admin']));
    check(count($p) === 1 && $p[0]['items'] >= 3, show($p));
});

// multichain_labels(): labels are items published to root; read back with the demo's call.
$flow->step('stream_liststreampublishers_root', function () use (&$ctx) {
    check_txid(ok(multichain('publishfrom', $ctx['admin'], 'root', '', bin2hex('admin label'))), 'label publish');
    $labels = array();
    foreach (ok(multichain('liststreampublishers', 'root', '*', true, 10000)) as $item) {
        $labels[$item['publisher']] = pack('H*', $item['last']['data']);
    }
    check(isset($labels[$ctx['admin']]) && $labels[$ctx['admin']] === 'admin label', show($labels));
});

$flow->step('stream_gettxoutdata', function () use (&$ctx, &$published, $HELLO) {
    need($ctx, 'hex_vout');
    need($published, 'hex');
    check(ok(multichain('gettxoutdata', $published['hex'], $ctx['hex_vout'], 1024)) === $HELLO, 'data differs');
});

$flow->step('filter_listtxfilters', function () {
    check(is_array(ok(multichain('listtxfilters'))), 'listtxfilters should return a list');
});

$flow->step('filter_liststreamfilters', function () {
    check(is_array(ok(multichain('liststreamfilters'))), 'liststreamfilters should return a list');
});

$flow->finish();
