# mla.torch's bad inputs, each a one-line ValueError naming the problem (no
# compiler needed: a library path that is not there, a library of another
# block, and the drop-in's checks on a fake model over a CPU library made by
# mla-aot here).
# REQUIRES: torch
# The sanitizer build's runtime archive is instrumented: a library mla-aot
# links from it does not load into an uninstrumented python.
# UNSUPPORTED: libfuzzer
# RUN: env MLA_TOOLS_DIR=%mla_tools_dir MLA_CACHE_DIR=%t.cache %python %s %mla_src_root | FileCheck %s
# CHECK: missing library: {{.*}}absent.json: no such file
# CHECK: wrong dtype: dtype must be one of f32, bf16, f16, got 'f64'
# CHECK: another block: {{.*}}: not the block of this config with 16-token pages
# CHECK: on the wrong device: {{.*}}: a cpu library, but the tensors are on cuda
# CHECK: no layers: use_mla_attention: the model has no model.layers
# CHECK: batch: DeepseekAttention: a batch of 2, the paged cache was made for 1
# CHECK: too long: DeepseekAttention: 0 + 9 tokens exceed the paged cache's 8 per request
# CHECK: ok: 3 tokens cached

import sys
from pathlib import Path

import torch

from mla import MLAConfig
from mla.torch import Attention, DeepseekAttention, PagedCache, use_mla_attention

root = Path(sys.argv[1])
cfg = MLAConfig.from_hf(root / "test/Integration/GPU/Inputs/tiny-deepseek-v3.json")


def expect_error(what, call):
    try:
        call()
    except ValueError as error:
        print(f"{what}: {error}")
    else:
        print(f"{what}: no error")


expect_error("missing library", lambda: Attention(cfg, device="cpu", library="/nonexistent/absent"))
expect_error("wrong dtype", lambda: Attention(cfg, dtype="f64", device="cpu"))
block = Attention(cfg, dtype="f32", page_size=8, device="cpu")
base = Path(block.library.handle._name).with_suffix("")
expect_error("another block", lambda: Attention(cfg, dtype="f32", page_size=16, device="cpu",
                                                library=base))
expect_error("on the wrong device", lambda: Attention(cfg, dtype="f32", page_size=8,
                                                      device="cuda", library=base))
expect_error("no layers", lambda: use_mla_attention(torch.nn.Linear(2, 2), block, max_tokens=8))

# The drop-in on one layer with random weights in our layouts.
torch.manual_seed(0)
weights = [torch.randn(*p["shape"]) * 0.05 for p in block.library.attention_block.arguments[2:-3]]
cache = PagedCache(cfg, 1, batch=1, max_tokens=8, page_size=8, dtype=torch.float32,
                   device=torch.device("cpu"))
layer = DeepseekAttention(block, weights, cache, 0, last=True)
expect_error("batch", lambda: layer(torch.randn(2, 1, cfg.hidden)))
expect_error("too long", lambda: layer(torch.randn(1, 9, cfg.hidden)))
out, _ = layer(torch.randn(1, 3, cfg.hidden))
assert out.shape == (1, 3, cfg.hidden) and torch.isfinite(out).all()
print(f"ok: {int(cache.lengths[0])} tokens cached")
