#!/usr/bin/env bash
# systemd_units_test.sh UNIT_DIR BIN_DIR
# Every unit passes `systemd-analyze verify` with no output at all (it exits 0 on typos, so
# any line it prints is a failure), and each service scores "OK" (exposure <= 2.0) with
# `systemd-analyze security --offline=true`. The units name /usr/bin/...; verify checks that
# the binaries exist, so the copies checked here point at the built ones (a stand-in for a
# binary another target has not built yet). Templates are checked through an instance.
set -euo pipefail
units=$1
bin=$2
max_exposure=2.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/units"
for b in kpihubd kpihub kpihub-adapter; do
  if [ -x "$bin/$b" ]; then ln -s "$bin/$b" "$work/bin/$b"; else printf '#!/bin/sh\nexit 0\n' > "$work/bin/$b"; chmod +x "$work/bin/$b"; fi
done
for f in "$units"/*.service "$units"/*.timer "$units"/*.path; do
  sed "s|/usr/bin/|$work/bin/|g" "$f" > "$work/units/$(basename "$f")"
done
fail=0
check_verify() {
  local out
  out=$(cd "$work" && systemd-analyze verify "$@" 2>&1) || { echo "FAIL verify $*: exit $?"; fail=1; }
  if [ -n "$out" ]; then echo "FAIL verify printed:"; echo "$out"; fail=1; fi
}
count=0
for f in "$work"/units/*; do
  name=$(basename "$f")
  case "$name" in *@.*) f="$work/units/${name/@./@tax.}"; cp "$work/units/$name" "$f" ;; esac
  check_verify "$f"
  count=$((count + 1))
done
[ "$count" -ge 5 ] || { echo "FAIL expected at least 5 units, found $count"; fail=1; }
for name in kpihubd.service kpihub-adapter@.service kpihub-pull@.service; do
  line=$(systemd-analyze security --offline=true "$units/$name" 2>&1 | grep 'Overall exposure level') || {
    echo "FAIL no security score for $name"; fail=1; continue; }
  score=$(sed -E 's/.*: ([0-9]+\.[0-9]+) .*/\1/' <<<"$line")
  echo "$name: exposure $score"
  awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }' || {
    echo "FAIL $name exposure $score above $max_exposure"; fail=1; }
done
# The daemon must not deny @resources: libzmq aborts when it cannot set thread priorities.
if grep -Eq 'SystemCallFilter=~.*@resources' "$units/kpihubd.service"; then
  echo "FAIL kpihubd.service denies @resources"; fail=1
fi
grep -q '^Type=notify' "$units/kpihubd.service" || { echo "FAIL kpihubd.service not Type=notify"; fail=1; }
grep -q '^WatchdogSec=' "$units/kpihubd.service" || { echo "FAIL kpihubd.service has no watchdog"; fail=1; }
exit $fail
