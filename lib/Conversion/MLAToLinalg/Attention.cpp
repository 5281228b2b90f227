//===- Attention.cpp - Masked softmax and attention -------------*- C++ -*-===//
//
// The reference semantics of attention: scores, the masked (causal, length-
// bounded) softmax, and the chunked attention that keeps long caches within
// memory.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/StringExtras.h"

#include <limits>

using namespace mlir;

namespace mlir::mla::reference {

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

OpFoldResult ceilDivSizes(ImplicitLocOpBuilder &b, OpFoldResult a,
                          OpFoldResult c) {
  std::optional<int64_t> x = getConstantIntValue(a), y = getConstantIntValue(c);
  if (x && y)
    return b.getIndexAttr((*x + *y - 1) / *y);
  return arith::CeilDivUIOp::create(b, indexOf(b, a), indexOf(b, c))
      .getResult();
}

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

} // namespace mlir::mla::reference
