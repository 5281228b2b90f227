// RUN: mla-opt %s --convert-mla-to-linalg --split-input-file | FileCheck %s --implicit-check-not="= mla."

// The fused ops lower to their definition in f32, with the keys cut into K
// chunks of C positions (the last one padded) and each chunk attended to
// alone (emitChunkedAttention):
//
//   scores [B, S, H, T] → [B, S, H, K, C]: t = k·C + c, scaled; -inf where
//     t ≥ T (padding), t ≥ len or, when causal, t > len - S + s
//   per chunk: m_k = max_c (maximumf from -inf), e = exp(s - m_k) (0 where
//     masked), l_k = Σ_c e, o_k = Σ_c e·v / l_k (0 when l_k = 0),
//     lse_k = m_k + log l_k (-inf when l_k = 0)
//   combine: w_k = exp(lse_k - max_k lse_k) (0 for an empty chunk),
//     o = Σ_k w_k·o_k / Σ_k w_k (0 when no chunk has a valid key)
//
// mla.fused_decode cuts into K = splits chunks of C = ceil(T / splits);
// mla.fused_prefill into chunks of C = prefix_chunk, K = ceil(T / C). No mla
// op is left. Small config: H = 2, L = 16, N = 8, R = 4, V = 8; pages of 4
// tokens, 3 per request (T = 12); scale = (N + R)^-1/2 = 0.288675.

