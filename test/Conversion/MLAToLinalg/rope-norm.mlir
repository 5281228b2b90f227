// RUN: mla-opt %s --convert-mla-to-linalg --split-input-file | FileCheck %s

// RMSNorm: a sum of squares reduced over the last dim, then
// x · rsqrt(sum / size + eps) · w. RoPE: one elementwise generic that reads
// each element's partner, and rotates the pair by position · θ_pair in f64
// (cos and sin scaled by YaRN's magnitude, then truncated to f32). The θ are
// an f64 constant computed from the config: rope_theta^(-2j/R), YaRN-blended.

// CHECK-DAG: #[[$ID:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$ROW:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$LAST:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @rms_norm
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x3x16xf32>, %[[W:[^:]*]]: tensor<16xf32>)
// CHECK:      %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:      %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK:      %[[SUMSQ:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]], #[[$ROW]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[X]] : tensor<4x3x16xf32>) outs(%[[INIT]] : tensor<4x3xf32>)
// CHECK-NEXT: ^bb0(%[[E:[^:]*]]: f32, %[[ACC:[^:]*]]: f32):
// CHECK-NEXT:   %[[SQ:.*]] = arith.mulf %[[E]], %[[E]] : f32
// CHECK-NEXT:   %[[SUM:.*]] = arith.addf %[[ACC]], %[[SQ]] : f32
// CHECK-NEXT:   linalg.yield %[[SUM]] : f32
// CHECK:      %[[SIZE:.*]] = arith.constant 16 : index
// CHECK:      %[[SIZE64:.*]] = arith.index_cast %[[SIZE]] : index to i64
// CHECK:      %[[COUNT:.*]] = arith.uitofp %[[SIZE64]] : i64 to f32
// CHECK:      %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK:      %[[Y:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]], #[[$ROW]], #[[$LAST]], #[[$ID]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:   ins(%[[X]], %[[SUMSQ]], %[[W]] :
// CHECK-NEXT: ^bb0(%[[XE:[^:]*]]: f32, %[[SS:[^:]*]]: f32, %[[WE:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT:   %[[MEAN:.*]] = arith.divf %[[SS]], %[[COUNT]] : f32
// CHECK-NEXT:   %[[VAR:.*]] = arith.addf %[[MEAN]], %[[EPS]] : f32
// CHECK-NEXT:   %[[INV:.*]] = math.rsqrt %[[VAR]] : f32
// CHECK-NEXT:   %[[NORMED:.*]] = arith.mulf %[[XE]], %[[INV]] : f32
// CHECK-NEXT:   %[[SCALED:.*]] = arith.mulf %[[NORMED]], %[[WE]] : f32
// CHECK-NEXT:   linalg.yield %[[SCALED]] : f32
// CHECK:      return %[[Y]]
func.func @rms_norm(%x: tensor<4x3x16xf32>, %w: tensor<16xf32>)
    -> tensor<4x3x16xf32> {
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-05 : f64}
      : tensor<4x3x16xf32>, tensor<16xf32>
  return %0 : tensor<4x3x16xf32>
}

// -----

// Dynamic sizes: the mean divides by the runtime size of the last dim.
// CHECK-LABEL: func.func @rms_norm_dynamic
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?x?xf32>, %[[W:[^:]*]]: tensor<?xf32>)
// CHECK-DAG:  %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:  %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:  %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:  %[[D0:.*]] = tensor.dim %[[X]], %[[C0]] : tensor<?x?x?xf32>
// CHECK-DAG:  %[[D1:.*]] = tensor.dim %[[X]], %[[C1]] : tensor<?x?x?xf32>
// CHECK-DAG:  %[[D2:.*]] = tensor.dim %[[X]], %[[C2]] : tensor<?x?x?xf32>
// CHECK:      tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?xf32>
// CHECK:      %[[SUMSQ:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:      %[[D2_64:.*]] = arith.index_cast %[[D2]] : index to i64
// CHECK:      %[[COUNT:.*]] = arith.uitofp %[[D2_64]] : i64 to f32
// CHECK:      tensor.empty(%[[D0]], %[[D1]], %[[D2]]) : tensor<?x?x?xf32>
// CHECK:      linalg.generic {{.*}} ins(%[[X]], %[[SUMSQ]], %[[W]] :
// CHECK:        arith.divf %{{.*}}, %[[COUNT]] : f32
// CHECK:        math.rsqrt
func.func @rms_norm_dynamic(%x: tensor<?x?x?xf32>, %w: tensor<?xf32>)
    -> tensor<?x?x?xf32> {
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-06 : f64}
      : tensor<?x?x?xf32>, tensor<?xf32>
  return %0 : tensor<?x?x?xf32>
}

