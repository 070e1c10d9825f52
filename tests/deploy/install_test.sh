#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then the installed programs as
# an operator runs them: the unit passes `systemd-analyze verify` and its
# hardening scores at most 2.0 exposure (`systemd-analyze security`, 0 best,
# 10 worst); banen-ledgerd starts with the flags of the installed example
# config (ports 0, the backup directory in the prefix), `banenctl health`
# says SERVING and `banenctl head` answers; SIGTERM closes the store.
#   tests/deploy/install_test.sh CMAKE BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/../ledgerd_process.sh"
cmake=$1
build=$2
work=$(mktemp -d)
server_pid=""
trap '[[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

prefix=$work/prefix
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" ||
  fail "cmake --install failed: $(cat "$work/install.log")"
for file in bin/banen-ledgerd bin/banenctl lib/systemd/system/banen-ledgerd.service \
    etc/banen/ledgerd.conf share/doc/banen/copyright share/doc/banen/changelog.gz; do
  [[ -f $prefix/$file ]] || fail "not installed: $file"
done

unit=$prefix/lib/systemd/system/banen-ledgerd.service
grep -qx "ExecStart=$prefix/bin/banen-ledgerd --data-dir=/var/lib/banen-ledger \$BANEN_LEDGERD_FLAGS" "$unit" ||
  fail "the unit does not start the installed program: $(grep ExecStart "$unit")"
grep -qx "EnvironmentFile=$prefix/etc/banen/ledgerd.conf" "$unit" ||
  fail "the unit does not read the installed config"
verify=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $verify"
[[ -z $verify ]] || fail "systemd-analyze verify: $verify"
systemd-analyze security --offline=true --threshold=20 "$unit" >"$work/security.txt" 2>&1 ||
  fail "the unit's exposure is above 2.0: $(tail -1 "$work/security.txt")"

# The config's flags as the unit passes them (split on spaces), with free
# ports and a backup directory that this test may write.
BANEN_LEDGERD_FLAGS=""
# shellcheck disable=SC1091
source "$prefix/etc/banen/ledgerd.conf"
[[ -n $BANEN_LEDGERD_FLAGS ]] || fail "the config sets no BANEN_LEDGERD_FLAGS"
flags=()
for flag in $BANEN_LEDGERD_FLAGS; do
  case $flag in
    --listen=*) flag=--listen=127.0.0.1:0 ;;
    --metrics-listen=*) flag=--metrics-listen=127.0.0.1:0 ;;
    --backup-dir=*) flag=--backup-dir=$work/backups ;;
  esac
  flags+=("$flag")
done
start_ledgerd "$work/server.log" "$prefix/bin/banen-ledgerd" \
  --data-dir="$work/data" "${flags[@]}" || fail "the installed server"
grep -q "metrics on port" "$work/server.log" ||
  fail "the config's --metrics-listen did not start the endpoint"

health=$("$prefix/bin/banenctl" --server="$address" health) || fail "banenctl health failed"
[[ $health == SERVING ]] || fail "banenctl health: \"$health\""
[[ $("$prefix/bin/banenctl" --server="$address" head | head -1) == "seq 0" ]] ||
  fail "banenctl head on a fresh store is not seq 0"

kill "$server_pid"
wait "$server_pid" || fail "the server exited with $?: $(cat "$work/server.log")"
server_pid=""
grep -q "store closed" "$work/server.log" || fail "no \"store closed\": $(cat "$work/server.log")"
# Stopped, the server is no longer healthy to the probe.
if "$prefix/bin/banenctl" --server="$address" --timeout-seconds=2 health 2>/dev/null; then
  fail "banenctl health succeeded against a stopped server"
fi
echo "install_test: passed"
