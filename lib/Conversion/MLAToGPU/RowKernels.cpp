//===- RowKernels.cpp - Bandwidth-bound kernels over rows -------*- C++ -*-===//
//
// `mla_gpu.rms_norm` (a host-level op on buffers) → its kernel, `rms_norm`:
// one warp per row, four rows per CTA. Each lane reads the row's columns
// lane, lane + 32, … (consecutive lanes, consecutive addresses), sums their
// squares in f32, the warp adds its 32 partial sums with a butterfly of
// shuffles, and the lanes write x · rsqrt(mean + ε) · w in the result's
// element type (the rounding of an f32 product to bf16 fused in). The second
// pass re-reads the row, from L1/L2: rows are at most a few KiB.
//
// The generic path gave the row's reduction to one thread: 64 threads for a
// decode step's 64 rows, each summing 1536 values sequentially from memory
// (~2.4 ms per norm on an H100).
//
// `mla.rope_kernel` → `rope`: a CTA per (token, 32 heads), a thread per
// (pair, 8 heads). A thread computes its pair's cos/sin once (f64 angle, the
// reference lowering's ops: mla/Dialect/MLA/Utils/Rope.h) and rotates that
// pair in its 8 heads, their loads issued together; consecutive threads take
// consecutive pairs, so a head's R elements are read and written by
// consecutive lanes. The generic path computed the f64 angle once per
// element (~88 µs for V3's q_pe at batch 64 under ncu).
//
// `mla.kv_append_kernel` → `kv_append`: a warp per new token does the kv
// down-projection's whole epilogue — the RMSNorm of its L latent columns
// (as `rms_norm`), the rotation of its R rope columns (as `rope`, rounded to
// the cache's type first) — and writes both into the token's slot of its
// page. It replaces four kernels of the generic path (the norm, the
// rounding, the rope, the append's concatenation and scatter).
//
//===----------------------------------------------------------------------===//

#include "mla/Conversion/MLAToGPU/MLAToGPU.h"

#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/Dialect/MLAGPU/IR/MLAGPU.h"
#include "mla/Dialect/MLA/Utils/Rope.h"
#include "mla/Dialect/MLAGPU/Utils/Arith.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

/// Rows per CTA: one warp each.
constexpr int64_t kRowsPerBlock = 4;

Value toF32(ImplicitLocOpBuilder &b, Value v) {
  return v.getType().isF32() ? v : arith::ExtFOp::create(b, b.getF32Type(), v);
}

/// `value` (any float type) as f32, rounded to `rounding` first when it is
/// narrower than `value`'s type.
Value roundedToF32(ImplicitLocOpBuilder &b, Value value, Type rounding) {
  if (value.getType() != rounding &&
      rounding.getIntOrFloatBitWidth() <
          value.getType().getIntOrFloatBitWidth())
    value = arith::TruncFOp::create(b, rounding, value);
  return toF32(b, value);
}

/// `value` (f32) in `element`.
Value fromF32(ImplicitLocOpBuilder &b, Value value, Type element) {
  return element.isF32() ? value
                         : arith::TruncFOp::create(b, element, value).getResult();
}

/// Names a launch for the kernel-name tests and the profiles.
void nameKernel(ImplicitLocOpBuilder &b, gpu::LaunchOp launch, StringRef name) {
  launch->setAttr(MLADialect::kKernelAttrName, b.getStringAttr(name));
  launch.setFunctionAttr(FlatSymbolRefAttr::get(b.getContext(), name));
}

/// Calls `body` for the columns lane, lane + 32, … of a row of `columns`
/// (index), `unroll` of them per iteration of one scf.for (their loads issue
/// together: a warp's loads are latency-bound, not bandwidth-bound, at these
/// row widths); `body` takes the iteration's columns and the loop's carried
/// values and returns the next ones. The unroll divides the columns per lane
/// when they are static (1536 / 32 = 48: 8), else is 1.
ValueRange forLaneColumns(
    ImplicitLocOpBuilder &b, Value lane, Value columns, ValueRange init,
    function_ref<SmallVector<Value>(ArrayRef<Value>, ValueRange)> body) {
  mla_gpu::Arith a{b};
  int64_t unroll = 1;
  if (std::optional<int64_t> count = getConstantIntValue(columns))
    for (int64_t u : {8, 4, 2})
      if (*count % (32 * u) == 0) {
        unroll = u;
        break;
      }
  auto loop = scf::ForOp::create(b, lane, columns, a.idx(32 * unroll), init);
  OpBuilder::InsertionGuard guard(b);
  // Without carried values the loop already ends in its scf.yield.
  if (init.empty())
    b.setInsertionPoint(loop.getBody()->getTerminator());
  else
    b.setInsertionPointToStart(loop.getBody());
  SmallVector<Value> at;
  for (int64_t u = 0; u < unroll; ++u)
    at.push_back(a.add(loop.getInductionVar(), 32 * u));
  SmallVector<Value> next = body(at, loop.getRegionIterArgs());
  if (!init.empty())
    scf::YieldOp::create(b, next);
  return loop.getResults();
}

