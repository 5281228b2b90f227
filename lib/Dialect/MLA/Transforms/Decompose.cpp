//===- Decompose.cpp - mla.attention_block to primitives --------*- C++ -*-===//
//
// Implements `mla-decompose`: each mla.attention_block becomes the sequence of
// primitives that defines it, in the decompressed form (DESIGN §1). The result
// types of the intermediate values are derived from the block's operand types;
// sizes unknown there stay dynamic.
//
//===----------------------------------------------------------------------===//

#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLA/Transforms/Passes.h"
#include "mla/Dialect/MLA/Transforms/Transforms.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLADECOMPOSE
#include "mla/Dialect/MLA/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-decompose"

using namespace mlir;
using namespace mlir::mla;

namespace {

/// The size of a dimension seen in two places: static if either is.
int64_t mergeDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) ? b : a;
}

/// Rewrites one block into its definition:
///
///   q_nope, q_pe  = query_proj(h)            q_pe = rope(q_pe, pos)
///   c_kv, k_pe    = kv_compress(h)           k_pe = rope(k_pe, pos)
///   cache'        = cache.append(c_kv, k_pe) at seq_lens - S ..
///   c_all, kpe_all = cache.gather(cache')
///   k_nope = decompress key(c_all, W_UK)     v = decompress value(c_all, W_UV)
///   o   = decompressed_attention(q_nope, q_pe, k_nope, kpe_all, v) causal
///   out = output_proj(o, W_O)
struct DecomposeAttentionBlock : OpRewritePattern<AttentionBlockOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionBlockOp op,
                                PatternRewriter &rewriter) const override {
    ConfigAttr config = op.getConfig();
    Location loc = op.getLoc();
    auto hiddenType = cast<RankedTensorType>(op.getHidden().getType());
    auto tableType = cast<RankedTensorType>(op.getBlockTable().getType());
    auto cacheType = cast<RankedTensorType>(op.getCache().getType());
    Type elementType = hiddenType.getElementType();

    int64_t batch =
        mergeDims(hiddenType.getDimSize(0), tableType.getDimSize(0));
    int64_t tokens = hiddenType.getDimSize(1);
    int64_t pagesPerRequest = tableType.getDimSize(1);
    int64_t pageSize = cacheType.getDimSize(1);
    int64_t positions = ShapedType::kDynamic;
    if (!ShapedType::isDynamic(pagesPerRequest) &&
        !ShapedType::isDynamic(pageSize))
      positions = pagesPerRequest * pageSize;

    int64_t heads = config.getHeads();
    int64_t latent = config.getKvLoraRank();
    int64_t nope = config.getQkNopeDim();
    int64_t rope = config.getQkRopeDim();
    int64_t value = config.getVHeadDim();
    auto tensor = [&](ArrayRef<int64_t> shape) {
      return RankedTensorType::get(shape, elementType);
    };

    // Queries: projection (with the config's compression), then RoPE on the
    // rope part only; the nope part is what absorption later rewrites.
    auto queries = QueryProjOp::create(
        rewriter, loc, tensor({batch, tokens, heads, nope}),
        tensor({batch, tokens, heads, rope}), op.getHidden(), op.getWDq(),
        op.getQNorm(), op.getWUq(), config);
    Value qPe = RopeOp::create(rewriter, loc, queries.getQPe().getType(),
                               queries.getQPe(), op.getPositions(), config);

    // The latent of the new tokens goes into the cache before attention: the
    // new tokens attend to themselves and to each other (causally).
    auto latents =
        KVCompressOp::create(rewriter, loc, tensor({batch, tokens, latent}),
                             tensor({batch, tokens, rope}), op.getHidden(),
                             op.getWDkv(), op.getKvNorm(), config);
    Value kPe = RopeOp::create(rewriter, loc, latents.getKPe().getType(),
                               latents.getKPe(), op.getPositions(), config);
    Value newCache = CacheAppendOp::create(
        rewriter, loc, cacheType, latents.getCKv(), kPe, op.getCache(),
        op.getBlockTable(), op.getSeqLens(), config);

    // Decompressed form: every cached token is up-projected per head.
    auto gathered =
        CacheGatherOp::create(rewriter, loc, tensor({batch, positions, latent}),
                              tensor({batch, positions, rope}), newCache,
                              op.getBlockTable(), op.getSeqLens(), config);
    Value kNope = DecompressOp::create(
        rewriter, loc, tensor({batch, positions, heads, nope}), Projection::Key,
        gathered.getCKv(), op.getWUk(), config);
    Value v = DecompressOp::create(
        rewriter, loc, tensor({batch, positions, heads, value}),
        Projection::Value, gathered.getCKv(), op.getWUv(), config);
    auto attention = DecompressedAttentionOp::create(
        rewriter, loc, tensor({batch, tokens, heads, value}),
        queries.getQNope(), qPe, kNope, gathered.getKPe(), v, op.getSeqLens(),
        /*causal=*/true, config);
    if (std::optional<Phase> phase = op.getPhase())
      attention->setAttr(MLADialect::kPhaseAttrName,
                         PhaseAttr::get(rewriter.getContext(), *phase));

    Value output =
        OutputProjOp::create(rewriter, loc, op.getOutput().getType(),
                             attention.getResult(), op.getWO(), config);
    rewriter.replaceOp(op, {output, newCache});
    return success();
  }
};

struct MLADecomposePass : public mla::impl::MLADecomposeBase<MLADecomposePass> {
  using MLADecomposeBase::MLADecomposeBase;

  void runOnOperation() override {
    // Count before rewriting: the pattern erases what it matches.
    getOperation()->walk([&](AttentionBlockOp) { ++numBlocksDecomposed; });
    RewritePatternSet patterns(&getContext());
    populateMLADecomposePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Contract with later passes: no whole block survives.
    WalkResult remaining = getOperation()->walk([](AttentionBlockOp block) {
      block.emitOpError("was not decomposed");
      return WalkResult::interrupt();
    });
    if (remaining.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void mlir::mla::populateMLADecomposePatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeAttentionBlock>(patterns.getContext());
}
