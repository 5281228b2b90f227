"""Textual `mla` IR: a module holding one `mla.attention_block`.

`block_module` writes a func.func whose arguments are the block's operands
(hidden states, positions, weights in the dialect's [in, out] layout, the
paged latent cache with its block table and sequence lengths) and which
returns the block's output and updated cache. The config is a `#config`
alias at the top, so that every op a pass creates from the block shares it.
"""

from __future__ import annotations

import re

from .config import MLAConfig

__all__ = ["DTYPES", "FORMS", "PHASES", "block_module", "block_operands", "check_sizes",
           "operand_names"]

DTYPES = ("bf16", "f16", "f32")
PHASES = ("prefill", "decode")
# The two forms of a block's attention (docs/rationale.md): MHA over the
# decompressed keys and values, or MQA over the latent cache.
FORMS = ("decompressed", "absorbed")

_SYMBOL = re.compile(r"[A-Za-z_][A-Za-z0-9_$.]*")


def _tensor(shape: list[int | str], element: str) -> str:
    return f"tensor<{'x'.join(str(d) for d in shape)}x{element}>"


def check_sizes(**sizes: int) -> None:
    """Each named size must be a positive integer (ValueError naming it otherwise)."""
    for name, size in sizes.items():
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValueError(f"{name} must be a positive integer, got {size!r}")


def block_operands(cfg: MLAConfig, batch: int | str, tokens: int | str, page_size: int,
                   pages: int | str, max_pages: int | str, varlen: bool = False
                   ) -> list[tuple[str, list[int | str], bool]]:
    """(name, shape, is_index) of each block operand, in the function's argument order.

    `is_index` marks the i32 operands (positions, block table, sequence
    lengths, query starts); the others have the block's float element type.
    `w_dq` and `q_norm` are present iff the config has query compression.
    With `varlen`, `tokens` counts the new tokens of all requests (packed:
    hidden [tokens, D], positions [tokens]) and `query_starts` [batch + 1]
    comes last.
    """
    h, d, q = cfg.heads, cfg.hidden, cfg.q_lora_rank
    l, n, v = cfg.kv_lora_rank, cfg.qk_nope_dim, cfg.v_head_dim
    qk_head = n + cfg.qk_rope_dim
    query = [("w_dq", [d, q], False), ("q_norm", [q], False)] if q else []
    rows = [tokens] if varlen else [batch, tokens]
    starts = [("query_starts", [batch + 1 if isinstance(batch, int) else "?"], True)]
    return [
        ("hidden", [*rows, d], False),
        ("positions", rows, True),
        *query,
        ("w_uq", [q or d, h * qk_head], False),
        ("w_dkv", [d, cfg.latent_cache_dim], False),
        ("kv_norm", [l], False),
        ("w_uk", [h, l, n], False),
        ("w_uv", [h, l, v], False),
        ("w_o", [h * v, d], False),
        ("cache", [pages, page_size, cfg.latent_cache_dim], False),
        ("block_table", [batch, max_pages], True),
        ("seq_lens", [batch], True),
        *(starts if varlen else []),
    ]


def operand_names(cfg: MLAConfig, varlen: bool = False) -> list[str]:
    """The block operands' names, in the function's argument order."""
    return [name for name, _, _ in block_operands(cfg, 1, 1, 1, 1, 1, varlen)]


def _operands(cfg: MLAConfig, batch: int | str, tokens: int, page_size: int,
              pages: int | str, max_pages: int | str,
              dtype: str, varlen: bool = False) -> list[tuple[str, str]]:
    """(name, type) of each block operand, in operand order."""
    return [(name, _tensor(shape, "i32" if is_index else dtype))
            for name, shape, is_index in block_operands(cfg, batch, tokens, page_size,
                                                        pages, max_pages, varlen)]


def _block_op(has_query_compression: bool, phase: str | None,
              operand_types: list[str], result_types: list[str],
              varlen: bool = False) -> str:
    """The mla.attention_block op in its declarative syntax."""
    query = "q_down = %w_dq, q_norm = %q_norm, " if has_query_compression else ""
    phase_clause = f" phase {phase}" if phase else ""
    starts = " query_starts(%query_starts)" if varlen else ""
    return (
        "    %out, %new_cache = mla.attention_block %hidden, %positions\n"
        f"        weights({query}q_up = %w_uq,\n"
        "                kv_down = %w_dkv, kv_norm = %kv_norm, "
        "k_up = %w_uk, v_up = %w_uv, out = %w_o)\n"
        f"        cache(%cache[%block_table, %seq_lens]){starts}{phase_clause}"
        " {config = #config}\n"
        f"        : ({', '.join(operand_types)})\n"
        f"        -> ({', '.join(result_types)})\n"
    )


def block_module(cfg: MLAConfig, batch: int, tokens: int | None, page_size: int,
                 pages: int, max_pages: int, dtype: str = "bf16",
                 dynamic: bool = False, phase: str | None = None,
                 func_name: str = "attention_block", varlen: bool = False) -> str:
    """The text of a module with one func.func running one attention block.

    `dynamic` leaves batch, pages and max_pages unknown ('?') in the types;
    `tokens` None leaves the new tokens per request unknown too (any token
    count per call: the default pipeline keeps both attention forms behind
    a run-time test on it, docs/cost-model.md); `phase` ('prefill' |
    'decode') sets the block's phase attribute. `varlen` packs the new
    tokens of all requests (`tokens` of them in all; None: any) with a
    `query_starts` operand: each request has a count of its own.
    """
    check_sizes(batch=batch, tokens=1 if tokens is None else tokens, page_size=page_size,
                pages=pages, max_pages=max_pages)
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if phase is not None and phase not in PHASES:
        raise ValueError(f"phase must be one of {', '.join(PHASES)}, got {phase!r}")
    if not _SYMBOL.fullmatch(func_name):
        raise ValueError(f"func_name {func_name!r} is not a valid symbol name")
    if dynamic:
        batch = pages = max_pages = "?"
    if tokens is None:
        tokens = "?"

    operands = _operands(cfg, batch, tokens, page_size, pages, max_pages, dtype, varlen)
    types = dict(operands)
    results = [types["hidden"], types["cache"]]
    arguments = ",\n".join(f"      %{name}: {type_}" for name, type_ in operands)
    return (
        f"#config = {cfg.to_mlir()}\n"
        "module {\n"
        f"  func.func @{func_name}(\n{arguments})\n"
        f"      -> ({', '.join(results)}) {{\n"
        + _block_op(cfg.q_lora_rank > 0, phase, [t for _, t in operands], results, varlen)
        + f"    return %out, %new_cache : {', '.join(results)}\n"
        "  }\n"
        "}\n"
    )
