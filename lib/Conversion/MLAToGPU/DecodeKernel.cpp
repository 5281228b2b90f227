//===- DecodeKernel.cpp - The fused MLA decode kernel as IR -----*- C++ -*-===//
//
// Emits the attention of `mla.fused_decode` as a hand-structured tensor-core
// kernel in a `gpu.launch` (nvgpu.mma.sync m16n8k16, ldmatrix, cp.async),
// plus the kernel that merges split-KV partial results. Host-side it takes
// buffers: q_lat [B, S, H, L] and q_pe [B, S, H, R] in the cache's element
// type, the paged cache [P, G, L+R], block table [B, M], lengths [B].
//
// One CTA per (split k, block of query rows, request b). The query rows of a
// request are its S·H (query, head) pairs, row = s·H + h. A CTA's warps:
//
//            output columns (L = 512)  ──►
//          ┌───────────── cs = 0 ───────────┬──────── cs = 1 ────────┐
//  rows  0 │ warp 0: S over dims 0..287     │ warp 4: S over 288..575│
//       16 │ warp 1                         │ warp 5                 │
//       32 │ warp 2        O[16, 0..255]    │ warp 6   O[16,256..511]│
//       48 │ warp 3                         │ warp 7                 │
//          └────────────────────────────────┴────────────────────────┘
//
// Each warp owns 16 rows (its row group rg) and 1/colSplits of the output
// columns (cs). Scores S = Q·Kᵀ for a tile of `blockTokens` tokens are split
// over the contraction dim between the warps of a row group, which exchange
// their partial sums through shared memory, so every warp then holds its
// rows' full scores and does the same online-softmax update. P (bf16/f16,
// registers: the C fragments of S are the A fragments of P·V) times the
// tile's first L columns accumulates into the warp's O columns.
//
// Shared memory (dynamic): Q [tileRows, pitch], `stages` × KV [blockTokens,
// pitch], the score exchange [2][warps][blockTokens/2][32] f32. Tiles are
// loaded with cp.async, token row by token row through the block table, so a
// cached token is read once for all the query rows of its CTA (all heads of a
// request when S·H ≤ 64); slots past the request's length are zero-filled
// and never read from memory, so NaN in unused slots cannot leak.
//
//===----------------------------------------------------------------------===//

#include "DecodeKernelEmitter.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::mla;
using namespace mlir::mla::decode;

//===----------------------------------------------------------------------===//
// Host side: the launches
//===----------------------------------------------------------------------===//

CTA DecodeKernelEmitter::setUpCTA(gpu::LaunchOp launch) {
  CTA cta;
  gpu::KernelDim3 block = launch.getBlockIds();
  cta.split = block.x;
  cta.rowBlock = block.y;
  cta.request = block.z;
  cta.tid = launch.getThreadIds().x;
  cta.warp = a.div(cta.tid, 32);
  cta.lane = a.rem(cta.tid, 32);
  cta.rowGroup = a.rem(cta.warp, plan.rowGroups());
  cta.colSlice = a.div(cta.warp, plan.rowGroups());
  cta.quadRow = a.div(cta.lane, 4);
  cta.quadCol = a.rem(cta.lane, 4);
  cta.rowBase = a.mul(cta.rowBlock, plan.tileRows);

  // This split's tokens: the request's length cut into `splits` chunks of
  // whole tiles; a chunk past the length is empty.
  cta.length = requestLength(cta.request, /*report=*/true);
  if (plan.balanced()) {
    // Scheduling metadata (emitSchedule): at most `chunk` tokens per CTA.
    auto entry = [&](Value i) {
      return a.toIndex(memref::LoadOp::create(b, ops->schedule, ValueRange{i}));
    };
    Value chunk = a.mul(entry(a.idx(0)), plan.blockTokens);
    Value count = entry(a.add(cta.request, 1));
    cta.active = a.lt(cta.split, count);
    cta.single = a.eq(count, 1);
    cta.start = a.min(a.mul(cta.split, chunk), cta.length);
    cta.end = a.min(a.add(cta.start, chunk), cta.length);
  } else if (plan.splits == 1) {
    cta.start = a.idx(0);
    cta.end = cta.length;
  } else {
    Value chunk =
        a.mul(a.ceilDiv(a.ceilDiv(cta.length, plan.splits), plan.blockTokens),
              plan.blockTokens);
    cta.start = a.min(a.mul(cta.split, chunk), cta.length);
    cta.end = a.min(a.add(cta.start, chunk), cta.length);
  }
  cta.tiles = a.ceilDiv(a.sub(cta.end, cta.start), plan.blockTokens);

  // Shared memory: named buffers of the dynamic shared memory.
  if (plan.warpgroup()) {
    setUpSwizzledTiles(cta);
    return cta;
  }
  Value memory = sharedMemory(16, plan.sharedBytes());
  cta.query = sharedBuffer(memory, 0, "query", {plan.tileRows, plan.pitch()},
                           plan.elementType);
  cta.tokens = sharedBuffer(memory, plan.queryTileBytes(), "tokens",
                            {plan.stages, plan.blockTokens, plan.pitch()},
                            plan.elementType);
  if (plan.colSplits() > 1)
    cta.exchange = sharedBuffer(
        memory, plan.queryTileBytes() + plan.stages * plan.tokenTileBytes(),
        "exchange", {2, plan.warps(), plan.blockTokens / 2, 32},
        b.getF32Type());
  return cta;
}

