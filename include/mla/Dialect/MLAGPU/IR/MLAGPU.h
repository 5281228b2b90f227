//===- MLAGPU.h - The mla_gpu kernel dialect --------------------*- C++ -*-===//
//
// Declarations of the mla_gpu dialect, its enum and operations, generated
// from the .td files beside this header.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLAGPU_IR_MLAGPU_H
#define MLA_DIALECT_MLAGPU_IR_MLAGPU_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "mla/Dialect/MLAGPU/IR/MLAGPUOpsDialect.h.inc"

#include "mla/Dialect/MLAGPU/IR/MLAGPUEnums.h.inc"

#define GET_OP_CLASSES
#include "mla/Dialect/MLAGPU/IR/MLAGPUOps.h.inc"

#endif // MLA_DIALECT_MLAGPU_IR_MLAGPU_H
