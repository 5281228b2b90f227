// RUN: mla-opt %s --convert-mla-to-gpu --split-input-file -verify-diagnostics | FileCheck %s
// RUN: mla-opt %s --convert-mla-to-gpu='prefill-kernels=false' --split-input-file | FileCheck %s --check-prefix=OFF

// convert-mla-to-gpu: an mla.fused_prefill the prefill kernels take (bf16,
// wgmma on sm_90a, dims in 64-element atoms) becomes an mla.prefill_kernel
// on its operands' buffers, writing a new buffer returned as the result;
// one they cannot take stays, with a remark saying why.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @prefill
// CHECK:       %[[OUT:.*]] = memref.alloc() : memref<1x256x128x128xbf16>
// CHECK:       mla.prefill_kernel {{.*}} into %[[OUT]] causal tiling <block_queries = 128, block_keys = 64, prefix_chunk = 4096>
// CHECK-SAME:    memref<1x256x128x128xbf16>
// CHECK:       bufferization.to_tensor %[[OUT]]
// CHECK-NOT:   mla.fused_prefill
// OFF-LABEL:   func.func @prefill
// OFF:         mla.fused_prefill
// OFF-NOT:     mla.prefill_kernel
func.func @prefill(%qn: tensor<1x256x128x128xbf16>, %qpe: tensor<1x256x128x64xbf16>,
                   %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                   %cache: tensor<8x64x576xbf16>, %bt: tensor<1x4xi32>,
                   %lens: tensor<1xi32>) -> tensor<1x256x128x128xbf16> {
  %o = mla.fused_prefill %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens] causal
      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 64, prefix_chunk = 4096>
      {config = #v3}
      : (tensor<1x256x128x128xbf16>, tensor<1x256x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x64x576xbf16>, tensor<1x4xi32>, tensor<1xi32>)
      -> tensor<1x256x128x128xbf16>
  return %o : tensor<1x256x128x128xbf16>
}

// -----

// Varlen: the packed [X, H, V] result, X from q_nope; query_starts passed on.
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @prefill_varlen
// CHECK-SAME:  %[[QN:[a-z0-9]+]]: tensor<?x128x128xbf16>
// CHECK:       %[[QNB:.*]] = bufferization.to_buffer %[[QN]]
// CHECK:       %[[X:.*]] = memref.dim %[[QNB]], %c0
// CHECK:       %[[OUT:.*]] = memref.alloc(%[[X]]) : memref<?x128x128xbf16>
// CHECK:       %[[QS:.*]] = bufferization.to_buffer %arg7 read_only : tensor<3xi32> to memref<3xi32>
// CHECK:       mla.prefill_kernel {{.*}} query_starts(%[[QS]]) into %[[OUT]] causal
// CHECK:       bufferization.to_tensor %[[OUT]]
// CHECK-NOT:   mla.fused_prefill
func.func @prefill_varlen(%qn: tensor<?x128x128xbf16>, %qpe: tensor<?x128x64xbf16>,
                          %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                          %cache: tensor<8x64x576xbf16>, %bt: tensor<2x4xi32>,
                          %lens: tensor<2xi32>, %qs: tensor<3xi32>) -> tensor<?x128x128xbf16> {
  %o = mla.fused_prefill %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens] query_starts(%qs) causal
      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 64, prefix_chunk = 4096>
      {config = #v3}
      : (tensor<?x128x128xbf16>, tensor<?x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x64x576xbf16>, tensor<2x4xi32>, tensor<2xi32>,
         tensor<3xi32>) -> tensor<?x128x128xbf16>
  return %o : tensor<?x128x128xbf16>
}

// -----

// f32 has no tensor-core kernel.
#small = #mla.config<heads = 2, hidden = 64, q_lora_rank = 0,
                     kv_lora_rank = 64, qk_nope_dim = 64, qk_rope_dim = 64,
                     v_head_dim = 64>
// CHECK-LABEL: func.func @f32_prefill
// CHECK:       mla.fused_prefill
func.func @f32_prefill(%qn: tensor<1x8x2x64xf32>, %qpe: tensor<1x8x2x64xf32>,
                       %wuk: tensor<2x64x64xf32>, %wuv: tensor<2x64x64xf32>,
                       %cache: tensor<4x4x128xf32>, %bt: tensor<1x4xi32>,
                       %lens: tensor<1xi32>) -> tensor<1x8x2x64xf32> {
  // expected-remark @below {{fused_prefill stays on the generic GPU path: the tensor cores take bf16 or f16, not f32}}
  %o = mla.fused_prefill %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens] causal
      tiling #mla.prefill_tiling<block_queries = 64, block_keys = 64, prefix_chunk = 16>
      {config = #small}
      : (tensor<1x8x2x64xf32>, tensor<1x8x2x64xf32>, tensor<2x64x64xf32>,
         tensor<2x64x64xf32>, tensor<4x4x128xf32>, tensor<1x4xi32>, tensor<1xi32>)
      -> tensor<1x8x2x64xf32>
  return %o : tensor<1x8x2x64xf32>
}

