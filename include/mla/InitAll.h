//===- InitAll.h - Register everything mla provides -------------*- C++ -*-===//
//
// One place that knows every dialect, pass and pipeline of mla, for tools.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_INITALL_H
#define MLA_INITALL_H

#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLA/Transforms/Passes.h"
#include "mla/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"

namespace mlir::mla {

/// The mla dialect and the upstream dialects mla programs are written with.
inline void registerAllMLADialects(DialectRegistry &registry) {
  registry.insert<MLADialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect>();
}

/// Every mla pass and pipeline.
inline void registerAllMLAPasses() {
  registerMLAPasses();
  registerMLAPipelines();
}

} // namespace mlir::mla

#endif // MLA_INITALL_H
