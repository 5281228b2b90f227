//===- MLAGPUDialect.td - The mla_gpu kernel dialect -------*- tablegen -*-===//
//
// `mla_gpu`: the dialect the generated GPU kernels are written in, between
// the mla ops (whole computations) and single NVVM instructions.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLAGPU_IR_MLAGPUDIALECT_TD
#define MLA_DIALECT_MLAGPU_IR_MLAGPUDIALECT_TD

include "mlir/IR/OpBase.td"

def MLAGPU_Dialect : Dialect {
  let name = "mla_gpu";
  let cppNamespace = "::mlir::mla_gpu";
  let summary = "Tile-level operations of mla's generated GPU kernels";
  let description = [{
    The kernels `mla-gpu-expand-kernels` writes (the decode attention, the
    split combine, the per-head weight products) are built from NVVM, NVGPU,
    vector and memref operations and from the operations of this dialect,
    which name what a kernel does at the level a kernel author thinks in and
    that upstream has no operation for with the right semantics:

    * stage barriers: `mla_gpu.barrier` (the CTA meets; shared memory written
      before is visible after), `mla_gpu.async_copy.commit` /
      `mla_gpu.async_copy.wait` (a pipeline stage of cp.async copies
      closed / waited for);
    * proxy fences: `mla_gpu.fence.async_proxy` (generic-proxy shared-memory
      writes visible to wgmma and TMA), `mla_gpu.fence.mbarrier_init`;
    * warpgroup MMA ordering: `mla_gpu.warpgroup.fence`,
      `mla_gpu.warpgroup.commit` and `mla_gpu.warpgroup.wait`, where the fence
      and the wait take and return the *whole* accumulator, so that no
      arithmetic on its registers can move across them (one statement instead
      of one empty asm per register);
    * shared-memory operand descriptors with their swizzle as an attribute:
      `mla_gpu.warpgroup.descriptor`.

    Every operation declares its memory effects (the synchronisation ones
    read and write memory), so that generic passes — buffer deallocation,
    canonicalization, CSE, sinking into launches, outlining — keep them in
    place. `convert-mla-gpu-to-nvvm` lowers each with its own pattern to NVVM
    operations; the few PTX strings NVVM has no operation for live in that one
    file (docs/kernel-dialect.md).

    One host-level operation computes a matrix product by a library on a
    stream, like a kernel launch: `mla_gpu.gemm` (`gpu-to-llvm` makes it a
    runtime call, through the dialect's ConvertToLLVMPatternInterface).
  }];
  // mla_gpu.gemm carries gpu.async tokens, which gpu-async-region threads
  // through it with gpu.wait ops.
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // MLA_DIALECT_MLAGPU_IR_MLAGPUDIALECT_TD