// Decode, splits = 3: K = 3 chunks of C = 4. W_UK is applied to the query
// before, W_UV to the merged latent output after.
#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @fused_decode
// CHECK-SAME: (%[[QN:[^:]*]]: tensor<2x1x2x8xf32>, %[[QPE:[^:]*]]: tensor<2x1x2x4xf32>, %[[WUK:[^:]*]]: tensor<2x16x8xf32>, %[[WUV:[^:]*]]: tensor<2x16x8xf32>, %[[CACHE:[^:]*]]: tensor<8x4x20xf32>, %[[BT:[^:]*]]: tensor<2x3xi32>, %[[LENS:[^:]*]]: tensor<2xi32>)
// q_lat = q_nope · W_UKᵀ
// CHECK:      %[[QLAT:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[QN]], %[[WUK]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x1x2x16xf32>)
// The latent cache read once through the block table, for all heads.
// CHECK:      %[[GATHERED:.*]] = linalg.generic
// CHECK:        tensor.extract %[[BT]]
// CHECK:        tensor.extract %[[CACHE]]
// CHECK:      } -> tensor<2x12x20xf32>
// CHECK:      %[[LATENT:.*]] = tensor.extract_slice %[[GATHERED]][0, 0, 0] [2, 12, 16]
// CHECK:      %[[KPE:.*]] = tensor.extract_slice %[[GATHERED]][0, 0, 16] [2, 12, 4]
// CHECK:      %[[NOPE:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[QLAT]], %[[LATENT]] :
// CHECK:      %[[ROPE:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[QPE]], %[[KPE]] :
// CHECK:      %[[SCORES:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[NOPE]], %[[ROPE]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x1x2x12xf32>)
// CHECK-DAG:  %[[KEYS:.*]] = arith.constant 12 : index
// CHECK-DAG:  %[[CHUNK:.*]] = arith.constant 4 : index
// CHECK-DAG:  %[[SCALE:.*]] = arith.constant 0.288675129 : f32
// CHECK-DAG:  %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG:  %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// Scores cut into [B, S, H, K, C] = [2, 1, 2, 3, 4].
// CHECK:      %[[CUT:.*]] = linalg.generic
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]
// CHECK-SAME:   outs(%{{.*}} : tensor<2x1x2x3x4xf32>)
// CHECK:        %[[K:.*]] = linalg.index 3 : index
// CHECK-NEXT:   %[[C:.*]] = linalg.index 4 : index
// CHECK-NEXT:   %[[KC:.*]] = arith.muli %[[K]], %[[CHUNK]] : index
// CHECK-NEXT:   %[[T:.*]] = arith.addi %[[KC]], %[[C]] : index
// CHECK-NEXT:   %[[INRANGE:.*]] = arith.cmpi ult, %[[T]], %[[KEYS]] : index
// CHECK:        %[[SCORE:.*]] = tensor.extract %[[SCORES]]
// CHECK:        tensor.extract %[[LENS]]
// CHECK:        %[[VALID:.*]] = arith.andi %[[INRANGE]], %{{.*}} : i1
// CHECK-NEXT:   %[[SCALED:.*]] = arith.mulf %[[SCORE]], %[[SCALE]] : f32
// CHECK-NEXT:   %[[MASKED:.*]] = arith.select %[[VALID]], %[[SCALED]], %[[NEGINF]] : f32
// CHECK-NEXT:   linalg.yield %[[MASKED]] : f32
// The latent (the values of the absorbed form) cut the same way, [B, K, C, L].
// CHECK:      %[[CUTV:.*]] = linalg.generic
// CHECK-SAME:   outs(%{{.*}} : tensor<2x3x4x16xf32>)
// CHECK:        tensor.extract %[[LATENT]]
// Per chunk: max, exponentials, sum.
// CHECK:      %[[MAXINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<2x1x2x3xf32>)
// CHECK:      %[[MAX:.*]] = linalg.generic
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[CUT]] : tensor<2x1x2x3x4xf32>) outs(%[[MAXINIT]] : tensor<2x1x2x3xf32>)
// CHECK-NEXT: ^bb0(%[[E:[^:]*]]: f32, %[[ACC:[^:]*]]: f32):
// CHECK-NEXT:   arith.maximumf %[[ACC]], %[[E]] : f32
// CHECK:      %[[EXPS:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[CUT]], %[[MAX]] :
// CHECK-NEXT: ^bb0(%[[S:[^:]*]]: f32, %[[M:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT:   %[[ISMASKED:.*]] = arith.cmpf oeq, %[[S]], %[[NEGINF]] : f32
// CHECK-NEXT:   %[[SHIFTED:.*]] = arith.subf %[[S]], %[[M]] : f32
// CHECK-NEXT:   %[[EXP:.*]] = math.exp %[[SHIFTED]] : f32
// CHECK-NEXT:   arith.select %[[ISMASKED]], %[[ZERO]], %[[EXP]] : f32
// CHECK:      %[[SUMINIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<2x1x2x3xf32>)
// CHECK:      %[[SUM:.*]] = linalg.generic
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[EXPS]] : tensor<2x1x2x3x4xf32>) outs(%[[SUMINIT]] : tensor<2x1x2x3xf32>)
// CHECK:        arith.addf
// Per chunk: the partial output, normalised (guarded), and its log-sum-exp.
// CHECK:      %[[PARTIAL:.*]] = linalg.generic
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[EXPS]], %[[CUTV]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x1x2x3x16xf32>)
// CHECK:      %[[NORMALISED:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[PARTIAL]], %[[SUM]] :
// CHECK-NEXT: ^bb0(%[[P:[^:]*]]: f32, %[[L:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.cmpf oeq, %[[L]], %[[ZERO]] : f32
// CHECK-NEXT:   %[[DIV:.*]] = arith.divf %[[P]], %[[L]] : f32
// CHECK-NEXT:   arith.select %[[EMPTY]], %[[ZERO]], %[[DIV]] : f32
// CHECK:      %[[LSE:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[MAX]], %[[SUM]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x1x2x3xf32>)
// CHECK-NEXT: ^bb0(%[[M:[^:]*]]: f32, %[[L:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.cmpf oeq, %[[L]], %[[ZERO]] : f32
// CHECK-NEXT:   %[[LOG:.*]] = math.log %[[L]] : f32
// CHECK-NEXT:   %[[SUMLOG:.*]] = arith.addf %[[M]], %[[LOG]] : f32
// CHECK-NEXT:   arith.select %[[EMPTY]], %[[NEGINF]], %[[SUMLOG]] : f32
// The combine over the K chunks.
// CHECK:      %[[LSEMAXINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<2x1x2xf32>)
// CHECK:      %[[LSEMAX:.*]] = linalg.generic
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[LSE]] : tensor<2x1x2x3xf32>) outs(%[[LSEMAXINIT]] : tensor<2x1x2xf32>)
// CHECK-NEXT: ^bb0(%[[X:[^:]*]]: f32, %[[ACC:[^:]*]]: f32):
// CHECK-NEXT:   arith.maximumf %[[ACC]], %[[X]] : f32
// CHECK:      %[[WEIGHTS:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[LSE]], %[[LSEMAX]] :
// CHECK-NEXT: ^bb0(%[[X:[^:]*]]: f32, %[[XMAX:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.cmpf oeq, %[[X]], %[[NEGINF]] : f32
// CHECK-NEXT:   %[[D:.*]] = arith.subf %[[X]], %[[XMAX]] : f32
// CHECK-NEXT:   %[[W:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT:   arith.select %[[EMPTY]], %[[ZERO]], %[[W]] : f32
// CHECK:      %[[WSUM:.*]] = linalg.generic
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[WEIGHTS]] : tensor<2x1x2x3xf32>)
// CHECK:        arith.addf
// CHECK:      %[[MERGED:.*]] = linalg.generic
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[WEIGHTS]], %[[NORMALISED]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x1x2x16xf32>)
// CHECK:      %[[OLAT:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[MERGED]], %[[WSUM]] :
// CHECK-NEXT: ^bb0(%[[X:[^:]*]]: f32, %[[WS:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.cmpf oeq, %[[WS]], %[[ZERO]] : f32
// CHECK-NEXT:   %[[DIV:.*]] = arith.divf %[[X]], %[[WS]] : f32
// CHECK-NEXT:   arith.select %[[EMPTY]], %[[ZERO]], %[[DIV]] : f32
// o = o_lat · W_UV
// CHECK:      %[[O:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[OLAT]], %[[WUV]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x1x2x8xf32>)
// CHECK:      return %[[O]]
func.func @fused_decode(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x2x8xf32> {
  %0 = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] causal
      tiling <splits = 3, block_tokens = 64, heads_per_block = 2, stages = 2>
      {config = #small}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<8x4x20xf32>, tensor<2x3xi32>,
         tensor<2xi32>) -> tensor<2x1x2x8xf32>
  return %0 : tensor<2x1x2x8xf32>
}

