// RUN: mla-opt %s --mla-gpu-copies-to-linalg | FileCheck %s

// Host copies (strided ones included) become linalg.copy, which the GPU
// pipeline turns into a kernel like any other loop.
// CHECK-LABEL: func.func @strided
// CHECK:       linalg.copy ins(%{{.*}} : memref<4x4xf32, strided<[8, 1]>>) outs(%{{.*}} : memref<4x4xf32>)
// CHECK-NOT:   memref.copy
func.func @strided(%src: memref<4x4xf32, strided<[8, 1]>>, %dst: memref<4x4xf32>) {
  memref.copy %src, %dst : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
  return
}
