#!/usr/bin/env bash
# The .deb as cpack builds it: lintian reports no error (E:), its control
# data names the shared libraries' packages (dpkg-shlibdeps) and adduser,
# marks the config a conffile and carries the maintainer scripts, which
# parse; it installs the programs in /usr/bin, the unit in
# /usr/lib/systemd/system (naming them and /etc/banen/ledgerd.conf) and
# Debian's copyright and changelog.
#   tests/deploy/deb_test.sh CPACK BUILD_DIR
set -euo pipefail
cpack=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "deb_test: $*" >&2; exit 1; }

"$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1 ||
  fail "cpack failed: $(cat "$work/cpack.log")"
debs=("$work"/banen_*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "cpack made no single .deb: $(ls "$work")"
deb=${debs[0]}

lintian --fail-on error "$deb" >"$work/lintian.txt" 2>&1 ||
  fail "lintian: $(cat "$work/lintian.txt")"
if grep -q '^E: ' "$work/lintian.txt"; then fail "lintian: $(cat "$work/lintian.txt")"; fi

depends=$(dpkg-deb -f "$deb" Depends)
for package in adduser libc6 librocksdb libgrpc++ libprotobuf libsodium libcivetweb \
    libtcmalloc-minimal4; do
  [[ $depends == *"$package"* ]] || fail "Depends lacks $package: $depends"
done

mkdir "$work/control" "$work/root"
dpkg-deb -e "$deb" "$work/control"
[[ $(cat "$work/control/conffiles") == /etc/banen/ledgerd.conf ]] ||
  fail "conffiles: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
  [[ -x $work/control/$script ]] || fail "no executable $script"
  sh -n "$work/control/$script" || fail "$script does not parse"
done
grep -q "adduser --system --group" "$work/control/postinst" ||
  fail "postinst does not create the banen system user"

dpkg-deb -x "$deb" "$work/root"
for file in usr/bin/banen-ledgerd usr/bin/banenctl etc/banen/ledgerd.conf \
    usr/lib/systemd/system/banen-ledgerd.service usr/share/doc/banen/copyright \
    usr/share/doc/banen/changelog.gz; do
  [[ -f $work/root/$file ]] || fail "not in the package: $file"
done
unit=$work/root/usr/lib/systemd/system/banen-ledgerd.service
grep -q "^ExecStart=/usr/bin/banen-ledgerd " "$unit" || fail "unit: $(grep ExecStart "$unit")"
grep -qx "EnvironmentFile=/etc/banen/ledgerd.conf" "$unit" || fail "unit: no /etc/banen/ledgerd.conf"
grep -qx "User=banen" "$unit" || fail "unit: not User=banen"
echo "deb_test: passed"
