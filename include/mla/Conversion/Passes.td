//===- Passes.td - Conversions out of the mla dialect -------*- tablegen -*-===//
//
// Passes that lower mla ops to other dialects.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_CONVERSION_PASSES_TD
#define MLA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMLAToLinalg : Pass<"convert-mla-to-linalg"> {
  let summary = "Lower every mla op to linalg, tensor, arith, math, scf and cf";
  let description = [{
    The reference semantics of the dialect, on tensors: every mla op becomes
    linalg.generic contractions and elementwise maps (f32 arithmetic whatever
    the element type: f16/bf16 operands are extended on entry and results
    truncated on exit), tensor slices and reshapes, and — for the cache
    update — an scf.forall of tensor.parallel_insert_slice with runtime checks
    (cf.assert) that every new token lands inside its block table.
    `mla.attention_block` is first decomposed (the `mla-decompose` patterns).

    Contract: afterwards no mla op remains; the pass fails, naming the op,
    otherwise. The output is the input of any linalg-on-tensors pipeline
    (CPU: `mla-cpu-pipeline`).

    `runtime-checks=false` replaces the cf.assert checks of cache accesses by
    clamping the indices into the buffers (memory-safe, but an invalid block
    table then reads or writes a wrong slot silently): the GPU pipeline needs
    it, since a cf.assert keeps a loop from becoming a kernel.
  }];
  let options = [
    Option<"runtimeChecks", "runtime-checks", "bool", /*default=*/"true",
           "Check cache accesses with cf.assert (else clamp the indices)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::cf::ControlFlowDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MLAGPUDeviceBuffers : Pass<"mla-gpu-device-buffers", "::mlir::func::FuncOp"> {
  let summary = "Make the host code's buffers device buffers: memref.alloc/dealloc/copy to gpu.alloc/dealloc/memcpy";
  let description = [{
    In the GPU pipeline every buffer a function allocates (bufferization's
    temporaries and results) lives on the device, as its arguments do: the
    host only launches kernels and passes descriptors. Rewrites, outside GPU
    kernels, `memref.alloc` to `gpu.alloc`, `memref.dealloc` to
    `gpu.dealloc` and `memref.copy` to `gpu.memcpy` (made asynchronous by
    `gpu-async-region` afterwards). Fails on what the host could not do with
    device memory: a `memref.load`, `memref.store` or `memref.alloca` left
    outside a kernel.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // MLA_CONVERSION_PASSES_TD
