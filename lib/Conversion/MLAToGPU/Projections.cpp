//===- Projections.cpp - The block's projections as library GEMMs -*- C++ -*-===//
//
// Part of `convert-mla-to-gpu`: the contractions of mla.query_proj,
// mla.kv_compress and mla.output_proj become `mla_gpu.gemm`s on the buffers
// of their operands (bufferization.to_buffer / to_tensor, as the decode
// kernel's op), with the tokens flattened to rows (h [B, S, D] → [B·S, D]).
// What lies between the products stays on tensors for the rest of the
// pipeline: the RMSNorms (mla.rms_norm, f32 in and out), the splits of the
// products' columns (slices) and the element-type conversions.
//
// The ops' verifiers give every operand one element type, which the library
// multiplies (f16, bf16 or f32). Numerics follow the reference lowering: a product feeding an RMSNorm is
// kept in f32 (cuBLASLt writes f32 from f16/bf16 operands), normalised in
// f32 and rounded once; the normalised c_Q is rounded to the element type
// before the up-projection, as every implementation of the model does (its
// weights are in that type).
//
//===----------------------------------------------------------------------===//

#include "mla/Conversion/MLAToGPU/MLAToGPU.h"

#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLAGPU/IR/MLAGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

Type elementOf(Value tensor) {
  return cast<ShapedType>(tensor.getType()).getElementType();
}

/// lhs [M, K] · rhs [K, N] → [M, N] of `resultElement`, by the library.
Value gemm(ImplicitLocOpBuilder &b, Value lhs, Value rhs,
           Type resultElement) {
  auto buffer = [&](Value tensor) { return readOnlyBuffer(b, tensor); };
  Value lhsBuffer = buffer(lhs);
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  SmallVector<int64_t> shape = {lhsType.getDimSize(0), rhsType.getDimSize(1)};
  SmallVector<Value> dynamic;
  if (ShapedType::isDynamic(shape[0]))
    dynamic.push_back(memref::DimOp::create(b, lhsBuffer, 0));
  if (ShapedType::isDynamic(shape[1]))
    dynamic.push_back(
        memref::DimOp::create(b, buffer(rhs), 1)); // weights: rarely dynamic
  Value result =
      memref::AllocOp::create(b, MemRefType::get(shape, resultElement), dynamic);
  mla_gpu::GemmOp::create(b, lhsBuffer, buffer(rhs), result,
                          mla_gpu::GemmBackend::CublasLt);
  return bufferization::ToTensorOp::create(
      b, RankedTensorType::get(shape, resultElement), result,
      /*restrict=*/b.getUnitAttr(), /*writable=*/b.getUnitAttr());
}

/// [d0, …, dn-2, dn-1] → [d0·…·dn-2, dn-1]: tokens (and heads) as rows.
Value rows(ImplicitLocOpBuilder &b, Value tensor, int64_t leading) {
  auto type = cast<RankedTensorType>(tensor.getType());
  ReassociationIndices outer;
  for (int64_t d = 0; d < leading; ++d)
    outer.push_back(d);
  ReassociationIndices inner;
  for (int64_t d = leading; d < type.getRank(); ++d)
    inner.push_back(d);
  return tensor::CollapseShapeOp::create(
      b, tensor, SmallVector<ReassociationIndices>{outer, inner});
}

/// [B·S, N] → [B, S, …trailing] with B and S taken from `like` [B, S, …].
Value unrows(ImplicitLocOpBuilder &b, Value tensor, Value like,
             ArrayRef<int64_t> trailing) {
  auto likeType = cast<RankedTensorType>(like.getType());
  SmallVector<int64_t> shape = {likeType.getDimSize(0),
                                likeType.getDimSize(1)};
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, b.getLoc(), like, 0),
                                     tensor::getMixedSize(b, b.getLoc(), like, 1)};
  // A product by a weight of dynamic width has dynamic columns; the
  // trailing sizes say what they are.
  auto type = cast<RankedTensorType>(tensor.getType());
  int64_t columns = 1;
  for (int64_t size : trailing)
    columns *= size;
  if (type.isDynamicDim(1))
    tensor = tensor::CastOp::create(
        b, RankedTensorType::get({type.getDimSize(0), columns},
                                 type.getElementType()),
        tensor);
  ReassociationIndices outer = {0, 1}, inner;
  for (int64_t size : trailing) {
    inner.push_back(shape.size());
    shape.push_back(size);
    sizes.push_back(b.getIndexAttr(size));
  }
  return tensor::ExpandShapeOp::create(
      b, RankedTensorType::get(shape, elementOf(tensor)), tensor,
      SmallVector<ReassociationIndices>{outer, inner}, sizes);
}

