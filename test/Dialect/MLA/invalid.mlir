// RUN: mla-opt %s -split-input-file -verify-diagnostics

// One case per diagnostic of the mla dialect: the #mla.config / #mla.yarn /
// #mla.decode_tiling / #mla.prefill_tiling / #mla.target verifiers, the
// mla.phase, mla.decode_below and mla.target discardable attributes, a few ODS-generated checks and
// parse errors, and the op verifiers. Shape messages come in four kinds:
// rank, config-bound dim ("(kv_lora_rank)"), data-bound dim ("as in ..."),
// element type. Small config: H = 2, D = 32, Q = 16, L = 16, N = 8, R = 4,
// V = 8, so H*(N+R) = 24, L+R = 20, H*V = 16.

// #mla.config: heads must be positive.
// expected-error @+2 {{expects heads to be positive, found 0}}
func.func @case() attributes {
  config = #mla.config<heads = 0, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
} {
  return
}

// -----

// #mla.config: hidden must be positive.
// expected-error @+2 {{expects hidden to be positive, found -32}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = -32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
} {
  return
}

// -----

// #mla.config: kv_lora_rank must be positive.
// expected-error @+2 {{expects kv_lora_rank to be positive, found 0}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 0, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
} {
  return
}

// -----

// #mla.config: qk_nope_dim must be positive.
// expected-error @+2 {{expects qk_nope_dim to be positive, found 0}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 0, qk_rope_dim = 4, v_head_dim = 8>
} {
  return
}

// -----

// #mla.config: qk_rope_dim must be positive.
// expected-error @+2 {{expects qk_rope_dim to be positive, found 0}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 0, v_head_dim = 8>
} {
  return
}

// -----

// #mla.config: v_head_dim must be positive.
// expected-error @+2 {{expects v_head_dim to be positive, found -1}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = -1>
} {
  return
}

// -----

// #mla.config: dims are bounded so that their products cannot overflow.
// expected-error @+2 {{expects heads to be at most 16777216, found 16777217}}
func.func @case() attributes {
  config = #mla.config<heads = 16777217, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
} {
  return
}

// -----

// #mla.config: ... q_lora_rank included.
// expected-error @+2 {{expects q_lora_rank to be at most 16777216, found 16777217}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8, q_lora_rank = 16777217>
} {
  return
}

// -----

// #mla.config: q_lora_rank may be 0 but not negative.
// expected-error @+2 {{expects q_lora_rank to be non-negative (0: no query compression), found -1}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8, q_lora_rank = -1>
} {
  return
}

// -----

// #mla.config: RoPE rotates pairs.
// expected-error @+2 {{expects qk_rope_dim to be even (RoPE rotates pairs), found 3}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 3, v_head_dim = 8>
} {
  return
}

// -----

// #mla.config: rope_theta.
// expected-error @+2 {{expects rope_theta to be positive and finite, found 0.000000e+00}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8, rope_theta = 0.0>
} {
  return
}

// -----

// #mla.config: rms_eps.
// expected-error @+2 {{expects rms_eps to be positive and finite, found -1.000000e-06}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8, rms_eps = -1.0e-06>
} {
  return
}

// -----

// #mla.config: softmax_scale must be positive...
// expected-error @+2 {{expects softmax_scale to be positive and finite, found 0.000000e+00}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8, softmax_scale = 0.0>
} {
  return
}

// -----

// ...and finite (0x7FF0000000000000 is +inf).
// expected-error @+2 {{expects softmax_scale to be positive and finite, found INF}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8, softmax_scale = 0x7FF0000000000000>
} {
  return
}

// -----

// #mla.yarn: factor.
// expected-error @+2 {{expects yarn factor to be at least 1, found 5.000000e-01}}
func.func @case() attributes {
  yarn = #mla.yarn<factor = 0.5, original_max_position = 4096>
} {
  return
}

// -----

// #mla.yarn: original_max_position.
// expected-error @+2 {{expects yarn original_max_position to be positive, found 0}}
func.func @case() attributes {
  yarn = #mla.yarn<factor = 40.0, original_max_position = 0>
} {
  return
}

// -----

// #mla.yarn: beta_fast must exceed beta_slow...
// expected-error @+2 {{expects yarn beta_fast (1.000000e+00) > beta_slow (1.000000e+00) > 0}}
func.func @case() attributes {
  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 1.0, beta_slow = 1.0>
} {
  return
}

// -----

// ...and beta_slow must be positive (the correction dims divide by it).
// expected-error @+2 {{expects yarn beta_fast (3.200000e+01) > beta_slow (0.000000e+00) > 0}}
func.func @case() attributes {
  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, beta_slow = 0.0>
} {
  return
}

// -----

// #mla.yarn: mscale...
// expected-error @+2 {{expects yarn mscale (-1.000000e+00) and mscale_all_dim (0.000000e+00) to be non-negative}}
func.func @case() attributes {
  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, mscale = -1.0>
} {
  return
}

// -----

// ...and mscale_all_dim must be non-negative.
// expected-error @+2 {{expects yarn mscale (1.000000e+00) and mscale_all_dim (-5.000000e-01) to be non-negative}}
func.func @case() attributes {
  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, mscale_all_dim = -0.5>
} {
  return
}

// -----

// A bad #mla.yarn nested in a #mla.config.
// expected-error @+4 {{expects yarn factor to be at least 1, found 0.000000e+00}}
// expected-error @+3 {{failed to parse MLA_ConfigAttr parameter 'yarn'}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8,
                       yarn = #mla.yarn<factor = 0.0, original_max_position = 4096>>
} {
  return
}

// -----

// Parse error: unknown rope_style keyword.
// expected-error @+3 {{expected ::mlir::mla::RopeStyle to be one of: interleaved, half}}
// expected-error @+2 {{failed to parse MLA_ConfigAttr parameter 'rope_style'}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8, rope_style = neox>
} {
  return
}

// -----

// Parse error: missing required config parameter.
// expected-error @+2 {{struct is missing required parameter: kv_lora_rank}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
} {
  return
}

// -----

// Parse error: missing required yarn parameter.
// expected-error @+2 {{struct is missing required parameter: original_max_position}}
func.func @case() attributes {
  yarn = #mla.yarn<factor = 40.0>
} {
  return
}

// -----

// Parse error: unknown config parameter.
// expected-error @+2 {{duplicate or unknown struct parameter name: rope_scale}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8, rope_scale = 1.0>
} {
  return
}

// -----

// Parse error: float parameters need a float literal.
// expected-error @+4 {{unexpected decimal integer literal for a floating point value}}
// expected-note @+3 {{add a trailing dot to make the literal a float}}
// expected-error @+2 {{failed to parse MLA_YarnAttr parameter 'factor'}}
func.func @case() attributes {
  yarn = #mla.yarn<factor = 40, original_max_position = 4096>
} {
  return
}

// -----

// Parse error: unknown phase keyword.
// expected-error @+3 {{expected ::mlir::mla::Phase to be one of: prefill, decode}}
// expected-error @+2 {{failed to parse MLA_PhaseAttr parameter 'value'}}
func.func @case() attributes {
  phase = #mla<phase fast>
} {
  return
}

// -----

// Parse error: unknown projection keyword in the op format.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%c_kv: tensor<?x?x16xf32>, %w: tensor<2x16x8xf32>) {
  // expected-error @+2 {{expected ::mlir::mla::Projection to be one of: key, value}}
  // expected-error @+1 {{failed to parse MLA_ProjectionAttr parameter 'value'}}
  %0 = mla.decompress query %c_kv, %w {config = #c}
      : (tensor<?x?x16xf32>, tensor<2x16x8xf32>) -> tensor<?x?x2x8xf32>
  return
}

// -----

// mla.phase must hold a #mla<phase ...>.
// expected-error @+1 {{expects 'mla.phase' to be a #mla<phase ...> attribute, found 1 : i32}}
func.func @case() attributes {mla.phase = 1 : i32} {
  return
}

// -----

// ... also on an mla op; another mla enum is not a phase.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%k: tensor<?x?x4xf32>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{expects 'mla.phase' to be a #mla<phase ...> attribute, found #mla<rope_style half>}}
  %0 = mla.rope %k, %pos {config = #c, mla.phase = #mla<rope_style half>}
      : tensor<?x?x4xf32>, tensor<?x?xi32>
  return
}

// -----

// mla.phase and mla.decode_below are the dialect's only discardable
// attributes.
// expected-error @+1 {{unknown mla discardable attribute 'mla.phases'}}
func.func @case() attributes {mla.phases = #mla<phase decode>} {
  return
}

// -----

// ODS: f64 is not an mla element type.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%k: tensor<?x?x4xf64>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{'mla.rope' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<?x?x4xf64>'}}
  %0 = mla.rope %k, %pos {config = #c} : tensor<?x?x4xf64>, tensor<?x?xi32>
  return
}

// -----

// ODS: block tables are i32.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%cache: tensor<?x4x20xf32>, %bt: tensor<2x3xi64>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.cache.gather' op operand #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<2x3xi64>'}}
  %c_kv, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #c}
      : (tensor<?x4x20xf32>, tensor<2x3xi64>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  return
}

// -----

// ODS: the config is required.
func.func @case(%k: tensor<?x?x4xf32>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{'mla.rope' op requires attribute 'config'}}
  %0 = mla.rope %k, %pos : tensor<?x?x4xf32>, tensor<?x?xi32>
  return
}

