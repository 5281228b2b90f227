# The float64 reference op by op: projections and their per-head layout,
# attention of a request with no valid key, RoPE styles, YaRN's frequencies
# against a transcription of DeepSeek's HF code, the softmax scale, the cache
# append, the dtype handling and the shape errors.

# RUN: %python %s %mla_src_root/examples/configs | FileCheck %s

import math
import sys
from dataclasses import replace
from pathlib import Path

import ml_dtypes
import numpy as np

from mla import MLAConfig, Yarn
from mla import reference as ref
from mla.inputs import block_inputs
from mla.ir import operand_names

CONFIGS = Path(sys.argv[1])
SMALL = dict(heads=4, hidden=64, kv_lora_rank=32, qk_nope_dim=16, qk_rope_dim=8, v_head_dim=16)
CFG = MLAConfig(**SMALL, q_lora_rank=32, yarn=Yarn(40.0, 4096, mscale=1.0, mscale_all_dim=1.0))
rng = np.random.default_rng(5)


def verdict(error, bound):
    return "ok" if error <= bound else f"MISMATCH {error!r}"


def relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


# Projections: RMSNorm's formula, q_b_proj's per-head columns (nope first),
# the norm on c_KV and not on k_pe.
x, w = rng.standard_normal((2, 3, 32)), rng.standard_normal(32)
by_hand = np.stack([[row / math.sqrt(sum(v * v for v in row) / 32 + 1e-6) * w for row in xs]
                    for xs in x])
print(f"rms_norm: {verdict(relative(ref.rms_norm(x, w, 1e-6), by_hand), 1e-15)}")
# CHECK: rms_norm: ok

h = rng.standard_normal((2, 3, 64))
w_dq, q_norm = rng.standard_normal((64, 32)), rng.standard_normal(32)
w_uq = rng.standard_normal((32, 96))
q_nope, q_pe = ref.query_proj(h, w_dq, q_norm, w_uq, CFG)
q = ref.rms_norm(h @ w_dq, q_norm, CFG.rms_eps) @ w_uq
layout = all(np.array_equal(q_nope[..., i, :], q[..., 24 * i:24 * i + 16])
             and np.array_equal(q_pe[..., i, :], q[..., 24 * i + 16:24 * (i + 1)])
             for i in range(4))
lite = replace(CFG, q_lora_rank=0)
q_nope0, _ = ref.query_proj(h, None, None, rng.standard_normal((64, 96)), lite)
print(f"query_proj: shapes {list(q_nope.shape)} {list(q_pe.shape)}, head layout {layout}, "
      f"uncompressed {list(q_nope0.shape)}")
# CHECK-NEXT: query_proj: shapes [2, 3, 4, 16] [2, 3, 4, 8], head layout True, uncompressed [2, 3, 4, 16]

w_dkv, kv_norm = rng.standard_normal((64, 40)), rng.standard_normal(32)
c_kv, k_pe = ref.kv_compress(h, w_dkv, kv_norm, CFG)
kv = h @ w_dkv
normalised = np.array_equal(c_kv, ref.rms_norm(kv[..., :32], kv_norm, 1e-6))
print(f"kv_compress: c_kv normalised {normalised}, k_pe raw {np.array_equal(k_pe, kv[..., 32:])}")
# CHECK-NEXT: kv_compress: c_kv normalised True, k_pe raw True


# Attention with no valid key: kv_lens 0 gives zeros (keys and values beyond
# kv_lens are NaN and stay unread); with causal and kv_lens 1 < S = 2, the
# first query has no key and the second sees key 0.
def attention_operands(batch, tokens, keys):
    return (rng.standard_normal((batch, tokens, 4, 16)), rng.standard_normal((batch, tokens, 4, 8)),
            rng.standard_normal((batch, keys, 4, 16)), rng.standard_normal((batch, keys, 8)),
            rng.standard_normal((batch, keys, 4, 16)))


qn, qp, kn, kp, v = attention_operands(2, 2, 6)
lens = np.array([0, 1], dtype=np.int32)
for array in (kn, kp, v):
    array[0], array[1, 1:] = np.nan, np.nan
for causal in (False, True):
    o = ref.decompressed_attention(qn, qp, kn, kp, v, lens, causal, CFG)
    print(f"decompressed causal={causal}: request 0 zeros {not o[0].any()}, "
          f"request 1 query 0 zeros {not o[1, 0].any()}, query 1 = v[key 0] "
          f"{np.allclose(o[1, 1], v[1, 0], rtol=1e-15, atol=0)}")
# CHECK-NEXT: decompressed causal=False: request 0 zeros True, request 1 query 0 zeros False, query 1 = v[key 0] True
# CHECK-NEXT: decompressed causal=True: request 0 zeros True, request 1 query 0 zeros True, query 1 = v[key 0] True

