# Attention alone in every form, on the CPU (mla-run, JIT), against the
# float64 reference of python/mla/reference.py. The module holds the
# DECOMPRESSED form over function arguments:
#
#   c, k_pe = cache.gather(cache[block_table, lens])
#   o = decompressed_attention(q_nope, q_pe, decompress key(c, W_UK), k_pe,
#                              decompress value(c, W_UV), lens [, causal])
#
# It runs as written and after each rewrite (mla-opt): absorbed
# (mla-absorb-weights), fused decode with 1, 2 and 5 KV splits, fused prefill
# with prefix chunks of 3 and 7, and the default pipeline. Every rewritten
# module must contain the op its form claims (with its split count or chunk)
# and none of the ops it replaces, so that a pass that does not fire fails
# the test. Every result is compared with
#
#   reference.decompressed_attention(q_nope, q_pe, decompress('key', c, W_UK),
#       k_pe, decompress('value', c, W_UV), lens, causal, cfg)
#
# (c, k_pe = reference.cache_gather(...)) and with the as-written run:
# ‖out − ref‖ / ‖ref‖ ≤ 1e-5 (f32) or 2e-2 (bf16), and no NaN anywhere in the
# result, although every cache slot no request uses holds NaN. Lengths are
# never a multiple of the page size, the split size or the chunk.
#
# RUN: %python %s mla-opt mla-run %S/Inputs | FileCheck %s
#
# CHECK-LABEL: causal two queries
# CHECK: decompressed: PASS
# CHECK: absorbed: PASS
# CHECK: fused_decode splits=1: PASS
# CHECK: fused_decode splits=2: PASS
# CHECK: fused_decode splits=5: PASS
# CHECK: fused_prefill chunk=3: PASS
# CHECK: fused_prefill chunk=7: PASS
# CHECK: mla-pipeline: PASS
#
# CHECK-LABEL: zero-length non-causal
# CHECK: decompressed: PASS
# CHECK: absorbed: PASS
# CHECK: fused_decode splits=1: PASS
# CHECK: fused_decode splits=2: PASS
# CHECK: fused_decode splits=5: PASS
# CHECK: fused_prefill chunk=3: PASS
# CHECK: fused_prefill chunk=7: PASS
# CHECK: mla-pipeline: PASS
#
# CHECK-LABEL: batch 1 causal no-yarn
# CHECK: decompressed: PASS
# CHECK: absorbed: PASS
# CHECK: fused_decode splits=1: PASS
# CHECK: fused_decode splits=2: PASS
# CHECK: fused_decode splits=5: PASS
# CHECK: fused_prefill chunk=3: PASS
# CHECK: fused_prefill chunk=7: PASS
# CHECK: mla-pipeline: PASS
#
# CHECK-LABEL: bf16 causal two queries
# CHECK: decompressed: PASS
# CHECK: absorbed: PASS
# CHECK: fused_decode splits=1: PASS
# CHECK: fused_decode splits=2: PASS
# CHECK: fused_decode splits=5: PASS
# CHECK: fused_prefill chunk=3: PASS
# CHECK: fused_prefill chunk=7: PASS
# CHECK: mla-pipeline: PASS
#
# CHECK-LABEL: all forms passed

import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ml_dtypes
import numpy as np

from mla import reference
from mla.check import relative_error
from mla.config import MLAConfig
from mla.inputs import load_npy, save_npy

MLA_OPT, MLA_RUN, INPUTS = sys.argv[1], sys.argv[2], Path(sys.argv[3])
# The same checks run on the GPU (test/Integration/GPU) with --target=cuda.
TARGET = sys.argv[4] if len(sys.argv) > 4 else "cpu"
RNG = np.random.default_rng(2027)

# The ops each form replaces: none may remain after its rewrite.
DECOMPRESSED = ("mla.cache.gather", "mla.decompress", "mla.decompressed_attention")
ABSORBED = ("mla.query_to_latent", "mla.latent_attention", "mla.latent_to_value")
FUSED = ("mla.fused_decode", "mla.fused_prefill")

