#!/usr/bin/env python3
"""Lists the public symbols of a symbol graph (the one DocC extracts, or swift package dump-symbol-graph) that have no
doc comment, and exits 1 if there are any. Symbols that implement a documented protocol
requirement, and members the compiler synthesizes (hash(into:), hashValue, with no source
location), count as documented."""
import json
import sys

missing = []
for path in sys.argv[1:]:
    for symbol in json.load(open(path))["symbols"]:
        if symbol.get("accessLevel") not in ("public", "open") or symbol.get("docComment"):
            continue
        if "sourceOrigin" in symbol or "location" not in symbol:
            continue
        where = symbol["location"]["uri"].split("/Sources/")[-1]
        line = symbol["location"]["position"]["line"] + 1
        missing.append(f"{where}:{line}: {'.'.join(symbol['pathComponents'])} has no doc comment")
for line in sorted(missing):
    print(line)
if missing:
    print(f"{len(missing)} public symbols without a doc comment", file=sys.stderr)
    sys.exit(1)
