//===- WarpgroupKernel.cpp - The wgmma decode attention kernel --*- C++ -*-===//
//
// The attention of the fused decode with warpgroup MMAs (sm_90a): the wgmma
// steps (descriptors of 128B-swizzled shared tiles, S = Q·Kᵀ, P·V) and the
// kernel built from them and the helpers it shares with the mma.sync kernel
// (tile loads, the online softmax, the epilogue). docs/decode-kernel.md.
//
//===----------------------------------------------------------------------===//

#include "DecodeKernelEmitter.h"

using namespace mlir;
using namespace mlir::mla;
using namespace mlir::mla::decode;

//===----------------------------------------------------------------------===//
// Warpgroup (wgmma) steps
//===----------------------------------------------------------------------===//
//
// The wgmma kernel's CTA: two warpgroups over the same 64 query rows.
//
//              S = Q·Kᵀ [64, T]            O [64, L]
//            ┌──────────────────┐  ┌────────────────┬────────────────┐
//   rows  0  │ warpgroup 0:     │  │ warpgroup 0:   │ warpgroup 1:   │
//   ..   63  │ wgmma m64nTk16   │  │ O[:, 0..L/2)   │ O[:, L/2..L)   │
//            │ × (L+R)/16, the  │  │ += P·V, wgmma  │ += P·V, wgmma  │
//            │ online softmax   │  │ m64n(L/2)k16   │ m64n(L/2)k16   │
//            └──────────────────┘  └────────────────┴────────────────┘
//                 P (bf16), α ──► shared memory ──► both warpgroups
//
// Warp w of a warpgroup holds rows 16·(w mod 4).. of every accumulator, in
// the mma.sync C-fragment order, so the online softmax and the epilogue are
// the mma.sync kernel's. Q, the KV stages and P sit in shared memory as
// 128B-swizzled K-major atoms ([rows][64 elements], chunk c of row r at
// c ⊕ r mod 8): Q and K are K-major operands; V, the same bytes as K, is
// read N-major (transposed) for P·V.

/// Warpgroup 0: S[64, T] = Q·Kᵀ over the L + R dims, (L+R)/16 wgmmas. Step
/// k reads dims 16k.. : atom k / 4 of each tile, 32·(k mod 4) bytes into
/// its rows (the swizzle is applied to the address, so stepping the start
/// address within an atom is how K advances). SBO = 1024: the next 8 rows.
SmallVector<Value> DecodeKernelEmitter::warpgroupScores(const CTA &cta,
                                                        Value stage) {
  int64_t tokens = plan.blockTokens;
  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(frag.c));
  SmallVector<Value> acc(tokens / 8, zero);
  Value query = descriptor(cta.queryAddress, 16, 1024);
  Value keys = advance(descriptor(cta.tokensAddress, 16, 1024),
                       a.mul(stage, plan.tokenTileBytes()));
  return warpgroupMma(query, keys, acc, plan.dim / 16, {32, 4, 64 * 128},
                      {32, 4, tokens * 128}, plan.elementType,
                      /*accumulate=*/false, /*rhsNMajor=*/false);
}

/// P (the A fragments the softmax returns, 16 tokens each) and the rows'
/// rescale factors α to shared memory, for both warpgroups' P·V.
void DecodeKernelEmitter::storeProbabilities(const CTA &cta,
                                             ArrayRef<Value> probs,
                                             const SoftmaxState &state) {
  mla_gpu::StoreOperandOp::create(b, probs, cta.probs, a.mul(cta.rowGroup, 16),
                                  a.idx(0), mla_gpu::Swizzle::B128);
  auto writer = scf::IfOp::create(b, a.eq(cta.quadCol, 0));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(writer.thenBlock());
  for (int64_t r = 0; r < 2; ++r)
    memref::StoreOp::create(b, state.alpha[r], cta.rowStats,
                            ValueRange{a.idx(0), localRow(cta, r)});
}

/// Each warpgroup: O[:, its L/2 columns] = α·O + P·V, T/16 wgmmas of
/// m64n(L/2)k16. V is read N-major from the KV tile: an atom is 8 tokens ×
/// 64 dims, LBO = the next 64 dims (T·128 bytes on), SBO = the next 8
/// tokens (1024); step k starts 16 tokens (2048 bytes) further.
void DecodeKernelEmitter::warpgroupValues(const CTA &cta, Value stage,
                                          SoftmaxState &state) {
  Value alpha[2];
  for (int64_t r = 0; r < 2; ++r)
    alpha[r] = memref::LoadOp::create(b, cta.rowStats,
                                      ValueRange{a.idx(0), localRow(cta, r)});
  state.out = scaleRows(state.out, alpha);
  int64_t tokens = plan.blockTokens, n = plan.latent / 2;
  Value probs = descriptor(cta.probsAddress, 16, 1024);
  Value values = advance(descriptor(cta.tokensAddress, tokens * 128, 1024),
                         a.add(a.mul(stage, plan.tokenTileBytes()),
                               a.mul(cta.colSlice, (n / 64) * tokens * 128)));
  state.out = warpgroupMma(probs, values, state.out, tokens / 16,
                           {32, 4, 64 * 128}, {16 * 128, 1, 16 * 128},
                           plan.elementType, /*accumulate=*/true,
                           /*rhsNMajor=*/true);
}

