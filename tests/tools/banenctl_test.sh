#!/usr/bin/env bash
# banenctl against a real banen-ledgerd on a fresh store: --version,
# load-demo twice (the second stores nothing: fixed event ids), head, verify,
# a letter report, the monitor letter, a bad --view, an unknown command, and
# auth new-token's entry against sha256sum. Each step checks banenctl's exact
# output or exit code.
#   tests/tools/banenctl_test.sh --server=BANEN_LEDGERD --ctl=BANENCTL
set -euo pipefail
for arg in "$@"; do
  case $arg in
    --server=*) server=${arg#*=} ;;
    --ctl=*) ctl=${arg#*=} ;;
    *) echo "usage: $0 --server=BANEN_LEDGERD --ctl=BANENCTL" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "banenctl_test: $*" >&2; exit 1; }
expect_eq() { [[ $1 == "$2" ]] || fail "$3: expected \"$2\", got \"$1\""; }

expect_eq "$("$ctl" --version | head -1)" "banenctl $(
  "$server" --version | head -1 | cut -d' ' -f2)" "--version"

"$server" --data-dir="$work/ledger" --listen=127.0.0.1:0 2>"$work/server.log" &
server_pid=$!
address=""
for _ in $(seq 600); do
  address=$(sed -n 's/.*serving on \([^ ,]*\).*/\1/p' "$work/server.log" | head -1)
  [[ -n $address ]] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server did not start: $(cat "$work/server.log")"
  sleep 0.05
done
[[ -n $address ]] || fail "the server did not start in 30 s"
ctl() { "$ctl" --server="$address" "$@"; }

first=$(ctl load-demo)
[[ $first =~ ^demo:\ ([0-9]+)\ events\ stored,\ 0\ already\ there$ ]] ||
  fail "first load-demo: \"$first\""
stored=${BASH_REMATCH[1]}
(( stored > 0 )) || fail "first load-demo stored nothing"
expect_eq "$(ctl load-demo)" "demo: 0 events stored, $stored already there" \
  "second load-demo"
expect_eq "$(ctl head | head -1)" "seq $stored" "head"
ctl verify >"$work/verify.txt" || fail "verify failed: $(cat "$work/verify.txt")"
ctl report --quarter=2024Q4 --format=letter >"$work/letter.txt" ||
  fail "report failed"
grep -q "NATIONAAL" "$work/letter.txt" || fail "the letter has no NATIONAAL row"
ctl report --quarter=2024Q4 --view=monitor --format=letter >"$work/monitor.txt" ||
  fail "monitor report failed"
grep -q "^extra formal " "$work/monitor.txt" ||
  fail "the monitor letter has no extra formal row: $(cat "$work/monitor.txt")"
if ctl report --view=bogus 2>/dev/null; then fail "--view=bogus succeeded"; fi
if ctl frobnicate 2>"$work/unknown.txt"; then fail "an unknown command succeeded"; fi
grep -q 'unknown command "frobnicate"' "$work/unknown.txt" ||
  fail "unknown command: $(cat "$work/unknown.txt")"

# auth new-token: the digest in the printed entry is the SHA-256 of the
# printed token, and the token itself is not in the entry.
ctl auth new-token --principal=hr-acme --role=employer --scope=acme \
  >"$work/token.txt" || fail "auth new-token failed"
token=$(grep -v '^#' "$work/token.txt" | sed -n 1p)
entry=$(grep -v '^#' "$work/token.txt" | sed -n 2p)
[[ $token =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "new-token printed \"$token\""
digest=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
expect_eq "$entry" "principals { id: \"hr-acme\" role: ROLE_EMPLOYER employer_ids: \"acme\" token_sha256: \"$digest\" }" \
  "new-token entry"
echo "banenctl_test: passed ($stored demo events)"
