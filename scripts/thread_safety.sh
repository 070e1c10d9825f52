#!/usr/bin/env bash
# Checks clang's thread-safety analysis (-Wthread-safety -Werror: the
# ABSL_GUARDED_BY / ABSL_*LOCKS_REQUIRED annotations) over every source of
# the project. The fuzz build (scripts/fuzz.sh) compiles the libraries and
# the fuzz targets with it already; this runs `clang -fsyntax-only` with the
# same flags over the rest of compile_commands.json (programs, tests,
# benchmarks). Generated protobuf code is left out.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-fuzz
scripts/fuzz.sh --build-only

# The sources the fuzz build compiled: every compile command of its `fuzzers`
# target, printed without running (-n) as if all were stale (-B).
cmake --build "$dir" --target fuzzers -- -n -B 2>/dev/null |
  grep -o ' -c /[^ ]*' | sed 's/^ -c //' | sort -u >"$dir/fuzz_sources.txt"

python3 - "$PWD" "$dir" <<'PY'
import concurrent.futures, json, os, shlex, subprocess, sys

root, build = sys.argv[1], os.path.join(sys.argv[1], sys.argv[2])
compiled = set(open(os.path.join(build, "fuzz_sources.txt")).read().split())
commands = [
    c for c in json.load(open(os.path.join(build, "compile_commands.json")))
    if c["file"].startswith(root + "/") and not c["file"].startswith(build + "/")
    and c["file"] not in compiled
]

def check(command):
    args = shlex.split(command["command"])
    out = args.index("-o")
    del args[out:out + 2]
    # Code generation and instrumentation are not needed to analyse.
    args = [a for a in args if not a.startswith(("-fsanitize", "-O", "-g"))]
    args += ["-fsyntax-only", "-Wthread-safety", "-Werror"]
    run = subprocess.run(args, cwd=command["directory"], capture_output=True,
                         text=True)
    return command["file"], run.returncode, run.stderr

failed = 0
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    for path, code, stderr in pool.map(check, commands):
        if code != 0:
            failed += 1
            sys.stderr.write(stderr)
print(f"thread-safety: {len(compiled)} sources checked by the fuzz build, "
      f"{len(commands)} by -fsyntax-only, {failed} failed")
sys.exit(1 if failed else 0)
PY
