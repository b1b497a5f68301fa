#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts kpihubd on its built-in catalogue with
# state in ./demo-state, feeds it the bundled sample of all four departments — each
# department's own export files (Chinese headers; GB18030, UTF-8 CSV, JSON) through
# kpihub-adapter with that department's profile, all four at once over CURVE — closes the
# years 2016-2019 (each department submits, the office approves) and shows the
# KPIs as /metrics exports them and as the leadership group reads them. It then checks what
# the daemon and the CLI publish — KPIs of the zone and of every park, withheld small cells,
# rule violations, the exports — and every rejected row against what the sample generator
# computed on its own (samples/demo/expected-*.csv, tests/oracle/oracle_compare.py), and prints
# MATCH or MISMATCH. Then one exchange: finance receives science and technology's certified
# list (the §10 start-up subsidy's agreement) with `kpihub-adapter pull`, as GB18030 CSV files
# with its profile's Chinese headers, and the audit trail shows the read.
# Each run starts from empty state (keys are kept), so it is repeatable.
# On a terminal it keeps serving until Ctrl-C; otherwise it stops the daemon and exits.
# Environment: KPIHUB_BUILD_DIR (default build), KPIHUB_DEMO_DIR (default demo-state),
# KPIHUB_DEMO_INGEST_PORT (7730), KPIHUB_DEMO_METRICS_PORT (9730), KPIHUB_DEMO_EXCHANGE_PORT (7731).
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
EXCHANGE_PORT=${KPIHUB_DEMO_EXCHANGE_PORT:-7731}
DEPARTMENTS=(tax finance scitech environment)
SAMPLE=samples/demo
START=$(date +%s.%N)

mkdir -p "$DEMO/keys"
chmod 700 "$DEMO/keys"
REGISTER=push-scitech-milestones.csv  # the milestone register, sent with `kpihub push`
# Each department's adapter key, a key of its own for closing years (`kpihub submit`: never
# the adapter's, whose sequence numbers belong to the adapter), and the office's key.
for name in server "${DEPARTMENTS[@]/%/-demo}" "${DEPARTMENTS[@]/%/-closing-demo}" \
    scitech-register-demo office-demo finance-read-demo; do
  [ -f "$DEMO/keys/$name.key" ] || "$BIN/kpihub" keygen "$name" --out "$DEMO/keys" >/dev/null
done
register() {  # id department
  printf '[[adapter]]\nid = "%s"\ndepartment = "%s"\n' "$1" "$2"
  grep '^public_key' "$DEMO/keys/$1.pub"
  echo
}
{
  for d in "${DEPARTMENTS[@]}"; do
    register "$d-demo" "$d"
    register "$d-closing-demo" "$d"
  done
  register scitech-register-demo scitech
  register office-demo office
  # finance's reading key: it reads on the exchange socket only, never writes.
  register finance-read-demo finance | sed 's/^\[\[adapter\]\]$/[[consumer]]/'
} > "$DEMO/keys.toml"
cat > "$DEMO/kpihubd.toml" <<TOML
# Demo configuration: everything else is the built-in default (config/kpihubd.toml).
state_dir = "state"
key_registry = "keys.toml"
server_key = "keys/server.key"
listen = "tcp://127.0.0.1:$INGEST_PORT"
metrics_listen = "127.0.0.1:$METRICS_PORT"
exchange_listen = "tcp://127.0.0.1:$EXCHANGE_PORT"
TOML
# The marker beside the state folder goes too: this run starts a new store on purpose.
rm -rf "$DEMO/state" "$DEMO/state.created" "$DEMO/state.lock" "$DEMO/ready" "$DEMO/inbox" "$DEMO"/adapter-* \
  "$DEMO/pull-finance" "$DEMO/finance-inbox"

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
# The milestone register is no department export: kpihub push sends it as it is. Its refused
# rows go to REGISTER.push.log, where the check below reads them.
printf '%-12s ' "milestones"
"$BIN/kpihub" push --endpoint "tcp://127.0.0.1:$INGEST_PORT" --server-key "$DEMO/keys/server.pub" \
  --key "$DEMO/keys/scitech-register-demo.key" "$DEMO/inbox/$REGISTER" \
  >"$DEMO/push.out" 2>"$DEMO/inbox/$REGISTER.push.log"
sed -n 1p "$DEMO/push.out"
echo "(every refused row is in $DEMO/inbox/*.rejects.csv: file,row,column,value,reason_code,message)"

