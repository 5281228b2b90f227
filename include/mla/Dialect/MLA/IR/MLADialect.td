//===- MLADialect.td - The mla dialect ---------------------*- tablegen -*-===//
//
// The `mla` dialect describes DeepSeek's Multi-head Latent Attention block and
// its primitives on tensors (value semantics).
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLA_IR_MLADIALECT_TD
#define MLA_DIALECT_MLA_IR_MLADIALECT_TD

include "mlir/IR/OpBase.td"

def MLA_Dialect : Dialect {
  let name = "mla";
  let cppNamespace = "::mlir::mla";
  let summary = "DeepSeek Multi-head Latent Attention";
  let description = [{
    The `mla` dialect describes one Multi-head Latent Attention (MLA) block, as
    in DeepSeek-V2, V2-Lite and V3, at two levels:

    * `mla.attention_block`: the whole block, from hidden states, positions,
      weights and a paged latent cache to the block's output and the updated
      cache;
    * primitives it decomposes into (`mla-decompose`): the query projection
      (with or without query compression), the kv compression to the latent
      `c_KV` and the shared rope key `k_pe`, RMSNorm, RoPE, the paged cache
      (append, gather), per-head decompression by `W_UK` / `W_UV`, attention in
      its decompressed (MHA, head dims 192/128) and latent (absorbed, MQA over
      the latent cache, head dims 576/512) forms, the query/output
      absorption steps, and the output projection.

    Every shape fact of a block lives in one `#mla.config` attribute, shared by
    its ops and verified once. All ops work on ranked tensors of f32, f16 or
    bf16 (one element type per op), with i32 positions, block tables and
    sequence lengths. Batch, token, cache and page dimensions may be dynamic.

    Conventions: weights are stored `[in, out]` (`y = x · W`); per-head
    weights are `[heads, in, out]`. Sequence lengths count every valid token of
    a request in the cache, including the tokens of the current step; the new
    tokens of a step are the last `S` of them.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerAttributes();

    /// The discardable attribute that carries an inference phase onto ops
    /// that have none of their own (e.g. from a decomposed block).
    static constexpr ::llvm::StringLiteral kPhaseAttrName = "mla.phase";
    /// The discardable attribute that asks for both attention forms behind a
    /// runtime test: absorbed when the query count is below its value.
    static constexpr ::llvm::StringLiteral kDecodeBelowAttrName =
        "mla.decode_below";
    /// The discardable attribute naming a kernel convert-mla-to-gpu emitted
    /// (on its gpu.launch, then the outlined gpu.func): a string.
    static constexpr ::llvm::StringLiteral kKernelAttrName = "mla.kernel";
    /// The discardable attribute carrying a module's #mla.target.
    static constexpr ::llvm::StringLiteral kTargetAttrName = "mla.target";
    /// The discardable attribute mla-library-abi puts on a function: where
    /// each of its original results went (an array<i64>, one parameter
    /// index per result).
    static constexpr ::llvm::StringLiteral kResultParamsAttrName =
        "mla.result_params";
    /// The discardable attribute mla-library-abi puts on a function: the
    /// arguments it may write (an array<i64> of argument indices).
    static constexpr ::llvm::StringLiteral kWrittenArgumentsAttrName =
        "mla.written_arguments";
  }];
}

#endif // MLA_DIALECT_MLA_IR_MLADIALECT_TD
