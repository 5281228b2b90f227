// RUN: mla-opt %s --convert-mla-gpu-tiles --cse | FileCheck %s

// convert-mla-gpu-tiles on mla_gpu.softmax_update: per row (0, then 1) the
// scores masked by the row's limit (token = first + 2·(lane mod 4) + 8j +
// c), the row max reduced over the quad by two xor shuffles, m̂ (0 for a row
// with no token yet), α = 2^(c·m − c·m̂) and p = 2^(c·s − c·m̂) with c =
// scale·log2 e (here 0.125·1.4427 = 0.180337), l' = α·l + Σp; then P as A
// fragments (C fragments 0, 1 → A fragment 0), m', l', α as row pairs.

// CHECK-LABEL: func.func @softmax
// CHECK-SAME:    (%[[S0:.*]]: vector<2x2xf32>, %[[S1:.*]]: vector<2x2xf32>, %[[M:.*]]: vector<2xf32>, %[[L:.*]]: vector<2xf32>, %[[FIRST:.*]]: index, %[[LIM0:.*]]: index, %[[LIM1:.*]]: index)
// CHECK-DAG:     %[[C:.*]] = arith.constant 0.180336878 : f32
// CHECK-DAG:     %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[TID:.*]] = gpu.thread_id x
// CHECK:         %[[LANE:.*]] = arith.remui %[[TID]], %c32
// CHECK:         %[[QUAD:.*]] = arith.remui %[[LANE]], %c4
// CHECK:         %[[COL:.*]] = arith.muli %[[QUAD]], %c2
// CHECK:         %[[T0:.*]] = arith.addi %[[FIRST]], %[[COL]]
// Row 0.
// CHECK:         %[[M0:.*]] = vector.extract %[[M]][0]
// CHECK:         %[[L0:.*]] = vector.extract %[[L]][0]
// CHECK:         %[[V00:.*]] = vector.extract %[[S0]][0, 0]
// CHECK:         %[[IN00:.*]] = arith.cmpi slt, %[[T0]], %[[LIM0]]
// CHECK:         arith.select %[[IN00]], %[[V00]], %[[NEGINF]]
// CHECK:         vector.extract %[[S1]][0, 1]
// CHECK:         %[[MAX:.*]] = arith.maximumf
// CHECK:         %[[SH1:.*]], %{{.*}} = gpu.shuffle  xor %[[MAX]], %c1_i32, %c32_i32
// CHECK:         %[[Q1:.*]] = arith.maximumf %[[MAX]], %[[SH1]]
// CHECK:         %[[SH2:.*]], %{{.*}} = gpu.shuffle  xor %[[Q1]], %c2_i32, %c32_i32
// CHECK:         %[[Q2:.*]] = arith.maximumf %[[Q1]], %[[SH2]]
// CHECK:         %[[NEW0:.*]] = arith.maximumf %[[M0]], %[[Q2]]
// CHECK:         %[[EMPTY:.*]] = arith.cmpf oeq, %[[NEW0]], %[[NEGINF]]
// CHECK:         %[[SAFE:.*]] = arith.select %[[EMPTY]], %{{.*}}, %[[NEW0]]
// CHECK:         %[[SHIFT:.*]] = arith.mulf %[[SAFE]], %[[C]]
// CHECK:         %[[OLD:.*]] = arith.mulf %[[M0]], %[[C]]
// CHECK:         %[[ARG:.*]] = arith.subf %[[OLD]], %[[SHIFT]]
// CHECK:         %[[ALPHA0:.*]] = math.exp2 %[[ARG]]
// CHECK-COUNT-4: math.exp2
// CHECK:         %[[SCALED:.*]] = arith.mulf %[[L0]], %[[ALPHA0]]
// CHECK:         %[[SUM0:.*]] = arith.addf %[[SCALED]], %{{.*}}
// Row 1, against its own limit.
// CHECK:         vector.extract %[[M]][1]
// CHECK:         arith.cmpi slt, %[[T0]], %[[LIM1]]
// CHECK-COUNT-2: gpu.shuffle  xor
// CHECK-COUNT-5: math.exp2
// P, m', l', α.
// CHECK-COUNT-8: arith.truncf %{{.*}} : f32 to bf16
// CHECK:         %[[P:.*]] = vector.from_elements {{.*}} : vector<4x2xbf16>
// CHECK:         %[[NEWM:.*]] = vector.from_elements %[[NEW0]], %{{.*}} : vector<2xf32>
// CHECK:         %[[NEWL:.*]] = vector.from_elements %[[SUM0]], %{{.*}} : vector<2xf32>
// CHECK:         %[[ALPHA:.*]] = vector.from_elements %[[ALPHA0]], %{{.*}} : vector<2xf32>
// CHECK:         return %[[P]], %[[NEWM]], %[[NEWL]], %[[ALPHA]]
func.func @softmax(%s0: vector<2x2xf32>, %s1: vector<2x2xf32>, %m: vector<2xf32>, %l: vector<2xf32>,
                   %first: index, %lim0: index, %lim1: index)
    -> (vector<4x2xbf16>, vector<2xf32>, vector<2xf32>, vector<2xf32>) {
  %p, %m1, %l1, %a = mla_gpu.softmax_update scores(%s0, %s1) max %m sum %l from %first limits(%lim0, %lim1) scale 0.125 element bf16
  return %p, %m1, %l1, %a : vector<4x2xbf16>, vector<2xf32>, vector<2xf32>, vector<2xf32>
}
