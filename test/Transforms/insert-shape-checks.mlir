// RUN: mla-opt %s --mla-insert-shape-checks --split-input-file | FileCheck %s

// Dynamic sizes checked when the program runs, from the ops' shape
// signatures: every dimension of a letter equal to the first, config letters
// equal to the config, batch/tokens/pages non-zero. Sizes are traced through
// the mla ops that carry them, so that the checks compare arguments, at the
// function's entry, once each.

#c = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                 qk_rope_dim = 4, v_head_dim = 8>

// The batch of the block table and the lengths against the hidden states'
// (traced through kv_compress and rope); the pages and pages per request
// non-zero; the cache's static G and L+R need nothing.
// CHECK-LABEL: func.func @append
// CHECK-SAME:    (%[[H:[^:]*]]: tensor<?x1x32xf32>, %[[POS:[^:]*]]: tensor<?x1xi32>, %{{[^:]*}}: tensor<32x20xf32>, %{{[^:]*}}: tensor<16xf32>, %[[CACHE:[^:]*]]: tensor<?x4x20xf32>, %[[BT:[^:]*]]: tensor<?x?xi32>, %[[LENS:[^:]*]]: tensor<?xi32>)
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK:         %[[B:.*]] = tensor.dim %[[H]], %{{.*}} : tensor<?x1x32xf32>
// CHECK:         %[[NZ:.*]] = arith.cmpi ne, %[[B]], %[[C0]]
// CHECK:         cf.assert %[[NZ]], "'mla.kv_compress' expects hidden (argument #0 of @append) dim 0 (B: batch) to be non-zero"
// CHECK:         %[[PB:.*]] = tensor.dim %[[POS]]
// CHECK:         %[[HB:.*]] = tensor.dim %[[H]]
// CHECK:         %[[EQ:.*]] = arith.cmpi eq, %[[PB]], %[[HB]]
// CHECK:         cf.assert %[[EQ]], "'mla.rope' expects positions (argument #1 of @append) dim 0 (B: batch) to equal hidden (argument #0 of @append) dim 0"
// CHECK:         cf.assert %{{.*}}, "'mla.cache.append' expects cache (argument #4 of @append) dim 0 (P: pages) to be non-zero"
// CHECK:         cf.assert %{{.*}}, "'mla.cache.append' expects block_table (argument #5 of @append) dim 0 (B: batch) to equal hidden (argument #0 of @append) dim 0"
// CHECK:         cf.assert %{{.*}}, "'mla.cache.append' expects block_table (argument #5 of @append) dim 1 (M: pages per request) to be non-zero"
// CHECK:         cf.assert %{{.*}}, "'mla.cache.append' expects seq_lens (argument #6 of @append) dim 0 (B: batch) to equal hidden (argument #0 of @append) dim 0"
// CHECK-NOT:     cf.assert
// CHECK:         mla.kv_compress
func.func @append(%h: tensor<?x1x32xf32>, %pos: tensor<?x1xi32>, %w: tensor<32x20xf32>,
                  %n: tensor<16xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<?x?xi32>,
                  %lens: tensor<?xi32>) -> tensor<?x4x20xf32> {
  %c_kv, %k_pe = mla.kv_compress %h down %w norm %n {config = #c}
      : (tensor<?x1x32xf32>, tensor<32x20xf32>, tensor<16xf32>) -> (tensor<?x1x16xf32>, tensor<?x1x4xf32>)
  %k = mla.rope %k_pe, %pos {config = #c} : tensor<?x1x4xf32>, tensor<?x1xi32>
  %new = mla.cache.append %c_kv, %k into %cache[%bt, %lens] {config = #c}
      : tensor<?x1x16xf32>, tensor<?x1x4xf32> into tensor<?x4x20xf32>, tensor<?x?xi32>, tensor<?xi32>
  return %new : tensor<?x4x20xf32>
}

// -----

#c = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                 qk_rope_dim = 4, v_head_dim = 8>

// A weight of dynamic width: its columns must be heads·(N + R) = 24. A
// static batch needs no check.
// CHECK-LABEL: func.func @weight
// CHECK-SAME:    (%{{[^:]*}}: tensor<2x3x32xf32>, %[[W:[^:]*]]: tensor<32x?xf32>)
// CHECK:         %[[C24:.*]] = arith.constant 24 : index
// CHECK:         %[[D:.*]] = tensor.dim %[[W]], %{{.*}} : tensor<32x?xf32>
// CHECK:         %[[OK:.*]] = arith.cmpi eq, %[[D]], %[[C24]]
// CHECK:         cf.assert %[[OK]], "'mla.query_proj' expects up (argument #1 of @weight) dim 1 (H*(N+R)) to be 24 (heads * (qk_nope_dim + qk_rope_dim))"
// CHECK-NOT:     cf.assert
func.func @weight(%h: tensor<2x3x32xf32>, %w: tensor<32x?xf32>) -> (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>) {
  %n, %p = mla.query_proj %h up %w {config = #c} : (tensor<2x3x32xf32>, tensor<32x?xf32>) -> (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>)
  return %n, %p : tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>
}

// -----

// Leading dims of an RMSNorm are free; its normalised dim must be the
// weight's. A value computed in the function is checked where the op is.
// CHECK-LABEL: func.func @computed
// CHECK:         %[[X:.*]] = tensor.empty
// CHECK:         cf.assert %{{.*}}, "'mla.rms_norm' expects weight (argument #1 of @computed) dim 0 (C: normalised dim) to equal input dim 2"
// CHECK-NEXT:    mla.rms_norm %[[X]]
func.func @computed(%d: index, %w: tensor<?xf32>) -> tensor<2x?x?xf32> {
  %x = tensor.empty(%d, %d) : tensor<2x?x?xf32>
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-06 : f64} : tensor<2x?x?xf32>, tensor<?xf32>
  return %0 : tensor<2x?x?xf32>
}

// -----

// Static sizes everywhere: nothing to check.
#c = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                 qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @static
// CHECK-NOT:     cf.assert
func.func @static(%x: tensor<2x1x4xf32>, %pos: tensor<2x1xi32>) -> tensor<2x1x4xf32> {
  %0 = mla.rope %x, %pos {config = #c} : tensor<2x1x4xf32>, tensor<2x1xi32>
  return %0 : tensor<2x1x4xf32>
}

// -----

#c = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                 qk_rope_dim = 4, v_head_dim = 8>

// Varlen: query_starts has one entry more than the requests (the lengths'
// count here), checked where either is dynamic.
// CHECK-LABEL: func.func @varlen_starts
// CHECK-SAME:    %[[BT:[^:]*]]: tensor<?x?xi32>, %[[LENS:[^:]*]]: tensor<?xi32>, %[[QS:[^:]*]]: tensor<?xi32>)
// CHECK:         cf.assert %{{.*}}, "'mla.fused_prefill' expects query_starts (argument #7 of @varlen_starts) dim 0 (B+1: batch + 1) to be non-zero"
// CHECK:         %[[S:.*]] = tensor.dim %[[QS]], %{{.*}} : tensor<?xi32>
// CHECK:         %[[B:.*]] = tensor.dim %[[BT]], %{{.*}} : tensor<?x?xi32>
// CHECK-NEXT:    %[[B1:.*]] = arith.addi %[[B]], %{{.*}} : index
// CHECK-NEXT:    %[[EQ:.*]] = arith.cmpi eq, %[[S]], %[[B1]] : index
// CHECK:         cf.assert %[[EQ]], "'mla.fused_prefill' expects query_starts (argument #7 of @varlen_starts) dim 0 (B+1: batch + 1) to equal block_table (argument #5 of @varlen_starts) dim 0 + 1"
// CHECK:         mla.fused_prefill
func.func @varlen_starts(%qn: tensor<?x2x8xf32>, %qpe: tensor<?x2x4xf32>,
                         %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
                         %cache: tensor<8x4x20xf32>, %bt: tensor<?x?xi32>,
                         %lens: tensor<?xi32>, %qs: tensor<?xi32>) -> tensor<?x2x8xf32> {
  %o = mla.fused_prefill %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens] query_starts(%qs) causal
      tiling #mla.prefill_tiling<block_queries = 64, block_keys = 16, prefix_chunk = 8>
      {config = #c}
      : (tensor<?x2x8xf32>, tensor<?x2x4xf32>, tensor<2x16x8xf32>, tensor<2x16x8xf32>,
         tensor<8x4x20xf32>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x2x8xf32>
  return %o : tensor<?x2x8xf32>
}
