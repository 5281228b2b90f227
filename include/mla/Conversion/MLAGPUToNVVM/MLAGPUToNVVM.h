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

/// Adds a lowering pattern for every mla_gpu op.
void populateMLAGPUToNVVMConversionPatterns(RewritePatternSet &patterns);

/// acc + lhs·rhs by one mma.sync.m16n8k16 (A row-major, B column-major, f32
/// accumulation): `lhs` an A fragment (vector<4x2xT>), `rhs` a B fragment
/// (vector<2x2xT>), T bf16 or f16, `acc` a C fragment (vector<2x2xf32>).
/// The step mla_gpu.warp.mma lowers to, and the one the kernels use where
/// A comes from registers (P·V of the mma.sync attention).
Value createMmaSync(OpBuilder &b, Location loc, Value lhs, Value rhs,
                    Value acc);

} // namespace mlir::mla_gpu

#endif // MLA_CONVERSION_MLAGPUTONVVM_MLAGPUTONVVM_H
