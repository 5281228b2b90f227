//===- MLAGPUTiles.h - mla_gpu tile ops to nvgpu and memref -----*- C++ -*-===//
//
// The patterns of `convert-mla-gpu-tiles`: one per tile-level mla_gpu op
// (named shared buffers, tile loads, the online-softmax update), each to
// upstream ops (gpu, memref, nvgpu, scf, vector, arith) and the
// instruction-level mla_gpu ops that `convert-mla-gpu-to-nvvm` lowers later.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_CONVERSION_MLAGPUTILES_MLAGPUTILES_H
#define MLA_CONVERSION_MLAGPUTILES_MLAGPUTILES_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::mla_gpu {

/// Adds a lowering pattern for every tile-level mla_gpu op.
void populateMLAGPUTilesConversionPatterns(RewritePatternSet &patterns);

/// Marks the tile-level mla_gpu ops illegal (the instruction-level ones
/// stay legal).
void configureMLAGPUTilesTarget(ConversionTarget &target);

} // namespace mlir::mla_gpu

#endif // MLA_CONVERSION_MLAGPUTILES_MLAGPUTILES_H
