"""float64 numpy reference of every mla op and of the whole block.

One function per op of the dialect, named after it and taking the op's
operands in the op's order, then its config (MLAOps.td defines each op; the
docstrings repeat the formula); `compare` measures a result against it. Inputs may be f32, f16 or bf16 (ml_dtypes)
arrays: every float operand is converted to float64 first and every result
is float64. Index operands (positions, block tables, lengths) are integers.

Shape letters are those of MLAOps.td: B batch, S new tokens, T cache
positions, P pages, G page size, M pages per request, D hidden, H heads,
Q q_lora_rank, L kv_lora_rank, N qk_nope_dim, R qk_rope_dim, V v_head_dim.
Every function checks its operands' shapes against the config and raises
ValueError naming the op, the operand and the expected shape.

Paged cache: token t of request b lives in page block_table[b, t // G],
slot t % G. seq_lens (kv_lens) count each request's tokens including this
step's S new ones, which sit at positions seq_lens[b] - S .. seq_lens[b] - 1.
Slots beyond a request's length are never read, so they may hold NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .config import MLAConfig
from .ir import FORMS, operand_names

__all__ = [
    "FORMS", "Comparison", "attention_block", "cache_append", "cache_gather", "compare",
    "decompress", "decompressed_attention", "kv_compress", "latent_attention", "latent_to_value",
    "output_proj", "query_proj", "query_to_latent", "rms_norm", "rope",
]

PROJECTIONS = ("key", "value")


class _Shapes:
    """Checks operand shapes of one op, in MLAOps.td's letters.

    Config letters (and the sums and products the ops use) are known; data
    letters (B, S, T, P, G, M) bind to the first size seen and must agree
    after, as in the C++ verifiers.
    """

    def __init__(self, op: str, cfg: MLAConfig) -> None:
        h, n, r, v = cfg.heads, cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim
        self.op = op
        self.sizes = {"D": cfg.hidden, "H": h, "Q": cfg.q_lora_rank, "L": cfg.kv_lora_rank,
                      "N": n, "R": r, "V": v, "L+R": cfg.latent_cache_dim,
                      "H*(N+R)": h * (n + r), "H*V": h * v}

    def floats(self, name: str, array: np.ndarray, letters: str) -> np.ndarray:
        """`array` as float64, after checking it has shape `letters` (e.g. "B S H R")."""
        return self._check(name, array, letters).astype(np.float64)

    def indices(self, name: str, array: np.ndarray, letters: str) -> np.ndarray:
        """`array` as int64, after checking it is an integer array of shape `letters`."""
        array = self._check(name, array, letters)
        if not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"{self.op}: {name}: expected integers (i32), got {array.dtype}")
        return array.astype(np.int64)

    def _check(self, name: str, array: np.ndarray, letters: str) -> np.ndarray:
        array = np.asarray(array)
        dims = letters.split()
        expected = f"[{', '.join(dims)}]"
        if array.ndim != len(dims):
            raise ValueError(f"{self.op}: {name}: expected rank {len(dims)} {expected}, "
                             f"got shape {list(array.shape)}")
        for axis, (letter, size) in enumerate(zip(dims, array.shape)):
            known = self.sizes.setdefault(letter, size)
            if known != size:
                raise ValueError(f"{self.op}: {name}: dim {axis} ({letter}) of {expected} "
                                 f"should be {known}, got shape {list(array.shape)}")
        return array


def _pages_of(length: int, page_size: int) -> int:
    """Pages that `length` tokens occupy: ceil(length / G)."""
    return -(-length // page_size)


def _check_pages(op: str, block_table: np.ndarray, lengths: np.ndarray, pages: int,
                 page_size: int) -> None:
    """Every page a request's `lengths` tokens occupy must be a valid page id."""
    capacity = block_table.shape[1] * page_size
    for b, length in enumerate(lengths):
        if not 0 <= length <= capacity:
            raise ValueError(f"{op}: length {length} of request {b} is outside "
                             f"[0, M·G = {capacity}]")
        used = block_table[b, :_pages_of(length, page_size)]
        bad = used[(used < 0) | (used >= pages)]
        if bad.size:
            raise ValueError(f"{op}: request {b} (length {length}) uses page id {bad[0]}, "
                             f"outside [0, P = {pages})")


