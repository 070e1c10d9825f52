#!/usr/bin/env bash
# Sets up, builds, and runs the ledger's append benchmark: synced appends in
# batches of 1, 100 and 1000 next to raw RocksDB writing the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build
build/bench/append_bench "$@"
