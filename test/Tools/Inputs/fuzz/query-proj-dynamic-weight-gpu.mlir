// mla-fuzz: mla-pipeline,mla-gpu-pipeline{format=isa}
// Found by mla-fuzz (2026-12-06): with a weight of dynamic width the library
// GEMM's product is [M, ?]; convert-mla-to-gpu expanded it into static heads
// and left IR that did not verify. The product is cast to heads·(N + R) first.
#c = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
func.func @query_proj(%h: tensor<2x3x32xf32>, %w: tensor<32x?xf32>) -> (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>) {
  %n, %p = mla.query_proj %h up %w {config = #c} : (tensor<2x3x32xf32>, tensor<32x?xf32>) -> (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>)
  return %n, %p : tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>
}
