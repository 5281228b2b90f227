// RUN: mla-opt %s --split-input-file --mla-library-abi | FileCheck %s

// A result that is an argument (through a cast) is dropped; the others
// become out-parameters: the allocation the result came from is the
// caller's buffer (no copy), its dynamic size checked against the size the
// function computed. mla.result_params says where each result went,
// mla.written_arguments which arguments the function may write.

// CHECK-LABEL: func.func @block
// CHECK-SAME:    (%[[H:.*]]: memref<?x8xf32>, %[[CACHE:.*]]: memref<?x4xf32>, %[[OUT:.*]]: memref<?x8xf32>)
// CHECK-SAME:    attributes {mla.result_params = array<i64: 2, 1>, mla.written_arguments = array<i64: 1>}
// CHECK:         %[[N:.*]] = memref.dim %[[H]], %{{.*}} : memref<?x8xf32>
// CHECK:         %[[GOT:.*]] = memref.dim %[[OUT]], %{{.*}} : memref<?x8xf32>
// CHECK-NEXT:    %[[SAME:.*]] = arith.cmpi eq, %[[GOT]], %[[N]] : index
// CHECK-NEXT:    cf.assert %[[SAME]], "@block: the buffer given for result 0 (parameter 2) has dim 0 unlike the result's"
// CHECK-NOT:     memref.alloc
// CHECK:         linalg.copy ins(%[[H]] : memref<?x8xf32>) outs(%[[OUT]] : memref<?x8xf32>)
// CHECK-NOT:     memref.copy
// CHECK:         return{{$}}
func.func @block(%h: memref<?x8xf32>, %cache: memref<?x4xf32>) -> (memref<?x8xf32>, memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %h, %c0 : memref<?x8xf32>
  %out = memref.alloc(%n) : memref<?x8xf32>
  linalg.copy ins(%h : memref<?x8xf32>) outs(%out : memref<?x8xf32>)
  %z = arith.constant 0.0 : f32
  memref.store %z, %cache[%c0, %c0] : memref<?x4xf32>
  %cast = memref.cast %cache : memref<?x4xf32> to memref<?x4xf32>
  return %out, %cast : memref<?x8xf32>, memref<?x4xf32>
}

// -----

// Private functions keep their results.
// CHECK-LABEL: func.func private @helper
// CHECK-SAME:    -> memref<4xf32>
// CHECK-NOT:     mla.result_params
func.func private @helper(%a: memref<4xf32>) -> memref<4xf32> {
  return %a : memref<4xf32>
}
