//===- PrefillKernel.h - Emission of the fused prefill kernels --*- C++ -*-===//
//
// Internal to convert-mla-to-gpu: the buffers the prefill kernels read and
// write, and the function that emits them (docs/prefill-kernel.md).
//
//===----------------------------------------------------------------------===//

#ifndef MLA_LIB_CONVERSION_MLATOGPU_PREFILLKERNEL_H
#define MLA_LIB_CONVERSION_MLATOGPU_PREFILLKERNEL_H

#include "mla/Analysis/PrefillPlan.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::mla {

/// Buffers (memrefs) and sizes (index values) of one prefill.
struct PrefillKernelOperands {
  Value queryNope;   // [B, S, H, N], or varlen [X, H, N]
  Value queryRope;   // [B, S, H, R], or varlen [X, H, R]
  Value keyWeight;   // W_UK [H, L, N]
  Value valueWeight; // W_UV [H, L, V]
  Value cache;       // [P, G, L + R]
  Value blockTable;  // [B, M] integers
  Value lengths;     // [B] integers
  Value queryStarts; // varlen: [B + 1] integers (request b: rows qs[b]..)
  Value output;      // [B, S, H, V], or varlen [X, H, V], written
  Value batch, queries, capacity; // B, S (varlen: X) and M·G
  // Workspace.
  Value latent; // [B, M·G, L + R]: each request's cached rows, gathered
  Value keys;   // [H, B·M·G, N]: latent · W_UK per head
  Value values; // [H, B·M·G, V]: latent · W_UV per head
  // With TMA loads (plan.tma()): tensor maps of boxes [1, block_keys, 64]
  // over keys, values and latent, made on the host.
  Value keysMap, valuesMap, latentMap;
};

/// Host code at `b`'s insertion point: the TMA tensor maps of `operands`'
/// workspace the attention kernel reads with loads = tma.
void createPrefillTensorMaps(ImplicitLocOpBuilder &b,
                             const PrefillKernelPlan &plan,
                             PrefillKernelOperands &operands);

/// Emits at `b`'s insertion point the prefill: the gather of each request's
/// cached latents (zero past its length), the two decompression GEMMs
/// (mla_gpu.gemm, one batch entry per head) and the flash-attention kernel.
void emitPrefillKernels(ImplicitLocOpBuilder &b, const PrefillKernelPlan &plan,
                        const PrefillKernelOperands &operands);

} // namespace mlir::mla

#endif // MLA_LIB_CONVERSION_MLATOGPU_PREFILLKERNEL_H
