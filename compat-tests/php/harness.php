<?php
// Step runner for the PHP flow (same rules and output as python/harness.py):
// pass / fail / xfail (failed, listed in expected-failures.txt) / xpass (passed but listed).

class StepFailure extends Exception {}

function check($cond, $message)
{
    if (!$cond) {
        throw new StepFailure($message);
    }
}

function show($value, $limit = 300)
{
    $text = is_string($value) ? $value : json_encode($value, JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR);
    $text = str_replace("\n", '\n', (string) $text);
    return strlen($text) <= $limit ? $text : substr($text, 0, $limit) . '...';
}

function check_txid($value, $what = 'txid')
{
    check(is_string($value) && preg_match('/^[0-9a-f]{64}$/', $value),
        "$what: expected 64 lowercase hex characters, got " . show($value));
    return $value;
}

function wait_for($fn, $what, $timeout = 20)
{
    $deadline = microtime(true) + $timeout;
    while (true) {
        $last = $fn();
        if ($last) {
            return $last;
        }
        if (microtime(true) > $deadline) {
            throw new StepFailure("timed out waiting for $what (last value: " . show($last) . ')');
        }
        usleep(500000);
    }
}

class Flow
{
    public $client;
    public $chain;
    public $ctx = array();
    private $expected = array();
    private $xfailPath;
    private $resultsPath;
    private $counts = array('pass' => 0, 'fail' => 0, 'xfail' => 0, 'xpass' => 0);
    private $suffix;

    public function __construct($client)
    {
        $this->client = $client;
        $this->chain = getenv('MC_CHAIN');
        $this->xfailPath = getenv('COMPAT_XFAIL') ?: __DIR__ . '/../expected-failures.txt';
        $this->resultsPath = getenv('COMPAT_RESULTS') ?: null;
        $this->suffix = dechex(intval(microtime(true) * 1000) % 0xFFFFFFF);
        foreach (file($this->xfailPath) as $i => $raw) {
            $line = trim($raw);
            if ($line === '' || $line[0] === '#') {
                continue;
            }
            $parts = preg_split('/\s+/', $line, 2);
            $reason = isset($parts[1]) ? trim($parts[1]) : '';
            if (strpos($parts[0], ':') === false || !preg_match('/issue #\d+/', $reason)) {
                fwrite(STDERR, "{$this->xfailPath}:" . ($i + 1) . ": malformed line: $line\n");
                exit(2);
            }
            $this->expected[] = array('lineno' => $i + 1, 'pattern' => $parts[0], 'reason' => $reason);
        }
        echo "== $client (chain {$this->chain} at " . getenv('MC_HOST') . ':' . getenv('MC_PORT') . ")\n";
    }

    public function unique($base)
    {
        return $base . '-' . preg_replace('/[^a-z0-9]/', '', $this->client) . '-' . $this->suffix;
    }

    private function record($rec)
    {
        if ($this->resultsPath) {
            file_put_contents($this->resultsPath, json_encode($rec, JSON_UNESCAPED_SLASHES) . "\n", FILE_APPEND);
        }
    }

    private function matchExpected($ident)
    {
        foreach ($this->expected as $e) {
            if (fnmatch($e['pattern'], $ident)) {
                return $e;
            }
        }
        return null;
    }

    public function step($name, $fn)
    {
        $ident = "{$this->client}:$name";
        $expected = $this->matchExpected($ident);
        $started = microtime(true);
        $ok = true;
        $detail = '';
        try {
            $fn();
        } catch (StepFailure $e) {
            $ok = false;
            $detail = $e->getMessage();
        } catch (Throwable $e) {
            $ok = false;
            $detail = get_class($e) . ': ' . $e->getMessage();
        }
        $status = $ok ? ($expected ? 'xpass' : 'pass') : ($expected ? 'xfail' : 'fail');
        $this->counts[$status]++;
        if ($status === 'pass') {
            echo "  PASS  $ident\n";
        } elseif ($status === 'fail') {
            echo "  FAIL  $ident -- " . show($detail) . "\n";
        } elseif ($status === 'xfail') {
            echo "  XFAIL $ident ({$expected['reason']}) -- " . show($detail, 160) . "\n";
        } else {
            echo "  XPASS $ident -- XPASS: remove from expected failures (" . basename($this->xfailPath)
                . " line {$expected['lineno']}: {$expected['pattern']})\n";
        }
        $this->record(array(
            'client' => $this->client, 'step' => $name, 'status' => $status, 'detail' => show($detail, 2000),
            'xfail_line' => $expected ? $expected['lineno'] : null, 'seconds' => round(microtime(true) - $started, 3),
        ));
    }

    public function finish()
    {
        $this->record(array('client' => $this->client, 'step' => '__done__', 'status' => 'done'));
        $c = $this->counts;
        echo "   {$this->client}: {$c['pass']} passed, {$c['fail']} failed, {$c['xfail']} expected failures, {$c['xpass']} unexpected passes\n";
        exit(($c['fail'] || $c['xpass']) ? 1 : 0);
    }
}
