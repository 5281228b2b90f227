// RUN: mla-opt %s | FileCheck %s
// RUN: mla-opt %s | mla-opt | FileCheck %s
// RUN: mla-opt %s --mlir-print-op-generic | mla-opt | FileCheck %s

// Round-trip of every mla op: custom form, re-parse of the custom form, and
// re-parse of the generic form. Small configs (H = 2, D = 32, Q = 16,
// L = 16, N = 8, R = 4, V = 8: H*(N+R) = 24, L+R = 20, H*V = 16) plus the real
// DeepSeek-V3 and V2-Lite configs; f32, f16 and bf16; dynamic batch, token,
// cache-position and page dims.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
#small_nq = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                        qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
#v2_lite = #mla.config<heads = 16, hidden = 2048, kv_lora_rank = 512,
                       qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128,
                       yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                        mscale = 0.707, mscale_all_dim = 0.707>>

// CHECK-DAG: #[[$SMALL:mla_config[0-9]*]] = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>{{$}}
// CHECK-DAG: #[[$SMALL_NQ:mla_config[0-9]*]] = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>{{$}}
// CHECK-DAG: #[[$V3_YARN:mla_yarn[0-9]*]] = #mla.yarn<factor = 4.000000e+01, original_max_position = 4096, mscale_all_dim = 1.000000e+00>{{$}}
// CHECK-DAG: #[[$V2L_YARN:mla_yarn[0-9]*]] = #mla.yarn<factor = 4.000000e+01, original_max_position = 4096, mscale = 7.070000e-01, mscale_all_dim = 7.070000e-01>{{$}}
// CHECK-DAG: #[[$V3:mla_config[0-9]*]] = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128, yarn = #[[$V3_YARN]]>{{$}}
// CHECK-DAG: #[[$V2L:mla_config[0-9]*]] = #mla.config<heads = 16, hidden = 2048, kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128, yarn = #[[$V2L_YARN]]>{{$}}

//===----------------------------------------------------------------------===//
// mla.attention_block
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @attention_block_query_compression
// CHECK-SAME: (%[[H:.*]]: tensor<?x?x32xf32>, %[[POS:.*]]: tensor<?x?xi32>, %[[WDQ:.*]]: tensor<32x16xf32>, %[[QN:.*]]: tensor<16xf32>, %[[WUQ:.*]]: tensor<16x24xf32>, %[[WDKV:.*]]: tensor<32x20xf32>, %[[KVN:.*]]: tensor<16xf32>, %[[WUK:.*]]: tensor<2x16x8xf32>, %[[WUV:.*]]: tensor<2x16x8xf32>, %[[WO:.*]]: tensor<16x32xf32>, %[[C:.*]]: tensor<?x4x20xf32>, %[[BT:.*]]: tensor<?x?xi32>, %[[SL:.*]]: tensor<?xi32>)
// CHECK: %[[OUT:.*]], %[[NC:.*]] = mla.attention_block %[[H]], %[[POS]]
// CHECK-SAME: weights(q_down = %[[WDQ]], q_norm = %[[QN]], q_up = %[[WUQ]], kv_down = %[[WDKV]], kv_norm = %[[KVN]], k_up = %[[WUK]], v_up = %[[WUV]], out = %[[WO]])
// CHECK-SAME: cache(%[[C]][%[[BT]], %[[SL]]]) phase decode {config = #[[$SMALL]]}
// CHECK: return %[[OUT]], %[[NC]]
func.func @attention_block_query_compression(
    %h: tensor<?x?x32xf32>, %pos: tensor<?x?xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<?x?xi32>,
    %lens: tensor<?xi32>) -> (tensor<?x?x32xf32>, tensor<?x4x20xf32>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) phase decode {config = #small}
      : (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<?x4x20xf32>, tensor<?x?xi32>, tensor<?xi32>)
      -> (tensor<?x?x32xf32>, tensor<?x4x20xf32>)
  return %out, %cache1 : tensor<?x?x32xf32>, tensor<?x4x20xf32>
}

