//===- DeviceBuffers.cpp - Host buffers to device buffers -------*- C++ -*-===//
//
// Implements `mla-gpu-device-buffers`: after bufferization and the mapping of
// loops to GPU kernels, the host code of a function keeps only allocations,
// copies and launches. This pass puts those allocations on the device and
// checks that the host touches no buffer element itself.
//
//===----------------------------------------------------------------------===//

#include "mla/GPU/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLAGPUDEVICEBUFFERS
#include "mla/GPU/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-gpu-device-buffers"

using namespace mlir;

namespace {

struct MLAGPUDeviceBuffersPass
    : public mla::impl::MLAGPUDeviceBuffersBase<MLAGPUDeviceBuffersPass> {
  void runOnOperation() override {
    SmallVector<Operation *> hostOps;
    getOperation()->walk([&](Operation *op) {
      if (mla::isOnHost(op) &&
          isa<memref::AllocOp, memref::DeallocOp, memref::CopyOp,
              memref::LoadOp, memref::StoreOp, memref::AllocaOp>(op))
        hostOps.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *op : hostOps) {
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        auto device = gpu::AllocOp::create(
            rewriter, loc, alloc.getType(), /*asyncToken=*/Type(), ValueRange{},
            alloc.getDynamicSizes(), alloc.getSymbolOperands());
        rewriter.replaceOp(alloc, device.getMemref());
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        gpu::DeallocOp::create(rewriter, loc, /*asyncToken=*/Type(),
                               ValueRange{}, dealloc.getMemref());
        rewriter.eraseOp(dealloc);
      } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        gpu::MemcpyOp::create(rewriter, loc, /*asyncToken=*/Type(),
                              ValueRange{}, copy.getTarget(), copy.getSource());
        rewriter.eraseOp(copy);
      } else {
        // A scalar access on the host would dereference a device pointer.
        op->emitOpError("accesses a buffer element on the host; the GPU "
                        "pipeline maps every loop to kernels, so this op was "
                        "left outside them");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
