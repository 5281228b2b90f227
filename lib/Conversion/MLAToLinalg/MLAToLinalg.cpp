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

namespace {

using BodyFn = function_ref<Value(ImplicitLocOpBuilder &, ValueRange)>;

//===----------------------------------------------------------------------===//
// Emission helpers
//===----------------------------------------------------------------------===//

Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

int64_t rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

/// The sizes of `v`: attributes where static, tensor.dim where dynamic.
SmallVector<OpFoldResult> sizesOf(ImplicitLocOpBuilder &b, Value v) {
  return tensor::getMixedSizes(b, b.getLoc(), v);
}

Value constantIndex(ImplicitLocOpBuilder &b, int64_t value) {
  return arith::ConstantIndexOp::create(b, value);
}

Value constantF32(ImplicitLocOpBuilder &b, double value) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
}

/// The value of a size as an index.
Value indexOf(ImplicitLocOpBuilder &b, OpFoldResult size) {
  if (auto value = dyn_cast<Value>(size))
    return value;
  return constantIndex(b, cast<IntegerAttr>(cast<Attribute>(size)).getInt());
}

/// An i32 tensor element at `indices`, as an index.
Value extractIndex(ImplicitLocOpBuilder &b, Value tensor, ValueRange indices) {
  Value element = tensor::ExtractOp::create(b, tensor, indices);
  return arith::IndexCastOp::create(b, b.getIndexType(), element);
}

/// A linalg.generic producing a new tensor of `sizes` x `elementType`: the
/// output is indexed by the identity over the first `sizes.size()` loops,
/// the inputs by `inputMaps`; `body` gets the input elements (and the output
/// element last) and returns the result element.
Value buildGeneric(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                   Type elementType, ValueRange inputs,
                   ArrayRef<AffineMap> inputMaps, BodyFn body,
                   Value init = nullptr,
                   ArrayRef<utils::IteratorType> iterators = {},
                   AffineMap outputMap = {}) {
  if (!init)
    init = tensor::EmptyOp::create(b, sizes, elementType);
  unsigned numLoops = iterators.empty() ? sizes.size() : iterators.size();
  SmallVector<AffineMap> maps(inputMaps.begin(), inputMaps.end());
  maps.push_back(outputMap ? outputMap : b.getMultiDimIdentityMap(numLoops));
  SmallVector<utils::IteratorType> iteratorTypes(iterators.begin(),
                                                 iterators.end());
  if (iteratorTypes.empty())
    iteratorTypes.assign(numLoops, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iteratorTypes, [&](OpBuilder &nested, Location loc, ValueRange args) {
        ImplicitLocOpBuilder ib(loc, nested);
        linalg::YieldOp::create(ib, body(ib, args));
      });
  return generic.getResult(0);
}

/// `v` with every element converted to `type` (extf or truncf), or `v`.
Value convertElements(ImplicitLocOpBuilder &b, Value v, Type type) {
  Type from = elementTypeOf(v);
  if (from == type)
    return v;
  bool widen = type.getIntOrFloatBitWidth() > from.getIntOrFloatBitWidth();
  return buildGeneric(b, sizesOf(b, v), type, v,
                      b.getMultiDimIdentityMap(rankOf(v)),
                      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
                        if (widen)
                          return arith::ExtFOp::create(ib, type, args[0]);
                        return arith::TruncFOp::create(ib, type, args[0]);
                      });
}

Value toF32(ImplicitLocOpBuilder &b, Value v) {
  return convertElements(b, v, b.getF32Type());
}

/// A tensor of `sizes` filled with `value`.
Value filled(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
             Value value) {
  Value empty = tensor::EmptyOp::create(b, sizes, value.getType());
  return linalg::FillOp::create(b, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

/// A contraction written as an einsum spec, e.g. "bsd,dq->bsq": one letter
/// per dim of each operand; letters missing from the output are summed over.
/// Operands must be f32; the result is f32. With `maskZeroLhs`, a zero lhs
/// element contributes nothing even when the rhs is NaN or inf (P·V over
/// masked keys).
Value einsum(ImplicitLocOpBuilder &b, StringRef spec, Value lhs, Value rhs,
             bool maskZeroLhs = false) {
  auto [inputs, out] = spec.split("->");
  auto [lhsLetters, rhsLetters] = inputs.split(',');
  // Loops: output letters first (parallel), then the summed ones.
  std::string loops = out.str();
  for (char c : (lhsLetters + rhsLetters).str())
    if (loops.find(c) == std::string::npos)
      loops.push_back(c);
  auto mapOf = [&](StringRef letters) {
    SmallVector<AffineExpr> exprs;
    for (char c : letters)
      exprs.push_back(b.getAffineDimExpr(loops.find(c)));
    return AffineMap::get(loops.size(), 0, exprs, b.getContext());
  };
  SmallVector<OpFoldResult> sizes;
  for (char c : out) {
    size_t inLhs = lhsLetters.find(c);
    sizes.push_back(inLhs != StringRef::npos
                        ? sizesOf(b, lhs)[inLhs]
                        : sizesOf(b, rhs)[rhsLetters.find(c)]);
  }
  SmallVector<utils::IteratorType> iterators(out.size(),
                                             utils::IteratorType::parallel);
  iterators.append(loops.size() - out.size(), utils::IteratorType::reduction);
  Value zero = constantF32(b, 0.0);
  return buildGeneric(
      b, sizes, b.getF32Type(), {lhs, rhs},
      {mapOf(lhsLetters), mapOf(rhsLetters)},
      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        Value product = arith::MulFOp::create(ib, args[0], args[1]);
        if (maskZeroLhs) {
          Value isZero = arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ,
                                               args[0], zero);
          product = arith::SelectOp::create(ib, isZero, zero, product);
        }
        return arith::AddFOp::create(ib, args[2], product);
      },
      filled(b, sizes, zero), iterators, mapOf(out));
}

