//===- DecodeKernel.cpp - The fused MLA decode kernel as IR -----*- C++ -*-===//
//
// Emits the attention of `mla.fused_decode` as a hand-structured tensor-core
// kernel in a `gpu.launch` (nvgpu.mma.sync m16n8k16, ldmatrix, cp.async),
// plus the kernel that merges split-KV partial results. Host-side it takes
// buffers: q_lat [B, S, H, L] and q_pe [B, S, H, R] in the cache's element
// type, the paged cache [P, G, L+R], block table [B, M], lengths [B].
//
// One CTA per (split k, block of query rows, request b). The query rows of a
// request are its S·H (query, head) pairs, row = s·H + h. A CTA's warps:
//
//            output columns (L = 512)  ──►
//          ┌───────────── cs = 0 ───────────┬──────── cs = 1 ────────┐
//  rows  0 │ warp 0: S over dims 0..287     │ warp 4: S over 288..575│
//       16 │ warp 1                         │ warp 5                 │
//       32 │ warp 2        O[16, 0..255]    │ warp 6   O[16,256..511]│
//       48 │ warp 3                         │ warp 7                 │
//          └────────────────────────────────┴────────────────────────┘
//
// Each warp owns 16 rows (its row group rg) and 1/colSplits of the output
// columns (cs). Scores S = Q·Kᵀ for a tile of `blockTokens` tokens are split
// over the contraction dim between the warps of a row group, which exchange
// their partial sums through shared memory, so every warp then holds its
// rows' full scores and does the same online-softmax update. P (bf16/f16,
// registers: the C fragments of S are the A fragments of P·V) times the
// tile's first L columns accumulates into the warp's O columns.
//
// Shared memory (dynamic): Q [tileRows, pitch], `stages` × KV [blockTokens,
// pitch], the score exchange [2][warps][blockTokens/2][32] f32. Tiles are
// loaded with cp.async, token row by token row through the block table, so a
// cached token is read once for all the query rows of its CTA (all heads of a
// request when S·H ≤ 64); slots past the request's length are zero-filled
// and never read from memory, so NaN in unused slots cannot leak.
//
//===----------------------------------------------------------------------===//

#include "DecodeKernel.h"

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::mla;

namespace {

/// Index and f32 arithmetic, so that emission code reads like the kernel.
struct Arith {
  ImplicitLocOpBuilder &b;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value f32(double v) {
    return arith::ConstantFloatOp::create(b, b.getF32Type(),
                                          APFloat(static_cast<float>(v)));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value add(Value x, int64_t y) { return y == 0 ? x : add(x, idx(y)); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value mul(Value x, int64_t y) { return mul(x, idx(y)); }
  Value div(Value x, int64_t y) { return arith::DivUIOp::create(b, x, idx(y)); }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, x, idx(y)); }
  Value min(Value x, Value y) { return arith::MinSIOp::create(b, x, y); }
  Value max(Value x, Value y) { return arith::MaxSIOp::create(b, x, y); }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::slt, x, y);
  }
  Value lt(Value x, int64_t y) { return lt(x, idx(y)); }
  Value eq(Value x, int64_t y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::eq, x, idx(y));
  }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, x, y); }
  Value xori(Value x, Value y) { return arith::XOrIOp::create(b, x, y); }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, c, x, y);
  }
  Value ceilDiv(Value x, int64_t y) { return div(add(x, y - 1), y); }
  Value toIndex(Value x) {
    return arith::IndexCastOp::create(b, b.getIndexType(), x);
  }

  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, x, y); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, x, y); }
  Value fdiv(Value x, Value y) { return arith::DivFOp::create(b, x, y); }
  Value fmax(Value x, Value y) { return arith::MaximumFOp::create(b, x, y); }
  Value fcmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, p, x, y);
  }
  Value exp2(Value x) { return math::Exp2Op::create(b, x); }
  Value negInf() { return f32(-std::numeric_limits<double>::infinity()); }
};

/// A warp's fragment types for mma.sync m16n8k16 (f32 accumulation).
struct Fragments {
  VectorType a, b, c;
  Fragments(Type element, MLIRContext *ctx)
      : a(VectorType::get({4, 2}, element)),
        b(VectorType::get({2, 2}, element)),
        c(VectorType::get({2, 2}, Float32Type::get(ctx))) {}
};

/// Per-lane row/column offsets of the ldmatrix.x4 addresses (lane = 8·i + j
/// gives the address of row j of 8×8 matrix i):
///  - `rowMajor`: a 16×16 tile read as matrices i = rows 8·(i%2).., cols
///    8·(i/2)..: an A fragment (Q, P's producers) or, transposed, the B
///    fragments of two 8-wide n-tiles of a k-major operand (V, W_UV);
///  - `nMajor`: matrices i = rows 8·(i/2).., cols 8·(i%2)..: the B fragments
///    of two n-tiles of an operand stored n-major (K, W_UK).
struct LaneLayout {
  Value rowMajorRow, rowMajorCol, nMajorRow, nMajorCol;
};

/// Values every helper of the attention kernel uses: ids, the CTA's work,
/// the shared-memory views.
struct CTA {
  Value request, split, rowBlock, tid, lane, warp, rowGroup, colSlice;
  Value quadRow, quadCol; // lane / 4, lane % 4: a fragment's row and columns.
  Value length, start, end, tiles;
  // Balanced schedule: whether the CTA has work (its split is below the
  // request's CTA count) and whether it is the request's only CTA (then it
  // writes o_lat itself).
  Value active, single;
  Value rowBase; // first query row of the CTA
  LaneLayout layout;
  // Shared memory. mma.sync: query [tileRows, pitch], tokens [stages,
  // blockTokens, pitch], exchange [2, warps, blockTokens / 2, 32] f32.
  // wgmma: query [dim / 64, 64, 64], tokens [stages, dim / 64, blockTokens,
  // 64] (128B-swizzled atoms), probs [64, 64], rowStats [3, 64] f32 (the
  // rescale factor, max and sum of each row), and the byte addresses (i64)
  // of the first three, for the wgmma descriptors.
  Value query, tokens, exchange;
  Value probs, rowStats;
  Value queryAddress, tokensAddress, probsAddress;
};

/// The online-softmax state of a thread's two rows (quadRow, quadRow + 8).
struct SoftmaxState {
  Value max[2], sum[2];
  Value alpha[2];         // the last update's rescale factors
  SmallVector<Value> out; // the warp's O columns, one C fragment per 8
};

class DecodeKernelEmitter {
public:
  DecodeKernelEmitter(ImplicitLocOpBuilder &b, const DecodeKernelSpec &spec)
      : b(b), a{b}, spec(spec), frag(spec.elementType, b.getContext()) {}

  void emitAttention(const DecodeKernelOperands &ops);
  void emitWarpgroupAttention(const DecodeKernelOperands &ops);
  void emitCombine(const DecodeKernelOperands &ops);
  void emitSchedule(const DecodeKernelOperands &ops);
  void emitHeadProduct(Value input, Value weight, Value output, int64_t k,
                       int64_t n, bool weightKMajor, Value batch,
                       StringRef name);

private:
  ImplicitLocOpBuilder &b;
  Arith a;
  const DecodeKernelSpec &spec;
  Fragments frag;
  const DecodeKernelOperands *ops = nullptr;

  int64_t chunksPerRow() const { return spec.dim / 8; }
  int64_t scoreTiles() const { return spec.blockTokens / 8; }
  int64_t outTiles() const { return spec.latent / 8 / spec.colSplits(); }
  int64_t scoreSteps() const { return spec.dim / 16 / spec.colSplits(); }

  gpu::LaunchOp launch(Value gridX, Value gridY, Value gridZ, int64_t threads,
                       int64_t sharedBytes);
  CTA setUpCTA(gpu::LaunchOp launch);
  /// With the balanced schedule, the rest of the kernel runs only in CTAs
  /// that have work (a uniform condition: barriers inside stay legal); the
  /// builder is left inside. Null when every CTA works.
  scf::IfOp guardActive(const CTA &cta) {
    if (!spec.balanced())
      return nullptr;
    auto active = scf::IfOp::create(b, cta.active);
    b.setInsertionPointToStart(active.thenBlock());
    return active;
  }
  void loadQueryTile(const CTA &cta);
  /// Where this thread's token row of a tile lives (row-per-thread-group
  /// loading): whether it is in the split, its page and slot.
  struct TokenRow {
    Value valid, page, slot;
  };
  bool loadsRowPerThreadGroup() const {
    int64_t perToken = spec.threads() / spec.blockTokens;
    return spec.threads() % spec.blockTokens == 0 &&
           chunksPerRow() % perToken == 0;
  }
  /// The cache page of the request's cached position `pos`: its block-table
  /// entry, clamped into the cache (memory safety against a bad table).
  Value pageOf(const CTA &cta, Value pos) {
    Value lastPage =
        a.sub(memref::DimOp::create(b, ops->cache, 0).getResult(), a.idx(1));
    Value page = a.toIndex(memref::LoadOp::create(
        b, ops->blockTable,
        ValueRange{cta.request, a.div(pos, spec.pageSize)}));
    return a.min(a.max(page, a.idx(0)), lastPage);
  }
  TokenRow lookUpRow(const CTA &cta, Value tile);
  void copyRow(const CTA &cta, Value tile, const TokenRow &row);
  void loadLatentTile(const CTA &cta, Value tile);
  // Barriers and cp.async group fences as side-effecting inline PTX that
  // clobbers memory: gpu.barrier and nvvm's cp.async ops declare no memory
  // effects, which the pipeline's ownership-based buffer deallocation
  // rejects. Each sits in control flow uniform across the CTA.
  void barrier() { asmStatement("bar.sync 0;"); }
  void commitGroup() { asmStatement("cp.async.commit_group;"); }
  void waitGroups(int64_t pending) {
    asmStatement(("cp.async.wait_group " + Twine(pending) + ";").str());
  }
  void asmStatement(StringRef text) {
    LLVM::InlineAsmOp::create(
        b, Type(), ValueRange(), b.getStringAttr(text),
        b.getStringAttr("~{memory}"), b.getUnitAttr(), UnitAttr(),
        LLVM::TailCallKindAttr::get(b.getContext(), LLVM::TailCallKind::None),
        LLVM::AsmDialectAttr(), ArrayAttr());
  }
  SmallVector<Value> mmaScores(const CTA &cta, Value stage);
  SmallVector<Value> exchangeScores(const CTA &cta, ArrayRef<Value> partial,
                                    Value buffer);
  SmallVector<Value> onlineSoftmaxUpdate(const CTA &cta, Value tokenBase,
                                         ArrayRef<Value> scores,
                                         SoftmaxState &state);
  void mmaValues(const CTA &cta, Value stage, ArrayRef<Value> probs,
                 SoftmaxState &state);
  void storeOutput(const CTA &cta, SoftmaxState &state,
                   bool sumsReduced = false);

