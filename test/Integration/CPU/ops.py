# Each mla op alone on the CPU (mla-run, JIT) against its float64 numpy
# reference in python/mla/reference.py: one module per op, seeded inputs,
# ‖out − ref‖ / ‖ref‖ ≤ 1e-5 (f32) or 2e-2 (bf16), NaN positions identical.
#
# RUN: %python %s mla-run | FileCheck %s
#
# CHECK: rms_norm f32: PASS
# CHECK: rms_norm bf16: PASS
# CHECK: rope queries interleaved yarn: PASS
# CHECK: rope keys interleaved yarn: PASS
# CHECK: rope queries half: PASS
# CHECK: query_proj compressed: PASS
# CHECK: query_proj uncompressed: PASS
# CHECK: kv_compress: PASS
# CHECK: output_proj: PASS
# CHECK: cache.append: PASS
# CHECK: cache.gather: PASS
# CHECK: decompress key: PASS
# CHECK: decompress value: PASS
# CHECK: query_to_latent: PASS
# CHECK: latent_to_value: PASS
# CHECK: decompressed_attention causal: PASS
# CHECK: decompressed_attention zero-length: PASS
# CHECK: latent_attention causal nan-slots: PASS
# CHECK: latent_attention bf16: PASS
# CHECK: all ops passed

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from mla import reference
from mla.check import relative_error
from mla.config import MLAConfig
from mla.inputs import load_npy, save_npy