/// A static slice of the last dim of `v`: [.., offset : offset + size].
Value sliceLastDim(ImplicitLocOpBuilder &b, Value v, int64_t offset,
                   int64_t size) {
  int64_t rank = rankOf(v);
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = sizesOf(b, v);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets.back() = b.getIndexAttr(offset);
  sizes.back() = b.getIndexAttr(size);
  return tensor::ExtractSliceOp::create(b, v, offsets, sizes, strides);
}

/// Splits dim `dim` of `v` into the static `parts`. A dynamic `dim` is first
/// cast to their product (the verifier accepts a dynamic weight dim; the
/// config says what it must be).
Value expandDim(ImplicitLocOpBuilder &b, Value v, unsigned dim,
                ArrayRef<int64_t> parts) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.isDynamicDim(dim)) {
    SmallVector<int64_t> shape(type.getShape());
    shape[dim] = 1;
    for (int64_t part : parts)
      shape[dim] *= part;
    type = RankedTensorType::get(shape, type.getElementType());
    v = tensor::CastOp::create(b, type, v);
  }
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> outputShape;
  SmallVector<ReassociationIndices> groups;
  SmallVector<OpFoldResult> sizes = sizesOf(b, v);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    ReassociationIndices group;
    if (d == static_cast<int64_t>(dim)) {
      for (int64_t part : parts) {
        group.push_back(shape.size());
        shape.push_back(part);
        outputShape.push_back(b.getIndexAttr(part));
      }
    } else {
      group.push_back(shape.size());
      shape.push_back(type.getDimSize(d));
      outputShape.push_back(sizes[d]);
    }
    groups.push_back(group);
  }
  return tensor::ExpandShapeOp::create(
      b, RankedTensorType::get(shape, type.getElementType()), v, groups,
      outputShape);
}

/// An AffineMap from `numLoops` loops onto the listed loop dims.
AffineMap loopsMap(ImplicitLocOpBuilder &b, unsigned numLoops,
                   ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(b.getAffineDimExpr(d));
  return AffineMap::get(numLoops, 0, exprs, b.getContext());
}

//===----------------------------------------------------------------------===//
// RMSNorm and RoPE
//===----------------------------------------------------------------------===//

/// x / sqrt(mean(x², last dim) + eps) · w, on f32 tensors.
Value emitRMSNorm(ImplicitLocOpBuilder &b, Value x, Value weight, double eps) {
  unsigned rank = rankOf(x);
  SmallVector<OpFoldResult> sizes = sizesOf(b, x);
  SmallVector<OpFoldResult> leading(sizes.begin(), sizes.end() - 1);
  SmallVector<unsigned> leadingDims;
  for (unsigned d = 0; d + 1 < rank; ++d)
    leadingDims.push_back(d);

  SmallVector<utils::IteratorType> iterators(rank - 1,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value sumOfSquares = buildGeneric(
      b, leading, b.getF32Type(), x, b.getMultiDimIdentityMap(rank),
      [](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        Value square = arith::MulFOp::create(ib, args[0], args[0]);
        return arith::AddFOp::create(ib, args[1], square);
      },
      filled(b, leading, constantF32(b, 0.0)), iterators,
      loopsMap(b, rank, leadingDims));

  Value count = arith::UIToFPOp::create(
      b, b.getF32Type(),
      arith::IndexCastOp::create(b, b.getI64Type(), indexOf(b, sizes.back())));
  Value epsilon = constantF32(b, eps);
  return buildGeneric(
      b, sizes, b.getF32Type(), {x, sumOfSquares, weight},
      {b.getMultiDimIdentityMap(rank), loopsMap(b, rank, leadingDims),
       loopsMap(b, rank, {rank - 1})},
      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        Value mean = arith::DivFOp::create(ib, args[1], count);
        Value inverse =
            math::RsqrtOp::create(ib, arith::AddFOp::create(ib, mean, epsilon));
        return arith::MulFOp::create(
            ib, arith::MulFOp::create(ib, args[0], inverse), args[2]);
      });
}

