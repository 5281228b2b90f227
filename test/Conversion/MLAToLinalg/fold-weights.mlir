// RUN: mla-opt %s --convert-mla-to-linalg --split-input-file | FileCheck %s

// W_UQ [C, H*(N+R)] viewed as [C, H, N+R]: the nope columns contract with
// W_UK over N, the rope columns are kept, and [C, H, L+R] collapses back.
#fold = #mla.config<heads = 2, hidden = 8, q_lora_rank = 4, kv_lora_rank = 16,
                    qk_nope_dim = 64, qk_rope_dim = 4, v_head_dim = 64>
// CHECK-LABEL: func.func @fold_query
// CHECK:       tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [4, 2, 68] : tensor<4x136xf32> into tensor<4x2x68xf32>
// CHECK:       linalg.generic
// CHECK-SAME:    iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:       tensor.insert_slice %{{.*}}[0, 0, 0] [4, 2, 16] [1, 1, 1] : tensor<4x2x16xf32> into tensor<4x2x20xf32>
// CHECK:       tensor.insert_slice %{{.*}}[0, 0, 16] [4, 2, 4] [1, 1, 1] : tensor<4x2x4xf32> into tensor<4x2x20xf32>
// CHECK:       tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<4x2x20xf32> into tensor<4x40xf32>
// CHECK-NOT:   mla.
func.func @fold_query(%wuq: tensor<4x136xf32>, %wuk: tensor<2x16x64xf32>) -> tensor<4x40xf32> {
  %q = mla.fold_query_weights %wuq, %wuk {config = #fold}
      : (tensor<4x136xf32>, tensor<2x16x64xf32>) -> tensor<4x40xf32>
  return %q : tensor<4x40xf32>
}

// -----

// W_O [H*V, D] viewed as [H, V, D], contracted with W_UV over V, collapsed
// to [H*L, D].
#fold = #mla.config<heads = 2, hidden = 8, q_lora_rank = 4, kv_lora_rank = 16,
                    qk_nope_dim = 64, qk_rope_dim = 4, v_head_dim = 64>
// CHECK-LABEL: func.func @fold_output
// CHECK:       tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [2, 64, 8] : tensor<128x8xf32> into tensor<2x64x8xf32>
// CHECK:       linalg.generic
// CHECK-SAME:    iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:       tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x16x8xf32> into tensor<32x8xf32>
// CHECK-NOT:   mla.
func.func @fold_output(%wuv: tensor<2x16x64xf32>, %wo: tensor<128x8xf32>) -> tensor<32x8xf32> {
  %o = mla.fold_output_weights %wuv, %wo {config = #fold}
      : (tensor<2x16x64xf32>, tensor<128x8xf32>) -> tensor<32x8xf32>
  return %o : tensor<32x8xf32>
}
