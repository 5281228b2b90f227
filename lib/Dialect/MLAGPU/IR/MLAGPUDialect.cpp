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
    auto fragment = dyn_cast<VectorType>(value.getType());
    ok |= fragment && fragment.getShape() == ArrayRef<int64_t>{2, 2} &&
          fragment.getElementType().isF32();
    if (!ok)
      return op->emitOpError("expects accumulator #")
             << i
             << " to be a literal struct of f32 registers or a C fragment "
                "(vector<2x2xf32>), found "
             << value.getType();
  }
  return success();
}

/// The results of an `async` warpgroup MMA are in flight: only a
/// warpgroup.wait that ties them may read them.
static LogicalResult verifyInFlight(Operation *op, bool async) {
  if (!async)
    return success();
  for (Operation *user : op->getUsers())
    if (!isa<WarpgroupWaitOp>(user))
      return op->emitOpError("expects the results of an async MMA to be read "
                             "only through mla_gpu.warpgroup.wait, found a "
                             "use by ")
             << user->getName();
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
    if (i + 1 < buffers.size() &&
        end > static_cast<int64_t>(buffers[i + 1].getOffset()))
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
// Tile loads
//===----------------------------------------------------------------------===//

/// A load's destination: a shared buffer of the source's element type with
/// one index per dimension (when indices are given), laid out as `swizzle`
/// says — and as its shared_buffer says, when it is one.
static LogicalResult verifyDestination(Operation *op, Value buffer,
                                       Type element, Swizzle swizzle) {
  auto type = cast<MemRefType>(buffer.getType());
  if (!inWorkgroupMemory(type))
    return op->emitOpError("expects the buffer in workgroup (shared) memory, "
                           "found ")
           << type;
  if (type.getElementType() != element)
    return op->emitOpError("expects the buffer's element type to be ")
           << element << ", found " << type.getElementType();
  if (swizzle != Swizzle::None && swizzle != Swizzle::B128)
    return op->emitOpError("expects swizzle none or b128, found ")
           << stringifySwizzle(swizzle);
  if (auto named = buffer.getDefiningOp<SharedBufferOp>())
    if (named.getSwizzle() != swizzle)
      return op->emitOpError("expects swizzle ")
             << stringifySwizzle(swizzle) << " as buffer \"" << named.getName()
             << "\" is laid out, found " << stringifySwizzle(named.getSwizzle());
  return success();
}

static bool isTwoByteFloat(Type type) { return type.isBF16() || type.isF16(); }

LogicalResult LoadTileOp::verify() {
  auto source = cast<MemRefType>(getSource().getType());
  auto buffer = cast<MemRefType>(getBuffer().getType());
  if (source.getRank() != 2 || getSourceIndices().size() != 2)
    return emitOpError("expects a 2-d source with two indices, found ")
           << source << " and " << getSourceIndices().size() << " indices";
  if (inWorkgroupMemory(source))
    return emitOpError("expects the source outside shared memory");
  if (!isTwoByteFloat(source.getElementType()))
    return emitOpError("expects a source of bf16 or f16, found ")
           << source.getElementType();
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(source.getStridesAndOffset(strides, offset)) ||
      strides.back() != 1)
    return emitOpError("expects a source with unit stride in its last "
                       "dimension, found ")
           << source;
  if (static_cast<int64_t>(getBufferIndices().size()) != buffer.getRank())
    return emitOpError("expects one buffer index per dimension, found ")
           << getBufferIndices().size() << " for " << buffer;
  if (getCols() % 8 != 0)
    return emitOpError("expects cols to be a multiple of 8 (16-byte "
                       "copies), found ")
           << getCols();
  if (failed(verifyDestination(*this, getBuffer(), source.getElementType(),
                               getSwizzle())))
    return failure();
  if (getSwizzle() == Swizzle::B128) {
    if (buffer.getRank() < 3 || buffer.getShape().back() != 64)
      return emitOpError("expects a b128-swizzled buffer of [..., atoms, "
                         "rows, 64], found ")
             << buffer;
    return success();
  }
  ArrayRef<int64_t> shape = buffer.getShape();
  if (shape.size() < 2 ||
      shape[shape.size() - 2] < static_cast<int64_t>(getRows()) ||
      shape.back() < static_cast<int64_t>(getCols()))
    return emitOpError("expects the buffer to hold a ")
           << getRows() << " x " << getCols() << " window, found " << buffer;
  return success();
}

