#!/usr/bin/env bash
# Builds kpihub with ThreadSanitizer into build-tsan/ and runs the threaded parts of the test
# suite under it (ctest label "threaded": the store's snapshot and map-growth threads, the
# ingest server, the metrics server, the adapters' durable sender, and the end-to-end tests
# whose kpihubd runs its ingest, signal and HTTP threads). The tests that feed whole sample
# files through kpihub-adapter (BoardsLiveTest, AdapterE2eTest) are left out: under TSan's
# slowdown the daemon cannot ack 500-observation batches inside the adapter's ack timeout, so
# they measure TSan's speed rather than races. Not part of CI; run by hand:
#   ./scripts/tsan.sh [extra ctest arguments, e.g. -R Reload]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh test
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j"$(nproc)"
# ASLR with high-entropy mmap bases breaks TSan's shadow mapping on some kernels; run without it.
exec setarch "$(uname -m)" -R ctest --preset tsan "$@"
