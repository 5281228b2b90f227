# Parsing the shipped HF config.json files: fields, the effective softmax scale
# against DESIGN §1's published values, the #mla.config text, and the errors
# from_hf raises for bad input.

# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s %mla_src_root/examples/configs %t | FileCheck %s

import json
import math
import sys
from pathlib import Path

from mla import MLAConfig
from mla.config import mlir_float

CONFIGS = Path(sys.argv[1])
SCRATCH = Path(sys.argv[2])

# DESIGN §1: V3 0.13523378, V2 0.11472139 (V2-Lite has V2's YaRN parameters),
# and 192^-0.5 = 0.0721688 without YaRN.
PUBLISHED = {"deepseek-v3": 0.13523378, "deepseek-v2": 0.11472139,
             "deepseek-v2-lite": 0.11472139}


def close(value, expected, rel=1e-7):
    return "ok" if math.isclose(value, expected, rel_tol=rel) else f"MISMATCH {value!r}"


for name, published in PUBLISHED.items():
    cfg = MLAConfig.from_hf(CONFIGS / f"{name}.json")
    scale = cfg.softmax_scale_effective()
    print(f"{name}: scale {scale:.8f} {close(scale, published)}")
    print(cfg.to_mlir())

# CHECK:      deepseek-v3: scale 0.13523378 ok
# CHECK-NEXT: #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128, rope_theta = 10000.0, rope_style = interleaved, rms_eps = 1.0e-06, yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 32.0, beta_slow = 1.0, mscale = 1.0, mscale_all_dim = 1.0>>
# CHECK-NEXT: deepseek-v2: scale 0.11472139 ok
# CHECK-NEXT: #mla.config<heads = 128, hidden = 5120, q_lora_rank = 1536, kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128, rope_theta = 10000.0, rope_style = interleaved, rms_eps = 1.0e-06, yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 32.0, beta_slow = 1.0, mscale = 0.707, mscale_all_dim = 0.707>>
# CHECK-NEXT: deepseek-v2-lite: scale 0.11472139 ok
# CHECK-NEXT: #mla.config<heads = 16, hidden = 2048, q_lora_rank = 0, kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128, rope_theta = 10000.0, rope_style = interleaved, rms_eps = 1.0e-06, yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 32.0, beta_slow = 1.0, mscale = 0.707, mscale_all_dim = 0.707>>

V3 = json.loads((CONFIGS / "deepseek-v3.json").read_text())


def variant(**changes):
    """V3's config.json with fields replaced (None: removed)."""
    raw = dict(V3, **changes)
    return {key: value for key, value in raw.items() if value is not None}


# Without YaRN the scale is 192^-0.5 (DESIGN gives its first 7 digits).
plain = MLAConfig.from_hf(variant(rope_scaling=None)).softmax_scale_effective()
print(f"no yarn: scale {plain:.7f} {close(plain, 192 ** -0.5)}")
# CHECK-NEXT: no yarn: scale 0.0721688 ok

# HF's default mscale_all_dim is 0: YaRN then leaves the scale alone.
no_all_dim = {k: v for k, v in V3["rope_scaling"].items() if k != "mscale_all_dim"}
scale = MLAConfig.from_hf(variant(rope_scaling=no_all_dim)).softmax_scale_effective()
print(f"yarn without mscale_all_dim: {close(scale, 192 ** -0.5)}")
# CHECK-NEXT: yarn without mscale_all_dim: ok

# The magnitude on cos/sin, as transformers' _compute_yarn_parameters gives
# it (written out here): m(f, mscale) / m(f, mscale_all_dim) when both are
# set, else m(f, 1) = 0.1·ln f + 1 — mscale alone is ignored.
def transformers_attention_factor(factor, mscale, mscale_all_dim):
    def get_mscale(scale, coefficient=1.0):
        return 1.0 if scale <= 1 else 0.1 * coefficient * math.log(scale) + 1.0
    if mscale and mscale_all_dim:
        return get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim)
    return get_mscale(factor)


for label, table in [("v3", V3["rope_scaling"]),
                     ("mscale only", dict(no_all_dim, mscale=0.707)),
                     ("both", dict(V3["rope_scaling"], mscale=0.707, mscale_all_dim=0.5)),
                     ("neither", {k: v for k, v in no_all_dim.items() if k != "mscale"})]:
    magnitude = MLAConfig.from_hf(variant(rope_scaling=table)).rope_magnitude()
    expected = transformers_attention_factor(table["factor"], table.get("mscale"),
                                             table.get("mscale_all_dim"))
    print(f"magnitude {label}: {magnitude:.4f} {close(magnitude, expected)}")
