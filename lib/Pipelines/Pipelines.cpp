//===- Pipelines.cpp - mla pass pipelines -----------------------*- C++ -*-===//
//
// Builds and registers the mla pipelines.
//
//===----------------------------------------------------------------------===//

#include "mla/Pipelines/Pipelines.h"

#include "mla/Conversion/Passes.h"
#include "mla/Dialect/MLA/IR/MLATarget.h"
#include "mla/Dialect/MLA/Transforms/Passes.h"
#include "mla/GPU/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mla::buildMLADefaultPipeline(OpPassManager &pm,
                                  const MLAPipelineOptions &options) {
  // One target description for every pass after (the cost model's choices,
  // the kernels' sizes): the module's, or the option's preset.
  mla::MLASetTargetOptions target;
  target.target = options.target;
  pm.addPass(mla::createMLASetTarget(target));
  // Whole blocks become primitives first: every later pass works on them.
  pm.addPass(mla::createMLADecompose());
  // The choice of form is data (mla.phase), made once by the cost model and
  // read by absorption and fusion.
  mla::MLASelectPhaseOptions select;
  select.force = options.phase;
  pm.addPass(mla::createMLASelectPhase(select));
  pm.addPass(mla::createMLAAbsorbWeights());
  // Weight pairs are folded only where the cost model says it pays (never
  // for DeepSeek's configs).
  mla::MLAFoldWeightsOptions fold;
  pm.addPass(mla::createMLAFoldWeights(fold));
  if (options.fuse) {
    mla::MLAFuseDecodeOptions decode;
    decode.tuningFile = options.tuningFile;
    pm.addPass(mla::createMLAFuseDecode(decode));
    mla::MLAFusePrefillOptions prefill;
    prefill.blockKeys = options.prefillBlockKeys;
    prefill.loads = options.prefillLoads;
    prefill.producer = options.prefillProducer;
    prefill.mma = options.prefillMma;
    prefill.tuningFile = options.tuningFile;
    pm.addPass(mla::createMLAFusePrefill(prefill));
  }
  // Absorption and fusion leave the gathers and decompressions they replaced
  // dead; canonicalize removes them, CSE merges what blocks share.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// The reference lowering, then tensors to buffers across function
/// boundaries, with identity layouts so that callers (mla-run, C code) pass
/// plain strided descriptors.
static void addLinalgAndBufferize(OpPassManager &pm, bool runtimeChecks,
                                  bool canonicalize, bool libraryABI) {
  mla::ConvertMLAToLinalgOptions lowering;
  lowering.runtimeChecks = runtimeChecks;
  pm.addPass(mla::createConvertMLAToLinalg(lowering));
  pm.addPass(createConvertElementwiseToLinalgPass());
  if (canonicalize) {
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Before deallocation, which would otherwise give the caller ownership of
  // fresh result buffers.
  if (libraryABI)
    pm.addPass(mla::createMLALibraryABI());
}

/// Buffer deallocation, with the clones it inserts made explicit copies.
static void addDeallocation(OpPassManager &pm) {
  bufferization::buildBufferDeallocationPipeline(pm);
  // An argument updated in place (the cache) is returned as itself, not as
  // a copy of the whole cache per call.
  pm.addNestedPass<func::FuncOp>(mla::createMLAReturnArgumentsInPlace());
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void mla::buildMLACPUPipeline(OpPassManager &pm,
                              const MLACPUPipelineOptions &options) {
  // Dynamic sizes that disagree stop the program before it computes.
  pm.addNestedPass<func::FuncOp>(mla::createMLAInsertShapeChecks());
  // The reference semantics (linalg on tensors, f32 arithmetic) on buffers.
  addLinalgAndBufferize(pm, /*runtimeChecks=*/true, /*canonicalize=*/true,
                        options.libraryABI);
  addDeallocation(pm);

  // Buffers to loops to the LLVM dialect.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createSCFToControlFlowPass());
  // A library returns a failed check's message (every check is in the
  // function's CFG now) instead of aborting its caller.
  if (options.libraryABI)
    pm.addPass(mla::createMLAReturnOnFailedCheck());
  // Upstream's expand-strided-metadata crashes on some dynamic expand_shapes
  // (MLIR 22): those get their strides first.
  pm.addNestedPass<func::FuncOp>(mla::createMLAExpandShapeStrides());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // bf16 <-> f32 as integer ops: the JIT then needs no soft-float helpers
  // (Debian's libgcc 12 has no __truncsfbf2).
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mla::buildMLAGPUPipeline(OpPassManager &pm,
                              const MLAGPUPipelineOptions &options) {
  // The module's target, which the kernels are sized for, must be the one
  // the NVVM pipeline compiles for: mla-set-target sets it or refuses a
  // module that targets another GPU.
  mla::MLASetTargetOptions target;
  target.target = options.target;
  target.chip = options.chip;
  pm.addPass(mla::createMLASetTarget(target));
  // Dynamic sizes that disagree stop the program before it computes (host
  // code: the sizes are in the buffers' descriptors).
  pm.addNestedPass<func::FuncOp>(mla::createMLAInsertShapeChecks());
  // A cf.assert keeps scf.parallel from becoming gpu.launch: cache indices
  // are clamped instead (docs/gpu.md). No canonicalization until the loops
  // are kernels: it folds single-iteration loops (batch 1, one new token)
  // into host code that would touch device memory.
  // The fused decode and prefill become tensor-core kernels on buffers;
  // everything else takes the generic path below.
  // The projections' products become library GEMMs (mla_gpu.gemm).
  if (options.decodeKernel || options.prefillKernel || options.gemms) {
    mla::ConvertMLAToGPUOptions gpu;
    gpu.gemms = options.gemms;
    gpu.decodeKernels = options.decodeKernel;
    gpu.prefillKernels = options.prefillKernel;
    pm.addPass(mla::createConvertMLAToGPU(gpu));
  }
  addLinalgAndBufferize(pm, /*runtimeChecks=*/false, /*canonicalize=*/false,
                        options.libraryABI);
  // Every loop becomes a kernel: linalg ops (bufferization's copies too) and
  // the cache append's forall to scf.parallel, tiled and mapped (the last
  // dim's tiles to threads, outer dims to blocks), then gpu.launch.
  // Reductions stay sequential loops inside each thread.
  pm.addNestedPass<func::FuncOp>(mla::createMLAGPUCopiesToLinalg());
  pm.addPass(createForallToParallelLoopPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(mla::createMLAGPUMapLoops());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  addDeallocation(pm);
  // The decode kernels' bodies (NVVM ops without declared memory effects)
  // only after deallocation has reasoned about the buffers.
  pm.addNestedPass<func::FuncOp>(mla::createMLAGPUExpandKernels());
  // Their tile ops (named shared buffers, tile loads, the online softmax)
  // become upstream ops while the kernels are launch bodies: TMA and
  // mbarriers must be NVVM before outlining (below).
  pm.addNestedPass<func::FuncOp>(mla::createConvertMLAGPUTiles());
  // What remains on the host are allocations, copies and launches: put the
  // buffers on the device (the arguments already are).
  pm.addNestedPass<func::FuncOp>(mla::createMLAGPUDeviceBuffers());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  // Constants (and index computations on them) move into the launches
  // before outlining: left outside, each becomes a kernel argument, and a
  // division by a kernel argument is a runtime (software) division — the
  // kernels' index arithmetic by powers of two among them.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  // nvgpu ops become NVVM while the kernels are still launch bodies, as in
  // upstream's pipeline: a TMA descriptor made on the host then crosses into
  // its kernel as an !llvm.ptr (no kernel signature converts an
  // nvgpu.tensormap.descriptor), and mbarrier globals are cloned into the
  // kernel modules by the outlining.
  pm.addPass(createConvertNVGPUToNVVMPass());
  pm.addPass(createGpuKernelOutliningPass());
  // Dynamic shared memory as CUDA declares it (an external array placed
  // after the static variables), not the internal global upstream makes,
  // which NVPTX demotes to a static byte that static mbarriers would overlay.
  pm.addNestedPass<gpu::GPUModuleOp>(mla::createMLAGPUExternDynamicShared());
  // The kernels' own ops (stage barriers, fences, the warpgroup MMAs'
  // ordering) become NVVM now that they sit in gpu.funcs: generic passes
  // before kept them in place through their declared memory effects.
  mla::ConvertMLAGPUToNVVMOptions tileOps;
  tileOps.inputChecks = options.inputChecks;
  pm.addNestedPass<gpu::GPUModuleOp>(mla::createConvertMLAGPUToNVVM(tileOps));
  // Synchronous gpu.alloc/memcpy/dealloc are silently left unlowered by the
  // NVVM pipeline (DESIGN §8): make the host's GPU ops async on one stream.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());

  // A library returns a failed check's message instead of aborting its
  // caller (the checks at the host function's entry; one inside a region
  // still aborts).
  if (options.libraryABI)
    pm.addPass(mla::createMLAReturnOnFailedCheck());
  // The NVVM pipeline's expand-strided-metadata crashes on some dynamic
  // expand_shapes (MLIR 22): those get their strides first.
  pm.addNestedPass<func::FuncOp>(mla::createMLAExpandShapeStrides());
  gpu::GPUToNVVMPipelineOptions nvvm;
  // A name the table does not know is refused by mla-set-target, first.
  std::optional<mla::ChipDescription> chip =
      options.chip.empty() ? mla::getPresetChip(options.target)
                           : mla::getChip(options.chip);
  nvvm.cubinChip = chip ? chip->name.str() : options.chip.getValue();
  nvvm.cubinFeatures =
      !options.features.empty() || !chip
          ? options.features.getValue()
          : "+ptx" + std::to_string(chip->ptxVersion);
  nvvm.cubinFormat = options.format;
  nvvm.optLevel = options.optLevel;
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
}

void mla::registerMLAPipelines() {
  PassPipelineRegistration<MLAGPUPipelineOptions>(
      "mla-gpu-pipeline",
      "Lower mla to NVVM/PTX kernels and LLVM host code calling the mgpu* "
      "runtime: linalg, bufferization, parallel loops to GPU kernels",
      buildMLAGPUPipeline);
  PassPipelineRegistration<MLACPUPipelineOptions>(
      "mla-cpu-pipeline",
      "Lower mla to the LLVM dialect for the CPU: linalg on tensors, "
      "bufferization, loops, LLVM",
      buildMLACPUPipeline);
  PassPipelineRegistration<MLAPipelineOptions>(
      "mla-pipeline",
      "The default mla pipeline: decompose blocks, choose each attention's "
      "form with the cost model, absorb, fuse",
      buildMLADefaultPipeline);
}
