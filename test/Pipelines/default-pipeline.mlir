// RUN: mla-opt %s --mla-pipeline | FileCheck %s --check-prefix=AUTO
// RUN: mla-opt %s --pass-pipeline='builtin.module(mla-pipeline)' | FileCheck %s --check-prefix=AUTO
// RUN: mla-opt %s --mla-pipeline='phase=prefill' | FileCheck %s --check-prefix=PREFILL
// RUN: mla-opt %s --mla-pipeline='phase=decode fuse=false' | FileCheck %s --check-prefix=UNFUSED
// RUN: not mla-opt %s --mla-pipeline='target=tpu' 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not mla-opt %s --mla-pipeline='phase=sometimes' 2>&1 | FileCheck %s --check-prefix=PHASE

// The default pipeline: the block becomes primitives, the cost model picks
// the absorbed form for one query per request against the cache (decode),
// absorption rewrites the attention and fusion makes it one op with a
// tiling. Forcing prefill keeps the decompressed form, fused with its own
// tiling; without fusion the absorbed primitives stay.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// AUTO-LABEL: func.func @block
// AUTO-NOT:   mla.attention_block
// AUTO:       mla.query_proj
// AUTO:       mla.kv_compress
// AUTO:       mla.cache.append
// AUTO-NOT:   mla.cache.gather
// AUTO-NOT:   mla.decompress
// AUTO:       mla.fused_decode {{.*}} causal tiling <splits = {{[0-9]+}}, block_tokens = 32, heads_per_block = 2, stages = {{[2-4]}}> {{.*}}mla.phase = #mla<phase decode>
// AUTO:       mla.output_proj

// PREFILL-LABEL: func.func @block
// PREFILL:       mla.fused_prefill {{.*}} causal tiling <block_queries = 64, block_keys = 128, prefix_chunk = {{[0-9]+}}> {{.*}}mla.phase = #mla<phase prefill>
// PREFILL-NOT:   mla.fused_decode

// UNFUSED-LABEL: func.func @block
// UNFUSED:       mla.query_to_latent
// UNFUSED:       mla.latent_attention
// UNFUSED:       mla.latent_to_value
// UNFUSED-NOT:   mla.fused_

// TARGET: unknown target 'tpu' (known: h100, h200, a100)
// PHASE: for the --phase option: Cannot find option named 'sometimes'!
func.func @block(%h: tensor<2x1x32xf32>, %pos: tensor<2x1xi32>,
    %wdq: tensor<32x16xf32>, %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>,
    %wdkv: tensor<32x20xf32>, %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %wo: tensor<16x32xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> (tensor<2x1x32xf32>, tensor<8x4x20xf32>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #small}
      : (tensor<2x1x32xf32>, tensor<2x1xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<16x32xf32>, tensor<8x4x20xf32>,
         tensor<2x4xi32>, tensor<2xi32>) -> (tensor<2x1x32xf32>, tensor<8x4x20xf32>)
  return %out, %cache1 : tensor<2x1x32xf32>, tensor<8x4x20xf32>
}
