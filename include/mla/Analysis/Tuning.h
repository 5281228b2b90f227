//===- Tuning.h - Measured tilings that override the cost model -*- C++ -*-===//
//
// The file bench/autotune.py (decode) and bench/prefill_bench.py --tuning
// (prefill) write and mla-fuse-decode / mla-fuse-prefill read: for exact
// shapes on one target, the tiling that measured fastest.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_ANALYSIS_TUNING_H
#define MLA_ANALYSIS_TUNING_H

#include "mla/Analysis/CostModel.h"

#include <string>
#include <vector>

namespace mlir::mla {

/// Tilings measured on one target, read from a JSON file:
///
///   {"target": "h100",
///    "decode": [{"heads": 128, "queries": 1, "batch": 128, "cache": 8192,
///                "dtype": "bf16", "splits": 1, "block_tokens": 32,
///                "heads_per_block": 64, "stages": 3, ...}, ...],
///    "prefill": [{"heads": 128, "queries": 4096, "batch": 1,
///                 "cache": 4096, "dtype": "bf16", "block_queries": 128,
///                 "block_keys": 128, "prefix_chunk": 4096, "loads": "tma",
///                 "producer": true}, ...]}
///
/// Each array is optional (one of them must be there). Other keys of an
/// entry (the autotuner's timings) are ignored.
class TuningTable {
public:
  /// Reads `path`, or emits on `anchor` why it cannot (unreadable, not JSON,
  /// a malformed entry) and fails.
  static FailureOr<TuningTable> load(llvm::StringRef path, Operation *anchor);

  llvm::StringRef target() const { return targetName; }
  size_t size() const { return entries.size() + prefillEntries.size(); }

  /// The measured decode tiling of exactly `shape`, if the table has one.
  std::optional<DecodeTilingAttr> lookup(const AttentionShape &shape) const;
  /// The measured prefill tiling of exactly `shape`, if the table has one.
  std::optional<PrefillTilingAttr>
  lookupPrefill(const AttentionShape &shape) const;

private:
  /// The shape an entry is for: the cost model's AttentionShape key.
  struct Key {
    int64_t heads, queries, batch, cacheLength, elementBytes;
    bool matches(const AttentionShape &shape) const;
  };
  struct Entry : Key {
    int64_t splits, blockTokens, headsPerBlock, stages;
    MmaKind mma = MmaKind::Sync; // optional "mma": "sync" | "warpgroup"
    DecodeSchedule schedule = DecodeSchedule::Even; // optional "schedule"
    DecodeLoads loads = DecodeLoads::AsyncCopy;     // optional "loads"
  };
  struct PrefillEntry : Key {
    int64_t blockQueries, blockKeys, prefixChunk;
    DecodeLoads loads = DecodeLoads::AsyncCopy; // optional "loads"
    bool producer = false;                      // optional "producer"
  };
  std::string targetName;
  std::vector<Entry> entries;
  std::vector<PrefillEntry> prefillEntries;
};

} // namespace mlir::mla

#endif // MLA_ANALYSIS_TUNING_H
