//===- MLAGPUTiles.cpp - mla_gpu tile ops to nvgpu and memref ---*- C++ -*-===//
//
// `convert-mla-gpu-tiles`: one pattern per tile-level mla_gpu op. They run
// while the kernels are still `gpu.launch` bodies (right after
// mla-gpu-expand-kernels) and make upstream ops and the instruction-level
// mla_gpu ops, which convert-mla-gpu-to-nvvm lowers after outlining.
//
//===----------------------------------------------------------------------===//

#include "mla/Conversion/MLAGPUTiles/MLAGPUTiles.h"

#include "mla/Conversion/Passes.h"
#include "mla/Dialect/MLAGPU/IR/MLAGPU.h"
#include "mla/Dialect/MLAGPU/Utils/Arith.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

namespace mlir::mla {
#define GEN_PASS_DEF_CONVERTMLAGPUTILES
#include "mla/Conversion/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla_gpu;

namespace {

//===----------------------------------------------------------------------===//
// Named shared buffers
//===----------------------------------------------------------------------===//

/// mla_gpu.shared_memory → the dynamic shared memory viewed from its first
/// `align`-byte boundary: (align − address mod align) mod align bytes in
/// (nothing for align 16, the dynamic shared memory's own alignment).
struct SharedMemoryLowering : OpConversionPattern<SharedMemoryOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SharedMemoryOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MemRefType type = op.getMemory().getType();
    Value base = gpu::DynamicSharedMemoryOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                           MemRefLayoutAttrInterface(), type.getMemorySpace()));
    int64_t align = op.getAlign();
    Value start;
    if (align <= 16) {
      start = arith::ConstantIndexOp::create(b, 0);
    } else {
      Value bound = arith::ConstantIndexOp::create(b, align);
      Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, base);
      Value misalign = arith::RemUIOp::create(b, address, bound);
      start = arith::RemUIOp::create(
          b, arith::SubIOp::create(b, bound, misalign), bound);
    }
    rewriter.replaceOpWithNewOp<memref::ViewOp>(op, type, base, start,
                                                ValueRange{});
    return success();
  }
};

/// mla_gpu.shared_buffer → a memref.view of its memory at its offset.
struct SharedBufferLowering : OpConversionPattern<SharedBufferOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SharedBufferOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value offset =
        arith::ConstantIndexOp::create(rewriter, op.getLoc(), op.getOffset());
    rewriter.replaceOpWithNewOp<memref::ViewOp>(
        op, op.getBuffer().getType(), adaptor.getMemory(), offset,
        ValueRange{});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Tile loads
//===----------------------------------------------------------------------===//

/// The kernel-building helpers the load lowerings share.
struct LoadBuilder {
  ImplicitLocOpBuilder &b;
  Arith a{b};

