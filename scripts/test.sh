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
# (scripts/clang_tidy.sh, about 4 minutes on two cores). Then each fuzz
# target runs for 30 s. Each phase prints its wall time, so a slow CI run
# shows where the time went.
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

# Its few tests: the precompiled test header (tests/CMakeLists.txt) would
# cost gcc more to build than it saves them.
cmake --preset release -DBANEN_BUILD_BENCHMARKS=OFF -DBANEN_TEST_PCH=OFF >/dev/null
cmake --build build -j2 --target release_checks
phase_done "release build"
(cd build && ctest --output-on-failure -j2 -L release_only)
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
