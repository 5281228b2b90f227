//===- MLAToGPU.cpp - mla.fused_decode to tensor-core kernels ---*- C++ -*-===//
//
// Implements `convert-mla-to-gpu` and `mla-gpu-expand-kernels`. The first
// turns each `mla.fused_decode` whose shapes the decode kernels support into
// an `mla.decode_kernel` on the buffers of its operands (before
// bufferization: bufferization.to_buffer / to_tensor), leaving the others to
// the generic path with a remark naming the reason (f32, dynamic query
// count or page size, tiles over the chip's shared memory, wgmma on a chip
// without it); likewise each `mla.fused_prefill` into an
// `mla.prefill_kernel`. The second, after buffer deallocation, replaces each
// by the kernels' gpu.launch ops (and GEMMs) and their workspace
// (DecodeKernel.h, PrefillKernel.h).
//
//===----------------------------------------------------------------------===//

#include "mla/Conversion/MLAToGPU/MLAToGPU.h"

#include "DecodeKernel.h"
#include "PrefillKernel.h"

#include "mla/Conversion/Passes.h"
#include "mla/Dialect/MLA/IR/MLA.h"

#include "mla/Dialect/MLAGPU/IR/MLAGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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

/// The kernels' plan for `op` on `target`, or the reason they cannot run it.
template <typename OpTy>
FailureOr<DecodeKernelPlan> planFor(OpTy op, const TargetDescription &target,
                                    std::string &reason) {
  DecodeProblem problem = DecodeProblem::get(
      op.getConfig(), cast<ShapedType>(op.getQNope().getType()),
      cast<ShapedType>(op.getCache().getType()), op.getCausal());
  return planDecodeKernels(problem, op.getTiling(), target, reason);
}

/// fused_decode → query_to_latent, the decode kernels, latent_to_value.
struct FusedDecodeToKernels : OpRewritePattern<FusedDecodeOp> {
  FusedDecodeToKernels(MLIRContext *ctx, const TargetDescription &target)
      : OpRewritePattern(ctx), target(target) {}

  LogicalResult matchAndRewrite(FusedDecodeOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    FailureOr<DecodeKernelPlan> plan = planFor(op, target, reason);
    if (failed(plan)) {
      // The op stays for convert-mla-to-linalg (the walk driver visits it
      // once: one remark).
      op.emitRemark() << "fused_decode stays on the generic GPU path: "
                      << reason;
      return rewriter.notifyMatchFailure(op, reason);
    }
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto buffer = [&](Value tensor) { return readOnlyBuffer(b, tensor); };
    // q_nope is read where the query product wrote it (rows strided by the
    // heads' full width, N + R), not copied into a buffer of its own, when
    // those rows keep the 16-byte alignment of the kernels' cp.async loads.
    ConfigAttr config = op.getConfig();
    bool alignedRows =
        (config.getQkHeadDim() * plan->elementType.getIntOrFloatBitWidth() / 8) %
            16 ==
        0;
    Value queryNope = alignedRows ? stridedRowsBuffer(b, op.getQNope())
                                  : buffer(op.getQNope());
    auto resultType = cast<RankedTensorType>(op.getType());
    SmallVector<Value> dynamicBatch;
    if (resultType.isDynamicDim(0))
      dynamicBatch.push_back(memref::DimOp::create(b, queryNope, 0));
    Value output = memref::AllocOp::create(
        b, MemRefType::get(resultType.getShape(), plan->elementType),
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

  TargetDescription target;
};

/// mla.decode_kernel → the attention kernel's gpu.launch (+ the combine
/// kernel's and their f32 workspace with splits).
struct DecodeKernelToLaunches : OpRewritePattern<DecodeKernelOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DecodeKernelOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    FailureOr<DecodeKernelPlan> plan =
        planFor(op, getTarget(op), reason);
    if (failed(plan))
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
    SmallVector<int64_t> latentShape = {batch, plan->queries, plan->heads,
                                        plan->latent};
    ops.queryLatent = allocate(latentShape, plan->elementType);
    if (!plan->combinesInProduct())
      ops.latentOut = allocate(latentShape, plan->elementType);
    if (plan->splitSlots() > 1) {
      Type f32 = b.getF32Type();
      int64_t slots = plan->splitSlots();
      ops.partial = allocate({batch, plan->rows(), slots, plan->latent}, f32);
      ops.logSumExp = allocate({batch, plan->rows(), slots}, f32);
    }
    if (plan->balanced()) {
      Value entries = arith::AddIOp::create(
          b, ops.batch, arith::ConstantIndexOp::create(b, 1));
      ops.schedule = memref::AllocOp::create(
          b, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()),
          ValueRange{entries});
      workspace.push_back(ops.schedule);
    }
    emitDecodeKernels(b, *plan, ops);
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

/// The prefill kernels' plan for `op` on `target`, or the reason they
/// cannot run it.
template <typename OpTy>
FailureOr<PrefillKernelPlan> prefillPlanFor(OpTy op,
                                            const TargetDescription &target,
                                            std::string &reason) {
  PrefillProblem problem = PrefillProblem::get(
      op.getConfig(), cast<ShapedType>(op.getQNope().getType()),
      cast<ShapedType>(op.getCache().getType()), op.getCausal());
  // Varlen: each request has its own count, known on the device only.
  if (op.isVarlen())
    problem.queries = 0;
  return planPrefillKernels(problem, op.getTiling(), target, reason);
}

/// fused_prefill → mla.prefill_kernel on the buffers of its operands.
struct FusedPrefillToKernels : OpRewritePattern<FusedPrefillOp> {
  FusedPrefillToKernels(MLIRContext *ctx, const TargetDescription &target)
      : OpRewritePattern(ctx), target(target) {}