// -----

// Decode over a dynamic number of cache positions (pages per request
// unknown): the chunk size is ceil(T / splits) at run time, the chunk count
// stays the static split count.
#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @fused_decode_dynamic_positions
// CHECK:      %[[SCORES:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x1x2x?xf32>, tensor<2x1x2x?xf32>)
// CHECK:      %[[T:.*]] = tensor.dim %[[SCORES]], %{{.*}} : tensor<2x1x2x?xf32>
// CHECK-NEXT: %[[THREE:.*]] = arith.constant 3 : index
// CHECK-NEXT: %[[CHUNK:.*]] = arith.ceildivui %[[T]], %[[THREE]] : index
// CHECK:      tensor.empty(%[[CHUNK]]) : tensor<2x1x2x3x?xf32>
// CHECK:      arith.muli %{{.*}}, %[[CHUNK]] : index
// CHECK:      tensor.empty(%[[CHUNK]]) : tensor<2x3x?x16xf32>
// CHECK:      math.log
// CHECK:      return %{{.*}} : tensor<2x1x2x8xf32>
func.func @fused_decode_dynamic_positions(%q_nope: tensor<2x1x2x8xf32>,
    %q_pe: tensor<2x1x2x4xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %cache: tensor<?x4x20xf32>,
    %bt: tensor<2x?xi32>, %lens: tensor<2xi32>) -> tensor<2x1x2x8xf32> {
  %0 = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] causal
      tiling <splits = 3, block_tokens = 64, heads_per_block = 2, stages = 2>
      {config = #small}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<?x4x20xf32>, tensor<2x?xi32>,
         tensor<2xi32>) -> tensor<2x1x2x8xf32>
  return %0 : tensor<2x1x2x8xf32>
}

// -----

