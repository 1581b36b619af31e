#!/usr/bin/env bash
# Soak test of `backprop serve`: MINUTES (default 10) of mixed traffic from wrk,
# 8 connections, one request in four malformed (wrong feature count, not JSON, NaN, no
# examples, a string among the pixels), while the model file is replaced and SIGHUP sent in
# turn every 30 s. Passes when every good request got 200 with predictions and every
# malformed one a 4xx, the server never stopped, and its resident memory at the end is
# within 10% (+16 MiB) of its memory after the first minute.
# Usage: scripts/soak-serve.sh [MINUTES]   (after `make deps-bench`)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
data=${DATA:-/usr/share/datasets/fashion-mnist}
swift build -c release --product backprop >/dev/null
bin=.build/release/backprop
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

for seed in 1 2; do
  $bin train "$data/train-images-idx3-ubyte.gz" --hidden 256,128 --activation relu --optimizer adam --batch-size 64 \
    --epochs 1 --seed $seed --output "$work/model$seed.safetensors" >/dev/null
done
cp "$work/model1.safetensors" "$work/served.safetensors"
python3 - "$data/t10k-images-idx3-ubyte.gz" "$work" <<'PY'
import gzip, json, sys
raw = gzip.open(sys.argv[1]).read()[16:]
images = [list(raw[i * 784:(i + 1) * 784]) for i in range(8)]
open(f"{sys.argv[2]}/good.json", "w").write(json.dumps({"instances": images}, separators=(",", ":")))
PY
cat > "$work/soak.lua" <<LUA
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  good_sent, bad_sent, good_ok, bad_4xx, wrong = 0, 0, 0, 0, 0
  local f = io.open("$work/good.json"); local good = f:read("*a"); f:close()
  bodies = {
    '{"instances": [[1, 2, 3]]}', 'instances: 1', '{"instances": [[NaN]]}', '{"instances": []}',
    '{"instances": [[' .. string.rep("1,", 783) .. '"x"]]}',
  }
  goodBody, n = good, 0
end
function request()
  n = n + 1
  if n % 4 == 0 then
    isGood = false; bad_sent = bad_sent + 1
    return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[(n / 4) % #bodies + 1])
  end
  isGood = true; good_sent = good_sent + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, goodBody)
end
function response(status, headers, body)
  if isGood and status == 200 and string.find(body, '"predictions"', 1, true) then good_ok = good_ok + 1
  elseif not isGood and status >= 400 and status < 500 and string.find(body, '"error"', 1, true) then bad_4xx = bad_4xx + 1
  else wrong = wrong + 1; if wrong <= 5 then io.stderr:write("unexpected answer " .. status .. ": " .. string.sub(body, 1, 200) .. "\n") end end
end
function done(summary, latency, requests)
  local t = {good_sent = 0, bad_sent = 0, good_ok = 0, bad_4xx = 0, wrong = 0}
  for _, thread in ipairs(threads) do for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end end
  io.write(string.format("RESULT %d %d %d %d %d\n", t.good_sent, t.bad_sent, t.good_ok, t.bad_4xx, t.wrong))
end
LUA

$bin serve "$work/served.safetensors" --name soak --port 0 >"$work/url" 2>"$work/log" &
server=$!
for _ in $(seq 100); do grep -q http "$work/url" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/url")
rss() { awk '/VmRSS/ {print $2}' /proc/$server/status; }

(
  for ((k = 1; k <= minutes * 2; k++)); do
    sleep 30
    if ((k % 2)); then cp "$work/model$((k % 4 == 1 ? 2 : 1)).safetensors" "$work/next" && mv "$work/next" "$work/served.safetensors"
    else kill -HUP "$server"; fi
    echo "$((k * 30)) s: $(awk '/VmRSS/ {print $2}' /proc/$server/status) KiB" >>"$work/rss"
  done
) &
reloader=$!
# One connection per wrk thread, so that each thread's request and response alternate.
wrk -t 8 -c 8 -d "$((minutes * 60))s" -s "$work/soak.lua" "$url:predict" >"$work/wrk" 2>"$work/wrk-errors" || true
wait "$reloader" || true
read -r _ good_sent bad_sent good_ok bad_4xx wrong < <(grep RESULT "$work/wrk")
reloads=$(python3 -c "import urllib.request; print([l for l in urllib.request.urlopen('${url%/v1/*}/metrics').read().decode().splitlines() if l.startswith('backprop_model_reloads_total')])")
version=$(python3 -c "import json, urllib.request; print(json.load(urllib.request.urlopen('${url%/v1/*}/readyz'))['version'])")
first=$(sed -n 2p "$work/rss" | awk '{print $3}'); last=$(tail -1 "$work/rss" | awk '{print $3}')
kill -TERM "$server"; wait "$server"; status=$?; server=
echo "soak: $minutes min, $(grep -o 'Requests/sec: *[0-9.]*' "$work/wrk")"
echo "good requests: $good_sent sent, $good_ok answered 200 with predictions"
echo "malformed requests: $bad_sent sent, $bad_4xx answered 4xx with an error"
echo "unexpected answers: $wrong; wrk errors: $(grep -o 'Socket errors.*' "$work/wrk" || echo none)"
echo "model version at the end: $version; $reloads"
echo "resident memory (KiB), every 30 s:"; sed 's/^/  /' "$work/rss"
echo "server exit status after SIGTERM: $status"
cat "$work/wrk-errors" | head -5
ok=1
[ "$wrong" = 0 ] || ok=0
[ $((good_sent - good_ok)) -le 8 ] || ok=0          # up to one request per connection cut off by the end of the run
[ $((bad_sent - bad_4xx)) -le 8 ] || ok=0
[ "$status" = 0 ] || ok=0
python3 -c "import sys; sys.exit(0 if $last <= 1.1 * $first + 16384 else 1)" || { echo "memory grew: $first → $last KiB"; ok=0; }
[ $ok = 1 ] && echo "soak passed" || { echo "soak FAILED"; exit 1; }
