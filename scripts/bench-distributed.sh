#!/usr/bin/env bash
# Data-parallel scaling on this machine (MPI): W2 and W3 trained on 1 process × 1 and
# 2 BLAS threads and on 2 MPI processes × 1 thread (gradients summed layer by layer during
# backpropagation, and after it), with the allreduce time of each model's gradients.
# Efficiency = examples/s ÷ (cores used × examples/s on 1 process × 1 thread).
# Usage: scripts/bench-distributed.sh [TIMED_EPOCHS]   (after `make deps-data`)
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-1}
swift build -c release --package-path Benchmarks --product backprop-scaling >/dev/null
bench=Benchmarks/.build/release/backprop-scaling
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for w in W2 W3; do
  "$bench" "$w" --threads 1 --epochs "$epochs" >>"$results"
  "$bench" "$w" --threads 2 --epochs "$epochs" >>"$results"
  mpirun -np 2 --bind-to core "$bench" "$w" --threads 1 --epochs "$epochs" >>"$results"
  mpirun -np 2 --bind-to core "$bench" "$w" --threads 1 --epochs "$epochs" --no-overlap >>"$results"
done
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
print(f"{'workload':9}{'processes × threads':>21}{'gradient sums':>22}{'examples/s':>12}{'efficiency':>12}{'allreduce':>12}")
for r in rows:
    base = next(b for b in rows if b["workload"] == r["workload"] and b["ranks"] == 1 and b["threads"] == 1)
    cores = r["ranks"] * r["threads"]
    mode = "—" if r["ranks"] == 1 else ("during backprop" if r["overlap"] else "after backprop")
    reduce = f"{r['allreduce_seconds'] * 1e3:.2f} ms" if r["ranks"] > 1 else "—"
    print(f"{r['workload']:9}{str(r['ranks']) + ' × ' + str(r['threads']):>21}{mode:>22}"
          f"{r['examples_per_second']:>12.0f}{r['examples_per_second'] / (cores * base['examples_per_second']):>12.2f}{reduce:>12}")
    if r["ranks"] > 1 and r["overlap"]:
        print(f"{'':9}  gradients: {r['gradient_values']:,} floats = {r['gradient_values'] * 4 / 1e6:.2f} MB per step")
PY
