//===- Pipelines.h - mla pass pipelines -------------------------*- C++ -*-===//
//
// The pass pipelines mla-opt exposes, as C++ values: each has a build function
// usable from any PassManager and is registered under a name for mla-opt.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_PIPELINES_PIPELINES_H
#define MLA_PIPELINES_PIPELINES_H

#include "mla/Dialect/MLA/Transforms/Passes.h"

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace mla {

/// Options of the default pipeline.
struct MLAPipelineOptions : public PassPipelineOptions<MLAPipelineOptions> {
  PassOptions::Option<std::string> target{
      *this, "target",
      llvm::cl::desc("Target preset (h100, h200, a100) for a module without "
                     "#mla.target"),
      llvm::cl::init("h100")};
  PassOptions::Option<PhaseChoice> phase{
      *this, "phase", llvm::cl::desc("The form of every attention"),
      llvm::cl::init(PhaseChoice::Auto),
      llvm::cl::values(
          clEnumValN(PhaseChoice::Auto, "auto",
                     "the cost model chooses per attention"),
          clEnumValN(PhaseChoice::Prefill, "prefill", "the decompressed form"),
          clEnumValN(PhaseChoice::Decode, "decode", "the absorbed form"))};
  PassOptions::Option<bool> fuse{
      *this, "fuse",
      llvm::cl::desc("Fuse each phase's ops into mla.fused_decode / "
                     "mla.fused_prefill"),
      llvm::cl::init(true)};
  PassOptions::Option<std::string> tuningFile{
      *this, "tuning-file",
      llvm::cl::desc("Measured decode and prefill tilings (bench/autotune.py, "
                     "bench/prefill_bench.py --tuning) that override the "
                     "cost model for the shapes they list"),
      llvm::cl::init("")};
  PassOptions::Option<int64_t> prefillBlockKeys{
      *this, "prefill-block-keys",
      llvm::cl::desc("Keys per prefill attention tile, 64 or 128 (0: the "
                     "cost model's choice)"),
      llvm::cl::init(0)};
  PassOptions::Option<LoadsChoice> prefillLoads{
      *this, "prefill-loads",
      llvm::cl::desc("How the prefill attention kernel loads K and V tiles"),
      llvm::cl::init(LoadsChoice::Auto),
      llvm::cl::values(
          clEnumValN(LoadsChoice::Auto, "auto", "the cost model's choice"),
          clEnumValN(LoadsChoice::AsyncCopy, "async_copy",
                     "cp.async by every thread"),
          clEnumValN(LoadsChoice::Tma, "tma",
                     "TMA by one thread, on mbarriers"))};
  PassOptions::Option<ProducerChoice> prefillProducer{
      *this, "prefill-producer",
      llvm::cl::desc("Warp-specialised prefill attention: a producer "
                     "warpgroup's TMA loads, consumer warpgroups taking "
                     "turns"),
      llvm::cl::init(ProducerChoice::Auto),
      llvm::cl::values(
          clEnumValN(ProducerChoice::Auto, "auto", "the cost model's choice"),
          clEnumValN(ProducerChoice::Off, "false", "one loop for all"),
          clEnumValN(ProducerChoice::On, "true", "warp-specialised"))};
  PassOptions::Option<MmaChoice> prefillMma{
      *this, "prefill-mma",
      llvm::cl::desc("The prefill attention kernel's tensor-core "
                     "instructions"),
      llvm::cl::init(MmaChoice::Auto),
      llvm::cl::values(
          clEnumValN(MmaChoice::Auto, "auto", "the cost model's choice"),
          clEnumValN(MmaChoice::Sync, "sync", "mma.sync, any sm_80+"),
          clEnumValN(MmaChoice::Warpgroup, "warpgroup", "wgmma (sm_90a)"))};
};

/// The default pipeline (`mla-pipeline`): whole blocks to primitives, each
/// attention's form chosen by the cost model (or forced), absorption where
/// the absorbed form wins, weight folds where they pay, then
/// phase-specialised fusion.
void buildMLADefaultPipeline(OpPassManager &pm,
                             const MLAPipelineOptions &options);

/// The option both lowering pipelines share: the ABI of the public functions.
#define MLA_LIBRARY_ABI_OPTION                                                 \
  PassOptions::Option<bool> libraryABI{                                        \
      *this, "library-abi",                                                    \
      llvm::cl::desc("Public functions as a library calls them "               \
                     "(mla-library-abi: results in place or in the "           \
                     "caller's buffers); false: results returned, as "         \
                     "mla-run calls them"),                                    \
      llvm::cl::init(false)};

/// Options of the CPU pipeline.
struct MLACPUPipelineOptions
    : public PassPipelineOptions<MLACPUPipelineOptions> {
  MLA_LIBRARY_ABI_OPTION
};

/// The CPU pipeline (`mla-cpu-pipeline`): every mla op to linalg on tensors
/// (convert-mla-to-linalg), bufferization, loops, and the LLVM dialect, ready
/// for mlir::ExecutionEngine or mlir-translate. f16/bf16 tensors compute in
/// f32; bf16 conversions are expanded to integer ops (no compiler-rt needed).
void buildMLACPUPipeline(OpPassManager &pm,
                         const MLACPUPipelineOptions &options = {});

/// Options of the GPU pipeline.
struct MLAGPUPipelineOptions
    : public PassPipelineOptions<MLAGPUPipelineOptions> {
  PassOptions::Option<std::string> target{
      *this, "target",
      llvm::cl::desc("Target preset (h100, h200, a100): the module's "
                     "#mla.target when it has none, and the chip compiled "
                     "for"),
      llvm::cl::init("h100")};
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("GPU architecture when not the target's (sm_80, sm_90, "
                     "sm_90a: Hopper with wgmma, ...)"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features (default: the chip's PTX version in the "
                     "chip table, +ptx80 or newer)"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Binary format: isa (PTX, JIT-compiled by the driver), "
                     "bin (cubin) or fatbin (cubin + PTX); bin and fatbin "
                     "need ptxas"),
      llvm::cl::init("isa")};
  PassOptions::Option<int> optLevel{
      *this, "opt-level", llvm::cl::desc("Optimisation level of NVVM codegen"),
      llvm::cl::init(3)};
  PassOptions::Option<bool> decodeKernel{
      *this, "decode-kernel",
      llvm::cl::desc("Lower mla.fused_decode to the tensor-core decode kernel "
                     "(convert-mla-to-gpu); false: the generic path"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> prefillKernel{
      *this, "prefill-kernel",
      llvm::cl::desc("Lower mla.fused_prefill to the prefill kernels "
                     "(convert-mla-to-gpu); false: the generic path"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> gemms{
      *this, "gemms",
      llvm::cl::desc("Compute the projections' products with library GEMMs "
                     "(mla_gpu.gemm cublaslt, convert-mla-to-gpu); false: "
                     "the generic path"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> inputChecks{
      *this, "input-checks",
      llvm::cl::desc("Kernels report bad block tables, lengths and positions "
                     "(false: they only clamp; for measuring the checks' "
                     "cost)"),
      llvm::cl::init(true)};
  MLA_LIBRARY_ABI_OPTION
};

/// The generic GPU pipeline (`mla-gpu-pipeline`): every mla op to linalg on
/// tensors, bufferization, parallel loops mapped to GPU blocks and threads
/// and outlined into kernels, device buffers, asynchronous host code, then
/// upstream's NVVM pipeline to PTX/cubin and LLVM host code calling the
/// mgpu* runtime. Correct for every op; fast kernels are the fused ops'.
void buildMLAGPUPipeline(OpPassManager &pm,
                         const MLAGPUPipelineOptions &options);

/// Registers every mla pipeline with the global pipeline registry.
void registerMLAPipelines();

} // namespace mla
} // namespace mlir

#endif // MLA_PIPELINES_PIPELINES_H
