#!/usr/bin/env bash
# The server's start after a crash (issue 15's restart, the unclean way):
# banen-ledgerd on a copy of a store, --events events of the synthetic
# stream ingested over gRPC (synced, 4 streams, batches of 1000), --wait
# seconds for the server to do what it does after an ingest (the
# projector's save while it follows, the log's deltas), then `kill -9`
# and a fresh server on the same copy: its start time and RSS. The state
# the projector saved while following is in the first server's log
# (event=state_saved).
#
#   bench/crash_restart.sh --store=PATH [--events=2800000] [--wait=25]
#                          [--dir=/tmp/banen-crash-restart] [--build=build]
#
# At a 10 M store, 2.8 M events pass a quarter of the log, so the projector
# saves once while following. The copy (bench/link_copy.sh) is removed at
# the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/ledgerd.sh

store=
events=2800000
wait=25
dir=/tmp/banen-crash-restart
build=build
for arg in "$@"; do
  case "$arg" in
    --store=*) store="${arg#*=}" ;;
    --events=*) events="${arg#*=}" ;;
    --wait=*) wait="${arg#*=}" ;;
    --dir=*) dir="${arg#*=}" ;;
    --build=*) build="${arg#*=}" ;;
    *)
      echo "usage: $0 --store=PATH [--events=N] [--wait=S] [--dir=DIR]" \
        "[--build=BUILD_DIR]" >&2
      exit 2
      ;;
  esac
done
require_store "$store"
cmake --build "$build" -j2 --target banen-ledgerd grpc_ingest_bench >/dev/null
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]]; then kill -9 "$server_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
rm -rf "$dir"
mkdir -p "$dir"
source bench/link_copy.sh
link_copy "$store" "$dir/store"

# start LOG: a server on the copy, waited for until it serves.
start() {
  start_ledgerd "$build/services/banen-ledgerd" "$dir/store" "$1"
  printf "start %.2f s, RSS %d MB after it\n" "$start_seconds" \
    "$(resident_mb "$server_pid")"
}

echo "crash_restart: $events events at a copy of $store; $(nproc) cores"
start "$dir/first.log"
read -r acked seconds < <("$build/bench/grpc_ingest_bench" \
  --client_target="$address" --events="$events" --streams=4 --batch=1000 |
  tail -n 1)
printf "ingest %d events in %.2f s (%.0f events/s), RSS %d MB after it" \
  "$acked" "$seconds" "$(awk -v n="$acked" -v s="$seconds" 'BEGIN {print n / s}')" \
  "$(resident_mb "$server_pid")"
sleep "$wait"
printf ", %d MB %d s later\n" "$(resident_mb "$server_pid")" "$wait"
grep 'event=state_saved' "$dir/first.log" | sed 's/ msg=.*//' || true
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
echo "kill -9; the next server on the same store:"
start "$dir/second.log"
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
