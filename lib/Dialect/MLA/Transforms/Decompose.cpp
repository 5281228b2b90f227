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

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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

/// The sizes of one block's intermediate values.
struct BlockSizes {
  int64_t batch, tokens, positions;
  int64_t heads, latent, nope, rope, value;
  Type elementType;

  RankedTensorType tensor(ArrayRef<int64_t> shape) const {
    return RankedTensorType::get(shape, elementType);
  }
};

/// The attention of `sizes.batch` requests with `sizes.tokens` new tokens
/// each, from their projected queries and compressed latents:
///
///   cache'        = cache.append(c_kv, k_pe) at seq_lens - S ..
///   c_all, kpe_all = cache.gather(cache')
///   k_nope = decompress key(c_all, W_UK)     v = decompress value(c_all, W_UV)
///   o   = decompressed_attention(q_nope, q_pe, k_nope, kpe_all, v) causal
///
/// Returns (o, cache').
std::pair<Value, Value> buildAttention(OpBuilder &rewriter, Location loc,
                                       AttentionBlockOp op,
                                       const BlockSizes &sizes, Value qNope,
                                       Value qPe, Value cKv, Value kPe,
                                       Value cache, Value table, Value lens) {
  ConfigAttr config = op.getConfig();
  // The latent of the new tokens goes into the cache before attention: the
  // new tokens attend to themselves and to each other (causally).
  Value newCache = CacheAppendOp::create(rewriter, loc, cache.getType(), cKv,
                                         kPe, cache, table, lens, config);
  // Decompressed form: every cached token is up-projected per head.
  int64_t batch = sizes.batch, positions = sizes.positions;
  auto gathered = CacheGatherOp::create(
      rewriter, loc, sizes.tensor({batch, positions, sizes.latent}),
      sizes.tensor({batch, positions, sizes.rope}), newCache, table, lens,
      config);
  Value kNope = DecompressOp::create(
      rewriter, loc, sizes.tensor({batch, positions, sizes.heads, sizes.nope}),
      Projection::Key, gathered.getCKv(), op.getWUk(), config);
  Value v = DecompressOp::create(
      rewriter, loc, sizes.tensor({batch, positions, sizes.heads, sizes.value}),
      Projection::Value, gathered.getCKv(), op.getWUv(), config);
  auto attention = DecompressedAttentionOp::create(
      rewriter, loc,
      sizes.tensor({batch, sizes.tokens, sizes.heads, sizes.value}), qNope, qPe,
      kNope, gathered.getKPe(), v, lens, /*causal=*/true, config);
  if (std::optional<Phase> phase = op.getPhase())
    attention->setAttr(MLADialect::kPhaseAttrName,
                       PhaseAttr::get(rewriter.getContext(), *phase));
  return {attention.getResult(), newCache};
}

/// query_starts[index] as an index.
Value queryStart(OpBuilder &b, Location loc, Value starts, Value index) {
  Value start = tensor::ExtractOp::create(b, loc, starts, index);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), start);
}

/// `cf.assert(condition, message)`.
void check(OpBuilder &rewriter, Location loc, Value condition,
           const Twine &message) {
  cf::AssertOp::create(rewriter, loc, condition, message.str());
}