# (name, pass pipeline or None, pattern the rewritten module must match, ops it must not hold)
FORMS = [
    ("decompressed", None, None, ()),
    ("absorbed", "mla-absorb-weights",
     r"mla\.query_to_latent [\s\S]*mla\.latent_attention [\s\S]*mla\.latent_to_value ",
     DECOMPRESSED + FUSED),
    *[(f"fused_decode splits={k}", f"mla-absorb-weights,mla-fuse-decode{{splits={k}}}",
       rf"mla\.fused_decode .* tiling <splits = {k}, ", DECOMPRESSED + ABSORBED)
      for k in (1, 2, 5)],
    *[(f"fused_prefill chunk={c}", f"mla-fuse-prefill{{prefix-chunk={c}}}",
       rf"mla\.fused_prefill .* tiling <[^>]*prefix_chunk = {c}[,>]", DECOMPRESSED + ABSORBED)
      for c in (3, 7)],
    ("mla-pipeline", "mla-pipeline", r"mla\.fused_(decode|prefill) ", DECOMPRESSED + ABSORBED),
]


def tensor(shape, element):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + element + ">"


def paged(cfg, lens, page_size, pages, max_pages, dtype):
    """A shuffled block table (unused entries -1 or a wrong but valid page)
    and a cache holding N(0, 1) in each request's first lens[b] slots and NaN
    in every other slot."""
    table = np.where(RNG.random((len(lens), max_pages)) < 0.5, -1,
                     RNG.integers(pages, size=(len(lens), max_pages))).astype(np.int32)
    order = RNG.permutation(pages)
    used = 0
    for b, length in enumerate(lens):
        count = -(-int(length) // page_size)
        table[b, :count] = order[used:used + count]
        used += count
    cache = np.full((pages, page_size, cfg.latent_cache_dim), np.nan)
    for b, length in enumerate(lens):
        t = np.arange(length)
        cache[table[b, t // page_size], t % page_size] = RNG.standard_normal(
            (length, cfg.latent_cache_dim))
    return table, cache.astype(dtype)


def module(cfg, shapes, element, causal):
    """The decompressed form of attention over the function's arguments."""
    (cache, table, lens, q_nope, q_pe, w_uk, w_uv) = shapes
    batch, tokens = q_nope[:2]
    keys = table[1] * cache[1]
    types = [tensor(s, "i32" if i in (1, 2) else element) for i, s in enumerate(shapes)]
    latent = tensor((batch, keys, cfg.kv_lora_rank), element)
    rope = tensor((batch, keys, cfg.qk_rope_dim), element)
    k_nope = tensor((batch, keys, cfg.heads, cfg.qk_nope_dim), element)
    v = tensor((batch, keys, cfg.heads, cfg.v_head_dim), element)
    out = tensor((batch, tokens, cfg.heads, cfg.v_head_dim), element)
    arguments = ", ".join(f"%arg{i}: {t}" for i, t in enumerate(types))
    return (
        f"#cfg = {cfg.to_mlir()}\n"
        f"func.func @attention({arguments}) -> {out} {{\n"
        f"  %c, %k_pe = mla.cache.gather %arg0[%arg1, %arg2] {{config = #cfg}} : "
        f"({types[0]}, {types[1]}, {types[2]}) -> ({latent}, {rope})\n"
        f"  %k = mla.decompress key %c, %arg5 {{config = #cfg}} : ({latent}, {types[5]}) -> {k_nope}\n"
        f"  %v = mla.decompress value %c, %arg6 {{config = #cfg}} : ({latent}, {types[6]}) -> {v}\n"
        f"  %o = mla.decompressed_attention %arg3, %arg4, %k, %k_pe, %v lengths %arg2"
        f"{' causal' if causal else ''} {{config = #cfg}} : "
        f"({types[3]}, {types[4]}, {k_nope}, {rope}, {v}, {types[2]}) -> {out}\n"
        f"  return %o : {out}\n"
        f"}}\n")


def run_form(work, form, source):
    """Rewrites `source` into `form` and runs it; returns (result, error or None)."""
    name, passes, pattern, banned = form
    folder = work / re.sub(r"\W+", "-", name)
    folder.mkdir()
    text = source
    if passes:
        rewrite = subprocess.run([MLA_OPT, "-", f"--pass-pipeline=builtin.module({passes})"],
                                 input=source, capture_output=True, text=True)
        if rewrite.returncode != 0:
            return None, f"mla-opt failed:\n{rewrite.stderr}"
        text = rewrite.stdout
        if not re.search(pattern, text):
            return None, f"the rewritten module does not match /{pattern}/:\n{text}"
        left = [op for op in banned if re.search(re.escape(op) + " ", text)]
        if left:
            return None, f"the rewritten module still holds {', '.join(left)}:\n{text}"
    (folder / "attention.mlir").write_text(text)
    run = subprocess.run([MLA_RUN, str(folder / "attention.mlir"), f"--target={TARGET}",
                          f"--input-dir={work / 'in'}", f"--output-dir={folder}"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return None, f"mla-run failed:\n{run.stderr}"
    return load_npy(folder / "out0.npy"), None


def case(title, config, batch, tokens, page_size, pages, max_pages, lens, causal,
         element="f32", extra_checks=None):
    cfg = MLAConfig.from_hf(INPUTS / config)
    dtype = ml_dtypes.bfloat16 if element == "bf16" else np.float32
    lens = np.array(lens, dtype=np.int32)
    table, cache = paged(cfg, lens, page_size, pages, max_pages, dtype)
    h, n, r, v, l = (cfg.heads, cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim,
                     cfg.kv_lora_rank)
    q_nope = RNG.standard_normal((batch, tokens, h, n)).astype(dtype)
    q_pe = RNG.standard_normal((batch, tokens, h, r)).astype(dtype)
    w_uk = (RNG.standard_normal((h, l, n)) / np.sqrt(l)).astype(dtype)
    w_uv = (RNG.standard_normal((h, l, v)) / np.sqrt(l)).astype(dtype)
    args = [cache, table, lens, q_nope, q_pe, w_uk, w_uv]

    c, k_pe = reference.cache_gather(cache, table, lens, cfg)
    want = reference.decompressed_attention(
        q_nope, q_pe, reference.decompress("key", c, w_uk, cfg), k_pe,
        reference.decompress("value", c, w_uv, cfg), lens, causal, cfg)
    if extra_checks:
        extra_checks(want)
    tolerance = 2e-2 if element == "bf16" else 1e-5
    source = module(cfg, [a.shape for a in args], element, causal)

    print(f"{title}")
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        save_npy(work / "in", args)
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda form: run_form(work, form, source), FORMS))
        written = results[0][0]
        for (name, *_), (got, error) in zip(FORMS, results):
            if error is None and np.isnan(got.astype(np.float32)).any():
                error = "NaN in the result (a NaN cache slot leaked)"
            if error is None:
                to_ref = relative_error(got, want)
                to_written = relative_error(got, written) if written is not None else 0.0
                if not (to_ref <= tolerance and to_written <= tolerance):
                    error = (f"rel_error {to_ref:.3e} against the reference, {to_written:.3e} "
                             f"against the decompressed run (tolerance {tolerance:.0e})")
            if error:
                print(f"{name}: FAIL: {error}")
                failed = True
            else:
                print(f"{name}: PASS (rel_error {to_ref:.1e})")
    if failed:
        sys.exit(1)


def zero_rows(batch_index):
    def check(want):
        assert np.all(want[batch_index] == 0), "the reference gives zeros for kv_lens 0"
        assert np.abs(want).sum() > 0
    return check


# Three requests, two new tokens each (causal among themselves), pages of 4,
# T = M·G = 16: 5 splits of 4 leave the last split all padding; lengths 15,
# 2 and 9 are multiples of neither the page size, the splits (1: 16, 2: 8,
# 5: 4) nor the chunks (3, 7), and 2 is only the new tokens.
case("causal two queries", "small-yarn.json", batch=3, tokens=2, page_size=4, pages=16,
     max_pages=4, lens=[15, 2, 9], causal=True)
# A request with no key at all gives zeros (never NaN, though its block-table
# row holds only -1 and other requests' pages); non-causal.
case("zero-length non-causal", "small-yarn.json", batch=3, tokens=2, page_size=4, pages=16,
     max_pages=4, lens=[0, 5, 13], causal=False, extra_checks=zero_rows(0))
# Batch 1, odd head dims, no query compression or YaRN, pages of 5, T = 25
# (splits of 25, 13, 5; chunks of 3 and 7: 23 is a multiple of none).
case("batch 1 causal no-yarn", "small-lite.json", batch=1, tokens=1, page_size=5, pages=6,
     max_pages=5, lens=[23], causal=True)
# bf16 operands: every op rounds to bf16 at its boundary.
case("bf16 causal two queries", "small-yarn.json", batch=3, tokens=2, page_size=4, pages=16,
     max_pages=4, lens=[11, 14, 3], causal=True, element="bf16")

print("all forms passed")
