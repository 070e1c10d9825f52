#!/usr/bin/env bash
# scripts/clang_tidy.sh [BUILD_DIR]: clang-tidy-16 (.clang-tidy, warnings are
# errors) over the project's library, program and benchmark sources, with the
# compile commands of BUILD_DIR (default build-asan, the clang build that
# scripts/test.sh makes first: the generated protobuf headers must exist).
# Generated code, system headers and the tests are not checked: every source
# costs 30-50 s of CPU (the matchers walk the gRPC and protobuf headers too),
# so the tests (half the sources) would double the test command's share.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-asan}
mapfile -t sources < <(python3 - "$PWD" "$dir/compile_commands.json" <<'PY'
import json, sys
root, db = sys.argv[1], sys.argv[2]
layers = ("ledger", "projections", "services", "tools", "bench")
for f in sorted({c["file"] for c in json.load(open(db))}):
    if f.startswith(root + "/") and f[len(root) + 1:].split("/")[0] in layers:
        print(f)
PY
)
echo "clang-tidy: ${#sources[@]} sources"
run-clang-tidy-16 -p "$dir" -j 2 -quiet "${sources[@]}" >"$dir/clang-tidy.log" 2>&1 || {
  grep -E "(error|warning):" "$dir/clang-tidy.log" | sort -u >&2
  echo "clang-tidy: FAILED (full output in $dir/clang-tidy.log)" >&2
  exit 1
}
