// RUN: mla-opt %s --convert-mla-gpu-tiles --cse --split-input-file | FileCheck %s

// convert-mla-gpu-tiles on mla_gpu.store_fragments: per fragment row r (the
// lane's rows lane / 4 and lane / 4 + 8 of the warp's 16), when inside the
// limit and the destination, each fragment's column pair (8j + 2·(lane mod
// 4)) times the row's factor, truncated to bf16, as one 4-byte store.

// CHECK-LABEL: func.func @store_fragments
// CHECK-SAME:    (%[[F0:.*]]: vector<2x2xf32>, %[[F1:.*]]: vector<2x2xf32>, %[[S:.*]]: vector<2xf32>, %[[O:.*]]: memref<128x512xbf16, strided<[512, 1], offset: ?>>, %[[ROW:.*]]: index, %[[COL:.*]]: index, %[[LIMIT:.*]]: index)
// CHECK:         %[[TID:.*]] = gpu.thread_id x
// CHECK:         %[[LANE:.*]] = arith.remui %[[TID]], %c32
// CHECK:         %[[QROW:.*]] = arith.divui %[[LANE]], %c4
// CHECK:         %[[QCOL:.*]] = arith.remui %[[LANE]], %c4
// CHECK:         %[[PAIR:.*]] = arith.muli %[[QCOL]], %c2
// CHECK:         %[[C:.*]] = arith.addi %[[COL]], %[[PAIR]]
// CHECK:         %[[ROWS:.*]] = memref.dim %[[O]], %c0
// CHECK:         %[[END:.*]] = arith.minsi %[[ROWS]], %[[LIMIT]]
// CHECK:         %[[R0:.*]] = arith.addi %[[ROW]], %[[QROW]]
// CHECK:         %[[IN0:.*]] = arith.cmpi slt, %[[R0]], %[[END]]
// CHECK:         scf.if %[[IN0]] {
// CHECK:           %[[S0:.*]] = vector.extract %[[S]][0]
// CHECK:           %[[B0:.*]] = vector.broadcast %[[S0]] : f32 to vector<2xf32>
// CHECK:           %[[P00:.*]] = vector.extract %[[F0]][0] : vector<2xf32> from vector<2x2xf32>
// CHECK:           %[[M00:.*]] = arith.mulf %[[P00]], %[[B0]]
// CHECK:           %[[T00:.*]] = arith.truncf %[[M00]] : vector<2xf32> to vector<2xbf16>
// CHECK:           vector.store %[[T00]], %[[O]][%[[R0]], %[[C]]] {alignment = 4 : i64}
// CHECK:           vector.extract %[[F1]][0]
// CHECK:           %[[C8:.*]] = arith.addi %[[C]], %c8
// CHECK:           vector.store %{{.*}}, %[[O]][%[[R0]], %[[C8]]] {alignment = 4 : i64}
// CHECK:         }
// CHECK:         %[[R1:.*]] = arith.addi %[[ROW]], %{{.*}}
// CHECK:         arith.cmpi slt, %[[R1]], %[[END]]
// CHECK:           vector.extract %[[S]][1]
// CHECK:           vector.extract %[[F0]][1]
// CHECK-NOT:     mla_gpu
func.func @store_fragments(%f0: vector<2x2xf32>, %f1: vector<2x2xf32>, %s: vector<2xf32>,
                           %o: memref<128x512xbf16, strided<[512, 1], offset: ?>>,
                           %row: index, %col: index, %limit: index) {
  mla_gpu.store_fragments %f0, %f1 scale %s into %o[%row, %col] limit %limit : memref<128x512xbf16, strided<[512, 1], offset: ?>>
  return
}

// -----

// normalize: each row divided by its sum (1 / l computed before the row's
// guard, 0 for a sum that is not positive), f32 pairs stored as 8 bytes.
// CHECK-LABEL: func.func @normalize
// CHECK-SAME:    (%[[F:.*]]: vector<2x2xf32>, %[[L:.*]]: vector<2xf32>, %[[O:.*]]: memref<?x64xf32>, %[[ROW:.*]]: index, %[[COL:.*]]: index)
// CHECK:         %[[L0:.*]] = vector.extract %[[L]][0]
// CHECK:         %[[POS:.*]] = arith.cmpf ogt, %[[L0]], %[[ZERO:.*]] : f32
// CHECK:         %[[RCP:.*]] = arith.divf %{{.*}}, %[[L0]]
// CHECK:         %[[INV:.*]] = arith.select %[[POS]], %[[RCP]], %[[ZERO]]
// CHECK:         scf.if
// CHECK:           %[[B:.*]] = vector.broadcast %[[INV]] : f32 to vector<2xf32>
// CHECK:           %[[P:.*]] = vector.extract %[[F]][0] : vector<2xf32> from vector<2x2xf32>
// CHECK:           %[[M:.*]] = arith.mulf %[[P]], %[[B]]
// CHECK-NOT:       arith.truncf
// CHECK:           vector.store %[[M]], %[[O]][%{{.*}}, %{{.*}}] {alignment = 8 : i64}
// CHECK:         vector.extract %[[L]][1]
func.func @normalize(%f: vector<2x2xf32>, %l: vector<2xf32>, %o: memref<?x64xf32>, %row: index, %col: index) {
  mla_gpu.store_fragments %f normalize %l into %o[%row, %col] : memref<?x64xf32>
  return
}
