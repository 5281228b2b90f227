//===- AbsorbWeights.cpp - Decompressed to absorbed attention ---*- C++ -*-===//
//
// Implements `mla-absorb-weights`: rewrites decompressed attention over a
// gathered, decompressed latent into latent (absorbed) attention over the
// paged cache, with W_UK absorbed into the query and W_UV applied after.
//
//===----------------------------------------------------------------------===//

#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLA/Transforms/Passes.h"
#include "mla/Dialect/MLA/Transforms/Transforms.h"

#include "DecompressedForm.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLAABSORBWEIGHTS
#include "mla/Dialect/MLA/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-absorb-weights"

using namespace mlir;
using namespace mlir::mla;

namespace {

/// The absorbed form of `op`:
///
///   q_lat = q_nope · W_UKᵀ                    (per head: [N] · [N, L])
///   o_lat = softmax(q_lat·c_KVᵀ + q_pe·k_peᵀ) · c_KV   over the paged cache
///   o     = o_lat · W_UV                      (per head: [L] · [L, V])
Value buildAbsorbed(OpBuilder &b, Location loc, DecompressedAttentionOp op,
                    DecompressedForm form) {
  ConfigAttr config = op.getConfig();
  auto queryType = cast<RankedTensorType>(op.getQNope().getType());
  SmallVector<int64_t> latentShape(queryType.getShape());
  latentShape.back() = config.getKvLoraRank();
  auto latentType =
      RankedTensorType::get(latentShape, queryType.getElementType());
  Value queryLatent = QueryToLatentOp::create(b, loc, latentType, op.getQNope(),
                                              form.key.getWeight(), config);
  auto attention = LatentAttentionOp::create(
      b, loc, latentType, queryLatent, op.getQPe(), form.gather.getCache(),
      form.gather.getBlockTable(), op.getKvLens(), op.getCausal(), config);
  attention->setAttr(MLADialect::kPhaseAttrName,
                     PhaseAttr::get(b.getContext(), Phase::Decode));
  return LatentToValueOp::create(b, loc, op.getType(), attention.getResult(),
                                 form.value.getWeight(), config);
}

struct AbsorbDecompressedAttention : OpRewritePattern<DecompressedAttentionOp> {
  AbsorbDecompressedAttention(MLIRContext *context, int64_t &absorbed,
                              int64_t &dispatched)
      : OpRewritePattern(context), absorbed(absorbed), dispatched(dispatched) {}

  LogicalResult matchAndRewrite(DecompressedAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (auto phase = op->getAttrOfType<PhaseAttr>(MLADialect::kPhaseAttrName);
        phase && phase.getValue() == Phase::Prefill)
      return rewriter.notifyMatchFailure(op, "stamped prefill");
    FailureOr<DecompressedForm> form = matchDecompressedForm(op, rewriter);
    if (failed(form))
      return failure();

    auto threshold =
        op->getAttrOfType<IntegerAttr>(MLADialect::kDecodeBelowAttrName);
    if (!threshold) {
      rewriter.replaceOp(op, buildAbsorbed(rewriter, op.getLoc(), op, *form));
      ++absorbed;
      return success();
    }

    // A dynamic query count: absorbed below the threshold, decompressed
    // (recomputed inside its branch) otherwise.
    Location loc = op.getLoc();
    Value queries = tensor::DimOp::create(rewriter, loc, op.getQNope(), 1);
    Value bound =
        arith::ConstantIndexOp::create(rewriter, loc, threshold.getInt());
    Value few = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult,
                                      queries, bound);
    auto dispatch = scf::IfOp::create(
        rewriter, loc, few,
        [&](OpBuilder &b, Location l) {
          scf::YieldOp::create(b, l, buildAbsorbed(b, l, op, *form));
        },
        [&](OpBuilder &b, Location l) {
          IRMapping mapping;
          for (Operation *producer :
               {form->gather.getOperation(), form->key.getOperation(),
                form->value.getOperation()})
            b.clone(*producer, mapping);
          Operation *clone = b.clone(*op, mapping);
          clone->removeAttr(MLADialect::kDecodeBelowAttrName);
          clone->setAttr(MLADialect::kPhaseAttrName,
                         PhaseAttr::get(b.getContext(), Phase::Prefill));
          scf::YieldOp::create(b, l, clone->getResults());
        });
    rewriter.replaceOp(op, dispatch.getResults());
    ++dispatched;
    return success();
  }

  int64_t &absorbed;
  int64_t &dispatched;
};

struct MLAAbsorbWeightsPass
    : public mla::impl::MLAAbsorbWeightsBase<MLAAbsorbWeightsPass> {
  using MLAAbsorbWeightsBase::MLAAbsorbWeightsBase;

  void runOnOperation() override {
    int64_t absorbed = 0, dispatched = 0;
    RewritePatternSet patterns(&getContext());
    patterns.add<AbsorbDecompressedAttention>(&getContext(), absorbed,
                                              dispatched);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    numAbsorbed += absorbed;
    numDispatched += dispatched;
  }
};

} // namespace
