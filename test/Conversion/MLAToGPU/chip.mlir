// RUN: mla-opt %s --mla-set-target=chip=sm_90 --convert-mla-to-gpu --split-input-file | FileCheck %s --check-prefix=SM90
// RUN: mla-opt %s --mla-set-target=chip=sm_80 --convert-mla-to-gpu --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=SM80
// RUN: mla-opt %s --mla-set-target=chip=sm_90a --convert-mla-to-gpu --split-input-file | FileCheck %s --check-prefix=SM90A

// The chip bounds the tiles: 64 query rows, three 32-token stages and the
// score exchange (214.5 KiB) fit an H100's 227 KiB per block but not an
// A100's 163 KiB, where the op stays on the generic path with a remark.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// SM90-LABEL: func.func @decode
// SM90: mla.decode_kernel
// SM80-LABEL: func.func @decode
// SM80: mla.fused_decode
// SM80-NOT: mla.decode_kernel
// SM90A-LABEL: func.func @decode
// SM90A: mla.decode_kernel
func.func @decode(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                  %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                  %cache: tensor<8x64x576xbf16>, %bt: tensor<2x4xi32>,
                  %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: the tiles need 219648 bytes of shared memory, more than the target's 166912}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 32, heads_per_block = 64, stages = 3>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x64x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}

// -----

// The wgmma kernel (mma = warpgroup) needs the arch-specific sm_90a: on
// sm_90 and sm_80 the op stays on the generic path with a remark.
// (The verifier runs only the two runs that check remarks.)
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// SM90-LABEL: func.func @warpgroup
// SM90: mla.fused_decode
// SM90-NOT: mla.decode_kernel
// SM80-LABEL: func.func @warpgroup
// SM80: mla.fused_decode
// SM80-NOT: mla.decode_kernel
// SM90A-LABEL: func.func @warpgroup
// SM90A: mla.decode_kernel {{.*}} tiling <splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup>
func.func @warpgroup(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                     %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                     %cache: tensor<8x64x576xbf16>, %bt: tensor<2x4xi32>,
                     %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: mma = warpgroup needs wgmma (chip sm_90a), not sm_80}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x64x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}

// -----

// The weight products' CTAs count too. With two splits the value product
// combines them in a resident [64, L + 8] tile beside three weight stages:
// 176128 bytes for a 1152-wide latent, over an A100's 166912, though the
// attention's 16-row tiles fit; an H100 takes it.
#wide = #mla.config<heads = 16, hidden = 2048, q_lora_rank = 0,
                    kv_lora_rank = 1152, qk_nope_dim = 128, qk_rope_dim = 64,
                    v_head_dim = 128>
// SM90-LABEL: func.func @wide_latent
// SM90: mla.decode_kernel
// SM80-LABEL: func.func @wide_latent
// SM80: mla.fused_decode
// SM80-NOT: mla.decode_kernel
// SM90A-LABEL: func.func @wide_latent
// SM90A: mla.decode_kernel
func.func @wide_latent(%q_nope: tensor<2x1x16x128xbf16>, %q_pe: tensor<2x1x16x64xbf16>,
                       %wuk: tensor<16x1152x128xbf16>, %wuv: tensor<16x1152x128xbf16>,
                       %cache: tensor<8x64x1216xbf16>, %bt: tensor<2x4xi32>,
                       %lens: tensor<2xi32>) -> tensor<2x1x16x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: the weight products need 176128 bytes of shared memory, more than the target's 166912}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 2, block_tokens = 16, heads_per_block = 16, stages = 2>
      {config = #wide}
      : (tensor<2x1x16x128xbf16>, tensor<2x1x16x64xbf16>, tensor<16x1152x128xbf16>,
         tensor<16x1152x128xbf16>, tensor<8x64x1216xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x16x128xbf16>
  return %o : tensor<2x1x16x128xbf16>
}
