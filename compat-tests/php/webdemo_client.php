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
