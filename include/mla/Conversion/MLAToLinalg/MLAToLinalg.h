//===- MLAToLinalg.h - mla to linalg on tensors -----------------*- C++ -*-===//
//
// The reference lowering of every mla op onto linalg/tensor/arith/math/scf/cf.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_CONVERSION_MLATOLINALG_MLATOLINALG_H
#define MLA_CONVERSION_MLATOLINALG_MLATOLINALG_H

namespace mlir {
class RewritePatternSet;
namespace mla {

/// Patterns lowering every mla op (the whole block through its
/// decomposition) to linalg on tensors.
void populateMLAToLinalgConversionPatterns(RewritePatternSet &patterns);

} // namespace mla
} // namespace mlir

#endif // MLA_CONVERSION_MLATOLINALG_MLATOLINALG_H