// -----

// ODS: rms_norm keeps its input type (only expressible in generic form).
func.func @case(%x: tensor<4x16xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{'mla.rms_norm' op failed to verify that all of {input, result} have same type}}
  %0 = "mla.rms_norm"(%x, %w) {epsilon = 1.0e-06 : f64}
      : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x8xf32>
  return
}

// -----

// query_proj: q_lora_rank > 0 needs down and norm.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<?x?x32xf32>, %wuq: tensor<16x24xf32>) {
  // expected-error @+1 {{'mla.query_proj' op expects query down-projection and norm weights because q_lora_rank is 16}}
  %q_nope, %q_pe = mla.query_proj %h up %wuq {config = #c}
      : (tensor<?x?x32xf32>, tensor<16x24xf32>)
      -> (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>)
  return
}

// -----

// query_proj: a down-projection without its norm (generic form) is not enough.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<?x?x32xf32>, %wdq: tensor<32x16xf32>, %wuq: tensor<16x24xf32>) {
  // expected-error @+1 {{'mla.query_proj' op expects query down-projection and norm weights because q_lora_rank is 16}}
  %0:2 = "mla.query_proj"(%h, %wdq, %wuq)
      <{config = #c, operandSegmentSizes = array<i32: 1, 1, 0, 1>}>
      : (tensor<?x?x32xf32>, tensor<32x16xf32>, tensor<16x24xf32>)
      -> (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>)
  return
}

// -----

// query_proj: q_lora_rank = 0 forbids down and norm.
#nq = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                  qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<?x?x32xf32>, %wdq: tensor<32x16xf32>, %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>) {
  // expected-error @+1 {{'mla.query_proj' op expects no query down-projection or norm weights because q_lora_rank is 0}}
  %q_nope, %q_pe = mla.query_proj %h down %wdq norm %qn up %wuq {config = #nq}
      : (tensor<?x?x32xf32>, tensor<32x16xf32>, tensor<16xf32>, tensor<16x24xf32>)
      -> (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>)
  return
}

// -----

// attention_block: q_lora_rank > 0 needs q_down and q_norm.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<2x3xi32>, %wuq: tensor<32x24xf32>,
    %wdkv: tensor<32x20xf32>, %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>,
    %bt: tensor<2x4xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects query down-projection and norm weights because q_lora_rank is 16}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_up = %wuq, kv_down = %wdkv, kv_norm = %kvn, k_up = %wuk,
              v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #c}
      : (tensor<2x3x32xf32>, tensor<2x3xi32>, tensor<32x24xf32>,
         tensor<32x20xf32>, tensor<16xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<16x32xf32>, tensor<8x4x20xf32>,
         tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block: q_lora_rank = 0 forbids q_down and q_norm.
#nq = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                  qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<2x3xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects no query down-projection or norm weights because q_lora_rank is 0}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #nq}
      : (tensor<2x3x32xf32>, tensor<2x3xi32>, tensor<32x16xf32>,
         tensor<16xf32>, tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, varlen: hidden is [X, D] (packed rows).
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<6xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>, %qs: tensor<3xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects hidden to be a rank-2 tensor [X, D], found rank 3}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) query_starts(%qs) {config = #c}
      : (tensor<2x3x32xf32>, tensor<6xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>, tensor<3xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, varlen: positions has one row per packed token.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<6x32xf32>, %pos: tensor<5xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>, %qs: tensor<3xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects positions dim 0 (X: new tokens of all requests) to be 6 as in hidden, found 5}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) query_starts(%qs) {config = #c}
      : (tensor<6x32xf32>, tensor<5xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>, tensor<3xi32>)
      -> (tensor<6x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, varlen: query_starts has batch + 1 entries.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<6x32xf32>, %pos: tensor<6xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>, %qs: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects query_starts dim 0 (B+1: batch + 1) to be 3, found 2}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) query_starts(%qs) {config = #c}
      : (tensor<6x32xf32>, tensor<6xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>, tensor<2xi32>)
      -> (tensor<6x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, varlen: no new token at all.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<0x32xf32>, %pos: tensor<0xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>, %qs: tensor<3xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects hidden dim 0 (X: new tokens of all requests) to be non-zero}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) query_starts(%qs) {config = #c}
      : (tensor<0x32xf32>, tensor<0xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>, tensor<3xi32>)
      -> (tensor<0x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, rank: hidden is [B, S, D].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<6x32xf32>, %pos: tensor<2x3xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects hidden to be a rank-3 tensor [B, S, D], found rank 2}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #c}
      : (tensor<6x32xf32>, tensor<2x3xi32>, tensor<32x16xf32>,
         tensor<16xf32>, tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, config-bound dim: q_down is [D, Q].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<2x3xi32>, %wdq: tensor<32x8xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects q_down dim 1 (Q) to be 16 (q_lora_rank), found 8}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #c}
      : (tensor<2x3x32xf32>, tensor<2x3xi32>, tensor<32x8xf32>,
         tensor<16xf32>, tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, config-bound dim: without query compression q_up is [D, H*(N+R)].
#nq = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                  qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<2x3xi32>, %wuq: tensor<16x24xf32>,
    %wdkv: tensor<32x20xf32>, %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>,
    %bt: tensor<2x4xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects q_up dim 0 (D) to be 32 (hidden), found 16}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_up = %wuq, kv_down = %wdkv, kv_norm = %kvn, k_up = %wuk,
              v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #nq}
      : (tensor<2x3x32xf32>, tensor<2x3xi32>, tensor<16x24xf32>,
         tensor<32x20xf32>, tensor<16xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<16x32xf32>, tensor<8x4x20xf32>,
         tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, config-bound dim: H*(N+R).
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<2x3xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x16xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects q_up dim 1 (H*(N+R)) to be 24 (heads * (qk_nope_dim + qk_rope_dim)), found 16}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #c}
      : (tensor<2x3x32xf32>, tensor<2x3xi32>, tensor<32x16xf32>,
         tensor<16xf32>, tensor<16x16xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, config-bound dim: the cache holds L+R per token.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<2x3xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x16xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects cache dim 2 (L+R) to be 20 (kv_lora_rank + qk_rope_dim), found 16}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #c}
      : (tensor<2x3x32xf32>, tensor<2x3xi32>, tensor<32x16xf32>,
         tensor<16xf32>, tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x16xf32>, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, config-bound dim: W_O is [H*V, D].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<2x3xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<8x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects out dim 0 (H*V) to be 16 (heads * v_head_dim), found 8}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #c}
      : (tensor<2x3x32xf32>, tensor<2x3xi32>, tensor<32x16xf32>,
         tensor<16xf32>, tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, data-bound dim: positions are [B, S] as in hidden.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<2x1xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects positions dim 1 (S: new tokens) to be 3 as in hidden, found 1}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #c}
      : (tensor<2x3x32xf32>, tensor<2x1xi32>, tensor<32x16xf32>,
         tensor<16xf32>, tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, data-bound dim: the new cache has the cache's pages.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<2x3xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects new_cache dim 0 (P: pages) to be 8 as in cache, found 16}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #c}
      : (tensor<2x3x32xf32>, tensor<2x3xi32>, tensor<32x16xf32>,
         tensor<16xf32>, tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf32>, tensor<16x4x20xf32>)
  return
}

// -----

// attention_block, data-bound dim: ... and its page size.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<2x3xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects new_cache dim 1 (G: page size) to be 4 as in cache, found 8}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #c}
      : (tensor<2x3x32xf32>, tensor<2x3xi32>, tensor<32x16xf32>,
         tensor<16xf32>, tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x8x20xf32>)
  return
}

// -----

// attention_block, data-bound dim: one seq_lens entry per request.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<2x3xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xf32>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<4xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects seq_lens dim 0 (B: batch) to be 2 as in hidden, found 4}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #c}
      : (tensor<2x3x32xf32>, tensor<2x3xi32>, tensor<32x16xf32>,
         tensor<16xf32>, tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xf32>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<4xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// attention_block, element type: one float type for all weights.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(
    %h: tensor<2x3x32xf32>, %pos: tensor<2x3xi32>, %wdq: tensor<32x16xf32>,
    %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>, %wdkv: tensor<32x20xf32>,
    %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %wo: tensor<16x32xbf16>, %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>,
    %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.attention_block' op expects out element type to be 'f32' as in hidden, found 'bf16'}}
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #c}
      : (tensor<2x3x32xf32>, tensor<2x3xi32>, tensor<32x16xf32>,
         tensor<16xf32>, tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>,
         tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<16x32xbf16>,
         tensor<8x4x20xf32>, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x32xf32>, tensor<8x4x20xf32>)
  return
}

// -----

// rms_norm: epsilon must be positive.
func.func @case(%x: tensor<4x16xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{'mla.rms_norm' op expects epsilon to be positive, found 0.000000e+00}}
  %0 = mla.rms_norm %x, %w {epsilon = 0.0 : f64} : tensor<4x16xf32>, tensor<16xf32>
  return
}

// -----

// rms_norm: a rank-0 input has no dim to normalise.
func.func @case(%x: tensor<f32>, %w: tensor<1xf32>) {
  // expected-error @+1 {{'mla.rms_norm' op expects input to have at least one dimension}}
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-06 : f64} : tensor<f32>, tensor<1xf32>
  return
}

