//===- MLAToGPU.h - mla.fused_decode to a tensor-core kernel ----*- C++ -*-===//
//
// The fused decode kernel's parameters, how much shared memory they need, and
// the patterns of `convert-mla-to-gpu` (docs/decode-kernel.md).
//
//===----------------------------------------------------------------------===//

#ifndef MLA_CONVERSION_MLATOGPU_MLATOGPU_H
#define MLA_CONVERSION_MLATOGPU_MLATOGPU_H

#include "mla/Analysis/CostModel.h"

#include "mlir/IR/PatternMatch.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace mlir::mla {

/// Everything the decode kernel generator needs: the CTA's resources (the
/// cost model's DecodeKernelShape), shapes from the config and operand
/// types, the splits from the op's tiling. One CTA per (split, block of
/// `tileRows` query rows, request).
struct DecodeKernelSpec : DecodeKernelShape {
  Type elementType; // bf16 or f16: the tensor cores' input type.
  int64_t heads = 0, queries = 0, latent = 0, rope = 0, nope = 0, value = 0;
  int64_t pageSize = 0;
  bool causal = false;
  double softmaxScale = 0;
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

/// Patterns rewriting each `mla.fused_decode` the kernels support into an
/// `mla.decode_kernel` on the buffers of its operands. Unsupported ops are
/// left for convert-mla-to-linalg with a remark saying why.
/// `chip`: its row of the chip table (getChip), which bounds the tiles.
void populateMLAToGPUConversionPatterns(RewritePatternSet &patterns,
                                        const ChipDescription &chip);

} // namespace mlir::mla

#endif // MLA_CONVERSION_MLATOGPU_MLATOGPU_H
