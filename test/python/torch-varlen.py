# mla.torch with a varlen block: one library call on torch tensors serves
# requests of different new-token counts (a prefill, a decode, none, two
# speculative tokens), packed with query_starts, against the float64
# reference; then the same library for a decode-only call. CPU library
# made by mla-aot here.
# REQUIRES: torch
# UNSUPPORTED: libfuzzer
# RUN: env MLA_TOOLS_DIR=%mla_tools_dir MLA_CACHE_DIR=%t.cache %python %s %mla_src_root | FileCheck %s
# CHECK: counts [7, 1, 0, 2]: output [10, 256] rel {{[0-9.]+e-0[6-9]}}, cache rel {{[0-9.]+e-(0[6-9]|1[0-9])}}, ok
# CHECK: counts [1, 1, 1, 1]: output [4, 256] rel {{[0-9.]+e-0[6-9]}}, cache rel {{[0-9.]+e-(0[6-9]|1[0-9])}}, ok
# CHECK: not varlen: query_starts is the operand of a varlen block (Attention(varlen=True)), and only of one

import sys
from pathlib import Path

import numpy as np
import torch

from mla import MLAConfig
from mla.inputs import block_inputs
from mla.ir import operand_names
from mla.reference import attention_block, compare
from mla.torch import Attention

# argv: the source root [, device, a prebuilt varlen library] (gpu-run.sh's
# aot stage: cuda and the library gpu-bundle.sh made).
root = Path(sys.argv[1])
device = sys.argv[2] if len(sys.argv) > 2 else "cpu"
library = sys.argv[3] if len(sys.argv) > 3 else None
cfg = MLAConfig.from_hf(root / "test/Integration/GPU/Inputs/tiny-deepseek-v3.json")
block = Attention(cfg, dtype="f32", page_size=8, device=device, library=library, varlen=True)
names = operand_names(cfg, varlen=True)

for seed, counts in enumerate(([7, 1, 0, 2], [1, 1, 1, 1])):
    arrays = block_inputs(cfg, len(counts), counts, 8, 32, 8, "f32", seed=seed)
    want_out, want_cache = attention_block(cfg, *arrays)
    a = {name: torch.from_numpy(np.ascontiguousarray(x)).to(device)
         for name, x in zip(names, arrays)}
    weights = [a[name] for name in names[2:-4]]
    out, cache = block(a["hidden"], a["positions"], weights, a["cache"], a["block_table"],
                       a["seq_lens"], query_starts=a["query_starts"])
    got = compare(out.cpu().numpy(), want_out)
    kept = compare(cache.cpu().numpy(), want_cache)
    fine = got.rel_error < 1e-5 and not got.mismatches and not kept.mismatches
    print(f"counts {counts}: output {list(out.shape)} rel {got.rel_error:.2e}, "
          f"cache rel {kept.rel_error:.2e}, {'ok' if fine else 'MISMATCH'}")

if device != "cpu":
    sys.exit(0)
plain = Attention(cfg, dtype="f32", page_size=8, device="cpu")
try:
    plain(a["hidden"][None], a["positions"][None], weights, a["cache"], a["block_table"],
          a["seq_lens"], query_starts=a["query_starts"])
except ValueError as error:
    print(f"not varlen: {error}")
