//===- Rope.cpp - The rotary embedding's angles, as IR ----------*- C++ -*-===//
//
// See Rope.h. The angle is computed in f64 and cos/sin are rounded to f32
// once, after the magnitude: the reference and the GPU kernels build the
// same ops, so they agree on cos/sin up to the two backends' math libraries.
//
//===----------------------------------------------------------------------===//

#include "mla/Dialect/MLA/Utils/Rope.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::mla;

namespace {
Value f64(ImplicitLocOpBuilder &b, double value) {
  return arith::ConstantOp::create(b, b.getF64FloatAttr(value));
}
Value index(ImplicitLocOpBuilder &b, int64_t value) {
  return arith::ConstantIndexOp::create(b, value);
}
} // namespace

RopeRotation mlir::mla::buildRopeRotation(ImplicitLocOpBuilder &b, Value pair,
                                          Value position, ConfigAttr config) {
  int64_t ropeDim = config.getQkRopeDim();
  Value pairF64 = arith::UIToFPOp::create(
      b, b.getF64Type(), arith::IndexCastUIOp::create(b, b.getI64Type(), pair));
  // θ_pair = rope_theta^(-2·pair/R)
  Value exponent = arith::MulFOp::create(
      b, pairF64, f64(b, -2.0 / static_cast<double>(ropeDim)));
  Value frequency =
      math::PowFOp::create(b, f64(b, config.getRopeThetaValue()), exponent);
  if (std::optional<std::pair<double, double>> ramp =
          config.getYarnCorrectionRange()) {
    auto [low, high] = *ramp;
    Value r = arith::DivFOp::create(
        b, arith::SubFOp::create(b, pairF64, f64(b, low)), f64(b, high - low));
    r = arith::MinimumFOp::create(
        b, arith::MaximumFOp::create(b, r, f64(b, 0.0)), f64(b, 1.0));
    Value interpolated = arith::DivFOp::create(
        b, frequency, f64(b, config.getYarn().getFactorValue()));
    // θ/factor · r + θ · (1 − r)
    frequency = arith::AddFOp::create(
        b, arith::MulFOp::create(b, interpolated, r),
        arith::MulFOp::create(b, frequency,
                              arith::SubFOp::create(b, f64(b, 1.0), r)));
  }
  if (position.getType().isIndex())
    position = arith::IndexCastOp::create(b, b.getI64Type(), position);
  Value angle = arith::MulFOp::create(
      b, arith::SIToFPOp::create(b, b.getF64Type(), position), frequency);
  Value magnitude = f64(b, config.getRopeMagnitude());
  auto scaled = [&](Value v) -> Value {
    return arith::TruncFOp::create(b, b.getF32Type(),
                                   arith::MulFOp::create(b, v, magnitude));
  };
  return {scaled(math::CosOp::create(b, angle)),
          scaled(math::SinOp::create(b, angle))};
}

Value mlir::mla::buildRopeRotate(ImplicitLocOpBuilder &b, Value x,
                                 Value partner, Value isFirst,
                                 const RopeRotation &rotation) {
  Value rotated = arith::MulFOp::create(b, partner, rotation.sin);
  rotated = arith::SelectOp::create(b, isFirst,
                                    arith::NegFOp::create(b, rotated), rotated);
  return arith::AddFOp::create(b, arith::MulFOp::create(b, x, rotation.cos),
                               rotated);
}

RopePairing mlir::mla::buildRopePairing(ImplicitLocOpBuilder &b, Value column,
                                        int64_t ropeDim, RopeStyle style) {
  Value one = index(b, 1);
  if (style == RopeStyle::Interleaved)
    return {arith::XOrIOp::create(b, column, one),
            arith::DivUIOp::create(b, column, index(b, 2)),
            arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                  arith::AndIOp::create(b, column, one),
                                  index(b, 0))};
  Value half = index(b, ropeDim / 2);
  return {arith::RemUIOp::create(b, arith::AddIOp::create(b, column, half),
                                 index(b, ropeDim)),
          arith::RemUIOp::create(b, column, half),
          arith::CmpIOp::create(b, arith::CmpIPredicate::ult, column, half)};
}

std::pair<Value, Value>
mlir::mla::buildRopePairColumns(ImplicitLocOpBuilder &b, Value pair,
                                int64_t ropeDim, RopeStyle style) {
  if (style == RopeStyle::Interleaved) {
    Value first = arith::MulIOp::create(b, pair, index(b, 2));
    return {first, arith::AddIOp::create(b, first, index(b, 1))};
  }
  return {pair, arith::AddIOp::create(b, pair, index(b, ropeDim / 2))};
}

std::pair<Value, Value>
mlir::mla::buildRopeRotatePair(ImplicitLocOpBuilder &b, Value x0, Value x1,
                               const RopeRotation &rotation) {
  // The same ops as buildRopeRotate's for each element (the select folded).
  Value first = arith::AddFOp::create(
      b, arith::MulFOp::create(b, x0, rotation.cos),
      arith::NegFOp::create(b, arith::MulFOp::create(b, x1, rotation.sin)));
  Value second =
      arith::AddFOp::create(b, arith::MulFOp::create(b, x1, rotation.cos),
                            arith::MulFOp::create(b, x0, rotation.sin));
  return {first, second};
}
