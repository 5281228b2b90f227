//===- PrefillPlan.h - Every size of the prefill kernels --------*- C++ -*-===//
//
// The one planning function of the fused prefill kernels (convert-mla-to-gpu,
// docs/prefill-kernel.md): from the problem (a fused prefill's shapes), its
// tiling and the target, every derived size — warpgroups, threads, tiles,
// shared bytes — or the reason the kernels cannot run it. The cost model
// sizes its tilings with it (choosePrefillTiling), convert-mla-to-gpu accepts
// or rejects an op with it, and the emitter reads only its result.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_ANALYSIS_PREFILLPLAN_H
#define MLA_ANALYSIS_PREFILLPLAN_H

#include "mla/Analysis/CostModel.h"

#include <cstdint>
#include <string>

namespace mlir::mla {

/// What one fused prefill computes, as the kernels see it: the config's
/// dimensions and the operands' static sizes (0: dynamic).
struct PrefillProblem {
  /// The cache's element type: the tensor cores take bf16 or f16.
  Type elementType;
  int64_t heads = 0, queries = 0, latent = 0, rope = 0, nope = 0, value = 0;
  bool causal = false;
  double softmaxScale = 0;

  /// The problem of an op with `config` whose queries have type `query`
  /// ([B, S, H, ...]) over a cache of type `cache` ([P, G, L + R]).
  static PrefillProblem get(ConfigAttr config, ShapedType query,
                            ShapedType cache, bool causal);
};

/// The flash-attention CTA of the prefill (docs/prefill-kernel.md): one
/// warpgroup per 64 query rows of one head of one request (`blockQueries`
/// rows), over tiles of `blockKeys` keys in a ring of `stages`; Q and each
/// stage's K (N + R wide) and V tiles in 128B-swizzled atoms of 64
/// elements, from a 1024-byte aligned base.
struct PrefillKernelShape {
  int64_t blockQueries = 128, blockKeys = 64, stages = 2;
  int64_t queryDim = 192, valueDim = 128, elementBytes = 2;
  /// How K and V tiles are loaded: cp.async by every thread, or TMA boxes
  /// by one thread completing on a stage's mbarrier (static shared memory,
  /// 8 bytes a stage, beside sharedBytes()).
  DecodeLoads loads = DecodeLoads::AsyncCopy;

  /// Warp specialisation: a producer warpgroup (the CTA's first) issues the
  /// TMA loads; the query rows' warpgroups consume them, taking turns.
  bool producer = false;
  /// The tensor-core instructions: wgmma on swizzled atoms, or mma.sync
  /// (sm_80+), a warp per 16 rows reading with ldmatrix from row-major
  /// tiles whose rows are padded by 8 elements (16 bytes: the 8 rows an
  /// ldmatrix reads fall in distinct banks).
  MmaKind mma = MmaKind::Warpgroup;

  bool tma() const { return loads == DecodeLoads::Tma; }
  bool mmaSync() const { return mma == MmaKind::Sync; }
  /// Elements of padding after each shared row (mma.sync's layout).
  int64_t pad() const { return mmaSync() ? 8 : 0; }

  int64_t warpgroups() const { return blockQueries / 64; }
  int64_t threads() const { return 128 * (warpgroups() + producer); }
  int64_t queryTileBytes() const {
    return blockQueries * (queryDim + pad()) * elementBytes;
  }
  int64_t keyTileBytes() const {
    return blockKeys * (queryDim + pad()) * elementBytes;
  }
  int64_t valueTileBytes() const {
    return blockKeys * (valueDim + pad()) * elementBytes;
  }
  /// Everything, and with wgmma the slack that aligns the base to the
  /// 1024-byte period of the swizzle (P stays in registers: both MMAs take
  /// A from there).
  int64_t sharedBytes() const {
    return (mmaSync() ? 0 : 1024) + queryTileBytes() +
           stages * (keyTileBytes() + valueTileBytes());
  }
};

/// Every size of the prefill kernels, derived once by planPrefillKernels.
/// The attention's grid is (query blocks, heads, batch).
struct PrefillKernelPlan : PrefillProblem, PrefillKernelShape {};

/// The kernel shape `blockQueries` and `blockKeys` give `problem`, whether or
/// not it fits (planPrefillKernels checks).
PrefillKernelPlan sizePrefillKernels(const PrefillProblem &problem,
                                     int64_t blockQueries, int64_t blockKeys);

/// The plan of `tiling` for `problem` on `target`, or the reason (in
/// `reason`) the kernels cannot run it: an element type the tensor cores do
/// not take, a chip without wgmma (the kernel is sm_90a's; an mma.sync
/// variant is future work), dimensions that do not cut into 64-element
/// atoms or a value head wider than a wgmma N (256), block sizes other than
/// 64 or 128, or tiles beyond the target's shared memory.
FailureOr<PrefillKernelPlan> planPrefillKernels(const PrefillProblem &problem,
                                                PrefillTilingAttr tiling,
                                                const TargetDescription &target,
                                                std::string &reason);

} // namespace mlir::mla

#endif // MLA_ANALYSIS_PREFILLPLAN_H
