//===- MLAGPUToNVVM.cpp - mla_gpu ops to NVVM -------------------*- C++ -*-===//
//
// `convert-mla-gpu-to-nvvm`: one pattern per mla_gpu op. Most become the
// NVVM op of the same instruction. Four have none with the semantics they
// need, and are the only PTX text mla's kernels carry (each string is checked
// by test/Conversion/MLAGPUToNVVM/mla-gpu-to-nvvm.mlir):
//
//   warpgroup.fence       "wgmma.fence.sync.aligned;"       accumulators tied
//   warpgroup.wait N      "wgmma.wait_group.sync.aligned N;" accumulators tied
//   warpgroup.descriptor  ""  (an opaque copy of the 64-bit descriptor)
//   warpgroup.mma         the fence, one wgmma.mma_async per k-step (its
//                         descriptors added in the statement), the commit
//                         and the wait                       accumulator tied
//
// "Tied": the statement takes every f32 register of the accumulators as an
// input and gives it back as an output of the same register ("=f" outputs,
// "0", "1", … inputs), so that LLVM can move no arithmetic on them across
// the fence or the wait — nvvm.wgmma.fence.aligned and
// nvvm.wgmma.wait.group.sync.aligned are intrinsics that registers are not
// tied to, and the asynchronous MMAs' results would look ready before the
// wait. One statement per fence or wait, whatever the accumulator's size.
//
//===----------------------------------------------------------------------===//

#include "mla/Conversion/MLAGPUToNVVM/MLAGPUToNVVM.h"

#include "mla/Conversion/Passes.h"
#include "mla/Dialect/MLAGPU/IR/MLAGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

namespace mlir::mla {
#define GEN_PASS_DEF_CONVERTMLAGPUTONVVM
#include "mla/Conversion/Passes.h.inc"
} // namespace mlir::mla

#define DEBUG_TYPE "convert-mla-gpu-to-nvvm"

using namespace mlir;
using namespace mlir::mla_gpu;

//===----------------------------------------------------------------------===//
// The PTX text
//===----------------------------------------------------------------------===//

static constexpr StringLiteral kWarpgroupFence = "wgmma.fence.sync.aligned;";

static std::string warpgroupWait(int64_t pending) {
  return ("wgmma.wait_group.sync.aligned " + Twine(pending) + ";").str();
}

/// The statement of a tile MMA (mla_gpu.warpgroup.mma and mma_rs): the
/// fence, one wgmma per step, the commit and the wait (none when `async`: a
/// later mla_gpu.warpgroup.wait completes it). Operands: $0..$R-1 the
/// accumulator's R registers (outputs), $R..$2R-1 the same registers tied
/// (inputs), then the op's own inputs. Each step adds its offset (16-byte
/// units) to B's first-step descriptor `$bOperand` — and to A's, `$aOperand`,
/// when A is in shared memory; with A in registers (`aOperand` < 0) step k
/// reads A's four 32-bit registers from $2R + 4k. The first step scales the
/// accumulator by 0 unless `accumulate`; B is transposed (N-major) with
/// `bNMajor`.
static std::string tileMmaText(int64_t n, Type elementType, int64_t steps,
                               bool accumulate, bool async, bool bNMajor,
                               int64_t aOperand, ArrayRef<int64_t> aAdvance,
                               int64_t bOperand, ArrayRef<int64_t> bAdvance) {
  int64_t registers = n / 2;
  bool aShared = aOperand >= 0;
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "{\n.reg .pred scale_d;\n.reg .b64 "
     << (aShared ? "desc_a, desc_b" : "desc_b") << ";\n" << kWarpgroupFence
     << "\n";
  std::string accumulator;
  llvm::raw_string_ostream acc(accumulator);
  acc << "{";
  for (int64_t i = 0; i < registers; ++i)
    acc << (i ? ", $" : "$") << i;
  acc << "}";
  StringRef element = elementType.isBF16() ? "bf16" : "f16";
  for (int64_t k = 0; k < steps; ++k) {
    if (k == 0)
      os << "setp.ne.b32 scale_d, " << (accumulate ? 1 : 0) << ", 0;\n";
    else if (k == 1 && !accumulate)
      os << "setp.ne.b32 scale_d, 1, 0;\n";
    if (aShared)
      os << "add.s64 desc_a, $" << aOperand << ", "
         << WarpgroupMmaOp::getStepOffset(aAdvance, k) / 16 << ";\n";
    os << "add.s64 desc_b, $" << bOperand << ", "
       << WarpgroupMmaOp::getStepOffset(bAdvance, k) / 16 << ";\n";
    os << "wgmma.mma_async.sync.aligned.m64n" << n << "k16.f32." << element
       << "." << element << " " << accumulator << ", ";
    if (aShared) {
      // A from shared memory also takes imm-trans-a (0: K-major).
      os << "desc_a, desc_b, scale_d, 1, 1, 0, ";
    } else {
      int64_t a = 2 * registers + 4 * k;
      os << "{$" << a << ", $" << a + 1 << ", $" << a + 2 << ", $" << a + 3
         << "}, desc_b, scale_d, 1, 1, ";
    }
    os << (bNMajor ? 1 : 0) << ";\n";
  }
  os << "wgmma.commit_group.sync.aligned;\n"
     << (async ? "" : warpgroupWait(0) + "\n") << "}";
  return text;
}

