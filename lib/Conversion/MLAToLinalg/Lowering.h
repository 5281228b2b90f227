//===- Lowering.h - Internals of convert-mla-to-linalg ----------*- C++ -*-===//
//
// Internal to convert-mla-to-linalg: the builders its op lowerings are
// written with (Builders.cpp), the reference semantics of RMSNorm, RoPE and
// the paged cache (NormRopeCache.cpp) and of attention (Attention.cpp). The
// lowerings and the pass are in MLAToLinalg.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_LIB_CONVERSION_MLATOLINALG_LOWERING_H
#define MLA_LIB_CONVERSION_MLATOLINALG_LOWERING_H

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::mla::reference {

/// The body of a linalg.generic: its block arguments to the yielded value.
using BodyFn = function_ref<Value(ImplicitLocOpBuilder &, ValueRange)>;

//===----------------------------------------------------------------------===//
// Builders (Builders.cpp)
//===----------------------------------------------------------------------===//

Type elementTypeOf(Value v);

int64_t rankOf(Value v);

/// The sizes of `v`: attributes where static, tensor.dim where dynamic.
SmallVector<OpFoldResult> sizesOf(ImplicitLocOpBuilder &b, Value v);

Value constantIndex(ImplicitLocOpBuilder &b, int64_t value);

Value constantF32(ImplicitLocOpBuilder &b, double value);

/// The value of a size as an index.
Value indexOf(ImplicitLocOpBuilder &b, OpFoldResult size);

/// An i32 tensor element at `indices`, as an index.
Value extractIndex(ImplicitLocOpBuilder &b, Value tensor, ValueRange indices);

/// A linalg.generic producing a new tensor of `sizes` x `elementType`: the
/// output is indexed by the identity over the first `sizes.size()` loops,
/// the inputs by `inputMaps`; `body` gets the input elements (and the output
/// element last) and returns the result element.
Value buildGeneric(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                   Type elementType, ValueRange inputs,
                   ArrayRef<AffineMap> inputMaps, BodyFn body,
                   Value init = nullptr,
                   ArrayRef<utils::IteratorType> iterators = {},
                   AffineMap outputMap = {});

/// `v` with every element converted to `type` (extf or truncf), or `v`.
Value convertElements(ImplicitLocOpBuilder &b, Value v, Type type);

Value toF32(ImplicitLocOpBuilder &b, Value v);

/// A tensor of `sizes` filled with `value`.
Value filled(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
             Value value);

/// A contraction written as an einsum spec, e.g. "bsd,dq->bsq": one letter
/// per dim of each operand; letters missing from the output are summed over.
/// Operands must be f32; the result is f32. With `maskZeroLhs`, a zero lhs
/// element contributes nothing even when the rhs is NaN or inf (P·V over
/// masked keys).
Value einsum(ImplicitLocOpBuilder &b, StringRef spec, Value lhs, Value rhs,
             bool maskZeroLhs = false);

/// A static slice of the last dim of `v`: [.., offset : offset + size].
Value sliceLastDim(ImplicitLocOpBuilder &b, Value v, int64_t offset,
                   int64_t size);

/// Splits dim `dim` of `v` into the static `parts`. A dynamic `dim` is first
/// cast to their product (the verifier accepts a dynamic weight dim; the
/// config says what it must be).
Value expandDim(ImplicitLocOpBuilder &b, Value v, unsigned dim,
                ArrayRef<int64_t> parts);

/// An AffineMap from `numLoops` loops onto the listed loop dims.
AffineMap loopsMap(ImplicitLocOpBuilder &b, unsigned numLoops,
                   ArrayRef<unsigned> dims);

/// An f32 scalar from any float scalar.
Value toF32Scalar(ImplicitLocOpBuilder &b, Value v);

/// `index` when `ok` holds. With runtime checks, a failed `ok` stops the
/// program with `message` (cf.assert); without them (GPU kernels, where
/// cf.assert blocks the mapping of loops), `fallback` is used instead, so that
/// an invalid block table never makes an access leave its buffer.
Value guardIndex(ImplicitLocOpBuilder &b, Value index, Value ok, Value fallback,
                 StringRef message, bool runtimeChecks);

/// `value` (f32) in the element type and static shape of `type`.
Value finish(ImplicitLocOpBuilder &b, Value value, Type type);

//===----------------------------------------------------------------------===//
// RMSNorm, RoPE, the paged cache (NormRopeCache.cpp)
//===----------------------------------------------------------------------===//

/// A request's cached tokens read through the block table, as f32 latent
/// rows [B, T, L] and rope keys [B, T, R] (zero beyond the lengths).
struct GatheredCache {
  Value latent;
  Value ropeKeys;
};

/// x / sqrt(mean(x², last dim) + eps) · w, on f32 tensors.
Value emitRMSNorm(ImplicitLocOpBuilder &b, Value x, Value weight, double eps);

/// RoPE on the last dim of an f32 tensor [B, S, (H,) R] at positions [B, S].
///
/// Element j is rotated with its partner p(j) by the angle pos · θ_{pair(j)}:
///
///   interleaved: pairs (0,1) (2,3) ...     p(j) = j xor 1,  pair = j / 2
///   half:        pairs (0,R/2) (1,R/2+1)   p(j) = (j + R/2) mod R, pair = j
///   mod R/2
///
///   out[j] = x[j] · cos − x[p(j)] · sin   for the first of a pair
///   out[j] = x[j] · cos + x[p(j)] · sin   for the second
///
/// with cos and sin scaled by YaRN's magnitude.
Value emitRope(ImplicitLocOpBuilder &b, Value x, Value positions,
               ConfigAttr config);

/// The cache read through the block table as an f32 tensor [B, M·G, L+R]:
/// element (b, t, e) = cache[block_table[b, t / G], t mod G, e] for
/// t < seq_lens[b], and 0 beyond, so that whatever unused slots hold (even
/// NaN) is never read into a result. A used table entry outside the cache
/// fails a runtime check.
Value emitGather(ImplicitLocOpBuilder &b, Value cache, Value blockTable,
                 Value seqLens, bool runtimeChecks);

GatheredCache emitGatheredCache(ImplicitLocOpBuilder &b, Value cache,
                                Value blockTable, Value lengths,
                                ConfigAttr config, bool runtimeChecks);

/// Writes each new token's latent and rope key into its cache slot:
///
///   for all b < B, s < S (in parallel):   t = seq_lens[b] - S + s
///     cache[block_table[b, t / G], t mod G, 0:L]   = c_kv[b, s]
///     cache[block_table[b, t / G], t mod G, L:L+R] = k_pe[b, s]
///
/// with runtime checks that t is a position of the block table and the page a
/// page of the cache.
Value emitAppend(ImplicitLocOpBuilder &b, Value cKv, Value kPe, Value cache,
                 Value blockTable, Value seqLens, int64_t latentDim,
                 int64_t ropeDim, bool runtimeChecks);

//===----------------------------------------------------------------------===//
// Attention (Attention.cpp)
//===----------------------------------------------------------------------===//

/// ceil(a / b) of two sizes, static when both are.
OpFoldResult ceilDivSizes(ImplicitLocOpBuilder &b, OpFoldResult a,
                          OpFoldResult c);

/// Whether cache position `t` of request `b` is a valid key for new token `s`
/// (of `tokens`): t < len and, when causal, t <= len - tokens + s.
Value isValidKey(ImplicitLocOpBuilder &b, Value length, Value t, Value s,
                 Value tokens, bool causal);

/// scale · scores masked to the valid keys, softmax over the last dim of
/// f32 scores [B, S, H, T]; a row with no valid key is all zeros.
Value emitMaskedSoftmax(ImplicitLocOpBuilder &b, Value scores, Value seqLens,
                        bool causal, double scale);

/// Attention with the keys cut into `chunks` chunks of `chunk` positions
/// (the last one padded), each attended to alone and the partial results
/// merged by their log-sum-exp, as split-KV decode and chunked prefill do:
///
///   per chunk k:  m_k = max_c s,  l_k = Σ_c e^(s − m_k),
///                 o_k = Σ_c e^(s − m_k) v / l_k,  lse_k = m_k + log l_k
///   merged:       o = Σ_k e^(lse_k − lse) o_k,  lse = log Σ_k e^(lse_k)
///
/// which is the softmax over all keys. `scores` are f32 [B, S, H, T]
/// (unscaled); `values` f32 [B, T, ...] are cut the same way and contracted
/// by `valueSpec` ("bshkc,<chunked values>-><result with k>"). Masked or
/// padded keys never contribute; a row with no valid key gives 0.
Value emitChunkedAttention(ImplicitLocOpBuilder &b, Value scores, Value seqLens,
                           bool causal, double scale, Value values,
                           OpFoldResult chunks, OpFoldResult chunk,
                           StringRef valueSpec);

/// scale-free scores q_a · k_aᵀ + q_pe · k_peᵀ of f32 operands.
Value emitScores(ImplicitLocOpBuilder &b, StringRef mainSpec, Value queries,
                 Value keys, Value queryRope, Value keyRope);

} // namespace mlir::mla::reference

#endif // MLA_LIB_CONVERSION_MLATOLINALG_LOWERING_H
