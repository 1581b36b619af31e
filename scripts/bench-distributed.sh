#!/usr/bin/env bash
# Data-parallel scaling (MPI): W2 and W3 trained on 1 process × 1 and 2 BLAS threads and on
# 2 MPI processes × 1 thread (gradients summed tensor by tensor during backpropagation, after
# it, and in 25 MiB buckets as PyTorch DDP's default), and on 4 processes, with the allreduce
# time of each model's gradients; then, where network namespaces can be made (root), the same
# 2 and 4 ranks on 2 and 4 hosts of scripts/hosts.sh over TCP with links shaped to 10 and
# 1 Gbit/s (on 2 hosts also in 25 MiB buckets and with bfloat16 sums), beside the cost
# model's prediction.
# Efficiency = examples/s ÷ (cores used × examples/s on 1 process × 1 thread), where the cores
# used are the processes × threads, at most the machine's cores (4 ranks on 2 cores share them).
# Usage: scripts/bench-distributed.sh [TIMED_EPOCHS]   (after `make deps-data`)
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-1}
swift build -c release --package-path Benchmarks --product backprop-scaling >/dev/null
bench=Benchmarks/.build/release/backprop-scaling
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
results=$(mktemp)
trap 'rm -f "$results"; scripts/hosts.sh down 2>/dev/null || true' EXIT
for w in W2 W3; do
  "$bench" "$w" --threads 1 --epochs "$epochs" >>"$results"
  "$bench" "$w" --threads 2 --epochs "$epochs" >>"$results"
  mpirun -np 2 --bind-to core "$bench" "$w" --threads 1 --epochs "$epochs" >>"$results"
  mpirun -np 2 --bind-to core "$bench" "$w" --threads 1 --epochs "$epochs" --no-overlap >>"$results"
  mpirun -np 2 --bind-to core "$bench" "$w" --threads 1 --epochs "$epochs" --bucket-cap-mb 25 >>"$results"
  mpirun -np 4 --oversubscribe "$bench" "$w" --threads 1 --epochs "$epochs" >>"$results"
done
for hosts in 2 4; do
  for rate in 10gbit 1gbit; do
    if ! scripts/hosts.sh up "$hosts" "$rate" >/dev/null 2>&1; then
      echo "note: no namespace hosts here (root and iproute2 needed): the runs over TCP are left out"
      break 2
    fi
    for w in W2 W3; do
      if [ "$hosts" = 2 ]; then
        scripts/hosts.sh mpirun 2 "$bench" "$w" --threads 1 --epochs "$epochs" --link "TCP $rate" >>"$results"
        scripts/hosts.sh mpirun 2 "$bench" "$w" --threads 1 --epochs "$epochs" --link "TCP $rate" \
          --bucket-cap-mb 25 >>"$results"
        scripts/hosts.sh mpirun 2 "$bench" "$w" --threads 1 --epochs "$epochs" --link "TCP $rate" \
          --allreduce-precision bf16 >>"$results"
      else
        scripts/hosts.sh mpirun 4 "$bench" "$w" --threads 1 --epochs "$epochs" --link "TCP $rate" >>"$results"
      fi
    done
  done
done
python3 - "$results" <<'PY'
import json, os, sys
machine_cores = os.cpu_count()
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
print(f"{'workload':9}{'processes × threads':>21}{'link':>16}{'gradient sums':>18}{'examples/s':>12}{'efficiency':>12}{'allreduce':>12}")
efficiency = {}
for r in rows:
    base = next(b for b in rows if b["workload"] == r["workload"] and b["ranks"] == 1 and b["threads"] == 1)
    cores = min(r["ranks"] * r["threads"], machine_cores)
    bucketed = r.get("bucket_cap_mb", 0) > 0
    bf16 = r.get("allreduce_precision", "fp32") == "bf16"
    mode = "—" if r["ranks"] == 1 else "25 MiB buckets" if bucketed else "bf16 sums" if bf16 \
        else "during backprop" if r["overlap"] else "after backprop"
    reduce = f"{r['allreduce_seconds'] * 1e3:.2f} ms" if r["ranks"] > 1 else "—"
    link = r.get("link", "shared memory") if r["ranks"] > 1 else "—"
    e = r["examples_per_second"] / (cores * base["examples_per_second"])
    if not bf16:
        efficiency[(r["workload"], link, r["overlap"] and not bucketed, r["ranks"])] = e
    print(f"{r['workload']:9}{str(r['ranks']) + ' × ' + str(r['threads']):>21}{link:>16}{mode:>18}"
          f"{r['examples_per_second']:>12.0f}{e:>12.2f}{reduce:>12}")
    if r["ranks"] > 1 and r["overlap"] and not bucketed and link == "shared memory":
        print(f"{'':9}  gradients: {r['gradient_values']:,} floats = {r['gradient_values'] * 4 / 1e6:.2f} MB per step")
