# bench/prefill_bench.py's --tuning file: the fastest variant of a measured
# shape becomes a prefill entry that mla-fuse-prefill reads back for the same
# module, the tiling of the variant that won (here the warp-specialised one
# with 64-key tiles), and a variant name the bench does not know is refused.

# RUN: %python %s write %t.json %t.mlir
# RUN: mla-opt %t.mlir --mla-pipeline=tuning-file=%t.json | FileCheck %s
# RUN: not %python %s bad 2>&1 | FileCheck %s --check-prefix=BAD
# CHECK: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 64, prefix_chunk = 512, loads = tma, producer = true>
# BAD: unknown kernel form 'fast' in '128:fast' (tma, producer)

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from prefill_bench import parse_variant, tuning_file  # noqa: E402

from mla import MLAConfig, block_module  # noqa: E402

if sys.argv[1] == "bad":
    parse_variant("128:fast")
    sys.exit(0)
rows = [dict(heads=16, tokens=512, batch=2, cached=0, mla_us=90.0, fastest="64:producer")]
Path(sys.argv[2]).write_text(json.dumps(tuning_file(rows, "h100")))
cfg = MLAConfig.from_hf(str(Path(__file__).resolve().parents[2] / "examples/configs/deepseek-v2-lite.json"))
Path(sys.argv[3]).write_text(block_module(cfg, batch=2, tokens=512, page_size=64, pages=16,
                                          max_pages=8, dtype="bf16"))