// -----

// A rope dimension that is not a whole 64-element atom.
#rope32 = #mla.config<heads = 2, hidden = 64, q_lora_rank = 0,
                      kv_lora_rank = 64, qk_nope_dim = 64, qk_rope_dim = 32,
                      v_head_dim = 64>
func.func @rope32_prefill(%qn: tensor<1x8x2x64xbf16>, %qpe: tensor<1x8x2x32xbf16>,
                          %wuk: tensor<2x64x64xbf16>, %wuv: tensor<2x64x64xbf16>,
                          %cache: tensor<4x4x96xbf16>, %bt: tensor<1x4xi32>,
                          %lens: tensor<1xi32>) -> tensor<1x8x2x64xbf16> {
  // expected-remark @below {{fused_prefill stays on the generic GPU path: the prefill kernel needs qk_nope_dim (64), qk_rope_dim (32) and v_head_dim (64) in 64-element atoms, v_head_dim at most 256 and kv_lora_rank a multiple of 8}}
  %o = mla.fused_prefill %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens] causal
      tiling #mla.prefill_tiling<block_queries = 64, block_keys = 64, prefix_chunk = 16>
      {config = #rope32}
      : (tensor<1x8x2x64xbf16>, tensor<1x8x2x32xbf16>, tensor<2x64x64xbf16>,
         tensor<2x64x64xbf16>, tensor<4x4x96xbf16>, tensor<1x4xi32>, tensor<1xi32>)
      -> tensor<1x8x2x64xbf16>
  return %o : tensor<1x8x2x64xbf16>
}

// -----

// 128 × 128 tiles of 256-wide heads (qk_nope_dim = v_head_dim = 256) need
// more shared memory than sm_90a has: Q 80 KiB, two stages of K (80 KiB)
// and V (64 KiB) and the swizzle's 1 KiB of alignment slack. (V3's dims fit
// at 128 × 128: 209 KiB, P staying in registers.)
#wide = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                    kv_lora_rank = 512, qk_nope_dim = 256, qk_rope_dim = 64,
                    v_head_dim = 256>
func.func @big_tiles(%qn: tensor<1x256x128x256xbf16>, %qpe: tensor<1x256x128x64xbf16>,
                     %wuk: tensor<128x512x256xbf16>, %wuv: tensor<128x512x256xbf16>,
                     %cache: tensor<8x64x576xbf16>, %bt: tensor<1x4xi32>,
                     %lens: tensor<1xi32>) -> tensor<1x256x128x256xbf16> {
  // expected-remark @below {{fused_prefill stays on the generic GPU path: the prefill tiles need 377856 bytes of shared memory, more than the target's 232448}}
  %o = mla.fused_prefill %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens] causal
      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096>
      {config = #wide}
      : (tensor<1x256x128x256xbf16>, tensor<1x256x128x64xbf16>, tensor<128x512x256xbf16>,
         tensor<128x512x256xbf16>, tensor<8x64x576xbf16>, tensor<1x4xi32>, tensor<1xi32>)
      -> tensor<1x256x128x256xbf16>
  return %o : tensor<1x256x128x256xbf16>
}

// -----

// The warp-specialised kernel's consumers take turns: it needs two of them
// (block_queries 128); 64-row blocks stay generic.
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
func.func @producer_one_consumer(%qn: tensor<1x64x128x128xbf16>, %qpe: tensor<1x64x128x64xbf16>,
                                 %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                                 %cache: tensor<8x64x576xbf16>, %bt: tensor<1x4xi32>,
                                 %lens: tensor<1xi32>) -> tensor<1x64x128x128xbf16> {
  // expected-remark @below {{fused_prefill stays on the generic GPU path: the warp-specialised prefill kernel takes block_queries 128 (two consumer warpgroups), not 64}}
  %o = mla.fused_prefill %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens] causal
      tiling #mla.prefill_tiling<block_queries = 64, block_keys = 128, prefix_chunk = 4096, loads = tma, producer = true>
      {config = #v3}
      : (tensor<1x64x128x128xbf16>, tensor<1x64x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x64x576xbf16>, tensor<1x4xi32>, tensor<1xi32>)
      -> tensor<1x64x128x128xbf16>
  return %o : tensor<1x64x128x128xbf16>
}
