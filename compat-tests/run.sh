#!/usr/bin/env bash
# Client compatibility suite: real MultiChain client libraries (Python, Node.js, PHP) run
# whole flows against one freshly created node built from this repository.
#
#   compat-tests/run.sh [client ...]      # default: every client
#
# Clients: savoir mcrpc multichaincli multichain-node-1.8 multichain-node-2.2 multichain-api
#          php-webdemo cli-transcript
#
# cli-transcript replays the golden MultiChain 2.3 multichain-cli session
# (golden/multichain-2.3) with our multichain-cli; it needs only python3.
#
# Environment:
#   MCNODE_BIN        directory holding multichain-util, multichaind, multichain-cli
#                     (default: ${CARGO_TARGET_DIR:-target}/debug, relative to the repo root)
#   COMPAT_KEEP=1     keep the node's data directory and logs after the run
#   COMPAT_VERBOSE=1  print stack traces of failing steps
#   COMPAT_OFFLINE=1  do not install: use the existing .venv and node_modules as they are
#
# Needs python3 (with venv), node + npm, php-cli + php-curl. It installs the pinned Python
# clients (requirements.txt) into compat-tests/.venv and the pinned Node clients
# (package.json + package-lock.json) into compat-tests/node_modules; it never installs
# system packages (.ci/run does that).
#
# Exit status: 0 when every step passed or failed as listed in expected-failures.txt;
# 1 on any unexpected failure, unexpected pass (XPASS), stale expected-failures line, or a
# flow that did not finish; 2 when the suite could not be set up.

set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
ALL_CLIENTS=(savoir mcrpc multichaincli multichain-node-1.8 multichain-node-2.2 multichain-api php-webdemo
             cli-transcript)
FLOW_TIMEOUT=${COMPAT_FLOW_TIMEOUT:-180}

die() { echo "compat-tests: ERROR: $*" >&2; exit 2; }
log() { echo "compat-tests: $*"; }
started_at=$SECONDS

