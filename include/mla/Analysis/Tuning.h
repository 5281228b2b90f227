//===- Tuning.h - Measured tilings that override the cost model -*- C++ -*-===//
//
// The file bench/autotune.py writes and mla-fuse-decode reads: for exact
// shapes on one target, the decode tiling that measured fastest.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_ANALYSIS_TUNING_H
#define MLA_ANALYSIS_TUNING_H

#include "mla/Analysis/CostModel.h"

#include <string>
#include <vector>

namespace mlir::mla {

/// Decode tilings measured on one target, read from a JSON file:
///
///   {"target": "h100",
///    "decode": [{"heads": 128, "queries": 1, "batch": 128, "cache": 8192,
///                "dtype": "bf16", "splits": 1, "block_tokens": 32,
///                "heads_per_block": 64, "stages": 3, ...}, ...]}
///
/// Other keys of an entry (the autotuner's timings) are ignored.
class DecodeTuningTable {
public:
  /// Reads `path`, or emits on `anchor` why it cannot (unreadable, not JSON,
  /// a malformed entry) and fails.
  static FailureOr<DecodeTuningTable> load(llvm::StringRef path,
                                           Operation *anchor);

  llvm::StringRef target() const { return targetName; }
  size_t size() const { return entries.size(); }

  /// The measured tiling of exactly `shape`, if the table has one.
  std::optional<DecodeTilingAttr> lookup(const AttentionShape &shape) const;

private:
  struct Entry {
    int64_t heads, queries, batch, cacheLength, elementBytes;
    int64_t splits, blockTokens, headsPerBlock, stages;
    MmaKind mma = MmaKind::Sync; // optional "mma": "sync" | "warpgroup"
    DecodeSchedule schedule = DecodeSchedule::Even; // optional "schedule"
    DecodeLoads loads = DecodeLoads::AsyncCopy;     // optional "loads"
  };
  std::string targetName;
  std::vector<Entry> entries;
};

} // namespace mlir::mla

#endif // MLA_ANALYSIS_TUNING_H
