//===- KernelBuilder.h - Pieces of every generated kernel -------*- C++ -*-===//
//
// Internal to convert-mla-to-gpu: the pieces the decode and prefill kernel
// emitters share — a named gpu.launch, the dynamic shared memory carved into
// named buffers, the CTA's barriers and async-copy groups, the wgmma
// descriptors and tile MMAs, the quad reduction and the accumulator's row
// scaling. Each emitter derives from KernelBuilder and adds its kernel's
// structure; the tile ops themselves are mla_gpu ops
// (docs/kernel-dialect.md).
//
//===----------------------------------------------------------------------===//

#ifndef MLA_LIB_CONVERSION_MLATOGPU_KERNELBUILDER_H
#define MLA_LIB_CONVERSION_MLATOGPU_KERNELBUILDER_H

#include "mla/Dialect/MLAGPU/IR/MLAGPU.h"
#include "mla/Dialect/MLAGPU/Utils/Arith.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::mla {

class KernelBuilder {
public:
  explicit KernelBuilder(ImplicitLocOpBuilder &b) : b(b), a{b} {}

protected:
  ImplicitLocOpBuilder &b;
  mla_gpu::Arith a;

  /// A gpu.launch of `threads` threads per CTA named `name` (its mla.kernel
  /// attribute and the outlined function's name: what profilers and
  /// sanitizers print); the builder is left in its body.
  gpu::LaunchOp launch(StringRef name, Value gridX, Value gridY, Value gridZ,
                       int64_t threads, int64_t sharedBytes);

  /// The CTA's dynamic shared memory (`bytes` of it from its first
  /// `align`-byte boundary), and a named buffer of it at `offset`.
  Value sharedMemory(int64_t align, int64_t bytes) {
    auto type = MemRefType::get({bytes}, b.getI8Type(),
                                MemRefLayoutAttrInterface(), workgroup());
    return mla_gpu::SharedMemoryOp::create(b, type, align);
  }
  Value sharedBuffer(Value memory, int64_t offset, StringRef name,
                     ArrayRef<int64_t> shape, Type element,
                     mla_gpu::Swizzle swizzle = mla_gpu::Swizzle::None) {
    auto type = MemRefType::get(shape, element, MemRefLayoutAttrInterface(),
                                workgroup());
    return mla_gpu::SharedBufferOp::create(b, type, memory, offset, name,
                                           swizzle);
  }
  /// A shared buffer's byte address (i64), for the wgmma descriptors.
  Value byteAddress(Value buffer) {
    return arith::IndexCastOp::create(
        b, b.getI64Type(),
        memref::ExtractAlignedPointerAsIndexOp::create(b, buffer));
  }
  /// Host code: a TMA tensor map over the 3-d `memref` (global memory) whose
  /// boxes are [1, `rows`, 64], written 128-byte swizzled; out-of-bounds
  /// elements read as zero. Made where `memref` exists, before any GPU work
  /// of the function where possible (gpu-async-region synchronises the
  /// stream before host code that follows GPU work).
  Value tensorMap(Value memref, int64_t rows);
  /// In the kernel: `stages` mbarriers, each expecting `arrivals` arrivals a
  /// phase, initialised by thread `tid` 0 and fenced; every thread meets
  /// after (the CTA's barrier).
  Value stageBarriers(Value tid, int64_t stages, int64_t arrivals);

  Attribute workgroup() {
    return gpu::AddressSpaceAttr::get(b.getContext(),
                                      gpu::AddressSpace::Workgroup);
  }

  // Stage barriers, async-copy groups and proxy fences: mla_gpu ops
  // (docs/kernel-dialect.md), lowered by convert-mla-gpu-to-nvvm. Each sits
  // in control flow uniform across the CTA. The proxy fence makes
  // generic-proxy shared-memory writes (cp.async, st.shared) visible to
  // wgmma.
  void barrier() { mla_gpu::BarrierOp::create(b); }
  void commitGroup() { mla_gpu::AsyncCopyCommitOp::create(b); }
  void waitGroups(int64_t pending) {
    mla_gpu::AsyncCopyWaitOp::create(b, static_cast<uint32_t>(pending));
  }
  void asyncProxyFence() { mla_gpu::FenceAsyncProxyOp::create(b); }

  /// A wgmma shared-memory matrix descriptor of a 128B-swizzled operand at
  /// `address` (see WarpgroupKernel.cpp).
  Value descriptor(Value address, int64_t leadingBytes, int64_t strideBytes);
  /// The descriptor of the matrix `bytes` further on (a multiple of 16; the
  /// start address field cannot carry: shared addresses are below 256 KiB).
  Value advance(Value descriptor, Value bytes) {
    Value units =
        arith::IndexCastOp::create(b, b.getI64Type(), a.div(bytes, 16));
    return arith::AddIOp::create(b, descriptor, units);
  }
  Value advance(Value descriptor, int64_t bytes) {
    if (bytes == 0)
      return descriptor;
    return arith::AddIOp::create(
        b, descriptor, arith::ConstantIntOp::create(b, bytes / 16, 64));
  }
  /// acc (+)= lhs·rhs on the warpgroup over `steps` k16 steps of `element`
  /// operands: one mla_gpu.warpgroup.mma on the accumulator's C fragments,
  /// A K-major and B K-major or N-major (`rhsNMajor`) in shared memory from
  /// the descriptors of their first step, each next step's operands
  /// `lhsAdvance` / `rhsAdvance` further ([step bytes, steps per atom, atom
  /// bytes]).
  SmallVector<Value> warpgroupMma(Value lhs, Value rhs, ValueRange acc,
                                  int64_t steps, ArrayRef<int64_t> lhsAdvance,
                                  ArrayRef<int64_t> rhsAdvance, Type element,
                                  bool accumulate, bool rhsNMajor);

  /// Sum over the four lanes of a quad (a fragment row's threads).
  Value quadSum(Value x) {
    for (int32_t offset : {1, 2})
      x = a.fadd(x,
                 gpu::ShuffleOp::create(b, x, offset, 32, gpu::ShuffleMode::XOR)
                     .getShuffleResult());
    return x;
  }
  /// The accumulator's fragments, row r times factors[r]
  /// (mla_gpu.scale_rows).
  SmallVector<Value> scaleRows(ValueRange fragments, Value *factors) {
    Value pair =
        vector::FromElementsOp::create(b, VectorType::get({2}, b.getF32Type()),
                                       ValueRange{factors[0], factors[1]});
    return SmallVector<Value>(
        mla_gpu::ScaleRowsOp::create(b, fragments, pair).getResults());
  }
  /// A vector store whose first element sits at a multiple of the vector's
  /// size in bytes (every caller's indices guarantee it, buffers being
  /// 16-byte aligned): one wide access (st.v2) instead of one per element,
  /// which is what the lowering emits without the alignment.
  void storeVector(Value value, Value memref, ValueRange indices) {
    vector::StoreOp::create(b, value, memref, indices, /*nontemporal=*/false,
                            llvm::Align(vectorBytes(value.getType())));
  }
  static uint64_t vectorBytes(Type type) {
    auto vector = cast<VectorType>(type);
    return vector.getNumElements() * vector.getElementTypeBitWidth() / 8;
  }
};

} // namespace mlir::mla

#endif // MLA_LIB_CONVERSION_MLATOGPU_KERNELBUILDER_H