//===----------------------------------------------------------------------===//
// TMA tile loads (loads = tma)
//===----------------------------------------------------------------------===//
//
// The cache [P, G, L+R] is one 3-d tensor map; a box is [1, g, 64]: g =
// min(G, T) rows of one page, one 64-element atom wide, written 128B-swizzled
// — the layout the cp.async path builds by hand and wgmma reads. A tile is
// one box per atom (G ≥ T) or per atom and page (T/G pages of G tokens).
//
//   stage s:  atom 0 [T rows × 128 B] │ atom 1 │ … │ atom (L+R)/64 − 1
//             ▲ box (page p, slot, atom 0)  ▲ box (page p, slot, atom 1) …
//
// Coordinates are innermost first: (64·atom, slot, page). A page index past
// the cache (a bad table) is clamped like the cp.async path's.

Value DecodeKernelEmitter::createCacheTensorMap(Value cache) {
  return tensorMap(cache, plan.tmaBoxTokens());
}

void DecodeKernelEmitter::initTmaBarriers(CTA &cta) {
  // One arrival per phase: the issuing thread's arrive.expect_tx.
  cta.barriers = stageBarriers(cta.tid, plan.stages, 1);
}

/// The wgmma attention kernel (picture above). Per tile: everyone waits for
/// its cp.async copies, fences them to the async proxy and meets at a
/// barrier (the tile is in, the previous P·V done everywhere); the next
/// tile's copies go out; warpgroup 0 computes S, the online-softmax update,
/// and writes P and α; a second barrier; both warpgroups rescale their O
/// and add P·V. The row max and sum live in warpgroup 0 and reach
/// warpgroup 1 through shared memory at the end.
void DecodeKernelEmitter::emitWarpgroupAttention(
    const DecodeKernelOperands &operands) {
  OpBuilder::InsertionGuard guard(b);
  scf::IfOp active;
  CTA cta = beginAttention(operands, active);
  SoftmaxState state;
  SmallVector<Value> init = initialState();
  bool rowLoads = loadsRowPerThreadGroup();
  Value isFirst = a.eq(cta.colSlice, 0);
  Type f32 = b.getF32Type();
  auto loop = scf::ForOp::create(b, a.idx(0), cta.tiles, a.idx(1), init);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value tile = loop.getInductionVar();
    state = unpackState(loop.getRegionIterArgs());

    Value next = a.add(tile, plan.stages - 1);
    if (plan.tma()) {
      // The tile is in (and its tail zeroed) everywhere, and the previous
      // P·V is done: its stage takes the next tile.
      waitTmaTile(cta, tile);
      barrier();
      issueTmaTile(cta, next);
    } else {
      TokenRow nextRow;
      if (rowLoads)
        nextRow = lookUpRow(cta, next);
      waitGroups(plan.stages - 2);
      asyncProxyFence();
      barrier();
      loadNextTile(cta, next, rowLoads ? &nextRow : nullptr);
    }

    Value stage = a.rem(tile, plan.stages);
    Value tokenBase = tileStart(cta, tile);
    auto softmax = scf::IfOp::create(b, TypeRange{f32, f32, f32, f32}, isFirst,
                                     /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard branch(b);
      b.setInsertionPointToStart(softmax.thenBlock());
      SoftmaxState first = state;
      first.out.clear();
      SmallVector<Value> probs = onlineSoftmaxUpdate(
          cta, tokenBase, warpgroupScores(cta, stage), first);
      storeProbabilities(cta, probs, first);
      asyncProxyFence();
      scf::YieldOp::create(b, ValueRange{first.max[0], first.max[1],
                                         first.sum[0], first.sum[1]});
      b.setInsertionPointToStart(softmax.elseBlock());
      scf::YieldOp::create(b, ValueRange{state.max[0], state.max[1],
                                         state.sum[0], state.sum[1]});
    }
    for (int64_t r = 0; r < 2; ++r) {
      state.max[r] = softmax.getResult(r);
      state.sum[r] = softmax.getResult(2 + r);
    }
    barrier();
    warpgroupValues(cta, stage, state);

    scf::YieldOp::create(b, packState(state));
  }
  waitGroups(0);
  ValueRange results = loop.getResults();
  state.out.assign(results.begin() + 4, results.end());
  // Warpgroup 0's row max and (quad-reduced) sum to both warpgroups.
  auto publish = scf::IfOp::create(b, isFirst);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(publish.thenBlock());
    Value sums[2] = {quadSum(results[2]), quadSum(results[3])};
    auto writer = scf::IfOp::create(b, a.eq(cta.quadCol, 0));
    b.setInsertionPointToStart(writer.thenBlock());
    for (int64_t r = 0; r < 2; ++r) {
      Value row = localRow(cta, r);
      memref::StoreOp::create(b, results[r], cta.rowStats,
                              ValueRange{a.idx(1), row});
      memref::StoreOp::create(b, sums[r], cta.rowStats,
                              ValueRange{a.idx(2), row});
    }
  }
  barrier();
  for (int64_t r = 0; r < 2; ++r) {
    Value row = localRow(cta, r);
    state.max[r] =
        memref::LoadOp::create(b, cta.rowStats, ValueRange{a.idx(1), row});
    state.sum[r] =
        memref::LoadOp::create(b, cta.rowStats, ValueRange{a.idx(2), row});
  }
  storeOutput(cta, state, /*sumsReduced=*/true);
  endAttention(active);
}