/// A warp's RMSNorm of one row: `load(column)` gives x in f32, `store(column,
/// y)` takes y = x · rsqrt(mean(x²) + ε) · weight[column] in f32. The sum of
/// squares is the lanes' partial sums added by a butterfly of xor shuffles;
/// the second pass re-reads the row (from L1/L2: a few KiB).
void emitWarpRowNorm(ImplicitLocOpBuilder &b, Value lane, Value columns,
                     Value weight, double epsilon,
                     function_ref<Value(Value)> load,
                     function_ref<void(Value, Value)> store) {
  mla_gpu::Arith a{b};
  Value sum = forLaneColumns(
      b, lane, columns, ValueRange{a.f32(0.0)},
      [&](ArrayRef<Value> at, ValueRange acc) -> SmallVector<Value> {
        SmallVector<Value> xs;
        for (Value column : at)
          xs.push_back(load(column));
        Value partial = acc[0];
        for (Value x : xs)
          partial = math::FmaOp::create(b, x, x, partial);
        return {partial};
      })[0];
  for (int offset = 16; offset >= 1; offset /= 2)
    sum = a.fadd(sum, gpu::ShuffleOp::create(b, sum, offset, 32,
                                             gpu::ShuffleMode::XOR)
                          .getShuffleResult());
  Value count = arith::UIToFPOp::create(
      b, b.getF32Type(),
      arith::IndexCastUIOp::create(b, b.getI32Type(), columns));
  Value rstd =
      math::RsqrtOp::create(b, a.fadd(a.fdiv(sum, count), a.f32(epsilon)));
  forLaneColumns(b, lane, columns, ValueRange{},
                 [&](ArrayRef<Value> at, ValueRange) -> SmallVector<Value> {
                   SmallVector<Value> xs, ws;
                   for (Value column : at) {
                     xs.push_back(load(column));
                     ws.push_back(toF32(
                         b, memref::LoadOp::create(b, weight, column)));
                   }
                   for (auto [column, x, w] : llvm::zip(at, xs, ws))
                     store(column, a.fmul(a.fmul(x, rstd), w));
                   return {};
                 });
}

/// A kernel of one warp per row, kRowsPerBlock rows per CTA, named `name`:
/// the builder is left inside the launch, under the test that the warp's row
/// exists; `finish` ends the launch.
struct WarpPerRow {
  gpu::LaunchOp launch;
  Value lane;
  Value row;

  static WarpPerRow create(ImplicitLocOpBuilder &b, Value rows,
                           StringRef name) {
    mla_gpu::Arith a{b};
    Value one = a.idx(1);
    auto launch = gpu::LaunchOp::create(b, a.ceilDiv(rows, kRowsPerBlock), one,
                                        one, a.idx(32 * kRowsPerBlock), one,
                                        one);
    nameKernel(b, launch, name);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value tid = launch.getThreadIds().x;
    Value row =
        a.add(a.mul(launch.getBlockIds().x, kRowsPerBlock), a.div(tid, 32));
    auto inside = scf::IfOp::create(b, a.lt(row, rows), /*withElse=*/false);
    b.setInsertionPointToStart(inside.thenBlock());
    return {launch, a.rem(tid, 32), row};
  }
};

/// Ends `launch`'s body (the builder moves past the code emitted in it).
void finishLaunch(ImplicitLocOpBuilder &b, gpu::LaunchOp launch) {
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b);
}

struct RMSNormToKernel : OpRewritePattern<mla_gpu::RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(mla_gpu::RMSNormOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    mla_gpu::Arith a{b};
    Value input = op.getInput(), weight = op.getWeight(),
          result = op.getResult();
    Type outElement = cast<MemRefType>(result.getType()).getElementType();
    Value rows = memref::DimOp::create(b, input, 0);
    auto inputType = cast<MemRefType>(input.getType());
    // A static width as a constant: the column loops unroll by it.
    Value columns = inputType.isDynamicDim(1)
                        ? memref::DimOp::create(b, input, 1).getResult()
                        : a.idx(inputType.getDimSize(1));
    WarpPerRow warp = WarpPerRow::create(b, rows, "rms_norm");
    Value lane = warp.lane, row = warp.row;
    emitWarpRowNorm(
        b, lane, columns, weight, op.getEpsilon().convertToDouble(),
        [&](Value column) {
          return toF32(b,
                       memref::LoadOp::create(b, input, ValueRange{row, column}));
        },
        [&](Value column, Value y) {
          memref::StoreOp::create(b, fromF32(b, y, outElement), result,
                                  ValueRange{row, column});
        });
    finishLaunch(b, warp.launch);
    rewriter.eraseOp(op);
    return success();
  }
};

