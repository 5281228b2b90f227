//===- SplitKernels.cpp - Split-KV combine and scheduling metadata -*- C++
//-*-===//
//
// The two small kernels around a split decode attention: the scheduling
// metadata of the balanced schedule (before it) and the combine that merges
// the splits' partial outputs by their log-sum-exp (after it).
//
//===----------------------------------------------------------------------===//

#include "DecodeKernelEmitter.h"

using namespace mlir;
using namespace mlir::mla;
using namespace mlir::mla::decode;

Value DecodeKernelEmitter::combineColumns(Value request, Value row, Value col) {
  return mla_gpu::CombineSplitsOp::create(b, ops->partial, request, row, col,
                                          ops->logSumExp, Value());
}

/// o = Σ_k w_k·o_k / Σ_k w_k, w_k = e^(lse_k − max lse): one CTA of one
/// warp per 128 columns (the whole row if L is no multiple), query row and
/// request — enough CTAs to keep loads in flight when the batch is small —
/// four columns per thread. Used by the balanced schedule only (the even
/// one combines inside the value product, emitHeadProduct): the request's
/// CTA count from the scheduling metadata, nothing when it had one CTA
/// (which wrote o_lat itself).
void DecodeKernelEmitter::emitCombine(const DecodeKernelOperands &operands) {
  ops = &operands;
  OpBuilder::InsertionGuard guard(b);
  int64_t columns = plan.latent % 128 == 0 ? 128 : plan.latent;
  gpu::LaunchOp kernel =
      launch("decode_combine", a.idx(plan.rows()), operands.batch,
             a.idx(plan.latent / columns), columns / 4, 0);
  Value row = kernel.getBlockIds().x, request = kernel.getBlockIds().y;
  Value col = a.mul(a.add(a.mul(kernel.getBlockIds().z, columns / 4),
                          kernel.getThreadIds().x),
                    4);
  Value count = a.toIndex(
      memref::LoadOp::create(b, ops->schedule, ValueRange{a.add(request, 1)}));
  auto split = scf::IfOp::create(b, a.lt(a.idx(1), count));
  b.setInsertionPointToStart(split.thenBlock());
  Value out = mla_gpu::CombineSplitsOp::create(b, ops->partial, request, row,
                                               col, ops->logSumExp, count);
  out = arith::TruncFOp::create(b, VectorType::get({4}, plan.elementType), out);
  Value s = a.div(row, plan.heads), h = a.rem(row, plan.heads);
  storeVector(out, ops->latentOut, ValueRange{request, s, h, col});
  b.setInsertionPointAfter(split);
  gpu::TerminatorOp::create(b);
}

/// The scheduling metadata of the balanced schedule (FlashMLA's idea): one
/// CTA sums the requests' tiles, t_b = ⌈len_b / T⌉, and deals them so that
/// no CTA gets more than
///   chunk = max(⌈Σ t_b / (B·splits)⌉, ⌈max t_b / slots⌉, 1) tiles,
/// request b then getting n_b = max(⌈t_b / chunk⌉, 1) CTAs (a zero-length
/// request keeps one, which writes its zeros). schedule = [chunk, n_0, …].
/// Warp sums by shuffles, the eight warps' through shared memory.
void DecodeKernelEmitter::emitSchedule(const DecodeKernelOperands &operands) {
  ops = &operands;
  OpBuilder::InsertionGuard guard(b);
  constexpr int64_t threads = 256, warps = threads / 32;
  gpu::LaunchOp kernel = launch("decode_schedule", a.idx(1), a.idx(1), a.idx(1),
                                threads, (2 * warps + 1) * 4);
  Value tid = kernel.getThreadIds().x;
  Value lane = a.rem(tid, 32), warp = a.div(tid, 32);
  Type i32 = b.getI32Type();
  Value shared = sharedBuffer(sharedMemory(16, (2 * warps + 1) * 4), 0,
                              "warp_sums", {2 * warps + 1}, i32);
  // The lengths as the attention kernels clamp them (they report).
  auto tilesOf = [&](Value request) {
    return a.ceilDiv(requestLength(request, /*report=*/false),
                     plan.blockTokens);
  };
  auto toI32 = [&](Value v) {
    return arith::IndexCastOp::create(b, i32, v).getResult();
  };
  auto loop = scf::ForOp::create(b, tid, operands.batch, a.idx(threads),
                                 ValueRange{a.idx(0), a.idx(0)});
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value tiles = tilesOf(loop.getInductionVar());
    scf::YieldOp::create(b,
                         ValueRange{a.add(loop.getRegionIterArgs()[0], tiles),
                                    a.max(loop.getRegionIterArgs()[1], tiles)});
  }
  Value sum = toI32(loop.getResult(0)), most = toI32(loop.getResult(1));
  for (int32_t offset : {1, 2, 4, 8, 16}) {
    auto shuffle = [&](Value v) {
      return gpu::ShuffleOp::create(b, v, offset, 32, gpu::ShuffleMode::XOR)
          .getShuffleResult();
    };
    sum = arith::AddIOp::create(b, sum, shuffle(sum));
    most = arith::MaxSIOp::create(b, most, shuffle(most));
  }
  {
    auto first = scf::IfOp::create(b, a.eq(lane, 0));
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(first.thenBlock());
    memref::StoreOp::create(b, sum, shared, ValueRange{warp});
    memref::StoreOp::create(b, most, shared, ValueRange{a.add(warp, warps)});
  }
  barrier();
  {
    auto leader = scf::IfOp::create(b, a.eq(tid, 0));
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(leader.thenBlock());
    Value total = a.idx(0), longest = a.idx(0);
    for (int64_t w = 0; w < warps; ++w) {
      total = a.add(total, a.toIndex(memref::LoadOp::create(
                               b, shared, ValueRange{a.idx(w)})));
      longest = a.max(longest, a.toIndex(memref::LoadOp::create(
                                   b, shared, ValueRange{a.idx(warps + w)})));
    }
    Value target = a.max(a.mul(operands.batch, plan.splits), a.idx(1));
    Value chunk = a.max(arith::CeilDivUIOp::create(b, total, target),
                        a.ceilDiv(longest, plan.splitSlots()));
    chunk = a.max(chunk, a.idx(1));
    memref::StoreOp::create(b, toI32(chunk), shared,
                            ValueRange{a.idx(2 * warps)});
    memref::StoreOp::create(b, toI32(chunk), ops->schedule,
                            ValueRange{a.idx(0)});
  }
  barrier();
  Value chunk = a.toIndex(
      memref::LoadOp::create(b, shared, ValueRange{a.idx(2 * warps)}));
  auto counts = scf::ForOp::create(b, tid, operands.batch, a.idx(threads));
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(counts.getBody());
    Value request = counts.getInductionVar();
    Value count =
        a.max(arith::CeilDivUIOp::create(b, tilesOf(request), chunk), a.idx(1));
    memref::StoreOp::create(b, toI32(count), ops->schedule,
                            ValueRange{a.add(request, 1)});
  }
  gpu::TerminatorOp::create(b);
}
