//===- DecodeKernel.h - Emission of the fused decode kernels ----*- C++ -*-===//
//
// Internal to convert-mla-to-gpu: the buffers the decode kernels read and
// write, and the function that emits their launches.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_LIB_CONVERSION_MLATOGPU_DECODEKERNEL_H
#define MLA_LIB_CONVERSION_MLATOGPU_DECODEKERNEL_H

#include "mla/Conversion/MLAToGPU/MLAToGPU.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::mla {

/// Buffers (memrefs, identity layouts) of one decode.
struct DecodeKernelOperands {
  Value queryLatent; // [B, S, H, L]
  Value queryRope;   // [B, S, H, R]
  Value cache;       // [P, G, L + R]
  Value blockTable;  // [B, M] integers
  Value lengths;     // [B] integers
  Value output;      // [B, S, H, L], written
  Value partial;     // [B, S·H, splits, L] f32 (splits > 1)
  Value logSumExp;   // [B, S·H, splits] f32 (splits > 1)
  Value batch;       // B, an index
};

/// Emits at `b`'s insertion point the attention kernel's gpu.launch and, with
/// splits, the combine kernel's.
void emitDecodeKernels(ImplicitLocOpBuilder &b, const DecodeKernelSpec &spec,
                       const DecodeKernelOperands &operands);

} // namespace mlir::mla

#endif // MLA_LIB_CONVERSION_MLATOGPU_DECODEKERNEL_H