/// RoPE on the last dim of an f32 tensor [B, S, (H,) R] at positions [B, S].
///
/// Element j is rotated with its partner p(j) by the angle pos · θ_{pair(j)}:
///
///   interleaved: pairs (0,1) (2,3) ...     p(j) = j xor 1,  pair = j / 2
///   half:        pairs (0,R/2) (1,R/2+1)   p(j) = (j + R/2) mod R, pair = j
///   mod R/2
///
///   out[j] = x[j] · cos − x[p(j)] · sin   for the first of a pair
///   out[j] = x[j] · cos + x[p(j)] · sin   for the second
///
/// with cos and sin scaled by YaRN's magnitude.
Value emitRope(ImplicitLocOpBuilder &b, Value x, Value positions,
               ConfigAttr config) {
  unsigned rank = rankOf(x);
  int64_t ropeDim = config.getQkRopeDim();
  bool interleaved = config.getRopeStyle() == RopeStyle::Interleaved;
  std::optional<std::pair<double, double>> ramp =
      config.getYarnCorrectionRange();
  auto f64 = [&](ImplicitLocOpBuilder &ib, double value) -> Value {
    return arith::ConstantOp::create(ib, ib.getF64FloatAttr(value));
  };

  return buildGeneric(
      b, sizesOf(b, x), b.getF32Type(), {x, positions},
      {b.getMultiDimIdentityMap(rank), loopsMap(b, rank, {0, 1})},
      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        SmallVector<Value> indices;
        for (unsigned d = 0; d < rank; ++d)
          indices.push_back(linalg::IndexOp::create(ib, d));
        Value j = indices.back();
        Value one = constantIndex(ib, 1);
        Value half = constantIndex(ib, ropeDim / 2);
        Value partner, pair, isFirst;
        if (interleaved) {
          partner = arith::XOrIOp::create(ib, j, one);
          pair = arith::DivUIOp::create(ib, j, constantIndex(ib, 2));
          isFirst = arith::CmpIOp::create(ib, arith::CmpIPredicate::eq,
                                          arith::AndIOp::create(ib, j, one),
                                          constantIndex(ib, 0));
        } else {
          partner =
              arith::RemUIOp::create(ib, arith::AddIOp::create(ib, j, half),
                                     constantIndex(ib, ropeDim));
          pair = arith::RemUIOp::create(ib, j, half);
          isFirst =
              arith::CmpIOp::create(ib, arith::CmpIPredicate::ult, j, half);
        }
        indices.back() = partner;
        Value partnerValue = tensor::ExtractOp::create(ib, x, indices);

        // θ_pair = rope_theta^(-2·pair/R), YaRN-blended, computed in place
        // (no constant table: the same code runs inside GPU kernels).
        Value pairF64 = arith::UIToFPOp::create(
            ib, ib.getF64Type(),
            arith::IndexCastUIOp::create(ib, ib.getI64Type(), pair));
        Value exponent = arith::MulFOp::create(
            ib, pairF64, f64(ib, -2.0 / static_cast<double>(ropeDim)));
        Value frequency = math::PowFOp::create(
            ib, f64(ib, config.getRopeThetaValue()), exponent);
        if (ramp) {
          auto [low, high] = *ramp;
          Value r = arith::DivFOp::create(
              ib, arith::SubFOp::create(ib, pairF64, f64(ib, low)),
              f64(ib, high - low));
          r = arith::MinimumFOp::create(
              ib, arith::MaximumFOp::create(ib, r, f64(ib, 0.0)), f64(ib, 1.0));
          Value interpolated = arith::DivFOp::create(
              ib, frequency, f64(ib, config.getYarn().getFactorValue()));
          // θ/factor · r + θ · (1 − r)
          frequency = arith::AddFOp::create(
              ib, arith::MulFOp::create(ib, interpolated, r),
              arith::MulFOp::create(
                  ib, frequency, arith::SubFOp::create(ib, f64(ib, 1.0), r)));
        }

        Value position = arith::SIToFPOp::create(ib, ib.getF64Type(), args[1]);
        Value angle = arith::MulFOp::create(ib, position, frequency);
        Value magnitude = f64(ib, config.getRopeMagnitude());
        auto scaled = [&](Value v) -> Value {
          return arith::TruncFOp::create(
              ib, ib.getF32Type(), arith::MulFOp::create(ib, v, magnitude));
        };
        Value cos = scaled(math::CosOp::create(ib, angle));
        Value sin = scaled(math::SinOp::create(ib, angle));
        Value rotated = arith::MulFOp::create(ib, partnerValue, sin);
        rotated = arith::SelectOp::create(
            ib, isFirst, arith::NegFOp::create(ib, rotated), rotated);
        return arith::AddFOp::create(
            ib, arith::MulFOp::create(ib, args[0], cos), rotated);
      });
}

//===----------------------------------------------------------------------===//
// Paged cache and attention
//===----------------------------------------------------------------------===//

/// `index` when `ok` holds. With runtime checks, a failed `ok` stops the
/// program with `message` (cf.assert); without them (GPU kernels, where
/// cf.assert blocks the mapping of loops), `fallback` is used instead, so that
/// an invalid block table never makes an access leave its buffer.
Value guardIndex(ImplicitLocOpBuilder &b, Value index, Value ok, Value fallback,
                 StringRef message, bool runtimeChecks) {
  if (runtimeChecks) {
    cf::AssertOp::create(b, ok, message);
    return index;
  }
  return arith::SelectOp::create(b, ok, index, fallback);
}

