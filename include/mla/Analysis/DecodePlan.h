//===- DecodePlan.h - Every size of the decode kernels ----------*- C++ -*-===//
//
// The one planning function of the fused decode kernels: from the problem (a
// fused decode's shapes), a tiling and the target, every derived size —
// tiles, stages, threads, shared bytes, grid, the weight products' rings —
// or the reason the kernels cannot run it. The cost model enumerates
// candidate tilings with it (chooseDecodeTiling), convert-mla-to-gpu accepts
// or rejects an op with it, and the kernel emitter reads only its result
// (docs/decode-kernel.md).
//
//===----------------------------------------------------------------------===//

#ifndef MLA_ANALYSIS_DECODEPLAN_H
#define MLA_ANALYSIS_DECODEPLAN_H

#include "mla/Analysis/CostModel.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace mlir::mla {

/// The resources of one CTA of the decode kernel (convert-mla-to-gpu,
/// docs/decode-kernel.md) for `tileRows` query rows (a multiple of 16, at
/// most 64), `blockTokens` cached tokens per tile, `stages` tiles in the
/// shared-memory ring, and rows of `dim` (= L + R) elements of
/// `elementBytes`. With `mma = sync`, warps are 16-row groups × slices of
/// the output columns, tiles padded rows; with `mma = warpgroup`, two
/// warpgroups over 64 rows, 128B-swizzled tiles, a probability tile and
/// per-row statistics, all from a 1024-byte aligned base.
struct DecodeKernelShape {
  int64_t tileRows = 64, blockTokens = 32, stages = 2, dim = 576;
  int64_t elementBytes = 2;
  MmaKind mma = MmaKind::Sync;

  bool warpgroup() const { return mma == MmaKind::Warpgroup; }
  /// Rows the Q tile holds: `tileRows`, or a full wgmma M of 64 (rows past
  /// `tileRows` zero).
  int64_t queryRows() const { return warpgroup() ? 64 : tileRows; }
  int64_t rowGroups() const { return std::max<int64_t>(queryRows() / 16, 1); }
  int64_t colSplits() const {
    return warpgroup() ? 2 : rowGroups() >= 3 ? 2 : 4;
  }
  int64_t warps() const { return warpgroup() ? 8 : rowGroups() * colSplits(); }
  int64_t threads() const { return 32 * warps(); }
  /// Row pitch in shared memory: with mma.sync, 16 bytes of padding put the
  /// eight rows an ldmatrix reads in distinct banks; swizzled tiles need
  /// none.
  int64_t pitch() const { return warpgroup() ? dim : dim + 16 / elementBytes; }
  int64_t queryTileBytes() const {
    return queryRows() * pitch() * elementBytes;
  }
  int64_t tokenTileBytes() const {
    return blockTokens * pitch() * elementBytes;
  }
  /// mma.sync: two buffers of partial scores exchanged between a row
  /// group's warps. wgmma: the probability tile [64, 64], three f32 per row
  /// (rescale factor, max, sum) and the slack that aligns the base to the
  /// 1024-byte period of the 128-byte swizzle.
  int64_t exchangeBytes() const {
    if (warpgroup())
      return 64 * 64 * elementBytes + 3 * 64 * 4 + 1024;
    return colSplits() > 1 ? 2 * warps() * (blockTokens / 2) * 32 * 4 : 0;
  }
  int64_t sharedBytes() const {
    return queryTileBytes() + stages * tokenTileBytes() + exchangeBytes();
  }
};

/// What one fused decode computes, as the kernels see it: the config's
/// dimensions and the operands' static sizes (0: dynamic).
struct DecodeProblem {
  /// The cache's element type: the tensor cores take bf16 or f16.
  Type elementType;
  int64_t heads = 0, queries = 0, latent = 0, rope = 0, nope = 0, value = 0;
  /// Cached tokens per page (0: dynamic).
  int64_t pageSize = 0;
  bool causal = false;
  double softmaxScale = 0;

  /// The problem of an op with `config` whose queries have type `query`
  /// ([B, S, H, ...]) over a cache of type `cache` ([P, G, L + R]).
  static DecodeProblem get(ConfigAttr config, ShapedType query,
                           ShapedType cache, bool causal);
};

