//===- MLAGPUToLLVM.cpp - mla_gpu host ops to runtime calls -----*- C++ -*-===//
//
// `mla_gpu.gemm` → a call of the runtime's `mgpuMatmul` (lib/Runtime/CUDA) on
// the stream its async dependency is in gpu-to-llvm. The call passes each
// operand's aligned address (offset applied), its row stride (the leading
// dimension) and its batch stride (0 for a matrix every batch entry shares),
// the sizes, and the element types as cudaDataType codes.
//
//===----------------------------------------------------------------------===//

#include "mla/Conversion/MLAGPUToLLVM/MLAGPUToLLVM.h"

#include "mla/Dialect/MLAGPU/IR/MLAGPU.h"

#include "mlir/Conversion/ConvertToLLVM/ToLLVMInterface.h"
#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::mla_gpu;

namespace {

/// cudaDataType of an element type (library_types.h).
int32_t cudaDataType(Type element) {
  if (element.isF16())
    return 2; // CUDA_R_16F
  if (element.isBF16())
    return 14; // CUDA_R_16BF
  return 0;    // CUDA_R_32F
}

struct GemmOpLowering : ConvertOpToLLVMPattern<GemmOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // gpu-async-region gives each host GPU op one dependency (the chain's
    // token, a stream here) and a token of its own.
    if (adaptor.getAsyncDependencies().size() != 1 || !op.getAsyncToken())
      return rewriter.notifyMatchFailure(
          op, "expects one async dependency and a token (gpu-async-region)");
    Location loc = op.getLoc();
    Type index = getTypeConverter()->getIndexType();
    Type i32 = rewriter.getI32Type();
    Type pointer = LLVM::LLVMPointerType::get(rewriter.getContext());
    auto constant = [&](Type type, int64_t value) -> Value {
      return LLVM::ConstantOp::create(rewriter, loc, type,
                                      rewriter.getIntegerAttr(type, value));
    };

    struct Matrix {
      Value address, rowStride, batchStride, rows, columns, batch;
    };
    auto matrix = [&](Value original, Value converted) {
      auto type = cast<MemRefType>(original.getType());
      MemRefDescriptor descriptor(converted);
      unsigned rank = type.getRank();
      Matrix m;
      m.address =
          descriptor.bufferPtr(rewriter, loc, *getTypeConverter(), type);
      m.rowStride = descriptor.stride(rewriter, loc, rank - 2);
      m.batchStride = rank == 3 ? descriptor.stride(rewriter, loc, 0)
                                : constant(index, 0);
      m.batch = rank == 3 ? descriptor.size(rewriter, loc, 0) : Value();
      m.rows = descriptor.size(rewriter, loc, rank - 2);
      m.columns = descriptor.size(rewriter, loc, rank - 1);
      return m;
    };
    Matrix lhs = matrix(op.getLhs(), adaptor.getLhs());
    Matrix rhs = matrix(op.getRhs(), adaptor.getRhs());
    Matrix result = matrix(op.getResult(), adaptor.getResult());
    Value batch = result.batch ? result.batch : constant(index, 1);

    auto module = op->getParentOfType<ModuleOp>();
    SmallVector<Type> parameters = {index,   index, index, index, // b m n k
                                    pointer, index, index,        // lhs
                                    pointer, index, index,        // rhs
                                    pointer, index, index,        // result
                                    i32,     i32,   pointer};
    FailureOr<LLVM::LLVMFuncOp> callee = LLVM::lookupOrCreateFn(
        rewriter, module, "mgpuMatmul", parameters,
        LLVM::LLVMVoidType::get(rewriter.getContext()));
    if (failed(callee))
      return failure();
    Value stream = adaptor.getAsyncDependencies().front();
    auto elementOf = [](Value v) {
      return cast<MemRefType>(v.getType()).getElementType();
    };
    LLVM::CallOp::create(
        rewriter, loc, *callee,
        ValueRange{batch, result.rows, result.columns, lhs.columns,
                   lhs.address, lhs.rowStride, lhs.batchStride, rhs.address,
                   rhs.rowStride, rhs.batchStride, result.address,
                   result.rowStride, result.batchStride,
                   constant(i32, cudaDataType(elementOf(op.getLhs()))),
                   constant(i32, cudaDataType(elementOf(op.getResult()))),
                   stream});
    rewriter.replaceOp(op, stream);
    return success();
  }
};

struct MLAGPUToLLVMInterface : ConvertToLLVMPatternInterface {
  using ConvertToLLVMPatternInterface::ConvertToLLVMPatternInterface;

  void populateConvertToLLVMConversionPatterns(
      ConversionTarget &target, LLVMTypeConverter &converter,
      RewritePatternSet &patterns) const final {
    target.addIllegalOp<GemmOp>();
    populateMLAGPUToLLVMConversionPatterns(converter, patterns);
  }
};

} // namespace

void mlir::mla_gpu::populateMLAGPUToLLVMConversionPatterns(
    LLVMTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<GemmOpLowering>(converter);
}

void mlir::mla_gpu::registerConvertMLAGPUToLLVMInterface(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *, MLAGPUDialect *dialect) {
    dialect->addInterfaces<MLAGPUToLLVMInterface>();
  });
}