/// An f32 scalar from any float scalar.
Value toF32Scalar(ImplicitLocOpBuilder &b, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, b.getF32Type(), v);
}

/// Whether cache position `t` of request `b` is a valid key for new token `s`
/// (of `tokens`): t < len and, when causal, t <= len - tokens + s.
Value isValidKey(ImplicitLocOpBuilder &b, Value length, Value t, Value s,
                 Value tokens, bool causal) {
  Value valid = arith::CmpIOp::create(b, arith::CmpIPredicate::slt, t, length);
  if (!causal)
    return valid;
  Value last =
      arith::AddIOp::create(b, arith::SubIOp::create(b, length, tokens), s);
  Value notFuture =
      arith::CmpIOp::create(b, arith::CmpIPredicate::sle, t, last);
  return arith::AndIOp::create(b, valid, notFuture);
}

/// The cache read through the block table as an f32 tensor [B, M·G, L+R]:
/// element (b, t, e) = cache[block_table[b, t / G], t mod G, e] for
/// t < seq_lens[b], and 0 beyond, so that whatever unused slots hold (even
/// NaN) is never read into a result. A used table entry outside the cache
/// fails a runtime check.
Value emitGather(ImplicitLocOpBuilder &b, Value cache, Value blockTable,
                 Value seqLens, bool runtimeChecks) {
  SmallVector<OpFoldResult> cacheSizes = sizesOf(b, cache);
  SmallVector<OpFoldResult> tableSizes = sizesOf(b, blockTable);
  Value pageCount = indexOf(b, cacheSizes[0]);
  Value pageSize = indexOf(b, cacheSizes[1]);
  OpFoldResult positions;
  std::optional<int64_t> pages = getConstantIntValue(tableSizes[1]);
  std::optional<int64_t> size = getConstantIntValue(cacheSizes[1]);
  if (pages && size)
    positions = b.getIndexAttr(*pages * *size);
  else
    positions = arith::MulIOp::create(b, indexOf(b, tableSizes[1]), pageSize)
                    .getResult();
  SmallVector<OpFoldResult> sizes = {tableSizes[0], positions, cacheSizes[2]};
  Value zero = constantF32(b, 0.0);
  return buildGeneric(
      b, sizes, b.getF32Type(), {}, {},
      [&](ImplicitLocOpBuilder &ib, ValueRange) -> Value {
        Value request = linalg::IndexOp::create(ib, 0);
        Value t = linalg::IndexOp::create(ib, 1);
        Value e = linalg::IndexOp::create(ib, 2);
        Value length = extractIndex(ib, seqLens, request);
        Value valid =
            arith::CmpIOp::create(ib, arith::CmpIPredicate::slt, t, length);
        Value page = extractIndex(
            ib, blockTable,
            {request, arith::DivUIOp::create(ib, t, pageSize).getResult()});
        // Unused table entries may be anything: never index with them. Used
        // ones must name a page of the cache.
        page = arith::SelectOp::create(ib, valid, page, constantIndex(ib, 0));
        Value inCache = arith::AndIOp::create(
            ib,
            arith::CmpIOp::create(ib, arith::CmpIPredicate::sge, page,
                                  constantIndex(ib, 0)),
            arith::CmpIOp::create(ib, arith::CmpIPredicate::slt, page,
                                  pageCount));
        page = guardIndex(ib, page, inCache, constantIndex(ib, 0),
                          "mla.cache.gather: the block table names a page "
                          "outside the cache",
                          runtimeChecks);
        Value slot = arith::RemUIOp::create(ib, t, pageSize);
        Value element = tensor::ExtractOp::create(ib, cache, {page, slot, e});
        element = toF32Scalar(ib, element);
        return arith::SelectOp::create(ib, valid, element, zero);
      });
}

