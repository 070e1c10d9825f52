#!/usr/bin/env bash
# Issue 15's "ingest at a 10 M store within 10 % of ingest at an empty
# store", measured on banen-ledgerd as it is deployed: every ingest is served
# by a fresh server process. (grpc_ingest_bench --store hosts its servers one
# after another in its own process, whose heap the earlier ones have warmed:
# its empty-store ingests ran 10-20 % faster there.)
#
#   bench/server_rounds.sh --store=PATH [--rounds=5] [--events=400000]
#                          [--settle=20] [--dir=/tmp/banen-server-rounds]
#                          [--build=build]
#
# Each round starts banen-ledgerd (synced, as deployed) on a copy of the
# store, waits until it serves, and has grpc_ingest_bench's client process
# stream --events events of the synthetic stream at it (4 streams, batches of
# 1000, the stream's next events each round, so that they are new to the
# store); then the same at a fresh empty store, in a fresh process. The two
# take turns going first. It prints each round's rates and ratio, the
# server's start time and RSS at the store, and the median ratio. The copy
# (bench/link_copy.sh) and the empty stores are removed at the end.
#
# Each server starts --settle seconds after the last one stopped. On a VM
# whose balloon driver reports free memory to the host (free page reporting),
# a page the host has taken back costs a fault on the host at its first
# touch: some 2 ms a 2 MB page on the 2-core VM, ten times a page it still
# holds. Started at once, an empty-store server ran on the memory its
# predecessor had just freed, while a server at the store, having taken 1 GB
# at its start, ingested into memory the host had taken back: its ingest
# cleared pages in 13.6 % of its CPU samples, the empty store's in 1.2 %
# (perf, the same 400,000 events and ~190 huge-page faults each). Six
# seconds were not enough after a server at the store had freed its 1.4 GB:
# the empty store's server that followed took 0.35 s of system CPU for
# 1,000,000 events, the next one 1.28 s (session 44); after 20 s every one
# took 1.4-1.5 s. So each round also prints the servers' user and system
# CPU seconds of the ingest (/proc/PID/stat): the user CPU is the ledger's
# own work, the system CPU mostly the kernel clearing the pages it takes,
# and the median ratio of the user CPU is printed beside that of the rates.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/ledgerd.sh

store=
rounds=5
events=400000
settle=20
dir=/tmp/banen-server-rounds
build=build
for arg in "$@"; do
  case "$arg" in
    --store=*) store="${arg#*=}" ;;
    --rounds=*) rounds="${arg#*=}" ;;
    --events=*) events="${arg#*=}" ;;
    --settle=*) settle="${arg#*=}" ;;
    --dir=*) dir="${arg#*=}" ;;
    --build=*) build="${arg#*=}" ;;
    *)
      echo "usage: $0 --store=PATH [--rounds=N] [--events=N] [--settle=S]" \
        "[--dir=DIR] [--build=BUILD_DIR]" >&2
      exit 2
      ;;
  esac
done
require_store "$store"
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ && "$events" =~ ^[1-9][0-9]*$ &&
  "$settle" =~ ^[0-9]+$ ]] || ((events % 4 != 0)); then
  echo "$0: --rounds must be positive, --events a positive multiple of 4," \
    "--settle whole seconds" >&2
  exit 2
fi

cmake --build "$build" -j2 --target banen-ledgerd grpc_ingest_bench >/dev/null
server_binary="$build/services/banen-ledgerd"
client_binary="$build/bench/grpc_ingest_bench"

server_pid=
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
rm -rf "$dir"
mkdir -p "$dir"
source bench/link_copy.sh
link_copy "$store" "$dir/at-store"

# run DATA_DIR SKIP: one fresh server on DATA_DIR, one ingest from SKIP into
# the stream. Sets rate (events/s), start_seconds, rss_start_mb,
# rss_ingest_mb, and user_s and system_s: the server's CPU seconds of the
# ingest.
run() {
  local data_dir=$1 skip=$2
  sleep "$settle"
  start_ledgerd "$server_binary" "$data_dir" "$dir/server.log"
  rss_start_mb=$(resident_mb "$server_pid")
  local acked seconds user_ticks system_ticks
  read -r user_ticks system_ticks < <(cpu_ticks "$server_pid")
  read -r acked seconds < <("$client_binary" --client_target="$address" \
    --events="$events" --client_skip="$skip" --streams=4 --batch=1000 |
    tail -n 1)
  rss_ingest_mb=$(resident_mb "$server_pid")
  read -r user_s system_s < <(cpu_ticks "$server_pid" |
    awk -v u="$user_ticks" -v s="$system_ticks" -v hz="$(getconf CLK_TCK)" \
      '{printf "%.2f %.2f\n", ($1 - u) / hz, ($2 - s) / hz}')
  kill "$server_pid"
  wait "$server_pid" || true
  server_pid=
  if ((acked != events)); then
    echo "$0: $acked of $events events acknowledged at $data_dir" >&2
    exit 1
  fi
  rate=$(awk -v n="$acked" -v s="$seconds" 'BEGIN {print n / s}')
}

echo "server_rounds: $rounds rounds of $events events, fresh banen-ledgerd" \
  "processes started $settle s apart; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
ratios=()
cpu_ratios=()
# median: the median of the numbers on stdin.
median() {
  sort -g | awk '{v[NR] = $1}
    END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
for ((round = 0; round < rounds; round++)); do
  for turn in 0 1; do
    if (((round + turn) % 2 == 0)); then
      run "$dir/at-store" $((round * events))
      store_rate=$rate
      store_user_s=$user_s
      store_system_s=$system_s
      printf "round %d: at the store start %.2f s, RSS %d MB after it, %d MB" \
        "$((round + 1))" "$start_seconds" "$rss_start_mb" "$rss_ingest_mb"
      printf " after the ingest\n"
    else
      run "$dir/empty-$round" 0
      empty_rate=$rate
      empty_user_s=$user_s
      empty_system_s=$system_s
      rm -rf "$dir/empty-$round"
    fi
  done
  ratio=$(awk -v a="$store_rate" -v b="$empty_rate" 'BEGIN {print a / b}')
  ratios+=("$ratio")
  # The rates' ratio for the user CPU: empty store / at the store.
  cpu_ratio=$(awk -v a="$store_user_s" -v b="$empty_user_s" \
    'BEGIN {print b / a}')
  cpu_ratios+=("$cpu_ratio")
  printf "round %d: empty %.0f, at the store %.0f events/s, ratio %.3f;" \
    "$((round + 1))" "$empty_rate" "$store_rate" "$ratio"
  printf " server CPU user/system: empty %s/%s s, at the store %s/%s s," \
    "$empty_user_s" "$empty_system_s" "$store_user_s" "$store_system_s"
  printf " user ratio %.3f\n" "$cpu_ratio"
done
printf "ratio at the store / empty store, median of %d rounds: %.2f" \
  "$rounds" "$(printf "%s\n" "${ratios[@]}" | median)"
printf " (issue 15: >= 0.9); by the user CPU %.2f; load %s\n" \
  "$(printf "%s\n" "${cpu_ratios[@]}" | median)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
