//===- LibraryABI.cpp - Results in place or in the caller's buffers -*- C++ -*-===//
//
// Implements `mla-library-abi`: after One-Shot Bufferize, a public function's
// results that are arguments are dropped and the others become
// out-parameters (upstream's promoteBufferResultsToOutParams, allocations
// hoisted to the caller), with `mla.result_params` saying where each
// original result went.
//
//===----------------------------------------------------------------------===//

#include "mla/GPU/Transforms/Passes.h"

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLALIBRARYABI
#include "mla/GPU/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-library-abi"

using namespace mlir;

namespace {

/// The entry-block argument `value` is, through memref.casts; else null.
BlockArgument argumentBehind(Value value, Block &entry) {
  while (auto cast = value.getDefiningOp<memref::CastOp>())
    value = cast.getSource();
  auto argument = dyn_cast<BlockArgument>(value);
  return argument && argument.getOwner() == &entry ? argument : nullptr;
}

/// Drops the results of `function` recorded as arguments (`mla.result_params`
/// below the argument count) from its returns and its type.
LogicalResult dropArgumentResults(func::FuncOp function) {
  ArrayRef<int64_t> params =
      function->getAttrOfType<DenseI64ArrayAttr>(mla::MLADialect::kResultParamsAttrName)
          .asArrayRef();
  llvm::BitVector dropped(params.size());
  for (auto [i, param] : llvm::enumerate(params))
    if (param < int64_t(function.getNumArguments()))
      dropped.set(i);
  if (dropped.none())
    return success();
  if (std::optional<SymbolTable::UseRange> uses =
          function.getSymbolUses(function->getParentOp());
      uses && !uses->empty())
    return function.emitOpError("mla-library-abi: a public function with "
                                "callers in the module");
  function.walk([&](func::ReturnOp ret) {
    SmallVector<Value> kept;
    for (auto [i, value] : llvm::enumerate(ret.getOperands()))
      if (!dropped.test(i))
        kept.push_back(value);
    ret.getOperandsMutable().assign(kept);
  });
  return function.eraseResults(dropped);
}

/// Whether the function argument `argument` (a memref) may be written: some
/// op with a write effect on it or on a view of it, or an op whose effects
/// are unknown.
bool mayBeWritten(BlockArgument argument) {
  SmallVector<Value> worklist{argument};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
        if (view.getViewSource() == value) {
          worklist.push_back(view->getResult(0));
          continue;
        }
      }
      if (isa<func::ReturnOp>(user))
        continue;
      auto effects = dyn_cast<MemoryEffectOpInterface>(user);
      if (!effects) {
        if (user->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
          continue; // the ops inside are visited through their own uses
        return true;
      }
      if (effects.getEffectOnValue<MemoryEffects::Write>(value))
        return true;
    }
  }
  return false;
}

/// One dynamic size of a result moved to an out-parameter: the value the
/// function computed for it, to compare with the caller's buffer.
struct ResultSize {
  unsigned result;
  unsigned dim;
  Value size;
};

/// The dynamic sizes of the results of `function` that will be
/// out-parameters, as values that outlive the move: an allocation's size
/// operands (the allocation itself becomes the out-parameter), else a
/// memref.dim of the returned buffer before the return.
SmallVector<ResultSize> resultSizes(func::FuncOp function,
                                    ArrayRef<int64_t> params) {
  SmallVector<ResultSize> sizes;
  auto ret = cast<func::ReturnOp>(function.getBody().back().getTerminator());
  OpBuilder builder(ret);
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    auto type = dyn_cast<MemRefType>(value.getType());
    if (!type || params[i] < int64_t(function.getNumArguments()))
      continue;
    auto alloc = value.getDefiningOp<memref::AllocOp>();
    unsigned dynamicIndex = 0;
    for (unsigned d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      Value size = alloc ? alloc.getDynamicSizes()[dynamicIndex++]
                         : memref::DimOp::create(builder, ret.getLoc(), value,
                                                 int64_t(d))
                               .getResult();
      sizes.push_back({unsigned(i), d, size});
    }
  }
  return sizes;
}

/// Stops the program where an out-parameter's size differs from the size
/// the function computed for the result: checked as soon as that size is
/// known, before anything is written.
void checkResultSizes(func::FuncOp function, ArrayRef<int64_t> params,
                      ArrayRef<ResultSize> sizes) {
  for (const ResultSize &size : sizes) {
    OpBuilder builder(function.getContext());
    if (auto argument = dyn_cast<BlockArgument>(size.size))
      builder.setInsertionPointToStart(argument.getOwner());
    else
      builder.setInsertionPointAfter(size.size.getDefiningOp());
    Location loc = function.getLoc();
    int64_t param = params[size.result];
    Value got = memref::DimOp::create(builder, loc,
                                      function.getArgument(param),
                                      int64_t(size.dim));
    Value same = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq,
                                       got, size.size);
    cf::AssertOp::create(
        builder, loc, same,
        llvm::formatv("@{0}: the buffer given for result {1} (parameter {2}) "
                      "has dim {3} unlike the result's",
                      function.getName(), size.result, param, size.dim)
            .str());
  }
}

