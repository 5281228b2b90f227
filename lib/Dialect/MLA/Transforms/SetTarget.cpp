//===- SetTarget.cpp - Put #mla.target on the module ------------*- C++ -*-===//
//
// Implements `mla-set-target`: the module's `mla.target` from the preset
// table (TargetAttr::getPreset), compiled for another chip on request; a
// module that targets something else already is refused.
//
//===----------------------------------------------------------------------===//

#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLA/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLASETTARGET
#include "mla/Dialect/MLA/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-set-target"

using namespace mlir;
using namespace mlir::mla;

namespace {

struct MLASetTargetPass
    : public mla::impl::MLASetTargetBase<MLASetTargetPass> {
  using MLASetTargetBase::MLASetTargetBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto fail = [&]() -> InFlightDiagnostic {
      signalPassFailure();
      return module.emitError() << "mla-set-target: ";
    };
    if (!chip.empty() && !getChip(chip)) {
      fail() << "unknown chip '" << chip << "' (expected " << getChipNames()
             << ")";
      return;
    }
    auto present =
        module->getAttrOfType<TargetAttr>(MLADialect::kTargetAttrName);
    // Its figures may be measured ones, its name not a preset's: kept when
    // it is the same GPU.
    if (present && present.getName() == target &&
        (chip.empty() || present.getChip() == chip))
      return;
    TargetAttr wanted = TargetAttr::getPreset(&getContext(), target, chip);
    if (!wanted) {
      fail() << "unknown target '" << target
             << "' (known: " << TargetAttr::getPresetNames() << ")";
      return;
    }
    if (present) {
      fail() << "the module targets " << present.getName() << " ("
             << present.getChip() << "), not " << wanted.getName() << " ("
             << wanted.getChip() << ")";
      return;
    }
    module->setAttr(MLADialect::kTargetAttrName, wanted);
  }
};

} // namespace
