// RUN: mla-opt %s --convert-mla-to-linalg --split-input-file | FileCheck %s

// Attention: scores = q_nope · k_nopeᵀ + q_pe · k_peᵀ (two contractions over
// the head dims, added), then the masked softmax over the keys:
//   scale · score where key t is valid (t < len, and t <= len - S + s when
//   causal), -inf elsewhere; row max (maximumf from -inf); exp(x - max) with
//   masked keys forced to 0 (a fully masked row has max = -inf); row sum;
//   division guarded so that a row with no valid key is all zeros;
// then P · V, where a zero probability contributes nothing even if V holds
// NaN or inf there. Small config: H = 2, N = 8, R = 4, V = 8, L = 16;
// scale = (N + R)^-1/2 = 0.288675.

// B = 2, S = 3, T = 5, causal.
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-DAG: #[[$BSHN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$BTHN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d2, d4)>
// CHECK-DAG: #[[$BSHT:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$BTR:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d4)>
// CHECK-DAG: #[[$ID:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$ROW:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[$BTHV:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d2, d3)>
// CHECK-LABEL: func.func @decompressed_attention_causal
// CHECK-SAME: (%[[QN:[^:]*]]: tensor<2x3x2x8xf32>, %[[QP:[^:]*]]: tensor<2x3x2x4xf32>, %[[KN:[^:]*]]: tensor<2x5x2x8xf32>, %[[KP:[^:]*]]: tensor<2x5x4xf32>, %[[V:[^:]*]]: tensor<2x5x2x8xf32>, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK:      %[[NOPE:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSHN]], #[[$BTHN]], #[[$BSHT]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[QN]], %[[KN]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x3x2x5xf32>)
// CHECK:      %[[ROPE:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSHN]], #[[$BTR]], #[[$BSHT]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[QP]], %[[KP]] :
// CHECK:      %[[SCORES:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]], #[[$ID]], #[[$ID]]]
// CHECK-SAME:   ins(%[[NOPE]], %[[ROPE]] :
// CHECK:        arith.addf
// CHECK-DAG:  %[[S:.*]] = arith.constant 3 : index
// CHECK-DAG:  %[[SCALE:.*]] = arith.constant 0.288675129 : f32
// CHECK-DAG:  %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG:  %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:      %[[MASKED:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]], #[[$ID]]]
// CHECK-SAME:   ins(%[[SCORES]] :
// CHECK-NEXT: ^bb0(%[[X:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-DAG:    %[[B:.*]] = linalg.index 0 : index
// CHECK-DAG:    %[[Q:.*]] = linalg.index 1 : index
// CHECK-DAG:    %[[T:.*]] = linalg.index 3 : index
// CHECK:        %[[LEN_I32:.*]] = tensor.extract %[[LENS]][%[[B]]] : tensor<2xi32>
// CHECK:        %[[LEN:.*]] = arith.index_cast %[[LEN_I32]] : i32 to index
// CHECK:        %[[INLEN:.*]] = arith.cmpi slt, %[[T]], %[[LEN]] : index
// CHECK:        %[[FIRST:.*]] = arith.subi %[[LEN]], %[[S]] : index
// CHECK:        %[[LAST:.*]] = arith.addi %[[FIRST]], %[[Q]] : index
// CHECK:        %[[PAST:.*]] = arith.cmpi sle, %[[T]], %[[LAST]] : index
// CHECK:        %[[VALID:.*]] = arith.andi %[[INLEN]], %[[PAST]] : i1
// CHECK:        %[[SCALED:.*]] = arith.mulf %[[X]], %[[SCALE]] : f32
// CHECK:        %[[M:.*]] = arith.select %[[VALID]], %[[SCALED]], %[[NEGINF]] : f32
// CHECK:        linalg.yield %[[M]] : f32
// CHECK:      %[[MAXINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<2x3x2xf32>)
// CHECK:      %[[MAX:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]], #[[$ROW]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[MASKED]] : tensor<2x3x2x5xf32>) outs(%[[MAXINIT]] : tensor<2x3x2xf32>)
// CHECK-NEXT: ^bb0(%[[E:[^:]*]]: f32, %[[ACC:[^:]*]]: f32):
// CHECK-NEXT:   %[[NEWMAX:.*]] = arith.maximumf %[[ACC]], %[[E]] : f32
// CHECK:      %[[EXPS:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]]
// CHECK-SAME:   ins(%[[MASKED]], %[[MAX]] :
// CHECK-NEXT: ^bb0(%[[E:[^:]*]]: f32, %[[RMAX:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT:   %[[ISMASKED:.*]] = arith.cmpf oeq, %[[E]], %[[NEGINF]] : f32
// CHECK-NEXT:   %[[SHIFTED:.*]] = arith.subf %[[E]], %[[RMAX]] : f32
// CHECK-NEXT:   %[[EXP:.*]] = math.exp %[[SHIFTED]] : f32
// CHECK-NEXT:   %[[P:.*]] = arith.select %[[ISMASKED]], %[[ZERO]], %[[EXP]] : f32
// CHECK-NEXT:   linalg.yield %[[P]] : f32
// CHECK:      %[[SUMINIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<2x3x2xf32>)
// CHECK:      %[[SUM:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]], #[[$ROW]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[EXPS]] : tensor<2x3x2x5xf32>) outs(%[[SUMINIT]] : tensor<2x3x2xf32>)
// CHECK:        arith.addf
// CHECK:      %[[PROBS:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]]
// CHECK-SAME:   ins(%[[EXPS]], %[[SUM]] :
// CHECK-NEXT: ^bb0(%[[E:[^:]*]]: f32, %[[RSUM:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT:   %[[EMPTYROW:.*]] = arith.cmpf oeq, %[[RSUM]], %[[ZERO]] : f32
// CHECK-NEXT:   %[[DIV:.*]] = arith.divf %[[E]], %[[RSUM]] : f32
// CHECK-NEXT:   %[[PR:.*]] = arith.select %[[EMPTYROW]], %[[ZERO]], %[[DIV]] : f32
// CHECK-NEXT:   linalg.yield %[[PR]] : f32
// CHECK:      %[[OUT:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSHN]], #[[$BTHV]], #[[$BSHT]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[PROBS]], %[[V]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x3x2x8xf32>)
// CHECK-NEXT: ^bb0(%[[PE:[^:]*]]: f32, %[[VE:[^:]*]]: f32, %[[ACC:[^:]*]]: f32):
// CHECK-NEXT:   %[[PV:.*]] = arith.mulf %[[PE]], %[[VE]] : f32
// CHECK-NEXT:   %[[PZERO:.*]] = arith.cmpf oeq, %[[PE]], %[[PVZERO:.*]] : f32
// CHECK-NEXT:   %[[TERM:.*]] = arith.select %[[PZERO]], %[[PVZERO]], %[[PV]] : f32
// CHECK-NEXT:   %[[NEWACC:.*]] = arith.addf %[[ACC]], %[[TERM]] : f32
// CHECK-NEXT:   linalg.yield %[[NEWACC]] : f32
// CHECK:      return %[[OUT]]
func.func @decompressed_attention_causal(
    %q_nope: tensor<2x3x2x8xf32>, %q_pe: tensor<2x3x2x4xf32>,
    %k_nope: tensor<2x5x2x8xf32>, %k_pe: tensor<2x5x4xf32>,
    %v: tensor<2x5x2x8xf32>, %lens: tensor<2xi32>) -> tensor<2x3x2x8xf32> {
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #small}
      : (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>, tensor<2x5x2x8xf32>,
         tensor<2x5x4xf32>, tensor<2x5x2x8xf32>, tensor<2xi32>)
      -> tensor<2x3x2x8xf32>
  return %0 : tensor<2x3x2x8xf32>
}