static std::string warpgroupMmaText(WarpgroupMmaOp op) {
  int64_t registers = op.getN() / 2;
  return tileMmaText(op.getN(), op.getElement(), op.getSteps(),
                     op.getAccumulate(), op.getAsync(), op.getBNMajor(),
                     2 * registers, op.getAAdvance(), 2 * registers + 1,
                     op.getBAdvance());
}

static std::string warpgroupMmaRsText(WarpgroupMmaRsOp op) {
  int64_t steps = op.getA().size();
  return tileMmaText(op.getN(), op.getElement(), steps, op.getAccumulate(),
                     op.getAsync(), op.getBNMajor(), /*aOperand=*/-1, {},
                     op.getN() + 4 * steps, op.getBAdvance());
}

/// A volatile inline-asm statement (it has side effects: never moved,
/// merged or erased) with `text`, `constraints`, operands and results.
static LLVM::InlineAsmOp asmStatement(OpBuilder &b, Location loc, Type result,
                                      ValueRange operands, StringRef text,
                                      StringRef constraints) {
  return LLVM::InlineAsmOp::create(
      b, loc, result, operands, b.getStringAttr(text),
      b.getStringAttr(constraints), /*has_side_effects=*/b.getUnitAttr(),
      /*is_align_stack=*/UnitAttr(),
      LLVM::TailCallKindAttr::get(b.getContext(), LLVM::TailCallKind::None),
      LLVM::AsmDialectAttr(), /*operand_attrs=*/ArrayAttr());
}

/// `text` with every f32 register in `registers` tied through it (the file
/// comment), then `inputs`: 32-bit registers ("r", A fragments' pairs) then
/// 64-bit ones ("l", descriptors); returns the registers' values after it.
static SmallVector<Value> tiedRegisters(OpBuilder &b, Location loc,
                                        ValueRange registers, StringRef text,
                                        ValueRange inputs = {}) {
  int64_t count = registers.size();
  std::string constraints;
  llvm::raw_string_ostream os(constraints);
  for (int64_t i = 0; i < count; ++i)
    os << "=f,";
  for (int64_t i = 0; i < count; ++i)
    os << i << ",";
  for (Value input : inputs)
    os << (input.getType().isInteger(32) ? "r," : "l,");
  os << "~{memory}";
  SmallVector<Value> operands(registers);
  llvm::append_range(operands, inputs);
  Type f32 = b.getF32Type();
  Type result;
  if (count == 1)
    result = f32;
  else if (count > 1)
    result = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                              SmallVector<Type>(count, f32));
  auto statement = asmStatement(b, loc, result, operands, text, constraints);
  SmallVector<Value> outputs;
  for (int64_t i = 0; i < count; ++i)
    outputs.push_back(count == 1 ? statement.getResult(0)
                                 : LLVM::ExtractValueOp::create(
                                       b, loc, statement.getResult(0), i)
                                       .getResult());
  return outputs;
}

