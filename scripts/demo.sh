#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts kpihubd on its built-in catalogue with
# state in ./demo-state, feeds it the bundled sample of all four departments — each
# department's own export files (Chinese headers; GB18030, UTF-8 CSV, JSON) through
# kpihub-adapter with that department's profile, all four at once over CURVE — and shows the
# KPIs as /metrics exports them and as the leadership group reads them. It then checks the
# daemon's zone KPIs and every rejected row against what the sample generator computed on its
# own (samples/demo/expected-*.csv), and prints MATCH or MISMATCH.
# Each run starts from empty state (keys are kept), so it is repeatable.
# On a terminal it keeps serving until Ctrl-C; otherwise it stops the daemon and exits.
# Environment: KPIHUB_BUILD_DIR (default build), KPIHUB_DEMO_DIR (default demo-state),
# KPIHUB_DEMO_INGEST_PORT (7730), KPIHUB_DEMO_METRICS_PORT (9730).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh demo
KPIHUB_BUILD_BENCH=0 ./scripts/build.sh kpihubd kpihub kpihub-adapter >/dev/null  # no libpq needed

BUILD=${KPIHUB_BUILD_DIR:-build}
BIN=$BUILD/daemon/main
ADAPTER=$BUILD/adapters/program/kpihub-adapter
DEMO=${KPIHUB_DEMO_DIR:-demo-state}
INGEST_PORT=${KPIHUB_DEMO_INGEST_PORT:-7730}
METRICS_PORT=${KPIHUB_DEMO_METRICS_PORT:-9730}
DEPARTMENTS=(tax finance scitech environment)
SAMPLE=samples/demo
START=$(date +%s.%N)

mkdir -p "$DEMO/keys"
chmod 700 "$DEMO/keys"
for name in server "${DEPARTMENTS[@]/%/-demo}"; do
  [ -f "$DEMO/keys/$name.key" ] || "$BIN/kpihub" keygen "$name" --out "$DEMO/keys" >/dev/null
done
{
  for d in "${DEPARTMENTS[@]}"; do
    printf '[[adapter]]\nid = "%s-demo"\ndepartment = "%s"\n' "$d" "$d"
    grep '^public_key' "$DEMO/keys/$d-demo.pub"
    echo
  done
} > "$DEMO/keys.toml"
cat > "$DEMO/kpihubd.toml" <<TOML
# Demo configuration: everything else is the built-in default (config/kpihubd.toml).
state_dir = "state"
key_registry = "keys.toml"
server_key = "keys/server.key"
listen = "tcp://127.0.0.1:$INGEST_PORT"
metrics_listen = "127.0.0.1:$METRICS_PORT"
TOML
# The marker beside the state folder goes too: this run starts a new store on purpose.
rm -rf "$DEMO/state" "$DEMO/state.created" "$DEMO/state.lock" "$DEMO/ready" "$DEMO/inbox" "$DEMO"/adapter-*