  Value mma(Value lhs, Value rhs, Value acc);

  // wgmma (sm_90a). The warpgroup ops are asynchronous: wgmma.fence orders
  // the accumulators' register writes before them, commit/wait bound them.
  // These, and the proxy fence that makes generic-proxy shared-memory
  // writes (cp.async, st.shared) visible to wgmma, are inline PTX like the
  // barriers; each accumulator register also passes through an empty asm
  // statement after the wait and before the fence, so that no arithmetic
  // on it moves across them.
  void warpgroupFence() { asmStatement("wgmma.fence.sync.aligned;"); }
  void warpgroupCommitAndWait() {
    asmStatement("wgmma.commit_group.sync.aligned;");
    asmStatement("wgmma.wait_group.sync.aligned 0;");
  }
  void asyncProxyFence() { asmStatement("fence.proxy.async.shared::cta;"); }
  Value pinned(Value value) {
    StringRef constraints = value.getType().isF32() ? "=f,0" : "=l,0";
    return LLVM::InlineAsmOp::create(
               b, value.getType(), ValueRange{value}, b.getStringAttr(""),
               b.getStringAttr(constraints), b.getUnitAttr(), UnitAttr(),
               LLVM::TailCallKindAttr::get(b.getContext(),
                                           LLVM::TailCallKind::None),
               LLVM::AsmDialectAttr(), ArrayAttr())
        .getResult(0);
  }
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
  Value warpgroupMma(Value lhs, Value rhs, Value acc, int64_t n,
                     bool accumulate, bool rhsNMajor);
  /// C fragments (one vector<2x2> per 8 columns: rows quadRow, quadRow + 8)
  /// ⇄ a wgmma accumulator (struct of N/2 f32: d[4j..4j+3] = the fragment
  /// of columns 8j..8j+7), pinned in program order.
  Value toAccumulator(ArrayRef<Value> fragments);
  SmallVector<Value> toFragments(Value accumulator);
  SmallVector<Value> warpgroupScores(const CTA &cta, Value stage);
  void storeProbabilities(const CTA &cta, ArrayRef<Value> probs,
                          const SoftmaxState &state);
  void warpgroupValues(const CTA &cta, Value stage, SoftmaxState &state);
  /// The CTA-local row of the thread's fragment row r.
  Value localRow(const CTA &cta, int64_t r) {
    return a.add(a.mul(cta.rowGroup, 16), a.add(cta.quadRow, 8 * r));
  }
  /// The CTA's dynamic shared memory, and a typed view of it at `offset`.
  Value dynamicShared() {
    return gpu::DynamicSharedMemoryOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                           MemRefLayoutAttrInterface(), workgroup()));
  }
  Value sharedView(Value base, Value offset, ArrayRef<int64_t> shape,
                   Type element) {
    auto type = MemRefType::get(shape, element, MemRefLayoutAttrInterface(),
                                workgroup());
    return memref::ViewOp::create(b, type, base, offset, ValueRange{});
  }
  Value sharedView(Value base, int64_t offset, ArrayRef<int64_t> shape,
                   Type element) {
    return sharedView(base, a.idx(offset), shape, element);
  }
  void setUpSwizzledTiles(CTA &cta, Value base);
  Attribute workgroup() {
    return gpu::AddressSpaceAttr::get(b.getContext(),
                                      gpu::AddressSpace::Workgroup);
  }
  /// The query row of the thread's fragment row r (0: quadRow, 1: + 8).
  Value fragmentRow(const CTA &cta, int64_t r) {
    return a.add(a.add(cta.rowBase, a.mul(cta.rowGroup, 16)),
                 a.add(cta.quadRow, 8 * r));
  }
  LaneLayout laneLayout(Value lane) {
    Value matrix = a.div(lane, 8), j = a.rem(lane, 8);
    Value low = a.mul(a.rem(matrix, 2), 8), high = a.mul(a.div(matrix, 2), 8);
    return {a.add(j, low), high, a.add(j, high), low};
  }
  /// One 16-byte cp.async of 8 elements, zero-filled unless `valid`.
  void copy8(Value dst, ValueRange dstIndices, Value src, ValueRange srcIndices,
             Value valid) {
    nvgpu::DeviceAsyncCopyOp::create(
        b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), dst, dstIndices,
        src, srcIndices, b.getIndexAttr(8), a.select(valid, a.idx(8), a.idx(0)),
        b.getUnitAttr());
  }
  /// The column within its 64-element atom where 8-element chunk `col` of
  /// row `row` sits in a 128B-swizzled tile: chunk c of row r is stored as
  /// chunk c ⊕ (r mod 8) — the pattern wgmma's 128-byte swizzle mode reads
  /// (the tiles start on 1024-byte boundaries).
  Value swizzled(Value row, Value col) {
    Value chunk = a.rem(a.div(col, 8), 8);
    return a.add(a.mul(a.xori(chunk, a.rem(row, 8)), 8), a.rem(col, 8));
  }
  /// Where element (r, col) of the Q tile and (token, col) of stage `stage`
  /// of the KV ring live in their shared views.
  SmallVector<Value> queryIndices(const CTA &cta, Value r, Value col) {
    if (!spec.warpgroup())
      return {r, col};
    return {a.div(col, 64), r, swizzled(r, col)};
  }
  SmallVector<Value> tokenIndices(const CTA &cta, Value stage, Value token,
                                  Value col) {
    if (!spec.warpgroup())
      return {stage, token, col};
    return {stage, a.div(col, 64), token, swizzled(token, col)};
  }
  Value ldmatrix(Value memref, ValueRange indices, bool transpose) {
    return nvgpu::LdMatrixOp::create(b, frag.a, memref, indices, transpose, 4);
  }
  /// Rows [2·half, 2·half + 1] of an x4 ldmatrix: one B fragment.
  Value halfOf(Value x4, int64_t half) {
    return vector::ExtractStridedSliceOp::create(b, x4, {2 * half, 0}, {2, 2},
                                                 {1, 1});
  }
  Value quadSum(Value x) {
    for (int32_t offset : {1, 2})
      x = a.fadd(x,
                 gpu::ShuffleOp::create(b, x, offset, 32, gpu::ShuffleMode::XOR)
                     .getShuffleResult());
    return x;
  }
  Value quadMax(Value x) {
    for (int32_t offset : {1, 2})
      x = a.fmax(x,
                 gpu::ShuffleOp::create(b, x, offset, 32, gpu::ShuffleMode::XOR)
                     .getShuffleResult());
    return x;
  }
  /// The query index s of query row `row` (row = s·H + h) and its last
  /// visible token + 1: all `end` tokens, or with MTP causal masking the
  /// prefix up to its own position len − S + s.
  Value rowLimit(const CTA &cta, Value row) {
    if (!spec.causal || spec.queries == 1)
      return cta.end;
    Value s = a.div(row, spec.heads);
    Value visible = a.add(a.sub(cta.length, a.idx(spec.queries - 1)), s);
    return a.min(cta.end, visible);
  }
};

//===----------------------------------------------------------------------===//
// Host side: the launches
//===----------------------------------------------------------------------===//

gpu::LaunchOp DecodeKernelEmitter::launch(Value gridX, Value gridY, Value gridZ,
                                          int64_t threads,
                                          int64_t sharedBytes) {
  Value one = a.idx(1);
  Value shared =
      sharedBytes ? arith::ConstantIntOp::create(b, sharedBytes, 32).getResult()
                  : Value();
  auto launch = gpu::LaunchOp::create(b, gridX, gridY, gridZ, a.idx(threads),
                                      one, one, shared);
  b.setInsertionPointToStart(&launch.getBody().front());
  return launch;
}