// -----

// rms_norm, rank: the weight is [C].
func.func @case(%x: tensor<4x16xf32>, %w: tensor<1x16xf32>) {
  // expected-error @+1 {{'mla.rms_norm' op expects weight to be a rank-1 tensor [C], found rank 2}}
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-06 : f64} : tensor<4x16xf32>, tensor<1x16xf32>
  return
}

// -----

// rms_norm, data-bound dim: the weight has the size of the last input dim.
func.func @case(%x: tensor<4x16x16xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{'mla.rms_norm' op expects weight dim 0 (C: normalised dim) to be 16 as in input, found 4}}
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-06 : f64} : tensor<4x16x16xf32>, tensor<4xf32>
  return
}

// -----

// rms_norm, element type.
func.func @case(%x: tensor<4x16xf32>, %w: tensor<16xbf16>) {
  // expected-error @+1 {{'mla.rms_norm' op expects weight element type to be 'f32' as in input, found 'bf16'}}
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-06 : f64} : tensor<4x16xf32>, tensor<16xbf16>
  return
}

// -----

// query_proj, config-bound dim: with query compression up is [Q, H*(N+R)].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<?x?x32xf32>, %wdq: tensor<32x16xf32>, %qn: tensor<16xf32>, %wuq: tensor<32x24xf32>) {
  // expected-error @+1 {{'mla.query_proj' op expects up dim 0 (Q) to be 16 (q_lora_rank), found 32}}
  %q_nope, %q_pe = mla.query_proj %h down %wdq norm %qn up %wuq {config = #c}
      : (tensor<?x?x32xf32>, tensor<32x16xf32>, tensor<16xf32>, tensor<32x24xf32>)
      -> (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>)
  return
}

// -----

// query_proj, config-bound dim: the norm is [Q].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<?x?x32xf32>, %wdq: tensor<32x16xf32>, %qn: tensor<32xf32>, %wuq: tensor<16x24xf32>) {
  // expected-error @+1 {{'mla.query_proj' op expects norm dim 0 (Q) to be 16 (q_lora_rank), found 32}}
  %q_nope, %q_pe = mla.query_proj %h down %wdq norm %qn up %wuq {config = #c}
      : (tensor<?x?x32xf32>, tensor<32x16xf32>, tensor<32xf32>, tensor<16x24xf32>)
      -> (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>)
  return
}

// -----

// query_proj, config-bound dim: q_pe has R dims per head.
#nq = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                  qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<?x?x32xf16>, %wuq: tensor<32x24xf16>) {
  // expected-error @+1 {{'mla.query_proj' op expects q_pe dim 3 (R) to be 4 (qk_rope_dim), found 8}}
  %q_nope, %q_pe = mla.query_proj %h up %wuq {config = #nq}
      : (tensor<?x?x32xf16>, tensor<32x24xf16>)
      -> (tensor<?x?x2x8xf16>, tensor<?x?x2x8xf16>)
  return
}

// -----

// query_proj, data-bound dim: q_nope has the tokens of hidden.
#nq = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                  qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<2x3x32xf16>, %wuq: tensor<32x24xf16>) {
  // expected-error @+1 {{'mla.query_proj' op expects q_nope dim 1 (S: new tokens) to be 3 as in hidden, found 1}}
  %q_nope, %q_pe = mla.query_proj %h up %wuq {config = #nq}
      : (tensor<2x3x32xf16>, tensor<32x24xf16>)
      -> (tensor<2x1x2x8xf16>, tensor<2x3x2x4xf16>)
  return
}

// -----

// query_proj, rank: q_nope is per head.
#nq = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                  qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<?x?x32xf16>, %wuq: tensor<32x24xf16>) {
  // expected-error @+1 {{'mla.query_proj' op expects q_nope to be a rank-4 tensor [B, S, H, N], found rank 3}}
  %q_nope, %q_pe = mla.query_proj %h up %wuq {config = #nq}
      : (tensor<?x?x32xf16>, tensor<32x24xf16>)
      -> (tensor<?x?x16xf16>, tensor<?x?x2x4xf16>)
  return
}

// -----

// query_proj, element type.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<?x?x32xf32>, %wdq: tensor<32x16xf16>, %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>) {
  // expected-error @+1 {{'mla.query_proj' op expects down element type to be 'f32' as in hidden, found 'f16'}}
  %q_nope, %q_pe = mla.query_proj %h down %wdq norm %qn up %wuq {config = #c}
      : (tensor<?x?x32xf32>, tensor<32x16xf16>, tensor<16xf32>, tensor<16x24xf32>)
      -> (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>)
  return
}

// -----

// kv_compress, config-bound dim: down is [D, L+R].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<?x?x32xf32>, %wdkv: tensor<32x16xf32>, %kvn: tensor<16xf32>) {
  // expected-error @+1 {{'mla.kv_compress' op expects down dim 1 (L+R) to be 20 (kv_lora_rank + qk_rope_dim), found 16}}
  %c_kv, %k_pe = mla.kv_compress %h down %wdkv norm %kvn {config = #c}
      : (tensor<?x?x32xf32>, tensor<32x16xf32>, tensor<16xf32>)
      -> (tensor<?x?x16xf32>, tensor<?x?x4xf32>)
  return
}

// -----

// kv_compress, config-bound dim: hidden is [B, S, D].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<?x?x64xf32>, %wdkv: tensor<32x20xf32>, %kvn: tensor<16xf32>) {
  // expected-error @+1 {{'mla.kv_compress' op expects hidden dim 2 (D) to be 32 (hidden), found 64}}
  %c_kv, %k_pe = mla.kv_compress %h down %wdkv norm %kvn {config = #c}
      : (tensor<?x?x64xf32>, tensor<32x20xf32>, tensor<16xf32>)
      -> (tensor<?x?x16xf32>, tensor<?x?x4xf32>)
  return
}

// -----

// kv_compress, data-bound dim: k_pe has the batch of hidden.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<2x?x32xf32>, %wdkv: tensor<32x20xf32>, %kvn: tensor<16xf32>) {
  // expected-error @+1 {{'mla.kv_compress' op expects k_pe dim 0 (B: batch) to be 2 as in hidden, found 3}}
  %c_kv, %k_pe = mla.kv_compress %h down %wdkv norm %kvn {config = #c}
      : (tensor<2x?x32xf32>, tensor<32x20xf32>, tensor<16xf32>)
      -> (tensor<?x?x16xf32>, tensor<3x?x4xf32>)
  return
}

// -----

// kv_compress, element type of a result.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%h: tensor<?x?x32xbf16>, %wdkv: tensor<32x20xbf16>, %kvn: tensor<16xbf16>) {
  // expected-error @+1 {{'mla.kv_compress' op expects c_kv element type to be 'bf16' as in hidden, found 'f32'}}
  %c_kv, %k_pe = mla.kv_compress %h down %wdkv norm %kvn {config = #c}
      : (tensor<?x?x32xbf16>, tensor<32x20xbf16>, tensor<16xbf16>)
      -> (tensor<?x?x16xf32>, tensor<?x?x4xbf16>)
  return
}

// -----

// rope: the input is [B, S, R] or [B, S, H, R].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%k: tensor<?x4xf32>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{'mla.rope' op expects input to be a rank-3 [B, S, R] or rank-4 [B, S, H, R] tensor, found rank 2}}
  %0 = mla.rope %k, %pos {config = #c} : tensor<?x4xf32>, tensor<?x?xi32>
  return
}

// -----

// rope, config-bound dim: rank-3 input, R.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%k: tensor<?x?x8xf32>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{'mla.rope' op expects input dim 2 (R) to be 4 (qk_rope_dim), found 8}}
  %0 = mla.rope %k, %pos {config = #c} : tensor<?x?x8xf32>, tensor<?x?xi32>
  return
}

// -----

// rope, config-bound dim: rank-4 input, H.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q: tensor<?x?x4x4xf32>, %pos: tensor<?x?xi32>) {
  // expected-error @+1 {{'mla.rope' op expects input dim 2 (H) to be 2 (heads), found 4}}
  %0 = mla.rope %q, %pos {config = #c} : tensor<?x?x4x4xf32>, tensor<?x?xi32>
  return
}

// -----

// rope, rank: positions are [B, S].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q: tensor<?x?x2x4xf32>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{'mla.rope' op expects positions to be a rank-2 tensor [B, S], found rank 1}}
  %0 = mla.rope %q, %pos {config = #c} : tensor<?x?x2x4xf32>, tensor<?xi32>
  return
}

// -----

// rope, data-bound dim: positions have the input's tokens.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q: tensor<2x5x2x4xf32>, %pos: tensor<2x1xi32>) {
  // expected-error @+1 {{'mla.rope' op expects positions dim 1 (S: new tokens) to be 5 as in input, found 1}}
  %0 = mla.rope %q, %pos {config = #c} : tensor<2x5x2x4xf32>, tensor<2x1xi32>
  return
}

// -----