/// The token ops' common checks: the cache's rows split into 16-byte copies.
static LogicalResult verifyCache(Operation *op, MemRefType cache) {
  if (cache.getDimSize(2) == ShapedType::kDynamic ||
      cache.getDimSize(2) % 8 != 0)
    return op->emitOpError("expects the cache's static dim to be a multiple "
                           "of 8 (16-byte copies), found ")
           << cache;
  if (cache.getDimSize(1) == ShapedType::kDynamic)
    return op->emitOpError("expects a static page size, found ") << cache;
  return success();
}

/// A ring of cached-token tiles: [S, T, W ≥ D], or b128 atoms [S, D/64, T,
/// 64]. Sets the stage count S and token rows T.
static LogicalResult verifyTokenRing(Operation *op, MemRefType cache,
                                     Value ring, Swizzle swizzle,
                                     int64_t &stages, int64_t &rows) {
  if (failed(verifyDestination(op, ring, cache.getElementType(), swizzle)))
    return failure();
  auto type = cast<MemRefType>(ring.getType());
  int64_t dim = cache.getDimSize(2);
  ArrayRef<int64_t> shape = type.getShape();
  if (swizzle == Swizzle::B128) {
    if (shape.size() != 4 || dim % 64 != 0 || shape[1] != dim / 64 ||
        shape[3] != 64)
      return op->emitOpError("expects a b128-swizzled ring [stages, ")
             << dim / 64 << ", tokens, 64] for dim " << dim << ", found "
             << type;
    stages = shape[0];
    rows = shape[2];
    return success();
  }
  if (shape.size() != 3 || shape[2] < dim)
    return op->emitOpError("expects a ring [stages, tokens, width >= ")
           << dim << "], found " << type;
  stages = shape[0];
  rows = shape[1];
  return success();
}

LogicalResult LookUpTokensOp::verify() {
  if (failed(verifyCache(*this, getCache().getType())))
    return failure();
  if (getThreads() % getRows() != 0)
    return emitOpError("expects threads to be a multiple of rows (a group "
                       "of threads per token row), found ")
           << getThreads() << " and " << getRows();
  return success();
}

LogicalResult LoadTokensOp::verify() {
  MemRefType cache = getCache().getType();
  int64_t stages, rows;
  if (failed(verifyCache(*this, cache)) ||
      failed(verifyTokenRing(*this, cache, getBuffer(), getSwizzle(), stages,
                             rows)))
    return failure();
  bool given = getRowValid() && getRowPage() && getRowSlot();
  if (!given && (getRowValid() || getRowPage() || getRowSlot()))
    return emitOpError("expects all three of row(valid, page, slot) or none");
  if (given) {
    if (!loadsRowsByThreadGroups(getThreads(), rows, cache.getDimSize(2)))
      return emitOpError("expects row(…) only when each token row is loaded "
                         "by a group of threads (threads a multiple of the ")
             << rows << " token rows, and the row's 16-byte chunks a "
                        "multiple of the group)";
  }
  return success();
}

