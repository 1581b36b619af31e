#!/usr/bin/env bash
# Prints the path of a Python that has what the interoperability and browser tests need
# (NumPy, safetensors, ONNX Runtime, pytest, Selenium, and tritonclient[http,grpc] for the Open
# Inference Protocol's client), creating a virtual environment with them from PyPI when the
# system Python lacks them: in the user's cache folder (~/.cache/backprop/python), kept from
# one clone and one `make test` to the next (making it takes half a minute), else in
# .build/python when the cache folder cannot be written.
set -euo pipefail
need="import numpy, safetensors, onnxruntime, pytest, selenium, tritonclient.http, tritonclient.grpc"
if python3 -c "$need" 2>/dev/null; then command -v python3; exit 0; fi
venv=${XDG_CACHE_HOME:-${HOME:-.}/.cache}/backprop/python
mkdir -p "$(dirname "$venv")" 2>/dev/null && [ -w "$(dirname "$venv")" ] || venv=.build/python
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "$need" 2>/dev/null; then
  if ! python3 -m venv --system-site-packages "$venv" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv --system-site-packages "$venv"
    else
      echo "error: python3 cannot create a virtual environment; install python3-venv" >&2
      exit 1
    fi
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check numpy safetensors onnxruntime pytest selenium "tritonclient[http,grpc]" >&2
fi
echo "$venv/bin/python"
