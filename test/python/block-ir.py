# block_module's IR for DeepSeek-V3 (query compression, static shapes, decode)
# and V2-Lite (no query compression, dynamic shapes, prefill, f32): what it
# writes, that mla-opt parses it, and that mla-decompose turns it into the
# primitives.

# RUN: %python %s %mla_src_root/examples/configs/deepseek-v3.json v3 | FileCheck %s --check-prefix=GEN
# RUN: %python %s %mla_src_root/examples/configs/deepseek-v3.json v3 | mla-opt | FileCheck %s --check-prefix=V3
# RUN: %python %s %mla_src_root/examples/configs/deepseek-v3.json v3 | mla-opt --mla-decompose | FileCheck %s --check-prefix=V3-DEC
# RUN: %python %s %mla_src_root/examples/configs/deepseek-v2-lite.json lite | mla-opt | FileCheck %s --check-prefix=LITE
# RUN: %python %s %mla_src_root/examples/configs/deepseek-v2-lite.json lite | mla-opt --mla-decompose | FileCheck %s --check-prefix=LITE-DEC
# RUN: %python %s %mla_src_root/examples/configs/deepseek-v2-lite.json bad | FileCheck %s --check-prefix=BAD

import sys

from mla import MLAConfig, block_module

cfg = MLAConfig.from_hf(sys.argv[1])
mode = sys.argv[2]
if mode == "v3":
    print(block_module(cfg, batch=4, tokens=1, page_size=64, pages=32, max_pages=8,
                       phase="decode"), end="")
elif mode == "lite":
    print(block_module(cfg, batch=2, tokens=16, page_size=16, pages=40, max_pages=4,
                       dtype="f32", dynamic=True, phase="prefill", func_name="lite_block"),
          end="")
else:
    for bad in (dict(batch=0), dict(dtype="f64"), dict(phase="chunked"),
                dict(func_name="1st"), dict(max_pages=2.5)):
        args = {**dict(batch=1, tokens=1, page_size=16, pages=4, max_pages=2), **bad}
        try:
            block_module(cfg, **args)
        except ValueError as error:
            print(f"error: {error}")

# GEN:      #config = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536, {{.*}}, yarn = #mla.yarn<factor = 40.0, {{.*}}>>
# GEN-NEXT: module {
# GEN-NEXT:   func.func @attention_block(
# GEN-NEXT:       %hidden: tensor<4x1x7168xbf16>,
# GEN-NEXT:       %positions: tensor<4x1xi32>,
# GEN-NEXT:       %w_dq: tensor<7168x1536xbf16>,
# GEN-NEXT:       %q_norm: tensor<1536xbf16>,
# GEN-NEXT:       %w_uq: tensor<1536x24576xbf16>,
# GEN-NEXT:       %w_dkv: tensor<7168x576xbf16>,
# GEN-NEXT:       %kv_norm: tensor<512xbf16>,
# GEN-NEXT:       %w_uk: tensor<128x512x128xbf16>,
# GEN-NEXT:       %w_uv: tensor<128x512x128xbf16>,
# GEN-NEXT:       %w_o: tensor<16384x7168xbf16>,
# GEN-NEXT:       %cache: tensor<32x64x576xbf16>,
# GEN-NEXT:       %block_table: tensor<4x8xi32>,
# GEN-NEXT:       %seq_lens: tensor<4xi32>)
# GEN-NEXT:       -> (tensor<4x1x7168xbf16>, tensor<32x64x576xbf16>) {
# GEN-NEXT:     %out, %new_cache = mla.attention_block %hidden, %positions
# GEN-NEXT:         weights(q_down = %w_dq, q_norm = %q_norm, q_up = %w_uq,
# GEN-NEXT:                 kv_down = %w_dkv, kv_norm = %kv_norm, k_up = %w_uk, v_up = %w_uv, out = %w_o)
# GEN-NEXT:         cache(%cache[%block_table, %seq_lens]) phase decode {config = #config}
# GEN:          return %out, %new_cache : tensor<4x1x7168xbf16>, tensor<32x64x576xbf16>

