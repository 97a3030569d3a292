"""Step runner shared by the Python client flows.

A flow is a list of named steps run in order against one node. Each step either passes or
raises. The outcome is classified with compat-tests/expected-failures.txt:

    pass   step passed, not listed           -> ok
    fail   step failed, not listed           -> run fails
    xfail  step failed, listed               -> ok, reported with the issue it waits for
    xpass  step passed, but listed           -> run fails ("XPASS: remove from expected failures")

Every outcome is printed and appended as one JSON line to $COMPAT_RESULTS (read by
summarize.py). Connection settings come from the environment set by run.sh:
MC_HOST MC_PORT MC_USER MC_PASS MC_CHAIN.
"""

import fnmatch
import json
import os
import re
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_XFAIL = os.path.join(HERE, "..", "expected-failures.txt")

TXID_RE = re.compile(r"^[0-9a-f]{64}$")


def load_expected_failures(path):
    """[(lineno, pattern, reason)] from expected-failures.txt."""
    entries = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            pattern = parts[0]
            reason = parts[1].strip() if len(parts) > 1 else ""
            if ":" not in pattern or not re.search(r"issue #\d+", reason):
                raise SystemExit(
                    "%s:%d: malformed line (want '<client>:<step>  <reason naming issue #N>'): %s"
                    % (path, lineno, line)
                )
            entries.append((lineno, pattern, reason))
    return entries


def match_expected(entries, ident):
    for lineno, pattern, reason in entries:
        if fnmatch.fnmatchcase(ident, pattern):
            return lineno, pattern, reason
    return None


class StepFailure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise StepFailure(message)


def check_txid(value, what="txid"):
    check(isinstance(value, str) and TXID_RE.match(value),
          "%s: expected 64 lowercase hex characters, got %r" % (what, value))
    return value


def wait_for(fn, timeout=20.0, interval=0.5, what="condition"):
    """Poll fn() until it returns a truthy value (returned) or time runs out."""
    deadline = time.time() + timeout
    last = None
    while True:
        last = fn()
        if last:
            return last
        if time.time() > deadline:
            raise StepFailure("timed out after %.0fs waiting for %s (last value: %r)"
                              % (timeout, what, last))
        time.sleep(interval)


def short(value, limit=300):
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "..."


class Flow:
    def __init__(self, client):
        self.client = client
        self.host = os.environ.get("MC_HOST", "127.0.0.1")
        self.port = os.environ["MC_PORT"]
        self.user = os.environ["MC_USER"]
        self.password = os.environ["MC_PASS"]
        self.chain = os.environ["MC_CHAIN"]
        self.xfail_path = os.environ.get("COMPAT_XFAIL", DEFAULT_XFAIL)
        self.expected = load_expected_failures(self.xfail_path)
        self.results_path = os.environ.get("COMPAT_RESULTS")
        self.counts = {"pass": 0, "fail": 0, "xfail": 0, "xpass": 0}
        self.ctx = {}  # values shared between steps (addresses, txids, names)
        self.suffix = "%x" % int(time.time() * 1000 % 0xFFFFFFF)
        print("== %s (chain %s at %s:%s)" % (client, self.chain, self.host, self.port), flush=True)

    def unique(self, base):
        """An entity name unique to this client and run (streams/assets share one node)."""
        return "%s-%s-%s" % (base, re.sub(r"[^a-z0-9]", "", self.client), self.suffix)

    def _record(self, rec):
        if self.results_path:
            with open(self.results_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")

    def step(self, name, fn):
        ident = "%s:%s" % (self.client, name)
        expected = match_expected(self.expected, ident)
        started = time.time()
        try:
            fn()
            ok, detail = True, ""
        except StepFailure as e:
            ok, detail = False, str(e)
        except Exception as e:  # what the client library raised
            ok, detail = False, "%s: %s" % (type(e).__name__, e)
            if os.environ.get("COMPAT_VERBOSE"):
                traceback.print_exc()
        secs = time.time() - started
        if ok:
            status = "xpass" if expected else "pass"
        else:
            status = "xfail" if expected else "fail"
        self.counts[status] += 1
        if status == "pass":
            line = "  PASS  %s" % ident
        elif status == "fail":
            line = "  FAIL  %s -- %s" % (ident, short(detail))
        elif status == "xfail":
            line = "  XFAIL %s (%s) -- %s" % (ident, expected[2], short(detail, 160))
        else:
            line = ("  XPASS %s -- XPASS: remove from expected failures (%s line %d: %s)"
                    % (ident, os.path.basename(self.xfail_path), expected[0], expected[1]))
        print(line, flush=True)
        self._record({
            "client": self.client, "step": name, "status": status, "detail": short(detail, 2000),
            "xfail_line": expected[0] if expected else None, "seconds": round(secs, 3),
        })

    def finish(self):
        self._record({"client": self.client, "step": "__done__", "status": "done"})
        c = self.counts
        print("   %s: %d passed, %d failed, %d expected failures, %d unexpected passes"
              % (self.client, c["pass"], c["fail"], c["xfail"], c["xpass"]), flush=True)
        sys.exit(1 if c["fail"] or c["xpass"] else 0)