CTA DecodeKernelEmitter::setUpCTA(gpu::LaunchOp launch) {
  CTA cta;
  gpu::KernelDim3 block = launch.getBlockIds();
  cta.split = block.x;
  cta.rowBlock = block.y;
  cta.request = block.z;
  cta.tid = launch.getThreadIds().x;
  cta.warp = a.div(cta.tid, 32);
  cta.lane = a.rem(cta.tid, 32);
  cta.rowGroup = a.rem(cta.warp, spec.rowGroups());
  cta.colSlice = a.div(cta.warp, spec.rowGroups());
  cta.quadRow = a.div(cta.lane, 4);
  cta.quadCol = a.rem(cta.lane, 4);
  cta.rowBase = a.mul(cta.rowBlock, spec.tileRows);
  cta.layout = laneLayout(cta.lane);

  // This split's tokens: the request's length cut into `splits` chunks of
  // whole tiles; a chunk past the length is empty.
  cta.length = a.toIndex(
      memref::LoadOp::create(b, ops->lengths, ValueRange{cta.request}));
  cta.length = a.max(cta.length, a.idx(0));
  if (spec.balanced()) {
    // Scheduling metadata (emitSchedule): at most `chunk` tokens per CTA.
    auto entry = [&](Value i) {
      return a.toIndex(memref::LoadOp::create(b, ops->schedule, ValueRange{i}));
    };
    Value chunk = a.mul(entry(a.idx(0)), spec.blockTokens);
    Value count = entry(a.add(cta.request, 1));
    cta.active = a.lt(cta.split, count);
    cta.single = a.eq(count, 1);
    cta.start = a.min(a.mul(cta.split, chunk), cta.length);
    cta.end = a.min(a.add(cta.start, chunk), cta.length);
  } else if (spec.splits == 1) {
    cta.start = a.idx(0);
    cta.end = cta.length;
  } else {
    Value chunk =
        a.mul(a.ceilDiv(a.ceilDiv(cta.length, spec.splits), spec.blockTokens),
              spec.blockTokens);
    cta.start = a.min(a.mul(cta.split, chunk), cta.length);
    cta.end = a.min(a.add(cta.start, chunk), cta.length);
  }
  cta.tiles = a.ceilDiv(a.sub(cta.end, cta.start), spec.blockTokens);

  // Shared memory: one dynamic buffer cut into views.
  Value base = dynamicShared();
  if (spec.warpgroup()) {
    setUpSwizzledTiles(cta, base);
    return cta;
  }
  auto view = [&](int64_t offset, ArrayRef<int64_t> shape, Type element) {
    return sharedView(base, offset, shape, element);
  };
  cta.query = view(0, {spec.tileRows, spec.pitch()}, spec.elementType);
  cta.tokens =
      view(spec.queryTileBytes(), {spec.stages, spec.blockTokens, spec.pitch()},
           spec.elementType);
  if (spec.colSplits() > 1)
    cta.exchange =
        view(spec.queryTileBytes() + spec.stages * spec.tokenTileBytes(),
             {2, spec.warps(), spec.blockTokens / 2, 32}, b.getF32Type());
  return cta;
}

/// The wgmma kernel's views: the swizzle pattern repeats every 1024 bytes
/// and wgmma applies it to shared addresses, so the tiles start at the
/// first 1024-byte boundary of the dynamic buffer (the shape reserves the
/// slack). Offsets within it are multiples of 1024 but for the row stats.
void DecodeKernelEmitter::setUpSwizzledTiles(CTA &cta, Value base) {
  Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, base);
  Value start = a.rem(a.sub(a.idx(1024), a.rem(address, 1024)), 1024);
  int64_t atoms = spec.dim / 64;
  int64_t tokensAt = spec.queryTileBytes();
  int64_t probsAt = tokensAt + spec.stages * spec.tokenTileBytes();
  int64_t statsAt = probsAt + 64 * 64 * spec.elementBytes;
  Type element = spec.elementType;
  cta.query = sharedView(base, start, {atoms, 64, 64}, element);
  cta.tokens = sharedView(base, a.add(start, tokensAt),
                          {spec.stages, atoms, spec.blockTokens, 64}, element);
  cta.probs = sharedView(base, a.add(start, probsAt), {64, 64}, element);
  cta.rowStats =
      sharedView(base, a.add(start, statsAt), {3, 64}, b.getF32Type());
  auto byteAddress = [&](int64_t offset) {
    return arith::IndexCastOp::create(b, b.getI64Type(),
                                      a.add(a.add(address, start), offset))
        .getResult();
  };
  cta.queryAddress = byteAddress(0);
  cta.tokensAddress = byteAddress(tokensAt);
  cta.probsAddress = byteAddress(probsAt);
}

//===----------------------------------------------------------------------===//
// Tile loads
//===----------------------------------------------------------------------===//

/// Q tile: row r of the CTA is query row rowBase + r, i.e. (s, h) =
/// divmod(row, H); its first L columns come from q_lat, the last R from q_pe.
/// Rows past S·H are zero-filled. 16-byte cp.async chunks, strided over the
/// CTA's threads.
void DecodeKernelEmitter::loadQueryTile(const CTA &cta) {
  int64_t chunks = spec.queryRows() * chunksPerRow();
  auto loop =
      scf::ForOp::create(b, cta.tid, a.idx(chunks), a.idx(spec.threads()));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value c = loop.getInductionVar();
  Value r = a.div(c, chunksPerRow());
  Value col = a.mul(a.rem(c, chunksPerRow()), 8);
  Value row = a.add(cta.rowBase, r);
  Value valid = a.lt(row, spec.rows());
  if (spec.queryRows() > spec.tileRows) // the wgmma kernel's padding rows
    valid = a.andi(valid, a.lt(r, spec.tileRows));
  row = a.select(valid, row, a.idx(0));
  Value s = a.div(row, spec.heads), h = a.rem(row, spec.heads);
  auto copy = [&](Value src, Value srcCol) {
    copy8(cta.query, queryIndices(cta, r, col), src,
          {cta.request, s, h, srcCol}, valid);
  };
  auto fromLatent = scf::IfOp::create(b, a.lt(col, spec.latent),
                                      /*withElseRegion=*/true);
  b.setInsertionPointToStart(fromLatent.thenBlock());
  copy(ops->queryLatent, col);
  b.setInsertionPointToStart(fromLatent.elseBlock());
  copy(ops->queryRope, a.sub(col, a.idx(spec.latent)));
}

/// KV tile `tile` of the split into stage tile % stages: token t of the tile
/// is cached position p = start + tile·blockTokens + t, found at
/// cache[block_table[b, p / G], p % G]. Positions past the split's end are
/// zero-filled without reading memory. Page indices are clamped into the
/// cache (memory safety against a bad table; docs/gpu.md).
///
/// Each token row is loaded by threads/blockTokens consecutive threads (one
/// block-table lookup each, then their 16-byte chunks of the row, adjacent
/// threads on adjacent chunks): the lookup's latency is paid once per tile,
/// not once per chunk.
DecodeKernelEmitter::TokenRow DecodeKernelEmitter::lookUpRow(const CTA &cta,
                                                             Value tile) {
  int64_t perToken = spec.threads() / spec.blockTokens;
  Value token = a.div(cta.tid, perToken);
  Value pos = a.add(a.add(cta.start, a.mul(tile, spec.blockTokens)), token);
  Value valid = a.lt(pos, cta.end);
  pos = a.select(valid, pos, a.idx(0));
  // The table is read only for positions in the split (a zero-length
  // request may have no column at all).
  auto read = scf::IfOp::create(b, b.getIndexType(), valid,
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(read.thenBlock());
    scf::YieldOp::create(b, pageOf(cta, pos));
    b.setInsertionPointToStart(read.elseBlock());
    scf::YieldOp::create(b, a.idx(0));
  }
  return {valid, read.getResult(0), a.rem(pos, spec.pageSize)};
}

void DecodeKernelEmitter::copyRow(const CTA &cta, Value tile,
                                  const TokenRow &row) {
  int64_t perToken = spec.threads() / spec.blockTokens;
  Value stage = a.rem(tile, spec.stages);
  Value token = a.div(cta.tid, perToken);
  Value part = a.mul(a.rem(cta.tid, perToken), 8);
  for (int64_t j = 0; j < chunksPerRow() / perToken; ++j) {
    Value col = a.add(part, 8 * perToken * j);
    copy8(cta.tokens, tokenIndices(cta, stage, token, col), ops->cache,
          {row.page, row.slot, col}, row.valid);
  }
}

/// KV tile `tile` of the split into stage tile % stages: token t of the tile
/// is cached position p = start + tile·blockTokens + t, found at
/// cache[block_table[b, p / G], p % G]. Positions past the split's end are
/// zero-filled without reading memory. Page indices are clamped into the
/// cache (memory safety against a bad table; docs/gpu.md).
///
/// Normally each token row is loaded by threads/blockTokens consecutive
/// threads: one block-table lookup each (done a tile ahead by the main
/// loop, so its latency hides behind a tile of compute), then their 16-byte
/// chunks of the row, adjacent threads on adjacent chunks.
void DecodeKernelEmitter::loadLatentTile(const CTA &cta, Value tile) {
  if (loadsRowPerThreadGroup())
    return copyRow(cta, tile, lookUpRow(cta, tile));
  // Any other shape: chunks strided over the threads, a lookup per chunk.
  Value stage = a.rem(tile, spec.stages);
  Value tokenBase = a.add(cta.start, a.mul(tile, spec.blockTokens));
  int64_t chunks = spec.blockTokens * chunksPerRow();
  auto loop =
      scf::ForOp::create(b, cta.tid, a.idx(chunks), a.idx(spec.threads()));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value c = loop.getInductionVar();
  Value token = a.div(c, chunksPerRow());
  Value col = a.mul(a.rem(c, chunksPerRow()), 8);
  Value pos = a.add(tokenBase, token);
  Value valid = a.lt(pos, cta.end);
  pos = a.select(valid, pos, cta.start);
  copy8(cta.tokens, tokenIndices(cta, stage, token, col), ops->cache,
        {pageOf(cta, pos), a.rem(pos, spec.pageSize), col}, valid);
}

//===----------------------------------------------------------------------===//
// Tensor-core steps
//===----------------------------------------------------------------------===//

