// RUN: mla-opt %s | FileCheck %s
// RUN: mla-opt %s | mla-opt | FileCheck %s
// RUN: mla-opt %s --mlir-print-op-generic | mla-opt | FileCheck %s
// RUN: mla-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round-trip of #mla.config and #mla.yarn: parameters equal to their defaults
// are dropped on print, others are kept, input order is free, and printed IR
// names every config / yarn through the #mla_config / #mla_yarn aliases. Enum
// attributes print as #mla<...> outside op formats. The tiling attributes
// (#mla.decode_tiling, #mla.prefill_tiling) have no defaults and no alias.
// mla.phase and mla.decode_below are the discardable attributes of the
// dialect.

// CHECK-DAG: #[[$MIN:mla_config[0-9]*]] = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>{{$}}
// CHECK-DAG: #[[$ALL:mla_config[0-9]*]] = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8, rope_theta = 5.000000e+04, rope_style = half, rms_eps = 1.000000e-05, softmax_scale = 1.250000e-01>{{$}}
// CHECK-DAG: #[[$ORDER:mla_config[0-9]*]] = #mla.config<heads = 4, hidden = 64, q_lora_rank = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8, rope_style = half>{{$}}
// CHECK-DAG: #[[$YARN_MIN:mla_yarn[0-9]*]] = #mla.yarn<factor = 4.000000e+00, original_max_position = 2048>{{$}}
// CHECK-DAG: #[[$YARN_ALL:mla_yarn[0-9]*]] = #mla.yarn<factor = 1.600000e+01, original_max_position = 1024, beta_fast = 1.600000e+01, beta_slow = 2.000000e+00, mscale = 5.000000e-01, mscale_all_dim = 2.500000e-01>{{$}}
// CHECK-DAG: #[[$YARN_ORDER:mla_yarn[0-9]*]] = #mla.yarn<factor = 8.000000e+00, original_max_position = 512, beta_slow = 5.000000e-01, mscale_all_dim = 1.000000e+00>{{$}}
// CHECK-DAG: #[[$V3_YARN:mla_yarn[0-9]*]] = #mla.yarn<factor = 4.000000e+01, original_max_position = 4096, mscale_all_dim = 1.000000e+00>{{$}}
// CHECK-DAG: #[[$V3:mla_config[0-9]*]] = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128, yarn = #[[$V3_YARN]]>{{$}}
// CHECK-DAG: #[[$V2L_YARN:mla_yarn[0-9]*]] = #mla.yarn<factor = 4.000000e+01, original_max_position = 4096, mscale = 7.070000e-01, mscale_all_dim = 7.070000e-01>{{$}}
// CHECK-DAG: #[[$V2L:mla_config[0-9]*]] = #mla.config<heads = 16, hidden = 2048, kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128, yarn = #[[$V2L_YARN]]>{{$}}

// GENERIC-DAG: #[[$CFG:mla_config[0-9]*]] = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>{{$}}

// Only the required parameters.
// CHECK-LABEL: func.func @config_required_only()
// CHECK-SAME: attributes {config = #[[$MIN]]}
func.func @config_required_only() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                       qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
} {
  return
}

// Every default spelled out: q_lora_rank = 0, rope_theta = 10000,
// rope_style = interleaved, rms_eps = 1e-6. Dropped on print, so this is the
// same attribute as the one above.
// CHECK-LABEL: func.func @config_defaults_omitted()
// CHECK-SAME: attributes {config = #[[$MIN]]}
func.func @config_defaults_omitted() attributes {
  config = #mla.config<heads = 2, hidden = 32, q_lora_rank = 0,
                       kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4,
                       v_head_dim = 8, rope_theta = 10000.0,
                       rope_style = interleaved, rms_eps = 1.0e-6>
} {
  return
}

