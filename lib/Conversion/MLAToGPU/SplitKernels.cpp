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

/// acc + w·part and total + w for one split's columns `part` (vector<4xf32>),
/// w = e^(lse − top) (0 for a row with no token anywhere: top = −inf).
void DecodeKernelEmitter::accumulateSplit(Value part, Value lse, Value top,
                                          Value &acc, Value &total) {
  auto vec4 = VectorType::get({4}, b.getF32Type());
  Value empty = a.fcmp(arith::CmpFPredicate::OEQ, top, a.negInf());
  Value weight =
      a.select(empty, a.f32(0), math::ExpOp::create(b, a.fsub(lse, top)));
  acc = vector::FMAOp::create(b, vector::BroadcastOp::create(b, vec4, weight),
                              part, acc);
  total = a.fadd(total, weight);
}

Value DecodeKernelEmitter::loadPartial(Value request, Value row, Value k,
                                       Value col) {
  return loadVector(VectorType::get({4}, b.getF32Type()), ops->partial,
                    ValueRange{request, row, k, col});
}

/// acc / total, 0 where total is 0 (a row with no token).
Value DecodeKernelEmitter::normalise(Value acc, Value total) {
  auto vec4 = VectorType::get({4}, b.getF32Type());
  Value zero = a.f32(0);
  Value inverse = a.select(a.fcmp(arith::CmpFPredicate::OGT, total, zero),
                           a.fdiv(a.f32(1), total), zero);
  return a.fmul(acc, vector::BroadcastOp::create(b, vec4, inverse));
}

Value DecodeKernelEmitter::combineColumns(Value request, Value row, Value col) {
  auto vec4 = VectorType::get({4}, b.getF32Type());
  SmallVector<Value> lse;
  Value top = a.negInf();
  for (int64_t k = 0; k < plan.splits; ++k) {
    lse.push_back(memref::LoadOp::create(b, ops->logSumExp,
                                         ValueRange{request, row, a.idx(k)}));
    top = a.fmax(top, lse.back());
  }
  // Every split's columns loaded before any is used: all in flight at once.
  SmallVector<Value> parts;
  for (int64_t k = 0; k < plan.splits; ++k)
    parts.push_back(loadPartial(request, row, a.idx(k), col));
  Value acc = arith::ConstantOp::create(b, b.getZeroAttr(vec4));
  Value total = a.f32(0);
  for (int64_t k = 0; k < plan.splits; ++k)
    accumulateSplit(parts[k], lse[k], top, acc, total);
  return normalise(acc, total);
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
  auto vec4 = VectorType::get({4}, b.getF32Type());
  auto lseAt = [&](Value k) {
    return memref::LoadOp::create(b, ops->logSumExp,
                                  ValueRange{request, row, k})
        .getResult();
  };
  Value count = a.toIndex(
      memref::LoadOp::create(b, ops->schedule, ValueRange{a.add(request, 1)}));
  auto split = scf::IfOp::create(b, a.lt(a.idx(1), count));
  b.setInsertionPointToStart(split.thenBlock());
  auto maxLoop =
      scf::ForOp::create(b, a.idx(0), count, a.idx(1), ValueRange{a.negInf()});
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(maxLoop.getBody());
    scf::YieldOp::create(b, a.fmax(maxLoop.getRegionIterArgs()[0],
                                   lseAt(maxLoop.getInductionVar())));
  }
  Value top = maxLoop.getResult(0);
  Value zeros = arith::ConstantOp::create(b, b.getZeroAttr(vec4));
  auto sumLoop = scf::ForOp::create(b, a.idx(0), count, a.idx(1),
                                    ValueRange{zeros, a.f32(0)});
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(sumLoop.getBody());
    Value k = sumLoop.getInductionVar();
    Value acc = sumLoop.getRegionIterArgs()[0];
    Value total = sumLoop.getRegionIterArgs()[1];
    accumulateSplit(loadPartial(request, row, k, col), lseAt(k), top, acc,
                    total);
    scf::YieldOp::create(b, ValueRange{acc, total});
  }
  Value out = normalise(sumLoop.getResult(0), sumLoop.getResult(1));
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
  Value shared = sharedView(dynamicShared(), 0, {2 * warps + 1}, i32);
  auto tilesOf = [&](Value request) {
    Value length =
        a.toIndex(memref::LoadOp::create(b, ops->lengths, ValueRange{request}));
    return a.ceilDiv(a.max(length, a.idx(0)), plan.blockTokens);
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
