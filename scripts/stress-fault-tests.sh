#!/usr/bin/env bash
# Runs the fault tests RUNS times in a row (default 20) while a release build of the package
# loads both cores in the background, and stops at the first failure (the fault tests
# must not depend on timing). Usage: scripts/stress-fault-tests.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
suites='FaultTests|InterruptionPhaseTests|LibraryResumeTests|AtomicFileTests|HostileCorpusTests|OutputPathTests'
swift build --build-tests
load=$(mktemp -d)
# The load: a release build from scratch, again and again, in its own process group.
setsid bash -c "while true; do rm -rf '$load/build'; swift build -c release --scratch-path '$load/build' >/dev/null 2>&1; done" &
loader=$!
trap 'kill -- -$loader 2>/dev/null; wait 2>/dev/null; sleep 2; rm -rf "$load"' EXIT
sleep 20  # let the load build get going
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if ! swift test --skip-build --filter "$suites" >"$load/run.log" 2>&1; then
    grep -E "✘" "$load/run.log" | head -20
    echo "run $i of $runs FAILED (load average $(cut -d' ' -f1 /proc/loadavg))"
    exit 1
  fi
  echo "run $i of $runs passed in $(( $(date +%s) - start )) s (load average $(cut -d' ' -f1 /proc/loadavg))"
done
echo "all $runs runs passed under load"
