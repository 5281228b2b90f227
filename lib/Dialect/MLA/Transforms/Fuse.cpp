//===- Fuse.cpp - Phase-specialised fusion ----------------------*- C++ -*-===//
//
// Implements `mla-fuse-decode` (absorbed form → mla.fused_decode) and
// `mla-fuse-prefill` (decompressed form → mla.fused_prefill). Each fused op
// carries the tiling the cost model chooses for its shapes on the target.
//
//===----------------------------------------------------------------------===//

#include "mla/Analysis/CostModel.h"
#include "mla/Analysis/Tuning.h"
#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLA/Transforms/Passes.h"

#include "DecompressedForm.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLAFUSEDECODE
#define GEN_PASS_DEF_MLAFUSEPREFILL
#include "mla/Dialect/MLA/Transforms/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla;

namespace {

/// What the fusion patterns need to choose a tiling.
struct TilingContext {
  TargetDescription target;
  int64_t assumedCacheLength;
  /// An override of the cost model's split count / prefix chunk (0: none).
  int64_t override;
  /// Measured decode tilings that take precedence over the model (or none).
  std::optional<TuningTable> tuned;
  /// The decode kernel's tensor-core instructions asked for.
  MmaKind mma = MmaKind::Sync;
  /// How its splits deal tokens to CTAs.
  DecodeSchedule schedule = DecodeSchedule::Even;
  /// How its KV tiles are loaded (asked for; the cost model may fall back).
  DecodeLoads loads = DecodeLoads::AsyncCopy;
  /// With a dynamic query count: static fused_decodes for 1 .. this many.
  int64_t specializeCounts = 0;
  /// The prefill's key tile asked for (0: the cost model's).
  int64_t prefillBlockKeys = 0;
  /// How the prefill's K and V tiles are loaded, when asked for.
  std::optional<DecodeLoads> prefillLoads = std::nullopt;
  /// The prefill's warp specialisation asked for (on: with TMA loads).
  ProducerChoice prefillProducer = ProducerChoice::Auto;
  /// The prefill's tensor-core instructions asked for.
  MmaChoice prefillMma = MmaChoice::Auto;
};

/// What a fusion pass asks of its pattern: its options, before the target
/// and the tuning file make them a TilingContext (runFusion).
struct FusionRequest {
  int64_t assumedCacheLength = 4096;
  /// Split count / prefix chunk (0: the cost model's).
  int64_t override = 0;
  StringRef tuningFile;
  MmaChoice mma = MmaChoice::Auto;
  DecodeSchedule schedule = DecodeSchedule::Even;
  LoadsChoice loads = LoadsChoice::Auto;
  int64_t specializeCounts = 0;
  int64_t prefillBlockKeys = 0;
  LoadsChoice prefillLoads = LoadsChoice::Auto;
  ProducerChoice prefillProducer = ProducerChoice::Auto;
  MmaChoice prefillMma = MmaChoice::Auto;
};

/// `type` with dimension `dim` set to `size`.
RankedTensorType withDim(Type type, unsigned dim, int64_t size) {
  auto tensor = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(tensor.getShape());
  shape[dim] = size;
  return tensor.clone(shape);
}

/// latent_to_value(latent_attention(query_to_latent(q_nope, W_UK), q_pe,
/// cache), W_UV) → fused_decode, when the intermediates have no other use.
struct FuseAbsorbedDecode : OpRewritePattern<LatentToValueOp> {
  FuseAbsorbedDecode(MLIRContext *context, const TilingContext &tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(LatentToValueOp op,
                                PatternRewriter &rewriter) const override {
    auto attention = op.getOLat().getDefiningOp<LatentAttentionOp>();
    if (!attention || !attention->hasOneUse())
      return rewriter.notifyMatchFailure(op, "o_lat is not a single-use "
                                             "latent attention");
    auto absorption = attention.getQLat().getDefiningOp<QueryToLatentOp>();
    if (!absorption || !absorption->hasOneUse())
      return rewriter.notifyMatchFailure(op, "q_lat is not a single-use "
                                             "query_to_latent");
    ConfigAttr config = op.getConfig();
    if (attention.getConfig() != config || absorption.getConfig() != config)
      return rewriter.notifyMatchFailure(op, "configs differ");

    Value qNope = absorption.getQNope(), qPe = attention.getQPe();
    // The tiling the cost model (or the tuning file, or the override)
    // chooses for the query shape `queries`.
    auto chooseTiling = [&](RankedTensorType queries) {
      AttentionShape shape = getAttentionShape(
          config, queries,
          getCachePositions(attention.getBlockTable(), attention.getCache()),
          attention.getCausal(), tiling.assumedCacheLength);
      int64_t pageSize =
          cast<RankedTensorType>(attention.getCache().getType()).getDimSize(1);
      shape.pageSize = ShapedType::isDynamic(pageSize) ? 0 : pageSize;
      DecodeTilingAttr choice = chooseDecodeTiling(
          shape, tiling.target, tiling.mma, tiling.schedule, tiling.loads);
      if (tiling.tuned)
        if (std::optional<DecodeTilingAttr> measured =
                tiling.tuned->lookup(shape))
          choice = *measured;
      if (tiling.override)
        choice = DecodeTilingAttr::get(
            getContext(), tiling.override, choice.getBlockTokens(),
            choice.getHeadsPerBlock(), choice.getStages(), choice.getMma(),
            choice.getSchedule(), choice.getLoads());
      return choice;
    };
    auto fuse = [&](OpBuilder &builder, Type resultType, Value q, Value qRope,
                    RankedTensorType queries) {
      auto fused = FusedDecodeOp::create(
          builder, op.getLoc(), resultType, q, qRope, absorption.getWUk(),
          op.getWUv(), attention.getCache(), attention.getBlockTable(),
          attention.getKvLens(), attention.getCausal(), chooseTiling(queries),
          config);
      fused->setAttr(MLADialect::kPhaseAttrName,
                     PhaseAttr::get(getContext(), Phase::Decode));
      return fused;
    };
    auto queries = cast<RankedTensorType>(qNope.getType());
    if (!queries.isDynamicDim(1) || tiling.specializeCounts <= 0) {
      rewriter.replaceOp(op, fuse(rewriter, op.getType(), qNope, qPe, queries));
      return success();
    }
    // S dynamic: scf.index_switch S { case c: fused_decode on S = c ...
    // default: the dynamic one }, each with its own tiling.
    Location loc = op.getLoc();
    Value count = tensor::DimOp::create(rewriter, loc, qNope, 1);
    SmallVector<int64_t> counts;
    for (int64_t c = 1; c <= tiling.specializeCounts; ++c)
      counts.push_back(c);
    auto dispatch = scf::IndexSwitchOp::create(
        rewriter, loc, TypeRange{op.getType()}, count, counts, counts.size());
    for (auto [region, c] : llvm::zip(dispatch.getCaseRegions(), counts)) {
      OpBuilder builder = OpBuilder::atBlockBegin(&region.emplaceBlock());
      RankedTensorType staticQueries = withDim(queries, 1, c);
      Value q = tensor::CastOp::create(builder, loc, staticQueries, qNope);
      Value qRope = tensor::CastOp::create(
          builder, loc, withDim(qPe.getType(), 1, c), qPe);
      FusedDecodeOp fused = fuse(builder, withDim(op.getType(), 1, c), q,
                                 qRope, staticQueries);
      Value back = tensor::CastOp::create(builder, loc, op.getType(),
                                          fused.getResult());
      scf::YieldOp::create(builder, loc, back);
    }
    OpBuilder builder =
        OpBuilder::atBlockBegin(&dispatch.getDefaultRegion().emplaceBlock());
    FusedDecodeOp fused = fuse(builder, op.getType(), qNope, qPe, queries);
    scf::YieldOp::create(builder, loc, fused.getResult());
    rewriter.replaceOp(op, dispatch.getResults());
    return success();
  }

  const TilingContext &tiling;
};

/// The decompressed form (gather, decompress key/value, attention) →
/// fused_prefill, unless the attention is stamped decode.
struct FuseDecompressedPrefill : OpRewritePattern<DecompressedAttentionOp> {
  FuseDecompressedPrefill(MLIRContext *context, const TilingContext &tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(DecompressedAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (auto phase = op->getAttrOfType<PhaseAttr>(MLADialect::kPhaseAttrName);
        phase && phase.getValue() == Phase::Decode)
      return rewriter.notifyMatchFailure(op, "stamped decode");
    // Both forms were asked for behind a runtime test: absorption keeps
    // them, fusing one would lose the other.
    if (op->hasAttr(MLADialect::kDecodeBelowAttrName))
      return rewriter.notifyMatchFailure(op, "both forms requested");
    FailureOr<DecompressedForm> form = matchDecompressedForm(op, rewriter);
    if (failed(form))
      return failure();
    AttentionShape shape = getAttentionShape(
        op.getConfig(), cast<RankedTensorType>(op.getQNope().getType()),
        getCachePositions(form->gather.getBlockTable(),
                          form->gather.getCache()),
        op.getCausal(), tiling.assumedCacheLength);
    PrefillTilingAttr choice = choosePrefillTiling(shape, tiling.target);
    if (tiling.tuned)
      if (std::optional<PrefillTilingAttr> measured =
              tiling.tuned->lookupPrefill(shape))
        choice = *measured;
    int64_t keys = choice.getBlockKeys(), chunk = choice.getPrefixChunk();
    if (tiling.prefillBlockKeys) {
      keys = tiling.prefillBlockKeys;
      chunk = llvm::divideCeil(chunk, keys) * keys;
    }
    if (tiling.override)
      chunk = tiling.override;
    DecodeLoads loads = tiling.prefillLoads.value_or(choice.getLoads());
    bool producer = choice.getProducer();
    if (tiling.prefillProducer == ProducerChoice::On) {
      // Warp specialisation takes TMA loads.
      producer = true;
      loads = DecodeLoads::Tma;
    }
    // Asked off, or cp.async asked for: one loop for all warpgroups.
    if (tiling.prefillProducer == ProducerChoice::Off ||
        loads == DecodeLoads::AsyncCopy)
      producer = false;
    // mma.sync, when asked for, takes cp.async loads and no producer; TMA
    // loads fill the wgmma kernel's tiles (on a chip without wgmma the
    // conversion then says why the op stays generic).
    MmaKind mma = choice.getMma();
    if (tiling.prefillMma == MmaChoice::Sync) {
      mma = MmaKind::Sync;
      loads = DecodeLoads::AsyncCopy;
      producer = false;
    } else if (tiling.prefillMma == MmaChoice::Warpgroup ||
               loads == DecodeLoads::Tma) {
      mma = MmaKind::Warpgroup;
    }
    choice = PrefillTilingAttr::get(getContext(), choice.getBlockQueries(),
                                    keys, chunk, loads, producer, mma);
    auto fused = rewriter.replaceOpWithNewOp<FusedPrefillOp>(
        op, op.getType(), op.getQNope(), op.getQPe(), form->key.getWeight(),
        form->value.getWeight(), form->gather.getCache(),
        form->gather.getBlockTable(), op.getKvLens(), /*query_starts=*/Value(),
        op.getCausal(), choice, op.getConfig());
    fused->setAttr(MLADialect::kPhaseAttrName,
                   PhaseAttr::get(getContext(), Phase::Prefill));
    return success();
  }

  const TilingContext &tiling;
};

/// Runs one fusion pattern with the target's tiling context.
template <typename Pattern>
LogicalResult runFusion(Operation *root, const FusionRequest &request) {
  TargetDescription target = getTarget(root);
  if (request.assumedCacheLength < 1)
    return root->emitError("assumed-cache-length must be positive");
  if (request.override < 0)
    return root->emitError("a tiling override must be positive (0: none)");
  TilingContext tiling{target, request.assumedCacheLength, request.override,
                       std::nullopt};
  // auto: the wgmma kernel, with TMA loads, where the target has it (the
  // cost model still falls back to mma.sync for shapes the wgmma kernel does
  // not suit, and to cp.async for page sizes TMA does not).
  bool wgmma = target.chip.warpgroupMMA;
  tiling.mma = request.mma == MmaChoice::Sync ||
                       (request.mma == MmaChoice::Auto && !wgmma)
                   ? MmaKind::Sync
                   : MmaKind::Warpgroup;
  tiling.schedule = request.schedule;
  tiling.specializeCounts = request.specializeCounts;
  tiling.prefillBlockKeys = request.prefillBlockKeys;
  tiling.loads = request.loads == LoadsChoice::AsyncCopy ||
                         (request.loads == LoadsChoice::Auto && !wgmma)
                     ? DecodeLoads::AsyncCopy
                     : DecodeLoads::Tma;
  tiling.prefillProducer = request.prefillProducer;
  tiling.prefillMma = request.prefillMma;
  // The prefill's: the cost model's unless asked for.
  if (request.prefillLoads != LoadsChoice::Auto)
    tiling.prefillLoads = request.prefillLoads == LoadsChoice::Tma
                              ? DecodeLoads::Tma
                              : DecodeLoads::AsyncCopy;
  StringRef tuningFile = request.tuningFile;
  if (!tuningFile.empty()) {
    FailureOr<TuningTable> table = TuningTable::load(tuningFile, root);
    if (failed(table))
      return failure();
    if (table->target() != target.name)
      return root->emitError()
             << "tuning file '" << tuningFile << "' is for target '"
             << table->target() << "', not '" << target.name << "'";
    tiling.tuned = std::move(*table);
  }
  RewritePatternSet patterns(root->getContext());
  patterns.add<Pattern>(root->getContext(), tiling);
  return applyPatternsGreedily(root, std::move(patterns));
}

/// Each specialised count is a decode kernel of its own (compile time, code
/// size): a few cover decode and speculative tokens.
constexpr int64_t kMaxSpecializedCounts = 16;

struct MLAFuseDecodePass
    : public mla::impl::MLAFuseDecodeBase<MLAFuseDecodePass> {
  using MLAFuseDecodeBase::MLAFuseDecodeBase;
  void runOnOperation() override {
    if (splits > DecodeTilingAttr::kMaxSplits) {
      getOperation()->emitError()
          << "mla-fuse-decode: splits must be at most "
          << DecodeTilingAttr::kMaxSplits << ", found "
          << static_cast<int64_t>(splits);
      return signalPassFailure();
    }
    if (specializeCounts < 0 ||
        specializeCounts > kMaxSpecializedCounts) {
      getOperation()->emitError()
          << "mla-fuse-decode: specialize-counts must be in [0, "
          << kMaxSpecializedCounts << "], found "
          << static_cast<int64_t>(specializeCounts);
      return signalPassFailure();
    }
    FusionRequest request;
    request.assumedCacheLength = assumedCacheLength;
    request.override = splits;
    request.tuningFile = tuningFile;
    request.mma = mma;
    request.schedule = schedule;
    request.loads = loads;
    request.specializeCounts = specializeCounts;
    if (failed(runFusion<FuseAbsorbedDecode>(getOperation(), request)))
      signalPassFailure();
  }
};

struct MLAFusePrefillPass
    : public mla::impl::MLAFusePrefillBase<MLAFusePrefillPass> {
  using MLAFusePrefillBase::MLAFusePrefillBase;
  void runOnOperation() override {
    if (prefixChunk > PrefillTilingAttr::kMaxPrefixChunk) {
      getOperation()->emitError()
          << "mla-fuse-prefill: prefix-chunk must be at most "
          << PrefillTilingAttr::kMaxPrefixChunk << ", found "
          << static_cast<int64_t>(prefixChunk);
      return signalPassFailure();
    }
    if (blockKeys != 0 && blockKeys != 64 && blockKeys != 128) {
      getOperation()->emitError()
          << "mla-fuse-prefill: block-keys must be 64 or 128 (0: the cost "
             "model's choice), found "
          << static_cast<int64_t>(blockKeys);
      return signalPassFailure();
    }
    FusionRequest request;
    request.assumedCacheLength = assumedCacheLength;
    request.override = prefixChunk;
    request.prefillBlockKeys = blockKeys;
    request.tuningFile = tuningFile;
    request.prefillLoads = loads;
    request.prefillProducer = producer;
    request.prefillMma = mma;
    if (mma == MmaChoice::Sync &&
        (loads == LoadsChoice::Tma || producer == ProducerChoice::On)) {
      getOperation()->emitError()
          << "mla-fuse-prefill: mma=sync takes cp.async loads, not "
          << (loads == LoadsChoice::Tma ? "loads=tma" : "producer=true");
      return signalPassFailure();
    }
    if (producer == ProducerChoice::On && loads == LoadsChoice::AsyncCopy) {
      getOperation()->emitError()
          << "mla-fuse-prefill: producer=true takes TMA loads, not "
             "loads=async_copy";
      return signalPassFailure();
    }
    if (failed(runFusion<FuseDecompressedPrefill>(getOperation(), request)))
      signalPassFailure();
  }
};

} // namespace
