#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, checks the formatting, builds twice and
# runs every test in each build: the optimised build (gcc, `release` preset,
# build/), then the `asan` preset (clang-16, ASan + UBSan, build-asan/), whose
# compile also checks the thread-safety annotations (-Wthread-safety -Werror)
# and builds the libFuzzer targets; clang-tidy-16 checks the sources with
# that build's compile commands (scripts/clang_tidy.sh, about 2 minutes on
# two cores). Then each fuzz target for 30 s from that build. Benchmarks are
# compiled only in the asan build (warnings, thread safety); running them is
# not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# Google style (.clang-format), Debian's default clang-format.
git ls-files -z '*.cc' '*.h' | xargs -0 clang-format --dry-run --Werror

cmake --preset release -DBANEN_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build -j2
(cd build && ctest --output-on-failure -j2)

cmake --preset asan >/dev/null
cmake --build build-asan -j2
scripts/clang_tidy.sh build-asan
(cd build-asan && ctest --output-on-failure -j2)

scripts/fuzz.sh --seconds=30