/// acc + lhs·rhs on a warp: mma.sync.m16n8k16.row.col, f32 accumulation.
/// nvvm.mma.sync directly, since nvgpu.mma.sync lowers no bf16: fragments
/// (vectors of 2 elements per register) become the instruction's registers
/// — f16x2, or bf16 pairs packed in i32.
Value DecodeKernelEmitter::mma(Value lhs, Value rhs, Value acc) {
  bool bf16 = spec.elementType.isBF16();
  auto registers = [&](Value fragment) {
    SmallVector<Value> regs;
    int64_t count = cast<VectorType>(fragment.getType()).getDimSize(0);
    for (int64_t i = 0; i < count; ++i) {
      Value pair = vector::ExtractOp::create(b, fragment, ArrayRef<int64_t>{i});
      if (bf16)
        pair = vector::ExtractOp::create(
            b,
            vector::BitCastOp::create(b, VectorType::get({1}, b.getI32Type()),
                                      pair),
            ArrayRef<int64_t>{0});
      regs.push_back(pair);
    }
    return regs;
  };
  SmallVector<Value> sums;
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 2; ++c)
      sums.push_back(
          vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{r, c}));
  Type f32 = b.getF32Type();
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  NVVM::MMATypes type = bf16 ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  Value result = NVVM::MmaOp::create(
      b, resultType, registers(lhs), registers(rhs), sums, {16, 8, 16},
      std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> out;
  for (int64_t i = 0; i < 4; ++i)
    out.push_back(LLVM::ExtractValueOp::create(b, result, i));
  return vector::FromElementsOp::create(b, frag.c, out);
}

/// S[16, blockTokens] (partial: this warp's 1/colSplits of the contraction)
/// = Q[rows of rg, dims of cs] · K[tile tokens, dims of cs]ᵀ.
///
/// ldmatrix.x4 lane addresses (lane = 8·i + j reads row j of matrix i):
///   A (Q, row-major 16×16):       matrix i = rows 8·(i%2).., cols 8·(i/2)..
///   B (K as stored, token-major): matrix i = tokens 8·(i/2).., dims 8·(i%2)..
///   giving the B fragments of two 8-token n-tiles.
SmallVector<Value> DecodeKernelEmitter::mmaScores(const CTA &cta, Value stage) {
  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(frag.c));
  SmallVector<Value> acc(scoreTiles(), zero);
  Value dimBase = a.mul(cta.colSlice, scoreSteps() * 16);
  Value aRow = a.add(a.mul(cta.rowGroup, 16), cta.layout.rowMajorRow);
  Value aCol = a.add(dimBase, cta.layout.rowMajorCol);
  Value bRow = cta.layout.nMajorRow;
  Value bCol = a.add(dimBase, cta.layout.nMajorCol);
  for (int64_t k = 0; k < scoreSteps(); ++k) {
    Value lhs = ldmatrix(cta.query, {aRow, a.add(aCol, 16 * k)}, false);
    for (int64_t n = 0; n < scoreTiles() / 2; ++n) {
      Value rhs = ldmatrix(
          cta.tokens, {stage, a.add(bRow, 16 * n), a.add(bCol, 16 * k)}, false);
      acc[2 * n] = mma(lhs, halfOf(rhs, 0), acc[2 * n]);
      acc[2 * n + 1] = mma(lhs, halfOf(rhs, 1), acc[2 * n + 1]);
    }
  }
  return acc;
}

/// The colSplits warps of a row group add their partial scores through
/// shared memory, each in the same order, so all hold the same full scores.
/// Layout [buffer][warp][register][lane]: conflict-free, coalesced.
SmallVector<Value> DecodeKernelEmitter::exchangeScores(const CTA &cta,
                                                       ArrayRef<Value> partial,
                                                       Value buffer) {
  if (spec.colSplits() == 1)
    return SmallVector<Value>(partial);
  auto element = [&](int64_t j, int64_t r, int64_t c) {
    return a.idx(4 * j + 2 * r + c);
  };
  for (int64_t j = 0; j < scoreTiles(); ++j)
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c)
        memref::StoreOp::create(
            b,
            vector::ExtractOp::create(b, partial[j], ArrayRef<int64_t>{r, c}),
            cta.exchange,
            ValueRange{buffer, cta.warp, element(j, r, c), cta.lane});
  barrier();
  SmallVector<Value> total;
  for (int64_t j = 0; j < scoreTiles(); ++j) {
    SmallVector<Value> sums;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c) {
        Value sum;
        for (int64_t cs = 0; cs < spec.colSplits(); ++cs) {
          Value warp = a.add(cta.rowGroup, cs * spec.rowGroups());
          Value v = memref::LoadOp::create(
              b, cta.exchange,
              ValueRange{buffer, warp, element(j, r, c), cta.lane});
          sum = sum ? a.fadd(sum, v) : v;
        }
        sums.push_back(sum);
      }
    total.push_back(vector::FromElementsOp::create(b, frag.c, sums));
  }
  return total;
}

/// One tile of the online softmax for the thread's rows r = 0, 1 (fragment
/// rows quadRow, quadRow + 8), scores in raw units, c = scale·log2(e):
///   masked: s = −inf for tokens past the row's limit
///   m' = max(m, rowmax(s)),  m̂ = (m' = −inf ? 0 : m')
///   p = 2^(c·(s − m̂)),  α = 2^(c·(m − m̂)),  l = α·l + Σ p,  O = α·O
/// Returns P as A fragments for P·V (16 tokens each). The row sums stay
/// per-thread until the end (the quad's four partial sums share α).
SmallVector<Value>
DecodeKernelEmitter::onlineSoftmaxUpdate(const CTA &cta, Value tokenBase,
                                         ArrayRef<Value> scores,
                                         SoftmaxState &state) {
  double c = spec.softmaxScale * M_LOG2E;
  Value scale = a.f32(c), negInf = a.negInf(), zero = a.f32(0);
  Value firstToken = a.add(tokenBase, a.mul(cta.quadCol, 2));
  // s[r][j·2 + c]: the thread's scores of row r.
  SmallVector<Value> s[2];
  Value alpha[2];
  for (int64_t r = 0; r < 2; ++r) {
    Value row = fragmentRow(cta, r);
    Value limit = rowLimit(cta, row);
    Value rowMax = negInf;
    for (int64_t j = 0; j < scoreTiles(); ++j)
      for (int64_t col = 0; col < 2; ++col) {
        Value v =
            vector::ExtractOp::create(b, scores[j], ArrayRef<int64_t>{r, col});
        Value valid = a.lt(a.add(firstToken, 8 * j + col), limit);
        v = a.select(valid, v, negInf);
        s[r].push_back(v);
        rowMax = a.fmax(rowMax, v);
      }
    Value newMax = a.fmax(state.max[r], quadMax(rowMax));
    Value safe = a.select(a.fcmp(arith::CmpFPredicate::OEQ, newMax, negInf),
                          zero, newMax);
    Value shift = a.fmul(safe, scale);
    alpha[r] = a.exp2(a.fsub(a.fmul(state.max[r], scale), shift));
    Value sum = zero;
    for (Value &v : s[r]) {
      v = a.exp2(a.fsub(a.fmul(v, scale), shift));
      sum = a.fadd(sum, v);
    }
    state.sum[r] = a.fadd(a.fmul(state.sum[r], alpha[r]), sum);
    state.max[r] = newMax;
    state.alpha[r] = alpha[r];
  }
  Value rescale = vector::FromElementsOp::create(
      b, frag.c, ValueRange{alpha[0], alpha[0], alpha[1], alpha[1]});
  for (Value &o : state.out)
    o = a.fmul(o, rescale);
  // C fragments of tiles 2k, 2k+1 (rows r0, r1) = the A fragment of k.
  SmallVector<Value> probs;
  for (int64_t k = 0; k < scoreTiles() / 2; ++k) {
    SmallVector<Value> elements;
    for (int64_t j : {2 * k, 2 * k + 1})
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t col = 0; col < 2; ++col)
          elements.push_back(
              arith::TruncFOp::create(b, spec.elementType, s[r][2 * j + col]));
    probs.push_back(vector::FromElementsOp::create(b, frag.a, elements));
  }
  return probs;
}

/// O[16, cols of cs] += P[16, tile tokens] · V, V = the tile's first L
/// columns, row-major (tokens × dims): ldmatrix.x4.trans, matrix i = tokens
/// 8·(i%2).., dims 8·(i/2)..: the B fragments of two 8-column n-tiles.
void DecodeKernelEmitter::mmaValues(const CTA &cta, Value stage,
                                    ArrayRef<Value> probs,
                                    SoftmaxState &state) {
  Value vRow = cta.layout.rowMajorRow;
  Value vCol = a.add(a.mul(cta.colSlice, spec.latent / spec.colSplits()),
                     cta.layout.rowMajorCol);
  for (auto [k, lhs] : llvm::enumerate(probs))
    for (int64_t n = 0; n < outTiles() / 2; ++n) {
      Value rhs = ldmatrix(cta.tokens,
                           {stage, a.add(vRow, 16 * static_cast<int64_t>(k)),
                            a.add(vCol, 16 * n)},
                           true);
      state.out[2 * n] = mma(lhs, halfOf(rhs, 0), state.out[2 * n]);
      state.out[2 * n + 1] = mma(lhs, halfOf(rhs, 1), state.out[2 * n + 1]);
    }
}

