//===- MLATarget.cpp - The chip table and the target presets ----*- C++ -*-===//
//
// The one table of GPU architectures (shared memory per CTA, wgmma, PTX
// version) and the one table of products (their chip, SM count and
// achievable rates), from which #mla.target presets are made; and the
// lookup of a module's target.
//
//===----------------------------------------------------------------------===//

#include "mla/Dialect/MLA/IR/MLA.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <string>

using namespace mlir;
using namespace mlir::mla;

// Shared memory per block: the opt-in maximum of each compute capability
// (CUDA programming guide, "Technical Specifications per Compute
// Capability"). wgmma exists only on the arch-specific sm_90a. PTX: 8.0
// (CUDA 12.0 drivers) wherever it knows the chip, as the kernels' TMA,
// mbarrier and fence instructions on sm_90 need; sm_100 first appears in
// PTX 8.6.
static const ChipDescription kChips[] = {
    {"sm_80", 163 * 1024, false, 80},  {"sm_86", 99 * 1024, false, 80},
    {"sm_87", 163 * 1024, false, 80},  {"sm_89", 99 * 1024, false, 80},
    {"sm_90", 227 * 1024, false, 80},  {"sm_90a", 227 * 1024, true, 80},
    {"sm_100", 227 * 1024, false, 86},
};

std::optional<ChipDescription> mla::getChip(StringRef name) {
  for (const ChipDescription &chip : kChips)
    if (chip.name == name)
      return chip;
  return std::nullopt;
}

StringRef mla::getChipNames() {
  static const std::string names = llvm::join(
      llvm::map_range(kChips,
                      [](const ChipDescription &chip) { return chip.name; }),
      ", ");
  return names;
}

namespace {
/// A row of the product table.
struct Product {
  StringRef name, chip;
  int64_t sms;
  double bandwidth, tensorRate, f32Rate;
};
} // namespace

// Achievable rates: H100 measured (D2D copy 2.9 TB/s, bf16 8192³ GEMM 760
// TFLOP/s, DESIGN §7), i.e. 86.6% of its 3.35 TB/s and 76.8% of its 989
// TFLOP/s datasheet figures; H200 and A100 scaled from their datasheets by
// the same fractions (docs/cost-model.md).
static constexpr double kBandwidthFraction = 2.9 / 3.35;
static constexpr double kComputeFraction = 760.0 / 989.0;
static const Product kProducts[] = {
    {"h100", "sm_90a", 132, 2.9e12, 760e12, 67e12 * kComputeFraction},
    {"h200", "sm_90a", 132, 4.8e12 * kBandwidthFraction, 760e12,
     67e12 * kComputeFraction},
    {"a100", "sm_80", 108, 2.039e12 * kBandwidthFraction,
     312e12 * kComputeFraction, 19.5e12 * kComputeFraction},
};

static const Product *findProduct(StringRef name) {
  const Product *product = llvm::find_if(
      kProducts, [&](const Product &row) { return row.name == name; });
  return product == std::end(kProducts) ? nullptr : product;
}

std::optional<ChipDescription> mla::getPresetChip(StringRef preset,
                                                  StringRef chip) {
  const Product *product = findProduct(preset);
  if (!product)
    return std::nullopt;
  return getChip(chip.empty() ? product->chip : chip);
}

TargetAttr TargetAttr::getPreset(MLIRContext *context, StringRef preset,
                                 StringRef chipName) {
  const Product *product = findProduct(preset);
  std::optional<ChipDescription> chip = getPresetChip(preset, chipName);
  if (!product || !chip)
    return nullptr;
  // Every chip of the table has 64K registers per CTA.
  return TargetAttr::get(context, product->name, chip->name, product->sms,
                         chip->sharedMemoryPerBlock, /*registers=*/65536,
                         APFloat(product->bandwidth),
                         APFloat(product->tensorRate),
                         APFloat(product->f32Rate));
}

StringRef TargetAttr::getPresetNames() {
  static const std::string names = llvm::join(
      llvm::map_range(kProducts, [](const Product &row) { return row.name; }),
      ", ");
  return names;
}

TargetAttr TargetAttr::lookup(Operation *op) {
  for (; op; op = op->getParentOp())
    if (auto target =
            op->getAttrOfType<TargetAttr>(MLADialect::kTargetAttrName))
      return target;
  return nullptr;
}

const ChipDescription &TargetAttr::getChipDescription() const {
  // The verifier accepted only chips of the table.
  return *llvm::find_if(kChips, [&](const ChipDescription &chip) {
    return chip.name == getChip();
  });
}
