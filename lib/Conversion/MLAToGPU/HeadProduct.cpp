//===- HeadProduct.cpp - The per-head products of the decode ----*- C++ -*-===//
//
// q_lat = q_nope · W_UKᵀ and o = o_lat · W_UV: per-head tensor-core GEMMs
// (mma.sync) over the batch's rows, fed by a cp.async ring.
//
//===----------------------------------------------------------------------===//

#include "DecodeKernelEmitter.h"

#include <algorithm>

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
void DecodeKernelEmitter::emitHeadProduct(Value input, Value weight,
                                          Value output, int64_t k, int64_t n,
                                          bool weightKMajor, Value batch,
                                          StringRef name) {
  constexpr int64_t tile = 64, pitch = tile + 8;
  int64_t chunks = k / tile;
  // Every chunk in flight at once when there are few (q_lat: 2 chunks of
  // the 128-wide nope dim, 3 stages), else 4.
  int64_t stages = std::clamp<int64_t>(chunks + 1, 2, 4);
  OpBuilder::InsertionGuard guard(b);
  Value rows = a.mul(batch, spec.queries);
  gpu::LaunchOp kernel =
      launch(name, a.idx(n / tile), a.ceilDiv(rows, tile), a.idx(spec.heads),
             128, 2 * stages * tile * pitch * 2);
  Value colBase = a.mul(kernel.getBlockIds().x, tile);
  Value rowBase = a.mul(kernel.getBlockIds().y, tile);
  Value head = kernel.getBlockIds().z;
  Value tid = kernel.getThreadIds().x;
  Value warp = a.div(tid, 32), lane = a.rem(tid, 32);
  LaneLayout layout = laneLayout(lane);

  Value base = dynamicShared();
  Value lhsTiles = sharedView(base, 0, {stages, tile, pitch}, spec.elementType);
  Value rhsTiles = sharedView(base, stages * tile * pitch * 2,
                              {stages, tile, pitch}, spec.elementType);

  // Chunk c of the contraction into stage c % stages: 64 rows × 8 copies.
  auto loadChunk = [&](Value chunk) {
    Value stage = a.rem(chunk, stages);
    Value kBase = a.mul(chunk, tile);
    auto loop = scf::ForOp::create(b, tid, a.idx(tile * tile / 8), a.idx(128));
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value c = loop.getInductionVar();
    Value r = a.div(c, tile / 8), col = a.mul(a.rem(c, tile / 8), 8);
    Value row = a.add(rowBase, r);
    Value valid = a.lt(row, rows);
    row = a.select(valid, row, a.idx(0));
    copy8(lhsTiles, {stage, r, col}, input,
          {a.div(row, spec.queries), a.rem(row, spec.queries), head,
           a.add(kBase, col)},
          valid);
    Value always = arith::ConstantIntOp::create(b, 1, 1);
    if (weightKMajor)
      copy8(rhsTiles, {stage, r, col}, weight,
            {head, a.add(kBase, r), a.add(colBase, col)}, always);
    else
      copy8(rhsTiles, {stage, r, col}, weight,
            {head, a.add(colBase, r), a.add(kBase, col)}, always);
  };

  for (int64_t c = 0; c + 1 < stages; ++c) {
    if (c < chunks)
      loadChunk(a.idx(c));
    commitGroup();
  }
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
    Value aRow = a.add(a.mul(warp, 16), layout.rowMajorRow);
    for (int64_t kk = 0; kk < tile / 16; ++kk) {
      Value lhs = ldmatrix(
          lhsTiles, {stage, aRow, a.add(layout.rowMajorCol, 16 * kk)}, false);
      for (int64_t np = 0; np < tile / 16; ++np) {
        Value rhs = weightKMajor
                        ? ldmatrix(rhsTiles,
                                   {stage, a.add(layout.rowMajorRow, 16 * kk),
                                    a.add(layout.rowMajorCol, 16 * np)},
                                   true)
                        : ldmatrix(rhsTiles,
                                   {stage, a.add(layout.nMajorRow, 16 * np),
                                    a.add(layout.nMajorCol, 16 * kk)},
                                   false);
        acc[2 * np] = mma(lhs, halfOf(rhs, 0), acc[2 * np]);
        acc[2 * np + 1] = mma(lhs, halfOf(rhs, 1), acc[2 * np + 1]);
      }
    }
    scf::YieldOp::create(b, acc);
  }
  waitGroups(0);
  // C fragment rows quadRow, quadRow + 8 of the warp's 16; columns 2·quadCol.
  Value quadRow = a.div(lane, 4), quadCol = a.rem(lane, 4);
  for (int64_t r = 0; r < 2; ++r) {
    Value row = a.add(a.add(rowBase, a.mul(warp, 16)), a.add(quadRow, 8 * r));
    auto inside = scf::IfOp::create(b, a.lt(row, rows));
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(inside.thenBlock());
    Value bIndex = a.div(row, spec.queries), sIndex = a.rem(row, spec.queries);
    for (int64_t j = 0; j < tile / 8; ++j) {
      Value pair = arith::TruncFOp::create(
          b, VectorType::get({2}, spec.elementType),
          vector::ExtractOp::create(b, loop.getResult(j),
                                    ArrayRef<int64_t>{r}));
      Value col = a.add(a.add(colBase, a.mul(quadCol, 2)), 8 * j);
      vector::StoreOp::create(b, pair, output,
                              ValueRange{bIndex, sIndex, head, col});
    }
  }
  gpu::TerminatorOp::create(b);
}
