#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit, integration and end-to-end
# (real kpihubd, real CURVE keys on loopback, LMDB in temp dirs, Debian's promtool), first in
# the normal build, then under AddressSanitizer + UndefinedBehaviorSanitizer.
# KPIHUB_SKIP_SANITIZERS=1 runs the normal build only (a quick local loop). Each next build
# (ASan, then the fuzzer's) runs while the suite before it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh test

run_suite() {
  local dir=$1
  (cd "$dir" && ctest --output-on-failure --timeout 300 -j2)
}

# The next build runs while a suite runs: the suites spend much of their time waiting on
# sockets and daemons, so the two overlap instead of adding up. Its output is shown once it
# is done; a failed build fails the run. A build still running when the script stops is killed.
logs=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$logs"' EXIT
finish_build() {
  local pid=$1 log=$2
  if ! wait "$pid"; then
    cat "$log" >&2
    echo "test.sh: the build above failed" >&2
    exit 1
  fi
  tail -3 "$log"
}

./scripts/build.sh
sanitize=1
[ "${KPIHUB_SKIP_SANITIZERS:-0}" != 1 ] || sanitize=0
if [ "$sanitize" = 1 ]; then
  KPIHUB_SANITIZE=1 ./scripts/build.sh >"$logs/asan" 2>&1 &
  asan_build=$!
else
  ./scripts/fuzz.sh --build-only >"$logs/fuzz" 2>&1 &
  fuzz_build=$!
fi
run_suite build
if [ "$sanitize" = 1 ]; then
  finish_build "$asan_build" "$logs/asan"
  ./scripts/fuzz.sh --build-only >"$logs/fuzz" 2>&1 &
  fuzz_build=$!
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan
fi
finish_build "$fuzz_build" "$logs/fuzz"
# Hostile input: libFuzzer over decode + validation for a bounded time (clang build of its own).
./scripts/fuzz.sh "${KPIHUB_FUZZ_SECONDS:-30}"