/// tiedRegisters over the f32 registers of `accumulators` — literal structs
/// or C fragments (vector<2x2xf32>, registers in wgmma's order: row-major)
/// — rebuilt into their types; `inputs` follow them.
static SmallVector<Value> tiedStatement(OpBuilder &b, Location loc,
                                        ValueRange accumulators,
                                        StringRef text,
                                        ValueRange inputs = {}) {
  SmallVector<Value> registers;
  for (Value acc : accumulators) {
    if (auto fragment = dyn_cast<VectorType>(acc.getType())) {
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t c = 0; c < 2; ++c)
          registers.push_back(vector::ExtractOp::create(
              b, loc, acc, ArrayRef<int64_t>{r, c}));
      continue;
    }
    auto type = cast<LLVM::LLVMStructType>(acc.getType());
    for (int64_t i = 0, e = type.getBody().size(); i < e; ++i)
      registers.push_back(LLVM::ExtractValueOp::create(b, loc, acc, i));
  }
  SmallVector<Value> outputs = tiedRegisters(b, loc, registers, text, inputs);
  SmallVector<Value> rebuilt;
  int64_t next = 0;
  for (Value acc : accumulators) {
    if (isa<VectorType>(acc.getType())) {
      rebuilt.push_back(vector::FromElementsOp::create(
          b, loc, acc.getType(), ArrayRef<Value>(outputs).slice(next, 4)));
      next += 4;
      continue;
    }
    auto type = cast<LLVM::LLVMStructType>(acc.getType());
    Value value = LLVM::UndefOp::create(b, loc, type);
    for (int64_t i = 0, e = type.getBody().size(); i < e; ++i)
      value = LLVM::InsertValueOp::create(b, loc, value, outputs[next++], i);
    rebuilt.push_back(value);
  }
  return rebuilt;
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {

/// Replaces an op without operands or results by a new NVVM op.
template <typename OpTy, typename NVVMOpTy>
struct OneToOne : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    NVVMOpTy::create(rewriter, op.getLoc());
    rewriter.eraseOp(op);
    return success();
  }
};

/// mla_gpu.barrier → nvvm.barrier0 (bar.sync 0).
using BarrierLowering = OneToOne<BarrierOp, NVVM::Barrier0Op>;
/// mla_gpu.async_copy.commit → nvvm.cp.async.commit.group.
using AsyncCopyCommitLowering =
    OneToOne<AsyncCopyCommitOp, NVVM::CpAsyncCommitGroupOp>;
/// mla_gpu.fence.mbarrier_init → nvvm.fence.mbarrier.init.
using FenceMBarrierInitLowering =
    OneToOne<FenceMBarrierInitOp, NVVM::FenceMbarrierInitOp>;
/// mla_gpu.warpgroup.commit → nvvm.wgmma.commit.group.sync.aligned.
using WarpgroupCommitLowering =
    OneToOne<WarpgroupCommitOp, NVVM::WgmmaGroupSyncAlignedOp>;

/// mla_gpu.async_copy.wait N → nvvm.cp.async.wait.group N.
struct AsyncCopyWaitLowering : OpConversionPattern<AsyncCopyWaitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AsyncCopyWaitOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<NVVM::CpAsyncWaitGroupOp>(op, op.getPending());
    return success();
  }
};

/// mla_gpu.fence.async_proxy → nvvm.fence.proxy (fence.proxy.async.shared::cta).
struct FenceAsyncProxyLowering : OpConversionPattern<FenceAsyncProxyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(FenceAsyncProxyOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    rewriter.replaceOpWithNewOp<NVVM::FenceProxyOp>(
        op, NVVM::ProxyKindAttr::get(ctx, NVVM::ProxyKind::async_shared),
        NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
    return success();
  }
};

/// mla_gpu.exp2 → llvm.nvvm.ex2.approx.ftz.f32 (a call of the intrinsic:
/// no side effects, so the scheduler moves it as any arithmetic).
struct Exp2Lowering : OpConversionPattern<Exp2Op> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Exp2Op op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        op, op.getType(),
        rewriter.getStringAttr("llvm.nvvm.ex2.approx.ftz.f32"),
        ValueRange{adaptor.getInput()});
    return success();
  }
};

/// The PTX of the fence and the wait (the file comment).
static std::string tiedText(WarpgroupFenceOp) { return kWarpgroupFence.str(); }
static std::string tiedText(WarpgroupWaitOp op) {
  return warpgroupWait(op.getPending());
}

