#!/usr/bin/env bash
# Fails, listing them, if FOLDER holds anything but the tools' own files (SwiftPM's `*.lock`
# files, the Swift driver's `TemporaryDirectory.*`, and the `.ses` that importing ONNX Runtime
# writes): the tests run with TMPDIR=FOLDER, and each must remove the temporary files and
# folders it made.
set -euo pipefail
folder=$1
left=$(ls -A "$folder" | grep -v -E '\.lock$|^TemporaryDirectory\.|^\.ses$' || true)
if [ -n "$left" ]; then
  echo "FAILED: the tests left these in $folder (their TMPDIR):"
  echo "$left" | head -20
  exit 1
fi
echo "the tests left nothing in their temporary folder"
