//===- MLAGPUToLLVM.h - mla_gpu host ops to runtime calls -------*- C++ -*-===//
//
// The host-level mla_gpu ops (`mla_gpu.gemm`) become calls of the mgpu*
// runtime in `gpu-to-llvm`, which collects the patterns of every dialect that
// implements ConvertToLLVMPatternInterface: the async tokens those ops carry
// are streams there.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_CONVERSION_MLAGPUTOLLVM_MLAGPUTOLLVM_H
#define MLA_CONVERSION_MLAGPUTOLLVM_MLAGPUTOLLVM_H

namespace mlir {
class DialectRegistry;
class LLVMTypeConverter;
class RewritePatternSet;
} // namespace mlir

namespace mlir::mla_gpu {

/// Adds the runtime-call lowering of every host-level mla_gpu op.
void populateMLAGPUToLLVMConversionPatterns(LLVMTypeConverter &converter,
                                            RewritePatternSet &patterns);

/// Attaches ConvertToLLVMPatternInterface to the mla_gpu dialect.
void registerConvertMLAGPUToLLVMInterface(DialectRegistry &registry);

} // namespace mlir::mla_gpu

#endif // MLA_CONVERSION_MLAGPUTOLLVM_MLAGPUTOLLVM_H
