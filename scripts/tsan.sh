#!/usr/bin/env bash
# scripts/tsan.sh [--all]: builds the `tsan` preset (clang-16, TSan,
# build-tsan/) and runs tests under it; a race TSan reports fails the test
# (TSan's exit code 66).
#
# By default the short version scripts/test.sh runs: the tests whose threads
# meet in the ledger's write path and the projector (concurrent appends and
# retries, group commit, the tree and delta threads, the replay's reader
# thread of an open, a failing disk, the projector's tail and checkpoint
# threads, the figures' threads taking blocks of persons) and over gRPC
# (Append streams with batches in flight, a client's retry while its first
# try is in its sync, the unary appends, a follower's stream) and the
# server's watcher (health, the release of freed memory), each program
# as one process, with
# tsan_absl_sync_test and tsan_grpc_handoff_test, which show that TSan sees
# abseil's waits and gRPC's hand-over of a stream's batches
# (tests/tsan_absl_sync.cc, tests/tsan_grpc_handoff.cc) and still reports a
# real race.
# --all: every test of tests/ledger, tests/projections, tests/services and
# tests/tools, one process per case (banen-ledgerd and banenctl, which some
# run as children, are linked with the same two files in this build).
set -euo pipefail
cd "$(dirname "$0")/.."

all=false
for arg in "$@"; do
  case $arg in
    --all) all=true ;;
    *) echo "usage: scripts/tsan.sh [--all]" >&2; exit 2 ;;
  esac
done

short_tests=(tsan_absl_sync_test tsan_grpc_handoff_test concurrent_append_test
             failing_disk_test projector_test figures_test append_stream_test
             concurrent_retry_test ledger_service_test replica_test
             append_memtable_test chain_test ledger_server_test)
dir=build-tsan
cmake --preset tsan >/dev/null
if symbolizer=$(scripts/symbolizer.sh); then
  export TSAN_OPTIONS="external_symbolizer_path=$symbolizer ${TSAN_OPTIONS:-}"
fi
# run_one <program>: runs a test program of build-tsan as one process.
run_one() {
  local program log
  program=$(find build-tsan/tests -name "$1" -type f -executable | head -1)
  log=build-tsan/$1.log
  if "$program" >"$log" 2>&1; then
    echo "tsan: $1 passed ($(grep -Eo '[0-9]+ tests? from [0-9]+ test suites? ran' "$log"))"
  else
    cat "$log"
    echo "tsan: $1 FAILED (log: $log)"
    return 1
  fi
}
export -f run_one

if $all; then
  cmake --build "$dir" -j2 --target tsan_absl_sync_test tsan_grpc_handoff_test
  run_one tsan_absl_sync_test
  run_one tsan_grpc_handoff_test
  for tests in tests/ledger tests/projections tests/services tests/tools; do
    make -C "$dir/$tests" -j2 >/dev/null
    ctest --test-dir "$dir/$tests" --output-on-failure -j2 -LE release_only
  done
  exit
fi

cmake --build "$dir" -j2 --target "${short_tests[@]}"
# Each program as one process, two at a time: a process per test case, as
# ctest runs them, costs TSan's start-up each time.
printf '%s\n' "${short_tests[@]}" | xargs -P 2 -I{} bash -c 'run_one {}'
