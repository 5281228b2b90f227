//===- MLAOps.td - Operations of the mla dialect ------------*- tablegen -*-===//
//
// The whole MLA block and the primitives `mla-decompose` turns it into. Shape
// letters used throughout (also in verifier messages):
//
//   B batch (requests)   S new tokens per request   T cache positions
//   P pages              G page size                M pages per request
//   D hidden             H heads                    Q q_lora_rank
//   L kv_lora_rank       N qk_nope_dim              R qk_rope_dim
//   V v_head_dim
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLA_IR_MLAOPS_TD
#define MLA_DIALECT_MLA_IR_MLAOPS_TD

include "mla/Dialect/MLA/IR/MLADialect.td"
include "mla/Dialect/MLA/IR/MLAAttrs.td"
include "mla/Dialect/MLA/IR/MLAInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def MLA_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
def MLA_IndexTensor : RankedTensorOf<[I32]>;

// Every mla op is a pure function of its tensors: the cache is updated by
// returning a new cache value.
class MLA_Op<string mnemonic, list<Trait> traits = []>
    : Op<MLA_Dialect, mnemonic,
         !listconcat([Pure, DeclareOpInterfaceMethods<MLA_ShapeSignatureOpInterface>],
                     traits)> {
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Whole block
//===----------------------------------------------------------------------===//

def MLA_AttentionBlockOp : MLA_Op<"attention_block", [AttrSizedOperandSegments]> {
  let summary = "one MLA attention block: projections, RoPE, cache update, attention, output";
  let description = [{
    Runs one Multi-head Latent Attention block for `S` new tokens of each of
    `B` requests, as DeepSeek-V2/V3 define it (DESIGN §1):

    ```
    c_Q     = RMSNorm(h · W_DQ)            (no query compression: q = h · W_UQ)
    q_nope, q_pe = split_heads(c_Q · W_UQ);   q_pe = RoPE(q_pe, pos)
    c_KV, k_pe   = split(h · W_DKV);          c_KV = RMSNorm(c_KV);  k_pe = RoPE(k_pe, pos)
    cache'  = cache with (c_KV, k_pe) written at positions seq_lens - S .. seq_lens - 1
    o_i     = softmax(scale · (q_nope_i · k_nope_iᵀ + q_pe_i · k_peᵀ)) · v_i   (causal)
              with k_nope_i = c_KV · W_UK_i and v_i = c_KV · W_UV_i over the cache
    out     = concat_i(o_i) · W_O
    ```

    Operands: `hidden` [B, S, D]; `positions` [B, S] (i32, RoPE positions);
    weights `q_down` W_DQ [D, Q] and `q_norm` [Q] (present iff
    `q_lora_rank > 0`), `q_up` [Q or D, H·(N+R)], `kv_down` W_DKV [D, L+R],
    `kv_norm` [L], `k_up` W_UK [H, L, N], `v_up` W_UV [H, L, V], `out` W_O
    [H·V, D]; the paged latent cache [P, G, L+R] with its `block_table`
    [B, M] and `seq_lens` [B] (i32; tokens per request after this step, new
    ones included). Results: the block output [B, S, D] and the updated cache.
    Padding slots of the cache may hold anything (even NaN); they never reach
    the output. The optional `phase` records the inference phase.

    **Varlen.** With `query_starts(%qs)` the requests have a number of new
    tokens each, packed as engines pass them: `hidden` [X, D] and
    `positions` [X] hold every request's new tokens back to back,
    `query_starts` [B + 1] (i32, FlashAttention's cu_seqlens) says that
    request b's are rows qs[b] .. qs[b + 1] (qs[0] = 0, qs[B] = X, never
    decreasing; a request may have none), and the output is [X, D]. Each
    request's tokens are its last n_b = qs[b + 1] − qs[b] (seq_lens[b]
    counts them). One call then mixes prefill, chunked prefill and decode.
    `mla-decompose` computes the projections on all X rows and the
    attention request by request.

    Example (DeepSeek-V3, decode, page size 64):

    ```mlir
    #v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                      kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                      v_head_dim = 128,
                      yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                       mscale = 1.0, mscale_all_dim = 1.0>>
    %out, %cache1 = mla.attention_block %h, %pos
        weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
                kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
        cache(%cache[%block_table, %seq_lens]) phase decode {config = #v3}
        : (tensor<?x1x7168xbf16>, tensor<?x1xi32>, tensor<7168x1536xbf16>,
           tensor<1536xbf16>, tensor<1536x24576xbf16>, tensor<7168x576xbf16>,
           tensor<512xbf16>, tensor<128x512x128xbf16>, tensor<128x512x128xbf16>,
           tensor<16384x7168xbf16>, tensor<?x64x576xbf16>, tensor<?x?xi32>,
           tensor<?xi32>) -> (tensor<?x1x7168xbf16>, tensor<?x64x576xbf16>)
    ```
  }];
  let arguments = (ins
    MLA_FloatTensor:$hidden,
    MLA_IndexTensor:$positions,
    Optional<MLA_FloatTensor>:$w_dq,
    Optional<MLA_FloatTensor>:$q_norm,
    MLA_FloatTensor:$w_uq,
    MLA_FloatTensor:$w_dkv,
    MLA_FloatTensor:$kv_norm,
    MLA_FloatTensor:$w_uk,
    MLA_FloatTensor:$w_uv,
    MLA_FloatTensor:$w_o,
    MLA_FloatTensor:$cache,
    MLA_IndexTensor:$block_table,
    MLA_IndexTensor:$seq_lens,
    Optional<MLA_IndexTensor>:$query_starts,
    MLA_ConfigAttr:$config,
    OptionalAttr<MLA_PhaseAttr>:$phase
  );
  let results = (outs MLA_FloatTensor:$output, MLA_FloatTensor:$new_cache);
  let assemblyFormat = [{
    $hidden `,` $positions
    `weights` `(` (`q_down` `=` $w_dq^ `,` `q_norm` `=` $q_norm `,`)?
      `q_up` `=` $w_uq `,` `kv_down` `=` $w_dkv `,` `kv_norm` `=` $kv_norm `,`
      `k_up` `=` $w_uk `,` `v_up` `=` $w_uv `,` `out` `=` $w_o `)`
    `cache` `(` $cache `[` $block_table `,` $seq_lens `]` `)`
    (`query_starts` `(` $query_starts^ `)`)?
    (`phase` `` $phase^)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// Whether the new tokens are packed with `query_starts` (varlen).
    bool isVarlen() { return static_cast<bool>(getQueryStarts()); }
  }];
}

