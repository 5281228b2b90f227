//===- Passes.td - Transformations of the mla dialect -------*- tablegen -*-===//
//
// Passes that rewrite mla IR into other mla IR.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLA_TRANSFORMS_PASSES_TD
#define MLA_DIALECT_MLA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MLADecompose : Pass<"mla-decompose"> {
  let summary = "Decompose mla.attention_block into mla primitives";
  let description = [{
    Rewrites every `mla.attention_block` into the primitives of its
    definition, in the decompressed form the model is written in (DESIGN §1):

    ```
    query_proj → rope(q_pe)        kv_compress → rope(k_pe) → cache.append
    cache.gather → decompress key / decompress value
    decompressed_attention (causal, over the updated cache) → output_proj
    ```

    The absorbed (latent attention) form is a rewrite of this one
    (`mla-absorb-weights`), not a second decomposition. The block's `phase`,
    if any, is carried to the attention op as the discardable attribute
    `mla.phase`, for the phase-specialising passes.
  }];
  let dependentDialects = ["::mlir::mla::MLADialect"];
  let statistics = [
    Statistic<"numBlocksDecomposed", "blocks-decomposed",
              "Number of mla.attention_block ops decomposed">
  ];
}

#endif // MLA_DIALECT_MLA_TRANSFORMS_PASSES_TD