// Prefill, prefix_chunk = 5 over T = 12: K = 3 chunks of C = 5 (the last
// one padded to 15 positions). K and V are decompressed from the gathered
// latent (both [B, T, H, 8]), scored in the decompressed form, and cut with
// the causal mask of the 3 new tokens (t ≤ len - 3 + s).
#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @fused_prefill
// CHECK-SAME: (%[[QN:[^:]*]]: tensor<1x3x2x8xf32>, %[[QPE:[^:]*]]: tensor<1x3x2x4xf32>, %[[WUK:[^:]*]]: tensor<2x16x8xf32>, %[[WUV:[^:]*]]: tensor<2x16x8xf32>, %[[CACHE:[^:]*]]: tensor<8x4x20xf32>, %[[BT:[^:]*]]: tensor<1x3xi32>, %[[LENS:[^:]*]]: tensor<1xi32>)
// CHECK:      %[[GATHERED:.*]] = linalg.generic
// CHECK:        tensor.extract %[[CACHE]]
// CHECK:      } -> tensor<1x12x20xf32>
// CHECK:      %[[LATENT:.*]] = tensor.extract_slice %[[GATHERED]][0, 0, 0] [1, 12, 16]
// CHECK:      %[[KPE:.*]] = tensor.extract_slice %[[GATHERED]][0, 0, 16] [1, 12, 4]
// CHECK:      %[[KNOPE:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[LATENT]], %[[WUK]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<1x12x2x8xf32>)
// CHECK:      %[[V:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[LATENT]], %[[WUV]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<1x12x2x8xf32>)
// CHECK:      %[[NOPE:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[QN]], %[[KNOPE]] :
// CHECK:      %[[ROPE:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[QPE]], %[[KPE]] :
// CHECK:      %[[SCORES:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[NOPE]], %[[ROPE]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<1x3x2x12xf32>)
// CHECK-DAG:  %[[TOKENS:.*]] = arith.constant 3 : index
// CHECK-DAG:  %[[KEYS:.*]] = arith.constant 12 : index
// CHECK-DAG:  %[[CHUNK:.*]] = arith.constant 5 : index
// CHECK-DAG:  %[[SCALE:.*]] = arith.constant 0.288675129 : f32
// CHECK-DAG:  %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG:  %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:      %[[CUT:.*]] = linalg.generic
// CHECK-SAME:   outs(%{{.*}} : tensor<1x3x2x3x5xf32>)
// CHECK:        %[[S:.*]] = linalg.index 1 : index
// CHECK:        %[[K:.*]] = linalg.index 3 : index
// CHECK-NEXT:   %[[C:.*]] = linalg.index 4 : index
// CHECK-NEXT:   %[[KC:.*]] = arith.muli %[[K]], %[[CHUNK]] : index
// CHECK-NEXT:   %[[T:.*]] = arith.addi %[[KC]], %[[C]] : index
// CHECK-NEXT:   %[[INRANGE:.*]] = arith.cmpi ult, %[[T]], %[[KEYS]] : index
// CHECK:        %[[SCORE:.*]] = tensor.extract %[[SCORES]]
// CHECK:        %[[LEN_I32:.*]] = tensor.extract %[[LENS]]
// CHECK-NEXT:   %[[LEN:.*]] = arith.index_cast %[[LEN_I32]] : i32 to index
// CHECK-NEXT:   %[[INLEN:.*]] = arith.cmpi slt, %[[T]], %[[LEN]] : index
// CHECK-NEXT:   %[[FIRST:.*]] = arith.subi %[[LEN]], %[[TOKENS]] : index
// CHECK-NEXT:   %[[LAST:.*]] = arith.addi %[[FIRST]], %[[S]] : index
// CHECK-NEXT:   %[[PAST:.*]] = arith.cmpi sle, %[[T]], %[[LAST]] : index
// CHECK-NEXT:   %[[KEY:.*]] = arith.andi %[[INLEN]], %[[PAST]] : i1
// CHECK-NEXT:   %[[VALID:.*]] = arith.andi %[[INRANGE]], %[[KEY]] : i1
// CHECK-NEXT:   %[[SCALED:.*]] = arith.mulf %[[SCORE]], %[[SCALE]] : f32
// CHECK-NEXT:   arith.select %[[VALID]], %[[SCALED]], %[[NEGINF]] : f32
// Values cut into [B, K, C, H, V], zero where padded.
// CHECK:      %[[CUTV:.*]] = linalg.generic
// CHECK-SAME:   outs(%{{.*}} : tensor<1x3x5x2x8xf32>)
// CHECK:        tensor.extract %[[V]]
// CHECK:      %[[MAX:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[CUT]] : tensor<1x3x2x3x5xf32>) outs(%{{.*}} : tensor<1x3x2x3xf32>)
// CHECK:        arith.maximumf
// CHECK:      %[[EXPS:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[CUT]], %[[MAX]] :
// CHECK:        math.exp
// CHECK:      %[[SUM:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[EXPS]] : tensor<1x3x2x3x5xf32>) outs(%{{.*}} : tensor<1x3x2x3xf32>)
// CHECK:      %[[PARTIAL:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[EXPS]], %[[CUTV]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<1x3x2x3x8xf32>)
// CHECK:      %[[NORMALISED:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[PARTIAL]], %[[SUM]] :
// CHECK:        arith.divf
// CHECK:      %[[LSE:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[MAX]], %[[SUM]] :
// CHECK:        math.log
// CHECK:      %[[LSEMAX:.*]] = linalg.generic
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[LSE]] : tensor<1x3x2x3xf32>) outs(%{{.*}} : tensor<1x3x2xf32>)
// CHECK:        arith.maximumf
// CHECK:      %[[WEIGHTS:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[LSE]], %[[LSEMAX]] :
// CHECK:        math.exp
// CHECK:      %[[WSUM:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[WEIGHTS]] : tensor<1x3x2x3xf32>) outs(%{{.*}} : tensor<1x3x2xf32>)
// CHECK:      %[[MERGED:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[WEIGHTS]], %[[NORMALISED]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<1x3x2x8xf32>)
// CHECK:      %[[O:.*]] = linalg.generic
// CHECK-SAME:   ins(%[[MERGED]], %[[WSUM]] :
// CHECK-NEXT: ^bb0(%[[X:[^:]*]]: f32, %[[WS:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.cmpf oeq, %[[WS]], %[[ZERO]] : f32
// CHECK-NEXT:   %[[DIV:.*]] = arith.divf %[[X]], %[[WS]] : f32
// CHECK-NEXT:   arith.select %[[EMPTY]], %[[ZERO]], %[[DIV]] : f32
// CHECK:      } -> tensor<1x3x2x8xf32>
// CHECK:      return %[[O]]
func.func @fused_prefill(%q_nope: tensor<1x3x2x8xf32>, %q_pe: tensor<1x3x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<1x3xi32>, %lens: tensor<1xi32>)
    -> tensor<1x3x2x8xf32> {
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] causal
      tiling <block_queries = 64, block_keys = 16, prefix_chunk = 5>
      {config = #small}
      : (tensor<1x3x2x8xf32>, tensor<1x3x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<8x4x20xf32>, tensor<1x3xi32>,
         tensor<1xi32>) -> tensor<1x3x2x8xf32>
  return %0 : tensor<1x3x2x8xf32>
}

