// One head of an output projection: convert-mla-to-gpu makes it one
// mla_gpu.gemm cublaslt ([4, 32]·[32, 16]).
#cfg = #mla.config<heads = 1, hidden = 16, q_lora_rank = 0, kv_lora_rank = 8,
                   qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 32>
func.func @project(%o: tensor<1x4x1x32xf32>, %w: tensor<32x16xf32>) -> tensor<1x4x16xf32> {
  %out = mla.output_proj %o, %w {config = #cfg}
      : (tensor<1x4x1x32xf32>, tensor<32x16xf32>) -> tensor<1x4x16xf32>
  return %out : tensor<1x4x16xf32>
}
