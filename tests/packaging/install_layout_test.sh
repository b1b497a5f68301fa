#!/usr/bin/env bash
# install_layout_test.sh BUILD_DIR
# `cmake --install` into a staging root (DESTDIR) puts every piece where a Debian 12 system
# expects it, and the installed binaries and configuration work together.
set -euo pipefail
build=$1
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
DESTDIR="$stage" cmake --install "$build" --prefix /usr >/dev/null
fail=0
expect() {
  for p in "$@"; do [ -e "$stage$p" ] || { echo "FAIL missing $p"; fail=1; }; done
}
expect /usr/bin/kpihubd /usr/bin/kpihub /usr/bin/kpihub-adapter \
  /etc/kpihub/kpihubd.toml /etc/kpihub/catalogue.toml \
  /lib/systemd/system/kpihubd.service /lib/systemd/system/kpihub-adapter@.service \
  /lib/systemd/system/kpihub-adapter@.timer /lib/systemd/system/kpihub-adapter@.path \
  /lib/systemd/system/kpihub-pull@.service \
  /usr/lib/sysusers.d/kpihub.conf /usr/lib/tmpfiles.d/kpihub.conf \
  /usr/share/doc/kpihub/README.md /usr/share/doc/kpihub/operations.md \
  /usr/share/kpihub/dashboards /usr/share/kpihub/profiles/tax.toml \
  /usr/share/kpihub/profiles/finance.toml /usr/share/kpihub/profiles/scitech.toml \
  /usr/share/kpihub/profiles/environment.toml
[ -x "$stage/usr/bin/kpihubd" ] || { echo "FAIL kpihubd not executable"; fail=1; }
# Nothing outside the directories a package may own.
unexpected=$(cd "$stage" && find . -type f | grep -Ev '^\./(usr/(bin|share|lib/(sysusers|tmpfiles)\.d)|etc/kpihub|lib/systemd/system)/' || true)
[ -z "$unexpected" ] || { echo "FAIL unexpected files:"; echo "$unexpected"; fail=1; }
# The installed configuration names the installed catalogue, which the daemon's loader accepts:
# `kpihub verify` loads config and catalogue before it opens the (here empty) state.
grep -q '^catalogue = "/etc/kpihub/catalogue.toml"' "$stage/etc/kpihub/kpihubd.toml" ||
  { echo "FAIL kpihubd.toml does not use /etc/kpihub/catalogue.toml"; fail=1; }
sed "s|\"/etc/kpihub/|\"$stage/etc/kpihub/|; s|^state_dir = .*|state_dir = \"$stage/state\"|" \
  "$stage/etc/kpihub/kpihubd.toml" > "$stage/test.toml"
out=$("$stage/usr/bin/kpihub" kpis --config "$stage/test.toml" 2>&1 || true)
grep -q "does not exist" <<<"$out" || { echo "FAIL installed config or catalogue refused: $out"; fail=1; }
"$stage/usr/bin/kpihubd" --version >/dev/null || { echo "FAIL kpihubd --version"; fail=1; }
grep -q '^u kpihub ' "$stage/usr/lib/sysusers.d/kpihub.conf" || { echo "FAIL no kpihub user"; fail=1; }
# The rules as rendered with the runbook base (absolute links), and their template.
rules=$stage/usr/share/kpihub/dashboards/prometheus
grep -q '^ *runbook_url: "[a-z][a-z0-9+.-]*://.*#kpihubdown"$' "$rules/kpihub-rules.yml" &&
  ! grep -q '@KPIHUB_RUNBOOK_BASE_URL@' "$rules/kpihub-rules.yml" && [ -f "$rules/kpihub-rules.yml.in" ] ||
  { echo "FAIL installed rules without absolute runbook links, or no template"; fail=1; }
exit $fail
