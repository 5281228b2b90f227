//===- MLAAttrs.td - Attributes of the mla dialect ----------*- tablegen -*-===//
//
// `#mla.config` carries every shape fact and numeric constant of an MLA block;
// `#mla.yarn` the YaRN RoPE scaling it may use; the tilings the cost model
// chooses; `#mla.target` the GPU; the enums print as keywords.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLA_IR_MLAATTRS_TD
#define MLA_DIALECT_MLA_IR_MLAATTRS_TD

include "mla/Dialect/MLA/IR/MLADialect.td"
include "mla/Dialect/MLA/IR/MLAEnums.td"
include "mlir/IR/AttrTypeBase.td"

class MLA_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<MLA_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

// Enum attributes print as bare keywords inside op formats (`phase decode`),
// as `#mla<phase decode>` elsewhere.
def MLA_PhaseAttr : EnumAttr<MLA_Dialect, MLA_Phase, "phase">;
def MLA_RopeStyleAttr : EnumAttr<MLA_Dialect, MLA_RopeStyle, "rope_style">;
def MLA_ProjectionAttr : EnumAttr<MLA_Dialect, MLA_Projection, "projection">;

// A double, stored as an APFloat (attribute storage needs hashing) and
// printed so that it re-parses to the same bits.
class MLA_F64Parameter<string desc, string default = "">
    : APFloatParameter<desc> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
      double value;
      if (::mlir::failed($_parser.parseFloat(value)))
        return ::mlir::failure();
      return ::llvm::APFloat(value);
    }() }];
  let printer = [{ $_printer.printFloat($_self) }];
  let defaultValue = !if(!empty(default), "", "::llvm::APFloat(" # default # ")");
}

// An optional double: omitted from the printed form when absent.
class MLA_OptionalF64Parameter<string desc>
    : AttrParameter<"std::optional<::llvm::APFloat>", desc> {
  let parser = [{ [&]() -> ::mlir::FailureOr<std::optional<::llvm::APFloat>> {
      double value;
      if (::mlir::failed($_parser.parseFloat(value)))
        return ::mlir::failure();
      return std::optional<::llvm::APFloat>(::llvm::APFloat(value));
    }() }];
  let printer = [{ $_printer.printFloat(*$_self) }];
  let comparator = [{ $_lhs.has_value() == $_rhs.has_value() &&
                      (!$_lhs || $_lhs->bitwiseIsEqual(*$_rhs)) }];
  let defaultValue = "std::optional<::llvm::APFloat>()";
}

def MLA_YarnAttr : MLA_Attr<"Yarn", "yarn"> {
  let summary = "YaRN RoPE scaling parameters";
  let description = [{
    The `rope_scaling` block of a DeepSeek config.json with `type = "yarn"`:
    the context extension `factor`, the `original_max_position` the model was
    trained at, the ramp bounds `beta_fast` > `beta_slow` (in rotations), and
    the two attention-scale coefficients. YaRN changes two things:

    * the RoPE inverse frequencies: dims whose wavelength is short
      (rotations > beta_fast over the original context) keep their frequency,
      long ones are divided by `factor`, with a linear ramp in between; cos/sin
      are multiplied by `m(factor, mscale) / m(factor, mscale_all_dim)` when
      both coefficients are non-zero, else by `m(factor, 1)` (as
      transformers computes YaRN's attention factor);
    * the softmax scale, multiplied by `m(factor, mscale_all_dim)²`,

    where `m(s, c) = 0.1 · c · ln(s) + 1` for s > 1, else 1.

    Example (DeepSeek-V3):

    ```mlir
    #mla.yarn<factor = 40.0, original_max_position = 4096,
              mscale = 1.0, mscale_all_dim = 1.0>
    ```
  }];
  let parameters = (ins
    MLA_F64Parameter<"context extension factor (>= 1)">:$factor,
    "int64_t":$original_max_position,
    MLA_F64Parameter<"ramp upper bound in rotations", "32.0">:$beta_fast,
    MLA_F64Parameter<"ramp lower bound in rotations", "1.0">:$beta_slow,
    MLA_F64Parameter<"mscale for cos/sin", "1.0">:$mscale,
    MLA_F64Parameter<"mscale for the softmax scale", "0.0">:$mscale_all_dim
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// YaRN's attention-magnitude correction m(factor, coefficient).
    double getMScale(double coefficient) const;
    /// The parameters as doubles.
    double getFactorValue() const { return getFactor().convertToDouble(); }
    double getMscaleValue() const { return getMscale().convertToDouble(); }
    double getMscaleAllDimValue() const {
      return getMscaleAllDim().convertToDouble();
    }
  }];
}

