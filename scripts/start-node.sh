#!/usr/bin/env bash
# Builds the node and starts it in the background on a chain (default "demo"), creating the
# chain on first run, then prints how to reach it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/mcnode-target}"
chain="${1:-demo}"
scripts/ensure-build-deps.sh
cargo build --locked --bins
bin="$CARGO_TARGET_DIR/debug"
datadir="${MULTICHAIN_DATADIR:-$HOME/.multichain}"
if [ ! -f "$datadir/$chain/params.dat" ]; then
  "$bin/multichain-util" create "$chain" -datadir="$datadir"
fi
"$bin/multichaind" "$chain" -datadir="$datadir" -daemon
cat <<MSG
The node runs in the background. Talk to it with:
  $bin/multichain-cli $chain -datadir=$datadir getinfo
Stop it with:
  $bin/multichain-cli $chain -datadir=$datadir stop
MSG
