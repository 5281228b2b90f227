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
    // Host reads of an index argument (a varlen block's query_starts, read
    // by its request loop) read a host copy made once at entry.
    DenseMap<Value, Value> hostCopies;
    for (Operation *&op : hostOps) {
      auto load = dyn_cast<memref::LoadOp>(op);
      Value copy =
          load ? hostCopyOf(rewriter, load.getMemRef(), hostCopies) : Value();
      if (!copy)
        continue;
      rewriter.modifyOpInPlace(load,
                               [&] { load.getMemrefMutable().assign(copy); });
      op = nullptr;
    }
    for (Operation *op : hostOps) {
      if (!op)
        continue;
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

  /// A host copy of `buffer` if it is an integer argument of the function
  /// (positions, block tables, lengths, query starts: the block never
  /// writes them, so one copy at entry stays valid), made on first use:
  /// a stack buffer and a device-to-host gpu.memcpy, which returns once
  /// the copy is done (pageable host memory). Null otherwise.
  Value hostCopyOf(IRRewriter &rewriter, Value buffer,
                   DenseMap<Value, Value> &copies) {
    auto argument = dyn_cast<BlockArgument>(buffer);
    auto type = dyn_cast<MemRefType>(buffer.getType());
    if (!argument || !type || !type.getElementType().isInteger() ||
        argument.getOwner() != &getOperation().getBody().front() ||
        !type.getLayout().isIdentity())
      return Value();
    if (Value known = copies.lookup(buffer))
      return known;
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(argument.getOwner());
    Location loc = argument.getLoc();
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(memref::DimOp::create(rewriter, loc, buffer, d));
    Value host = memref::AllocaOp::create(rewriter, loc, type, sizes);
    gpu::MemcpyOp::create(rewriter, loc, /*asyncToken=*/Type(), ValueRange{},
                          host, buffer);
    copies[buffer] = host;
    return host;
  }
};

} // namespace