/// Columns [offset, offset + size) of the last dimension.
Value columns(ImplicitLocOpBuilder &b, Value tensor, int64_t offset,
              int64_t size) {
  auto type = cast<RankedTensorType>(tensor.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(b, b.getLoc(), tensor);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets.back() = b.getIndexAttr(offset);
  sizes.back() = b.getIndexAttr(size);
  return tensor::ExtractSliceOp::create(b, tensor, offsets, sizes, strides);
}

/// `value` with the element type and (static) shape of `type`.
Value as(ImplicitLocOpBuilder &b, Value value, Type type) {
  auto target = cast<RankedTensorType>(type);
  auto from = cast<RankedTensorType>(value.getType());
  if (from.getElementType() != target.getElementType()) {
    auto converted = from.clone(target.getElementType());
    value = target.getElementType().getIntOrFloatBitWidth() <
                    from.getElementType().getIntOrFloatBitWidth()
                ? arith::TruncFOp::create(b, converted, value).getResult()
                : arith::ExtFOp::create(b, converted, value).getResult();
  }
  if (value.getType() != type)
    value = tensor::CastOp::create(b, type, value);
  return value;
}

/// A new buffer of `type`'s shape and element type, its dynamic sizes those
/// of `like` (a buffer of the same shape).
Value allocLike(ImplicitLocOpBuilder &b, RankedTensorType type, Value like) {
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(memref::DimOp::create(b, like, d));
  return memref::AllocOp::create(
      b, MemRefType::get(type.getShape(), type.getElementType()), dynamic);
}

} // namespace

Value mlir::mla::readOnlyBuffer(ImplicitLocOpBuilder &b, Value tensor,
                               MemRefLayoutAttrInterface layout) {
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, MemRefType::get(type.getShape(), type.getElementType(), layout),
      tensor, /*read_only=*/true);
}

Value mlir::mla::stridedRowsBuffer(ImplicitLocOpBuilder &b, Value tensor) {
  int64_t rank = cast<RankedTensorType>(tensor.getType()).getRank();
  SmallVector<int64_t> strides(rank, ShapedType::kDynamic);
  strides.back() = 1;
  return readOnlyBuffer(
      b, tensor,
      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides));
}

/// RMSNorm over the last dimension of `input` (any leading dimensions, rows
/// may be strided) by the rows kernel (`mla_gpu.rms_norm`), written in
/// `resultElement`.
Value mlir::mla::emitRMSNormKernel(ImplicitLocOpBuilder &b, Value input,
                                   Value weight, double epsilon,
                                   Type resultElement) {
  auto type = cast<RankedTensorType>(input.getType());
  Value flat = type.getRank() == 2 ? input : rows(b, input, type.getRank() - 1);
  auto flatType = cast<RankedTensorType>(flat.getType());
  // Any row stride: a slice of a wider product is read in place.
  Value inputBuffer = stridedRowsBuffer(b, flat);
  Value weightBuffer = readOnlyBuffer(b, weight);
  Value result = allocLike(b, flatType.clone(resultElement), inputBuffer);
  mla_gpu::RMSNormOp::create(b, inputBuffer, weightBuffer, result,
                             b.getF64FloatAttr(epsilon));
  Value normed = bufferization::ToTensorOp::create(
      b, flatType.clone(resultElement), result, /*restrict=*/b.getUnitAttr(),
      /*writable=*/b.getUnitAttr());
  if (type.getRank() == 2)
    return normed;
  SmallVector<ReassociationIndices> groups(1);
  for (int64_t d = 0; d + 1 < type.getRank(); ++d)
    groups[0].push_back(d);
  groups.push_back({type.getRank() - 1});
  return tensor::ExpandShapeOp::create(
      b, type.clone(resultElement), normed, groups,
      tensor::getMixedSizes(b, b.getLoc(), input));
}