/// scale · scores masked to the valid keys, softmax over the last dim of
/// f32 scores [B, S, H, T]; a row with no valid key is all zeros.
Value emitMaskedSoftmax(ImplicitLocOpBuilder &b, Value scores, Value seqLens,
                        bool causal, double scale) {
  SmallVector<OpFoldResult> sizes = sizesOf(b, scores);
  SmallVector<OpFoldResult> rows(sizes.begin(), sizes.end() - 1);
  Value tokens = indexOf(b, sizes[1]);
  Value scaleValue = constantF32(b, scale);
  Value negInf = constantF32(b, -std::numeric_limits<double>::infinity());
  Value zero = constantF32(b, 0.0);
  AffineMap identity = b.getMultiDimIdentityMap(4);
  AffineMap rowMap = loopsMap(b, 4, {0, 1, 2});
  SmallVector<utils::IteratorType> reduceLast(3, utils::IteratorType::parallel);
  reduceLast.push_back(utils::IteratorType::reduction);

  Value masked = buildGeneric(
      b, sizes, b.getF32Type(), scores, identity,
      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        Value request = linalg::IndexOp::create(ib, 0);
        Value s = linalg::IndexOp::create(ib, 1);
        Value t = linalg::IndexOp::create(ib, 3);
        Value valid = isValidKey(ib, extractIndex(ib, seqLens, request), t, s,
                                 tokens, causal);
        Value scaled = arith::MulFOp::create(ib, args[0], scaleValue);
        return arith::SelectOp::create(ib, valid, scaled, negInf);
      });
  Value rowMax = buildGeneric(
      b, rows, b.getF32Type(), masked, identity,
      [](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        return arith::MaximumFOp::create(ib, args[1], args[0]);
      },
      filled(b, rows, negInf), reduceLast, rowMap);
  Value exps = buildGeneric(
      b, sizes, b.getF32Type(), {masked, rowMax}, {identity, rowMap},
      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        Value isMasked = arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ,
                                               args[0], negInf);
        Value e = math::ExpOp::create(
            ib, arith::SubFOp::create(ib, args[0], args[1]));
        return arith::SelectOp::create(ib, isMasked, zero, e);
      });
  Value rowSum = buildGeneric(
      b, rows, b.getF32Type(), exps, identity,
      [](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        return arith::AddFOp::create(ib, args[1], args[0]);
      },
      filled(b, rows, zero), reduceLast, rowMap);
  return buildGeneric(
      b, sizes, b.getF32Type(), {exps, rowSum}, {identity, rowMap},
      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        Value empty =
            arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, args[1], zero);
        return arith::SelectOp::create(
            ib, empty, zero, arith::DivFOp::create(ib, args[0], args[1]));
      });
}

/// ceil(a / b) of two sizes, static when both are.
OpFoldResult ceilDivSizes(ImplicitLocOpBuilder &b, OpFoldResult a,
                          OpFoldResult c) {
  std::optional<int64_t> x = getConstantIntValue(a), y = getConstantIntValue(c);
  if (x && y)
    return b.getIndexAttr((*x + *y - 1) / *y);
  return arith::CeilDivUIOp::create(b, indexOf(b, a), indexOf(b, c))
      .getResult();
}

