"""cli-transcript: the golden multichain-cli session of a real MultiChain 2.3 node, replayed
step by step on our node with OUR multichain-cli.

The golden transcripts (compat-tests/golden/multichain-2.3/NN_name.{cmd,txt,stderr,rc}) hold,
for each command of the session, the command line, the exact stdout, the exact stderr (the
echoed JSON request, then an empty line, then "error code: N / error message: / text" on
error) and the exit status. Steps 03..40 are run in golden order (41 stop is not: run.sh owns
the node's lifetime); 01 util create and 02 daemon start check the output run.sh captured when
it created and started the suite's node.

Each step compares:
  * the exit status, exactly;
  * stderr: the echoed request -- same members in the same order, same method, same params
    (golden values from earlier golden outputs replaced by ours), chain_name = our chain, an id
    of the same form -- and everything after it (the error lines), exactly;
  * stdout: JSON -> same shape as tests/common/mod.rs `same_shape` (same keys in the same
    order, same JSON types, numbers one type, arrays element-wise against golden[i] or
    golden[0]; in a block's decoded transactions a coinbase is matched with a golden coinbase
    and any other transaction with a golden non-coinbase one, if the golden block has one), plus: a top-level array that is non-empty in the golden output is non-empty
    in ours, and every entry of a golden array of objects with a "name" member is present
    in ours by name; a single txid / address line -> a txid / address line; any other text
    (help) -> byte for byte; empty -> empty.
Values that legitimately differ (addresses, txids, hashes, times, ports, counts) are not
compared, nor are the members of `details` (custom fields); where the golden array mixes element
shapes (listwallettransactions) an element may match any golden element; confirmation timing
is allowed for (see REF_KEYS below); GOLDEN_FACTS adds content checks for a few steps. Where the golden session waited for a block (a gap of >= 5 s between the timestamps
of consecutive request ids: between 24 and 25), the step first waits until our mempool is
empty and our chain is as high as the golden one was then (25 getblockcount: 3).

Environment (set by run.sh): MC_CHAIN MC_PORT MC_USER MC_PASS (harness), MC_DATADIR,
MC_P2P_PORT, MCNODE_CLI (our multichain-cli), COMPAT_UTIL_LOG and COMPAT_NODE_LOG (the output
of run.sh's `multichain-util create` and `multichaind`).
"""

import errno
import glob
import json
import os
import re
import subprocess
import time

from harness import Flow, StepFailure, short

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.normpath(os.path.join(HERE, "..", "golden", "multichain-2.3"))
GOLDEN_CHAIN = "testchain"
NOT_REPLAYED = {"41_stop"}  # run.sh stops the node
# Steps whose top-level array may legitimately be empty on our node although the golden one
# is not (what is in the mempool at that moment depends on timing).
MAY_BE_EMPTY = {"23_getrawmempool"}
# Steps whose result's first element is captured for substitution (the admin address).
CAPTURE_FIRST = {"04_getaddresses"}
BLOCK_WAIT_GAP = 5  # seconds between golden request ids that mean "the session waited"
# What the golden chain's height was after that wait (25 getblockcount). Our node may not have
# mined that many blocks yet when run alone on a fresh chain (the real node mined blocks 1 and
# 2 within 2 s of its first start); later steps (28 getblock 1 shows "nextblockhash") need it.
HEIGHT_AFTER_WAIT = "25_getblockcount"

TXID_RE = re.compile(r"^[0-9a-f]{64}$")
ADDRESS_RE = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{26,40}$")
ID_RE = re.compile(r"^\d+-\d+$")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def golden_steps():
    names = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(GOLDEN, "*.cmd")))
    return [n for n in names if re.match(r"^\d\d_", n) and n not in NOT_REPLAYED]


