//===- InsertShapeChecks.cpp - Runtime checks of dynamic sizes ---*- C++ -*-===//
//
// Implements `mla-insert-shape-checks`: the shape signatures the verifiers
// check statically (ShapeSignatureOpInterface), checked with cf.assert for
// the sizes only known when the program runs. A size is traced through the
// mla ops that carry it, so that the checks compare what the function was
// given, at its entry, once each.
//
//===----------------------------------------------------------------------===//

#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLA/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"

#include <tuple>

namespace mlir::mla {
#define GEN_PASS_DEF_MLAINSERTSHAPECHECKS
#include "mla/Dialect/MLA/Transforms/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "mla-insert-shape-checks"

using namespace mlir;
using namespace mlir::mla;

namespace {

/// One dimension of a value, with the name messages give it.
struct Dim {
  Value value;
  unsigned dim;
  std::string name;

  int64_t staticSize() const {
    return cast<ShapedType>(value.getType()).getDimSize(dim);
  }
  bool isDynamic() const { return ShapedType::isDynamic(staticSize()); }
};

/// The function argument `value` is, if any: "argument #i of @f".
std::string describeArgument(Value value) {
  auto argument = dyn_cast<BlockArgument>(value);
  if (!argument)
    return "";
  auto function = dyn_cast<func::FuncOp>(argument.getOwner()->getParentOp());
  if (!function || argument.getOwner() != &function.getBody().front())
    return "";
  return ("argument #" + llvm::Twine(argument.getArgNumber()) + " of @" +
          function.getSymName())
      .str();
}

/// "block_table (argument #2 of @step) dim 0".
std::string describe(const Dim &dim) {
  std::string argument = describeArgument(dim.value);
  return dim.name + (argument.empty() ? "" : " (" + argument + ")") + " dim " +
         std::to_string(dim.dim);
}

/// "(B: batch)" or "(H*(N+R))".
std::string describeLetter(StringRef letter) {
  StringRef what = mla::describeLetter(letter);
  return ("(" + letter + (what.empty() ? "" : ": " + what) + ")").str();
}

/// The dimension a result's dimension is a copy of: a result of an mla op
/// with a shape signature has, in each dimension of a letter, the size of
/// the first operand dimension of that letter (the verifier or these checks
/// made them equal), and a tensor.cast keeps its source's sizes. Followed
/// while the value found dominates `user`.
Dim trace(Dim dim, Operation *user, DominanceInfo &dominance) {
  while (Operation *def = dim.value.getDefiningOp()) {
    if (auto castOp = dyn_cast<tensor::CastOp>(def)) {
      dim.value = castOp.getSource();
      continue;
    }
    auto shaped = dyn_cast<ShapeSignatureOpInterface>(def);
    if (!shaped)
      break;
    SmallVector<ShapeSpec> specs = shaped.getShapeSignature();
    const ShapeSpec *own = llvm::find_if(
        specs, [&](const ShapeSpec &spec) { return spec.value == dim.value; });
    if (own == specs.end() || dim.dim >= own->signature.size())
      break;
    StringRef letter = own->signature[dim.dim];
    if (isFreeLetter(letter))
      break;
    std::optional<Dim> source;
    for (const ShapeSpec &spec : specs) {
      if (llvm::is_contained(def->getResults(), spec.value))
        continue;
      auto *at = llvm::find(spec.signature, letter);
      if (at == spec.signature.end())
        continue;
      source = Dim{spec.value,
                   static_cast<unsigned>(at - spec.signature.begin()),
                   spec.name.str()};
      break;
    }
    if (!source || !dominance.properlyDominates(source->value, user))
      break;
    dim = *source;
  }
  return dim;
}

struct MLAInsertShapeChecksPass
    : public mla::impl::MLAInsertShapeChecksBase<MLAInsertShapeChecksPass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    DominanceInfo dominance(function);
    Block &entry = function.getBody().front();
    // Checks of arguments only go at the entry, in the order the ops ask
    // for them.
    OpBuilder entryBuilder = OpBuilder::atBlockBegin(&entry);
    llvm::DenseSet<std::tuple<Value, unsigned, Value, unsigned>> seenPairs;
    llvm::DenseSet<std::tuple<Value, unsigned, int64_t>> seenSizes;

