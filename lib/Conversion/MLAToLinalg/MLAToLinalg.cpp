//===- MLAToLinalg.cpp - mla to linalg on tensors ---------------*- C++ -*-===//
//
// Implements `convert-mla-to-linalg`, the reference semantics of every mla op:
//
//  - contractions (projections, decompression, absorption, scores, P·V) are
//    linalg.generic ops built from einsum-like specs ("bsd,dq->bsq");
//  - RMSNorm, RoPE, masking and softmax are elementwise maps and reductions;
//  - the paged cache is read through the block table inside a linalg.generic
//    (tensor.extract at computed indices) and written by an scf.forall of
//    tensor.parallel_insert_slice, with cf.assert runtime checks.
//
// Arithmetic is f32 whatever the element type: f16/bf16 operands are
// extended on entry and results truncated on exit, so bf16 inputs accumulate
// in f32. RoPE angles are computed in f64 (positions reach 10^5 and f32
// angles would lose ~1e-2 rad). Sizes may be dynamic; they are read with
// tensor.dim where needed.
//
//===----------------------------------------------------------------------===//

#include "mla/Conversion/MLAToLinalg/MLAToLinalg.h"

#include "Lowering.h"

#include "mla/Conversion/Passes.h"
#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLA/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/StringExtras.h"

#include <limits>

namespace mlir::mla {
#define GEN_PASS_DEF_CONVERTMLATOLINALG
#include "mla/Conversion/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "convert-mla-to-linalg"

using namespace mlir;
using namespace mlir::mla;
using namespace mlir::mla::reference;

namespace {

//===----------------------------------------------------------------------===//
// Op lowerings
//===----------------------------------------------------------------------===//

/// Base of the op lowerings: gives each an ImplicitLocOpBuilder and replaces
/// the op with what `lower` returns, converted to the op's result types.
template <typename OpTy> struct MLALowering : OpConversionPattern<OpTy> {
  using OpAdaptor = typename OpConversionPattern<OpTy>::OpAdaptor;

  MLALowering(MLIRContext *context, bool runtimeChecks)
      : OpConversionPattern<OpTy>(context), runtimeChecks(runtimeChecks) {}

  /// Whether cache accesses are checked with cf.assert (else clamped).
  bool runtimeChecks;

  virtual SmallVector<Value> lower(ImplicitLocOpBuilder &b, OpTy op,
                                   OpAdaptor adaptor) const = 0;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    SmallVector<Value> results = lower(b, op, adaptor);
    for (auto [result, type] : llvm::zip(results, op->getResultTypes()))
      result = finish(b, result, type);
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct RMSNormLowering : MLALowering<RMSNormOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, RMSNormOp op,
                           OpAdaptor adaptor) const override {
    return {emitRMSNorm(b, toF32(b, adaptor.getInput()),
                        toF32(b, adaptor.getWeight()),
                        op.getEpsilon().convertToDouble())};
  }
};

struct RopeLowering : MLALowering<RopeOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, RopeOp op,
                           OpAdaptor adaptor) const override {
    return {emitRope(b, toF32(b, adaptor.getInput()), adaptor.getPositions(),
                     op.getConfig())};
  }
};

/// c = h (or RMSNorm(h · W_DQ)); q = c · W_UQ split per head into the N nope
/// and R rope columns: W_UQ [C, H·(N+R)] is viewed as [C, H, N+R].
struct QueryProjLowering : MLALowering<QueryProjOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, QueryProjOp op,
                           OpAdaptor adaptor) const override {
    ConfigAttr config = op.getConfig();
    Value c = toF32(b, adaptor.getHidden());
    if (config.hasQueryCompression()) {
      c = einsum(b, "bsd,dq->bsq", c, toF32(b, adaptor.getWDq()));
      c = emitRMSNorm(b, c, toF32(b, adaptor.getQNorm()),
                      config.getRmsEpsValue());
    }
    Value up = expandDim(b, toF32(b, adaptor.getWUq()), 1,
                         {config.getHeads(), config.getQkHeadDim()});
    Value upNope = sliceLastDim(b, up, 0, config.getQkNopeDim());
    Value upRope =
        sliceLastDim(b, up, config.getQkNopeDim(), config.getQkRopeDim());
    return {einsum(b, "bsc,chn->bshn", c, upNope),
            einsum(b, "bsc,chr->bshr", c, upRope)};
  }
};

