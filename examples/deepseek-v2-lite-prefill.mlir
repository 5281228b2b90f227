// One DeepSeek-V2-Lite MLA block in a prefill step: 4 requests of 128 new
// tokens each, no query compression (q = h · W_Q), f32, a paged latent cache
// of 64 pages of 16 tokens. Weights are [in, out]; see docs/rationale.md.
//
//   mla-opt --mla-pipeline examples/deepseek-v2-lite-prefill.mlir

#v2_lite = #mla.config<heads = 16, hidden = 2048, kv_lora_rank = 512,
                       qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128,
                       yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                        mscale = 0.707, mscale_all_dim = 0.707>>
func.func @deepseek_v2_lite_prefill(
    %h: tensor<4x128x2048xf32>, %pos: tensor<4x128xi32>,
    %wq: tensor<2048x3072xf32>, %wdkv: tensor<2048x576xf32>,
    %kvn: tensor<512xf32>, %wuk: tensor<16x512x128xf32>,
    %wuv: tensor<16x512x128xf32>, %wo: tensor<2048x2048xf32>,
    %cache: tensor<64x16x576xf32>, %bt: tensor<4x16xi32>, %lens: tensor<4xi32>)
    -> (tensor<4x128x2048xf32>, tensor<64x16x576xf32>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_up = %wq, kv_down = %wdkv, kv_norm = %kvn, k_up = %wuk,
              v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) phase prefill {config = #v2_lite}
      : (tensor<4x128x2048xf32>, tensor<4x128xi32>, tensor<2048x3072xf32>,
         tensor<2048x576xf32>, tensor<512xf32>, tensor<16x512x128xf32>,
         tensor<16x512x128xf32>, tensor<2048x2048xf32>, tensor<64x16x576xf32>,
         tensor<4x16xi32>, tensor<4xi32>)
      -> (tensor<4x128x2048xf32>, tensor<64x16x576xf32>)
  return %out, %cache1 : tensor<4x128x2048xf32>, tensor<64x16x576xf32>
}
