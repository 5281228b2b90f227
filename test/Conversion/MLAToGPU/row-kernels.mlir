// RUN: mla-opt %s --split-input-file --convert-mla-to-gpu | FileCheck %s --check-prefix=OP
// (The second case has no mla op: the pass must not need one to find the
// module's target.)
// RUN: mla-opt %s --split-input-file --mla-gpu-expand-kernels | FileCheck %s --check-prefix=KERNEL

// mla.rms_norm becomes the rows kernel's op on buffers, and that op the
// `rms_norm` kernel: a warp per row, four rows per CTA, the sum of squares
// reduced by five xor shuffles, the rounding to the result type fused in.

// OP-LABEL: func.func @norm
// OP:         %[[ROWS:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<?x2x64xbf16> into tensor<?x64xbf16>
// OP:         %[[IN:.*]] = bufferization.to_buffer %[[ROWS]] read_only : tensor<?x64xbf16> to memref<?x64xbf16, strided<[?, 1], offset: ?>>
// OP:         %[[W:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<64xbf16> to memref<64xbf16>
// OP:         %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x64xbf16>
// OP:         mla_gpu.rms_norm %[[IN]], %[[W]] into %[[OUT]] {epsilon = 1.000000e-05 : f64}
// OP:         %[[T:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// OP:         %[[R:.*]] = tensor.expand_shape %[[T]] {{\[}}[0, 1], [2]] output_shape [%{{.*}}, 2, 64]
// OP:         return %[[R]]
func.func @norm(%x: tensor<?x2x64xbf16>, %w: tensor<64xbf16>) -> tensor<?x2x64xbf16> {
  %n = mla.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : tensor<?x2x64xbf16>, tensor<64xbf16>
  return %n : tensor<?x2x64xbf16>
}

// -----

// KERNEL-LABEL: func.func @kernel
// KERNEL-DAG:     %[[C0:.*]] = arith.constant 0 : index
// KERNEL-DAG:     %[[ROWS:.*]] = memref.dim %{{.*}}, %[[C0]]
// KERNEL:         gpu.launch blocks({{.*}}) in ({{.*}} = %{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}}, {{.*}})
// KERNEL:           %[[ROW:.*]] = arith.addi
// KERNEL:           scf.if %{{.*}} {
// KERNEL:             %[[SQ:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c32{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32) {
// KERNEL:               %[[X:.*]] = memref.load %{{.*}}[%[[ROW]], %{{.*}}] : memref<?x512xf32, strided<[576, 1], offset: ?>>
// KERNEL:               math.fma %[[X]], %[[X]], %[[ACC]] : f32
// KERNEL:             gpu.shuffle  xor %[[SQ]], %c16{{.*}}, %c32
// KERNEL:             gpu.shuffle  xor %{{.*}}, %c8{{.*}}, %c32
// KERNEL:             gpu.shuffle  xor %{{.*}}, %c4{{.*}}, %c32
// KERNEL:             gpu.shuffle  xor %{{.*}}, %c2{{.*}}, %c32
// KERNEL:             gpu.shuffle  xor %{{.*}}, %c1{{.*}}, %c32
// KERNEL:             %[[RSTD:.*]] = math.rsqrt
// KERNEL:             scf.for
// KERNEL:               %[[XS:.*]] = arith.mulf %{{.*}}, %[[RSTD]] : f32
// KERNEL:               %[[Y:.*]] = arith.mulf %[[XS]], %{{.*}} : f32
// KERNEL:               %[[B:.*]] = arith.truncf %[[Y]] : f32 to bf16
// KERNEL:               memref.store %[[B]], %{{.*}}[%[[ROW]], %{{.*}}] : memref<?x512xbf16>
// KERNEL:         } {mla.kernel = "rms_norm"}
func.func @kernel(%x: memref<?x512xf32, strided<[576, 1], offset: ?>>, %w: memref<512xbf16>,
                  %y: memref<?x512xbf16>) {
  mla_gpu.rms_norm %x, %w into %y {epsilon = 1.0e-06 : f64}
      : memref<?x512xf32, strided<[576, 1], offset: ?>>, memref<512xbf16> into memref<?x512xbf16>
  return
}
