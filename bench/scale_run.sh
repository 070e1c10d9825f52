#!/usr/bin/env bash
# The scale run of issue 15: one store of --events events of the national
# demo data set (tools/demo_data.h, its markt scaled to the size), measured
# by the benchmarks that already exist, with their own flags, then one
# summary. Not part of the test command; at 50 M events it is meant to take
# at most 45 minutes on the 2-core machine.
#
#   bench/scale_run.sh [--events=50000000] [--dir=/tmp/banen-scale-run]
#                      [--build=build] [--keep]
#
# Steps (each one's output in DIR/logs/, its wall time in the summary):
#  1. projection_bench --events=N --store=STORE: generates the store
#     (unsynced, ~1000 events a batch, a Projector following and
#     checkpointing), then the rebuild rate next to a raw Scan+decode (one
#     round: at 50 M events each pass over the log takes minutes; then three
#     pairs of them in fresh processes, some 6 minutes), the restart in that
#     process, and the current-table, as_of, quota and
#     register latencies. An existing STORE of N events (--keep) is reused.
#  2. du: the store's bytes on disk per event.
#  3. merkle_bench --reuse: the store's bytes per part, and inclusion and
#     consistency proof latencies at random sizes up to N.
#  4. grpc_ingest_bench --store: banen-ledgerd started on a copy of the
#     store in a fresh process (restart time, RSS after the open and after
#     the ingest), then durable gRPC ingest of 400 k events at it next to
#     the same ingest at an empty store, the raw synced RocksDB rate and the
#     serial bound; then two more rounds of both (--store_rounds=3: the
#     server restarted on the copy each time), and the median ratio. The
#     copy hard-links the store's table files, which
#     RocksDB never changes, and copies the rest, so the store itself stays
#     at N events for a rerun.
#  5. server_rounds.sh --rounds=3: the same ratio with each ingest served by
#     a fresh banen-ledgerd process, as deployed (grpc_ingest_bench hosts
#     its servers in its own process, one after another).
# STORE is DIR/banen-merkle-bench, the name merkle_bench --reuse looks for.
# Without --keep the store and its copy are removed at the end; the logs
# stay.
set -euo pipefail
cd "$(dirname "$0")/.."

events=50000000
dir=/tmp/banen-scale-run
build=build
keep=false
for arg in "$@"; do
  case "$arg" in
    --events=*) events="${arg#*=}" ;;
    --dir=*) dir="${arg#*=}" ;;
    --build=*) build="${arg#*=}" ;;
    --keep) keep=true ;;
    *)
      echo "usage: $0 [--events=N] [--dir=DIR] [--build=BUILD_DIR] [--keep]" >&2
      exit 2
      ;;
  esac
done
if ! [[ "$events" =~ ^[0-9]+$ ]] || ((events < 1000)); then
  echo "$0: --events must be a number of at least 1000" >&2
  exit 2
fi

cmake --build "$build" -j2 --target projection_bench merkle_bench \
  grpc_ingest_bench >/dev/null
store="$dir/banen-merkle-bench"
copy="$dir/ingest-copy"
logs="$dir/logs"
mkdir -p "$logs"
rm -rf "$copy"
started=$SECONDS
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

declare -A took
step() {
  local name=$1
  shift
  local step_started=$SECONDS
  echo "scale_run: $name ..." >&2
  "$@" >"$logs/$name.log" 2>&1 || {
    echo "scale_run: $name failed; see $logs/$name.log" >&2
    tail -5 "$logs/$name.log" >&2
    exit 1
  }
  took[$name]=$((SECONDS - step_started))
}

step projection_bench "$build/bench/projection_bench" --events="$events" \
  --store="$store" --rebuild_rounds=1
store_bytes=$(du -sb "$store" | cut -f1)
step merkle_bench "$build/bench/merkle_bench" --dir="$dir" --reuse \
  --events="$events" --proofs=20000
# A copy to ingest into: the immutable table files linked, the rest copied.
source bench/link_copy.sh
step copy link_copy "$store" "$copy"
step grpc_ingest_bench "$build/bench/grpc_ingest_bench" --events=400000 \
  --store="$copy" --store_rounds=3 --dir="$dir"
rm -rf "$copy"
step server_rounds bench/server_rounds.sh --store="$store" --rounds=3 \
  --dir="$dir/server-rounds" --build="$build"
[[ "$keep" == true ]] || rm -rf "$store"

# The lines of each benchmark's output that carry the figures.
line() { grep -m1 -e "$2" "$logs/$1.log" || echo "(not printed: $2)"; }
{
  echo "== scale run: $events events, $(nproc) cores," \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
    "$(free -g | awk '/^Mem:/ {print $2}') GB; load average $load_before" \
    "before, $(cut -d' ' -f1-3 /proc/loadavg) after; $((SECONDS - started)) s"
  echo "steps (s): projection_bench ${took[projection_bench]}," \
    "merkle_bench ${took[merkle_bench]}, copy ${took[copy]}," \
    "grpc_ingest_bench ${took[grpc_ingest_bench]}," \
    "server_rounds ${took[server_rounds]}"
  echo "-- generate (projection_bench)"
  if grep -q '^== the ledger in ' "$logs/projection_bench.log"; then
    echo "the store of an earlier run (--keep), not generated again"
  else
    line projection_bench '^append via Projector'
  fi
  echo "-- restart and RSS (banen-ledgerd in a fresh process; projection_bench's own)"
  line grpc_ingest_bench '^store of '
  line projection_bench '^restart (Open)'
  echo "-- disk"
  awk -v bytes="$store_bytes" -v n="$events" 'BEGIN {
    printf "store on disk: %.2f GB, %.0f bytes an event\n", bytes / 1e9,
      bytes / n }'
  line merkle_bench '^storage:'
  echo "-- ingest at the end (durable gRPC, 400 k events)"
  line grpc_ingest_bench '^Append at '
  line grpc_ingest_bench '^ratio at '
  line grpc_ingest_bench '^ratio at the store / empty store, median'
  echo "   the same in fresh banen-ledgerd processes (server_rounds.sh):"
  line server_rounds '^round 1: at the store start'
  line server_rounds '^ratio at the store / empty store, median'
  line grpc_ingest_bench '^banen-ledgerd durable Append'
  line grpc_ingest_bench '^serial bound'
  line grpc_ingest_bench '^ratio ledger / bound'
  echo "-- rebuild"
  line projection_bench '^raw Scan+decode'
  line projection_bench '^full rebuild  '
  line projection_bench '^full rebuild, fresh processes'
  echo "-- queries"
  line projection_bench '^current table'
  line projection_bench '^as_of table'
  line projection_bench '^quota (all employers)'
  line projection_bench '^register, 40 quarters'
  echo "-- proofs (merkle_bench)"
  line merkle_bench '^reopen:'
  line merkle_bench '^inclusion'
  line merkle_bench '^consistency'
} | tee "$dir/summary.txt"
