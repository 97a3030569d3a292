<?php
// A MultiChain JSON-RPC client written the way the MultiChain Web Demo talks to its node:
// POST {"id":time(),"method":...,"params":[...]} to http://host:port/ with curl, Basic auth
// (CURLOPT_USERPWD), Content-Type application/json and an explicit Content-Length; the reply
// body is json_decode'd to an associative array whatever the HTTP status. A body that does not
// decode becomes an error array with code "HTTP <status>". Callers then test
// is_array($reply['error']) and otherwise read $reply['result'].

function webdemo_rpc_send($host, $port, $user, $password, $method, $params = array())
{
    $url = 'http://' . $host . ':' . $port . '/';
    $payload = json_encode(array('id' => time(), 'method' => $method, 'params' => $params));

    $ch = curl_init($url);
    curl_setopt($ch, CURLOPT_POST, true);
    curl_setopt($ch, CURLOPT_POSTFIELDS, $payload);
    curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
    curl_setopt($ch, CURLOPT_USERPWD, $user . ':' . $password);
    curl_setopt($ch, CURLOPT_HTTPHEADER, array(
        'Content-Type: application/json',
        'Content-Length: ' . strlen($payload),
    ));
    curl_setopt($ch, CURLOPT_TIMEOUT, 30);

    $body = curl_exec($ch);
    $decoded = json_decode((string) $body, true);
    if (!is_array($decoded)) {
        $info = curl_getinfo($ch);
        $decoded = array('error' => array(
            'code' => 'HTTP ' . $info['http_code'],
            'message' => strip_tags((string) $body) . ' ' . $url . ($body === false ? ' curl: ' . curl_error($ch) : ''),
        ));
    }
    curl_close($ch);
    return $decoded;
}

// multichain('method', arg1, arg2, ...) -- the demo's calling convention.
function multichain($method)
{
    global $multichain_chain;
    $args = func_get_args();
    return webdemo_rpc_send($multichain_chain['rpchost'], $multichain_chain['rpcport'],
        $multichain_chain['rpcuser'], $multichain_chain['rpcpassword'], $method, array_slice($args, 1));
}

// The demo's result test: an error array means failure, otherwise take 'result'.
function no_error_result(&$result, $reply)
{
    if (is_array($reply['error'])) {
        $result = null;
        return false;
    }
    $result = $reply['result'];
    return true;
}

// ---- How the demo packs an uploaded file (our own implementation of its byte layout) --------
// A file travels as one data output: NUL, file name, NUL, MIME type, NUL, then the raw bytes.
// An asset's details point at that output with a string of five NUL-separated fields whose
// first is empty: "", output index, file name, MIME type, size in bytes.

function webdemo_file_blob($name, $mime, $bytes)
{
    return implode("\0", array('', $name, $mime, $bytes));
}

function webdemo_parse_file_blob($blob)
{
    $fields = explode("\0", $blob, 4);
    if (count($fields) !== 4 || $fields[0] !== '') {
        return null;
    }
    return array('name' => $fields[1], 'mime' => $fields[2], 'bytes' => $fields[3]);
}

function webdemo_file_pointer($vout, $name, $mime, $size)
{
    return implode("\0", array('', $vout, $name, $mime, $size));
}

function webdemo_parse_file_pointer($text)
{
    $fields = explode("\0", (string) $text);
    if (count($fields) !== 5 || $fields[0] !== '') {
        return null;
    }
    return array('vout' => $fields[1], 'name' => $fields[2], 'mime' => $fields[3], 'size' => $fields[4]);
}

// The demo's largest data item: the smallest of three chain limits (its upload limit is this
// less 512 bytes for the file name and type).
function webdemo_max_data_size($params)
{
    return min($params['maximum-block-size'] - 80 - 320, $params['max-std-tx-size'] - 320,
        $params['max-std-op-return-size']);
}
