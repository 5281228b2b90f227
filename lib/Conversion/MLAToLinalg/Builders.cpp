//===- Builders.cpp - Builders of the reference lowering --------*- C++ -*-===//
//
// The emission helpers convert-mla-to-linalg builds every op from: sizes and
// constants, linalg.generic and einsum-style contractions, element-type
// conversion (f32 arithmetic), slices and reshapes, and the guard of cache
// indices (a runtime check, or a clamp on the GPU).
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/StringExtras.h"

#include <limits>

using namespace mlir;

namespace mlir::mla::reference {

Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

int64_t rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

SmallVector<OpFoldResult> sizesOf(ImplicitLocOpBuilder &b, Value v) {
  return tensor::getMixedSizes(b, b.getLoc(), v);
}

Value constantIndex(ImplicitLocOpBuilder &b, int64_t value) {
  return arith::ConstantIndexOp::create(b, value);
}

Value constantF32(ImplicitLocOpBuilder &b, double value) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
}

Value indexOf(ImplicitLocOpBuilder &b, OpFoldResult size) {
  if (auto value = dyn_cast<Value>(size))
    return value;
  return constantIndex(b, cast<IntegerAttr>(cast<Attribute>(size)).getInt());
}

Value extractIndex(ImplicitLocOpBuilder &b, Value tensor, ValueRange indices) {
  Value element = tensor::ExtractOp::create(b, tensor, indices);
  return arith::IndexCastOp::create(b, b.getIndexType(), element);
}

Value buildGeneric(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                   Type elementType, ValueRange inputs,
                   ArrayRef<AffineMap> inputMaps, BodyFn body,
                   Value init, ArrayRef<utils::IteratorType> iterators,
                   AffineMap outputMap) {
  if (!init)
    init = tensor::EmptyOp::create(b, sizes, elementType);
  unsigned numLoops = iterators.empty() ? sizes.size() : iterators.size();
  SmallVector<AffineMap> maps(inputMaps.begin(), inputMaps.end());
  maps.push_back(outputMap ? outputMap : b.getMultiDimIdentityMap(numLoops));
  SmallVector<utils::IteratorType> iteratorTypes(iterators.begin(),
                                                 iterators.end());
  if (iteratorTypes.empty())
    iteratorTypes.assign(numLoops, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iteratorTypes, [&](OpBuilder &nested, Location loc, ValueRange args) {
        ImplicitLocOpBuilder ib(loc, nested);
        linalg::YieldOp::create(ib, body(ib, args));
      });
  return generic.getResult(0);
}

Value convertElements(ImplicitLocOpBuilder &b, Value v, Type type) {
  Type from = elementTypeOf(v);
  if (from == type)
    return v;
  bool widen = type.getIntOrFloatBitWidth() > from.getIntOrFloatBitWidth();
  return buildGeneric(b, sizesOf(b, v), type, v,
                      b.getMultiDimIdentityMap(rankOf(v)),
                      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
                        if (widen)
                          return arith::ExtFOp::create(ib, type, args[0]);
                        return arith::TruncFOp::create(ib, type, args[0]);
                      });
}

Value toF32(ImplicitLocOpBuilder &b, Value v) {
  return convertElements(b, v, b.getF32Type());
}