# ---------------------------------------------------------------------------
# Projections and normalisation
# ---------------------------------------------------------------------------

def rms_norm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    """RMSNorm over the last dim: x / sqrt(mean(x², last dim) + eps) · w."""
    x = np.asarray(x).astype(np.float64)
    w = np.asarray(w).astype(np.float64)
    if w.shape != x.shape[-1:]:
        raise ValueError(f"rms_norm: weight: expected shape [{x.shape[-1]}] (the input's "
                         f"last dim), got {list(w.shape)}")
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def query_proj(hidden: np.ndarray, w_dq: np.ndarray | None, q_norm: np.ndarray | None,
               w_uq: np.ndarray, cfg: MLAConfig) -> tuple[np.ndarray, np.ndarray]:
    """Per-head queries split into (q_nope [B,S,H,N], q_pe [B,S,H,R]), q_pe not rotated.

    With query compression (Q > 0): q = RMSNorm(h · W_DQ, q_norm) · W_UQ;
    without: q = h · W_UQ (w_dq and q_norm are None). Head i owns columns
    i·(N+R) .. (i+1)·(N+R) − 1 of q, its N nope columns first.
    """
    shapes = _Shapes("query_proj", cfg)
    h = shapes.floats("hidden", hidden, "B S D")
    if cfg.q_lora_rank:
        if w_dq is None or q_norm is None:
            raise ValueError("query_proj: q_lora_rank > 0 needs w_dq and q_norm")
        h = rms_norm(h @ shapes.floats("w_dq", w_dq, "D Q"),
                     shapes.floats("q_norm", q_norm, "Q"), cfg.rms_eps)
    elif w_dq is not None or q_norm is not None:
        raise ValueError("query_proj: q_lora_rank = 0 takes no w_dq or q_norm")
    q = h @ shapes.floats("w_uq", w_uq, f"{'Q' if cfg.q_lora_rank else 'D'} H*(N+R)")
    q = q.reshape(*q.shape[:2], cfg.heads, cfg.qk_nope_dim + cfg.qk_rope_dim)
    return q[..., :cfg.qk_nope_dim], q[..., cfg.qk_nope_dim:]


def kv_compress(hidden: np.ndarray, w_dkv: np.ndarray, kv_norm: np.ndarray,
                cfg: MLAConfig) -> tuple[np.ndarray, np.ndarray]:
    """(c_KV [B,S,L], k_pe [B,S,R]): split(h · W_DKV) with c_KV = RMSNorm(c_KV, kv_norm).

    k_pe is neither normalised nor rotated.
    """
    shapes = _Shapes("kv_compress", cfg)
    kv = shapes.floats("hidden", hidden, "B S D") @ shapes.floats("w_dkv", w_dkv, "D L+R")
    c_kv = rms_norm(kv[..., :cfg.kv_lora_rank], shapes.floats("kv_norm", kv_norm, "L"),
                    cfg.rms_eps)
    return c_kv, kv[..., cfg.kv_lora_rank:]


def rope(x: np.ndarray, positions: np.ndarray, cfg: MLAConfig) -> np.ndarray:
    """Rotary embedding of x [B,S,R] (shared keys) or [B,S,H,R] (per-head queries).

    Pair j = (x_a, x_b) turns by the angle φ = positions[b,s] · θ_j
    (θ = cfg.rope_inverse_frequencies(): rope_theta^(-2j/R), YaRN-corrected):
    (x_a, x_b) → m·(x_a cos φ − x_b sin φ, x_a sin φ + x_b cos φ), with
    m = cfg.rope_magnitude() (YaRN's attention factor, as transformers computes it).
    rope_style 'interleaved' pairs (x_2j, x_2j+1), 'half' pairs (x_j, x_j+R/2);
    each pair keeps its place in the result.
    """
    shapes = _Shapes("rope", cfg)
    x = np.asarray(x)
    x = shapes.floats("input", x, "B S R" if x.ndim == 3 else "B S H R")
    pos = shapes.indices("positions", positions, "B S")
    angle = pos[..., None].astype(np.float64) * np.array(cfg.rope_inverse_frequencies())
    if x.ndim == 4:
        angle = angle[:, :, None, :]
    cos = np.cos(angle) * cfg.rope_magnitude()
    sin = np.sin(angle) * cfg.rope_magnitude()
    half = cfg.qk_rope_dim // 2
    first, second = (slice(0, None, 2), slice(1, None, 2)) if cfg.rope_style == "interleaved" \
        else (slice(0, half), slice(half, None))
    out = np.empty_like(x)
    out[..., first] = x[..., first] * cos - x[..., second] * sin
    out[..., second] = x[..., first] * sin + x[..., second] * cos
    return out