  LogicalResult matchAndRewrite(FusedPrefillOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    FailureOr<PrefillKernelPlan> plan = prefillPlanFor(op, target, reason);
    if (failed(plan)) {
      op.emitRemark() << "fused_prefill stays on the generic GPU path: "
                      << reason;
      return rewriter.notifyMatchFailure(op, reason);
    }
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto buffer = [&](Value tensor) { return readOnlyBuffer(b, tensor); };
    // q_nope read where the query product wrote it, as the decode does.
    Value queryNope = stridedRowsBuffer(b, op.getQNope());
    auto resultType = cast<RankedTensorType>(op.getType());
    // [B, S] or (varlen) [X] leading the heads.
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d + 2 < resultType.getRank(); ++d)
      if (resultType.isDynamicDim(d))
        dynamicSizes.push_back(memref::DimOp::create(b, queryNope, d));
    Value output = memref::AllocOp::create(
        b, MemRefType::get(resultType.getShape(), plan->elementType),
        dynamicSizes);
    Value starts = op.getQueryStarts() ? buffer(op.getQueryStarts()) : Value();
    PrefillKernelOp::create(b, queryNope, buffer(op.getQPe()),
                            buffer(op.getWUk()), buffer(op.getWUv()),
                            buffer(op.getCache()), buffer(op.getBlockTable()),
                            buffer(op.getKvLens()), starts, output,
                            op.getCausal(), op.getTiling(), op.getConfig());
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
        op, resultType, output, b.getUnitAttr(), b.getUnitAttr());
    return success();
  }

  TargetDescription target;
};

/// Puts `b` at the earliest point of `op`'s block where every value of
/// `operands` is defined.
void setInsertionPointAfterOperands(OpBuilder &b, Operation *op,
                                    ValueRange operands) {
  Block *block = op->getBlock();
  Operation *last = nullptr;
  for (Value value : operands) {
    Operation *def = value.getDefiningOp();
    Operation *inBlock = def ? block->findAncestorOpInBlock(*def) : nullptr;
    if (inBlock && (!last || last->isBeforeInBlock(inBlock)))
      last = inBlock;
  }
  if (last)
    b.setInsertionPointAfter(last);
  else
    b.setInsertionPointToStart(block);
}

