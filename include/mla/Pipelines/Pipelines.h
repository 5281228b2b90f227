//===- Pipelines.h - mla pass pipelines -------------------------*- C++ -*-===//
//
// The pass pipelines mla-opt exposes, as C++ values: each has a build function
// usable from any PassManager and is registered under a name for mla-opt.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_PIPELINES_PIPELINES_H
#define MLA_PIPELINES_PIPELINES_H

namespace mlir {
class OpPassManager;
namespace mla {

/// The default pipeline (`mla-pipeline`): from whole blocks to verified
/// primitives. Later stages (absorption, fusion, lowering) extend it.
void buildMLADefaultPipeline(OpPassManager &pm);

/// The CPU pipeline (`mla-cpu-pipeline`): every mla op to linalg on tensors
/// (convert-mla-to-linalg), bufferization, loops, and the LLVM dialect, ready
/// for mlir::ExecutionEngine or mlir-translate. f16/bf16 tensors compute in
/// f32; bf16 conversions are expanded to integer ops (no compiler-rt needed).
void buildMLACPUPipeline(OpPassManager &pm);

/// Registers every mla pipeline with the global pipeline registry.
void registerMLAPipelines();

} // namespace mla
} // namespace mlir

#endif // MLA_PIPELINES_PIPELINES_H
