<?php
// The MultiChain Web Demo's conversation with its node, replayed through a client written
// the way the demo talks (webdemo_client.php): the read calls of its pages, the permission
// page's grantfrom/revokefrom, then the issue/update/download, send, offer/accept, create/
// publish/view/label and filter pages' calls (issue #4), and the paper's Fig. 11-12 through
// those pages. Our own code: only the requests' shapes follow the demo (its page-*.php,
// download-file.php and functions.php).

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
$flow->step('getblockchainparams', function () use (&$ctx, $chain) {
    $p = ok(multichain('getblockchainparams'));
    check($p['chain-name'] === $chain, 'chain-name ' . show($p['chain-name']));
    foreach (array('maximum-block-size', 'max-std-tx-size', 'max-std-op-return-size') as $k) {
        check(isset($p[$k]) && is_int($p[$k]), "$k missing or not an integer: " . show(isset($p[$k]) ? $p[$k] : null));
    }
    $ctx['max_upload'] = webdemo_max_data_size($p) - 512;
    check($ctx['max_upload'] > 579, 'upload limit ' . $ctx['max_upload']);
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

// The demo's permissions page lists every permission of every wallet address with no arguments.
$flow->step('listpermissions_noargs', function () use (&$ctx) {
    need($ctx, 'addr1');
    $rows = ok(multichain('listpermissions'));
    check(in_array($ctx['addr1'], column($rows, 'address'), true), 'addr1 not in listpermissions(): ' . show($rows));
});

// ---- issue #4: the demo's asset, update, send, offer/accept, stream and filter pages ---------

$asset = $flow->unique('asset');
$assetB = $flow->unique('assetb');
$stream = $flow->unique('stream');

// page-issue.php on submit: multiple = round(1/units); the "to" address gets qty*multiple raw
// units; data[0] is the {"create":"asset",...} object with the custom fields as details (an
// empty details array replaced by an object); an uploaded file adds details["@file"] pointing
// at output 2 and becomes data[1]. Then createrawsendfrom(from, to, data, 'send').
function page_issue($from, $to, $name, $qty, $units, $custom, $file = null)
{
    $multiple = (int) round(1 / $units);
    $addresses = array($to => array('issue' => array('raw' => (int) ($qty * $multiple))));
    $datas = array(array('create' => 'asset', 'name' => $name, 'multiple' => $multiple, 'open' => true,
        'details' => $custom));
    if ($file !== null) {
        $datas[0]['details']['@file'] = webdemo_file_pointer(2, $file['name'], $file['mime'], strlen($file['bytes']));
        $datas[1] = bin2hex(webdemo_file_blob($file['name'], $file['mime'], $file['bytes']));
    }
    if (!count($datas[0]['details'])) {
        $datas[0]['details'] = new stdClass();
    }
    return multichain('createrawsendfrom', $from, $addresses, $datas, 'send');
}

// page-update.php on submit: the issuer and multiple come from listassets(issuetxid, true);
// the "to" address gets {"issuemore":{"asset":issuetxid,"raw":qty*multiple}} (the form's
// quantity defaults to 0: update the details only); data[0] is {"update":issuetxid,"details"}.
function page_update($issuetxid, $to, $qty, $custom, $file = null)
{
    $found = ok(multichain('listassets', $issuetxid, true));
    check(count($found) === 1, 'listassets(issuetxid, true): ' . show($found));
    $from = $found[0]['issues'][0]['issuers'][0];
    $multiple = $found[0]['multiple'];
    $addresses = array($to => array('issuemore' => array('asset' => $issuetxid, 'raw' => (int) ($qty * $multiple))));
    $datas = array(array('update' => $issuetxid, 'details' => $custom));
    if ($file !== null) {
        $datas[0]['details']['@file'] = webdemo_file_pointer(2, $file['name'], $file['mime'], strlen($file['bytes']));
        $datas[1] = bin2hex(webdemo_file_blob($file['name'], $file['mime'], $file['bytes']));
    }
    if (!count($datas[0]['details'])) {
        $datas[0]['details'] = new stdClass();
    }
    return multichain('createrawsendfrom', $from, $addresses, $datas, 'send');
}

// What the issue/update pages show for one asset of listassets('*', true): the details are
// gathered from every issue's details (latest value per key, and each key's history by issue
// txid); the "File" row links every @file pointer of that history to download-file.php.
function asset_panel($name)
{
    $panel = null;
    foreach (ok(multichain('listassets', '*', true)) as $a) {
        if ($a['name'] === $name) {
            $panel = $a;
        }
    }
    check($panel !== null, "$name not in listassets('*', true)");
    check(isset($panel['issues']) && is_array($panel['issues']) && count($panel['issues']) >= 1,
        'verbose listassets has no issues: ' . show($panel));
    $panel['issuer'] = $panel['issues'][0]['issuers'][0];
    $panel['shown'] = array();
    $panel['history'] = array();
    foreach ($panel['issues'] as $issue) {
        check(is_array($issue['details']), 'issue details ' . show($issue));
        foreach ($issue['details'] as $key => $value) {
            $panel['history'][$key][$issue['txid']] = $value;
            $panel['shown'][$key] = $value;
        }
    }
    $panel['files'] = array();
    if (isset($panel['history']['@file'])) {
        foreach ($panel['history']['@file'] as $txid => $text) {
            $pointer = webdemo_parse_file_pointer($text);
            if (is_array($pointer)) {
                $panel['files'][] = array('txid' => $txid) + $pointer;
            }
        }
    }
    return $panel;
}

// download-file.php: gettxoutdata(txid, (int)vout), hex to bytes, split into name/type/content.
function download_file($txid, $vout)
{
    $hex = ok(multichain('gettxoutdata', $txid, (int) $vout));
    check(is_string($hex) && ctype_xdigit($hex), 'gettxoutdata should return hex: ' . show($hex, 120));
    $file = webdemo_parse_file_blob(pack('H*', $hex));
    check(is_array($file), 'output is not a file the way the demo stores one: ' . show($hex, 120));
    return $file;
}

// page-accept.php: the assets of a decoded offer or ask as {name: qty} (0 when none).
function ask_offer_assets($side)
{
    $assets = array();
    foreach ($side['assets'] as $a) {
        $assets[$a['name']] = $a['qty'];
    }
    return count($assets) ? $assets : 0;
}

function balance_of($rows, $name)
{
    foreach ($rows as $r) {
        if ($r['name'] === $name) {
            return $r['qty'];
        }
    }
    return 0;
}

// page-issue's address lists: from = addresses with issue; to = receive, minus the burn address.
$flow->step('asset_issue_page_addresses', function () use (&$ctx) {
    need($ctx, 'admin', 'addr1', 'addresses');
    $issuers = column(ok(multichain('listpermissions', 'issue', implode(',', $ctx['addresses']))), 'address');
    check(in_array($ctx['admin'], $issuers, true), 'admin cannot issue: ' . show($issuers));
    $receivers = column(ok(multichain('listpermissions', 'receive')), 'address');
    check(in_array($ctx['addr1'], $receivers, true), 'addr1 cannot receive: ' . show($receivers));
    $info = ok(multichain('getinfo'));
    check(!in_array($info['burnaddress'], $receivers, true), 'the burn address holds receive');
});

$flow->step('asset_issue_custom_fields', function () use (&$ctx, $asset) {
    need($ctx, 'admin', 'addr1');
    $r = page_issue($ctx['admin'], $ctx['addr1'], $asset, 1000, 0.01, array('origin' => 'web demo', 'batch' => '1'));
    $ctx['issue_txid'] = check_txid(ok($r), 'issue');
});

$flow->step('asset_issue_no_details', function () use (&$ctx, $assetB) {
    need($ctx, 'admin');
    $ctx['issueb_txid'] = check_txid(ok(page_issue($ctx['admin'], $ctx['admin'], $assetB, 500, 1, array())), 'issue');
});

$flow->step('asset_listassets_panel', function () use (&$ctx, $asset) {
    need($ctx, 'issue_txid');
    $p = asset_panel($asset);
    check($p['issuetxid'] === $ctx['issue_txid'] && $p['open'] === true, show($p));
    check($p['issueqty'] == 1000 && $p['units'] == 0.01 && $p['multiple'] === 100, show($p));
    check($p['issuer'] === $ctx['admin'], 'issuer ' . show($p['issues']));
    check($p['details'] == array('origin' => 'web demo', 'batch' => '1'), 'asset details ' . show($p['details']));
    check($p['shown'] == array('origin' => 'web demo', 'batch' => '1'),
        'the demo shows the custom fields of issues[].details, got ' . show($p['shown']) . ' from issues ' . show($p['issues']));
});

$flow->step('asset_update_issuemore_file', function () use (&$ctx) {
    need($ctx, 'issue_txid', 'addr1');
    $ctx['notes'] = array('name' => 'notes.txt', 'mime' => 'text/plain', 'bytes' => "line 1\nline 2\n\x00\xff binary tail");
    $ctx['update_txid'] = check_txid(ok(page_update($ctx['issue_txid'], $ctx['addr1'], 5, array('batch' => '2'), $ctx['notes'])), 'update');
});

$flow->step('asset_update_details_only', function () use (&$ctx) {
    need($ctx, 'issue_txid', 'addr1');
    $ctx['update0_txid'] = check_txid(ok(page_update($ctx['issue_txid'], $ctx['addr1'], 0, array('note' => 'details only'))), 'update');
});

// The update page submitted for an asset that is not on the chain: MultiChain's refusal of the
// issuemore output (ParseRawOutputObject's words, -708).
$flow->step('asset_update_unknown_asset', function () use (&$ctx) {
    need($ctx, 'addr1');
    $unknown = str_repeat('ab', 32);
    $addresses = array($ctx['addr1'] => array('issuemore' => array('asset' => $unknown, 'raw' => 5)));
    expect_error(multichain('createrawsendfrom', $ctx['addr1'], $addresses, array(), 'send'),
        -708, 'Issue transaction with this txid not found: ' . $unknown);
});

$flow->step('asset_update_panel', function () use (&$ctx, $asset) {
    need($ctx, 'update_txid');
    $p = asset_panel($asset);
    check($p['issueqty'] == 1005, 'issueqty after issuing 5 more: ' . show($p['issueqty']));
    $txids = column($p['issues'], 'txid');
    check($txids[0] === $ctx['issue_txid'] && in_array($ctx['update_txid'], $txids, true), 'issues ' . show($p['issues']));
    check($p['shown']['batch'] === '2', 'latest batch ' . show($p['shown']));
    check(isset($p['history']['batch'][$ctx['issue_txid']]) && $p['history']['batch'][$ctx['issue_txid']] === '1',
        'previous value of batch (from the first issue) missing: ' . show($p['history']));
    if (isset($ctx['update0_txid'])) {
        check(in_array($ctx['update0_txid'], $txids, true) && $p['shown']['note'] === 'details only', show($p['issues']));
    }
    check(count($p['files']) === 1, 'file links ' . show($p['files']));
    $f = $p['files'][0];
    check($f['txid'] === $ctx['update_txid'] && $f['vout'] === '2' && $f['name'] === 'notes.txt'
        && $f['mime'] === 'text/plain' && $f['size'] === (string) strlen($ctx['notes']['bytes']), show($f));
});

$flow->step('asset_download_file', function () use (&$ctx) {
    need($ctx, 'update_txid', 'notes');
    $file = download_file($ctx['update_txid'], '2');
    check($file['name'] === 'notes.txt' && $file['mime'] === 'text/plain', show($file));
    check($file['bytes'] === $ctx['notes']['bytes'], 'downloaded bytes differ: ' . show(bin2hex($file['bytes'])));
});

// The home page's call. Its empty address list selects no address on MultiChain 2.x, which
// answers {} at once (getmultibalances_operation: no address parsed -> the empty object), so
// the page shows no balances there; json_decode turns {} into an empty array.
$flow->step('asset_getmultibalances', function () {
    $b = ok(multichain('getmultibalances', array(), array(), 0, true));
    check($b === array(), 'MultiChain 2.3 answers {} to getmultibalances([], [], 0, true), got ' . show($b));
});

// page-send: the addresses with send permission, each with its balances including and
// excluding locked outputs.
$flow->step('asset_send_page_balances', function () use (&$ctx, $asset) {
    need($ctx, 'addr1', 'addresses');
    $senders = column(ok(multichain('listpermissions', 'send', implode(',', $ctx['addresses']))), 'address');
    check(in_array($ctx['addr1'], $senders, true), 'addr1 cannot send: ' . show($senders));
    $all = balance_of(ok(multichain('getaddressbalances', $ctx['addr1'], 0, true)), $asset);
    $unlocked = balance_of(ok(multichain('getaddressbalances', $ctx['addr1'], 0, false)), $asset);
    check($all >= 1000 && $unlocked == $all, "balance with locked $all, without $unlocked");
});

$flow->step('asset_sendassetfrom', function () use (&$ctx, $asset) {
    need($ctx, 'addr1', 'admin');
    check_txid(ok(multichain('sendassetfrom', $ctx['addr1'], $ctx['admin'], $asset, floatval('10'))), 'sendassetfrom');
});

// page-send with the metadata box filled in.
$flow->step('asset_sendwithmetadatafrom', function () use (&$ctx, $asset) {
    need($ctx, 'addr1', 'admin');
    $txid = check_txid(ok(multichain('sendwithmetadatafrom', $ctx['addr1'], $ctx['admin'],
        array($asset => floatval('1.5')), bin2hex('invoice 42'))), 'sendwithmetadatafrom');
    $found = false;
    foreach (ok(multichain('getrawtransaction', $txid, 1))['vout'] as $out) {
        if (isset($out['data']) && in_array(bin2hex('invoice 42'), $out['data'], true)) {
            $found = true;
        }
    }
    check($found, 'the metadata is not in the transaction');
});

// page-txfilter lists total balances with no arguments (minconf 1: wait for the block).
$flow->step('asset_gettotalbalances', function () use ($asset) {
    wait_for(function () use ($asset) {
        return in_array($asset, column(ok(multichain('gettotalbalances')), 'name'), true);
    }, "$asset in gettotalbalances() once confirmed");
});

// page-offer: offer 5 units of asset (addr1) for 2 units of assetb.
$flow->step('exchange_offer_page', function () use (&$ctx, $asset, $assetB) {
    need($ctx, 'addr1', 'issueb_txid');
    $names = column(ok(multichain('listassets')), 'name');
    check(in_array($asset, $names, true) && in_array($assetB, $names, true), 'listassets() ' . show($names));
    $p = ok(multichain('preparelockunspentfrom', $ctx['addr1'], array($asset => floatval('5'))));
    check(is_string($p['txid']) && is_int($p['vout']), show($p));
    $hex = ok(multichain('createrawexchange', $p['txid'], $p['vout'], array($assetB => floatval('2'))));
    check(is_string($hex) && ctype_xdigit($hex), show($hex));
    $ctx['offer_hex'] = $hex;
});

$flow->step('exchange_locked_balances', function () use (&$ctx, $asset) {
    need($ctx, 'offer_hex');
    $all = balance_of(ok(multichain('getaddressbalances', $ctx['addr1'], 0, true)), $asset);
    $unlocked = balance_of(ok(multichain('getaddressbalances', $ctx['addr1'], 0, false)), $asset);
    check(abs(($all - $unlocked) - 5) < 1e-9, "the 5 offered units should be locked: with locked $all, without $unlocked");
});

// page-accept: decode, lock what the offer asks for, append the counter-offer, send.
$flow->step('exchange_decoderawexchange', function () use (&$ctx, $asset, $assetB) {
    need($ctx, 'offer_hex');
    $d = ok(multichain('decoderawexchange', $ctx['offer_hex']));
    check(ask_offer_assets($d['offer']) == array($asset => 5) && ask_offer_assets($d['ask']) == array($assetB => 2), show($d));
    check($d['complete'] === false && $d['cancomplete'] === true, show($d));
    $ctx['decoded'] = $d;
});

$flow->step('exchange_accept_page', function () use (&$ctx, $assetB) {
    need($ctx, 'decoded', 'admin');
    $p = ok(multichain('preparelockunspentfrom', $ctx['admin'], ask_offer_assets($ctx['decoded']['ask'])));
    $r = ok(multichain('appendrawexchange', $ctx['offer_hex'], $p['txid'], $p['vout'], ask_offer_assets($ctx['decoded']['offer'])));
    check($r['complete'] === true && ctype_xdigit($r['hex']), show($r));
    $ctx['exchange_txid'] = check_txid(ok(multichain('sendrawtransaction', $r['hex'])), 'sendrawtransaction');
});

$flow->step('exchange_settled_balances', function () use (&$ctx, $assetB) {
    need($ctx, 'exchange_txid');
    wait_for(function () use ($ctx, $assetB) {
        return balance_of(ok(multichain('getaddressbalances', $ctx['addr1'], 0, true)), $assetB) == 2;
    }, "2 units of $assetB at addr1");
});

$flow->step('exchange_lockunspent', function () {
    check(ok(multichain('lockunspent', true)) === true, 'lockunspent(true) should return true');
});

// page-create
$flow->step('stream_create_page', function () use (&$ctx, $stream) {
    need($ctx, 'admin', 'addresses');
    $creators = column(ok(multichain('listpermissions', 'create', implode(',', $ctx['addresses']))), 'address');
    check(in_array($ctx['admin'], $creators, true), 'admin cannot create: ' . show($creators));
    $ctx['stream_txid'] = check_txid(ok(multichain('createfrom', $ctx['admin'], 'stream', $stream, true)), 'createfrom');
});

function stream_by_name($name)
{
    foreach (ok(multichain('liststreams', '*', true)) as $s) {
        if ($s['name'] === $name) {
            return $s;
        }
    }
    return null;
}

$flow->step('stream_liststreams_verbose', function () use (&$ctx, $stream) {
    need($ctx, 'stream_txid');
    check(stream_by_name('root') !== null, 'root not listed');
    $s = stream_by_name($stream);
    check($s !== null && $s['createtxid'] === $ctx['stream_txid'] && array_key_exists('streamref', $s), show($s));
});

// page-view: the subscribe button posts the stream's createtxid; the list is then reloaded.
$flow->step('stream_subscribe_page', function () use (&$ctx, $stream) {
    need($ctx, 'stream_txid');
    check(ok(multichain('subscribe', $ctx['stream_txid'])) === null, 'subscribe should return null');
    $s = stream_by_name($stream);
    check($s['subscribed'] === true, 'subscribed after subscribe: ' . show($s));
});

// page-publish: one key is sent as a string, several as an array; a file as the hex of its
// blob, JSON typed into the form as {"json": json_decode(text)}, anything else as {"text"}.
$published = array();
$REPORT = array('name' => 'report.csv', 'mime' => 'text/csv', 'bytes' => "hour,kWh\n0,1.5\n1,2.25\n");
foreach (array(
    'text' => array('key1', array('text' => 'hello from the web demo')),
    'json' => array(array('k2', 'k3'), array('json' => json_decode('{"page":"publish","n":1,"tags":["a","b"]}'))),
    'file' => array('file', bin2hex(webdemo_file_blob($REPORT['name'], $REPORT['mime'], $REPORT['bytes']))),
    'hex' => array('key1', bin2hex('plain bytes')),
) as $kind => $item) {
    $flow->step("stream_publishfrom_$kind", function () use (&$ctx, &$published, $stream, $kind, $item) {
        need($ctx, 'admin');
        $published[$kind] = check_txid(ok(multichain('publishfrom', $ctx['admin'], $stream, $item[0], $item[1])), "publishfrom $kind");
    });
}

$flow->step('stream_view_items', function () use (&$ctx, &$published, $REPORT) {
    need($ctx, 'stream_txid');
    check(count($published) === 4, 'publish steps failed: ' . show($published));
    $items = ok(multichain('liststreamitems', $ctx['stream_txid'], true, 1000));
    check(count($items) === 4, 'four items: ' . show($items));
    $by = array();
    foreach ($items as $i) {
        check(isset($i['keys']) && $i['publishers'] === array($ctx['admin']) && is_int($i['vout']), show($i));
        $by[$i['txid']] = $i;
    }
    check($by[$published['text']]['data'] === array('text' => 'hello from the web demo') && $by[$published['text']]['keys'] === array('key1'),
        show($by[$published['text']]));
    check($by[$published['json']]['data'] === array('json' => array('page' => 'publish', 'n' => 1, 'tags' => array('a', 'b')))
        && $by[$published['json']]['keys'] === array('k2', 'k3'), show($by[$published['json']]));
    check($by[$published['hex']]['data'] === bin2hex('plain bytes'), show($by[$published['hex']]));
    $file = $by[$published['file']];
    check(is_string($file['data']), 'a short file is shown inline as hex: ' . show($file));
    $blob = webdemo_parse_file_blob(pack('H*', $file['data']));
    check(is_array($blob) && $blob['name'] === $REPORT['name'], 'the view does not recognise the file: ' . show($file));
    $ctx['file_item'] = $file;
});

$flow->step('stream_view_download', function () use (&$ctx, $REPORT) {
    need($ctx, 'file_item');
    $file = download_file($ctx['file_item']['txid'], $ctx['file_item']['vout']);
    check($file['mime'] === $REPORT['mime'] && $file['bytes'] === $REPORT['bytes'], show($file));
});

$flow->step('stream_view_key', function () use (&$ctx, &$published) {
    need($ctx, 'stream_txid');
    need($published, 'json');
    $items = ok(multichain('liststreamkeyitems', $ctx['stream_txid'], 'k3', true, 1000));
    check(count($items) === 1 && $items[0]['txid'] === $published['json'], show($items));
    $keys = ok(multichain('liststreamkeys', $ctx['stream_txid'], 'key1'));
    check(count($keys) === 1 && $keys[0]['key'] === 'key1' && $keys[0]['items'] === 2, show($keys));
});

$flow->step('stream_view_publisher', function () use (&$ctx) {
    need($ctx, 'stream_txid');
    $items = ok(multichain('liststreampublisheritems', $ctx['stream_txid'], $ctx['admin'], true, 1000));
    check(count($items) === 4, show($items));
    $p = ok(multichain('liststreampublishers', $ctx['stream_txid'], $ctx['admin']));
    check(count($p) === 1 && $p[0]['publisher'] === $ctx['admin'] && $p[0]['items'] === 4, show($p));
});

// A file above the node's maxshowndata (MultiChain's default: 16384 bytes) is listed as a
// reference {"txid","vout","format","size"}; the view page then reads only its first 1024
// bytes with gettxoutdata(txid, vout, 1024) to find the file name.
$flow->step('stream_view_large_file', function () use (&$ctx, $stream) {
    need($ctx, 'admin', 'stream_txid');
    $bytes = str_repeat("0123456789abcdef", 1600); // 25600 bytes
    $hex = bin2hex(webdemo_file_blob('big.bin', 'application/octet-stream', $bytes));
    $txid = check_txid(ok(multichain('publishfrom', $ctx['admin'], $stream, 'big', $hex)), 'publishfrom');
    $items = ok(multichain('liststreamkeyitems', $ctx['stream_txid'], 'big', true, 1000));
    check(count($items) === 1 && $items[0]['txid'] === $txid, show($items));
    $data = $items[0]['data'];
    check(is_array($data) && $data['txid'] === $txid && $data['vout'] === $items[0]['vout']
        && $data['size'] === strlen($hex) / 2, 'a large item is shown by reference: ' . show($data));
    $prefix = ok(multichain('gettxoutdata', $data['txid'], $data['vout'], 1024));
    check(is_string($prefix) && strlen($prefix) === 2048, 'first 1024 bytes: ' . show($prefix, 80));
    $blob = webdemo_parse_file_blob(pack('H*', $prefix));
    check(is_array($blob) && $blob['name'] === 'big.bin', 'file name from the prefix: ' . show($blob));
    $file = download_file($items[0]['txid'], $items[0]['vout']);
    check($file['bytes'] === $bytes, 'downloaded bytes differ');
});

// page-label publishes the label to root with an empty key; multichain_labels() reads it back.
$flow->step('stream_label_page', function () use (&$ctx) {
    need($ctx, 'admin');
    check_txid(ok(multichain('publishfrom', $ctx['admin'], 'root', '', bin2hex('admin label'))), 'label publish');
    $labels = array();
    foreach (ok(multichain('liststreampublishers', 'root', '*', true, 10000)) as $item) {
        $labels[$item['publisher']] = pack('H*', $item['last']['data']);
    }
    check(isset($labels[$ctx['admin']]) && $labels[$ctx['admin']] === 'admin label', show($labels));
});

// What the publish page shows when the node refuses.
$flow->step('stream_error_unknown_stream', function () use (&$ctx) {
    need($ctx, 'admin');
    expect_error(multichain('publishfrom', $ctx['admin'], 'no-such-stream', 'key1', array('text' => 'x')), -708,
        'Stream with this name not found: no-such-stream');
});
$flow->step('stream_error_bad_hex', function () use (&$ctx, $stream) {
    need($ctx, 'admin');
    expect_error(multichain('publishfrom', $ctx['admin'], $stream, 'key1', 'zz'), -8,
        'data should be hexadecimal string or recognized object');
});

// page-txfilter / page-streamfilter list the filters verbosely (none exist on this chain).
$flow->step('filter_listtxfilters', function () {
    check(ok(multichain('listtxfilters', '*', true)) === array(), "listtxfilters('*', true) should be []");
});
$flow->step('filter_liststreamfilters', function () {
    check(ok(multichain('liststreamfilters', '*', true)) === array(), "liststreamfilters('*', true) should be []");
});

// ---- the paper's Fig. 11-12 through the demo's pages -----------------------------------------
// Fig. 11: a dispatch plan published as an asset of 100 units with its configuration file
// attached the way page-issue attaches an upload. Fig. 12: another address of the node lists
// it and downloads the file the way download-file.php does.

$PLAN = '调度方案01';
$flow->step('asset_fig11_issue_plan', function () use (&$ctx, $PLAN) {
    need($ctx, 'admin', 'addr1', 'max_upload');
    $bytes = '';
    for ($i = 0; strlen($bytes) < 579; $i++) {
        $bytes .= sprintf("node%02d.target_kw=%d\n", $i, 100 + 7 * $i);
    }
    $bytes = substr($bytes, 0, 578) . "\n";
    check(strlen($bytes) === 579 && strlen($bytes) <= $ctx['max_upload'], 'file size ' . strlen($bytes));
    $ctx['plan_file'] = array('name' => 'config.txt', 'mime' => 'text/plain', 'bytes' => $bytes);
    $ctx['plan_txid'] = check_txid(ok(page_issue($ctx['admin'], $ctx['addr1'], $PLAN, 100, 1, array(), $ctx['plan_file'])), 'issue');
});

$flow->step('asset_fig12_list_plan', function () use (&$ctx, $PLAN) {
    need($ctx, 'plan_txid');
    $viewer = $ctx['addr1'];
    $p = asset_panel($PLAN);
    check($p['name'] === $PLAN && $p['issuetxid'] === $ctx['plan_txid'] && $p['issueqty'] == 100 && $p['units'] == 1, show($p));
    check($p['issuer'] === $ctx['admin'] && $p['issuer'] !== $viewer, 'issuer ' . show($p['issuer']));
    check(balance_of(ok(multichain('getaddressbalances', $viewer, 0, true)), $PLAN) == 100, "the viewer should hold the 100 units");
    check(count($p['files']) === 1, 'the demo shows no file link (issues[].details): ' . show($p['issues']));
    $f = $p['files'][0];
    check($f['txid'] === $ctx['plan_txid'] && $f['vout'] === '2' && $f['name'] === 'config.txt'
        && $f['mime'] === 'text/plain' && $f['size'] === '579', 'file link ' . show($f));
    check(number_format(ceil($f['size'] / 1024)) === '1', 'shown size');
});

$flow->step('asset_fig12_confirmed', function () use (&$ctx, $PLAN) {
    need($ctx, 'plan_txid');
    $ref = wait_for(function () use ($PLAN) {
        foreach (ok(multichain('listassets', $PLAN)) as $a) {
            if ($a['assetref'] !== null) {
                return $a['assetref'];
            }
        }
        return null;
    }, "an asset reference for $PLAN");
    check(preg_match('/^(\d+)-(\d+)-(\d+)$/', $ref, $m) === 1, 'assetref ' . show($ref));
    $txid = $ctx['plan_txid'];
    check((int) $m[3] === hexdec(substr($txid, 0, 2)) + 256 * hexdec(substr($txid, 2, 2)), "assetref $ref does not end with the txid's prefix");
    $tx = ok(multichain('getrawtransaction', $txid, 1));
    $block = ok(multichain('getblock', $tx['blockhash']));
    check((int) $m[1] === $block['height'], "assetref $ref, but the issue is in block " . $block['height']);
    $ctx['plan_block'] = $block['height'];
});

$flow->step('asset_fig12_download_file', function () use (&$ctx) {
    need($ctx, 'plan_txid', 'plan_file');
    $file = download_file($ctx['plan_txid'], '2');
    check($file['name'] === 'config.txt' && $file['mime'] === 'text/plain', show($file));
    check(strlen($file['bytes']) === 579 && $file['bytes'] === $ctx['plan_file']['bytes'], 'the downloaded bytes differ');
});

$flow->finish();
