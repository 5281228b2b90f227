//===- MLADialect.cpp - The mla dialect -------------------------*- C++ -*-===//
//
// Registers the mla operations and attributes, and names `#mla.config` and
// `#mla.yarn` aliases in printed IR so that a block's config is spelled once
// at the top of a module instead of on every op.
//
//===----------------------------------------------------------------------===//

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::mla;

#include "mla/Dialect/MLA/IR/MLAOpsDialect.cpp.inc"

namespace {
struct MLAOpAsmDialectInterface : public OpAsmDialectInterface {
  using OpAsmDialectInterface::OpAsmDialectInterface;

  AliasResult getAlias(Attribute attr, raw_ostream &os) const override {
    if (isa<ConfigAttr>(attr)) {
      os << "mla_config";
      return AliasResult::FinalAlias;
    }
    if (isa<YarnAttr>(attr)) {
      os << "mla_yarn";
      return AliasResult::FinalAlias;
    }
    return AliasResult::NoAlias;
  }
};
} // namespace

void MLADialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mla/Dialect/MLA/IR/MLAOps.cpp.inc"
      >();
  registerAttributes();
  addInterfaces<MLAOpAsmDialectInterface>();
}

LogicalResult MLADialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  if (attr.getName() == kPhaseAttrName) {
    if (!isa<PhaseAttr>(attr.getValue()))
      return op->emitError("expects '")
             << kPhaseAttrName << "' to be a #mla<phase ...> attribute, found "
             << attr.getValue();
    return success();
  }
  if (attr.getName() == kDecodeBelowAttrName) {
    auto threshold = dyn_cast<IntegerAttr>(attr.getValue());
    if (!threshold || !threshold.getType().isSignlessInteger() ||
        !threshold.getValue().isStrictlyPositive())
      return op->emitError("expects '")
             << kDecodeBelowAttrName
             << "' to be a positive signless integer (a query count), found "
             << attr.getValue();
    return success();
  }
  if (attr.getName() == kKernelAttrName) {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError("expects '")
             << kKernelAttrName << "' to be a string (a kernel's name), found "
             << attr.getValue();
    return success();
  }
  if (attr.getName() == kTargetAttrName) {
    if (!isa<TargetAttr>(attr.getValue()))
      return op->emitError("expects '")
             << kTargetAttrName << "' to be a #mla.target attribute, found "
             << attr.getValue();
    return success();
  }
  if (attr.getName() == kResultParamsAttrName ||
      attr.getName() == kWrittenArgumentsAttrName) {
    auto params = dyn_cast<DenseI64ArrayAttr>(attr.getValue());
    if (!params || llvm::any_of(params.asArrayRef(),
                                [](int64_t param) { return param < 0; }))
      return op->emitError("expects '")
             << attr.getName().getValue()
             << "' to be an array<i64> of parameter indices, found "
             << attr.getValue();
    return success();
  }
  return op->emitError("unknown mla discardable attribute '")
         << attr.getName().getValue() << "'";
}
