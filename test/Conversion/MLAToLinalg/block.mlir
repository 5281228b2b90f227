// RUN: mla-opt %s --convert-mla-to-linalg --split-input-file | FileCheck %s
// RUN: mla-opt %s --convert-mla-to-linalg --split-input-file | FileCheck %s --check-prefix=NO-MLA

// mla.attention_block is lowered through its definition (the mla-decompose
// pattern, then the primitives' lowerings): the cache is appended to first,
// the attention reads the appended cache, causally, and the block returns
// the output projection and the appended cache. No mla op is left anywhere
// (the assert messages name mla.cache.append, followed by a colon).
// NO-MLA-NOT: {{mla\.[a-z_.]+ }}

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @block
// CHECK-SAME: %[[CACHE:[^:]*]]: tensor<8x4x20xf32>, %[[BT:[^:]*]]: tensor<2x4xi32>, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK:      math.rsqrt
// CHECK:      math.cos
// CHECK:      math.rsqrt
// CHECK:      math.cos
// CHECK:      %[[NEW:.*]] = scf.forall {{.*}} shared_outs(%{{.*}} = %[[CACHE]]) -> (tensor<8x4x20xf32>)
// CHECK-COUNT-3: cf.assert
// CHECK:      linalg.generic {{.*}} outs(%{{.*}} : tensor<2x16x20xf32>)
// CHECK:        tensor.extract %[[NEW]]
// CHECK:      arith.cmpi sle
// CHECK:      math.exp
// CHECK:      %[[OUT:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK:      return %[[OUT]], %[[NEW]] : tensor<2x1x32xf32>, tensor<8x4x20xf32>
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

// -----

// bf16, no query compression (one RMSNorm only), decode phase: the cache is
// written in bf16, the output truncated to bf16.
#small_nq = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                        qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @block_bf16
// CHECK-SAME: %[[CACHE:[^:]*]]: tensor<8x4x20xbf16>, %[[BT:[^:]*]]: tensor<2x4xi32>, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK-COUNT-1: math.rsqrt
// CHECK-NOT:  math.rsqrt
// CHECK:      %[[NEW:.*]] = scf.forall {{.*}} shared_outs(%{{.*}} = %[[CACHE]]) -> (tensor<8x4x20xbf16>)
// CHECK:        tensor.extract_slice %{{.*}} : tensor<2x1x20xbf16> to tensor<1x1x20xbf16>
// CHECK:        tensor.parallel_insert_slice %{{.*}} : tensor<1x1x20xbf16> into tensor<8x4x20xbf16>
// CHECK:      tensor.extract %[[NEW]]
// CHECK:      %[[OUT:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x1x32xbf16>)
// CHECK:        arith.truncf %{{.*}} : f32 to bf16
// CHECK:      return %[[OUT]], %[[NEW]] : tensor<2x1x32xbf16>, tensor<8x4x20xbf16>
func.func @block_bf16(%h: tensor<2x1x32xbf16>, %pos: tensor<2x1xi32>,
    %wuq: tensor<32x24xbf16>, %wdkv: tensor<32x20xbf16>, %kvn: tensor<16xbf16>,
    %wuk: tensor<2x16x8xbf16>, %wuv: tensor<2x16x8xbf16>, %wo: tensor<16x32xbf16>,
    %cache: tensor<8x4x20xbf16>, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> (tensor<2x1x32xbf16>, tensor<8x4x20xbf16>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_up = %wuq, kv_down = %wdkv, kv_norm = %kvn, k_up = %wuk,
              v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) phase decode {config = #small_nq}
      : (tensor<2x1x32xbf16>, tensor<2x1xi32>, tensor<32x24xbf16>,
         tensor<32x20xbf16>, tensor<16xbf16>, tensor<2x16x8xbf16>,
         tensor<2x16x8xbf16>, tensor<16x32xbf16>, tensor<8x4x20xbf16>,
         tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x1x32xbf16>, tensor<8x4x20xbf16>)
  return %out, %cache1 : tensor<2x1x32xbf16>, tensor<8x4x20xbf16>
}

// -----

// Dynamic batch, tokens, pages and pages per request.
#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @block_dynamic
// CHECK-SAME: (%[[H:[^:]*]]: tensor<?x?x32xf32>
// CHECK-SAME: %[[CACHE:[^:]*]]: tensor<?x4x20xf32>, %[[BT:[^:]*]]: tensor<?x?xi32>, %[[LENS:[^:]*]]: tensor<?xi32>)
// CHECK:      tensor.dim %[[H]]
// CHECK:      %[[NEW:.*]] = scf.forall {{.*}} shared_outs(%{{.*}} = %[[CACHE]]) -> (tensor<?x4x20xf32>)
// CHECK:      tensor.dim %[[BT]]
// CHECK:      tensor.extract %[[NEW]]
// CHECK:      return %{{.*}}, %[[NEW]] : tensor<?x?x32xf32>, tensor<?x4x20xf32>
func.func @block_dynamic(%h: tensor<?x?x32xf32>, %pos: tensor<?x?xi32>,
    %wdq: tensor<32x16xf32>, %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>,
    %wdkv: tensor<32x20xf32>, %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %wo: tensor<16x32xf32>,
    %cache: tensor<?x4x20xf32>, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>)
    -> (tensor<?x?x32xf32>, tensor<?x4x20xf32>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #small}
      : (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<16x32xf32>, tensor<?x4x20xf32>,
         tensor<?x?xi32>, tensor<?xi32>) -> (tensor<?x?x32xf32>, tensor<?x4x20xf32>)
  return %out, %cache1 : tensor<?x?x32xf32>, tensor<?x4x20xf32>
}

// -----

// Ops of other dialects are left as they are, around the lowered mla op.
// CHECK-LABEL: func.func @others_untouched
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x16xf32>, %[[W:[^:]*]]: tensor<16xf32>, %[[I:[^:]*]]: index)
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[X]], %[[X]] : tensor<4x16xf32>
// CHECK-NEXT: %[[MUL:.*]] = linalg.mul ins(%[[SUM]], %[[SUM]] : tensor<4x16xf32>, tensor<4x16xf32>) outs(%[[X]] : tensor<4x16xf32>) -> tensor<4x16xf32>
// CHECK:      %[[NORM:.*]] = linalg.generic {{.*}} ins(%[[MUL]], %{{.*}}, %[[W]] :
// CHECK:      %[[E:.*]] = tensor.extract %[[NORM]][%[[I]], %[[I]]] : tensor<4x16xf32>
// CHECK-NEXT: %[[R:.*]] = math.sqrt %[[E]] : f32
// CHECK-NEXT: return %[[R]] : f32
func.func @others_untouched(%x: tensor<4x16xf32>, %w: tensor<16xf32>,
                            %i: index) -> f32 {
  %0 = arith.addf %x, %x : tensor<4x16xf32>
  %1 = linalg.mul ins(%0, %0 : tensor<4x16xf32>, tensor<4x16xf32>)
                  outs(%x : tensor<4x16xf32>) -> tensor<4x16xf32>
  %2 = mla.rms_norm %1, %w {epsilon = 1.0e-06 : f64}
      : tensor<4x16xf32>, tensor<16xf32>
  %3 = tensor.extract %2[%i, %i] : tensor<4x16xf32>
  %4 = math.sqrt %3 : f32
  return %4 : f32
}
