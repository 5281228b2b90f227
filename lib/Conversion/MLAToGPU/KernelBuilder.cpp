//===- KernelBuilder.cpp - Pieces of every generated kernel -----*- C++ -*-===//
//
// The out-of-line pieces of KernelBuilder: the named launch, the wgmma
// descriptor and tile MMA, TMA tensor maps and stage mbarriers.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::mla;

gpu::LaunchOp KernelBuilder::launch(StringRef name, Value gridX, Value gridY,
                                    Value gridZ, int64_t threads,
                                    int64_t sharedBytes) {
  Value one = a.idx(1);
  Value shared =
      sharedBytes ? arith::ConstantIntOp::create(b, sharedBytes, 32).getResult()
                  : Value();
  auto launch = gpu::LaunchOp::create(b, gridX, gridY, gridZ, a.idx(threads),
                                      one, one, shared);
  // The kernel's name: `mla.kernel` for the IR's readers, and the function
  // name outlining gives it (what profilers and sanitizers print).
  launch->setAttr(MLADialect::kKernelAttrName, b.getStringAttr(name));
  launch.setFunctionAttr(FlatSymbolRefAttr::get(b.getContext(), name));
  b.setInsertionPointToStart(&launch.getBody().front());
  return launch;
}

/// A wgmma shared-memory matrix descriptor of a 128B-swizzled operand:
/// start address, leading and stride byte offsets; base offset 0 since the
/// atoms start on 1024-byte boundaries. It stays where it is built: the
/// steps' descriptors are this plus constants, and would otherwise all be
/// hoisted out of the tile loop and held in registers.
Value KernelBuilder::descriptor(Value address, int64_t leadingBytes,
                                int64_t strideBytes) {
  return mla_gpu::WarpgroupDescriptorOp::create(
      b, address, mla_gpu::Swizzle::B128, leadingBytes, strideBytes);
}

/// acc (+)= lhs·rhs on the warpgroup over `steps` k16 steps: one tile MMA
/// (mla_gpu.warpgroup.mma) on the accumulator's C fragments, A K-major and
/// B K-major or N-major (`rhsNMajor`) in shared memory from the descriptors
/// of their first step, each next step's operands `lhsAdvance` /
/// `rhsAdvance` further ([step bytes, steps per atom, atom bytes]).
SmallVector<Value> KernelBuilder::warpgroupMma(Value lhs, Value rhs,
                                               ValueRange acc, int64_t steps,
                                               ArrayRef<int64_t> lhsAdvance,
                                               ArrayRef<int64_t> rhsAdvance,
                                               Type element, bool accumulate,
                                               bool rhsNMajor) {
  auto product = mla_gpu::WarpgroupMmaOp::create(
      b, lhs, rhs, acc, steps, lhsAdvance, rhsAdvance, element, rhsNMajor,
      accumulate);
  return SmallVector<Value>(product.getResults());
}

Value KernelBuilder::tensorMap(Value memref, int64_t rows) {
  auto type = cast<MemRefType>(memref.getType());
  Type element = type.getElementType();
  auto box = MemRefType::get({1, rows, 64}, element,
                             MemRefLayoutAttrInterface(), workgroup());
  auto mapType = nvgpu::TensorMapDescriptorType::get(
      b.getContext(), box, nvgpu::TensorMapSwizzleKind::SWIZZLE_128B,
      nvgpu::TensorMapL2PromoKind::L2PROMO_256B,
      nvgpu::TensorMapOOBKind::OOB_ZERO,
      nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
  Value unranked = memref::CastOp::create(
      b, UnrankedMemRefType::get(element, type.getMemorySpace()), memref);
  return nvgpu::TmaCreateDescriptorOp::create(
      b, mapType, unranked, ValueRange{a.idx(1), a.idx(rows), a.idx(64)});
}

Value KernelBuilder::stageBarriers(Value tid, int64_t stages,
                                   int64_t arrivals) {
  Value barriers = nvgpu::MBarrierCreateOp::create(
      b, nvgpu::MBarrierGroupType::get(b.getContext(), workgroup(), stages));
  auto first = scf::IfOp::create(b, a.eq(tid, 0));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(first.thenBlock());
    for (int64_t s = 0; s < stages; ++s)
      nvgpu::MBarrierInitOp::create(b, barriers, a.idx(arrivals), a.idx(s),
                                    Value());
    mla_gpu::FenceMBarrierInitOp::create(b);
  }
  barrier();
  return barriers;
}