class MLA_DefaultValuedEnumParameter<EnumInfo info, string default>
    : EnumParameter<info> {
  let defaultValue = default;
}

def MLA_ConfigAttr : MLA_Attr<"Config", "config"> {
  let summary = "shape facts and constants of one MLA block";
  let description = [{
    Everything an MLA block's shapes and numerics depend on, named as in a
    DeepSeek config.json:

    | parameter | meaning | V3 | V2-Lite |
    |---|---|---|---|
    | `heads` | attention heads H | 128 | 16 |
    | `hidden` | model width D | 7168 | 2048 |
    | `q_lora_rank` | query latent Q (0: no query compression) | 1536 | 0 |
    | `kv_lora_rank` | kv latent L | 512 | 512 |
    | `qk_nope_dim` | per-head key/query dims without RoPE, N | 128 | 128 |
    | `qk_rope_dim` | per-head (query) / shared (key) RoPE dims, R | 64 | 64 |
    | `v_head_dim` | per-head value dims V | 128 | 128 |
    | `rope_theta` | RoPE base (default 10000) | 10000 | 10000 |
    | `rope_style` | `interleaved` (default) or `half` | | |
    | `rms_eps` | RMSNorm epsilon (default 1e-6) | | |
    | `yarn` | optional `#mla.yarn` RoPE scaling | factor 40 | factor 40 |
    | `softmax_scale` | optional explicit scale | | |

    The softmax scale is `softmax_scale` when given, else
    `(qk_nope_dim + qk_rope_dim)^-1/2 · m²` with `m` YaRN's mscale of
    `mscale_all_dim` (1 without YaRN): 0.13523378 for V3, 0.0721688 for a
    192-dim head without YaRN. The absorbed form keeps this scale (not
    576^-1/2).

    Example (DeepSeek-V2-Lite):

    ```mlir
    #mla.config<heads = 16, hidden = 2048, kv_lora_rank = 512,
                qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128,
                yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                 mscale = 0.707, mscale_all_dim = 0.707>>
    ```
  }];
  let parameters = (ins
    "int64_t":$heads,
    "int64_t":$hidden,
    DefaultValuedParameter<"int64_t", "0">:$q_lora_rank,
    "int64_t":$kv_lora_rank,
    "int64_t":$qk_nope_dim,
    "int64_t":$qk_rope_dim,
    "int64_t":$v_head_dim,
    MLA_F64Parameter<"RoPE base", "10000.0">:$rope_theta,
    MLA_DefaultValuedEnumParameter<MLA_RopeStyle,
        "::mlir::mla::RopeStyle::Interleaved">:$rope_style,
    MLA_F64Parameter<"RMSNorm epsilon", "1.0e-6">:$rms_eps,
    OptionalParameter<"::mlir::mla::YarnAttr">:$yarn,
    MLA_OptionalF64Parameter<"explicit softmax scale">:$softmax_scale
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Whether queries go through the q_lora_rank latent (V2, V3) or are
    /// projected straight from the hidden state (V2-Lite).
    bool hasQueryCompression() const { return getQLoraRank() > 0; }
    /// Per-head query/key dims of the decompressed form: N + R (192).
    int64_t getQkHeadDim() const { return getQkNopeDim() + getQkRopeDim(); }
    /// Elements per cached token: L + R (576).
    int64_t getLatentCacheDim() const {
      return getKvLoraRank() + getQkRopeDim();
    }
    /// The softmax scale both forms use: explicit, or derived from the head
    /// dims and YaRN's mscale_all_dim.
    double getEffectiveSoftmaxScale() const;
    double getRopeThetaValue() const { return getRopeTheta().convertToDouble(); }
    /// YaRN's correction range over the qk_rope_dim / 2 rotated pairs
    /// (low, high): pair j's inverse frequency θ_j = rope_theta^(-2j/R)
    /// becomes θ_j / factor · r + θ_j · (1 − r) with the ramp
    /// r = clamp((j − low) / (high − low), 0, 1). None without YaRN.
    std::optional<std::pair<double, double>> getYarnCorrectionRange() const;
    /// The factor YaRN puts on cos and sin: m(factor, mscale) /
    /// m(factor, mscale_all_dim); 1 without YaRN.
    double getRopeMagnitude() const;
    double getRmsEpsValue() const { return getRmsEps().convertToDouble(); }
  }];
}

