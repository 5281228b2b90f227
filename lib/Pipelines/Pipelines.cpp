//===- Pipelines.cpp - mla pass pipelines -----------------------*- C++ -*-===//
//
// Builds and registers the mla pipelines.
//
//===----------------------------------------------------------------------===//

#include "mla/Pipelines/Pipelines.h"

#include "mla/Dialect/MLA/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mla::buildMLADefaultPipeline(OpPassManager &pm) {
  // Whole blocks become primitives first: every later pass (absorption,
  // phase selection, fusion, lowering) works on primitives.
  pm.addPass(mla::createMLADecompose());
  // The decomposition of several blocks sharing weights or positions leaves
  // nothing to fold today, but canonicalize + CSE keep the output minimal as
  // later stages add rewrites.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mla::registerMLAPipelines() {
  PassPipelineRegistration<>(
      "mla-pipeline",
      "The default mla pipeline: decompose blocks into verified primitives",
      buildMLADefaultPipeline);
}