struct RopeToKernel : OpRewritePattern<RopeKernelOp> {
  using OpRewritePattern::OpRewritePattern;

  /// Threads per CTA (pairs × head groups).
  static constexpr int64_t kThreads = 128;
  /// Heads a thread rotates with its pair's cos/sin (their loads issue
  /// together).
  static constexpr int64_t kHeadsPerThread = 8;

  LogicalResult matchAndRewrite(RopeKernelOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    mla_gpu::Arith a{b};
    ConfigAttr config = op.getConfig();
    Value input = op.getInput(), result = op.getResult();
    auto resultType = cast<MemRefType>(result.getType());
    bool perHead = resultType.getRank() == 4;
    int64_t ropeDim = config.getQkRopeDim();
    int64_t pairs = ropeDim / 2;
    int64_t pairThreads = std::min(pairs, kThreads);
    // Without a heads dimension (k_pe [B, S, R]) one group: the others would
    // only repeat it.
    int64_t headGroups =
        perHead ? std::max<int64_t>(1, kThreads / pairThreads) : 1;
    int64_t perThread = perHead ? kHeadsPerThread : 1;
    int64_t headsPerBlock = headGroups * perThread;
    Value batch = memref::DimOp::create(b, input, 0);
    Value tokens = memref::DimOp::create(b, input, 1);
    int64_t staticHeads = perHead ? resultType.getDimSize(2) : 1;
    Value heads = ShapedType::isDynamic(staticHeads)
                      ? memref::DimOp::create(b, input, 2).getResult()
                      : a.idx(staticHeads);
    // Heads past the last are clamped on load and not stored, unless the
    // CTAs cover the heads exactly.
    bool exact = !ShapedType::isDynamic(staticHeads) &&
                 staticHeads % headsPerBlock == 0;
    Value one = a.idx(1);
    auto launch = gpu::LaunchOp::create(
        b, a.mul(batch, tokens), a.ceilDiv(heads, headsPerBlock), one,
        a.idx(pairThreads), a.idx(headGroups), one);
    nameKernel(b, launch, "rope");
    b.setInsertionPointToStart(&launch.getBody().front());
    Value token = launch.getBlockIds().x;
    Value request = arith::DivUIOp::create(b, token, tokens);
    Value s = arith::RemUIOp::create(b, token, tokens);
    Value firstHead = a.add(a.mul(launch.getBlockIds().y, headsPerBlock),
                            launch.getThreadIds().y);
    Value position =
        memref::LoadOp::create(b, op.getPositions(), ValueRange{request, s});
    auto loop = scf::ForOp::create(b, launch.getThreadIds().x, a.idx(pairs),
                                   a.idx(pairThreads));
    b.setInsertionPointToStart(loop.getBody());
    Value pair = loop.getInductionVar();
    auto [c0, c1] =
        buildRopePairColumns(b, pair, ropeDim, config.getRopeStyle());
    auto at = [&](Value head, Value column) -> SmallVector<Value> {
      if (perHead)
        return {request, s, head, column};
      return {request, s, column};
    };
    Type element = resultType.getElementType();
    // The pair's rotation once, then its elements in kHeadsPerThread heads
    // (head groups interleaved: consecutive threads.y, consecutive heads).
    RopeRotation rotation = buildRopeRotation(b, pair, position, config);
    Value lastHead = a.sub(heads, one);
    SmallVector<Value> headOf, loaded;
    for (int64_t k = 0; k < perThread; ++k) {
      Value head = a.add(firstHead, k * headGroups);
      headOf.push_back(head);
      Value readHead = exact ? head : a.min(head, lastHead);
      loaded.push_back(roundedToF32(
          b, memref::LoadOp::create(b, input, at(readHead, c0)), element));
      loaded.push_back(roundedToF32(
          b, memref::LoadOp::create(b, input, at(readHead, c1)), element));
    }
    for (int64_t k = 0; k < perThread; ++k) {
      auto [y0, y1] =
          buildRopeRotatePair(b, loaded[2 * k], loaded[2 * k + 1], rotation);
      OpBuilder::InsertionGuard guard(b);
      if (!exact)
        b.setInsertionPointToStart(
            scf::IfOp::create(b, a.lt(headOf[k], heads), /*withElse=*/false)
                .thenBlock());
      memref::StoreOp::create(b, fromF32(b, y0, element), result,
                              at(headOf[k], c0));
      memref::StoreOp::create(b, fromF32(b, y1, element), result,
                              at(headOf[k], c1));
    }
    finishLaunch(b, launch);
    rewriter.eraseOp(op);
    return success();
  }
};