# ---- which clients -------------------------------------------------------------------------
export COMPAT_ALL=1
if [ $# -gt 0 ]; then
    COMPAT_ALL=
    CLIENTS=("$@")
    for c in "${CLIENTS[@]}"; do
        [[ " ${ALL_CLIENTS[*]} " == *" $c "* ]] || die "unknown client '$c' (known: ${ALL_CLIENTS[*]})"
    done
else
    CLIENTS=("${ALL_CLIENTS[@]}")
fi
wants() { [[ " ${CLIENTS[*]} " == *" $1 "* ]]; }
wants_prefix() { [[ " ${CLIENTS[*]} " == *" $1"* ]]; }

# ---- binaries ------------------------------------------------------------------------------
if [ -n "${MCNODE_BIN:-}" ]; then
    BIN="$MCNODE_BIN"
else
    TARGET="${CARGO_TARGET_DIR:-target}"
    case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
    BIN="$TARGET/debug"
fi
[ -d "$BIN" ] || die "$BIN does not exist: build the node first (cargo build), or set MCNODE_BIN to the directory holding the binaries"
for tool in multichain-util multichaind multichain-cli; do
    # A binary being rebuilt may be missing for a moment: wait up to 60 s.
    for _ in $(seq 1 60); do [ -x "$BIN/$tool" ] && break; sleep 1; done
    [ -x "$BIN/$tool" ] || die "$BIN/$tool not found: build the node first (cargo build), or set MCNODE_BIN to the directory holding the binaries"
done

# ---- toolchains ----------------------------------------------------------------------------
need_python=0; need_node=0; need_php=0
wants savoir || wants mcrpc || wants multichaincli && need_python=1
wants_prefix multichain-node || wants multichain-api && need_node=1
wants php-webdemo && need_php=1
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || die "python3 not found (needed for the suite itself)"
if [ $need_node = 1 ]; then
    command -v node >/dev/null || die "node not found: install Node.js (e.g. apt-get install nodejs npm)"
    command -v npm >/dev/null || die "npm not found: install npm (e.g. apt-get install npm)"
fi
if [ $need_php = 1 ]; then
    command -v php >/dev/null || die "php not found: install php-cli and php-curl (apt-get install php-cli php-curl)"
    php -r 'exit(function_exists("curl_init") ? 0 : 1);' \
        || die "PHP has no curl extension: install php-curl (apt-get install php-curl)"
fi

# ---- pinned client libraries ---------------------------------------------------------------
VENV="$HERE/.venv"
if [ $need_python = 1 ] && [ -z "${COMPAT_OFFLINE:-}" ]; then
    stamp="$VENV/.requirements.sha256"
    want="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
    if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        log "installing Python clients into $VENV"
        rm -rf "$VENV"
        "$PYTHON" -m venv "$VENV" || die "could not create a venv (is python3-venv installed?)"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input \
            -r "$HERE/requirements.txt" || die "pip install -r requirements.txt failed"
        echo "$want" > "$stamp"
    fi
fi
if [ $need_node = 1 ] && [ -z "${COMPAT_OFFLINE:-}" ]; then
    stamp="$HERE/node_modules/.package-lock.sha256"
    want="$(cat "$HERE/package.json" "$HERE/package-lock.json" | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        log "installing Node.js clients into $HERE/node_modules (npm ci)"
        (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
        echo "$want" > "$stamp"
    fi
fi

# ---- one node for every client -------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mcnode-compat.XXXXXX")"
DATADIR="$WORK/data"
CHAIN=compatchain
NODE_PID=""
mkdir -p "$DATADIR"

free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
cli() { "$BIN/multichain-cli" "$CHAIN" -datadir="$DATADIR" -rpcport="$RPC_PORT" -requestout=null "$@"; }

cleanup() {
    local rc=$?
    if [ -n "$NODE_PID" ] && kill -0 "$NODE_PID" 2>/dev/null; then
        cli stop >/dev/null 2>&1
        for _ in $(seq 1 40); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.25; done
        if kill -0 "$NODE_PID" 2>/dev/null; then
            echo "compat-tests: node did not stop within 10 s; killing pid $NODE_PID" >&2
            kill "$NODE_PID" 2>/dev/null; sleep 1; kill -9 "$NODE_PID" 2>/dev/null
        fi
        wait "$NODE_PID" 2>/dev/null
    fi
    if [ -n "${COMPAT_KEEP:-}" ]; then
        echo "compat-tests: kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

P2P_PORT=$(free_port); RPC_PORT=$(free_port)
while [ "$RPC_PORT" = "$P2P_PORT" ]; do RPC_PORT=$(free_port); done
"$BIN/multichain-util" create "$CHAIN" -datadir="$DATADIR" -target-block-time=2 >"$WORK/util.log" 2>&1 \
    || { cat "$WORK/util.log"; die "multichain-util create failed"; }
# Foreground process in the background (not -daemon): its pid is ours to stop.
"$BIN/multichaind" "$CHAIN" -datadir="$DATADIR" -port="$P2P_PORT" -rpcport="$RPC_PORT" \
    >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 120); do
    cli getblockcount >/dev/null 2>&1 && break
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.25
done
if ! cli getblockcount >/dev/null 2>&1; then
    cat "$WORK/node.log"
    die "node did not answer RPC within 30 s"
fi
CONF="$DATADIR/$CHAIN/multichain.conf"
MC_USER=$(sed -n 's/^rpcuser=//p' "$CONF" | tail -1)
MC_PASS=$(sed -n 's/^rpcpassword=//p' "$CONF" | tail -1)
[ -n "$MC_USER" ] && [ -n "$MC_PASS" ] || die "no rpcuser/rpcpassword in $CONF"
export MC_HOST=127.0.0.1 MC_PORT="$RPC_PORT" MC_USER MC_PASS MC_CHAIN="$CHAIN"
export COMPAT_XFAIL="$HERE/expected-failures.txt" COMPAT_RESULTS="$WORK/results.jsonl"
# For cli-transcript: our CLI, the node's data directory and ports, and what create/start printed.
export MCNODE_CLI="$BIN/multichain-cli" MC_DATADIR="$DATADIR" MC_P2P_PORT="$P2P_PORT"
export COMPAT_UTIL_LOG="$WORK/util.log" COMPAT_NODE_LOG="$WORK/node.log"
export NODE_PATH="$HERE/node_modules"
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree
: > "$COMPAT_RESULTS"
log "node up: chain $CHAIN, rpc 127.0.0.1:$RPC_PORT, p2p $P2P_PORT, binaries $BIN"

# ---- the flows -----------------------------------------------------------------------------
flow_cmd() {
    case "$1" in
        savoir)              CMD=("$VENV/bin/python" "$HERE/python/flow_savoir.py") ;;
        mcrpc)               CMD=("$VENV/bin/python" "$HERE/python/flow_mcrpc.py") ;;
        multichaincli)       CMD=("$VENV/bin/python" "$HERE/python/flow_multichaincli.py") ;;
        multichain-node-1.8) CMD=(node "$HERE/node/flow_multichain_node.js" 1.8) ;;
        multichain-node-2.2) CMD=(node "$HERE/node/flow_multichain_node.js" 2.2) ;;
        multichain-api)      CMD=(node "$HERE/node/flow_multichain_api.js") ;;
        php-webdemo)         CMD=(php -d display_errors=stderr -d log_errors=0 "$HERE/php/flow_webdemo.php") ;;
        cli-transcript)      CMD=("$PYTHON" "$HERE/python/flow_cli_transcript.py") ;;
    esac
}
RUNS=()
for client in "${CLIENTS[@]}"; do
    flow_cmd "$client"
    timeout --kill-after=5 "$FLOW_TIMEOUT" "${CMD[@]}"
    code=$?
    [ $code = 124 ] && echo "compat-tests: $client flow timed out after ${FLOW_TIMEOUT}s" >&2
    RUNS+=("$client=$code")
done

if ! kill -0 "$NODE_PID" 2>/dev/null; then
    echo "compat-tests: the node exited during the run; its output:" >&2
    tail -n 50 "$WORK/node.log" >&2
fi

"$PYTHON" "$HERE/summarize.py" "$COMPAT_RESULTS" "$COMPAT_XFAIL" "${RUNS[@]}"
verdict=$?
log "finished in $((SECONDS - started_at)) s"
if [ $verdict != 0 ]; then
    for f in "$WORK/node.log" "$DATADIR/$CHAIN/debug.log"; do
        [ -s "$f" ] || continue
        echo "compat-tests: tail of $f:"
        tail -n 20 "$f" | sed 's/^/    /'
    done
    [ -n "${COMPAT_KEEP:-}" ] || echo "compat-tests: (COMPAT_KEEP=1 keeps the node's data directory)"
fi
exit $verdict