// output_proj, config-bound dim: W_O is [H*V, D].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%o: tensor<?x?x2x8xf32>, %wo: tensor<24x32xf32>) {
  // expected-error @+1 {{'mla.output_proj' op expects w_o dim 0 (H*V) to be 16 (heads * v_head_dim), found 24}}
  %0 = mla.output_proj %o, %wo {config = #c}
      : (tensor<?x?x2x8xf32>, tensor<24x32xf32>) -> tensor<?x?x32xf32>
  return
}

// -----

// output_proj, data-bound dim: the result has the input's batch.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%o: tensor<4x1x2x8xf32>, %wo: tensor<16x32xf32>) {
  // expected-error @+1 {{'mla.output_proj' op expects result dim 0 (B: batch) to be 4 as in input, found 1}}
  %0 = mla.output_proj %o, %wo {config = #c}
      : (tensor<4x1x2x8xf32>, tensor<16x32xf32>) -> tensor<1x1x32xf32>
  return
}

// -----

// output_proj, rank: the result is [B, S, D].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%o: tensor<4x1x2x8xf32>, %wo: tensor<16x32xf32>) {
  // expected-error @+1 {{'mla.output_proj' op expects result to be a rank-3 tensor [B, S, D], found rank 2}}
  %0 = mla.output_proj %o, %wo {config = #c}
      : (tensor<4x1x2x8xf32>, tensor<16x32xf32>) -> tensor<4x32xf32>
  return
}

// -----

// cache.append, data-bound dim: k_pe has the batch of c_kv.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%c_kv: tensor<2x1x16xf32>, %k_pe: tensor<3x1x4xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>) {
  // expected-error @+1 {{'mla.cache.append' op expects k_pe dim 0 (B: batch) to be 2 as in c_kv, found 3}}
  %0 = mla.cache.append %c_kv, %k_pe into %cache[%bt, %lens] {config = #c}
      : tensor<2x1x16xf32>, tensor<3x1x4xf32>
        into tensor<?x4x20xf32>, tensor<?x?xi32>, tensor<?xi32>
  return
}

// -----

// cache.append, data-bound dim: one block-table row per request.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%c_kv: tensor<2x1x16xf32>, %k_pe: tensor<2x1x4xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<4x?xi32>, %lens: tensor<?xi32>) {
  // expected-error @+1 {{'mla.cache.append' op expects block_table dim 0 (B: batch) to be 2 as in c_kv, found 4}}
  %0 = mla.cache.append %c_kv, %k_pe into %cache[%bt, %lens] {config = #c}
      : tensor<2x1x16xf32>, tensor<2x1x4xf32>
        into tensor<?x4x20xf32>, tensor<4x?xi32>, tensor<?xi32>
  return
}

// -----

// cache.append, config-bound dim: the cache holds L+R per token.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%c_kv: tensor<?x?x16xf32>, %k_pe: tensor<?x?x4xf32>, %cache: tensor<?x4x16xf32>, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>) {
  // expected-error @+1 {{'mla.cache.append' op expects cache dim 2 (L+R) to be 20 (kv_lora_rank + qk_rope_dim), found 16}}
  %0 = mla.cache.append %c_kv, %k_pe into %cache[%bt, %lens] {config = #c}
      : tensor<?x?x16xf32>, tensor<?x?x4xf32>
        into tensor<?x4x16xf32>, tensor<?x?xi32>, tensor<?xi32>
  return
}

// -----

// cache.append, rank: seq_lens is [B].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%c_kv: tensor<?x?x16xf32>, %k_pe: tensor<?x?x4xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<?x?xi32>, %lens: tensor<?x1xi32>) {
  // expected-error @+1 {{'mla.cache.append' op expects seq_lens to be a rank-1 tensor [B], found rank 2}}
  %0 = mla.cache.append %c_kv, %k_pe into %cache[%bt, %lens] {config = #c}
      : tensor<?x?x16xf32>, tensor<?x?x4xf32>
        into tensor<?x4x20xf32>, tensor<?x?xi32>, tensor<?x1xi32>
  return
}

// -----

// cache.append, element type.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%c_kv: tensor<?x?x16xf16>, %k_pe: tensor<?x?x4xf16>, %cache: tensor<?x4x20xbf16>, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>) {
  // expected-error @+1 {{'mla.cache.append' op expects cache element type to be 'f16' as in c_kv, found 'bf16'}}
  %0 = mla.cache.append %c_kv, %k_pe into %cache[%bt, %lens] {config = #c}
      : tensor<?x?x16xf16>, tensor<?x?x4xf16>
        into tensor<?x4x20xbf16>, tensor<?x?xi32>, tensor<?xi32>
  return
}

// -----

// cache.gather: T = M * G.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%cache: tensor<?x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.cache.gather' op expects c_kv dim 1 (T: cache positions) to be 12 (pages per request 3 * page size 4), found 8}}
  %c_kv, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #c}
      : (tensor<?x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x8x16xf32>, tensor<2x8x4xf32>)
  return
}

// -----

// cache.gather: T = M * G, with T known from k_pe only: the message names
// k_pe.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%cache: tensor<?x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.cache.gather' op expects k_pe dim 1 (T: cache positions) to be 12 (pages per request 3 * page size 4), found 8}}
  %c_kv, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #c}
      : (tensor<?x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x?x16xf32>, tensor<2x8x4xf32>)
  return
}

// -----

// cache.gather, data-bound dim: both results have T positions.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%cache: tensor<?x4x20xf32>, %bt: tensor<2x?xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.cache.gather' op expects k_pe dim 1 (T: cache positions) to be 12 as in c_kv, found 8}}
  %c_kv, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #c}
      : (tensor<?x4x20xf32>, tensor<2x?xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x8x4xf32>)
  return
}

// -----

// cache.gather, rank: the block table is [B, M].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%cache: tensor<?x4x20xf32>, %bt: tensor<6xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.cache.gather' op expects block_table to be a rank-2 tensor [B, M], found rank 1}}
  %c_kv, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #c}
      : (tensor<?x4x20xf32>, tensor<6xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  return
}

// -----

// cache.gather, config-bound dim: c_kv has L dims.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%cache: tensor<?x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.cache.gather' op expects c_kv dim 2 (L) to be 16 (kv_lora_rank), found 20}}
  %c_kv, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #c}
      : (tensor<?x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x20xf32>, tensor<2x12x4xf32>)
  return
}

// -----

// cache.gather, element type of a result.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%cache: tensor<?x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.cache.gather' op expects c_kv element type to be 'f32' as in cache, found 'f16'}}
  %c_kv, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #c}
      : (tensor<?x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf16>, tensor<2x12x4xf32>)
  return
}

// -----

// decompress key: W_UK is [H, L, N].
// N = 8 differs from V = 6, so key and value weights are told apart.
#kv = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                  qk_rope_dim = 4, v_head_dim = 6>

