#!/usr/bin/env bash
# Does a page following a playground run slow its training? Trains an 8×8×8 network on the
# spiral flat out with `backprop playground`, alternately with no page and with one following
# its event stream (curl), SECONDS seconds each, ROUNDS rounds, and prints mini-batches a
# second for both and the frames a second the follower received.
#   scripts/bench-playground.sh [SECONDS] [ROUNDS]      (BIN: the binary, default the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
rounds=${2:-3}
bin=${BIN:-.build/release/backprop}
[ -n "${BIN:-}" ] || swift build -c release --product backprop >/dev/null
out=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$out"' EXIT

"$bin" playground --port 0 >"$out/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "playground at" "$out/server.log" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$out/server.log")
settings='{"data":"spiral","hidden":[8,8,8],"activations":["tanh","tanh","tanh"],"optimizer":"adam","learningRate":0.01}'
field() { python3 -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])"; }

echo "8×8×8 on the spiral, trained flat out for ${seconds} s a run ($(nproc) cores)"
for round in $(seq "$rounds"); do
  for mode in alone followed; do
    id=$(curl -s -X POST -H "Content-Type: application/json" "${url}api/runs" -d "$settings" | field id)
    curl -s -X POST "${url}api/runs/$id/play" >/dev/null
    if [ "$mode" = followed ]; then
      curl -sN "${url}api/runs/$id/events" >"$out/events" &
      follower=$!
    fi
    sleep "$seconds"
    curl -s -X POST "${url}api/runs/$id/pause" >/dev/null
    steps=$(curl -s "${url}api/runs/$id/snapshot" | field steps)
    line="round $round, $mode:   $(python3 -c "print(f'{$steps / $seconds:9.0f}')") mini-batches/s"
    if [ "$mode" = followed ]; then
      kill "$follower" 2>/dev/null || true
      wait "$follower" 2>/dev/null || true
      frames=$(grep -c '^data: ' "$out/events" || true)
      bytes=$(wc -c <"$out/events")
      line="$line, $(python3 -c "print(f'{$frames / $seconds:.1f} frames/s, {$bytes / max(1, $frames) / 1024:.0f} KiB a frame')")"
    fi
    echo "$line"
  done
done
