#!/usr/bin/env bash
# Builds the libFuzzer targets (AddressSanitizer on) and runs each reader's target for
# FUZZ_SECONDS (default 60) from the seed corpus in Tests/Fuzz/Seeds. Fails on any crash,
# hang (FUZZ_TIMEOUT seconds for one input, default 10) or out-of-memory (2 GB).
# A crashing input is copied to Tests/Fuzz/Regressions/TARGET/ (which the ordinary tests
# replay, so it keeps failing until fixed) and the run fails; commit it with the fix.
# `make test` runs this for 5 s per reader.
# Leak reports are off: a leak is not a crash, and Foundation's file reader leaks on
# empty files (seen here), which would stop the fuzzer at once.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
swift build --scratch-path .build-fuzz --product backprop-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld
fuzzer=.build-fuzz/debug/backprop-fuzz
mkdir -p .build-fuzz/artifacts
status=0
for target in csv idx model; do
  corpus=.build-fuzz/corpus/$target
  mkdir -p "$corpus"
  cp -n Tests/Fuzz/Seeds/$target/* "$corpus"/ 2>/dev/null || true
  echo "== fuzzing the $target reader for $seconds s"
  if ! ASAN_OPTIONS=detect_leaks=0 FUZZ_TARGET=$target "$fuzzer" "$corpus" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" \
      -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
      -artifact_prefix=.build-fuzz/artifacts/$target- 2>.build-fuzz/$target.log; then
    echo "FAILED: the $target reader crashed, hung or ran out of memory; see .build-fuzz/$target.log"
    grep -E "ERROR|SUMMARY|Test unit written" .build-fuzz/$target.log | head -5
    for artifact in .build-fuzz/artifacts/$target-*; do
      [ -f "$artifact" ] || continue
      cp "$artifact" "Tests/Fuzz/Regressions/$target/$(basename "$artifact" | sed "s/^$target-//")"
      echo "saved as a regression input: Tests/Fuzz/Regressions/$target/$(basename "$artifact" | sed "s/^$target-//")"
    done
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" .build-fuzz/$target.log | tr '\n' ' '; echo
  fi
done
exit $status
