//===- Passes.td - Conversions out of the mla dialect -------*- tablegen -*-===//
//
// Passes that lower mla ops to other dialects.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_CONVERSION_PASSES_TD
#define MLA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMLAToLinalg : Pass<"convert-mla-to-linalg"> {
  let summary = "Lower every mla op to linalg, tensor, arith, math, scf and cf";
  let description = [{
    The reference semantics of the dialect, on tensors: every mla op becomes
    linalg.generic contractions and elementwise maps (f32 arithmetic whatever
    the element type: f16/bf16 operands are extended on entry and results
    truncated on exit), tensor slices and reshapes, and — for the cache
    update — an scf.forall of tensor.parallel_insert_slice with runtime checks
    (cf.assert) that every new token lands inside its block table.
    `mla.attention_block` is first decomposed (the `mla-decompose` patterns).

    Contract: afterwards no mla op remains; the pass fails, naming the op,
    otherwise. The output is the input of any linalg-on-tensors pipeline
    (CPU: `mla-cpu-pipeline`).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::cf::ControlFlowDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // MLA_CONVERSION_PASSES_TD
