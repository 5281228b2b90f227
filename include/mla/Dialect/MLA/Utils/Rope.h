//===- Rope.h - The rotary embedding's angles, as IR ------------*- C++ -*-===//
//
// The one place the RoPE rotation of a pair is built: the reference lowering
// (convert-mla-to-linalg's mla.rope) and the GPU kernels (the rope rows
// kernel, the kv append) call it, so that the GPU's rotation is the
// reference's by construction, YaRN included.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLA_UTILS_ROPE_H
#define MLA_DIALECT_MLA_UTILS_ROPE_H

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::mla {

/// cos(θ) and sin(θ), scaled by the rope magnitude (YaRN's mscale ratio,
/// else 1), in f32.
struct RopeRotation {
  Value cos;
  Value sin;
};

/// The rotation of pair `pair` (index) at position `position` (any integer
/// type or index): θ = position · rope_theta^(−2·pair/R), YaRN-blended
/// between θ and θ/factor over the config's correction range. Computed in
/// f64 from the pair's index (no table in memory: the same code runs in GPU
/// kernels), rounded to f32 after scaling.
RopeRotation buildRopeRotation(ImplicitLocOpBuilder &b, Value pair,
                               Value position, ConfigAttr config);

/// The rotated value of element x whose pair partner is `partner`:
/// x·cos − partner·sin for the pair's first element, x·cos + partner·sin for
/// its second (f32 operands).
Value buildRopeRotate(ImplicitLocOpBuilder &b, Value x, Value partner,
                      Value isFirst, const RopeRotation &rotation);

/// Where element `column` of a rope vector of width `ropeDim` finds its pair
/// in `style`: its partner column, the pair's index and whether it is the
/// pair's first element (interleaved: (2i, 2i+1); half: (i, i + R/2)).
struct RopePairing {
  Value partner;
  Value pair;
  Value isFirst;
};
RopePairing buildRopePairing(ImplicitLocOpBuilder &b, Value column,
                             int64_t ropeDim, RopeStyle style);

/// The two columns of pair `pair` (index) in `style`: interleaved
/// (2·pair, 2·pair + 1), half (pair, pair + R/2).
std::pair<Value, Value> buildRopePairColumns(ImplicitLocOpBuilder &b,
                                             Value pair, int64_t ropeDim,
                                             RopeStyle style);

/// The rotated pair (x0·cos − x1·sin, x1·cos + x0·sin): buildRopeRotate of
/// both elements (f32 operands).
std::pair<Value, Value> buildRopeRotatePair(ImplicitLocOpBuilder &b, Value x0,
                                            Value x1,
                                            const RopeRotation &rotation);

} // namespace mlir::mla

#endif // MLA_DIALECT_MLA_UTILS_ROPE_H