  Value threadId() { return gpu::ThreadIdOp::create(b, gpu::Dimension::x); }
  /// A loop of the CTA's threads over [0, count): thread t takes t, t +
  /// threads, …; the builder is left in its body.
  Value strided(Value tid, Value count, int64_t threads) {
    auto loop = scf::ForOp::create(b, tid, count, a.idx(threads));
    b.setInsertionPointToStart(loop.getBody());
    return loop.getInductionVar();
  }
  /// One 16-byte cp.async of 8 elements, zero-filled unless `valid`.
  void copy8(Value dst, ValueRange dstIndices, Value src,
             ValueRange srcIndices, Value valid) {
    nvgpu::DeviceAsyncCopyOp::create(
        b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), dst, dstIndices,
        src, srcIndices, b.getIndexAttr(8), a.select(valid, a.idx(8), a.idx(0)),
        b.getUnitAttr());
  }
  /// The column of chunk col / 8 of row `row` in a 128B-swizzled atom:
  /// chunk c is stored as chunk c ⊕ (row mod 8), the pattern wgmma's and
  /// TMA's 128-byte swizzle reads (atoms start on 1024-byte boundaries).
  Value swizzled(Value row, Value col) {
    Value chunk = a.rem(a.div(col, 8), 8);
    return a.add(a.mul(a.xori(chunk, a.rem(row, 8)), 8), a.rem(col, 8));
  }
  /// Where (token, col) of stage `stage` of a token ring lives.
  SmallVector<Value> ringIndices(Swizzle swizzle, Value stage, Value token,
                                 Value col) {
    if (swizzle == Swizzle::None)
      return {stage, token, col};
    return {stage, a.div(col, 64), token, swizzled(token, col)};
  }
  /// The cache page of the request's cached position `pos`: its block-table
  /// entry, clamped into the cache (memory safety against a bad table). An
  /// entry that names no page is reported (mla_gpu.check_input) unless
  /// `used` is false (given for rows that read the table only to keep their
  /// address in bounds: an unused entry may be anything).
  Value pageOf(Value cache, Value table, Value request, Value pos,
               int64_t pageSize, Value used = Value()) {
    Value pages = memref::DimOp::create(b, cache, 0);
    Value page = a.toIndex(memref::LoadOp::create(
        b, table, ValueRange{request, a.div(pos, pageSize)}));
    Value fine = a.andi(a.ge(page, a.idx(0)), a.lt(page, pages));
    if (used)
      fine = a.ori(fine, a.xori(used, a.boolean(true)));
    CheckInputOp::create(b, fine, BadInput::AttentionPage, request, page,
                         pages);
    return a.min(a.max(page, a.idx(0)), a.sub(pages, a.idx(1)));
  }
  /// The thread's token row of tile `tile` of the split [start, end): rows
  /// of `threads / rows` threads each.
  struct Row {
    Value valid, page, slot;
  };
  Row lookUp(Value cache, Value table, Value request, Value tile,
             Value start, Value end, int64_t rows, int64_t threads) {
    int64_t pageSize = cast<MemRefType>(cache.getType()).getDimSize(1);
    Value token = a.div(threadId(), threads / rows);
    Value pos = a.add(a.add(start, a.mul(tile, rows)), token);
    Value valid = a.lt(pos, end);
    pos = a.select(valid, pos, a.idx(0));
    // The table is read only for positions in the split (a zero-length
    // request may have no column at all).
    auto read = scf::IfOp::create(b, b.getIndexType(), valid,
                                  /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(read.thenBlock());
      scf::YieldOp::create(b, pageOf(cache, table, request, pos, pageSize));
      b.setInsertionPointToStart(read.elseBlock());
      scf::YieldOp::create(b, a.idx(0));
    }
    return {valid, read.getResult(0), a.rem(pos, pageSize)};
  }
};

/// mla_gpu.load_tile → 16-byte cp.async of the window's chunks, strided over
/// the threads; rows past the source's end (or `valid`) copy 0 bytes from
/// row 0 (the address stays in bounds).
struct LoadTileLowering : OpConversionPattern<LoadTileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LoadTileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    LoadBuilder l{b};
    Arith &a = l.a;
    int64_t perRow = op.getCols() / 8;
    Value source = adaptor.getSource(), buffer = adaptor.getBuffer();
    ValueRange from = adaptor.getSourceIndices();
    SmallVector<Value> to(adaptor.getBufferIndices());
    Value limit = memref::DimOp::create(b, source, 0);
    Value c = l.strided(l.threadId(), a.idx(op.getRows() * perRow),
                        op.getThreads());
    Value r = a.div(c, perRow);
    Value col = a.mul(a.rem(c, perRow), 8);
    Value row = a.add(from[0], r);
    Value valid = a.lt(row, limit);
    if (Value rows = adaptor.getValid())
      valid = a.andi(valid, a.lt(r, rows));
    row = a.select(valid, row, a.idx(0));
    size_t n = to.size();
    if (op.getSwizzle() == Swizzle::None) {
      to[n - 2] = a.add(to[n - 2], r);
      to[n - 1] = a.add(to[n - 1], col);
    } else {
      Value logical = a.add(to[n - 1], col);
      Value tileRow = a.add(to[n - 2], r);
      to[n - 3] = a.add(to[n - 3], a.div(logical, 64));
      to[n - 2] = tileRow;
      to[n - 1] = l.swizzled(tileRow, a.rem(logical, 64));
    }
    l.copy8(buffer, to, source, {row, a.add(from[1], col)}, valid);
    rewriter.eraseOp(op);
    return success();
  }
};

