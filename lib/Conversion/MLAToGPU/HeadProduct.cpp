//===- HeadProduct.cpp - The per-head products of the decode ----*- C++ -*-===//
//
// q_lat = q_nope · W_UKᵀ and o = o_lat · W_UV: per-head tensor-core GEMMs
// (mma.sync) over the batch's rows, fed by a cp.async ring. With split KV
// (even schedule) the value product combines the splits' partial outputs
// itself, so that o_lat never goes through device memory.
//
//===----------------------------------------------------------------------===//

#include "DecodeKernelEmitter.h"

using namespace mlir;
using namespace mlir::mla;
using namespace mlir::mla::decode;

/// output[b, s, h, :] = input[b, s, h, :] · W_h for every head h: a
/// per-head GEMM over the M = B·S rows, W_h [n, k] (n-major, W_UK) or
/// [k, n] (k-major, W_UV). One CTA per (64 columns, 64 rows, head), four
/// warps of 16 rows × 64 columns, the contraction in 64-wide chunks through a
/// ring of chunks + 1 (at most 4) shared-memory stages filled by cp.async (the
/// weights are read once: keeping several chunks in flight is what makes these
/// small products run at memory speed). Rows past M are zero-filled and not
/// stored.
///
/// `combined`: the left operand is not read from `input` but combined from
/// the even schedule's split partials (ops->partial, ops->logSumExp) into a
/// resident shared-memory tile of all k columns, while the first weight
/// chunks are in flight:
///
///   shared:  lhs [64 rows, k + 8]            (combined once, bf16/f16)
///            rhs [stages][64, 64 + 8]        (W_h chunks, cp.async ring)
///   row r of lhs = Σ_j w_j·partial[b, s·H + h, j, :] / Σ_j w_j,
///            product row rowBase + r = b·S + s, w_j = e^(lse_j − max lse)
///
/// Each CTA of the n / 64 column blocks combines its rows again (n = 128:
/// twice, from L2), which costs less than o_lat's round trip through device
/// memory and a separate combine launch.
void DecodeKernelEmitter::emitHeadProduct(Value input, Value weight,
                                          Value output, int64_t k, int64_t n,
                                          bool weightKMajor, Value batch,
                                          StringRef name, bool combined) {
  constexpr int64_t tile = 64, pitch = tile + 8;
  int64_t chunks = k / tile;
  // Every chunk in flight at once when there are few (q_lat: 2 chunks of
  // the 128-wide nope dim, 3 stages), else 4 (3 beside a resident tile on
  // chips of 99 KiB: DecodeKernelPlan::productStages).
  int64_t stages = plan.productStages(k, combined);
  int64_t residentPitch = k + 8; // conflict-free ldmatrix rows
  int64_t lhsBytes = plan.productInputBytes(k, combined);
  OpBuilder::InsertionGuard guard(b);
  Value rows = a.mul(batch, plan.queries);
  gpu::LaunchOp kernel =
      launch(name, a.idx(n / tile), a.ceilDiv(rows, tile), a.idx(plan.heads),
             128, plan.productSharedBytes(k, combined));
  Value colBase = a.mul(kernel.getBlockIds().x, tile);
  Value rowBase = a.mul(kernel.getBlockIds().y, tile);
  Value head = kernel.getBlockIds().z;
  Value tid = kernel.getThreadIds().x;
  Value warp = a.div(tid, 32), lane = a.rem(tid, 32);

  Value memory = sharedMemory(16, plan.productSharedBytes(k, combined));
  Value lhsTiles =
      combined ? sharedBuffer(memory, 0, "input", {tile, residentPitch},
                              plan.elementType)
               : sharedBuffer(memory, 0, "input", {stages, tile, pitch},
                              plan.elementType);
  Value rhsTiles = sharedBuffer(memory, lhsBytes, "weight",
                                {stages, tile, pitch}, plan.elementType);

  // The head's operands as 2-d memrefs: input rows (b, s) [B·S, k], the
  // weight [k, n] (k-major) or [n, k].
  auto headSlice = [&](Value memref, int64_t rowsDim) {
    auto type = cast<MemRefType>(memref.getType());
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes, strides(rank, b.getIndexAttr(1));
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(type.isDynamicDim(d)
                          ? OpFoldResult(memref::DimOp::create(b, memref, d)
                                             .getResult())
                          : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
    offsets[rowsDim] = head;
    sizes[rowsDim] = b.getIndexAttr(1);
    SmallVector<int64_t> shape;
    for (int64_t d = 0; d < rank; ++d)
      if (d != rowsDim)
        shape.push_back(type.getDimSize(d));
    MemRefType sliceType = memref::SubViewOp::inferRankReducedResultType(
        shape, type, offsets, sizes, strides);
    return memref::SubViewOp::create(b, sliceType, memref, offsets, sizes,
                                     strides)
        .getResult();
  };
  Value inputRows;
  if (!combined) {
    // [B, S, H, k] → [B·S, H, k] → head h's [B·S, k].
    Value collapsed = memref::CollapseShapeOp::create(
        b, input, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    inputRows = headSlice(collapsed, 1);
  }
  Value weightRows = headSlice(weight, 0);
  // Chunk c of the contraction into stage c % stages: 64 rows × 64 columns
  // of the input and of the weight.
  auto loadChunk = [&](Value chunk) {
    Value stage = a.rem(chunk, stages);
    Value kBase = a.mul(chunk, tile);
    auto copy = [&](Value from, ValueRange at, Value to) {
      mla_gpu::LoadTileOp::create(b, from, at, to,
                                  ValueRange{stage, a.idx(0), a.idx(0)},
                                  Value(), tile, tile, 128,
                                  mla_gpu::Swizzle::None);
    };
    if (!combined)
      copy(inputRows, {rowBase, kBase}, lhsTiles);
    if (weightKMajor)
      copy(weightRows, {kBase, colBase}, rhsTiles);
    else
      copy(weightRows, {colBase, kBase}, rhsTiles);
  };

  for (int64_t c = 0; c + 1 < stages; ++c) {
    if (c < chunks)
      loadChunk(a.idx(c));
    commitGroup();
  }
  // The first loop iteration's barrier orders these stores before ldmatrix.
  if (combined)
    combineTileRows(lhsTiles, rowBase, rows, head, k, tid);
  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(frag.c));
  SmallVector<Value> init(tile / 8, zero);
  auto loop = scf::ForOp::create(b, a.idx(0), a.idx(chunks), a.idx(1), init);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value chunk = loop.getInductionVar();
    SmallVector<Value> acc(loop.getRegionIterArgs());
    waitGroups(stages - 2);
    barrier();
    Value next = a.add(chunk, stages - 1);
    auto exists = scf::IfOp::create(b, a.lt(next, a.idx(chunks)));
    {
      OpBuilder::InsertionGuard load(b);
      b.setInsertionPointToStart(exists.thenBlock());
      loadChunk(next);
    }
    commitGroup();
    Value stage = a.rem(chunk, stages);
    // The warp's 16 rows × 64 columns += its rows of the input chunk ·
    // the weight chunk (W_UV k-major, W_UK n-major).
    Value aRow = a.mul(warp, 16);
    SmallVector<Value> lhsAt =
        combined ? SmallVector<Value>{aRow, a.mul(chunk, tile)}
                 : SmallVector<Value>{stage, aRow, a.idx(0)};
    auto product = mla_gpu::WarpMmaOp::create(
        b, lhsTiles, lhsAt, rhsTiles, ValueRange{stage, a.idx(0), a.idx(0)},
        acc, tile, /*b_n_major=*/!weightKMajor);
    scf::YieldOp::create(b, product.getResults());
  }
  waitGroups(0);
  // C fragment rows quadRow, quadRow + 8 of the warp's 16; columns 2·quadCol.
  Value quadRow = a.div(lane, 4), quadCol = a.rem(lane, 4);
  for (int64_t r = 0; r < 2; ++r) {
    Value row = a.add(a.add(rowBase, a.mul(warp, 16)), a.add(quadRow, 8 * r));
    auto inside = scf::IfOp::create(b, a.lt(row, rows));
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(inside.thenBlock());
    Value bIndex = a.div(row, plan.queries), sIndex = a.rem(row, plan.queries);
    for (int64_t j = 0; j < tile / 8; ++j) {
      Value pair = arith::TruncFOp::create(
          b, VectorType::get({2}, plan.elementType),
          vector::ExtractOp::create(b, loop.getResult(j),
                                    ArrayRef<int64_t>{r}));
      Value col = a.add(a.add(colBase, a.mul(quadCol, 2)), 8 * j);
      storeVector(pair, output, ValueRange{bIndex, sIndex, head, col});
    }
  }
  gpu::TerminatorOp::create(b);
}