    auto isArgument = [&](Value value) {
      auto argument = dyn_cast<BlockArgument>(value);
      return argument && argument.getOwner() == &entry;
    };
    auto dimOf = [](OpBuilder &b, Location loc, Value value,
                    unsigned d) -> Value {
      if (isa<RankedTensorType>(value.getType()))
        return tensor::DimOp::create(b, loc, value, d);
      return memref::DimOp::create(b, loc, value, d);
    };
    // Emits `assert(a <predicate> b)` where the values are available.
    auto emit = [&](Operation *op, ArrayRef<Value> values,
                    function_ref<Value(OpBuilder &, Location)> condition,
                    const std::string &message) {
      bool atEntry = llvm::all_of(values, isArgument);
      OpBuilder opBuilder(op);
      OpBuilder &b = atEntry ? entryBuilder : opBuilder;
      Location loc = op->getLoc();
      cf::AssertOp::create(b, loc, condition(b, loc), message);
      ++numChecks;
    };

    function.walk([&](ShapeSignatureOpInterface op) {
      auto config = op->getAttrOfType<ConfigAttr>("config");
      std::string prefix =
          ("'" + op->getName().getStringRef() + "' expects ").str();
      // The first dimension of each letter, traced, among the operands.
      llvm::StringMap<Dim> reference;
      for (const ShapeSpec &spec : op.getShapeSignature()) {
        if (llvm::is_contained(op->getResults(), spec.value))
          continue;
        for (auto [d, letter] : llvm::enumerate(spec.signature)) {
          if (isFreeLetter(letter))
            continue;
          Dim dim = trace(Dim{spec.value, static_cast<unsigned>(d),
                              spec.name.str()},
                          op, dominance);
          if (std::optional<ConfigSize> known = getConfigSize(config, letter)) {
            if (!dim.isDynamic() ||
                !seenSizes.insert({dim.value, dim.dim, known->size}).second)
              continue;
            int64_t size = known->size;
            emit(op, {dim.value},
                 [&](OpBuilder &b, Location loc) {
                   Value expected =
                       arith::ConstantIndexOp::create(b, loc, size);
                   return arith::CmpIOp::create(
                       b, loc, arith::CmpIPredicate::eq,
                       dimOf(b, loc, dim.value, dim.dim), expected);
                 },
                 prefix + describe(dim) + " " + describeLetter(letter) +
                     " to be " + std::to_string(size) + " (" +
                     known->parameter.str() + ")");
            continue;
          }
          auto [it, first] = reference.try_emplace(letter, dim);
          if (first) {
            if (isNonZeroLetter(letter) && dim.isDynamic() &&
                seenSizes.insert({dim.value, dim.dim, 0}).second)
              emit(op, {dim.value},
                   [&](OpBuilder &b, Location loc) {
                     Value zero = arith::ConstantIndexOp::create(b, loc, 0);
                     return arith::CmpIOp::create(
                         b, loc, arith::CmpIPredicate::ne,
                         dimOf(b, loc, dim.value, dim.dim), zero);
                   },
                   prefix + describe(dim) + " " + describeLetter(letter) +
                       " to be non-zero");
            continue;
          }
          Dim ref = it->second;
          if (!dim.isDynamic() && !ref.isDynamic())
            continue; // The verifier's business.
          if (dim.value == ref.value && dim.dim == ref.dim)
            continue;
          if (!seenPairs.insert({dim.value, dim.dim, ref.value, ref.dim})
                   .second ||
              seenPairs.contains({ref.value, ref.dim, dim.value, dim.dim}))
            continue;
          std::string message =
              prefix + describe(dim) + " " + describeLetter(letter) +
              " to equal " + describe(ref);
          emit(op, {dim.value, ref.value},
               [&](OpBuilder &b, Location loc) {
                 return arith::CmpIOp::create(
                     b, loc, arith::CmpIPredicate::eq,
                     dimOf(b, loc, dim.value, dim.dim),
                     dimOf(b, loc, ref.value, ref.dim));
               },
               message);
        }
      }
      // Varlen: B + 1 starts, where either size is dynamic.
      auto batch = reference.find("B"), starts = reference.find("B+1");
      if (batch == reference.end() || starts == reference.end())
        return;
      Dim b = batch->second, s = starts->second;
      if ((b.isDynamic() || s.isDynamic()) &&
          seenPairs.insert({s.value, s.dim, b.value, b.dim}).second)
        emit(
            op, {s.value, b.value},
            [&](OpBuilder &builder, Location loc) {
              Value one = arith::ConstantIndexOp::create(builder, loc, 1);
              return arith::CmpIOp::create(
                  builder, loc, arith::CmpIPredicate::eq,
                  dimOf(builder, loc, s.value, s.dim),
                  arith::AddIOp::create(
                      builder, loc, dimOf(builder, loc, b.value, b.dim), one));
            },
            prefix + describe(s) + " " + describeLetter("B+1") + " to equal " +
                describe(b) + " + 1");
    });
  }
};

} // namespace
