//===- DecompressedForm.h - Matching the decompressed form ------*- C++ -*-===//
//
// The producers that make a decompressed_attention the decompressed form of
// MLA: K and V decompressions of one gathered latent, with the gather's k_pe
// and lengths. Shared by mla-absorb-weights and mla-fuse-prefill.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_LIB_DIALECT_MLA_TRANSFORMS_DECOMPRESSEDFORM_H
#define MLA_LIB_DIALECT_MLA_TRANSFORMS_DECOMPRESSEDFORM_H

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::mla {

/// The decompressed-form producers of one attention op.
struct DecompressedForm {
  CacheGatherOp gather;
  DecompressOp key;
  DecompressOp value;
};

/// Matches the producers that make `op` absorbable, or says why not.
inline FailureOr<DecompressedForm>
matchDecompressedForm(DecompressedAttentionOp op, PatternRewriter &rewriter) {
  auto key = op.getKNope().getDefiningOp<DecompressOp>();
  auto value = op.getV().getDefiningOp<DecompressOp>();
  if (!key || key.getProjection() != Projection::Key)
    return rewriter.notifyMatchFailure(op, "k_nope is not decompress key");
  if (!value || value.getProjection() != Projection::Value)
    return rewriter.notifyMatchFailure(op, "v is not decompress value");
  // Both must expand one latent: the absorbed form reads it once.
  if (key.getCKv() != value.getCKv())
    return rewriter.notifyMatchFailure(op, "K and V expand different latents");
  auto gather = key.getCKv().getDefiningOp<CacheGatherOp>();
  if (!gather)
    return rewriter.notifyMatchFailure(op, "the latent is not a cache gather");
  // The rope keys must be the same cache rows as the latent.
  if (op.getKPe() != gather.getKPe())
    return rewriter.notifyMatchFailure(op, "k_pe is not the gather's");
  // Latent attention masks by its lengths and reads the cache through them:
  // the gather must have zeroed exactly the positions attention masks.
  if (op.getKvLens() != gather.getSeqLens())
    return rewriter.notifyMatchFailure(op, "lengths differ from the gather's");
  if (key.getConfig() != op.getConfig() || value.getConfig() != op.getConfig())
    return rewriter.notifyMatchFailure(op, "configs differ");
  return DecompressedForm{gather, key, value};
}

} // namespace mlir::mla

#endif // MLA_LIB_DIALECT_MLA_TRANSFORMS_DECOMPRESSEDFORM_H
