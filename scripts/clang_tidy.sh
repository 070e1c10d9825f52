#!/usr/bin/env bash
# scripts/clang_tidy.sh [BUILD_DIR]: clang-tidy-16 (.clang-tidy, warnings are
# errors) over the project's library, program and benchmark sources, with the
# compile commands of BUILD_DIR (default build-asan, the clang build that
# scripts/test.sh makes: the generated protobuf headers must exist).
#
# The sources of one target are checked as one translation unit that
# includes them all. Most of a source's cost is the headers it shares with
# the rest of its target (gRPC, protobuf, abseil): parsing them and walking
# them with every matcher cost 2-9 s and 3-15 s of CPU per source, against
# well under a second for the source itself. One unit per target pays that
# once per target, not once per source. The sources' own code is checked
# the same: .clang-tidy's HeaderFilterRegex names the .cc files too.
# Generated code, system headers and the tests are not checked.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-asan}
units="$dir/clang-tidy"
rm -rf "$units"
mkdir -p "$units"
python3 - "$PWD" "$dir/compile_commands.json" "$units" <<'PY'
import json, os, re, shlex, sys
root, db, units = sys.argv[1], sys.argv[2], sys.argv[3]
layers = ("ledger", "projections", "services", "tools", "bench")
# (directory, program, flags) -> sources, in the order of the database. A
# source with a main() is a unit of its own (program = its path), so that two
# programs built with the same flags are not one unit with two main()s.
groups = {}
for c in json.load(open(db)):
    f = c["file"]
    # A unity build (CMAKE_UNITY_BUILD) compiles CMake's files that include
    # a target's sources; those sources are what is checked.
    files = (re.findall(r'^#include "(.*)"$', open(f).read(), re.M)
             if "/Unity/unity_" in f else [f])
    files = [s for s in files if s.startswith(root + "/") and
             s[len(root) + 1:].split("/")[0] in layers]
    if not files:
        continue
    args = c.get("arguments") or shlex.split(c["command"])
    flags, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "-o":
            skip = True
        elif a not in ("-c", f):
            flags.append(a)
    for s in files:
        program = s if "int main(" in open(s).read() else ""
        sources = groups.setdefault((c["directory"], program, tuple(flags)),
                                    [])
        if s not in sources:
            sources.append(s)
commands = []
for n, ((directory, _, flags), sources) in enumerate(sorted(
        groups.items(), key=lambda g: g[1][0])):
    name = os.path.relpath(sources[0], root).replace("/", "_")
    unit = os.path.abspath(os.path.join(units, f"{n:02d}_{name}"))
    with open(unit, "w") as out:
        out.writelines(f'#include "{s}"\n' for s in sources)
    commands.append({"directory": directory, "file": unit,
                     "arguments": list(flags) + ["-c", unit]})
    print(f"clang-tidy: {unit}: {len(sources)} sources")
json.dump(commands, open(os.path.join(units, "compile_commands.json"), "w"),
          indent=1)
PY
# clang-tidy looks for .clang-tidy above each unit: for a BUILD_DIR outside
# the repository it would find none and check with its defaults, silently.
run-clang-tidy-16 -p "$units" -config-file="$PWD/.clang-tidy" -j 2 -quiet \
    >"$units/clang-tidy.log" 2>&1 || {
  grep -E "(error|warning):" "$units/clang-tidy.log" | sort -u >&2
  echo "clang-tidy: FAILED (full output in $units/clang-tidy.log)" >&2
  exit 1
}
echo "clang-tidy: no warnings"