// Non-default values are kept: q_lora_rank, rope_theta, rope_style = half,
// rms_eps, softmax_scale.
// CHECK-LABEL: func.func @config_non_defaults_kept()
// CHECK-SAME: attributes {config = #[[$ALL]]}
func.func @config_non_defaults_kept() attributes {
  config = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16,
                       kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4,
                       v_head_dim = 8, rope_theta = 50000.0, rope_style = half,
                       rms_eps = 1.0e-5, softmax_scale = 0.125>
} {
  return
}

// Parameters in any order; printed in declaration order.
// CHECK-LABEL: func.func @config_parameter_order_free()
// CHECK-SAME: attributes {config = #[[$ORDER]]}
func.func @config_parameter_order_free() attributes {
  config = #mla.config<rope_style = half, v_head_dim = 8, qk_rope_dim = 4,
                       qk_nope_dim = 8, kv_lora_rank = 16, q_lora_rank = 32,
                       hidden = 64, heads = 4>
} {
  return
}

// The real configs: DeepSeek-V3 and V2-Lite. The nested yarn prints through
// its own alias.
// CHECK-LABEL: func.func @config_deepseek()
// CHECK-SAME: attributes {v2_lite = #[[$V2L]], v3 = #[[$V3]]}
func.func @config_deepseek() attributes {
  v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                   kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                   v_head_dim = 128,
                   yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                    mscale = 1.0, mscale_all_dim = 1.0>>,
  v2_lite = #mla.config<heads = 16, hidden = 2048, kv_lora_rank = 512,
                        qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128,
                        yarn = #mla.yarn<factor = 40.0,
                                         original_max_position = 4096,
                                         mscale = 0.707,
                                         mscale_all_dim = 0.707>>
} {
  return
}

// Yarn defaults spelled out (beta_fast = 32, beta_slow = 1, mscale = 1,
// mscale_all_dim = 0) are dropped; same attribute as the required-only one.
// CHECK-LABEL: func.func @yarn_defaults_omitted()
// CHECK-SAME: attributes {explicit = #[[$YARN_MIN]], required = #[[$YARN_MIN]]}
func.func @yarn_defaults_omitted() attributes {
  explicit = #mla.yarn<factor = 4.0, original_max_position = 2048,
                       beta_fast = 32.0, beta_slow = 1.0, mscale = 1.0,
                       mscale_all_dim = 0.0>,
  required = #mla.yarn<factor = 4.0, original_max_position = 2048>
} {
  return
}

// CHECK-LABEL: func.func @yarn_non_defaults_kept()
// CHECK-SAME: attributes {yarn = #[[$YARN_ALL]]}
func.func @yarn_non_defaults_kept() attributes {
  yarn = #mla.yarn<factor = 16.0, original_max_position = 1024,
                   beta_fast = 16.0, beta_slow = 2.0, mscale = 0.5,
                   mscale_all_dim = 0.25>
} {
  return
}

// CHECK-LABEL: func.func @yarn_parameter_order_free()
// CHECK-SAME: attributes {yarn = #[[$YARN_ORDER]]}
func.func @yarn_parameter_order_free() attributes {
  yarn = #mla.yarn<mscale_all_dim = 1.0, beta_slow = 0.5,
                   original_max_position = 512, factor = 8.0>
} {
  return
}

// Enum attributes outside an op format.
// CHECK-LABEL: func.func @enum_attrs()
// CHECK-SAME: attributes {decode = #mla<phase decode>, half = #mla<rope_style half>, interleaved = #mla<rope_style interleaved>, key = #mla<projection key>, prefill = #mla<phase prefill>, value = #mla<projection value>}
func.func @enum_attrs() attributes {
  decode = #mla<phase decode>, prefill = #mla<phase prefill>,
  interleaved = #mla<rope_style interleaved>, half = #mla<rope_style half>,
  key = #mla<projection key>, value = #mla<projection value>
} {
  return
}