/// [c_KV | k_pe] = h · W_DKV; c_KV = RMSNorm(c_KV).
struct KVCompressLowering : MLALowering<KVCompressOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, KVCompressOp op,
                           OpAdaptor adaptor) const override {
    ConfigAttr config = op.getConfig();
    Value h = toF32(b, adaptor.getHidden());
    Value down = toF32(b, adaptor.getWDkv());
    Value latent = einsum(b, "bsd,dl->bsl", h,
                          sliceLastDim(b, down, 0, config.getKvLoraRank()));
    Value rope = einsum(
        b, "bsd,dr->bsr", h,
        sliceLastDim(b, down, config.getKvLoraRank(), config.getQkRopeDim()));
    return {emitRMSNorm(b, latent, toF32(b, adaptor.getKvNorm()),
                        config.getRmsEpsValue()),
            rope};
  }
};

/// out = Σ_{h,v} o[b,s,h,v] · W_O[h·V + v, d], W_O viewed as [H, V, D].
struct OutputProjLowering : MLALowering<OutputProjOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, OutputProjOp op,
                           OpAdaptor adaptor) const override {
    ConfigAttr config = op.getConfig();
    Value weight = expandDim(b, toF32(b, adaptor.getWO()), 0,
                             {config.getHeads(), config.getVHeadDim()});
    return {einsum(b, "bshv,hvd->bsd", toF32(b, adaptor.getInput()), weight)};
  }
};

struct CacheAppendLowering : MLALowering<CacheAppendOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, CacheAppendOp op,
                           OpAdaptor adaptor) const override {
    return {emitAppend(b, adaptor.getCKv(), adaptor.getKPe(),
                       adaptor.getCache(), adaptor.getBlockTable(),
                       adaptor.getSeqLens(), op.getConfig().getKvLoraRank(),
                       op.getConfig().getQkRopeDim(), runtimeChecks)};
  }
};

struct CacheGatherLowering : MLALowering<CacheGatherOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, CacheGatherOp op,
                           OpAdaptor adaptor) const override {
    GatheredCache rows =
        emitGatheredCache(b, adaptor.getCache(), adaptor.getBlockTable(),
                          adaptor.getSeqLens(), op.getConfig(), runtimeChecks);
    return {rows.latent, rows.ropeKeys};
  }
};

struct DecompressLowering : MLALowering<DecompressOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, DecompressOp op,
                           OpAdaptor adaptor) const override {
    return {einsum(b, "btl,hln->bthn", toF32(b, adaptor.getCKv()),
                   toF32(b, adaptor.getWeight()))};
  }
};

struct QueryToLatentLowering : MLALowering<QueryToLatentOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, QueryToLatentOp op,
                           OpAdaptor adaptor) const override {
    return {einsum(b, "bshn,hln->bshl", toF32(b, adaptor.getQNope()),
                   toF32(b, adaptor.getWUk()))};
  }
};

struct LatentToValueLowering : MLALowering<LatentToValueOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, LatentToValueOp op,
                           OpAdaptor adaptor) const override {
    return {einsum(b, "bshl,hlv->bshv", toF32(b, adaptor.getOLat()),
                   toF32(b, adaptor.getWUv()))};
  }
};

