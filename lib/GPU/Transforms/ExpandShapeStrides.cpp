//===- ExpandShapeStrides.cpp - expand_shape with dynamic groups -*- C++ -*-===//
//
// Implements `mla-expand-shape-strides`: a memref.expand_shape with more
// than one dynamic size in a reassociation group becomes a
// memref.reinterpret_cast with explicit sizes and strides, which MLIR 22's
// expand-strided-metadata would otherwise crash on (llvm-project#186830).
// Remove once the project builds against LLVM 23.
//
//===----------------------------------------------------------------------===//

#include "mla/GPU/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLAEXPANDSHAPESTRIDES
#include "mla/GPU/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-expand-shape-strides"

using namespace mlir;

namespace {

/// Whether some group of `op` expands into more than one dynamic size.
bool hasDynamicGroup(memref::ExpandShapeOp op) {
  MemRefType type = op.getResultType();
  return llvm::any_of(op.getReassociationIndices(),
                      [&](const ReassociationIndices &group) {
                        return llvm::count_if(group, [&](int64_t d) {
                                 return type.isDynamicDim(d);
                               }) > 1;
                      });
}

/// expand_shape %src [[..]] output_shape [sizes] →
///   base, offset, _, strides = extract_strided_metadata %src
///   reinterpret_cast base to offset: offset, sizes: sizes,
///     strides: per group g of source dim d, innermost = strides[d],
///              each outer one = the next stride · the next size.
/// A contiguous group is what expand_shape requires of its source, so the
/// expanded strides are exactly these.
struct ExpandShapeToReinterpretCast
    : OpRewritePattern<memref::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::ExpandShapeOp op,
                                PatternRewriter &rewriter) const override {
    if (!hasDynamicGroup(op))
      return rewriter.notifyMatchFailure(op, "at most one dynamic size a group");
    Location loc = op.getLoc();
    MemRefType type = op.getResultType();
    auto metadata = memref::ExtractStridedMetadataOp::create(rewriter, loc,
                                                             op.getSrc());
    SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
    SmallVector<OpFoldResult> strides(type.getRank());
    AffineExpr s0, s1;
    bindSymbols(rewriter.getContext(), s0, s1);
    for (auto [source, group] : llvm::enumerate(op.getReassociationIndices())) {
      OpFoldResult stride = metadata.getConstifiedMixedStrides()[source];
      for (int64_t d : llvm::reverse(group)) {
        strides[d] = stride;
        if (d != group.front())
          stride = affine::makeComposedFoldedAffineApply(
              rewriter, loc, s0 * s1, {stride, sizes[d]});
      }
    }
    // The result type's static facts are the ones to write; the values
    // above only where it has none.
    auto [typeStrides, typeOffset] = type.getStridesAndOffset();
    for (auto [d, stride] : llvm::enumerate(typeStrides))
      if (!ShapedType::isDynamic(stride))
        strides[d] = rewriter.getIndexAttr(stride);
    for (auto [d, size] : llvm::enumerate(type.getShape()))
      if (!ShapedType::isDynamic(size))
        sizes[d] = rewriter.getIndexAttr(size);
    OpFoldResult offset = ShapedType::isDynamic(typeOffset)
                              ? metadata.getConstifiedMixedOffset()
                              : rewriter.getIndexAttr(typeOffset);
    rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
        op, type, metadata.getBaseBuffer(), offset, sizes, strides);
    return success();
  }
};

struct MLAExpandShapeStridesPass
    : public mla::impl::MLAExpandShapeStridesBase<MLAExpandShapeStridesPass> {
  void runOnOperation() override {
    // One rewrite per op; nothing it creates matches again.
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandShapeToReinterpretCast>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
