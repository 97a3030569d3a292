#!/usr/bin/env bash
# The rocksdb crate needs libclang (bindgen) and a C++ compiler. Installs libclang-dev from
# Debian's packages when it is missing.
set -euo pipefail
if ldconfig -p 2>/dev/null | grep -q 'libclang\(-[0-9.]*\)\?\.so'; then
  exit 0
fi
echo "Installing libclang-dev (needed to build rocksdb)..." >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq || true
$sudo apt-get install -y -qq libclang-dev >/dev/null
