// One DeepSeek-V3 MLA block in a decode step: one new token for each of a
// dynamic number of requests, against a bf16 paged latent cache with 64-token
// pages (the FlashMLA layout). Weights are [in, out]; see docs/rationale.md.
//
//   mla-opt --mla-pipeline examples/deepseek-v3-decode.mlir

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
func.func @deepseek_v3_decode(%h: tensor<?x1x7168xbf16>, %pos: tensor<?x1xi32>,
    %wdq: tensor<7168x1536xbf16>, %qn: tensor<1536xbf16>, %wuq: tensor<1536x24576xbf16>,
    %wdkv: tensor<7168x576xbf16>, %kvn: tensor<512xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %wo: tensor<16384x7168xbf16>,
    %cache: tensor<?x64x576xbf16>, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>)
    -> (tensor<?x1x7168xbf16>, tensor<?x64x576xbf16>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) phase decode {config = #v3}
      : (tensor<?x1x7168xbf16>, tensor<?x1xi32>, tensor<7168x1536xbf16>,
         tensor<1536xbf16>, tensor<1536x24576xbf16>, tensor<7168x576xbf16>,
         tensor<512xbf16>, tensor<128x512x128xbf16>, tensor<128x512x128xbf16>,
         tensor<16384x7168xbf16>, tensor<?x64x576xbf16>, tensor<?x?xi32>,
         tensor<?xi32>) -> (tensor<?x1x7168xbf16>, tensor<?x64x576xbf16>)
  return %out, %cache1 : tensor<?x1x7168xbf16>, tensor<?x64x576xbf16>
}