/// mla.prefill_kernel → the gather kernel, the decompression GEMMs and the
/// attention kernel, with their workspace.
struct PrefillKernelToLaunches : OpRewritePattern<PrefillKernelOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PrefillKernelOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    FailureOr<PrefillKernelPlan> plan =
        prefillPlanFor(op, getTarget(op), reason);
    if (failed(plan))
      return op.emitOpError() << "cannot become a kernel: " << reason;
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    // The sizes, the workspace and (with TMA) its tensor maps as early in
    // the op's block as its operands allow: a tensor map is host code, and
    // host code after GPU work cuts the function's stream in two
    // (gpu-async-region synchronises before it).
    OpBuilder::InsertPoint kernels = b.saveInsertionPoint();
    // Its sizes come from the block table and the cache (usually the
    // function's arguments), not from the queries a projection computes.
    setInsertionPointAfterOperands(b, op, {op.getBlockTable(), op.getCache()});
    PrefillKernelOperands ops;
    ops.queryNope = op.getQNope();
    ops.queryRope = op.getQPe();
    ops.keyWeight = op.getWUk();
    ops.valueWeight = op.getWUv();
    ops.cache = op.getCache();
    ops.blockTable = op.getBlockTable();
    ops.lengths = op.getKvLens();
    ops.queryStarts = op.getQueryStarts();
    ops.output = op.getOutput();
    ops.batch = memref::DimOp::create(b, ops.blockTable, 0);
    ops.capacity = arith::MulIOp::create(
        b, memref::DimOp::create(b, ops.blockTable, 1),
        memref::DimOp::create(b, ops.cache, 1));
    // Workspace: every request's cached latents, then K_nope and V of every
    // head (rows: request-major, M·G per request).
    Type element = plan->elementType;
    int64_t dynamic = ShapedType::kDynamic;
    ops.latent = memref::AllocOp::create(
        b, MemRefType::get({dynamic, dynamic, plan->latent + plan->rope},
                           element),
        ValueRange{ops.batch, ops.capacity});
    Value rows = arith::MulIOp::create(b, ops.batch, ops.capacity);
    ops.keys = memref::AllocOp::create(
        b, MemRefType::get({plan->heads, dynamic, plan->nope}, element),
        ValueRange{rows});
    ops.values = memref::AllocOp::create(
        b, MemRefType::get({plan->heads, dynamic, plan->value}, element),
        ValueRange{rows});
    if (plan->tma())
      createPrefillTensorMaps(b, *plan, ops);
    b.restoreInsertionPoint(kernels);
    // S, or (varlen) X: every request's rows.
    ops.queries =
        memref::DimOp::create(b, ops.queryNope, op.isVarlen() ? 0 : 1);
    emitPrefillKernels(b, *plan, ops);
    for (Value buffer : {ops.latent, ops.keys, ops.values})
      memref::DeallocOp::create(b, buffer);
    rewriter.eraseOp(op);
    return success();
  }
};

struct ConvertMLAToGPUPass
    : public mla::impl::ConvertMLAToGPUBase<ConvertMLAToGPUPass> {
  using ConvertMLAToGPUBase::ConvertMLAToGPUBase;

  void runOnOperation() override {
    // The kv down-projection's epilogue first: its pattern takes three ops
    // at once, before the projection's own pattern sees kv_compress.
    if (gemms && rowKernels) {
      RewritePatternSet fusion(&getContext());
      populateMLAKVAppendFusionPatterns(fusion);
      GreedyRewriteConfig config;
      config.enableFolding(false)
          .setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled)
          .setStrictness(GreedyRewriteStrictness::ExistingOps);
      if (failed(applyPatternsGreedily(getOperation(), std::move(fusion),
                                       config)))
        return signalPassFailure();
    }
    // Each op is rewritten once, where it is; nothing else is folded.
    RewritePatternSet patterns(&getContext());
    if (decodeKernels)
      populateMLAToGPUConversionPatterns(patterns, getTarget(getOperation()));
    if (prefillKernels)
      patterns.add<FusedPrefillToKernels>(&getContext(),
                                          getTarget(getOperation()));
    if (gemms)
      populateMLAProjectionsToGemmPatterns(patterns);
    if (rowKernels)
      populateMLARowKernelOpPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

struct MLAGPUExpandKernelsPass
    : public mla::impl::MLAGPUExpandKernelsBase<MLAGPUExpandKernelsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecodeKernelToLaunches, PrefillKernelToLaunches>(
        &getContext());
    populateMLAGPURowKernelPatterns(patterns);
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
    // Contract: no kernel op survives.
    WalkResult left = getOperation()->walk([](Operation *op) {
      if (!isa<DecodeKernelOp, PrefillKernelOp, mla_gpu::RMSNormOp,
               RopeKernelOp, KVAppendKernelOp>(op))
        return WalkResult::advance();
      op->emitOpError("was not expanded into its kernels");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void mlir::mla::populateMLAToGPUConversionPatterns(RewritePatternSet &patterns,
                                                   const TargetDescription &target) {
  patterns.add<FusedDecodeToKernels>(patterns.getContext(), target);
}
