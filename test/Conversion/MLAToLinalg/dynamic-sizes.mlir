// RUN: mla-opt %s --convert-mla-to-linalg --split-input-file | FileCheck %s
//
// Dynamic sizes the verifier accepts but the config fixes (a weight dim, the
// rope dim of k_pe): the lowering casts to the configured size before
// reshaping or slicing with it.

#c = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @query_proj
// CHECK: tensor.cast %{{.*}} : tensor<32x?xf32> to tensor<32x24xf32>
// CHECK: tensor.expand_shape {{.*}} : tensor<32x24xf32> into tensor<32x2x12xf32>
func.func @query_proj(%h: tensor<2x3x32xf32>, %w: tensor<32x?xf32>) -> (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>) {
  %n, %p = mla.query_proj %h up %w {config = #c} : (tensor<2x3x32xf32>, tensor<32x?xf32>) -> (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>)
  return %n, %p : tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>
}
// -----
#c = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @output_proj
// CHECK: tensor.cast %{{.*}} : tensor<?x32xf32> to tensor<16x32xf32>
// CHECK: tensor.expand_shape {{.*}} : tensor<16x32xf32> into tensor<2x8x32xf32>
func.func @output_proj(%o: tensor<2x3x2x8xf32>, %w: tensor<?x32xf32>) -> tensor<2x3x32xf32> {
  %0 = mla.output_proj %o, %w {config = #c} : (tensor<2x3x2x8xf32>, tensor<?x32xf32>) -> tensor<2x3x32xf32>
  return %0 : tensor<2x3x32xf32>
}
// -----
#c = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @cache_append
// CHECK: linalg.generic
// CHECK:   tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] : tensor<2x3x?xf32>
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, %{{.*}}, 0] [1, 1, 20] [1, 1, 1] : tensor<2x3x20xf32> to tensor<1x1x20xf32>
func.func @cache_append(%c_kv: tensor<2x3x16xf32>, %k_pe: tensor<2x3x?xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x5xi32>, %lens: tensor<2xi32>) -> tensor<8x4x20xf32> {
  %0 = mla.cache.append %c_kv, %k_pe into %cache[%bt, %lens] {config = #c} : tensor<2x3x16xf32>, tensor<2x3x?xf32> into tensor<8x4x20xf32>, tensor<2x5xi32>, tensor<2xi32>
  return %0 : tensor<8x4x20xf32>
}

// -----

// A used block-table entry outside the cache fails a runtime check when the
// cache is read.
#c = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @gather_checks_pages
// CHECK: linalg.generic
// CHECK:   cf.assert %{{.*}}, "mla.cache.gather: the block table names a page outside the cache"
func.func @gather_checks_pages(%cache: tensor<8x4x20xf32>, %bt: tensor<2x5xi32>, %lens: tensor<2xi32>) -> (tensor<2x20x16xf32>, tensor<2x20x4xf32>) {
  %0, %1 = mla.cache.gather %cache[%bt, %lens] {config = #c} : (tensor<8x4x20xf32>, tensor<2x5xi32>, tensor<2xi32>) -> (tensor<2x20x16xf32>, tensor<2x20x4xf32>)
  return %0, %1 : tensor<2x20x16xf32>, tensor<2x20x4xf32>
}
