#!/usr/bin/env python3
"""Runs lit-style test files where neither lit nor FileCheck exists.

For the GPU machine, which has no LLVM: each `# RUN:` line of each `.test`,
`.py` or `.mlir` file under the given folders (whose name matches --filter) is run by bash with lit's substitutions (%python,
%S, %s, %t, %mla_src_root, and the tool names mla-run / mla-opt mapped into
--tools). A pipe into FileCheck is dropped: the programs the GPU tests run
(python -m mla.check, the op and form scripts) check their numbers
themselves and exit non-zero on any failure, which this runner reports.
A file whose `# REQUIRES:` features (cuda, cuda-sm90: what nvidia-smi
reports) are not all present is UNSUPPORTED.
Prints one PASS/FAIL line per file and `N passed, N failed` last.
"""

import argparse
import pathlib
import re
import subprocess
import sys
import tempfile


def run_lines(path):
    lines = [m.group(1) for m in
             (re.match(r"^\s*#\s*RUN:\s*(.*)$", line) for line in path.read_text().splitlines())
             if m]
    return lines


def required(path):
    features = []
    for line in path.read_text().splitlines():
        m = re.match(r"^\s*#\s*REQUIRES:\s*(.*)$", line)
        if m:
            features += [f.strip() for f in m.group(1).split(",") if f.strip()]
    return features


def available_features():
    """cuda where nvidia-smi lists a GPU; cuda-sm90 where one is sm_90 or newer."""
    try:
        query = subprocess.run(["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
                               capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return set()
    caps = [float(c) for c in query.stdout.split() if re.fullmatch(r"\d+\.\d+", c)]
    if query.returncode != 0 or not caps:
        return set()
    return {"cuda"} | ({"cuda-sm90"} if max(caps) >= 9.0 else set())


def substitute(command, path, root, tools, temp):
    command = re.sub(r"\|\s*FileCheck\b.*$", "", command)
    replacements = {"%python": sys.executable, "%mla_src_root": str(root), "%S": str(path.parent),
                    "%s": str(path), "%t": str(temp)}
    for key in sorted(replacements, key=len, reverse=True):
        command = command.replace(key, replacements[key])
    for tool in ("mla-run", "mla-opt"):
        command = re.sub(rf"(?<![\w/.-]){tool}(?![\w-])", str(tools / tool), command)
    return command


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", required=True, type=pathlib.Path)
    parser.add_argument("--verbose", action="store_true", help="print each RUN line's output")
    parser.add_argument("--filter", default="", help="regex on file names")
    parser.add_argument("folders", nargs="+", type=pathlib.Path)
    args = parser.parse_args()
    root = pathlib.Path(__file__).resolve().parent.parent
    passed = failed = 0
    features = available_features()
    for folder in (f.resolve() for f in args.folders):
        paths = [p for p in sorted(folder.rglob("*"))
                 if p.suffix in (".test", ".py", ".mlir") and re.search(args.filter, p.name)
                 and run_lines(p)]
        for path in paths:
            missing = [f for f in required(path) if f not in features]
            if missing:
                print(f"UNSUPPORTED: {path.relative_to(root)} (needs {', '.join(missing)})")
                continue
            with tempfile.TemporaryDirectory() as temp:
                ok = True
                for line in run_lines(path):
                    command = substitute(line, path, root, args.tools, pathlib.Path(temp) / "t")
                    result = subprocess.run(["bash", "-o", "pipefail", "-c", command],
                                            capture_output=True, text=True)
                    if args.verbose:
                        print(result.stdout[-4000:], end="")
                    if result.returncode != 0:
                        ok = False
                        print(f"FAIL: {path.name}: {command}\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
                        break
                print(f"{'PASS' if ok else 'FAIL'}: {path.relative_to(root)}", flush=True)
                passed += ok
                failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