namespace {

/// mla.rms_norm → the rows kernel.
struct RMSNormToKernelOp : OpRewritePattern<RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RMSNormOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    if (type.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "a single row");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    rewriter.replaceOp(op, emitRMSNormKernel(b, op.getInput(), op.getWeight(),
                                             op.getEpsilon().convertToDouble(),
                                             type.getElementType()));
    return success();
  }
};


/// mla.rope → the rope kernel, reading its input in place (the q_pe columns
/// of the query product). An f32 input rounded by arith.truncf is read
/// unrounded: the kernel rounds it (mla.rope_kernel rounds every input
/// element to the result's type).
struct RopeToKernelOp : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RopeOp op,
                                PatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    Value input = op.getInput();
    auto rounding = input.getDefiningOp<arith::TruncFOp>();
    if (rounding)
      input = rounding.getIn();
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value inputBuffer = stridedRowsBuffer(b, input);
    Value result = allocLike(b, resultType, inputBuffer);
    RopeKernelOp::create(b, inputBuffer, readOnlyBuffer(b, op.getPositions()),
                         result, op.getConfig());
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
        op, resultType, result, /*restrict=*/b.getUnitAttr(),
        /*writable=*/b.getUnitAttr());
    if (rounding && rounding->use_empty())
      rewriter.eraseOp(rounding);
    return success();
  }
};

/// q = [RMSNorm(h · W_DQ)] · W_UQ, split per head into nope and rope.
struct QueryProjToGemms : OpRewritePattern<QueryProjOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QueryProjOp op,
                                PatternRewriter &rewriter) const override {
    ConfigAttr config = op.getConfig();
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Type element = elementOf(op.getHidden());
    Value c = rows(b, op.getHidden(), 2);
    if (config.hasQueryCompression()) {
      Value down = gemm(b, c, op.getWDq(), b.getF32Type());
      c = emitRMSNormKernel(b, down, op.getQNorm(), config.getRmsEpsValue(),
                            element);
    }
    Value q = gemm(b, c, op.getWUq(), element);
    Value perHead = unrows(b, q, op.getHidden(),
                           {config.getHeads(), config.getQkHeadDim()});
    Value nope = columns(b, perHead, 0, config.getQkNopeDim());
    Value rope =
        columns(b, perHead, config.getQkNopeDim(), config.getQkRopeDim());
    rewriter.replaceOp(op, {as(b, nope, op.getQNope().getType()),
                            as(b, rope, op.getQPe().getType())});
    return success();
  }
};

/// [c_KV | k_pe] = h · W_DKV (f32); c_KV = RMSNorm(c_KV).
struct KVCompressToGemm : OpRewritePattern<KVCompressOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(KVCompressOp op,
                                PatternRewriter &rewriter) const override {
    ConfigAttr config = op.getConfig();
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value down = gemm(b, rows(b, op.getHidden(), 2), op.getWDkv(),
                      b.getF32Type());
    auto cKvType = cast<RankedTensorType>(op.getCKv().getType());
    Value latent = emitRMSNormKernel(
        b, columns(b, down, 0, config.getKvLoraRank()), op.getKvNorm(),
        config.getRmsEpsValue(), cKvType.getElementType());
    Value rope = columns(b, down, config.getKvLoraRank(), config.getQkRopeDim());
    latent = unrows(b, latent, op.getHidden(), {config.getKvLoraRank()});
    rope = unrows(b, rope, op.getHidden(), {config.getQkRopeDim()});
    rewriter.replaceOp(op, {as(b, latent, cKvType),
                            as(b, rope, op.getKPe().getType())});
    return success();
  }
};

