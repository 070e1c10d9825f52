#!/usr/bin/env bash
# Installs the Debian 12 packages the project builds, tests and runs with.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache
  librocksdb-dev libssl-dev
  libsodium-dev  # Ed25519 signed heads (ledger/signed_note.h)
  libprotobuf-dev protobuf-compiler
  libgrpc++-dev protobuf-compiler-grpc
  libabsl-dev
  libgtest-dev libgmock-dev
  python3-grpcio python3-protobuf
  libcivetweb-dev  # banen-ledgerd --metrics-listen (services/metrics_http.cc)
  libsimdjson-dev  # banenctl import's NDJSON parsing (tools/event_file.cc)
  libgoogle-perftools-dev  # tcmalloc for the server, banenctl and benchmarks (CMakeLists.txt)
  python3-prometheus-client  # tests/python/metrics_test.py parses a scrape
  python3-nacl  # tests/python/verify_test.py checks signed heads with Ed25519
  clang-16 libclang-rt-16-dev  # the asan preset: ASan, libFuzzer, -Wthread-safety
  lld-16  # ... and its linker: a test program links in a third of GNU ld's CPU time
  clang-tidy-16 clang-format  # scripts/clang_tidy.sh; the format check of scripts/test.sh
  chromium  # tests render banenctl's HTML report in headless Chromium
  libpng-dev  # ... and read its screenshot (tests/tools/html_report_test.cc)
  dpkg-dev file lintian  # the .deb: cpack's dpkg-shlibdeps, lintian (tests/deploy)
  systemd  # systemd-analyze checks the installed unit (tests/deploy/install_test.sh)
  python3-yaml  # tests/deploy/deploy_files_test.py parses deploy/kubernetes
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
