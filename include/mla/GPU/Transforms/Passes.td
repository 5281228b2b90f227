//===- Passes.td - Transforms of the GPU pipeline -----------*- tablegen -*-===//
//
// Passes of mla's GPU pipeline that convert nothing out of mla: they shape
// upstream IR (copies, loops, buffers, the kernel modules' dynamic shared
// memory) for the GPU. docs/gpu.md says where each runs.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_GPU_TRANSFORMS_PASSES_TD
#define MLA_GPU_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MLAGPUCopiesToLinalg : Pass<"mla-gpu-copies-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Turn bufferization's memref.copy into linalg.copy, so that copies become GPU kernels";
  let description = [{
    Bufferization copies slices (e.g. a returned view of a larger buffer):
    on the GPU such a copy between strided device buffers is a kernel, not a
    driver memcpy. Rewrites every `memref.copy` outside GPU kernels into
    `linalg.copy`, which the GPU pipeline maps to a kernel with the other
    loops.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def MLAGPUMapLoops : Pass<"mla-gpu-map-loops", "::mlir::func::FuncOp"> {
  let summary = "Tile each outermost scf.parallel and map it to GPU blocks and threads";
  let description = [{
    Every outermost `scf.parallel` (a linalg op's parallel dims, the cache
    append's tokens) has its last dimension tiled by `threads`; the tiles
    map to threads (x), the loop's last three dimensions to blocks (x, y, z,
    innermost first), anything beyond to sequential loops inside the kernel.
    Loops nested in the body run sequentially in each thread. Upstream's
    greedy mapper gives each block one thread when a loop is not nested,
    which this replaces.
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"256",
           "Threads per block (tile of the last dimension)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::affine::AffineDialect"];
}

def MLAGPUDeviceBuffers : Pass<"mla-gpu-device-buffers", "::mlir::func::FuncOp"> {
  let summary = "Make the host code's buffers device buffers: memref.alloc/dealloc/copy to gpu.alloc/dealloc/memcpy";
  let description = [{
    In the GPU pipeline every buffer a function allocates (bufferization's
    temporaries and results) lives on the device, as its arguments do: the
    host only launches kernels and passes descriptors. Rewrites, outside GPU
    kernels, `memref.alloc` to `gpu.alloc`, `memref.dealloc` to
    `gpu.dealloc` and `memref.copy` to `gpu.memcpy` (made asynchronous by
    `gpu-async-region` afterwards). A `memref.load` on the host of an
    integer argument of the function (a varlen block's `query_starts`, read
    by its loop over requests) reads a host copy made once at entry (a
    stack buffer filled by a device-to-host `gpu.memcpy`). Fails on what
    else the host could not do with device memory: a `memref.load`,
    `memref.store` or `memref.alloca` left outside a kernel.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def MLALibraryABI : Pass<"mla-library-abi", "::mlir::ModuleOp"> {
  let summary = "Give public functions on buffers the ABI of a library: results in place or in the caller's buffers";
  let description = [{
    Run right after One-Shot Bufferize (function boundaries), before
    deallocation, for code that is called as a library (`mla-aot`) rather
    than by mla-run. For every public function:

    - a result that is one of the function's arguments (through
      `memref.cast`s: the paged cache, updated in place by the block's
      append) is dropped: the caller finds it in the argument;
    - every other result becomes an out-parameter appended after the
      arguments, written by the function into the caller's buffer
      (upstream's promoteBufferResultsToOutParams): the `memref.alloc` it
      was returned from becomes the out-parameter (upstream hoists static
      ones; a dynamic one, sized by `memref.dim`s upstream does not hoist,
      is replaced here and its copy removed), so nothing is copied;
      otherwise it is copied.

    Each function records where its original results went as
    `mla.result_params = array<i64: ...>`: result i is parameter
    `mla.result_params[i]` of the new signature (an argument index for a
    result updated in place, an index after the arguments for an
    out-parameter). mla-aot writes the C header from it, and from
    `mla.written_arguments`, the arguments the function may write (a write
    effect on the argument or a view of it). A dynamic size of an
    out-parameter is checked (`cf.assert`) against the size the function
    computes for the result as soon as that size is known.

    ```mlir
    func.func @block(%h: memref<?x1x64xbf16>, ..., %cache: memref<?x64x576xbf16>, ...)
        -> (memref<?x1x64xbf16>, memref<?x64x576xbf16>)   // out, the cache itself
    // becomes
    func.func @block(%h: memref<?x1x64xbf16>, ..., %cache: memref<?x64x576xbf16>, ...,
                     %out: memref<?x1x64xbf16>) attributes {mla.result_params = array<i64: 13, 10>}
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect"];
}

def MLAReturnOnFailedCheck
    : Pass<"mla-return-on-failed-check", "::mlir::ModuleOp"> {
  let summary = "In a library's functions, a failed check returns with its message instead of aborting";
  let description = [{
    For the public functions `mla-library-abi` made (no results, marked
    `mla.result_params`): every `cf.assert` in the function's own blocks
    becomes a branch to a block that hands its message to the runtime
    (`mlaRecordCheckFailure`, libmla_library_runtime.a) and returns, so that
    the library's entry point returns an error code with the message
    instead of ending its caller's process. Run once the function body is
    a CFG (after SCF to CF on the CPU; on the GPU host code the checks at
    the function's entry): an assert still inside a region (an `scf.if`)
    is left to abort. Temporaries allocated before a failed check are not
    freed on the way out.

    ```mlir
    cf.assert %ok, "'mla.rope' expects positions ... dim 0 (B: batch) ..."
    // becomes
    cf.cond_br %ok, ^continue, ^failed
  ^failed:
    llvm.call @mlaRecordCheckFailure(%message) : (!llvm.ptr) -> ()
    return
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::cf::ControlFlowDialect"];
}

def MLAReturnArgumentsInPlace
    : Pass<"mla-return-arguments-in-place", "::mlir::func::FuncOp"> {
  let summary = "Return an argument updated in place as itself, not as a clone";
  let description = [{
    Buffer deallocation gives a function's caller ownership of every result,
    so a result that is one of the function's arguments (the paged cache,
    updated in place by the block's append) is returned as a
    `bufferization.clone` of it: a copy of the whole cache per call, which
    on the GPU costs more than the step itself (a 306 MB cache: ~0.5 ms).
    This pass, run after the deallocation pipeline, returns such an
    argument itself: a `bufferization.clone` of an entry-block argument
    whose only user is the `func.return` is replaced by the argument.

    The ABI this makes (docs/gpu.md): a result may be an argument's buffer;
    the caller must not free it twice (mla-run frees no argument's buffer).
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def MLAExpandShapeStrides
    : Pass<"mla-expand-shape-strides", "::mlir::func::FuncOp"> {
  let summary = "Give memref.expand_shape with several dynamic sizes in one group its strides";
  let description = [{
    MLIR 22's `expand-strided-metadata` assumes at most one dynamic size per
    reassociation group of a `memref.expand_shape`, and with more (rows of a
    dynamic batch and a dynamic token count expanded back from [B·S, N])
    passes a null size on and crashes (llvm/llvm-project#186830, fixed by
    #187844 for LLVM 23). Both pipelines run this pass right before it: such
    an `expand_shape` becomes the `memref.reinterpret_cast` of its source's
    base buffer that the fixed upstream pass builds — sizes from the op's
    `output_shape`, each group's innermost stride its source dimension's,
    every outer one the next stride times the next size. Every other
    `expand_shape` is left to upstream.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect"];
}

def MLAGPUExternDynamicShared
    : Pass<"mla-gpu-extern-dynamic-shared", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Declare the kernels' dynamic shared memory as an external array";
  let description = [{
    `gpu.dynamic_shared_memory` lowers to the address of a zero-sized
    workgroup global; upstream creates it with internal linkage, and the
    NVPTX back end then demotes it to a one-byte *static* shared variable
    (`.shared .align 16 .b8 __dynamic_shmem__0;`). Its address is not where
    the dynamic allocation starts: that follows every static variable, so a
    kernel with other static shared memory (nvgpu.mbarrier.create's
    barriers) would overlay them with its dynamic buffer. This pass declares,
    in each GPU module whose kernels use dynamic shared memory, the external
    zero-sized array the lowering reuses (same address space and alignment),
    which PTX emits as `.extern .shared .align 16 .b8 name[];` — CUDA's
    dynamic shared memory, placed after the static variables. Runs after
    kernel outlining, before the NVVM lowering.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MLA_GPU_TRANSFORMS_PASSES_TD