/// mla_gpu.lookup_tokens → the thread's row: position, table read (only
/// inside the split), clamp, slot.
struct LookUpTokensLowering : OpConversionPattern<LookUpTokensOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LookUpTokensOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    LoadBuilder l{b};
    LoadBuilder::Row row =
        l.lookUp(adaptor.getCache(), adaptor.getTable(), adaptor.getRequest(),
                 adaptor.getTile(), adaptor.getStart(), adaptor.getEnd(),
                 op.getRows(), op.getThreads());
    rewriter.replaceOp(op, ValueRange{row.valid, row.page, row.slot});
    return success();
  }
};

/// mla_gpu.load_tokens → each token row by a group of threads after one
/// table lookup (the given row, or one looked up here), or, when the rows
/// do not split so, chunks strided over the threads with a lookup each.
struct LoadTokensLowering : OpConversionPattern<LoadTokensOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LoadTokensOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    LoadBuilder l{b};
    Arith &a = l.a;
    MemRefType cacheType = op.getCache().getType();
    auto ring = cast<MemRefType>(op.getBuffer().getType());
    Swizzle swizzle = op.getSwizzle();
    int64_t stages = ring.getDimSize(0);
    int64_t rows = ring.getDimSize(swizzle == Swizzle::None ? 1 : 2);
    int64_t pageSize = cacheType.getDimSize(1);
    int64_t perRow = cacheType.getDimSize(2) / 8; // 16-byte chunks
    int64_t threads = op.getThreads();
    Value cache = adaptor.getCache(), table = adaptor.getTable(),
          request = adaptor.getRequest(), tile = adaptor.getTile(),
          start = adaptor.getStart(), end = adaptor.getEnd(),
          buffer = adaptor.getBuffer();
    int64_t perToken = threads / rows;
    if (LoadTokensOp::loadsRowsByThreadGroups(threads, rows,
                                              cacheType.getDimSize(2))) {
      LoadBuilder::Row row =
          adaptor.getRowValid()
              ? LoadBuilder::Row{adaptor.getRowValid(), adaptor.getRowPage(),
                                 adaptor.getRowSlot()}
              : l.lookUp(cache, table, request, tile, start, end, rows,
                         threads);
      Value tid = l.threadId();
      Value stage = a.rem(tile, stages);
      Value token = a.div(tid, perToken);
      Value part = a.mul(a.rem(tid, perToken), 8);
      for (int64_t j = 0; j < perRow / perToken; ++j) {
        Value col = a.add(part, 8 * perToken * j);
        l.copy8(buffer, l.ringIndices(swizzle, stage, token, col), cache,
                {row.page, row.slot, col}, row.valid);
      }
      rewriter.eraseOp(op);
      return success();
    }
    Value stage = a.rem(tile, stages);
    Value first = a.add(start, a.mul(tile, rows));
    Value c = l.strided(l.threadId(), a.idx(rows * perRow), threads);
    Value token = a.div(c, perRow);
    Value col = a.mul(a.rem(c, perRow), 8);
    Value pos = a.add(first, token);
    Value valid = a.lt(pos, end);
    pos = a.select(valid, pos, start);
    l.copy8(buffer, l.ringIndices(swizzle, stage, token, col), cache,
            {l.pageOf(cache, table, request, pos, pageSize, valid),
             a.rem(pos, pageSize), col},
            valid);
    rewriter.eraseOp(op);
    return success();
  }
};

/// The wait on mbarrier tile mod `stages` of `barriers` for tile `tile`'s
/// phase: parity (tile / stages) mod 2.
void waitForTile(ImplicitLocOpBuilder &b, Arith &a, Value barriers, Value tile,
                 int64_t stages) {
  Value phase = a.rem(a.div(tile, stages), 2);
  Value parity =
      arith::CmpIOp::create(b, arith::CmpIPredicate::ne, phase, a.idx(0));
  nvgpu::MBarrierTryWaitParityOp::create(b, barriers, parity, a.idx(10000000),
                                         a.rem(tile, stages));
}

