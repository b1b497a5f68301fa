#!/usr/bin/env bash
# The benchmark suite (docs/performance.md): builds kpihub in Release into build-bench/ (or
# $KPIHUB_BENCH_BUILD_DIR), runs kpihubd, the ceiling pipeline, Prometheus Pushgateway and
# PostgreSQL on ephemeral loopback ports with the same workload, prints the table and writes
# it into the "Results" block of docs/performance.md (the rest of that page is hand-written).
#
#   scripts/bench.sh            full run (about 12 minutes on 2 cores; figures for the doc)
#   scripts/bench.sh --long     full run plus 50 million stored observations
#   scripts/bench.sh --smoke    seconds; checks every row produces a figure, writes no doc
#
# Run it on a quiet machine: other load shows in the absolute figures (the load average is
# recorded in the doc); the ratios are taken within the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=full
long=()
for arg in "$@"; do
  case "$arg" in
    --smoke) mode=smoke ;;
    --full) mode=full ;;
    --long) long=(--long) ;;
    *) echo "usage: $0 [--smoke|--full] [--long]" >&2; exit 2 ;;
  esac
done
./scripts/install-deps.sh test
dir=${KPIHUB_BENCH_BUILD_DIR:-build-bench}
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$dir" -j"$(nproc)" --target kpihubd kpihub kpihub-adapter kpihub-bench kpihub-ceiling \
  kpihub-query-bench >/dev/null
if [ "$mode" = smoke ]; then
  exec python3 bench/run_bench.py --smoke --bin-dir "$dir" --out "$dir/bench-smoke.md"
fi
python3 bench/run_bench.py --bin-dir "$dir" "${long[@]}" --json "$dir/bench-results.json" \
  --doc docs/performance.md