struct KVAppendToKernel : OpRewritePattern<KVAppendKernelOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(KVAppendKernelOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    mla_gpu::Arith a{b};
    ConfigAttr config = op.getConfig();
    Value kv = op.getKv(), cache = op.getCache(), table = op.getBlockTable();
    Type element = cast<MemRefType>(cache.getType()).getElementType();
    int64_t latentDim = config.getKvLoraRank();
    int64_t ropeDim = config.getQkRopeDim();
    Value batch = memref::DimOp::create(b, kv, 0);
    Value tokens = memref::DimOp::create(b, kv, 1);
    WarpPerRow warp = WarpPerRow::create(b, a.mul(batch, tokens), "kv_append");
    Value lane = warp.lane, row = warp.row;
    Value request = arith::DivUIOp::create(b, row, tokens);
    Value s = arith::RemUIOp::create(b, row, tokens);
    // The token's logical position t = seq_lens[b] - S + s, its page and
    // slot; a token outside its table row or the cache writes nothing (the
    // condition is the warp's: its shuffles below stay converged) and is
    // reported (mla_gpu.check_input).
    Value length = a.toIndex(
        memref::LoadOp::create(b, op.getSeqLens(), ValueRange{request}));
    Value t = a.add(a.sub(length, tokens), s);
    Value pageSize = memref::DimOp::create(b, cache, 1);
    Value zero = a.idx(0);
    Value nonNegative = arith::CmpIOp::create(b, arith::CmpIPredicate::sge, t,
                                              zero);
    mla_gpu::CheckInputOp::create(b, nonNegative,
                                  mla_gpu::BadInput::AppendBeforeStart,
                                  request, length, tokens);
    Value tableIndex =
        arith::DivUIOp::create(b, a.select(nonNegative, t, zero), pageSize);
    Value tableWidth = memref::DimOp::create(b, table, 1);
    Value inRow = a.lt(tableIndex, tableWidth);
    mla_gpu::CheckInputOp::create(b, inRow, mla_gpu::BadInput::AppendLength,
                                  request, t, a.mul(tableWidth, pageSize));
    Value inTable = a.andi(nonNegative, inRow);
    auto tableIf = scf::IfOp::create(b, inTable, /*withElse=*/false);
    b.setInsertionPointToStart(tableIf.thenBlock());
    Value page = a.toIndex(
        memref::LoadOp::create(b, table, ValueRange{request, tableIndex}));
    Value pages = memref::DimOp::create(b, cache, 0);
    Value inCache = a.andi(a.ge(page, zero), a.lt(page, pages));
    mla_gpu::CheckInputOp::create(b, inCache, mla_gpu::BadInput::AppendPage,
                                  request, page, pages);
    auto pageIf = scf::IfOp::create(b, inCache, /*withElse=*/false);
    b.setInsertionPointToStart(pageIf.thenBlock());
    Value slot = arith::RemUIOp::create(b, t, pageSize);

    // c_KV normalised into the page.
    emitWarpRowNorm(
        b, lane, a.idx(latentDim), op.getNorm(),
        op.getEpsilon().convertToDouble(),
        [&](Value column) {
          return toF32(
              b, memref::LoadOp::create(b, kv, ValueRange{request, s, column}));
        },
        [&](Value column, Value y) {
          memref::StoreOp::create(b, fromF32(b, y, element), cache,
                                  ValueRange{page, slot, column});
        });

    // k_pe: pair by pair, rounded to the cache's type, rotated, into the
    // page after c_KV.
    Value position =
        memref::LoadOp::create(b, op.getPositions(), ValueRange{request, s});
    auto pairs = scf::ForOp::create(b, lane, a.idx(ropeDim / 2), a.idx(32));
    b.setInsertionPointToStart(pairs.getBody());
    Value pair = pairs.getInductionVar();
    auto [c0, c1] =
        buildRopePairColumns(b, pair, ropeDim, config.getRopeStyle());
    auto load = [&](Value column) {
      return roundedToF32(
          b,
          memref::LoadOp::create(b, kv,
                                 ValueRange{request, s, a.add(column, latentDim)}),
          element);
    };
    Value x0 = load(c0), x1 = load(c1);
    RopeRotation rotation = buildRopeRotation(b, pair, position, config);
    auto [y0, y1] = buildRopeRotatePair(b, x0, x1, rotation);
    memref::StoreOp::create(b, fromF32(b, y0, element), cache,
                            ValueRange{page, slot, a.add(c0, latentDim)});
    memref::StoreOp::create(b, fromF32(b, y1, element), cache,
                            ValueRange{page, slot, a.add(c1, latentDim)});
    finishLaunch(b, warp.launch);
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void mlir::mla::populateMLAGPURowKernelPatterns(RewritePatternSet &patterns) {
  patterns.add<RMSNormToKernel, RopeToKernel, KVAppendToKernel>(
      patterns.getContext());
}
