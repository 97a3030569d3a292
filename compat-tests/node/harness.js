'use strict';
// Step runner shared by the Node.js client flows (same rules and output as python/harness.py):
//   pass / fail / xfail (failed, listed in expected-failures.txt) / xpass (passed but listed).
// Outcomes are printed and appended as JSON lines to $COMPAT_RESULTS for summarize.py.

const fs = require('fs');
const path = require('path');

const DEFAULT_XFAIL = path.join(__dirname, '..', 'expected-failures.txt');
const TXID_RE = /^[0-9a-f]{64}$/;

function globToRegExp(glob) {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp('^' + body + '$');
}

function loadExpectedFailures(file) {
  const entries = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = line.match(/^(\S+)\s*(.*)$/);
    const pattern = m[1];
    const reason = m[2].trim();
    if (!pattern.includes(':') || !/issue #\d+/.test(reason)) {
      throw new Error(`${file}:${i + 1}: malformed line (want '<client>:<step>  <reason naming issue #N>'): ${line}`);
    }
    entries.push({ lineno: i + 1, pattern, reason, re: globToRegExp(pattern) });
  });
  return entries;
}

class StepFailure extends Error {}

function check(cond, message) {
  if (!cond) throw new StepFailure(message);
}

function checkTxid(value, what) {
  check(typeof value === 'string' && TXID_RE.test(value),
    `${what || 'txid'}: expected 64 lowercase hex characters, got ${show(value)}`);
  return value;
}

function show(value, limit) {
  let text;
  if (typeof value === 'string') text = value;
  else if (value instanceof Error) text = `${value.name}: ${value.message}`;
  else {
    try { text = JSON.stringify(value); } catch (e) { text = String(value); }
    if (text === undefined) text = String(value);
  }
  text = text.replace(/\n/g, '\\n');
  limit = limit || 300;
  return text.length <= limit ? text : text.slice(0, limit) + '...';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, what, timeoutMs) {
  const deadline = Date.now() + (timeoutMs || 20000);
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new StepFailure(`timed out waiting for ${what} (last value: ${show(last)})`);
    await sleep(500);
  }
}

class Flow {
  constructor(client) {
    this.client = client;
    const env = process.env;
    this.host = env.MC_HOST || '127.0.0.1';
    this.port = Number(env.MC_PORT);
    this.user = env.MC_USER;
    this.password = env.MC_PASS;
    this.chain = env.MC_CHAIN;
    this.xfailPath = env.COMPAT_XFAIL || DEFAULT_XFAIL;
    this.expected = loadExpectedFailures(this.xfailPath);
    this.resultsPath = env.COMPAT_RESULTS;
    this.counts = { pass: 0, fail: 0, xfail: 0, xpass: 0 };
    this.ctx = {};
    this.suffix = (Date.now() % 0xFFFFFFF).toString(16);
    this.current = null;
    console.log(`== ${client} (chain ${this.chain} at ${this.host}:${this.port})`);
    // A client library that throws inside its own HTTP callbacks takes the process down
    // (multichain-api does so when a reply has no "error" member): record it, then exit.
    const onCrash = (err) => {
      const ident = `${this.client}:${this.current || '(between steps)'}`;
      const detail = `PROCESS CRASHED inside the client library: ${show(err, 2000)}`;
      console.log(`  FAIL  ${ident} -- ${show(detail)}`);
      if (err && err.stack) console.log(err.stack);
      this.record({ client: this.client, step: this.current || '__crash__', status: 'fail', detail, xfail_line: null });
      process.exit(3);
    };
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  }

  unique(base) {
    return `${base}-${this.client.replace(/[^a-z0-9]/g, '')}-${this.suffix}`;
  }

  record(rec) {
    if (this.resultsPath) fs.appendFileSync(this.resultsPath, JSON.stringify(rec) + '\n');
  }

  matchExpected(ident) {
    return this.expected.find((e) => e.re.test(ident)) || null;
  }

  async step(name, fn) {
    const ident = `${this.client}:${name}`;
    const expected = this.matchExpected(ident);
    const started = Date.now();
    this.current = name;
    let ok = true;
    let detail = '';
    try {
      // A step that never settles (a library that swallows a reply) must not hang the run.
      let timer;
      const timeout = new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new StepFailure('step timed out after 60s (promise/callback never settled)')), 60000);
      });
      try {
        await Promise.race([fn(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    } catch (e) {
      ok = false;
      if (e instanceof StepFailure) detail = e.message;
      else if (e instanceof Error) detail = `${e.name}: ${e.message}`;
      else detail = `client returned error ${show(e, 2000)}`;
      if (process.env.COMPAT_VERBOSE && e && e.stack) console.log(e.stack);
    }
    this.current = null;
    const status = ok ? (expected ? 'xpass' : 'pass') : (expected ? 'xfail' : 'fail');
    this.counts[status] += 1;
    let line;
    if (status === 'pass') line = `  PASS  ${ident}`;
    else if (status === 'fail') line = `  FAIL  ${ident} -- ${show(detail)}`;
    else if (status === 'xfail') line = `  XFAIL ${ident} (${expected.reason}) -- ${show(detail, 160)}`;
    else line = `  XPASS ${ident} -- XPASS: remove from expected failures (${path.basename(this.xfailPath)} line ${expected.lineno}: ${expected.pattern})`;
    console.log(line);
    this.record({
      client: this.client, step: name, status, detail: show(detail, 2000),
      xfail_line: expected ? expected.lineno : null, seconds: (Date.now() - started) / 1000,
    });
  }

  finish() {
    this.record({ client: this.client, step: '__done__', status: 'done' });
    const c = this.counts;
    console.log(`   ${this.client}: ${c.pass} passed, ${c.fail} failed, ${c.xfail} expected failures, ${c.xpass} unexpected passes`);
    process.exitCode = c.fail || c.xpass ? 1 : 0;
  }
}

module.exports = { Flow, StepFailure, check, checkTxid, waitFor, show, sleep };