/// Attention with the keys cut into `chunks` chunks of `chunk` positions
/// (the last one padded), each attended to alone and the partial results
/// merged by their log-sum-exp, as split-KV decode and chunked prefill do:
///
///   per chunk k:  m_k = max_c s,  l_k = Σ_c e^(s − m_k),
///                 o_k = Σ_c e^(s − m_k) v / l_k,  lse_k = m_k + log l_k
///   merged:       o = Σ_k e^(lse_k − lse) o_k,  lse = log Σ_k e^(lse_k)
///
/// which is the softmax over all keys. `scores` are f32 [B, S, H, T]
/// (unscaled); `values` f32 [B, T, ...] are cut the same way and contracted
/// by `valueSpec` ("bshkc,<chunked values>-><result with k>"). Masked or
/// padded keys never contribute; a row with no valid key gives 0.
Value emitChunkedAttention(ImplicitLocOpBuilder &b, Value scores, Value seqLens,
                           bool causal, double scale, Value values,
                           OpFoldResult chunks, OpFoldResult chunk,
                           StringRef valueSpec) {
  SmallVector<OpFoldResult> sizes = sizesOf(b, scores);
  Value tokens = indexOf(b, sizes[1]);
  Value keys = indexOf(b, sizes[3]);
  Value chunkSize = indexOf(b, chunk);
  Value scaleValue = constantF32(b, scale);
  Value negInf = constantF32(b, -std::numeric_limits<double>::infinity());
  Value zero = constantF32(b, 0.0);

  // t = k·chunk + c, clamped into the tensor for padded positions.
  auto position = [&](ImplicitLocOpBuilder &ib, Value k, Value c) {
    Value t =
        arith::AddIOp::create(ib, arith::MulIOp::create(ib, k, chunkSize), c);
    Value inRange =
        arith::CmpIOp::create(ib, arith::CmpIPredicate::ult, t, keys);
    Value clamped =
        arith::SelectOp::create(ib, inRange, t, constantIndex(ib, 0));
    return std::make_tuple(t, inRange, clamped);
  };

  // Scores cut into [B, S, H, K, C], scaled, masked to -inf.
  SmallVector<OpFoldResult> chunked = {sizes[0], sizes[1], sizes[2], chunks,
                                       chunk};
  Value cutScores = buildGeneric(
      b, chunked, b.getF32Type(), {}, {},
      [&](ImplicitLocOpBuilder &ib, ValueRange) -> Value {
        SmallVector<Value> index;
        for (unsigned d = 0; d < 5; ++d)
          index.push_back(linalg::IndexOp::create(ib, d));
        auto [t, inRange, clamped] = position(ib, index[3], index[4]);
        Value score = tensor::ExtractOp::create(
            ib, scores, ValueRange{index[0], index[1], index[2], clamped});
        Value valid = arith::AndIOp::create(
            ib, inRange,
            isValidKey(ib, extractIndex(ib, seqLens, index[0]), t, index[1],
                       tokens, causal));
        return arith::SelectOp::create(
            ib, valid, arith::MulFOp::create(ib, score, scaleValue), negInf);
      });

  // Values cut into [B, K, C, ...], zero where padded.
  SmallVector<OpFoldResult> valueSizes = sizesOf(b, values);
  SmallVector<OpFoldResult> cutValueSizes = {valueSizes[0], chunks, chunk};
  cutValueSizes.append(valueSizes.begin() + 2, valueSizes.end());
  unsigned valueRank = cutValueSizes.size();
  Value cutValues = buildGeneric(
      b, cutValueSizes, b.getF32Type(), {}, {},
      [&](ImplicitLocOpBuilder &ib, ValueRange) -> Value {
        SmallVector<Value> index;
        for (unsigned d = 0; d < valueRank; ++d)
          index.push_back(linalg::IndexOp::create(ib, d));
        auto [t, inRange, clamped] = position(ib, index[1], index[2]);
        SmallVector<Value> source = {index[0], clamped};
        source.append(index.begin() + 3, index.end());
        Value value = tensor::ExtractOp::create(ib, values, source);
        return arith::SelectOp::create(ib, inRange, value, zero);
      });

  // Per chunk: max, exponentials, sum, normalised partial output, lse.
  AffineMap identity5 = b.getMultiDimIdentityMap(5);
  AffineMap perChunk = loopsMap(b, 5, {0, 1, 2, 3});
  SmallVector<utils::IteratorType> reduceLast(4, utils::IteratorType::parallel);
  reduceLast.push_back(utils::IteratorType::reduction);
  SmallVector<OpFoldResult> chunkSizes(chunked.begin(), chunked.end() - 1);
  Value chunkMax = buildGeneric(
      b, chunkSizes, b.getF32Type(), cutScores, identity5,
      [](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        return arith::MaximumFOp::create(ib, args[1], args[0]);
      },
      filled(b, chunkSizes, negInf), reduceLast, perChunk);
  Value exps = buildGeneric(
      b, chunked, b.getF32Type(), {cutScores, chunkMax}, {identity5, perChunk},
      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        Value masked = arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ,
                                             args[0], negInf);
        Value e = math::ExpOp::create(
            ib, arith::SubFOp::create(ib, args[0], args[1]));
        return arith::SelectOp::create(ib, masked, zero, e);
      });
  Value chunkSum = buildGeneric(
      b, chunkSizes, b.getF32Type(), exps, identity5,
      [](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        return arith::AddFOp::create(ib, args[1], args[0]);
      },
      filled(b, chunkSizes, zero), reduceLast, perChunk);
  Value partial = einsum(b, valueSpec, exps, cutValues, /*maskZeroLhs=*/true);
  unsigned partialRank = rankOf(partial);
  AffineMap partialIdentity = b.getMultiDimIdentityMap(partialRank);
  AffineMap partialChunk = loopsMap(b, partialRank, {0, 1, 2, 3});
  Value normalised = buildGeneric(
      b, sizesOf(b, partial), b.getF32Type(), {partial, chunkSum},
      {partialIdentity, partialChunk},
      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        Value empty =
            arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, args[1], zero);
        return arith::SelectOp::create(
            ib, empty, zero, arith::DivFOp::create(ib, args[0], args[1]));
      });
  Value lse = buildGeneric(
      b, chunkSizes, b.getF32Type(), {chunkMax, chunkSum},
      {b.getMultiDimIdentityMap(4), b.getMultiDimIdentityMap(4)},
      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        Value empty =
            arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, args[1], zero);
        Value value = arith::AddFOp::create(ib, args[0],
                                            math::LogOp::create(ib, args[1]));
        return arith::SelectOp::create(ib, empty, negInf, value);
      });

  // The combine: weights e^(lse_k − max_k lse), normalised over k.
  SmallVector<OpFoldResult> rows(chunkSizes.begin(), chunkSizes.end() - 1);
  AffineMap rowOfChunk = loopsMap(b, 4, {0, 1, 2});
  SmallVector<utils::IteratorType> reduceChunks(3,
                                                utils::IteratorType::parallel);
  reduceChunks.push_back(utils::IteratorType::reduction);
  Value lseMax = buildGeneric(
      b, rows, b.getF32Type(), lse, b.getMultiDimIdentityMap(4),
      [](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        return arith::MaximumFOp::create(ib, args[1], args[0]);
      },
      filled(b, rows, negInf), reduceChunks, rowOfChunk);
  Value weights =
      buildGeneric(b, chunkSizes, b.getF32Type(), {lse, lseMax},
                   {b.getMultiDimIdentityMap(4), rowOfChunk},
                   [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
                     Value empty = arith::CmpFOp::create(
                         ib, arith::CmpFPredicate::OEQ, args[0], negInf);
                     Value w = math::ExpOp::create(
                         ib, arith::SubFOp::create(ib, args[0], args[1]));
                     return arith::SelectOp::create(ib, empty, zero, w);
                   });
  Value weightSum = buildGeneric(
      b, rows, b.getF32Type(), weights, b.getMultiDimIdentityMap(4),
      [](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        return arith::AddFOp::create(ib, args[1], args[0]);
      },
      filled(b, rows, zero), reduceChunks, rowOfChunk);
  // o[b,s,h,x] = Σ_k w[b,s,h,k] · o_k[b,s,h,k,x] / W[b,s,h]
  std::string resultLetters, chunkLetters;
  {
    StringRef out = valueSpec.split("->").second; // e.g. "bshkl"
    chunkLetters = out.str();
    for (char c : out)
      if (c != 'k')
        resultLetters.push_back(c);
  }
  Value merged = einsum(b, ("bshk," + chunkLetters + "->" + resultLetters),
                        weights, normalised, /*maskZeroLhs=*/true);
  unsigned resultRank = rankOf(merged);
  return buildGeneric(
      b, sizesOf(b, merged), b.getF32Type(), {merged, weightSum},
      {b.getMultiDimIdentityMap(resultRank),
       loopsMap(b, resultRank, {0, 1, 2})},
      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        Value empty =
            arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, args[1], zero);
        return arith::SelectOp::create(
            ib, empty, zero, arith::DivFOp::create(ib, args[0], args[1]));
      });
}