/// The wgmma kernel's buffers: the swizzle pattern repeats every 1024 bytes
/// and wgmma applies it to shared addresses, so the buffers are carved from
/// the first 1024-byte boundary of the dynamic shared memory (the plan's
/// size reserves the slack) at multiples of 1024 but for the row stats.
void DecodeKernelEmitter::setUpSwizzledTiles(CTA &cta) {
  int64_t atoms = plan.dim / 64;
  int64_t tokensAt = plan.queryTileBytes();
  int64_t probsAt = tokensAt + plan.stages * plan.tokenTileBytes();
  int64_t statsAt = probsAt + 64 * 64 * plan.elementBytes;
  Type element = plan.elementType;
  auto b128 = mla_gpu::Swizzle::B128;
  Value memory = sharedMemory(1024, statsAt + 3 * 64 * 4);
  cta.query = sharedBuffer(memory, 0, "query", {atoms, 64, 64}, element, b128);
  cta.tokens =
      sharedBuffer(memory, tokensAt, "tokens",
                   {plan.stages, atoms, plan.blockTokens, 64}, element, b128);
  cta.probs = sharedBuffer(memory, probsAt, "probs", {64, 64}, element, b128);
  cta.rowStats =
      sharedBuffer(memory, statsAt, "row_stats", {3, 64}, b.getF32Type());
  cta.queryAddress = byteAddress(cta.query);
  cta.tokensAddress = byteAddress(cta.tokens);
  cta.probsAddress = byteAddress(cta.probs);
}

//===----------------------------------------------------------------------===//
// Tile loads
//===----------------------------------------------------------------------===//

/// Request `request`'s rows of a [B, S, H, D] memref as the 2-d [S·H, D]
/// (row s·H + h), or of the split partials [B, rows, slots, L] at `split`
/// as [rows, L].
Value DecodeKernelEmitter::requestRows(Value memref, Value request,
                                       Value split) {
  auto type = cast<MemRefType>(memref.getType());
  if (!split)
    memref = memref::CollapseShapeOp::create(
        b, memref, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}});
  auto source = cast<MemRefType>(memref.getType());
  int64_t rows =
      split ? type.getDimSize(1) : type.getDimSize(1) * type.getDimSize(2);
  int64_t cols = type.getDimSize(3);
  SmallVector<OpFoldResult> offsets = {request, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(rows)};
  if (split) {
    offsets.push_back(split);
    sizes.push_back(b.getIndexAttr(1));
  }
  offsets.push_back(b.getIndexAttr(0));
  sizes.push_back(b.getIndexAttr(cols));
  SmallVector<OpFoldResult> strides(source.getRank(), b.getIndexAttr(1));
  MemRefType rowsType = memref::SubViewOp::inferRankReducedResultType(
      {rows, cols}, source, offsets, sizes, strides);
  return memref::SubViewOp::create(b, rowsType, memref, offsets, sizes,
                                   strides);
}

