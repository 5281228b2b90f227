// RUN: mla-opt %s --mla-fold-weights --split-input-file | FileCheck %s
// RUN: mla-opt %s --mla-fold-weights='force=true' --split-input-file | FileCheck %s --check-prefix=FORCE

// DeepSeek-V3 dims: folding W_UQ·W_UK^T (33.6 M -> 100.7 M params) or
// W_UV·W_O (125.8 M -> 469.8 M) never pays, so nothing changes; forced,
// both folds are made.
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @v3_no_fold
// CHECK:       mla.query_proj
// CHECK:       mla.query_to_latent
// CHECK:       mla.latent_to_value
// CHECK:       mla.output_proj
// CHECK-NOT:   mla.fold_
// FORCE-LABEL: func.func @v3_no_fold
// FORCE:       mla.fold_query_weights {{.*}} -> tensor<1536x73728xbf16>
// FORCE:       mla.fold_output_weights {{.*}} -> tensor<65536x7168xbf16>
func.func @v3_no_fold(%h: tensor<4x1x7168xbf16>, %wdq: tensor<7168x1536xbf16>,
    %qn: tensor<1536xbf16>, %wuq: tensor<1536x24576xbf16>,
    %wuk: tensor<128x512x128xbf16>, %o_lat: tensor<4x1x128x512xbf16>,
    %wuv: tensor<128x512x128xbf16>, %wo: tensor<16384x7168xbf16>)
    -> (tensor<4x1x128x512xbf16>, tensor<4x1x128x64xbf16>, tensor<4x1x7168xbf16>) {
  %q_nope, %q_pe = mla.query_proj %h down %wdq norm %qn up %wuq {config = #v3}
      : (tensor<4x1x7168xbf16>, tensor<7168x1536xbf16>, tensor<1536xbf16>, tensor<1536x24576xbf16>)
      -> (tensor<4x1x128x128xbf16>, tensor<4x1x128x64xbf16>)
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<4x1x128x128xbf16>, tensor<128x512x128xbf16>) -> tensor<4x1x128x512xbf16>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<4x1x128x512xbf16>, tensor<128x512x128xbf16>) -> tensor<4x1x128x128xbf16>
  %out = mla.output_proj %o, %wo {config = #v3}
      : (tensor<4x1x128x128xbf16>, tensor<16384x7168xbf16>) -> tensor<4x1x7168xbf16>
  return %q_lat, %q_pe, %out : tensor<4x1x128x512xbf16>, tensor<4x1x128x64xbf16>, tensor<4x1x7168xbf16>
}

// -----

// A narrow query latent (Q = 4) and a narrow model (D = 8) against wide
// head dims (N = V = 64): both folded matrices are smaller than the pairs
// they replace, so both folds pay. The folded ops carry the config with the
// head dim set to kv_lora_rank (16) and the softmax scale pinned
// ((64 + 4)^-1/2 = 0.1212678).
#narrow = #mla.config<heads = 2, hidden = 8, q_lora_rank = 4, kv_lora_rank = 16,
                      qk_nope_dim = 64, qk_rope_dim = 4, v_head_dim = 64>