# The cost model (docs/distributed.md) on each host run: a rank computes its B/N examples in
# c = B / (N r₁) seconds (r₁: examples/s of 1 process × 1 thread; with more ranks than cores,
# the N ranks share the C cores and c = B / (C r₁)) and the ring allreduce moves
# 8P(N−1)/N bytes through a link of β bytes/s: m = 8P(N−1)/(Nβ). Without overlap the
# efficiency falls by c / (c + m) from the same ranks on shared memory: the prediction below
# is the shared-memory efficiency times that factor. The last columns correct it for one
# machine, where the kernel's TCP work runs on the ranks' own cores: a step takes the
# shared-memory step T plus the larger of k, the rank's time in the kernel per step beyond
# the shared-memory run's (its TCP work, and its polling while it waits), and a, the
# allreduce measured alone on the link; prediction = shared-memory efficiency × T/(T + max(k, a)).
hosts = [r for r in rows if r.get("link", "shared memory") != "shared memory" and r["ranks"] > 1
         and r.get("bucket_cap_mb", 0) == 0 and r.get("allreduce_precision", "fp32") == "fp32"]
if hosts:
    print("\nranks over TCP against the cost model (prediction = shared-memory efficiency × c/(c + m); corrected: × T/(T + max(k, a))):")
    print(f"{'workload':9}{'hosts':>6}{'link':>12}{'c (ms)':>9}{'m (ms)':>9}{'measured':>10}{'÷ shared':>10}{'predicted':>11}"
          f"{'÷ predicted':>13}{'T (ms)':>9}{'k (ms)':>9}{'a (ms)':>9}{'corrected':>11}{'÷ corrected':>13}")
    for r in hosts:
        n, p, b = r["ranks"], r["gradient_values"], r["batch"]
        base = next(x for x in rows if x["workload"] == r["workload"] and x["ranks"] == 1 and x["threads"] == 1)
        twin = next(x for x in rows if x["workload"] == r["workload"] and x["ranks"] == n and x["overlap"]
                    and x.get("link", "shared memory") == "shared memory" and x.get("bucket_cap_mb", 0) == 0
                    and x.get("allreduce_precision", "fp32") == "fp32")
        c = b / (min(n, machine_cores) * base["examples_per_second"])
        beta = float(r["link"].split()[1].removesuffix("gbit")) * 1e9 / 8
        m = 8 * p * (n - 1) / (n * beta)
        shared = efficiency[(r["workload"], "shared memory", True, n)]
        measured = efficiency[(r["workload"], r["link"], True, n)]
        predicted = shared * c / (c + m)
        t = b / twin["examples_per_second"]
        k = max(0.0, r["system_seconds_per_step"] - twin["system_seconds_per_step"])
        a = r["allreduce_seconds"]
        corrected = shared * t / (t + max(k, a))
        print(f"{r['workload']:9}{n:>6}{r['link']:>12}{c * 1e3:>9.2f}{m * 1e3:>9.2f}{measured:>10.2f}{measured / shared:>10.2f}"
              f"{predicted:>11.2f}{measured / predicted:>13.2f}{t * 1e3:>9.2f}{k * 1e3:>9.2f}{a * 1e3:>9.2f}"
              f"{corrected:>11.2f}{measured / corrected:>13.2f}")
    w3 = [r for r in hosts if r["workload"] == "W3" and r["link"] == "TCP 10gbit"]
    if w3:
        ratio = efficiency[("W3", "TCP 10gbit", True, 2)] / efficiency[("W3", "shared memory", True, 2)]
        print(f"target: W3 on 2 hosts at 10 Gbit/s ≥ 0.85 of the same ranks on shared memory: {ratio:.2f} "
              f"{'met' if ratio >= 0.85 else 'NOT met'}")
PY
