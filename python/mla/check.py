"""End-to-end check of one MLA block: generate, run with mla-run, compare.

`python -m mla.check --config C --batch B --tokens S --page-size G --pages P
--max-pages M [--dtype] [--seed] [--mla-run PATH] [--tol T] [--repeat N]`

`--tokens 7,0,1,13` gives each request its own count: a varlen block (the
new tokens packed, `query_starts`); `--dynamic` leaves the sizes '?'.

1. writes the block module for the config (`mla.ir.block_module`) and seeded
   operands (`mla.inputs`) into a work folder;
2. runs the float64 reference (`mla.reference.attention_block`) on them;
3. optionally rewrites the module with mla-opt (--passes, e.g. absorption),
   then runs it with mla-run on the CPU, with timing when --repeat > 0;
4. prints, per result, ‖out − ref‖ / ‖ref‖ (NaN slots of the cache must match
   the reference's) and the median time, and exits 1 when an error is over
   the tolerance (default 1e-5 for f32, 2e-2 for f16/bf16).
"""

from __future__ import annotations

import argparse
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from . import inputs, reference
from .config import MLAConfig
from .ir import DTYPES, block_module

DEFAULT_TOLERANCE = {"f32": 1e-5, "f16": 2e-2, "bf16": 2e-2}


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    """‖got − want‖ / ‖want‖ where both are finite; inf when any non-finite
    value differs (a NaN leaked, or a NaN slot of the cache was lost)."""
    comparison = reference.compare(got, want)
    return math.inf if comparison.mismatches else comparison.rel_error


def _token_counts(text: str) -> int | list[int]:
    """`--tokens`: one count ("7") or one per request ("7,0,1,13")."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a count or a list of counts: {text!r}")
    return counts if "," in text else counts[0]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mla.check", description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="HF config.json")
    for name in ("--batch", "--page-size", "--pages", "--max-pages"):
        parser.add_argument(name, type=int, required=True)
    parser.add_argument("--tokens", type=_token_counts, required=True,
                        help="new tokens per request, or one count per request "
                             "(e.g. 7,0,1,13: a varlen block, rows packed with query_starts)")
    parser.add_argument("--dynamic", action="store_true",
                        help="leave batch, pages, table width and the new tokens '?' in the "
                             "module's types (one module for any call)")
    parser.add_argument("--dtype", choices=DTYPES, default="f32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mla-run", default="mla-run", help="the mla-run binary")
    parser.add_argument("--mla-opt", default="mla-opt", help="the mla-opt binary")
    parser.add_argument("--passes", help="an mla-opt pass pipeline to apply before running, "
                        "e.g. 'mla-decompose,mla-absorb-weights'")
    parser.add_argument("--target", choices=("cpu", "cuda"), default="cpu",
                        help="where mla-run executes")
    parser.add_argument("--tol", type=float, help="relative error bound")
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=0, help="timed calls")
    parser.add_argument("--in-place", action="store_true",
                        help="run with mla-run --in-place (the cache updated where it is, "
                             "every call: the results must not change)")
    parser.add_argument("--graph", action="store_true",
                        help="run with mla-run --graph (the timed and checked calls are "
                             "replays of one captured CUDA graph)")
    parser.add_argument("--work-dir", help="keep the files here (default: a temporary folder)")
    return parser


def run(args: argparse.Namespace, work: Path) -> int:
    cfg = MLAConfig.from_hf(args.config)
    sizes = dict(batch=args.batch, tokens=args.tokens, page_size=args.page_size,
                 pages=args.pages, max_pages=args.max_pages)
    operands = inputs.block_inputs(cfg, dtype=args.dtype, seed=args.seed, **sizes)
    counts = inputs.varlen_counts(args.tokens, args.batch)
    if counts is not None:
        sizes["tokens"] = int(counts.sum())
    if args.dynamic:
        sizes["tokens"] = None
    module = work / "block.mlir"
    module.write_text(block_module(cfg, dtype=args.dtype, dynamic=args.dynamic,
                                   varlen=counts is not None, **sizes))
    inputs.save_npy(work / "in", operands)
    want = reference.attention_block(cfg, *operands)

    if args.passes:
        rewritten = work / "rewritten.mlir"
        result = subprocess.run([args.mla_opt, str(module), f"--pass-pipeline=builtin.module({args.passes})",
                                 "-o", str(rewritten)], capture_output=True, text=True)
        if result.returncode != 0:
            print(f"mla.check: mla-opt failed:\n{result.stderr.strip()}", file=sys.stderr)
            return 1
        module = rewritten

    command = [args.mla_run, str(module), f"--target={args.target}", f"--input-dir={work / 'in'}",
               f"--output-dir={work / 'out'}", f"--warmup={args.warmup}",
               f"--repeat={args.repeat}"]
    if args.in_place:
        command.append("--in-place")
    if args.graph:
        command.append("--graph")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"mla.check: mla-run failed:\n{result.stderr.strip()}", file=sys.stderr)
        return 1

    tolerance = args.tol if args.tol is not None else DEFAULT_TOLERANCE[args.dtype]
    worst = 0.0
    for index, (name, expected) in enumerate(zip(("output", "new_cache"), want)):
        got = inputs.load_npy(work / "out" / f"out{index}.npy")
        error = relative_error(got, expected)
        worst = max(worst, error)
        print(f"{name}: rel_error={error:.3e} (tolerance {tolerance:.0e})")
    timing = re.search(r"^time: .*$", result.stdout, re.MULTILINE)
    if timing:
        print(timing.group(0))
    if worst > tolerance:
        print(f"mla.check: FAIL: relative error {worst:.3e} over {tolerance:.0e}", file=sys.stderr)
        return 1
    print("PASS")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.work_dir:
            work = Path(args.work_dir)
            work.mkdir(parents=True, exist_ok=True)
            return run(args, work)
        with tempfile.TemporaryDirectory(prefix="mla-check-") as folder:
            return run(args, Path(folder))
    except (OSError, ValueError) as error:
        print(f"mla.check: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