/// mla_gpu.warpgroup.fence → the tied "wgmma.fence.sync.aligned;";
/// mla_gpu.warpgroup.wait N → the tied "wgmma.wait_group.sync.aligned N;".
template <typename OpTy> struct TiedLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, tiedStatement(rewriter, op.getLoc(),
                                         adaptor.getAccumulators(),
                                         tiedText(op)));
    return success();
  }
};
using WarpgroupFenceLowering = TiedLowering<WarpgroupFenceOp>;
using WarpgroupWaitLowering = TiedLowering<WarpgroupWaitOp>;

/// mla_gpu.warpgroup.mma → one statement (warpgroupMmaText) with the
/// accumulator tied through it and the two first-step descriptors as
/// inputs.
struct WarpgroupMmaLowering : OpConversionPattern<WarpgroupMmaOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WarpgroupMmaOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, tiedStatement(rewriter, op.getLoc(), adaptor.getAccumulators(),
                          warpgroupMmaText(op),
                          ValueRange{adaptor.getA(), adaptor.getB()}));
    return success();
  }
};

/// mla_gpu.warpgroup.mma_rs → one statement (warpgroupMmaRsText): the
/// accumulator tied through it, A's fragments as 32-bit registers (each
/// fragment row's two elements, in order), B's descriptor.
struct WarpgroupMmaRsLowering : OpConversionPattern<WarpgroupMmaRsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WarpgroupMmaRsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<Value> inputs;
    for (Value fragment : adaptor.getA())
      for (int64_t r = 0; r < 4; ++r)
        inputs.push_back(LLVM::BitcastOp::create(
            rewriter, loc, rewriter.getI32Type(),
            vector::ExtractOp::create(rewriter, loc, fragment,
                                      ArrayRef<int64_t>{r})));
    inputs.push_back(adaptor.getB());
    rewriter.replaceOp(op, tiedStatement(rewriter, loc,
                                         adaptor.getAccumulators(),
                                         warpgroupMmaRsText(op), inputs));
    return success();
  }
};

/// The wgmma descriptor's layout-type field (bits 62–63) of a swizzle mode.
static int64_t layoutType(Swizzle swizzle) {
  switch (swizzle) {
  case Swizzle::None:
    return 0;
  case Swizzle::B128:
    return 1;
  case Swizzle::B64:
    return 2;
  case Swizzle::B32:
    return 3;
  }
  llvm_unreachable("unknown swizzle");
}

/// mla_gpu.warpgroup.descriptor → (address >> 4 & 0x3FFF) | the constant
/// fields, through an empty statement ("=l,0") that keeps it where it is.
struct WarpgroupDescriptorLowering
    : OpConversionPattern<WarpgroupDescriptorOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WarpgroupDescriptorOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto i64 = [&](int64_t v) -> Value {
      return arith::ConstantIntOp::create(rewriter, loc, v, 64);
    };
    Value start = arith::AndIOp::create(
        rewriter, loc,
        arith::ShRUIOp::create(rewriter, loc, adaptor.getAddress(), i64(4)),
        i64(0x3FFF));
    int64_t fixed = (op.getLeading() >> 4) << 16 |
                    (op.getStride() >> 4) << 32 |
                    layoutType(op.getSwizzle()) << 62;
    Value value = arith::OrIOp::create(rewriter, loc, start, i64(fixed));
    rewriter.replaceOp(op, asmStatement(rewriter, loc, rewriter.getI64Type(),
                                        value, "", "=l,0")
                               .getResult(0));
    return success();
  }
};