//===----------------------------------------------------------------------===//
// Projections and normalisation
//===----------------------------------------------------------------------===//

def MLA_RMSNormOp : MLA_Op<"rms_norm", [AllTypesMatch<["input", "result"]>]> {
  let summary = "RMSNorm over the last dimension";
  let description = [{
    `result = input / sqrt(mean(input², last dim) + epsilon) · weight`, with
    the mean and the reciprocal square root computed in f32 for f16/bf16
    inputs. `weight` has the size of the last dimension.

    ```mlir
    %n = mla.rms_norm %c_kv, %w {epsilon = 1.0e-06 : f64}
        : tensor<4x1x512xbf16>, tensor<512xbf16>
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$input, MLA_FloatTensor:$weight,
                       F64Attr:$epsilon);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
}

def MLA_QueryProjOp : MLA_Op<"query_proj", [AttrSizedOperandSegments]> {
  let summary = "query projection, with or without query compression";
  let description = [{
    Projects hidden states [B, S, D] to per-head queries and splits them into
    the part without RoPE `q_nope` [B, S, H, N] and the (not yet rotated)
    RoPE part `q_pe` [B, S, H, R].

    With query compression (`q_lora_rank = Q > 0`, V2/V3):
    `c_Q = RMSNorm(h · W_DQ, q_norm)`, `q = c_Q · W_UQ` with `down` W_DQ [D, Q],
    `norm` [Q] and `up` W_UQ [Q, H·(N+R)]. Without (V2-Lite): `q = h · W_Q`
    with `up` W_Q [D, H·(N+R)]. Each head's N+R columns are contiguous, nope
    first, as in DeepSeek's q_b_proj.

    ```mlir
    %q_nope, %q_pe = mla.query_proj %h down %wdq norm %qn up %wuq {config = #v3}
        : (tensor<4x1x7168xbf16>, tensor<7168x1536xbf16>, tensor<1536xbf16>,
           tensor<1536x24576xbf16>)
        -> (tensor<4x1x128x128xbf16>, tensor<4x1x128x64xbf16>)
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$hidden,
                       Optional<MLA_FloatTensor>:$w_dq,
                       Optional<MLA_FloatTensor>:$q_norm,
                       MLA_FloatTensor:$w_uq,
                       MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$q_nope, MLA_FloatTensor:$q_pe);
  let assemblyFormat = [{
    $hidden (`down` $w_dq^ `norm` $q_norm)? `up` $w_uq attr-dict `:`
    functional-type(operands, results)
  }];
}

def MLA_KVCompressOp : MLA_Op<"kv_compress"> {
  let summary = "down-projection to the normalised latent c_KV and the shared k_pe";
  let description = [{
    `c_KV, k_pe = split(h · W_DKV)`, then `c_KV = RMSNorm(c_KV, kv_norm)`:
    hidden [B, S, D], `down` W_DKV [D, L+R], `norm` [L] → `c_kv` [B, S, L]
    and the (not yet rotated) `k_pe` [B, S, R], one for all heads. This is
    what the latent cache holds per token (after RoPE on `k_pe`).

    ```mlir
    %c_kv, %k_pe = mla.kv_compress %h down %wdkv norm %kvn {config = #v3}
        : (tensor<4x1x7168xbf16>, tensor<7168x576xbf16>, tensor<512xbf16>)
        -> (tensor<4x1x512xbf16>, tensor<4x1x64xbf16>)
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$hidden, MLA_FloatTensor:$w_dkv,
                       MLA_FloatTensor:$kv_norm, MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$c_kv, MLA_FloatTensor:$k_pe);
  let assemblyFormat = [{
    $hidden `down` $w_dkv `norm` $kv_norm attr-dict `:`
    functional-type(operands, results)
  }];
}

def MLA_RopeOp : MLA_Op<"rope", [AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding of the rope dims";
  let description = [{
    Rotates the last dimension (R = `qk_rope_dim`) of per-head queries
    [B, S, H, R] or shared keys [B, S, R] by the angles `position · θ_j`,
    θ_j = `rope_theta`^(-2j/R) (YaRN-corrected when the config has `yarn`),
    pairing dims as the config's `rope_style` says. `positions` is [B, S]
    (i32).

    ```mlir
    %q_rot = mla.rope %q_pe, %pos {config = #v3}
        : tensor<4x1x128x64xbf16>, tensor<4x1xi32>
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$input, MLA_IndexTensor:$positions,
                       MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` type($input) `,` type($positions)
  }];
}

def MLA_OutputProjOp : MLA_Op<"output_proj"> {
  let summary = "output projection of the concatenated heads";
  let description = [{
    `out = concat_i(o_i) · W_O`: per-head outputs [B, S, H, V] and W_O
    [H·V, D] → [B, S, D].

    ```mlir
    %out = mla.output_proj %o, %wo {config = #v3}
        : (tensor<4x1x128x128xbf16>, tensor<16384x7168xbf16>)
        -> tensor<4x1x7168xbf16>
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$input, MLA_FloatTensor:$w_o,
                       MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $w_o attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Paged latent cache
//===----------------------------------------------------------------------===//

def MLA_CacheAppendOp : MLA_Op<"cache.append", [AllTypesMatch<["cache", "result"]>]> {
  let summary = "writes the new tokens' latent and rope key into the paged cache";
  let description = [{
    For request b and new token s (of S), writes `concat(c_kv[b, s], k_pe[b,
    s])` (L+R elements) at logical position `t = seq_lens[b] - S + s`, i.e.
    page `block_table[b, t / G]`, slot `t mod G` of the cache [P, G, L+R].
    `seq_lens` [B] counts the tokens of each request including the new ones.
    Returns the updated cache; every other slot is unchanged.

    ```mlir
    %cache1 = mla.cache.append %c_kv, %k_pe into %cache[%bt, %lens] {config = #v3}
        : tensor<4x1x512xbf16>, tensor<4x1x64xbf16>
          into tensor<?x64x576xbf16>, tensor<4x?xi32>, tensor<4xi32>
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$c_kv, MLA_FloatTensor:$k_pe,
                       MLA_FloatTensor:$cache, MLA_IndexTensor:$block_table,
                       MLA_IndexTensor:$seq_lens, MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    $c_kv `,` $k_pe `into` $cache `[` $block_table `,` $seq_lens `]` attr-dict
    `:` type($c_kv) `,` type($k_pe) `into` type($cache) `,`
    type($block_table) `,` type($seq_lens)
  }];
}

def MLA_CacheGatherOp : MLA_Op<"cache.gather"> {
  let summary = "reads each request's cached tokens into contiguous tensors";
  let description = [{
    The decompressed form's view of the paged cache: for request b and
    position t < M·G, `c_kv[b, t]` and `k_pe[b, t]` are the L and R parts of
    cache slot `block_table[b, t / G]`, `t mod G`, for t < `seq_lens[b]`, and
    zero beyond (so garbage in unused slots never reaches the decompression).
    Results are [B, T, L] and [B, T, R] with T = M·G.

    ```mlir
    %c_all, %kpe_all = mla.cache.gather %cache[%bt, %lens] {config = #v3}
        : (tensor<?x64x576xbf16>, tensor<4x8xi32>, tensor<4xi32>)
        -> (tensor<4x512x512xbf16>, tensor<4x512x64xbf16>)
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$cache, MLA_IndexTensor:$block_table,
                       MLA_IndexTensor:$seq_lens, MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$c_kv, MLA_FloatTensor:$k_pe);
  let assemblyFormat = [{
    $cache `[` $block_table `,` $seq_lens `]` attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Decompression and absorption
//===----------------------------------------------------------------------===//

def MLA_DecompressOp : MLA_Op<"decompress"> {
  let summary = "per-head up-projection of the latent by W_UK or W_UV";
  let description = [{
    `out[b, t, i] = c_kv[b, t] · W[i]`: the latent [B, T, L] times one half of
    kv_b_proj, W_UK [H, L, N] (`key`, giving k_nope) or W_UV [H, L, V]
    (`value`, giving v), → [B, T, H, N or V]. The decompressed form runs it
    over every cached token; the absorbed form never does.

    ```mlir
    %k_nope = mla.decompress key %c_all, %wuk {config = #v3}
        : (tensor<4x512x512xbf16>, tensor<128x512x128xbf16>)
        -> tensor<4x512x128x128xbf16>
    ```
  }];
  let arguments = (ins MLA_ProjectionAttr:$projection, MLA_FloatTensor:$c_kv,
                       MLA_FloatTensor:$weight, MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    `` $projection $c_kv `,` $weight attr-dict `:` functional-type(operands, results)
  }];
}

def MLA_QueryToLatentOp : MLA_Op<"query_to_latent"> {
  let summary = "absorbs W_UK into the query: q_lat_i = q_nope_i · W_UK_iᵀ";
  let description = [{
    Moves each head's query into the latent space, so that
    `q_lat_i · c_KVᵀ = q_nope_i · (c_KV · W_UK_i)ᵀ = q_nope_i · k_nope_iᵀ`:
    `q_nope` [B, S, H, N] and W_UK [H, L, N] → [B, S, H, L].

    ```mlir
    %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
        : (tensor<4x1x128x128xbf16>, tensor<128x512x128xbf16>)
        -> tensor<4x1x128x512xbf16>
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$q_nope, MLA_FloatTensor:$w_uk,
                       MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    $q_nope `,` $w_uk attr-dict `:` functional-type(operands, results)
  }];
}

def MLA_LatentToValueOp : MLA_Op<"latent_to_value"> {
  let summary = "applies W_UV after latent attention: o_i = o_lat_i · W_UV_i";
  let description = [{
    `Σ_t p_t · (c_KV,t · W_UV_i) = (Σ_t p_t · c_KV,t) · W_UV_i`: the latent
    attention output [B, S, H, L] times W_UV [H, L, V] → [B, S, H, V].

    ```mlir
    %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
        : (tensor<4x1x128x512xbf16>, tensor<128x512x128xbf16>)
        -> tensor<4x1x128x128xbf16>
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$o_lat, MLA_FloatTensor:$w_uv,
                       MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    $o_lat `,` $w_uv attr-dict `:` functional-type(operands, results)
  }];
}

def MLA_FoldQueryWeightsOp : MLA_Op<"fold_query_weights"> {
  let summary = "folds W_UK into the query up-projection: per head [W_UQ_nope · W_UKᵀ | W_UQ_rope]";
  let description = [{
    The weight of a query projection that yields the latent query directly:
    for head i, `W'_i = [W_UQ_nope,i · W_UK,iᵀ | W_UQ_rope,i]`, so that
    `c · W'` splits into `q_lat` [.., L] and `q_pe` [.., R]. `w_uq` is
    [C, H·(N+R)] (C = q_lora_rank, or hidden without query compression),
    W_UK [H, L, N]; the result is [C, H·(L+R)]. A weight-preprocessing step,
    made by `mla-fold-weights` only when the cost model says the fold pays.

    ```mlir
    %w = mla.fold_query_weights %wuq, %wuk {config = #small}
        : (tensor<16x24xf32>, tensor<2x16x8xf32>) -> tensor<16x40xf32>
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$w_uq, MLA_FloatTensor:$w_uk,
                       MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    $w_uq `,` $w_uk attr-dict `:` functional-type(operands, results)
  }];
}

def MLA_FoldOutputWeightsOp : MLA_Op<"fold_output_weights"> {
  let summary = "folds W_UV into the output projection: W'[h·L + l, d] = Σ_v W_UV[h, l, v] · W_O[h·V + v, d]";
  let description = [{
    The weight of an output projection that reads the latent attention
    output directly: W_UV [H, L, V] and W_O [H·V, D] → [H·L, D]. A
    weight-preprocessing step, made by `mla-fold-weights` only when the cost
    model says the fold pays.

    ```mlir
    %w = mla.fold_output_weights %wuv, %wo {config = #small}
        : (tensor<2x16x8xf32>, tensor<16x32xf32>) -> tensor<32x32xf32>
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$w_uv, MLA_FloatTensor:$w_o,
                       MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    $w_uv `,` $w_o attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def MLA_DecompressedAttentionOp : MLA_Op<"decompressed_attention"> {
  let summary = "multi-head attention with decompressed keys and values (head dims N+R / V)";
  let description = [{
    Ordinary multi-head attention in DeepSeek's split form, per request b,
    query s, head i:

    ```
    score_t = scale · (q_nope[b,s,i] · k_nope[b,t,i] + q_pe[b,s,i] · k_pe[b,t])
    o[b,s,i] = Σ_t softmax_t(score) · v[b,t,i]      over the valid keys t
    ```

    `q_nope` [B, S, H, N], `q_pe` [B, S, H, R] (rotated), `k_nope`
    [B, T, H, N], `k_pe` [B, T, R] (rotated, shared by the heads), `v`
    [B, T, H, V], `kv_lens` [B] (i32) → [B, S, H, V]. Key t is valid for
    request b when `t < kv_lens[b]` and, with `causal`, `t ≤ kv_lens[b] - S + s`
    (the new tokens are the last S of the request). A query with no valid key
    yields zeros. The scale is the config's effective softmax scale. Softmax
    runs in f32.

    ```mlir
    %o = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
        lengths %lens causal {config = #v3}
        : (tensor<4x16x128x128xbf16>, tensor<4x16x128x64xbf16>,
           tensor<4x512x128x128xbf16>, tensor<4x512x64xbf16>,
           tensor<4x512x128x128xbf16>, tensor<4xi32>)
        -> tensor<4x16x128x128xbf16>
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$q_nope, MLA_FloatTensor:$q_pe,
                       MLA_FloatTensor:$k_nope, MLA_FloatTensor:$k_pe,
                       MLA_FloatTensor:$v, MLA_IndexTensor:$kv_lens,
                       UnitAttr:$causal, MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    $q_nope `,` $q_pe `,` $k_nope `,` $k_pe `,` $v `lengths` $kv_lens
    (`causal` $causal^)? attr-dict `:` functional-type(operands, results)
  }];
}

def MLA_LatentAttentionOp : MLA_Op<"latent_attention"> {
  let summary = "absorbed attention: one latent KV head (576/512) over the paged cache";
  let description = [{
    MQA over the paged latent cache, per request b, query s, head i:

    ```
    score_t = scale · (q_lat[b,s,i] · c_KV[b,t] + q_pe[b,s,i] · k_pe[b,t])
    o_lat[b,s,i] = Σ_t softmax_t(score) · c_KV[b,t]
    ```

    where `(c_KV, k_pe)[b, t]` is cache slot `block_table[b, t / G]`,
    `t mod G`. `q_lat` [B, S, H, L] (from `mla.query_to_latent`), `q_pe`
    [B, S, H, R] (rotated), cache [P, G, L+R], `block_table` [B, M],
    `kv_lens` [B] → `o_lat` [B, S, H, L]. Validity and `causal` as in
    `mla.decompressed_attention`; unused slots may hold anything, even NaN.
    The scale is the config's (that of the 192-dim head, not 576^-1/2).
    Each cached token is read once for all heads of its request.

    ```mlir
    %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens]
        {config = #v3}
        : (tensor<4x1x128x512xbf16>, tensor<4x1x128x64xbf16>,
           tensor<?x64x576xbf16>, tensor<4x?xi32>, tensor<4xi32>)
        -> tensor<4x1x128x512xbf16>
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$q_lat, MLA_FloatTensor:$q_pe,
                       MLA_FloatTensor:$cache, MLA_IndexTensor:$block_table,
                       MLA_IndexTensor:$kv_lens, UnitAttr:$causal,
                       MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    $q_lat `,` $q_pe `over` $cache `[` $block_table `,` $kv_lens `]`
    (`causal` $causal^)? attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Fused ops (created by mla-fuse-decode / mla-fuse-prefill)
//===----------------------------------------------------------------------===//

def MLA_FusedDecodeOp : MLA_Op<"fused_decode"> {
  let summary = "absorbed decode attention as one kernel: W_UK, latent attention with split-KV, W_UV";
  let description = [{
    `latent_to_value(latent_attention(query_to_latent(q_nope, W_UK), q_pe,
    cache[block_table, kv_lens]), W_UV)` as one unit, carrying the tiling the
    cost model chose. Scores and probabilities never leave the kernel; each
    cached token is read once for all heads of its request. With `splits` >
    1 each request's tokens are cut into that many contiguous parts whose
    partial outputs are merged by their log-sum-exp:

    ```
    o = Σ_k exp(lse_k − lse) · o_k,   lse = log Σ_k exp(lse_k)
    ```

    which equals the unsplit softmax. Operands as the ops it fuses: `q_nope`
    [B, S, H, N], `q_pe` [B, S, H, R] (rotated), W_UK [H, L, N], W_UV
    [H, L, V], the cache [P, G, L+R], `block_table` [B, M], `kv_lens` [B] →
    [B, S, H, V].

    ```mlir
    %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv)
        over %cache[%bt, %lens] causal
        tiling #mla.decode_tiling<splits = 2, block_tokens = 64, heads_per_block = 64, stages = 2>
        {config = #v3}
        : (tensor<4x1x128x128xbf16>, tensor<4x1x128x64xbf16>,
           tensor<128x512x128xbf16>, tensor<128x512x128xbf16>,
           tensor<?x64x576xbf16>, tensor<4x?xi32>, tensor<4xi32>)
        -> tensor<4x1x128x128xbf16>
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$q_nope, MLA_FloatTensor:$q_pe,
                       MLA_FloatTensor:$w_uk, MLA_FloatTensor:$w_uv,
                       MLA_FloatTensor:$cache, MLA_IndexTensor:$block_table,
                       MLA_IndexTensor:$kv_lens, UnitAttr:$causal,
                       MLA_DecodeTilingAttr:$tiling, MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    $q_nope `,` $q_pe `weights` `(` $w_uk `,` $w_uv `)`
    `over` $cache `[` $block_table `,` $kv_lens `]` (`causal` $causal^)?
    `tiling` $tiling attr-dict `:` functional-type(operands, results)
  }];
}

def MLA_FusedPrefillOp : MLA_Op<"fused_prefill"> {
  let summary = "decompressed prefill attention as one kernel: decompression GEMMs, flash attention, prefix-chunk merge";
  let description = [{
    `decompressed_attention(q_nope, q_pe, decompress key(c, W_UK), k_pe,
    decompress value(c, W_UV), kv_lens)` with `c, k_pe = cache.gather(cache
    [block_table, kv_lens])`, as one unit carrying its tiling. The cached
    keys are processed in chunks of `prefix_chunk` tokens, each attended to
    independently and merged by log-sum-exp (the chunked-prefill merge).
    Operands as `mla.fused_decode`; result [B, S, H, V].

    **Varlen.** With `query_starts(%qs)` each request has its own number of
    new tokens, packed as `mla.attention_block`'s varlen form packs them:
    `q_nope` [X, H, N], `q_pe` [X, H, R] and the result [X, H, V] hold
    every request's rows back to back, request b's being rows qs[b] ..
    qs[b + 1] (`query_starts` [B + 1], i32: qs[0] = 0, qs[B] = X, never
    decreasing; a request may have none). They are request b's last n_b =
    qs[b + 1] − qs[b] tokens: `kv_lens[b]` counts them. On the GPU one
    launch of the attention kernel serves every request (its CTAs find
    their request on the device, docs/prefill-kernel.md).

    ```mlir
    %o = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
        over %cache[%bt, %lens] query_starts(%qs) causal
        tiling #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096>
        {config = #v3}
        : (tensor<?x128x128xbf16>, tensor<?x128x64xbf16>,
           tensor<128x512x128xbf16>, tensor<128x512x128xbf16>,
           tensor<?x64x576xbf16>, tensor<4x64xi32>, tensor<4xi32>,
           tensor<5xi32>) -> tensor<?x128x128xbf16>
    ```

    ```mlir
    %o = mla.fused_prefill %q_nope, %q_pe weights(%wuk, %wuv)
        over %cache[%bt, %lens] causal
        tiling #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096>
        {config = #v3}
        : (tensor<1x4096x128x128xbf16>, tensor<1x4096x128x64xbf16>,
           tensor<128x512x128xbf16>, tensor<128x512x128xbf16>,
           tensor<?x64x576xbf16>, tensor<1x64xi32>, tensor<1xi32>)
        -> tensor<1x4096x128x128xbf16>
    ```
  }];
  let arguments = (ins MLA_FloatTensor:$q_nope, MLA_FloatTensor:$q_pe,
                       MLA_FloatTensor:$w_uk, MLA_FloatTensor:$w_uv,
                       MLA_FloatTensor:$cache, MLA_IndexTensor:$block_table,
                       MLA_IndexTensor:$kv_lens,
                       Optional<MLA_IndexTensor>:$query_starts,
                       UnitAttr:$causal, MLA_PrefillTilingAttr:$tiling,
                       MLA_ConfigAttr:$config);
  let results = (outs MLA_FloatTensor:$result);
  let assemblyFormat = [{
    $q_nope `,` $q_pe `weights` `(` $w_uk `,` $w_uv `)`
    `over` $cache `[` $block_table `,` $kv_lens `]`
    (`query_starts` `(` $query_starts^ `)`)? (`causal` $causal^)?
    `tiling` $tiling attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// Whether the new tokens are packed with `query_starts` (varlen).
    bool isVarlen() { return static_cast<bool>(getQueryStarts()); }
  }];
}

//===----------------------------------------------------------------------===//
// On buffers, inside the GPU pipeline
//===----------------------------------------------------------------------===//

def MLA_KernelFloatBuffer : MemRefOf<[F16, BF16]>;
def MLA_IndexBuffer : MemRefOf<[I32]>;

def MLA_DecodeKernelOp : Op<MLA_Dialect, "decode_kernel",
    [DeclareOpInterfaceMethods<MLA_ShapeSignatureOpInterface>]> {
  let summary = "the fused decode on buffers, before it becomes GPU kernels";
  let description = [{
    What `convert-mla-to-gpu` makes of an `mla.fused_decode`: the same
    computation on buffers — `q_nope` [B, S, H, N], `q_pe` [B, S, H, R],
    W_UK [H, L, N], W_UV [H, L, V], the paged `cache` [P, G, L+R] read
    through `block_table` [B, M] and `kv_lens` [B] — written into `output`
    [B, S, H, V], with the tiling the cost model chose (varlen, with
    `query_starts` [B + 1]: `q_nope`, `q_pe` and `output` [X, H, ·], as
    `mla.fused_prefill`'s). It lives between
    bufferization and `mla-gpu-expand-kernels`, which replaces it by the
    kernels' `gpu.launch`es (the two per-head products, the attention, the
    split combine); until then it declares its memory effects, so that
    buffer deallocation can reason about it (the kernels' NVVM ops declare
    none).

    ```mlir
    mla.decode_kernel %q_nope, %q_pe weights(%wuk, %wuv)
        over %cache[%bt, %lens] into %o causal
        tiling #mla.decode_tiling<splits = 2, block_tokens = 32, heads_per_block = 64, stages = 2>
        {config = #v3}
        : memref<4x1x128x128xbf16>, memref<4x1x128x64xbf16>,
          memref<128x512x128xbf16>, memref<128x512x128xbf16>,
          memref<?x64x576xbf16>, memref<4x?xi32>, memref<4xi32>,
          memref<4x1x128x128xbf16>
    ```
  }];
  let arguments = (ins
      Arg<MLA_KernelFloatBuffer, "", [MemRead]>:$q_nope,
      Arg<MLA_KernelFloatBuffer, "", [MemRead]>:$q_pe,
      Arg<MLA_KernelFloatBuffer, "", [MemRead]>:$w_uk,
      Arg<MLA_KernelFloatBuffer, "", [MemRead]>:$w_uv,
      Arg<MLA_KernelFloatBuffer, "", [MemRead]>:$cache,
      Arg<MLA_IndexBuffer, "", [MemRead]>:$block_table,
      Arg<MLA_IndexBuffer, "", [MemRead]>:$kv_lens,
      Arg<MLA_KernelFloatBuffer, "", [MemWrite]>:$output,
      UnitAttr:$causal, MLA_DecodeTilingAttr:$tiling, MLA_ConfigAttr:$config);
  let assemblyFormat = [{
    $q_nope `,` $q_pe `weights` `(` $w_uk `,` $w_uv `)` `over` $cache `[`
    $block_table `,` $kv_lens `]` `into` $output (`causal` $causal^)?
    `tiling` $tiling attr-dict `:` type($q_nope) `,` type($q_pe) `,`
    type($w_uk) `,` type($w_uv) `,` type($cache) `,` type($block_table) `,`
    type($kv_lens) `,` type($output)
  }];
  let hasVerifier = 1;
}

def MLA_PrefillKernelOp : Op<MLA_Dialect, "prefill_kernel",
    [DeclareOpInterfaceMethods<MLA_ShapeSignatureOpInterface>]> {
  let summary = "the fused prefill on buffers, before it becomes GPU kernels";
  let description = [{
    What `convert-mla-to-gpu` makes of an `mla.fused_prefill`: the same
    computation on buffers — `q_nope` [B, S, H, N], `q_pe` [B, S, H, R],
    W_UK [H, L, N], W_UV [H, L, V], the paged `cache` [P, G, L+R] read
    through `block_table` [B, M] and `kv_lens` [B] — written into `output`
    [B, S, H, V], with the tiling the cost model chose (varlen, with
    `query_starts` [B + 1]: `q_nope`, `q_pe` and `output` [X, H, ·], as
    `mla.fused_prefill`'s). It lives between
    bufferization and `mla-gpu-expand-kernels`, which replaces it by the
    gather of each request's cached latents, the two decompression GEMMs
    and the flash-attention kernel (docs/prefill-kernel.md); until then it
    declares its memory effects, so that buffer deallocation can reason
    about it.

    ```mlir
    mla.prefill_kernel %q_nope, %q_pe weights(%wuk, %wuv)
        over %cache[%bt, %lens] into %o causal
        tiling #mla.prefill_tiling<block_queries = 128, block_keys = 64, prefix_chunk = 4096>
        {config = #v3}
        : memref<1x4096x128x128xbf16>, memref<1x4096x128x64xbf16>,
          memref<128x512x128xbf16>, memref<128x512x128xbf16>,
          memref<?x64x576xbf16>, memref<1x?xi32>, memref<1xi32>,
          memref<1x4096x128x128xbf16>
    ```
  }];
  let arguments = (ins
      Arg<MLA_KernelFloatBuffer, "", [MemRead]>:$q_nope,
      Arg<MLA_KernelFloatBuffer, "", [MemRead]>:$q_pe,
      Arg<MLA_KernelFloatBuffer, "", [MemRead]>:$w_uk,
      Arg<MLA_KernelFloatBuffer, "", [MemRead]>:$w_uv,
      Arg<MLA_KernelFloatBuffer, "", [MemRead]>:$cache,
      Arg<MLA_IndexBuffer, "", [MemRead]>:$block_table,
      Arg<MLA_IndexBuffer, "", [MemRead]>:$kv_lens,
      Arg<Optional<MLA_IndexBuffer>, "", [MemRead]>:$query_starts,
      Arg<MLA_KernelFloatBuffer, "", [MemWrite]>:$output,
      UnitAttr:$causal, MLA_PrefillTilingAttr:$tiling, MLA_ConfigAttr:$config);
  let assemblyFormat = [{
    $q_nope `,` $q_pe `weights` `(` $w_uk `,` $w_uv `)` `over` $cache `[`
    $block_table `,` $kv_lens `]` (`query_starts` `(` $query_starts^ `)`)?
    `into` $output (`causal` $causal^)?
    `tiling` $tiling attr-dict `:` type(operands)
  }];
  let extraClassDeclaration = [{
    /// Whether the new tokens are packed with `query_starts` (varlen).
    bool isVarlen() { return static_cast<bool>(getQueryStarts()); }
  }];
  let hasVerifier = 1;
}

def MLA_RowsFloatBuffer : MemRefOf<[F16, BF16, F32]>;

def MLA_RopeKernelOp : Op<MLA_Dialect, "rope_kernel",
    [DeclareOpInterfaceMethods<MLA_ShapeSignatureOpInterface>]> {
  let summary = "RoPE on buffers, before it becomes the `rope` rows kernel";
  let description = [{
    What `convert-mla-to-gpu` (row-kernels) makes of an `mla.rope`: `input`
    [B, S, H, R] (or [B, S, R]) rotated pair by pair at `positions` [B, S]
    with the config's theta, pairing style and YaRN, written into `result`
    of the same shape. Each input element is first rounded to the result's
    element type: an f32 product (the kv down-projection's k_pe columns) is
    rounded as the block's IR rounds it before its rope. Rows may be strided
    (the q_pe columns of the query product are read in place); the last
    dimension is contiguous.

    `mla-gpu-expand-kernels` makes it the `rope` kernel
    (lib/Conversion/MLAToGPU/RowKernels.cpp): a CTA per (token, group of
    heads), a thread per (pair, head); each thread computes its pair's
    cos/sin once, with the reference lowering's code
    (include/mla/Dialect/MLA/Utils/Rope.h).

    ```mlir
    mla.rope_kernel %q, %positions into %q_pe {config = #v3}
        : memref<4x1x128x64xbf16, strided<[24576, 24576, 192, 1], offset: 128>>,
          memref<4x1xi32> into memref<4x1x128x64xbf16>
    ```
  }];
  let arguments = (ins
      Arg<MLA_RowsFloatBuffer, "", [MemRead]>:$input,
      Arg<MLA_IndexBuffer, "", [MemRead]>:$positions,
      Arg<MLA_RowsFloatBuffer, "", [MemWrite]>:$result, MLA_ConfigAttr:$config);
  let assemblyFormat = [{
    $input `,` $positions `into` $result attr-dict `:` type($input) `,`
    type($positions) `into` type($result)
  }];
  let hasVerifier = 1;
}

def MLA_KVAppendKernelOp : Op<MLA_Dialect, "kv_append_kernel",
    [DeclareOpInterfaceMethods<MLA_ShapeSignatureOpInterface>]> {
  let summary = "the kv down-projection's epilogue on buffers: normalise c_KV, rotate k_pe, write both into their page";
  let description = [{
    What `convert-mla-to-gpu` (gemms, row-kernels) makes of `mla.kv_compress`
    → `mla.rope` of its k_pe → `mla.cache.append`: `kv` [B, S, L+R] is the
    down-projection's product (f32 from the library GEMM); for request b and
    new token s, the slot of logical position `t = seq_lens[b] - S + s`
    (page `block_table[b, t / G]`, slot `t mod G` of `cache` [P, G, L+R])
    receives

      `[RMSNorm(kv[b, s, :L]) · norm | RoPE(kv[b, s, L:], positions[b, s])]`

    in the cache's element type: the norm in f32 (`epsilon`), the k_pe
    columns rounded to the cache's type before their rotation (as the
    block's IR rounds kv_compress's k_pe). A token whose position lies before
    0 or beyond its block table row, or whose table entry names no page of
    the cache, writes nothing (the runtime checks of the CPU path are not
    made on the GPU: docs/gpu.md).

    `mla-gpu-expand-kernels` makes it the `kv_append` kernel
    (lib/Conversion/MLAToGPU/RowKernels.cpp): a warp per new token.

    ```mlir
    mla.kv_append_kernel %kv, %kv_norm, %positions into %cache[%bt, %lens]
        {config = #v3, epsilon = 1.0e-06 : f64}
        : memref<4x1x576xf32>, memref<512xbf16>, memref<4x1xi32>
          into memref<?x64x576xbf16>, memref<4x?xi32>, memref<4xi32>
    ```
  }];
  let arguments = (ins
      Arg<MLA_RowsFloatBuffer, "", [MemRead]>:$kv,
      Arg<MLA_RowsFloatBuffer, "", [MemRead]>:$norm,
      Arg<MLA_IndexBuffer, "", [MemRead]>:$positions,
      Arg<MLA_RowsFloatBuffer, "", [MemWrite]>:$cache,
      Arg<MLA_IndexBuffer, "", [MemRead]>:$block_table,
      Arg<MLA_IndexBuffer, "", [MemRead]>:$seq_lens, MLA_ConfigAttr:$config,
      F64Attr:$epsilon);
  let assemblyFormat = [{
    $kv `,` $norm `,` $positions `into` $cache `[` $block_table `,` $seq_lens
    `]` attr-dict `:` type($kv) `,` type($norm) `,` type($positions) `into`
    type($cache) `,` type($block_table) `,` type($seq_lens)
  }];
  let hasVerifier = 1;
}

#endif // MLA_DIALECT_MLA_IR_MLAOPS_TD
