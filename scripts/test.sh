#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, checks the formatting, builds twice and
# runs every test once. The optimised build (gcc, `release` preset, build/)
# builds only the tests labelled release_only and what they run (the
# release_checks target; tests/CMakeLists.txt says which and why: whole
# processes as shipped, Chromium, Python, memory bounds) and runs them. The
# `asan` preset (clang-16, ASan + UBSan, build-asan/) builds the rest, with
# -Werror and the thread-safety analysis (-Wthread-safety), and the libFuzzer
# targets, and runs every other test. clang-tidy-16 checks the sources, the
# benchmarks' included, with that build's compile commands
# (scripts/clang_tidy.sh). Then the fuzz targets run for 30 s each, two at a
# time (scripts/fuzz.sh), and last the concurrency tests in a TSan build
# (scripts/tsan.sh).
#
# CI has two cores and 30 minutes. Two pairs of phases overlap, because the
# first of each mostly waits (fsync, servers started and killed, Chromium,
# Python) and leaves a core idle:
#   release tests  alongside  the asan build,
#   asan tests     alongside  clang-tidy.
# The second of each, CPU-bound, runs under `nice -n 19`, so the tests get
# the CPU whenever they want it and see the timing they see alone; it gets
# what they leave. Each phase prints its wall time; an overlapped one prints
# its own, so a slow CI run still shows where the time went. A failure
# names its phase.
set -euo pipefail
cd "$(dirname "$0")/.."
phase=set-up
phase_started=$SECONDS
phase_done() {
  echo "test.sh: $1 took $((SECONDS - phase_started)) s" >&2
  phase_started=$SECONDS
}
on_exit() {
  local status=$?
  ((status == 0)) && return
  echo "test.sh: FAILED in phase: $phase" >&2
  # An overlapped phase still running is stopped with its test processes.
  local job
  for job in $(jobs -p); do pkill -P "$job" 2>/dev/null || true; kill "$job" 2>/dev/null || true; done
}
trap on_exit EXIT

# run_logged <name> <log> <command...>: runs the command with its output in
# <log> and prints "<name> took N s" when it ends; on failure also the log.
run_logged() {
  local name=$1 log=$2 started=$SECONDS
  shift 2
  if "$@" >"$log" 2>&1; then
    grep -E "tests passed|Total Test time" "$log" >&2 || true
    echo "test.sh: $name took $((SECONDS - started)) s (overlapped)" >&2
  else
    cat "$log" >&2
    echo "test.sh: $name FAILED after $((SECONDS - started)) s" >&2
    return 1
  fi
}

scripts/setup.sh
phase_done set-up

# Google style (.clang-format), Debian's default clang-format.
phase=clang-format
git ls-files -z '*.cc' '*.h' | xargs -0 clang-format --dry-run --Werror
phase_done clang-format

# Its few tests: the precompiled test header (tests/CMakeLists.txt) would
# cost gcc more to build than it saves them.
phase="release build"
cmake --preset release -DBANEN_BUILD_BENCHMARKS=OFF -DBANEN_TEST_PCH=OFF >/dev/null
cmake --build build -j2 --target release_checks
phase_done "release build"

phase="release tests + asan build"
cmake --preset asan >/dev/null
run_logged "release tests" build/release_tests.log \
  ctest --test-dir build --output-on-failure -j2 -L release_only &
release_tests=$!
nice -n 19 cmake --build build-asan -j2
phase_done "asan build"
phase="release tests"
wait "$release_tests"
phase_done "release tests (the rest after the asan build)"

phase="asan tests + clang-tidy"
# The reports of the ASan build (its tests and fuzz targets) name their
# frames.
if symbolizer=$(scripts/symbolizer.sh); then
  export ASAN_OPTIONS="external_symbolizer_path=$symbolizer ${ASAN_OPTIONS:-}"
  export UBSAN_OPTIONS="external_symbolizer_path=$symbolizer ${UBSAN_OPTIONS:-}"
fi
run_logged "asan tests" build-asan/asan_tests.log \
  ctest --test-dir build-asan --output-on-failure -j2 -LE release_only &
asan_tests=$!
nice -n 19 scripts/clang_tidy.sh build-asan
phase_done clang-tidy
phase="asan tests"
wait "$asan_tests"
phase_done "asan tests (the rest after clang-tidy)"

phase=fuzzing
scripts/fuzz.sh --seconds=30
phase_done fuzzing

phase=tsan
scripts/tsan.sh
phase_done tsan