LogicalResult TmaLoadTokensOp::verify() {
  MemRefType cache = getCache().getType();
  int64_t stages, rows;
  if (failed(verifyCache(*this, cache)) ||
      failed(verifyTokenRing(*this, cache, getBuffer(), Swizzle::B128, stages,
                             rows)))
    return failure();
  auto barriers = cast<nvgpu::MBarrierGroupType>(getBarriers().getType());
  if (barriers.getNumBarriers() != stages)
    return emitOpError("expects one mbarrier per stage (")
           << stages << "), found " << barriers.getNumBarriers();
  auto map = cast<nvgpu::TensorMapDescriptorType>(getMap().getType());
  MemRefType box = map.getTensor();
  int64_t boxRows = std::min(cache.getDimSize(1), rows);
  if (box.getRank() != 3 || box.getDimSize(0) != 1 ||
      box.getDimSize(1) != boxRows || box.getDimSize(2) != 64 ||
      box.getElementType() != cache.getElementType() ||
      map.getSwizzle() !=
          nvgpu::TensorMapSwizzleKind::SWIZZLE_128B)
    return emitOpError("expects a 128-byte-swizzled tensor map of boxes [1, ")
           << boxRows << ", 64] of " << cache.getElementType();
  if (rows % boxRows != 0)
    return emitOpError("expects the tile's ")
           << rows << " token rows to be whole pages or part of one page "
           << "(page size " << cache.getDimSize(1) << ")";
  return success();
}

LogicalResult TmaWaitTokensOp::verify() {
  auto type = cast<MemRefType>(getBuffer().getType());
  if (!inWorkgroupMemory(type) || type.getRank() != 4 ||
      type.getShape().back() != 64 || !isTwoByteFloat(type.getElementType()))
    return emitOpError("expects a b128-swizzled ring [stages, atoms, tokens, "
                       "64] of bf16 or f16 in shared memory, found ")
           << type;
  auto barriers = cast<nvgpu::MBarrierGroupType>(getBarriers().getType());
  if (barriers.getNumBarriers() != type.getDimSize(0))
    return emitOpError("expects one mbarrier per stage (")
           << type.getDimSize(0) << "), found " << barriers.getNumBarriers();
  return success();
}

LogicalResult TmaLoadTileOp::verify() {
  auto ring = cast<MemRefType>(getBuffer().getType());
  if (!inWorkgroupMemory(ring) || ring.getRank() != 4 ||
      ring.getShape().back() != 64 || !isTwoByteFloat(ring.getElementType()) ||
      !ring.hasStaticShape())
    return emitOpError("expects a ring [stages, atoms, rows, 64] of bf16 or "
                       "f16 in shared memory, found ")
           << ring;
  if (static_cast<int64_t>(getFirst() + getCount()) > ring.getDimSize(1))
    return emitOpError("expects atoms [")
           << getFirst() << ", " << getFirst() + getCount()
           << ") within the ring's " << ring.getDimSize(1);
  auto barriers = cast<nvgpu::MBarrierGroupType>(getBarriers().getType());
  if (barriers.getNumBarriers() != ring.getDimSize(0))
    return emitOpError("expects one mbarrier per stage (")
           << ring.getDimSize(0) << "), found " << barriers.getNumBarriers();
  auto map = cast<nvgpu::TensorMapDescriptorType>(getMap().getType());
  MemRefType box = map.getTensor();
  int64_t rows = ring.getDimSize(2);
  if (box.getRank() != 3 || box.getDimSize(0) != 1 ||
      box.getDimSize(1) != rows || box.getDimSize(2) != 64 ||
      box.getElementType() != ring.getElementType() ||
      map.getSwizzle() != nvgpu::TensorMapSwizzleKind::SWIZZLE_128B)
    return emitOpError("expects a 128-byte-swizzled tensor map of boxes [1, ")
           << rows << ", 64] of " << ring.getElementType();
  if (getIndices().size() != 3)
    return emitOpError("expects 3 indices (the map's rank), found ")
           << getIndices().size();
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

LogicalResult WarpgroupMmaOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr, OpaqueProperties properties, RegionRange,
    SmallVectorImpl<Type> &types) {
  // The accumulator passes through: the operands after the descriptors.
  llvm::append_range(types, operands.drop_front(2).getTypes());
  return success();
}

int64_t WarpgroupMmaOp::getStepOffset(ArrayRef<int64_t> advance, int64_t k) {
  return (k / advance[1]) * advance[2] + (k % advance[1]) * advance[0];
}

