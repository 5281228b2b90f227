// RUN: mla-opt %s --convert-mla-to-linalg='runtime-checks=false' | FileCheck %s

// Without runtime checks (the GPU pipeline), the cache accesses clamp their
// indices into the buffers instead of asserting.
#c = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @append_and_gather
// CHECK-NOT:   cf.assert
// CHECK:       scf.forall
// CHECK:         %[[OK:.*]] = arith.andi
// CHECK:         arith.select %[[OK]], %{{.*}}, %{{.*}} : index
// CHECK:       linalg.generic
// CHECK:         %[[INCACHE:.*]] = arith.andi
// CHECK:         arith.select %[[INCACHE]], %{{.*}}, %{{.*}} : index
// CHECK-NOT:   cf.assert
func.func @append_and_gather(%c_kv: tensor<2x1x16xf32>, %k_pe: tensor<2x1x4xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x5xi32>, %lens: tensor<2xi32>)
    -> (tensor<2x20x16xf32>, tensor<2x20x4xf32>) {
  %0 = mla.cache.append %c_kv, %k_pe into %cache[%bt, %lens] {config = #c}
      : tensor<2x1x16xf32>, tensor<2x1x4xf32> into tensor<8x4x20xf32>, tensor<2x5xi32>, tensor<2xi32>
  %1, %2 = mla.cache.gather %0[%bt, %lens] {config = #c}
      : (tensor<8x4x20xf32>, tensor<2x5xi32>, tensor<2xi32>) -> (tensor<2x20x16xf32>, tensor<2x20x4xf32>)
  return %1, %2 : tensor<2x20x16xf32>, tensor<2x20x4xf32>
}
