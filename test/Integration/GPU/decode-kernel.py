# The tensor-core decode kernel (convert-mla-to-gpu) against the float64
# reference, FlashMLA-style: DeepSeek dims (latent 512, rope 64, nope 128,
# v 128), lengths drawn around a mean and never multiples of the tile or the
# page, a zero-length request, shuffled block tables whose unused entries are
# -1 or another request's page, NaN in every cache slot no request uses, one
# or two queries per request (causal), 1 to 7 KV splits, bf16 and f16, the
# even and the balanced (scheduling metadata) split schedules.
#
# Each module holds one mla.fused_decode; `mla-opt --convert-mla-to-gpu` must
# turn it into an mla.decode_kernel (the kernel path, not the generic one),
# and `mla-run --target=cuda` (the GPU pipeline) must give
#
#   latent_to_value(latent_attention(query_to_latent(q_nope, W_UK), q_pe,
#                   cache, table, lens, causal), W_UV)
#
# within ‖out − ref‖ / ‖ref‖ ≤ 2e-2 (bf16/f16 operands, f32 accumulation),
# with no NaN, and zeros for the zero-length request.
#
# With a third argument `warpgroup`, the same checks run the wgmma variant
# of the kernel (mma = warpgroup, chip sm_90a) on shapes with 64-row CTAs:
# decode-kernel-wgmma.test; with `tma`, the wgmma variant whose KV tiles
# arrive by TMA on mbarriers (loads = tma): decode-kernel-tma.test.
#
# RUN: %python %s mla-opt mla-run | FileCheck %s
#
# CHECK: h16 b4 s1 bf16 page 64 splits 1: PASS
# CHECK: h16 b4 s1 bf16 page 64 splits 3: PASS
# CHECK: h128 b2 s1 bf16 page 64 splits 1: PASS
# CHECK: h128 b2 s1 bf16 page 64 splits 4: PASS
# CHECK: h16 b3 s2 bf16 page 16 splits 2 causal: PASS
# CHECK: h128 b2 s2 bf16 page 64 splits 1 causal: PASS
# CHECK: h64 b3 s1 f16 page 32 splits 7: PASS
# CHECK: h16 b4 s1 bf16 page 64 splits 3 balanced: PASS
# CHECK: h128 b3 s1 bf16 page 64 splits 2 balanced: PASS
# CHECK: h16 b3 s2 bf16 page 16 splits 1 causal balanced: PASS
# CHECK: all sync decode kernel cases passed

import subprocess
import sys
import tempfile
from pathlib import Path

import ml_dtypes
import numpy as np

from mla import reference
from mla.check import relative_error
from mla.config import MLAConfig
from mla.inputs import load_npy, save_npy

MLA_OPT, MLA_RUN = sys.argv[1], sys.argv[2]
VARIANT = sys.argv[3] if len(sys.argv) > 3 else "sync"
MMA = "warpgroup" if VARIANT == "tma" else VARIANT
LOADS = "tma" if VARIANT == "tma" else "async_copy"
# The wgmma kernel needs the arch-specific target.
CHIP = "sm_90a" if MMA == "warpgroup" else "sm_90"
RNG = np.random.default_rng(6)
LATENT, ROPE, NOPE, VALUE = 512, 64, 128, 128


