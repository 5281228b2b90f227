//===- MLATarget.h - The chip table -----------------------------*- C++ -*-===//
//
// What the compiler knows of each GPU architecture it can compile for: one
// row per NVVM `chip`, read through #mla.target (MLAAttrs.td), whose
// verifier accepts only these chips.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLA_IR_MLATARGET_H
#define MLA_DIALECT_MLA_IR_MLATARGET_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace mlir::mla {

/// A row of the chip table.
struct ChipDescription {
  llvm::StringRef name;
  /// Shared memory a CTA may use (the opt-in maximum), bytes.
  int64_t sharedMemoryPerBlock;
  /// Whether the chip has warpgroup MMA (wgmma: the arch-specific sm_90a).
  bool warpgroupMMA;
  /// The oldest PTX ISA version that knows the chip, times ten (80: 8.0):
  /// the GPU pipeline's default PTX feature.
  int64_t ptxVersion;
};

/// The row of the chip table named `name` (sm_80, sm_86, sm_87, sm_89,
/// sm_90, sm_90a, sm_100), if any.
std::optional<ChipDescription> getChip(llvm::StringRef name);
/// The names of the chip table's rows, for messages.
llvm::StringRef getChipNames();

/// The chip the target preset `preset` (h100, h200, a100) compiles for: its
/// product's, or `chip` when non-empty; none if either name is unknown.
std::optional<ChipDescription> getPresetChip(llvm::StringRef preset,
                                             llvm::StringRef chip = "");

} // namespace mlir::mla

#endif // MLA_DIALECT_MLA_IR_MLATARGET_H
