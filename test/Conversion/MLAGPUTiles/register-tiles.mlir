// RUN: mla-opt %s --convert-mla-gpu-tiles --cse --split-input-file | FileCheck %s

// convert-mla-gpu-tiles on the ops over a warp's register tiles.

// scale_rows: every fragment times [f0, f0; f1, f1].
// CHECK-LABEL: func.func @scale_rows
// CHECK-SAME:    (%[[O0:.*]]: vector<2x2xf32>, %[[O1:.*]]: vector<2x2xf32>, %[[F:.*]]: vector<2xf32>)
// CHECK:         %[[F0:.*]] = vector.extract %[[F]][0]
// CHECK:         %[[F1:.*]] = vector.extract %[[F]][1]
// CHECK:         %[[S:.*]] = vector.from_elements %[[F0]], %[[F0]], %[[F1]], %[[F1]] : vector<2x2xf32>
// CHECK:         %[[R0:.*]] = arith.mulf %[[O0]], %[[S]] : vector<2x2xf32>
// CHECK:         %[[R1:.*]] = arith.mulf %[[O1]], %[[S]] : vector<2x2xf32>
// CHECK:         return %[[R0]], %[[R1]]
func.func @scale_rows(%o0: vector<2x2xf32>, %o1: vector<2x2xf32>, %f: vector<2xf32>) -> (vector<2x2xf32>, vector<2x2xf32>) {
  %r:2 = mla_gpu.scale_rows %o0, %o1 by %f
  return %r#0, %r#1 : vector<2x2xf32>, vector<2x2xf32>
}

// -----

// store_operand into a b128-swizzled [64, 64] buffer: the pair of fragment
// row 2h + r goes to row row0 + lane / 4 + 8r, 16-byte chunk (col0 / 8 + h)
// ⊕ (row mod 8), element 2·(lane mod 4) of it.
// CHECK-LABEL: func.func @store_operand
// CHECK-SAME:    (%[[P:.*]]: vector<4x2xbf16>, %[[B:.*]]: memref<64x64xbf16, #gpu.address_space<workgroup>>, %[[ROW:.*]]: index)
// CHECK:         %[[TID:.*]] = gpu.thread_id x
// CHECK:         %[[LANE:.*]] = arith.remui %[[TID]], %c32
// CHECK:         %[[QROW:.*]] = arith.divui %[[LANE]], %c4
// CHECK:         %[[QCOL:.*]] = arith.remui %[[LANE]], %c4
// CHECK:         %[[R0:.*]] = arith.addi %[[ROW]], %[[QROW]]
// CHECK:         %[[CHUNK:.*]] = arith.divui %c0, %c8
// CHECK:         %[[ROT:.*]] = arith.remui %[[R0]], %c8
// CHECK:         %[[X:.*]] = arith.xori %[[CHUNK]], %[[ROT]]
// CHECK:         %[[BASE:.*]] = arith.muli %[[X]], %c8
// CHECK:         %[[IN:.*]] = arith.muli %[[QCOL]], %c2
// CHECK:         %[[COL:.*]] = arith.addi %[[BASE]], %[[IN]]
// CHECK:         %[[PAIR:.*]] = vector.extract %[[P]][0] : vector<2xbf16> from vector<4x2xbf16>
// CHECK:         vector.store %[[PAIR]], %[[B]][%[[R0]], %[[COL]]] {alignment = 4 : i64}
// CHECK:         vector.extract %[[P]][1]
// CHECK:         vector.store
// CHECK:         vector.extract %[[P]][2]
// CHECK:         vector.store
// CHECK:         vector.extract %[[P]][3]
// CHECK:         vector.store
// CHECK-NOT:     vector.store
func.func @store_operand(%p: vector<4x2xbf16>, %b: memref<64x64xbf16, #gpu.address_space<workgroup>>, %row: index) {
  %c0 = arith.constant 0 : index
  mla_gpu.store_operand %p into %b[%row, %c0] swizzle b128
      : (vector<4x2xbf16>), memref<64x64xbf16, #gpu.address_space<workgroup>>
  return
}
