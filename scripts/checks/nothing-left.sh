#!/usr/bin/env bash
# Checks that the tests removed the temporary files and folders they made. The tests run with
# TMPDIR=FOLDER (the builds' too, so that SwiftPM does not rebuild), which is left as it is:
#   nothing-left.sh before FOLDER   notes what FOLDER holds, before the tests;
#   nothing-left.sh after FOLDER    fails, listing them, if entries appeared since, other than
#                                   the tools' own (SwiftPM's `*.lock`, the Swift compiler's
#                                   `TemporaryDirectory.*` and `swift-generated-sources*`, and
#                                   the `.ses` that importing ONNX Runtime writes).
set -euo pipefail
step=$1 folder=$2
notes="$folder.before"
case $step in
  before) ls -A "$folder" > "$notes" ;;
  after)
    left=$(ls -A "$folder" | grep -v -x -F -f "$notes" | grep -v -E '\.lock$|^TemporaryDirectory\.|^swift-generated-sources|^\.ses$' || true)
    if [ -n "$left" ]; then
      echo "FAILED: the tests left these in $folder (their TMPDIR):"
      echo "$left" | head -20
      exit 1
    fi
    echo "the tests left nothing in their temporary folder" ;;
  *) echo "usage: $0 before|after FOLDER" >&2; exit 2 ;;
esac
