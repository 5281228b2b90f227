// RUN: mla-opt %s --convert-mla-to-linalg --split-input-file | FileCheck %s

// The projections, decompression and absorption: one linalg.generic
// contraction each (an einsum: output letters are the parallel loops, in
// order, then the summed letters as reduction loops), accumulating into a
// zero-filled f32 tensor. Weights with a per-head layout are viewed per head
// with tensor.expand_shape; split weights are sliced. Small config: H = 2,
// D = 32, Q = 16, L = 16, N = 8, R = 4, V = 8 (H*(N+R) = 24, L+R = 20,
// H*V = 16).

// The full contraction once: zero init, multiply-accumulate body.
// "btl,hln->bthn": loops (b, t, h, n, l).
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-DAG: #[[$BTL:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>
// CHECK-DAG: #[[$HLN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>
// CHECK-DAG: #[[$BTHN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @decompress_key
// CHECK-SAME: (%[[C:[^:]*]]: tensor<2x5x16xf32>, %[[W:[^:]*]]: tensor<2x16x8xf32>)
// CHECK:      %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:      %[[EMPTY:.*]] = tensor.empty() : tensor<2x5x2x8xf32>
// CHECK:      %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<2x5x2x8xf32>)
// CHECK:      %[[K:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BTL]], #[[$HLN]], #[[$BTHN]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[C]], %[[W]] : tensor<2x5x16xf32>, tensor<2x16x8xf32>) outs(%[[INIT]] : tensor<2x5x2x8xf32>)
// CHECK-NEXT: ^bb0(%[[A:[^:]*]]: f32, %[[B:[^:]*]]: f32, %[[ACC:[^:]*]]: f32):
// CHECK-NEXT:   %[[P:.*]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK-NEXT:   %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT:   linalg.yield %[[S]] : f32
// CHECK:      return %[[K]]
func.func @decompress_key(%c_kv: tensor<2x5x16xf32>, %wuk: tensor<2x16x8xf32>)
    -> tensor<2x5x2x8xf32> {
  %0 = mla.decompress key %c_kv, %wuk {config = #small}
      : (tensor<2x5x16xf32>, tensor<2x16x8xf32>) -> tensor<2x5x2x8xf32>
  return %0 : tensor<2x5x2x8xf32>
}

// -----

// The value projection is the same contraction with W_UV [H, L, V] (V = 6
// here, to tell it from N).
#v6 = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                  qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 6>
// CHECK-DAG: #[[$BTL:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>
// CHECK-DAG: #[[$HLV:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>
// CHECK-DAG: #[[$BTHV:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @decompress_value
// CHECK-SAME: (%[[C:[^:]*]]: tensor<2x5x16xf32>, %[[W:[^:]*]]: tensor<2x16x6xf32>)
// CHECK:      %[[V:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BTL]], #[[$HLV]], #[[$BTHV]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[C]], %[[W]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x5x2x6xf32>)
// CHECK:      return %[[V]]
func.func @decompress_value(%c_kv: tensor<2x5x16xf32>, %wuv: tensor<2x16x6xf32>)
    -> tensor<2x5x2x6xf32> {
  %0 = mla.decompress value %c_kv, %wuv {config = #v6}
      : (tensor<2x5x16xf32>, tensor<2x16x6xf32>) -> tensor<2x5x2x6xf32>
  return %0 : tensor<2x5x2x6xf32>
}

// -----

// With query compression: c_Q = RMSNorm(h · W_DQ) ("bsd,dq->bsq"), then
// W_UQ [Q, H*(N+R)] = [16, 24] is viewed as [16, H = 2, N+R = 12], and each
// head's first N columns give q_nope, the last R columns q_pe
// ("bsc,chn->bshn", "bsc,chr->bshr").
#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-DAG: #[[$BSD:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[$DQ:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[$BSQ:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[$BSC:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>
// CHECK-DAG: #[[$CHN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d4, d2, d3)>
// CHECK-DAG: #[[$BSHN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @query_proj_compression
// CHECK-SAME: (%[[H:[^:]*]]: tensor<2x3x32xf32>, %[[WDQ:[^:]*]]: tensor<32x16xf32>, %[[QN:[^:]*]]: tensor<16xf32>, %[[WUQ:[^:]*]]: tensor<16x24xf32>)
// CHECK:      %[[CQ:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSD]], #[[$DQ]], #[[$BSQ]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[H]], %[[WDQ]] :
// CHECK:      %[[NORM:.*]] = linalg.generic {{.*}} ins(%[[CQ]], %{{.*}}, %[[QN]] :
// CHECK:        math.rsqrt
// CHECK:      %[[UP:.*]] = tensor.expand_shape %[[WUQ]] {{\[}}[0], [1, 2]] output_shape [16, 2, 12] : tensor<16x24xf32> into tensor<16x2x12xf32>
// CHECK:      %[[UPNOPE:.*]] = tensor.extract_slice %[[UP]][0, 0, 0] [16, 2, 8] [1, 1, 1] : tensor<16x2x12xf32> to tensor<16x2x8xf32>
// CHECK:      %[[UPROPE:.*]] = tensor.extract_slice %[[UP]][0, 0, 8] [16, 2, 4] [1, 1, 1] : tensor<16x2x12xf32> to tensor<16x2x4xf32>
// CHECK:      %[[QNOPE:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSC]], #[[$CHN]], #[[$BSHN]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[NORM]], %[[UPNOPE]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x3x2x8xf32>)
// CHECK:      %[[QPE:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSC]], #[[$CHN]], #[[$BSHN]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[NORM]], %[[UPROPE]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x3x2x4xf32>)
// CHECK:      return %[[QNOPE]], %[[QPE]]
func.func @query_proj_compression(
    %h: tensor<2x3x32xf32>, %wdq: tensor<32x16xf32>, %qn: tensor<16xf32>,
    %wuq: tensor<16x24xf32>) -> (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>) {
  %q_nope, %q_pe = mla.query_proj %h down %wdq norm %qn up %wuq {config = #small}
      : (tensor<2x3x32xf32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>) -> (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>)
  return %q_nope, %q_pe : tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>
}

// -----

// Without query compression the hidden state goes straight into the per-head
// contractions (no RMSNorm); dynamic batch and token dims are read with
// tensor.dim.
#small_nq = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                        qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-DAG: #[[$BSC:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>
// CHECK-DAG: #[[$CHN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d4, d2, d3)>
// CHECK-DAG: #[[$BSHN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @query_proj_no_compression
// CHECK-SAME: (%[[H:[^:]*]]: tensor<?x?x32xf32>, %[[WQ:[^:]*]]: tensor<32x24xf32>)
// CHECK-NOT:  math.rsqrt
// CHECK:      %[[UP:.*]] = tensor.expand_shape %[[WQ]] {{\[}}[0], [1, 2]] output_shape [32, 2, 12]
// CHECK:      %[[UPNOPE:.*]] = tensor.extract_slice %[[UP]][0, 0, 0] [32, 2, 8] [1, 1, 1]
// CHECK:      %[[UPROPE:.*]] = tensor.extract_slice %[[UP]][0, 0, 8] [32, 2, 4] [1, 1, 1]
// CHECK:      tensor.dim %[[H]], %{{.*}} : tensor<?x?x32xf32>
// CHECK:      tensor.dim %[[H]], %{{.*}} : tensor<?x?x32xf32>
// CHECK:      tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x2x8xf32>
// CHECK:      %[[QNOPE:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSC]], #[[$CHN]], #[[$BSHN]]]
// CHECK-SAME:   ins(%[[H]], %[[UPNOPE]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<?x?x2x8xf32>)
// CHECK:      tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x2x4xf32>
// CHECK:      %[[QPE:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSC]], #[[$CHN]], #[[$BSHN]]]
// CHECK-SAME:   ins(%[[H]], %[[UPROPE]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<?x?x2x4xf32>)
// CHECK-NOT:  math.rsqrt
// CHECK:      return %[[QNOPE]], %[[QPE]]
func.func @query_proj_no_compression(%h: tensor<?x?x32xf32>,
                                     %wuq: tensor<32x24xf32>)
    -> (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>) {
  %q_nope, %q_pe = mla.query_proj %h up %wuq {config = #small_nq}
      : (tensor<?x?x32xf32>, tensor<32x24xf32>)
      -> (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>)
  return %q_nope, %q_pe : tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>
}

// -----

// W_DKV [D, L+R] is sliced into its latent and rope columns; only the
// latent is normalised (with kv_norm).
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-DAG: #[[$BSD:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[$DL:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[$BSL:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @kv_compress
// CHECK-SAME: (%[[H:[^:]*]]: tensor<2x3x32xf32>, %[[W:[^:]*]]: tensor<32x20xf32>, %[[N:[^:]*]]: tensor<16xf32>)
// CHECK:      %[[WLAT:.*]] = tensor.extract_slice %[[W]][0, 0] [32, 16] [1, 1] : tensor<32x20xf32> to tensor<32x16xf32>
// CHECK:      %[[LAT:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSD]], #[[$DL]], #[[$BSL]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[H]], %[[WLAT]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x3x16xf32>)
// CHECK:      %[[WROPE:.*]] = tensor.extract_slice %[[W]][0, 16] [32, 4] [1, 1] : tensor<32x20xf32> to tensor<32x4xf32>
// CHECK:      %[[KPE:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSD]], #[[$DL]], #[[$BSL]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[H]], %[[WROPE]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x3x4xf32>)
// CHECK:      %[[SUMSQ:.*]] = linalg.generic {{.*}} ins(%[[LAT]] :
// CHECK:      %[[CKV:.*]] = linalg.generic {{.*}} ins(%[[LAT]], %[[SUMSQ]], %[[N]] :
// CHECK:        math.rsqrt
// CHECK:      return %[[CKV]], %[[KPE]]
func.func @kv_compress(%h: tensor<2x3x32xf32>, %wdkv: tensor<32x20xf32>,
                       %kvn: tensor<16xf32>)
    -> (tensor<2x3x16xf32>, tensor<2x3x4xf32>) {
  %c_kv, %k_pe = mla.kv_compress %h down %wdkv norm %kvn {config = #small}
      : (tensor<2x3x32xf32>, tensor<32x20xf32>, tensor<16xf32>)
      -> (tensor<2x3x16xf32>, tensor<2x3x4xf32>)
  return %c_kv, %k_pe : tensor<2x3x16xf32>, tensor<2x3x4xf32>
}

// -----

// W_O [H*V, D] = [16, 32] is viewed as [H = 2, V = 8, D]; heads and head
// dims are both summed ("bshv,hvd->bsd": two reduction loops).
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-DAG: #[[$BSHV:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[$HVD:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d3, d4, d2)>
// CHECK-DAG: #[[$BSD:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @output_proj
// CHECK-SAME: (%[[O:[^:]*]]: tensor<2x3x2x8xf32>, %[[WO:[^:]*]]: tensor<16x32xf32>)
// CHECK:      %[[W:.*]] = tensor.expand_shape %[[WO]] {{\[}}[0, 1], [2]] output_shape [2, 8, 32] : tensor<16x32xf32> into tensor<2x8x32xf32>
// CHECK:      %[[OUT:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSHV]], #[[$HVD]], #[[$BSD]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME:   ins(%[[O]], %[[W]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x3x32xf32>)
// CHECK:      return %[[OUT]]
func.func @output_proj(%o: tensor<2x3x2x8xf32>, %wo: tensor<16x32xf32>)
    -> tensor<2x3x32xf32> {
  %0 = mla.output_proj %o, %wo {config = #small}
      : (tensor<2x3x2x8xf32>, tensor<16x32xf32>) -> tensor<2x3x32xf32>
  return %0 : tensor<2x3x32xf32>
}

// -----

// Absorption of W_UK into the query: "bshn,hln->bshl" (W_UK used
// transposed: its N dim is the summed one).
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-DAG: #[[$BSHN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$HLN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2, d3, d4)>
// CHECK-DAG: #[[$BSHL:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @query_to_latent
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<2x3x2x8xf32>, %[[W:[^:]*]]: tensor<2x16x8xf32>)
// CHECK:      %[[QLAT:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSHN]], #[[$HLN]], #[[$BSHL]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[Q]], %[[W]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x3x2x16xf32>)
// CHECK:      return %[[QLAT]]
func.func @query_to_latent(%q_nope: tensor<2x3x2x8xf32>,
                           %wuk: tensor<2x16x8xf32>) -> tensor<2x3x2x16xf32> {
  %0 = mla.query_to_latent %q_nope, %wuk {config = #small}
      : (tensor<2x3x2x8xf32>, tensor<2x16x8xf32>) -> tensor<2x3x2x16xf32>
  return %0 : tensor<2x3x2x16xf32>
}

// -----

// W_UV after latent attention: "bshl,hlv->bshv".
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-DAG: #[[$BSHL:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$HLV:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>
// CHECK-DAG: #[[$BSHV:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @latent_to_value
// CHECK-SAME: (%[[OLAT:[^:]*]]: tensor<2x3x2x16xf32>, %[[W:[^:]*]]: tensor<2x16x8xf32>)
// CHECK:      %[[O:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$BSHL]], #[[$HLV]], #[[$BSHV]]]
// CHECK-SAME:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:   ins(%[[OLAT]], %[[W]] :
// CHECK-SAME:   outs(%{{.*}} : tensor<2x3x2x8xf32>)
// CHECK:      return %[[O]]
func.func @latent_to_value(%o_lat: tensor<2x3x2x16xf32>,
                           %wuv: tensor<2x16x8xf32>) -> tensor<2x3x2x8xf32> {
  %0 = mla.latent_to_value %o_lat, %wuv {config = #small}
      : (tensor<2x3x2x16xf32>, tensor<2x16x8xf32>) -> tensor<2x3x2x8xf32>
  return %0 : tensor<2x3x2x8xf32>
}
