//===- FoldWeights.cpp - Fold weight pairs where it pays --------*- C++ -*-===//
//
// Implements `mla-fold-weights`: the absorbed form's query side
// (q_nope · W_UKᵀ after the W_UQ projection) and output side (o_lat · W_UV
// before W_O) can each use one folded matrix. The cost model decides per op;
// the folded projection keeps its op and gets a config whose head dim is the
// latent's.
//
//===----------------------------------------------------------------------===//

#include "mla/Analysis/CostModel.h"
#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLA/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLAFOLDWEIGHTS
#include "mla/Dialect/MLA/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-fold-weights"

using namespace mlir;
using namespace mlir::mla;

namespace {

/// `config` with other per-head dims and the softmax scale pinned to its
/// effective value (the folded op's head dim no longer derives it).
ConfigAttr withHeadDims(ConfigAttr config, int64_t nope, int64_t value) {
  return ConfigAttr::get(config.getContext(), config.getHeads(),
                         config.getHidden(), config.getQLoraRank(),
                         config.getKvLoraRank(), nope, config.getQkRopeDim(),
                         value, config.getRopeTheta(), config.getRopeStyle(),
                         config.getRmsEps(), config.getYarn(),
                         APFloat(config.getEffectiveSoftmaxScale()));
}

/// Tokens per call and bytes per element of an op's [B, S, ...] operand.
std::pair<int64_t, int64_t> tokensAndBytes(Value activations) {
  auto type = cast<RankedTensorType>(activations.getType());
  int64_t tokens = 1;
  for (int64_t d = 0; d < 2; ++d)
    if (!type.isDynamicDim(d))
      tokens *= type.getDimSize(d);
  return {tokens, std::max<int64_t>(1, type.getElementTypeBitWidth() / 8)};
}

struct FoldContext {
  TargetDescription target;
  bool force;
  int64_t &folded;
};

/// query_to_latent(query_proj(h, .., W_UQ).q_nope, W_UK)
///   → query_proj(h, .., fold_query_weights(W_UQ, W_UK)).q_nope
/// since c · W_UQ_nope,i · W_UK,iᵀ = c · (W_UQ_nope,i · W_UK,iᵀ).
struct FoldQueryWeights : OpRewritePattern<QueryToLatentOp> {
  FoldQueryWeights(MLIRContext *context, FoldContext &fold)
      : OpRewritePattern(context), fold(fold) {}

  LogicalResult matchAndRewrite(QueryToLatentOp op,
                                PatternRewriter &rewriter) const override {
    auto projection = op.getQNope().getDefiningOp<QueryProjOp>();
    if (!projection || !projection.getQNope().hasOneUse())
      return rewriter.notifyMatchFailure(op, "q_nope is not a single-use "
                                             "query_proj result");
    ConfigAttr config = op.getConfig();
    auto [tokens, bytes] = tokensAndBytes(projection.getHidden());
    if (!fold.force &&
        !estimateQueryFold(config, tokens, bytes, fold.target).pays())
      return rewriter.notifyMatchFailure(op, "the fold does not pay");

    // The folded projection replaces the old one where it stands: its q_pe
    // feeds ops that come before the query_to_latent.
    rewriter.setInsertionPoint(projection);
    auto upType = cast<RankedTensorType>(projection.getWUq().getType());
    int64_t latent = config.getKvLoraRank();
    auto foldedType = RankedTensorType::get(
        {upType.getDimSize(0),
         config.getHeads() * (latent + config.getQkRopeDim())},
        upType.getElementType());
    Value weight =
        FoldQueryWeightsOp::create(rewriter, op.getLoc(), foldedType,
                                   projection.getWUq(), op.getWUk(), config);
    auto folded = QueryProjOp::create(
        rewriter, projection.getLoc(), op.getType(),
        projection.getQPe().getType(), projection.getHidden(),
        projection.getWDq(), projection.getQNorm(), weight,
        withHeadDims(config, latent, config.getVHeadDim()));
    rewriter.replaceAllUsesWith(projection.getQPe(), folded.getQPe());
    rewriter.replaceOp(op, folded.getQNope());
    rewriter.eraseOp(projection);
    ++fold.folded;
    return success();
  }

  FoldContext &fold;
};

/// output_proj(latent_to_value(o_lat, W_UV), W_O)
///   → output_proj(o_lat, fold_output_weights(W_UV, W_O))
/// since Σ_i (o_lat,i · W_UV,i) · W_O,i = Σ_i o_lat,i · (W_UV,i · W_O,i).
struct FoldOutputWeights : OpRewritePattern<OutputProjOp> {
  FoldOutputWeights(MLIRContext *context, FoldContext &fold)
      : OpRewritePattern(context), fold(fold) {}

  LogicalResult matchAndRewrite(OutputProjOp op,
                                PatternRewriter &rewriter) const override {
    auto value = op.getInput().getDefiningOp<LatentToValueOp>();
    if (!value || !value->hasOneUse())
      return rewriter.notifyMatchFailure(op, "the input is not a single-use "
                                             "latent_to_value");
    ConfigAttr config = op.getConfig();
    auto [tokens, bytes] = tokensAndBytes(op.getInput());
    if (!fold.force &&
        !estimateOutputFold(config, tokens, bytes, fold.target).pays())
      return rewriter.notifyMatchFailure(op, "the fold does not pay");

    auto outType = cast<RankedTensorType>(op.getWO().getType());
    int64_t latent = config.getKvLoraRank();
    auto foldedType = RankedTensorType::get(
        {config.getHeads() * latent, outType.getDimSize(1)},
        outType.getElementType());
    Value weight = FoldOutputWeightsOp::create(
        rewriter, op.getLoc(), foldedType, value.getWUv(), op.getWO(), config);
    rewriter.replaceOpWithNewOp<OutputProjOp>(
        op, op.getType(), value.getOLat(), weight,
        withHeadDims(config, config.getQkNopeDim(), latent));
    rewriter.eraseOp(value);
    ++fold.folded;
    return success();
  }

  FoldContext &fold;
};

struct MLAFoldWeightsPass
    : public mla::impl::MLAFoldWeightsBase<MLAFoldWeightsPass> {
  using MLAFoldWeightsBase::MLAFoldWeightsBase;

  void runOnOperation() override {
    TargetDescription target = getTarget(getOperation());
    int64_t folded = 0;
    FoldContext context{target, force, folded};
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldQueryWeights, FoldOutputWeights>(&getContext(), context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    numFolded += folded;
  }
};

} // namespace
