# Sourced (bash) by the tests that run banen-ledgerd as a process.
#
# start_ledgerd LOG COMMAND...: runs COMMAND (the server and its flags) in
# the background with its stderr in LOG and waits up to 30 s for its start
# line; sets server_pid, and address to the host:port it serves on. Returns
# 1, saying why on stderr, if the server exits or does not start in time.
start_ledgerd() {
  local log=$1
  shift
  "$@" 2>"$log" &
  server_pid=$!
  address=""
  for _ in $(seq 600); do
    address=$(sed -n 's/.*serving on \([^ ,]*\).*/\1/p' "$log" | head -1)
    [[ -n $address ]] && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the server did not start: $(cat "$log")" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "the server did not start in 30 s" >&2
  return 1
}