/// Writes each new token's latent and rope key into its cache slot:
///
///   for all b < B, s < S (in parallel):   t = seq_lens[b] - S + s
///     cache[block_table[b, t / G], t mod G, 0:L]   = c_kv[b, s]
///     cache[block_table[b, t / G], t mod G, L:L+R] = k_pe[b, s]
///
/// with runtime checks that t is a position of the block table and the page a
/// page of the cache.
Value emitAppend(ImplicitLocOpBuilder &b, Value cKv, Value kPe, Value cache,
                 Value blockTable, Value seqLens, int64_t latentDim,
                 int64_t ropeDim, bool runtimeChecks) {
  SmallVector<OpFoldResult> newSizes = sizesOf(b, cKv);
  SmallVector<OpFoldResult> cacheSizes = sizesOf(b, cache);
  Value tokens = indexOf(b, newSizes[1]);
  Value pageCount = indexOf(b, cacheSizes[0]);
  Value pageSize = indexOf(b, cacheSizes[1]);
  Value tableWidth = indexOf(b, sizesOf(b, blockTable)[1]);

  // The new rows [B, S, L+R] = [c_kv | k_pe], assembled before the scatter
  // so that the scatter's body allocates nothing (it becomes a GPU kernel).
  Type cacheElement = cast<RankedTensorType>(cache.getType()).getElementType();
  Value rows = buildGeneric(
      b, {newSizes[0], newSizes[1], b.getIndexAttr(latentDim + ropeDim)},
      cacheElement, {}, {}, [&](ImplicitLocOpBuilder &ib, ValueRange) -> Value {
        Value r = linalg::IndexOp::create(ib, 0);
        Value t = linalg::IndexOp::create(ib, 1);
        Value e = linalg::IndexOp::create(ib, 2);
        Value latentWidth = constantIndex(ib, latentDim);
        Value inLatent = arith::CmpIOp::create(ib, arith::CmpIPredicate::ult, e,
                                               latentWidth);
        Value latentIndex =
            arith::SelectOp::create(ib, inLatent, e, constantIndex(ib, 0));
        Value ropeIndex =
            arith::SelectOp::create(ib, inLatent, constantIndex(ib, 0),
                                    arith::SubIOp::create(ib, e, latentWidth));
        Value latent =
            tensor::ExtractOp::create(ib, cKv, ValueRange{r, t, latentIndex});
        Value rope =
            tensor::ExtractOp::create(ib, kPe, ValueRange{r, t, ropeIndex});
        return arith::SelectOp::create(ib, inLatent, latent, rope);
      });

  // One iteration per new token, all independent: an scf.forall whose
  // parallel inserts bufferize to in-place stores (and map to GPU threads).
  auto forall =
      scf::ForallOp::create(b, ArrayRef<OpFoldResult>{newSizes[0], newSizes[1]},
                            ValueRange{cache}, std::nullopt);
  Value request = forall.getInductionVars()[0];
  Value s = forall.getInductionVars()[1];
  Value shared = forall.getRegionIterArgs()[0];

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value zero = constantIndex(b, 0);
  Value length = extractIndex(b, seqLens, request);
  Value t =
      arith::AddIOp::create(b, arith::SubIOp::create(b, length, tokens), s);
  t = guardIndex(
      b, t, arith::CmpIOp::create(b, arith::CmpIPredicate::sge, t, zero), zero,
      "mla.cache.append: seq_lens[b] is smaller than the number of new "
      "tokens",
      runtimeChecks);
  Value tableIndex = arith::DivUIOp::create(b, t, pageSize);
  tableIndex = guardIndex(b, tableIndex,
                          arith::CmpIOp::create(b, arith::CmpIPredicate::ult,
                                                tableIndex, tableWidth),
                          zero,
                          "mla.cache.append: a new token lies beyond its "
                          "block table row",
                          runtimeChecks);
  Value page = extractIndex(b, blockTable, {request, tableIndex});
  page = guardIndex(
      b, page,
      arith::AndIOp::create(
          b, arith::CmpIOp::create(b, arith::CmpIPredicate::sge, page, zero),
          arith::CmpIOp::create(b, arith::CmpIPredicate::slt, page, pageCount)),
      zero, "mla.cache.append: the block table names a page outside the cache",
      runtimeChecks);
  Value slot = arith::RemUIOp::create(b, t, pageSize);

  // The slot's whole row [c_kv | k_pe], written with one parallel insert
  // (a thread inserting twice into the shared cache loses a write when the
  // forall has one iteration and is folded away).
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  SmallVector<OpFoldResult> unit = {b.getIndexAttr(1), b.getIndexAttr(1),
                                    b.getIndexAttr(latentDim + ropeDim)};
  Value slotRow = tensor::ExtractSliceOp::create(
      b, rows, SmallVector<OpFoldResult>{request, s, b.getIndexAttr(0)}, unit,
      strides);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(
      b, slotRow, shared,
      SmallVector<OpFoldResult>{page, slot, b.getIndexAttr(0)}, unit, strides);
  return forall.getResult(0);
}