// -----

// Not causal, bf16: no causal term in the mask, only t < T and t < len;
// the f32 result is truncated to bf16 at the end.
#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @fused_prefill_not_causal
// CHECK:      linalg.generic {{.*}} outs(%{{.*}} : tensor<1x3x2x3x5xf32>)
// CHECK:        %[[T:.*]] = arith.addi
// CHECK-NEXT:   %[[INRANGE:.*]] = arith.cmpi ult, %[[T]], %{{.*}} : index
// CHECK:        %[[INLEN:.*]] = arith.cmpi slt, %[[T]], %{{.*}} : index
// CHECK-NEXT:   %[[VALID:.*]] = arith.andi %[[INRANGE]], %[[INLEN]] : i1
// CHECK-NEXT:   arith.mulf
// CHECK-NEXT:   arith.select %[[VALID]]
// CHECK:      math.log
// CHECK:      arith.truncf %{{.*}} : f32 to bf16
// CHECK:      return %{{.*}} : tensor<1x3x2x8xbf16>
func.func @fused_prefill_not_causal(%q_nope: tensor<1x3x2x8xbf16>,
    %q_pe: tensor<1x3x2x4xbf16>, %wuk: tensor<2x16x8xbf16>,
    %wuv: tensor<2x16x8xbf16>, %cache: tensor<8x4x20xbf16>,
    %bt: tensor<1x3xi32>, %lens: tensor<1xi32>) -> tensor<1x3x2x8xbf16> {
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens]
      tiling <block_queries = 64, block_keys = 16, prefix_chunk = 5>
      {config = #small}
      : (tensor<1x3x2x8xbf16>, tensor<1x3x2x4xbf16>, tensor<2x16x8xbf16>,
         tensor<2x16x8xbf16>, tensor<8x4x20xbf16>, tensor<1x3xi32>,
         tensor<1xi32>) -> tensor<1x3x2x8xbf16>
  return %0 : tensor<1x3x2x8xbf16>
}

// -----