/// [C, H·(N+R)] and W_UK [H, L, N] → [C, H·(L+R)]: per head the nope
/// columns times W_UKᵀ, then the rope columns unchanged.
struct FoldQueryWeightsLowering : MLALowering<FoldQueryWeightsOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, FoldQueryWeightsOp op,
                           OpAdaptor adaptor) const override {
    ConfigAttr config = op.getConfig();
    int64_t heads = config.getHeads(), latent = config.getKvLoraRank(),
            rope = config.getQkRopeDim();
    Value up = expandDim(b, toF32(b, adaptor.getWUq()), 1,
                         {heads, config.getQkHeadDim()});
    Value folded =
        einsum(b, "chn,hln->chl", sliceLastDim(b, up, 0, config.getQkNopeDim()),
               toF32(b, adaptor.getWUk()));
    Value ropeColumns = sliceLastDim(b, up, config.getQkNopeDim(), rope);
    SmallVector<OpFoldResult> sizes = sizesOf(b, folded);
    sizes.back() = b.getIndexAttr(latent + rope);
    Value joined = tensor::EmptyOp::create(b, sizes, b.getF32Type());
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    auto place = [&](Value part, int64_t offset) {
      SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                           b.getIndexAttr(offset)};
      joined = tensor::InsertSliceOp::create(b, part, joined, offsets,
                                             sizesOf(b, part), strides);
    };
    place(folded, 0);
    place(ropeColumns, latent);
    return {tensor::CollapseShapeOp::create(
        b, joined, SmallVector<ReassociationIndices>{{0}, {1, 2}})};
  }
};

/// W_UV [H, L, V] and W_O [H·V, D] → [H·L, D].
struct FoldOutputWeightsLowering : MLALowering<FoldOutputWeightsOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, FoldOutputWeightsOp op,
                           OpAdaptor adaptor) const override {
    ConfigAttr config = op.getConfig();
    Value out = expandDim(b, toF32(b, adaptor.getWO()), 0,
                          {config.getHeads(), config.getVHeadDim()});
    Value folded = einsum(b, "hlv,hvd->hld", toF32(b, adaptor.getWUv()), out);
    return {tensor::CollapseShapeOp::create(
        b, folded, SmallVector<ReassociationIndices>{{0, 1}, {2}})};
  }
};

/// scores = q_nope · k_nopeᵀ + q_pe · k_peᵀ per head; P = masked softmax;
/// o = P · V (masked keys contribute nothing, whatever V holds there).
struct DecompressedAttentionLowering : MLALowering<DecompressedAttentionOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, DecompressedAttentionOp op,
                           OpAdaptor adaptor) const override {
    Value scores =
        emitScores(b, "bshn,bthn->bsht", toF32(b, adaptor.getQNope()),
                   toF32(b, adaptor.getKNope()), toF32(b, adaptor.getQPe()),
                   toF32(b, adaptor.getKPe()));
    Value probs =
        emitMaskedSoftmax(b, scores, adaptor.getKvLens(), op.getCausal(),
                          op.getConfig().getEffectiveSoftmaxScale());
    return {einsum(b, "bsht,bthv->bshv", probs, toF32(b, adaptor.getV()),
                   /*maskZeroLhs=*/true)};
  }
};

/// The same attention with one latent head read from the paged cache:
/// scores = q_lat · c_KVᵀ + q_pe · k_peᵀ, o_lat = P · c_KV.
struct LatentAttentionLowering : MLALowering<LatentAttentionOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, LatentAttentionOp op,
                           OpAdaptor adaptor) const override {
    ConfigAttr config = op.getConfig();
    GatheredCache rows =
        emitGatheredCache(b, adaptor.getCache(), adaptor.getBlockTable(),
                          adaptor.getKvLens(), config, runtimeChecks);
    Value scores =
        emitScores(b, "bshl,btl->bsht", toF32(b, adaptor.getQLat()),
                   rows.latent, toF32(b, adaptor.getQPe()), rows.ropeKeys);
    Value probs =
        emitMaskedSoftmax(b, scores, adaptor.getKvLens(), op.getCausal(),
                          config.getEffectiveSoftmaxScale());
    return {einsum(b, "bsht,btl->bshl", probs, rows.latent)};
  }
};

