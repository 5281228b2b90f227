//===- DecodeKernelEmitter.h - Builds the decode kernels' IR ----*- C++ -*-===//
//
// Internal to convert-mla-to-gpu: the emitter of the decode kernels, its
// index/float arithmetic shorthands, the per-CTA values and the
// online-softmax state. Its methods live in DecodeKernel.cpp (launches, CTA
// set-up, tile loads, the mma.sync steps and kernel), WarpgroupKernel.cpp
// (the wgmma steps and kernel), SplitKernels.cpp (the split combine and the
// scheduling metadata) and HeadProduct.cpp (the per-head products, the value
// product combining the splits).
//
//===----------------------------------------------------------------------===//

#ifndef MLA_LIB_CONVERSION_MLATOGPU_DECODEKERNELEMITTER_H
#define MLA_LIB_CONVERSION_MLATOGPU_DECODEKERNELEMITTER_H

#include "DecodeKernel.h"
#include "KernelBuilder.h"

#include "mla/Dialect/MLAGPU/Utils/Arith.h"

#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLAGPU/IR/MLAGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

namespace mlir::mla::decode {

using mla_gpu::Arith;

/// A warp's accumulator fragment type for mma.sync m16n8k16 (f32).
struct Fragments {
  VectorType c;
  explicit Fragments(MLIRContext *ctx)
      : c(VectorType::get({2, 2}, Float32Type::get(ctx))) {}
};

/// Values every helper of the attention kernel uses: ids, the CTA's work,
/// the shared-memory views.
struct CTA {
  Value request, split, rowBlock, tid, lane, warp, rowGroup, colSlice;
  Value quadRow, quadCol; // lane / 4, lane % 4: a fragment's row and columns.
  Value length, start, end, tiles;
  // Balanced schedule: whether the CTA has work (its split is below the
  // request's CTA count) and whether it is the request's only CTA (then it
  // writes o_lat itself).
  Value active, single;
  Value rowBase; // first query row of the CTA
  // Shared memory. mma.sync: query [tileRows, pitch], tokens [stages,
  // blockTokens, pitch], exchange [2, warps, blockTokens / 2, 32] f32.
  // wgmma: query [dim / 64, 64, 64], tokens [stages, dim / 64, blockTokens,
  // 64] (128B-swizzled atoms), probs [64, 64], rowStats [3, 64] f32 (the
  // rescale factor, max and sum of each row), and the byte addresses (i64)
  // of the first three, for the wgmma descriptors.
  Value query, tokens, exchange;
  Value probs, rowStats;
  Value queryAddress, tokensAddress, probsAddress;
  // loads = tma: one mbarrier per KV stage (static shared memory).
  Value barriers;
};

/// The online-softmax state of a thread's two rows (quadRow, quadRow + 8).
struct SoftmaxState {
  Value max[2], sum[2];
  Value alpha[2];         // the last update's rescale factors
  SmallVector<Value> out; // the warp's O columns, one C fragment per 8
};

class DecodeKernelEmitter : public KernelBuilder {
public:
  DecodeKernelEmitter(ImplicitLocOpBuilder &b, const DecodeKernelPlan &plan)
      : KernelBuilder(b), plan(plan), frag(b.getContext()) {}

  void emitAttention(const DecodeKernelOperands &ops);
  void emitWarpgroupAttention(const DecodeKernelOperands &ops);
  /// What both attention kernels start with: the launch, the CTA's values,
  /// the balanced schedule's guard (`active`, null when every CTA works; the
  /// builder is left inside), the Q tile and the first stages − 1 KV tiles
  /// in flight. endAttention closes what it opened.
  CTA beginAttention(const DecodeKernelOperands &ops, scf::IfOp &active);
  void endAttention(scf::IfOp active);
  /// The online-softmax state as loop-carried values (row max ×2, row sum
  /// ×2, the O fragments) and back; the initial values.
  SmallVector<Value> initialState();
  SoftmaxState unpackState(ValueRange values);
  SmallVector<Value> packState(const SoftmaxState &state);
  /// The cache's TMA descriptor (host side): boxes of one 64-element atom
  /// of tmaBoxTokens() rows of a page, 128B-swizzled as the wgmma kernel's
  /// tiles are.
  Value createCacheTensorMap(Value cache);
  void emitCombine(const DecodeKernelOperands &ops);
  void emitSchedule(const DecodeKernelOperands &ops);
  /// output[b, s, h, :] = input[b, s, h, :] · W_h, or with `combined` the
  /// even schedule's split partials of (b, s, h) combined, then · W_h (the
  /// operands' partial and logSumExp buffers: set `ops` first).
  void emitHeadProduct(Value input, Value weight, Value output, int64_t k,
                       int64_t n, bool weightKMajor, Value batch,
                       StringRef name, bool combined = false);
  /// o = combine(partials) · W_UV (even schedule, splits > 1).
  void emitCombinedValueProduct(const DecodeKernelOperands &operands) {
    ops = &operands;
    emitHeadProduct(Value(), operands.valueWeight, operands.output, plan.latent,
                    plan.value, /*weightKMajor=*/true, operands.batch,
                    "decode_combine_value",
                    /*combined=*/true);
  }

private:
  const DecodeKernelPlan &plan;
  Fragments frag;
  const DecodeKernelOperands *ops = nullptr;

