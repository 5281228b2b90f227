//===- SelectPhase.cpp - Choose each attention's form -----------*- C++ -*-===//
//
// Implements `mla-select-phase`: stamps `mla.phase` (or, for a dynamic query
// count, `mla.decode_below`) on every mla.decompressed_attention from the
// roofline cost model, and can print the numbers behind each choice.
//
//===----------------------------------------------------------------------===//

#include "mla/Analysis/CostModel.h"
#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLA/Transforms/Passes.h"

#include "llvm/Support/raw_ostream.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLASELECTPHASE
#include "mla/Dialect/MLA/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-select-phase"

using namespace mlir;
using namespace mlir::mla;

namespace {

struct MLASelectPhasePass
    : public mla::impl::MLASelectPhaseBase<MLASelectPhasePass> {
  using MLASelectPhaseBase::MLASelectPhaseBase;

  void runOnOperation() override {
    TargetDescription target = getTarget(getOperation());
    std::optional<Phase> forced;
    if (force == PhaseChoice::Prefill)
      forced = Phase::Prefill;
    else if (force == PhaseChoice::Decode)
      forced = Phase::Decode;
    if (assumedCacheLength < 1) {
      getOperation()->emitError(
          "mla-select-phase: assumed-cache-length must be positive");
      return signalPassFailure();
    }
    getOperation()->walk(
        [&](DecompressedAttentionOp op) { select(op, target, forced); });
  }

  void select(DecompressedAttentionOp op, const TargetDescription &chip,
              std::optional<Phase> forced) {
    MLIRContext *context = op.getContext();
    auto queryType = cast<RankedTensorType>(op.getQNope().getType());
    auto keyType = cast<RankedTensorType>(op.getKNope().getType());
    AttentionShape shape =
        getAttentionShape(op.getConfig(), queryType, keyType.getDimSize(1),
                          op.getCausal(), assumedCacheLength);
    bool dynamicQueries = queryType.isDynamicDim(1);
    FormCost decompressed = estimateDecompressed(shape, chip);
    FormCost absorbed = estimateAbsorbed(shape, chip);

    auto given = op->getAttrOfType<PhaseAttr>(MLADialect::kPhaseAttrName);
    std::string decision;
    if (forced) {
      op->setAttr(MLADialect::kPhaseAttrName, PhaseAttr::get(context, *forced));
      op->removeAttr(MLADialect::kDecodeBelowAttrName);
      decision = "forced";
    } else if (given) {
      decision = "given by the block";
    } else if (dynamicQueries) {
      int64_t threshold = crossoverQueries(shape, chip);
      op->setAttr(MLADialect::kDecodeBelowAttrName,
                  IntegerAttr::get(IntegerType::get(context, 64), threshold));
      decision = "dynamic queries: both forms, absorbed below " +
                 std::to_string(threshold);
    } else {
      Phase phase = absorbed.seconds() < decompressed.seconds()
                        ? Phase::Decode
                        : Phase::Prefill;
      op->setAttr(MLADialect::kPhaseAttrName, PhaseAttr::get(context, phase));
      decision = "cost model";
    }
    if (!report)
      return;
    llvm::errs() << "mla-select-phase: " << op->getLoc() << "\n";
    printReport(llvm::errs(), shape, chip, decompressed, absorbed);
    llvm::errs() << "  stamped: ";
    if (auto phase = op->getAttrOfType<PhaseAttr>(MLADialect::kPhaseAttrName))
      llvm::errs() << "mla.phase = " << stringifyPhase(phase.getValue());
    else
      llvm::errs() << "mla.decode_below";
    llvm::errs() << " (" << decision << ")\n";
  }
};

} // namespace
