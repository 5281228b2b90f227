// RUN: mla-opt %s --mla-set-target=chip=sm_90a --convert-mla-to-gpu --split-input-file -verify-diagnostics | FileCheck %s

// convert-mla-to-gpu with mma = warpgroup (the wgmma kernel, sm_90a): the
// kernel computes a full wgmma M of 64 query rows per CTA (fewer are
// padded); shapes outside its layouts stay on the generic path with a
// remark.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @rows_64
// CHECK: mla.decode_kernel {{.*}} tiling <splits = 2, block_tokens = 32, heads_per_block = 32, stages = 3, mma = warpgroup>
func.func @rows_64(%q_nope: tensor<2x2x128x128xbf16>, %q_pe: tensor<2x2x128x64xbf16>,
                   %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                   %cache: tensor<8x64x576xbf16>, %bt: tensor<2x4xi32>,
                   %lens: tensor<2xi32>) -> tensor<2x2x128x128xbf16> {
  // Two queries × 32 heads per CTA.
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] causal
      tiling #mla.decode_tiling<splits = 2, block_tokens = 32, heads_per_block = 32, stages = 3, mma = warpgroup>
      {config = #v3}
      : (tensor<2x2x128x128xbf16>, tensor<2x2x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x64x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x2x128x128xbf16>
  return %o : tensor<2x2x128x128xbf16>
}

// -----

// Sixteen heads: 16 query rows per CTA, padded to the wgmma M of 64 (the
// shape is memory-bound; the padding's FLOPs are free).
#h16 = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536,
                   kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                   v_head_dim = 128>
// CHECK-LABEL: func.func @rows_16
// CHECK: mla.decode_kernel {{.*}} tiling <splits = 1, block_tokens = 64, heads_per_block = 16, stages = 2, mma = warpgroup>
func.func @rows_16(%q_nope: tensor<2x1x16x128xbf16>, %q_pe: tensor<2x1x16x64xbf16>,
                   %wuk: tensor<16x512x128xbf16>, %wuv: tensor<16x512x128xbf16>,
                   %cache: tensor<8x64x576xbf16>, %bt: tensor<2x4xi32>,
                   %lens: tensor<2xi32>) -> tensor<2x1x16x128xbf16> {
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 16, stages = 2, mma = warpgroup>
      {config = #h16}
      : (tensor<2x1x16x128xbf16>, tensor<2x1x16x64xbf16>, tensor<16x512x128xbf16>,
         tensor<16x512x128xbf16>, tensor<8x64x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x16x128xbf16>
  return %o : tensor<2x1x16x128xbf16>
}

// -----

// A latent whose halves are not a wgmma N (kv_lora_rank 640: 320 > 256).
#wide = #mla.config<heads = 64, hidden = 7168, q_lora_rank = 1536,
                    kv_lora_rank = 640, qk_nope_dim = 128, qk_rope_dim = 64,
                    v_head_dim = 128>
// CHECK-LABEL: func.func @wide_latent
// CHECK-NOT: mla.decode_kernel
func.func @wide_latent(%q_nope: tensor<2x1x64x128xbf16>, %q_pe: tensor<2x1x64x64xbf16>,
                       %wuk: tensor<64x640x128xbf16>, %wuv: tensor<64x640x128xbf16>,
                       %cache: tensor<8x64x704xbf16>, %bt: tensor<2x4xi32>,
                       %lens: tensor<2xi32>) -> tensor<2x1x64x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: mma = warpgroup needs kv_lora_rank a multiple of 128 up to 512}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup>
      {config = #wide}
      : (tensor<2x1x64x128xbf16>, tensor<2x1x64x64xbf16>, tensor<64x640x128xbf16>,
         tensor<64x640x128xbf16>, tensor<8x64x704xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x64x128xbf16>
  return %o : tensor<2x1x64x128xbf16>
}

// -----

// Three stages of 64-token swizzled tiles (73.5 KiB each) do not fit.
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @too_many_stages
// CHECK-NOT: mla.decode_kernel
func.func @too_many_stages(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                           %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                           %cache: tensor<8x64x576xbf16>, %bt: tensor<2x4xi32>,
                           %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: the tiles need 304896 bytes of shared memory, more than the target's 232448}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 3, mma = warpgroup>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x64x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}

// -----

// TMA loads need pages of whole tiles, or tiles of whole pages of a
// multiple of 8 tokens: not pages of 24 tokens under 64-token tiles.
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @tma_page_24
// CHECK-NOT: mla.decode_kernel
func.func @tma_page_24(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                       %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                       %cache: tensor<8x24x576xbf16>, %bt: tensor<2x4xi32>,
                       %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: loads = tma needs pages of whole tiles or tiles of whole pages of a multiple of 8 tokens (page size 24, block_tokens 64)}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup, loads = tma>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x24x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}

// -----

// Pages of 16 tokens under 32-token tiles: two boxes per atom and tile.
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @tma_page_16
// CHECK: mla.decode_kernel {{.*}} tiling <splits = 1, block_tokens = 32, heads_per_block = 64, stages = 2, mma = warpgroup, loads = tma>
func.func @tma_page_16(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                       %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                       %cache: tensor<8x16x576xbf16>, %bt: tensor<2x4xi32>,
                       %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 32, heads_per_block = 64, stages = 2, mma = warpgroup, loads = tma>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x16x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}
