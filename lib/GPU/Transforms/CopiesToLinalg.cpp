//===- CopiesToLinalg.cpp - memref.copy to linalg.copy ----------*- C++ -*-===//
//
// Implements `mla-gpu-copies-to-linalg`: bufferization's copies outside
// kernels become linalg.copy, which the GPU pipeline maps to a kernel.
//
//===----------------------------------------------------------------------===//

#include "mla/GPU/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLAGPUCOPIESTOLINALG
#include "mla/GPU/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-gpu-copies-to-linalg"

using namespace mlir;

namespace {

struct MLAGPUCopiesToLinalgPass
    : public mla::impl::MLAGPUCopiesToLinalgBase<MLAGPUCopiesToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) {
      if (mla::isOnHost(copy))
        copies.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      linalg::CopyOp::create(rewriter, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      rewriter.eraseOp(copy);
    }
  }
};

} // namespace