# CHECK-NEXT: magnitude v3: 1.0000 ok
# CHECK-NEXT: magnitude mscale only: 1.3689 ok
# CHECK-NEXT: magnitude both: 1.0645 ok
# CHECK-NEXT: magnitude neither: 1.3689 ok

# An explicit scale wins; transformers 5's rope_parameters and rope_interleave.
explicit = MLAConfig(heads=2, hidden=8, q_lora_rank=0, kv_lora_rank=4, qk_nope_dim=2,
                     qk_rope_dim=2, v_head_dim=2, softmax_scale=0.25)
print(f"explicit: {explicit.softmax_scale_effective()!r}")
# CHECK-NEXT: explicit: 0.25
v5 = variant(rope_scaling=None, rope_theta=None, rope_interleave=False,
             rope_parameters=dict(V3["rope_scaling"], rope_type="yarn", rope_theta=50000.0))
cfg = MLAConfig.from_hf(v5)
print(f"rope_parameters: theta {cfg.rope_theta!r}, {cfg.rope_style}, "
      f"{close(cfg.softmax_scale_effective(), PUBLISHED['deepseek-v3'])}")
# CHECK-NEXT: rope_parameters: theta 50000.0, half, ok

# Floats print so that MLIR reads them (a dot before any exponent) and
# round-trip to the same double.
for value in (1e-06, 1e20, 0.707, 10000.0, 0.1 + 0.2):
    text = mlir_float(value)
    print(text, "same" if float(text) == value else "DIFFERENT")
# CHECK-NEXT: 1.0e-06 same
# CHECK-NEXT: 1.0e+20 same
# CHECK-NEXT: 0.707 same
# CHECK-NEXT: 10000.0 same
# CHECK-NEXT: 0.30000000000000004 same


def error_of(source):
    try:
        MLAConfig.from_hf(source)
    except ValueError as error:
        return f"error: {error}"
    return "no error"


(SCRATCH / "bad.json").write_text('{"hidden_size": 7168,')
(SCRATCH / "list.json").write_text("[1, 2]")
(SCRATCH / "model").mkdir()
(SCRATCH / "model" / "config.json").write_text(json.dumps(variant(hidden_size="7168")))
yarn_without_factor = {k: v for k, v in V3["rope_scaling"].items() if k != "factor"}
for source in (SCRATCH / "missing.json", SCRATCH / "bad.json", SCRATCH / "list.json",
               SCRATCH / "model", variant(kv_lora_rank=None), variant(q_lora_rank=None),
               variant(rope_scaling={"type": "linear", "factor": 2.0}),
               variant(rope_scaling=yarn_without_factor),
               variant(rope_scaling=dict(V3["rope_scaling"], factor=0.5)),
               variant(qk_rope_head_dim=63), variant(num_attention_heads=True),
               variant(rms_norm_eps=-1.0), variant(attention_bias=True)):
    print(error_of(source))
# CHECK-NEXT: error: {{.*}}missing.json: no such file
# CHECK-NEXT: error: {{.*}}bad.json: invalid JSON: {{.*}}: line 1 column 22 (char 21)
# CHECK-NEXT: error: {{.*}}list.json: expected a JSON object, got list
# CHECK-NEXT: error: {{.*}}model{{/|\\}}config.json: field 'hidden_size': expected an integer, got '7168'
# CHECK-NEXT: error: config dict: field 'kv_lora_rank': missing
# CHECK-NEXT: error: config dict: field 'q_lora_rank': missing (null: no query compression)
# CHECK-NEXT: error: config dict: field 'rope_scaling.type': unsupported rope scaling type 'linear' (supported: 'yarn')
# CHECK-NEXT: error: config dict: field 'rope_scaling.factor': missing
# CHECK-NEXT: error: config dict: field 'rope_scaling.factor': must be at least 1, got 0.5
# CHECK-NEXT: error: config dict: field 'qk_rope_head_dim': must be even (RoPE rotates pairs), got 63
# CHECK-NEXT: error: config dict: field 'num_attention_heads': expected an integer, got True
# CHECK-NEXT: error: config dict: field 'rms_norm_eps': must be positive and finite, got -1.0
# CHECK-NEXT: error: config dict: field 'attention_bias': True is not supported (the mla block's projections have no bias inputs)
