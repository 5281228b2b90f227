"""Seeded random operands of one attention block, and .npy files to hold them.

`block_inputs` draws a block's operands in block_module's argument order, as
numpy arrays: float operands in the requested element type (bf16 is
ml_dtypes.bfloat16), index operands int32. The draws make the awkward cases
the common ones:

- hidden ~ N(0, 1); weights W [in, out] ~ N(0, 1/fan_in), so that every
  projection keeps activations O(1); norm weights 1 + 0.1·N(0, 1).
- seq_lens uneven: uniform between S and what a request's pages hold; at
  least one not a multiple of the page size (when G > 1), and with
  `empty_prefix` (batch > 1) one request whose cached prefix is empty
  (seq_len = S).
- block tables: each request's pages are consecutive entries of a random
  permutation of all pages; the table entries a request does not use hold
  -1 or a random (wrong but valid) page id.
- the cache holds N(0, 1) in the slots of each request's cached prefix
  (positions < seq_lens − S) and NaN in every other slot, the slots the new
  tokens will be written to included. All supported element types (f32, f16,
  bf16) are floating point, so NaN is always representable.
- positions[b, s] = seq_lens[b] − S + s.
- varlen (`tokens` a list of counts, one per request, zeros allowed): the
  same per request, rows packed, with query_starts = [0, cumsum(counts)].

`save_npy` / `load_npy` write and read `argN.npy` files; bf16 arrays are
written as ml_dtypes makes numpy write them (descr '<V2', raw bfloat16 bits)
and read back as bfloat16.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import ml_dtypes
import numpy as np

from .config import MLAConfig
from .ir import DTYPES, block_operands, check_sizes

__all__ = ["MANIFEST", "NUMPY_DTYPES", "block_inputs", "load_inputs", "load_npy",
           "read_manifest", "save_inputs", "save_npy", "varlen_counts"]

NUMPY_DTYPES = {"f32": np.dtype(np.float32), "f16": np.dtype(np.float16),
                "bf16": np.dtype(ml_dtypes.bfloat16)}
MANIFEST = "manifest.json"

# Weights with a norm weight's distribution; the others are matrices W [.., in, out].
_NORMS = ("q_norm", "kv_norm")


def _sequence_lengths(rng: np.random.Generator, batch: int, tokens: np.ndarray,
                      page_size: int, capacity: int, empty_prefix: bool) -> np.ndarray:
    """Uneven lengths in [tokens[b], capacity]: one equal to its tokens with
    `empty_prefix` and batch > 1, one not a multiple of page_size where the
    sizes allow it."""
    # One count: the scalar draw (the same lengths for a seed as always).
    low = int(tokens[0]) if np.all(tokens == tokens[0]) else tokens
    lens = rng.integers(low, capacity + 1, size=batch)
    others = np.arange(batch)
    if empty_prefix and batch > 1:
        empty = rng.integers(batch)
        lens[empty] = tokens[empty]
        others = others[others != empty]
    others = others[capacity > tokens[others]]
    if others.size and not np.any(lens % page_size):
        # Move the longest other request off its page boundary, within [tokens, capacity].
        b = others[np.argmax(lens[others])]
        lens[b] += -1 if lens[b] > tokens[b] else 1
    return lens


def _block_tables(rng: np.random.Generator, lens: np.ndarray, page_size: int,
                  pages: int, max_pages: int) -> np.ndarray:
    """Each request's pages from one random permutation; unused entries -1 or
    a random page id."""
    order = rng.permutation(pages)
    table = np.where(rng.random((len(lens), max_pages)) < 0.5, -1,
                     rng.integers(pages, size=(len(lens), max_pages)))
    start = 0
    for b, length in enumerate(lens):
        count = -(-int(length) // page_size)
        table[b, :count] = order[start:start + count]
        start += count
    return table


def _cache(rng: np.random.Generator, cfg: MLAConfig, lens: np.ndarray, tokens: np.ndarray,
           table: np.ndarray, pages: int, page_size: int) -> np.ndarray:
    """NaN everywhere but the cached prefixes, which get N(0, 1)."""
    cache = np.full((pages, page_size, cfg.latent_cache_dim), np.nan)
    for b, length in enumerate(lens):
        t = np.arange(length - tokens[b])
        cache[table[b, t // page_size], t % page_size] = rng.standard_normal(
            (t.size, cfg.latent_cache_dim))
    return cache


def paged_cache(cfg: MLAConfig, lens: Sequence[int], page_size: int, pages: int,
                max_pages: int, dtype: Any = np.float32,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A paged cache holding `lens[b]` tokens of each request, as an
    attention over the cache reads it (its new tokens already appended):
    (block table [B, max_pages] i32 — each request's pages from one random
    permutation, unused entries -1 or a random page —, cache [pages,
    page_size, L + R] with N(0, 1) in the slots of the `lens[b]` tokens and
    NaN in every other)."""
    rng = np.random.default_rng(seed)
    lens = np.asarray(lens, dtype=np.int64)
    if np.any(lens < 0) or np.any(lens > max_pages * page_size) or \
            np.sum(-(-lens // page_size)) > pages:
        raise ValueError(f"paged_cache: lengths {lens.tolist()} do not fit {pages} pages "
                         f"of {page_size} (at most {max_pages} per request)")
    table = _block_tables(rng, lens, page_size, pages, max_pages).astype(np.int32)
    cache = _cache(rng, cfg, lens, np.zeros_like(lens), table, pages, page_size)
    return table, cache.astype(dtype)


def varlen_counts(tokens: int | Sequence[int], batch: int) -> np.ndarray | None:
    """The new tokens of each request when `tokens` is a list of counts (a
    varlen block; None for one count), checked: `batch` of them, none
    negative, not all zero."""
    if isinstance(tokens, (int, np.integer)):
        return None
    counts = np.asarray(list(tokens))
    if counts.ndim != 1 or counts.size != batch or counts.dtype.kind not in "iu":
        raise ValueError(f"tokens: one count per request ({batch}) expected, got {tokens!r}")
    if np.any(counts < 0) or not np.any(counts):
        raise ValueError(f"tokens: counts must be >= 0 and not all 0, got {tokens!r}")
    return counts.astype(np.int64)


def block_inputs(cfg: MLAConfig, batch: int, tokens: int | Sequence[int], page_size: int,
                 pages: int, max_pages: int, dtype: str = "f32", seed: int = 0,
                 empty_prefix: bool = True) -> list[np.ndarray]:
    """A block's operands, in block_module's argument order (see the module doc).

    `tokens` is the new tokens of every request, or a list of each
    request's (a varlen block: hidden and positions packed, request b's
    rows query_starts[b] .. query_starts[b + 1]; a request may have 0).
    Raises ValueError if the sizes are not positive or the pages cannot hold
    the new tokens of every request (each request gets at most
    min(max_pages, pages // batch) pages).
    """
    counts = varlen_counts(tokens, batch)
    total = int(counts.sum()) if counts is not None else tokens
    check_sizes(batch=batch, tokens=total, page_size=page_size, pages=pages,
                max_pages=max_pages)
    per_request = counts if counts is not None else np.full(batch, tokens)
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    capacity = min(max_pages, pages // batch) * page_size
    if capacity < per_request.max():
        raise ValueError(f"{pages} pages of {page_size} for {batch} requests (at most "
                         f"{max_pages} each) cannot hold {per_request.max()} new tokens "
                         "per request")

    rng = np.random.default_rng(seed)
    lens = _sequence_lengths(rng, batch, per_request, page_size, capacity, empty_prefix)
    table = _block_tables(rng, lens, page_size, pages, max_pages)
    starts = np.concatenate([[0], np.cumsum(per_request)])
    rows = [lens[b] - per_request[b] + np.arange(per_request[b]) for b in range(batch)]
    positions = np.concatenate(rows) if counts is not None else np.stack(rows)
    data = {"positions": positions, "block_table": table, "seq_lens": lens,
            "query_starts": starts,
            "cache": _cache(rng, cfg, lens, per_request, table, pages, page_size)}
    arrays = []
    for name, shape, is_index in block_operands(cfg, batch, total, page_size, pages,
                                                max_pages, varlen=counts is not None):
        if is_index:
            arrays.append(data[name].astype(np.int32))
            continue
        if name in data:
            value = data[name]
        elif name == "hidden":
            value = rng.standard_normal(shape)
        elif name in _NORMS:
            value = 1.0 + 0.1 * rng.standard_normal(shape)
        else:
            value = rng.standard_normal(shape) / np.sqrt(shape[-2])
        arrays.append(value.astype(NUMPY_DTYPES[dtype]))
    return arrays


def save_npy(directory: str | Path, arrays: Sequence[np.ndarray],
             prefix: str = "arg") -> list[Path]:
    """Writes arrays[i] to directory/{prefix}{i}.npy (the folder is created); returns the paths."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        paths = [directory / f"{prefix}{i}.npy" for i in range(len(arrays))]
        for path, array in zip(paths, arrays):
            np.save(path, array)
    except OSError as error:
        raise ValueError(f"{directory}: cannot write: {error.strerror}") from None
    return paths


def load_npy(path: str | Path) -> np.ndarray:
    """One .npy file; 2-byte raw ('<V2') arrays, as bf16 is written, come back as bfloat16."""
    try:
        array = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: not a readable .npy file: {error}") from None
    if array.dtype.kind == "V" and array.dtype.itemsize == 2:
        return array.view(ml_dtypes.bfloat16)
    return array


def save_inputs(directory: str | Path, arrays: Sequence[np.ndarray], names: Sequence[str],
                info: dict[str, Any]) -> None:
    """argN.npy for each array, and manifest.json: `info` plus an `arguments`
    list giving each array's file, name, shape and dtype (f32, f16, bf16, int32)."""
    paths = save_npy(directory, arrays)
    manifest = dict(info, arguments=[
        {"file": path.name, "name": name, "shape": list(array.shape), "dtype": _dtype_name(array)}
        for path, name, array in zip(paths, names, arrays)])
    try:
        (Path(directory) / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n",
                                                encoding="utf-8")
    except OSError as error:
        raise ValueError(f"{directory}: cannot write: {error.strerror}") from None


def read_manifest(directory: str | Path) -> dict[str, Any] | None:
    """The manifest.json of an inputs folder as a dict, None if it has none."""
    path = Path(directory) / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path}: cannot read: {error}") from None
    if not isinstance(manifest, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return manifest


def load_inputs(directory: str | Path) -> list[np.ndarray]:
    """The arrays a folder holds, in argument order.

    With a manifest.json, the files it lists, each checked against its
    recorded shape and dtype; without, arg0.npy, arg1.npy, … up to the first
    missing one.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{directory}: no such directory")
    manifest = read_manifest(directory)
    if manifest is None:
        arrays = []
        while (directory / f"arg{len(arrays)}.npy").exists():
            arrays.append(load_npy(directory / f"arg{len(arrays)}.npy"))
        if not arrays:
            raise ValueError(f"{directory}: no arg0.npy and no {MANIFEST}")
        return arrays
    try:
        expected = [(e["file"], tuple(e["shape"]), e["dtype"]) for e in manifest["arguments"]]
    except (KeyError, TypeError) as error:
        raise ValueError(f"{directory / MANIFEST}: bad 'arguments' list: {error!r}") from None
    arrays = []
    for file, shape, dtype in expected:
        array = load_npy(directory / file)
        if array.shape != shape or _dtype_name(array) != dtype:
            raise ValueError(f"{directory / file}: holds {_dtype_name(array)} "
                             f"{list(array.shape)}, {MANIFEST} says {dtype} {list(shape)}")
        arrays.append(array)
    return arrays


def _dtype_name(array: np.ndarray) -> str:
    """f32, f16, bf16 for the float types, numpy's name for others."""
    for name, dtype in NUMPY_DTYPES.items():
        if array.dtype == dtype:
            return name
    return str(array.dtype)