/// One TMA box [1, `rows`, 64] through `map` at `coordinates` (innermost
/// first, built after the box's view) into rows [`row`, `row` + `rows`) of atom `atom` of stage `stage`
/// of the ring `buffer` [S, A, T, 64], completing on the stage's mbarrier.
void loadBox(ImplicitLocOpBuilder &b, Value buffer, Value stage,
             OpFoldResult atom, OpFoldResult row, int64_t rows, Value barriers,
             Value map, function_ref<SmallVector<Value>()> coordinates) {
  auto ring = cast<MemRefType>(buffer.getType());
  SmallVector<OpFoldResult> offsets = {stage, atom, row, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                                     b.getIndexAttr(rows), b.getIndexAttr(64)};
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  MemRefType boxType = memref::SubViewOp::inferRankReducedResultType(
      {1, rows, 64}, ring, offsets, sizes, strides);
  Value box =
      memref::SubViewOp::create(b, boxType, buffer, offsets, sizes, strides);
  nvgpu::TmaAsyncLoadOp::create(b, box, barriers, map, coordinates(), stage,
                                Value(), Value());
}

/// mla_gpu.tma.load_tokens → on the issuing thread, when the tile is in the
/// split: the bytes announced on the stage's mbarrier, then one TMA box per
/// atom and page of the tile's tokens in the split. Box coordinates are
/// innermost first: (64·atom, slot, page).
struct TmaLoadTokensLowering : OpConversionPattern<TmaLoadTokensOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TmaLoadTokensOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    LoadBuilder l{b};
    Arith &a = l.a;
    MemRefType cacheType = op.getCache().getType();
    auto ring = cast<MemRefType>(op.getBuffer().getType());
    int64_t stages = ring.getDimSize(0), atoms = ring.getDimSize(1),
            tokens = ring.getDimSize(2);
    int64_t pageSize = cacheType.getDimSize(1);
    int64_t rows = std::min(pageSize, tokens); // a box's token rows
    int64_t elementBytes = cacheType.getElementTypeBitWidth() / 8;
    Value tile = adaptor.getTile(), end = adaptor.getEnd(),
          barriers = adaptor.getBarriers(), buffer = adaptor.getBuffer();
    Value first = a.add(adaptor.getStart(), a.mul(tile, tokens));
    auto issuer = scf::IfOp::create(
        b, a.andi(a.eq(l.threadId(), op.getIssuer()), a.lt(first, end)));
    b.setInsertionPointToStart(issuer.thenBlock());
    Value stage = a.rem(tile, stages);
    Value boxes = a.idx(1);
    if (rows < tokens)
      boxes = a.min(a.idx(tokens / rows), a.ceilDiv(a.sub(end, first), rows));
    Value bytes = a.mul(boxes, rows * 64 * elementBytes * atoms);
    nvgpu::MBarrierArriveExpectTxOp::create(b, barriers, bytes, stage,
                                            Value());
    auto pages = scf::ForOp::create(b, a.idx(0), boxes, a.idx(1));
    b.setInsertionPointToStart(pages.getBody());
    Value row = a.mul(pages.getInductionVar(), rows);
    Value pos = a.add(first, row);
    Value page = l.pageOf(adaptor.getCache(), adaptor.getTable(),
                          adaptor.getRequest(), pos, pageSize);
    Value slot = a.rem(pos, pageSize);
    for (int64_t atom = 0; atom < atoms; ++atom) {
      // Rows [row, row + rows) of atom `atom` of the stage.
      loadBox(b, buffer, stage, b.getIndexAttr(atom), row, rows, barriers,
              adaptor.getMap(), [&] {
                return SmallVector<Value>{a.idx(64 * atom), slot, page};
              });
    }
    rewriter.eraseOp(op);
    return success();
  }
};

