# `python -m mla import` and mla.importer on synthetic transformers checkpoints
# (safetensors shards written with the safetensors package, HF tensor names and
# [out, in] layouts): the imported operands, run through the float64 reference,
# give what transformers' DeepseekV3Attention computes from the checkpoint's
# own tensors (re-implemented below from its modeling code, de-interleaved RoPE
# and all); fp8 block-scaled weights are dequantised; transformers' per-head
# K/V cache converts to our paged latent cache and back; every bad checkpoint
# ends in a one-line error.

# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s %t | FileCheck %s
# RUN: %python -m mla import %t/v3 --layer all --dtype f32 --out-dir %t/imported | FileCheck %s --check-prefix=CLI
# CLI: layer 0: w_dq, q_norm, w_uq, w_dkv, kv_norm, w_uk, w_uv, w_o -> {{.*}}layer0
# CLI: layer 1: w_dq, q_norm, w_uq, w_dkv, kv_norm, w_uk, w_uv, w_o -> {{.*}}layer1
# RUN: %python -m mla inputs --config %t/v3 --batch 2 --tokens 3 --page-size 4 --pages 4 --max-pages 2 --dtype f32 --weights %t/imported/layer1 --out-dir %t/in
# RUN: %python %s %t check-inputs | FileCheck %s --check-prefix=INPUTS
# INPUTS: inputs hold layer 1's weights: ok

# RUN: not %python -m mla import %t/v3 --layer 2 --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=RANGE --implicit-check-not=Traceback
# RANGE: mla: error: --layer 2: the checkpoint has layers 0 to 1
# RUN: not %python -m mla import %t/absent --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=NODIR --implicit-check-not=Traceback
# NODIR: mla: error: {{.*}}absent: no such directory
# RUN: not %python -m mla import %t/bad-shard --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=SHARD --implicit-check-not=Traceback
# SHARD: mla: error: {{.*}}model.safetensors: not a readable safetensors file
# RUN: not %python -m mla import %t/awq --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=AWQ --implicit-check-not=Traceback
# AWQ: mla: error: {{.*}}config.json: field 'quantization_config.quant_method': 'awq' is not supported
# RUN: not %python -m mla inputs --config %t/lite --batch 2 --tokens 3 --page-size 4 --pages 4 --max-pages 2 --dtype f32 --weights %t/imported/layer1 --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=OTHER --implicit-check-not=Traceback
# OTHER: mla: error: {{.*}}weights.json: the weights were imported for another config
# RUN: not %python -m mla inputs --config %t/v3 --batch 2 --tokens 3 --page-size 4 --pages 4 --max-pages 2 --weights %t/imported/layer1 --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=DTYPE --implicit-check-not=Traceback
# DTYPE: mla: error: {{.*}}weights.json: the weights are f32, not bf16

import json
import math
import sys
from pathlib import Path

import ml_dtypes
import numpy as np
from safetensors.numpy import save_file

from mla import MLAConfig
from mla.importer import (Checkpoint, cache_from_transformers, cache_to_transformers,
                          hf_quantization, layer_weights, transformers_deinterleaves)
from mla.inputs import load_inputs, load_npy
from mla.reference import attention_block

SCRATCH = Path(sys.argv[1])
H, D, Q, L, N, R, V = 4, 64, 32, 32, 16, 8, 16
V3 = {"model_type": "deepseek_v3", "num_hidden_layers": 2, "num_attention_heads": H,
      "hidden_size": D, "q_lora_rank": Q, "kv_lora_rank": L, "qk_nope_head_dim": N,
      "qk_rope_head_dim": R, "v_head_dim": V, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
      "attention_bias": False}
LITE = dict(V3, model_type="deepseek_v2", q_lora_rank=None)
ATTN = "model.layers.{}.self_attn."


