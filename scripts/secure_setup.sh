#!/usr/bin/env bash
# The secure set-up of README "Secure set-up, end to end", as commands that
# run: a CA and a server certificate made with openssl, tokens made with
# banenctl, banen-ledgerd serving TLS with an auth config, a steward, UWV and
# an employer each importing their own events, a reader reporting, and the
# calls the server must refuse. tests/tools/secure_setup_test runs it.
#   scripts/secure_setup.sh [--build=build] [--dir=DIR (default: a temp dir)]
set -euo pipefail
build=build
dir=""
for arg in "$@"; do
  case $arg in
    --build=*) build=${arg#*=} ;;
    --dir=*) dir=${arg#*=} ;;
    *) echo "usage: $0 [--build=build] [--dir=DIR]" >&2; exit 2 ;;
  esac
done
ledgerd=$build/services/banen-ledgerd
banenctl=$build/tools/banenctl
own_dir=""
if [[ -z $dir ]]; then
  dir=$(mktemp -d)
  own_dir=1
fi
server_pid=""
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" && wait "$server_pid" || true; fi
  if [[ -n $own_dir ]]; then rm -rf "$dir"; fi
}
trap cleanup EXIT
fail() { echo "secure_setup: $*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }

step "1. A CA, and a certificate for the server signed by it"
pki=$dir/pki
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -days 30 -subj "/CN=banen example CA" \
  -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=localhost" -keyout "$pki/server.key" -out "$pki/server.csr" \
  2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$pki/server.ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
  -CAcreateserial -days 30 -extfile "$pki/server.ext" \
  -out "$pki/server.pem" 2>/dev/null
echo "ca.pem, server.pem, server.key in $pki"

step "2. A token per principal; the auth config holds only their SHA-256"
: >"$dir/auth.textproto"
new_token() {  # ID ROLE [SCOPE]
  local scope=()
  [[ $# -eq 3 ]] && scope=(--scope="$3")
  "$banenctl" auth new-token --principal="$1" --role="$2" "${scope[@]}" \
    >"$dir/$1.out"
  sed -n 2p "$dir/$1.out" >"$dir/$1.token"  # the secret: to the client only
  tail -n +4 "$dir/$1.out" >>"$dir/auth.textproto"
  rm "$dir/$1.out"
}
new_token minszw steward
new_token uwv register
new_token hr-acme employer acme
new_token cbs reader
grep -c '^principals' "$dir/auth.textproto" | sed 's/$/ principals in auth.textproto/'

step "3. banen-ledgerd with TLS and the auth config"
"$ledgerd" --data-dir="$dir/data" --listen=127.0.0.1:0 \
  --tls-cert="$pki/server.pem" --tls-key="$pki/server.key" \
  --auth-config="$dir/auth.textproto" 2>"$dir/server.log" &
server_pid=$!
address=""
for _ in $(seq 600); do
  address=$(sed -n 's/.*serving on \([^ ,]*\).*/\1/p' "$dir/server.log" | head -1)
  [[ -n $address ]] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server did not start: $(cat "$dir/server.log")"
  sleep 0.05
done
[[ -n $address ]] || fail "the server did not start in 30 s"
grep 'serving on\|auth config' "$dir/server.log"
as() {  # PRINCIPAL banenctl-arguments...: a call with that principal's token
  local principal=$1
  shift
  "$banenctl" --server="$address" --tls-ca="$pki/ca.pem" \
    --token-file="$dir/$principal.token" "$@"
}

step "4. Each writer imports its own events"
cat >"$dir/minszw.ndjson" <<'EOF'
{"event_id":"reg-acme","effective_date":"2024-01-01","employer_registered":{"employer_id":"acme","name":"Acme BV","sector":"SECTOR_MARKT"}}
{"event_id":"reg-beta","effective_date":"2024-01-01","employer_registered":{"employer_id":"beta","name":"Beta BV","sector":"SECTOR_MARKT"}}
EOF
cat >"$dir/uwv.ndjson" <<'EOF'
{"event_id":"reg-p1","effective_date":"2024-01-01","person_registered":{"person_ref":"p3f9a0c2d4e5b6a71"}}
EOF
cat >"$dir/hr-acme.ndjson" <<'EOF'
{"event_id":"acme-start-1","effective_date":"2024-02-01","job_started":{"job_id":"acme-1","employer_id":"acme","person_ref":"p3f9a0c2d4e5b6a71","form":"CONTRACT_FORM_VAST","hours_per_week_x100":2550}}
EOF
as minszw import "$dir/minszw.ndjson"
as uwv import "$dir/uwv.ndjson"
as hr-acme import "$dir/hr-acme.ndjson"

step "5. The reader reports: one baan (25.5 hours a week) at Acme in markt"
as cbs report --quarter=2024Q4 --sectors=MARKT --view=sector |
  tee "$dir/report.txt"
grep -Eq '^MARKT +2024Q4 +1\.00 +1\.00 ' "$dir/report.txt" ||
  fail "the report does not hold Acme's 1.00 baan"

step "6. What the server refuses"
cat >"$dir/beta.ndjson" <<'EOF'
{"event_id":"beta-start-1","effective_date":"2024-02-01","job_started":{"job_id":"beta-1","employer_id":"beta","person_ref":"p3f9a0c2d4e5b6a71","form":"CONTRACT_FORM_VAST","hours_per_week_x100":2550}}
EOF
refused() {  # EXPECTED-TEXT PRINCIPAL banenctl-arguments...
  local expected=$1
  shift
  if as "$@" >"$dir/refused.txt" 2>&1; then fail "allowed: $*"; fi
  grep -q "$expected" "$dir/refused.txt" ||
    fail "$*: expected $expected, got $(cat "$dir/refused.txt")"
  echo "$* -> $(grep -o "$expected.*" "$dir/refused.txt" | head -1)"
}
refused "employer beta is outside the scope of principal hr-acme" \
  hr-acme import "$dir/beta.ndjson"
refused PERMISSION_DENIED cbs import "$dir/uwv.ndjson"
refused PERMISSION_DENIED cbs verify
printf 'not-a-token\n' >"$dir/stranger.token"
refused UNAUTHENTICATED stranger head
if "$banenctl" --server="$address" head >"$dir/refused.txt" 2>&1; then
  fail "a plaintext client was served"
fi
grep -q UNAVAILABLE "$dir/refused.txt" || fail "plaintext: $(cat "$dir/refused.txt")"
echo "plaintext head -> UNAVAILABLE"
