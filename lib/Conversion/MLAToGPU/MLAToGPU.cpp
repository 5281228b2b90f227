//===- MLAToGPU.cpp - mla.fused_decode to tensor-core kernels ---*- C++ -*-===//
//
// Implements `convert-mla-to-gpu` and `mla-gpu-expand-kernels`. The first
// turns each `mla.fused_decode` whose shapes the decode kernels support into
// an `mla.decode_kernel` on the buffers of its operands (before
// bufferization: bufferization.to_buffer / to_tensor), leaving the others to
// the generic path with a remark naming the reason (f32, dynamic query
// count or page size, tiles over the chip's shared memory, wgmma on a chip
// without it). The second, after buffer deallocation, replaces each
// `mla.decode_kernel` by the kernels' gpu.launch ops and their workspace
// (DecodeKernel.h).
//
//===----------------------------------------------------------------------===//

#include "mla/Conversion/MLAToGPU/MLAToGPU.h"

#include "DecodeKernel.h"

#include "mla/Conversion/Passes.h"
#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::mla {
#define GEN_PASS_DEF_CONVERTMLATOGPU
#define GEN_PASS_DEF_MLAGPUEXPANDKERNELS
#include "mla/Conversion/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "convert-mla-to-gpu"

using namespace mlir;
using namespace mlir::mla;

namespace {

/// The kernel's parameters for `op`, or the reason it cannot take it on
/// `chip` (nothing checked of the chip without one: the op was accepted
/// before).
template <typename OpTy>
FailureOr<DecodeKernelSpec> getSpec(OpTy op, Value query,
                                    const ChipDescription *chip,
                                    std::string &reason) {
  int64_t sharedLimit = chip ? chip->sharedMemoryPerBlock : 0;
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  ConfigAttr config = op.getConfig();
  auto cacheType = cast<ShapedType>(op.getCache().getType());
  auto queryType = cast<ShapedType>(query.getType());
  DecodeKernelSpec spec;
  spec.elementType = cacheType.getElementType();
  if (!spec.elementType.isBF16() && !spec.elementType.isF16()) {
    std::string name;
    llvm::raw_string_ostream(name) << spec.elementType;
    return fail("the tensor cores take bf16 or f16, not " + name);
  }
  if (queryType.isDynamicDim(1))
    return fail("the query count is dynamic");
  if (cacheType.isDynamicDim(1))
    return fail("the page size is dynamic");
  spec.heads = config.getHeads();
  spec.queries = queryType.getDimSize(1);
  spec.latent = config.getKvLoraRank();
  spec.rope = config.getQkRopeDim();
  spec.nope = config.getQkNopeDim();
  spec.value = config.getVHeadDim();
  spec.pageSize = cacheType.getDimSize(1);
  spec.causal = op.getCausal();
  spec.softmaxScale = config.getEffectiveSoftmaxScale();
  DecodeTilingAttr tiling = op.getTiling();
  spec.splits = tiling.getSplits();
  spec.blockTokens = tiling.getBlockTokens();
  spec.stages = std::max<int64_t>(tiling.getStages(), 2);
  spec.tileRows = std::min<int64_t>(
      64, ((tiling.getHeadsPerBlock() * spec.queries + 15) / 16) * 16);
  spec.dim = spec.latent + spec.rope;
  spec.elementBytes = 2;
  spec.mma = tiling.getMma();
  spec.schedule = tiling.getSchedule();
  spec.loads = tiling.getLoads();
  if (spec.warpgroup() && chip && !chip->warpgroupMMA)
    return fail("mma = warpgroup needs wgmma (chip sm_90a)");
  if (spec.warpgroup() && !supportsWarpgroupKernel(spec, spec.latent))
    return fail("mma = warpgroup needs kv_lora_rank a multiple of 128 up "
                "to 512, L + R a multiple of 64 and 16 to 64 tokens per "
                "tile");
  if (spec.tma() && !supportsTmaLoads(spec, spec.pageSize))
    return fail("loads = tma needs pages of whole tiles or tiles of whole "
                "pages of a multiple of 8 tokens (page size " +
                Twine(spec.pageSize) + ", block_tokens " +
                Twine(spec.blockTokens) + ")");
  if (spec.blockTokens % 16 != 0)
    return fail("block_tokens (" + Twine(spec.blockTokens) +
                ") is not a multiple of 16");
  if (spec.latent % (16 * spec.colSplits()) != 0 ||
      spec.dim % (16 * spec.colSplits()) != 0 || spec.rope % 8 != 0)
    return fail("kv_lora_rank (" + Twine(spec.latent) + ") and qk_rope_dim (" +
                Twine(spec.rope) + ") do not cut into 16-wide MMA steps for " +
                Twine(spec.colSplits()) + " warps");
  if (spec.nope % 64 != 0 || spec.value % 64 != 0 || spec.latent % 64 != 0)
    return fail("qk_nope_dim (" + Twine(spec.nope) + "), v_head_dim (" +
                Twine(spec.value) + ") and kv_lora_rank (" +
                Twine(spec.latent) +
                ") are not all multiples of the per-head products' 64-wide "
                "tiles");
  // TMA's mbarriers, one per stage, are static shared memory.
  int64_t sharedBytes = spec.sharedBytes() + (spec.tma() ? 8 * spec.stages : 0);
  if (sharedLimit && sharedBytes > sharedLimit)
    return fail("the tiles need " + Twine(sharedBytes) +
                " bytes of shared memory, more than the chip's " +
                Twine(sharedLimit));
  // The per-head products' CTAs: q_lat's, and o's (with the combined tile
  // when it combines the splits).
  int64_t productBytes =
      std::max(spec.productSharedBytes(spec.nope, false),
               spec.productSharedBytes(spec.latent, spec.combinesInProduct()));
  if (sharedLimit && productBytes > sharedLimit)
    return fail("the weight products need " + Twine(productBytes) +
                " bytes of shared memory, more than the chip's " +
                Twine(sharedLimit));
  return spec;
}

/// fused_decode → query_to_latent, the decode kernels, latent_to_value.
struct FusedDecodeToKernels : OpRewritePattern<FusedDecodeOp> {
  FusedDecodeToKernels(MLIRContext *ctx, const ChipDescription &chip)
      : OpRewritePattern(ctx), chip(chip) {}

