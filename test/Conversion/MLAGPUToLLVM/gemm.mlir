// RUN: mla-opt %s --gpu-async-region --gpu-to-llvm --split-input-file | FileCheck %s

// mla_gpu.gemm on the host: gpu-async-region threads the function's stream
// through it, gpu-to-llvm makes it a call of mgpuMatmul on that stream with
// each operand's address, row stride and batch stride, the sizes and the
// cudaDataType codes (bf16 14, f16 2, f32 0).

// CHECK-LABEL: llvm.func @matrix
// CHECK:         %[[STREAM:.*]] = llvm.call @mgpuStreamCreate()
// CHECK-NEXT:    %[[A:.*]] = llvm.extractvalue %[[LHS:.*]][1]
// CHECK-NEXT:    %[[LDA:.*]] = llvm.extractvalue %[[LHS]][4, 0]
// CHECK-NEXT:    %[[SA:.*]] = llvm.mlir.constant(0 : i64)
// CHECK-NEXT:    llvm.extractvalue %[[LHS]][3, 0]
// CHECK-NEXT:    %[[K:.*]] = llvm.extractvalue %[[LHS]][3, 1]
// CHECK-NEXT:    %[[B:.*]] = llvm.extractvalue %[[RHS:.*]][1]
// CHECK-NEXT:    %[[LDB:.*]] = llvm.extractvalue %[[RHS]][4, 0]
// CHECK-NEXT:    %[[SB:.*]] = llvm.mlir.constant(0 : i64)
// CHECK-NEXT:    llvm.extractvalue %[[RHS]][3, 0]
// CHECK-NEXT:    llvm.extractvalue %[[RHS]][3, 1]
// CHECK-NEXT:    %[[C:.*]] = llvm.extractvalue %[[RES:.*]][1]
// CHECK-NEXT:    %[[LDC:.*]] = llvm.extractvalue %[[RES]][4, 0]
// CHECK-NEXT:    %[[SC:.*]] = llvm.mlir.constant(0 : i64)
// CHECK-NEXT:    %[[M:.*]] = llvm.extractvalue %[[RES]][3, 0]
// CHECK-NEXT:    %[[N:.*]] = llvm.extractvalue %[[RES]][3, 1]
// CHECK-NEXT:    %[[ONE:.*]] = llvm.mlir.constant(1 : i64)
// CHECK-NEXT:    %[[BF16:.*]] = llvm.mlir.constant(14 : i32)
// CHECK-NEXT:    %[[F32:.*]] = llvm.mlir.constant(0 : i32)
// CHECK-NEXT:    llvm.call @mgpuMatmul(%[[ONE]], %[[M]], %[[N]], %[[K]], %[[A]], %[[LDA]], %[[SA]], %[[B]], %[[LDB]], %[[SB]], %[[C]], %[[LDC]], %[[SC]], %[[BF16]], %[[F32]], %[[STREAM]])
// CHECK-NEXT:    llvm.call @mgpuStreamSynchronize(%[[STREAM]])
func.func @matrix(%a: memref<?x64xbf16>, %b: memref<64x32xbf16>, %c: memref<?x32xf32>) {
  mla_gpu.gemm cublaslt %a, %b into %c
      : memref<?x64xbf16>, memref<64x32xbf16> into memref<?x32xf32>
  return
}

// -----

// A shared lhs (batch stride 0) against per-head weights, into a strided
// result: row and batch strides are the layout's second and first.
// CHECK-LABEL: llvm.func @batched
// CHECK:         %[[STREAM:.*]] = llvm.call @mgpuStreamCreate()
// CHECK-NEXT:    %[[A:.*]] = llvm.extractvalue %[[LHS:.*]][1]
// CHECK-NEXT:    %[[LDA:.*]] = llvm.extractvalue %[[LHS]][4, 0]
// CHECK-NEXT:    %[[SA:.*]] = llvm.mlir.constant(0 : i64)
// CHECK-NEXT:    llvm.extractvalue %[[LHS]][3, 0]
// CHECK-NEXT:    %[[K:.*]] = llvm.extractvalue %[[LHS]][3, 1]
// CHECK-NEXT:    %[[B:.*]] = llvm.extractvalue %[[RHS:.*]][1]
// CHECK-NEXT:    %[[LDB:.*]] = llvm.extractvalue %[[RHS]][4, 1]
// CHECK-NEXT:    %[[SB:.*]] = llvm.extractvalue %[[RHS]][4, 0]
// CHECK-NEXT:    llvm.extractvalue %[[RHS]][3, 0]
// CHECK-NEXT:    llvm.extractvalue %[[RHS]][3, 1]
// CHECK-NEXT:    llvm.extractvalue %[[RHS]][3, 2]
// CHECK-NEXT:    %[[C:.*]] = llvm.extractvalue %[[RES:.*]][1]
// CHECK-NEXT:    %[[LDC:.*]] = llvm.extractvalue %[[RES]][4, 1]
// CHECK-NEXT:    %[[SC:.*]] = llvm.extractvalue %[[RES]][4, 0]
// CHECK-NEXT:    %[[BATCH:.*]] = llvm.extractvalue %[[RES]][3, 0]
// CHECK-NEXT:    %[[M:.*]] = llvm.extractvalue %[[RES]][3, 1]
// CHECK-NEXT:    %[[N:.*]] = llvm.extractvalue %[[RES]][3, 2]
// CHECK-NEXT:    %[[F16:.*]] = llvm.mlir.constant(2 : i32)
// CHECK-NEXT:    %[[F16R:.*]] = llvm.mlir.constant(2 : i32)
// CHECK-NEXT:    llvm.call @mgpuMatmul(%[[BATCH]], %[[M]], %[[N]], %[[K]], %[[A]], %[[LDA]], %[[SA]], %[[B]], %[[LDB]], %[[SB]], %[[C]], %[[LDC]], %[[SC]], %[[F16]], %[[F16R]], %[[STREAM]])
func.func @batched(%a: memref<?x512xf16>, %b: memref<16x512x128xf16>,
                   %c: memref<16x?x128xf16, strided<[128, 2048, 1]>>) {
  mla_gpu.gemm cublaslt %a, %b into %c
      : memref<?x512xf16>, memref<16x512x128xf16> into memref<16x?x128xf16, strided<[128, 2048, 1]>>
  return
}
