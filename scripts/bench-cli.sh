#!/usr/bin/env bash
# W2 through the command line, as a user runs it: `backprop train` with W2's settings in a
# fresh process, with the automatic engine and with Backprop's kernels alone
# (BACKPROP_GEMM=builtin, which never calls OpenBLAS's gemm), alternating. The benchmark's
# W2 runs after large products have been through OpenBLAS; a fresh process has not, and
# there OpenBLAS 0.3.21 runs W2's products at a fraction of their speed unless Backprop
# warms its buffers first (BLASSetup.swift; docs/performance-choices.md). If the automatic
# column is well behind the builtin one, the warm-up no longer works. Prints each run's
# best epoch in seconds.
# Usage: scripts/bench-cli.sh [PAIRS]   (after `make deps-data`)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3}
data=${DATA:-/usr/share/datasets/fashion-mnist}
swift build -c release --product backprop >/dev/null
best_epoch() {
  env "$@" .build/release/backprop train "$data/train-images-idx3-ubyte.gz" --hidden 256,128 --activation relu \
    --optimizer adam --learning-rate 0.001 --batch-size 64 --epochs 2 --seed 1 --json |
    python3 -c 'import json, sys; print(min(r["seconds"] for r in map(json.loads, sys.stdin) if "epoch" in r and "final" not in r))'
}
echo "W2 via \`backprop train\` in a fresh process, best of 2 epochs (s):"
printf '%-6s %10s %10s\n' pair automatic builtin
for i in $(seq 1 "$pairs"); do
  printf '%-6s %10.3f %10.3f\n' "$i" "$(best_epoch BACKPROP_GEMM=automatic)" "$(best_epoch BACKPROP_GEMM=builtin)"
done
