//===- MLAGPUTiles.cpp - mla_gpu tile ops to nvgpu and memref ---*- C++ -*-===//
//
// `convert-mla-gpu-tiles`: one pattern per tile-level mla_gpu op. They run
// while the kernels are still `gpu.launch` bodies (right after
// mla-gpu-expand-kernels) and make upstream ops and the instruction-level
// mla_gpu ops, which convert-mla-gpu-to-nvvm lowers after outlining.
//
//===----------------------------------------------------------------------===//

#include "mla/Conversion/MLAGPUTiles/MLAGPUTiles.h"

#include "mla/Conversion/Passes.h"
#include "mla/Dialect/MLAGPU/IR/MLAGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::mla {
#define GEN_PASS_DEF_CONVERTMLAGPUTILES
#include "mla/Conversion/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla_gpu;

namespace {

//===----------------------------------------------------------------------===//
// Named shared buffers
//===----------------------------------------------------------------------===//

/// mla_gpu.shared_memory → the dynamic shared memory viewed from its first
/// `align`-byte boundary: (align − address mod align) mod align bytes in
/// (nothing for align 16, the dynamic shared memory's own alignment).
struct SharedMemoryLowering : OpConversionPattern<SharedMemoryOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SharedMemoryOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MemRefType type = op.getMemory().getType();
    Value base = gpu::DynamicSharedMemoryOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                           MemRefLayoutAttrInterface(), type.getMemorySpace()));
    int64_t align = op.getAlign();
    Value start;
    if (align <= 16) {
      start = arith::ConstantIndexOp::create(b, 0);
    } else {
      Value bound = arith::ConstantIndexOp::create(b, align);
      Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, base);
      Value misalign = arith::RemUIOp::create(b, address, bound);
      start = arith::RemUIOp::create(
          b, arith::SubIOp::create(b, bound, misalign), bound);
    }
    rewriter.replaceOpWithNewOp<memref::ViewOp>(op, type, base, start,
                                                ValueRange{});
    return success();
  }
};

/// mla_gpu.shared_buffer → a memref.view of its memory at its offset.
struct SharedBufferLowering : OpConversionPattern<SharedBufferOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SharedBufferOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value offset =
        arith::ConstantIndexOp::create(rewriter, op.getLoc(), op.getOffset());
    rewriter.replaceOpWithNewOp<memref::ViewOp>(
        op, op.getBuffer().getType(), adaptor.getMemory(), offset,
        ValueRange{});
    return success();
  }
};

struct ConvertMLAGPUTiles
    : mla::impl::ConvertMLAGPUTilesBase<ConvertMLAGPUTiles> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    configureMLAGPUTilesTarget(target);
    RewritePatternSet patterns(ctx);
    populateMLAGPUTilesConversionPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mla_gpu::configureMLAGPUTilesTarget(ConversionTarget &target) {
  target.addIllegalOp<SharedMemoryOp, SharedBufferOp>();
}

void mla_gpu::populateMLAGPUTilesConversionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SharedMemoryLowering, SharedBufferLowering>(
      patterns.getContext());
}
