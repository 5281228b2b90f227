//===- Passes.h - Transformations of the mla dialect ------------*- C++ -*-===//
//
// Declarations of the mla transformation passes, generated from Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLA_TRANSFORMS_PASSES_H
#define MLA_DIALECT_MLA_TRANSFORMS_PASSES_H

#include "mla/Dialect/MLA/IR/MLA.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::mla {

/// The values of pass options that name a choice, where `auto` defers it
/// to the target (enum-typed: the option parser lists and checks them).
/// mla-select-phase's `force`: each attention's form.
enum class PhaseChoice { Auto, Prefill, Decode };
/// mla-fuse-decode's `mma`: the decode kernel's tensor-core instructions.
enum class MmaChoice { Auto, Sync, Warpgroup };
/// mla-fuse-decode's `loads`: how the decode kernel brings KV tiles in.
enum class LoadsChoice { Auto, AsyncCopy, Tma };
/// Whether the prefill kernel is warp-specialised: the cost model's choice,
/// or forced off or on.
enum class ProducerChoice { Auto, Off, On };

#define GEN_PASS_DECL
#include "mla/Dialect/MLA/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mla/Dialect/MLA/Transforms/Passes.h.inc"

} // namespace mlir::mla

#endif // MLA_DIALECT_MLA_TRANSFORMS_PASSES_H