/// Rows [rowBase, rowBase + 64) of the product's left operand, combined from
/// the split partials into `tile` [64, k + 8]: four columns per thread and
/// pass, the row's splits unrolled (their loads in flight together); rows
/// past M are zeros.
void DecodeKernelEmitter::combineTileRows(Value tile, Value rowBase, Value rows,
                                          Value head, int64_t k, Value tid) {
  constexpr int64_t tileRows = 64, threads = 128;
  auto vec4 = VectorType::get({4}, b.getF32Type());
  auto rowLoop = scf::ForOp::create(b, a.idx(0), a.idx(tileRows), a.idx(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(rowLoop.getBody());
  Value r = rowLoop.getInductionVar();
  Value row = a.add(rowBase, r);
  Value request = a.div(row, plan.queries);
  // Partial row s·H + h of query s.
  Value partialRow = a.add(a.mul(a.rem(row, plan.queries), plan.heads), head);
  auto colLoop =
      scf::ForOp::create(b, a.mul(tid, 4), a.idx(k), a.idx(4 * threads));
  b.setInsertionPointToStart(colLoop.getBody());
  Value col = colLoop.getInductionVar();
  auto inside = scf::IfOp::create(b, vec4, a.lt(row, rows),
                                  /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard branch(b);
    b.setInsertionPointToStart(inside.thenBlock());
    scf::YieldOp::create(b, combineColumns(request, partialRow, col));
    b.setInsertionPointToStart(inside.elseBlock());
    scf::YieldOp::create(
        b, ValueRange{arith::ConstantOp::create(b, b.getZeroAttr(vec4))});
  }
  Value value = arith::TruncFOp::create(
      b, VectorType::get({4}, plan.elementType), inside.getResult(0));
  storeVector(value, tile, ValueRange{r, col});
}