# V3:       #mla.yarn<factor = 4.000000e+01, original_max_position = 4096, mscale_all_dim = 1.000000e+00>
# V3:       #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128, yarn = #mla_yarn>
# V3-LABEL: func.func @attention_block(
# V3:       mla.attention_block {{.*}} weights(q_down = %arg2, q_norm = %arg3, q_up = %arg4, {{.*}} cache(%arg10[%arg11, %arg12]) phase decode
# V3-SAME:    -> (tensor<4x1x7168xbf16>, tensor<32x64x576xbf16>)

# V3-DEC-LABEL: func.func @attention_block(
# V3-DEC-NOT:   mla.attention_block
# V3-DEC:       %[[QN:.*]], %[[QPE:.*]] = mla.query_proj %arg0 down %arg2 norm %arg3 up %arg4 {{.*}} -> (tensor<4x1x128x128xbf16>, tensor<4x1x128x64xbf16>)
# V3-DEC:       %[[QROT:.*]] = mla.rope %[[QPE]], %arg1
# V3-DEC:       %[[CKV:.*]], %[[KPE:.*]] = mla.kv_compress %arg0 down %arg5 norm %arg6
# V3-DEC:       %[[KROT:.*]] = mla.rope %[[KPE]], %arg1
# V3-DEC:       %[[CACHE:.*]] = mla.cache.append %[[CKV]], %[[KROT]] into %arg10[%arg11, %arg12]
# V3-DEC:       mla.cache.gather %[[CACHE]][%arg11, %arg12] {{.*}} -> (tensor<4x512x512xbf16>, tensor<4x512x64xbf16>)
# V3-DEC:       mla.decompress key
# V3-DEC:       mla.decompress value
# V3-DEC:       %[[O:.*]] = mla.decompressed_attention %[[QN]], %[[QROT]], {{.*}} causal {{{.*}}mla.phase = #mla<phase decode>}
# V3-DEC:       %[[OUT:.*]] = mla.output_proj %[[O]], %arg9
# V3-DEC:       return %[[OUT]], %[[CACHE]]

# LITE:       #mla.yarn<factor = 4.000000e+01, original_max_position = 4096, mscale = 7.070000e-01, mscale_all_dim = 7.070000e-01>
# LITE:       #mla.config<heads = 16, hidden = 2048, kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128, yarn = #mla_yarn>
# LITE-LABEL: func.func @lite_block(%arg0: tensor<?x16x2048xf32>, %arg1: tensor<?x16xi32>, %arg2: tensor<2048x3072xf32>,
# LITE-SAME:    %arg8: tensor<?x16x576xf32>, %arg9: tensor<?x?xi32>, %arg10: tensor<?xi32>)
# LITE:       mla.attention_block %arg0, %arg1 weights({{ ?}}q_up = %arg2, kv_down = %arg3, {{.*}}) cache(%arg8[%arg9, %arg10]) phase prefill

# LITE-DEC-LABEL: func.func @lite_block(
# LITE-DEC:       mla.query_proj %arg0 up %arg2 {{.*}} -> (tensor<?x16x16x128xf32>, tensor<?x16x16x64xf32>)
# LITE-DEC:       mla.kv_compress %arg0 down %arg3 norm %arg4
# LITE-DEC:       mla.cache.gather {{.*}} -> (tensor<?x?x512xf32>, tensor<?x?x64xf32>)
# LITE-DEC:       mla.decompressed_attention {{.*}} causal {{{.*}}mla.phase = #mla<phase prefill>}
# LITE-DEC:       mla.output_proj

# BAD:      error: batch must be a positive integer, got 0
# BAD-NEXT: error: dtype must be one of bf16, f16, f32, got 'f64'
# BAD-NEXT: error: phase must be one of prefill, decode, got 'chunked'
# BAD-NEXT: error: func_name '1st' is not a valid symbol name
# BAD-NEXT: error: max_pages must be a positive integer, got 2.5