// Enum attributes inside op formats print as bare keywords; in generic form
// they are #mla<...> properties.
// CHECK-LABEL: func.func @enum_attrs_in_ops
// CHECK: mla.decompress key
// CHECK: mla.decompress value
// CHECK: mla.attention_block
// CHECK-SAME: phase prefill {config = #[[$MIN]]}
// GENERIC-LABEL: sym_name = "enum_attrs_in_ops"
// GENERIC: "mla.decompress"
// GENERIC-SAME: projection = #mla<projection key>
// GENERIC: "mla.decompress"
// GENERIC-SAME: projection = #mla<projection value>
// GENERIC: "mla.attention_block"
// GENERIC-SAME: <{config = #[[$CFG]], operandSegmentSizes = array<i32: 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0>, phase = #mla<phase prefill>}>
func.func @enum_attrs_in_ops(
    %c_kv: tensor<?x?x16xf32>, %wuk: tensor<2x16x8xf32>,
    %h: tensor<?x?x32xf32>, %pos: tensor<?x?xi32>, %wuq: tensor<32x24xf32>,
    %wdkv: tensor<32x20xf32>, %kvn: tensor<16xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<?x?xi32>,
    %lens: tensor<?xi32>) {
  %k = mla.decompress key %c_kv, %wuk {config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>}
      : (tensor<?x?x16xf32>, tensor<2x16x8xf32>) -> tensor<?x?x2x8xf32>
  %v = mla.decompress value %c_kv, %wuv {config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>}
      : (tensor<?x?x16xf32>, tensor<2x16x8xf32>) -> tensor<?x?x2x8xf32>
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_up = %wuq, kv_down = %wdkv, kv_norm = %kvn, k_up = %wuk,
              v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) phase prefill
      {config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>}
      : (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<32x24xf32>,
         tensor<32x20xf32>, tensor<16xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<16x32xf32>, tensor<?x4x20xf32>,
         tensor<?x?xi32>, tensor<?xi32>)
      -> (tensor<?x?x32xf32>, tensor<?x4x20xf32>)
  return
}

