#!/usr/bin/env bash
# Runs the reliability suites (tests/reliability) in their long versions against the real
# kpihubd: 500 kill -9s of the daemon while four adapters push, storage faults injected into
# LMDB, stale and long-open readers, frozen daemon, cut connections, a peer that stops
# reading. Prints every suite's summary line at the end; exits non-zero if any check failed.
#
#   scripts/reliability.sh [--kills N] [--filter GTEST_FILTER] [--seed N] [--short]
#
# --short runs the CI versions (20 kills). KPIHUB_BUILD_DIR picks the build directory
# (default build-reliability, RelWithDebInfo).
set -euo pipefail
cd "$(dirname "$0")/.."

kills=500
filter='*'
long=1
seed=''
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    --filter) filter="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --short) long=0; kills=20; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "reliability.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done

build="${KPIHUB_BUILD_DIR:-build-reliability}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target reliability_test >/dev/null

log="$(mktemp /tmp/kpihub-reliability-XXXXXX.log)"
export KPIHUB_LONG="$long" KPIHUB_RELIABILITY_KILLS="$kills"
[[ -n "$seed" ]] && export KPIHUB_RELIABILITY_SEED="$seed"
start=$(date +%s)
status=0
"$build/tests/reliability/reliability_test" --gtest_filter="$filter" >"$log" 2>&1 || status=$?
elapsed=$(( $(date +%s) - start ))

grep -E '^\[  (FAILED|PASSED) |^\[ +OK|^\[  FAILED' "$log" || true
echo
echo "summary ($(date -u +%Y-%m-%dT%H:%MZ), ${elapsed}s, $(nproc) cores, log $log):"
grep '^\[reliability\]' "$log" || true
if [[ $status -ne 0 ]]; then
  echo "reliability: FAILED (exit $status); failures:" >&2
  grep -B2 -A12 'Failure' "$log" | head -80 >&2 || true
fi
exit "$status"
