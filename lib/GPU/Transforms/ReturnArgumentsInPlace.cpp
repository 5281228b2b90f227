//===- ReturnArgumentsInPlace.cpp - No clone of a returned argument -*- C++ -*-===//
//
// Implements `mla-return-arguments-in-place`: after buffer deallocation, a
// result that is one of the function's arguments is returned as the
// argument, not as the clone deallocation made of it for ownership.
//
//===----------------------------------------------------------------------===//

#include "mla/GPU/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLARETURNARGUMENTSINPLACE
#include "mla/GPU/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-return-arguments-in-place"

using namespace mlir;

namespace {

struct MLAReturnArgumentsInPlacePass
    : public mla::impl::MLAReturnArgumentsInPlaceBase<
          MLAReturnArgumentsInPlacePass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    Block &entry = function.getBody().front();
    SmallVector<bufferization::CloneOp> clones;
    function.walk([&](func::ReturnOp ret) {
      for (Value result : ret.getOperands()) {
        auto clone = result.getDefiningOp<bufferization::CloneOp>();
        // The clone of an argument, made for the return only: the argument
        // holds the same values when the function returns.
        if (clone && clone->hasOneUse() &&
            isa<BlockArgument>(clone.getInput()) &&
            cast<BlockArgument>(clone.getInput()).getOwner() == &entry &&
            clone.getInput().getType() == clone.getType())
          clones.push_back(clone);
      }
    });
    IRRewriter rewriter(&getContext());
    for (bufferization::CloneOp clone : clones)
      rewriter.replaceOp(clone, clone.getInput());
  }
};

} // namespace