MLA_RUN = sys.argv[1]
# The same checks run on the GPU (test/Integration/GPU) with --target=cuda.
TARGET = sys.argv[2] if len(sys.argv) > 2 else "cpu"
RNG = np.random.default_rng(2026)
YARN = {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096,
        "beta_fast": 32, "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0}


def config(q_lora_rank=16, yarn=True, half=False):
    fields = {"hidden_size": 32, "num_attention_heads": 2, "q_lora_rank": q_lora_rank,
              "kv_lora_rank": 16, "qk_nope_head_dim": 8, "qk_rope_head_dim": 4,
              "v_head_dim": 8, "rope_theta": 10000.0, "rms_norm_eps": 1e-6}
    if yarn:
        fields["rope_scaling"] = YARN
    cfg = MLAConfig.from_hf(fields)
    if half:
        cfg = MLAConfig(**{**cfg.__dict__, "rope_style": "half"})
    return cfg


CFG = config()
TYPE = {np.dtype(np.float32): "f32", np.dtype(np.int32): "i32"}


def tensor_type(array, dtype):
    element = "i32" if array.dtype == np.int32 else dtype
    return "tensor<" + "x".join(str(d) for d in array.shape) + "x" + element + ">"


def floats(*shape, dtype="f32"):
    values = RNG.standard_normal(shape).astype(np.float32)
    if dtype == "bf16":
        import ml_dtypes
        values = values.astype(ml_dtypes.bfloat16)
    return values


def paged(batch, tokens, page_size, pages, max_pages):
    """Lengths (uneven, ≥ tokens, one not a multiple of the page size), a
    shuffled block table with -1 in unused entries, and a cache with NaN in
    every slot no request uses."""
    lens = np.array([tokens + RNG.integers(0, max_pages * page_size - tokens + 1)
                     for _ in range(batch)], dtype=np.int32)
    lens[0] = max_pages * page_size - 1
    table = np.full((batch, max_pages), -1, dtype=np.int32)
    order = RNG.permutation(pages)
    used = 0
    for b in range(batch):
        count = -(-int(lens[b]) // page_size)
        table[b, :count] = order[used:used + count]
        used += count
    cache = np.full((pages, page_size, CFG.kv_lora_rank + CFG.qk_rope_dim), np.nan,
                    dtype=np.float32)
    for b in range(batch):
        for t in range(int(lens[b])):
            cache[table[b, t // page_size], t % page_size] = RNG.standard_normal(cache.shape[2])
    return lens, table, cache


def check(name, cfg, op_text, args, result_types, want, dtype="f32"):
    """Runs `op_text` (using %arg0..) in a function of `args` and compares its
    results with `want`."""
    arg_list = ", ".join(f"%arg{i}: {tensor_type(a, dtype)}" for i, a in enumerate(args))
    module = (f"#cfg = {cfg.to_mlir()}\n"
              f"func.func @main({arg_list}) -> ({', '.join(result_types)}) {{\n"
              f"  {op_text}\n"
              f"}}\n")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "op.mlir").write_text(module)
        save_npy(work / "in", args)
        run = subprocess.run([MLA_RUN, str(work / "op.mlir"), f"--target={TARGET}",
                              f"--input-dir={work / 'in'}",
                              f"--output-dir={work / 'out'}"], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{name}: mla-run failed:\n{module}\n{run.stderr}")
            sys.exit(1)
        tolerance = 2e-2 if dtype == "bf16" else 1e-5
        for index, expected in enumerate(want):
            error = relative_error(load_npy(work / "out" / f"out{index}.npy"), expected)
            if not error <= tolerance:
                print(f"{name}: FAIL result {index}: rel_error={error:.3e} > {tolerance:.0e}")
                sys.exit(1)
    print(f"{name}: PASS")


def t(*shape, dtype="f32"):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + dtype + ">"


# rms_norm
for dtype in ("f32", "bf16"):
    x, w = floats(2, 3, 32, dtype=dtype), floats(32, dtype=dtype)
    check(f"rms_norm {dtype}", CFG,
          f"%0 = mla.rms_norm %arg0, %arg1 {{epsilon = 1.0e-06 : f64}} : {t(2, 3, 32, dtype=dtype)}, {t(32, dtype=dtype)}\n"
          f"  return %0 : {t(2, 3, 32, dtype=dtype)}",
          [x, w], [t(2, 3, 32, dtype=dtype)], [reference.rms_norm(x, w, 1e-6)], dtype)

# rope: positions up to 10^5 (f32 angles would be off by ~1e-2 rad there).
positions = RNG.integers(0, 100000, size=(2, 3)).astype(np.int32)
for name, cfg, shape in (("rope queries interleaved yarn", CFG, (2, 3, 2, 4)),
                         ("rope keys interleaved yarn", CFG, (2, 3, 4)),
                         ("rope queries half", config(yarn=False, half=True), (2, 3, 2, 4))):
    x = floats(*shape)
    check(name, cfg,
          f"%0 = mla.rope %arg0, %arg1 {{config = #cfg}} : {t(*shape)}, {t(2, 3, dtype='i32')}\n"
          f"  return %0 : {t(*shape)}",
          [x, positions], [t(*shape)], [reference.rope(x, positions, cfg)])

# query_proj, with and without compression.
h = floats(2, 3, 32)
wdq, qn, wuq = floats(32, 16) / 6, 1 + 0.1 * floats(16), floats(16, 24) / 4
check("query_proj compressed", CFG,
      f"%0, %1 = mla.query_proj %arg0 down %arg1 norm %arg2 up %arg3 {{config = #cfg}} : "
      f"({t(2, 3, 32)}, {t(32, 16)}, {t(16)}, {t(16, 24)}) -> ({t(2, 3, 2, 8)}, {t(2, 3, 2, 4)})\n"
      f"  return %0, %1 : {t(2, 3, 2, 8)}, {t(2, 3, 2, 4)}",
      [h, wdq, qn, wuq], [t(2, 3, 2, 8), t(2, 3, 2, 4)],
      reference.query_proj(h, wdq, qn, wuq, CFG))
lite = config(q_lora_rank=None)
wq = floats(32, 24) / 6
check("query_proj uncompressed", lite,
      f"%0, %1 = mla.query_proj %arg0 up %arg1 {{config = #cfg}} : "
      f"({t(2, 3, 32)}, {t(32, 24)}) -> ({t(2, 3, 2, 8)}, {t(2, 3, 2, 4)})\n"
      f"  return %0, %1 : {t(2, 3, 2, 8)}, {t(2, 3, 2, 4)}",
      [h, wq], [t(2, 3, 2, 8), t(2, 3, 2, 4)], reference.query_proj(h, None, None, wq, lite))

# kv_compress and output_proj.
wdkv, kvn = floats(32, 20) / 6, 1 + 0.1 * floats(16)
check("kv_compress", CFG,
      f"%0, %1 = mla.kv_compress %arg0 down %arg1 norm %arg2 {{config = #cfg}} : "
      f"({t(2, 3, 32)}, {t(32, 20)}, {t(16)}) -> ({t(2, 3, 16)}, {t(2, 3, 4)})\n"
      f"  return %0, %1 : {t(2, 3, 16)}, {t(2, 3, 4)}",
      [h, wdkv, kvn], [t(2, 3, 16), t(2, 3, 4)], reference.kv_compress(h, wdkv, kvn, CFG))
o, wo = floats(2, 3, 2, 8), floats(16, 32) / 4
check("output_proj", CFG,
      f"%0 = mla.output_proj %arg0, %arg1 {{config = #cfg}} : ({t(2, 3, 2, 8)}, {t(16, 32)}) -> {t(2, 3, 32)}\n"
      f"  return %0 : {t(2, 3, 32)}",
      [o, wo], [t(2, 3, 32)], [reference.output_proj(o, wo, CFG)])

# The paged cache: 3 requests, pages of 4, 3 pages each at most, 12 pages.
lens, table, cache = paged(batch=3, tokens=2, page_size=4, pages=12, max_pages=3)
c_new, k_new = floats(3, 2, 16), floats(3, 2, 4)
cache_t, table_t, lens_t = t(12, 4, 20), t(3, 3, dtype="i32"), t(3, dtype="i32")
check("cache.append", CFG,
      f"%0 = mla.cache.append %arg0, %arg1 into %arg2[%arg3, %arg4] {{config = #cfg}} : "
      f"{t(3, 2, 16)}, {t(3, 2, 4)} into {cache_t}, {table_t}, {lens_t}\n"
      f"  return %0 : {cache_t}",
      [c_new, k_new, cache, table, lens], [cache_t],
      [reference.cache_append(c_new, k_new, cache, table, lens, CFG)])
check("cache.gather", CFG,
      f"%0, %1 = mla.cache.gather %arg0[%arg1, %arg2] {{config = #cfg}} : "
      f"({cache_t}, {table_t}, {lens_t}) -> ({t(3, 12, 16)}, {t(3, 12, 4)})\n"
      f"  return %0, %1 : {t(3, 12, 16)}, {t(3, 12, 4)}",
      [cache, table, lens], [t(3, 12, 16), t(3, 12, 4)],
      reference.cache_gather(cache, table, lens, CFG))

# Decompression and absorption.
c_all, wuk, wuv = floats(3, 12, 16), floats(2, 16, 8) / 4, floats(2, 16, 8) / 4
for projection, weight in (("key", wuk), ("value", wuv)):
    check(f"decompress {projection}", CFG,
          f"%0 = mla.decompress {projection} %arg0, %arg1 {{config = #cfg}} : "
          f"({t(3, 12, 16)}, {t(2, 16, 8)}) -> {t(3, 12, 2, 8)}\n"
          f"  return %0 : {t(3, 12, 2, 8)}",
          [c_all, weight], [t(3, 12, 2, 8)],
          [reference.decompress(projection, c_all, weight, CFG)])
q_nope, o_lat = floats(3, 2, 2, 8), floats(3, 2, 2, 16)
check("query_to_latent", CFG,
      f"%0 = mla.query_to_latent %arg0, %arg1 {{config = #cfg}} : ({t(3, 2, 2, 8)}, {t(2, 16, 8)}) -> {t(3, 2, 2, 16)}\n"
      f"  return %0 : {t(3, 2, 2, 16)}",
      [q_nope, wuk], [t(3, 2, 2, 16)], [reference.query_to_latent(q_nope, wuk, CFG)])
check("latent_to_value", CFG,
      f"%0 = mla.latent_to_value %arg0, %arg1 {{config = #cfg}} : ({t(3, 2, 2, 16)}, {t(2, 16, 8)}) -> {t(3, 2, 2, 8)}\n"
      f"  return %0 : {t(3, 2, 2, 8)}",
      [o_lat, wuv], [t(3, 2, 2, 8)], [reference.latent_to_value(o_lat, wuv, CFG)])

# Attention in both forms.
q_pe = floats(3, 2, 2, 4)
k_nope, k_pe, v = floats(3, 12, 2, 8), floats(3, 12, 4), floats(3, 12, 2, 8)
attention_types = f"({t(3, 2, 2, 8)}, {t(3, 2, 2, 4)}, {t(3, 12, 2, 8)}, {t(3, 12, 4)}, {t(3, 12, 2, 8)}, {lens_t})"
for name, kv_lens, causal in (("causal", lens, True),
                              ("zero-length", np.array([0, 5, 12], dtype=np.int32), False)):
    check(f"decompressed_attention {name}", CFG,
          f"%0 = mla.decompressed_attention %arg0, %arg1, %arg2, %arg3, %arg4 lengths %arg5"
          f"{' causal' if causal else ''} {{config = #cfg}} : {attention_types} -> {t(3, 2, 2, 8)}\n"
          f"  return %0 : {t(3, 2, 2, 8)}",
          [q_nope, q_pe, k_nope, k_pe, v, kv_lens], [t(3, 2, 2, 8)],
          [reference.decompressed_attention(q_nope, q_pe, k_nope, k_pe, v, kv_lens, causal, CFG)])
q_lat = floats(3, 2, 2, 16)
check("latent_attention causal nan-slots", CFG,
      f"%0 = mla.latent_attention %arg0, %arg1 over %arg2[%arg3, %arg4] causal {{config = #cfg}} : "
      f"({t(3, 2, 2, 16)}, {t(3, 2, 2, 4)}, {cache_t}, {table_t}, {lens_t}) -> {t(3, 2, 2, 16)}\n"
      f"  return %0 : {t(3, 2, 2, 16)}",
      [q_lat, q_pe, cache, table, lens], [t(3, 2, 2, 16)],
      [reference.latent_attention(q_lat, q_pe, cache, table, lens, True, CFG)])
import ml_dtypes  # noqa: E402  (only the bf16 case needs it)
q_lat16, q_pe16, cache16 = (a.astype(ml_dtypes.bfloat16) for a in (q_lat, q_pe, cache))
check("latent_attention bf16", CFG,
      f"%0 = mla.latent_attention %arg0, %arg1 over %arg2[%arg3, %arg4] causal {{config = #cfg}} : "
      f"({t(3, 2, 2, 16, dtype='bf16')}, {t(3, 2, 2, 4, dtype='bf16')}, {t(12, 4, 20, dtype='bf16')}, {table_t}, {lens_t}) -> {t(3, 2, 2, 16, dtype='bf16')}\n"
      f"  return %0 : {t(3, 2, 2, 16, dtype='bf16')}",
      [q_lat16, q_pe16, cache16, table, lens], [t(3, 2, 2, 16, dtype="bf16")],
      [reference.latent_attention(q_lat16, q_pe16, cache16, table, lens, True, CFG)], "bf16")

print("all ops passed")