/// Rewrites one block into its definition:
///
///   q_nope, q_pe  = query_proj(h)            q_pe = rope(q_pe, pos)
///   c_kv, k_pe    = kv_compress(h)           k_pe = rope(k_pe, pos)
///   o, cache'     = the attention (buildAttention)
///   out = output_proj(o, W_O)
///
/// A varlen block (query_starts) runs the projections, RoPE and the output
/// projection on its X packed rows as one request of X tokens, and the
/// attention request by request in an scf.for over the batch: request b's
/// rows qs[b] .. qs[b + 1] (n_b of them, dynamic) are sliced out, append
/// to the cache through its block-table row and length, attend, and are
/// inserted back; a request without new tokens is skipped. Its attention
/// ops thus have one request and a dynamic token count, the form the
/// any-token-count pipeline already serves (both attention forms behind a
/// run-time test on n_b against the cost model's threshold).
struct DecomposeAttentionBlock : OpRewritePattern<AttentionBlockOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionBlockOp op,
                                PatternRewriter &rewriter) const override {
    ConfigAttr config = op.getConfig();
    Location loc = op.getLoc();
    auto hiddenType = cast<RankedTensorType>(op.getHidden().getType());
    auto tableType = cast<RankedTensorType>(op.getBlockTable().getType());
    auto cacheType = cast<RankedTensorType>(op.getCache().getType());
    bool varlen = op.isVarlen();

    BlockSizes sizes;
    sizes.elementType = hiddenType.getElementType();
    sizes.heads = config.getHeads();
    sizes.latent = config.getKvLoraRank();
    sizes.nope = config.getQkNopeDim();
    sizes.rope = config.getQkRopeDim();
    sizes.value = config.getVHeadDim();
    int64_t pagesPerRequest = tableType.getDimSize(1);
    int64_t pageSize = cacheType.getDimSize(1);
    sizes.positions = ShapedType::kDynamic;
    if (!ShapedType::isDynamic(pagesPerRequest) &&
        !ShapedType::isDynamic(pageSize))
      sizes.positions = pagesPerRequest * pageSize;
    // A varlen block's projections see one request of X tokens.
    sizes.batch =
        varlen ? 1
               : mergeDims(hiddenType.getDimSize(0), tableType.getDimSize(0));
    sizes.tokens = hiddenType.getDimSize(varlen ? 0 : 1);
    Value hidden = op.getHidden(), positions = op.getPositions();
    if (varlen) {
      hidden = tensor::ExpandShapeOp::create(
          rewriter, loc,
          sizes.tensor({1, sizes.tokens, hiddenType.getDimSize(1)}), hidden,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}});
      positions = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get(
              {1, sizes.tokens},
              cast<RankedTensorType>(positions.getType()).getElementType()),
          positions, ArrayRef<ReassociationIndices>{{0, 1}});
    }

    // Queries: projection (with the config's compression), then RoPE on the
    // rope part only; the nope part is what absorption later rewrites.
    int64_t batch = sizes.batch, tokens = sizes.tokens;
    auto queries = QueryProjOp::create(
        rewriter, loc, sizes.tensor({batch, tokens, sizes.heads, sizes.nope}),
        sizes.tensor({batch, tokens, sizes.heads, sizes.rope}), hidden,
        op.getWDq(), op.getQNorm(), op.getWUq(), config);
    Value qPe = RopeOp::create(rewriter, loc, queries.getQPe().getType(),
                               queries.getQPe(), positions, config);
    auto latents = KVCompressOp::create(
        rewriter, loc, sizes.tensor({batch, tokens, sizes.latent}),
        sizes.tensor({batch, tokens, sizes.rope}), hidden, op.getWDkv(),
        op.getKvNorm(), config);
    Value kPe = RopeOp::create(rewriter, loc, latents.getKPe().getType(),
                               latents.getKPe(), positions, config);

    Value attention, newCache;
    if (varlen) {
      std::tie(attention, newCache) = buildVarlenAttention(
          rewriter, op, sizes, queries.getQNope(), qPe, latents.getCKv(), kPe);
    } else {
      std::tie(attention, newCache) = buildAttention(
          rewriter, loc, op, sizes, queries.getQNope(), qPe, latents.getCKv(),
          kPe, op.getCache(), op.getBlockTable(), op.getSeqLens());
    }

    auto outputType = cast<RankedTensorType>(op.getOutput().getType());
    Value output;
    if (varlen) {
      auto projected = OutputProjOp::create(
          rewriter, loc, sizes.tensor({1, tokens, outputType.getDimSize(1)}),
          attention, op.getWO(), config);
      output = tensor::CollapseShapeOp::create(
          rewriter, loc, outputType, projected,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}});
    } else {
      output = OutputProjOp::create(rewriter, loc, outputType, attention,
                                    op.getWO(), config);
    }
    rewriter.replaceOp(op, {output, newCache});
    return success();
  }

  /// The varlen attention: (o [1, X, H, V], cache').
  static std::pair<Value, Value> buildVarlenAttention(PatternRewriter &rewriter,
                                                      AttentionBlockOp op,
                                                      BlockSizes sizes,
                                                      Value qNope, Value qPe,
                                                      Value cKv, Value kPe) {
    Location loc = op.getLoc();
    Value starts = op.getQueryStarts();
    Value lens = op.getSeqLens();
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value batch = tensor::DimOp::create(rewriter, loc, lens, 0);
    Value rows = tensor::DimOp::create(rewriter, loc, qNope, 1);
    auto startAt = [&](OpBuilder &b, Value index) {
      return queryStart(b, loc, starts, index);
    };
    auto cmp = [&](OpBuilder &b, arith::CmpIPredicate predicate, Value lhs,
                   Value rhs) -> Value {
      return arith::CmpIOp::create(b, loc, predicate, lhs, rhs);
    };

    // query_starts must cover the X rows exactly: B + 1 entries, 0 first,
    // X last, never decreasing (checked by the scan below).
    Value startsSize = tensor::DimOp::create(rewriter, loc, starts, 0);
    check(rewriter, loc,
          cmp(rewriter, arith::CmpIPredicate::eq, startsSize,
              arith::AddIOp::create(rewriter, loc, batch, one)),
          "mla.attention_block: query_starts must have batch + 1 entries");
    check(
        rewriter, loc,
        cmp(rewriter, arith::CmpIPredicate::eq, startAt(rewriter, zero), zero),
        "mla.attention_block: query_starts[0] must be 0");
    check(
        rewriter, loc,
        cmp(rewriter, arith::CmpIPredicate::eq, startAt(rewriter, batch), rows),
        "mla.attention_block: query_starts[batch] must be the number of "
        "new tokens (rows of hidden)");

    // One pass over the starts checks every request's rows before any is
    // read (start >= 0 by induction from query_starts[0] = 0) and finds
    // whether all requests have the same count.
    Value firstCount = startAt(rewriter, one);
    auto scan = scf::ForOp::create(
        rewriter, loc, zero, batch, one,
        ValueRange{arith::ConstantIntOp::create(rewriter, loc, 1, 1)},
        [&](OpBuilder &b, Location loc, Value index, ValueRange carried) {
          Value start = startAt(b, index);
          Value end =
              startAt(b, arith::AddIOp::create(b, loc, index, one).getResult());
          check(b, loc, cmp(b, arith::CmpIPredicate::sle, start, end),
                "mla.attention_block: query_starts must not decrease");
          check(b, loc, cmp(b, arith::CmpIPredicate::sle, end, rows),
                "mla.attention_block: query_starts must not pass the number "
                "of new tokens (rows of hidden)");
          Value same =
              cmp(b, arith::CmpIPredicate::eq,
                  arith::SubIOp::create(b, loc, end, start), firstCount);
          scf::YieldOp::create(
              b, loc,
              ValueRange{
                  arith::AndIOp::create(b, loc, carried[0], same).getResult()});
        });

    // Every request with the same count n (a decode step, a batch of equal
    // prompts): the rows are [B, n] and the batched attention serves them
    // (one launch per kernel for all requests). Otherwise one request at a
    // time.
    auto uniform = scf::IfOp::create(
        rewriter, loc, scan.getResult(0),
        [&](OpBuilder &b, Location loc) {
          scf::YieldOp::create(b, loc,
                               buildUniform(b, op, sizes, batch, firstCount,
                                            qNope, qPe, cKv, kPe));
        },
        [&](OpBuilder &b, Location loc) {
          scf::YieldOp::create(
              b, loc,
              buildPerRequest(b, op, sizes, batch, rows, qNope, qPe, cKv, kPe));
        });
    return {uniform.getResult(1), uniform.getResult(0)};
  }

  /// The batched attention of requests with `count` rows each: the packed
  /// rows reshaped to [B, count]; returns (cache', o [1, X, H, V]).
  static SmallVector<Value> buildUniform(OpBuilder &builder,
                                         AttentionBlockOp op, BlockSizes sizes,
                                         Value batch, Value count, Value qNope,
                                         Value qPe, Value cKv, Value kPe) {
    Location loc = op.getLoc();
    int64_t dynamic = ShapedType::kDynamic;
    auto tableType = cast<RankedTensorType>(op.getBlockTable().getType());
    BlockSizes batched = sizes;
    batched.batch = tableType.getDimSize(0);
    batched.tokens = dynamic;
    // [1, X, ...] -> [X, ...] -> [B, n, ...].
    auto split = [&](Value packed) -> Value {
      auto type = cast<RankedTensorType>(packed.getType());
      SmallVector<ReassociationIndices> merge = {{0, 1}};
      SmallVector<ReassociationIndices> expand = {{0, 1}};
      SmallVector<int64_t> rowsShape = {type.getDimSize(1)};
      SmallVector<int64_t> shape = {batched.batch, dynamic};
      SmallVector<OpFoldResult> outputShape = {
          tableType.isDynamicDim(0) ? OpFoldResult(batch)
                                    : builder.getIndexAttr(batched.batch),
          count};
      for (int64_t d = 2; d < type.getRank(); ++d) {
        merge.push_back({d});
        expand.push_back({d});
        rowsShape.push_back(type.getDimSize(d));
        shape.push_back(type.getDimSize(d));
        outputShape.push_back(builder.getIndexAttr(type.getDimSize(d)));
      }
      Value rowsOnly = tensor::CollapseShapeOp::create(
          builder, loc, RankedTensorType::get(rowsShape, type.getElementType()),
          packed, merge);
      // expand_shape splits a dynamic dim only (n is known at run time).
      if (rowsShape[0] != dynamic) {
        rowsShape[0] = dynamic;
        rowsOnly = tensor::CastOp::create(
            builder, loc,
            RankedTensorType::get(rowsShape, type.getElementType()), rowsOnly);
      }
      return tensor::ExpandShapeOp::create(
          builder, loc, RankedTensorType::get(shape, type.getElementType()),
          rowsOnly, expand, outputShape);
    };
    auto [o, cache] = buildAttention(
        builder, loc, op, batched, split(qNope), split(qPe), split(cKv),
        split(kPe), op.getCache(), op.getBlockTable(), op.getSeqLens());
    // [B, n, H, V] -> [1, B·n, H, V], cast to the packed type.
    int64_t heads = sizes.heads;
    Value merged = tensor::CollapseShapeOp::create(
        builder, loc, sizes.tensor({dynamic, heads, sizes.value}), o,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    Value packed = tensor::ExpandShapeOp::create(
        builder, loc, sizes.tensor({1, dynamic, heads, sizes.value}), merged,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}},
        ArrayRef<OpFoldResult>{
            builder.getIndexAttr(1),
            tensor::DimOp::create(builder, loc, merged, 0).getResult(),
            builder.getIndexAttr(heads), builder.getIndexAttr(sizes.value)});
    auto packedType = sizes.tensor({1, sizes.tokens, heads, sizes.value});
    if (packed.getType() != packedType)
      packed = tensor::CastOp::create(builder, loc, packedType, packed);
    return {cache, packed};
  }

  /// The attention one request at a time (an scf.for over the batch; a
  /// request without new tokens skipped); returns (cache', o [1, X, H, V]).
  static SmallVector<Value> buildPerRequest(OpBuilder &builder,
                                            AttentionBlockOp op,
                                            BlockSizes sizes, Value batch,
                                            Value rows, Value qNope, Value qPe,
                                            Value cKv, Value kPe) {
    Location loc = op.getLoc();
    Value starts = op.getQueryStarts();
    Value table = op.getBlockTable(), lens = op.getSeqLens();
    Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
    Value one = arith::ConstantIndexOp::create(builder, loc, 1);
    auto startAt = [&](OpBuilder &b, Value index) {
      return queryStart(b, loc, starts, index);
    };
    int64_t dynamic = ShapedType::kDynamic;
    int64_t heads = sizes.heads;
    auto oType = sizes.tensor({1, sizes.tokens, heads, sizes.value});
    SmallVector<Value> oSizes;
    if (oType.isDynamicDim(1))
      oSizes.push_back(rows);
    Value outputInit = tensor::EmptyOp::create(builder, loc, oType, oSizes);

    BlockSizes request = sizes;
    request.batch = 1;
    request.tokens = dynamic;
    auto tableType = cast<RankedTensorType>(table.getType());
    auto loop = scf::ForOp::create(
        builder, loc, zero, batch, one, ValueRange{op.getCache(), outputInit},
        [&](OpBuilder &b, Location loc, Value index, ValueRange carried) {
          Value start = startAt(b, index);
          Value end =
              startAt(b, arith::AddIOp::create(b, loc, index, one).getResult());
          Value count = arith::SubIOp::create(b, loc, end, start);
          Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                            count, zero);
          auto body = scf::IfOp::create(
              b, loc, any,
              [&](OpBuilder &b, Location loc) {
                auto rowsOf = [&](Value packed) -> Value {
                  auto type = cast<RankedTensorType>(packed.getType());
                  SmallVector<OpFoldResult> offsets(type.getRank(),
                                                    b.getIndexAttr(0));
                  SmallVector<OpFoldResult> extents;
                  for (int64_t d = 0; d < type.getRank(); ++d)
                    extents.push_back(b.getIndexAttr(type.getDimSize(d)));
                  offsets[1] = start;
                  extents[1] = count;
                  SmallVector<OpFoldResult> strides(type.getRank(),
                                                    b.getIndexAttr(1));
                  SmallVector<int64_t> shape(type.getShape());
                  shape[1] = dynamic;
                  return tensor::ExtractSliceOp::create(
                      b, loc,
                      RankedTensorType::get(shape, type.getElementType()),
                      packed, offsets, extents, strides);
                };
                // Request b's block-table row and length.
                SmallVector<OpFoldResult> rowOffsets = {index,
                                                        b.getIndexAttr(0)};
                SmallVector<OpFoldResult> rowSizes = {b.getIndexAttr(1)};
                if (tableType.isDynamicDim(1))
                  rowSizes.push_back(
                      tensor::DimOp::create(b, loc, table, 1).getResult());
                else
                  rowSizes.push_back(b.getIndexAttr(tableType.getDimSize(1)));
                Value tableRow = tensor::ExtractSliceOp::create(
                    b, loc,
                    RankedTensorType::get({1, tableType.getDimSize(1)},
                                          tableType.getElementType()),
                    table, rowOffsets, rowSizes,
                    SmallVector<OpFoldResult>(2, b.getIndexAttr(1)));
                auto lensType = cast<RankedTensorType>(lens.getType());
                Value length = tensor::ExtractSliceOp::create(
                    b, loc,
                    RankedTensorType::get({1}, lensType.getElementType()), lens,
                    ArrayRef<OpFoldResult>{index},
                    ArrayRef<OpFoldResult>{b.getIndexAttr(1)},
                    ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
                auto [o, cache] = buildAttention(
                    b, loc, op, request, rowsOf(qNope), rowsOf(qPe),
                    rowsOf(cKv), rowsOf(kPe), carried[0], tableRow, length);
                SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
                offsets[1] = start;
                SmallVector<OpFoldResult> extents = {
                    b.getIndexAttr(1), count, b.getIndexAttr(heads),
                    b.getIndexAttr(sizes.value)};
                Value inserted = tensor::InsertSliceOp::create(
                    b, loc, o, carried[1], offsets, extents,
                    SmallVector<OpFoldResult>(4, b.getIndexAttr(1)));
                scf::YieldOp::create(b, loc, ValueRange{cache, inserted});
              },
              [&](OpBuilder &b, Location loc) {
                scf::YieldOp::create(b, loc, carried);
              });
          scf::YieldOp::create(b, loc, body.getResults());
        });
    return loop.getResults();
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