func.func @case(%c_kv: tensor<?x?x16xf32>, %w: tensor<2x16x6xf32>) {
  // expected-error @+1 {{'mla.decompress' op expects weight dim 2 (N) to be 8 (qk_nope_dim), found 6}}
  %0 = mla.decompress key %c_kv, %w {config = #kv}
      : (tensor<?x?x16xf32>, tensor<2x16x6xf32>) -> tensor<?x?x2x6xf32>
  return
}

// -----

// decompress value: W_UV is [H, L, V].
// N = 8 differs from V = 6, so key and value weights are told apart.
#kv = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                  qk_rope_dim = 4, v_head_dim = 6>

func.func @case(%c_kv: tensor<?x?x16xf32>, %w: tensor<2x16x8xf32>) {
  // expected-error @+1 {{'mla.decompress' op expects weight dim 2 (V) to be 6 (v_head_dim), found 8}}
  %0 = mla.decompress value %c_kv, %w {config = #kv}
      : (tensor<?x?x16xf32>, tensor<2x16x8xf32>) -> tensor<?x?x2x8xf32>
  return
}

// -----

// decompress value: the result is [B, T, H, V].
// N = 8 differs from V = 6, so key and value weights are told apart.
#kv = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                  qk_rope_dim = 4, v_head_dim = 6>

func.func @case(%c_kv: tensor<?x?x16xf32>, %w: tensor<2x16x6xf32>) {
  // expected-error @+1 {{'mla.decompress' op expects result dim 3 (V) to be 6 (v_head_dim), found 8}}
  %0 = mla.decompress value %c_kv, %w {config = #kv}
      : (tensor<?x?x16xf32>, tensor<2x16x6xf32>) -> tensor<?x?x2x8xf32>
  return
}

// -----

// decompress, data-bound dim: the result has c_kv's positions.
// N = 8 differs from V = 6, so key and value weights are told apart.
#kv = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                  qk_rope_dim = 4, v_head_dim = 6>

func.func @case(%c_kv: tensor<2x64x16xf32>, %w: tensor<2x16x8xf32>) {
  // expected-error @+1 {{'mla.decompress' op expects result dim 1 (T: cache positions) to be 64 as in c_kv, found 32}}
  %0 = mla.decompress key %c_kv, %w {config = #kv}
      : (tensor<2x64x16xf32>, tensor<2x16x8xf32>) -> tensor<2x32x2x8xf32>
  return
}

// -----

// query_to_latent, config-bound dim: the result is in the latent space (L).
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q: tensor<?x?x2x8xf32>, %wuk: tensor<2x16x8xf32>) {
  // expected-error @+1 {{'mla.query_to_latent' op expects result dim 3 (L) to be 16 (kv_lora_rank), found 8}}
  %0 = mla.query_to_latent %q, %wuk {config = #c}
      : (tensor<?x?x2x8xf32>, tensor<2x16x8xf32>) -> tensor<?x?x2x8xf32>
  return
}

// -----

// query_to_latent, element type.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q: tensor<?x?x2x8xbf16>, %wuk: tensor<2x16x8xf16>) {
  // expected-error @+1 {{'mla.query_to_latent' op expects w_uk element type to be 'bf16' as in q_nope, found 'f16'}}
  %0 = mla.query_to_latent %q, %wuk {config = #c}
      : (tensor<?x?x2x8xbf16>, tensor<2x16x8xf16>) -> tensor<?x?x2x16xbf16>
  return
}

// -----

// latent_to_value, config-bound dim: W_UV is [H, L, V].
// N = 8 differs from V = 6, so key and value weights are told apart.
#kv = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                  qk_rope_dim = 4, v_head_dim = 6>

func.func @case(%o: tensor<?x?x2x16xf32>, %wuv: tensor<2x8x6xf32>) {
  // expected-error @+1 {{'mla.latent_to_value' op expects w_uv dim 1 (L) to be 16 (kv_lora_rank), found 8}}
  %0 = mla.latent_to_value %o, %wuv {config = #kv}
      : (tensor<?x?x2x16xf32>, tensor<2x8x6xf32>) -> tensor<?x?x2x6xf32>
  return
}

// -----

// latent_to_value, data-bound dim: the result has o_lat's tokens.
// N = 8 differs from V = 6, so key and value weights are told apart.
#kv = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8,
                  qk_rope_dim = 4, v_head_dim = 6>

func.func @case(%o: tensor<?x4x2x16xf32>, %wuv: tensor<2x16x6xf32>) {
  // expected-error @+1 {{'mla.latent_to_value' op expects result dim 1 (S: new tokens) to be 4 as in o_lat, found 1}}
  %0 = mla.latent_to_value %o, %wuv {config = #kv}
      : (tensor<?x4x2x16xf32>, tensor<2x16x6xf32>) -> tensor<?x1x2x6xf32>
  return
}

// -----

// decompressed_attention, rank: k_pe is shared by the heads, [B, T, R].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<2x3x2x8xf32>, %q_pe: tensor<2x3x2x4xf32>, %k_nope: tensor<2x16x2x8xf32>, %k_pe: tensor<2x16x2x4xf32>, %v: tensor<2x16x2x8xf32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.decompressed_attention' op expects k_pe to be a rank-3 tensor [B, T, R], found rank 4}}
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #c}
      : (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>, tensor<2x16x2x8xf32>,
         tensor<2x16x2x4xf32>, tensor<2x16x2x8xf32>, tensor<2xi32>)
      -> tensor<2x3x2x8xf32>
  return
}

// -----

// decompressed_attention, data-bound dim: v has the keys' positions.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<2x3x2x8xf32>, %q_pe: tensor<2x3x2x4xf32>, %k_nope: tensor<2x16x2x8xf32>, %k_pe: tensor<2x16x4xf32>, %v: tensor<2x8x2x8xf32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.decompressed_attention' op expects v dim 1 (T: cache positions) to be 16 as in k_nope, found 8}}
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #c}
      : (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>, tensor<2x16x2x8xf32>,
         tensor<2x16x4xf32>, tensor<2x8x2x8xf32>, tensor<2xi32>)
      -> tensor<2x3x2x8xf32>
  return
}

// -----

// decompressed_attention, config-bound dim: q_pe has R dims.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<2x3x2x8xf32>, %q_pe: tensor<2x3x2x8xf32>, %k_nope: tensor<2x16x2x8xf32>, %k_pe: tensor<2x16x4xf32>, %v: tensor<2x16x2x8xf32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.decompressed_attention' op expects q_pe dim 3 (R) to be 4 (qk_rope_dim), found 8}}
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #c}
      : (tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32>, tensor<2x16x2x8xf32>,
         tensor<2x16x4xf32>, tensor<2x16x2x8xf32>, tensor<2xi32>)
      -> tensor<2x3x2x8xf32>
  return
}

// -----

// decompressed_attention, data-bound dim: one length per request.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<2x3x2x8xf32>, %q_pe: tensor<2x3x2x4xf32>, %k_nope: tensor<2x16x2x8xf32>, %k_pe: tensor<2x16x4xf32>, %v: tensor<2x16x2x8xf32>, %lens: tensor<3xi32>) {
  // expected-error @+1 {{'mla.decompressed_attention' op expects kv_lens dim 0 (B: batch) to be 2 as in q_nope, found 3}}
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #c}
      : (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>, tensor<2x16x2x8xf32>,
         tensor<2x16x4xf32>, tensor<2x16x2x8xf32>, tensor<3xi32>)
      -> tensor<2x3x2x8xf32>
  return
}

// -----

// decompressed_attention, element type.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<2x3x2x8xf32>, %q_pe: tensor<2x3x2x4xf32>, %k_nope: tensor<2x16x2x8xf32>, %k_pe: tensor<2x16x4xf32>, %v: tensor<2x16x2x8xf16>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.decompressed_attention' op expects v element type to be 'f32' as in q_nope, found 'f16'}}
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #c}
      : (tensor<2x3x2x8xf32>, tensor<2x3x2x4xf32>, tensor<2x16x2x8xf32>,
         tensor<2x16x4xf32>, tensor<2x16x2x8xf16>, tensor<2xi32>)
      -> tensor<2x3x2x8xf32>
  return
}

// -----

// latent_attention, config-bound dim: q_lat is in the latent space (L), not L+R.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_lat: tensor<2x1x2x20xf32>, %q_pe: tensor<2x1x2x4xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<2x?xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.latent_attention' op expects q_lat dim 3 (L) to be 16 (kv_lora_rank), found 20}}
  %0 = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens]
      {config = #c}
      : (tensor<2x1x2x20xf32>, tensor<2x1x2x4xf32>, tensor<?x4x20xf32>,
         tensor<2x?xi32>, tensor<2xi32>) -> tensor<2x1x2x16xf32>
  return
}

// -----

// latent_attention, rank: the cache is paged, [P, G, L+R].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_lat: tensor<2x1x2x16xf32>, %q_pe: tensor<2x1x2x4xf32>, %cache: tensor<?x20xf32>, %bt: tensor<2x?xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.latent_attention' op expects cache to be a rank-3 tensor [P, G, L+R], found rank 2}}
  %0 = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens]
      {config = #c}
      : (tensor<2x1x2x16xf32>, tensor<2x1x2x4xf32>, tensor<?x20xf32>,
         tensor<2x?xi32>, tensor<2xi32>) -> tensor<2x1x2x16xf32>
  return
}

// -----

// latent_attention, data-bound dim: one block-table row per request.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_lat: tensor<2x1x2x16xf32>, %q_pe: tensor<2x1x2x4xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<1x?xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.latent_attention' op expects block_table dim 0 (B: batch) to be 2 as in q_lat, found 1}}
  %0 = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens]
      {config = #c}
      : (tensor<2x1x2x16xf32>, tensor<2x1x2x4xf32>, tensor<?x4x20xf32>,
         tensor<1x?xi32>, tensor<2xi32>) -> tensor<2x1x2x16xf32>
  return
}

// -----

// latent_attention, data-bound dim: the result has q_lat's tokens.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_lat: tensor<2x1x2x16xf32>, %q_pe: tensor<2x1x2x4xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<2x?xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.latent_attention' op expects result dim 1 (S: new tokens) to be 1 as in q_lat, found 2}}
  %0 = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens]
      {config = #c}
      : (tensor<2x1x2x16xf32>, tensor<2x1x2x4xf32>, tensor<?x4x20xf32>,
         tensor<2x?xi32>, tensor<2xi32>) -> tensor<2x2x2x16xf32>
  return
}

// -----

// latent_attention, element type.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_lat: tensor<2x1x2x16xf32>, %q_pe: tensor<2x1x2x4xbf16>, %cache: tensor<?x4x20xf32>, %bt: tensor<2x?xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.latent_attention' op expects q_pe element type to be 'f32' as in q_lat, found 'bf16'}}
  %0 = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens]
      {config = #c}
      : (tensor<2x1x2x16xf32>, tensor<2x1x2x4xbf16>, tensor<?x4x20xf32>,
         tensor<2x?xi32>, tensor<2xi32>) -> tensor<2x1x2x16xf32>
  return
}

// -----

// #mla.config: rope_theta must be finite.
// expected-error @+2 {{expects rope_theta to be positive and finite, found INF}}
func.func @case() attributes {
  config = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8, rope_theta = 0x7FF0000000000000>
} {
  return
}

// -----

// #mla.yarn: every float parameter must be finite (an infinite factor would
// make the derived softmax scale NaN).
// expected-error @+2 {{expects yarn factor to be finite, found INF}}
func.func @case() attributes {
  yarn = #mla.yarn<factor = 0x7FF0000000000000, original_max_position = 4096>
} {
  return
}

// -----

// #mla.decode_tiling: splits must be positive.
// expected-error @+2 {{expects decode_tiling splits to be positive, found 0}}
func.func @case() attributes {
  tiling = #mla.decode_tiling<splits = 0, block_tokens = 64, heads_per_block = 64, stages = 2>
} {
  return
}