echo
echo "== closing years: every department submits 2016-2019, the office approves them; tax submits 2020 =="
closing() {  # action key year [department]
  "$BIN/kpihub" "$1" --year "$3" ${4:+--department "$4"} --key "$DEMO/keys/$2.key" \
    --server-key "$DEMO/keys/server.pub" --endpoint "tcp://127.0.0.1:$INGEST_PORT" \
    >>"$DEMO/closing.out" || { echo "kpihub $1 $3 ${4:-} failed (see above)" >&2; exit 1; }
}
: >"$DEMO/closing.out"
for year in 2016 2017 2018 2019; do
  for d in "${DEPARTMENTS[@]}"; do closing submit "$d-closing-demo" "$year"; done
  for d in "${DEPARTMENTS[@]}"; do closing approve office-demo "$year" "$d"; done
done
closing submit tax-closing-demo 2020
"$BIN/kpihub" periods --config "$DEMO/kpihubd.toml" --year 2020
curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" | awk '/^kpihub_kpi_approved[{]/ {
    match($0, /year="[0-9]+"/); y = substr($0, RSTART + 6, 4); n[y]++; if ($NF == 1) a[y]++ }
  END { for (y in n) printf "%s: %d of %d zone KPI figures are 正式数 (approved data), the others 初步数 (provisional)\n", y, a[y], n[y] }' | sort

echo
echo "== /metrics: zone-level KPI values =="
curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" | grep '^kpihub_kpi_value{.*park="zone"' | sort
echo
"$BIN/kpihub" kpis --config "$DEMO/kpihubd.toml"
echo
"$BIN/kpihub" status --config "$DEMO/kpihubd.toml"

echo
echo "== check against the generator's independent calculation ($SAMPLE/expected-*.csv) =="
# The same comparison as the oracle test (tests/oracle): KPIs of the zone and every park,
# yearly indicators, withheld small cells, rule violations, both exports and every rejected
# row, in both directions.
verdict=MATCH
python3 tests/oracle/oracle_compare.py --kpihub "$BIN/kpihub" --config "$DEMO/kpihubd.toml" \
  --metrics-port "$METRICS_PORT" --inbox "$DEMO/inbox" --expected "$SAMPLE" \
  --work "$DEMO/observed" || verdict=MISMATCH
echo
echo "== the exchange: finance receives science and technology's certified list (经认定的高新技术企业) =="
# Under the agreement hightech_list_to_finance_startup (§10); every read is audited.
pulled=0 exchange=OK
"$ADAPTER" pull --key "$DEMO/keys/finance-read-demo.key" --server-key "$DEMO/keys/server.pub" \
  --endpoint "tcp://127.0.0.1:$EXCHANGE_PORT" --state-dir "$DEMO/pull-finance" \
  --out "$DEMO/finance-inbox" --indicator hightech_certified --level enterprise \
  --format csv --encoding gb18030 --profile config/profiles/finance.toml --once \
  >"$DEMO/pull.out" 2>"$DEMO/pull.log" || pulled=$?
if [ "$pulled" -ne 0 ]; then
  echo "kpihub-adapter pull failed (exit $pulled); see $DEMO/pull.log" >&2
  exchange=FAILED
else
  for f in "$DEMO"/finance-inbox/*.csv; do
    # Credit codes stay in the department's files; the terminal shows the header and a count.
    printf '%s: %s rows, columns: %s\n' "$(basename "$f")" "$(($(wc -l <"$f") - 1))" \
      "$(head -1 "$f" | iconv -f GB18030 -t UTF-8)"
  done
  "$BIN/kpihub" audit --config "$DEMO/kpihubd.toml" --by-provider --provider scitech
fi

elapsed=$(awk -v a="$START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if [ "$verdict" = MATCH ]; then
  echo; echo "MATCH: the published figures and every rejection equal the independent calculation (${elapsed} s)"
else
  echo; echo "MISMATCH: the daemon's figures differ from the independent calculation (${elapsed} s)"
fi
[ "$exchange" = OK ] || echo "EXCHANGE FAILED: finance did not receive the certified list (see above)"

if [ -t 0 ] && [ -t 1 ]; then
  echo
  echo "kpihubd is serving http://127.0.0.1:$METRICS_PORT/metrics — press Ctrl-C to stop."
  wait "$DAEMON" || true
fi
[ "$verdict" = MATCH ] && [ "$exchange" = OK ]