/// Q tile: row r of the CTA is query row rowBase + r of the request, i.e.
/// (s, h) = divmod(row, H) — a row of q_lat and q_pe with (S, H) collapsed;
/// its first L columns come from q_lat, the last R from q_pe. Rows past S·H
/// (and the wgmma kernel's padding rows past tileRows) are zero-filled.
void DecodeKernelEmitter::loadQueryTile(const CTA &cta) {
  Value valid =
      plan.queryRows() > plan.tileRows ? a.idx(plan.tileRows) : Value();
  auto swizzle =
      plan.warpgroup() ? mla_gpu::Swizzle::B128 : mla_gpu::Swizzle::None;
  auto load = [&](Value query, int64_t col, int64_t cols) {
    SmallVector<Value> at =
        plan.warpgroup()
            ? SmallVector<Value>{a.idx(col / 64), a.idx(0), a.idx(col % 64)}
            : SmallVector<Value>{a.idx(0), a.idx(col)};
    mla_gpu::LoadTileOp::create(
        b, requestRows(query, cta.request), ValueRange{cta.rowBase, a.idx(0)},
        cta.query, at, valid, plan.queryRows(), cols, plan.threads(), swizzle);
  };
  load(ops->queryLatent, 0, plan.latent);
  load(ops->queryRope, plan.latent, plan.dim - plan.latent);
}

Value DecodeKernelEmitter::requestLength(Value request, bool report) {
  int64_t pageSize = cast<MemRefType>(ops->cache.getType()).getDimSize(1);
  Value capacity =
      a.mul(memref::DimOp::create(b, ops->blockTable, 1).getResult(), pageSize);
  Value length =
      a.toIndex(memref::LoadOp::create(b, ops->lengths, ValueRange{request}));
  if (report)
    mla_gpu::CheckInputOp::create(
        b, a.andi(a.ge(length, a.idx(0)), a.le(length, capacity)),
        mla_gpu::BadInput::AttentionLength, request, length, capacity);
  return a.min(a.max(length, a.idx(0)), capacity);
}

/// The thread's token row of tile `tile` of the split, looked up (whether it
/// is in the split, its page and slot) for a later load.
DecodeKernelEmitter::TokenRow DecodeKernelEmitter::lookUpRow(const CTA &cta,
                                                             Value tile) {
  auto row = mla_gpu::LookUpTokensOp::create(
      b, ops->cache, ops->blockTable, cta.request, tile, cta.start, cta.end,
      plan.blockTokens, plan.threads());
  return {row.getValid(), row.getPage(), row.getSlot()};
}

/// KV tile `tile` of the split into stage tile % stages
/// (mla_gpu.load_tokens: through the block table, zero-filled past the
/// split's end, page indices clamped into the cache; docs/gpu.md), by the
/// thread's row looked up ahead when given.
void DecodeKernelEmitter::loadLatentTile(const CTA &cta, Value tile,
                                         const TokenRow *row) {
  auto swizzle =
      plan.warpgroup() ? mla_gpu::Swizzle::B128 : mla_gpu::Swizzle::None;
  mla_gpu::LoadTokensOp::create(
      b, ops->cache, ops->blockTable, cta.request, tile, cta.start, cta.end,
      cta.tokens, row ? row->valid : Value(), row ? row->page : Value(),
      row ? row->slot : Value(), plan.threads(), swizzle);
}

//===----------------------------------------------------------------------===//
// Tensor-core steps
//===----------------------------------------------------------------------===//

/// S[16, blockTokens] (partial: this warp's 1/colSplits of the contraction)
/// = Q[rows of rg, dims of cs] · K[tile tokens, dims of cs]ᵀ.
///
/// ldmatrix.x4 lane addresses (lane = 8·i + j reads row j of matrix i):
///   A (Q, row-major 16×16):       matrix i = rows 8·(i%2).., cols 8·(i/2)..
///   B (K as stored, token-major): matrix i = tokens 8·(i/2).., dims 8·(i%2)..
///   giving the B fragments of two 8-token n-tiles.
SmallVector<Value> DecodeKernelEmitter::mmaScores(const CTA &cta, Value stage) {
  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(frag.c));
  SmallVector<Value> acc(scoreTiles(), zero);
  Value dimBase = a.mul(cta.colSlice, scoreSteps() * 16);
  auto product = mla_gpu::WarpMmaOp::create(
      b, cta.query, ValueRange{a.mul(cta.rowGroup, 16), dimBase}, cta.tokens,
      ValueRange{stage, a.idx(0), dimBase}, acc, scoreSteps() * 16,
      /*b_n_major=*/true);
  return SmallVector<Value>(product.getResults());
}