/// mla.kv_compress → mla.rope of its k_pe → mla.cache.append of both: the
/// down-projection's product [B·S, L+R] (f32, by the library), then one
/// kernel for its whole epilogue (mla.kv_append_kernel: norm, rope, write
/// into the page), in place in the cache's buffer:
///
///   h ─gemm→ kv (f32) ─kv_append→ cache[page(b, t), slot(t)] = [norm | rope]
///
/// Anchored on the append, which comes after both; each intermediate must
/// have no other user, and the cache no user but the append (it is written
/// in place).
struct KVAppendToKernelOp : OpRewritePattern<CacheAppendOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CacheAppendOp op,
                                PatternRewriter &rewriter) const override {
    auto rope = op.getKPe().getDefiningOp<RopeOp>();
    auto compress = op.getCKv().getDefiningOp<KVCompressOp>();
    if (!rope || !compress || rope.getInput() != compress.getKPe())
      return rewriter.notifyMatchFailure(op, "not kv_compress → rope → append");
    if (!compress.getCKv().hasOneUse() || !compress.getKPe().hasOneUse() ||
        !rope->hasOneUse() || !op.getCache().hasOneUse())
      return rewriter.notifyMatchFailure(op, "an intermediate has other users");
    Type cacheElement = elementOf(op.getCache());
    if (elementOf(op.getCKv()) != cacheElement ||
        elementOf(rope.getResult()) != cacheElement)
      return rewriter.notifyMatchFailure(
          op, "c_kv or k_pe rounded to another type than the cache's");
    ConfigAttr config = compress.getConfig();
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value hidden = compress.getHidden();
    Value down = gemm(b, rows(b, hidden, 2), compress.getWDkv(), b.getF32Type());
    Value kv = unrows(b, down, hidden, {config.getLatentCacheDim()});
    auto cacheType = cast<RankedTensorType>(op.getCache().getType());
    // Written in place: the cache's only user is this append.
    Value cache = bufferization::ToBufferOp::create(
        b, MemRefType::get(cacheType.getShape(), cacheType.getElementType()),
        op.getCache());
    KVAppendKernelOp::create(
        b, readOnlyBuffer(b, kv), readOnlyBuffer(b, compress.getKvNorm()),
        readOnlyBuffer(b, rope.getPositions()), cache,
        readOnlyBuffer(b, op.getBlockTable()), readOnlyBuffer(b, op.getSeqLens()),
        config, b.getF64FloatAttr(config.getRmsEpsValue()));
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
        op, cacheType, cache, /*restrict=*/b.getUnitAttr(),
        /*writable=*/b.getUnitAttr());
    rewriter.eraseOp(rope);
    rewriter.eraseOp(compress);
    return success();
  }
};

/// out = concat_i(o_i) · W_O: [B·S, H·V] · [H·V, D].
struct OutputProjToGemm : OpRewritePattern<OutputProjOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(OutputProjOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto resultType = cast<RankedTensorType>(op.getType());
    Value out = gemm(b, rows(b, op.getInput(), 2), op.getWO(),
                     resultType.getElementType());
    out = unrows(b, out, op.getInput(), {resultType.getShape().back()});
    rewriter.replaceOp(op, as(b, out, resultType));
    return success();
  }
};

} // namespace

void mlir::mla::populateMLARowKernelOpPatterns(RewritePatternSet &patterns) {
  patterns.add<RMSNormToKernelOp, RopeToKernelOp>(patterns.getContext());
}

void mlir::mla::populateMLAKVAppendFusionPatterns(RewritePatternSet &patterns) {
  patterns.add<KVAppendToKernelOp>(patterns.getContext());
}

void mlir::mla::populateMLAProjectionsToGemmPatterns(
    RewritePatternSet &patterns) {
  patterns.add<QueryProjToGemms, KVCompressToGemm, OutputProjToGemm>(
      patterns.getContext());
}