/// O / l per row (0 for a row that saw no token). Without splits straight to
/// o_lat in the element type; with splits, f32 partials and the rows'
/// log-sum-exp (scale·m + ln l, −inf when empty) for the combine kernel.
/// The row sums are per-thread partials unless `sumsReduced`.
void DecodeKernelEmitter::storeOutput(const CTA &cta, SoftmaxState &state,
                                      bool sumsReduced) {
  Value zero = a.f32(0);
  Value colBase = a.add(a.mul(cta.colSlice, spec.latent / spec.colSplits()),
                        a.mul(cta.quadCol, 2));
  Value sums[2];
  for (int64_t r = 0; r < 2; ++r)
    sums[r] = sumsReduced ? state.sum[r] : quadSum(state.sum[r]);
  auto store = [&](bool direct) {
    for (int64_t r = 0; r < 2; ++r) {
      Value sum = sums[r];
      Value nonEmpty = a.fcmp(arith::CmpFPredicate::OGT, sum, zero);
      Value inverse = a.select(nonEmpty, a.fdiv(a.f32(1), sum), zero);
      Value row = fragmentRow(cta, r);
      Value inside = a.lt(row, spec.rows());
      if (spec.queryRows() > spec.tileRows) // padding rows are not this CTA's
        inside = a.andi(inside, a.lt(localRow(cta, r), spec.tileRows));
      auto rowIf = scf::IfOp::create(b, inside);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(rowIf.thenBlock());
      Value scaleRow = vector::BroadcastOp::create(
          b, VectorType::get({2}, b.getF32Type()), inverse);
      Value s = a.div(row, spec.heads), h = a.rem(row, spec.heads);
      for (int64_t j = 0; j < outTiles(); ++j) {
        Value pair = a.fmul(
            vector::ExtractOp::create(b, state.out[j], ArrayRef<int64_t>{r}),
            scaleRow);
        Value col = a.add(colBase, 8 * j);
        if (direct) {
          pair = arith::TruncFOp::create(
              b, VectorType::get({2}, spec.elementType), pair);
          vector::StoreOp::create(b, pair, ops->latentOut,
                                  ValueRange{cta.request, s, h, col});
        } else {
          vector::StoreOp::create(b, pair, ops->partial,
                                  ValueRange{cta.request, row, cta.split, col});
        }
      }
      if (direct)
        continue;
      Value lse = a.fadd(a.fmul(state.max[r], a.f32(spec.softmaxScale)),
                         math::LogOp::create(b, sum));
      lse = a.select(nonEmpty, lse, a.negInf());
      auto writer = scf::IfOp::create(
          b, a.andi(a.eq(cta.colSlice, 0), a.eq(cta.quadCol, 0)));
      b.setInsertionPointToStart(writer.thenBlock());
      memref::StoreOp::create(b, lse, ops->logSumExp,
                              ValueRange{cta.request, row, cta.split});
    }
  };
  if (!spec.balanced())
    return store(/*direct=*/spec.splits == 1);
  // Balanced: a request's only CTA writes o_lat; the combine skips it.
  auto choice = scf::IfOp::create(b, cta.single, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(choice.thenBlock());
  store(/*direct=*/true);
  b.setInsertionPointToStart(choice.elseBlock());
  store(/*direct=*/false);
}

//===----------------------------------------------------------------------===//
// Warpgroup (wgmma) steps
//===----------------------------------------------------------------------===//
//
// The wgmma kernel's CTA: two warpgroups over the same 64 query rows.
//
//              S = Q·Kᵀ [64, T]            O [64, L]
//            ┌──────────────────┐  ┌────────────────┬────────────────┐
//   rows  0  │ warpgroup 0:     │  │ warpgroup 0:   │ warpgroup 1:   │
//   ..   63  │ wgmma m64nTk16   │  │ O[:, 0..L/2)   │ O[:, L/2..L)   │
//            │ × (L+R)/16, the  │  │ += P·V, wgmma  │ += P·V, wgmma  │
//            │ online softmax   │  │ m64n(L/2)k16   │ m64n(L/2)k16   │
//            └──────────────────┘  └────────────────┴────────────────┘
//                 P (bf16), α ──► shared memory ──► both warpgroups
//
// Warp w of a warpgroup holds rows 16·(w mod 4).. of every accumulator, in
// the mma.sync C-fragment order, so the online softmax and the epilogue are
// the mma.sync kernel's. Q, the KV stages and P sit in shared memory as
// 128B-swizzled K-major atoms ([rows][64 elements], chunk c of row r at
// c ⊕ r mod 8): Q and K are K-major operands; V, the same bytes as K, is
// read N-major (transposed) for P·V.

/// A wgmma shared-memory matrix descriptor: start address, leading and
/// stride byte offsets (each >> 4, 14 bits), 128-byte swizzle (bits 62–63
/// = 1); base offset 0 since the atoms start on 1024-byte boundaries.
///
/// The result is pinned where it is built (an empty asm statement): the
/// steps' descriptors are this plus constants, and would otherwise all be
/// hoisted out of the tile loop and held in registers.
Value DecodeKernelEmitter::descriptor(Value address, int64_t leadingBytes,
                                      int64_t strideBytes) {
  auto i64 = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, v, 64).getResult();
  };
  Value start = arith::AndIOp::create(
      b, arith::ShRUIOp::create(b, address, i64(4)), i64(0x3FFF));
  int64_t fixed = ((leadingBytes >> 4) & 0x3FFF) << 16 |
                  ((strideBytes >> 4) & 0x3FFF) << 32 | int64_t(1) << 62;
  return pinned(arith::OrIOp::create(b, start, i64(fixed)));
}

/// acc (+)= lhs·rhs on the warpgroup: wgmma.mma_async m64nNk16, A and B
/// from shared memory (A K-major; B K-major, or N-major when `rhsNMajor`),
/// f32 accumulation.
Value DecodeKernelEmitter::warpgroupMma(Value lhs, Value rhs, Value acc,
                                        int64_t n, bool accumulate,
                                        bool rhsNMajor) {
  MLIRContext *ctx = b.getContext();
  auto type = NVVM::WGMMATypesAttr::get(ctx, spec.elementType.isBF16()
                                                 ? NVVM::WGMMATypes::bf16
                                                 : NVVM::WGMMATypes::f16);
  auto one = NVVM::WGMMAScaleInAttr::get(ctx, NVVM::WGMMAScaleIn::one);
  return NVVM::WgmmaMmaAsyncOp::create(
      b, acc.getType(), acc, lhs, rhs, NVVM::MMAShapeAttr::get(ctx, 64, n, 16),
      type, type, NVVM::WGMMATypesAttr::get(ctx, NVVM::WGMMATypes::f32),
      NVVM::WGMMAScaleOutAttr::get(ctx, accumulate ? NVVM::WGMMAScaleOut::one
                                                   : NVVM::WGMMAScaleOut::zero),
      one, one, NVVM::MMALayoutAttr::get(ctx, NVVM::MMALayout::row),
      NVVM::MMALayoutAttr::get(ctx, rhsNMajor ? NVVM::MMALayout::row
                                              : NVVM::MMALayout::col),
      NVVM::MMAIntOverflowAttr());
}

Value DecodeKernelEmitter::toAccumulator(ArrayRef<Value> fragments) {
  SmallVector<Type> fields(4 * fragments.size(), b.getF32Type());
  auto type = LLVM::LLVMStructType::getLiteral(b.getContext(), fields);
  Value acc = LLVM::UndefOp::create(b, type);
  int64_t i = 0;
  for (Value fragment : fragments)
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c)
        acc = LLVM::InsertValueOp::create(
            b, acc,
            pinned(vector::ExtractOp::create(b, fragment,
                                             ArrayRef<int64_t>{r, c})),
            i++);
  return acc;
}

SmallVector<Value> DecodeKernelEmitter::toFragments(Value accumulator) {
  int64_t count =
      cast<LLVM::LLVMStructType>(accumulator.getType()).getBody().size();
  SmallVector<Value> fragments;
  for (int64_t j = 0; j < count / 4; ++j) {
    SmallVector<Value> values;
    for (int64_t i = 0; i < 4; ++i)
      values.push_back(
          pinned(LLVM::ExtractValueOp::create(b, accumulator, 4 * j + i)));
    fragments.push_back(vector::FromElementsOp::create(b, frag.c, values));
  }
  return fragments;
}

/// Warpgroup 0: S[64, T] = Q·Kᵀ over the L + R dims, (L+R)/16 wgmmas. Step
/// k reads dims 16k.. : atom k / 4 of each tile, 32·(k mod 4) bytes into
/// its rows (the swizzle is applied to the address, so stepping the start
/// address within an atom is how K advances). SBO = 1024: the next 8 rows.
SmallVector<Value> DecodeKernelEmitter::warpgroupScores(const CTA &cta,
                                                        Value stage) {
  int64_t tokens = spec.blockTokens;
  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(frag.c));
  Value acc = toAccumulator(SmallVector<Value>(tokens / 8, zero));
  Value query = descriptor(cta.queryAddress, 16, 1024);
  Value keys = advance(descriptor(cta.tokensAddress, 16, 1024),
                       a.mul(stage, spec.tokenTileBytes()));
  warpgroupFence();
  for (int64_t k = 0; k < spec.dim / 16; ++k) {
    int64_t atom = k / 4, within = 32 * (k % 4);
    Value lhs = advance(query, atom * 64 * 128 + within);
    Value rhs = advance(keys, atom * tokens * 128 + within);
    acc = warpgroupMma(lhs, rhs, acc, tokens, /*accumulate=*/k > 0,
                       /*rhsNMajor=*/false);
  }
  warpgroupCommitAndWait();
  return toFragments(acc);
}

