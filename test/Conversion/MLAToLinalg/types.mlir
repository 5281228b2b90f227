// RUN: mla-opt %s --convert-mla-to-linalg --split-input-file | FileCheck %s

// Arithmetic is f32 whatever the element type: f16/bf16 operands are
// extended (an elementwise linalg.generic of arith.extf) on entry, the
// lowering runs on f32 (contractions accumulate in f32), and each result is
// truncated back (arith.truncf) on exit. f32 operands are used as they are;
// i32 operands (positions, lengths, block tables) are never converted.

#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @output_proj_f32
// CHECK-NOT:  arith.extf
// CHECK-NOT:  arith.truncf
// CHECK:      return
func.func @output_proj_f32(%o: tensor<2x3x2x8xf32>, %wo: tensor<16x32xf32>)
    -> tensor<2x3x32xf32> {
  %0 = mla.output_proj %o, %wo {config = #small}
      : (tensor<2x3x2x8xf32>, tensor<16x32xf32>) -> tensor<2x3x32xf32>
  return %0 : tensor<2x3x32xf32>
}

// -----

// A bf16 contraction accumulates in f32.
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @output_proj_bf16
// CHECK-SAME: (%[[O:[^:]*]]: tensor<2x3x2x8xbf16>, %[[WO:[^:]*]]: tensor<16x32xbf16>)
// CHECK:      %[[WO32:.*]] = linalg.generic {{.*}} ins(%[[WO]] : tensor<16x32xbf16>) outs(%{{.*}} : tensor<16x32xf32>)
// CHECK-NEXT: ^bb0(%[[E:[^:]*]]: bf16, %{{[^:]*}}: f32):
// CHECK-NEXT:   %[[W:.*]] = arith.extf %[[E]] : bf16 to f32
// CHECK-NEXT:   linalg.yield %[[W]] : f32
// CHECK:      %[[VIEW:.*]] = tensor.expand_shape %[[WO32]]
// CHECK:      %[[O32:.*]] = linalg.generic {{.*}} ins(%[[O]] : tensor<2x3x2x8xbf16>) outs(%{{.*}} : tensor<2x3x2x8xf32>)
// CHECK-NEXT: ^bb0(%[[E:[^:]*]]: bf16, %{{[^:]*}}: f32):
// CHECK-NEXT:   %[[W:.*]] = arith.extf %[[E]] : bf16 to f32
// CHECK-NEXT:   linalg.yield %[[W]] : f32
// CHECK:      %[[OUT32:.*]] = linalg.generic {{.*}} ins(%[[O32]], %[[VIEW]] : tensor<2x3x2x8xf32>, tensor<2x8x32xf32>) outs(%{{.*}} : tensor<2x3x32xf32>)
// CHECK:      %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[OUT32]] : tensor<2x3x32xf32>) outs(%{{.*}} : tensor<2x3x32xbf16>)
// CHECK-NEXT: ^bb0(%[[E:[^:]*]]: f32, %{{[^:]*}}: bf16):
// CHECK-NEXT:   %[[N:.*]] = arith.truncf %[[E]] : f32 to bf16
// CHECK-NEXT:   linalg.yield %[[N]] : bf16
// CHECK:      return %[[OUT]]
func.func @output_proj_bf16(%o: tensor<2x3x2x8xbf16>, %wo: tensor<16x32xbf16>)
    -> tensor<2x3x32xbf16> {
  %0 = mla.output_proj %o, %wo {config = #small}
      : (tensor<2x3x2x8xbf16>, tensor<16x32xbf16>) -> tensor<2x3x32xbf16>
  return %0 : tensor<2x3x32xbf16>
}

// -----

// RMSNorm in bf16 with dynamic sizes: mean and rsqrt in f32.
// CHECK-LABEL: func.func @rms_norm_bf16_dynamic
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?x?xbf16>, %[[W:[^:]*]]: tensor<?xbf16>)
// CHECK:      %[[X32:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<?x?x?xbf16>) outs(%{{.*}} : tensor<?x?x?xf32>)
// CHECK:        arith.extf %{{.*}} : bf16 to f32
// CHECK:      %[[W32:.*]] = linalg.generic {{.*}} ins(%[[W]] : tensor<?xbf16>) outs(%{{.*}} : tensor<?xf32>)
// CHECK:        arith.extf %{{.*}} : bf16 to f32
// CHECK:      %[[SUMSQ:.*]] = linalg.generic {{.*}} ins(%[[X32]] : tensor<?x?x?xf32>) outs(%{{.*}} : tensor<?x?xf32>)
// CHECK:      %[[N32:.*]] = linalg.generic {{.*}} ins(%[[X32]], %[[SUMSQ]], %[[W32]] :
// CHECK:        math.rsqrt %{{.*}} : f32
// CHECK:      %[[N:.*]] = linalg.generic {{.*}} ins(%[[N32]] : tensor<?x?x?xf32>) outs(%{{.*}} : tensor<?x?x?xbf16>)
// CHECK:        arith.truncf %{{.*}} : f32 to bf16
// CHECK:      return %[[N]]
func.func @rms_norm_bf16_dynamic(%x: tensor<?x?x?xbf16>, %w: tensor<?xbf16>)
    -> tensor<?x?x?xbf16> {
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-06 : f64}
      : tensor<?x?x?xbf16>, tensor<?xbf16>
  return %0 : tensor<?x?x?xbf16>
}

