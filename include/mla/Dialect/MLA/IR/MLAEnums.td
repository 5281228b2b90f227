//===- MLAEnums.td - Enums of the mla dialect ---------------*- tablegen -*-===//
//
// Choices that the IR makes explicit: the phase a block runs in, the RoPE
// pairing, which half of kv_b_proj a decompression applies.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLA_IR_MLAENUMS_TD
#define MLA_DIALECT_MLA_IR_MLAENUMS_TD

include "mlir/IR/EnumAttr.td"

def MLA_Phase : I32EnumAttr<"Phase", "inference phase of an attention block", [
    I32EnumAttrCase<"Prefill", 0, "prefill">,
    I32EnumAttrCase<"Decode", 1, "decode">
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::mla";
  let description = [{
    `prefill`: many new tokens per request (the decompressed form usually
    wins); `decode`: one or a few new tokens per request against a long cache
    (the absorbed form wins). Read by the phase-specialising passes.
  }];
}

def MLA_RopeStyle : I32EnumAttr<"RopeStyle", "how RoPE pairs the rope dims", [
    I32EnumAttrCase<"Interleaved", 0, "interleaved">,
    I32EnumAttrCase<"Half", 1, "half">
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::mla";
  let description = [{
    `interleaved`: rotates pairs (x0, x1), (x2, x3), ... (GPT-J style; what
    DeepSeek's reference inference code does). `half`: rotates (x_i,
    x_{i+d/2}) (GPT-NeoX style, what HF transformers' port computes after
    permuting the weights).
  }];
}

def MLA_Projection : I32EnumAttr<"Projection",
    "which half of kv_b_proj a decompression applies", [
    I32EnumAttrCase<"Key", 0, "key">,
    I32EnumAttrCase<"Value", 1, "value">
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::mla";
}

def MLA_MmaKind : I32EnumAttr<"MmaKind",
    "which tensor-core instructions a decode kernel is built from", [
    I32EnumAttrCase<"Sync", 0, "sync">,
    I32EnumAttrCase<"Warpgroup", 1, "warpgroup">
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::mla";
  let description = [{
    `sync`: warp-level `mma.sync` m16n8k16 with ldmatrix fragments (sm_80
    and newer). `warpgroup`: warpgroup-level `wgmma.mma_async` m64nNk16 with
    both operands read from 128B-swizzled shared memory (sm_90a).
  }];
}

def MLA_DecodeSchedule : I32EnumAttr<"DecodeSchedule",
    "how a split decode kernel deals the cached tokens to its CTAs", [
    I32EnumAttrCase<"Even", 0, "even">,
    I32EnumAttrCase<"Balanced", 1, "balanced">
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::mla";
  let description = [{
    `even`: each request's tokens are cut into `splits` equal parts, one CTA
    each, whatever the request's length. `balanced`: scheduling metadata
    computed on the device from the lengths (FlashMLA's idea) gives every
    CTA at most ceil(total tiles / (batch · splits)) tiles, so that long
    requests get more CTAs than short ones and uneven batches finish
    together.
  }];
}

def MLA_DecodeLoads : I32EnumAttr<"DecodeLoads",
    "how a decode kernel moves its KV tiles into shared memory", [
    I32EnumAttrCase<"AsyncCopy", 0, "async_copy">,
    I32EnumAttrCase<"Tma", 1, "tma">
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::mla";
  let description = [{
    `async_copy`: every thread issues 16-byte `cp.async` copies of token
    rows, found through the block table, and the CTA waits on cp.async
    groups (sm_80 and newer). `tma`: one thread issues Tensor Memory
    Accelerator copies of whole pages (or of a tile's part of one) that
    complete on an mbarrier per stage (sm_90; the wgmma kernel only).
  }];
}

#endif // MLA_DIALECT_MLA_IR_MLAENUMS_TD
