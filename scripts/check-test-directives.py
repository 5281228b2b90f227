#!/usr/bin/env python3
"""Finds lit/FileCheck directives written without their colon.

`// RUN mla-opt ...` or `// CHECK foo` (no colon) are silently ignored by lit
and FileCheck: the test then checks nothing and cannot fail. This script lists
every such line under the given files or folders (default: the test folder
beside this script's parent) and exits 1 if it finds any.
"""

import pathlib
import re
import sys

# A comment marker, then a word that may be a directive name (RUN, CHECK,
# CHECK-NEXT, a custom prefix such as V3-LABEL), then maybe its colon.
DIRECTIVE = re.compile(r"^\s*(?://|#|;)\s*([A-Z][A-Z0-9_]*(?:-[A-Z0-9]+)*)(:?)\s*(\S?)")
# Which words are directives: RUN, CHECK*, and any prefix with a FileCheck
# suffix. Other capitalised words in prose comments are not.
SUFFIXED = re.compile(r"-(NEXT|SAME|NOT|LABEL|DAG|EMPTY|COUNT-\d+)$")
SUFFIXES = {".mlir", ".test", ".py"}


def bad_lines(path):
    """Yields (line number, line) of each directive missing its colon."""
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        match = DIRECTIVE.match(line)
        if not match or match.group(2) or not match.group(3):
            continue
        name = match.group(1)
        if name == "RUN" or name.startswith("CHECK") or SUFFIXED.search(name):
            yield number, line.rstrip()


def files_under(root):
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        if path.suffix in SUFFIXES and "Inputs" not in path.parts and path.is_file():
            yield path


def main(argv):
    default = pathlib.Path(__file__).resolve().parent.parent / "test"
    roots = [pathlib.Path(a) for a in argv] or [default]
    found = 0
    for root in roots:
        if not root.exists():
            print(f"check-test-directives: {root}: no such file or folder", file=sys.stderr)
            return 2
        for path in files_under(root):
            for number, line in bad_lines(path):
                print(f"{path}:{number}: directive without a colon: {line.strip()}")
                found += 1
    if found:
        print(f"check-test-directives: {found} directive(s) without a colon", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
