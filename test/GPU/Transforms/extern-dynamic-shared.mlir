// RUN: mla-opt %s --pass-pipeline='builtin.module(gpu.module(mla-gpu-extern-dynamic-shared))' --split-input-file | FileCheck %s

// A kernel with dynamic shared memory: its module declares the external
// zero-sized workgroup array, which gpu.dynamic_shared_memory's lowering then
// addresses instead of an internal global of its own (NVPTX would demote an
// internal one to a static byte, overlaid by other static shared memory).
// The PTX it becomes is checked in Pipelines/decode-kernel-tma-ptx.mlir.

// CHECK-LABEL: gpu.module @kernels
// CHECK-NEXT:  llvm.mlir.global external @__mla_dynamic_shared() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
// CHECK-NOT:   llvm.mlir.global
gpu.module @kernels {
  gpu.func @kernel(%v: i8) kernel {
    %shared = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %c0 = arith.constant 0 : index
    memref.store %v, %shared[%c0] : memref<?xi8, #gpu.address_space<workgroup>>
    gpu.return
  }
}

// -----

// No dynamic shared memory: nothing is declared.

// CHECK-LABEL: gpu.module @plain
// CHECK-NOT:   llvm.mlir.global
gpu.module @plain {
  gpu.func @kernel() kernel {
    gpu.return
  }
}

// -----

// An internal zero-sized array does not count (NVPTX would demote it): the
// external one goes first, where the lowering looks first.

// CHECK-LABEL: gpu.module @internal
// CHECK-NEXT:  llvm.mlir.global external @__mla_dynamic_shared()
// CHECK-NEXT:  llvm.mlir.global internal @other()
gpu.module @internal {
  llvm.mlir.global internal @other() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
  gpu.func @kernel(%v: i8) kernel {
    %shared = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %c0 = arith.constant 0 : index
    memref.store %v, %shared[%c0] : memref<?xi8, #gpu.address_space<workgroup>>
    gpu.return
  }
}
