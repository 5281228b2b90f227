//===- mla-opt.cpp - The mla optimizer driver -------------------*- C++ -*-===//
//
// MlirOptMain with the mla dialect, the upstream dialects mla programs use,
// and every mla pass and pipeline.
//
//===----------------------------------------------------------------------===//

#include "mla/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::mla::registerAllMLADialects(registry);
  mlir::mla::registerAllMLAPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "mla optimizer driver\n", registry));
}
