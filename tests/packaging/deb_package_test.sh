#!/usr/bin/env bash
# deb_package_test.sh BUILD_DIR
# The .deb builds with CPack, declares its library and systemd dependencies and its
# conffiles, carries the maintainer scripts, passes lintian with no error or warning (the
# overrides it carries are justified in packaging/lintian-overrides), ships a manual page for
# each program and the copyright and changelog Debian policy asks for, and unpacks into a
# staging root (dpkg -x: the real system and its dpkg database are never touched) with
# binaries that run.
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
for p in usr/share/man/man8/kpihubd.8.gz usr/share/man/man1/kpihub.1.gz \
         usr/share/man/man1/kpihub-adapter.1.gz usr/share/doc/kpihub/copyright \
         usr/share/doc/kpihub/changelog.gz; do
  [ -s "$work/root/$p" ] || { echo "FAIL /$p not in the package"; fail=1; }
done
zcat "$work/root/usr/share/man/man8/kpihubd.8.gz" | grep -q -- '\\-\\-config' \
  || { echo "FAIL kpihubd(8) does not document --config"; fail=1; }
if find "$work/root" -name '*.test.yml' | grep -q .; then
  echo "FAIL the package ships rule test files"; fail=1
fi
for f in postinst prerm postrm; do
  if grep -Eq '^[^#]*\bsystemctl\b' "$work/control/$f" \
     && grep -E '^[^#]*\bsystemctl\b' "$work/control/$f" | grep -vq 'daemon-reload\|list-units'; then
    echo "FAIL $f calls systemctl for more than daemon-reload"; fail=1
  fi
done
if ! command -v lintian >/dev/null; then
  echo "FAIL lintian is not installed (scripts/install-deps.sh installs it)"; fail=1
else
  # --fail-on: any error or warning fails; info and pedantic tags are printed, not fatal.
  if ! lintian --fail-on error,warning --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1; then
    echo "FAIL lintian:"; cat "$work/lintian.log"; fail=1
  else
    echo "lintian: no error or warning"; cat "$work/lintian.log"
  fi
fi
"$work/root/usr/bin/kpihubd" --version >/dev/null || { echo "FAIL packaged kpihubd does not run"; fail=1; }
"$work/root/usr/bin/kpihub" --help >/dev/null || { echo "FAIL packaged kpihub does not run"; fail=1; }
exit $fail
