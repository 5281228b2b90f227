//===- MLAGPUDialect.cpp - The mla_gpu kernel dialect -----------*- C++ -*-===//
//
// Registers the mla_gpu operations and verifies what ODS cannot say: the
// descriptor offsets' range, and that warpgroup accumulators are f32
// register structs (the check the fence's and wait's ODS verifiers call).
//
//===----------------------------------------------------------------------===//

#include "mla/Dialect/MLAGPU/IR/MLAGPU.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::mla_gpu;

#include "mla/Dialect/MLAGPU/IR/MLAGPUOpsDialect.cpp.inc"

#include "mla/Dialect/MLAGPU/IR/MLAGPUEnums.cpp.inc"

/// The fence's and the wait's check (their verifiers are in ODS,
/// MLAGPU_AccumulatorOp): each accumulator is a non-empty literal struct of
/// f32 registers, what nvvm.wgmma.mma_async takes with f32 accumulation.
static LogicalResult verifyAccumulators(Operation *op, ValueRange values) {
  for (auto [i, value] : llvm::enumerate(values)) {
    auto type = dyn_cast<LLVM::LLVMStructType>(value.getType());
    bool ok = type && !type.isIdentified() && !type.getBody().empty() &&
              llvm::all_of(type.getBody(),
                           [](Type field) { return field.isF32(); });
    if (!ok)
      return op->emitOpError("expects accumulator #")
             << i << " to be a literal struct of f32 registers, found "
             << value.getType();
  }
  return success();
}

#define GET_OP_CLASSES
#include "mla/Dialect/MLAGPU/IR/MLAGPUOps.cpp.inc"

void MLAGPUDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mla/Dialect/MLAGPU/IR/MLAGPUOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Descriptors
//===----------------------------------------------------------------------===//

LogicalResult WarpgroupDescriptorOp::verify() {
  // 14-bit fields of 16-byte units.
  constexpr int64_t kLimit = int64_t(1) << 18;
  for (auto [name, bytes] : {std::pair<StringRef, int64_t>{"leading", getLeading()},
                             {"stride", getStride()}}) {
    if (bytes < 0 || bytes >= kLimit || bytes % 16 != 0)
      return emitOpError("expects the ")
             << name << " offset to be a multiple of 16 in [0, " << kLimit
             << "), found " << bytes;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Tile MMA
//===----------------------------------------------------------------------===//

int64_t WarpgroupMmaOp::getN() {
  return 2 * static_cast<int64_t>(
                 cast<LLVM::LLVMStructType>(getAccumulator().getType())
                     .getBody()
                     .size());
}

int64_t WarpgroupMmaOp::getStepOffset(ArrayRef<int64_t> advance, int64_t k) {
  return (k / advance[1]) * advance[2] + (k % advance[1]) * advance[0];
}

LogicalResult WarpgroupMmaOp::verify() {
  if (failed(verifyAccumulators(*this, getAccumulator())))
    return failure();
  int64_t n = getN();
  if (n < 8 || n > 256 || n % 8 != 0)
    return emitOpError("expects the accumulator to hold N / 2 registers for "
                       "an N in [8, 256] that is a multiple of 8, found ")
           << n / 2;
  if (!getElement().isBF16() && !getElement().isF16())
    return emitOpError("expects element bf16 or f16, found ") << getElement();
  // Every step's descriptor: its start address field (14 bits of 16-byte
  // units) must not carry.
  constexpr int64_t kLimit = int64_t(1) << 18;
  for (auto [name, advance] :
       {std::pair<StringRef, ArrayRef<int64_t>>{"a_advance", getAAdvance()},
        {"b_advance", getBAdvance()}}) {
    if (advance.size() != 3)
      return emitOpError("expects ")
             << name << " to be [step, steps per atom, atom], found "
             << advance.size() << " values";
    if (advance[0] <= 0 || advance[0] % 16 != 0 || advance[1] <= 0 ||
        advance[2] < 0 || advance[2] % 16 != 0)
      return emitOpError("expects ")
             << name
             << " step and atom to be multiples of 16 bytes and steps per "
                "atom positive, found ["
             << advance[0] << ", " << advance[1] << ", " << advance[2] << "]";
    int64_t last = getStepOffset(advance, getSteps() - 1);
    if (last >= kLimit)
      return emitOpError("expects ")
             << name << " to keep every step within 2^18 bytes, the last at "
             << last;
  }
  return success();
}

LogicalResult WarpMmaOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr, OpaqueProperties properties, RegionRange,
    SmallVectorImpl<Type> &types) {
  // The accumulators pass through: one result per accumulator operand, the
  // operands after the two memrefs and their indices.
  WarpMmaOp::Adaptor adaptor(operands, DictionaryAttr(), properties, {});
  llvm::append_range(types, adaptor.getAccumulators().getTypes());
  return success();
}

LogicalResult WarpMmaOp::verify() {
  for (auto [name, memref, indices] :
       {std::tuple<StringRef, Value, ValueRange>{"a", getA(), getAIndices()},
        {"b", getB(), getBIndices()}}) {
    auto type = cast<MemRefType>(memref.getType());
    auto space =
        dyn_cast_or_null<gpu::AddressSpaceAttr>(type.getMemorySpace());
    if (!space || space.getValue() != gpu::AddressSpace::Workgroup)
      return emitOpError("expects ")
             << name << " in workgroup (shared) memory, found " << type;
    if (type.getRank() < 2 ||
        static_cast<int64_t>(indices.size()) != type.getRank())
      return emitOpError("expects ")
             << name << " of rank 2 or more with one index per dimension, found "
             << type << " and " << indices.size() << " indices";
    if (!type.getElementType().isBF16() && !type.getElementType().isF16())
      return emitOpError("expects ")
             << name << " of bf16 or f16, found " << type.getElementType();
  }
  if (getA().getType().getElementType() != getB().getType().getElementType())
    return emitOpError("expects a and b of one element type, found ")
           << getA().getType().getElementType() << " and "
           << getB().getType().getElementType();
  if (getK() % 16 != 0)
    return emitOpError("expects k to be a multiple of 16, found ") << getK();
  size_t fragments = getAccumulators().size();
  if (fragments == 0 || fragments % 2 != 0)
    return emitOpError("expects an even, non-zero number of C fragments (N a "
                       "multiple of 16), found ")
           << fragments;
  return success();
}

//===----------------------------------------------------------------------===//
// Split-KV combine
//===----------------------------------------------------------------------===//

LogicalResult CombineSplitsOp::verify() {
  ArrayRef<int64_t> partial = getPartial().getType().getShape();
  ArrayRef<int64_t> lse = getLse().getType().getShape();
  for (int64_t dim = 0; dim < 3; ++dim)
    if (!ShapedType::isDynamic(partial[dim]) &&
        !ShapedType::isDynamic(lse[dim]) && partial[dim] != lse[dim])
      return emitOpError("expects lse dim ")
             << dim << " to be partial's " << partial[dim] << ", found "
             << lse[dim];
  if (!getCount() && ShapedType::isDynamic(partial[2]))
    return emitOpError("expects a count when the number of splits (partial "
                       "dim 2) is dynamic");
  return success();
}