/// P (the A fragments the softmax returns, 16 tokens each) and the rows'
/// rescale factors α to shared memory, for both warpgroups' P·V.
void DecodeKernelEmitter::storeProbabilities(const CTA &cta,
                                             ArrayRef<Value> probs,
                                             const SoftmaxState &state) {
  for (auto [k, fragment] : llvm::enumerate(probs))
    for (int64_t half = 0; half < 2; ++half)
      for (int64_t r = 0; r < 2; ++r) {
        // Rows 2·half + r of the fragment: row r of 8-token tile 2k + half.
        Value row = localRow(cta, r);
        Value chunk = a.idx(2 * static_cast<int64_t>(k) + half);
        Value col = a.add(a.mul(a.xori(chunk, a.rem(row, 8)), 8),
                          a.mul(cta.quadCol, 2));
        Value pair = vector::ExtractOp::create(b, fragment,
                                               ArrayRef<int64_t>{2 * half + r});
        vector::StoreOp::create(b, pair, cta.probs, ValueRange{row, col});
      }
  auto writer = scf::IfOp::create(b, a.eq(cta.quadCol, 0));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(writer.thenBlock());
  for (int64_t r = 0; r < 2; ++r)
    memref::StoreOp::create(b, state.alpha[r], cta.rowStats,
                            ValueRange{a.idx(0), localRow(cta, r)});
}

/// Each warpgroup: O[:, its L/2 columns] = α·O + P·V, T/16 wgmmas of
/// m64n(L/2)k16. V is read N-major from the KV tile: an atom is 8 tokens ×
/// 64 dims, LBO = the next 64 dims (T·128 bytes on), SBO = the next 8
/// tokens (1024); step k starts 16 tokens (2048 bytes) further.
void DecodeKernelEmitter::warpgroupValues(const CTA &cta, Value stage,
                                          SoftmaxState &state) {
  Value alpha[2];
  for (int64_t r = 0; r < 2; ++r)
    alpha[r] = memref::LoadOp::create(b, cta.rowStats,
                                      ValueRange{a.idx(0), localRow(cta, r)});
  Value rescale = vector::FromElementsOp::create(
      b, frag.c, ValueRange{alpha[0], alpha[0], alpha[1], alpha[1]});
  for (Value &o : state.out)
    o = a.fmul(o, rescale);
  int64_t tokens = spec.blockTokens, n = spec.latent / 2;
  Value acc = toAccumulator(state.out);
  Value probs = descriptor(cta.probsAddress, 16, 1024);
  Value values = advance(descriptor(cta.tokensAddress, tokens * 128, 1024),
                         a.add(a.mul(stage, spec.tokenTileBytes()),
                               a.mul(cta.colSlice, (n / 64) * tokens * 128)));
  warpgroupFence();
  for (int64_t k = 0; k < tokens / 16; ++k) {
    Value lhs = advance(probs, 32 * k);
    Value rhs = advance(values, 16 * 128 * k);
    acc = warpgroupMma(lhs, rhs, acc, n, /*accumulate=*/true,
                       /*rhsNMajor=*/true);
  }
  warpgroupCommitAndWait();
  state.out = toFragments(acc);
}

//===----------------------------------------------------------------------===//
// The kernels
//===----------------------------------------------------------------------===//

void DecodeKernelEmitter::emitAttention(const DecodeKernelOperands &operands) {
  ops = &operands;
  OpBuilder::InsertionGuard guard(b);
  gpu::LaunchOp kernel =
      launch(a.idx(spec.splitSlots()), a.idx(spec.rowBlocks()), operands.batch,
             spec.threads(), spec.sharedBytes());
  kernel->setAttr(MLADialect::kKernelAttrName,
                  b.getStringAttr("decode_attention"));
  CTA cta = setUpCTA(kernel);
  scf::IfOp active = guardActive(cta);

  // Prologue: Q and the first stages − 1 tiles in flight, one cp.async
  // group per tile (empty groups past the end keep the count uniform).
  loadQueryTile(cta);
  for (int64_t t = 0; t + 1 < spec.stages; ++t) {
    Value tile = a.idx(t);
    auto exists = scf::IfOp::create(b, a.lt(tile, cta.tiles));
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(exists.thenBlock());
      loadLatentTile(cta, tile);
    }
    commitGroup();
  }

  SoftmaxState state;
  Value zeroC = arith::ConstantOp::create(b, b.getZeroAttr(frag.c));
  SmallVector<Value> init = {a.negInf(), a.negInf(), a.f32(0), a.f32(0)};
  init.append(outTiles(), zeroC);
  // With row-per-thread-group loading, the block-table lookup of the next
  // tile to load is issued early: an iteration ahead, carried by the loop,
  // when registers allow (column slices of at most 128 f32 accumulators
  // per thread); else before the iteration's wait and barrier.
  bool rowLoads = loadsRowPerThreadGroup();
  bool carryRow = rowLoads && outTiles() * 4 <= 64;
  if (carryRow) {
    TokenRow first = lookUpRow(cta, a.idx(spec.stages - 1));
    init.append({first.valid, first.page, first.slot});
  }
  int64_t stateValues = 4 + outTiles();
  auto loop = scf::ForOp::create(b, a.idx(0), cta.tiles, a.idx(1), init);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value tile = loop.getInductionVar();
    ValueRange carried = loop.getRegionIterArgs();
    state.max[0] = carried[0];
    state.max[1] = carried[1];
    state.sum[0] = carried[2];
    state.sum[1] = carried[3];
    state.out.assign(carried.begin() + 4, carried.begin() + stateValues);

    Value next = a.add(tile, spec.stages - 1);
    TokenRow nextRow;
    if (carryRow)
      nextRow = {carried[stateValues], carried[stateValues + 1],
                 carried[stateValues + 2]};
    else if (rowLoads)
      nextRow = lookUpRow(cta, next);
    // Tile `tile` has landed (this thread's copies), then everyone's — and
    // everyone is done with the stage the next load overwrites.
    waitGroups(spec.stages - 2);
    barrier();
    auto exists = scf::IfOp::create(b, a.lt(next, cta.tiles));
    {
      OpBuilder::InsertionGuard load(b);
      b.setInsertionPointToStart(exists.thenBlock());
      if (rowLoads)
        copyRow(cta, next, nextRow);
      else
        loadLatentTile(cta, next);
    }
    commitGroup();
    TokenRow ahead;
    if (carryRow)
      ahead = lookUpRow(cta, a.add(next, 1));

    Value stage = a.rem(tile, spec.stages);
    Value tokenBase = a.add(cta.start, a.mul(tile, spec.blockTokens));
    SmallVector<Value> scores =
        exchangeScores(cta, mmaScores(cta, stage), a.rem(tile, 2));
    SmallVector<Value> probs =
        onlineSoftmaxUpdate(cta, tokenBase, scores, state);
    mmaValues(cta, stage, probs, state);

    SmallVector<Value> yielded = {state.max[0], state.max[1], state.sum[0],
                                  state.sum[1]};
    yielded.append(state.out);
    if (carryRow)
      yielded.append({ahead.valid, ahead.page, ahead.slot});
    scf::YieldOp::create(b, yielded);
  }
  waitGroups(0);
  ValueRange results = loop.getResults();
  state.max[0] = results[0];
  state.max[1] = results[1];
  state.sum[0] = results[2];
  state.sum[1] = results[3];
  state.out.assign(results.begin() + 4, results.begin() + stateValues);
  storeOutput(cta, state);
  if (active)
    b.setInsertionPointAfter(active);
  gpu::TerminatorOp::create(b);
}