/// The absorbed form in one piece, f32 throughout, the cached tokens of each
/// request cut into `splits` parts merged by log-sum-exp.
struct FusedDecodeLowering : MLALowering<FusedDecodeOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, FusedDecodeOp op,
                           OpAdaptor adaptor) const override {
    ConfigAttr config = op.getConfig();
    Value queryLatent =
        einsum(b, "bshn,hln->bshl", toF32(b, adaptor.getQNope()),
               toF32(b, adaptor.getWUk()));
    GatheredCache rows =
        emitGatheredCache(b, adaptor.getCache(), adaptor.getBlockTable(),
                          adaptor.getKvLens(), config, runtimeChecks);
    Value latent = rows.latent;
    Value scores = emitScores(b, "bshl,btl->bsht", queryLatent, latent,
                              toF32(b, adaptor.getQPe()), rows.ropeKeys);
    OpFoldResult splits = b.getIndexAttr(op.getTiling().getSplits());
    OpFoldResult chunk = ceilDivSizes(b, sizesOf(b, scores)[3], splits);
    Value latentOut =
        emitChunkedAttention(b, scores, adaptor.getKvLens(), op.getCausal(),
                             config.getEffectiveSoftmaxScale(), latent, splits,
                             chunk, "bshkc,bkcl->bshkl");
    return {einsum(b, "bshl,hlv->bshv", latentOut, toF32(b, adaptor.getWUv()))};
  }
};

