#cfg = #mla.config<heads = 1, hidden = 8, kv_lora_rank = 4, qk_nope_dim = 2, qk_rope_dim = 2, v_head_dim = 2>
func.func @main(%c: tensor<1x1x4xf32>, %k: tensor<1x1x2xf32>, %cache: tensor<2x2x6xf32>, %bt: tensor<1x2xi32>, %lens: tensor<1xi32>) -> tensor<2x2x6xf32> {
  %0 = mla.cache.append %c, %k into %cache[%bt, %lens] {config = #cfg} : tensor<1x1x4xf32>, tensor<1x1x2xf32> into tensor<2x2x6xf32>, tensor<1x2xi32>, tensor<1xi32>
  return %0 : tensor<2x2x6xf32>
}
