#!/usr/bin/env bash
# banenctl against a real banen-ledgerd on a fresh store: --version,
# load-demo twice (the second stores nothing: fixed event ids), head, verify,
# a letter report, the monitor letter, the 2024 quota (both regimes, and as
# HTML), the WBA_2026 realisation, a bad --view and --regime, an unknown command,
# auth new-token's entry against sha256sum, keys new (with the server taking
# its key), and the auditor's round trip (head --signed, verify --published,
# prove, snapshot rederive). Each step checks banenctl's exact output or
# exit code.
# Then banenctl over mTLS with a token (certificates by make_test_certs), and
# the clients a TLS server refuses.
#   tests/tools/banenctl_test.sh --server=BANEN_LEDGERD --ctl=BANENCTL \
#     --certs=MAKE_TEST_CERTS
set -euo pipefail
for arg in "$@"; do
  case $arg in
    --server=*) server=${arg#*=} ;;
    --ctl=*) ctl=${arg#*=} ;;
    --certs=*) certs=${arg#*=} ;;
    *) echo "usage: $0 --server=BANEN_LEDGERD --ctl=BANENCTL --certs=MAKE_TEST_CERTS" >&2; exit 2 ;;
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
  "$server" --version | head -1 | cut -d' ' -f2-)" "--version"

source "$(dirname "$0")/../ledgerd_process.sh"
# start_server NAME [FLAGS...]: banen-ledgerd on a fresh store
# $work/NAME on a free loopback port; sets $address once it serves.
start_server() {
  local name=$1
  shift
  start_ledgerd "$work/$name.log" "$server" --data-dir="$work/$name" \
    --listen=127.0.0.1:0 "$@" || fail "server $name"
}
stop_server() { kill "$server_pid" && wait "$server_pid"; server_pid=""; }

start_server ledger
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
# The demo's government employers report paid hours: the 2024 quota of
# OVERHEID has liable employers, under both regimes.
for regime in WFSV_2015 WBA_2026; do
  ctl report quota --year=2024 --sectors=OVERHEID --regime=$regime \
    >"$work/quota-$regime.txt" || fail "report quota --regime=$regime failed"
  grep -Eq "^OVERHEID +[0-9]+ +[1-9][0-9]* " "$work/quota-$regime.txt" ||
    fail "no liable OVERHEID employers: $(cat "$work/quota-$regime.txt")"
done
# The Wet banenafspraak's realisation of the same events: paid hours per
# sector and year, the one national target on NATIONAAL.
ctl report --quarter=2024Q4 --regime=WBA_2026 >"$work/wba.txt" ||
  fail "report --regime=WBA_2026 failed"
grep -q "^Realisation under WBA_2026 " "$work/wba.txt" ||
  fail "the WBA_2026 report's title: $(head -1 "$work/wba.txt")"
grep -Eq "^NATIONAAL +2024 +[0-9]+\.[0-9]{2} +[1-9][0-9]*\.[0-9]{2} " \
  "$work/wba.txt" || fail "no NATIONAAL 2024 banen: $(cat "$work/wba.txt")"
ctl report quota --year=2024 --format=html >"$work/quota.html" ||
  fail "report quota --format=html failed"
grep -q '<tr data-quota-sector="GEMEENTEN">' "$work/quota.html" ||
  fail "the quota page has no GEMEENTEN row"
if ctl report quota --regime=bogus 2>/dev/null; then
  fail "--regime=bogus succeeded"
fi
if ctl report --view=bogus 2>/dev/null; then fail "--view=bogus succeeded"; fi
if ctl frobnicate 2>"$work/unknown.txt"; then fail "an unknown command succeeded"; fi
grep -q 'unknown command "frobnicate"' "$work/unknown.txt" ||
  fail "unknown command: $(cat "$work/unknown.txt")"
stop_server

# Over mTLS with a token from a file and from $BANEN_TOKEN (the server has no
# auth config, so it ignores the token; the client library's tests check that
# it is sent), and the clients the server must refuse.
mkdir "$work/pki"
"$certs" "$work/pki" banenctl-test
start_server tls --tls-cert="$work/pki/server.pem" \
  --tls-key="$work/pki/server.key" --client-ca="$work/pki/ca.pem"
grep -q "(TLS, client certificates required)" "$work/tls.log" ||
  fail "the TLS server's start line: $(cat "$work/tls.log")"
tls=(--tls-ca="$work/pki/ca.pem" --tls-cert="$work/pki/client.pem"
     --tls-key="$work/pki/client.key")
printf 'token-from-a-file\n' >"$work/token"
expect_eq "$(ctl "${tls[@]}" --token-file="$work/token" head | head -1)" \
  "seq 0" "head over mTLS with --token-file"
expect_eq "$(BANEN_TOKEN=token-from-env ctl "${tls[@]}" head | head -1)" \
  "seq 0" "head over mTLS with BANEN_TOKEN"
if ctl head 2>"$work/plaintext.txt"; then
  fail "a plaintext client was served by the TLS server"
fi
grep -q "^banenctl: UNAVAILABLE" "$work/plaintext.txt" ||
  fail "plaintext client: $(cat "$work/plaintext.txt")"
if ctl --tls-ca="$work/pki/ca.pem" head 2>"$work/nocert.txt"; then
  fail "a client without a certificate was served under mTLS"
fi
grep -q "^banenctl: UNAVAILABLE" "$work/nocert.txt" ||
  fail "client without a certificate: $(cat "$work/nocert.txt")"
printf 'secret-half other-half\n' >"$work/bad-token"
if ctl "${tls[@]}" --token-file="$work/bad-token" head 2>"$work/bad.txt"; then
  fail "a token with a space was sent"
