#!/usr/bin/env bash
# deb_package_test.sh BUILD_DIR
# The .deb builds with CPack, declares its library and systemd dependencies and its
# conffiles, carries the maintainer scripts, and unpacks into a staging root (dpkg -x: the
# real system and its dpkg database are never touched) with binaries that run.
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/kpihub_*.deb)
fail=0
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for d in systemd libzmq5 liblmdb0 libsystemd0 libspdlog; do
  grep -q "$d" <<<"$depends" || { echo "FAIL Depends lacks $d"; fail=1; }
done
[ "$(dpkg-deb -f "$deb" Package)" = kpihub ] || { echo "FAIL package name"; fail=1; }
mkdir "$work/control"
dpkg-deb -e "$deb" "$work/control"
for f in conffiles postinst prerm postrm; do
  [ -f "$work/control/$f" ] || { echo "FAIL control file $f missing"; fail=1; }
done
grep -qx /etc/kpihub/kpihubd.toml "$work/control/conffiles" || { echo "FAIL kpihubd.toml not a conffile"; fail=1; }
grep -qx /etc/kpihub/catalogue.toml "$work/control/conffiles" || { echo "FAIL catalogue not a conffile"; fail=1; }
sh -n "$work/control/postinst" || { echo "FAIL postinst syntax"; fail=1; }
mkdir "$work/root"
dpkg -x "$deb" "$work/root"
for p in usr/bin/kpihubd usr/bin/kpihub etc/kpihub/kpihubd.toml lib/systemd/system/kpihubd.service \
         usr/lib/sysusers.d/kpihub.conf; do
  [ -e "$work/root/$p" ] || { echo "FAIL /$p not in the package"; fail=1; }
done
"$work/root/usr/bin/kpihubd" --version >/dev/null || { echo "FAIL packaged kpihubd does not run"; fail=1; }
"$work/root/usr/bin/kpihub" --help >/dev/null || { echo "FAIL packaged kpihub does not run"; fail=1; }
exit $fail