/// The warpgroup MMAs' accumulator (N / 8 C fragments, N in [8, 256]) and
/// element type.
static LogicalResult verifyWarpgroupShape(Operation *op, int64_t n,
                                          Type element) {
  if (n < 8 || n > 256)
    return op->emitOpError("expects N / 8 accumulator fragments for an N in "
                           "[8, 256], found ")
           << n / 8;
  if (!element.isBF16() && !element.isF16())
    return op->emitOpError("expects element bf16 or f16, found ") << element;
  return success();
}

/// A shared-memory operand's `advance` ([step, steps per atom, atom]) over
/// `steps` steps: every step's descriptor start address field (14 bits of
/// 16-byte units) must not carry.
static LogicalResult verifyAdvance(Operation *op, StringRef name,
                                   ArrayRef<int64_t> advance, int64_t steps) {
  constexpr int64_t kLimit = int64_t(1) << 18;
  if (advance.size() != 3)
    return op->emitOpError("expects ")
           << name << " to be [step, steps per atom, atom], found "
           << advance.size() << " values";
  if (advance[0] <= 0 || advance[0] % 16 != 0 || advance[1] <= 0 ||
      advance[2] < 0 || advance[2] % 16 != 0)
    return op->emitOpError("expects ")
           << name
           << " step and atom to be multiples of 16 bytes and steps per "
              "atom positive, found ["
           << advance[0] << ", " << advance[1] << ", " << advance[2] << "]";
  int64_t last = WarpgroupMmaOp::getStepOffset(advance, steps - 1);
  if (last >= kLimit)
    return op->emitOpError("expects ")
           << name << " to keep every step within 2^18 bytes, the last at "
           << last;
  return success();
}

LogicalResult WarpgroupMmaOp::verify() {
  if (failed(verifyWarpgroupShape(*this, getN(), getElement())) ||
      failed(verifyAdvance(*this, "a_advance", getAAdvance(), getSteps())) ||
      failed(verifyAdvance(*this, "b_advance", getBAdvance(), getSteps())))
    return failure();
  return verifyInFlight(*this, getAsync());
}

LogicalResult WarpgroupMmaRsOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr, OpaqueProperties properties, RegionRange,
    SmallVectorImpl<Type> &types) {
  WarpgroupMmaRsOp::Adaptor adaptor(operands, DictionaryAttr(), properties,
                                    {});
  llvm::append_range(types, adaptor.getAccumulators().getTypes());
  return success();
}

LogicalResult WarpgroupMmaRsOp::verify() {
  if (getA().empty())
    return emitOpError("expects at least one A fragment");
  Type element = getElement();
  for (Value fragment : getA())
    if (cast<VectorType>(fragment.getType()).getElementType() != element)
      return emitOpError("expects A fragments of one element type, found ")
             << element << " and " << fragment.getType();
  if (failed(verifyWarpgroupShape(*this, getN(), element)) ||
      failed(verifyAdvance(*this, "b_advance", getBAdvance(),
                           static_cast<int64_t>(getA().size()))))
    return failure();
  return verifyInFlight(*this, getAsync());
}

/// The warp MMAs' accumulator: N / 8 C fragments, N a multiple of 16 (two
/// fragments per ldmatrix.x4 of B).
static LogicalResult verifyWarpAccumulators(Operation *op,
                                            ValueRange accumulators) {
  size_t fragments = accumulators.size();
  if (fragments == 0 || fragments % 2 != 0)
    return op->emitOpError("expects an even, non-zero number of C fragments "
                           "(N a multiple of 16), found ")
           << fragments;
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
  return verifyWarpAccumulators(*this, getAccumulators());
}

LogicalResult WarpMmaRsOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr, OpaqueProperties properties, RegionRange,
    SmallVectorImpl<Type> &types) {
  WarpMmaRsOp::Adaptor adaptor(operands, DictionaryAttr(), properties, {});
  llvm::append_range(types, adaptor.getAccumulators().getTypes());
  return success();
}