/// acc + lhs·rhs by one mma.sync.m16n8k16 (A row-major, B column-major, f32
/// accumulation): `lhs` an A fragment (vector<4x2xT>), `rhs` a B fragment
/// (vector<2x2xT>), T bf16 or f16, `acc` a C fragment (vector<2x2xf32>).
/// nvvm.mma.sync directly, since nvgpu.mma.sync lowers no bf16.
static Value createMmaSync(OpBuilder &b, Location loc, Value lhs, Value rhs,
                           Value acc) {
  Type element = cast<VectorType>(lhs.getType()).getElementType();
  bool bf16 = element.isBF16();
  // One 32-bit register per row of a fragment: a bf16 pair as i32, an f16
  // pair as vector<2xf16>, as nvvm.mma.sync takes them.
  auto registers = [&](Value fragment) {
    SmallVector<Value> regs;
    int64_t count = cast<VectorType>(fragment.getType()).getDimSize(0);
    for (int64_t i = 0; i < count; ++i) {
      Value pair =
          vector::ExtractOp::create(b, loc, fragment, ArrayRef<int64_t>{i});
      if (bf16)
        pair = vector::ExtractOp::create(
            b, loc,
            vector::BitCastOp::create(
                b, loc, VectorType::get({1}, b.getI32Type()), pair),
            ArrayRef<int64_t>{0});
      regs.push_back(pair);
    }
    return regs;
  };
  SmallVector<Value> sums;
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 2; ++c)
      sums.push_back(
          vector::ExtractOp::create(b, loc, acc, ArrayRef<int64_t>{r, c}));
  Type f32 = b.getF32Type();
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  NVVM::MMATypes type = bf16 ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  Value result = NVVM::MmaOp::create(
      b, loc, resultType, registers(lhs), registers(rhs), sums, {16, 8, 16},
      std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> out;
  for (int64_t i = 0; i < 4; ++i)
    out.push_back(LLVM::ExtractValueOp::create(b, loc, result, i));
  return vector::FromElementsOp::create(b, loc, acc.getType(), out);
}

/// The lanes' ldmatrix.x4 offsets: lane 8·i + j gives the address of row j
/// of 8×8 matrix i;
///   row-major 16×16 (A, or k-major B read transposed): matrix i = rows
///   8·(i mod 2).., columns 8·(i / 2)..;
///   n-major B: matrix i = rows (n) 8·(i / 2).., columns (k) 8·(i mod 2)..,
///   the B fragments of two 8-column n-tiles.
struct LaneOffsets {
  Value rowMajorRow, rowMajorCol, nMajorRow, nMajorCol;
};
static LaneOffsets laneOffsets(ImplicitLocOpBuilder &b) {
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, v);
  };
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value lane = arith::RemUIOp::create(b, tid, idx(32));
  Value matrix = arith::DivUIOp::create(b, lane, idx(8));
  Value j = arith::RemUIOp::create(b, lane, idx(8));
  Value low = arith::MulIOp::create(
      b, arith::RemUIOp::create(b, matrix, idx(2)), idx(8));
  Value high = arith::MulIOp::create(
      b, arith::DivUIOp::create(b, matrix, idx(2)), idx(8));
  return {arith::AddIOp::create(b, j, low), high,
          arith::AddIOp::create(b, j, high), low};
}

/// acc += A·B over `steps` k16 steps, A's fragment of step k from `lhsAt`,
/// B from shared memory at `bIndices` (k-major: ldmatrix.trans, or
/// n-major): per step and 16 columns one ldmatrix.x4 of B and two
/// mma.sync.
static SmallVector<Value>
warpMmaSteps(ImplicitLocOpBuilder &b, const LaneOffsets &lanes, int64_t steps,
             llvm::function_ref<Value(int64_t)> lhsAt, Value bMemref,
             ValueRange bIndices, bool nMajor, ValueRange accumulators) {
  auto add = [&](Value x, int64_t y) -> Value {
    return y ? arith::AddIOp::create(
                   b, x, arith::ConstantIndexOp::create(b, y))
                   .getResult()
             : x;
  };
  auto fragmentType = VectorType::get(
      {4, 2}, cast<MemRefType>(bMemref.getType()).getElementType());
  ValueRange prefix = bIndices.drop_back(2);
  Value row = arith::AddIOp::create(
      b, bIndices[bIndices.size() - 2],
      nMajor ? lanes.nMajorRow : lanes.rowMajorRow);
  Value col = arith::AddIOp::create(
      b, bIndices.back(), nMajor ? lanes.nMajorCol : lanes.rowMajorCol);
  auto ldmatrix = [&](Value r, Value c, bool transpose) -> Value {
    SmallVector<Value> indices(prefix);
    indices.append({r, c});
    return nvgpu::LdMatrixOp::create(b, fragmentType, bMemref, indices,
                                     transpose, 4);
  };
  SmallVector<Value> acc(accumulators);
  int64_t pairs = static_cast<int64_t>(acc.size()) / 2;
  for (int64_t k = 0; k < steps; ++k) {
    Value lhs = lhsAt(k);
    for (int64_t n = 0; n < pairs; ++n) {
      Value rhs = nMajor ? ldmatrix(add(row, 16 * n), add(col, 16 * k),
                                    /*transpose=*/false)
                         : ldmatrix(add(row, 16 * k), add(col, 16 * n),
                                    /*transpose=*/true);
      for (int64_t half = 0; half < 2; ++half) {
        Value fragment = vector::ExtractStridedSliceOp::create(
            b, rhs, {2 * half, 0}, {2, 2}, {1, 1});
        acc[2 * n + half] =
            createMmaSync(b, b.getLoc(), lhs, fragment, acc[2 * n + half]);
      }
    }
  }
  return acc;
}

