# The float64 reference of the whole block: the decompressed and absorbed
# forms agree to 1e-10 on random inputs (decode, uneven lengths with an empty
# prefix and lengths off the page boundary, 2 causal new tokens, prefill of 8);
# NaN in unused cache slots never reaches a result; and the block matches a
# loop-by-loop transcription of DESIGN §1 over each request's history.

# RUN: %python %s | FileCheck %s

import cmath
import math
from dataclasses import replace

import numpy as np

from mla import MLAConfig, Yarn
from mla.inputs import block_inputs
from mla.ir import operand_names
from mla.reference import attention_block

SMALL = dict(heads=4, hidden=64, kv_lora_rank=32, qk_nope_dim=16, qk_rope_dim=8, v_head_dim=16)
CONFIGS = {
    # V3-like: query compression, YaRN with mscale = mscale_all_dim.
    "v3": MLAConfig(**SMALL, q_lora_rank=32,
                    yarn=Yarn(40.0, 4096, mscale=1.0, mscale_all_dim=1.0)),
    # V2-Lite-like: no query compression, half-split RoPE, mscale != mscale_all_dim.
    "lite": MLAConfig(**SMALL, q_lora_rank=0, rope_style="half",
                      yarn=Yarn(40.0, 64, mscale=1.0, mscale_all_dim=0.707)),
    "plain": MLAConfig(**SMALL, q_lora_rank=32),
}
# name: (batch, tokens, page_size, pages, max_pages, dtype)
SHAPES = {
    "decode-b1": (1, 1, 4, 8, 8, "f32"),
    "decode-uneven": (4, 1, 5, 24, 6, "bf16"),
    "causal-2": (3, 2, 3, 30, 10, "f32"),
    "prefill-8": (2, 8, 4, 16, 8, "f16"),
}


def relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def named(cfg, arrays):
    return dict(zip(operand_names(cfg), arrays))


def describe(args, tokens, page_size):
    """What the generated lengths cover: an empty prefix, one off the page boundary."""
    lens = args["seq_lens"]
    empty = "empty prefix" if np.any(lens == tokens) else "no empty prefix"
    off = "off-page" if np.any(lens % page_size) else "ALL ON PAGE BOUNDARIES"
    return f"lens {lens.tolist()} ({empty}, {off})"


# Both forms, every config and shape: same output, same new cache.
for cfg_name, cfg in CONFIGS.items():
    for shape_name, (batch, tokens, page_size, pages, max_pages, dtype) in SHAPES.items():
        arrays = block_inputs(cfg, batch, tokens, page_size, pages, max_pages, dtype, seed=7)
        out_d, cache_d = attention_block(cfg, *arrays)
        out_a, cache_a = attention_block(cfg, *arrays, form="absorbed")
        error = relative(out_a, out_d)
        same_cache = np.array_equal(cache_a, cache_d, equal_nan=True)
        verdict = "ok" if error < 1e-10 and same_cache else f"MISMATCH {error!r} {same_cache}"
        print(f"{cfg_name} {shape_name}: {verdict}")
        if cfg_name == "v3":
            print(f"  {describe(named(cfg, arrays), tokens, page_size)}")

# CHECK:      v3 decode-b1: ok
# CHECK-NEXT:   lens [{{[0-9]+}}] (no empty prefix, off-page)
# CHECK-NEXT: v3 decode-uneven: ok
# CHECK-NEXT:   lens [{{.*}}] (empty prefix, off-page)
# CHECK-NEXT: v3 causal-2: ok
# CHECK-NEXT:   lens [{{.*}}] (empty prefix, off-page)
# CHECK-NEXT: v3 prefill-8: ok
# CHECK-NEXT:   lens [{{.*}}] (empty prefix, off-page)
# CHECK-NEXT: lite decode-b1: ok
# CHECK-NEXT: lite decode-uneven: ok
# CHECK-NEXT: lite causal-2: ok
# CHECK-NEXT: lite prefill-8: ok
# CHECK-NEXT: plain decode-b1: ok
# CHECK-NEXT: plain decode-uneven: ok
# CHECK-NEXT: plain causal-2: ok
# CHECK-NEXT: plain prefill-8: ok