// The mla.phase discardable attribute, on a function and on an op that has
// no phase of its own.
// CHECK-LABEL: func.func @phase_discardable_attr
// CHECK-SAME: attributes {mla.phase = #mla<phase decode>}
// CHECK: mla.rope
// CHECK-SAME: {config = #[[$MIN]], mla.phase = #mla<phase prefill>}
// GENERIC-LABEL: sym_name = "phase_discardable_attr"
// GENERIC: "mla.rope"
// GENERIC-SAME: <{config = #[[$CFG]]}> {mla.phase = #mla<phase prefill>}
// GENERIC: {mla.phase = #mla<phase decode>}
func.func @phase_discardable_attr(%k: tensor<?x?x4xf32>, %pos: tensor<?x?xi32>)
    -> tensor<?x?x4xf32> attributes {mla.phase = #mla<phase decode>} {
  %0 = mla.rope %k, %pos {config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>, mla.phase = #mla<phase prefill>}
      : tensor<?x?x4xf32>, tensor<?x?xi32>
  return %0 : tensor<?x?x4xf32>
}

// The tiling attributes: every parameter printed, in declaration order, the
// full #mla.decode_tiling / #mla.prefill_tiling form outside an op.
// CHECK-LABEL: func.func @tilings()
// CHECK-SAME: attributes {decode = #mla.decode_tiling<splits = 2, block_tokens = 64, heads_per_block = 64, stages = 2>, order = #mla.decode_tiling<splits = 4, block_tokens = 32, heads_per_block = 16, stages = 1>, prefill = #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096>, prefill_order = #mla.prefill_tiling<block_queries = 64, block_keys = 32, prefix_chunk = 1024>, prefill_tma = #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma>, producer = #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma, producer = true>, sync = #mla.prefill_tiling<block_queries = 128, block_keys = 64, prefix_chunk = 4096, mma = sync>}
// GENERIC-LABEL: sym_name = "tilings"
// GENERIC: {decode = #mla.decode_tiling<splits = 2, block_tokens = 64, heads_per_block = 64, stages = 2>, order = #mla.decode_tiling<splits = 4, block_tokens = 32, heads_per_block = 16, stages = 1>, prefill = #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096>, prefill_order = #mla.prefill_tiling<block_queries = 64, block_keys = 32, prefix_chunk = 1024>, prefill_tma = #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma>, producer = #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma, producer = true>, sync = #mla.prefill_tiling<block_queries = 128, block_keys = 64, prefix_chunk = 4096, mma = sync>}
func.func @tilings() attributes {
  decode = #mla.decode_tiling<splits = 2, block_tokens = 64, heads_per_block = 64, stages = 2>,
  order = #mla.decode_tiling<stages = 1, heads_per_block = 16, block_tokens = 32, splits = 4>,
  prefill = #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096>,
  prefill_order = #mla.prefill_tiling<prefix_chunk = 1024, block_keys = 32, block_queries = 64>,
  prefill_tma = #mla.prefill_tiling<loads = tma, block_queries = 128, block_keys = 128, prefix_chunk = 4096>,
  producer = #mla.prefill_tiling<producer = true, loads = tma, block_queries = 128, block_keys = 128, prefix_chunk = 4096>,
  sync = #mla.prefill_tiling<mma = sync, block_queries = 128, block_keys = 64, prefix_chunk = 4096>
} {
  return
}

// The mla.decode_below discardable attribute (a query count, of any integer
// type) on the op mla-select-phase stamps it on.
// CHECK-LABEL: func.func @decode_below_discardable_attr
// CHECK: mla.decompressed_attention
// CHECK-SAME: {config = #[[$MIN]], mla.decode_below = 176 : i64}
// CHECK: mla.decompressed_attention
// CHECK-SAME: {config = #[[$MIN]], mla.decode_below = 8 : i32}
// GENERIC-LABEL: sym_name = "decode_below_discardable_attr"
// GENERIC: "mla.decompressed_attention"
// GENERIC-SAME: <{config = #[[$CFG]]}> {mla.decode_below = 176 : i64}
// GENERIC: "mla.decompressed_attention"
// GENERIC-SAME: <{config = #[[$CFG]]}> {mla.decode_below = 8 : i32}
func.func @decode_below_discardable_attr(
    %q_nope: tensor<1x?x2x8xf32>, %q_pe: tensor<1x?x2x4xf32>,
    %k_nope: tensor<1x16x2x8xf32>, %k_pe: tensor<1x16x4xf32>,
    %v: tensor<1x16x2x8xf32>, %lens: tensor<1xi32>) {
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens
      {config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>, mla.decode_below = 176}
      : (tensor<1x?x2x8xf32>, tensor<1x?x2x4xf32>, tensor<1x16x2x8xf32>,
         tensor<1x16x4xf32>, tensor<1x16x2x8xf32>, tensor<1xi32>)
      -> tensor<1x?x2x8xf32>
  %1 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens
      {config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>, mla.decode_below = 8 : i32}
      : (tensor<1x?x2x8xf32>, tensor<1x?x2x4xf32>, tensor<1x16x2x8xf32>,
         tensor<1x16x4xf32>, tensor<1x16x2x8xf32>, tensor<1xi32>)
      -> tensor<1x?x2x8xf32>
  return
}

// #mla.target: every parameter printed in order (input order is free), the
// rates re-parsed to the same bits; the mla.target discardable attribute
// (here on a nested module: passes read the closest one).
// CHECK-LABEL: module @target
// CHECK-SAME: mla.target = #mla.target<name = "lab-h100", chip = "sm_90", sms = 132, shared_memory = 200000, registers = 65536, bandwidth = 3.100000e+12, tensor_rate = 6.500000e+14, f32_rate = 5.000000e+13>
// GENERIC: mla.target = #mla.target<name = "lab-h100", chip = "sm_90"
module @target attributes {mla.target = #mla.target<chip = "sm_90", name = "lab-h100", sms = 132, registers = 65536, shared_memory = 200000, bandwidth = 3.1e12, tensor_rate = 6.5e14, f32_rate = 5.0e13>} {
}