// No query compression, no phase. (The printer currently puts a space after
// `weights(` when the optional query-compression group is absent.)
// CHECK-LABEL: func.func @attention_block_no_query_compression
// CHECK-SAME: (%[[H:.*]]: tensor<2x3x32xf16>, %[[POS:.*]]: tensor<2x3xi32>, %[[WUQ:.*]]: tensor<32x24xf16>, %[[WDKV:.*]]: tensor<32x20xf16>, %[[KVN:.*]]: tensor<16xf16>, %[[WUK:.*]]: tensor<2x16x8xf16>, %[[WUV:.*]]: tensor<2x16x8xf16>, %[[WO:.*]]: tensor<16x32xf16>, %[[C:.*]]: tensor<8x4x20xf16>, %[[BT:.*]]: tensor<2x4xi32>, %[[SL:.*]]: tensor<2xi32>)
// CHECK: %[[OUT:.*]], %[[NC:.*]] = mla.attention_block %[[H]], %[[POS]]
// CHECK-SAME: weights({{ ?}}q_up = %[[WUQ]], kv_down = %[[WDKV]], kv_norm = %[[KVN]], k_up = %[[WUK]], v_up = %[[WUV]], out = %[[WO]])
// CHECK-SAME: cache(%[[C]][%[[BT]], %[[SL]]]) {config = #[[$SMALL_NQ]]}
// CHECK: return %[[OUT]], %[[NC]]
func.func @attention_block_no_query_compression(
    %h: tensor<2x3x32xf16>, %pos: tensor<2x3xi32>, %wuq: tensor<32x24xf16>,
    %wdkv: tensor<32x20xf16>, %kvn: tensor<16xf16>, %wuk: tensor<2x16x8xf16>,
    %wuv: tensor<2x16x8xf16>, %wo: tensor<16x32xf16>, %cache: tensor<8x4x20xf16>,
    %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> (tensor<2x3x32xf16>, tensor<8x4x20xf16>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_up = %wuq, kv_down = %wdkv, kv_norm = %kvn, k_up = %wuk,
              v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #small_nq}
      : (tensor<2x3x32xf16>, tensor<2x3xi32>, tensor<32x24xf16>,
         tensor<32x20xf16>, tensor<16xf16>, tensor<2x16x8xf16>,
         tensor<2x16x8xf16>, tensor<16x32xf16>, tensor<8x4x20xf16>,
         tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf16>, tensor<8x4x20xf16>)
  return %out, %cache1 : tensor<2x3x32xf16>, tensor<8x4x20xf16>
}

// Varlen: the new tokens of all requests packed ([X, D], [X]), request b's
// rows query_starts[b] .. query_starts[b + 1].
// CHECK-LABEL: func.func @attention_block_varlen
// CHECK-SAME: %[[QS:[^:]*]]: tensor<?xi32>) -> (tensor<?x32xf32>, tensor<?x4x20xf32>)
// CHECK: mla.attention_block
// CHECK-SAME: query_starts(%[[QS]]) phase prefill {config = #[[$SMALL]]}
// CHECK-SAME: (tensor<?x32xf32>, tensor<?xi32>,
// CHECK-SAME: -> (tensor<?x32xf32>, tensor<?x4x20xf32>)
func.func @attention_block_varlen(
    %h: tensor<?x32xf32>, %pos: tensor<?xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<?x?xi32>,
    %lens: tensor<?xi32>, %qs: tensor<?xi32>) -> (tensor<?x32xf32>, tensor<?x4x20xf32>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) query_starts(%qs) phase prefill {config = #small}
      : (tensor<?x32xf32>, tensor<?xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<?x4x20xf32>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>)
      -> (tensor<?x32xf32>, tensor<?x4x20xf32>)
  return %out, %cache1 : tensor<?x32xf32>, tensor<?x4x20xf32>
}

// DeepSeek-V3, decode, page size 64.
// CHECK-LABEL: func.func @attention_block_v3_decode
// CHECK-SAME: (%[[H:.*]]: tensor<?x1x7168xbf16>, %[[POS:.*]]: tensor<?x1xi32>, %[[WDQ:.*]]: tensor<7168x1536xbf16>, %[[QN:.*]]: tensor<1536xbf16>, %[[WUQ:.*]]: tensor<1536x24576xbf16>, %[[WDKV:.*]]: tensor<7168x576xbf16>, %[[KVN:.*]]: tensor<512xbf16>, %[[WUK:.*]]: tensor<128x512x128xbf16>, %[[WUV:.*]]: tensor<128x512x128xbf16>, %[[WO:.*]]: tensor<16384x7168xbf16>, %[[C:.*]]: tensor<?x64x576xbf16>, %[[BT:.*]]: tensor<?x?xi32>, %[[SL:.*]]: tensor<?xi32>)
// CHECK: %[[OUT:.*]], %[[NC:.*]] = mla.attention_block %[[H]], %[[POS]]
// CHECK-SAME: weights(q_down = %[[WDQ]], q_norm = %[[QN]], q_up = %[[WUQ]], kv_down = %[[WDKV]], kv_norm = %[[KVN]], k_up = %[[WUK]], v_up = %[[WUV]], out = %[[WO]])
// CHECK-SAME: cache(%[[C]][%[[BT]], %[[SL]]]) phase decode {config = #[[$V3]]}
// CHECK: return %[[OUT]], %[[NC]]
func.func @attention_block_v3_decode(
    %h: tensor<?x1x7168xbf16>, %pos: tensor<?x1xi32>,
    %wdq: tensor<7168x1536xbf16>, %qn: tensor<1536xbf16>,
    %wuq: tensor<1536x24576xbf16>, %wdkv: tensor<7168x576xbf16>,
    %kvn: tensor<512xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %wo: tensor<16384x7168xbf16>,
    %cache: tensor<?x64x576xbf16>, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>)
    -> (tensor<?x1x7168xbf16>, tensor<?x64x576xbf16>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) phase decode {config = #v3}
      : (tensor<?x1x7168xbf16>, tensor<?x1xi32>, tensor<7168x1536xbf16>,
         tensor<1536xbf16>, tensor<1536x24576xbf16>, tensor<7168x576xbf16>,
         tensor<512xbf16>, tensor<128x512x128xbf16>, tensor<128x512x128xbf16>,
         tensor<16384x7168xbf16>, tensor<?x64x576xbf16>, tensor<?x?xi32>,
         tensor<?xi32>) -> (tensor<?x1x7168xbf16>, tensor<?x64x576xbf16>)
  return %out, %cache1 : tensor<?x1x7168xbf16>, tensor<?x64x576xbf16>
}

// DeepSeek-V2-Lite (no query compression), prefill.
// CHECK-LABEL: func.func @attention_block_v2_lite_prefill
// CHECK-SAME: (%[[H:.*]]: tensor<?x?x2048xbf16>, %[[POS:.*]]: tensor<?x?xi32>, %[[WUQ:.*]]: tensor<2048x3072xbf16>, %[[WDKV:.*]]: tensor<2048x576xbf16>, %[[KVN:.*]]: tensor<512xbf16>, %[[WUK:.*]]: tensor<16x512x128xbf16>, %[[WUV:.*]]: tensor<16x512x128xbf16>, %[[WO:.*]]: tensor<2048x2048xbf16>, %[[C:.*]]: tensor<?x64x576xbf16>, %[[BT:.*]]: tensor<?x?xi32>, %[[SL:.*]]: tensor<?xi32>)
// CHECK: %[[OUT:.*]], %[[NC:.*]] = mla.attention_block %[[H]], %[[POS]]
// CHECK-SAME: weights({{ ?}}q_up = %[[WUQ]], kv_down = %[[WDKV]], kv_norm = %[[KVN]], k_up = %[[WUK]], v_up = %[[WUV]], out = %[[WO]])
// CHECK-SAME: cache(%[[C]][%[[BT]], %[[SL]]]) phase prefill {config = #[[$V2L]]}
// CHECK: return %[[OUT]], %[[NC]]
func.func @attention_block_v2_lite_prefill(
    %h: tensor<?x?x2048xbf16>, %pos: tensor<?x?xi32>,
    %wuq: tensor<2048x3072xbf16>, %wdkv: tensor<2048x576xbf16>,
    %kvn: tensor<512xbf16>, %wuk: tensor<16x512x128xbf16>,
    %wuv: tensor<16x512x128xbf16>, %wo: tensor<2048x2048xbf16>,
    %cache: tensor<?x64x576xbf16>, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>)
    -> (tensor<?x?x2048xbf16>, tensor<?x64x576xbf16>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_up = %wuq, kv_down = %wdkv, kv_norm = %kvn, k_up = %wuk,
              v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) phase prefill {config = #v2_lite}
      : (tensor<?x?x2048xbf16>, tensor<?x?xi32>, tensor<2048x3072xbf16>,
         tensor<2048x576xbf16>, tensor<512xbf16>, tensor<16x512x128xbf16>,
         tensor<16x512x128xbf16>, tensor<2048x2048xbf16>,
         tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>)
      -> (tensor<?x?x2048xbf16>, tensor<?x64x576xbf16>)
  return %out, %cache1 : tensor<?x?x2048xbf16>, tensor<?x64x576xbf16>
}

//===----------------------------------------------------------------------===//
// mla.rms_norm
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @rms_norm_f32
// CHECK-SAME: (%[[X:.*]]: tensor<4x1x16xf32>, %[[W:.*]]: tensor<16xf32>)
// CHECK: %[[R:.*]] = mla.rms_norm %[[X]], %[[W]] {epsilon = 1.000000e-05 : f64} : tensor<4x1x16xf32>, tensor<16xf32>
// CHECK: return %[[R]]
func.func @rms_norm_f32(%x: tensor<4x1x16xf32>, %w: tensor<16xf32>)
    -> tensor<4x1x16xf32> {
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-05 : f64}
      : tensor<4x1x16xf32>, tensor<16xf32>
  return %0 : tensor<4x1x16xf32>
}

// Dynamic leading dims; the normalised dim may be dynamic too.
// CHECK-LABEL: func.func @rms_norm_bf16_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x?xbf16>, %[[W:.*]]: tensor<512xbf16>)
// CHECK: %[[R:.*]] = mla.rms_norm %[[X]], %[[W]] {epsilon = {{.*}} : f64} : tensor<?x?x?xbf16>, tensor<512xbf16>
// CHECK: return %[[R]]
func.func @rms_norm_bf16_dynamic(%x: tensor<?x?x?xbf16>, %w: tensor<512xbf16>)
    -> tensor<?x?x?xbf16> {
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-06 : f64}
      : tensor<?x?x?xbf16>, tensor<512xbf16>
  return %0 : tensor<?x?x?xbf16>
}

