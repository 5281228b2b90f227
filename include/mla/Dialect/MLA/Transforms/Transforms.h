//===- Transforms.h - Rewrite patterns of the mla dialect -------*- C++ -*-===//
//
// Pattern sets behind the mla passes, exported so that other passes and
// pipelines can compose them.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLA_TRANSFORMS_TRANSFORMS_H
#define MLA_DIALECT_MLA_TRANSFORMS_TRANSFORMS_H

namespace mlir {
class RewritePatternSet;
namespace mla {

/// Patterns that rewrite mla.attention_block into mla primitives (the
/// decompressed form of DESIGN §1).
void populateMLADecomposePatterns(RewritePatternSet &patterns);

} // namespace mla
} // namespace mlir

#endif // MLA_DIALECT_MLA_TRANSFORMS_TRANSFORMS_H