LogicalResult WarpMmaRsOp::verify() {
  auto type = cast<MemRefType>(getB().getType());
  if (!inWorkgroupMemory(type))
    return emitOpError("expects b in workgroup (shared) memory, found ")
           << type;
  if (type.getRank() < 2 ||
      static_cast<int64_t>(getBIndices().size()) != type.getRank())
    return emitOpError("expects b of rank 2 or more with one index per "
                       "dimension, found ")
           << type << " and " << getBIndices().size() << " indices";
  if (getA().empty())
    return emitOpError("expects at least one A fragment");
  for (Value fragment : getA())
    if (cast<VectorType>(fragment.getType()).getElementType() !=
        type.getElementType())
      return emitOpError("expects A fragments of b's element type ")
             << type.getElementType() << ", found " << fragment.getType();
  return verifyWarpAccumulators(*this, getAccumulators());
}

//===----------------------------------------------------------------------===//
// Online softmax
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxUpdateOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange,
    SmallVectorImpl<Type> &types) {
  // One A fragment per two score fragments (16 tokens), then m', l', α.
  SoftmaxUpdateOp::Adaptor adaptor(operands, attributes, properties, {});
  auto element = dyn_cast_or_null<TypeAttr>(adaptor.getElementAttr());
  if (!element)
    return failure();
  types.append(adaptor.getScores().size() / 2,
               VectorType::get({4, 2}, element.getValue()));
  types.append(3, VectorType::get({2}, Float32Type::get(ctx)));
  return success();
}

LogicalResult SoftmaxUpdateOp::verify() {
  size_t fragments = getScores().size();
  if (fragments == 0 || fragments % 2 != 0)
    return emitOpError("expects an even, non-zero number of score fragments "
                       "(16 tokens per A fragment of P), found ")
           << fragments;
  if (!(getScale().convertToDouble() > 0))
    return emitOpError("expects a positive scale, found ")
           << getScale().convertToDouble();
  return success();
}

LogicalResult ScaleRowsOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &types) {
  // One result per fragment: every operand but the factors (the last).
  llvm::append_range(types, operands.drop_back().getTypes());
  return success();
}

//===----------------------------------------------------------------------===//
// Fragment stores
//===----------------------------------------------------------------------===//

LogicalResult StoreFragmentsOp::verify() {
  auto type = cast<MemRefType>(getDest().getType());
  if (type.getRank() != 2)
    return emitOpError("expects a 2-d destination, found ") << type;
  Type element = type.getElementType();
  if (!element.isF32() && !isTwoByteFloat(element))
    return emitOpError("expects a destination of f32, bf16 or f16, found ")
           << element;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || strides[1] != 1)
    return emitOpError("expects a destination with unit stride in its last "
                       "dimension, found ")
           << type;
  if (getFragments().empty())
    return emitOpError("expects at least one fragment");
  if (getScale() && getNormalize())
    return emitOpError("expects scale or normalize, not both");
  return success();
}