// -----

// #mla.decode_tiling: the kernel kind is sync or warpgroup.
func.func @case() attributes {
  // expected-error @+2 {{expected one of [sync, warpgroup] for which tensor-core instructions a decode kernel is built from, got: tensor}}
  // expected-error @+1 {{failed to parse MLA_DecodeTilingAttr parameter 'mma'}}
  tiling = #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = tensor>
} {
  return
}

// -----

// #mla.decode_tiling: the split schedule is even or balanced.
func.func @case() attributes {
  // expected-error @+2 {{expected one of [even, balanced] for how a split decode kernel deals the cached tokens to its CTAs, got: fair}}
  // expected-error @+1 {{failed to parse MLA_DecodeTilingAttr parameter 'schedule'}}
  tiling = #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, schedule = fair>
} {
  return
}

// -----

// #mla.decode_tiling: block_tokens must be positive.
// expected-error @+2 {{expects decode_tiling block_tokens to be positive, found -64}}
func.func @case() attributes {
  tiling = #mla.decode_tiling<splits = 1, block_tokens = -64, heads_per_block = 64, stages = 2>
} {
  return
}

// -----

// #mla.decode_tiling: heads_per_block must be positive.
// expected-error @+2 {{expects decode_tiling heads_per_block to be positive, found 0}}
func.func @case() attributes {
  tiling = #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 0, stages = 2>
} {
  return
}

// -----

// #mla.decode_tiling: stages must be positive.
// expected-error @+2 {{expects decode_tiling stages to be positive, found 0}}
func.func @case() attributes {
  tiling = #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 0>
} {
  return
}

// -----

// #mla.decode_tiling: TMA loads are the wgmma kernel's.
// expected-error @+2 {{expects decode_tiling loads = tma with mma = warpgroup, found mma = sync}}
func.func @case() attributes {
  tiling = #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, loads = tma>
} {
  return
}

// -----

// #mla.prefill_tiling: block_queries must be positive.
// expected-error @+2 {{expects prefill_tiling block_queries to be positive, found 0}}
func.func @case() attributes {
  tiling = #mla.prefill_tiling<block_queries = 0, block_keys = 128, prefix_chunk = 4096>
} {
  return
}

// -----

// #mla.prefill_tiling: block_keys must be positive.
// expected-error @+2 {{expects prefill_tiling block_keys to be positive, found -1}}
func.func @case() attributes {
  tiling = #mla.prefill_tiling<block_queries = 128, block_keys = -1, prefix_chunk = 4096>
} {
  return
}

// -----

// #mla.prefill_tiling: TMA loads fill the wgmma kernel's tiles.
// expected-error @+2 {{expects prefill_tiling loads = tma with mma = warpgroup, found mma = sync}}
func.func @case() attributes {
  tiling = #mla.prefill_tiling<block_queries = 128, block_keys = 64, prefix_chunk = 4096, loads = tma, mma = sync>
} {
  return
}

// -----

// #mla.prefill_tiling: the producer warpgroup issues TMA loads.
// expected-error @+2 {{expects prefill_tiling producer = true with loads = tma, found loads = async_copy}}
func.func @case() attributes {
  tiling = #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096, producer = true>
} {
  return
}

// -----

// #mla.prefill_tiling: prefix_chunk must be positive.
// expected-error @+2 {{expects prefill_tiling prefix_chunk to be positive, found 0}}
func.func @case() attributes {
  tiling = #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 0>
} {
  return
}

// -----

// fused_decode: a block cannot take more heads than there are.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<2x?xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.fused_decode' op expects tiling heads_per_block (4) to be at most heads (2)}}
  %0 = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] causal
      tiling <splits = 1, block_tokens = 64, heads_per_block = 4, stages = 2>
      {config = #c}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<?x4x20xf32>, tensor<2x?xi32>, tensor<2xi32>) -> tensor<2x1x2x8xf32>
  return
}

// -----

// fused_decode, config-bound dim: cache rows hold L+R.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>, %cache: tensor<?x4x16xf32>, %bt: tensor<2x?xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.fused_decode' op expects cache dim 2 (L+R) to be 20 (kv_lora_rank + qk_rope_dim), found 16}}
  %0 = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens]
      tiling <splits = 1, block_tokens = 64, heads_per_block = 2, stages = 2>
      {config = #c}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<?x4x16xf32>, tensor<2x?xi32>, tensor<2xi32>) -> tensor<2x1x2x8xf32>
  return
}

// -----

// fused_prefill, config-bound dim: W_UV is [H, L, V].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x4xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<2x?xi32>, %lens: tensor<2xi32>) {
  // expected-error @+1 {{'mla.fused_prefill' op expects w_uv dim 2 (V) to be 8 (v_head_dim), found 4}}
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] causal
      tiling <block_queries = 64, block_keys = 16, prefix_chunk = 16>
      {config = #c}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x4xf32>, tensor<?x4x20xf32>, tensor<2x?xi32>, tensor<2xi32>) -> tensor<2x1x2x4xf32>
  return
}

// -----

// fused_prefill, data-bound dim: one length per request.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<2x?xi32>, %lens: tensor<3xi32>) {
  // expected-error @+1 {{'mla.fused_prefill' op expects kv_lens dim 0 (B: batch) to be 2 as in q_nope, found 3}}
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens]
      tiling <block_queries = 64, block_keys = 16, prefix_chunk = 16>
      {config = #c}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<?x4x20xf32>, tensor<2x?xi32>, tensor<3xi32>) -> tensor<2x1x2x8xf32>
  return
}

// -----

// fused_prefill, varlen: the packed queries are [X, H, N].
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<1x6x2x8xf32>, %q_pe: tensor<6x2x4xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<2x?xi32>, %lens: tensor<2xi32>, %qs: tensor<3xi32>) {
  // expected-error @+1 {{'mla.fused_prefill' op expects q_nope to be a rank-3 tensor [X, H, N], found rank 4}}
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] query_starts(%qs) causal
      tiling <block_queries = 64, block_keys = 16, prefix_chunk = 16>
      {config = #c}
      : (tensor<1x6x2x8xf32>, tensor<6x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<?x4x20xf32>, tensor<2x?xi32>, tensor<2xi32>,
         tensor<3xi32>) -> tensor<6x2x8xf32>
  return
}

// -----

// fused_prefill, varlen: the result has a row per packed query.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<6x2x8xf32>, %q_pe: tensor<6x2x4xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<2x?xi32>, %lens: tensor<2xi32>, %qs: tensor<3xi32>) {
  // expected-error @+1 {{'mla.fused_prefill' op expects result dim 0 (X: new tokens of all requests) to be 6 as in q_nope, found 5}}
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] query_starts(%qs) causal
      tiling <block_queries = 64, block_keys = 16, prefix_chunk = 16>
      {config = #c}
      : (tensor<6x2x8xf32>, tensor<6x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<?x4x20xf32>, tensor<2x?xi32>, tensor<2xi32>,
         tensor<3xi32>) -> tensor<5x2x8xf32>
  return
}

// -----

// fused_prefill, varlen: query_starts has batch + 1 entries.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<6x2x8xf32>, %q_pe: tensor<6x2x4xf32>, %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>, %cache: tensor<?x4x20xf32>, %bt: tensor<2x?xi32>, %lens: tensor<2xi32>, %qs: tensor<2xi32>) {
  // expected-error @+1 {{'mla.fused_prefill' op expects query_starts dim 0 (B+1: batch + 1) to be 3, found 2}}
  %0 = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
      over %cache[%bt, %lens] query_starts(%qs) causal
      tiling <block_queries = 64, block_keys = 16, prefix_chunk = 16>
      {config = #c}
      : (tensor<6x2x8xf32>, tensor<6x2x4xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<?x4x20xf32>, tensor<2x?xi32>, tensor<2xi32>,
         tensor<2xi32>) -> tensor<6x2x8xf32>
  return
}

// -----

// mla.decode_below must be an integer (a query count).
// expected-error @+1 {{expects 'mla.decode_below' to be a positive signless integer (a query count), found 2.500000e+00 : f64}}
func.func @case() attributes {mla.decode_below = 2.5} {
  return
}

// -----

// ... and at least 1, also on an mla op.
#c = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                 qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

func.func @case(%q_nope: tensor<1x?x2x8xf32>, %q_pe: tensor<1x?x2x4xf32>, %k_nope: tensor<1x16x2x8xf32>, %k_pe: tensor<1x16x4xf32>, %v: tensor<1x16x2x8xf32>, %lens: tensor<1xi32>) {
  // expected-error @+1 {{expects 'mla.decode_below' to be a positive signless integer (a query count), found 0 : i64}}
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #c, mla.decode_below = 0}
      : (tensor<1x?x2x8xf32>, tensor<1x?x2x4xf32>, tensor<1x16x2x8xf32>,
         tensor<1x16x4xf32>, tensor<1x16x2x8xf32>, tensor<1xi32>)
      -> tensor<1x?x2x8xf32>
  return
}

// -----

// mla.fold_query_weights: the result is [C, H*(L+R)].
#fold = #mla.config<heads = 2, hidden = 8, q_lora_rank = 4, kv_lora_rank = 16,
                    qk_nope_dim = 64, qk_rope_dim = 4, v_head_dim = 64>
