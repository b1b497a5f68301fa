#!/usr/bin/env bash
# Configures and builds kpihub into build/ (or $KPIHUB_BUILD_DIR), incrementally.
# KPIHUB_SANITIZE=1 builds with ASan + UBSan into build-asan/ instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${KPIHUB_SANITIZE:-0}" = 1 ]; then
  dir="${KPIHUB_BUILD_DIR:-build-asan}"
  flags=(-DKPIHUB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
else
  dir="${KPIHUB_BUILD_DIR:-build}"
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" "${flags[@]}" >/dev/null
fi
cmake --build "$dir" -j"$(nproc)"
