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
/// decomposition) to linalg on tensors. With `runtimeChecks`, cache accesses
/// through an invalid block table or lengths stop the program (cf.assert);
/// without, their indices are clamped into the buffers.
void populateMLAToLinalgConversionPatterns(RewritePatternSet &patterns,
                                           bool runtimeChecks = true);

} // namespace mla
} // namespace mlir

#endif // MLA_CONVERSION_MLATOLINALG_MLATOLINALG_H