fi
grep -q "^banenctl: INVALID_ARGUMENT: the token holds a space" "$work/bad.txt" ||
  fail "bad token: $(cat "$work/bad.txt")"
if grep -q "secret-half" "$work/bad.txt"; then fail "the error shows the token"; fi
if ctl --token-file="$work/missing" head 2>"$work/missing.txt"; then
  fail "a missing token file was ignored"
fi
grep -q "^banenctl: NOT_FOUND: --token-file=$work/missing: cannot read" \
  "$work/missing.txt" || fail "missing token file: $(cat "$work/missing.txt")"
echo "banenctl_test: passed ($stored demo events; mTLS with a token)"
stop_server

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

# keys new: the signer key alone in a new file of mode 0600; the verifier key
# on stdout, its key id the first 4 bytes of SHA-256(name "\n" 0x01 key);
# never over an existing file. banen-ledgerd --signing-key takes the file and
# names the verifier key it signs with.
vkey=$(ctl keys new --name=banen.example/ledger --out="$work/signer.key" \
  2>/dev/null) || fail "keys new failed"
[[ $vkey =~ ^banen\.example/ledger\+([0-9a-f]{8})\+(A[A-Za-z0-9+/]{43})$ ]] ||
  fail "keys new printed \"$vkey\""
key_id=${BASH_REMATCH[1]}
expect_eq "$({ printf 'banen.example/ledger\n'; base64 -d <<<"${BASH_REMATCH[2]}"; } |
  sha256sum | cut -c1-8)" "$key_id" "key id"
expect_eq "$(stat -c %a "$work/signer.key")" 600 "signer key file mode"
grep -Eq "^PRIVATE\+KEY\+banen\.example/ledger\+$key_id\+A[A-Za-z0-9+/]{43}\$" \
  "$work/signer.key" || fail "signer key file: $(wc -c <"$work/signer.key") bytes"
cp "$work/signer.key" "$work/signer.copy"
if ctl keys new --name=other --out="$work/signer.key" 2>"$work/again.txt"; then
  fail "keys new overwrote a key"
fi
grep -q "ALREADY_EXISTS: --out=$work/signer.key: exists, not overwritten" \
  "$work/again.txt" || fail "keys new again: $(cat "$work/again.txt")"
cmp -s "$work/signer.key" "$work/signer.copy" || fail "the key file changed"
start_server signed --signing-key="$work/signer.key"
grep -qF "verifier_key=$vkey msg=\"signing heads as $vkey\"" "$work/signed.log" ||
  fail "the server does not name its verifier key: $(cat "$work/signed.log")"
grep -q "event=signing_key_readable" "$work/signed.log" &&
  fail "a 0600 key file is warned about: $(cat "$work/signed.log")"

# The auditor's round trip: publish signed heads, verify the log against
# them, prove an event under one, re-derive a snapshot; then a head signed
# with another key is refused, naming it.
ctl load-demo >/dev/null
ctl head --signed --tree-size=7 >"$work/published.txt"
ctl head --signed >>"$work/published.txt"
ctl head --signed >"$work/current.head"
sed -n 1p "$work/current.head" | grep -qx "banen.example/ledger" ||
  fail "signed head: $(cat "$work/current.head")"
expect_eq "$(sed -n 2p "$work/current.head")" "$stored" "signed head's tree size"
ctl verify --published="$work/published.txt" --verifier-key="$vkey" \
  >"$work/verify.txt" || fail "verify --published: $(cat "$work/verify.txt")"
grep -q "^2 published heads are prefixes of the current head (tree size $stored, root [0-9a-f]\{64\}, signed by banen.example/ledger); chain and Merkle root of $stored events recomputed here\$" \
  "$work/verify.txt" || fail "verify --published printed $(cat "$work/verify.txt")"
ctl prove --event-id=demo-hire-1 --head="$work/current.head" \
  --verifier-key="$vkey" >"$work/prove.txt" || fail "prove: $(cat "$work/prove.txt")"
grep -q "^event demo-hire-1 (seq [0-9]*) is in the tree of size $stored with root [0-9a-f]\{64\}, signed by banen.example/ledger\$" \
  "$work/prove.txt" || fail "prove printed $(cat "$work/prove.txt")"
snapshot=$(ctl snapshot create --quarter=2024Q4)
ctl snapshot rederive "$snapshot" --verifier-key="$vkey" >"$work/rederive.txt" ||
  fail "snapshot rederive: $(cat "$work/rederive.txt")"
grep -q "^snapshot $snapshot re-derived here: [1-9][0-9]* rows equal the events up to seq $stored; chain recomputed; signed head, its chain hash and Merkle root checked\$" \
  "$work/rederive.txt" || fail "rederive printed $(cat "$work/rederive.txt")"
other=$(ctl keys new --name=banen.example/ledger --out="$work/other.key" 2>/dev/null)
if ctl verify --published="$work/published.txt" --verifier-key="$other" \
  2>"$work/other.txt"; then
  fail "verify --published accepted heads signed with another key"
fi
grep -q "DATA_LOSS: published head 1: " "$work/other.txt" ||
  fail "verify with another key: $(cat "$work/other.txt")"
stop_server
chmod 640 "$work/signer.key"
start_server readable --signing-key="$work/signer.key"
grep -q "level=warning event=signing_key_readable path=$work/signer.key mode=0640 msg=\"--signing-key=$work/signer.key has mode 0640" \
  "$work/readable.log" || fail "no warning of a readable key file"
stop_server
echo "banenctl_test: passed ($stored demo events)"
