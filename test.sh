#!/usr/bin/env bash
# Runs every test: unit and integration tests (real binaries against golden MultiChain
# transcripts), then the client compatibility suite (Python, Node and PHP clients).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/mcnode-target}"
scripts/ensure-build-deps.sh
cargo test --locked
cargo build --locked --bins
MCNODE_BIN="$CARGO_TARGET_DIR/debug" compat-tests/run.sh
