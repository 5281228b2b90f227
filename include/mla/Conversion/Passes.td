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

    Contract: afterwards no mla op remains but `mla.decode_kernel` (on
    buffers, from convert-mla-to-gpu, expanded by mla-gpu-expand-kernels);
    the pass fails, naming the op, otherwise. The output is the input of any linalg-on-tensors pipeline
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

def ConvertMLAToGPU : Pass<"convert-mla-to-gpu"> {
  let summary = "Lower mla.fused_decode to the tensor-core decode kernels (mla.decode_kernel on buffers)";
  let description = [{
    Rewrites each `mla.fused_decode` the kernels support into an
    `mla.decode_kernel` on the buffers of its operands (taken with
    bufferization.to_buffer; the result is a new buffer returned through
    to_tensor). After bufferization and buffer deallocation,
    `mla-gpu-expand-kernels` makes it the kernels (docs/decode-kernel.md):
    q_lat = q_nope·W_UKᵀ per head, the attention (one CTA per split, 16–64
    query rows and request; the paged cache read with cp.async through the
    block table, each cached token once per CTA; the online softmax on chip;
    MTP causal masking), o = o_lat·W_UV per head (combining the splits'
    partials itself with the even schedule).

    Its tunables come from the op's `#mla.decode_tiling`, chosen by the cost
    model: splits, block_tokens, stages, rows per CTA (heads_per_block ×
    queries), the tensor-core instructions (`mma = sync`: mma.sync m16n8k16
    and ldmatrix from padded tiles, sm_80 and later; `mma = warpgroup`:
    wgmma m64nNk16 from 128B-swizzled tiles, sm_90a only) and the split
    schedule (`even`, or `balanced` by scheduling metadata). Ops the kernels
    cannot take (f32 or f64 elements, dynamic query count or page size,
    tiles or weight products that exceed `chip`'s shared memory, wgmma on
    a chip without it)
    are left for convert-mla-to-linalg, with a remark saying why.

    With `prefill-kernels` (the default), each `mla.fused_prefill` the
    prefill kernels take (bf16/f16, wgmma, dims in 64-element atoms, tiles
    within shared memory: planPrefillKernels) becomes an
    `mla.prefill_kernel`, which `mla-gpu-expand-kernels` makes the gather
    of the cached latents, the decompression GEMMs and the flash-attention
    kernel (docs/prefill-kernel.md).

    With `gemms` (the default), the products of `mla.query_proj`,
    `mla.kv_compress` and `mla.output_proj` become `mla_gpu.gemm cublaslt`
    on their buffers (tokens as rows), the RMSNorms between them stay
    `mla.rms_norm` in f32, the column splits slices (docs/gpu.md). Runs
    before bufferization.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "Target chip (its shared memory per block bounds the tiles)">,
    Option<"decodeKernels", "decode-kernels", "bool", /*default=*/"true",
           "Lower mla.fused_decode to the tensor-core decode kernels">,
    Option<"prefillKernels", "prefill-kernels", "bool", /*default=*/"true",
           "Lower mla.fused_prefill to the prefill kernels (gather, "
           "decompression GEMMs, flash attention)">,
    Option<"gemms", "gemms", "bool", /*default=*/"true",
           "Compute the projections' products (query, kv down, output) with "
           "library GEMMs (mla_gpu.gemm cublaslt)">,
    Option<"rowKernels", "row-kernels", "bool", /*default=*/"true",
           "Compute RMSNorms with the rows kernel (mla_gpu.rms_norm: one "
           "warp per row)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::mla::MLADialect",
    "::mlir::mla_gpu::MLAGPUDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def MLAGPUExpandKernels : Pass<"mla-gpu-expand-kernels", "::mlir::func::FuncOp"> {
  let summary = "Expand mla.decode_kernel into its gpu.launch kernels";
  let description = [{
    Replaces each `mla.decode_kernel` by its kernels' `gpu.launch` ops —
    decode_query_latent, decode_schedule (balanced schedule),
    decode_attention (mma.sync or wgmma), then decode_value, or with splits
    decode_combine_value (even schedule: the combine inside the product) or
    decode_combine and decode_value (balanced) — with their workspace (q_lat,
    o_lat unless the product combines, the f32 partials and log-sum-exps,
    the scheduling metadata), each buffer allocated just before the first
    kernel that uses it and freed after the last.
    Runs after buffer deallocation (the kernels' NVVM ops declare no memory
    effects, which it rejects) and before `mla-gpu-device-buffers` (which
    puts the workspace on the device). Contract: no `mla.decode_kernel`
    remains.
  }];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::mla_gpu::MLAGPUDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def ConvertMLAGPUTiles : Pass<"convert-mla-gpu-tiles"> {
  let summary = "Lower the tile-level mla_gpu ops (named shared buffers, tile loads, the online softmax) to nvgpu, memref and scf";
  let description = [{
    One pattern per tile-level mla_gpu op (docs/kernel-dialect.md): named
    shared buffers become views of the dynamic shared memory, tile loads
    their cp.async copies or TMA boxes on mbarriers, the online-softmax
    update its masking, row statistics and rescale. What they make is
    upstream ops and the instruction-level mla_gpu ops (barriers, fences,
    MMAs), which `convert-mla-gpu-to-nvvm` lowers after outlining. Runs in
    the GPU pipeline right after `mla-gpu-expand-kernels`, while the kernels
    are launch bodies (TMA descriptors and mbarriers must be made NVVM
    before outlining). Contract: no tile-level op remains.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def ConvertMLAGPUToNVVM : Pass<"convert-mla-gpu-to-nvvm"> {
  let summary = "Lower the mla_gpu kernel ops to NVVM (and the PTX text NVVM has no op for)";
  let description = [{
    One pattern per mla_gpu op (docs/kernel-dialect.md): the stage barriers
    and proxy fences become their NVVM ops (`nvvm.barrier0`,
    `nvvm.cp.async.commit.group`, `nvvm.cp.async.wait.group`,
    `nvvm.fence.proxy`, `nvvm.fence.mbarrier.init`,
    `nvvm.wgmma.commit.group.sync.aligned`); the warpgroup fence and wait
    become one inline-PTX statement each that ties every accumulator
    register through it; a warpgroup descriptor becomes its bit fields
    behind an empty statement that keeps it in place. Runs in the GPU
    pipeline after kernel outlining, before the NVVM lowering. Contract:
    no mla_gpu op remains (the pass fails otherwise).

    `input-checks=false` drops every `mla_gpu.check_input` (the kernels'
    reports of bad block tables, lengths and positions; the indices they
    guard stay clamped): for measuring what the checks cost, never for
    serving.
  }];
  let options = [
    Option<"inputChecks", "input-checks", "bool", /*default=*/"true",
           "Report bad inputs found by the kernels (false: drop the checks)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // MLA_CONVERSION_PASSES_TD
