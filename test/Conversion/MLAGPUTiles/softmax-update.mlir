// RUN: mla-opt %s --convert-mla-gpu-tiles --cse | FileCheck %s

// convert-mla-gpu-tiles on mla_gpu.softmax_update: the thread's first token
// t0 = first + 2·(lane mod 4); per row r the room before its limit, limit_r
// − t0 clamped into [0, 16] (8 per fragment) as i32; where both rows' room
// exceeds the last column (9 = 8 + 1) the scores pass unmasked, else column
// k (token t0 + k, k = 8j + c) is kept where room > k and −inf elsewhere.
// Then per row (0, then 1) the row max as a tree, reduced over the quad by
// two xor shuffles, m̂ (0 for a row with no token yet), α and every p as
// 2^fma(x, c, −c·m̂) by mla_gpu.exp2 with c = scale·log2 e (here 0.125 ·
// 1.4427 = 0.180337), l' = fma(l, α, Σp) with Σp a tree; then P as A
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
// CHECK:         %[[V00:.*]] = vector.extract %[[S0]][0, 0]
// CHECK:         %[[V01:.*]] = vector.extract %[[S0]][0, 1]
// CHECK:         %[[V02:.*]] = vector.extract %[[S1]][0, 0]
// CHECK:         %[[V03:.*]] = vector.extract %[[S1]][0, 1]
// CHECK:         %[[V10:.*]] = vector.extract %[[S0]][1, 0]
// CHECK:         %[[V13:.*]] = vector.extract %[[S1]][1, 1]
// CHECK:         %[[D0:.*]] = arith.subi %[[LIM0]], %[[T0]]
// CHECK:         %[[LO0:.*]] = arith.maxsi %[[D0]], %c0
// CHECK:         %[[HI0:.*]] = arith.minsi %[[LO0]], %c16
// CHECK:         %[[ROOM0:.*]] = arith.index_cast %[[HI0]] : index to i32
// CHECK:         %[[D1:.*]] = arith.subi %[[LIM1]], %[[T0]]
// CHECK:         %[[ROOM1:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK:         %[[ALL0:.*]] = arith.cmpi sgt, %[[ROOM0]], %c9_i32
// CHECK:         %[[ALL1:.*]] = arith.cmpi sgt, %[[ROOM1]], %c9_i32
// CHECK:         %[[ALL:.*]] = arith.andi %[[ALL0]], %[[ALL1]]
// CHECK:         %[[SC:.*]]:8 = scf.if %[[ALL]]
// CHECK-NEXT:      scf.yield %[[V00]], %[[V01]], %[[V02]], %[[V03]], %[[V10]], %{{.*}}, %{{.*}}, %[[V13]]
// CHECK-NEXT:    } else {
// CHECK:           %[[IN00:.*]] = arith.cmpi sgt, %[[ROOM0]], %c0_i32
// CHECK:           %[[M00:.*]] = arith.select %[[IN00]], %[[V00]], %[[NEGINF]]
// CHECK:           %[[IN01:.*]] = arith.cmpi sgt, %[[ROOM0]], %c1_i32
// CHECK:           arith.select %[[IN01]], %[[V01]], %[[NEGINF]]
// CHECK:           %[[IN02:.*]] = arith.cmpi sgt, %[[ROOM0]], %c8_i32
// CHECK:           arith.select %[[IN02]], %[[V02]], %[[NEGINF]]
// CHECK:           arith.select %[[ALL0]], %[[V03]], %[[NEGINF]]
// Row 1 against its own limit.
// CHECK:           arith.cmpi sgt, %[[ROOM1]], %c0_i32
// CHECK:           %[[M13:.*]] = arith.select %[[ALL1]], %[[V13]], %[[NEGINF]]
// CHECK:           scf.yield %[[M00]], {{.*}}, %[[M13]]
// CHECK:         }
// Row 0.
// CHECK:         %[[M0:.*]] = vector.extract %[[M]][0]
// CHECK:         %[[L0:.*]] = vector.extract %[[L]][0]
// CHECK:         %[[MA:.*]] = arith.maximumf %[[SC]]#0, %[[SC]]#1
// CHECK:         %[[MB:.*]] = arith.maximumf %[[SC]]#2, %[[SC]]#3
// CHECK:         %[[MAX:.*]] = arith.maximumf %[[MA]], %[[MB]]
// CHECK:         %[[SH1:.*]], %{{.*}} = gpu.shuffle  xor %[[MAX]], %c1_i32{{.*}}, %c32_i32
// CHECK:         %[[Q1:.*]] = arith.maximumf %[[MAX]], %[[SH1]]
// CHECK:         %[[SH2:.*]], %{{.*}} = gpu.shuffle  xor %[[Q1]], %c2_i32, %c32_i32
// CHECK:         %[[Q2:.*]] = arith.maximumf %[[Q1]], %[[SH2]]
// CHECK:         %[[NEW0:.*]] = arith.maximumf %[[M0]], %[[Q2]]
// CHECK:         %[[EMPTY:.*]] = arith.cmpf oeq, %[[NEW0]], %[[NEGINF]]
// CHECK:         %[[SAFE:.*]] = arith.select %[[EMPTY]], %{{.*}}, %[[NEW0]]
// CHECK:         %[[SHIFT:.*]] = arith.mulf %[[SAFE]], %[[C]]
// CHECK:         %[[NEG:.*]] = arith.negf %[[SHIFT]]
// CHECK:         %[[ARG:.*]] = math.fma %[[M0]], %[[C]], %[[NEG]]
// CHECK:         %[[ALPHA0:.*]] = mla_gpu.exp2 %[[ARG]] : f32
// CHECK:         %[[A0:.*]] = math.fma %[[SC]]#0, %[[C]], %[[NEG]]
// CHECK:         %[[P0:.*]] = mla_gpu.exp2 %[[A0]]
// CHECK:         %[[A1:.*]] = math.fma %[[SC]]#1, %[[C]], %[[NEG]]
// CHECK:         %[[P1:.*]] = mla_gpu.exp2 %[[A1]]
// CHECK-COUNT-2: mla_gpu.exp2
// CHECK:         %[[SA:.*]] = arith.addf %[[P0]], %[[P1]]
// CHECK:         %[[SB:.*]] = arith.addf
// CHECK:         %[[SUMP:.*]] = arith.addf %[[SA]], %[[SB]]
// CHECK:         %[[SUM0:.*]] = math.fma %[[L0]], %[[ALPHA0]], %[[SUMP]]
// Row 1.
// CHECK:         vector.extract %[[M]][1]
// CHECK-COUNT-2: gpu.shuffle  xor
// CHECK-COUNT-5: mla_gpu.exp2
// P, m', l', α.
// CHECK:         %[[B0:.*]] = arith.truncf %[[P0]] : f32 to bf16
// CHECK:         %[[B1:.*]] = arith.truncf %[[P1]] : f32 to bf16
// CHECK-COUNT-6: arith.truncf %{{.*}} : f32 to bf16
// CHECK:         %[[P:.*]] = vector.from_elements %[[B0]], %[[B1]], {{.*}} : vector<4x2xbf16>
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