/// Every size of the decode kernels, derived once by planDecodeKernels: the
/// problem, the attention CTA's resources (DecodeKernelShape), the tiling's
/// choices and the per-head products' rings. The emitter only reads it. One
/// attention CTA per (split slot, block of `tileRows` query rows, request):
/// the grid is (splitSlots(), rowBlocks(), batch).
struct DecodeKernelPlan : DecodeProblem, DecodeKernelShape {
  int64_t splits = 1;
  DecodeSchedule schedule = DecodeSchedule::Even;
  DecodeLoads loads = DecodeLoads::AsyncCopy;

  bool balanced() const { return schedule == DecodeSchedule::Balanced; }
  bool tma() const { return loads == DecodeLoads::Tma; }
  /// Tokens one TMA box brings: a tile's part of one page.
  int64_t tmaBoxTokens() const { return std::min(pageSize, blockTokens); }
  /// Partial-output slots per request: `splits` when even; with balanced
  /// scheduling a long request may get more CTAs than the average
  /// (`splits`), up to twice as many.
  int64_t splitSlots() const {
    return balanced() ? std::max<int64_t>(2, 2 * splits) : splits;
  }
  /// The attention CTA's shared memory: the dynamic tiles, and with TMA
  /// one mbarrier per stage (static shared memory).
  int64_t attentionSharedBytes() const {
    return sharedBytes() + (tma() ? 8 * stages : 0);
  }
  int64_t rows() const { return heads * queries; }
  int64_t rowBlocks() const { return (rows() + tileRows - 1) / tileRows; }

  /// Whether the value product combines the split partials itself (even
  /// schedule with splits): no o_lat buffer, no combine kernel.
  bool combinesInProduct() const { return splits > 1 && !balanced(); }
  /// Weight stages of a per-head product over a `k`-wide contraction (64-wide
  /// chunks): every chunk in flight when there are few, else 4 — 3 beside a
  /// resident combined tile and the mma.sync attention, whose chips include
  /// sm_86/sm_89 (99 KiB; the wgmma attention runs on sm_90a only).
  int64_t productStages(int64_t k, bool combined) const {
    int64_t stages = std::clamp<int64_t>(k / 64 + 1, 2, 4);
    return combined && !warpgroup() ? std::min<int64_t>(stages, 3) : stages;
  }
  /// A per-head product's ring of [64, 64 + 8] chunks (the weights'; the
  /// streamed input's is as deep).
  int64_t productRingBytes(int64_t k, bool combined) const {
    return productStages(k, combined) * 64 * (64 + 8) * elementBytes;
  }
  /// A per-head product's dynamic shared memory: the input (a ring, or the
  /// resident combined tile [64, k + 8], a pitch that keeps ldmatrix free of
  /// bank conflicts) and then the weight ring.
  int64_t productInputBytes(int64_t k, bool combined) const {
    return combined ? 64 * (k + 8) * elementBytes
                    : productRingBytes(k, combined);
  }
  int64_t productSharedBytes(int64_t k, bool combined) const {
    return productInputBytes(k, combined) + productRingBytes(k, combined);
  }
};

/// The sizes `tiling` gives the kernels for `problem`, whether or not they
/// can run it (planDecodeKernels checks).
DecodeKernelPlan sizeDecodeKernels(const DecodeProblem &problem,
                                   DecodeTilingAttr tiling);

/// The plan of `tiling` for `problem` on `target`, or the reason (in
/// `reason`) the kernels cannot run it: an element type the tensor cores do
/// not take, a dynamic query count or page size, dimensions over 2^16 or
/// that do not cut into the MMA steps, more than 256 splits (the combine is
/// unrolled over them), a wgmma tiling on a chip without wgmma or of a shape
/// it does not suit, TMA loads of pages that are not whole tiles, or tiles
/// and weight rings beyond the target's shared memory.
FailureOr<DecodeKernelPlan> planDecodeKernels(const DecodeProblem &problem,
                                              DecodeTilingAttr tiling,
                                              const TargetDescription &target,
                                              std::string &reason);

} // namespace mlir::mla

#endif // MLA_ANALYSIS_DECODEPLAN_H
