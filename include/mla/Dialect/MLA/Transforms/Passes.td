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
    `mla.phase`, for the phase-specialising passes. A varlen block
    (`query_starts`) keeps the projections on its packed rows and runs the
    attention request by request in an `scf.for` (one request, a dynamic
    token count each), with `cf.assert`s on the starts.
  }];
  let dependentDialects = ["::mlir::mla::MLADialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numBlocksDecomposed", "blocks-decomposed",
              "Number of mla.attention_block ops decomposed">
  ];
}

def MLAInsertShapeChecks : Pass<"mla-insert-shape-checks", "::mlir::func::FuncOp"> {
  let summary = "Check the dynamic sizes of the mla ops' operands when the program runs";
  let description = [{
    The verifiers check what the types say; a dynamic size (a batch, a
    token count, a page count given as `?`) can only be checked when the
    program runs. For every op with a shape signature
    (ShapeSignatureOpInterface) this pass emits, on its operands:

    - every dimension of a letter equal to the first one (`block_table`
      [B, M] has as many rows as `hidden` [B, S, D] has requests;
      `seq_lens` [B] as many entries);
    - a config letter (`D`, `H`, `L+R`, ...) equal to the config's size;
    - batch, new tokens, pages, page size and pages per request non-zero
      (what the verifier refuses statically).

    Each is a `cf.assert` whose message names the op, the operand (and the
    function argument it is), the dimension and its letter: the program
    stops with it before computing anything with the wrong size (`mla-run`:
    exit 1). A size is traced through the mla ops that carry it (the `B` of
    a rope's input is the `B` of the query projection's hidden states), so
    that most checks compare function arguments and sit at the function's
    entry, each once.

    ```mlir
    // A block table with one row for two requests:
    //   expects block_table (argument #2 of @step) dim 0 (B: batch) to
    //   equal hidden (argument #0 of @step) dim 0
    ```

    Both lowering pipelines (CPU and GPU) run it first.
  }];
  let dependentDialects = ["::mlir::cf::ControlFlowDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numChecks", "checks", "Number of runtime size checks emitted">
  ];
}