"$BIN/kpihubd" --config "$DEMO/kpihubd.toml" --ready-file "$DEMO/ready" 2>"$DEMO/kpihubd.log" &
DAEMON=$!
stop_daemon() { kill -TERM "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null || true; }
trap stop_daemon EXIT
for _ in $(seq 100); do
  [ -f "$DEMO/ready" ] && break
  kill -0 "$DAEMON" 2>/dev/null || { cat "$DEMO/kpihubd.log" >&2; exit 1; }
  sleep 0.1
done
[ -f "$DEMO/ready" ] || { echo "kpihubd did not become ready" >&2; cat "$DEMO/kpihubd.log" >&2; exit 1; }

# The adapters write their reject reports beside their inputs: work on a copy of the sample.
mkdir -p "$DEMO/inbox"
cp "$SAMPLE"/*-*.csv "$SAMPLE"/*.jsonl "$DEMO/inbox/"
rm -f "$DEMO"/inbox/expected-*

echo "== feeding the bundled sample: four departments at once through kpihub-adapter =="
pids=()
for d in "${DEPARTMENTS[@]}"; do
  inputs=()
  for f in "$DEMO"/inbox/"$d"-*; do inputs+=(--input "$f"); done
  "$ADAPTER" --profile "config/profiles/$d.toml" --key "$DEMO/keys/$d-demo.key" \
    --server-key "$DEMO/keys/server.pub" --endpoint "tcp://127.0.0.1:$INGEST_PORT" \
    --state-dir "$DEMO/adapter-$d" --deadline 120 "${inputs[@]}" \
    >"$DEMO/adapter-$d.out" 2>"$DEMO/adapter-$d.log" &
  pids+=($!)
done
failed=0
for i in "${!DEPARTMENTS[@]}"; do
  if wait "${pids[$i]}"; then :; else failed=1; fi
  printf '%-12s %s\n' "${DEPARTMENTS[$i]}" "$(sed 's/^summary: [^:]*: //' "$DEMO/adapter-${DEPARTMENTS[$i]}.out")"
done
[ "$failed" -eq 0 ] || { echo "an adapter did not deliver everything; see $DEMO/adapter-*.log" >&2; exit 1; }
echo "(every refused row is in $DEMO/inbox/*.rejects.csv: file,row,column,value,reason_code,message)"

echo
echo "== /metrics: zone-level KPI values =="
curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" | grep '^kpihub_kpi_value{.*park="zone"' | sort
echo
"$BIN/kpihub" kpis --config "$DEMO/kpihubd.toml"
echo
"$BIN/kpihub" status --config "$DEMO/kpihubd.toml"

echo
echo "== check against the generator's independent calculation ($SAMPLE/expected-*.csv) =="
for y in 2017 2018 2019 2020; do
  "$BIN/kpihub" kpis --config "$DEMO/kpihubd.toml" --park zone --year "$y" --csv | tail -n +2
done > "$DEMO/kpis-zone.csv"
verdict=MATCH
# value within 1e-6 relative (kpihub prints six decimals), status equal, every KPI-year present.
awk -F, 'NR == FNR { if (FNR > 1) { want[$1 "," $3] = $4; status[$1 "," $3] = $5 } next }
  { k = $1 "," $4; got[k] = 1
    if (!(k in want)) { printf "  %-28s %s  unexpected\n", $1, $4; bad = 1; next }
    d = $5 - want[k]; if (d < 0) d = -d; tol = 1e-6 * (want[k] < 0 ? -want[k] : want[k]) + 1e-6
    ok = (d <= tol && $9 == status[k])
    printf "  %-28s %s  kpihub %-20s %-9s expected %-20.10g %-9s %s\n", $1, $4, $5, $9, want[k], status[k], ok ? "ok" : "DIFFERENT"
    if (!ok) bad = 1 }
  END { for (k in want) if (!(k in got)) { print "  missing " k; bad = 1 } exit bad }' \
  "$SAMPLE/expected-kpis.csv" "$DEMO/kpis-zone.csv" || verdict=MISMATCH
tail -q -n +2 "$DEMO"/inbox/*.rejects.csv | awk -F, '{ n = split($1, p, "/"); print p[n] "," $2 "," $3 "," $5 }' \
  | sort > "$DEMO/rejects-got.csv"
tail -n +2 "$SAMPLE/expected-rejects.csv" | sort > "$DEMO/rejects-want.csv"
if diff -u "$DEMO/rejects-want.csv" "$DEMO/rejects-got.csv" > "$DEMO/rejects.diff"; then
  echo "  rejected rows: $(wc -l < "$DEMO/rejects-got.csv"), each with the expected reason"
else
  echo "  rejected rows differ from the expected ones:"; cat "$DEMO/rejects.diff"; verdict=MISMATCH
fi
elapsed=$(awk -v a="$START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if [ "$verdict" = MATCH ]; then
  echo; echo "MATCH: the daemon's zone KPIs and every rejection equal the independent calculation (${elapsed} s)"
else
  echo; echo "MISMATCH: the daemon's figures differ from the independent calculation (${elapsed} s)"
fi

if [ -t 0 ] && [ -t 1 ]; then
  echo
  echo "kpihubd is serving http://127.0.0.1:$METRICS_PORT/metrics — press Ctrl-C to stop."
  wait "$DAEMON" || true
fi
[ "$verdict" = MATCH ]
