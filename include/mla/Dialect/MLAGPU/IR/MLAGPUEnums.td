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

#endif // MLA_DIALECT_MLAGPU_IR_MLAGPUENUMS_TD
