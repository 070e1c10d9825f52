#!/usr/bin/env bash
# scripts/fuzz.sh [--seconds=N | --build-only]: builds the libFuzzer targets
# of tests/fuzz in the `asan` preset's tree (build-asan/: clang-16, ASan +
# UBSan, the same tree scripts/test.sh tests in, so after it nothing is
# rebuilt) and runs each for N seconds (default 30) on a copy of its seed
# corpus, which replays the committed regression inputs first; two targets at
# a time, one per core. Fails if any target crashes, leaks, times out or
# makes a sanitizer report; the input that caused it is left in
# build-asan/artifacts/<target>/ (reproduce: build-asan/tests/fuzz/<target>
# FILE).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=30
build_only=false
for arg in "$@"; do
  case $arg in
    --seconds=*) seconds=${arg#--seconds=} ;;
    --build-only) build_only=true ;;
    *) echo "usage: scripts/fuzz.sh [--seconds=N | --build-only]" >&2; exit 2 ;;
  esac
done

dir=build-asan
cmake --preset asan >/dev/null
cmake --build "$dir" --target fuzzers -j2
$build_only && exit 0

# fuzz_one <target>: runs one target for $seconds on its corpus copy.
fuzz_one() {
  local target=$1
  local corpus=$dir/corpus/$target artifacts=$dir/artifacts/$target
  local log=$dir/$target.log dict=()
  rm -rf "$corpus" && mkdir -p "$corpus" "$artifacts"
  cp tests/fuzz/corpus/$target/* "$corpus"/
  [[ -f tests/fuzz/$target.dict ]] && dict=(-dict=tests/fuzz/$target.dict)
  echo "fuzz: $target for ${seconds}s"
  if ! "$dir/tests/fuzz/$target" "$corpus" "${dict[@]}" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: $target FAILED; input in $artifacts/" >&2
    return 1
  fi
  # The last status line ("#N DONE cov: C ft: F corp: ...") and the rate.
  grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 | sed "s/^/fuzz: $target /"
  grep -E 'stat::average_exec_per_sec' "$log" | sed "s/^/fuzz: $target /"
}

# A libFuzzer run is one process on one core: two at a time, one per core,
# so each still has a whole core for its $seconds.
jobs=0
failed=0
for target in stored_event_fuzzer event_file_fuzzer realisation_fuzzer \
              state_checkpoint_fuzzer; do
  if ((jobs == 2)); then
    wait -n || failed=1
    jobs=$((jobs - 1))
  fi
  fuzz_one "$target" &
  jobs=$((jobs + 1))
done
while ((jobs > 0)); do
  wait -n || failed=1
  jobs=$((jobs - 1))
done
exit $failed