def MLA_DecodeTilingAttr : MLA_Attr<"DecodeTiling", "decode_tiling"> {
  let summary = "how a fused decode kernel is tiled";
  let description = [{
    Chosen by the cost model (`mla-fuse-decode`), read by code generators:

    * `splits`: the cached tokens of a request are cut into this many
      contiguous parts attended to independently (split-KV), each giving a
      partial output and its log-sum-exp, merged by a combine step;
    * `block_tokens`: cached tokens per tile (a multiple of nothing in
      particular; pages are read through the block table token by token);
    * `heads_per_block`: query heads (× queries per request) one block
      processes against a tile, sharing its load of the latent;
    * `stages`: tiles in flight (pipelining depth);
    * `mma` (optional, default `sync`): the tensor-core instructions of the
      kernel, `sync` (mma.sync, any sm_80+) or `warpgroup` (wgmma, sm_90a);
    * `schedule` (optional, default `even`): how split-KV deals tokens to
      CTAs, `even` (each request in `splits` equal parts) or `balanced`
      (scheduling metadata: equal work per CTA across uneven requests);
    * `loads` (optional, default `async_copy`): how KV tiles reach shared
      memory, `async_copy` (cp.async by every thread) or `tma` (Tensor Memory
      Accelerator copies completing on mbarriers; needs `mma = warpgroup`).

    ```mlir
    #mla.decode_tiling<splits = 2, block_tokens = 64, heads_per_block = 64, stages = 2>
    #mla.decode_tiling<splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup>
    #mla.decode_tiling<splits = 4, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup, loads = tma>
    ```

    Every parameter is positive and bounded by what a GPU can hold or use
    (so that no product of them overflows and no code generator unrolls
    without end): splits ≤ 1024, block_tokens ≤ 1024, heads_per_block ≤
    1024, stages ≤ 8 (cp.async and wgmma groups in flight).
  }];
  let parameters = (ins "int64_t":$splits, "int64_t":$block_tokens,
                        "int64_t":$heads_per_block, "int64_t":$stages,
                        DefaultValuedParameter<"::mlir::mla::MmaKind",
                            "::mlir::mla::MmaKind::Sync">:$mma,
                        DefaultValuedParameter<"::mlir::mla::DecodeSchedule",
                            "::mlir::mla::DecodeSchedule::Even">:$schedule,
                        DefaultValuedParameter<"::mlir::mla::DecodeLoads",
                            "::mlir::mla::DecodeLoads::AsyncCopy">:$loads);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    static constexpr int64_t kMaxSplits = 1024;
    static constexpr int64_t kMaxBlockTokens = 1024;
    static constexpr int64_t kMaxHeadsPerBlock = 1024;
    static constexpr int64_t kMaxStages = 8;
  }];
}