/// The decompressed form in one piece, f32 throughout, the cached prefix cut
/// into chunks of `prefix_chunk` tokens merged by log-sum-exp. Varlen: the
/// same request by request.
struct FusedPrefillLowering : MLALowering<FusedPrefillOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, FusedPrefillOp op,
                           OpAdaptor adaptor) const override {
    if (op.isVarlen())
      return {lowerVarlen(b, op, adaptor)};
    return {lowerBatch(b, op, adaptor.getQNope(), adaptor.getQPe(),
                       adaptor.getWUk(), adaptor.getWUv(), adaptor.getCache(),
                       adaptor.getBlockTable(), adaptor.getKvLens())};
  }

  /// The attention of a batch of queries [B, S, H, ·]: [B, S, H, V] in f32.
  Value lowerBatch(ImplicitLocOpBuilder &b, FusedPrefillOp op, Value queryNope,
                   Value queryRope, Value keyWeight, Value valueWeight,
                   Value cache, Value blockTable, Value lengths) const {
    ConfigAttr config = op.getConfig();
    GatheredCache rows =
        emitGatheredCache(b, cache, blockTable, lengths, config, runtimeChecks);
    Value keys = einsum(b, "btl,hln->bthn", rows.latent, toF32(b, keyWeight));
    Value values =
        einsum(b, "btl,hlv->bthv", rows.latent, toF32(b, valueWeight));
    Value scores = emitScores(b, "bshn,bthn->bsht", toF32(b, queryNope), keys,
                              toF32(b, queryRope), rows.ropeKeys);
    // A chunk longer than the keys is one chunk of all of them (a tiling's
    // "never split", 2^30, would otherwise size the buffers).
    int64_t chunkSize = op.getTiling().getPrefixChunk();
    OpFoldResult keyCount = sizesOf(b, scores)[3];
    OpFoldResult chunk = b.getIndexAttr(chunkSize);
    if (std::optional<int64_t> known = getConstantIntValue(keyCount)) {
      chunk = b.getIndexAttr(std::max<int64_t>(std::min(chunkSize, *known), 1));
    } else {
      chunk = arith::MaxSIOp::create(
                  b,
                  arith::MinSIOp::create(b, constantIndex(b, chunkSize),
                                         indexOf(b, keyCount)),
                  constantIndex(b, 1))
                  .getResult();
    }
    OpFoldResult chunks = ceilDivSizes(b, keyCount, chunk);
    return emitChunkedAttention(b, scores, lengths, op.getCausal(),
                                config.getEffectiveSoftmaxScale(), values,
                                chunks, chunk, "bshkc,bkchv->bshkv");
  }
  /// Varlen: an scf.for over the requests; request b's rows qs[b] ..
  /// qs[b + 1] of the packed queries as a batch of one [1, n_b, H, ·] with
  /// its block-table row and length, inserted into the [X, H, V] result (a
  /// request without rows skipped). The starts are checked first (0 first,
  /// never decreasing, X last; each request's length at least its rows)
  /// with cf.assert where runtime checks are on; each request's rows are
  /// clamped into [0, X] either way.
  Value lowerVarlen(ImplicitLocOpBuilder &b, FusedPrefillOp op,
                    OpAdaptor adaptor) const {
    Value starts = adaptor.getQueryStarts();
    Value queryNope = adaptor.getQNope(), queryRope = adaptor.getQPe();
    Value table = adaptor.getBlockTable(), lengths = adaptor.getKvLens();
    Value zero = constantIndex(b, 0), one = constantIndex(b, 1);
    Value batch = tensor::DimOp::create(b, lengths, 0);
    Value rows = tensor::DimOp::create(b, queryNope, 0);
    int64_t heads = op.getConfig().getHeads();
    int64_t valueDim = op.getConfig().getVHeadDim();
    int64_t dynamic = ShapedType::kDynamic;
    auto cmp = [&](ImplicitLocOpBuilder &b, arith::CmpIPredicate predicate,
                   Value lhs, Value rhs) -> Value {
      return arith::CmpIOp::create(b, predicate, lhs, rhs);
    };
    Value output = filled(
        b,
        {OpFoldResult(rows), b.getIndexAttr(heads), b.getIndexAttr(valueDim)},
        constantF32(b, 0.0));
    auto loop = scf::ForOp::create(
        b, zero, batch, one, ValueRange{output},
        [&](OpBuilder &builder, Location loc, Value index, ValueRange carried) {
          ImplicitLocOpBuilder b(loc, builder);
          // The checks see the starts as given; the rows are then clamped
          // into [0, X] (what runs without runtime checks, as on the GPU).
          auto require = [&](Value ok, StringRef message) {
            if (runtimeChecks)
              cf::AssertOp::create(b, ok, message);
          };
          Value first = extractIndex(b, starts, index);
          Value next = arith::AddIOp::create(b, index, one);
          Value end = extractIndex(b, starts, next);
          Value last = arith::SubIOp::create(b, batch, one);
          require(arith::OrIOp::create(
                      b, cmp(b, arith::CmpIPredicate::sgt, index, zero),
                      cmp(b, arith::CmpIPredicate::eq, first, zero)),
                  "mla.fused_prefill: query_starts[0] must be 0");
          require(arith::AndIOp::create(
                      b, cmp(b, arith::CmpIPredicate::sle, first, end),
                      cmp(b, arith::CmpIPredicate::sle, end, rows)),
                  "mla.fused_prefill: query_starts must not decrease nor pass "
                  "the packed rows");
          require(arith::OrIOp::create(
                      b, cmp(b, arith::CmpIPredicate::slt, index, last),
                      cmp(b, arith::CmpIPredicate::eq, end, rows)),
                  "mla.fused_prefill: query_starts[batch] must be the number "
                  "of packed rows");
          first = arith::MinSIOp::create(
              b, arith::MaxSIOp::create(b, first, zero), rows);
          end = arith::MinSIOp::create(b, arith::MaxSIOp::create(b, end, first),
                                       rows);
          Value count = arith::SubIOp::create(b, end, first);
          require(cmp(b, arith::CmpIPredicate::sle, count,
                      extractIndex(b, lengths, index)),
                  "mla.fused_prefill: a sequence length is smaller than its "
                  "request's new tokens");
          auto any = scf::IfOp::create(
              b, cmp(b, arith::CmpIPredicate::sgt, count, zero),
              [&](OpBuilder &builder, Location loc) {
                ImplicitLocOpBuilder b(loc, builder);
                // Rows [first, end) of a packed [X, H, D] as [1, n_b, H, D].
                auto requestRows = [&](Value packed) -> Value {
                  auto type = cast<RankedTensorType>(packed.getType());
                  int64_t width = type.getDimSize(2);
                  Value slice = tensor::ExtractSliceOp::create(
                      b,
                      RankedTensorType::get({dynamic, heads, width},
                                            type.getElementType()),
                      packed,
                      ArrayRef<OpFoldResult>{first, b.getIndexAttr(0),
                                             b.getIndexAttr(0)},
                      ArrayRef<OpFoldResult>{count, b.getIndexAttr(heads),
                                             b.getIndexAttr(width)},
                      SmallVector<OpFoldResult>(3, b.getIndexAttr(1)));
                  return tensor::ExpandShapeOp::create(
                      b,
                      RankedTensorType::get({1, dynamic, heads, width},
                                            type.getElementType()),
                      slice, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}},
                      ArrayRef<OpFoldResult>{b.getIndexAttr(1), count,
                                             b.getIndexAttr(heads),
                                             b.getIndexAttr(width)});
                };
                auto tableType = cast<RankedTensorType>(table.getType());
                Value tableRow = tensor::ExtractSliceOp::create(
                    b,
                    RankedTensorType::get({1, tableType.getDimSize(1)},
                                          tableType.getElementType()),
                    table, ArrayRef<OpFoldResult>{index, b.getIndexAttr(0)},
                    ArrayRef<OpFoldResult>{b.getIndexAttr(1),
                                           sizesOf(b, table)[1]},
                    SmallVector<OpFoldResult>(2, b.getIndexAttr(1)));
                auto lengthsType = cast<RankedTensorType>(lengths.getType());
                Value length = tensor::ExtractSliceOp::create(
                    b, RankedTensorType::get({1}, lengthsType.getElementType()),
                    lengths, ArrayRef<OpFoldResult>{index},
                    ArrayRef<OpFoldResult>{b.getIndexAttr(1)},
                    ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
                Value o = lowerBatch(b, op, requestRows(queryNope),
                                     requestRows(queryRope), adaptor.getWUk(),
                                     adaptor.getWUv(), adaptor.getCache(),
                                     tableRow, length);
                Value flat = tensor::CollapseShapeOp::create(
                    b,
                    RankedTensorType::get({dynamic, heads, valueDim},
                                          b.getF32Type()),
                    o, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
                Value inserted = tensor::InsertSliceOp::create(
                    b, flat, carried[0],
                    ArrayRef<OpFoldResult>{first, b.getIndexAttr(0),
                                           b.getIndexAttr(0)},
                    ArrayRef<OpFoldResult>{count, b.getIndexAttr(heads),
                                           b.getIndexAttr(valueDim)},
                    SmallVector<OpFoldResult>(3, b.getIndexAttr(1)));
                scf::YieldOp::create(b, inserted);
              },
              [&](OpBuilder &builder, Location loc) {
                scf::YieldOp::create(builder, loc, carried);
              });
          scf::YieldOp::create(b, any.getResults());
        });
    return loop.getResult(0);
  }
};

