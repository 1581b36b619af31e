#!/usr/bin/env bash
# Load test of `backprop serve`: W4's model (784-256-128-10, trained for one epoch
# on Fashion-MNIST) served on loopback by the release build, driven by wrk at concurrency 1,
# 16 and 64 with requests of 32 test images (and of 1, for latency), beside the library's
# in-process batched rate on the same model; then the same 32 images through the Open
# Inference Protocol: over REST as JSON and as binary tensors both ways, and over gRPC
# (ModelInfer with raw_input_contents, driven by Benchmarks' backprop-grpc-load), at 1, 16 and
# 64. Prints requests/s, examples/s, p50/p99 latency, errors and the server's peak memory.
# Usage: scripts/bench-serve.sh [SECONDS_PER_RUN]   (after `make deps-bench`)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
data=${DATA:-/usr/share/datasets/fashion-mnist}
swift build -c release --product backprop >/dev/null
swift build -c release --package-path Benchmarks --product backprop-serve-bench >/dev/null
swift build -c release --package-path Benchmarks --product backprop-grpc-load >/dev/null
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

.build/release/backprop train "$data/train-images-idx3-ubyte.gz" --hidden 256,128 --activation relu --optimizer adam \
  --batch-size 64 --epochs 1 --seed 1 --output "$work/w4.safetensors" >/dev/null
python3 - "$data/t10k-images-idx3-ubyte.gz" "$work" <<'PY'
import gzip, json, struct, sys
raw = gzip.open(sys.argv[1]).read()[16:]
images = [list(raw[i * 784:(i + 1) * 784]) for i in range(32)]
for n in (1, 32):
    open(f"{sys.argv[2]}/body{n}.json", "w").write(json.dumps({"instances": images[:n]}, separators=(",", ":")))
for n in (1, 32):
    open(f"{sys.argv[2]}/post{n}.lua", "w").write(
        f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f'local f = io.open("{sys.argv[2]}/body{n}.json"); wrk.body = f:read("*a"); f:close()\n')
# The v2 route: the 32 images as a JSON tensor, and as FP32 bytes after a JSON header with
# both outputs asked for as binary.
tensor = {"name": "input", "shape": [32, 784], "datatype": "FP32"}
open(f"{sys.argv[2]}/v2json.json", "w").write(json.dumps({"inputs": [dict(tensor, data=sum(images, []))]}, separators=(",", ":")))
header = json.dumps({"inputs": [dict(tensor, parameters={"binary_data_size": 32 * 784 * 4})],
                     "outputs": [{"name": n, "parameters": {"binary_data": True}} for n in ("probabilities", "class")]},
                    separators=(",", ":")).encode()
open(f"{sys.argv[2]}/v2bin.bin", "wb").write(header + struct.pack(f"<{32 * 784}f", *sum(images, [])))
open(f"{sys.argv[2]}/tensor32.f32", "wb").write(struct.pack(f"<{32 * 784}f", *sum(images, [])))
open(f"{sys.argv[2]}/v2json.lua", "w").write(
    f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
    f'local f = io.open("{sys.argv[2]}/v2json.json"); wrk.body = f:read("*a"); f:close()\n')
open(f"{sys.argv[2]}/v2bin.lua", "w").write(
    f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/octet-stream"\n'
    f'wrk.headers["Inference-Header-Content-Length"] = "{len(header)}"\n'
    f'local f = io.open("{sys.argv[2]}/v2bin.bin", "rb"); wrk.body = f:read("*a"); f:close()\n')
PY

# Two servers: one forward pass may use every core (the default), or one (--threads 1), which
# leaves the other core to parse requests under load.
serve=(.build/release/backprop serve "$work/w4.safetensors" --name w4 --port 0 --watch-interval 0)
"${serve[@]}" --grpc-port 0 >"$work/url" 2>>"$work/log" &
server=$!
"${serve[@]}" --threads 1 >"$work/url1" 2>>"$work/log" &
server="$server $!"
for _ in $(seq 100); do grep -q gRPC "$work/url" 2>/dev/null && grep -q http "$work/url" && grep -q http "$work/url1" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/url")
grpc_port=$(grep -o 'gRPC at [^ ]*' "$work/url" | grep -o '[0-9]*$')
url1=$(grep -o 'http://[^ ]*' "$work/url1")
status=$(python3 -c "import urllib.request; print(urllib.request.urlopen(urllib.request.Request('$url:predict', open('$work/body32.json','rb').read())).status)")
[ "$status" = 200 ] || { echo "the server did not answer a good request" >&2; exit 1; }

