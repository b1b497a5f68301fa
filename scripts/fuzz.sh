#!/usr/bin/env bash
# Fuzzes kpihubd's batch intake (decode + validation, fuzz/batch_fuzzer.cc) for SECONDS seconds
# (default 60), then the exchange's frames (fuzz/query_fuzzer.cc) for half that, with
# libFuzzer, ASan and UBSan; then replays every corpus input one by one and fails if any took
# more than 100 ms, or if a fuzzer found a crash, a leak or a timeout.
#   scripts/fuzz.sh 60      # CI: short run
#   scripts/fuzz.sh 1800    # by hand: long run (see docs/reliability.md)
#   scripts/fuzz.sh --build-only   # configure and build only (scripts/test.sh, ahead of the run)
# Environment: KPIHUB_FUZZ_DIR (default build-fuzz), KPIHUB_FUZZ_JOBS (build jobs, default 2).
# The corpora grow in $KPIHUB_FUZZ_DIR/corpus (batches) and corpus-query across runs; seeds come
# from fuzz/batch_corpus.cc and fuzz/query_corpus.cc.
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=0
if [ "${1:-}" = --build-only ]; then build_only=1; shift; fi
seconds=${1:-60}
dir=${KPIHUB_FUZZ_DIR:-build-fuzz}
slow_ms=100

CC=clang CXX=clang++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKPIHUB_FUZZ=ON >/dev/null
cmake --build "$dir" -j"${KPIHUB_FUZZ_JOBS:-2}" --target batch_fuzzer batch_corpus \
  query_fuzzer query_corpus >/dev/null
[ "$build_only" = 0 ] || exit 0

# fuzz_one NAME SECONDS CORPUS: one harness, its seeds, its run and its replay. Prints the
# summary line; returns non-zero on a finding.
fuzz_one() {
local name=$1 seconds=$2
local fuzzer="$dir/fuzz/${name}_fuzzer"
seeds="$dir/seeds-$name" corpus="$dir/$3" artifacts="$dir/artifacts-$name"
rm -rf "$seeds" "$artifacts"
mkdir -p "$corpus" "$artifacts" "$seeds"
"$dir/fuzz/${name}_corpus" "$seeds" >/dev/null

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1:quarantine_size_mb=64
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
log="$dir/fuzz-$name.log"
set +e
# -timeout: a hang is a crash after 10 s. The 100 ms rule is checked by the replay below, not
# here: on a loaded machine a descheduled process or an ASan quarantine sweep can stall one
# input for a second, which says nothing about the input.
# -rss_limit_mb: a frame may legitimately need tens of MiB (8 MiB frame limit).
"$fuzzer" "$corpus" "$seeds" -max_total_time="$seconds" -max_len=65536 \
  -timeout=10 -rss_limit_mb=2560 -report_slow_units=1 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" >"$log" 2>&1
fuzz_status=$?
set -e
runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -1 || true)
[ -n "$runs" ] || runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
crashes=$(find "$artifacts" -type f | wc -l)

# Replay: every corpus input and seed once, timed by libFuzzer ("Executed FILE in N ms").
replay="$dir/replay-$name.log"
find "$corpus" "$seeds" -type f -print0 |
  xargs -0 -r -n 500 "$fuzzer" -timeout=1 -rss_limit_mb=2560 >"$replay" 2>&1 || crashes=$((crashes + 1))
inputs=$(find "$corpus" "$seeds" -type f | wc -l)
replayed=$(grep -c '^Executed ' "$replay" || true)
# An input over the limit is timed twice more and judged by its fastest run: scheduling
# noise only ever adds time.
retime() {
  local file=$1 best=$2 ms
  for _ in 1 2; do
    ms=$("$fuzzer" -timeout=10 -rss_limit_mb=2560 "$file" 2>&1 |
      grep -oE '^Executed .* in [0-9]+ ms' | awk '{print $(NF-1)}')
    [ -n "$ms" ] && [ "$ms" -lt "$best" ] && best=$ms
  done
  echo "$best"
}
timings="$dir/timings-$name.txt"
grep -oE '^Executed .* in [0-9]+ ms' "$replay" | awk '{print $(NF-1), $2}' | sort -n >"$timings"
while read -r ms file; do
  [ "$ms" -gt "$slow_ms" ] || continue
  echo "$(retime "$file" "$ms") $file"
done < <(awk -v limit="$slow_ms" '$1 > limit' "$timings") >"$timings.retimed"
slowest=$( (awk -v limit="$slow_ms" '$1 <= limit' "$timings"; cat "$timings.retimed") | sort -n | tail -1)
slowest_ms=${slowest%% *}
slowest_file=${slowest#* }

echo "[reliability] fuzz $name: seconds=$seconds inputs_executed=${runs:-0} corpus=$(find "$corpus" -type f | wc -l)" \
  "replayed=$replayed crashes=$crashes slowest_ms=${slowest_ms:-0} ($(basename "${slowest_file:-none}"))"
status=0
if [ "$fuzz_status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
  echo "fuzz $name: FAILED (status $fuzz_status); artifacts in $artifacts, log $log" >&2
  tail -40 "$log" >&2
  status=1
fi
if [ "$replayed" -ne "$inputs" ]; then
  echo "fuzz $name: FAILED: replayed $replayed of $inputs inputs (see $replay)" >&2
  status=1
fi
if [ "${slowest_ms:-0}" -gt "$slow_ms" ]; then
  echo "fuzz $name: FAILED: $slowest_file took ${slowest_ms} ms (limit ${slow_ms} ms)" >&2
  status=1
fi
return $status
}

status=0
fuzz_one batch "$seconds" corpus || status=1
fuzz_one query $((seconds / 2)) corpus-query || status=1
exit $status