/// mla_gpu.tma.wait_tokens → the wait on the stage's mbarrier for the
/// tile's parity, then, when the split ends inside the tile, its last rows
/// zeroed (16-byte stores strided over the threads) and fenced to the async
/// proxy.
struct TmaWaitTokensLowering : OpConversionPattern<TmaWaitTokensOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TmaWaitTokensOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    LoadBuilder l{b};
    Arith &a = l.a;
    auto ring = cast<MemRefType>(op.getBuffer().getType());
    int64_t stages = ring.getDimSize(0), atoms = ring.getDimSize(1),
            tokens = ring.getDimSize(2);
    Value tile = adaptor.getTile(), buffer = adaptor.getBuffer();
    waitForTile(b, a, adaptor.getBarriers(), tile, stages);
    Value valid =
        a.sub(adaptor.getEnd(), a.add(adaptor.getStart(), a.mul(tile, tokens)));
    auto partial = scf::IfOp::create(b, a.lt(valid, tokens));
    b.setInsertionPointToStart(partial.thenBlock());
    int64_t perRow = atoms * 8; // 16-byte chunks per token row
    Value chunks = a.mul(a.sub(a.idx(tokens), valid), perRow);
    {
      OpBuilder::InsertionGuard inner(b);
      Value c = l.strided(l.threadId(), chunks, op.getThreads());
      Value row = a.add(valid, a.div(c, perRow));
      Value within = a.rem(c, perRow);
      auto vector = VectorType::get({8}, ring.getElementType());
      Value zero = arith::ConstantOp::create(b, b.getZeroAttr(vector));
      vector::StoreOp::create(b, zero, buffer,
                              ValueRange{a.rem(tile, stages), a.div(within, 8),
                                         row, a.mul(a.rem(within, 8), 8)},
                              /*nontemporal=*/false, llvm::Align(16));
    }
    FenceAsyncProxyOp::create(b);
    rewriter.eraseOp(op);
    return success();
  }
};

/// mla_gpu.tma.load_tile → on the issuing thread: the tile's bytes
/// announced on the stage's mbarrier, then one TMA box per atom.
/// Coordinates are innermost first: (last index + 64·k, ..., first index).
struct TmaLoadTileLowering : OpConversionPattern<TmaLoadTileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TmaLoadTileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    LoadBuilder l{b};
    Arith &a = l.a;
    auto ring = cast<MemRefType>(op.getBuffer().getType());
    int64_t rows = ring.getDimSize(2);
    int64_t elementBytes = ring.getElementTypeBitWidth() / 8;
    Value stage = adaptor.getStage(), barriers = adaptor.getBarriers();
    auto issuer = scf::IfOp::create(b, a.eq(l.threadId(), op.getIssuer()));
    b.setInsertionPointToStart(issuer.thenBlock());
    nvgpu::MBarrierArriveExpectTxOp::create(
        b, barriers, a.idx(op.getCount() * rows * 64 * elementBytes), stage,
        Value());
    ValueRange indices = adaptor.getIndices();
    for (int64_t k = 0; k < static_cast<int64_t>(op.getCount()); ++k) {
      loadBox(b, adaptor.getBuffer(), stage,
              b.getIndexAttr(op.getFirst() + k), b.getIndexAttr(0), rows,
              barriers, adaptor.getMap(), [&] {
                return SmallVector<Value>{
                    k == 0 ? indices[2] : a.add(indices[2], a.idx(64 * k)),
                    indices[1], indices[0]};
              });
    }
    rewriter.eraseOp(op);
    return success();
  }
};

/// mla_gpu.tma.wait_tile → the wait on barrier tile mod S for the tile's
/// parity.
struct TmaWaitTileLowering : OpConversionPattern<TmaWaitTileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TmaWaitTileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Arith a{b};
    auto group = cast<nvgpu::MBarrierGroupType>(op.getBarriers().getType());
    int64_t stages = group.getNumBarriers();
    Value tile = adaptor.getTile();
    waitForTile(b, a, adaptor.getBarriers(), tile, stages);
    rewriter.eraseOp(op);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Online softmax
//===----------------------------------------------------------------------===//

