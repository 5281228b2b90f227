//===- MLAInterfaces.td - Interfaces of the mla dialect ----*- tablegen -*-===//
//
// The shape signatures of the mla ops, one place that both the verifiers and
// the runtime checks of dynamic sizes (mla-insert-shape-checks) read.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLA_IR_MLAINTERFACES_TD
#define MLA_DIALECT_MLA_IR_MLAINTERFACES_TD

include "mlir/IR/OpBase.td"

def MLA_ShapeSignatureOpInterface : OpInterface<"ShapeSignatureOpInterface"> {
  let description = [{
    An op whose operands and results have shape signatures: a letter per
    dimension (`B` batch, `S` new tokens, `H` heads, ... as listed in
    MLAOps.td), every dimension of one letter the same size, the config's
    letters (`D`, `H`, `Q`, `L`, `N`, `R`, `V` and the compounds `H*(N+R)`,
    `L+R`, `H*V`) the config's sizes. A letter starting with `_` is free.
    The verifier checks what the types say statically;
    `mla-insert-shape-checks` checks the dynamic sizes when the program runs.
  }];
  let cppNamespace = "::mlir::mla";
  let methods = [
    InterfaceMethod<[{
        The signature of each operand and result that has one, in the order
        the verifier checks them (the first of a letter is the reference the
        others are compared with).
      }],
      "::llvm::SmallVector<::mlir::mla::ShapeSpec>", "getShapeSignature">,
  ];
}

#endif // MLA_DIALECT_MLA_IR_MLAINTERFACES_TD