  LogicalResult matchAndRewrite(FusedDecodeOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    FailureOr<DecodeKernelSpec> spec = getSpec(op, op.getQNope(), &chip, reason);
    if (failed(spec)) {
      // The op stays for convert-mla-to-linalg (the walk driver visits it
      // once: one remark).
      op.emitRemark() << "fused_decode stays on the generic GPU path: "
                      << reason;
      return rewriter.notifyMatchFailure(op, reason);
    }
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto buffer = [&](Value tensor) {
      auto type = cast<RankedTensorType>(tensor.getType());
      return bufferization::ToBufferOp::create(
                 b, MemRefType::get(type.getShape(), type.getElementType()),
                 tensor, /*read_only=*/true)
          .getResult();
    };
    Value queryNope = buffer(op.getQNope());
    auto resultType = cast<RankedTensorType>(op.getType());
    SmallVector<Value> dynamicBatch;
    if (resultType.isDynamicDim(0))
      dynamicBatch.push_back(memref::DimOp::create(b, queryNope, 0));
    Value output = memref::AllocOp::create(
        b, MemRefType::get(resultType.getShape(), spec->elementType),
        dynamicBatch);
    DecodeKernelOp::create(b, queryNope, buffer(op.getQPe()),
                           buffer(op.getWUk()), buffer(op.getWUv()),
                           buffer(op.getCache()), buffer(op.getBlockTable()),
                           buffer(op.getKvLens()), output, op.getCausal(),
                           op.getTiling(), op.getConfig());
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
        op, resultType, output, b.getUnitAttr(), b.getUnitAttr());
    return success();
  }

  ChipDescription chip;
};