  int64_t scoreTiles() const { return plan.blockTokens / 8; }
  int64_t outTiles() const { return plan.latent / 8 / plan.colSplits(); }
  int64_t scoreSteps() const { return plan.dim / 16 / plan.colSplits(); }

  CTA setUpCTA(gpu::LaunchOp launch);
  /// With the balanced schedule, the rest of the kernel runs only in CTAs
  /// that have work (a uniform condition: barriers inside stay legal); the
  /// builder is left inside. Null when every CTA works.
  scf::IfOp guardActive(const CTA &cta) {
    if (!plan.balanced())
      return nullptr;
    auto active = scf::IfOp::create(b, cta.active);
    b.setInsertionPointToStart(active.thenBlock());
    return active;
  }
  Value requestRows(Value memref, Value request, Value split = Value());
  void loadQueryTile(const CTA &cta);
  /// Where this thread's token row of a tile lives (row-per-thread-group
  /// loading): whether it is in the split, its page and slot.
  struct TokenRow {
    Value valid, page, slot;
  };
  bool loadsRowPerThreadGroup() const {
    return mla_gpu::LoadTokensOp::loadsRowsByThreadGroups(
        plan.threads(), plan.blockTokens, plan.dim);
  }
  /// The request's cached position of tile `tile`'s first token.
  Value tileStart(const CTA &cta, Value tile) {
    return a.add(cta.start, a.mul(tile, plan.blockTokens));
  }
  TokenRow lookUpRow(const CTA &cta, Value tile);
  /// Request `request`'s cached length, clamped into [0, its table row's
  /// capacity] (memory safety); one outside is reported
  /// (mla_gpu.check_input) where `report`.
  Value requestLength(Value request, bool report);
  void loadLatentTile(const CTA &cta, Value tile, const TokenRow *row);
  /// Tile `next` into its stage if it is in the split (through `row`, its
  /// token row looked up ahead, when given), then the group commit.
  void loadNextTile(const CTA &cta, Value next, const TokenRow *row);
  // TMA loads (loads = tma, the wgmma kernel): thread 0 initialises an
  // mbarrier per stage; thread 128 (warpgroup 1, idle while warpgroup 0
  // computes S and the softmax) issues each tile
  // (mla_gpu.tma.load_tokens); every thread waits for it, its rows past the
  // split's end zeroed (mla_gpu.tma.wait_tokens).
  void initTmaBarriers(CTA &cta);
  void issueTmaTile(const CTA &cta, Value tile) {
    mla_gpu::TmaLoadTokensOp::create(
        b, ops->tensorMap, ops->cache, ops->blockTable, cta.request, tile,
        cta.start, cta.end, cta.tokens, cta.barriers, /*issuer=*/128);
  }
  void waitTmaTile(const CTA &cta, Value tile) {
    mla_gpu::TmaWaitTokensOp::create(b, cta.barriers, cta.tokens, tile,
                                     cta.start, cta.end, plan.threads());
  }
  SmallVector<Value> mmaScores(const CTA &cta, Value stage);
  SmallVector<Value> exchangeScores(const CTA &cta, ArrayRef<Value> partial,
                                    Value buffer);
  SmallVector<Value> onlineSoftmaxUpdate(const CTA &cta, Value tokenBase,
                                         ArrayRef<Value> scores,
                                         SoftmaxState &state);
  void mmaValues(const CTA &cta, Value stage, ArrayRef<Value> probs,
                 SoftmaxState &state);
  void storeOutput(const CTA &cta, const SoftmaxState &state,
                   bool sumsReduced = false);

  /// Columns col..col+3 of (request, row)'s output combined from its splits'
  /// partials (even schedule: all `splits` of them): mla_gpu.combine_splits.
  Value combineColumns(Value request, Value row, Value col);
  void combineTileRows(Value tile, Value rowBase, Value rows, Value head,
                       int64_t k, Value tid);

  // wgmma (sm_90a): each tile product is one mla_gpu.warpgroup.mma (fence,
  // k-steps, commit, wait; the accumulator passes through it).
  SmallVector<Value> warpgroupScores(const CTA &cta, Value stage);
  void storeProbabilities(const CTA &cta, ArrayRef<Value> probs,
                          const SoftmaxState &state);
  void warpgroupValues(const CTA &cta, Value stage, SoftmaxState &state);
  /// The CTA-local row of the thread's fragment row r.
  Value localRow(const CTA &cta, int64_t r) {
    return a.add(a.mul(cta.rowGroup, 16), a.add(cta.quadRow, 8 * r));
  }
  void setUpSwizzledTiles(CTA &cta);
  /// The query row of the thread's fragment row r (0: quadRow, 1: + 8).
  Value fragmentRow(const CTA &cta, int64_t r) {
    return a.add(a.add(cta.rowBase, a.mul(cta.rowGroup, 16)),
                 a.add(cta.quadRow, 8 * r));
  }
  /// The query index s of query row `row` (row = s·H + h) and its last
  /// visible token + 1: all `end` tokens, or with MTP causal masking the
  /// prefix up to its own position len − S + s.
  Value rowLimit(const CTA &cta, Value row) {
    if (!plan.causal || plan.queries == 1)
      return cta.end;
    Value s = a.div(row, plan.heads);
    Value visible = a.add(a.sub(cta.length, a.idx(plan.queries - 1)), s);
    return a.min(cta.end, visible);
  }
};

} // namespace mlir::mla::decode

#endif // MLA_LIB_CONVERSION_MLATOGPU_DECODEKERNELEMITTER_H
