//===- MLAGPUEnums.td - Enums of the mla_gpu dialect -------*- tablegen -*-===//
//
// Choices a kernel makes explicit in its IR: the swizzle of a shared-memory
// operand.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLAGPU_IR_MLAGPUENUMS_TD
#define MLA_DIALECT_MLAGPU_IR_MLAGPUENUMS_TD

include "mlir/IR/EnumAttr.td"

def MLAGPU_Swizzle : I32EnumAttr<"Swizzle",
    "how a shared-memory operand's 16-byte chunks are permuted", [
    I32EnumAttrCase<"None", 0, "none">,
    I32EnumAttrCase<"B32", 1, "b32">,
    I32EnumAttrCase<"B64", 2, "b64">,
    I32EnumAttrCase<"B128", 3, "b128">
  ]> {
  let cppNamespace = "::mlir::mla_gpu";
  let description = [{
    The layouts wgmma (and TMA) read: with `bN` swizzling, 16-byte chunk c of
    row r of an N-byte-wide atom is stored at chunk c ⊕ (r mod N/16); `none`
    is the interleaved (8×16-byte core matrix) layout.
  }];
}

def MLAGPU_GemmBackend : I32EnumAttr<"GemmBackend",
    "what computes an mla_gpu.gemm", [
    I32EnumAttrCase<"CublasLt", 0, "cublaslt">
  ]> {
  let cppNamespace = "::mlir::mla_gpu";
  let description = [{
    `cublaslt`: NVIDIA's cuBLASLt, opened by the runtime with dlopen (no
    link-time dependency; a clear error naming the library where it is
    absent), its algorithm chosen by its heuristics once per shape.
  }];
}

def MLAGPU_BadInput : I32EnumAttr<"BadInput",
    "what is wrong with an input a kernel checked", [
    I32EnumAttrCase<"AttentionPage", 1, "attention_page">,
    I32EnumAttrCase<"AttentionLength", 2, "attention_length">,
    I32EnumAttrCase<"AppendPage", 3, "append_page">,
    I32EnumAttrCase<"AppendLength", 4, "append_length">,
    I32EnumAttrCase<"AppendBeforeStart", 5, "append_before_start">,
    I32EnumAttrCase<"PrefillPage", 6, "prefill_page">,
    I32EnumAttrCase<"PrefillLength", 7, "prefill_length">,
    I32EnumAttrCase<"PrefillQueryStarts", 8, "prefill_query_starts">,
    I32EnumAttrCase<"PrefillNewTokens", 9, "prefill_new_tokens">
  ]> {
  let cppNamespace = "::mlir::mla_gpu";
  let description = [{
    The runtime's message for each (lib/Runtime/CUDA, docs/gpu.md), with the
    request, the value and its limit: `attention_page` a block-table entry
    of a cached position that names no page of the cache (value: the entry,
    limit: the page count), `attention_length` a sequence length outside
    [0, its table row's capacity] (limit: pages per request · page size),
    `append_page` the same for a new token's page, `append_length` a new
    token's position past its table row (value: the position), and
    `append_before_start` a sequence length smaller than the new tokens it
    includes (value: the length, limit: the new tokens); `prefill_page` and
    `prefill_length` as the attention's, found by the prefill's gather of
    the cached latents; a varlen prefill's `prefill_query_starts` an entry
    qs[b + 1] of `query_starts` below qs[b] or past the packed rows, qs[0]
    not 0 or qs[B] not the rows (value: the entry, limit: the rows), and
    `prefill_new_tokens` a sequence length smaller than the request's new
    tokens (value: the length, limit: the new tokens).
  }];
}

#endif // MLA_DIALECT_MLAGPU_IR_MLAGPUENUMS_TD