# NaN in unused slots: the outputs are finite, the new cache is NaN exactly in
# the slots no request uses, and any other garbage there (huge, inf) gives
# bit-identical results.
def slots(args, page_size, first, last):
    """Mask of the slots holding positions first(len) .. last(len) - 1 of each request."""
    mask = np.zeros(args["cache"].shape[:2], dtype=bool)
    for b, length in enumerate(args["seq_lens"]):
        for t in range(first(length), last(length)):
            mask[args["block_table"][b, t // page_size], t % page_size] = True
    return mask


cfg = CONFIGS["v3"]
for shape_name, (batch, tokens, page_size, pages, max_pages, dtype) in SHAPES.items():
    arrays = block_inputs(cfg, batch, tokens, page_size, pages, max_pages, "f32", seed=3)
    args = named(cfg, arrays)
    used = slots(args, page_size, lambda n: 0, lambda n: n)
    new = slots(args, page_size, lambda n: n - tokens, lambda n: n)
    nan_before = np.isnan(args["cache"]).all(axis=-1)
    garbage = args["cache"].copy()
    rng = np.random.default_rng(0)
    garbage[~used] = np.where(rng.random(garbage[~used].shape) < 0.5, 1e30, np.inf)
    changed = list(arrays)
    changed[operand_names(cfg).index("cache")] = garbage
    report = []
    for form in ("decompressed", "absorbed"):
        out, cache = attention_block(cfg, *arrays, form=form)
        out_g, _ = attention_block(cfg, *changed, form=form)
        report.append(f"{form} finite {np.isfinite(out).all()} "
                      f"nan-slots-exact {np.array_equal(np.isnan(cache).all(-1), ~used)} "
                      f"garbage-identical {np.array_equal(out, out_g)}")
    print(f"nan {shape_name}: NaN before = all but prefixes "
          f"{np.array_equal(nan_before, ~used | new)}; " + "; ".join(report))

# CHECK-NEXT: nan decode-b1: NaN before = all but prefixes True; decompressed finite True nan-slots-exact True garbage-identical True; absorbed finite True nan-slots-exact True garbage-identical True
# CHECK-NEXT: nan decode-uneven: NaN before = all but prefixes True; decompressed finite True nan-slots-exact True garbage-identical True; absorbed finite True nan-slots-exact True garbage-identical True
# CHECK-NEXT: nan causal-2: NaN before = all but prefixes True; decompressed finite True nan-slots-exact True garbage-identical True; absorbed finite True nan-slots-exact True garbage-identical True
# CHECK-NEXT: nan prefill-8: NaN before = all but prefixes True; decompressed finite True nan-slots-exact True garbage-identical True; absorbed finite True nan-slots-exact True garbage-identical True


# DESIGN §1 token by token, head by head: each request's history is its
# cached prefix (read slot by slot through the block table) followed by its
# new tokens; query s sees history positions 0 .. len - S + s. Interleaved
# RoPE as complex multiplication (x_2j + i·x_2j+1)·m·e^(i·pos·θ_j).
def rms(x, w, eps):
    return x / math.sqrt(sum(v * v for v in x) / len(x) + eps) * w


def rotate(x, pos, cfg):
    theta, m = cfg.rope_inverse_frequencies(), cfg.rope_magnitude()
    out = np.empty_like(x)
    for j, t in enumerate(theta):
        z = complex(x[2 * j], x[2 * j + 1]) * m * cmath.exp(1j * pos * t)
        out[2 * j], out[2 * j + 1] = z.real, z.imag
    return out


def naive_block(cfg, a, see_all=False):
    """The block's output; `see_all` drops the causal mask (to show the check can fail)."""
    n, r, l, heads = cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.kv_lora_rank, cfg.heads
    a = {k: v.astype(np.float64) if v.dtype.kind == "f" else v for k, v in a.items()}
    batch, tokens, _ = a["hidden"].shape
    page_size = a["cache"].shape[1]
    out = np.zeros(a["hidden"].shape)
    for b in range(batch):
        length = int(a["seq_lens"][b])
        history = []
        for t in range(length - tokens):
            history.append(a["cache"][a["block_table"][b, t // page_size], t % page_size])
        queries = []
        for s in range(tokens):
            h = a["hidden"][b, s]
            kv = h @ a["w_dkv"]
            history.append(np.concatenate([rms(kv[:l], a["kv_norm"], cfg.rms_eps),
                                           rotate(kv[l:], a["positions"][b, s], cfg)]))
            queries.append(rms(h @ a["w_dq"], a["q_norm"], cfg.rms_eps) @ a["w_uq"])
        for s in range(tokens):
            heads_out = []
            for i in range(heads):
                q = queries[s][i * (n + r):(i + 1) * (n + r)]
                q_pe = rotate(q[n:], a["positions"][b, s], cfg)
                scores, values = [], []
                for t in range(length if see_all else length - tokens + s + 1):
                    c, k_pe = history[t][:l], history[t][l:]
                    k_nope = c @ a["w_uk"][i]
                    scores.append(cfg.softmax_scale_effective() * (q[:n] @ k_nope + q_pe @ k_pe))
                    values.append(c @ a["w_uv"][i])
                top = max(scores)
                weights = [math.exp(x - top) for x in scores]
                heads_out.append(sum(w * v for w, v in zip(weights, values)) / sum(weights))
            out[b, s] = np.concatenate(heads_out) @ a["w_o"]
    return out


cfg = CONFIGS["v3"]
for shape_name in ("causal-2", "prefill-8"):
    batch, tokens, page_size, pages, max_pages, _ = SHAPES[shape_name]
    arrays = block_inputs(cfg, batch, tokens, page_size, pages, max_pages, "f32", seed=11)
    expected = naive_block(cfg, named(cfg, arrays))
    errors = [relative(attention_block(cfg, *arrays, form=form)[0], expected)
              for form in ("decompressed", "absorbed")]
    print(f"naive {shape_name}: {'ok' if max(errors) < 1e-12 else f'MISMATCH {errors}'}")

# CHECK-NEXT: naive causal-2: ok
# CHECK-NEXT: naive prefill-8: ok

# The same loops without the causal mask, or with another scale, do not
# match: the check above can fail.
arrays = block_inputs(cfg, *SHAPES["causal-2"][:5], "f32", seed=11)
out = attention_block(cfg, *arrays)[0]
unmasked = naive_block(cfg, named(cfg, arrays), see_all=True)
rescaled = naive_block(replace(cfg, softmax_scale=cfg.softmax_scale_effective() * 1.01),
                       named(cfg, arrays))
print(f"naive unmasked differs: {relative(out, unmasked) > 1e-6}, "
      f"rescaled differs: {relative(out, rescaled) > 1e-6}")
# CHECK-NEXT: naive unmasked differs: True, rescaled differs: True


# Varlen (packed rows, query_starts): each request against the loop-by-loop
# transcription on that request alone (its rows, its table row and length),
# both forms; a request without new tokens leaves the cache as it was there;
# equal counts give the batched block's numbers; bad starts are refused.
def unpack(a, starts, b):
    rows = slice(starts[b], starts[b + 1])
    one = dict(a, hidden=a["hidden"][None, rows], positions=a["positions"][None, rows],
               block_table=a["block_table"][b:b + 1], seq_lens=a["seq_lens"][b:b + 1])
    one.pop("query_starts")
    return one


counts = [3, 0, 1, 6]
arrays = block_inputs(cfg, len(counts), counts, 4, 32, 8, "f32", seed=13)
a = dict(zip(operand_names(cfg, varlen=True), arrays))
starts = a["query_starts"]
print(f"varlen starts {starts.tolist()}, hidden {list(a['hidden'].shape)}")
# CHECK-NEXT: varlen starts [0, 3, 3, 4, 10], hidden [10, 64]
for form in ("decompressed", "absorbed"):
    out, cache = attention_block(cfg, *arrays, form=form)
    errors = [relative(out[starts[b]:starts[b + 1]], naive_block(cfg, unpack(a, starts, b))[0])
              for b in range(len(counts)) if counts[b]]
    untouched = slots({"seq_lens": a["seq_lens"][1:2], "block_table": a["block_table"][1:2],
                       "cache": a["cache"]}, 4, lambda n: 0, lambda n: n)
    same = np.array_equal(cache[untouched], a["cache"][untouched], equal_nan=True)
    print(f"varlen {form}: {'ok' if max(errors) < 1e-12 else f'MISMATCH {errors}'}, "
          f"empty request's slots unchanged {same}")
# CHECK-NEXT: varlen decompressed: ok, empty request's slots unchanged True
# CHECK-NEXT: varlen absorbed: ok, empty request's slots unchanged True

batched = block_inputs(cfg, 3, 2, 4, 24, 8, "f32", seed=14)
b = named(cfg, batched)
packed = dict(b, hidden=b["hidden"].reshape(6, -1), positions=b["positions"].reshape(6),
              query_starts=np.array([0, 2, 4, 6], dtype=np.int32))
out_b, cache_b = attention_block(cfg, *batched)
out_p, cache_p = attention_block(cfg, *packed.values())
print(f"varlen equal counts = batched: {np.array_equal(out_p, out_b.reshape(6, -1))} "
      f"{np.array_equal(cache_p, cache_b, equal_nan=True)}")
# CHECK-NEXT: varlen equal counts = batched: True True

for bad in ([0, 2, 1, 6], [0, 2, 4, 7], [1, 2, 4, 6], [0, 2, 6]):
    try:
        attention_block(cfg, *dict(packed, query_starts=np.array(bad)).values())
        print(f"varlen {bad}: ACCEPTED")
    except ValueError as error:
        print(f"varlen {bad}: {error}")
# CHECK-NEXT: varlen [0, 2, 1, 6]: attention_block: query_starts must be [0 .. 6] never decreasing, 4 entries; got [0, 2, 1, 6]
# CHECK-NEXT: varlen [0, 2, 4, 7]: attention_block: query_starts must be [0 .. 6] never decreasing, 4 entries; got [0, 2, 4, 7]
# CHECK-NEXT: varlen [1, 2, 4, 6]: attention_block: query_starts must be [0 .. 6] never decreasing, 4 entries; got [1, 2, 4, 6]
# CHECK-NEXT: varlen [0, 2, 6]: attention_block: query_starts must be [0 .. 6] never decreasing, 4 entries; got [0, 2, 6]