def type_name(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if v is None:
        return "null"
    return {str: "string", list: "array", dict: "object"}[type(v)]


# Confirmation timing. The golden session ran 07-17 before its next block, so the assets,
# streams and items there are unconfirmed; our node mines every 2 s, so ours may already be
# confirmed (or, for another client's entity compared with a golden confirmed one, not yet).
# MultiChain then prints what it prints for a confirmed one, and that is accepted:
#   * an entity reference (`assetref`, `streamref`) is null until the entity is confirmed,
#     then "block-offset-txidprefix" -- either is accepted against the other;
#   * a stream item or wallet transaction with confirmations > 0 carries block fields right
#     after `confirmations` (and `generated`): "blocktime" alone in a non-verbose stream item,
#     "blockhash","blockheight","blockindex","blocktime" in a verbose one (it has "valid") and
#     in a wallet transaction (rpcwalletutils.cpp WalletTxToJSON / StreamItemEntry).
REF_KEYS = {"assetref", "streamref"}
# Objects whose members are whoever made the entity chose (custom fields of an asset or
# stream, of an issue in a wallet transaction): only their type is compared. The suite's node
# holds the other clients' assets and streams too.
USER_OBJECTS = {"details"}
REF_RE = re.compile(r"^\d+-\d+-\d+$")
BLOCK_FIELDS_SHORT = ["blocktime"]
BLOCK_FIELDS_FULL = ["blockhash", "blockheight", "blockindex", "blocktime"]


def confirmed_keys(ours, golden):
    """The keys MultiChain prints for the confirmed form of the unconfirmed golden object
    `golden`, when `ours` is confirmed and golden is not; else None."""
    gconf, oconf = golden.get("confirmations"), ours.get("confirmations")
    if not (type_name(gconf) == "number" and gconf == 0
            and type_name(oconf) == "number" and oconf > 0):
        return None
    kg = list(golden)
    at = kg.index("confirmations") + 1
    if at < len(kg) and kg[at] == "generated":
        at += 1
    extra = BLOCK_FIELDS_FULL if "valid" in golden else BLOCK_FIELDS_SHORT
    return kg[:at] + extra + kg[at:]


def asset_count_shown(ours, golden):
    """getinfo shows `assets`, a count after `chainrewards`, once the chain has an asset. The
    golden session's getinfo ran before its first issue; the suite's node holds the other
    clients' assets by then."""
    return ("chainrewards" in golden and "assets" not in golden
            and type_name(ours.get("assets")) == "number"
            and [k for k in ours if k != "assets"] == list(golden))


def same_shape(ours, golden, path):
    """tests/common/mod.rs same_shape: None if same shape, else the first difference."""
    to, tg = type_name(ours), type_name(golden)
    key = path.rsplit(".", 1)[-1]
    if key in REF_KEYS and {to, tg} == {"string", "null"} and REF_RE.match(ours or golden):
        return None  # one confirmed, the other not yet: see REF_KEYS
    if to != tg:
        return "%s: type differs: ours %s golden %s" % (path, short(json.dumps(ours), 80),
                                                        short(json.dumps(golden), 80))
    if to == "object" and key in USER_OBJECTS:
        return None
    if to == "object":
        ko, kg = list(ours), list(golden)
        if ko != kg:
            if ko != confirmed_keys(ours, golden) and not asset_count_shown(ours, golden):
                return "%s: keys differ\n ours:   %s\n golden: %s" % (path, ko, kg)
            for k in ko:
                if k not in golden:
                    want = "string" if k == "blockhash" else "number"
                    if type_name(ours[k]) != want:
                        return "%s.%s: type differs: ours %s, a %s expected" % (
                            path, k, short(json.dumps(ours[k]), 80), want)
        for k in ours:
            if k not in golden:
                continue
            d = same_shape(ours[k], golden[k], "%s.%s" % (path, k))
            if d:
                return d
    elif to == "array":
        if ours and golden:
            # Where the golden array itself mixes element shapes (listwallettransactions: a
            # coinbase, a grant, an issue, a create, a publish), which kinds ours holds depends
            # on what the node did before: each element may match any golden element.
            mixed = len({json.dumps(shape_keys(g)) for g in golden}) > 1
            for i, v in enumerate(ours):
                ref = golden[i] if i < len(golden) else golden[0]
                kind = tx_kind(v)
                if kind and tx_kind(ref) != kind:
                    # A block's transactions: a coinbase is compared with a golden coinbase,
                    # any other transaction with a golden non-coinbase one (when the golden
                    # block has one: which transactions a block holds depends on timing).
                    refs = [g for g in golden if tx_kind(g) == kind]
                    if not refs:
                        continue
                    ref = refs[0]
                d = same_shape(v, ref, "%s[%d]" % (path, i))
                if d and mixed and any(same_shape(v, g, "") is None for g in golden):
                    d = None
                if d:
                    return d
    return None


def only_first_coinbase(val):
    """29: the golden node mined blocks 1-3 (26 listblocks) but its wallet lists only block 1's
    coinbase. MultiChain keeps a coinbase's zero-value output to the miner only in block 1
    (miner.cpp: zero-value outputs are dropped unless the tip is the genesis block), so later
    coinbases hold just the OP_RETURN signature and pay no wallet address."""
    for i, tx in enumerate(val if isinstance(val, list) else []):
        if isinstance(tx, dict) and tx.get("generated") and tx.get("blockheight") != 1:
            return ("stdout[%d]: the coinbase of block %s is a wallet transaction; MultiChain lists "
                    "only block 1's (later coinbases pay no address)" % (i, tx.get("blockheight")))
    return None


# Content the golden session shows beyond shapes, checked for some steps.
GOLDEN_FACTS = {"29_listwallettransactions": only_first_coinbase}


def shape_keys(v):
    """An element's top-level keys (None for a non-object), to tell mixed arrays apart."""
    return list(v) if isinstance(v, dict) else None


def tx_kind(v):
    """'coinbase' or 'tx' for a decoded transaction (getblock verbose >= 2), else None."""
    if isinstance(v, dict) and isinstance(v.get("vin"), list) and "vout" in v:
        vin = v["vin"]
        return "coinbase" if vin and isinstance(vin[0], dict) and "coinbase" in vin[0] else "tx"
    return None


def named_entries_missing(ours, golden, path):
    """Every golden array of objects with a "name": each golden name present in ours."""
    if isinstance(golden, dict) and isinstance(ours, dict):
        for k in golden:
            if k in ours:
                d = named_entries_missing(ours[k], golden[k], "%s.%s" % (path, k))
                if d:
                    return d
    elif isinstance(golden, list) and isinstance(ours, list):
        gnames = [g["name"] for g in golden if isinstance(g, dict) and "name" in g]
        onames = [o.get("name") for o in ours if isinstance(o, dict)]
        missing = [n for n in gnames if n not in onames]
        if missing:
            return "%s: no entry named %s (ours: %s)" % (path, missing, onames)
    return None


def text_kind(text):
    """The shape of a non-JSON stdout: 'empty', 'txid', 'address' or 'text'."""
    if text == "":
        return "empty"
    line = text[:-1] if text.endswith("\n") else text
    if "\n" not in line:
        if TXID_RE.match(line):
            return "txid"
        if ADDRESS_RE.match(line):
            return "address"
    return "text"


def parse_json(text):
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


class Transcript:
    def __init__(self, flow):
        self.flow = flow
        self.chain = flow.chain
        self.datadir = os.environ["MC_DATADIR"]
        self.cli_path = os.environ["MCNODE_CLI"]
        self.subst = {GOLDEN_CHAIN: self.chain}  # golden value -> our value
        self.prev_time = None

    # ---- our CLI --------------------------------------------------------------------------
    def run_cli(self, args):
        base = [self.cli_path, self.chain, "-datadir=" + self.datadir,
                "-rpcport=" + str(self.flow.port)]
        for _ in range(60):  # the binary may be rebuilt under us: wait while it is missing
            try:
                p = subprocess.run(base + args, capture_output=True, timeout=60)
                return (p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"),
                        p.returncode)
            except OSError as e:
                if e.errno not in (errno.ENOENT, errno.EACCES, errno.ETXTBSY):
                    raise
                time.sleep(1)
        raise StepFailure("%s not runnable for 60 s" % self.cli_path)

    def wait_for_block(self, timeout=60.0):
        """As the golden session did: until our mempool is empty and our chain is as high as
        the golden chain was after its wait."""
        height = int(read(os.path.join(GOLDEN, HEIGHT_AFTER_WAIT + ".txt")).strip())
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            out, _, rc = self.run_cli(["-requestout=null", "getmempoolinfo"])
            ok, info = parse_json(out)
            out2, _, rc2 = self.run_cli(["-requestout=null", "getblockcount"])
            last = "getmempoolinfo %s, getblockcount %s" % (out.strip() or rc, out2.strip() or rc2)
            if (rc == 0 and ok and isinstance(info, dict) and info.get("size") == 0
                    and rc2 == 0 and out2.strip().isdigit() and int(out2) >= height):
                return
            time.sleep(0.25)
        raise StepFailure("waited %.0f s for an empty mempool and %d blocks (as the golden "
                          "session waited for a block); last: %s" % (timeout, height, short(last)))

    def sub(self, text):
        for g, o in self.subst.items():
            text = text.replace(g, o)
        return text

    # ---- one golden step ------------------------------------------------------------------
    def replay(self, name):
        cmd = read(os.path.join(GOLDEN, name + ".cmd")).strip()
        g_out = read(os.path.join(GOLDEN, name + ".txt"))
        g_err = read(os.path.join(GOLDEN, name + ".stderr"))
        g_rc = int(read(os.path.join(GOLDEN, name + ".rc")).strip())

        tokens = cmd.split()
        if tokens[0] == "$":
            tokens = tokens[1:]
        if tokens[0] == "cli":
            args = tokens[1:]
        elif tokens[0] == "multichain-cli" and tokens[1] == GOLDEN_CHAIN:
            args = tokens[2:]
        else:
            raise StepFailure("cannot replay golden command %r" % cmd)
        args = [self.sub(a) for a in args]

        g_echo_line, _, g_err_rest = g_err.partition("\n")
        g_echo = json.loads(g_echo_line)
        g_time = int(g_echo["id"].split("-")[1])
        waited = ""
        if self.prev_time is not None and g_time - self.prev_time >= BLOCK_WAIT_GAP:
            self.wait_for_block()
            waited = " (after waiting for a block)"
        self.prev_time = g_time

        out, err, rc = self.run_cli(args)
        diffs = []

        # the error lines after the echoed request and the exit status: exact.
        echo_line, _, err_rest = err.partition("\n")
        g_err_rest = self.sub(g_err_rest)
        if err_rest != g_err_rest:
            diffs.append("stderr after the request: ours %s, golden %s"
                         % (lines_repr(err_rest), lines_repr(g_err_rest)))
        if rc != g_rc:
            diffs.append("exit status %d, golden %d" % (rc, g_rc))

        # the echoed request: same members in the same order, same method and params.
        ok, echo = parse_json(echo_line)
        if not ok or not isinstance(echo, dict):
            diffs.append("stderr does not start with the JSON request: %r" % short(echo_line, 200))
        else:
            if list(echo) != list(g_echo):
                diffs.append("request members %s, golden %s" % (list(echo), list(g_echo)))
            if echo.get("method") != g_echo["method"]:
                diffs.append("request method %r, golden %r" % (echo.get("method"), g_echo["method"]))
            g_params = json.loads(self.sub(json.dumps(g_echo["params"])))
            if echo.get("params") != g_params:
                diffs.append("request params %s, golden %s"
                             % (json.dumps(echo.get("params")), json.dumps(g_params)))
            if echo.get("chain_name") != self.chain:
                diffs.append("request chain_name %r, expected %r"
                             % (echo.get("chain_name"), self.chain))
            if not (isinstance(echo.get("id"), str) and ID_RE.match(echo["id"])):
                diffs.append("request id %r, golden form %r" % (echo.get("id"), g_echo["id"]))

        # stdout
        val = None
        g_is_json, g_val = parse_json(g_out) if g_out.strip() else (False, None)
        if g_is_json:
            is_json, val = parse_json(out)
            if not is_json:
                diffs.append("stdout is not JSON: %r" % short(out, 200))
            else:
                d = same_shape(val, g_val, "stdout")
                d = d or named_entries_missing(val, g_val, "stdout")
                if (not d and isinstance(g_val, list) and g_val and isinstance(val, list)
                        and not val and name not in MAY_BE_EMPTY):
                    d = "stdout: [] but the golden array has %d entries" % len(g_val)
                if not d and out.endswith("\n") != g_out.endswith("\n"):
                    d = "stdout: trailing newline differs"
                if not d and name in GOLDEN_FACTS:
                    d = GOLDEN_FACTS[name](val)
                if d:
                    diffs.append(d)
        else:
            kind, g_kind = text_kind(out), text_kind(g_out)
            if kind != g_kind:
                diffs.append("stdout is %s %r, golden is %s %r"
                             % (kind, short(out, 120), g_kind, short(g_out, 120)))
            elif kind == "text" and out != self.sub(g_out):
                diffs.append(first_text_difference(out, self.sub(g_out)))
            elif kind in ("txid", "address") and out.endswith("\n") != g_out.endswith("\n"):
                diffs.append("stdout: trailing newline differs")

        if diffs:
            raise StepFailure("%s -- `%s`%s" % ("; ".join(diffs),
                                                " ".join(["multichain-cli", self.chain] + args),
                                                waited))

        # golden value -> our value, for the commands of later steps.
        if rc == 0:
            if not g_is_json and text_kind(g_out) in ("txid", "address"):
                self.subst.setdefault(g_out.strip(), out.strip())
            elif name in CAPTURE_FIRST and isinstance(val, list) and g_val and val:
                self.subst.setdefault(g_val[0], val[0])

    # ---- 01 / 02: what run.sh's create and start printed ----------------------------------
    def util_create(self):
        ours = read(os.environ["COMPAT_UTIL_LOG"])
        expected = read(os.path.join(GOLDEN, "01_util_create.txt")) \
            .replace("DATADIR", self.datadir).replace(GOLDEN_CHAIN, self.chain)
        if ours != expected:
            raise StepFailure("multichain-util create output: " + first_text_difference(ours, expected))

    def daemon_start(self):
        # run.sh starts multichaind in the foreground, so the lines only -daemon prints
        # ("Starting up node...") are absent and the banner comes first (the golden capture,
        # redirected to a file, shows it last; see golden/multichain-2.3/README.txt).
        golden = [l for l in read(os.path.join(GOLDEN, "02_daemon_start.txt")).splitlines()
                  if l.strip() and l != "Starting up node..."]
        banner = [l for l in golden if l.startswith("MultiChain 2.3 Daemon")][:1]
        expected = banner + [l for l in golden if not l.startswith("MultiChain 2.3 Daemon")]
        p2p, rpc = os.environ["MC_P2P_PORT"], str(self.flow.port)
        patterns = []
        for l in expected:
            l = l.replace(GOLDEN_CHAIN, self.chain)
            if l.startswith("multichaind %s@" % self.chain):
                patterns.append(re.compile(r"^multichaind %s@[0-9a-fA-F.:\[\]]+:%s$"
                                           % (re.escape(self.chain), p2p)))
            else:
                patterns.append(re.compile("^%s$" % re.escape(l.replace("port 6298", "port " + rpc))))
        ours = [l for l in read(os.environ["COMPAT_NODE_LOG"]).splitlines() if l.strip()]
        # Only the start-up transcript: up to "Node ready." (later output is the run's).
        if "Node ready." in ours:
            ours = ours[:ours.index("Node ready.") + 1]
        for i, pat in enumerate(patterns):
            got = ours[i] if i < len(ours) else None
            if got is None or not pat.match(got):
                raise StepFailure("multichaind start-up line %d: ours %r, expected /%s/ (ours: %s)"
                                  % (i + 1, got, pat.pattern, short(" | ".join(ours), 400)))
        if len(ours) != len(patterns):
            raise StepFailure("multichaind start-up: extra lines %r" % ours[len(patterns):])


def lines_repr(text):
    """stderr's error lines on one line: '[error code: -8 / error message: / ...]'."""
    if text.strip() == "":
        return "[%s]" % ("no error" if text == "\n" else repr(text))
    return "[%s]" % short(" / ".join(l for l in text.split("\n") if l), 200)


def first_text_difference(ours, golden):
    ol, gl = ours.split("\n"), golden.split("\n")
    for i in range(max(len(ol), len(gl))):
        a = ol[i] if i < len(ol) else None
        b = gl[i] if i < len(gl) else None
        if a != b:
            return "text differs at line %d: ours %r, golden %r" % (i + 1, a, b)
    return "text differs"


def main():
    flow = Flow("cli-transcript")
    t = Transcript(flow)
    for name in golden_steps():
        if name == "01_util_create":
            flow.step(name, t.util_create)
        elif name == "02_daemon_start":
            flow.step(name, t.daemon_start)
        else:
            flow.step(name, lambda n=name: t.replay(n))
    flow.finish()


if __name__ == "__main__":
    main()
