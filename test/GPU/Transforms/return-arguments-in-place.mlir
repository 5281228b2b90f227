// RUN: mla-opt %s --split-input-file --mla-return-arguments-in-place | FileCheck %s

// Buffer deallocation returns an argument updated in place (the cache) as a
// clone, for ownership: the pass returns the argument itself.

// CHECK-LABEL: func.func @cache
// CHECK-SAME:    (%[[CACHE:.*]]: memref<?x4x20xbf16>, %{{.*}}: memref<2x8xf32>)
// CHECK-NOT:     bufferization.clone %[[CACHE]]
// CHECK:         %[[OUT:.*]] = bufferization.clone %{{.*}} : memref<2x8xf32>
// CHECK:         return %[[CACHE]], %[[OUT]]
func.func @cache(%cache: memref<?x4x20xbf16>, %x: memref<2x8xf32>) -> (memref<?x4x20xbf16>, memref<2x8xf32>) {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : bf16
  memref.store %z, %cache[%c0, %c0, %c0] : memref<?x4x20xbf16>
  %c = bufferization.clone %cache : memref<?x4x20xbf16> to memref<?x4x20xbf16>
  // A clone of the other argument is kept: not this pass's business unless
  // it is only returned (it is: kept here because it is also read).
  %o = bufferization.clone %x : memref<2x8xf32> to memref<2x8xf32>
  %v = memref.load %o[%c0, %c0] : memref<2x8xf32>
  return %c, %o : memref<?x4x20xbf16>, memref<2x8xf32>
}

// -----

// A clone of a buffer the function allocated is not an argument: kept.
// CHECK-LABEL: func.func @allocated
// CHECK:         bufferization.clone
func.func @allocated(%n: index) -> memref<?xf32> {
  %a = memref.alloc(%n) : memref<?xf32>
  %c = bufferization.clone %a : memref<?xf32> to memref<?xf32>
  memref.dealloc %a : memref<?xf32>
  return %c : memref<?xf32>
}