/// mla_gpu.warp.mma → per 16-wide k-step an ldmatrix.x4 of A (rows r0 + the
/// lane's row, columns c0 + 16·step + the lane's column), and per 16
/// columns of N an ldmatrix.x4 of B and two mma.sync (warpMmaSteps).
struct WarpMmaLowering : OpConversionPattern<WarpMmaOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WarpMmaOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    LaneOffsets lanes = laneOffsets(b);
    ValueRange aIndices = adaptor.getAIndices();
    SmallVector<Value> indices(aIndices.drop_back(2));
    Value aRow = arith::AddIOp::create(b, aIndices[aIndices.size() - 2],
                                       lanes.rowMajorRow);
    Value aCol = arith::AddIOp::create(b, aIndices.back(), lanes.rowMajorCol);
    auto fragmentType =
        VectorType::get({4, 2}, op.getA().getType().getElementType());
    auto lhsAt = [&](int64_t k) -> Value {
      SmallVector<Value> at(indices);
      at.push_back(aRow);
      at.push_back(k ? arith::AddIOp::create(
                           b, aCol, arith::ConstantIndexOp::create(b, 16 * k))
                           .getResult()
                     : aCol);
      return nvgpu::LdMatrixOp::create(b, fragmentType, adaptor.getA(), at,
                                       /*transpose=*/false, 4);
    };
    rewriter.replaceOp(
        op, warpMmaSteps(b, lanes, static_cast<int64_t>(op.getK()) / 16, lhsAt,
                         adaptor.getB(), adaptor.getBIndices(),
                         op.getBNMajor(), adaptor.getAccumulators()));
    return success();
  }
};

/// mla_gpu.warp.mma_rs → warpMmaSteps with A's fragments as given.
struct WarpMmaRsLowering : OpConversionPattern<WarpMmaRsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WarpMmaRsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    LaneOffsets lanes = laneOffsets(b);
    ValueRange a = adaptor.getA();
    rewriter.replaceOp(
        op, warpMmaSteps(
                b, lanes, static_cast<int64_t>(a.size()),
                [&](int64_t k) { return a[k]; }, adaptor.getB(),
                adaptor.getBIndices(), op.getBNMajor(),
                adaptor.getAccumulators()));
    return success();
  }
};

