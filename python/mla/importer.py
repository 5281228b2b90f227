"""A DeepSeek-V2/V2-Lite/V3 checkpoint's attention weights as the block's operands,
and transformers' attention cache to and from the paged latent cache.

Checkpoint layouts (transformers' DeepseekV2/V3Attention; nn.Linear stores
W as [out, in]), prefix `model.layers.<i>.self_attn.`:

    q_a_proj.weight            [Q, D]          → w_dq  [D, Q]      (transposed)
    q_a_layernorm.weight       [Q]             → q_norm
    q_b_proj.weight            [H·(N+R), Q]    → w_uq  [Q, H·(N+R)] (q_proj [H·(N+R), D] when Q = 0)
    kv_a_proj_with_mqa.weight  [L+R, D]        → w_dkv [D, L+R]
    kv_a_layernorm.weight      [L]             → kv_norm
    kv_b_proj.weight           [H·(N+V), L]    → w_uk [H, L, N] and w_uv [H, L, V]
                                                 (each head's N rows, then its V rows)
    o_proj.weight              [D, H·V]        → w_o   [H·V, D]

Per head, q's N+R columns are the nope part then the rope part, as in our
w_uq; c_KV's L columns come before k_pe's R, as in our cache rows. RoPE
needs no weight permutation: transformers' V3 de-interleaves q_pe and k_pe
*after* projecting (apply_rotary_pos_emb_interleave) and rotates halves,
which gives the scores of rotating (x_2j, x_2j+1) pairs in place, our
`rope_style = interleaved` (DeepSeek's own code, vLLM, FlashMLA); what
differs is the k_pe it caches (see `cache_from_transformers`).

fp8 checkpoints (V3's `quantization_config`: quant_method fp8, fmt e4m3,
weight_block_size [128, 128]) store each projection as float8_e4m3fn with a
float32 `<name>_scale_inv` [ceil(out/128), ceil(in/128)]: the weight is
w · scale_inv of its 128×128 block (DeepSeek's weight_dequant), computed in
float32 and rounded once to the requested dtype. Any other quantization is
refused. Every tensor under the layer's attention prefix must be one of the
above (a bias is refused: the block has none).

Tensors are read with the `safetensors` package (safe_open, one tensor at a
time, so a 5 GB shard is never read whole); a state_dict of numpy arrays or
torch tensors (CPU or CUDA; copied to host) is taken as well.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable, Mapping

import ml_dtypes
import numpy as np

from .config import Fp8Blocks, MLAConfig, _load_json, hf_quantization, load_hf_json
from .inputs import NUMPY_DTYPES, load_npy
from .ir import DTYPES, block_operands

__all__ = ["Checkpoint", "Fp8Blocks", "WEIGHT_NAMES", "cache_from_transformers",
           "cache_to_transformers", "hf_quantization", "layer_count", "layer_weights",
           "transformers_deinterleaves", "weight_operand_names"]

WEIGHT_NAMES = ("w_dq", "q_norm", "w_uq", "w_dkv", "kv_norm", "w_uk", "w_uv", "w_o")
LAYER_PREFIX = "model.layers.{layer}.self_attn."
_SCALE_SUFFIX = "_scale_inv"


def weight_operand_names(cfg: MLAConfig) -> list[str]:
    """The block's weight operands for `cfg`, in argument order (no w_dq/q_norm when Q = 0)."""
    return [name for name, _, _ in block_operands(cfg, 1, 1, 1, 1, 1) if name in WEIGHT_NAMES]


def layer_count(raw: Mapping[str, Any], origin: str = "config") -> int:
    """num_hidden_layers of a config.json."""
    count = raw.get("num_hidden_layers")
    if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
        raise ValueError(f"{origin}: field 'num_hidden_layers': expected a positive integer, "
                         f"got {count!r}")
    return count


def transformers_deinterleaves(raw: Mapping[str, Any]) -> bool:
    """Whether transformers' attention for this config caches k_pe de-interleaved:
    DeepseekV3 with rope_interleave (its default) does, DeepseekV2 does not."""
    return raw.get("model_type") == "deepseek_v3" and raw.get("rope_interleave", True) is True


# ---------------------------------------------------------------------------
# Tensor sources


def _float8_in_numpy() -> None:
    """safetensors' numpy loader looks fp8 up as numpy.float8_e4m3fn, which
    numpy itself lacks: name ml_dtypes' type there (idempotent)."""
    if not hasattr(np, "float8_e4m3fn"):
        np.float8_e4m3fn = ml_dtypes.float8_e4m3fn


