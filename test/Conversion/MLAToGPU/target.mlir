// RUN: mla-opt %s --convert-mla-to-gpu -verify-diagnostics | FileCheck %s

// The module's own #mla.target bounds the kernels, not a preset: with
// 200000 bytes of shared memory per CTA (less than the H100's 232448), the
// wgmma tiling of 64-token tiles (231184 bytes) stays on the generic path.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
module attributes {mla.target = #mla.target<name = "lab-h100", chip = "sm_90a", sms = 132, shared_memory = 200000, registers = 65536, bandwidth = 3.1e12, tensor_rate = 6.5e14, f32_rate = 5.0e13>} {
// CHECK-LABEL: func.func @decode
// CHECK: mla.fused_decode
// CHECK-NOT: mla.decode_kernel
func.func @decode(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                  %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                  %cache: tensor<8x64x576xbf16>, %bt: tensor<2x4xi32>,
                  %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: the tiles need 231184 bytes of shared memory, more than the target's 200000}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup, loads = tma>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x64x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}
}
