//===- GPUDeviceBuffers.cpp - Host buffers to device buffers ----*- C++ -*-===//
//
// Implements `mla-gpu-device-buffers`: after bufferization and the mapping of
// loops to GPU kernels, the host code of a function keeps only allocations,
// copies and launches. This pass puts those allocations on the device and
// checks that the host touches no buffer element itself.
//
//===----------------------------------------------------------------------===//

#include "mla/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLAGPUCOPIESTOLINALG
#define GEN_PASS_DEF_MLAGPUMAPLOOPS
#define GEN_PASS_DEF_MLAGPUDEVICEBUFFERS
#define GEN_PASS_DEF_MLAGPUEXTERNDYNAMICSHARED
#include "mla/Conversion/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-gpu-device-buffers"

using namespace mlir;

namespace {

/// Whether `op` runs on the host: not inside a kernel.
bool onHost(Operation *op) {
  return !op->getParentOfType<gpu::LaunchOp>() &&
         !op->getParentOfType<gpu::GPUFuncOp>();
}

struct MLAGPUCopiesToLinalgPass
    : public mla::impl::MLAGPUCopiesToLinalgBase<MLAGPUCopiesToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) {
      if (onHost(copy))
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

struct MLAGPUMapLoopsPass
    : public mla::impl::MLAGPUMapLoopsBase<MLAGPUMapLoopsPass> {
  using MLAGPUMapLoopsBase::MLAGPUMapLoopsBase;

  void runOnOperation() override {
    if (threads < 1 || threads > 1024) {
      getOperation()->emitError("mla-gpu-map-loops: threads must be in "
                                "[1, 1024], not ")
          << static_cast<int64_t>(threads);
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outermost;
    getOperation()->walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>() && onHost(loop))
        outermost.push_back(loop);
    });
    MLIRContext *context = &getContext();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(1, context);
    auto dim = [&](gpu::Processor processor) {
      return gpu::ParallelLoopDimMappingAttr::get(context, processor, identity,
                                                  identity);
    };
    for (scf::ParallelOp loop : outermost) {
      unsigned rank = loop.getNumLoops();
      SmallVector<int64_t> tile(rank, 1);
      tile.back() = threads;
      auto [outer, inner] =
          scf::tileParallelLoop(loop, tile, /*noMinMaxBounds=*/false);
      // Blocks: the last three dims of the outer loop, innermost first
      // (x allows 2^31 - 1 blocks, y and z 65535).
      SmallVector<gpu::ParallelLoopDimMappingAttr> outerMapping;
      const gpu::Processor blocks[] = {gpu::Processor::BlockX,
                                       gpu::Processor::BlockY,
                                       gpu::Processor::BlockZ};
      for (unsigned d = 0; d < rank; ++d) {
        unsigned fromLast = rank - 1 - d;
        outerMapping.push_back(
            dim(fromLast < 3 ? blocks[fromLast] : gpu::Processor::Sequential));
      }
      // Threads: the tiled last dim; the others have one iteration.
      SmallVector<gpu::ParallelLoopDimMappingAttr> innerMapping(
          rank, dim(gpu::Processor::Sequential));
      innerMapping.back() = dim(gpu::Processor::ThreadX);
      if (failed(gpu::setMappingAttr(outer, outerMapping)) ||
          failed(gpu::setMappingAttr(inner, innerMapping))) {
        outer.emitOpError("could not be mapped to the GPU");
        return signalPassFailure();
      }
      // Loops nested in the body (e.g. a copy inside the cache append) run
      // sequentially in each thread.
      WalkResult nested = inner.getBody()->walk([&](scf::ParallelOp loop) {
        SmallVector<gpu::ParallelLoopDimMappingAttr> sequential(
            loop.getNumLoops(), dim(gpu::Processor::Sequential));
        return failed(gpu::setMappingAttr(loop, sequential))
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      });
      if (nested.wasInterrupted()) {
        inner.emitOpError("could not map a nested loop to the GPU");
        return signalPassFailure();
      }
    }
    // Fold the tiles' step and bound arithmetic to constants (the GPU
    // conversion derives launch sizes from them) without the loop
    // canonicalizations, which would dissolve single-iteration loops into
    // host code.
    RewritePatternSet patterns(context);
    affine::AffineMinOp::getCanonicalizationPatterns(patterns, context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

struct MLAGPUDeviceBuffersPass
    : public mla::impl::MLAGPUDeviceBuffersBase<MLAGPUDeviceBuffersPass> {
  void runOnOperation() override {
    SmallVector<Operation *> hostOps;
    getOperation()->walk([&](Operation *op) {
      if (onHost(op) &&
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

/// The external zero-sized workgroup array that gpu.dynamic_shared_memory's
/// lowering finds and reuses (it looks for a zero-sized array global of the
/// workgroup address space and its alignment, 16 bytes for i8) instead of
/// creating an internal one (see the pass description).
struct MLAGPUExternDynamicSharedPass
    : public mla::impl::MLAGPUExternDynamicSharedBase<
          MLAGPUExternDynamicSharedPass> {
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    bool used = module
                    .walk([](gpu::DynamicSharedMemoryOp) {
                      return WalkResult::interrupt();
                    })
                    .wasInterrupted();
    if (!used)
      return;
    constexpr unsigned kWorkgroupAddressSpace = 3; // NVVM's shared memory
    for (auto global : module.getOps<LLVM::GlobalOp>())
      if (auto array = dyn_cast<LLVM::LLVMArrayType>(global.getType()))
        if (array.getNumElements() == 0 &&
            global.getAddrSpace() == kWorkgroupAddressSpace &&
            global.getLinkage() == LLVM::Linkage::External)
          return; // declared already
    // First in the module: the lowering takes the first match, so an
    // internal zero-sized array already there would not be picked.
    OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
    LLVM::GlobalOp::create(
        builder, module.getLoc(),
        LLVM::LLVMArrayType::get(builder.getI8Type(), 0),
        /*isConstant=*/false, LLVM::Linkage::External, "__mla_dynamic_shared",
        /*value=*/Attribute(), /*alignment=*/16, kWorkgroupAddressSpace);
  }
};

} // namespace