inprocess=$(Benchmarks/.build/release/backprop-serve-bench "$work/w4.safetensors" --batch 256 --seconds 3)
# CPU seconds a process has used (user + system), from /proc.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }
read -r pid0 pid1 <<<"$server"
printf '%-40s%12s%14s%11s%11s%9s%16s\n' "run" "requests/s" "examples/s" "p50" "p99" "errors" "cores: srv/client"
# Each run: concurrency, examples per request, --threads 1 or not, route (v1 :predict, v2 JSON,
# v2 binary, gRPC).
for run in "1 1 - v1" "1 32 - v1" "16 32 - v1" "64 32 - v1" "64 32 1 v1" \
           "1 32 - v2json" "16 32 - v2json" "64 32 - v2json" "1 32 - v2bin" "16 32 - v2bin" "64 32 - v2bin" \
           "1 32 - grpc" "16 32 - grpc" "64 32 - grpc"; do
  set -- $run
  target=$url pid=$pid0; [ "$3" = 1 ] && target=$url1 pid=$pid1
  script="$work/post$2.lua" endpoint="$target:predict"
  [ "$4" != v1 ] && script="$work/$4.lua" endpoint="${target%/v1/models/w4}/v2/models/w4/infer"
  before=$(cpu "$pid")
  if [ "$4" = grpc ]; then
    out=$(Benchmarks/.build/release/backprop-grpc-load --port "$grpc_port" --model w4 --tensor "$work/tensor32.f32" \
      --rows "$2" --concurrency "$1" --seconds "$seconds")
  else
    out=$(/usr/bin/time -f "WRKCPU %U %S" wrk -t "$(( $1 < 2 ? 1 : 2 ))" -c "$1" -d "${seconds}s" --latency -s "$script" "$endpoint" 2>&1)
  fi
  after=$(cpu "$pid")
  python3 - "$1" "$2" "$3" "$out" "$work/rows" "$before" "$after" "$seconds" "$4" <<'PY'
import json, re, sys
c, n, threads, out, route = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[9]
server_cores = (float(sys.argv[7]) - float(sys.argv[6])) / float(sys.argv[8])
if route == "grpc":  # backprop-grpc-load's JSON line
    load = json.loads(out)
    rps, errors, wrk_cores = load["requests_per_second"], load["errors"], load["cores"]
    ms = lambda label: load[f"p{label}_ms"]
else:
    wrk_cores = sum(map(float, re.search(r"WRKCPU ([\d.]+) ([\d.]+)", out).groups())) / float(sys.argv[8])
    def ms(label):
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
name = f"concurrency {c}, {n} example{'s' if n > 1 else ''}" + (", --threads 1" if threads == "1" else "")
name += {"v1": "", "v2json": ", v2 JSON", "v2bin": ", v2 binary", "grpc": ", gRPC"}[route]
print(f"{name:40}{rps:12.0f}{rps * n:14.0f}{ms('50'):9.3f}ms{ms('99'):9.3f}ms{errors:9d}{server_cores:9.2f} /{wrk_cores:4.2f}")
open(sys.argv[5], "a").write(json.dumps({"c": c, "n": n, "threads": threads, "route": route, "examples": rps * n, "p99": ms("99"), "errors": errors,
                                        "server_cores": server_cores}) + "\n")
PY
done
peak=$(for p in $server; do awk '/VmHWM/ {print $2}' /proc/$p/status; done | sort -n | tail -1)
for p in $server; do kill -TERM "$p"; wait "$p"; done
server=
python3 - "$inprocess" "$work/rows" "$peak" <<'PY'
import json, sys
inproc = json.loads(sys.argv[1])["examples_per_second"]
inproc_cores = json.loads(sys.argv[1])["cores"]
rows = [json.loads(line) for line in open(sys.argv[2])]
c64 = {r["route"]: r for r in rows if r["c"] == 64 and r["threads"] == "-"}
p99_c1 = next(r["p99"] for r in rows if r["c"] == 1 and r["n"] == 1)
errors = sum(r["errors"] for r in rows)
print(f"in process, batches of 256 (Model.predict): {inproc:,.0f} examples/s")
print(f"server peak memory (VmHWM, the larger of the two): {int(sys.argv[3]) / 1024:.1f} MiB")
print(f"target: zero errors in all runs: {errors} {'met' if errors == 0 else 'NOT met'}")
for route, name in (("v2bin", "v2 binary REST"), ("grpc", "gRPC")):
    share = c64[route]["examples"] / inproc
    print(f"target: {name} at concurrency 64 ≥ 80% of in-process examples/s: {share:.0%} {'met' if share >= 0.8 else 'NOT met'}")
print(f"target: p99 at concurrency 1 (1 example) ≤ 0.5 ms: {p99_c1:.3f} ms {'met' if p99_c1 <= 0.5 else 'NOT met'}")
print("at concurrency 64, share of in-process examples/s, and examples per core-second of the server's CPU "
      f"(in process: {inproc / inproc_cores:,.0f} on {inproc_cores:.2f} cores):")
for route, name in (("v1", "v1 :predict JSON"), ("v2json", "v2 JSON"), ("v2bin", "v2 binary"), ("grpc", "gRPC")):
    r = c64[route]
    print(f"  {name:18}{r['examples'] / inproc:6.0%}{r['examples'] / r['server_cores']:12,.0f}")
PY
