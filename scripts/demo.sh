#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts kpihubd on its built-in catalogue with
# state in ./demo-state, feeds it the bundled sample of all four departments over CURVE, and
# shows the KPIs as /metrics exports them and as the leadership group reads them.
# Each run starts from empty state (keys are kept), so it is repeatable.
# On a terminal it keeps serving until Ctrl-C; otherwise it stops the daemon and exits.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh >/dev/null

BIN=build/daemon/main
DEMO=demo-state
INGEST_PORT=${KPIHUB_DEMO_INGEST_PORT:-7730}
METRICS_PORT=${KPIHUB_DEMO_METRICS_PORT:-9730}
DEPARTMENTS=(tax finance scitech environment)

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
rm -rf "$DEMO/state" "$DEMO/ready"

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

echo "== feeding the bundled sample (samples/demo/) =="
for d in "${DEPARTMENTS[@]}"; do
  "$BIN/kpihub" push --endpoint "tcp://127.0.0.1:$INGEST_PORT" --server-key "$DEMO/keys/server.pub" \
    --key "$DEMO/keys/$d-demo.key" "samples/demo/$d.csv" 2>"$DEMO/push-$d.rejects"
done
echo "(per-row rejections are in $DEMO/push-*.rejects)"

echo
echo "== /metrics: zone-level KPI values =="
curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" | grep '^kpihub_kpi_value{.*park="zone"' | sort
echo
"$BIN/kpihub" kpis --config "$DEMO/kpihubd.toml"
echo
"$BIN/kpihub" status --config "$DEMO/kpihubd.toml"

if [ -t 0 ] && [ -t 1 ]; then
  echo
  echo "kpihubd is serving http://127.0.0.1:$METRICS_PORT/metrics — press Ctrl-C to stop."
  wait "$DAEMON" || true
fi