/// The colSplits warps of a row group add their partial scores through
/// shared memory, each in the same order, so all hold the same full scores.
/// Layout [buffer][warp][register][lane]: conflict-free, coalesced.
SmallVector<Value> DecodeKernelEmitter::exchangeScores(const CTA &cta,
                                                       ArrayRef<Value> partial,
                                                       Value buffer) {
  if (plan.colSplits() == 1)
    return SmallVector<Value>(partial);
  auto element = [&](int64_t j, int64_t r, int64_t c) {
    return a.idx(4 * j + 2 * r + c);
  };
  for (int64_t j = 0; j < scoreTiles(); ++j)
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c)
        memref::StoreOp::create(
            b,
            vector::ExtractOp::create(b, partial[j], ArrayRef<int64_t>{r, c}),
            cta.exchange,
            ValueRange{buffer, cta.warp, element(j, r, c), cta.lane});
  barrier();
  SmallVector<Value> total;
  for (int64_t j = 0; j < scoreTiles(); ++j) {
    SmallVector<Value> sums;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c) {
        Value sum;
        for (int64_t cs = 0; cs < plan.colSplits(); ++cs) {
          Value warp = a.add(cta.rowGroup, cs * plan.rowGroups());
          Value v = memref::LoadOp::create(
              b, cta.exchange,
              ValueRange{buffer, warp, element(j, r, c), cta.lane});
          sum = sum ? a.fadd(sum, v) : v;
        }
        sums.push_back(sum);
      }
    total.push_back(vector::FromElementsOp::create(b, frag.c, sums));
  }
  return total;
}

/// One tile of the online softmax for the thread's rows (fragment rows
/// quadRow, quadRow + 8): mla_gpu.softmax_update (masking by each row's
/// visible length, the running max and sum, P), then O rescaled by the
/// update's α. Returns P as A fragments for P·V (16 tokens each). The row
/// sums stay per-thread until the end (the quad's four partial sums share
/// α).
SmallVector<Value>
DecodeKernelEmitter::onlineSoftmaxUpdate(const CTA &cta, Value tokenBase,
                                         ArrayRef<Value> scores,
                                         SoftmaxState &state) {
  auto pairType = VectorType::get({2}, b.getF32Type());
  auto pair = [&](Value *values) {
    return vector::FromElementsOp::create(b, pairType,
                                          ValueRange{values[0], values[1]})
        .getResult();
  };
  auto update = mla_gpu::SoftmaxUpdateOp::create(
      b, scores, pair(state.max), pair(state.sum), tokenBase,
      rowLimit(cta, fragmentRow(cta, 0)), rowLimit(cta, fragmentRow(cta, 1)),
      APFloat(plan.softmaxScale), plan.elementType);
  for (int64_t r = 0; r < 2; ++r) {
    state.max[r] = vector::ExtractOp::create(b, update.getNewMax(), r);
    state.sum[r] = vector::ExtractOp::create(b, update.getNewSum(), r);
    state.alpha[r] = vector::ExtractOp::create(b, update.getAlpha(), r);
  }
  if (!state.out.empty())
    state.out = scaleRows(state.out, state.alpha);
  return SmallVector<Value>(update.getProbs());
}

/// O[16, cols of cs] += P[16, tile tokens] · V, V = the tile's first L
/// columns, row-major (tokens × dims, k-major): mla_gpu.warp.mma_rs, P in
/// registers.
void DecodeKernelEmitter::mmaValues(const CTA &cta, Value stage,
                                    ArrayRef<Value> probs,
                                    SoftmaxState &state) {
  Value colBase = a.mul(cta.colSlice, plan.latent / plan.colSplits());
  auto product = mla_gpu::WarpMmaRsOp::create(
      b, probs, cta.tokens, ValueRange{stage, a.idx(0), colBase}, state.out,
      /*b_n_major=*/false);
  state.out.assign(product.getResults().begin(), product.getResults().end());
}