cache = np.full((3, 4, 40), np.nan)
cache[2, 0] = rng.standard_normal(40)
table = np.array([[-1, -1], [2, -1]], dtype=np.int32)
q_lat = rng.standard_normal((2, 2, 4, 32))
o_lat = ref.latent_attention(q_lat, qp, cache, table, lens, True, CFG)
print(f"latent causal: request 0 zeros {not o_lat[0].any()}, request 1 query 0 zeros "
      f"{not o_lat[1, 0].any()}, query 1 = c_KV[key 0] "
      f"{np.allclose(o_lat[1, 1], cache[2, 0, :32], rtol=1e-15, atol=0)}")
# CHECK-NEXT: latent causal: request 0 zeros True, request 1 query 0 zeros True, query 1 = c_KV[key 0] True


# RoPE: 'half' on the dims permuted to (evens, odds) is 'interleaved'
# permuted the same way; position 0 scales by YaRN's magnitude only; scores
# of rotated pairs depend on the position difference alone.
perm = np.r_[0:8:2, 1:8:2]
positions = rng.integers(0, 100000, size=(2, 3)).astype(np.int32)
for name, cfg in (("yarn", CFG), ("plain", replace(CFG, yarn=None))):
    half = replace(cfg, rope_style="half")
    for x in (rng.standard_normal((2, 3, 4, 8)), rng.standard_normal((2, 3, 8))):
        interleaved = ref.rope(x, positions, cfg)[..., perm]
        error = np.abs(interleaved - ref.rope(x[..., perm], positions, half)).max()
        print(f"rope {name} rank {x.ndim}: interleaved vs half {verdict(error, 0.0)}")
# CHECK-NEXT: rope yarn rank 4: interleaved vs half ok
# CHECK-NEXT: rope yarn rank 3: interleaved vs half ok
# CHECK-NEXT: rope plain rank 4: interleaved vs half ok
# CHECK-NEXT: rope plain rank 3: interleaved vs half ok

scaled = replace(CFG, yarn=Yarn(40.0, 4096, mscale=1.0, mscale_all_dim=0.5))
x = rng.standard_normal((1, 1, 8))
hf_mscale = (0.1 * 1.0 * math.log(40.0) + 1.0) / (0.1 * 0.5 * math.log(40.0) + 1.0)
at_zero = ref.rope(x, np.zeros((1, 1), np.int32), scaled)
print(f"rope at position 0: x times {hf_mscale:.6f} "
      f"{verdict(relative(at_zero, x * hf_mscale), 1e-15)}")
# CHECK-NEXT: rope at position 0: x times 1.155722 ok

q, k = rng.standard_normal((1, 1, 8)), rng.standard_normal((1, 1, 8))
dots = [float(np.sum(ref.rope(q, np.array([[m + 7]], np.int32), CFG)
                     * ref.rope(k, np.array([[m]], np.int32), CFG))) for m in (0, 1000, 123456)]
print(f"rope relative: {verdict(max(dots) - min(dots), 1e-9)}")
# CHECK-NEXT: rope relative: ok


# YaRN's inverse frequencies against DeepSeek's HF code (modeling_deepseek.py,
# DeepseekV2YarnRotaryEmbedding), transcribed here loop by loop.
def hf_correction_dim(num_rotations, dim, base, max_position_embeddings):
    return (dim * math.log(max_position_embeddings / (num_rotations * 2 * math.pi))) / (
        2 * math.log(base))


def hf_correction_range(low_rot, high_rot, dim, base, max_position_embeddings):
    low = math.floor(hf_correction_dim(low_rot, dim, base, max_position_embeddings))
    high = math.ceil(hf_correction_dim(high_rot, dim, base, max_position_embeddings))
    return max(low, 0), min(high, dim - 1)


def hf_linear_ramp_mask(low, high, dim):
    if low == high:
        high += 0.001
    ramp = []
    for j in range(dim):
        ramp.append(min(max((j - low) / (high - low), 0.0), 1.0))
    return ramp


