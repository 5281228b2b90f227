// RUN: mla-opt %s --split-input-file --mla-expand-shape-strides | FileCheck %s

// Rows of a dynamic batch and token count expanded back from [B·S, N]: two
// dynamic sizes in one group, which MLIR 22's expand-strided-metadata
// crashes on. The strides: the group's innermost is its source dim's, the
// outer one that times the inner size.

// CHECK-LABEL: func.func @two_dynamic
// CHECK-SAME:    (%[[M:.*]]: memref<?x?xf32>, %[[B:.*]]: index, %[[S:.*]]: index, %[[N:.*]]: index)
// CHECK:         %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %[[M]]
// CHECK:         %[[OUTER:.*]] = affine.apply #{{.*}}()[%[[STRIDES]]#0, %[[S]]]
// CHECK-NOT:     affine.apply
// CHECK:         %[[R:.*]] = memref.reinterpret_cast %[[BASE]] to offset: [0], sizes: [%[[B]], %[[S]], %[[N]]], strides: [%[[OUTER]], %[[STRIDES]]#0, 1]
// CHECK-NOT:     memref.expand_shape
// CHECK:         return %[[R]] : memref<?x?x?xf32>
func.func @two_dynamic(%m: memref<?x?xf32>, %b: index, %s: index, %n: index) -> memref<?x?x?xf32> {
  %e = memref.expand_shape %m [[0, 1], [2]] output_shape [%b, %s, %n] : memref<?x?xf32> into memref<?x?x?xf32>
  return %e : memref<?x?x?xf32>
}

// -----

// A strided source keeps its offset and row stride; a static size in the
// group multiplies in as a constant.

// CHECK-LABEL: func.func @strided_source
// CHECK-SAME:    (%[[M:.*]]: memref<?x8xf32, strided<[?, 1], offset: ?>>, %[[B:.*]]: index, %[[S:.*]]: index)
// CHECK:         %[[BASE:.*]], %[[OFF:.*]], %{{.*}}:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %[[M]]
// CHECK:         %[[MID:.*]] = affine.apply #{{.*}}()[%[[STRIDES]]#0]
// CHECK:         %[[OUTER:.*]] = affine.apply #{{.*}}()[%[[S]], %[[STRIDES]]#0]
// CHECK:         memref.reinterpret_cast %[[BASE]] to offset: [%[[OFF]]], sizes: [%[[B]], %[[S]], 4, 8], strides: [%[[OUTER]], %[[MID]], %[[STRIDES]]#0, 1]
func.func @strided_source(%m: memref<?x8xf32, strided<[?, 1], offset: ?>>, %b: index, %s: index)
    -> memref<?x?x4x8xf32, strided<[?, ?, ?, 1], offset: ?>> {
  %e = memref.expand_shape %m [[0, 1, 2], [3]] output_shape [%b, %s, 4, 8]
      : memref<?x8xf32, strided<[?, 1], offset: ?>> into memref<?x?x4x8xf32, strided<[?, ?, ?, 1], offset: ?>>
  return %e : memref<?x?x4x8xf32, strided<[?, ?, ?, 1], offset: ?>>
}

// -----

// One dynamic size a group: upstream's pass handles it, left alone.

// CHECK-LABEL: func.func @one_dynamic
// CHECK:         memref.expand_shape
// CHECK-NOT:     memref.reinterpret_cast
func.func @one_dynamic(%m: memref<?x16xf32>, %b: index) -> memref<?x4x16xf32> {
  %e = memref.expand_shape %m [[0, 1], [2]] output_shape [%b, 4, 16] : memref<?x16xf32> into memref<?x4x16xf32>
  return %e : memref<?x4x16xf32>
}