/// mla_gpu.combine_splits → the log-sum-exp combine, unrolled over a static
/// split count (every split's loads issued before any is used) or two loops
/// over a run-time one (the largest lse, then the weighted sum).
struct CombineSplitsLowering : OpConversionPattern<CombineSplitsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CombineSplitsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Type f32 = b.getF32Type();
    auto vec4 = VectorType::get({4}, f32);
    auto constant = [&](double v) -> Value {
      return arith::ConstantFloatOp::create(b, b.getF32Type(),
                                            APFloat(static_cast<float>(v)));
    };
    auto index = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, v);
    };
    Value request = adaptor.getRequest(), row = adaptor.getRow(),
          col = adaptor.getCol();
    auto lseAt = [&](Value k) -> Value {
      return memref::LoadOp::create(b, adaptor.getLse(),
                                    ValueRange{request, row, k});
    };
    // 16-byte aligned: col is a multiple of 4 and the rows of f32 are.
    auto partialAt = [&](Value k) -> Value {
      return vector::LoadOp::create(b, vec4, adaptor.getPartial(),
                                    ValueRange{request, row, k, col},
                                    /*nontemporal=*/false, llvm::Align(16));
    };
    Value negInf = constant(-std::numeric_limits<double>::infinity());
    // acc + w·part, total + w; w = e^(lse − top), 0 when top is −inf (a row
    // with no token in any split).
    auto accumulate = [&](Value part, Value lse, Value top, Value &acc,
                          Value &total) {
      Value empty =
          arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, top, negInf);
      Value weight = arith::SelectOp::create(
          b, empty, constant(0),
          math::ExpOp::create(b, arith::SubFOp::create(b, lse, top)));
      acc = vector::FMAOp::create(
          b, vector::BroadcastOp::create(b, vec4, weight), part, acc);
      total = arith::AddFOp::create(b, total, weight);
    };
    Value acc, total;
    if (!adaptor.getCount()) {
      int64_t splits = op.getPartial().getType().getDimSize(2);
      SmallVector<Value> lse;
      Value top = negInf;
      for (int64_t k = 0; k < splits; ++k) {
        lse.push_back(lseAt(index(k)));
        top = arith::MaximumFOp::create(b, top, lse.back());
      }
      SmallVector<Value> parts;
      for (int64_t k = 0; k < splits; ++k)
        parts.push_back(partialAt(index(k)));
      acc = arith::ConstantOp::create(b, b.getZeroAttr(vec4));
      total = constant(0);
      for (int64_t k = 0; k < splits; ++k)
        accumulate(parts[k], lse[k], top, acc, total);
    } else {
      Value count = adaptor.getCount();
      auto maxLoop = scf::ForOp::create(b, index(0), count, index(1),
                                        ValueRange{negInf});
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(maxLoop.getBody());
        scf::YieldOp::create(
            b, ValueRange{arith::MaximumFOp::create(
                   b, maxLoop.getRegionIterArgs()[0],
                   lseAt(maxLoop.getInductionVar()))});
      }
      Value top = maxLoop.getResult(0);
      Value zeros = arith::ConstantOp::create(b, b.getZeroAttr(vec4));
      auto sumLoop = scf::ForOp::create(b, index(0), count, index(1),
                                        ValueRange{zeros, constant(0)});
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(sumLoop.getBody());
        Value k = sumLoop.getInductionVar();
        Value sum = sumLoop.getRegionIterArgs()[0];
        Value weights = sumLoop.getRegionIterArgs()[1];
        accumulate(partialAt(k), lseAt(k), top, sum, weights);
        scf::YieldOp::create(b, ValueRange{sum, weights});
      }
      acc = sumLoop.getResult(0);
      total = sumLoop.getResult(1);
    }
    // acc / total, 0 where total is 0.
    Value zero = constant(0);
    Value inverse = arith::SelectOp::create(
        b, arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, total, zero),
        arith::DivFOp::create(b, constant(1), total), zero);
    rewriter.replaceOp(op, arith::MulFOp::create(
                               b, acc, vector::BroadcastOp::create(b, vec4,
                                                                   inverse))
                               .getResult());
    return success();
  }
};

/// mla_gpu.check_input → when `ok` is false and the runtime installed a
/// record (`__mla_error_record`, a module global holding a pointer to mapped
/// host memory {kind, request, value, limit} as i64; null: none), the first
/// failing check of the module claims it by a compare-and-swap on
/// `__mla_error_claim`, a module global in device memory (atomics on mapped
/// host memory are not atomic over PCIe), and, unless an earlier kernel of
/// the call filled the record already, writes request, value and limit,
/// then kind last: the host reads a record whose kind is set as complete.
/// Both globals are defined (as 0) in the kernel's GPU module on first use.
struct CheckInputLowering : OpConversionPattern<CheckInputOp> {
  CheckInputLowering(MLIRContext *context, bool enabled)
      : OpConversionPattern(context), enabled(enabled) {}
  static constexpr StringLiteral kRecord = "__mla_error_record";
  static constexpr StringLiteral kClaim = "__mla_error_claim";
  /// Without it the check is dropped (input-checks=false).
  bool enabled;

