#!/usr/bin/env bash
# scripts/tsan.sh [--all]: builds the `tsan` preset (clang-16, TSan,
# build-tsan/) and runs tests under it; a race TSan reports fails the test
# (TSan's exit code 66).
#
# By default the short version scripts/test.sh runs: the tests whose threads
# meet in the ledger's write path and the projector (concurrent appends and
# retries, group commit, the tree and delta threads, a failing disk, the
# projector's tail and checkpoint threads, the figures' threads taking
# blocks of persons), each program as one process, and
# tsan_absl_sync_test, which shows that TSan sees abseil's waits
# (tests/tsan_absl_sync.cc) and still reports a real race.
# --all: every test of tests/ledger and tests/projections, one process per
# case. Not the services' and tools' tests: Debian's gRPC is not
# instrumented, and gRPC's own inline code in them (the call op sets, the
# reactors' std::functions) is reported racing with itself across gRPC's
# completion queues, which TSan cannot see.
set -euo pipefail
cd "$(dirname "$0")/.."

all=false
for arg in "$@"; do
  case $arg in
    --all) all=true ;;
    *) echo "usage: scripts/tsan.sh [--all]" >&2; exit 2 ;;
  esac
done

short_tests=(tsan_absl_sync_test concurrent_append_test failing_disk_test
             projector_test figures_test)
dir=build-tsan
cmake --preset tsan >/dev/null
# TSan reads reports' symbols with llvm-symbolizer when it has one.
if symbolizer=$(command -v llvm-symbolizer-16 || command -v llvm-symbolizer); then
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
  cmake --build "$dir" -j2 --target tsan_absl_sync_test
  run_one tsan_absl_sync_test
  for tests in tests/ledger tests/projections; do
    make -C "$dir/$tests" -j2 >/dev/null
    ctest --test-dir "$dir/$tests" --output-on-failure -j2 -LE release_only
  done
  exit
fi

cmake --build "$dir" -j2 --target "${short_tests[@]}"
# Each program as one process, two at a time: a process per test case, as
# ctest runs them, costs TSan's start-up each time.
printf '%s\n' "${short_tests[@]}" | xargs -P 2 -I{} bash -c 'run_one {}'
