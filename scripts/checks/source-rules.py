#!/usr/bin/env python3
"""Checks two rules of the project's Swift, C and script sources, printing each breach as
FILE:LINE: what, and exits 1 if there is one:
  - a Swift function or initializer takes at most 6 parameters;
  - a comment says what the code does and why, never how fast it was or which issue asked for
    it: no "N GFLOP/s", "took N µs", "N× faster", "+N%" or "issue N" (figures belong in docs/,
    with a date, a machine and a commit).
Usage: scripts/checks/source-rules.py [ROOT]   (default: the repository root)"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2])
folders = ["Sources", "Tests", "Benchmarks/Sources", "scripts"]
generated = {"onnx.pb.swift"}
limit = 6
comment = re.compile(r"^\s*(//|/?\*|#)")
measurement = re.compile(
    r"\d\s?GFLOP/s|\d\s?× ?(faster|slower)|\bissue \d+|(^|\s)[+−]\d+(\.\d+)?\s?%|\b(took|ran at|ran in) (about )?\d"
    r"|\d\s?(µs|ms|s) (where|against|with it|that way|this way)", re.I)
declaration = re.compile(r"\b(func\s+[^\s(<]+(<[^>]*>)?|init[?!]?(<[^>]*>)?|subscript)\s*\(")


def parameters(text, start):
    """The number of parameters of the list opening at text[start] == '('."""
    depth, count, seen = 0, 0, False
    for ch in text[start:]:
        if ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
            if depth == 0:
                return count + (1 if seen else 0)
        elif ch == "," and depth == 1:
            count += 1
        elif depth >= 1 and not ch.isspace():
            seen = True
    return 0


breaches = []
for folder in folders:
    for path in sorted((root / folder).rglob("*")):
        if not path.is_file() or path.name in generated or "Seeds" in path.parts or "Regressions" in path.parts:
            continue
        if path.suffix not in {".swift", ".c", ".h", ".sh", ".py", ".js"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        name = path.relative_to(root)
        for number, line in enumerate(text.split("\n"), 1):
            if comment.match(line) and measurement.search(line):
                breaches.append(f"{name}:{number}: a measurement or issue number in a comment: {line.strip()}")
        if path.suffix == ".swift":
            for match in declaration.finditer(text):
                n = parameters(text, match.end() - 1)
                if n > limit:
                    number = text.count("\n", 0, match.start()) + 1
                    breaches.append(f"{name}:{number}: {match.group(1).strip()} takes {n} parameters (at most {limit})")

for breach in breaches:
    print(breach)
print(f"source rules: {len(breaches)} breach{'es' if len(breaches) != 1 else ''}")
sys.exit(1 if breaches else 0)