// CHECK-LABEL: func.func @rms_norm_f16_rank1
// CHECK-SAME: (%[[X:.*]]: tensor<16xf16>, %[[W:.*]]: tensor<16xf16>)
// CHECK: %[[R:.*]] = mla.rms_norm %[[X]], %[[W]] {epsilon = 1.000000e-02 : f64} : tensor<16xf16>, tensor<16xf16>
// CHECK: return %[[R]]
func.func @rms_norm_f16_rank1(%x: tensor<16xf16>, %w: tensor<16xf16>)
    -> tensor<16xf16> {
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-02 : f64}
      : tensor<16xf16>, tensor<16xf16>
  return %0 : tensor<16xf16>
}

//===----------------------------------------------------------------------===//
// mla.query_proj
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @query_proj_compression
// CHECK-SAME: (%[[H:.*]]: tensor<?x?x32xf32>, %[[WDQ:.*]]: tensor<32x16xf32>, %[[QN:.*]]: tensor<16xf32>, %[[WUQ:.*]]: tensor<16x24xf32>)
// CHECK: %[[QNOPE:.*]], %[[QPE:.*]] = mla.query_proj %[[H]] down %[[WDQ]] norm %[[QN]] up %[[WUQ]] {config = #[[$SMALL]]}
// CHECK: return %[[QNOPE]], %[[QPE]]
func.func @query_proj_compression(
    %h: tensor<?x?x32xf32>, %wdq: tensor<32x16xf32>, %qn: tensor<16xf32>,
    %wuq: tensor<16x24xf32>) -> (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>) {
  %q_nope, %q_pe = mla.query_proj %h down %wdq norm %qn up %wuq {config = #small}
      : (tensor<?x?x32xf32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>) -> (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>)
  return %q_nope, %q_pe : tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>
}

// CHECK-LABEL: func.func @query_proj_no_compression
// CHECK-SAME: (%[[H:.*]]: tensor<?x?x32xf16>, %[[WUQ:.*]]: tensor<32x24xf16>)
// CHECK: %[[QNOPE:.*]], %[[QPE:.*]] = mla.query_proj %[[H]] up %[[WUQ]] {config = #[[$SMALL_NQ]]}
// CHECK: return %[[QNOPE]], %[[QPE]]
func.func @query_proj_no_compression(%h: tensor<?x?x32xf16>,
                                     %wuq: tensor<32x24xf16>)
    -> (tensor<?x?x2x8xf16>, tensor<?x?x2x4xf16>) {
  %q_nope, %q_pe = mla.query_proj %h up %wuq {config = #small_nq}
      : (tensor<?x?x32xf16>, tensor<32x24xf16>)
      -> (tensor<?x?x2x8xf16>, tensor<?x?x2x4xf16>)
  return %q_nope, %q_pe : tensor<?x?x2x8xf16>, tensor<?x?x2x4xf16>
}

// CHECK-LABEL: func.func @query_proj_v3
// CHECK-SAME: (%[[H:.*]]: tensor<4x1x7168xbf16>, %[[WDQ:.*]]: tensor<7168x1536xbf16>, %[[QN:.*]]: tensor<1536xbf16>, %[[WUQ:.*]]: tensor<1536x24576xbf16>)
// CHECK: %[[QNOPE:.*]], %[[QPE:.*]] = mla.query_proj %[[H]] down %[[WDQ]] norm %[[QN]] up %[[WUQ]] {config = #[[$V3]]}
// CHECK: return %[[QNOPE]], %[[QPE]]
func.func @query_proj_v3(
    %h: tensor<4x1x7168xbf16>, %wdq: tensor<7168x1536xbf16>,
    %qn: tensor<1536xbf16>, %wuq: tensor<1536x24576xbf16>)
    -> (tensor<4x1x128x128xbf16>, tensor<4x1x128x64xbf16>) {
  %q_nope, %q_pe = mla.query_proj %h down %wdq norm %qn up %wuq {config = #v3}
      : (tensor<4x1x7168xbf16>, tensor<7168x1536xbf16>, tensor<1536xbf16>,
         tensor<1536x24576xbf16>)
      -> (tensor<4x1x128x128xbf16>, tensor<4x1x128x64xbf16>)
  return %q_nope, %q_pe : tensor<4x1x128x128xbf16>, tensor<4x1x128x64xbf16>
}

// CHECK-LABEL: func.func @query_proj_v2_lite
// CHECK-SAME: (%[[H:.*]]: tensor<?x?x2048xbf16>, %[[WUQ:.*]]: tensor<2048x3072xbf16>)
// CHECK: %[[QNOPE:.*]], %[[QPE:.*]] = mla.query_proj %[[H]] up %[[WUQ]] {config = #[[$V2L]]}
// CHECK: return %[[QNOPE]], %[[QPE]]
func.func @query_proj_v2_lite(%h: tensor<?x?x2048xbf16>,
                              %wuq: tensor<2048x3072xbf16>)
    -> (tensor<?x?x16x128xbf16>, tensor<?x?x16x64xbf16>) {
  %q_nope, %q_pe = mla.query_proj %h up %wuq {config = #v2_lite}
      : (tensor<?x?x2048xbf16>, tensor<2048x3072xbf16>)
      -> (tensor<?x?x16x128xbf16>, tensor<?x?x16x64xbf16>)
  return %q_nope, %q_pe : tensor<?x?x16x128xbf16>, tensor<?x?x16x64xbf16>
}

//===----------------------------------------------------------------------===//
// mla.kv_compress
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @kv_compress
// CHECK-SAME: (%[[H:.*]]: tensor<?x?x32xf32>, %[[WDKV:.*]]: tensor<32x20xf32>, %[[KVN:.*]]: tensor<16xf32>)
// CHECK: %[[CKV:.*]], %[[KPE:.*]] = mla.kv_compress %[[H]] down %[[WDKV]] norm %[[KVN]] {config = #[[$SMALL]]}
// CHECK: return %[[CKV]], %[[KPE]]
func.func @kv_compress(%h: tensor<?x?x32xf32>, %wdkv: tensor<32x20xf32>,
                       %kvn: tensor<16xf32>)
    -> (tensor<?x?x16xf32>, tensor<?x?x4xf32>) {
  %c_kv, %k_pe = mla.kv_compress %h down %wdkv norm %kvn {config = #small}
      : (tensor<?x?x32xf32>, tensor<32x20xf32>, tensor<16xf32>)
      -> (tensor<?x?x16xf32>, tensor<?x?x4xf32>)
  return %c_kv, %k_pe : tensor<?x?x16xf32>, tensor<?x?x4xf32>
}

// CHECK-LABEL: func.func @kv_compress_v3
// CHECK-SAME: (%[[H:.*]]: tensor<4x1x7168xbf16>, %[[WDKV:.*]]: tensor<7168x576xbf16>, %[[KVN:.*]]: tensor<512xbf16>)
// CHECK: %[[CKV:.*]], %[[KPE:.*]] = mla.kv_compress %[[H]] down %[[WDKV]] norm %[[KVN]] {config = #[[$V3]]}
// CHECK: return %[[CKV]], %[[KPE]]
func.func @kv_compress_v3(%h: tensor<4x1x7168xbf16>,
                          %wdkv: tensor<7168x576xbf16>, %kvn: tensor<512xbf16>)
    -> (tensor<4x1x512xbf16>, tensor<4x1x64xbf16>) {
  %c_kv, %k_pe = mla.kv_compress %h down %wdkv norm %kvn {config = #v3}
      : (tensor<4x1x7168xbf16>, tensor<7168x576xbf16>, tensor<512xbf16>)
      -> (tensor<4x1x512xbf16>, tensor<4x1x64xbf16>)
  return %c_kv, %k_pe : tensor<4x1x512xbf16>, tensor<4x1x64xbf16>
}

//===----------------------------------------------------------------------===//
// mla.rope
//===----------------------------------------------------------------------===//

// Per-head queries [B, S, H, R].
// CHECK-LABEL: func.func @rope_rank4
// CHECK-SAME: (%[[Q:.*]]: tensor<?x?x2x4xf32>, %[[POS:.*]]: tensor<?x?xi32>)
// CHECK: %[[R:.*]] = mla.rope %[[Q]], %[[POS]] {config = #[[$SMALL]]} : tensor<?x?x2x4xf32>, tensor<?x?xi32>
// CHECK: return %[[R]]
func.func @rope_rank4(%q: tensor<?x?x2x4xf32>, %pos: tensor<?x?xi32>)
    -> tensor<?x?x2x4xf32> {
  %0 = mla.rope %q, %pos {config = #small}
      : tensor<?x?x2x4xf32>, tensor<?x?xi32>
  return %0 : tensor<?x?x2x4xf32>
}

// Shared keys [B, S, R].
// CHECK-LABEL: func.func @rope_rank3
// CHECK-SAME: (%[[K:.*]]: tensor<?x1x64xbf16>, %[[POS:.*]]: tensor<?x1xi32>)
// CHECK: %[[R:.*]] = mla.rope %[[K]], %[[POS]] {config = #[[$V3]]} : tensor<?x1x64xbf16>, tensor<?x1xi32>
// CHECK: return %[[R]]
func.func @rope_rank3(%k: tensor<?x1x64xbf16>, %pos: tensor<?x1xi32>)
    -> tensor<?x1x64xbf16> {
  %0 = mla.rope %k, %pos {config = #v3} : tensor<?x1x64xbf16>, tensor<?x1xi32>
  return %0 : tensor<?x1x64xbf16>
}

//===----------------------------------------------------------------------===//
// mla.output_proj
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @output_proj
// CHECK-SAME: (%[[O:.*]]: tensor<?x?x2x8xf16>, %[[WO:.*]]: tensor<16x32xf16>)
// CHECK: %[[R:.*]] = mla.output_proj %[[O]], %[[WO]] {config = #[[$SMALL_NQ]]}
// CHECK: return %[[R]]
func.func @output_proj(%o: tensor<?x?x2x8xf16>, %wo: tensor<16x32xf16>)
    -> tensor<?x?x32xf16> {
  %0 = mla.output_proj %o, %wo {config = #small_nq}
      : (tensor<?x?x2x8xf16>, tensor<16x32xf16>) -> tensor<?x?x32xf16>
  return %0 : tensor<?x?x32xf16>
}

// CHECK-LABEL: func.func @output_proj_v3
// CHECK-SAME: (%[[O:.*]]: tensor<4x1x128x128xbf16>, %[[WO:.*]]: tensor<16384x7168xbf16>)
// CHECK: %[[R:.*]] = mla.output_proj %[[O]], %[[WO]] {config = #[[$V3]]}
// CHECK: return %[[R]]
func.func @output_proj_v3(%o: tensor<4x1x128x128xbf16>,
                          %wo: tensor<16384x7168xbf16>)
    -> tensor<4x1x7168xbf16> {
  %0 = mla.output_proj %o, %wo {config = #v3}
      : (tensor<4x1x128x128xbf16>, tensor<16384x7168xbf16>)
      -> tensor<4x1x7168xbf16>
  return %0 : tensor<4x1x7168xbf16>
}

//===----------------------------------------------------------------------===//
// mla.cache.append / mla.cache.gather
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @cache_append
// CHECK-SAME: (%[[CKV:.*]]: tensor<?x?x16xf32>, %[[KPE:.*]]: tensor<?x?x4xf32>, %[[C:.*]]: tensor<?x4x20xf32>, %[[BT:.*]]: tensor<?x?xi32>, %[[SL:.*]]: tensor<?xi32>)
// CHECK: %[[R:.*]] = mla.cache.append %[[CKV]], %[[KPE]] into %[[C]][%[[BT]], %[[SL]]] {config = #[[$SMALL]]} : tensor<?x?x16xf32>, tensor<?x?x4xf32> into tensor<?x4x20xf32>, tensor<?x?xi32>, tensor<?xi32>
// CHECK: return %[[R]]
func.func @cache_append(%c_kv: tensor<?x?x16xf32>, %k_pe: tensor<?x?x4xf32>,
                        %cache: tensor<?x4x20xf32>, %bt: tensor<?x?xi32>,
                        %lens: tensor<?xi32>) -> tensor<?x4x20xf32> {
  %0 = mla.cache.append %c_kv, %k_pe into %cache[%bt, %lens] {config = #small}
      : tensor<?x?x16xf32>, tensor<?x?x4xf32>
        into tensor<?x4x20xf32>, tensor<?x?xi32>, tensor<?xi32>
  return %0 : tensor<?x4x20xf32>
}

// CHECK-LABEL: func.func @cache_append_v3
// CHECK-SAME: (%[[CKV:.*]]: tensor<4x1x512xbf16>, %[[KPE:.*]]: tensor<4x1x64xbf16>, %[[C:.*]]: tensor<?x64x576xbf16>, %[[BT:.*]]: tensor<4x?xi32>, %[[SL:.*]]: tensor<4xi32>)
// CHECK: %[[R:.*]] = mla.cache.append %[[CKV]], %[[KPE]] into %[[C]][%[[BT]], %[[SL]]] {config = #[[$V3]]}
// CHECK: return %[[R]]
func.func @cache_append_v3(%c_kv: tensor<4x1x512xbf16>,
                           %k_pe: tensor<4x1x64xbf16>,
                           %cache: tensor<?x64x576xbf16>,
                           %bt: tensor<4x?xi32>, %lens: tensor<4xi32>)
    -> tensor<?x64x576xbf16> {
  %0 = mla.cache.append %c_kv, %k_pe into %cache[%bt, %lens] {config = #v3}
      : tensor<4x1x512xbf16>, tensor<4x1x64xbf16>
        into tensor<?x64x576xbf16>, tensor<4x?xi32>, tensor<4xi32>
  return %0 : tensor<?x64x576xbf16>
}

// Static pages per request: T = M * G = 3 * 4.
// CHECK-LABEL: func.func @cache_gather
// CHECK-SAME: (%[[C:.*]]: tensor<?x4x20xf16>, %[[BT:.*]]: tensor<2x3xi32>, %[[SL:.*]]: tensor<2xi32>)
// CHECK: %[[CKV:.*]], %[[KPE:.*]] = mla.cache.gather %[[C]][%[[BT]], %[[SL]]] {config = #[[$SMALL]]}
// CHECK: return %[[CKV]], %[[KPE]]
func.func @cache_gather(%cache: tensor<?x4x20xf16>, %bt: tensor<2x3xi32>,
                        %lens: tensor<2xi32>)
    -> (tensor<2x12x16xf16>, tensor<2x12x4xf16>) {
  %c_kv, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<?x4x20xf16>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf16>, tensor<2x12x4xf16>)
  return %c_kv, %k_pe : tensor<2x12x16xf16>, tensor<2x12x4xf16>
}

// Dynamic pages and cache positions.
// CHECK-LABEL: func.func @cache_gather_dynamic
// CHECK-SAME: (%[[C:.*]]: tensor<?x64x576xbf16>, %[[BT:.*]]: tensor<?x?xi32>, %[[SL:.*]]: tensor<?xi32>)
// CHECK: %[[CKV:.*]], %[[KPE:.*]] = mla.cache.gather %[[C]][%[[BT]], %[[SL]]] {config = #[[$V3]]}
// CHECK: return %[[CKV]], %[[KPE]]
func.func @cache_gather_dynamic(%cache: tensor<?x64x576xbf16>,
                                %bt: tensor<?x?xi32>, %lens: tensor<?xi32>)
    -> (tensor<?x?x512xbf16>, tensor<?x?x64xbf16>) {
  %c_kv, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #v3}
      : (tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>)
      -> (tensor<?x?x512xbf16>, tensor<?x?x64xbf16>)
  return %c_kv, %k_pe : tensor<?x?x512xbf16>, tensor<?x?x64xbf16>
}

//===----------------------------------------------------------------------===//
// mla.decompress / mla.query_to_latent / mla.latent_to_value
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @decompress_key
// CHECK-SAME: (%[[CKV:.*]]: tensor<?x?x16xf32>, %[[WUK:.*]]: tensor<2x16x8xf32>)
// CHECK: %[[R:.*]] = mla.decompress key %[[CKV]], %[[WUK]] {config = #[[$SMALL]]}
// CHECK: return %[[R]]
func.func @decompress_key(%c_kv: tensor<?x?x16xf32>, %wuk: tensor<2x16x8xf32>)
    -> tensor<?x?x2x8xf32> {
  %0 = mla.decompress key %c_kv, %wuk {config = #small}
      : (tensor<?x?x16xf32>, tensor<2x16x8xf32>) -> tensor<?x?x2x8xf32>
  return %0 : tensor<?x?x2x8xf32>
}

// CHECK-LABEL: func.func @decompress_value
// CHECK-SAME: (%[[CKV:.*]]: tensor<4x512x512xbf16>, %[[WUV:.*]]: tensor<16x512x128xbf16>)
// CHECK: %[[R:.*]] = mla.decompress value %[[CKV]], %[[WUV]] {config = #[[$V2L]]}
// CHECK: return %[[R]]
func.func @decompress_value(%c_kv: tensor<4x512x512xbf16>,
                            %wuv: tensor<16x512x128xbf16>)
    -> tensor<4x512x16x128xbf16> {
  %0 = mla.decompress value %c_kv, %wuv {config = #v2_lite}
      : (tensor<4x512x512xbf16>, tensor<16x512x128xbf16>)
      -> tensor<4x512x16x128xbf16>
  return %0 : tensor<4x512x16x128xbf16>
}

// CHECK-LABEL: func.func @query_to_latent
// CHECK-SAME: (%[[QNOPE:.*]]: tensor<?x?x2x8xf16>, %[[WUK:.*]]: tensor<2x16x8xf16>)
// CHECK: %[[R:.*]] = mla.query_to_latent %[[QNOPE]], %[[WUK]] {config = #[[$SMALL]]}
// CHECK: return %[[R]]
func.func @query_to_latent(%q_nope: tensor<?x?x2x8xf16>,
                           %wuk: tensor<2x16x8xf16>) -> tensor<?x?x2x16xf16> {
  %0 = mla.query_to_latent %q_nope, %wuk {config = #small}
      : (tensor<?x?x2x8xf16>, tensor<2x16x8xf16>) -> tensor<?x?x2x16xf16>
  return %0 : tensor<?x?x2x16xf16>
}

// CHECK-LABEL: func.func @latent_to_value
// CHECK-SAME: (%[[OLAT:.*]]: tensor<?x1x128x512xbf16>, %[[WUV:.*]]: tensor<128x512x128xbf16>)
// CHECK: %[[R:.*]] = mla.latent_to_value %[[OLAT]], %[[WUV]] {config = #[[$V3]]}
// CHECK: return %[[R]]
func.func @latent_to_value(%o_lat: tensor<?x1x128x512xbf16>,
                           %wuv: tensor<128x512x128xbf16>)
    -> tensor<?x1x128x128xbf16> {
  %0 = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<?x1x128x512xbf16>, tensor<128x512x128xbf16>)
      -> tensor<?x1x128x128xbf16>
  return %0 : tensor<?x1x128x128xbf16>
}

//===----------------------------------------------------------------------===//
// mla.decompressed_attention
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @decompressed_attention_causal
// CHECK-SAME: (%[[QNOPE:.*]]: tensor<2x?x2x8xf32>, %[[QPE:.*]]: tensor<2x?x2x4xf32>, %[[KNOPE:.*]]: tensor<2x?x2x8xf32>, %[[KPE:.*]]: tensor<2x?x4xf32>, %[[V:.*]]: tensor<2x?x2x8xf32>, %[[LENS:.*]]: tensor<2xi32>)
// CHECK: %[[R:.*]] = mla.decompressed_attention %[[QNOPE]], %[[QPE]], %[[KNOPE]], %[[KPE]], %[[V]] lengths %[[LENS]] causal {config = #[[$SMALL]]}
// CHECK: return %[[R]]
func.func @decompressed_attention_causal(
    %q_nope: tensor<2x?x2x8xf32>, %q_pe: tensor<2x?x2x4xf32>,
    %k_nope: tensor<2x?x2x8xf32>, %k_pe: tensor<2x?x4xf32>,
    %v: tensor<2x?x2x8xf32>, %lens: tensor<2xi32>) -> tensor<2x?x2x8xf32> {
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #small}
      : (tensor<2x?x2x8xf32>, tensor<2x?x2x4xf32>, tensor<2x?x2x8xf32>,
         tensor<2x?x4xf32>, tensor<2x?x2x8xf32>, tensor<2xi32>)
      -> tensor<2x?x2x8xf32>
  return %0 : tensor<2x?x2x8xf32>
}

// CHECK-LABEL: func.func @decompressed_attention_not_causal
// CHECK-SAME: (%[[QNOPE:.*]]: tensor<?x16x128x128xbf16>, %[[QPE:.*]]: tensor<?x16x128x64xbf16>, %[[KNOPE:.*]]: tensor<?x?x128x128xbf16>, %[[KPE:.*]]: tensor<?x?x64xbf16>, %[[V:.*]]: tensor<?x?x128x128xbf16>, %[[LENS:.*]]: tensor<?xi32>)
// CHECK: %[[R:.*]] = mla.decompressed_attention %[[QNOPE]], %[[QPE]], %[[KNOPE]], %[[KPE]], %[[V]] lengths %[[LENS]] {config = #[[$V3]]}
// CHECK: return %[[R]]
func.func @decompressed_attention_not_causal(
    %q_nope: tensor<?x16x128x128xbf16>, %q_pe: tensor<?x16x128x64xbf16>,
    %k_nope: tensor<?x?x128x128xbf16>, %k_pe: tensor<?x?x64xbf16>,
    %v: tensor<?x?x128x128xbf16>, %lens: tensor<?xi32>)
    -> tensor<?x16x128x128xbf16> {
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens {config = #v3}
      : (tensor<?x16x128x128xbf16>, tensor<?x16x128x64xbf16>,
         tensor<?x?x128x128xbf16>, tensor<?x?x64xbf16>,
         tensor<?x?x128x128xbf16>, tensor<?xi32>)
      -> tensor<?x16x128x128xbf16>
  return %0 : tensor<?x16x128x128xbf16>
}

//===----------------------------------------------------------------------===//
// mla.latent_attention
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @latent_attention_causal
// CHECK-SAME: (%[[QLAT:.*]]: tensor<?x?x2x16xf16>, %[[QPE:.*]]: tensor<?x?x2x4xf16>, %[[C:.*]]: tensor<?x4x20xf16>, %[[BT:.*]]: tensor<?x?xi32>, %[[LENS:.*]]: tensor<?xi32>)
// CHECK: %[[R:.*]] = mla.latent_attention %[[QLAT]], %[[QPE]] over %[[C]][%[[BT]], %[[LENS]]] causal {config = #[[$SMALL]]}
// CHECK: return %[[R]]
func.func @latent_attention_causal(
    %q_lat: tensor<?x?x2x16xf16>, %q_pe: tensor<?x?x2x4xf16>,
    %cache: tensor<?x4x20xf16>, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>)
    -> tensor<?x?x2x16xf16> {
  %0 = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens] causal
      {config = #small}
      : (tensor<?x?x2x16xf16>, tensor<?x?x2x4xf16>, tensor<?x4x20xf16>,
         tensor<?x?xi32>, tensor<?xi32>) -> tensor<?x?x2x16xf16>
  return %0 : tensor<?x?x2x16xf16>
}

// DeepSeek-V3 decode.
// CHECK-LABEL: func.func @latent_attention_not_causal
// CHECK-SAME: (%[[QLAT:.*]]: tensor<4x1x128x512xbf16>, %[[QPE:.*]]: tensor<4x1x128x64xbf16>, %[[C:.*]]: tensor<?x64x576xbf16>, %[[BT:.*]]: tensor<4x?xi32>, %[[LENS:.*]]: tensor<4xi32>)
// CHECK: %[[R:.*]] = mla.latent_attention %[[QLAT]], %[[QPE]] over %[[C]][%[[BT]], %[[LENS]]] {config = #[[$V3]]}
// CHECK: return %[[R]]
func.func @latent_attention_not_causal(
    %q_lat: tensor<4x1x128x512xbf16>, %q_pe: tensor<4x1x128x64xbf16>,
    %cache: tensor<?x64x576xbf16>, %bt: tensor<4x?xi32>, %lens: tensor<4xi32>)
    -> tensor<4x1x128x512xbf16> {
  %0 = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens]
      {config = #v3}
      : (tensor<4x1x128x512xbf16>, tensor<4x1x128x64xbf16>,
         tensor<?x64x576xbf16>, tensor<4x?xi32>, tensor<4xi32>)
      -> tensor<4x1x128x512xbf16>
  return %0 : tensor<4x1x128x512xbf16>
}

//===----------------------------------------------------------------------===//
// mla.fused_decode, mla.fused_prefill
//===----------------------------------------------------------------------===//

// The tiling prints without its #mla.decode_tiling / #mla.prefill_tiling
// prefix in the custom form.
// CHECK-LABEL: func.func @fused_decode_causal
// CHECK-SAME: (%[[QNOPE:.*]]: tensor<4x1x128x128xbf16>, %[[QPE:.*]]: tensor<4x1x128x64xbf16>, %[[WUK:.*]]: tensor<128x512x128xbf16>, %[[WUV:.*]]: tensor<128x512x128xbf16>, %[[C:.*]]: tensor<?x64x576xbf16>, %[[BT:.*]]: tensor<4x?xi32>, %[[LENS:.*]]: tensor<4xi32>)
// CHECK: %[[R:.*]] = mla.fused_decode %[[QNOPE]], %[[QPE]] weights(%[[WUK]], %[[WUV]]) over %[[C]][%[[BT]], %[[LENS]]] causal tiling <splits = 2, block_tokens = 64, heads_per_block = 64, stages = 2> {config = #[[$V3]]}
// CHECK-SAME: -> tensor<4x1x128x128xbf16>
// CHECK: return %[[R]]
func.func @fused_decode_causal(
    %q_nope: tensor<4x1x128x128xbf16>, %q_pe: tensor<4x1x128x64xbf16>,
    %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
    %cache: tensor<?x64x576xbf16>, %bt: tensor<4x?xi32>, %lens: tensor<4xi32>)
    -> tensor<4x1x128x128xbf16> {
  %0 = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] causal
      tiling #mla.decode_tiling<splits = 2, block_tokens = 64, heads_per_block = 64, stages = 2>
      {config = #v3}
      : (tensor<4x1x128x128xbf16>, tensor<4x1x128x64xbf16>,
         tensor<128x512x128xbf16>, tensor<128x512x128xbf16>,
         tensor<?x64x576xbf16>, tensor<4x?xi32>, tensor<4xi32>)
      -> tensor<4x1x128x128xbf16>
  return %0 : tensor<4x1x128x128xbf16>
}

// The tiling's optional kernel kind and split schedule print only when they
// are not the defaults (sync, even).
// CHECK-LABEL: func.func @fused_decode_warpgroup
// CHECK: mla.fused_decode {{.*}} tiling <splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup, schedule = balanced> {config
// CHECK-LABEL: func.func @fused_decode_sync_spelled
// CHECK: mla.fused_decode {{.*}} tiling <splits = 1, block_tokens = 32, heads_per_block = 64, stages = 3> {config
func.func @fused_decode_warpgroup(
    %q_nope: tensor<4x1x128x128xbf16>, %q_pe: tensor<4x1x128x64xbf16>,
    %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
    %cache: tensor<?x64x576xbf16>, %bt: tensor<4x?xi32>, %lens: tensor<4xi32>)
    -> tensor<4x1x128x128xbf16> {
  %0 = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] causal
      tiling #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup, schedule = balanced>
      {config = #v3}
      : (tensor<4x1x128x128xbf16>, tensor<4x1x128x64xbf16>,
         tensor<128x512x128xbf16>, tensor<128x512x128xbf16>,
         tensor<?x64x576xbf16>, tensor<4x?xi32>, tensor<4xi32>)
      -> tensor<4x1x128x128xbf16>
  return %0 : tensor<4x1x128x128xbf16>
}
func.func @fused_decode_sync_spelled(
    %q_nope: tensor<4x1x128x128xbf16>, %q_pe: tensor<4x1x128x64xbf16>,
    %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
    %cache: tensor<?x64x576xbf16>, %bt: tensor<4x?xi32>, %lens: tensor<4xi32>)
    -> tensor<4x1x128x128xbf16> {
  %0 = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] causal
      tiling #mla.decode_tiling<splits = 1, block_tokens = 32, heads_per_block = 64, stages = 3, mma = sync, schedule = even>
      {config = #v3}
      : (tensor<4x1x128x128xbf16>, tensor<4x1x128x64xbf16>,
         tensor<128x512x128xbf16>, tensor<128x512x128xbf16>,
         tensor<?x64x576xbf16>, tensor<4x?xi32>, tensor<4xi32>)
      -> tensor<4x1x128x128xbf16>
  return %0 : tensor<4x1x128x128xbf16>
}

// Not causal, dynamic sizes, and the short form of the tiling (as printed).
// CHECK-LABEL: func.func @fused_decode_not_causal
// CHECK-SAME: (%[[QNOPE:.*]]: tensor<?x?x2x8xf32>, %[[QPE:.*]]: tensor<?x?x2x4xf32>, %[[WUK:.*]]: tensor<2x16x8xf32>, %[[WUV:.*]]: tensor<2x16x8xf32>, %[[C:.*]]: tensor<?x?x20xf32>, %[[BT:.*]]: tensor<?x?xi32>, %[[LENS:.*]]: tensor<?xi32>)
// CHECK: %[[R:.*]] = mla.fused_decode %[[QNOPE]], %[[QPE]] weights(%[[WUK]], %[[WUV]]) over %[[C]][%[[BT]], %[[LENS]]] tiling <splits = 1, block_tokens = 16, heads_per_block = 2, stages = 1> {config = #[[$SMALL]], mla.phase = #mla<phase decode>}
// CHECK: return %[[R]]
func.func @fused_decode_not_causal(
    %q_nope: tensor<?x?x2x8xf32>, %q_pe: tensor<?x?x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %cache: tensor<?x?x20xf32>, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>)
    -> tensor<?x?x2x8xf32> {
  %0 = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens]
      tiling <splits = 1, block_tokens = 16, heads_per_block = 2, stages = 1>
      {config = #small, mla.phase = #mla<phase decode>}
      : (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<?x?x20xf32>, tensor<?x?xi32>,
         tensor<?xi32>) -> tensor<?x?x2x8xf32>
  return %0 : tensor<?x?x2x8xf32>
}

// CHECK-LABEL: func.func @fused_prefill_causal
// CHECK-SAME: (%[[QNOPE:.*]]: tensor<1x4096x128x128xbf16>, %[[QPE:.*]]: tensor<1x4096x128x64xbf16>, %[[WUK:.*]]: tensor<128x512x128xbf16>, %[[WUV:.*]]: tensor<128x512x128xbf16>, %[[C:.*]]: tensor<?x64x576xbf16>, %[[BT:.*]]: tensor<1x64xi32>, %[[LENS:.*]]: tensor<1xi32>)
// CHECK: %[[R:.*]] = mla.fused_prefill %[[QNOPE]], %[[QPE]] weights(%[[WUK]], %[[WUV]]) over %[[C]][%[[BT]], %[[LENS]]] causal tiling <block_queries = 128, block_keys = 128, prefix_chunk = 4096> {config = #[[$V3]]}
// CHECK-SAME: -> tensor<1x4096x128x128xbf16>
// CHECK: return %[[R]]
func.func @fused_prefill_causal(
    %q_nope: tensor<1x4096x128x128xbf16>, %q_pe: tensor<1x4096x128x64xbf16>,
    %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
    %cache: tensor<?x64x576xbf16>, %bt: tensor<1x64xi32>, %lens: tensor<1xi32>)
    -> tensor<1x4096x128x128xbf16> {
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] causal
      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096>
      {config = #v3}
      : (tensor<1x4096x128x128xbf16>, tensor<1x4096x128x64xbf16>,
         tensor<128x512x128xbf16>, tensor<128x512x128xbf16>,
         tensor<?x64x576xbf16>, tensor<1x64xi32>, tensor<1xi32>)
      -> tensor<1x4096x128x128xbf16>
  return %0 : tensor<1x4096x128x128xbf16>
}

// CHECK-LABEL: func.func @fused_prefill_not_causal
// CHECK-SAME: (%[[QNOPE:.*]]: tensor<2x?x2x8xf16>, %[[QPE:.*]]: tensor<2x?x2x4xf16>, %[[WUK:.*]]: tensor<2x16x8xf16>, %[[WUV:.*]]: tensor<2x16x8xf16>, %[[C:.*]]: tensor<8x4x20xf16>, %[[BT:.*]]: tensor<2x4xi32>, %[[LENS:.*]]: tensor<2xi32>)
// CHECK: %[[R:.*]] = mla.fused_prefill %[[QNOPE]], %[[QPE]] weights(%[[WUK]], %[[WUV]]) over %[[C]][%[[BT]], %[[LENS]]] tiling <block_queries = 64, block_keys = 16, prefix_chunk = 8> {config = #[[$SMALL_NQ]]}
// CHECK: return %[[R]]
func.func @fused_prefill_not_causal(
    %q_nope: tensor<2x?x2x8xf16>, %q_pe: tensor<2x?x2x4xf16>,
    %wuk: tensor<2x16x8xf16>, %wuv: tensor<2x16x8xf16>,
    %cache: tensor<8x4x20xf16>, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> tensor<2x?x2x8xf16> {
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens]
      tiling <block_queries = 64, block_keys = 16, prefix_chunk = 8>
      {config = #small_nq}
      : (tensor<2x?x2x8xf16>, tensor<2x?x2x4xf16>, tensor<2x16x8xf16>,
         tensor<2x16x8xf16>, tensor<8x4x20xf16>, tensor<2x4xi32>,
         tensor<2xi32>) -> tensor<2x?x2x8xf16>
  return %0 : tensor<2x?x2x8xf16>
}

// Varlen: the requests' rows packed [X, H, ·], request b's from
// query_starts[b].
// CHECK-LABEL: func.func @fused_prefill_varlen
// CHECK-SAME: (%[[QNOPE:.*]]: tensor<?x128x128xbf16>, %[[QPE:.*]]: tensor<?x128x64xbf16>, %[[WUK:.*]]: tensor<128x512x128xbf16>, %[[WUV:.*]]: tensor<128x512x128xbf16>, %[[C:.*]]: tensor<?x64x576xbf16>, %[[BT:.*]]: tensor<4x64xi32>, %[[LENS:.*]]: tensor<4xi32>, %[[QS:.*]]: tensor<5xi32>)
// CHECK: %[[R:.*]] = mla.fused_prefill %[[QNOPE]], %[[QPE]] weights(%[[WUK]], %[[WUV]]) over %[[C]][%[[BT]], %[[LENS]]] query_starts(%[[QS]]) causal tiling <block_queries = 128, block_keys = 128, prefix_chunk = 4096> {config = #[[$V3]]}
// CHECK-SAME: -> tensor<?x128x128xbf16>
// CHECK: return %[[R]]
func.func @fused_prefill_varlen(
    %q_nope: tensor<?x128x128xbf16>, %q_pe: tensor<?x128x64xbf16>,
    %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
    %cache: tensor<?x64x576xbf16>, %bt: tensor<4x64xi32>, %lens: tensor<4xi32>,
    %qs: tensor<5xi32>) -> tensor<?x128x128xbf16> {
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] query_starts(%qs) causal
      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096>
      {config = #v3}
      : (tensor<?x128x128xbf16>, tensor<?x128x64xbf16>,
         tensor<128x512x128xbf16>, tensor<128x512x128xbf16>,
         tensor<?x64x576xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>)
      -> tensor<?x128x128xbf16>
  return %0 : tensor<?x128x128xbf16>
}

// The weight folds of mla-fold-weights.
#fold = #mla.config<heads = 2, hidden = 8, q_lora_rank = 4, kv_lora_rank = 16,
                    qk_nope_dim = 64, qk_rope_dim = 4, v_head_dim = 64>
// CHECK-LABEL: func.func @fold_weights
// CHECK:       mla.fold_query_weights %{{.*}}, %{{.*}} {config = #{{.*}}} : (tensor<4x136xf32>, tensor<2x16x64xf32>) -> tensor<4x40xf32>
// CHECK:       mla.fold_output_weights %{{.*}}, %{{.*}} {config = #{{.*}}} : (tensor<2x16x64xf32>, tensor<128x8xf32>) -> tensor<32x8xf32>
func.func @fold_weights(%wuq: tensor<4x136xf32>, %wuk: tensor<2x16x64xf32>,
    %wuv: tensor<2x16x64xf32>, %wo: tensor<128x8xf32>) -> (tensor<4x40xf32>, tensor<32x8xf32>) {
  %q = mla.fold_query_weights %wuq, %wuk {config = #fold}
      : (tensor<4x136xf32>, tensor<2x16x64xf32>) -> tensor<4x40xf32>
  %o = mla.fold_output_weights %wuv, %wo {config = #fold}
      : (tensor<2x16x64xf32>, tensor<128x8xf32>) -> tensor<32x8xf32>
  return %q, %o : tensor<4x40xf32>, tensor<32x8xf32>
}

// mla.decode_kernel (on buffers, inside the GPU pipeline)

#v3k = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512,
                   qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>
// CHECK-LABEL: func.func @decode_kernel
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[C:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: {{.*}}, %[[OUT:[^:]*]]: {{[^:]*}})
// CHECK: mla.decode_kernel %[[QN]], %[[QPE]] weights(%[[WUK]], %[[WUV]]) over %[[C]][%[[BT]], %[[LENS]]] into %[[OUT]] causal tiling <splits = 2, block_tokens = 32, heads_per_block = 32, stages = 3>
// CHECK-SAME: : memref<?x2x128x128xbf16>, memref<?x2x128x64xbf16>, memref<128x512x128xbf16>, memref<128x512x128xbf16>, memref<?x64x576xbf16>, memref<?x?xi32>, memref<?xi32>, memref<?x2x128x128xbf16>
func.func @decode_kernel(%q_nope: memref<?x2x128x128xbf16>, %q_pe: memref<?x2x128x64xbf16>,
                         %wuk: memref<128x512x128xbf16>, %wuv: memref<128x512x128xbf16>,
                         %cache: memref<?x64x576xbf16>, %bt: memref<?x?xi32>,
                         %lens: memref<?xi32>, %out: memref<?x2x128x128xbf16>) {
  mla.decode_kernel %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] into %out causal
      tiling #mla.decode_tiling<splits = 2, block_tokens = 32, heads_per_block = 32, stages = 3>
      {config = #v3k}
      : memref<?x2x128x128xbf16>, memref<?x2x128x64xbf16>, memref<128x512x128xbf16>,
        memref<128x512x128xbf16>, memref<?x64x576xbf16>, memref<?x?xi32>, memref<?xi32>,
        memref<?x2x128x128xbf16>
  return
}

// mla.prefill_kernel (on buffers, inside the GPU pipeline): q_nope with
// strided rows (read where the query product wrote it), any query count.

// CHECK-LABEL: func.func @prefill_kernel
// CHECK: mla.prefill_kernel %{{.*}}, %{{.*}} weights(%{{.*}}, %{{.*}}) over %{{.*}}[%{{.*}}, %{{.*}}] into %{{.*}} causal tiling <block_queries = 128, block_keys = 64, prefix_chunk = 4096>
// CHECK-SAME: : memref<?x?x128x128xbf16, strided<[?, 24576, 192, 1], offset: ?>>, memref<?x?x128x64xbf16>
func.func @prefill_kernel(%q_nope: memref<?x?x128x128xbf16, strided<[?, 24576, 192, 1], offset: ?>>,
                          %q_pe: memref<?x?x128x64xbf16>,
                          %wuk: memref<128x512x128xbf16>, %wuv: memref<128x512x128xbf16>,
                          %cache: memref<?x64x576xbf16>, %bt: memref<?x?xi32>,
                          %lens: memref<?xi32>, %out: memref<?x?x128x128xbf16>) {
  mla.prefill_kernel %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] into %out causal
      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 64, prefix_chunk = 4096>
      {config = #v3k}
      : memref<?x?x128x128xbf16, strided<[?, 24576, 192, 1], offset: ?>>, memref<?x?x128x64xbf16>,
        memref<128x512x128xbf16>, memref<128x512x128xbf16>, memref<?x64x576xbf16>,
        memref<?x?xi32>, memref<?xi32>, memref<?x?x128x128xbf16>
  return
}

// Varlen: query_starts between the lengths and the output.
// CHECK-LABEL: func.func @prefill_kernel_varlen
// CHECK: mla.prefill_kernel %{{.*}}, %{{.*}} weights(%{{.*}}, %{{.*}}) over %{{.*}}[%{{.*}}, %{{.*}}] query_starts(%[[QS:.*]]) into %{{.*}} causal
// CHECK-SAME: memref<?xi32>, memref<?xi32>, memref<?x128x128xbf16>
func.func @prefill_kernel_varlen(%q_nope: memref<?x128x128xbf16, strided<[?, 192, 1], offset: ?>>,
                                 %q_pe: memref<?x128x64xbf16>,
                                 %wuk: memref<128x512x128xbf16>, %wuv: memref<128x512x128xbf16>,
                                 %cache: memref<?x64x576xbf16>, %bt: memref<?x?xi32>,
                                 %lens: memref<?xi32>, %qs: memref<?xi32>,
                                 %out: memref<?x128x128xbf16>) {
  mla.prefill_kernel %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      query_starts(%qs) into %out causal
      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 64, prefix_chunk = 4096>
      {config = #v3k}
      : memref<?x128x128xbf16, strided<[?, 192, 1], offset: ?>>, memref<?x128x64xbf16>,
        memref<128x512x128xbf16>, memref<128x512x128xbf16>, memref<?x64x576xbf16>,
        memref<?x?xi32>, memref<?xi32>, memref<?xi32>, memref<?x128x128xbf16>
  return
}

// mla.rope_kernel and mla.kv_append_kernel (on buffers, inside the GPU
// pipeline): strided rows, an f32 input with a bf16 result.

// CHECK-LABEL: func.func @rope_kernel
// CHECK: mla.rope_kernel %{{.*}}, %{{.*}} into %{{.*}} {config = #{{.*}}} : memref<?x2x128x64xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x2xi32> into memref<?x2x128x64xbf16>
// CHECK: mla.rope_kernel %{{.*}}, %{{.*}} into %{{.*}} {config = #{{.*}}} : memref<4x2x64xf32>, memref<4x2xi32> into memref<4x2x64xbf16>
func.func @rope_kernel(%q: memref<?x2x128x64xbf16, strided<[?, ?, ?, 1], offset: ?>>, %pos: memref<?x2xi32>,
                       %qr: memref<?x2x128x64xbf16>, %k: memref<4x2x64xf32>, %kpos: memref<4x2xi32>,
                       %kr: memref<4x2x64xbf16>) {
  mla.rope_kernel %q, %pos into %qr {config = #v3k}
      : memref<?x2x128x64xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x2xi32> into memref<?x2x128x64xbf16>
  mla.rope_kernel %k, %kpos into %kr {config = #v3k}
      : memref<4x2x64xf32>, memref<4x2xi32> into memref<4x2x64xbf16>
  return
}

// CHECK-LABEL: func.func @kv_append_kernel
// CHECK: mla.kv_append_kernel %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] {config = #{{.*}}, epsilon = 9.9999999999999995E-7 : f64} : memref<?x1x576xf32>, memref<512xbf16>, memref<?x1xi32> into memref<?x64x576xbf16>, memref<?x?xi32>, memref<?xi32>
func.func @kv_append_kernel(%kv: memref<?x1x576xf32>, %n: memref<512xbf16>, %pos: memref<?x1xi32>,
                            %cache: memref<?x64x576xbf16>, %bt: memref<?x?xi32>, %lens: memref<?xi32>) {
  mla.kv_append_kernel %kv, %n, %pos into %cache[%bt, %lens] {config = #v3k, epsilon = 1.0e-06 : f64}
      : memref<?x1x576xf32>, memref<512xbf16>, memref<?x1xi32> into memref<?x64x576xbf16>, memref<?x?xi32>, memref<?xi32>
  return
}