struct ConvertMLAToLinalgPass
    : public mla::impl::ConvertMLAToLinalgBase<ConvertMLAToLinalgPass> {
  using ConvertMLAToLinalgBase::ConvertMLAToLinalgBase;

  void runOnOperation() override {
    ConversionTarget target(getContext());
    target.addIllegalDialect<MLADialect>();
    // Already on buffers: convert-mla-to-gpu's kernel ops, expanded later.
    target.addLegalOp<DecodeKernelOp, PrefillKernelOp, RopeKernelOp,
                      KVAppendKernelOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    populateMLAToLinalgConversionPatterns(patterns, runtimeChecks);
    // Contract: every mla op is converted or the pass fails, naming it.
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::mla::populateMLAToLinalgConversionPatterns(
    RewritePatternSet &patterns, bool runtimeChecks) {
  // Whole blocks are lowered through their definition.
  populateMLADecomposePatterns(patterns);
  patterns
      .add<RMSNormLowering, RopeLowering, QueryProjLowering, KVCompressLowering,
           OutputProjLowering, CacheAppendLowering, CacheGatherLowering,
           DecompressLowering, QueryToLatentLowering, LatentToValueLowering,
           DecompressedAttentionLowering, LatentAttentionLowering,
           FusedDecodeLowering, FusedPrefillLowering, FoldQueryWeightsLowering,
           FoldOutputWeightsLowering>(patterns.getContext(), runtimeChecks);
}
