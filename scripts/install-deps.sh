#!/usr/bin/env bash
# Installs the Debian 12 packages kpihub needs to build, test and run, and only those that are
# missing: a second run installs nothing and takes a fraction of a second.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git ca-certificates curl
  libzmq3-dev cppzmq-dev capnproto libcapnp-dev
  liblmdb-dev lmdb-utils
  prometheus-cpp-dev libspdlog-dev libfmt-dev
  libcivetweb-dev  # kpihubd's HTTP server (/metrics, /healthz, /readyz)
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libsystemd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus  # promtool and the server the end-to-end tests scrape with
  prometheus-alertmanager  # the alert delivery test routes a firing alert through it
  systemd     # systemd-analyze: the unit files are verified and scored by the tests
  libcsv-dev  # CSV parsing in kpihub-adapter (RFC 4180)
  libcctz-dev tzdata  # `kpihub` reads and prints moments in the zone's IANA time zone
  libutf8proc-dev     # Unicode: NFKC of department headers and figures, display widths in `kpihub`
  help2man            # the manual pages, generated from each program's --help at build time
  lintian             # the .deb is checked by lintian (tests/packaging)
  python3     # the sample generator (samples/generator/make_samples.py)
  clang libclang-rt-14-dev  # libFuzzer, ASan and UBSan for the fuzzer (scripts/fuzz.sh)
  prometheus-pushgateway postgresql libpq-dev  # compared against in bench/ (scripts/bench.sh)
  libcurl4-openssl-dev  # the benchmark's HTTP client for the Pushgateway
  linux-perf  # profiles in docs/performance.md
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${missing[*]}" >&2
# Keep package scripts from starting services (the prometheus package would start one on
# :9090); the tests start their own on ephemeral loopback ports.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  made_policy=1
fi
cleanup() { [ "$made_policy" -eq 1 ] && $SUDO rm -f "$policy"; }
trap cleanup EXIT
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