def hf_inv_freq(dim, base, factor, original, beta_fast, beta_slow):
    low, high = hf_correction_range(beta_fast, beta_slow, dim, base, original)
    ramp = hf_linear_ramp_mask(low, high, dim // 2)
    inv_freq = []
    for j in range(dim // 2):
        freq_extra = 1.0 / (base ** ((2 * j) / dim))
        freq_inter = 1.0 / (factor * base ** ((2 * j) / dim))
        inv_freq_mask = 1.0 - ramp[j]
        inv_freq.append(freq_inter * (1 - inv_freq_mask) + freq_extra * inv_freq_mask)
    return inv_freq, (low, high)


cases = {
    "v3": MLAConfig.from_hf(CONFIGS / "deepseek-v3.json"),
    "v2-lite": MLAConfig.from_hf(CONFIGS / "deepseek-v2-lite.json"),
    "small": CFG,
    # high = 4 > R/2 - 1 = 3 stays (HF clamps to R - 1): pair 3 gets ramp 1/2, not 1.
    "high-above-pairs": replace(CFG, yarn=Yarn(40.0, 50000)),
    # d(beta_fast) < 0: low clamps to 0.
    "low-clamp": replace(CFG, yarn=Yarn(4.0, 64, beta_fast=32.0, beta_slow=1.0)),
    # low = high = R - 1: the ramp's + 0.001.
    "singular": replace(CFG, yarn=Yarn(8.0, 6400000000)),
    "theta-1e6": replace(CFG, rope_theta=1e6, yarn=Yarn(16.0, 8192, beta_fast=16.0, beta_slow=2.0)),
}
for name, cfg in cases.items():
    y = cfg.yarn
    expected, bounds = hf_inv_freq(cfg.qk_rope_dim, cfg.rope_theta, y.factor,
                                   y.original_max_position, y.beta_fast, y.beta_slow)
    error = relative(np.array(cfg.rope_inverse_frequencies()), np.array(expected))
    print(f"yarn {name}: range {bounds} {verdict(error, 1e-15)}")
# CHECK-NEXT: yarn v3: range (10, 23) ok
# CHECK-NEXT: yarn v2-lite: range (10, 23) ok
# CHECK-NEXT: yarn small: range (1, 3) ok
# CHECK-NEXT: yarn high-above-pairs: range (2, 4) ok
# CHECK-NEXT: yarn low-clamp: range (0, 2) ok
# CHECK-NEXT: yarn singular: range (7, 7) ok
# CHECK-NEXT: yarn theta-1e6: range ({{[0-9]+}}, {{[0-9]+}}) ok


# The softmax scale: V3's (N+R)^-1/2·m² (0.13523378), not 576^-1/2. One
# query, two keys, V3's shapes; then the whole block with the scale changed.
v3 = MLAConfig.from_hf(CONFIGS / "deepseek-v3.json")
qn, qp = rng.standard_normal((1, 1, 128, 128)), rng.standard_normal((1, 1, 128, 64))
kn, kp = rng.standard_normal((1, 2, 128, 128)), rng.standard_normal((1, 2, 64))
v = rng.standard_normal((1, 2, 128, 128))
o = ref.decompressed_attention(qn, qp, kn, kp, v, np.array([2], np.int32), True, v3)


def two_key_attention(scale):
    out = np.empty((128, 128))
    for i in range(128):
        s = [scale * (qn[0, 0, i] @ kn[0, t, i] + qp[0, 0, i] @ kp[0, t]) for t in range(2)]
        p0 = 1.0 / (1.0 + math.exp(s[1] - s[0]))
        out[i] = p0 * v[0, 0, i] + (1.0 - p0) * v[0, 1, i]
    return out


published = verdict(relative(o[0, 0], two_key_attention(0.13523378)), 1e-7)
print(f"v3 scale {v3.softmax_scale_effective():.8f}: published {published}, "
      f"576^-1/2 differs {relative(o[0, 0], two_key_attention(576 ** -0.5)) > 1e-3}")
# CHECK-NEXT: v3 scale 0.13523378: published ok, 576^-1/2 differs True

arrays = block_inputs(CFG, 3, 2, 4, 24, 8, "f32", seed=2)
for form in ("decompressed", "absorbed"):
    out = ref.attention_block(CFG, *arrays, form=form)[0]
    explicit = replace(CFG, softmax_scale=CFG.softmax_scale_effective())
    same = ref.attention_block(explicit, *arrays, form=form)[0]
    latent = ref.attention_block(replace(CFG, softmax_scale=40 ** -0.5), *arrays, form=form)[0]
    print(f"block {form}: explicit same scale identical {np.array_equal(out, same)}, "
          f"(L+R)^-1/2 differs {relative(latent, out) > 1e-3}")
# CHECK-NEXT: block decompressed: explicit same scale identical True, (L+R)^-1/2 differs True
# CHECK-NEXT: block absorbed: explicit same scale identical True, (L+R)^-1/2 differs True


# cache.append writes exactly the new tokens' slots, with concat(c_kv, k_pe),
# and leaves every other slot bit for bit (NaN included).
args = dict(zip(operand_names(CFG), arrays))
c_kv, k_pe = rng.standard_normal((3, 2, 32)), rng.standard_normal((3, 2, 8))
old = args["cache"].astype(np.float64)
new = ref.cache_append(c_kv, k_pe, old, args["block_table"], args["seq_lens"], CFG)
expected = old.copy()
for b, length in enumerate(args["seq_lens"]):
    for s in range(2):
        t = length - 2 + s
        expected[args["block_table"][b, t // 4], t % 4] = np.concatenate([c_kv[b, s], k_pe[b, s]])
changed = ~((new == old) | (np.isnan(new) & np.isnan(old))).all(axis=-1)
print(f"cache.append: exact {np.array_equal(new, expected, equal_nan=True)}, "
      f"slots changed {int(changed.sum())} of {changed.size}, input untouched "
      f"{np.array_equal(old, args['cache'], equal_nan=True)}")
# CHECK-NEXT: cache.append: exact True, slots changed 6 of 96, input untouched True

gathered, _ = ref.cache_gather(new, args["block_table"], args["seq_lens"], CFG)
tail = [not gathered[b, length:].any() for b, length in enumerate(args["seq_lens"])]
print(f"cache.gather: zeros beyond seq_lens {all(tail)}, finite {np.isfinite(gathered).all()}")
# CHECK-NEXT: cache.gather: zeros beyond seq_lens True, finite True


# Any input dtype, float64 results: bf16 operands give what their float64 values give.
bf16 = block_inputs(CFG, 2, 1, 4, 16, 8, "bf16", seed=4)
wide = [a.astype(np.float64) if a.dtype == ml_dtypes.bfloat16 else a for a in bf16]
out16, cache16 = ref.attention_block(CFG, *bf16, form="absorbed")
out64, _ = ref.attention_block(CFG, *wide, form="absorbed")
print(f"bf16: results {out16.dtype} {cache16.dtype}, "
      f"equal to float64 inputs {np.array_equal(out16, out64)}")
# CHECK-NEXT: bf16: results float64 float64, equal to float64 inputs True


# Bad operands: each error names the op, the operand and what was expected.
def error_of(call):
    try:
        call()
    except ValueError as error:
        return f"error: {error}"
    return "no error"


bad = dict(args, block_table=args["block_table"].copy())
bad["block_table"][0, 0] = 99
for call in (
        lambda: ref.attention_block(CFG, *arrays[:-1]),
        lambda: ref.attention_block(CFG, *arrays, form="mixed"),
        lambda: ref.rope(np.zeros((2, 3, 6)), positions, CFG),
        lambda: ref.decompress("query", np.zeros((1, 4, 32)), np.zeros((4, 32, 16)), CFG),
        lambda: ref.decompress("value", np.zeros((1, 4, 32)), np.zeros((4, 32, 15)), CFG),
        lambda: ref.decompressed_attention(*attention_operands(2, 2, 6), np.array([7, 0]),
                                           True, CFG),
        lambda: ref.cache_append(c_kv, k_pe, old, args["block_table"], np.array([1, 5, 5]), CFG),
        lambda: ref.cache_gather(old, bad["block_table"], args["seq_lens"], CFG),
        lambda: ref.cache_gather(old, args["block_table"].astype(np.float32), args["seq_lens"],
                                 CFG),
        lambda: ref.query_proj(h, None, None, w_uq, CFG),
        lambda: ref.output_proj(np.zeros((2, 3, 4, 16)), np.zeros((64, 65)),
                                replace(CFG, hidden=66))):
    print(error_of(call))
# CHECK-NEXT: error: attention_block: expected 13 operands (hidden, positions, w_dq, q_norm, w_uq, w_dkv, kv_norm, w_uk, w_uv, w_o, cache, block_table, seq_lens), or 14 with query_starts (varlen), got 12
# CHECK-NEXT: error: attention_block: form must be one of decompressed, absorbed, got 'mixed'
# CHECK-NEXT: error: rope: input: dim 2 (R) of [B, S, R] should be 8, got shape [2, 3, 6]
# CHECK-NEXT: error: decompress: projection must be one of key, value, got 'query'
# CHECK-NEXT: error: decompress: weight: dim 2 (V) of [H, L, V] should be 16, got shape [4, 32, 15]
# CHECK-NEXT: error: decompressed_attention: kv_lens [7, 0] must lie in [0, T = 6]
# CHECK-NEXT: error: cache.append: seq_lens [1, 5, 5] must each be at least S = 2 (they include the new tokens)
# CHECK-NEXT: error: cache.gather: request 0 (length {{[0-9]+}}) uses page id 99, outside [0, P = 24)
# CHECK-NEXT: error: cache.gather: block_table: expected integers (i32), got float32
# CHECK-NEXT: error: query_proj: q_lora_rank > 0 needs w_dq and q_norm
# CHECK-NEXT: error: output_proj: w_o: dim 1 (D) of [H*V, D] should be 66, got shape [64, 65]