/// O / l per row (0 for a row that saw no token): the warp's fragments by
/// mla_gpu.store_fragments. Without splits straight to o_lat in the element
/// type; with splits, f32 partials and the rows' log-sum-exp (scale·m + ln
/// l, −inf when empty) for the combine. The row sums are per-thread
/// partials unless `sumsReduced`.
void DecodeKernelEmitter::storeOutput(const CTA &cta, const SoftmaxState &state,
                                      bool sumsReduced) {
  Value zero = a.f32(0);
  Value sums[2];
  for (int64_t r = 0; r < 2; ++r)
    sums[r] = sumsReduced ? state.sum[r] : quadSum(state.sum[r]);
  Value rowSums = vector::FromElementsOp::create(
      b, VectorType::get({2}, b.getF32Type()), ValueRange{sums[0], sums[1]});
  Value warpRow = a.add(cta.rowBase, a.mul(cta.rowGroup, 16));
  Value colBase = a.mul(cta.colSlice, plan.latent / plan.colSplits());
  // The wgmma kernel's padding rows past tileRows are not this CTA's.
  bool padded = plan.queryRows() > plan.tileRows;
  Value limit = padded ? a.add(cta.rowBase, plan.tileRows) : Value();
  auto store = [&](bool direct) {
    Value dest = direct ? requestRows(ops->latentOut, cta.request)
                        : requestRows(ops->partial, cta.request, cta.split);
    mla_gpu::StoreFragmentsOp::create(b, state.out, /*scale=*/Value(), rowSums,
                                      dest, warpRow, colBase, limit);
    if (direct)
      return;
    for (int64_t r = 0; r < 2; ++r) {
      Value row = fragmentRow(cta, r);
      Value writer =
          a.andi(a.lt(row, plan.rows()),
                 a.andi(a.eq(cta.colSlice, 0), a.eq(cta.quadCol, 0)));
      if (padded)
        writer = a.andi(writer, a.lt(localRow(cta, r), plan.tileRows));
      auto once = scf::IfOp::create(b, writer);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(once.thenBlock());
      Value lse = a.fadd(a.fmul(state.max[r], a.f32(plan.softmaxScale)),
                         math::LogOp::create(b, sums[r]));
      lse = a.select(a.fcmp(arith::CmpFPredicate::OGT, sums[r], zero), lse,
                     a.negInf());
      memref::StoreOp::create(b, lse, ops->logSumExp,
                              ValueRange{cta.request, row, cta.split});
    }
  };
  if (!plan.balanced())
    return store(/*direct=*/plan.splits == 1);
  // Balanced: a request's only CTA writes o_lat; the combine skips it.
  auto choice = scf::IfOp::create(b, cta.single, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(choice.thenBlock());
  store(/*direct=*/true);
  b.setInsertionPointToStart(choice.elseBlock());
  store(/*direct=*/false);
}

//===----------------------------------------------------------------------===//
// The kernels
//===----------------------------------------------------------------------===//

void DecodeKernelEmitter::emitAttention(const DecodeKernelOperands &operands) {
  OpBuilder::InsertionGuard guard(b);
  scf::IfOp active;
  CTA cta = beginAttention(operands, active);
  SoftmaxState state;
  SmallVector<Value> init = initialState();
  // With row-per-thread-group loading, the block-table lookup of the next
  // tile to load is issued early: an iteration ahead, carried by the loop,
  // when registers allow (column slices of at most 128 f32 accumulators
  // per thread); else before the iteration's wait and barrier.
  bool rowLoads = loadsRowPerThreadGroup();
  bool carryRow = rowLoads && outTiles() * 4 <= 64;
  if (carryRow) {
    TokenRow first = lookUpRow(cta, a.idx(plan.stages - 1));
    init.append({first.valid, first.page, first.slot});
  }
  int64_t stateValues = 4 + outTiles();
  auto loop = scf::ForOp::create(b, a.idx(0), cta.tiles, a.idx(1), init);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value tile = loop.getInductionVar();
    ValueRange carried = loop.getRegionIterArgs();
    state = unpackState(carried.take_front(stateValues));

    Value next = a.add(tile, plan.stages - 1);
    TokenRow nextRow;
    if (carryRow)
      nextRow = {carried[stateValues], carried[stateValues + 1],
                 carried[stateValues + 2]};
    else if (rowLoads)
      nextRow = lookUpRow(cta, next);
    // Tile `tile` has landed (this thread's copies), then everyone's — and
    // everyone is done with the stage the next load overwrites.
    waitGroups(plan.stages - 2);
    barrier();
    loadNextTile(cta, next, rowLoads ? &nextRow : nullptr);
    TokenRow ahead;
    if (carryRow)
      ahead = lookUpRow(cta, a.add(next, 1));

    Value stage = a.rem(tile, plan.stages);
    Value tokenBase = tileStart(cta, tile);
    SmallVector<Value> scores =
        exchangeScores(cta, mmaScores(cta, stage), a.rem(tile, 2));
    SmallVector<Value> probs =
        onlineSoftmaxUpdate(cta, tokenBase, scores, state);
    mmaValues(cta, stage, probs, state);

    SmallVector<Value> yielded = packState(state);
    if (carryRow)
      yielded.append({ahead.valid, ahead.page, ahead.slot});
    scf::YieldOp::create(b, yielded);
  }
  waitGroups(0);
  storeOutput(cta, unpackState(loop.getResults().take_front(stateValues)));
  endAttention(active);
}

