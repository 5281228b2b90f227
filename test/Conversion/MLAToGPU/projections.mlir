// RUN: mla-opt %s --convert-mla-to-gpu --split-input-file | FileCheck %s
// RUN: mla-opt %s --convert-mla-to-gpu=gemms=false --split-input-file | FileCheck %s --check-prefix=GENERIC

// The projections' products become library GEMMs on buffers (tokens as
// rows); the RMSNorms between them are the rows kernel's op, reading the f32
// product and writing the element type; the splits of the products' columns
// are slices. With gemms=false every op stays for the
// generic path.

#cfg = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                   qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

// CHECK-LABEL: func.func @query
// CHECK:         %[[H:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<?x3x32xbf16> into tensor<?x32xbf16>
// CHECK:         %[[HB:.*]] = bufferization.to_buffer %[[H]] read_only
// CHECK:         %[[C:.*]] = memref.alloc(%{{.*}}) : memref<?x16xf32>
// CHECK:         mla_gpu.gemm cublaslt %[[HB]], %{{.*}} into %[[C]] : memref<?x32xbf16>, memref<32x16xbf16> into memref<?x16xf32>
// CHECK:         %[[CT:.*]] = bufferization.to_tensor %[[C]] restrict writable
// CHECK:         %[[CB:.*]] = bufferization.to_buffer %[[CT]] read_only : tensor<?x16xf32> to memref<?x16xf32, strided<[?, 1], offset: ?>>
// CHECK:         %[[NW:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<16xbf16> to memref<16xbf16>
// CHECK:         %[[N:.*]] = memref.alloc(%{{.*}}) : memref<?x16xbf16>
// CHECK:         mla_gpu.rms_norm %[[CB]], %[[NW]] into %[[N]] {epsilon = {{.*}}} : memref<?x16xf32, strided<[?, 1], offset: ?>>, memref<16xbf16> into memref<?x16xbf16>
// CHECK:         %[[NB:.*]] = bufferization.to_tensor %[[N]] restrict writable
// CHECK:         %[[NBB:.*]] = bufferization.to_buffer %[[NB]] read_only
// CHECK:         %[[Q:.*]] = memref.alloc(%{{.*}}) : memref<?x24xbf16>
// CHECK:         mla_gpu.gemm cublaslt %[[NBB]], %{{.*}} into %[[Q]] : memref<?x16xbf16>, memref<16x24xbf16> into memref<?x24xbf16>
// CHECK:         %[[QT:.*]] = bufferization.to_tensor %[[Q]]
// CHECK:         %[[HEADS:.*]] = tensor.expand_shape %[[QT]] {{\[}}[0, 1], [2, 3]] output_shape [%{{.*}}, 3, 2, 12] : tensor<?x24xbf16> into tensor<?x3x2x12xbf16>
// CHECK:         %[[NOPE:.*]] = tensor.extract_slice %[[HEADS]][0, 0, 0, 0] [%{{.*}}, 3, 2, 8] [1, 1, 1, 1]
// CHECK:         %[[ROPE:.*]] = tensor.extract_slice %[[HEADS]][0, 0, 0, 8] [%{{.*}}, 3, 2, 4] [1, 1, 1, 1]
// CHECK:         return %[[NOPE]], %[[ROPE]]
// GENERIC-LABEL: func.func @query
// GENERIC:         mla.query_proj
// GENERIC-NOT:     mla_gpu.gemm
func.func @query(%h: tensor<?x3x32xbf16>, %wdq: tensor<32x16xbf16>, %qn: tensor<16xbf16>,
                 %wuq: tensor<16x24xbf16>) -> (tensor<?x3x2x8xbf16>, tensor<?x3x2x4xbf16>) {
  %n, %r = mla.query_proj %h down %wdq norm %qn up %wuq {config = #cfg}
      : (tensor<?x3x32xbf16>, tensor<32x16xbf16>, tensor<16xbf16>, tensor<16x24xbf16>)
      -> (tensor<?x3x2x8xbf16>, tensor<?x3x2x4xbf16>)
  return %n, %r : tensor<?x3x2x8xbf16>, tensor<?x3x2x4xbf16>
}

// -----

#lite = #mla.config<heads = 2, hidden = 32, q_lora_rank = 0, kv_lora_rank = 16,
                    qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

// Without query compression one product, in the element type (f32 here).
// CHECK-LABEL: func.func @query_uncompressed
// CHECK-NOT:     rms_norm
// CHECK:         mla_gpu.gemm cublaslt %{{.*}}, %{{.*}} into %{{.*}} : memref<4x32xf32>, memref<32x24xf32> into memref<4x24xf32>
// CHECK-NOT:     mla_gpu.gemm
// CHECK:         return
func.func @query_uncompressed(%h: tensor<4x1x32xf32>, %wq: tensor<32x24xf32>)
    -> (tensor<4x1x2x8xf32>, tensor<4x1x2x4xf32>) {
  %n, %r = mla.query_proj %h up %wq {config = #lite}
      : (tensor<4x1x32xf32>, tensor<32x24xf32>) -> (tensor<4x1x2x8xf32>, tensor<4x1x2x4xf32>)
  return %n, %r : tensor<4x1x2x8xf32>, tensor<4x1x2x4xf32>
}

// -----

#lite = #mla.config<heads = 2, hidden = 32, q_lora_rank = 0, kv_lora_rank = 16,
                    qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

// A weight of dynamic width (the verifier cannot check it): the product's
// columns are cast to the configured heads·(N + R) before the per-head
// expansion (found by mla-fuzz: the expansion of [M, ?] into static heads
// did not verify).
// CHECK-LABEL: func.func @query_dynamic_weight
// CHECK:         mla_gpu.gemm cublaslt %{{.*}}, %{{.*}} into %{{.*}} : memref<4x32xf32>, memref<32x?xf32> into memref<4x?xf32>
// CHECK:         %[[CAST:.*]] = tensor.cast %{{.*}} : tensor<4x?xf32> to tensor<4x24xf32>
// CHECK:         tensor.expand_shape %[[CAST]] {{\[}}[0, 1], [2, 3]] output_shape [4, 1, 2, 12] : tensor<4x24xf32> into tensor<4x1x2x12xf32>
func.func @query_dynamic_weight(%h: tensor<4x1x32xf32>, %wq: tensor<32x?xf32>)
    -> (tensor<4x1x2x8xf32>, tensor<4x1x2x4xf32>) {
  %n, %r = mla.query_proj %h up %wq {config = #lite}
      : (tensor<4x1x32xf32>, tensor<32x?xf32>) -> (tensor<4x1x2x8xf32>, tensor<4x1x2x4xf32>)
  return %n, %r : tensor<4x1x2x8xf32>, tensor<4x1x2x4xf32>
}

// -----

#cfg = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                   qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

// One f32 product [c_KV | k_pe]; c_KV normalised by the rows kernel, read
// in place (row stride 20) and written in f16; k_pe rounded once.
// CHECK-LABEL: func.func @kv
// CHECK:         mla_gpu.gemm cublaslt %{{.*}}, %{{.*}} into %[[D:.*]] : memref<4x32xf16>, memref<32x20xf16> into memref<4x20xf32>
// CHECK:         %[[DT:.*]] = bufferization.to_tensor %[[D]]
// CHECK:         %[[LAT:.*]] = tensor.extract_slice %[[DT]][0, 0] [4, 16] [1, 1]
// CHECK:         %[[LB:.*]] = bufferization.to_buffer %[[LAT]] read_only : tensor<4x16xf32> to memref<4x16xf32, strided<[?, 1], offset: ?>>
// CHECK:         mla_gpu.rms_norm %[[LB]], %{{.*}} into %[[N:.*]] {epsilon = {{.*}}} : memref<4x16xf32, strided<[?, 1], offset: ?>>, memref<16xf16> into memref<4x16xf16>
// CHECK:         %[[NT:.*]] = bufferization.to_tensor %[[N]]
// CHECK:         %[[ROPE:.*]] = tensor.extract_slice %[[DT]][0, 16] [4, 4] [1, 1]
// CHECK:         %[[C:.*]] = tensor.expand_shape %[[NT]] {{\[}}[0, 1], [2]] output_shape [4, 1, 16]
// CHECK:         %[[R:.*]] = tensor.expand_shape %[[ROPE]] {{\[}}[0, 1], [2]] output_shape [4, 1, 4]
// CHECK:         %[[K:.*]] = arith.truncf %[[R]] : tensor<4x1x4xf32> to tensor<4x1x4xf16>
// CHECK:         return %[[C]], %[[K]]
func.func @kv(%h: tensor<4x1x32xf16>, %wdkv: tensor<32x20xf16>, %kvn: tensor<16xf16>)
    -> (tensor<4x1x16xf16>, tensor<4x1x4xf16>) {
  %c, %k = mla.kv_compress %h down %wdkv norm %kvn {config = #cfg}
      : (tensor<4x1x32xf16>, tensor<32x20xf16>, tensor<16xf16>) -> (tensor<4x1x16xf16>, tensor<4x1x4xf16>)
  return %c, %k : tensor<4x1x16xf16>, tensor<4x1x4xf16>
}

// -----

#cfg = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                   qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

// Heads and their values flattened to one row per token: [B·S, H·V]·[H·V, D].
// CHECK-LABEL: func.func @output
// CHECK:         %[[O:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2, 3]] : tensor<?x2x2x8xbf16> into tensor<?x16xbf16>
// CHECK:         mla_gpu.gemm cublaslt %{{.*}}, %{{.*}} into %[[R:.*]] : memref<?x16xbf16>, memref<16x32xbf16> into memref<?x32xbf16>
// CHECK:         %[[RT:.*]] = bufferization.to_tensor %[[R]]
// CHECK:         %[[OUT:.*]] = tensor.expand_shape %[[RT]] {{\[}}[0, 1], [2]] output_shape [%{{.*}}, 2, 32]
// CHECK:         return %[[OUT]]
func.func @output(%o: tensor<?x2x2x8xbf16>, %wo: tensor<16x32xbf16>) -> tensor<?x2x32xbf16> {
  %out = mla.output_proj %o, %wo {config = #cfg}
      : (tensor<?x2x2x8xbf16>, tensor<16x32xbf16>) -> tensor<?x2x32xbf16>
  return %out : tensor<?x2x32xbf16>
}
