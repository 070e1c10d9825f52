# shellcheck shell=bash
# Sourced by bench/server_rounds.sh and bench/crash_restart.sh.
#
# require_store PATH: exits with a usage error unless PATH is a ledger
# store (a directory with CURRENT).
require_store() {
  if [[ -z "$1" || ! -f "$1/CURRENT" ]]; then
    echo "$0: --store must name a ledger store (a directory with CURRENT)" >&2
    exit 2
  fi
}

# start_ledgerd BINARY DATA_DIR LOG: starts banen-ledgerd on DATA_DIR, on a
# loopback port of its choosing, its log in LOG, and waits until it
# serves. Sets server_pid, address (host:port) and start_seconds (from the
# start until it serves); if the server stops first, prints its log and
# exits.
start_ledgerd() {
  local binary=$1 data_dir=$2 log=$3 started
  address=
  started=$(date +%s.%N)
  "$binary" --data_dir="$data_dir" --listen=127.0.0.1:0 >"$log" 2>&1 &
  server_pid=$!
  while [[ -z "$address" ]]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "$0: banen-ledgerd stopped:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.05
    address=$(sed -n 's/.*event=serving address=\([^ ]*\).*/\1/p' "$log")
  done
  # shellcheck disable=SC2034 # read by the scripts that source this one
  start_seconds=$(awk -v a="$started" -v b="$(date +%s.%N)" \
    'BEGIN {print b - a}')
}

# resident_mb PID: the process's resident memory in MB.
resident_mb() {
  echo $(($(awk '/VmRSS/ {print $2}' "/proc/$1/status") / 1024))
}

# cpu_ticks PID: the process's user and system CPU time so far, in clock
# ticks (getconf CLK_TCK a second), on one line.
cpu_ticks() {
  # Fields 14 and 15 of /proc/PID/stat, counted after the command's
  # parenthesized name, which may hold spaces.
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12, $13}'
}
