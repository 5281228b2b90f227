//===- CostModel.h - Roofline cost model of MLA attention -------*- C++ -*-===//
//
// Bytes moved, FLOPs and predicted time of the two forms of MLA attention
// (decompressed MHA 192/128, absorbed MQA 576/512) for an op's shapes on a
// target, and of folding weight pairs into one matrix. Each stage is timed by
// the roofline: max(bytes / bandwidth, FLOPs / compute rate). The figures of
// the target presets are stated, with their sources, in docs/cost-model.md.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_ANALYSIS_COSTMODEL_H
#define MLA_ANALYSIS_COSTMODEL_H

#include "mla/Dialect/MLA/IR/MLA.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace mlir::mla {

/// What the cost model knows of a target (#mla.target): its product, its
/// achievable (not datasheet) rates, and its chip's row of the chip table
/// with the target's shared memory per CTA.
struct TargetDescription {
  std::string name;
  /// Achievable HBM bandwidth, bytes per second.
  double memoryBandwidth;
  /// Achievable dense tensor-core rate for f16/bf16 inputs, FLOP per second.
  double tensorFlops16;
  /// Achievable f32 rate (CUDA cores), FLOP per second.
  double flops32;
  int64_t smCount;
  int64_t registersPerBlock;
  ChipDescription chip;
};

/// The cost model's view of `target`.
TargetDescription getTargetDescription(TargetAttr target);
/// The target of `anchor` (its or its closest ancestor's `mla.target`), or
/// the h100 preset where none is set.
TargetDescription getTarget(Operation *anchor);

/// The shape of one attention op, as the cost model sees it.
struct AttentionShape {
  ConfigAttr config;
  int64_t batch;
  /// New tokens (queries) per request.
  int64_t queries;
  /// Cache length per request (keys), new tokens included.
  int64_t cacheLength;
  /// Bytes per element of activations, weights and cache (2 for bf16).
  int64_t elementBytes;
  bool causal;
  /// Cached tokens per page of the paged cache (0: unknown).
  int64_t pageSize = 0;
  /// The activations' element type (null: unknown).
  Type elementType;
};

/// The shape of an attention whose queries have type `queries` ([B, S, H,
/// ...]) over `cacheLength` keys; dynamic sizes count as 1 (batch, queries)
/// or `assumedCacheLength`.
AttentionShape getAttentionShape(ConfigAttr config, RankedTensorType queries,
                                 int64_t cacheLength, bool causal,
                                 int64_t assumedCacheLength);

/// The cache positions M·G a block table [B, M] gives over a cache
/// [P, G, L+R]; dynamic if either size is.
int64_t getCachePositions(Value blockTable, Value cache);

/// One step of a form: what it moves and computes, and its roofline time.
struct Stage {
  std::string name;
  double bytes = 0;
  double flops = 0;
  double seconds = 0;
};

/// A form of attention as a list of stages.
struct FormCost {
  std::string name;
  llvm::SmallVector<Stage> stages;
  double bytes() const;
  double flops() const;
  double seconds() const;
};

/// Decompressed form: gather + per-head decompression of K and V over every
/// cached token, then MHA with head dims N+R / V.
FormCost estimateDecompressed(const AttentionShape &shape,
                              const TargetDescription &target);
/// Absorbed form: q_nope · W_UKᵀ, MQA over the latent cache (576/512), then
/// · W_UV.
FormCost estimateAbsorbed(const AttentionShape &shape,
                          const TargetDescription &target);

/// The smallest number of queries per request at which the decompressed form
/// predicts no slower than the absorbed one, other sizes as in `shape`
/// (capped at the cache length: past it no new token is cheaper either way).
int64_t crossoverQueries(const AttentionShape &shape,
                         const TargetDescription &target);

/// Folding two weights into one matrix: W_UQ·W_UKᵀ (query side) or W_UV·W_O
/// (output side), for `tokens` tokens per call.
struct FoldCost {
  std::string name;
  /// Parameters of the two weights and of the folded one.
  double separateParams, foldedParams;
  /// FLOPs per token through the two weights and through the folded one.
  double separateFlopsPerToken, foldedFlopsPerToken;
  double separateSeconds, foldedSeconds;
  bool pays() const { return foldedSeconds < separateSeconds; }
};
FoldCost estimateQueryFold(ConfigAttr config, int64_t tokens,
                           int64_t elementBytes,
                           const TargetDescription &target);
FoldCost estimateOutputFold(ConfigAttr config, int64_t tokens,
                            int64_t elementBytes,
                            const TargetDescription &target);

/// The tiling of the fused decode kernel for `shape` on `target`: 32 cached
/// tokens per tile (16 where two stages of 32 do not fit); up to 64 query rows
/// per CTA (heads_per_block = 64 / queries); the stages that keep the most
/// tiles in flight per SM within its shared memory; and the KV splits that fill
/// the SMs in the fewest waves (never more than there are tiles).
///
/// `mma = warpgroup` asks for the wgmma kernel: chosen where the target has
/// it and the shape suits it (its layouts; fewer than 64 rows per CTA are
/// padded to the wgmma M), with 64-token tiles
/// (32 where two stages of 64 do not fit); otherwise the mma.sync tiling.
/// `schedule` is passed through: the splits are chosen alike. `loads = tma`
/// asks for TMA loads: taken where the wgmma kernel was chosen and the page
/// size suits them, otherwise cp.async. Every candidate is sized and checked
/// by planDecodeKernels (DecodePlan.h), as convert-mla-to-gpu checks the
/// op's tiling.
DecodeTilingAttr
chooseDecodeTiling(const AttentionShape &shape, const TargetDescription &target,
                   MmaKind mma = MmaKind::Sync,
                   DecodeSchedule schedule = DecodeSchedule::Even,
                   DecodeLoads loads = DecodeLoads::AsyncCopy);

/// The tiling of a fused prefill kernel: 128 x 128 (query x key) tiles, 64
/// queries when there are fewer than 128, fewer keys while the kernel's
/// tiles (PrefillKernelShape: Q, two K/V stages, P) would not fit shared
/// memory; the cached prefix split into chunks only when the query tiles
/// alone leave SMs idle.
PrefillTilingAttr choosePrefillTiling(const AttentionShape &shape,
                                      const TargetDescription &target);

/// Prints the table of both forms, the choice and the folds.
void printReport(llvm::raw_ostream &os, const AttentionShape &shape,
                 const TargetDescription &target, const FormCost &decompressed,
                 const FormCost &absorbed);

} // namespace mlir::mla

#endif // MLA_ANALYSIS_COSTMODEL_H