/// `values` combined by `op` as a balanced tree: depth log2 n instead of a
/// chain of n − 1 dependent instructions (the row max and sum of a score
/// tile, whose chains would otherwise bound the softmax by latency).
static Value treeReduce(ArrayRef<Value> values,
                        function_ref<Value(Value, Value)> op) {
  SmallVector<Value> level(values);
  while (level.size() > 1) {
    SmallVector<Value> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(op(level[i], level[i + 1]));
    if (level.size() % 2)
      next.push_back(level.back());
    level = std::move(next);
  }
  return level.front();
}

/// mla_gpu.softmax_update → per row: the masked scores, the row max over
/// the quad (two xor shuffles), the rescale factor, the exponentials and
/// their sum; P packed into A fragments (C fragments 2k and 2k + 1 make A
/// fragment k).
struct SoftmaxUpdateLowering : OpConversionPattern<SoftmaxUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Arith a{b};
    Value scale = a.f32(op.getScale().convertToDouble() * M_LOG2E);
    Value negInf = a.negInf(), zero = a.f32(0);
    auto quadMax = [&](Value x) {
      for (int32_t offset : {1, 2}) {
        Value other =
            gpu::ShuffleOp::create(b, x, offset, 32, gpu::ShuffleMode::XOR)
                .getShuffleResult();
        x = a.fmax(x, other);
      }
      return x;
    };
    Value lane = a.rem(gpu::ThreadIdOp::create(b, gpu::Dimension::x), 32);
    Value firstToken = a.add(adaptor.getFirst(), a.mul(a.rem(lane, 4), 2));
    ValueRange scores = adaptor.getScores();
    const int64_t columns = 2 * static_cast<int64_t>(scores.size());
    // raw[r][2j + c]: the thread's scores of row r, token firstToken + 8j + c.
    SmallVector<Value> raw[2];
    for (int64_t r = 0; r < 2; ++r)
      for (Value fragment : scores)
        for (int64_t col = 0; col < 2; ++col)
          raw[r].push_back(vector::ExtractOp::create(
              b, fragment, ArrayRef<int64_t>{r, col}));
    // Row r's tokens before its limit, counted from the thread's first and
    // clamped into [0, 8·fragments] (i32: each column's test is then one
    // compare with an immediate). Where every token of the thread is before
    // both limits (every tile but the causal diagonal's and the length's)
    // nothing is masked.
    int64_t span = 8 * static_cast<int64_t>(scores.size());
    int64_t lastColumn = span - 8 + 1;
    Type i32 = b.getI32Type();
    Value room[2];
    for (int64_t r = 0; r < 2; ++r) {
      Value limit = r == 0 ? adaptor.getLimit0() : adaptor.getLimit1();
      room[r] = arith::IndexCastOp::create(
          b, i32,
          a.min(a.max(a.sub(limit, firstToken), a.idx(0)), a.idx(span)));
    }
    auto above = [&](Value x, int64_t k) {
      return arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, x,
                                   arith::ConstantIntOp::create(b, i32, k));
    };
    SmallVector<Type> rowTypes(2 * columns, b.getF32Type());
    auto mask = scf::IfOp::create(
        b, rowTypes,
        a.andi(above(room[0], lastColumn), above(room[1], lastColumn)),
        /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(mask.thenBlock());
      SmallVector<Value> all(raw[0]);
      llvm::append_range(all, raw[1]);
      scf::YieldOp::create(b, all);
      b.setInsertionPointToStart(mask.elseBlock());
      all.clear();
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t i = 0; i < columns; ++i)
          all.push_back(
              a.select(above(room[r], 8 * (i / 2) + i % 2), raw[r][i], negInf));
      scf::YieldOp::create(b, all);
    }
    SmallVector<Value> s[2];
    for (int64_t r = 0; r < 2; ++r)
      s[r].assign(mask.getResults().begin() + r * columns,
                  mask.getResults().begin() + (r + 1) * columns);
    // p = 2^(c·s − c·m̂): one fma and one ex2 per score.
    auto scaledExp2 = [&](Value x, Value negShift) -> Value {
      return Exp2Op::create(b, math::FmaOp::create(b, x, scale, negShift));
    };
    Value newMax[2], newSum[2], alpha[2];
    for (int64_t r = 0; r < 2; ++r) {
      Value oldMax = vector::ExtractOp::create(b, adaptor.getMax(), r);
      Value oldSum = vector::ExtractOp::create(b, adaptor.getSum(), r);
      Value rowMax =
          treeReduce(s[r], [&](Value x, Value y) { return a.fmax(x, y); });
      newMax[r] = a.fmax(oldMax, quadMax(rowMax));
      Value safe = a.select(
          a.fcmp(arith::CmpFPredicate::OEQ, newMax[r], negInf), zero,
          newMax[r]);
      Value negShift = arith::NegFOp::create(b, a.fmul(safe, scale));
      alpha[r] = scaledExp2(oldMax, negShift);
      for (Value &v : s[r])
        v = scaledExp2(v, negShift);
      Value sum =
          treeReduce(s[r], [&](Value x, Value y) { return a.fadd(x, y); });
      newSum[r] = math::FmaOp::create(b, oldSum, alpha[r], sum);
    }
    SmallVector<Value> results;
    Type element = op.getElement();
    auto fragmentType = VectorType::get({4, 2}, element);
    for (size_t k = 0; k < scores.size() / 2; ++k) {
      SmallVector<Value> elements;
      for (size_t j : {2 * k, 2 * k + 1})
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t col = 0; col < 2; ++col)
            elements.push_back(
                arith::TruncFOp::create(b, element, s[r][2 * j + col]));
      results.push_back(
          vector::FromElementsOp::create(b, fragmentType, elements));
    }
    auto pairType = VectorType::get({2}, b.getF32Type());
    for (Value *pair : {newMax, newSum, alpha})
      results.push_back(
          vector::FromElementsOp::create(b, pairType, ValueRange{pair[0], pair[1]}));
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// mla_gpu.scale_rows → each fragment times [f0, f0; f1, f1].
struct ScaleRowsLowering : OpConversionPattern<ScaleRowsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScaleRowsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value factors = adaptor.getFactors();
    Value rows[2] = {vector::ExtractOp::create(b, factors, 0),
                     vector::ExtractOp::create(b, factors, 1)};
    Value scale = vector::FromElementsOp::create(
        b, VectorType::get({2, 2}, b.getF32Type()),
        ValueRange{rows[0], rows[0], rows[1], rows[1]});
    SmallVector<Value> scaled;
    for (Value fragment : adaptor.getFragments())
      scaled.push_back(arith::MulFOp::create(b, fragment, scale));
    rewriter.replaceOp(op, scaled);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Fragment stores
