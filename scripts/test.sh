#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit, integration and end-to-end
# (real kpihubd, real CURVE keys on loopback, LMDB in temp dirs, Debian's promtool), first in
# the normal build, then under AddressSanitizer + UndefinedBehaviorSanitizer.
# KPIHUB_SKIP_SANITIZERS=1 runs the normal build only (a quick local loop).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh test

run_suite() {
  local dir=$1
  (cd "$dir" && ctest --output-on-failure --timeout 300 -j2)
}

./scripts/build.sh
run_suite build
if [ "${KPIHUB_SKIP_SANITIZERS:-0}" != 1 ]; then
  KPIHUB_SANITIZE=1 ./scripts/build.sh
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan
fi
# Hostile input: libFuzzer over decode + validation for a bounded time (clang build of its own).
./scripts/fuzz.sh "${KPIHUB_FUZZ_SECONDS:-30}"