// Varlen: request by request. The starts are checked (cf.assert) before a
// request's rows [qs[b], qs[b + 1]) are sliced out of the packed queries as
// a batch of one; its result goes back into the same rows of the
// [X, H, V] output; a request without rows is skipped.
#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @fused_prefill_varlen
// CHECK:       %[[INIT:.*]] = linalg.fill {{.*}} -> tensor<?x2x8xf32>
// CHECK:       scf.for %[[B:.*]] = %c0 to %{{.*}} step %c1 iter_args(%[[ACC:.*]] = %[[INIT]])
// CHECK:         %[[FIRST:.*]] = tensor.extract %arg7[%[[B]]] : tensor<3xi32>
// CHECK:         cf.assert %{{.*}}, "mla.fused_prefill: query_starts[0] must be 0"
// CHECK:         cf.assert %{{.*}}, "mla.fused_prefill: query_starts must not decrease nor pass the packed rows"
// CHECK:         cf.assert %{{.*}}, "mla.fused_prefill: query_starts[batch] must be the number of packed rows"
// CHECK:         cf.assert %{{.*}}, "mla.fused_prefill: a sequence length is smaller than its request's new tokens"
// CHECK:         %[[ANY:.*]] = arith.cmpi sgt, %[[COUNT:.*]], %c0
// CHECK:         scf.if %[[ANY]] -> (tensor<?x2x8xf32>) {
// CHECK:           tensor.extract_slice %arg5[%[[B]], 0] [1, 2] [1, 1] : tensor<2x2xi32> to tensor<1x2xi32>
// CHECK:           %[[ROWS:.*]] = tensor.extract_slice %arg0[%[[START:.*]], 0, 0] [%[[COUNT]], 2, 8] [1, 1, 1]
// CHECK:           tensor.expand_shape %[[ROWS]] {{\[\[}}0, 1], [2], [3]] output_shape [1, %[[COUNT]], 2, 8]
// CHECK:           math.log
// CHECK:           %[[O:.*]] = tensor.insert_slice %{{.*}} into %[[ACC]][%[[START]], 0, 0] [%[[COUNT]], 2, 8]
// CHECK:           scf.yield %[[O]]
// CHECK:         } else {
// CHECK:           scf.yield %[[ACC]]
func.func @fused_prefill_varlen(%q_nope: tensor<?x2x8xf32>, %q_pe: tensor<?x2x4xf32>,
                                %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
                                %cache: tensor<4x4x20xf32>, %bt: tensor<2x2xi32>,
                                %lens: tensor<2xi32>, %qs: tensor<3xi32>) -> tensor<?x2x8xf32> {
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] query_starts(%qs) causal
      tiling #mla.prefill_tiling<block_queries = 64, block_keys = 16, prefix_chunk = 4>
      {config = #small}
      : (tensor<?x2x8xf32>, tensor<?x2x4xf32>, tensor<2x16x8xf32>, tensor<2x16x8xf32>,
         tensor<4x4x20xf32>, tensor<2x2xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<?x2x8xf32>
  return %0 : tensor<?x2x8xf32>
}

// -----

// A prefix chunk longer than the keys is one chunk of all of them (2^30,
// "never split", must not size the buffers): static keys, then dynamic
// ones (table width ?: the chunk is min(chunk, M·G)).
#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @fused_prefill_one_chunk
// CHECK:       linalg.generic {{.*}} outs(%{{.*}} : tensor<1x3x2x1x12xf32>)
// CHECK-LABEL: func.func @fused_prefill_one_chunk_dynamic
// CHECK:       %[[MIN:.*]] = arith.minsi %c1073741824, %{{.*}} : index
// CHECK:       %[[CHUNK:.*]] = arith.maxsi %[[MIN]], %c1{{.*}} : index
// CHECK-NEXT:  arith.ceildivui %{{.*}}, %[[CHUNK]] : index
func.func @fused_prefill_one_chunk(%q_nope: tensor<1x3x2x8xf32>,
    %q_pe: tensor<1x3x2x4xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %cache: tensor<8x4x20xf32>,
    %bt: tensor<1x3xi32>, %lens: tensor<1xi32>) -> tensor<1x3x2x8xf32> {
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens]
      tiling <block_queries = 64, block_keys = 16, prefix_chunk = 1073741824>
      {config = #small}
      : (tensor<1x3x2x8xf32>, tensor<1x3x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<8x4x20xf32>, tensor<1x3xi32>,
         tensor<1xi32>) -> tensor<1x3x2x8xf32>
  return %0 : tensor<1x3x2x8xf32>
}
func.func @fused_prefill_one_chunk_dynamic(%q_nope: tensor<1x3x2x8xf32>,
    %q_pe: tensor<1x3x2x4xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %cache: tensor<8x4x20xf32>,
    %bt: tensor<1x?xi32>, %lens: tensor<1xi32>) -> tensor<1x3x2x8xf32> {
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens]
      tiling <block_queries = 64, block_keys = 16, prefix_chunk = 1073741824>
      {config = #small}
      : (tensor<1x3x2x8xf32>, tensor<1x3x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<8x4x20xf32>, tensor<1x?xi32>,
         tensor<1xi32>) -> tensor<1x3x2x8xf32>
  return %0 : tensor<1x3x2x8xf32>
}