// CHECK-DAG:   #[[$QCFG:mla_config[0-9]*]] = #mla.config<{{.*}}qk_nope_dim = 16, qk_rope_dim = 4, v_head_dim = 64, softmax_scale = 0.1212678
// CHECK-DAG:   #[[$OCFG:mla_config[0-9]*]] = #mla.config<{{.*}}qk_nope_dim = 64, qk_rope_dim = 4, v_head_dim = 16, softmax_scale = 0.1212678
// CHECK-LABEL: func.func @narrow_folds
// CHECK-SAME:  (%[[H:[^:]*]]: {{.*}}, %[[WDQ:[^:]*]]: {{.*}}, %[[QN:[^:]*]]: {{.*}}, %[[WUQ:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[OLAT:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[WO:[^:]*]]: {{.*}})
// CHECK:       %[[FQ:.*]] = mla.fold_query_weights %[[WUQ]], %[[WUK]] {{.*}} -> tensor<4x40xf32>
// CHECK:       %[[QLAT:.*]], %[[QPE:.*]] = mla.query_proj %[[H]] down %[[WDQ]] norm %[[QN]] up %[[FQ]] {config = #[[$QCFG]]}
// CHECK-SAME:    -> (tensor<2x1x2x16xf32>, tensor<2x1x2x4xf32>)
// CHECK-NOT:   mla.query_to_latent
// CHECK:       %[[FO:.*]] = mla.fold_output_weights %[[WUV]], %[[WO]] {{.*}} -> tensor<32x8xf32>
// CHECK:       %[[OUT:.*]] = mla.output_proj %[[OLAT]], %[[FO]] {config = #[[$OCFG]]}
// CHECK-NOT:   mla.latent_to_value
// CHECK:       return %[[QLAT]], %[[QPE]], %[[OUT]]
func.func @narrow_folds(%h: tensor<2x1x8xf32>, %wdq: tensor<8x4xf32>, %qn: tensor<4xf32>,
    %wuq: tensor<4x136xf32>, %wuk: tensor<2x16x64xf32>, %o_lat: tensor<2x1x2x16xf32>,
    %wuv: tensor<2x16x64xf32>, %wo: tensor<128x8xf32>)
    -> (tensor<2x1x2x16xf32>, tensor<2x1x2x4xf32>, tensor<2x1x8xf32>) {
  %q_nope, %q_pe = mla.query_proj %h down %wdq norm %qn up %wuq {config = #narrow}
      : (tensor<2x1x8xf32>, tensor<8x4xf32>, tensor<4xf32>, tensor<4x136xf32>)
      -> (tensor<2x1x2x64xf32>, tensor<2x1x2x4xf32>)
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #narrow}
      : (tensor<2x1x2x64xf32>, tensor<2x16x64xf32>) -> tensor<2x1x2x16xf32>
  %o = mla.latent_to_value %o_lat, %wuv {config = #narrow}
      : (tensor<2x1x2x16xf32>, tensor<2x16x64xf32>) -> tensor<2x1x2x64xf32>
  %out = mla.output_proj %o, %wo {config = #narrow}
      : (tensor<2x1x2x64xf32>, tensor<128x8xf32>) -> tensor<2x1x8xf32>
  return %q_lat, %q_pe, %out : tensor<2x1x2x16xf32>, tensor<2x1x2x4xf32>, tensor<2x1x8xf32>
}

// -----

// q_nope used elsewhere too, and o with a second user: forced or not,
// nothing folds (the unfolded values are still needed).
#narrow = #mla.config<heads = 2, hidden = 8, q_lora_rank = 4, kv_lora_rank = 16,
                      qk_nope_dim = 64, qk_rope_dim = 4, v_head_dim = 64>
// CHECK-LABEL: func.func @shared_values
// CHECK-NOT:   mla.fold_
// FORCE-LABEL: func.func @shared_values
// FORCE-NOT:   mla.fold_
func.func @shared_values(%h: tensor<2x1x8xf32>, %wdq: tensor<8x4xf32>, %qn: tensor<4xf32>,
    %wuq: tensor<4x136xf32>, %wuk: tensor<2x16x64xf32>, %o_lat: tensor<2x1x2x16xf32>,
    %wuv: tensor<2x16x64xf32>, %wo: tensor<128x8xf32>)
    -> (tensor<2x1x2x16xf32>, tensor<2x1x2x64xf32>, tensor<2x1x8xf32>, tensor<2x1x2x64xf32>) {
  %q_nope, %q_pe = mla.query_proj %h down %wdq norm %qn up %wuq {config = #narrow}
      : (tensor<2x1x8xf32>, tensor<8x4xf32>, tensor<4xf32>, tensor<4x136xf32>)
      -> (tensor<2x1x2x64xf32>, tensor<2x1x2x4xf32>)
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #narrow}
      : (tensor<2x1x2x64xf32>, tensor<2x16x64xf32>) -> tensor<2x1x2x16xf32>
  %o = mla.latent_to_value %o_lat, %wuv {config = #narrow}
      : (tensor<2x1x2x16xf32>, tensor<2x16x64xf32>) -> tensor<2x1x2x64xf32>
  %out = mla.output_proj %o, %wo {config = #narrow}
      : (tensor<2x1x2x64xf32>, tensor<128x8xf32>) -> tensor<2x1x8xf32>
  return %q_lat, %q_nope, %out, %o : tensor<2x1x2x16xf32>, tensor<2x1x2x64xf32>, tensor<2x1x8xf32>, tensor<2x1x2x64xf32>
}

