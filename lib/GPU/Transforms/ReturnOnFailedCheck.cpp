//===- ReturnOnFailedCheck.cpp - Checks that return, not abort -*- C++ -*-===//
//
// Implements `mla-return-on-failed-check`: in the functions of a library
// (mla-library-abi), each cf.assert of the function's own CFG becomes a
// conditional branch to a block that records the message with the runtime
// and returns.
//
//===----------------------------------------------------------------------===//

#include "mla/GPU/Transforms/Passes.h"

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLARETURNONFAILEDCHECK
#include "mla/GPU/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-return-on-failed-check"

using namespace mlir;

namespace {

struct MLAReturnOnFailedCheckPass
    : public mla::impl::MLAReturnOnFailedCheckBase<
          MLAReturnOnFailedCheckPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    SymbolTable symbols(module);
    SmallVector<cf::AssertOp> asserts;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal() || function.getNumResults() != 0 ||
          !function->hasAttr(mla::MLADialect::kResultParamsAttrName))
        continue;
      function.walk([&](cf::AssertOp check) {
        if (check->getParentOp() == function)
          asserts.push_back(check);
      });
    }
    if (asserts.empty())
      return;
    OpBuilder builder(context);
    auto pointer = LLVM::LLVMPointerType::get(context);
    FailureOr<LLVM::LLVMFuncOp> record = LLVM::lookupOrCreateFn(
        builder, module, "mlaRecordCheckFailure", {pointer},
        LLVM::LLVMVoidType::get(context));
    if (failed(record))
      return signalPassFailure();
    unsigned next = 0;
    for (cf::AssertOp check : asserts) {
      Block *before = check->getBlock();
      Block *after = before->splitBlock(check->getNextNode());
      Block *failedBlock = new Block();
      before->getParent()->getBlocks().insertAfter(before->getIterator(),
                                                   failedBlock);
      builder.setInsertionPointToEnd(failedBlock);
      std::string name;
      do
        name = llvm::formatv("__mla_check_message_{0}", next++).str();
      while (symbols.lookup(name));
      // A C string for the runtime: createGlobalString does not terminate it.
      std::string text = check.getMsg().str();
      text.push_back('\0');
      Value message = LLVM::createGlobalString(check.getLoc(), builder, name,
                                               text, LLVM::Linkage::Internal);
      LLVM::CallOp::create(builder, check.getLoc(), *record,
                           ValueRange{message});
      func::ReturnOp::create(builder, check.getLoc());
      builder.setInsertionPoint(check);
      cf::CondBranchOp::create(builder, check.getLoc(), check.getArg(), after,
                               failedBlock);
      check.erase();
    }
  }
};

} // namespace
