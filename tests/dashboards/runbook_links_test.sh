#!/usr/bin/env bash
# runbook_links_test.sh TEMPLATE_DIR RENDERED_RULES BASE
# The rendered rules give every alert an absolute runbook_url, BASE#<alert name in lower case>;
# and rendering the template with the sed line of docs/monitoring.md ("Runbook links") and
# another base gives rules that pass promtool's checks and unit tests with that base.
set -euo pipefail
template_dir=$1 rendered=$2 base=$3
fail=0
alerts=$(grep -c '^ *- alert: ' "$rendered")
links=$(grep -c "^ *runbook_url: \"$base#" "$rendered" || true)
[ "$alerts" -gt 0 ] && [ "$alerts" -eq "$links" ] ||
  { echo "FAIL $alerts alerts but $links runbook_url starting with $base#"; fail=1; }
while read -r name; do
  grep -q "runbook_url: \"$base#${name,,}\"" "$rendered" || { echo "FAIL $name: no link to #${name,,}"; fail=1; }
done < <(sed -n 's/^ *- alert: *//p' "$rendered")
if grep -n '^ *runbook_url:' "$rendered" | grep -Ev 'runbook_url: "[a-z][a-z0-9+.-]*://'; then
  echo "FAIL relative runbook_url above"; fail=1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
other="https://wiki.example.org/kpihub/operations"
# The operator's line of docs/monitoring.md, with the template as the package installs it.
sed "s|@KPIHUB_RUNBOOK_BASE_URL@|$other|g" "$template_dir/kpihub-rules.yml.in" > "$work/kpihub-rules.yml"
sed "s|@KPIHUB_RUNBOOK_BASE_URL@|$other|g" "$template_dir/kpihub-rules.test.yml.in" > "$work/kpihub-rules.test.yml"
grep -q "runbook_url: \"$other#kpihubdown\"" "$work/kpihub-rules.yml" || { echo "FAIL sed rendering"; fail=1; }
promtool check rules "$work/kpihub-rules.yml" >/dev/null || { echo "FAIL promtool check rules"; fail=1; }
(cd "$work" && promtool test rules kpihub-rules.test.yml >/dev/null) || { echo "FAIL promtool test rules"; fail=1; }
exit $fail
