//===- Pipelines.cpp - mla pass pipelines -----------------------*- C++ -*-===//
//
// Builds and registers the mla pipelines.
//
//===----------------------------------------------------------------------===//

#include "mla/Pipelines/Pipelines.h"

#include "mla/Conversion/Passes.h"
#include "mla/Dialect/MLA/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mla::buildMLADefaultPipeline(OpPassManager &pm,
                                  const MLAPipelineOptions &options) {
  // Whole blocks become primitives first: every later pass works on them.
  pm.addPass(mla::createMLADecompose());
  // The choice of form is data (mla.phase), made once by the cost model and
  // read by absorption and fusion.
  mla::MLASelectPhaseOptions select;
  select.target = options.target;
  select.force = options.phase;
  pm.addPass(mla::createMLASelectPhase(select));
  pm.addPass(mla::createMLAAbsorbWeights());
  if (options.fuse) {
    mla::MLAFuseDecodeOptions decode;
    decode.target = options.target;
    pm.addPass(mla::createMLAFuseDecode(decode));
    mla::MLAFusePrefillOptions prefill;
    prefill.target = options.target;
    pm.addPass(mla::createMLAFusePrefill(prefill));
  }
  // Absorption and fusion leave the gathers and decompressions they replaced
  // dead; canonicalize removes them, CSE merges what blocks share.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mla::buildMLACPUPipeline(OpPassManager &pm) {
  // The reference semantics: linalg on tensors, f32 arithmetic.
  pm.addPass(createConvertMLAToLinalg());
  // Elementwise arith/math on tensors (as users write them around mla ops)
  // become linalg.generic, which bufferizes.
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Tensors to buffers across function boundaries, with identity layouts so
  // that callers (mla-run, C code) pass plain strided descriptors; the cache
  // update becomes an in-place write into the caller's buffer.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::buildBufferDeallocationPipeline(pm);
  // Clones the deallocation pipeline inserted (e.g. of a returned cache that
  // aliases an argument) become alloc + copy.
  pm.addPass(createConvertBufferizationToMemRefPass());

  // Buffers to loops to the LLVM dialect.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createSCFToControlFlowPass());
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

void mla::registerMLAPipelines() {
  PassPipelineRegistration<>(
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
