#!/usr/bin/env bash
# scripts/crash_loop.sh [--kills=N] [--server=BIN] [--client=BIN] [--keep]
#
# Durability against a real server: four clients (tests/crash/crash_client)
# stream batches into banen-ledgerd, which is SIGKILLed at a random moment,
# N times. After each restart `crash_client check` proves that every
# acknowledged event is stored exactly once, no batch is torn, VerifyChain
# passes and the served figures equal a full rebuild on the client side. The
# clients resend their first unacknowledged batch after each restart: a
# retry of a batch that may or may not have been stored.
#
# SIGKILL keeps the page cache, so this loop proves the process-crash path
# (recovery, idempotent retries, no torn batches); the power-loss path, which
# needs the fsync, is tests/ledger/power_loss_test with a file system that
# drops unsynced bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

kills=100
server=build/services/banen-ledgerd
client=build/tests/crash/crash_client
keep=0
for arg in "$@"; do
  case $arg in
    --kills=*) kills=${arg#*=} ;;
    --server=*) server=${arg#*=} ;;
    --client=*) client=${arg#*=} ;;
    --keep) keep=1 ;;
    *) echo "usage: $0 [--kills=N] [--server=BIN] [--client=BIN] [--keep]" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d -t banen-crash-loop.XXXXXX)
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill -9 "$server_pid" 2>/dev/null || true
  jobs -p | xargs -r kill -9 2>/dev/null || true
  if [[ $keep -eq 1 ]]; then echo "crash_loop: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/acks"

address=""
start_server() {
  : >"$work/server.log"
  "$server" --data-dir="$work/ledger" --listen=127.0.0.1:0 2>>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 600); do
    address=$(sed -n 's/.*serving on \([^ ,]*\).*/\1/p' "$work/server.log" | head -1)
    [[ -n $address ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "crash_loop: the server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
}

check() {
  if ! "$client" check --server="$address" --state-dir="$work/acks" --clients=4 \
      >"$work/check.log" 2>&1; then
    echo "crash_loop: after kill $1:" >&2
    cat "$work/check.log" >&2
    exit 1
  fi
}

started=$(date +%s)
for kill_number in $(seq "$kills"); do
  start_server
  [[ $kill_number -gt 1 ]] && check $((kill_number - 1))
  for c in 0 1 2 3; do
    "$client" load --server="$address" --state-dir="$work/acks" --client=$c \
      2>>"$work/clients.log" &
  done
  # A random moment 150-950 ms into the load (the clients need ~100 ms to
  # connect): mid-stream, mid-group, mid-sync.
  sleep "0.$(printf '%03d' $((150 + RANDOM % 800)))"
  kill -9 "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  for pid in $(jobs -p); do
    if ! wait "$pid"; then
      echo "crash_loop: a client failed in round $kill_number:" >&2
      cat "$work/clients.log" >&2
      exit 1
    fi
  done
done
start_server
check "$kills"
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
retried=$(grep -c "retried batch" "$work/clients.log" || true)
echo "crash_loop: $kills kills in $(($(date +%s) - started)) s;" \
  "$retried retries of a batch stored before the kill answered with its seqs;" \
  "$(cat "$work/check.log")"