// -----

// Rank 1: the sum of squares is a 0-d tensor.
// CHECK-DAG: #[[$ID:map[0-9]*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[$SCALAR:map[0-9]*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @rms_norm_rank1
// CHECK-SAME: (%[[X:[^:]*]]: tensor<16xf32>, %[[W:[^:]*]]: tensor<16xf32>)
// CHECK:      %[[SUMSQ:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]], #[[$SCALAR]]], iterator_types = ["reduction"]
// CHECK-SAME:   ins(%[[X]] : tensor<16xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK:      linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]], #[[$SCALAR]], #[[$ID]], #[[$ID]]], iterator_types = ["parallel"]
// CHECK-SAME:   ins(%[[X]], %[[SUMSQ]], %[[W]] :
// CHECK:        math.rsqrt
func.func @rms_norm_rank1(%x: tensor<16xf32>, %w: tensor<16xf32>)
    -> tensor<16xf32> {
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-02 : f64}
      : tensor<16xf32>, tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

// Interleaved pairs (0,1) (2,3): partner j xor 1, pair j / 2, the even one
// first. Without YaRN, R = 4: θ_pair = 10000^(pair · -2/4), computed in place
// in f64 (no constant table: the code also runs in GPU kernels), and the
// magnitude is 1. Per-head queries [B, S, H, R]: positions [B, S] are
// indexed by the first two loops.
#c = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-DAG: #[[$ID:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$POS:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func.func @rope_interleaved
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x3x2x4xf32>, %[[P:[^:]*]]: tensor<2x3xi32>)
// CHECK:      %[[Y:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]], #[[$POS]], #[[$ID]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK-SAME:   ins(%[[X]], %[[P]] : tensor<2x3x2x4xf32>, tensor<2x3xi32>)
// CHECK-NEXT: ^bb0(%[[XE:[^:]*]]: f32, %[[PE:[^:]*]]: i32, %{{[^:]*}}: f32):
// CHECK-DAG:    %[[I0:.*]] = linalg.index 0 : index
// CHECK-DAG:    %[[I1:.*]] = linalg.index 1 : index
// CHECK-DAG:    %[[I2:.*]] = linalg.index 2 : index
// CHECK-DAG:    %[[J:.*]] = linalg.index 3 : index
// CHECK-DAG:    %[[ONE:.*]] = arith.constant 1 : index
// CHECK:        %[[PARTNER:.*]] = arith.xori %[[J]], %[[ONE]] : index
// CHECK:        %[[PAIR:.*]] = arith.divui %[[J]], %c2{{(_[0-9]+)?}} : index
// CHECK:        %[[ODD:.*]] = arith.andi %[[J]], %[[ONE]] : index
// CHECK:        %[[ZERO:.*]] = arith.constant 0 : index
// CHECK:        %[[FIRST:.*]] = arith.cmpi eq, %[[ODD]], %[[ZERO]] : index
// CHECK:        %[[XP:.*]] = tensor.extract %[[X]][%[[I0]], %[[I1]], %[[I2]], %[[PARTNER]]] : tensor<2x3x2x4xf32>
// CHECK:        %[[PAIRI:.*]] = arith.index_castui %[[PAIR]] : index to i64
// CHECK:        %[[PAIRF:.*]] = arith.uitofp %[[PAIRI]] : i64 to f64
// CHECK:        %[[EXPSCALE:.*]] = arith.constant -5.000000e-01 : f64
// CHECK:        %[[EXPONENT:.*]] = arith.mulf %[[PAIRF]], %[[EXPSCALE]] : f64
// CHECK:        %[[BASE:.*]] = arith.constant 1.000000e+04 : f64
// CHECK:        %[[THETA:.*]] = math.powf %[[BASE]], %[[EXPONENT]] : f64
// CHECK-NOT:    arith.minimumf
// CHECK:        %[[POS:.*]] = arith.sitofp %[[PE]] : i32 to f64
// CHECK:        %[[ANGLE:.*]] = arith.mulf %[[POS]], %[[THETA]] : f64
// CHECK:        %[[MAG:.*]] = arith.constant 1.000000e+00 : f64
// CHECK:        %[[COS64:.*]] = math.cos %[[ANGLE]] : f64
// CHECK:        %[[COSM:.*]] = arith.mulf %[[COS64]], %[[MAG]] : f64
// CHECK:        %[[COS:.*]] = arith.truncf %[[COSM]] : f64 to f32
// CHECK:        %[[SIN64:.*]] = math.sin %[[ANGLE]] : f64
// CHECK:        %[[SINM:.*]] = arith.mulf %[[SIN64]], %[[MAG]] : f64
// CHECK:        %[[SIN:.*]] = arith.truncf %[[SINM]] : f64 to f32
// CHECK:        %[[XPSIN:.*]] = arith.mulf %[[XP]], %[[SIN]] : f32
// CHECK:        %[[NEG:.*]] = arith.negf %[[XPSIN]] : f32
// CHECK:        %[[ROT:.*]] = arith.select %[[FIRST]], %[[NEG]], %[[XPSIN]] : f32
// CHECK:        %[[XCOS:.*]] = arith.mulf %[[XE]], %[[COS]] : f32
// CHECK:        %[[OUT:.*]] = arith.addf %[[XCOS]], %[[ROT]] : f32
// CHECK:        linalg.yield %[[OUT]] : f32
// CHECK:      return %[[Y]]
func.func @rope_interleaved(%q: tensor<2x3x2x4xf32>, %pos: tensor<2x3xi32>)
    -> tensor<2x3x2x4xf32> {
  %0 = mla.rope %q, %pos {config = #c} : tensor<2x3x2x4xf32>, tensor<2x3xi32>
  return %0 : tensor<2x3x2x4xf32>
}

// -----

// Half pairs (0,2) (1,3): partner (j + R/2) mod R, pair j mod R/2, the first
// half first. Shared keys [B, S, R] with dynamic B, S; rope_theta = 100:
// θ_pair = 100^(pair · -2/4).
#c = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8,
                 rope_theta = 100.0, rope_style = half>
// CHECK-DAG: #[[$ID:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$POS:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @rope_half
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?x4xf32>, %[[P:[^:]*]]: tensor<?x?xi32>)
// CHECK:      %[[B:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?x4xf32>
// CHECK:      %[[S:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?x4xf32>
// CHECK:      %[[EMPTY:.*]] = tensor.empty(%[[B]], %[[S]]) : tensor<?x?x4xf32>
// CHECK:      %[[Y:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]], #[[$POS]], #[[$ID]]]
// CHECK-SAME:   ins(%[[X]], %[[P]] : tensor<?x?x4xf32>, tensor<?x?xi32>) outs(%[[EMPTY]] : tensor<?x?x4xf32>)
// CHECK-DAG:    %[[I0:.*]] = linalg.index 0 : index
// CHECK-DAG:    %[[I1:.*]] = linalg.index 1 : index
// CHECK-DAG:    %[[J:.*]] = linalg.index 2 : index
// CHECK:        %[[HALF:.*]] = arith.constant 2 : index
// CHECK:        %[[SHIFTED:.*]] = arith.addi %[[J]], %[[HALF]] : index
// CHECK:        %[[R:.*]] = arith.constant 4 : index
// CHECK:        %[[PARTNER:.*]] = arith.remui %[[SHIFTED]], %[[R]] : index
// CHECK:        %[[PAIR:.*]] = arith.remui %[[J]], %[[HALF]] : index
// CHECK:        %[[FIRST:.*]] = arith.cmpi ult, %[[J]], %[[HALF]] : index
// CHECK:        tensor.extract %[[X]][%[[I0]], %[[I1]], %[[PARTNER]]] : tensor<?x?x4xf32>
// CHECK:        arith.index_castui %[[PAIR]] : index to i64
// CHECK:        %[[BASE:.*]] = arith.constant 1.000000e+02 : f64
// CHECK:        math.powf %[[BASE]], %{{.*}} : f64
// CHECK:        math.cos %{{.*}} : f64
// CHECK:        math.sin %{{.*}} : f64
// CHECK:        arith.select %[[FIRST]]
// CHECK:      return %[[Y]]
func.func @rope_half(%k: tensor<?x?x4xf32>, %pos: tensor<?x?xi32>)
    -> tensor<?x?x4xf32> {
  %0 = mla.rope %k, %pos {config = #c} : tensor<?x?x4xf32>, tensor<?x?xi32>
  return %0 : tensor<?x?x4xf32>
}

// -----

// YaRN as in DeepSeek-V3 (factor 40 over 4096 positions, R = 64): the
// correction range is pairs [10, 23] (floor/ceil of 64·ln(4096 / (β·2π)) /
// (2·ln 10000) for β = 32, 1), so θ_j = 10000^(-2j/64) blends into θ_j / 40
// by the ramp r = clamp((j − 10) / 13, 0, 1): θ_j / 40 · r + θ_j · (1 − r).
// (The CPU integration tests compare the resulting rotations with the
// float64 reference.) With the default mscale = 1, mscale_all_dim = 0 the
// magnitude on cos and sin is (0.1 · ln 40 + 1) / 1 = 1.36888...
#yarn = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                    qk_nope_dim = 8, qk_rope_dim = 64, v_head_dim = 8,
                    yarn = #mla.yarn<factor = 40.0, original_max_position = 4096>>
// CHECK-LABEL: func.func @rope_yarn
// CHECK:      linalg.generic
// CHECK:        %[[PAIRF:.*]] = arith.uitofp %{{.*}} : i64 to f64
// CHECK:        %[[EXPSCALE:.*]] = arith.constant -3.125000e-02 : f64
// CHECK:        %[[EXPONENT:.*]] = arith.mulf %[[PAIRF]], %[[EXPSCALE]] : f64
// CHECK:        %[[BASE:.*]] = arith.constant 1.000000e+04 : f64
// CHECK:        %[[THETA:.*]] = math.powf %[[BASE]], %[[EXPONENT]] : f64
// CHECK:        %[[LOW:.*]] = arith.constant 1.000000e+01 : f64
// CHECK:        %[[FROMLOW:.*]] = arith.subf %[[PAIRF]], %[[LOW]] : f64
// CHECK:        %[[WIDTH:.*]] = arith.constant 1.300000e+01 : f64
// CHECK:        %[[RAW:.*]] = arith.divf %[[FROMLOW]], %[[WIDTH]] : f64
// CHECK:        %[[ABOVE:.*]] = arith.maximumf %[[RAW]], %{{.*}} : f64
// CHECK:        %[[RAMP:.*]] = arith.minimumf %[[ABOVE]], %{{.*}} : f64
// CHECK:        %[[FACTOR:.*]] = arith.constant 4.000000e+01 : f64
// CHECK:        %[[INTERP:.*]] = arith.divf %[[THETA]], %[[FACTOR]] : f64
// CHECK:        %[[A:.*]] = arith.mulf %[[INTERP]], %[[RAMP]] : f64
// CHECK:        %[[KEEP:.*]] = arith.subf %{{.*}}, %[[RAMP]] : f64
// CHECK:        %[[C:.*]] = arith.mulf %[[THETA]], %[[KEEP]] : f64
// CHECK:        %[[BLEND:.*]] = arith.addf %[[A]], %[[C]] : f64
// CHECK:        %[[POS:.*]] = arith.sitofp %{{.*}} : i32 to f64
// CHECK:        %[[ANGLE:.*]] = arith.mulf %[[POS]], %[[BLEND]] : f64
// CHECK:        %[[MAG:.*]] = arith.constant 1.3688879454{{[0-9]*}} : f64
// CHECK:        %[[COS:.*]] = math.cos %[[ANGLE]] : f64
// CHECK:        arith.mulf %[[COS]], %[[MAG]] : f64
// CHECK:        %[[SIN:.*]] = math.sin %[[ANGLE]] : f64
// CHECK:        arith.mulf %[[SIN]], %[[MAG]] : f64
func.func @rope_yarn(%k: tensor<4x1x64xf32>, %pos: tensor<4x1xi32>)
    -> tensor<4x1x64xf32> {
  %0 = mla.rope %k, %pos {config = #yarn} : tensor<4x1x64xf32>, tensor<4x1xi32>
  return %0 : tensor<4x1x64xf32>
}

// -----

// mscale without mscale_all_dim (0): transformers' YaRN attention factor is
// then m(factor, 1) = 0.1 · ln 40 + 1, mscale ignored — not m(40, 0.707) =
// 1.2608 — and with both set their ratio, here m(40, 0.707) / m(40, 0.5) =
// 1.2608 / 1.1844 = 1.06447.
#mscale_only = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                           qk_nope_dim = 8, qk_rope_dim = 64, v_head_dim = 8,
                           yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                            mscale = 0.707>>
#both = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                    qk_nope_dim = 8, qk_rope_dim = 64, v_head_dim = 8,
                    yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                     mscale = 0.707, mscale_all_dim = 0.5>>
// CHECK-LABEL: func.func @rope_yarn_mscale
// CHECK:        arith.constant 1.3688879454{{[0-9]*}} : f64
// CHECK:        arith.constant 1.06446890{{[0-9]*}} : f64
func.func @rope_yarn_mscale(%k: tensor<4x1x64xf32>, %pos: tensor<4x1xi32>)
    -> (tensor<4x1x64xf32>, tensor<4x1x64xf32>) {
  %0 = mla.rope %k, %pos {config = #mscale_only} : tensor<4x1x64xf32>, tensor<4x1xi32>
  %1 = mla.rope %k, %pos {config = #both} : tensor<4x1x64xf32>, tensor<4x1xi32>
  return %0, %1 : tensor<4x1x64xf32>, tensor<4x1x64xf32>
}
