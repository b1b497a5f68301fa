#!/usr/bin/env bash
# Installs the Debian 12 packages kpihub needs, and only those that are missing: a second run
# installs nothing and takes a fraction of a second.
#   install-deps.sh demo   what scripts/demo.sh needs: the build and running it
#   install-deps.sh test   (default) that plus the test, benchmark and fuzzing tools
#                          (scripts/test.sh, bench.sh, fuzz.sh, tsan.sh)
set -euo pipefail

mode=${1:-test}

# Building kpihub (configuring it needs GoogleTest and Google Benchmark too) and running the
# demo (curl reads /metrics).
DEMO_PACKAGES=(
  build-essential cmake pkg-config
  libzmq3-dev cppzmq-dev capnproto libcapnp-dev
  liblmdb-dev
  prometheus-cpp-dev libspdlog-dev libfmt-dev
  libcivetweb-dev  # kpihubd's HTTP server (/metrics, /healthz, /readyz)
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libsystemd-dev
  libcsv-dev  # CSV parsing in kpihub-adapter (RFC 4180)
  libcctz-dev tzdata  # `kpihub` reads and prints moments in the zone's IANA time zone
  libutf8proc-dev     # Unicode: NFKC of department headers and figures, display widths in `kpihub`
  help2man            # the manual pages, generated from each program's --help at build time
  libsodium-dev       # Ed25519 signatures and SHA-256 of the leadership report (`kpihub report`)
  zlib1g-dev          # the CRC-32 that seals every stored record
  libgtest-dev libgmock-dev libbenchmark-dev
  curl
  python3  # the demo's check against the sample's expectations (tests/oracle/oracle_compare.py)
)
# Everything the tests, the benchmark suite and the fuzzer use on top.
TEST_PACKAGES=(
  git ca-certificates
  lmdb-utils  # mdb_dump: a test corrupts a stored cell on purpose
  prometheus  # promtool and the server the end-to-end tests scrape with
  prometheus-alertmanager  # the alert delivery test routes a firing alert through it
  systemd     # systemd-analyze: the unit files are verified and scored by the tests
  lintian     # the .deb is checked by lintian (tests/packaging)
  file        # CPack's .deb generator (dpkg-shlibdeps) identifies binaries with it
  # python3 (in the demo's list): the sample generator and bench/run_bench.py too
  clang libclang-rt-14-dev  # libFuzzer, ASan and UBSan for the fuzzer (scripts/fuzz.sh)
  prometheus-pushgateway postgresql libpq-dev  # compared against in bench/ (scripts/bench.sh)
  libcurl4-openssl-dev  # the benchmark's HTTP client for the Pushgateway
  linux-perf  # profiles in docs/performance.md
  # The leadership report printed as a browser prints it (tests/report): headless chromium,
  # pdfinfo and pdftotext, and a CJK font for the Chinese text.
  chromium poppler-utils fonts-noto-cjk
)

case "$mode" in
  demo) PACKAGES=("${DEMO_PACKAGES[@]}") ;;
  test) PACKAGES=("${DEMO_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
  *) echo "usage: $0 [demo|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing ${#missing[@]} Debian packages for the $mode (only once): ${missing[*]}" >&2
# Keep package scripts from starting services (the prometheus package would start one on
# :9090); the tests start their own on ephemeral loopback ports. A policy that is already
# there (Debian's container images ship one) is left as it is.
policy=/usr/sbin/policy-rc.d
made_policy=0
cleanup() {
  if [ "$made_policy" -eq 1 ]; then
    $SUDO rm -f "$policy"
  fi
}
# The script's exit status is that of the installation, never that of the clean-up.
trap 'status=$?; cleanup; exit $status' EXIT
if [ ! -e "$policy" ]; then
  made_policy=1
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