func.func @case(%wuq: tensor<4x136xf32>, %wuk: tensor<2x16x64xf32>) {
  // expected-error @+1 {{'mla.fold_query_weights' op expects result to be [Q, H*(L+R) = 40], found 'tensor<4x136xf32>'}}
  %q = mla.fold_query_weights %wuq, %wuk {config = #fold}
      : (tensor<4x136xf32>, tensor<2x16x64xf32>) -> tensor<4x136xf32>
  return
}

// -----

// mla.fold_query_weights: its operands are checked like the ops it folds.
#fold = #mla.config<heads = 2, hidden = 8, q_lora_rank = 4, kv_lora_rank = 16,
                    qk_nope_dim = 64, qk_rope_dim = 4, v_head_dim = 64>
func.func @case(%wuq: tensor<4x136xf32>, %wuk: tensor<2x16x32xf32>) {
  // expected-error @+1 {{'mla.fold_query_weights' op expects w_uk dim 2 (N) to be 64 (qk_nope_dim), found 32}}
  %q = mla.fold_query_weights %wuq, %wuk {config = #fold}
      : (tensor<4x136xf32>, tensor<2x16x32xf32>) -> tensor<4x40xf32>
  return
}

// -----

// mla.fold_output_weights: the result is [H*L, D].
#fold = #mla.config<heads = 2, hidden = 8, q_lora_rank = 4, kv_lora_rank = 16,
                    qk_nope_dim = 64, qk_rope_dim = 4, v_head_dim = 64>
func.func @case(%wuv: tensor<2x16x64xf32>, %wo: tensor<128x8xf32>) {
  // expected-error @+1 {{'mla.fold_output_weights' op expects result to be [H*L = 32, D], found 'tensor<128x8xf32>'}}
  %o = mla.fold_output_weights %wuv, %wo {config = #fold}
      : (tensor<2x16x64xf32>, tensor<128x8xf32>) -> tensor<128x8xf32>
  return
}

// -----

// decode_kernel, rank (on buffers).
#c = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512,
                 qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>

func.func @case(%q_nope: memref<2x1x16x128xbf16>, %q_pe: memref<2x1x16x64xbf16>, %wuk: memref<16x512x128xbf16>, %wuv: memref<16x512x128xbf16>, %cache: memref<?x576xbf16>, %bt: memref<2x?xi32>, %lens: memref<2xi32>, %out: memref<2x1x16x128xbf16>) {
  // expected-error @+1 {{'mla.decode_kernel' op expects cache to be a rank-3 memref [P, G, L+R], found rank 2}}
  mla.decode_kernel %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] into %out
      tiling #mla.decode_tiling<splits = 1, block_tokens = 32, heads_per_block = 16, stages = 2>
      {config = #c}
      : memref<2x1x16x128xbf16>, memref<2x1x16x64xbf16>, memref<16x512x128xbf16>,
        memref<16x512x128xbf16>, memref<?x576xbf16>, memref<2x?xi32>, memref<2xi32>,
        memref<2x1x16x128xbf16>
  return
}

// -----

// decode_kernel, output: o is [B, S, H, V], not the latent o_lat.
#c = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512,
                 qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>

func.func @case(%q_nope: memref<2x1x16x128xbf16>, %q_pe: memref<2x1x16x64xbf16>, %wuk: memref<16x512x128xbf16>, %wuv: memref<16x512x128xbf16>, %cache: memref<?x64x576xbf16>, %bt: memref<2x?xi32>, %lens: memref<2xi32>, %out: memref<2x1x16x512xbf16>) {
  // expected-error @+1 {{'mla.decode_kernel' op expects output dim 3 (V) to be 128 (v_head_dim), found 512}}
  mla.decode_kernel %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] into %out
      tiling #mla.decode_tiling<splits = 1, block_tokens = 32, heads_per_block = 16, stages = 2>
      {config = #c}
      : memref<2x1x16x128xbf16>, memref<2x1x16x64xbf16>, memref<16x512x128xbf16>,
        memref<16x512x128xbf16>, memref<?x64x576xbf16>, memref<2x?xi32>, memref<2xi32>,
        memref<2x1x16x512xbf16>
  return
}

// -----

// prefill_kernel, operands: k_pe's rope width in q_pe and the cache agree.
#c = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512,
                 qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>

func.func @case(%q_nope: memref<2x8x16x128xbf16>, %q_pe: memref<2x8x16x32xbf16>, %wuk: memref<16x512x128xbf16>, %wuv: memref<16x512x128xbf16>, %cache: memref<?x64x576xbf16>, %bt: memref<2x?xi32>, %lens: memref<2xi32>, %out: memref<2x8x16x128xbf16>) {
  // expected-error @+1 {{'mla.prefill_kernel' op expects q_pe dim 3 (R) to be 64 (qk_rope_dim), found 32}}
  mla.prefill_kernel %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] into %out
      tiling #mla.prefill_tiling<block_queries = 64, block_keys = 64, prefix_chunk = 64>
      {config = #c}
      : memref<2x8x16x128xbf16>, memref<2x8x16x32xbf16>, memref<16x512x128xbf16>,
        memref<16x512x128xbf16>, memref<?x64x576xbf16>, memref<2x?xi32>, memref<2xi32>,
        memref<2x8x16x128xbf16>
  return
}

// -----

// #mla.target: a name.
// expected-error @+1 {{expects target name to be non-empty}}
module attributes {mla.target = #mla.target<name = "", chip = "sm_90a", sms = 132, shared_memory = 232448, registers = 65536, bandwidth = 2.9e12, tensor_rate = 7.6e14, f32_rate = 5.0e13>} {
}

// -----

// #mla.target: a chip of the chip table.
// expected-error @+1 {{expects target chip to be one of sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a, sm_100, found 'gfx90a'}}
module attributes {mla.target = #mla.target<name = "x", chip = "gfx90a", sms = 132, shared_memory = 232448, registers = 65536, bandwidth = 2.9e12, tensor_rate = 7.6e14, f32_rate = 5.0e13>} {
}

// -----

// #mla.target: the SM count is positive.
// expected-error @+1 {{expects target sms to be positive, found 0}}
module attributes {mla.target = #mla.target<name = "x", chip = "sm_90a", sms = 0, shared_memory = 232448, registers = 65536, bandwidth = 2.9e12, tensor_rate = 7.6e14, f32_rate = 5.0e13>} {
}

// -----

// #mla.target: no more shared memory than the chip has.
// expected-error @+1 {{expects target shared_memory (300000) to be at most sm_90a's 232448}}
module attributes {mla.target = #mla.target<name = "x", chip = "sm_90a", sms = 132, shared_memory = 300000, registers = 65536, bandwidth = 2.9e12, tensor_rate = 7.6e14, f32_rate = 5.0e13>} {
}

// -----

// #mla.target: no more registers than a CTA may have.
// expected-error @+1 {{expects target registers (131072) to be at most 65536}}
module attributes {mla.target = #mla.target<name = "x", chip = "sm_90a", sms = 132, shared_memory = 232448, registers = 131072, bandwidth = 2.9e12, tensor_rate = 7.6e14, f32_rate = 5.0e13>} {
}

// -----

// #mla.target: rates are positive.
// expected-error @+1 {{expects target tensor_rate to be positive and finite, found -1}}
module attributes {mla.target = #mla.target<name = "x", chip = "sm_90a", sms = 132, shared_memory = 232448, registers = 65536, bandwidth = 2.9e12, tensor_rate = -1.0, f32_rate = 5.0e13>} {
}

// -----

// mla.target must hold a #mla.target.
// expected-error @+1 {{expects 'mla.target' to be a #mla.target attribute, found "h100"}}
module attributes {mla.target = "h100"} {
}

// -----

// #mla.decode_tiling: at most 1024 splits (the generators unroll over them).
// expected-error @+2 {{expects decode_tiling splits to be at most 1024, found 2147483648}}
func.func @case() attributes {
  tiling = #mla.decode_tiling<splits = 2147483648, block_tokens = 64, heads_per_block = 64, stages = 2>
} {
  return
}

// -----

// #mla.decode_tiling: at most 1024 tokens per tile.
// expected-error @+2 {{expects decode_tiling block_tokens to be at most 1024, found 4096}}
func.func @case() attributes {
  tiling = #mla.decode_tiling<splits = 1, block_tokens = 4096, heads_per_block = 64, stages = 2>
} {
  return
}

// -----

// #mla.decode_tiling: at most 1024 heads per block.
// expected-error @+2 {{expects decode_tiling heads_per_block to be at most 1024, found 1025}}
func.func @case() attributes {
  tiling = #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 1025, stages = 2>
} {
  return
}

// -----

// #mla.decode_tiling: at most 8 stages in flight.
// expected-error @+2 {{expects decode_tiling stages to be at most 8, found 100000}}
func.func @case() attributes {
  tiling = #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 100000>
} {
  return
}

// -----

// #mla.prefill_tiling: at most 1024 queries per tile.
// expected-error @+2 {{expects prefill_tiling block_queries to be at most 1024, found 2048}}
func.func @case() attributes {
  tiling = #mla.prefill_tiling<block_queries = 2048, block_keys = 128, prefix_chunk = 4096>
} {
  return
}

// -----

// #mla.prefill_tiling: at most 1024 keys per tile.
// expected-error @+2 {{expects prefill_tiling block_keys to be at most 1024, found 65536}}
func.func @case() attributes {
  tiling = #mla.prefill_tiling<block_queries = 128, block_keys = 65536, prefix_chunk = 4096>
} {
  return
}

// -----

// #mla.prefill_tiling: chunks of at most 2^30 tokens.
// expected-error @+2 {{expects prefill_tiling prefix_chunk to be at most 1073741824, found 4294967296}}
func.func @case() attributes {
  tiling = #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4294967296>
} {
  return
}

// -----

// A static batch of 0 (no request): refused by the shape checker, as are 0
// new tokens, 0 pages, an empty page and 0 pages per request.
#cfg0 = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                    qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
func.func @case(%q_nope: tensor<0x1x2x8xbf16>, %q_pe: tensor<0x1x2x4xbf16>,
                %wuk: tensor<2x16x8xbf16>, %wuv: tensor<2x16x8xbf16>,
                %cache: tensor<4x16x20xbf16>, %bt: tensor<0x2xi32>,
                %lens: tensor<0xi32>) -> tensor<0x1x2x8xbf16> {
  // expected-error @+1 {{'mla.fused_decode' op expects q_nope dim 0 (B: batch) to be non-zero}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 16, heads_per_block = 2, stages = 2>
      {config = #cfg0}
      : (tensor<0x1x2x8xbf16>, tensor<0x1x2x4xbf16>, tensor<2x16x8xbf16>,
         tensor<2x16x8xbf16>, tensor<4x16x20xbf16>, tensor<0x2xi32>, tensor<0xi32>)
      -> tensor<0x1x2x8xbf16>
  return %o : tensor<0x1x2x8xbf16>
}

// -----

#cfg0 = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                    qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
func.func @case(%q_nope: tensor<1x0x2x8xbf16>, %q_pe: tensor<1x0x2x4xbf16>,
                %wuk: tensor<2x16x8xbf16>, %wuv: tensor<2x16x8xbf16>,
                %cache: tensor<4x16x20xbf16>, %bt: tensor<1x2xi32>,
                %lens: tensor<1xi32>) -> tensor<1x0x2x8xbf16> {
  // expected-error @+1 {{'mla.fused_decode' op expects q_nope dim 1 (S: new tokens) to be non-zero}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 16, heads_per_block = 2, stages = 2>
      {config = #cfg0}
      : (tensor<1x0x2x8xbf16>, tensor<1x0x2x4xbf16>, tensor<2x16x8xbf16>,
         tensor<2x16x8xbf16>, tensor<4x16x20xbf16>, tensor<1x2xi32>, tensor<1xi32>)
      -> tensor<1x0x2x8xbf16>
  return %o : tensor<1x0x2x8xbf16>
}

// -----

#cfg0 = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                    qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
func.func @case(%q_nope: tensor<1x1x2x8xbf16>, %q_pe: tensor<1x1x2x4xbf16>,
                %wuk: tensor<2x16x8xbf16>, %wuv: tensor<2x16x8xbf16>,
                %cache: tensor<4x0x20xbf16>, %bt: tensor<1x2xi32>,
                %lens: tensor<1xi32>) -> tensor<1x1x2x8xbf16> {
  // expected-error @+1 {{'mla.fused_decode' op expects cache dim 1 (G: page size) to be non-zero}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 16, heads_per_block = 2, stages = 2>
      {config = #cfg0}
      : (tensor<1x1x2x8xbf16>, tensor<1x1x2x4xbf16>, tensor<2x16x8xbf16>,
         tensor<2x16x8xbf16>, tensor<4x0x20xbf16>, tensor<1x2xi32>, tensor<1xi32>)
      -> tensor<1x1x2x8xbf16>
  return %o : tensor<1x1x2x8xbf16>
}

// -----

// rope_kernel, rank.
#c = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512,
                 qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>

func.func @case(%x: memref<2x64xbf16>, %pos: memref<2x1xi32>, %y: memref<2x64xbf16>) {
  // expected-error @+1 {{'mla.rope_kernel' op expects input to be a rank-3 [B, S, R] or rank-4 [B, S, H, R] memref, found rank 2}}
  mla.rope_kernel %x, %pos into %y {config = #c} : memref<2x64xbf16>, memref<2x1xi32> into memref<2x64xbf16>
  return
}

// -----

// rope_kernel, the rope width of the config.
#c = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512,
                 qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>

func.func @case(%x: memref<2x1x16x32xbf16>, %pos: memref<2x1xi32>, %y: memref<2x1x16x32xbf16>) {
  // expected-error @+1 {{'mla.rope_kernel' op expects input dim 3 (R) to be 64 (qk_rope_dim), found 32}}
  mla.rope_kernel %x, %pos into %y {config = #c} : memref<2x1x16x32xbf16>, memref<2x1xi32> into memref<2x1x16x32xbf16>
  return
}

// -----

// rope_kernel, result of another shape than the input.
#c = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512,
                 qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>

func.func @case(%x: memref<2x1x64xf32>, %pos: memref<2x1xi32>, %y: memref<3x1x64xbf16>) {
  // expected-error @+1 {{'mla.rope_kernel' op expects result dim 0 (B: batch) to be 2 as in input, found 3}}
  mla.rope_kernel %x, %pos into %y {config = #c} : memref<2x1x64xf32>, memref<2x1xi32> into memref<3x1x64xbf16>
  return
}

// -----

// rope_kernel, rows whose columns are not contiguous.
#c = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512,
                 qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>

func.func @case(%x: memref<2x1x64xbf16, strided<[128, 128, 2]>>, %pos: memref<2x1xi32>, %y: memref<2x1x64xbf16>) {
  // expected-error @+1 {{'mla.rope_kernel' op expects the last dimension of input to be contiguous (stride 1)}}
  mla.rope_kernel %x, %pos into %y {config = #c} : memref<2x1x64xbf16, strided<[128, 128, 2]>>, memref<2x1xi32> into memref<2x1x64xbf16>
  return
}

// -----

// kv_append_kernel, epsilon.
#c = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512,
                 qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>

func.func @case(%kv: memref<2x1x576xf32>, %n: memref<512xbf16>, %pos: memref<2x1xi32>, %cache: memref<?x64x576xbf16>, %bt: memref<2x?xi32>, %lens: memref<2xi32>) {
  // expected-error @+1 {{'mla.kv_append_kernel' op expects epsilon to be positive, found 0}}
  mla.kv_append_kernel %kv, %n, %pos into %cache[%bt, %lens] {config = #c, epsilon = 0.0 : f64}
      : memref<2x1x576xf32>, memref<512xbf16>, memref<2x1xi32> into memref<?x64x576xbf16>, memref<2x?xi32>, memref<2xi32>
  return
}

// -----

// kv_append_kernel, kv holds the whole down-projection (L+R columns).
#c = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512,
                 qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>

func.func @case(%kv: memref<2x1x512xf32>, %n: memref<512xbf16>, %pos: memref<2x1xi32>, %cache: memref<?x64x576xbf16>, %bt: memref<2x?xi32>, %lens: memref<2xi32>) {
  // expected-error @+1 {{'mla.kv_append_kernel' op expects kv dim 2 (L+R) to be 576 (kv_lora_rank + qk_rope_dim), found 512}}
  mla.kv_append_kernel %kv, %n, %pos into %cache[%bt, %lens] {config = #c, epsilon = 1.0e-06 : f64}
      : memref<2x1x512xf32>, memref<512xbf16>, memref<2x1xi32> into memref<?x64x576xbf16>, memref<2x?xi32>, memref<2xi32>
  return
}

// -----

// kv_append_kernel, positions per new token.
#c = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512,
                 qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>

func.func @case(%kv: memref<2x1x576xf32>, %n: memref<512xbf16>, %pos: memref<2x2xi32>, %cache: memref<?x64x576xbf16>, %bt: memref<2x?xi32>, %lens: memref<2xi32>) {
  // expected-error @+1 {{'mla.kv_append_kernel' op expects positions dim 1 (S: new tokens) to be 1 as in kv, found 2}}
  mla.kv_append_kernel %kv, %n, %pos into %cache[%bt, %lens] {config = #c, epsilon = 1.0e-06 : f64}
      : memref<2x1x576xf32>, memref<512xbf16>, memref<2x2xi32> into memref<?x64x576xbf16>, memref<2x?xi32>, memref<2xi32>
  return
}

// -----

// kv_append_kernel, kv rows read with unit stride.
#c = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536, kv_lora_rank = 512,
                 qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>

func.func @case(%kv: memref<2x1x576xf32, strided<[1152, 1152, 2]>>, %n: memref<512xbf16>, %pos: memref<2x1xi32>, %cache: memref<?x64x576xbf16>, %bt: memref<2x?xi32>, %lens: memref<2xi32>) {
  // expected-error @+1 {{'mla.kv_append_kernel' op expects the last dimension of kv to be contiguous (stride 1)}}
  mla.kv_append_kernel %kv, %n, %pos into %cache[%bt, %lens] {config = #c, epsilon = 1.0e-06 : f64}
      : memref<2x1x576xf32, strided<[1152, 1152, 2]>>, memref<512xbf16>, memref<2x1xi32> into memref<?x64x576xbf16>, memref<2x?xi32>, memref<2xi32>
  return
}