//===----------------------------------------------------------------------===//

/// mla_gpu.store_fragments → per fragment row, inside the limit: each
/// fragment's pair of columns (times the row's factor, converted) as one
/// aligned vector store.
struct StoreFragmentsLowering : OpConversionPattern<StoreFragmentsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(StoreFragmentsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Arith a{b};
    Value dest = adaptor.getDest();
    Type element = cast<MemRefType>(dest.getType()).getElementType();
    auto pairType = VectorType::get({2}, element);
    auto f32Pair = VectorType::get({2}, b.getF32Type());
    uint64_t pairBytes = 2 * element.getIntOrFloatBitWidth() / 8;
    Value lane = a.rem(gpu::ThreadIdOp::create(b, gpu::Dimension::x), 32);
    Value quadRow = a.div(lane, 4);
    Value col = a.add(adaptor.getCol(), a.mul(a.rem(lane, 4), 2));
    Value limit = memref::DimOp::create(b, dest, 0);
    if (Value given = adaptor.getLimit())
      limit = a.min(limit, given);
    for (int64_t r = 0; r < 2; ++r) {
      // normalize: 1 / l, or 0 for a row with no positive sum.
      Value inverse;
      if (Value sums = adaptor.getNormalize()) {
        Value sum = vector::ExtractOp::create(b, sums, r);
        Value zero = a.f32(0);
        inverse =
            a.select(a.fcmp(arith::CmpFPredicate::OGT, sum, zero),
                     a.fdiv(a.f32(1), sum), zero);
      }
      Value row = a.add(adaptor.getRow(), a.add(quadRow, 8 * r));
      auto inside = scf::IfOp::create(b, a.lt(row, limit));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(inside.thenBlock());
      Value factor;
      if (Value scale = adaptor.getScale())
        factor = vector::BroadcastOp::create(
            b, f32Pair, vector::ExtractOp::create(b, scale, r));
      else if (inverse)
        factor = vector::BroadcastOp::create(b, f32Pair, inverse);
      for (auto [j, fragment] : llvm::enumerate(adaptor.getFragments())) {
        Value pair =
            vector::ExtractOp::create(b, fragment, ArrayRef<int64_t>{r});
        if (factor)
          pair = a.fmul(pair, factor);
        if (!element.isF32())
          pair = arith::TruncFOp::create(b, pairType, pair);
        vector::StoreOp::create(
            b, pair, dest,
            ValueRange{row, a.add(col, 8 * static_cast<int64_t>(j))},
            /*nontemporal=*/false, llvm::Align(pairBytes));
      }
    }
    rewriter.eraseOp(op);
    return success();
  }
};