  LogicalResult
  matchAndRewrite(CheckInputOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!enabled) {
      rewriter.eraseOp(op);
      return success();
    }
    auto module = op->getParentOfType<gpu::GPUModuleOp>();
    if (!module)
      return rewriter.notifyMatchFailure(op, "not in a GPU module");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    auto global = LLVM::LLVMPointerType::get(b.getContext(), 1);
    auto generic = LLVM::LLVMPointerType::get(b.getContext());
    auto define = [&](StringRef name, Type type, Attribute zero,
                      unsigned alignment) {
      if (module.lookupSymbol(name))
        return;
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(module.getBody());
      LLVM::GlobalOp::create(rewriter, op.getLoc(), type, /*isConstant=*/false,
                             LLVM::Linkage::External, name, zero, alignment,
                             /*addrSpace=*/1);
    };
    define(kRecord, i64, rewriter.getI64IntegerAttr(0), 8);
    define(kClaim, i32, rewriter.getI32IntegerAttr(0), 4);
    Value bad = arith::XOrIOp::create(
        b, adaptor.getOk(),
        arith::ConstantOp::create(b, b.getBoolAttr(true)));
    auto ifBad = scf::IfOp::create(b, bad, /*withElseRegion=*/false);
    b.setInsertionPointToStart(ifBad.thenBlock());
    Value record = LLVM::LoadOp::create(
        b, generic, LLVM::AddressOfOp::create(b, global, kRecord));
    Value installed = LLVM::ICmpOp::create(
        b, LLVM::ICmpPredicate::ne, record, LLVM::ZeroOp::create(b, generic));
    auto ifInstalled = scf::IfOp::create(b, installed, false);
    b.setInsertionPointToStart(ifInstalled.thenBlock());
    auto exchange = LLVM::AtomicCmpXchgOp::create(
        b, LLVM::AddressOfOp::create(b, global, kClaim),
        LLVM::ConstantOp::create(b, i32, 0),
        LLVM::ConstantOp::create(b, i32, 1), LLVM::AtomicOrdering::acq_rel,
        LLVM::AtomicOrdering::monotonic);
    Value claimed = LLVM::ExtractValueOp::create(b, exchange, 1);
    Value empty = LLVM::ICmpOp::create(
        b, LLVM::ICmpPredicate::eq,
        LLVM::LoadOp::create(b, i64, record, /*alignment=*/8,
                             /*isVolatile=*/true),
        LLVM::ConstantOp::create(b, i64, 0));
    auto ifClaimed =
        scf::IfOp::create(b, arith::AndIOp::create(b, claimed, empty), false);
    b.setInsertionPointToStart(ifClaimed.thenBlock());
    auto store = [&](int32_t field, Value value) {
      Value at = LLVM::GEPOp::create(b, generic, i64, record,
                                     ArrayRef<LLVM::GEPArg>{field});
      LLVM::StoreOp::create(b, value, at, /*alignment=*/8,
                            /*isVolatile=*/true);
    };
    auto toI64 = [&](Value index) -> Value {
      return arith::IndexCastOp::create(b, i64, index);
    };
    store(1, toI64(adaptor.getRequest()));
    store(2, toI64(adaptor.getValue()));
    store(3, toI64(adaptor.getLimit()));
    store(0, LLVM::ConstantOp::create(b, i64,
                                      static_cast<int64_t>(op.getKind())));
    rewriter.eraseOp(op);
    return success();
  }
};

struct ConvertMLAGPUToNVVM
    : mla::impl::ConvertMLAGPUToNVVMBase<ConvertMLAGPUToNVVM> {
  using ConvertMLAGPUToNVVMBase::ConvertMLAGPUToNVVMBase;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<MLAGPUDialect>();
    // What the patterns make: NVVM and LLVM ops, and for the warp MMA and
    // the split combine thread ids, ldmatrix, loads, loops and vector and
    // math ops, which the NVVM pipeline after this pass lowers.
    target.addLegalDialect<arith::ArithDialect, gpu::GPUDialect,
                           LLVM::LLVMDialect, math::MathDialect,
                           memref::MemRefDialect, NVVM::NVVMDialect,
                           nvgpu::NVGPUDialect, scf::SCFDialect,
                           vector::VectorDialect>();
    RewritePatternSet patterns(ctx);
    populateMLAGPUToNVVMConversionPatterns(patterns, inputChecks);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mla_gpu::populateMLAGPUToNVVMConversionPatterns(
    RewritePatternSet &patterns, bool inputChecks) {
  patterns.add<BarrierLowering, AsyncCopyCommitLowering, AsyncCopyWaitLowering,
               FenceAsyncProxyLowering, FenceMBarrierInitLowering,
               WarpgroupFenceLowering, WarpgroupCommitLowering,
               WarpgroupWaitLowering, WarpgroupDescriptorLowering,
               WarpgroupMmaLowering, WarpgroupMmaRsLowering, WarpMmaLowering,
               WarpMmaRsLowering, CombineSplitsLowering, Exp2Lowering>(
      patterns.getContext());
  patterns.add<CheckInputLowering>(patterns.getContext(), inputChecks);
}