/// The wgmma attention kernel (picture above). Per tile: everyone waits for
/// its cp.async copies, fences them to the async proxy and meets at a
/// barrier (the tile is in, the previous P·V done everywhere); the next
/// tile's copies go out; warpgroup 0 computes S, the online-softmax update,
/// and writes P and α; a second barrier; both warpgroups rescale their O
/// and add P·V. The row max and sum live in warpgroup 0 and reach
/// warpgroup 1 through shared memory at the end.
void DecodeKernelEmitter::emitWarpgroupAttention(
    const DecodeKernelOperands &operands) {
  ops = &operands;
  OpBuilder::InsertionGuard guard(b);
  gpu::LaunchOp kernel =
      launch(a.idx(spec.splitSlots()), a.idx(spec.rowBlocks()), operands.batch,
             spec.threads(), spec.sharedBytes());
  kernel->setAttr(MLADialect::kKernelAttrName,
                  b.getStringAttr("decode_attention"));
  CTA cta = setUpCTA(kernel);
  scf::IfOp active = guardActive(cta);

  loadQueryTile(cta);
  for (int64_t t = 0; t + 1 < spec.stages; ++t) {
    Value tile = a.idx(t);
    auto exists = scf::IfOp::create(b, a.lt(tile, cta.tiles));
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(exists.thenBlock());
      loadLatentTile(cta, tile);
    }
    commitGroup();
  }

  SoftmaxState state;
  Value zeroC = arith::ConstantOp::create(b, b.getZeroAttr(frag.c));
  SmallVector<Value> init = {a.negInf(), a.negInf(), a.f32(0), a.f32(0)};
  init.append(outTiles(), zeroC);
  bool rowLoads = loadsRowPerThreadGroup();
  Value isFirst = a.eq(cta.colSlice, 0);
  Type f32 = b.getF32Type();
  auto loop = scf::ForOp::create(b, a.idx(0), cta.tiles, a.idx(1), init);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value tile = loop.getInductionVar();
    ValueRange carried = loop.getRegionIterArgs();
    state.max[0] = carried[0];
    state.max[1] = carried[1];
    state.sum[0] = carried[2];
    state.sum[1] = carried[3];
    state.out.assign(carried.begin() + 4, carried.end());

    Value next = a.add(tile, spec.stages - 1);
    TokenRow nextRow;
    if (rowLoads)
      nextRow = lookUpRow(cta, next);
    waitGroups(spec.stages - 2);
    asyncProxyFence();
    barrier();
    auto exists = scf::IfOp::create(b, a.lt(next, cta.tiles));
    {
      OpBuilder::InsertionGuard load(b);
      b.setInsertionPointToStart(exists.thenBlock());
      if (rowLoads)
        copyRow(cta, next, nextRow);
      else
        loadLatentTile(cta, next);
    }
    commitGroup();

    Value stage = a.rem(tile, spec.stages);
    Value tokenBase = a.add(cta.start, a.mul(tile, spec.blockTokens));
    auto softmax = scf::IfOp::create(b, TypeRange{f32, f32, f32, f32}, isFirst,
                                     /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard branch(b);
      b.setInsertionPointToStart(softmax.thenBlock());
      SoftmaxState first = state;
      first.out.clear();
      SmallVector<Value> probs = onlineSoftmaxUpdate(
          cta, tokenBase, warpgroupScores(cta, stage), first);
      storeProbabilities(cta, probs, first);
      asyncProxyFence();
      scf::YieldOp::create(b, ValueRange{first.max[0], first.max[1],
                                         first.sum[0], first.sum[1]});
      b.setInsertionPointToStart(softmax.elseBlock());
      scf::YieldOp::create(b, ValueRange{state.max[0], state.max[1],
                                         state.sum[0], state.sum[1]});
    }
    for (int64_t r = 0; r < 2; ++r) {
      state.max[r] = softmax.getResult(r);
      state.sum[r] = softmax.getResult(2 + r);
    }
    barrier();
    warpgroupValues(cta, stage, state);

    SmallVector<Value> yielded = {state.max[0], state.max[1], state.sum[0],
                                  state.sum[1]};
    yielded.append(state.out);
    scf::YieldOp::create(b, yielded);
  }
  waitGroups(0);
  ValueRange results = loop.getResults();
  state.out.assign(results.begin() + 4, results.end());
  // Warpgroup 0's row max and (quad-reduced) sum to both warpgroups.
  auto publish = scf::IfOp::create(b, isFirst);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(publish.thenBlock());
    Value sums[2] = {quadSum(results[2]), quadSum(results[3])};
    auto writer = scf::IfOp::create(b, a.eq(cta.quadCol, 0));
    b.setInsertionPointToStart(writer.thenBlock());
    for (int64_t r = 0; r < 2; ++r) {
      Value row = localRow(cta, r);
      memref::StoreOp::create(b, results[r], cta.rowStats,
                              ValueRange{a.idx(1), row});
      memref::StoreOp::create(b, sums[r], cta.rowStats,
                              ValueRange{a.idx(2), row});
    }
  }
  barrier();
  for (int64_t r = 0; r < 2; ++r) {
    Value row = localRow(cta, r);
    state.max[r] =
        memref::LoadOp::create(b, cta.rowStats, ValueRange{a.idx(1), row});
    state.sum[r] =
        memref::LoadOp::create(b, cta.rowStats, ValueRange{a.idx(2), row});
  }
  storeOutput(cta, state, /*sumsReduced=*/true);
  if (active)
    b.setInsertionPointAfter(active);
  gpu::TerminatorOp::create(b);
}

/// o = Σ_k w_k·o_k / Σ_k w_k, w_k = e^(lse_k − max lse): one CTA per query
/// row and request, four columns per thread. A row with no token anywhere
/// (all lse = −inf) gets 0. Even schedule: the `splits` partials, unrolled
/// (independent loads in flight together); balanced: the request's CTA
/// count from the scheduling metadata, nothing when it had one CTA (which
/// wrote o_lat itself).
void DecodeKernelEmitter::emitCombine(const DecodeKernelOperands &operands) {
  ops = &operands;
  OpBuilder::InsertionGuard guard(b);
  gpu::LaunchOp kernel =
      launch(a.idx(spec.rows()), operands.batch, a.idx(1), spec.latent / 4, 0);
  kernel->setAttr(MLADialect::kKernelAttrName,
                  b.getStringAttr("decode_combine"));
  Value row = kernel.getBlockIds().x, request = kernel.getBlockIds().y;
  Value col = a.mul(kernel.getThreadIds().x, 4);
  Value negInf = a.negInf(), zero = a.f32(0);
  auto vec4 = VectorType::get({4}, b.getF32Type());
  auto lseAt = [&](Value k) {
    return memref::LoadOp::create(b, ops->logSumExp,
                                  ValueRange{request, row, k})
        .getResult();
  };
  // acc + w_k·o_k, total + w_k for split k.
  auto accumulate = [&](Value k, Value lse, Value top, Value empty, Value &acc,
                        Value &total) {
    Value weight =
        a.select(empty, zero, math::ExpOp::create(b, a.fsub(lse, top)));
    Value part = vector::LoadOp::create(b, vec4, ops->partial,
                                        ValueRange{request, row, k, col});
    acc = vector::FMAOp::create(b, vector::BroadcastOp::create(b, vec4, weight),
                                part, acc);
    total = a.fadd(total, weight);
  };
  Value acc = arith::ConstantOp::create(b, b.getZeroAttr(vec4));
  Value total = zero;
  scf::IfOp split;
  if (!spec.balanced()) {
    SmallVector<Value> lse;
    Value top = negInf;
    for (int64_t k = 0; k < spec.splits; ++k) {
      lse.push_back(lseAt(a.idx(k)));
      top = a.fmax(top, lse.back());
    }
    Value empty = a.fcmp(arith::CmpFPredicate::OEQ, top, negInf);
    for (int64_t k = 0; k < spec.splits; ++k)
      accumulate(a.idx(k), lse[k], top, empty, acc, total);
  } else {
    Value count = a.toIndex(memref::LoadOp::create(
        b, ops->schedule, ValueRange{a.add(request, 1)}));
    split = scf::IfOp::create(b, a.lt(a.idx(1), count));
    b.setInsertionPointToStart(split.thenBlock());
    auto maxLoop =
        scf::ForOp::create(b, a.idx(0), count, a.idx(1), ValueRange{negInf});
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(maxLoop.getBody());
      scf::YieldOp::create(b, a.fmax(maxLoop.getRegionIterArgs()[0],
                                     lseAt(maxLoop.getInductionVar())));
    }
    Value top = maxLoop.getResult(0);
    Value empty = a.fcmp(arith::CmpFPredicate::OEQ, top, negInf);
    auto sumLoop = scf::ForOp::create(b, a.idx(0), count, a.idx(1),
                                      ValueRange{acc, total});
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(sumLoop.getBody());
      Value k = sumLoop.getInductionVar();
      Value loopAcc = sumLoop.getRegionIterArgs()[0];
      Value loopTotal = sumLoop.getRegionIterArgs()[1];
      accumulate(k, lseAt(k), top, empty, loopAcc, loopTotal);
      scf::YieldOp::create(b, ValueRange{loopAcc, loopTotal});
    }
    acc = sumLoop.getResult(0);
    total = sumLoop.getResult(1);
  }
  Value inverse = a.select(a.fcmp(arith::CmpFPredicate::OGT, total, zero),
                           a.fdiv(a.f32(1), total), zero);
  Value out = a.fmul(acc, vector::BroadcastOp::create(b, vec4, inverse));
  out = arith::TruncFOp::create(b, VectorType::get({4}, spec.elementType), out);
  Value s = a.div(row, spec.heads), h = a.rem(row, spec.heads);
  vector::StoreOp::create(b, out, ops->latentOut,
                          ValueRange{request, s, h, col});
  if (split)
    b.setInsertionPointAfter(split);
  gpu::TerminatorOp::create(b);
}