// -----

// Not causal: the only mask is t < len. The DeepSeek-V3 config's scale is
// 192^-1/2 · m² with YaRN's m = 0.1 · ln 40 + 1: 0.1352338.
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @decompressed_attention_v3
// CHECK:      %[[SCALE:.*]] = arith.constant 0.13523377{{[0-9]*}} : f32
// CHECK:      linalg.generic
// CHECK:        %[[T:.*]] = linalg.index 3 : index
// CHECK:        %[[VALID:.*]] = arith.cmpi slt, %[[T]], %{{.*}} : index
// CHECK-NOT:    arith.cmpi
// CHECK:        %[[SCALED:.*]] = arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK:        arith.select %[[VALID]], %[[SCALED]], %{{.*}} : f32
func.func @decompressed_attention_v3(
    %q_nope: tensor<1x1x128x128xf32>, %q_pe: tensor<1x1x128x64xf32>,
    %k_nope: tensor<1x4x128x128xf32>, %k_pe: tensor<1x4x64xf32>,
    %v: tensor<1x4x128x128xf32>, %lens: tensor<1xi32>)
    -> tensor<1x1x128x128xf32> {
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens {config = #v3}
      : (tensor<1x1x128x128xf32>, tensor<1x1x128x64xf32>,
         tensor<1x4x128x128xf32>, tensor<1x4x64xf32>,
         tensor<1x4x128x128xf32>, tensor<1xi32>) -> tensor<1x1x128x128xf32>
  return %0 : tensor<1x1x128x128xf32>
}

// -----

// Dynamic sizes: the key count comes from k_nope, and the causal bound
// uses the runtime number of new tokens (dim 1 of the scores).
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @decompressed_attention_dynamic
// CHECK-SAME: (%[[QN:[^:]*]]: tensor<?x?x2x8xf32>, %{{[^:]*}}: tensor<?x?x2x4xf32>, %[[KN:[^:]*]]: tensor<?x?x2x8xf32>
// CHECK:      tensor.dim %[[KN]], %{{.*}} : tensor<?x?x2x8xf32>
// CHECK:      %[[KEYS:.*]] = tensor.dim %[[KN]], %{{.*}} : tensor<?x?x2x8xf32>
// CHECK:      tensor.empty(%{{.*}}, %{{.*}}, %[[KEYS]]) : tensor<?x?x2x?xf32>
// CHECK:      %[[SCORES:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK:      tensor.dim %[[SCORES]], %{{.*}} : tensor<?x?x2x?xf32>
// CHECK:      %[[S:.*]] = tensor.dim %[[SCORES]], %{{.*}} : tensor<?x?x2x?xf32>
// CHECK:      linalg.generic {{.*}} ins(%[[SCORES]] :
// CHECK:        arith.subi %{{.*}}, %[[S]] : index
// CHECK:        arith.cmpi sle
func.func @decompressed_attention_dynamic(
    %q_nope: tensor<?x?x2x8xf32>, %q_pe: tensor<?x?x2x4xf32>,
    %k_nope: tensor<?x?x2x8xf32>, %k_pe: tensor<?x?x4xf32>,
    %v: tensor<?x?x2x8xf32>, %lens: tensor<?xi32>) -> tensor<?x?x2x8xf32> {
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #small}
      : (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x8xf32>,
         tensor<?x?x4xf32>, tensor<?x?x2x8xf32>, tensor<?xi32>)
      -> tensor<?x?x2x8xf32>
  return %0 : tensor<?x?x2x8xf32>
}

// -----

// Latent attention: the cache is gathered once ([B, M*G, L+R], as for
// mla.cache.gather, see cache.mlir) and its latent part serves as both keys
// ("bshl,btl->bsht") and values ("bsht,btl->bshl"); the rope part gives the
// rope scores. Gathered slots past the length are zero, so P · c_KV needs no
// guard. Explicit softmax_scale = 0.5; B = 2, S = 1, M = 3, G = 4.
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8,
                     softmax_scale = 0.5>
// CHECK-DAG: #[[$BSHL:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$BTL:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d4)>
// CHECK-DAG: #[[$BSHT:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$TL:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d3)>
// CHECK-LABEL: func.func @latent_attention
// CHECK-SAME: (%[[QLAT:[^:]*]]: tensor<2x1x2x16xf32>, %[[QPE:[^:]*]]: tensor<2x1x2x4xf32>, %[[CACHE:[^:]*]]: tensor<8x4x20xf32>, %[[BT:[^:]*]]: tensor<2x3xi32>, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK:      %[[ALL:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x12x20xf32>)
// CHECK:        tensor.extract %[[BT]]
// CHECK:        tensor.extract %[[CACHE]]
// CHECK:      %[[LAT:.*]] = tensor.extract_slice %[[ALL]][0, 0, 0] [2, 12, 16] [1, 1, 1]
// CHECK:      %[[KPE:.*]] = tensor.extract_slice %[[ALL]][0, 0, 16] [2, 12, 4] [1, 1, 1]
// CHECK:      %[[NOPE:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSHL]], #[[$BTL]], #[[$BSHT]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[QLAT]], %[[LAT]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x1x2x12xf32>)
// CHECK:      %[[ROPE:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSHL]], #[[$BTL]], #[[$BSHT]]]
// CHECK-SAME:   ins(%[[QPE]], %[[KPE]] :
// CHECK:      %[[SCORES:.*]] = linalg.generic {{.*}} ins(%[[NOPE]], %[[ROPE]] :
// CHECK:      %[[SCALE:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:      linalg.generic {{.*}} ins(%[[SCORES]] :
// CHECK:        arith.cmpi slt
// CHECK-NOT:    arith.cmpi sle
// CHECK:        arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK:        math.exp
// CHECK:        arith.divf
// CHECK:      %[[OUT:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSHL]], #[[$TL]], #[[$BSHT]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%{{.*}}, %[[LAT]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x1x2x16xf32>)
// CHECK-NEXT: ^bb0(%[[PE:[^:]*]]: f32, %[[CE:[^:]*]]: f32, %[[ACC:[^:]*]]: f32):
// CHECK-NEXT:   %[[PC:.*]] = arith.mulf %[[PE]], %[[CE]] : f32
// CHECK-NEXT:   %[[NEWACC:.*]] = arith.addf %[[ACC]], %[[PC]] : f32
// CHECK-NEXT:   linalg.yield %[[NEWACC]] : f32
// CHECK:      return %[[OUT]]
func.func @latent_attention(
    %q_lat: tensor<2x1x2x16xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x2x16xf32> {
  %0 = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens]
      {config = #small}
      : (tensor<2x1x2x16xf32>, tensor<2x1x2x4xf32>, tensor<8x4x20xf32>,
         tensor<2x3xi32>, tensor<2xi32>) -> tensor<2x1x2x16xf32>
  return %0 : tensor<2x1x2x16xf32>
}
