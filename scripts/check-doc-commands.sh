#!/usr/bin/env bash
# Runs every shell command that README.md and docs/*.md show, so that each one a reader
# pastes works.
#
#   usage: scripts/check-doc-commands.sh PATH/TO/backprop [FILES...]   (default: README.md docs/*.md)
#
# The convention the documentation follows:
# - Shell commands stand in ```sh blocks. Output, transcripts and other languages use other
#   fences (``` alone, ```swift, ```python): they are not run.
# - Commands run from the repository root, with `backprop` on PATH (the README says how:
#   `make release`, then `export PATH="$PWD/.build/release:$PATH"`). Outputs go to out/
#   (ignored by git) or another relative path.
# - A block whose every line that is not blank or a comment starts with `make ` is not run
#   (CI runs `make test` itself; `make demo` and `make bench` are long). Every other ```sh
#   block is run, with `bash -euo pipefail`, under `timeout 120`; keep each well under a minute
#   with a debug build (small data: Tests/Fixtures/iris.csv).
# - A block that starts a server runs it in the background, waits for it with
#   `curl --retry-connrefused`, queries it and ends with `kill $!`. Whatever a block leaves
#   running is stopped when it ends (each block is a process group of its own).
# - MPI blocks show `mpirun -np 2 …` without the flags only root in a container needs; this
#   script sets them through the environment (OMPI_ALLOW_RUN_AS_ROOT…, oversubscribe, no
#   single-copy mechanism).
#
# The blocks of one file run in order in one scratch folder (a later block may use a model an
# earlier one wrote); each file gets a fresh one. A scratch folder holds symbolic links to the
# repository's Tests/ (the data the examples read) and scripts/, so nothing a block writes lands in the
# checkout. Prints `ok FILE:LINE` or `FAIL FILE:LINE` (with the block's output) per block, then
# `N passed, M failed`; exits 1 if any block failed.
set -euo pipefail

usage="usage: scripts/check-doc-commands.sh PATH/TO/backprop [FILES...]"
[ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
binary=$1; shift
[ -f "$binary" ] && [ -x "$binary" ] || { echo "not an executable file: $binary" >&2; exit 2; }
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ $# -gt 0 ]; then files=("$@"); else files=(README.md docs/*.md); fi

scratch=$(mktemp -d -t backprop-doc-commands.XXXXXX)
running=""   # the process group of the block now running, stopped too if this script is interrupted
trap '[ -z "$running" ] || kill -KILL -- -"$running" 2>/dev/null; rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM
mkdir "$scratch/bin"
ln -s "$binary" "$scratch/bin/backprop"
export PATH="$scratch/bin:$PATH"
# What mpirun needs as root in a container (the documentation leaves these out).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none

passed=0; failed=0; index=0
for file in "${files[@]}"; do
  [ -f "$file" ] || { echo "FAIL $file: no such file"; failed=$((failed + 1)); continue; }
  index=$((index + 1))
  work="$scratch/work-$index"; blocks="$scratch/blocks-$index"
  mkdir -p "$work" "$blocks"
  ln -s "$root/Tests" "$work/Tests"
  ln -s "$root/scripts" "$work/scripts"
  # One file per ```sh block; prints "LINE FILE" for each (LINE: the opening fence's).
  if ! listing=$(awk -v dir="$blocks" '
    !open && /^```sh[ \t]*$/ { open = 1; n++; out = sprintf("%s/%04d.sh", dir, n); start = FNR; printf "" > out; next }
    open && /^```[ \t]*$/    { open = 0; close(out); print start, out; next }
    open                     { print > out }
    END { if (open) exit 1 }
  ' "$file"); then
    echo "FAIL $file: a \`\`\`sh block is not closed"; failed=$((failed + 1)); continue
  fi
  while read -r line block; do
    [ -n "${line:-}" ] || continue
    # make-only blocks are not run.
    awk '!/^[[:space:]]*(#|$)/ && !/^[[:space:]]*make / { run = 1 } END { exit !run }' "$block" || continue
    log="$block.log"
    started=$SECONDS
    # timeout makes itself a process group leader: whatever the block left running (a server
    # started with &) is in group $pid and is stopped below.
    ( cd "$work" && exec timeout 120 bash -euo pipefail "$block" ) </dev/null >"$log" 2>&1 &
    pid=$!; running=$pid
    status=0; wait "$pid" || status=$?
    kill -- -"$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 -- -"$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- -"$pid" 2>/dev/null || true
    running=""
    seconds=$((SECONDS - started))
    if [ "$status" -eq 0 ]; then
      passed=$((passed + 1)); echo "ok $file:$line (${seconds} s)"
    else
      failed=$((failed + 1)); echo "FAIL $file:$line (exit status $status after ${seconds} s)"
      sed 's/^/    /' "$log"
    fi
  done <<<"$listing"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
