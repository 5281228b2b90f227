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
  Value queryNope;   // [B, S, H, N]
  Value queryRope;   // [B, S, H, R]
  Value keyWeight;   // W_UK [H, L, N]
  Value valueWeight; // W_UV [H, L, V]
  Value cache;       // [P, G, L + R]
  Value blockTable;  // [B, M] integers
  Value lengths;     // [B] integers
  Value output;      // [B, S, H, V], written
  // Workspace.
  Value queryLatent; // [B, S, H, L]: q_nope · W_UKᵀ
  Value latentOut;   // [B, S, H, L]: the attention's output (none with
                     // even splits: the value product combines them)
  Value partial;     // [B, S·H, slots, L] f32 (slots > 1)
  Value logSumExp;   // [B, S·H, slots] f32 (slots > 1)
  Value schedule;    // [B + 1] i32 (balanced): tiles per CTA, then the
                     // CTA count of each request
  Value batch;       // B, an index
  // loads = tma: the cache's tensor map (emitDecodeKernels makes it).
  Value tensorMap;
};

/// Emits at `b`'s insertion point the decode's kernels as gpu.launch ops:
/// q_lat = q_nope · W_UKᵀ, (the scheduling metadata when balanced,) the
/// attention into o_lat, o = o_lat · W_UV; with splits the attention writes
/// partials, which the value product combines (even schedule) or a combine
/// kernel turns into o_lat first (balanced).
void emitDecodeKernels(ImplicitLocOpBuilder &b, const DecodeKernelPlan &plan,
                       const DecodeKernelOperands &operands);

} // namespace mlir::mla

#endif // MLA_LIB_CONVERSION_MLATOGPU_DECODEKERNEL_H