def MLASetTarget : Pass<"mla-set-target", "::mlir::ModuleOp"> {
  let summary = "Put the target's description (#mla.target) on the module";
  let description = [{
    Sets the module's `mla.target` to the preset named `target` (h100, h200,
    a100: one table, docs/cost-model.md), compiled for `chip` when given
    (e.g. plain `sm_90` for an H100: PTX that later chips also run). Every
    pass that sizes or chooses something reads the module's target
    (#mla.target); without one they assume the h100 preset.

    A module that already has a target of that name (and chip, when given)
    keeps it: its figures may be measured ones, its name not a preset's. One
    for another product or chip is an error: one module, one target.

    ```mlir
    // mla-opt --mla-set-target=target=a100
    module attributes {mla.target = #mla.target<name = "a100", chip = "sm_80", ...>}
    ```
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"h100\"",
           "Target preset: h100, h200 or a100">,
    Option<"chip", "chip", "std::string", /*default=*/"\"\"",
           "The NVVM architecture to compile for, when not the product's "
           "(sm_80, sm_90, sm_90a, ...)">,
  ];
  let dependentDialects = ["::mlir::mla::MLADialect"];
}

def MLASelectPhase : Pass<"mla-select-phase"> {
  let summary = "Choose each attention's form (decode: absorbed, prefill: decompressed) with the cost model";
  let description = [{
    For every `mla.decompressed_attention`, the roofline cost model
    (docs/cost-model.md) predicts the bytes, FLOPs and time of the
    decompressed form (per-head decompression of every cached token, MHA
    192/128) and of the absorbed form (q·W_UKᵀ, MQA 576/512 over the latent
    cache, ·W_UV) for the op's shapes on the module's target (#mla.target,
    `mla-set-target`), and stamps the faster as
    the discardable attribute `mla.phase`: `decode` (absorbed) or `prefill`
    (decompressed). Chunked prefill over a cached prefix gets whichever
    predicts faster.

    A phase already on the op (from the block) is kept; `force` overrides
    every op. When the number of queries per request is dynamic, the op gets
    `mla.decode_below = K` instead, the crossover query count below which the
    absorbed form wins, and `mla-absorb-weights` keeps both forms behind a
    runtime test. A dynamic batch counts as 1, a dynamic cache length as
    `assumed-cache-length`. `report` prints the numbers behind each choice
    to stderr.
  }];
  let options = [
    Option<"force", "force", "::mlir::mla::PhaseChoice",
           /*default=*/"::mlir::mla::PhaseChoice::Auto",
           "The form of every attention", [{::llvm::cl::values(
             clEnumValN(::mlir::mla::PhaseChoice::Auto, "auto",
                        "the cost model's choice per attention"),
             clEnumValN(::mlir::mla::PhaseChoice::Prefill, "prefill",
                        "the decompressed form"),
             clEnumValN(::mlir::mla::PhaseChoice::Decode, "decode",
                        "the absorbed form"))}]>,
    Option<"report", "report", "bool", /*default=*/"false",
           "Print the cost model's numbers for each op to stderr">,
    Option<"assumedCacheLength", "assumed-cache-length", "int64_t",
           /*default=*/"4096", "Cache length assumed when it is dynamic">,
  ];
  let dependentDialects = ["::mlir::mla::MLADialect"];
}

def MLAAbsorbWeights : Pass<"mla-absorb-weights"> {
  let summary = "Rewrite decompressed attention into the absorbed (latent) form";
  let description = [{
    Rewrites

    ```
    c, k_pe = cache.gather(cache[bt, lens])
    k_nope = decompress key(c, W_UK);  v = decompress value(c, W_UV)
    o = decompressed_attention(q_nope, q_pe, k_nope, k_pe, v, lens)
    ```

    into

    ```
    o = latent_to_value(latent_attention(query_to_latent(q_nope, W_UK),
                                         q_pe, cache[bt, lens]), W_UV)
    ```

    by the algebra `q_nope·(c·W_UK)ᵀ = (q_nope·W_UKᵀ)·cᵀ` and
    `Σ_t p_t (c_t·W_UV) = (Σ_t p_t c_t)·W_UV`. Only the nope part absorbs: the
    rope part keeps its own q_pe·k_peᵀ term. It does not fire when K and V are
    not decompressions of one gathered latent, when k_pe is not that
    gather's, when the attention's lengths are not the gather's, or on ops
    stamped `mla.phase = prefill`. Ops stamped `mla.decode_below = K` (a
    dynamic query count) get both forms behind `scf.if` (queries < K).
  }];
  let dependentDialects = [
    "::mlir::mla::MLADialect", "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
  let statistics = [
    Statistic<"numAbsorbed", "absorbed", "Attentions rewritten to the absorbed form">,
    Statistic<"numDispatched", "dispatched",
              "Attentions kept in both forms behind a runtime test">
  ];
}

def MLAFoldWeights : Pass<"mla-fold-weights"> {
  let summary = "Fold W_UQ·W_UKᵀ or W_UV·W_O into one matrix where the cost model says it pays";
  let description = [{
    In the absorbed form, `query_to_latent(query_proj(..., W_UQ), W_UK)` can
    use one folded weight `mla.fold_query_weights(W_UQ, W_UK)` [C, H·(L+R)]
    and `output_proj(latent_to_value(o_lat, W_UV), W_O)` one folded weight
    `mla.fold_output_weights(W_UV, W_O)` [H·L, D]. The folded ops carry the
    config with qk_nope_dim (resp. v_head_dim) set to kv_lora_rank and the
    softmax scale pinned to the original's. A fold is made only when the
    cost model predicts the folded projection faster on the module's target
    for the op's token count (`estimateQueryFold` / `estimateOutputFold`); for DeepSeek's
    configs it never does (3-4x the parameters and FLOPs,
    docs/cost-model.md). `force` folds regardless (for tests).
  }];
  let options = [
    Option<"force", "force", "bool", /*default=*/"false",
           "Fold whether or not the cost model says it pays">,
  ];
  let dependentDialects = ["::mlir::mla::MLADialect"];
  let statistics = [
    Statistic<"numFolded", "folded", "Weight pairs folded into one matrix">
  ];
}

def MLAFuseDecode : Pass<"mla-fuse-decode"> {
  let summary = "Fuse the absorbed form into mla.fused_decode with a tiling from the cost model";
  let description = [{
    Rewrites `latent_to_value(latent_attention(query_to_latent(q_nope, W_UK),
    ...), W_UV)` (each intermediate used once) into one `mla.fused_decode`
    carrying the split-KV count, token tile, heads per block and pipeline
    stages the cost model chooses for its shapes on the module's target
    (#mla.target; `chooseDecodeTiling`, docs/cost-model.md). A `tuning-file` written by
    bench/autotune.py (for the same target) replaces the model's choice by
    the measured one for the exact shapes it lists. `splits` overrides the
    split count of either. `mma` picks the kernel's tensor-core
    instructions: by default (`auto`) the wgmma kernel on targets that have
    it (h100, h200: chip sm_90a),
    else mma.sync; `sync` or `warpgroup` force one;
    `schedule=balanced` for scheduling metadata that evens out the work of
    uneven batches across CTAs.

    Where the number of queries per request S is dynamic (one compiled
    block for any token count), the decode kernel, which is emitted for a
    static S, would be lost: the fusion makes one `mla.fused_decode` per
    count 1 .. `specialize-counts` (default 2: decode and one MTP token),
    on `tensor.cast`s to that S and with the tiling chosen for it, and the
    dynamic one as the default case of an `scf.index_switch` on S.
  }];
  let dependentDialects = ["::mlir::mla::MLADialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"splits", "splits", "int64_t", /*default=*/"0",
           "KV splits per request (0: the cost model's choice)">,
    Option<"tuningFile", "tuning-file", "std::string", /*default=*/"\"\"",
           "JSON file of measured tilings (bench/autotune.py) that override "
           "the cost model for the shapes it lists">,
    Option<"assumedCacheLength", "assumed-cache-length", "int64_t",
           /*default=*/"4096", "Cache length assumed when it is dynamic">,
    Option<"specializeCounts", "specialize-counts", "int64_t",
           /*default=*/"2",
           "With a dynamic number of queries per request: fused_decodes "
           "for 1 .. this many queries, static (the decode kernel needs a "
           "static count), chosen at run time by scf.index_switch; 0: one "
           "dynamic fused_decode">,
    Option<"mma", "mma", "::mlir::mla::MmaChoice",
           /*default=*/"::mlir::mla::MmaChoice::Auto",
           "Decode kernel tensor-core instructions", [{::llvm::cl::values(
             clEnumValN(::mlir::mla::MmaChoice::Auto, "auto",
                        "wgmma where the target has it, else mma.sync"),
             clEnumValN(::mlir::mla::MmaChoice::Sync, "sync", "mma.sync"),
             clEnumValN(::mlir::mla::MmaChoice::Warpgroup, "warpgroup",
                        "wgmma (sm_90a)"))}]>,
    Option<"schedule", "schedule", "::mlir::mla::DecodeSchedule",
           /*default=*/"::mlir::mla::DecodeSchedule::Even",
           "How the decode kernel's splits deal tokens to CTAs",
           [{::llvm::cl::values(
             clEnumValN(::mlir::mla::DecodeSchedule::Even, "even",
                        "each request in equal parts"),
             clEnumValN(::mlir::mla::DecodeSchedule::Balanced, "balanced",
                        "by scheduling metadata"))}]>,
    Option<"loads", "loads", "::mlir::mla::LoadsChoice",
           /*default=*/"::mlir::mla::LoadsChoice::Auto",
           "How the decode kernel loads KV tiles", [{::llvm::cl::values(
             clEnumValN(::mlir::mla::LoadsChoice::Auto, "auto",
                        "TMA where the target has it and the page size "
                        "suits it"),
             clEnumValN(::mlir::mla::LoadsChoice::AsyncCopy, "async_copy",
                        "cp.async"),
             clEnumValN(::mlir::mla::LoadsChoice::Tma, "tma", "TMA"))}]>,
  ];
}

def MLAFusePrefill : Pass<"mla-fuse-prefill"> {
  let summary = "Fuse the decompressed form into mla.fused_prefill with a tiling from the cost model";
  let description = [{
    Rewrites `decompressed_attention` over `decompress key/value` of one
    `cache.gather` (the form `mla-decompose` produces and
    `mla-absorb-weights` leaves for prefill) into one `mla.fused_prefill`
    carrying the flash-attention tile and the cached-prefix chunk the cost
    model chooses (`choosePrefillTiling`). Ops stamped `mla.phase = decode`
    are left for absorption. `prefix-chunk` overrides the cost model's
    chunk, `block-keys` its key tile (64 or 128: the prefill kernel's two
    loop forms, docs/prefill-kernel.md), `loads` how the kernel's K and V
    tiles reach shared memory, `producer` asks for its warp-specialised
    form, `mma` for its mma.sync form (sm_80+).
  }];
  let options = [
    Option<"prefixChunk", "prefix-chunk", "int64_t", /*default=*/"0",
           "Cached tokens per chunk (0: the cost model's choice)">,
    Option<"blockKeys", "block-keys", "int64_t", /*default=*/"0",
           "Keys per attention tile, 64 or 128 (0: the cost model's choice)">,
    Option<"loads", "loads", "::mlir::mla::LoadsChoice",
           /*default=*/"::mlir::mla::LoadsChoice::Auto",
           "How the attention kernel loads K and V tiles", [{::llvm::cl::values(
             clEnumValN(::mlir::mla::LoadsChoice::Auto, "auto",
                        "the cost model's choice"),
             clEnumValN(::mlir::mla::LoadsChoice::AsyncCopy, "async_copy",
                        "cp.async by every thread"),
             clEnumValN(::mlir::mla::LoadsChoice::Tma, "tma",
                        "TMA by one thread, on mbarriers"))}]>,
    Option<"tuningFile", "tuning-file", "std::string", /*default=*/"",
           "Measured prefill tilings (bench/prefill_bench.py --tuning) that "
           "override the cost model for the shapes they list">,
    Option<"producer", "producer", "::mlir::mla::ProducerChoice",
           /*default=*/"::mlir::mla::ProducerChoice::Auto",
           "Warp specialisation: a producer warpgroup issues TMA loads, two "
           "consumer warpgroups take turns at the tensor cores", [{::llvm::cl::values(
             clEnumValN(::mlir::mla::ProducerChoice::Auto, "auto",
                        "the cost model's choice"),
             clEnumValN(::mlir::mla::ProducerChoice::Off, "false",
                        "one loop for all warpgroups"),
             clEnumValN(::mlir::mla::ProducerChoice::On, "true",
                        "warp-specialised (takes TMA loads)"))}]>,
    Option<"mma", "mma", "::mlir::mla::MmaChoice",
           /*default=*/"::mlir::mla::MmaChoice::Auto",
           "Prefill attention tensor-core instructions", [{::llvm::cl::values(
             clEnumValN(::mlir::mla::MmaChoice::Auto, "auto",
                        "the cost model's choice (wgmma)"),
             clEnumValN(::mlir::mla::MmaChoice::Sync, "sync",
                        "mma.sync, any sm_80+ (takes cp.async loads)"),
             clEnumValN(::mlir::mla::MmaChoice::Warpgroup, "warpgroup",
                        "wgmma (sm_90a)"))}]>,
    Option<"assumedCacheLength", "assumed-cache-length", "int64_t",
           /*default=*/"4096", "Cache length assumed when it is dynamic">,
  ];
  let dependentDialects = ["::mlir::mla::MLADialect"];
}

#endif // MLA_DIALECT_MLA_TRANSFORMS_PASSES_TD
