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

/// What the compiler knows of a GPU architecture (the NVVM target's `chip`):
/// a row of the one chip table (getChip), which the cost model's targets
/// and convert-mla-to-gpu both read.
struct ChipDescription {
  std::string name;
  /// Shared memory a CTA may use (the opt-in maximum), bytes.
  int64_t sharedMemoryPerBlock;
  /// Whether the chip has warpgroup MMA (wgmma: the arch-specific sm_90a).
  bool warpgroupMMA;
};

/// The row of the chip table named `name` (sm_80, sm_86, sm_87, sm_89,
/// sm_90, sm_90a, sm_100), if any.
std::optional<ChipDescription> getChip(llvm::StringRef name);
/// The names of the chip table's rows, for messages.
llvm::StringRef getChipNames();

/// What the cost model knows of a target: a product with its chip's row and
/// achievable (not datasheet) rates.
struct TargetDescription {
  std::string name;
  /// Achievable HBM bandwidth, bytes per second.
  double memoryBandwidth;
  /// Achievable dense tensor-core rate for f16/bf16 inputs, FLOP per second.
  double tensorFlops16;
  /// Achievable f32 rate (CUDA cores), FLOP per second.
  double flops32;
  int64_t smCount;
  /// Its chip's row of the chip table (shared memory per block, wgmma).
  ChipDescription chip;
};

/// The preset named `name` (h100, h200, a100), if any.
std::optional<TargetDescription> getTargetPreset(llvm::StringRef name);
/// The names of the presets, for messages.
llvm::StringRef getTargetPresetNames();

/// The preset named `name`, or an error on `anchor` saying that it is not
/// one (prefixed with `pass` unless empty): the passes' `target` option.
FailureOr<TargetDescription> lookupTargetPreset(Operation *anchor,
                                                llvm::StringRef pass,
                                                llvm::StringRef name);

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

/// Whether the warpgroup kernel can run `kernel`'s shape: dims in
/// 64-element swizzle atoms, half the latent a wgmma N (≤ 256), 16 to 64
/// tokens per tile in steps of 16. Fewer than 64 query rows per CTA are
/// padded to the wgmma M of 64 (memory-bound shapes: the padding's FLOPs
/// are free).
bool supportsWarpgroupKernel(const DecodeKernelShape &kernel, int64_t latent);

/// Whether the wgmma kernel can load its KV tiles with TMA from a cache of
/// `pageSize`-token pages: a tile is one box of whole rows per 64-element
/// atom and page it touches, so either a page holds whole tiles (pageSize a
/// multiple of blockTokens) or a tile whole pages of at least the swizzle's
/// 8-row period (blockTokens a multiple of pageSize, pageSize a multiple
/// of 8).
bool supportsTmaLoads(const DecodeKernelShape &kernel, int64_t pageSize);

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
/// size suits them (supportsTmaLoads), otherwise cp.async.
DecodeTilingAttr
chooseDecodeTiling(const AttentionShape &shape, const TargetDescription &target,
                   MmaKind mma = MmaKind::Sync,
                   DecodeSchedule schedule = DecodeSchedule::Even,
                   DecodeLoads loads = DecodeLoads::AsyncCopy);

/// The tiling of a fused prefill kernel: 128 x 128 (query x key) tiles, 64
/// queries when there are fewer than 128, fewer keys when the tiles would not
/// fit shared memory; the cached prefix split into chunks only when the
/// query tiles alone leave SMs idle.
PrefillTilingAttr choosePrefillTiling(const AttentionShape &shape,
                                      const TargetDescription &target);

/// Prints the table of both forms, the choice and the folds.
void printReport(llvm::raw_ostream &os, const AttentionShape &shape,
                 const TargetDescription &target, const FormCost &decompressed,
                 const FormCost &absorbed);

} // namespace mlir::mla

#endif // MLA_ANALYSIS_COSTMODEL_H
