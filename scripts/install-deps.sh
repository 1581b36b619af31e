#!/usr/bin/env bash
# Installs the Debian packages Backprop needs, if any are missing.
#   scripts/install-deps.sh            build and test dependencies
#   scripts/install-deps.sh --data     also the Fashion-MNIST data set (for the demo)
#   scripts/install-deps.sh --bench    also the data set, wrk (for make bench's load test), and BLIS and
#                                      oneDNN (for its engine comparisons; loaded at run time, never linked;
#                                      oneDNN's header gives the bfloat16 comparison its matmul's types)
#   scripts/install-deps.sh --browser  also Chromium and its WebDriver (for make test's browser tests)
# As root it runs apt-get; otherwise it prints the command to run and fails.
set -euo pipefail

packages=(libopenblas-dev zlib1g-dev pkg-config gzip python3 time libopenmpi-dev openmpi-bin iproute2)
[ "${1:-}" = "--data" ] && packages+=(dataset-fashion-mnist)
[ "${1:-}" = "--bench" ] && packages+=(dataset-fashion-mnist wrk libblis4 libdnnl2 libdnnl-dev)
[ "${1:-}" = "--browser" ] && packages+=(chromium chromium-driver)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ! command -v swift >/dev/null 2>&1; then
  echo "error: 'swift' is not on PATH; install a Swift 6 toolchain (swift.org) first" >&2
  exit 1
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  echo "Installing ${missing[*]} …"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "error: missing Debian packages: ${missing[*]}" >&2
  echo "install them with:  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