def config(heads):
    return MLAConfig.from_hf({
        "hidden_size": 7168, "num_attention_heads": heads, "q_lora_rank": 1536,
        "kv_lora_rank": LATENT, "qk_nope_head_dim": NOPE, "qk_rope_head_dim": ROPE,
        "v_head_dim": VALUE, "rope_theta": 10000.0, "rms_norm_eps": 1e-6,
        "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096,
                         "beta_fast": 32, "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0}})


def tensor(shape, element):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + element + ">"


def module(cfg, shapes, element, causal, splits, heads_per_block, block_tokens, schedule):
    types = [tensor(s, "i32" if i in (5, 6) else element) for i, s in enumerate(shapes)]
    out = tensor(shapes[0][:3] + (VALUE,), element)
    args = ", ".join(f"%a{i}: {t}" for i, t in enumerate(types))
    tiling = (f"#mla.decode_tiling<splits = {splits}, block_tokens = {block_tokens}, "
              f"heads_per_block = {heads_per_block}, stages = 2, mma = {MMA}, "
              f"schedule = {schedule}, loads = {LOADS}>")
    return (f"#cfg = {cfg.to_mlir()}\n"
            f"func.func @decode({args}) -> {out} {{\n"
            f"  %o = mla.fused_decode %a0, %a1 weights(%a2, %a3) over %a4[%a5, %a6]"
            f"{' causal' if causal else ''}\n"
            f"      tiling {tiling} {{config = #cfg}} : ({', '.join(types)}) -> {out}\n"
            f"  return %o : {out}\n}}\n")


def case(heads, lens, queries, page_size, splits, element="bf16", causal=False,
         block_tokens=32, schedule="even", heads_per_block=None):
    title = (f"h{heads} b{len(lens)} s{queries} {element} page {page_size} splits {splits}"
             f"{' causal' if causal else ''}"
             f"{f' tile {block_tokens}' if block_tokens != 32 else ''}"
             f"{f' heads_per_block {heads_per_block}' if heads_per_block else ''}"
             f"{' balanced' if schedule == 'balanced' else ''}")
    cfg = config(heads)
    dtype = ml_dtypes.bfloat16 if element == "bf16" else np.float16
    lens = np.array(lens, dtype=np.int32)
    batch = len(lens)
    max_pages = -(-int(lens.max()) // page_size) + 1
    pages = batch * max_pages + 3
    # Shuffled pages; unused table entries -1 or a page of another request.
    order = RNG.permutation(pages)
    table = np.where(RNG.random((batch, max_pages)) < 0.5, -1,
                     RNG.integers(pages, size=(batch, max_pages))).astype(np.int32)
    cache = np.full((pages, page_size, LATENT + ROPE), np.nan)
    used = 0
    for b, length in enumerate(lens):
        count = -(-int(length) // page_size)
        table[b, :count] = order[used:used + count]
        used += count
        t = np.arange(length)
        cache[table[b, t // page_size], t % page_size] = RNG.standard_normal(
            (length, LATENT + ROPE))
    cache = cache.astype(dtype)
    q_nope = RNG.standard_normal((batch, queries, heads, NOPE)).astype(dtype)
    q_pe = RNG.standard_normal((batch, queries, heads, ROPE)).astype(dtype)
    w_uk = (RNG.standard_normal((heads, LATENT, NOPE)) / np.sqrt(NOPE)).astype(dtype)
    w_uv = (RNG.standard_normal((heads, LATENT, VALUE)) / np.sqrt(LATENT)).astype(dtype)
    args = [q_nope, q_pe, w_uk, w_uv, cache, table, lens]

    q_lat = reference.query_to_latent(q_nope.astype(np.float64), w_uk.astype(np.float64), cfg)
    o_lat = reference.latent_attention(q_lat, q_pe.astype(np.float64), cache.astype(np.float64),
                                       table, lens, causal, cfg)
    want = reference.latent_to_value(o_lat, w_uv.astype(np.float64), cfg)

    source = module(cfg, [a.shape for a in args], element, causal, splits,
                    heads_per_block or min(heads, max(1, 64 // queries)), block_tokens,
                    schedule)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "decode.mlir").write_text(source)
        converted = subprocess.run([MLA_OPT, str(work / "decode.mlir"),
                                    f"--mla-set-target=chip={CHIP}",
                                    "--convert-mla-to-gpu"],
                                   capture_output=True, text=True)
        if converted.returncode != 0 or "mla.decode_kernel" not in converted.stdout:
            return f"{title}: FAIL: convert-mla-to-gpu did not take the op:\n{converted.stderr}"
        save_npy(work / "in", args)
        run = subprocess.run([MLA_RUN, str(work / "decode.mlir"), "--target=cuda",
                              f"--gpu-chip={CHIP}",
                              f"--input-dir={work / 'in'}", f"--output-dir={work}"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            return f"{title}: FAIL: mla-run failed:\n{run.stderr}"
        got = load_npy(work / "out0.npy").astype(np.float64)
    if np.isnan(got).any():
        return f"{title}: FAIL: NaN in the result (a NaN cache slot leaked)"
    empty = lens == 0
    if empty.any() and np.abs(got[empty]).max() != 0:
        return f"{title}: FAIL: the zero-length request's output is not 0"
    error = relative_error(got, want)
    if not error <= 2e-2:
        return f"{title}: FAIL: rel_error {error:.3e} (tolerance 2e-2)"
    return f"{title}: PASS (rel_error {error:.1e})"


SYNC_CASES = [
    lambda: case(16, [700, 1, 0, 333], 1, 64, 1),
    lambda: case(16, [700, 1, 0, 333], 1, 64, 3),
    lambda: case(128, [517, 64], 1, 64, 1),
    lambda: case(128, [517, 64], 1, 64, 4),
    lambda: case(16, [300, 2, 45], 2, 16, 2, causal=True),
    lambda: case(128, [129, 77], 2, 64, 1, causal=True),
    lambda: case(64, [90, 0, 211], 1, 32, 7, element="f16"),
    # Balanced schedule: the metadata deals tiles so that long requests get
    # more CTAs (up to 2·splits), short ones one (writing o_lat directly).
    lambda: case(16, [700, 1, 0, 333], 1, 64, 3, schedule="balanced"),
    lambda: case(128, [1500, 64, 0], 1, 64, 2, schedule="balanced"),
    lambda: case(16, [300, 2, 45], 2, 16, 1, causal=True, schedule="balanced"),
]
# 64 query rows per CTA (fewer padded: h16, h16 × 2 queries, and 32 of
# h128's heads per CTA — four row blocks, each padded), tiles of 64 or 32
# tokens.
WARPGROUP_CASES = [
    lambda: case(128, [517, 64], 1, 64, 1, block_tokens=64),
    lambda: case(128, [700, 1, 0, 333], 1, 64, 3, block_tokens=64),
    lambda: case(64, [90, 0, 211], 1, 32, 7, element="f16", block_tokens=64),
    lambda: case(128, [129, 77], 2, 64, 1, causal=True, block_tokens=64),
    lambda: case(32, [300, 2, 45], 2, 16, 2, causal=True, block_tokens=32),
    lambda: case(128, [1000, 517], 1, 64, 2, block_tokens=32),
    lambda: case(128, [1500, 64, 0], 1, 64, 2, block_tokens=64, schedule="balanced"),
    lambda: case(16, [700, 1, 0, 333], 1, 64, 3, block_tokens=64),
    lambda: case(16, [300, 2, 45], 2, 16, 2, causal=True, block_tokens=64),
    lambda: case(128, [700, 1, 0, 333], 1, 64, 3, block_tokens=64, heads_per_block=32),
]
results = [run() for run in (WARPGROUP_CASES if MMA == "warpgroup" else SYNC_CASES)]
print("\n".join(results))
if any("FAIL" in r for r in results):
    sys.exit(1)
print(f"all {VARIANT} decode kernel cases passed")
