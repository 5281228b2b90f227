//===- MapLoops.cpp - Loops to GPU blocks and threads -----------*- C++ -*-===//
//
// Implements `mla-gpu-map-loops`: every outermost scf.parallel tiled by the
// block size and mapped to GPU blocks and threads.
//
//===----------------------------------------------------------------------===//

#include "mla/GPU/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLAGPUMAPLOOPS
#include "mla/GPU/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-gpu-map-loops"

using namespace mlir;

namespace {

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
      if (!loop->getParentOfType<scf::ParallelOp>() && mla::isOnHost(loop))
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

} // namespace
