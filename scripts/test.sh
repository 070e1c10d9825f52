#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds, and runs every test twice: in the
# optimised build, and again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Then, with clang: the thread-safety analysis over every source, and each
# fuzz target for 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

scripts/build.sh build
(cd build && ctest --output-on-failure -j2)

scripts/build.sh build-asan -DBANEN_SANITIZE=address -DBANEN_BUILD_BENCHMARKS=OFF
(cd build-asan && ctest --output-on-failure -j2)

scripts/thread_safety.sh
scripts/fuzz.sh --seconds=30
