//===- MLA.h - The mla dialect ----------------------------------*- C++ -*-===//
//
// Declarations of the mla dialect, its enums, attributes and operations, all
// generated from the .td files beside this header.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLA_IR_MLA_H
#define MLA_DIALECT_MLA_IR_MLA_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>

#include "mla/Dialect/MLA/IR/MLAOpsDialect.h.inc"

#include "mla/Dialect/MLA/IR/MLAEnums.h.inc"

#include "mla/Dialect/MLA/IR/MLATarget.h"
#include "mla/Dialect/MLA/IR/ShapeSignature.h"

#define GET_ATTRDEF_CLASSES
#include "mla/Dialect/MLA/IR/MLAAttrs.h.inc"

#include "mla/Dialect/MLA/IR/MLAInterfaces.h.inc"

#define GET_OP_CLASSES
#include "mla/Dialect/MLA/IR/MLAOps.h.inc"

#endif // MLA_DIALECT_MLA_IR_MLA_H
