"""A small random-weight DeepSeek-V3 (transformers, built from argv[1], a
config.json) greedily generates 64 tokens after a prompt with its own
attention and again with every layer's attention replaced by ours
(mla.torch.use_mla_attention: prefill, then decode token by token over our
paged cache); the two token sequences must be equal. The last generated
step's logits are compared too (relative error). argv[2]: the device (cuda
or cpu); argv[3] (optional): an mla-aot library of the config's block (f32,
any token count, dynamic sizes, 64-token pages) — else compiled here with
mla-opt and mla-aot. Prints the sequences' agreement and PASS, or FAIL and
exits 1."""

import sys

import torch
from transformers import AutoConfig, AutoModelForCausalLM

from mla import MLAConfig
from mla.torch import Attention, use_mla_attention

config_path, device = sys.argv[1], sys.argv[2]
library = sys.argv[3] if len(sys.argv) > 3 else None
NEW_TOKENS, PROMPT = 64, 11

torch.manual_seed(0)
hf_config = AutoConfig.from_pretrained(config_path)
model = AutoModelForCausalLM.from_config(hf_config).float()
model = model.to(device).eval()
prompt = torch.randint(0, hf_config.vocab_size, (1, PROMPT), device=device)


@torch.no_grad()
def greedy(model, ids, steps, use_cache):
    """`steps` greedy tokens after `ids`, one forward per token after the
    prompt's; the last step's logits."""
    past, logits, tokens = None, None, []
    for step in range(steps):
        chunk = ids if step == 0 else tokens[-1].view(1, 1)
        length = ids.shape[1] + step
        positions = torch.arange(length - chunk.shape[1], length, device=ids.device)[None]
        kwargs = dict(past_key_values=past, use_cache=True) if use_cache else dict(use_cache=False)
        output = model(input_ids=chunk, position_ids=positions, cache_position=positions[0],
                       **kwargs)
        past = output.past_key_values if use_cache else None
        logits = output.logits[0, -1].float()
        tokens.append(logits.argmax())
    return torch.stack(tokens), logits


expected, expected_logits = greedy(model, prompt, NEW_TOKENS, use_cache=True)
block = Attention(MLAConfig.from_hf(config_path), dtype="f32", page_size=64, device=device,
                  library=library)
cache = use_mla_attention(model, block, max_tokens=PROMPT + NEW_TOKENS)
got, got_logits = greedy(model, prompt, NEW_TOKENS, use_cache=False)

same = int((got == expected).sum())
error = float((got_logits - expected_logits).norm() / expected_logits.norm())
lengths = cache.lengths.tolist()
ok = same == NEW_TOKENS and error < 1e-4 and lengths == [PROMPT + NEW_TOKENS - 1]
print(f"deepseek-v3 generate on {device}: {same} of {NEW_TOKENS} greedy tokens equal, "
      f"last logits rel_error {error:.2e}, cached {lengths}: {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