/// mla.decode_kernel → the attention kernel's gpu.launch (+ the combine
/// kernel's and their f32 workspace with splits).
struct DecodeKernelToLaunches : OpRewritePattern<DecodeKernelOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DecodeKernelOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    FailureOr<DecodeKernelSpec> spec =
        getSpec(op, op.getQNope(), /*chip=*/nullptr, reason);
    if (failed(spec))
      return op.emitOpError() << "cannot become a kernel: " << reason;
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    DecodeKernelOperands ops;
    ops.queryNope = op.getQNope();
    ops.queryRope = op.getQPe();
    ops.keyWeight = op.getWUk();
    ops.valueWeight = op.getWUv();
    ops.cache = op.getCache();
    ops.blockTable = op.getBlockTable();
    ops.lengths = op.getKvLens();
    ops.output = op.getOutput();
    ops.batch = memref::DimOp::create(b, ops.queryNope, 0);
    auto queryType = cast<MemRefType>(ops.queryNope.getType());
    SmallVector<Value> dynamicBatch;
    if (queryType.isDynamicDim(0))
      dynamicBatch.push_back(ops.batch);
    int64_t batch = queryType.getDimSize(0);
    // Workspace: q_lat and (unless even splits, combined inside the value
    // product) o_lat in the element type; with splits the f32 partial
    // outputs and their log-sum-exps; when balanced, the scheduling
    // metadata.
    SmallVector<Value> workspace;
    auto allocate = [&](ArrayRef<int64_t> shape, Type element) {
      Value buffer = memref::AllocOp::create(b, MemRefType::get(shape, element),
                                             dynamicBatch);
      workspace.push_back(buffer);
      return buffer;
    };
    SmallVector<int64_t> latentShape = {batch, spec->queries, spec->heads,
                                        spec->latent};
    ops.queryLatent = allocate(latentShape, spec->elementType);
    if (!spec->combinesInProduct())
      ops.latentOut = allocate(latentShape, spec->elementType);
    if (spec->splitSlots() > 1) {
      Type f32 = b.getF32Type();
      int64_t slots = spec->splitSlots();
      ops.partial = allocate({batch, spec->rows(), slots, spec->latent}, f32);
      ops.logSumExp = allocate({batch, spec->rows(), slots}, f32);
    }
    if (spec->balanced()) {
      Value entries = arith::AddIOp::create(
          b, ops.batch, arith::ConstantIndexOp::create(b, 1));
      ops.schedule = memref::AllocOp::create(
          b, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()),
          ValueRange{entries});
      workspace.push_back(ops.schedule);
    }
    emitDecodeKernels(b, *spec, ops);
    // Each workspace buffer is allocated just before the first kernel that
    // uses it: the host's allocation calls then overlap the kernels already
    // launched instead of delaying the first (which matters at batch 1,
    // where the whole decode takes tens of microseconds).
    Block *block = op->getBlock();
    for (Value buffer : workspace) {
      Operation *first = nullptr;
      for (Operation *user : buffer.getUsers())
        if (Operation *inBlock = block->findAncestorOpInBlock(*user))
          if (!first || inBlock->isBeforeInBlock(first))
            first = inBlock;
      if (first)
        buffer.getDefiningOp()->moveBefore(first);
      memref::DeallocOp::create(b, buffer);
    }
    rewriter.eraseOp(op);
    return success();
  }
};

struct ConvertMLAToGPUPass
    : public mla::impl::ConvertMLAToGPUBase<ConvertMLAToGPUPass> {
  using ConvertMLAToGPUBase::ConvertMLAToGPUBase;

  void runOnOperation() override {
    std::optional<ChipDescription> resources = getChip(chip);
    if (!resources) {
      getOperation()->emitError()
          << "convert-mla-to-gpu: unknown chip '" << chip << "' (expected "
          << getChipNames() << ")";
      return signalPassFailure();
    }
    // Each op is rewritten once, where it is; nothing else is folded.
    RewritePatternSet patterns(&getContext());
    populateMLAToGPUConversionPatterns(patterns, *resources);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

struct MLAGPUExpandKernelsPass
    : public mla::impl::MLAGPUExpandKernelsBase<MLAGPUExpandKernelsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecodeKernelToLaunches>(&getContext());
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
    // Contract: no kernel op survives.
    WalkResult left = getOperation()->walk(
        [](DecodeKernelOp op) { return WalkResult::interrupt(); });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void mlir::mla::populateMLAToGPUConversionPatterns(RewritePatternSet &patterns,
                                                   const ChipDescription &chip) {
  patterns.add<FusedDecodeToKernels>(patterns.getContext(), chip);
}