CTA DecodeKernelEmitter::beginAttention(const DecodeKernelOperands &operands,
                                        scf::IfOp &active) {
  ops = &operands;
  gpu::LaunchOp kernel = launch("decode_attention", a.idx(plan.splitSlots()),
                                a.idx(plan.rowBlocks()), operands.batch,
                                plan.threads(), plan.sharedBytes());
  CTA cta = setUpCTA(kernel);
  active = guardActive(cta);
  // Prologue: Q and the first stages − 1 tiles in flight, one cp.async
  // group per tile (empty groups past the end keep the count uniform).
  loadQueryTile(cta);
  if (plan.tma()) {
    // With TMA, Q is the only cp.async group: it is waited for here, behind
    // the first tiles' copies.
    commitGroup();
    initTmaBarriers(cta);
    for (int64_t t = 0; t + 1 < plan.stages; ++t)
      issueTmaTile(cta, a.idx(t));
    waitGroups(0);
    asyncProxyFence();
    return cta;
  }
  for (int64_t t = 0; t + 1 < plan.stages; ++t)
    loadNextTile(cta, a.idx(t), /*row=*/nullptr);
  return cta;
}

void DecodeKernelEmitter::endAttention(scf::IfOp active) {
  if (active)
    b.setInsertionPointAfter(active);
  gpu::TerminatorOp::create(b);
}

void DecodeKernelEmitter::loadNextTile(const CTA &cta, Value next,
                                       const TokenRow *row) {
  auto exists = scf::IfOp::create(b, a.lt(next, cta.tiles));
  {
    OpBuilder::InsertionGuard load(b);
    b.setInsertionPointToStart(exists.thenBlock());
    loadLatentTile(cta, next, row);
  }
  commitGroup();
}

SmallVector<Value> DecodeKernelEmitter::initialState() {
  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(frag.c));
  SmallVector<Value> init = {a.negInf(), a.negInf(), a.f32(0), a.f32(0)};
  init.append(outTiles(), zero);
  return init;
}

SoftmaxState DecodeKernelEmitter::unpackState(ValueRange values) {
  SoftmaxState state;
  state.max[0] = values[0];
  state.max[1] = values[1];
  state.sum[0] = values[2];
  state.sum[1] = values[3];
  state.out.assign(values.begin() + 4, values.end());
  return state;
}

SmallVector<Value> DecodeKernelEmitter::packState(const SoftmaxState &state) {
  SmallVector<Value> values = {state.max[0], state.max[1], state.sum[0],
                               state.sum[1]};
  values.append(state.out);
  return values;
}

void mlir::mla::emitDecodeKernels(ImplicitLocOpBuilder &b,
                                  const DecodeKernelPlan &plan,
                                  const DecodeKernelOperands &given) {
  DecodeKernelEmitter emitter(b, plan);
  // The tensor map as early as the cache exists (at the function's entry
  // for an argument): it is host code (a runtime call), and host code after
  // GPU work would cut the function's stream in two (gpu-async-region
  // synchronises before it).
  DecodeKernelOperands operands = given;
  if (plan.tma()) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfterValue(operands.cache);
    operands.tensorMap = emitter.createCacheTensorMap(operands.cache);
  }
  // q_lat[b,s,h,l] = Σ_n q_nope[b,s,h,n] · W_UK[h,l,n]   (W_UK n-major)
  emitter.emitHeadProduct(operands.queryNope, operands.keyWeight,
                          operands.queryLatent, plan.nope, plan.latent,
                          /*weightKMajor=*/false, operands.batch,
                          "decode_query_latent");
  if (plan.balanced())
    emitter.emitSchedule(operands);
  if (plan.warpgroup())
    emitter.emitWarpgroupAttention(operands);
  else
    emitter.emitAttention(operands);
  // o[b,s,h,v] = Σ_l o_lat[b,s,h,l] · W_UV[h,l,v]          (W_UV k-major)
  // With even splits o_lat is combined from the partials inside the value
  // product; the balanced schedule's requests differ in CTA count, and those
  // with one CTA wrote o_lat themselves: a combine kernel, then the product.
  if (plan.combinesInProduct()) {
    emitter.emitCombinedValueProduct(operands);
    return;
  }
  if (plan.splitSlots() > 1)
    emitter.emitCombine(operands);
  emitter.emitHeadProduct(operands.latentOut, operands.valueWeight,
                          operands.output, plan.latent, plan.value,
                          /*weightKMajor=*/true, operands.batch,
                          "decode_value");
}
