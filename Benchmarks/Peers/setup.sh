#!/usr/bin/env bash
# Installs what the peer scripts need; safe to run again (each step is skipped when done).
#   * Debian's dataset-fashion-mnist: the Fashion-MNIST IDX files in
#     /usr/share/datasets/fashion-mnist (apt-get: run as root, or with sudo at hand);
#   * a Python virtual environment, $VENV (default $HOME/.peers-venv), with numpy, torch
#     and jax[cpu].
# Then run a peer as Benchmarks/Peers/README.md shows, or `make bench`, which finds
# $HOME/.peers-venv/bin/python by itself (PEERS_PYTHON in the Makefile).
set -euo pipefail
VENV=${VENV:-$HOME/.peers-venv}

# apt-get as root, through sudo otherwise.
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "$@"
}

if [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  apt_install dataset-fashion-mnist
fi

if [ ! -x "$VENV/bin/python" ]; then
  # Debian keeps the venv module in its own package.
  python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$VENV"; }
fi

if ! "$VENV/bin/python" -c "import numpy, torch" 2>/dev/null; then
  # PyPI's default torch wheel brings gigabytes of GPU libraries the peers never use. Take a
  # CPU-only build (version "+cpu") when a local wheel folder in PIP_FIND_LINKS has one,
  # the last by name; otherwise the default wheel.
  cpu_torch=""
  for folder in ${PIP_FIND_LINKS:-}; do
    for wheel in "$folder"/torch-*+cpu-*.whl; do
      [ -e "$wheel" ] && cpu_torch=$wheel
    done
  done
  if [ -z "$cpu_torch" ] || ! "$VENV/bin/pip" install -q numpy "$cpu_torch" 2>/dev/null; then
    "$VENV/bin/pip" install -q numpy torch
  fi
fi

# JAX is optional: without it the benchmark runs the other peers.
"$VENV/bin/python" -c "import jax" 2>/dev/null || "$VENV/bin/pip" install -q "jax[cpu]" \
  || echo "jax[cpu] did not install: peer_jax.py is unavailable" >&2

echo "peers ready: $VENV/bin/python"
