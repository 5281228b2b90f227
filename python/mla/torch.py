"""An MLA attention block called from PyTorch, and a drop-in for the
attention of transformers' DeepSeek-V2/V3 models.

    from mla import MLAConfig
    from mla.torch import Attention, use_mla_attention

    block = Attention(MLAConfig.from_hf("ckpt/"), dtype="bf16")   # compiled once
    weights = block.import_weights(model.state_dict(), layer=0)
    out, cache = block(hidden, positions, weights, cache, block_table, seq_lens)

    cache = use_mla_attention(model, block, max_tokens=4096)      # every layer's
    model.generate(...)                                           # attention is ours

`Attention` compiles the block of a config once — any batch, any number of
new tokens per call, any number of cache pages (the library mla-aot makes,
python/mla/aot.py) — or loads such a library, and calls it on torch tensors
(CUDA tensors on the current stream, or CPU tensors with a CPU library)
without copying them: the cache is updated where it is. The operands are the
block's (python/mla/ir.py, docs/user-guide.md): hidden [B, S, D], positions
[B, S] (int32), the weights in our layouts, the paged latent cache [pages,
page size, L + R], the block table [B, max pages] and seq_lens [B] (int32,
the cached tokens *including* this call's S new ones).

`use_mla_attention` replaces the `self_attn` of every decoder layer of a
transformers DeepseekV3/DeepseekV2 model by a `DeepseekAttention` that runs
the block on a `PagedCache` of its own (one per layer, one block table and
length per request): the model's own cache (`past_key_values`) is neither
read nor written by it, and positions are counted from that paged cache, so
a sequence is prefilled and then decoded token by token from position 0
(`PagedCache.reset()` starts again).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch

from .aot import Library, compile_block
from .config import MLAConfig
from .importer import layer_weights, weight_operand_names

__all__ = ["Attention", "DeepseekAttention", "PagedCache", "use_mla_attention"]

_DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


class Attention:
    """One MLA attention block of `cfg` as a callable on torch tensors.

    Either compiled here (`compile_block`: needs mla-opt and mla-aot, from
    `tools`, $MLA_TOOLS_DIR or PATH; built once per module and kept in
    `cache_dir`), or `library`: the base path of one mla-aot made from the
    same block (`python -m mla gen --tokens any --dynamic ...`, then
    mla-aot), for a machine without the compiler.
    """

    def __init__(self, cfg: MLAConfig, *, dtype: str = "bf16", page_size: int = 64,
                 device: str | torch.device = "cuda", library: str | Path | None = None,
                 tools: str | Path | None = None, cache_dir: str | Path | None = None,
                 varlen: bool = False):
        if dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(_DTYPES)}, got {dtype!r}")
        self.cfg, self.dtype, self.page_size, self.varlen = cfg, dtype, page_size, varlen
        self.device = torch.device(device)
        target = "cpu" if self.device.type == "cpu" else "cuda"
        if library is not None:
            self.library = Library(library)
            if self.library.target != target:
                raise ValueError(f"{library}: a {self.library.target} library, but the "
                                 f"tensors are on {self.device}")
        else:
            self.library = compile_block(cfg, tokens=None, page_size=page_size, dtype=dtype,
                                         target=target, tools=tools, cache_dir=cache_dir,
                                         varlen=varlen)
        # The cache is the third operand from the end (fourth with
        # query_starts): [pages, page size, L + R].
        arguments = self.library.attention_block.arguments
        expected = len(weight_operand_names(cfg)) + 5 + varlen
        if len(arguments) != expected or arguments[-3 - varlen]["shape"][1:] != \
                [page_size, cfg.latent_cache_dim]:
            raise ValueError(f"{library}: not the {'varlen ' if varlen else ''}block of this "
                             f"config with {page_size}-token pages")

    @property
    def torch_dtype(self) -> torch.dtype:
        return _DTYPES[self.dtype]

    def import_weights(self, state_dict: Mapping[str, Any], layer: int | None = None,
                       prefix: str | None = None) -> list[torch.Tensor]:
        """A layer's attention weights from a transformers state_dict (HF
        names; `prefix` as mla.importer.layer_weights takes it), in our
        layouts and dtype, on the block's device, in operand order."""
        weights = layer_weights(state_dict, self.cfg, layer, dtype="f32", prefix=prefix)
        return [torch.from_numpy(w).to(self.device, self.torch_dtype).contiguous()
                for w in weights.values()]

    def __call__(self, hidden: torch.Tensor, positions: torch.Tensor,
                 weights: Sequence[torch.Tensor], cache: torch.Tensor,
                 block_table: torch.Tensor, seq_lens: torch.Tensor,
                 query_starts: torch.Tensor | None = None,
                 out: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(output [B, S, D], the cache — the same tensor, updated). A varlen
        block takes hidden [X, D], positions [X] and `query_starts` [B + 1]
        (request b's tokens are rows query_starts[b] .. query_starts[b + 1])
        and returns [X, D]."""
        if (query_starts is not None) != self.varlen:
            raise ValueError("query_starts is the operand of a varlen block (Attention("
                             "varlen=True)), and only of one")
        starts = [] if query_starts is None else [query_starts]
        return self.library.attention_block(
            hidden, positions, *weights, cache, block_table, seq_lens, *starts,
            out=None if out is None else [out])


class PagedCache:
    """The paged latent caches of a model's layers, for `batch` requests of
    up to `max_tokens` tokens each: request b owns pages b·P .. b·P + P − 1
    (P = ⌈max_tokens / page size⌉) of every layer's cache, its block-table
    row; `lengths[b]` tokens of it are cached."""

    def __init__(self, cfg: MLAConfig, layers: int, batch: int, max_tokens: int,
                 page_size: int, dtype: torch.dtype, device: torch.device):
        per_request = math.ceil(max_tokens / page_size)
        self.max_tokens = per_request * page_size
        self.pages = [torch.zeros(batch * per_request, page_size, cfg.latent_cache_dim,
                                  dtype=dtype, device=device) for _ in range(layers)]
        self.block_table = torch.arange(batch * per_request, dtype=torch.int32,
                                        device=device).reshape(batch, per_request)
        self.lengths = torch.zeros(batch, dtype=torch.int32, device=device)

    def reset(self) -> None:
        """Forget every request's tokens (the pages are overwritten as they refill)."""
        self.lengths.zero_()


class DeepseekAttention(torch.nn.Module):
    """A decoder layer's attention as our block over layer `layer` of a
    PagedCache: new tokens are appended after the request's cached ones and
    take the positions that follow. The last layer advances the lengths."""

    def __init__(self, block: Attention, weights: list[torch.Tensor], cache: PagedCache,
                 layer: int, last: bool):
        super().__init__()
        self.block, self.weights, self.cache = block, weights, cache
        self.layer, self.last = layer, last

    def forward(self, hidden_states: torch.Tensor, *args: Any, **kwargs: Any
                ) -> tuple[torch.Tensor, None]:
        batch, tokens, _ = hidden_states.shape
        cache = self.cache
        if batch != cache.lengths.shape[0]:
            raise ValueError(f"DeepseekAttention: a batch of {batch}, the paged cache was "
                             f"made for {cache.lengths.shape[0]}")
        start = cache.lengths
        if int(start.max()) + tokens > cache.max_tokens:
            raise ValueError(f"DeepseekAttention: {int(start.max())} + {tokens} tokens exceed "
                             f"the paged cache's {cache.max_tokens} per request")
        offsets = torch.arange(tokens, dtype=torch.int32, device=start.device)
        positions = (start[:, None] + offsets[None, :]).contiguous()
        seq_lens = (start + tokens).contiguous()
        hidden = hidden_states.to(self.block.torch_dtype).contiguous()
        out, _ = self.block(hidden, positions, self.weights, cache.pages[self.layer],
                            cache.block_table, seq_lens)
        if self.last:
            cache.lengths.copy_(seq_lens)
        return out.to(hidden_states.dtype), None


def use_mla_attention(model: torch.nn.Module, block: Attention, *, max_tokens: int,
                      batch: int = 1) -> PagedCache:
    """Every decoder layer's `self_attn` of a transformers DeepseekV3/V2
    model (`model.model.layers`) replaced by a DeepseekAttention with that
    layer's weights, over a new PagedCache for `batch` requests of up to
    `max_tokens` tokens; returns the cache."""
    layers = getattr(getattr(model, "model", model), "layers", None)
    if layers is None:
        raise ValueError("use_mla_attention: the model has no model.layers")
    cache = PagedCache(block.cfg, len(layers), batch, max_tokens, block.page_size,
                       block.torch_dtype, block.device)
    for i, layer in enumerate(layers):
        weights = block.import_weights(layer.self_attn.state_dict(), prefix="")
        layer.self_attn = DeepseekAttention(block, weights, cache, i, i == len(layers) - 1)
    return cache