/// Upstream hoists an allocation to the caller only where its dynamic sizes
/// are function arguments; ours are `memref.dim`s of them. The allocation a
/// result is copied from becomes the out-parameter itself (same type; the
/// sizes are checked before anything is written), and the copy goes.
void writeResultsInPlace(func::FuncOp function, int64_t firstOutParameter) {
  SmallVector<memref::CopyOp> copies;
  function.walk([&](memref::CopyOp copy) {
    auto target = dyn_cast<BlockArgument>(copy.getTarget());
    auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
    if (target && target.getOwner() == &function.getBody().front() &&
        int64_t(target.getArgNumber()) >= firstOutParameter && alloc &&
        alloc.getType() == target.getType() &&
        copy->getBlock() == &function.getBody().back())
      copies.push_back(copy);
  });
  for (memref::CopyOp copy : copies) {
    auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
    Value target = copy.getTarget();
    copy.erase();
    alloc.getResult().replaceAllUsesWith(target);
    alloc.erase();
  }
}

struct MLALibraryABIPass
    : public mla::impl::MLALibraryABIBase<MLALibraryABIPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    struct Plan {
      func::FuncOp function;
      SmallVector<int64_t> params;
      int64_t parameters;
      SmallVector<ResultSize> sizes;
      int64_t arguments;
    };
    SmallVector<Plan> plans;
    // Where each result will be, decided before the signatures change: a
    // result returned as the same argument (through casts) by every return
    // stays there; the others are appended in order.
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal() || !function.isPublic())
        continue;
      if (!function.getBody().hasOneBlock()) {
        function.emitOpError("mla-library-abi: expects one block");
        return signalPassFailure();
      }
      Block &entry = function.getBody().front();
      SmallVector<int64_t> argumentOf(function.getNumResults(), -1);
      auto ret = cast<func::ReturnOp>(entry.getTerminator());
      for (auto [i, value] : llvm::enumerate(ret.getOperands()))
        if (BlockArgument argument = argumentBehind(value, entry))
          argumentOf[i] = argument.getArgNumber();
      Plan plan{function, {}, function.getNumArguments(), {},
                function.getNumArguments()};
      for (int64_t argument : argumentOf)
        plan.params.push_back(argument >= 0 ? argument : plan.parameters++);
      plan.sizes = resultSizes(function, plan.params);
      SmallVector<int64_t> written;
      for (BlockArgument argument : function.getArguments())
        if (isa<MemRefType>(argument.getType()) && mayBeWritten(argument))
          written.push_back(argument.getArgNumber());
      function->setAttr(mla::MLADialect::kResultParamsAttrName,
                        DenseI64ArrayAttr::get(context, plan.params));
      function->setAttr(mla::MLADialect::kWrittenArgumentsAttrName,
                        DenseI64ArrayAttr::get(context, written));
      plans.push_back(std::move(plan));
    }
    // Upstream's dropEquivalentBufferResults leaves public functions alone
    // (their callers are elsewhere): here the caller is the ABI being made.
    for (Plan &plan : plans)
      if (failed(dropArgumentResults(plan.function)))
        return signalPassFailure();
    bufferization::BufferResultsToOutParamsOpts options;
    options.filterFn = [](func::FuncOp *function) {
      return function->isPublic();
    };
    options.hoistStaticAllocs = true;
    options.hoistDynamicAllocs = true;
    options.modifyPublicFunctions = true;
    if (failed(bufferization::promoteBufferResultsToOutParams(module, options)))
      return signalPassFailure();
    for (Plan &plan : plans) {
      // What was recorded must be what the passes made.
      func::FuncOp function = plan.function;
      if (function.getNumResults() != 0 ||
          int64_t(function.getNumArguments()) != plan.parameters) {
        function.emitOpError("mla-library-abi: expected ")
            << plan.parameters << " parameters and no results after moving "
            << "the results, got " << function.getNumArguments() << " and "
            << function.getNumResults();
        return signalPassFailure();
      }
      checkResultSizes(function, plan.params, plan.sizes);
      writeResultsInPlace(function, plan.arguments);
    }
  }
};

} // namespace