def output_proj(input: np.ndarray, w_o: np.ndarray, cfg: MLAConfig) -> np.ndarray:
    """concat_i(o_i) · W_O: [B,S,H,V] with W_O [H·V, D] → [B,S,D]."""
    shapes = _Shapes("output_proj", cfg)
    o = shapes.floats("input", input, "B S H V")
    return o.reshape(*o.shape[:2], -1) @ shapes.floats("w_o", w_o, "H*V D")


# ---------------------------------------------------------------------------
# Paged latent cache
# ---------------------------------------------------------------------------

def cache_append(c_kv: np.ndarray, k_pe: np.ndarray, cache: np.ndarray,
                 block_table: np.ndarray, seq_lens: np.ndarray,
                 cfg: MLAConfig) -> np.ndarray:
    """The cache [P,G,L+R] with concat(c_kv[b,s], k_pe[b,s]) written at position
    t = seq_lens[b] − S + s, i.e. page block_table[b, t // G], slot t % G.

    Every other slot is copied unchanged (NaN included). seq_lens[b] must be
    at least S.
    """
    shapes = _Shapes("cache.append", cfg)
    c_kv = shapes.floats("c_kv", c_kv, "B S L")
    k_pe = shapes.floats("k_pe", k_pe, "B S R")
    new_cache = shapes.floats("cache", cache, "P G L+R").copy()
    table = shapes.indices("block_table", block_table, "B M")
    lens = shapes.indices("seq_lens", seq_lens, "B")
    pages, page_size = new_cache.shape[:2]
    tokens = c_kv.shape[1]
    if np.any(lens < tokens):
        raise ValueError(f"cache.append: seq_lens {lens.tolist()} must each be at least "
                         f"S = {tokens} (they include the new tokens)")
    _check_pages("cache.append", table, lens, pages, page_size)
    t = lens[:, None] - tokens + np.arange(tokens)                 # [B, S]
    page = np.take_along_axis(table, t // page_size, axis=1)
    new_cache[page, t % page_size] = np.concatenate([c_kv, k_pe], axis=-1)
    return new_cache


def cache_gather(cache: np.ndarray, block_table: np.ndarray, seq_lens: np.ndarray,
                 cfg: MLAConfig) -> tuple[np.ndarray, np.ndarray]:
    """Each request's cache rows as contiguous (c_kv [B,T,L], k_pe [B,T,R]), T = M·G.

    Row t of request b is cache slot (block_table[b, t // G], t % G) for
    t < seq_lens[b], and zero beyond: unused slots are never read.
    """
    shapes = _Shapes("cache.gather", cfg)
    cache = shapes.floats("cache", cache, "P G L+R")
    table = shapes.indices("block_table", block_table, "B M")
    lens = shapes.indices("seq_lens", seq_lens, "B")
    pages, page_size = cache.shape[:2]
    _check_pages("cache.gather", table, lens, pages, page_size)
    t = np.arange(table.shape[1] * page_size)
    valid = t < lens[:, None]                                    # [B, T]
    page = np.where(valid, table[:, t // page_size], 0)
    rows = np.where(valid[..., None], cache[page, t % page_size], 0.0)
    return rows[..., :cfg.kv_lora_rank], rows[..., cfg.kv_lora_rank:]


# ---------------------------------------------------------------------------
# Decompression and absorption
# ---------------------------------------------------------------------------

def decompress(projection: str, c_kv: np.ndarray, weight: np.ndarray,
               cfg: MLAConfig) -> np.ndarray:
    """out[b,t,i] = c_kv[b,t] · W[i]: W_UK [H,L,N] ('key', → k_nope [B,T,H,N])
    or W_UV [H,L,V] ('value', → v [B,T,H,V])."""
    if projection not in PROJECTIONS:
        raise ValueError(f"decompress: projection must be one of {', '.join(PROJECTIONS)}, "
                         f"got {projection!r}")
    shapes = _Shapes("decompress", cfg)
    c = shapes.floats("c_kv", c_kv, "B T L")
    w = shapes.floats("weight", weight, "H L N" if projection == "key" else "H L V")
    return np.einsum("btl,hlk->bthk", c, w)


def query_to_latent(q_nope: np.ndarray, w_uk: np.ndarray, cfg: MLAConfig) -> np.ndarray:
    """q_lat_i = q_nope_i · W_UK_iᵀ: [B,S,H,N] with W_UK [H,L,N] → [B,S,H,L]."""
    shapes = _Shapes("query_to_latent", cfg)
    return np.einsum("bshn,hln->bshl", shapes.floats("q_nope", q_nope, "B S H N"),
                     shapes.floats("w_uk", w_uk, "H L N"))


def latent_to_value(o_lat: np.ndarray, w_uv: np.ndarray, cfg: MLAConfig) -> np.ndarray:
    """o_i = o_lat_i · W_UV_i: [B,S,H,L] with W_UV [H,L,V] → [B,S,H,V]."""
    shapes = _Shapes("latent_to_value", cfg)
    return np.einsum("bshl,hlv->bshv", shapes.floats("o_lat", o_lat, "B S H L"),
                     shapes.floats("w_uv", w_uv, "H L V"))


# ---------------------------------------------------------------------------
# Attention
# ---------------------------------------------------------------------------

def _valid_keys(length: int, tokens: int, keys: int, causal: bool) -> np.ndarray:
    """[S, T] mask of one request: key t is valid for query s iff t < length and,
    when causal, t ≤ length − S + s."""
    t = np.arange(keys)
    valid = np.broadcast_to(t < length, (tokens, keys))
    if causal:
        valid = valid & (t <= length - tokens + np.arange(tokens)[:, None])
    return valid


def _softmax(scores: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """softmax over the last axis restricted to `valid` keys (broadcast against
    scores); probabilities of invalid keys are 0, and a row with no valid key
    is all zeros."""
    valid = np.broadcast_to(valid, scores.shape)
    masked = np.where(valid, scores, -np.inf)
    top = masked.max(axis=-1, keepdims=True, initial=-np.inf)
    weights = np.where(valid, np.exp(masked - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = weights.sum(axis=-1, keepdims=True)
    return weights / np.where(total > 0.0, total, 1.0)


def decompressed_attention(q_nope: np.ndarray, q_pe: np.ndarray, k_nope: np.ndarray,
                           k_pe: np.ndarray, v: np.ndarray, kv_lens: np.ndarray,
                           causal: bool, cfg: MLAConfig) -> np.ndarray:
    """Multi-head attention in DeepSeek's split form → [B,S,H,V]:

    score_t = scale · (q_nope[b,s,i] · k_nope[b,t,i] + q_pe[b,s,i] · k_pe[b,t])
    o[b,s,i] = Σ_t softmax_t(score) · v[b,t,i]   over the valid keys t,

    key t valid iff t < kv_lens[b] and, when causal, t ≤ kv_lens[b] − S + s;
    a query with no valid key yields zeros. scale = cfg.softmax_scale_effective().
    Keys at t ≥ kv_lens[b] are never read (they may hold NaN).
    """
    shapes = _Shapes("decompressed_attention", cfg)
    qn = shapes.floats("q_nope", q_nope, "B S H N")
    qp = shapes.floats("q_pe", q_pe, "B S H R")
    kn = shapes.floats("k_nope", k_nope, "B T H N")
    kp = shapes.floats("k_pe", k_pe, "B T R")
    vv = shapes.floats("v", v, "B T H V")
    lens = shapes.indices("kv_lens", kv_lens, "B")
    tokens, keys = qn.shape[1], kn.shape[1]
    if np.any((lens < 0) | (lens > keys)):
        raise ValueError(f"decompressed_attention: kv_lens {lens.tolist()} must lie in "
                         f"[0, T = {keys}]")
    present = (np.arange(keys) < lens[:, None])[:, :, None, None]   # [B, T, 1, 1]
    kn, vv = np.where(present, kn, 0.0), np.where(present, vv, 0.0)
    kp = np.where(present[..., 0], kp, 0.0)
    scores = cfg.softmax_scale_effective() * (np.einsum("bshn,bthn->bhst", qn, kn)
                                              + np.einsum("bshr,btr->bhst", qp, kp))
    valid = np.stack([_valid_keys(n, tokens, keys, causal) for n in lens])[:, None]
    return np.einsum("bhst,bthv->bshv", _softmax(scores, valid), vv)


def latent_attention(q_lat: np.ndarray, q_pe: np.ndarray, cache: np.ndarray,
                     block_table: np.ndarray, kv_lens: np.ndarray, causal: bool,
                     cfg: MLAConfig) -> np.ndarray:
    """Absorbed attention (MQA, one latent KV head) over the paged cache → o_lat [B,S,H,L]:

    score_t = scale · (q_lat[b,s,i] · c_KV[b,t] + q_pe[b,s,i] · k_pe[b,t])
    o_lat[b,s,i] = Σ_t softmax_t(score) · c_KV[b,t]

    (c_KV, k_pe)[b,t] = cache[block_table[b, t // G], t % G]; validity and
    causal as in decompressed_attention; scale = cfg.softmax_scale_effective()
    (that of the N+R head, not (L+R)^-1/2). Each request reads only its first
    kv_lens[b] rows, page by page through its block table.
    """
    shapes = _Shapes("latent_attention", cfg)
    ql = shapes.floats("q_lat", q_lat, "B S H L")
    qp = shapes.floats("q_pe", q_pe, "B S H R")
    cache = shapes.floats("cache", cache, "P G L+R")
    table = shapes.indices("block_table", block_table, "B M")
    lens = shapes.indices("kv_lens", kv_lens, "B")
    pages, page_size = cache.shape[:2]
    _check_pages("latent_attention", table, lens, pages, page_size)
    scale, latent = cfg.softmax_scale_effective(), cfg.kv_lora_rank
    out = np.zeros_like(ql)
    for b, length in enumerate(lens):
        rows = cache[table[b, :_pages_of(length, page_size)]].reshape(-1, cache.shape[2])
        rows = rows[:length]
        scores = scale * (np.einsum("shl,tl->sht", ql[b], rows[:, :latent])
                          + np.einsum("shr,tr->sht", qp[b], rows[:, latent:]))
        valid = _valid_keys(length, ql.shape[1], length, causal)[:, None, :]
        out[b] = np.einsum("sht,tl->shl", _softmax(scores, valid), rows[:, :latent])
    return out


# ---------------------------------------------------------------------------
# Whole block
# ---------------------------------------------------------------------------

def attention_block(cfg: MLAConfig, *args: np.ndarray,
                    form: str = "decompressed") -> tuple[np.ndarray, np.ndarray]:
    """One MLA block → (output [B,S,D], new cache [P,G,L+R]).

    `args` are the block's operands in block_module's argument order: hidden,
    positions, [w_dq, q_norm,] w_uq, w_dkv, kv_norm, w_uk, w_uv, w_o, cache,
    block_table, seq_lens. As mla-decompose writes it:

    q_nope, q_pe = query_proj(h);  q_pe = rope(q_pe, pos)
    c_KV, k_pe = kv_compress(h);   k_pe = rope(k_pe, pos)
    cache' = cache_append(c_KV, k_pe, cache)
    'decompressed': c, kpe = cache_gather(cache'); o = decompressed_attention(
        q_nope, q_pe, decompress key(c), kpe, decompress value(c), causal)
    'absorbed': o = latent_to_value(latent_attention(query_to_latent(q_nope),
        q_pe, cache', causal))
    out = output_proj(o)
    """
    if form not in FORMS:
        raise ValueError(f"attention_block: form must be one of {', '.join(FORMS)}, "
                         f"got {form!r}")
    names = operand_names(cfg)
    if len(args) == len(names) + 1:
        return _varlen_block(cfg, dict(zip(operand_names(cfg, varlen=True), args)), form)
    if len(args) != len(names):
        raise ValueError(f"attention_block: expected {len(names)} operands "
                         f"({', '.join(names)}), or {len(names) + 1} with query_starts "
                         f"(varlen), got {len(args)}")
    a = dict(zip(names, args))
    q_nope, q_pe = query_proj(a["hidden"], a.get("w_dq"), a.get("q_norm"), a["w_uq"], cfg)
    q_pe = rope(q_pe, a["positions"], cfg)
    c_kv, k_pe = kv_compress(a["hidden"], a["w_dkv"], a["kv_norm"], cfg)
    k_pe = rope(k_pe, a["positions"], cfg)
    table, lens = a["block_table"], a["seq_lens"]
    cache = cache_append(c_kv, k_pe, a["cache"], table, lens, cfg)
    if form == "decompressed":
        c_all, kpe_all = cache_gather(cache, table, lens, cfg)
        o = decompressed_attention(q_nope, q_pe, decompress("key", c_all, a["w_uk"], cfg),
                                   kpe_all, decompress("value", c_all, a["w_uv"], cfg),
                                   lens, True, cfg)
    else:
        q_lat = query_to_latent(q_nope, a["w_uk"], cfg)
        o = latent_to_value(latent_attention(q_lat, q_pe, cache, table, lens, True, cfg),
                            a["w_uv"], cfg)
    return output_proj(o, a["w_o"], cfg), cache


def _varlen_block(cfg: MLAConfig, a: dict[str, np.ndarray],
                  form: str) -> tuple[np.ndarray, np.ndarray]:
    """A varlen block (packed rows, query_starts [B + 1]): request by
    request, each a block of one request with its own rows; the output's
    rows packed as the input's."""
    starts = np.asarray(a.pop("query_starts")).astype(np.int64)
    hidden, positions = a["hidden"], a["positions"]
    table, lens = a["block_table"], a["seq_lens"]
    if hidden.ndim != 2 or positions.shape != hidden.shape[:1]:
        raise ValueError("attention_block: varlen hidden must be [X, D] and positions [X], "
                         f"got {hidden.shape} and {positions.shape}")
    batch = len(lens)
    if (starts.shape != (batch + 1,) or starts[0] != 0 or starts[-1] != len(hidden)
            or np.any(np.diff(starts) < 0)):
        raise ValueError(f"attention_block: query_starts must be [0 .. {len(hidden)}] "
                         f"never decreasing, {batch + 1} entries; got {starts.tolist()}")
    out = np.zeros(hidden.shape)
    cache = np.asarray(a["cache"]).astype(np.float64)
    for b in range(batch):
        rows = slice(starts[b], starts[b + 1])
        if rows.start == rows.stop:
            continue
        one = dict(a, hidden=hidden[None, rows], positions=positions[None, rows],
                   cache=cache, block_table=table[b:b + 1], seq_lens=lens[b:b + 1])
        o, cache = attention_block(cfg, *one.values(), form=form)
        out[rows] = o[0]
    return out, cache


# ---------------------------------------------------------------------------
# Comparing results with the reference
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Comparison:
    """An array against a reference: the relative error over the positions
    where both are finite, and the positions whose non-finite values differ."""

    rel_error: float
    mismatches: int
    first_mismatch: tuple[int, ...] | None


def compare(a: np.ndarray, b: np.ndarray, ignore_nan_slots: bool = False) -> Comparison:
    """rel_error = ‖a − b‖ / ‖b‖ over the positions where both are finite (0 if
    both norms are 0, inf if only ‖b‖ is). Elsewhere the values must agree
    exactly: NaN with NaN, ±inf with the same inf; each position that does not
    is a mismatch. `ignore_nan_slots` skips the positions where b is NaN,
    whatever a holds there (a reference cache's unused slots).
    """
    a, b = np.asarray(a).astype(np.float64), np.asarray(b).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {list(a.shape)} against {list(b.shape)}")
    finite = np.isfinite(a) & np.isfinite(b)
    agree = finite | (np.isnan(a) & np.isnan(b)) | (a == b)
    if ignore_nan_slots:
        agree |= np.isnan(b)
        finite &= ~np.isnan(b)
    diff = float(np.linalg.norm(a[finite] - b[finite]))
    norm = float(np.linalg.norm(b[finite]))
    rel_error = diff / norm if norm else (0.0 if diff == 0.0 else math.inf)
    bad = np.argwhere(~agree)
    first = tuple(int(i) for i in bad[0]) if len(bad) else None
    return Comparison(rel_error, len(bad), first)