/// mla_gpu.store_operand → per fragment, half and row, the thread's pair as
/// one 4-byte store at its (swizzled) column.
struct StoreOperandLowering : OpConversionPattern<StoreOperandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(StoreOperandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    LoadBuilder l{b};
    Arith &a = l.a;
    Value lane = a.rem(l.threadId(), 32);
    Value quadRow = a.div(lane, 4), quadCol = a.rem(lane, 4);
    Value buffer = adaptor.getBuffer();
    bool swizzled = op.getSwizzle() == Swizzle::B128;
    for (auto [k, fragment] : llvm::enumerate(adaptor.getFragments()))
      for (int64_t half = 0; half < 2; ++half)
        for (int64_t r = 0; r < 2; ++r) {
          // Row 2·half + r of the fragment: tile row r of columns
          // 16k + 8·half ...
          Value row = a.add(adaptor.getRow(), a.add(quadRow, 8 * r));
          Value logical =
              a.add(adaptor.getCol(), 16 * static_cast<int64_t>(k) + 8 * half);
          Value col =
              swizzled
                  ? a.add(a.mul(a.xori(a.div(logical, 8), a.rem(row, 8)), 8),
                          a.mul(quadCol, 2))
                  : a.add(logical, a.mul(quadCol, 2));
          Value pair = vector::ExtractOp::create(
              b, fragment, ArrayRef<int64_t>{2 * half + r});
          vector::StoreOp::create(b, pair, buffer, ValueRange{row, col},
                                  /*nontemporal=*/false, llvm::Align(4));
        }
    rewriter.eraseOp(op);
    return success();
  }
};

struct ConvertMLAGPUTiles
    : mla::impl::ConvertMLAGPUTilesBase<ConvertMLAGPUTiles> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    configureMLAGPUTilesTarget(target);
    RewritePatternSet patterns(ctx);
    populateMLAGPUTilesConversionPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mla_gpu::configureMLAGPUTilesTarget(ConversionTarget &target) {
  target.addIllegalOp<
      SharedMemoryOp, SharedBufferOp, LoadTileOp, LookUpTokensOp, LoadTokensOp,
      TmaLoadTokensOp, TmaWaitTokensOp, TmaLoadTileOp, TmaWaitTileOp,
      SoftmaxUpdateOp, ScaleRowsOp, StoreFragmentsOp, StoreOperandOp>();
}

void mla_gpu::populateMLAGPUTilesConversionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SharedMemoryLowering, SharedBufferLowering, LoadTileLowering,
               LookUpTokensLowering, LoadTokensLowering, TmaLoadTokensLowering,
               TmaWaitTokensLowering, TmaLoadTileLowering, TmaWaitTileLowering,
               SoftmaxUpdateLowering, ScaleRowsLowering, StoreFragmentsLowering,
               StoreOperandLowering>(patterns.getContext());
}