Value filled(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
             Value value) {
  Value empty = tensor::EmptyOp::create(b, sizes, value.getType());
  return linalg::FillOp::create(b, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

Value einsum(ImplicitLocOpBuilder &b, StringRef spec, Value lhs, Value rhs,
             bool maskZeroLhs) {
  auto [inputs, out] = spec.split("->");
  auto [lhsLetters, rhsLetters] = inputs.split(',');
  // Loops: output letters first (parallel), then the summed ones.
  std::string loops = out.str();
  for (char c : (lhsLetters + rhsLetters).str())
    if (loops.find(c) == std::string::npos)
      loops.push_back(c);
  auto mapOf = [&](StringRef letters) {
    SmallVector<AffineExpr> exprs;
    for (char c : letters)
      exprs.push_back(b.getAffineDimExpr(loops.find(c)));
    return AffineMap::get(loops.size(), 0, exprs, b.getContext());
  };
  SmallVector<OpFoldResult> sizes;
  for (char c : out) {
    size_t inLhs = lhsLetters.find(c);
    sizes.push_back(inLhs != StringRef::npos
                        ? sizesOf(b, lhs)[inLhs]
                        : sizesOf(b, rhs)[rhsLetters.find(c)]);
  }
  SmallVector<utils::IteratorType> iterators(out.size(),
                                             utils::IteratorType::parallel);
  iterators.append(loops.size() - out.size(), utils::IteratorType::reduction);
  Value zero = constantF32(b, 0.0);
  return buildGeneric(
      b, sizes, b.getF32Type(), {lhs, rhs},
      {mapOf(lhsLetters), mapOf(rhsLetters)},
      [&](ImplicitLocOpBuilder &ib, ValueRange args) -> Value {
        Value product = arith::MulFOp::create(ib, args[0], args[1]);
        if (maskZeroLhs) {
          Value isZero = arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ,
                                               args[0], zero);
          product = arith::SelectOp::create(ib, isZero, zero, product);
        }
        return arith::AddFOp::create(ib, args[2], product);
      },
      filled(b, sizes, zero), iterators, mapOf(out));
}

Value sliceLastDim(ImplicitLocOpBuilder &b, Value v, int64_t offset,
                   int64_t size) {
  int64_t rank = rankOf(v);
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = sizesOf(b, v);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets.back() = b.getIndexAttr(offset);
  sizes.back() = b.getIndexAttr(size);
  return tensor::ExtractSliceOp::create(b, v, offsets, sizes, strides);
}

Value expandDim(ImplicitLocOpBuilder &b, Value v, unsigned dim,
                ArrayRef<int64_t> parts) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.isDynamicDim(dim)) {
    SmallVector<int64_t> shape(type.getShape());
    shape[dim] = 1;
    for (int64_t part : parts)
      shape[dim] *= part;
    type = RankedTensorType::get(shape, type.getElementType());
    v = tensor::CastOp::create(b, type, v);
  }
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> outputShape;
  SmallVector<ReassociationIndices> groups;
  SmallVector<OpFoldResult> sizes = sizesOf(b, v);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    ReassociationIndices group;
    if (d == static_cast<int64_t>(dim)) {
      for (int64_t part : parts) {
        group.push_back(shape.size());
        shape.push_back(part);
        outputShape.push_back(b.getIndexAttr(part));
      }
    } else {
      group.push_back(shape.size());
      shape.push_back(type.getDimSize(d));
      outputShape.push_back(sizes[d]);
    }
    groups.push_back(group);
  }
  return tensor::ExpandShapeOp::create(
      b, RankedTensorType::get(shape, type.getElementType()), v, groups,
      outputShape);
}

AffineMap loopsMap(ImplicitLocOpBuilder &b, unsigned numLoops,
                   ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(b.getAffineDimExpr(d));
  return AffineMap::get(numLoops, 0, exprs, b.getContext());
}

Value toF32Scalar(ImplicitLocOpBuilder &b, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, b.getF32Type(), v);
}

Value guardIndex(ImplicitLocOpBuilder &b, Value index, Value ok, Value fallback,
                 StringRef message, bool runtimeChecks) {
  if (runtimeChecks) {
    cf::AssertOp::create(b, ok, message);
    return index;
  }
  return arith::SelectOp::create(b, ok, index, fallback);
}

Value finish(ImplicitLocOpBuilder &b, Value value, Type type) {
  auto tensorType = cast<RankedTensorType>(type);
  value = convertElements(b, value, tensorType.getElementType());
  if (value.getType() != type)
    value = tensor::CastOp::create(b, type, value);
  return value;
}

} // namespace mlir::mla::reference