def _to_numpy(value: Any, name: str) -> np.ndarray:
    """A numpy array or a torch tensor (any device) as a host numpy array."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "dtype"):
        tensor = value.detach().to("cpu")
        kind = str(tensor.dtype).removeprefix("torch.")
        # numpy has no bfloat16/float8: reinterpret the bits as ml_dtypes' types.
        views = {"bfloat16": ("int16", ml_dtypes.bfloat16),
                 "float8_e4m3fn": ("uint8", ml_dtypes.float8_e4m3fn)}
        if kind in views:
            import torch  # only reached with a torch tensor in hand
            bits, dtype = views[kind]
            return tensor.contiguous().view(getattr(torch, bits)).numpy().view(dtype)
        return tensor.numpy()
    raise ValueError(f"tensor '{name}': expected a numpy array or a torch tensor, "
                     f"got {type(value).__name__}")


class Checkpoint:
    """A transformers checkpoint folder: config.json and safetensors files
    (model.safetensors, or the shards model.safetensors.index.json maps).

    Only headers are read on opening; `tensor(name)` reads one tensor.
    """

    def __init__(self, folder: str | Path) -> None:
        from safetensors import SafetensorError, safe_open

        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ValueError(f"{self.folder}: no such directory")
        self.config_path, raw = load_hf_json(self.folder)
        self.raw_config = dict(raw)
        index = self.folder / "model.safetensors.index.json"
        if index.exists():
            weight_map = _load_json(index).get("weight_map")
            if not isinstance(weight_map, Mapping):
                raise ValueError(f"{index}: no 'weight_map' object")
            files = sorted(set(weight_map.values()))
        else:
            files = sorted(p.name for p in self.folder.glob("*.safetensors"))
            if not files:
                raise ValueError(f"{self.folder}: no *.safetensors files and no "
                                 "model.safetensors.index.json")
        self._open = safe_open
        self._where: dict[str, Path] = {}
        for file in files:
            path = self.folder / file
            if not path.is_file():
                raise ValueError(f"{index}: lists {file}, which is not in {self.folder}")
            try:
                with safe_open(str(path), framework="numpy") as handle:
                    for key in handle.keys():
                        self._where[key] = path
            except (SafetensorError, OSError) as error:
                raise ValueError(f"{path}: not a readable safetensors file: {error}") from None

    def keys(self) -> Iterable[str]:
        return self._where.keys()

    def __contains__(self, name: object) -> bool:
        return name in self._where

    def __getitem__(self, name: str) -> np.ndarray:
        from safetensors import SafetensorError

        _float8_in_numpy()
        path = self._where[name]
        try:
            with self._open(str(path), framework="numpy") as handle:
                return handle.get_tensor(name)
        except (SafetensorError, OSError, TypeError, AttributeError) as error:
            raise ValueError(f"{path}: cannot read tensor '{name}': {error}") from None


# ---------------------------------------------------------------------------
# Weights


def _expected_shapes(cfg: MLAConfig) -> dict[str, tuple[int, ...]]:
    """The HF tensors of one attention layer and their [out, in] shapes."""
    h, d, q, l = cfg.heads, cfg.hidden, cfg.q_lora_rank, cfg.kv_lora_rank
    n, r, v = cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim
    shapes = {"kv_a_proj_with_mqa.weight": (l + r, d), "kv_a_layernorm.weight": (l,),
              "kv_b_proj.weight": (h * (n + v), l), "o_proj.weight": (d, h * v)}
    if q:
        shapes.update({"q_a_proj.weight": (q, d), "q_a_layernorm.weight": (q,),
                       "q_b_proj.weight": (h * (n + r), q)})
    else:
        shapes["q_proj.weight"] = (h * (n + r), d)
    return shapes


def _dequantize(weight: np.ndarray, scale: np.ndarray, blocks: Fp8Blocks,
                name: str) -> np.ndarray:
    """w · scale_inv of its block, in float32."""
    rows, columns = weight.shape
    expected = (math.ceil(rows / blocks.rows), math.ceil(columns / blocks.columns))
    if scale.shape != expected:
        raise ValueError(f"tensor '{name}{_SCALE_SUFFIX}': shape {list(scale.shape)}, expected "
                         f"{list(expected)} (blocks of {blocks.rows}x{blocks.columns} over "
                         f"{list(weight.shape)})")
    full = np.repeat(np.repeat(scale.astype(np.float32), blocks.rows, axis=0),
                     blocks.columns, axis=1)[:rows, :columns]
    return weight.astype(np.float32) * full


def layer_weights(source: Mapping[str, Any] | Checkpoint, cfg: MLAConfig, layer: int | None,
                  dtype: str = "bf16", quantization: Fp8Blocks | None = None,
                  prefix: str | None = None) -> dict[str, np.ndarray]:
    """One layer's attention weights as the block's weight operands, by name
    (`weight_operand_names(cfg)`), in `dtype`.

    `source` maps tensor names to arrays: a Checkpoint, or a state_dict (numpy
    or torch). Names are `prefix` + the HF module's names; the prefix is
    `model.layers.<layer>.self_attn.` unless given (`""` for the state_dict of
    one DeepseekV3Attention). Raises ValueError naming the tensor for a missing
    or unexpected tensor, a wrong shape, fp8 values without their scales (or
    scales of a weight that is not fp8), or non-finite values.
    """
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if prefix is None:
        if layer is None:
            raise ValueError("give a layer number or a tensor name prefix")
        prefix = LAYER_PREFIX.format(layer=layer)
    expected = _expected_shapes(cfg)
    # rotary_emb.* (inv_freq in older transformers) is derived from the config.
    present = {key[len(prefix):] for key in source.keys()
               if key.startswith(prefix) and "." in key[len(prefix):]
               and not key[len(prefix):].startswith("rotary_emb.")}
    if not present:
        raise ValueError(f"no tensor named '{prefix}*' (is layer {layer} in this checkpoint?)")
    for name in sorted(present):
        base = name.removesuffix(_SCALE_SUFFIX)
        if name not in expected and not (name != base and base in expected):
            why = (" (the block's projections have no bias inputs)" if name.endswith(".bias")
                   else "")
            raise ValueError(f"tensor '{prefix}{name}': not an attention weight the block "
                             f"takes{why}; expected {', '.join(sorted(expected))}")

    hf: dict[str, np.ndarray] = {}
    for name, shape in expected.items():
        full = prefix + name
        if name not in present:
            raise ValueError(f"tensor '{full}': missing")
        array = _to_numpy(source[full], full)
        if array.shape != shape:
            raise ValueError(f"tensor '{full}': shape {list(array.shape)}, expected {list(shape)} "
                             f"for {cfg.to_mlir()}")
        scaled = name + _SCALE_SUFFIX in present
        if array.dtype == ml_dtypes.float8_e4m3fn:
            if not scaled:
                raise ValueError(f"tensor '{full}': fp8 without '{full}{_SCALE_SUFFIX}'")
            if quantization is None:
                raise ValueError(f"tensor '{full}': fp8, but the config has no "
                                 "quantization_config saying how it is scaled")
            scale = _to_numpy(source[full + _SCALE_SUFFIX], full + _SCALE_SUFFIX)
            array = _dequantize(array, scale, quantization, full)
        elif scaled:
            raise ValueError(f"tensor '{full}{_SCALE_SUFFIX}': scales a weight that is "
                             f"{array.dtype}, not fp8")
        elif array.dtype.kind != "f" and array.dtype != ml_dtypes.bfloat16:
            raise ValueError(f"tensor '{full}': {array.dtype} is not a floating-point type")
        array = array.astype(np.float32)
        if not np.all(np.isfinite(array)):
            raise ValueError(f"tensor '{full}': holds non-finite values")
        hf[name] = array

    h, l = cfg.heads, cfg.kv_lora_rank
    n, v = cfg.qk_nope_dim, cfg.v_head_dim
    kv_b = hf["kv_b_proj.weight"].reshape(h, n + v, l)
    ours = {"w_uq": (hf["q_b_proj.weight"] if cfg.q_lora_rank else hf["q_proj.weight"]).T,
            "w_dkv": hf["kv_a_proj_with_mqa.weight"].T,
            "kv_norm": hf["kv_a_layernorm.weight"],
            "w_uk": kv_b[:, :n, :].transpose(0, 2, 1),
            "w_uv": kv_b[:, n:, :].transpose(0, 2, 1),
            "w_o": hf["o_proj.weight"].T}
    if cfg.q_lora_rank:
        ours["w_dq"] = hf["q_a_proj.weight"].T
        ours["q_norm"] = hf["q_a_layernorm.weight"]
    target = NUMPY_DTYPES[dtype]
    return {name: np.ascontiguousarray(ours[name]).astype(target)
            for name in weight_operand_names(cfg)}


# ---------------------------------------------------------------------------
# Caches


def _rope_permutation(r: int) -> np.ndarray:
    """Index map from transformers' de-interleaved k_pe to pairs in place:
    ours[2j] = theirs[j], ours[2j+1] = theirs[R/2 + j]."""
    return np.stack([np.arange(r // 2), np.arange(r // 2) + r // 2], axis=1).reshape(-1)


def cache_from_transformers(keys: Any, values: Any, cfg: MLAConfig, w_uk: np.ndarray,
                            w_uv: np.ndarray, page_size: int, deinterleaved: bool,
                            pages: int | None = None, max_pages: int | None = None,
                            tolerance: float = 1e-3,
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A layer of transformers' attention cache as our paged latent cache.

    transformers' DeepseekV2/V3Attention caches what it attends with, per head:
    keys [B, H, T, N+R] = [c_KV·W_UK_h | k_pe] and values [B, H, T, V] = c_KV·W_UV_h
    (`DynamicCache.layers[i].keys/.values`). c_KV is recovered by least squares
    on [k_nope | v] = c_KV·[W_UK | W_UV] over all heads (exact when that L×H·(N+V)
    matrix has rank L, as trained DeepSeek weights do); a relative residual
    above `tolerance` means the cache was not made with these weights, and is
    an error. k_pe must be the same in every head; with `deinterleaved` (see
    `transformers_deinterleaves`) it is put back into pairs in place.

    Returns (cache [P, G, L+R] float32, block_table [B, M] int32, seq_lens [B]
    int32): request b's T tokens in pages b·ceil(T/G) …, unused slots NaN, unused
    table entries -1. P and M default to what the tokens need.
    """
    k = _to_numpy(keys, "keys").astype(np.float64)
    val = _to_numpy(values, "values").astype(np.float64)
    h, n, r, v, l = cfg.heads, cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim, cfg.kv_lora_rank
    if k.ndim != 4 or k.shape[1] != h or k.shape[3] != n + r:
        raise ValueError(f"keys: shape {list(k.shape)}, expected [B, {h}, T, {n + r}]")
    b, _, t, _ = k.shape
    if val.shape != (b, h, t, v):
        raise ValueError(f"values: shape {list(val.shape)}, expected {[b, h, t, v]}")
    if w_uk.shape != (h, l, n) or w_uv.shape != (h, l, v):
        raise ValueError(f"w_uk/w_uv: shapes {list(w_uk.shape)}/{list(w_uv.shape)}, expected "
                         f"{[h, l, n]}/{[h, l, v]}")
    if page_size <= 0:
        raise ValueError(f"page_size must be positive, got {page_size}")
    per_request = -(-t // page_size)
    max_pages = per_request if max_pages is None else max_pages
    pages = b * per_request if pages is None else pages
    if max_pages < per_request or pages < b * per_request:
        raise ValueError(f"{b} requests of {t} tokens need {per_request} pages of {page_size} "
                         f"each ({b * per_request} in all); got max_pages {max_pages}, "
                         f"pages {pages}")

    # [B·T, H·(N+V)] = c_KV [B·T, L] · A, A = [W_UK_0 | … | W_UV_0 | …] [L, H·(N+V)].
    up = np.concatenate([w_uk.astype(np.float64).transpose(1, 0, 2).reshape(l, h * n),
                         w_uv.astype(np.float64).transpose(1, 0, 2).reshape(l, h * v)], axis=1)
    rows = np.concatenate([k[..., :n].transpose(0, 2, 1, 3).reshape(b * t, h * n),
                           val.transpose(0, 2, 1, 3).reshape(b * t, h * v)], axis=1)
    c_kv = np.linalg.lstsq(up.T, rows.T, rcond=None)[0].T
    scale = max(np.linalg.norm(rows), np.finfo(np.float64).tiny)
    residual = np.linalg.norm(c_kv @ up - rows) / scale
    if not residual <= tolerance:
        raise ValueError(f"keys/values: not the decompression of a latent by these weights "
                         f"(relative residual {residual:.3g} > {tolerance:g}); wrong layer "
                         "or weights?")
    k_pe = k[..., n:]
    spread = np.max(np.abs(k_pe - k_pe[:, :1]), initial=0.0)
    if spread > tolerance * max(np.max(np.abs(k_pe), initial=0.0), 1.0):
        raise ValueError(f"keys: the rope part differs between heads (by up to {spread:.3g}); "
                         "an MLA cache shares one k_pe across heads")
    k_pe = k_pe[:, 0]
    if deinterleaved:
        k_pe = k_pe[..., _rope_permutation(r)]

    cache = np.full((pages, page_size, l + r), np.nan, dtype=np.float32)
    table = np.full((b, max_pages), -1, dtype=np.int32)
    latents = np.concatenate([c_kv.reshape(b, t, l), k_pe], axis=-1)
    for request in range(b):
        first = request * per_request
        table[request, :per_request] = np.arange(first, first + per_request)
        slots = cache[first:first + per_request].reshape(-1, l + r)
        slots[:t] = latents[request]
    return cache, table, np.full(b, t, dtype=np.int32)


def cache_to_transformers(cache: np.ndarray, block_table: np.ndarray, seq_lens: np.ndarray,
                          cfg: MLAConfig, w_uk: np.ndarray, w_uv: np.ndarray,
                          deinterleaved: bool) -> tuple[np.ndarray, np.ndarray]:
    """Our paged latent cache as transformers' per-head keys [B, H, T, N+R] and
    values [B, H, T, V] (float32), for requests of equal length T (transformers'
    DynamicCache holds a rectangle); the inverse of `cache_from_transformers`."""
    h, n, r, v, l = cfg.heads, cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim, cfg.kv_lora_rank
    cache = _to_numpy(cache, "cache")
    if cache.ndim != 3 or cache.shape[2] != l + r:
        raise ValueError(f"cache: shape {list(cache.shape)}, expected [P, G, {l + r}]")
    lengths = np.asarray(_to_numpy(seq_lens, "seq_lens"))
    table = np.asarray(_to_numpy(block_table, "block_table"))
    if lengths.ndim != 1 or table.ndim != 2 or table.shape[0] != lengths.shape[0]:
        raise ValueError(f"block_table {list(table.shape)} and seq_lens {list(lengths.shape)}: "
                         "expected [B, M] and [B]")
    if lengths.size == 0 or np.any(lengths != lengths[0]) or lengths[0] <= 0:
        raise ValueError(f"seq_lens {lengths.tolist()}: transformers' cache needs requests of "
                         "one positive length")
    t = int(lengths[0])
    pages, page_size = cache.shape[:2]
    used = -(-t // page_size)
    if used > table.shape[1]:
        raise ValueError(f"seq_lens: {t} tokens need {used} pages; the block table has "
                         f"{table.shape[1]} columns")
    ids = table[:, :used]
    if np.any((ids < 0) | (ids >= pages)):
        raise ValueError(f"block_table: an entry outside [0, {pages}) among each request's "
                         f"first {used} pages")
    rows = cache[ids].astype(np.float64).reshape(len(lengths), used * page_size, l + r)[:, :t]
    c_kv, k_pe = rows[..., :l], rows[..., l:]
    if deinterleaved:
        k_pe = k_pe[..., np.argsort(_rope_permutation(r))]
    k_nope = np.einsum("btl,hln->bhtn", c_kv, w_uk.astype(np.float64))
    values = np.einsum("btl,hlv->bhtv", c_kv, w_uv.astype(np.float64))
    k_rope = np.broadcast_to(k_pe[:, None], (len(lengths), h, t, r))
    keys = np.concatenate([k_nope, k_rope], axis=-1)
    return keys.astype(np.float32), values.astype(np.float32)


# ---------------------------------------------------------------------------
# Folders written by `python -m mla import`

WEIGHTS_MANIFEST = "weights.json"


def save_layer(directory: Path, weights: Mapping[str, np.ndarray], info: dict[str, Any]) -> None:
    """<name>.npy per weight operand and weights.json (info, names, shapes)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, array in weights.items():
            np.save(directory / f"{name}.npy", array)
        manifest = dict(info, weights={name: list(array.shape)
                                       for name, array in weights.items()})
        (directory / WEIGHTS_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n",
                                                  encoding="utf-8")
    except OSError as error:
        raise ValueError(f"{directory}: cannot write: {error.strerror}") from None


def load_layer(directory: str | Path, cfg: MLAConfig, dtype: str) -> dict[str, np.ndarray]:
    """The weights `save_layer` wrote, checked against `cfg` and `dtype`."""
    directory = Path(directory)
    manifest_path = directory / WEIGHTS_MANIFEST
    if not manifest_path.is_file():
        raise ValueError(f"{directory}: no {WEIGHTS_MANIFEST} (not written by `mla import`)")
    manifest = _load_json(manifest_path)
    if manifest.get("config") != cfg.to_mlir():
        raise ValueError(f"{manifest_path}: the weights were imported for another config "
                         f"({manifest.get('config')!r})")
    if manifest.get("dtype") != dtype:
        raise ValueError(f"{manifest_path}: the weights are {manifest.get('dtype')}, "
                         f"not {dtype}")
    return {name: load_npy(directory / f"{name}.npy") for name in weight_operand_names(cfg)}
