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
#include "mlir/IR/Matchers.h"
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
// Named shared buffers
//===----------------------------------------------------------------------===//

static bool inWorkgroupMemory(MemRefType type) {
  auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(type.getMemorySpace());
  return space && space.getValue() == gpu::AddressSpace::Workgroup;
}

/// The row width in bytes a swizzle mode permutes within (0 for none).
static int64_t swizzleBytes(Swizzle swizzle) {
  switch (swizzle) {
  case Swizzle::None:
    return 0;
  case Swizzle::B32:
    return 32;
  case Swizzle::B64:
    return 64;
  case Swizzle::B128:
    return 128;
  }
  llvm_unreachable("unknown swizzle");
}

LogicalResult SharedMemoryOp::verify() {
  int64_t align = getAlign();
  if (align < 16 || align > 1024 || !llvm::isPowerOf2_64(align))
    return emitOpError("expects align to be a power of two in [16, 1024], "
                       "found ")
           << align;
  MemRefType type = getMemory().getType();
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      !inWorkgroupMemory(type))
    return emitOpError("expects a static memref of i8 in workgroup (shared) "
                       "memory with the identity layout, found ")
           << type;
  int64_t size = type.getDimSize(0);
  // The buffers carved from it: inside it, not overlapping.
  SmallVector<SharedBufferOp> buffers;
  for (Operation *user : getMemory().getUsers())
    if (auto buffer = dyn_cast<SharedBufferOp>(user))
      buffers.push_back(buffer);
  llvm::sort(buffers, [](SharedBufferOp x, SharedBufferOp y) {
    return x.getOffset() < y.getOffset();
  });
  for (auto [i, buffer] : llvm::enumerate(buffers)) {
    int64_t end = buffer.getOffset() + buffer.getBytes();
    if (end > size)
      return emitOpError("expects buffer \"")
             << buffer.getName() << "\" (bytes [" << buffer.getOffset()
             << ", " << end << ")) to lie within its " << size << " bytes";
    if (i + 1 < buffers.size() && end > buffers[i + 1].getOffset())
      return emitOpError("expects buffers \"")
             << buffer.getName() << "\" (bytes [" << buffer.getOffset()
             << ", " << end << ")) and \"" << buffers[i + 1].getName()
             << "\" (from byte " << buffers[i + 1].getOffset()
             << ") not to overlap";
  }
  // The launch's dynamic shared memory holds it after the alignment.
  if (auto launch = (*this)->getParentOfType<gpu::LaunchOp>()) {
    if (Value bytes = launch.getDynamicSharedMemorySize()) {
      APInt given;
      if (matchPattern(bytes, m_ConstantInt(&given)) &&
          given.getSExtValue() < size + align - 16)
        return emitOpError("expects the launch's dynamic shared memory (")
               << given.getSExtValue() << " bytes) to hold " << size
               << " bytes from a " << align << "-byte boundary ("
               << size + align - 16 << " bytes)";
    }
  }
  return success();
}

int64_t SharedBufferOp::getBytes() {
  MemRefType type = getBuffer().getType();
  return type.getNumElements() *
         llvm::divideCeil(type.getElementTypeBitWidth(), 8);
}

LogicalResult SharedBufferOp::verify() {
  MemRefType type = getBuffer().getType();
  if (!type.getLayout().isIdentity() || !inWorkgroupMemory(type) ||
      type.getRank() == 0 || !type.getElementType().isIntOrFloat())
    return emitOpError("expects a ranked memref of integers or floats in "
                       "workgroup (shared) memory with the identity layout, "
                       "found ")
           << type;
  if (type.getMemorySpace() != getMemory().getType().getMemorySpace())
    return emitOpError("expects the buffer in its memory's address space");
  if (getOffset() % 16 != 0)
    return emitOpError("expects the offset to be a multiple of 16, found ")
           << getOffset();
  if (getName().empty())
    return emitOpError("expects a name");
  if (int64_t width = swizzleBytes(getSwizzle())) {
    int64_t rowBytes = type.getShape().back() *
                       llvm::divideCeil(type.getElementTypeBitWidth(), 8);
    if (rowBytes != width)
      return emitOpError("expects rows of ")
             << width << " bytes (the last dimension) for swizzle "
             << stringifySwizzle(getSwizzle()) << ", found " << rowBytes;
    if (getOffset() % 1024 != 0)
      return emitOpError("expects a swizzled buffer at a multiple of 1024 "
                         "bytes, found ")
             << getOffset();
    auto memory = getMemory().getDefiningOp<SharedMemoryOp>();
    if (memory && memory.getAlign() < 1024)
      return emitOpError("expects a swizzled buffer's memory aligned to "
                         "1024 bytes, found align ")
             << memory.getAlign();
  }
  return success();
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