/// The scheduling metadata of the balanced schedule (FlashMLA's idea): one
/// CTA sums the requests' tiles, t_b = ⌈len_b / T⌉, and deals them so that
/// no CTA gets more than
///   chunk = max(⌈Σ t_b / (B·splits)⌉, ⌈max t_b / slots⌉, 1) tiles,
/// request b then getting n_b = max(⌈t_b / chunk⌉, 1) CTAs (a zero-length
/// request keeps one, which writes its zeros). schedule = [chunk, n_0, …].
/// Warp sums by shuffles, the eight warps' through shared memory.
void DecodeKernelEmitter::emitSchedule(const DecodeKernelOperands &operands) {
  ops = &operands;
  OpBuilder::InsertionGuard guard(b);
  constexpr int64_t threads = 256, warps = threads / 32;
  gpu::LaunchOp kernel =
      launch(a.idx(1), a.idx(1), a.idx(1), threads, (2 * warps + 1) * 4);
  kernel->setAttr(MLADialect::kKernelAttrName,
                  b.getStringAttr("decode_schedule"));
  Value tid = kernel.getThreadIds().x;
  Value lane = a.rem(tid, 32), warp = a.div(tid, 32);
  Type i32 = b.getI32Type();
  Value shared = sharedView(dynamicShared(), 0, {2 * warps + 1}, i32);
  auto tilesOf = [&](Value request) {
    Value length =
        a.toIndex(memref::LoadOp::create(b, ops->lengths, ValueRange{request}));
    return a.ceilDiv(a.max(length, a.idx(0)), spec.blockTokens);
  };
  auto toI32 = [&](Value v) {
    return arith::IndexCastOp::create(b, i32, v).getResult();
  };
  auto loop = scf::ForOp::create(b, tid, operands.batch, a.idx(threads),
                                 ValueRange{a.idx(0), a.idx(0)});
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value tiles = tilesOf(loop.getInductionVar());
    scf::YieldOp::create(b,
                         ValueRange{a.add(loop.getRegionIterArgs()[0], tiles),
                                    a.max(loop.getRegionIterArgs()[1], tiles)});
  }
  Value sum = toI32(loop.getResult(0)), most = toI32(loop.getResult(1));
  for (int32_t offset : {1, 2, 4, 8, 16}) {
    auto shuffle = [&](Value v) {
      return gpu::ShuffleOp::create(b, v, offset, 32, gpu::ShuffleMode::XOR)
          .getShuffleResult();
    };
    sum = arith::AddIOp::create(b, sum, shuffle(sum));
    most = arith::MaxSIOp::create(b, most, shuffle(most));
  }
  {
    auto first = scf::IfOp::create(b, a.eq(lane, 0));
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(first.thenBlock());
    memref::StoreOp::create(b, sum, shared, ValueRange{warp});
    memref::StoreOp::create(b, most, shared, ValueRange{a.add(warp, warps)});
  }
  barrier();
  {
    auto leader = scf::IfOp::create(b, a.eq(tid, 0));
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(leader.thenBlock());
    Value total = a.idx(0), longest = a.idx(0);
    for (int64_t w = 0; w < warps; ++w) {
      total = a.add(total, a.toIndex(memref::LoadOp::create(
                               b, shared, ValueRange{a.idx(w)})));
      longest = a.max(longest, a.toIndex(memref::LoadOp::create(
                                   b, shared, ValueRange{a.idx(warps + w)})));
    }
    Value target = a.max(a.mul(operands.batch, spec.splits), a.idx(1));
    Value chunk = a.max(arith::CeilDivUIOp::create(b, total, target),
                        a.ceilDiv(longest, spec.splitSlots()));
    chunk = a.max(chunk, a.idx(1));
    memref::StoreOp::create(b, toI32(chunk), shared,
                            ValueRange{a.idx(2 * warps)});
    memref::StoreOp::create(b, toI32(chunk), ops->schedule,
                            ValueRange{a.idx(0)});
  }
  barrier();
  Value chunk = a.toIndex(
      memref::LoadOp::create(b, shared, ValueRange{a.idx(2 * warps)}));
  auto counts = scf::ForOp::create(b, tid, operands.batch, a.idx(threads));
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(counts.getBody());
    Value request = counts.getInductionVar();
    Value count =
        a.max(arith::CeilDivUIOp::create(b, tilesOf(request), chunk), a.idx(1));
    memref::StoreOp::create(b, toI32(count), ops->schedule,
                            ValueRange{a.add(request, 1)});
  }
  gpu::TerminatorOp::create(b);
}

/// output[b, s, h, :] = input[b, s, h, :] · W_h for every head h: a
/// per-head GEMM over the M = B·S rows, W_h [n, k] (n-major, W_UK) or
/// [k, n] (k-major, W_UV). One CTA per (64 columns, 64 rows, head), four
/// warps of 16 rows × 64 columns, the contraction in 64-wide chunks through a
/// ring of up to 4 shared-memory stages filled by cp.async (the weights are
/// read once: keeping several chunks in flight is what makes these small
/// products run at memory speed). Rows past M are zero-filled and not
/// stored.
void DecodeKernelEmitter::emitHeadProduct(Value input, Value weight,
                                          Value output, int64_t k, int64_t n,
                                          bool weightKMajor, Value batch,
                                          StringRef name) {
  constexpr int64_t tile = 64, pitch = tile + 8;
  int64_t chunks = k / tile;
  int64_t stages = std::clamp<int64_t>(chunks, 2, 4);
  OpBuilder::InsertionGuard guard(b);
  Value rows = a.mul(batch, spec.queries);
  gpu::LaunchOp kernel =
      launch(a.idx(n / tile), a.ceilDiv(rows, tile), a.idx(spec.heads), 128,
             2 * stages * tile * pitch * 2);
  kernel->setAttr(MLADialect::kKernelAttrName, b.getStringAttr(name));
  Value colBase = a.mul(kernel.getBlockIds().x, tile);
  Value rowBase = a.mul(kernel.getBlockIds().y, tile);
  Value head = kernel.getBlockIds().z;
  Value tid = kernel.getThreadIds().x;
  Value warp = a.div(tid, 32), lane = a.rem(tid, 32);
  LaneLayout layout = laneLayout(lane);

  Value base = dynamicShared();
  Value lhsTiles = sharedView(base, 0, {stages, tile, pitch}, spec.elementType);
  Value rhsTiles = sharedView(base, stages * tile * pitch * 2,
                              {stages, tile, pitch}, spec.elementType);

  // Chunk c of the contraction into stage c % stages: 64 rows × 8 copies.
  auto loadChunk = [&](Value chunk) {
    Value stage = a.rem(chunk, stages);
    Value kBase = a.mul(chunk, tile);
    auto loop = scf::ForOp::create(b, tid, a.idx(tile * tile / 8), a.idx(128));
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value c = loop.getInductionVar();
    Value r = a.div(c, tile / 8), col = a.mul(a.rem(c, tile / 8), 8);
    Value row = a.add(rowBase, r);
    Value valid = a.lt(row, rows);
    row = a.select(valid, row, a.idx(0));
    copy8(lhsTiles, {stage, r, col}, input,
          {a.div(row, spec.queries), a.rem(row, spec.queries), head,
           a.add(kBase, col)},
          valid);
    Value always = arith::ConstantIntOp::create(b, 1, 1);
    if (weightKMajor)
      copy8(rhsTiles, {stage, r, col}, weight,
            {head, a.add(kBase, r), a.add(colBase, col)}, always);
    else
      copy8(rhsTiles, {stage, r, col}, weight,
            {head, a.add(colBase, r), a.add(kBase, col)}, always);
  };

  for (int64_t c = 0; c + 1 < stages; ++c) {
    if (c < chunks)
      loadChunk(a.idx(c));
    commitGroup();
  }
  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(frag.c));
  SmallVector<Value> init(tile / 8, zero);
  auto loop = scf::ForOp::create(b, a.idx(0), a.idx(chunks), a.idx(1), init);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value chunk = loop.getInductionVar();
    SmallVector<Value> acc(loop.getRegionIterArgs());
    waitGroups(stages - 2);
    barrier();
    Value next = a.add(chunk, stages - 1);
    auto exists = scf::IfOp::create(b, a.lt(next, a.idx(chunks)));
    {
      OpBuilder::InsertionGuard load(b);
      b.setInsertionPointToStart(exists.thenBlock());
      loadChunk(next);
    }
    commitGroup();
    Value stage = a.rem(chunk, stages);
    Value aRow = a.add(a.mul(warp, 16), layout.rowMajorRow);
    for (int64_t kk = 0; kk < tile / 16; ++kk) {
      Value lhs = ldmatrix(
          lhsTiles, {stage, aRow, a.add(layout.rowMajorCol, 16 * kk)}, false);
      for (int64_t np = 0; np < tile / 16; ++np) {
        Value rhs = weightKMajor
                        ? ldmatrix(rhsTiles,
                                   {stage, a.add(layout.rowMajorRow, 16 * kk),
                                    a.add(layout.rowMajorCol, 16 * np)},
                                   true)
                        : ldmatrix(rhsTiles,
                                   {stage, a.add(layout.nMajorRow, 16 * np),
                                    a.add(layout.nMajorCol, 16 * kk)},
                                   false);
        acc[2 * np] = mma(lhs, halfOf(rhs, 0), acc[2 * np]);
        acc[2 * np + 1] = mma(lhs, halfOf(rhs, 1), acc[2 * np + 1]);
      }
    }
    scf::YieldOp::create(b, acc);
  }
  waitGroups(0);
  // C fragment rows quadRow, quadRow + 8 of the warp's 16; columns 2·quadCol.
  Value quadRow = a.div(lane, 4), quadCol = a.rem(lane, 4);
  for (int64_t r = 0; r < 2; ++r) {
    Value row = a.add(a.add(rowBase, a.mul(warp, 16)), a.add(quadRow, 8 * r));
    auto inside = scf::IfOp::create(b, a.lt(row, rows));
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(inside.thenBlock());
    Value bIndex = a.div(row, spec.queries), sIndex = a.rem(row, spec.queries);
    for (int64_t j = 0; j < tile / 8; ++j) {
      Value pair = arith::TruncFOp::create(
          b, VectorType::get({2}, spec.elementType),
          vector::ExtractOp::create(b, loop.getResult(j),
                                    ArrayRef<int64_t>{r}));
      Value col = a.add(a.add(colBase, a.mul(quadCol, 2)), 8 * j);
      vector::StoreOp::create(b, pair, output,
                              ValueRange{bIndex, sIndex, head, col});
    }
  }
  gpu::TerminatorOp::create(b);
}

} // namespace

void mlir::mla::emitDecodeKernels(ImplicitLocOpBuilder &b,
                                  const DecodeKernelSpec &spec,
                                  const DecodeKernelOperands &operands) {
  DecodeKernelEmitter emitter(b, spec);
  // q_lat[b,s,h,l] = Σ_n q_nope[b,s,h,n] · W_UK[h,l,n]   (W_UK n-major)
  emitter.emitHeadProduct(operands.queryNope, operands.keyWeight,
                          operands.queryLatent, spec.nope, spec.latent,
                          /*weightKMajor=*/false, operands.batch,
                          "decode_query_latent");
  if (spec.balanced())
    emitter.emitSchedule(operands);
  if (spec.warpgroup())
    emitter.emitWarpgroupAttention(operands);
  else
    emitter.emitAttention(operands);
  if (spec.splitSlots() > 1)
    emitter.emitCombine(operands);
  // o[b,s,h,v] = Σ_l o_lat[b,s,h,l] · W_UV[h,l,v]          (W_UV k-major)
  emitter.emitHeadProduct(operands.latentOut, operands.valueWeight,
                          operands.output, spec.latent, spec.value,
                          /*weightKMajor=*/true, operands.batch,
                          "decode_value");
}