LogicalResult StoreOperandOp::verify() {
  auto type = cast<MemRefType>(getBuffer().getType());
  if (getFragments().empty())
    return emitOpError("expects at least one fragment");
  Type element = cast<VectorType>(getFragments().front().getType())
                     .getElementType();
  for (Value fragment : getFragments())
    if (cast<VectorType>(fragment.getType()).getElementType() != element)
      return emitOpError("expects fragments of one element type");
  if (type.getRank() != 2)
    return emitOpError("expects a 2-d buffer, found ") << type;
  if (failed(verifyDestination(*this, getBuffer(), element, getSwizzle())))
    return failure();
  if (getSwizzle() == Swizzle::B128 && type.getDimSize(1) != 64)
    return emitOpError("expects rows of 64 elements (128 bytes) for swizzle "
                       "b128, found ")
           << type;
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

//===----------------------------------------------------------------------===//
// Host-level operations
//===----------------------------------------------------------------------===//

int64_t GemmOp::getStaticBatch() {
  for (Value operand : {getResult(), getLhs(), getRhs()}) {
    auto type = cast<MemRefType>(operand.getType());
    if (type.getRank() == 3)
      return type.getDimSize(0);
  }
  return 1;
}

/// Whether two static sizes (or either dynamic) can be equal.
static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

LogicalResult GemmOp::verify() {
  auto lhs = cast<MemRefType>(getLhs().getType());
  auto rhs = cast<MemRefType>(getRhs().getType());
  auto result = cast<MemRefType>(getResult().getType());
  for (auto [name, type] : {std::pair<StringRef, MemRefType>{"lhs", lhs},
                            {"rhs", rhs},
                            {"result", result}}) {
    if (type.getRank() != 2 && type.getRank() != 3)
      return emitOpError() << "expects " << name
                           << " to be a matrix or a batch of matrices (rank "
                              "2 or 3), found rank "
                           << type.getRank();
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) ||
        strides.back() != 1)
      return emitOpError() << "expects the last dimension of " << name
                           << " to be contiguous (stride 1)";
  }
  bool batched = lhs.getRank() == 3 || rhs.getRank() == 3;
  if (batched != (result.getRank() == 3))
    return emitOpError() << "expects a batched result (rank 3) exactly when "
                            "an operand is batched";
  if (lhs.getElementType() != rhs.getElementType())
    return emitOpError() << "expects lhs and rhs of one element type, found "
                         << lhs.getElementType() << " and "
                         << rhs.getElementType();
  if (result.getElementType() != lhs.getElementType() &&
      !result.getElementType().isF32())
    return emitOpError() << "expects a result of the operands' element type "
                            "or f32, found "
                         << result.getElementType();
  auto dim = [](MemRefType type, int64_t fromEnd) {
    return type.getDimSize(type.getRank() - fromEnd);
  };
  if (!compatible(dim(lhs, 1), dim(rhs, 2)))
    return emitOpError() << "expects the contraction size of lhs ("
                         << dim(lhs, 1) << ") to equal that of rhs ("
                         << dim(rhs, 2) << ")";
  if (!compatible(dim(lhs, 2), dim(result, 2)) ||
      !compatible(dim(rhs, 1), dim(result, 1)))
    return emitOpError() << "expects a result of " << dim(lhs, 2) << " x "
                         << dim(rhs, 1) << ", found " << dim(result, 2)
                         << " x " << dim(result, 1);
  if (batched)
    for (MemRefType operand : {lhs, rhs})
      if (operand.getRank() == 3 &&
          !compatible(operand.getDimSize(0), result.getDimSize(0)))
        return emitOpError() << "expects batch sizes to agree, found "
                             << operand.getDimSize(0) << " and "
                             << result.getDimSize(0);
  return success();
}

LogicalResult RMSNormOp::verify() {
  if (!(getEpsilon().convertToDouble() > 0.0))
    return emitOpError("expects epsilon to be positive, found ")
           << getEpsilon().convertToDouble();
  auto input = cast<MemRefType>(getInput().getType());
  auto result = cast<MemRefType>(getResult().getType());
  auto weight = cast<MemRefType>(getWeight().getType());
  for (int64_t d = 0; d < 2; ++d)
    if (!compatible(input.getDimSize(d), result.getDimSize(d)))
      return emitOpError() << "expects input and result of one shape, found "
                           << input.getDimSize(0) << " x " << input.getDimSize(1)
                           << " and " << result.getDimSize(0) << " x "
                           << result.getDimSize(1);
  if (!compatible(weight.getDimSize(0), input.getDimSize(1)))
    return emitOpError() << "expects one weight per column (" << input.getDimSize(1)
                         << "), found " << weight.getDimSize(0);
  for (auto [name, type] : {std::pair<StringRef, MemRefType>{"input", input},
                            {"result", result}}) {
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1)
      return emitOpError() << "expects the rows of " << name
                           << " to be contiguous (stride 1)";
  }
  return success();
}