def hf_tensors(rng, config, layer):
    """One layer's attention tensors as transformers names and lays them out."""
    q = config["q_lora_rank"]
    shapes = {"kv_a_proj_with_mqa.weight": (L + R, D), "kv_b_proj.weight": (H * (N + V), L),
              "o_proj.weight": (D, H * V)}
    shapes.update({"q_a_proj.weight": (Q, D), "q_b_proj.weight": (H * (N + R), Q)} if q
                  else {"q_proj.weight": (H * (N + R), D)})
    tensors = {ATTN.format(layer) + k: rng.standard_normal(s) / math.sqrt(s[1])
               for k, s in shapes.items()}
    norms = ["kv_a_layernorm.weight"] + (["q_a_layernorm.weight"] if q else [])
    for k in norms:
        size = Q if k.startswith("q") else L
        tensors[ATTN.format(layer) + k] = 1 + 0.1 * rng.standard_normal(size)
    return {k: v.astype(np.float32) for k, v in tensors.items()}


def write_checkpoint(folder, config, tensors, shards=2):
    """config.json, the tensors over `shards` files and model.safetensors.index.json."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    names = sorted(tensors)
    weight_map = {}
    for i in range(shards):
        file = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        part = {k: np.ascontiguousarray(tensors[k]) for k in names[i::shards]}
        save_file(part, str(folder / file))
        weight_map.update({k: file for k in part})
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))


# ---------------------------------------------------------------------------
# transformers' DeepseekV3Attention.forward (eager, no cache, causal), float64,
# on its own tensors: modeling_deepseek_v3.py step by step.

def rms_norm(x, w, eps=1e-6):
    return w * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def deinterleave(x):  # apply_rotary_pos_emb_interleave's view/transpose/reshape
    return x.reshape(*x.shape[:-1], R // 2, 2).swapaxes(-1, -2).reshape(x.shape)


def rotate_half(x):
    return np.concatenate([-x[..., R // 2:], x[..., :R // 2]], axis=-1)


def hf_forward(w, hidden, positions):
    b, s, _ = hidden.shape
    w = {k.split("self_attn.")[1]: v.astype(np.float64) for k, v in w.items()}
    q = rms_norm(hidden @ w["q_a_proj.weight"].T, w["q_a_layernorm.weight"]) \
        @ w["q_b_proj.weight"].T
    q = q.reshape(b, s, H, N + R).transpose(0, 2, 1, 3)
    q_pass, q_rot = q[..., :N], q[..., N:]
    compressed = hidden @ w["kv_a_proj_with_mqa.weight"].T
    k_pass, k_rot = compressed[..., :L], compressed[..., L:]
    kv = rms_norm(k_pass, w["kv_a_layernorm.weight"]) @ w["kv_b_proj.weight"].T
    kv = kv.reshape(b, s, H, N + V).transpose(0, 2, 1, 3)
    k_pass, value = kv[..., :N], kv[..., N:]
    k_rot = k_rot[:, None]
    inv_freq = 1.0 / 10000.0 ** (np.arange(0, R, 2) / R)
    freqs = positions[:, None, :, None] * inv_freq
    cos, sin = np.cos(np.concatenate([freqs] * 2, -1)), np.sin(np.concatenate([freqs] * 2, -1))
    q_rot, k_rot = deinterleave(q_rot), deinterleave(k_rot)
    q_rot, k_rot = q_rot * cos + rotate_half(q_rot) * sin, k_rot * cos + rotate_half(k_rot) * sin
    key = np.concatenate([k_pass, np.broadcast_to(k_rot, (b, H, s, R))], axis=-1)
    query = np.concatenate([q_pass, q_rot], axis=-1)
    scores = query @ key.swapaxes(-1, -2) * (N + R) ** -0.5
    scores = np.where(np.tril(np.ones((s, s), bool)), scores, -np.inf)
    p = np.exp(scores - scores.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    out = (p @ value).transpose(0, 2, 1, 3).reshape(b, s, H * V) @ w["o_proj.weight"].T
    return out, key, value


def verdict(error, tol):
    return "ok" if error <= tol else f"FAILED ({error:.3g} > {tol:g})"


def rel(a, b):
    return float(np.linalg.norm(np.asarray(a, np.float64) - b) / np.linalg.norm(b))


if len(sys.argv) > 2 and sys.argv[2] == "check-inputs":
    # The inputs folder the RUN lines wrote from imported layer 1 holds layer 1's weights.
    cfg = MLAConfig.from_hf(SCRATCH / "v3")
    arrays = dict(zip(["hidden", "positions", "w_dq", "q_norm", "w_uq", "w_dkv", "kv_norm",
                       "w_uk", "w_uv", "w_o"], load_inputs(SCRATCH / "in")))
    same = all(np.array_equal(arrays[n], load_npy(SCRATCH / "imported/layer1" / f"{n}.npy"))
               for n in ("w_dq", "q_norm", "w_uq", "w_dkv", "kv_norm", "w_uk", "w_uv", "w_o"))
    raw = dict(np.load(SCRATCH / "v3-layer1.npz"))
    expected = raw["kv_b_proj"].reshape(H, N + V, L)[:, :N].transpose(0, 2, 1)
    print(f"inputs hold layer 1's weights: "
          f"{'ok' if same and np.array_equal(arrays['w_uk'], expected) else 'FAILED'}")
    sys.exit(0)

rng = np.random.default_rng(7)
tensors = {**hf_tensors(rng, V3, 0), **hf_tensors(rng, V3, 1)}
write_checkpoint(SCRATCH / "v3", V3, tensors)
np.savez(SCRATCH / "v3-layer1.npz",
         kv_b_proj=tensors[ATTN.format(1) + "kv_b_proj.weight"])
cfg = MLAConfig.from_hf(SCRATCH / "v3")
checkpoint = Checkpoint(SCRATCH / "v3")
print(f"checkpoint: {len(list(checkpoint.keys()))} tensors in 2 shards")
# CHECK: checkpoint: 14 tensors in 2 shards

# Layer 1 through the reference against transformers' forward on the raw tensors.
B, S, G = 2, 5, 4
ours = layer_weights(checkpoint, cfg, 1, "f32")
hidden = rng.standard_normal((B, S, D))
positions = np.tile(np.arange(S), (B, 1))
pages = B * -(-S // G)
table = np.arange(pages, dtype=np.int32).reshape(B, -1)
cache = np.full((pages, G, L + R), np.nan)
args = dict(ours, hidden=hidden, positions=positions.astype(np.int32), cache=cache,
            block_table=table, seq_lens=np.full(B, S, np.int32))
out, new_cache = attention_block(cfg, *[args[n] for n in
                                        ["hidden", "positions", "w_dq", "q_norm", "w_uq",
                                         "w_dkv", "kv_norm", "w_uk", "w_uv", "w_o", "cache",
                                         "block_table", "seq_lens"]])
layer1 = {k: v for k, v in tensors.items() if k.startswith(ATTN.format(1))}
hf_out, hf_keys, hf_values = hf_forward(layer1, hidden, positions)
print(f"layer 1 output vs transformers' forward: {verdict(rel(out, hf_out), 1e-12)}")
# CHECK: layer 1 output vs transformers' forward: ok
wrong = layer_weights(checkpoint, cfg, 0, "f32")
out0, _ = attention_block(cfg, *[dict(args, **wrong)[n] for n in
                                 ["hidden", "positions", "w_dq", "q_norm", "w_uq", "w_dkv",
                                  "kv_norm", "w_uk", "w_uv", "w_o", "cache", "block_table",
                                  "seq_lens"]])
print(f"layer 0's weights differ: {'ok' if rel(out0, hf_out) > 0.1 else 'FAILED'}")
# CHECK: layer 0's weights differ: ok

# transformers' K/V → our cache: the latents the reference appended, k_pe re-interleaved.
print(f"V3 caches k_pe de-interleaved: {transformers_deinterleaves(V3)}, "
      f"V2: {transformers_deinterleaves(LITE)}")
# CHECK: V3 caches k_pe de-interleaved: True, V2: False
converted, conv_table, conv_lens = cache_from_transformers(
    hf_keys, hf_values, cfg, ours["w_uk"], ours["w_uv"], G, deinterleaved=True)
ours_rows = new_cache[table].reshape(B, -1, L + R)[:, :S]
conv_rows = converted[conv_table].reshape(B, -1, L + R)[:, :S]
print(f"cache from transformers: latents {verdict(rel(conv_rows[..., :L], ours_rows[..., :L]), 1e-6)}"
      f", k_pe {verdict(rel(conv_rows[..., L:], ours_rows[..., L:]), 1e-6)}"
      f", lengths {conv_lens.tolist()}, unused slots NaN: "
      f"{bool(np.all(np.isnan(converted[conv_table[:, -1], S % G:])))}")
# CHECK: cache from transformers: latents ok, k_pe ok, lengths [5, 5], unused slots NaN: True
plain, _, _ = cache_from_transformers(hf_keys, hf_values, cfg, ours["w_uk"], ours["w_uv"], G,
                                      deinterleaved=False)
print(f"without re-interleaving k_pe differs: "
      f"{'ok' if rel(plain[conv_table].reshape(B, -1, L + R)[:, :S, L:], ours_rows[..., L:]) > 0.1 else 'FAILED'}")
# CHECK: without re-interleaving k_pe differs: ok
keys, values = cache_to_transformers(new_cache, table, np.full(B, S), cfg, ours["w_uk"],
                                     ours["w_uv"], deinterleaved=True)
print(f"cache to transformers: keys {verdict(rel(keys, hf_keys), 1e-6)}, "
      f"values {verdict(rel(values, hf_values), 1e-6)}")
# CHECK: cache to transformers: keys ok, values ok

# bf16 checkpoint → bf16 operands: the same bits, transposed.
bf16 = {k: v.astype(ml_dtypes.bfloat16) for k, v in hf_tensors(rng, LITE, 0).items()}
write_checkpoint(SCRATCH / "lite", LITE, bf16, shards=1)
lite_cfg = MLAConfig.from_hf(SCRATCH / "lite")
lite = layer_weights(Checkpoint(SCRATCH / "lite"), lite_cfg, 0, "bf16")
exact = (np.array_equal(lite["w_uq"].view(np.uint16),
                        bf16[ATTN.format(0) + "q_proj.weight"].T.view(np.uint16))
         and np.array_equal(lite["w_uv"][2].view(np.uint16),
                            bf16[ATTN.format(0) + "kv_b_proj.weight"]
                            [2 * (N + V) + N:3 * (N + V)].T.view(np.uint16)))
print(f"V2-Lite bf16: {sorted(lite)} exact: {exact}")
# CHECK: V2-Lite bf16: ['kv_norm', 'w_dkv', 'w_o', 'w_uk', 'w_uq', 'w_uv'] exact: True

# fp8 with 128x128... here 16x16 block scales: dequantised block by block.
FP8 = dict(V3, quantization_config={"quant_method": "fp8", "fmt": "e4m3",
                                    "activation_scheme": "dynamic",
                                    "weight_block_size": [16, 16]})
blocks = hf_quantization(FP8)
fp8 = {}
for k, w in hf_tensors(rng, V3, 0).items():
    if w.ndim == 2:
        scale = rng.uniform(0.5, 2.0, (-(-w.shape[0] // 16), -(-w.shape[1] // 16)))
        fp8[k] = w.astype(ml_dtypes.float8_e4m3fn)
        fp8[k + "_scale_inv"] = scale.astype(np.float32)
    else:
        fp8[k] = w.astype(ml_dtypes.bfloat16)
write_checkpoint(SCRATCH / "fp8", FP8, fp8)
deq = layer_weights(Checkpoint(SCRATCH / "fp8"), cfg, 0, "f32", blocks)
w8, s8 = fp8[ATTN.format(0) + "o_proj.weight"], fp8[ATTN.format(0) + "o_proj.weight_scale_inv"]
expected = np.empty(w8.shape, np.float32)
for i in range(w8.shape[0]):
    for j in range(w8.shape[1]):
        expected[i, j] = float(w8[i, j]) * float(s8[i // 16, j // 16])
print(f"fp8 blocks {blocks}: o_proj {verdict(rel(deq['w_o'].T, expected), 1e-7)}")
# CHECK: fp8 blocks Fp8Blocks(rows=16, columns=16): o_proj ok


# Each bad checkpoint or cache: one ValueError naming what is wrong.
def error(what, call):
    try:
        call()
        print(f"{what}: no error")
    except ValueError as e:
        print(f"{what}: {e}")


def with_tensors(name, change):
    t = dict(tensors)
    change(t)
    folder = SCRATCH / name
    write_checkpoint(folder, V3, t, shards=1)
    return lambda: layer_weights(Checkpoint(folder), cfg, 1, "f32")


k1 = ATTN.format(1)
error("missing", with_tensors("missing", lambda t: t.pop(k1 + "o_proj.weight")))
# CHECK: missing: tensor 'model.layers.1.self_attn.o_proj.weight': missing
error("bias", with_tensors("bias", lambda t: t.update({k1 + "o_proj.bias": np.zeros(D)})))
# CHECK: bias: tensor 'model.layers.1.self_attn.o_proj.bias': not an attention weight the block takes (the block's projections have no bias inputs)
error("shape", with_tensors("shape", lambda t: t.update(
    {k1 + "kv_b_proj.weight": t[k1 + "kv_b_proj.weight"][:, :L - 1].copy()})))
# CHECK: shape: tensor 'model.layers.1.self_attn.kv_b_proj.weight': shape [128, 31], expected [128, 32]
error("nan", with_tensors("nan", lambda t: t[k1 + "q_a_layernorm.weight"].__setitem__(3, np.nan)))
# CHECK: nan: tensor 'model.layers.1.self_attn.q_a_layernorm.weight': holds non-finite values
error("no layer", lambda: layer_weights(checkpoint, cfg, 5, "f32"))
# CHECK: no layer: no tensor named 'model.layers.5.self_attn.*' (is layer 5 in this checkpoint?)
no_scale = {k: v for k, v in fp8.items() if not k.endswith("o_proj.weight_scale_inv")}
error("fp8 unscaled", lambda: layer_weights(no_scale, cfg, 0, "f32", blocks))
# CHECK: fp8 unscaled: tensor 'model.layers.0.self_attn.o_proj.weight': fp8 without 'model.layers.0.self_attn.o_proj.weight_scale_inv'
error("fp8 no config", lambda: layer_weights(fp8, cfg, 0, "f32"))
# CHECK: fp8 no config: tensor 'model.layers.0.self_attn.kv_a_proj_with_mqa.weight': fp8, but the config has no quantization_config saying how it is scaled
error("scale shape", lambda: layer_weights(
    dict(fp8, **{k1.replace("1", "0") + "o_proj.weight_scale_inv": np.ones((2, 2), np.float32)}),
    cfg, 0, "f32", blocks))
# CHECK: scale shape: tensor 'model.layers.0.self_attn.o_proj.weight_scale_inv': shape [2, 2], expected [4, 4] (blocks of 16x16 over [64, 64])
error("per-tensor fp8", lambda: hf_quantization(
    {"quantization_config": {"quant_method": "fp8"}}, "c.json"))
# CHECK: per-tensor fp8: c.json: field 'quantization_config.weight_block_size': expected two positive integers, got None (per-tensor fp8 is not supported)
error("wrong cache weights", lambda: cache_from_transformers(
    hf_keys, hf_values, cfg, wrong["w_uk"], wrong["w_uv"], G, deinterleaved=True))
# CHECK: wrong cache weights: keys/values: not the decompression of a latent by these weights (relative residual {{[0-9.e+-]+}} > 0.001); wrong layer or weights?
error("uneven", lambda: cache_to_transformers(new_cache, table, np.array([5, 4]), cfg,
                                              ours["w_uk"], ours["w_uv"], True))
# CHECK: uneven: seq_lens [5, 4]: transformers' cache needs requests of one positive length

# Checkpoints the CLI RUN lines refuse.
(SCRATCH / "bad-shard").mkdir()
(SCRATCH / "bad-shard/config.json").write_text(json.dumps(V3))
(SCRATCH / "bad-shard/model.safetensors").write_bytes(b"\xff" * 16)
write_checkpoint(SCRATCH / "awq", dict(V3, quantization_config={"quant_method": "awq"}),
                 tensors, shards=1)