/// `value` (f32) in the element type and static shape of `type`.
Value finish(ImplicitLocOpBuilder &b, Value value, Type type) {
  auto tensorType = cast<RankedTensorType>(type);
  value = convertElements(b, value, tensorType.getElementType());
  if (value.getType() != type)
    value = tensor::CastOp::create(b, type, value);
  return value;
}

//===----------------------------------------------------------------------===//
// Op lowerings
//===----------------------------------------------------------------------===//

/// scale-free scores q_a · k_aᵀ + q_pe · k_peᵀ of f32 operands.
Value emitScores(ImplicitLocOpBuilder &b, StringRef mainSpec, Value queries,
                 Value keys, Value queryRope, Value keyRope) {
  Value main = einsum(b, mainSpec, queries, keys);
  Value rope = einsum(b, "bshr,btr->bsht", queryRope, keyRope);
  return buildGeneric(
      b, sizesOf(b, main), b.getF32Type(), {main, rope},
      {b.getMultiDimIdentityMap(4), b.getMultiDimIdentityMap(4)},
      [](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        return arith::AddFOp::create(ib, args[0], args[1]);
      });
}

/// A request's cached tokens read through the block table, as f32 latent
/// rows [B, T, L] and rope keys [B, T, R] (zero beyond the lengths).
struct GatheredCache {
  Value latent;
  Value ropeKeys;
};

GatheredCache emitGatheredCache(ImplicitLocOpBuilder &b, Value cache,
                                Value blockTable, Value lengths,
                                ConfigAttr config, bool runtimeChecks) {
  Value gathered = emitGather(b, cache, blockTable, lengths, runtimeChecks);
  return {
      sliceLastDim(b, gathered, 0, config.getKvLoraRank()),
      sliceLastDim(b, gathered, config.getKvLoraRank(), config.getQkRopeDim())};
}

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
/// into chunks of `prefix_chunk` tokens merged by log-sum-exp.
struct FusedPrefillLowering : MLALowering<FusedPrefillOp> {
  using MLALowering::MLALowering;
  SmallVector<Value> lower(ImplicitLocOpBuilder &b, FusedPrefillOp op,
                           OpAdaptor adaptor) const override {
    ConfigAttr config = op.getConfig();
    GatheredCache rows =
        emitGatheredCache(b, adaptor.getCache(), adaptor.getBlockTable(),
                          adaptor.getKvLens(), config, runtimeChecks);
    Value keys =
        einsum(b, "btl,hln->bthn", rows.latent, toF32(b, adaptor.getWUk()));
    Value values =
        einsum(b, "btl,hlv->bthv", rows.latent, toF32(b, adaptor.getWUv()));
    Value scores =
        emitScores(b, "bshn,bthn->bsht", toF32(b, adaptor.getQNope()), keys,
                   toF32(b, adaptor.getQPe()), rows.ropeKeys);
    OpFoldResult chunk = b.getIndexAttr(op.getTiling().getPrefixChunk());
    OpFoldResult chunks = ceilDivSizes(b, sizesOf(b, scores)[3], chunk);
    return {emitChunkedAttention(b, scores, adaptor.getKvLens(), op.getCausal(),
                                 config.getEffectiveSoftmaxScale(), values,
                                 chunks, chunk, "bshkc,bkchv->bshkv")};
  }
};

struct ConvertMLAToLinalgPass
    : public mla::impl::ConvertMLAToLinalgBase<ConvertMLAToLinalgPass> {
  using ConvertMLAToLinalgBase::ConvertMLAToLinalgBase;

  void runOnOperation() override {
    ConversionTarget target(getContext());
    target.addIllegalDialect<MLADialect>();
    // Already on buffers: convert-mla-to-gpu's kernel op, expanded later.
    target.addLegalOp<DecodeKernelOp>();
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
