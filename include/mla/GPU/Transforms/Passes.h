//===- Passes.h - Transforms of the GPU pipeline ----------------*- C++ -*-===//
//
// Declarations of the GPU pipeline's transforms, generated from Passes.td,
// and what they share.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_GPU_TRANSFORMS_PASSES_H
#define MLA_GPU_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Pass/Pass.h"

namespace mlir::mla {

#define GEN_PASS_DECL
#include "mla/GPU/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mla/GPU/Transforms/Passes.h.inc"

/// Whether `op` runs on the host: not inside a kernel (a gpu.launch body or
/// an outlined gpu.func).
inline bool isOnHost(Operation *op) {
  return !op->getParentOfType<gpu::LaunchOp>() &&
         !op->getParentOfType<gpu::GPUFuncOp>();
}

} // namespace mlir::mla

#endif // MLA_GPU_TRANSFORMS_PASSES_H
