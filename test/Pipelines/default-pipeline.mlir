// RUN: mla-opt %s --mla-pipeline | FileCheck %s
// RUN: mla-opt %s --pass-pipeline='builtin.module(mla-pipeline)' | FileCheck %s

// The default pipeline turns a block into primitives; the two attention
// forms share one cache gather (CSE) and nothing of the block remains.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @block
// CHECK-NOT:   mla.attention_block
// CHECK:       mla.query_proj
// CHECK:       mla.kv_compress
// CHECK:       mla.cache.append
// CHECK-COUNT-1: mla.cache.gather
// CHECK-COUNT-2: mla.decompress
// CHECK:       mla.decompressed_attention {{.*}} causal
// CHECK:       mla.output_proj
// CHECK-NOT:   mla.attention_block
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