// -----

// RoPE in f16: the rotation (and the partner read) works on the extended
// tensor; positions stay i32.
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @rope_f16
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x3x2x4xf16>, %[[P:[^:]*]]: tensor<2x3xi32>)
// CHECK:      %[[X32:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<2x3x2x4xf16>) outs(%{{.*}} : tensor<2x3x2x4xf32>)
// CHECK:        arith.extf %{{.*}} : f16 to f32
// CHECK:      %[[Y32:.*]] = linalg.generic {{.*}} ins(%[[X32]], %[[P]] : tensor<2x3x2x4xf32>, tensor<2x3xi32>) outs(%{{.*}} : tensor<2x3x2x4xf32>)
// CHECK:        tensor.extract %[[X32]]
// CHECK:      %[[Y:.*]] = linalg.generic {{.*}} ins(%[[Y32]] : tensor<2x3x2x4xf32>) outs(%{{.*}} : tensor<2x3x2x4xf16>)
// CHECK:        arith.truncf %{{.*}} : f32 to f16
// CHECK:      return %[[Y]]
func.func @rope_f16(%q: tensor<2x3x2x4xf16>, %pos: tensor<2x3xi32>)
    -> tensor<2x3x2x4xf16> {
  %0 = mla.rope %q, %pos {config = #small} : tensor<2x3x2x4xf16>, tensor<2x3xi32>
  return %0 : tensor<2x3x2x4xf16>
}

// -----

// The gather extends each cache element as it reads it; both parts are
// truncated back.
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @cache_gather_f16
// CHECK-SAME: (%[[CACHE:[^:]*]]: tensor<?x4x20xf16>
// CHECK:      %[[ALL:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x12x20xf32>)
// CHECK:        %[[E:.*]] = tensor.extract %[[CACHE]][%{{.*}}, %{{.*}}, %{{.*}}] : tensor<?x4x20xf16>
// CHECK:        %[[E32:.*]] = arith.extf %[[E]] : f16 to f32
// CHECK:        arith.select %{{.*}}, %[[E32]], %{{.*}} : f32
// CHECK:      %[[LAT32:.*]] = tensor.extract_slice %[[ALL]][0, 0, 0] [2, 12, 16]
// CHECK:      %[[ROPE32:.*]] = tensor.extract_slice %[[ALL]][0, 0, 16] [2, 12, 4]
// CHECK:      %[[LAT:.*]] = linalg.generic {{.*}} ins(%[[LAT32]] : tensor<2x12x16xf32>) outs(%{{.*}} : tensor<2x12x16xf16>)
// CHECK:        arith.truncf %{{.*}} : f32 to f16
// CHECK:      %[[ROPE:.*]] = linalg.generic {{.*}} ins(%[[ROPE32]] : tensor<2x12x4xf32>) outs(%{{.*}} : tensor<2x12x4xf16>)
// CHECK:        arith.truncf %{{.*}} : f32 to f16
// CHECK:      return %[[LAT]], %[[ROPE]]
func.func @cache_gather_f16(%cache: tensor<?x4x20xf16>, %bt: tensor<2x3xi32>,
                            %lens: tensor<2xi32>)
    -> (tensor<2x12x16xf16>, tensor<2x12x4xf16>) {
  %c_kv, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<?x4x20xf16>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf16>, tensor<2x12x4xf16>)
  return %c_kv, %k_pe : tensor<2x12x16xf16>, tensor<2x12x4xf16>
}

