#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, checks the formatting, builds twice and
# runs the tests in each build: the optimised build (gcc, `release` preset,
# build/) runs every test; then the `asan` preset (clang-16, ASan + UBSan,
# build-asan/), whose compile also checks the thread-safety annotations
# (-Wthread-safety -Werror) and builds the libFuzzer targets, runs all but the
# tests labelled release_only (tests/CMakeLists.txt says which and why).
# clang-tidy-16 checks the sources with that build's compile commands
# (scripts/clang_tidy.sh, about 3 minutes on two cores). Then each fuzz
# target for 30 s from that build. Benchmarks are compiled only in the asan
# build (warnings, thread safety); running them is not a test. Each phase
# prints its wall time, so a slow CI run shows where the time went.
set -euo pipefail
cd "$(dirname "$0")/.."
phase_started=$SECONDS
phase_done() {
  echo "test.sh: $1 took $((SECONDS - phase_started)) s" >&2
  phase_started=$SECONDS
}
scripts/setup.sh
phase_done set-up

# Google style (.clang-format), Debian's default clang-format.
git ls-files -z '*.cc' '*.h' | xargs -0 clang-format --dry-run --Werror
phase_done clang-format

cmake --preset release -DBANEN_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build -j2
phase_done "release build"
(cd build && ctest --output-on-failure -j2)
phase_done "release tests"

cmake --preset asan >/dev/null
cmake --build build-asan -j2
phase_done "asan build"
scripts/clang_tidy.sh build-asan
phase_done clang-tidy
(cd build-asan && ctest --output-on-failure -j2 -LE release_only)
phase_done "asan tests"

scripts/fuzz.sh --seconds=30
phase_done fuzzing
