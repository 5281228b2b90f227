// RUN: mla-opt %s --mla-gpu-pipeline='chip=sm_90a' | FileCheck %s

// The decode kernels are outlined under their roles' names (what ncu and
// compute-sanitizer print); a second decode in the same function gets
// uniqued modules, each kernel keeping its name. The generic path's kernels
// (here the final add) keep upstream's `<function>_kernel`.

// CHECK:      gpu.launch_func {{.*}} @decode_query_latent::@decode_query_latent
// CHECK:      gpu.launch_func {{.*}} @decode_attention::@decode_attention
// CHECK:      gpu.launch_func {{.*}} @decode_value::@decode_value
// CHECK:      gpu.launch_func {{.*}} @decode_query_latent_0::@decode_query_latent
// CHECK:      gpu.launch_func {{.*}} @decode_attention_1::@decode_attention
// CHECK:      gpu.launch_func {{.*}} @decode_combine_value::@decode_combine_value
// CHECK:      gpu.launch_func {{.*}} @decode_kernel::@decode_kernel

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
func.func @decode(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                  %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                  %cache: tensor<16x64x576xbf16>, %bt: tensor<2x8xi32>,
                  %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup, loads = tma>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<16x64x576xbf16>, tensor<2x8xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  %o2 = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 2, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup, loads = tma>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<16x64x576xbf16>, tensor<2x8xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  %s = arith.addf %o, %o2 : tensor<2x1x128x128xbf16>
  return %s : tensor<2x1x128x128xbf16>
}
