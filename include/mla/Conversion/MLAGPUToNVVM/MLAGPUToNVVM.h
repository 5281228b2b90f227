//===- MLAGPUToNVVM.h - mla_gpu ops to NVVM ---------------------*- C++ -*-===//
//
// The patterns of `convert-mla-gpu-to-nvvm`: one per mla_gpu op, each to NVVM
// operations, or — where NVVM has none — to the PTX text named below.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_CONVERSION_MLAGPUTONVVM_MLAGPUTONVVM_H
#define MLA_CONVERSION_MLAGPUTONVVM_MLAGPUTONVVM_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::mla_gpu {

/// Adds a lowering pattern for every mla_gpu op; without `inputChecks`,
/// mla_gpu.check_input lowers to nothing (the indices stay clamped: what
/// the checks cost is measured against this).
void populateMLAGPUToNVVMConversionPatterns(RewritePatternSet &patterns,
                                            bool inputChecks = true);

} // namespace mlir::mla_gpu

#endif // MLA_CONVERSION_MLAGPUTONVVM_MLAGPUTONVVM_H
