# bench/prefill_bench.py's modules compile for the GPU (mla-run
# --compile-only: no GPU needed), so that a benchmark call on the H100 does
# not fail on its own text: a uniform batch (one fused prefill), a chunk over
# a cached prefix, and uneven requests both ways — one fused prefill per
# request ("/each") and the varlen fused prefill ("/varlen") — with the
# argument files each reads (table, lengths, query_starts) where mla-run
# looks for them. Bad shapes are refused with a message.

# RUN: %python %s mla-run | FileCheck %s
# RUN: not %python %s mla-run 16x0x512 2>&1 | FileCheck %s --check-prefix=BAD
# CHECK: 16x2x256: compiled (arg5 arg6)
# CHECK: 16x1x128+192: compiled (arg5 arg6)
# CHECK: 16x300/0/129/each: refused: counts and heads must be positive
# CHECK: 16x300/64/129/each: compiled (arg5 arg6 arg9 arg10 arg13 arg14)
# CHECK: 16x300/64/129/varlen: compiled (arg5 arg6 arg7), starts [0, 300, 364, 493]
# BAD: bad shape '16x0x512': counts and heads must be positive

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from prefill_bench import (groups_of, parse_shape, parse_variant, prefill_module,  # noqa: E402
                           varlen_module, write_inputs, write_varlen_inputs)

from mla import MLAConfig  # noqa: E402

MLA_RUN = sys.argv[1]
cfg = MLAConfig.from_hf(str(ROOT / "examples/configs/deepseek-v2-lite.json"))
if len(sys.argv) > 2:
    parse_shape(sys.argv[2], 0)
    sys.exit(0)
variant = parse_variant("128:producer")


def compiled(name, module, inputs, extra=""):
    path = inputs.parent / "prefill.mlir"
    path.write_text(module)
    done = subprocess.run([MLA_RUN, str(path), "--target=cuda", "--compile-only"],
                          capture_output=True, text=True)
    files = " ".join(sorted((p.stem for p in inputs.iterdir()), key=lambda s: int(s[3:])))
    status = "compiled" if done.returncode == 0 else f"failed: {done.stderr.strip()[-300:]}"
    print(f"{name}: {status} ({files}){extra}")


for shape in ("16x2x256", "16x1x128+192", "16x300/0/129", "16x300/64/129"):
    with tempfile.TemporaryDirectory() as folder:
        inputs = Path(folder) / "in"
        inputs.mkdir()
        try:
            heads, counts, cached = parse_shape(shape, 0)
        except SystemExit as refusal:
            print(f"{shape}/each: refused: {str(refusal).split(': ', 1)[1]}")
            continue
        groups = groups_of(counts)
        pages, widths, _ = write_inputs(inputs, groups, cached)
        name = shape if len(groups) == 1 else f"{shape}/each"
        compiled(name, prefill_module(cfg, heads, groups, pages, widths, *variant), inputs)
        if len(groups) > 1:
            varlen = Path(folder) / "varlen"
            varlen.mkdir()
            pages, width = write_varlen_inputs(varlen, counts, cached)
            starts = np.load(varlen / "arg7.npy").tolist()
            compiled(f"{shape}/varlen", varlen_module(cfg, heads, sum(counts), len(counts),
                                                      max(counts), pages, width, *variant),
                     varlen, f", starts {starts}")
