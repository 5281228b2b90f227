//===- ExternDynamicShared.cpp - CUDA-style dynamic shared memory ---*- C++ -*-===//
//
// Implements `mla-gpu-extern-dynamic-shared`: the kernels' dynamic shared
// memory declared as an external array placed after the static variables.
//
//===----------------------------------------------------------------------===//

#include "mla/GPU/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLAGPUEXTERNDYNAMICSHARED
#include "mla/GPU/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-gpu-extern-dynamic-shared"

using namespace mlir;

namespace {

/// The external zero-sized workgroup array that gpu.dynamic_shared_memory's
/// lowering finds and reuses (it looks for a zero-sized array global of the
/// workgroup address space and its alignment, 16 bytes for i8) instead of
/// creating an internal one (see the pass description).
struct MLAGPUExternDynamicSharedPass
    : public mla::impl::MLAGPUExternDynamicSharedBase<
          MLAGPUExternDynamicSharedPass> {
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    bool used = module
                    .walk([](gpu::DynamicSharedMemoryOp) {
                      return WalkResult::interrupt();
                    })
                    .wasInterrupted();
    if (!used)
      return;
    constexpr unsigned kWorkgroupAddressSpace = 3; // NVVM's shared memory
    for (auto global : module.getOps<LLVM::GlobalOp>())
      if (auto array = dyn_cast<LLVM::LLVMArrayType>(global.getType()))
        if (array.getNumElements() == 0 &&
            global.getAddrSpace() == kWorkgroupAddressSpace &&
            global.getLinkage() == LLVM::Linkage::External)
          return; // declared already
    // First in the module: the lowering takes the first match, so an
    // internal zero-sized array already there would not be picked.
    OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
    LLVM::GlobalOp::create(
        builder, module.getLoc(),
        LLVM::LLVMArrayType::get(builder.getI8Type(), 0),
        /*isConstant=*/false, LLVM::Linkage::External, "__mla_dynamic_shared",
        /*value=*/Attribute(), /*alignment=*/16, kWorkgroupAddressSpace);
  }
};

} // namespace