def MLA_PrefillTilingAttr : MLA_Attr<"PrefillTiling", "prefill_tiling"> {
  let summary = "how a fused prefill kernel is tiled";
  let description = [{
    Chosen by the cost model (`mla-fuse-prefill`):

    * `block_queries`, `block_keys`: the flash-attention tile;
    * `prefix_chunk`: cached tokens per chunk; chunks are attended to
      independently and merged by their log-sum-exp, as chunked prefill over
      a long cached prefix does;
    * `loads` (optional, default `async_copy`): how the attention's K and V
      tiles reach shared memory, `async_copy` (cp.async by every thread) or
      `tma` (one thread's Tensor Memory Accelerator copies completing on
      mbarriers) — the decode tiling's enum;
    * `producer` (optional, default false; needs `loads = tma` and two
      warpgroups of query rows): warp specialisation — a producer warpgroup
      issues the TMA loads on stage mbarriers while two consumer warpgroups
      take turns at the tensor cores (one's softmax under the other's
      MMAs);
    * `mma` (optional, default `warpgroup`): the tensor-core instructions,
      `warpgroup` (wgmma, sm_90a) or `sync` (mma.sync, any sm_80+: a warp
      per 16 query rows, cp.async loads; needs `loads = async_copy`).

    ```mlir
    #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096>
    #mla.prefill_tiling<block_queries = 128, block_keys = 64, prefix_chunk = 4096, mma = sync>
    #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma>
    #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma, producer = true>
    ```

    Bounds: block_queries and block_keys ≤ 1024, prefix_chunk ≤ 2^30
    tokens.
  }];
  let parameters = (ins "int64_t":$block_queries, "int64_t":$block_keys,
                        "int64_t":$prefix_chunk,
                        DefaultValuedParameter<"::mlir::mla::DecodeLoads",
                            "::mlir::mla::DecodeLoads::AsyncCopy">:$loads,
                        DefaultValuedParameter<"bool", "false">:$producer,
                        DefaultValuedParameter<"::mlir::mla::MmaKind",
                            "::mlir::mla::MmaKind::Warpgroup">:$mma);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    static constexpr int64_t kMaxBlock = 1024;
    static constexpr int64_t kMaxPrefixChunk = int64_t(1) << 30;
  }];
}

def MLA_TargetAttr : MLA_Attr<"Target", "target"> {
  let summary = "the GPU a module is compiled for";
  let description = [{
    The one description of the target. `mla-set-target` (or the pipelines'
    `target` option) puts it on the module as `mla.target`, from the preset
    table (h100, h200, a100; docs/cost-model.md gives the figures' sources),
    or a module carries its own measured figures. Every pass that sizes or
    chooses something reads it: the cost model's passes (mla-select-phase,
    mla-fold-weights, mla-fuse-decode, mla-fuse-prefill), convert-mla-to-gpu
    and the kernel planning function.

    * `name`: the product, for messages and tuning files;
    * `chip`: the NVVM architecture, a row of the chip table (which has
      wgmma, which PTX version it needs);
    * `sms`: streaming multiprocessors;
    * `shared_memory`: bytes of shared memory one CTA may use (the opt-in
      maximum, at most the chip's);
    * `registers`: 32-bit registers per CTA (at most 65536);
    * `bandwidth`: achievable device-memory bandwidth (a measured copy),
      bytes per second;
    * `tensor_rate`: achievable dense bf16/f16 tensor-core GEMM rate, FLOP
      per second;
    * `f32_rate`: achievable f32 rate of the CUDA cores, FLOP per second.

    ```mlir
    module attributes {mla.target = #mla.target<name = "h100", chip = "sm_90a",
        sms = 132, shared_memory = 232448, registers = 65536,
        bandwidth = 2.900000e+12, tensor_rate = 7.600000e+14,
        f32_rate = 5.148635e+13>} {
    }
    ```
  }];
  let parameters = (ins StringRefParameter<"the product">:$name,
                        StringRefParameter<"the NVVM architecture">:$chip,
                        "int64_t":$sms, "int64_t":$shared_memory,
                        "int64_t":$registers,
                        MLA_F64Parameter<"bytes per second">:$bandwidth,
                        MLA_F64Parameter<"FLOP per second">:$tensor_rate,
                        MLA_F64Parameter<"FLOP per second">:$f32_rate);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The preset named `preset` (h100, h200, a100), null if none; with
    /// `chip` non-empty, compiled for that chip instead of the product's
    /// (shared memory bounded by the chip's), null if no such chip.
    static TargetAttr getPreset(::mlir::MLIRContext *context,
                                ::llvm::StringRef preset,
                                ::llvm::StringRef chip = "");
    /// The names of the presets, for messages.
    static ::llvm::StringRef getPresetNames();
    /// The `mla.target` of `op` or of its closest ancestor that has one;
    /// null if none.
    static TargetAttr lookup(::mlir::Operation *op);
    /// Its chip's row of the chip table.
    const ::mlir::mla::ChipDescription &getChipDescription() const;
    double getBandwidthValue() const { return getBandwidth().convertToDouble(); }
    double getTensorRateValue() const { return getTensorRate().convertToDouble(); }
    double getF32RateValue() const { return getF32Rate().convertToDouble(); }
  }];
}

#endif // MLA_DIALECT_MLA_IR_MLAATTRS_TD
