#!/usr/bin/env bash
# Configures and builds kpihub into build/ (or $KPIHUB_BUILD_DIR), incrementally: every
# target, or only the TARGETs given (scripts/demo.sh builds just the binaries it runs).
# KPIHUB_SANITIZE=1 builds with ASan + UBSan into build-asan/ instead.
#   build.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${KPIHUB_SANITIZE:-0}" = 1 ]; then
  dir="${KPIHUB_BUILD_DIR:-build-asan}"
  flags=(-DKPIHUB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
else
  dir="${KPIHUB_BUILD_DIR:-build}"
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
# Configured again when Debian packages changed since: what was optional and missing then (the
# benchmark's libpq and libcurl after `install-deps.sh demo`, say) is picked up now.
if [ ! -f "$dir/CMakeCache.txt" ] || [ /var/lib/dpkg/status -nt "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" "${flags[@]}" >/dev/null
  touch "$dir/CMakeCache.txt"
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$dir" -j"$(nproc)" "${targets[@]}"
