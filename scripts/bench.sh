#!/usr/bin/env bash
# Builds the node and runs the benchmark: a fresh chain in a temporary directory, 1,000,000
# publishes over keep-alive HTTP from 4 clients, stream queries, getinfo, memory. Prints
# figures; asserts nothing. Options go to the bench tool (`scripts/bench.sh --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/mcnode-target}"
scripts/ensure-build-deps.sh
cargo build --locked --bins
exec "$CARGO_TARGET_DIR/debug/bench" "$@"