// -----

// Attention in bf16: the five float operands are extended, the softmax runs
// in f32, the output is truncated once.
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @decompressed_attention_bf16
// CHECK-SAME: (%[[QN:[^:]*]]: tensor<2x3x2x8xbf16>, %[[QP:[^:]*]]: tensor<2x3x2x4xbf16>, %[[KN:[^:]*]]: tensor<2x5x2x8xbf16>, %[[KP:[^:]*]]: tensor<2x5x4xbf16>, %[[V:[^:]*]]: tensor<2x5x2x8xbf16>, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK-DAG:  %[[QN32:.*]] = linalg.generic {{.*}} ins(%[[QN]] : tensor<2x3x2x8xbf16>) outs(%{{.*}} : tensor<2x3x2x8xf32>)
// CHECK-DAG:  %[[KN32:.*]] = linalg.generic {{.*}} ins(%[[KN]] : tensor<2x5x2x8xbf16>) outs(%{{.*}} : tensor<2x5x2x8xf32>)
// CHECK-DAG:  %[[QP32:.*]] = linalg.generic {{.*}} ins(%[[QP]] : tensor<2x3x2x4xbf16>) outs(%{{.*}} : tensor<2x3x2x4xf32>)
// CHECK-DAG:  %[[KP32:.*]] = linalg.generic {{.*}} ins(%[[KP]] : tensor<2x5x4xbf16>) outs(%{{.*}} : tensor<2x5x4xf32>)
// CHECK-DAG:  linalg.generic {{.*}} ins(%[[QN32]], %[[KN32]] :
// CHECK-DAG:  linalg.generic {{.*}} ins(%[[QP32]], %[[KP32]] :
// CHECK:      tensor.extract %[[LENS]][%{{.*}}] : tensor<2xi32>
// CHECK:      math.exp %{{.*}} : f32
// CHECK:      %[[V32:.*]] = linalg.generic {{.*}} ins(%[[V]] : tensor<2x5x2x8xbf16>) outs(%{{.*}} : tensor<2x5x2x8xf32>)
// CHECK:        arith.extf %{{.*}} : bf16 to f32
// CHECK:      %[[O32:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[V32]] : tensor<2x3x2x5xf32>, tensor<2x5x2x8xf32>) outs(%{{.*}} : tensor<2x3x2x8xf32>)
// CHECK:      %[[O:.*]] = linalg.generic {{.*}} ins(%[[O32]] : tensor<2x3x2x8xf32>) outs(%{{.*}} : tensor<2x3x2x8xbf16>)
// CHECK:        arith.truncf %{{.*}} : f32 to bf16
// CHECK:      return %[[O]]
func.func @decompressed_attention_bf16(
    %q_nope: tensor<2x3x2x8xbf16>, %q_pe: tensor<2x3x2x4xbf16>,
    %k_nope: tensor<2x5x2x8xbf16>, %k_pe: tensor<2x5x4xbf16>,
    %v: tensor<2x5x2x8xbf16>, %lens: tensor<2xi32>) -> tensor<2x3x2x8xbf16> {
  %0 = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #small}
      : (tensor<2x3x2x8xbf16>, tensor<2x3x2x4xbf16>, tensor<2x5x2x8xbf16>,
         tensor<2x5x4xbf16>, tensor<2x5x2x8xbf16>, tensor<2xi32>)
      -> tensor<2x3x2x8xbf16>
  return %0 : tensor<2x3x2x8xbf16>
}
