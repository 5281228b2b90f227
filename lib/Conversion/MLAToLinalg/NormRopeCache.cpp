//===- NormRopeCache.cpp - RMSNorm, RoPE and the paged cache ----*- C++ -*-===//
//
// The reference semantics of RMSNorm, RoPE (both pairings, YaRN) and the
// paged latent cache: the gather through the block table and the append of
// new tokens (scf.forall of parallel inserts, with checks).
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLA/Utils/Rope.h"

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

Value emitRope(ImplicitLocOpBuilder &b, Value x, Value positions,
               ConfigAttr config) {
  unsigned rank = rankOf(x);
  int64_t ropeDim = config.getQkRopeDim();
  return buildGeneric(
      b, sizesOf(b, x), b.getF32Type(), {x, positions},
      {b.getMultiDimIdentityMap(rank), loopsMap(b, rank, {0, 1})},
      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        SmallVector<Value> indices;
        for (unsigned d = 0; d < rank; ++d)
          indices.push_back(linalg::IndexOp::create(ib, d));
        RopePairing pairing = buildRopePairing(ib, indices.back(), ropeDim,
                                               config.getRopeStyle());
        indices.back() = pairing.partner;
        Value partner = tensor::ExtractOp::create(ib, x, indices);
        // The angle is computed in place (no table in memory): the GPU
        // kernels build the same ops.
        RopeRotation rotation =
            buildRopeRotation(ib, pairing.pair, args[1], config);
        return buildRopeRotate(ib, args[0], partner, pairing.isFirst,
                               rotation);
      });
}

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

GatheredCache emitGatheredCache(ImplicitLocOpBuilder &b, Value cache,
                                Value blockTable, Value lengths,
                                ConfigAttr config, bool runtimeChecks) {
  Value gathered = emitGather(b, cache, blockTable, lengths, runtimeChecks);
  return {
      sliceLastDim(b, gathered, 0, config.getKvLoraRank()),
      sliceLastDim(b, gathered, config.getKvLoraRank(), config.getQkRopeDim())};
}

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

} // namespace mlir::mla::reference
