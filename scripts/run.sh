#!/usr/bin/env bash
# The main job: sets up, builds, starts banen-ledgerd on a local data
# directory, loads the built-in demo history on first start, prints the
# realisation table for 2024Q4, and keeps serving until Ctrl-C.
#
#   scripts/run.sh [--listen=127.0.0.1:50051] [--data-dir=data/ledger]
set -euo pipefail
cd "$(dirname "$0")/.."

listen=127.0.0.1:50051
data_dir=data/ledger
for arg in "$@"; do
  case $arg in
    --listen=*) listen=${arg#*=} ;;
    --data-dir=*) data_dir=${arg#*=} ;;
    *) echo "usage: scripts/run.sh [--listen=HOST:PORT] [--data-dir=DIR]" >&2; exit 2 ;;
  esac
done

scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target banen-ledgerd banenctl

build/services/banen-ledgerd --listen="$listen" --data-dir="$data_dir" &
server=$!
# Ctrl-C signals the whole process group, server included; the trap also
# forwards a SIGINT or SIGTERM sent to this script alone. Either way the server
# finishes the batches in flight and closes the store.
trap 'kill -TERM "$server" 2>/dev/null || true' INT TERM

banenctl() { build/tools/banenctl --server="$listen" "$@"; }
until banenctl --timeout-seconds=1 head >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { wait "$server"; exit 1; }
  sleep 0.2
done

if [[ $(banenctl head | awk '$1 == "seq" { print $2 }') == 0 ]]; then
  banenctl load-demo
fi
echo
banenctl report --quarter=2024Q4
echo
echo "banen-ledgerd serves on $listen (data in $data_dir); Ctrl-C stops it."
echo "Try: build/tools/banenctl --server=$listen report --quarter=2024Q1 --to-quarter=2024Q4 --sectors=GEMEENTEN --employers"

# `wait` returns when the trap fires; wait again for the clean shutdown.
wait "$server" || true
wait "$server" 2>/dev/null || true
