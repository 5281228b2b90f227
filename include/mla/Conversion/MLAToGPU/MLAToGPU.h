//===- MLAToGPU.h - mla.fused_decode to a tensor-core kernel ----*- C++ -*-===//
//
// The patterns of `convert-mla-to-gpu` (docs/decode-kernel.md); the kernels'
// sizes are planned by planDecodeKernels (mla/Analysis/DecodePlan.h).
//
//===----------------------------------------------------------------------===//

#ifndef MLA_CONVERSION_MLATOGPU_MLATOGPU_H
#define MLA_CONVERSION_MLATOGPU_MLATOGPU_H

#include "mla/Analysis/DecodePlan.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::mla {

/// Patterns rewriting each `mla.fused_decode` the kernels support into an
/// `mla.decode_kernel` on the buffers of its operands. Unsupported ops are
/// left for convert-mla-to-linalg with a remark saying why.
/// `target`: the module's target (#mla.target), which bounds the tiles.
void populateMLAToGPUConversionPatterns(RewritePatternSet &patterns,
                                        const TargetDescription &target);

/// Patterns rewriting the products of mla.query_proj, mla.kv_compress and
/// mla.output_proj into library GEMMs (`mla_gpu.gemm`) on buffers, the
/// RMSNorms and splits between them left on tensors (Projections.cpp).
void populateMLAProjectionsToGemmPatterns(RewritePatternSet &patterns);

/// Patterns rewriting mla.rms_norm (rank >= 2) and mla.rope into the rows
/// kernels' ops (`mla_gpu.rms_norm`, `mla.rope_kernel`) on buffers.
void populateMLARowKernelOpPatterns(RewritePatternSet &patterns);
/// The pattern fusing mla.kv_compress → mla.rope → mla.cache.append into a
/// library GEMM and the kv append kernel (`mla.kv_append_kernel`), the cache
/// written in place. Needs a driver that may erase ops before the anchor
/// (the greedy one).
void populateMLAKVAppendFusionPatterns(RewritePatternSet &patterns);

/// Patterns expanding the rows kernels' ops (`mla_gpu.rms_norm`,
/// `mla.rope_kernel`, `mla.kv_append_kernel`) into their
/// gpu.launch (RowKernels.cpp); run after buffer deallocation.
void populateMLAGPURowKernelPatterns(RewritePatternSet &patterns);

/// A read-only buffer of `tensor` (bufferization.to_buffer), with `layout`
/// (identity when null).
Value readOnlyBuffer(ImplicitLocOpBuilder &b, Value tensor,
                     MemRefLayoutAttrInterface layout = {});
/// A read-only buffer of `tensor` with any strides but a contiguous last
/// dimension: a slice of a wider product is read in place, not copied.
Value stridedRowsBuffer(ImplicitLocOpBuilder &b, Value tensor);

/// RMSNorm of the last dimension of `input` by the rows kernel, in
/// `resultElement`: to_buffer (any row stride), `mla_gpu.rms_norm` into a new
/// buffer, to_tensor, reshaped back.
Value emitRMSNormKernel(ImplicitLocOpBuilder &b, Value input, Value weight,
                        double epsilon, Type resultElement);

} // namespace mlir::mla

#endif // MLA_CONVERSION_MLATOGPU_MLATOGPU_H
