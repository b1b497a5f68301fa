#!/usr/bin/env bash
# Configures and builds kpihub into build/ (or $KPIHUB_BUILD_DIR), incrementally: every
# target, or only the TARGETs given (scripts/demo.sh builds just the binaries it runs).
# KPIHUB_SANITIZE=1 builds with ASan + UBSan into build-asan/ instead. KPIHUB_BUILD_BENCH=0
# configures without the benchmark suite (and its libpq and libcurl); the default builds it.
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
# KPIHUB_BUILD_BENCH=0 does not take the benchmark away from a build directory that has it.
bench=ON
if [ "${KPIHUB_BUILD_BENCH:-1}" = 0 ] &&
   ! grep -qx "KPIHUB_BUILD_BENCH:BOOL=ON" "$dir/CMakeCache.txt" 2>/dev/null; then
  bench=OFF
fi
flags+=(-DKPIHUB_BUILD_BENCH="$bench")
# Configured again when Debian packages changed since (what was missing then may be there
# now), or when the benchmark is asked for and the last configure left it out (the demo's).
if [ ! -f "$dir/CMakeCache.txt" ] || [ /var/lib/dpkg/status -nt "$dir/CMakeCache.txt" ] ||
   ! grep -qx "KPIHUB_BUILD_BENCH:BOOL=$bench" "$dir/CMakeCache.txt"; then
  cmake -S . -B "$dir" "${flags[@]}" >/dev/null
  touch "$dir/CMakeCache.txt"
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$dir" -j"$(nproc)" "${targets[@]}"
