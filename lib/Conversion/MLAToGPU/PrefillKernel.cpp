//===- PrefillKernel.cpp - The fused MLA prefill as kernels -----*- C++ -*-===//
//
// Emits the decompressed attention of `mla.fused_prefill`: the cached
// latents of each request gathered through the block table into a dense
// buffer (`prefill_gather`), K_nope = c·W_UK and V = c·W_UV for every head
// by the library GEMM (mla_gpu.gemm, one batch entry per head), and a
// flash-attention kernel (`prefill_attention`) on the tile ops
// (docs/kernel-dialect.md, docs/prefill-kernel.md).
//
// The attention CTA: one per (block of `blockQueries` query rows, head,
// request), one warpgroup per 64 rows, all sharing each K/V tile:
//
//                   S = Q·Kᵀ [64, Tk]        O [64, V]
//                 ┌────────────────────┐  ┌─────────────────┐
//   rows  0..63   │ warpgroup 0: wgmma │  │ += P·V, wgmma   │
//                 │ m64nTk16 × (N+R)/16│  │ m64nVk16 × Tk/16│
//                 ├────────────────────┤  ├─────────────────┤
//   rows 64..127  │ warpgroup 1        │  │ warpgroup 1     │
//                 └────────────────────┘  └─────────────────┘
//
// Each key tile: K_nope's N columns of the head and the token's single k_pe
// (R columns of the gathered latents, shared by all heads, never copied per
// head) side by side as the (N + R)-wide K tile, and V's; loaded by
// cp.async into a ring of `stages`, 128B-swizzled. Per tile each warpgroup
// computes S, the online softmax (causal: row s sees keys t ≤ len − S + s)
// and adds P·V with P in registers (wgmma's A from registers); S and P never
// leave the registers. A
// CTA stops at the last key its last row sees: causal tiles past the
// diagonal are never loaded.
//
//===----------------------------------------------------------------------===//

#include "PrefillKernel.h"

#include "KernelBuilder.h"

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

class PrefillKernelEmitter : public KernelBuilder {
public:
  PrefillKernelEmitter(ImplicitLocOpBuilder &b, const PrefillKernelPlan &plan,
                       const PrefillKernelOperands &ops)
      : KernelBuilder(b), plan(plan), ops(ops),
        fragment(VectorType::get({2, 2}, b.getF32Type())) {}

  void emitGather();
  void emitDecompression();
  void emitAttention();

  /// One key tile's online-softmax update: the new row max and sum (×2
  /// each), P as wgmma A fragments, and α (×2), by which O is rescaled
  /// before this tile's P·V is added.
  struct SoftmaxStep {
    SmallVector<Value> stats, probs;
    Value alpha[2];
  };
  /// The attention loop's steps, which every loop form strings together:
  /// a tile's loads, its S = Q·Kᵀ (from a stage; async or waited), its
  /// softmax (from the row max and sum), and O += P·V (async or waited).
  struct AttentionSteps {
    function_ref<void(Value, bool, bool)> loadTile;
    function_ref<SmallVector<Value>(Value, bool)> scoresOf;
    function_ref<SoftmaxStep(Value, ValueRange, ValueRange)> softmaxOf;
    function_ref<SmallVector<Value>(Value, ValueRange, ValueRange, bool)>
        valuesOf;
  };
  void emitSpecializedLoop(Value tiles, Value tid, Value consumer,
                           Value fullKeys, Value fullValues,
                           ArrayRef<Value> init, const AttentionSteps &steps,
                           function_ref<void(ArrayRef<Value>)> store);
  /// Registers per thread the producer keeps and the consumers take
  /// (setmaxnreg): 128 · 24 + 256 · 240 = 384 · 168, what the launch of 384
  /// threads holds.
  static constexpr uint32_t kProducerRegisters = 24;
  static constexpr uint32_t kConsumerRegisters = 240;
  Value keyTileMap(Value workspace) {
    return tensorMap(workspace, plan.blockKeys);
  }

private:
  const PrefillKernelPlan &plan;
  const PrefillKernelOperands &ops;
  VectorType fragment;

  /// Rows [`first`, `first` + `count`) of the 2-d view of `memref` that
  /// `offsets` (one per dimension, `rowDim` the rows') select, the other
  /// dimensions but the last reduced away: [count, cols].
  Value rowsOf(Value memref, ArrayRef<OpFoldResult> offsets, int64_t rowDim,
               OpFoldResult count, int64_t staticCount) {
    auto type = cast<MemRefType>(memref.getType());
    int64_t rank = type.getRank();
    int64_t cols = type.getDimSize(rank - 1);
    SmallVector<OpFoldResult> sizes(rank, b.getIndexAttr(1));
    sizes[rowDim] = count;
    sizes[rank - 1] = b.getIndexAttr(cols);
    SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
    MemRefType viewType = memref::SubViewOp::inferRankReducedResultType(
        {staticCount, cols}, type, offsets, sizes, strides);
    return memref::SubViewOp::create(b, viewType, memref, offsets, sizes,
                                     strides);
  }
  /// Request `request`'s rows of head `head` of a [B, S, H, D] buffer:
  /// [S, D], rows H·D apart.
  Value headRows(Value memref, Value request, Value head) {
    auto type = cast<MemRefType>(memref.getType());
    OpFoldResult rows = type.isDynamicDim(1)
                            ? OpFoldResult(ops.queries)
                            : OpFoldResult(b.getIndexAttr(type.getDimSize(1)));
    return rowsOf(memref, {request, b.getIndexAttr(0), head, b.getIndexAttr(0)},
                  1, rows, type.getDimSize(1));
  }
  /// Request `request`'s M·G rows of head `head` of a decompressed [H,
  /// B·M·G, D] buffer.
  Value decompressedRows(Value memref, Value request, Value head) {
    return rowsOf(memref, {head, a.mul(request, ops.capacity), b.getIndexAttr(0)},
                  1, ops.capacity, ShapedType::kDynamic);
  }
  /// Request `request`'s k_pe: the last R columns of its gathered latents
  /// [M·G, R].
  Value ropeRows(Value request) {
    auto type = cast<MemRefType>(ops.latent.getType());
    auto sizes = SmallVector<OpFoldResult>{b.getIndexAttr(1), ops.capacity,
                                           b.getIndexAttr(plan.rope)};
    SmallVector<OpFoldResult> offsets = {request, b.getIndexAttr(0),
                                         b.getIndexAttr(plan.latent)};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    MemRefType viewType = memref::SubViewOp::inferRankReducedResultType(
        {ShapedType::kDynamic, plan.rope}, type, offsets, sizes, strides);
    return memref::SubViewOp::create(b, viewType, ops.latent, offsets, sizes,
                                     strides);
  }
  /// A varlen CTA's work: its request, its query block in the request, and
  /// the request's rows in the packed buffers (first, count).
  struct QueryBlock {
    Value request, block, firstRow, count;
  };
  /// The (request, block) of grid slot `slot` of a varlen launch: one pass
  /// over query_starts, request b owning the ⌈n_b / rows⌉ slots after its
  /// predecessors' (its blocks last to first: under causal masking the
  /// last sees the most keys). Every entry is checked (0 first, never
  /// decreasing, none past X, X last; mla_gpu.check_input) and clamped into
  /// [0, X]. A slot past the last request's blocks gets count 0.
  QueryBlock findQueryBlock(Value slot, int64_t rows) {
    Value zero = a.idx(0), one = a.idx(1);
    auto start = [&](Value index) {
      return a.toIndex(
          memref::LoadOp::create(b, ops.queryStarts, ValueRange{index}));
    };
    Value last = a.sub(ops.batch, one);
    // (slots before request b, request, block, first row, count)
    SmallVector<Value> init = {zero, zero, zero, zero, zero};
    auto scan = scf::ForOp::create(b, zero, ops.batch, one, init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(scan.getBody());
      Value index = scan.getInductionVar();
      ValueRange carried = scan.getRegionIterArgs();
      Value first = start(index), end = start(a.add(index, one));
      // qs[0] is 0; then each qs[b + 1] in [qs[b], X], the last X. The
      // report names the entry at fault: qs[0] or qs[b + 1].
      Value firstOk = a.ori(a.lt(zero, index), a.eq(first, 0));
      Value ok = a.andi(a.le(first, end), a.le(end, ops.queries));
      ok = a.andi(ok, a.ori(a.lt(index, last), a.eq(end, ops.queries)));
      mla_gpu::CheckInputOp::create(
          b, a.andi(firstOk, ok), mla_gpu::BadInput::PrefillQueryStarts, index,
          a.select(firstOk, end, first), ops.queries);
      first = a.min(a.max(first, zero), ops.queries);
      end = a.min(a.max(end, first), ops.queries);
      Value count = a.sub(end, first);
      Value blocks = a.ceilDiv(count, rows);
      Value before = carried[0];
      Value mine =
          a.andi(a.le(before, slot), a.lt(slot, a.add(before, blocks)));
      Value block = a.sub(a.sub(blocks, one), a.sub(slot, before));
      scf::YieldOp::create(b, ValueRange{a.add(before, blocks),
                                         a.select(mine, index, carried[1]),
                                         a.select(mine, block, carried[2]),
                                         a.select(mine, first, carried[3]),
                                         a.select(mine, count, carried[4])});
    }
    return {scan.getResult(1), scan.getResult(2), scan.getResult(3),
            scan.getResult(4)};
  }
  /// Request `request`'s length, clamped into [0, M·G]; one outside is
  /// reported (mla_gpu.check_input) where `kind` is given, and one below
  /// `rows` (a varlen request's new tokens) where they are given.
  Value requestLength(Value request,
                      std::optional<mla_gpu::BadInput> kind = std::nullopt,
                      Value rows = Value()) {
    Value length =
        a.toIndex(memref::LoadOp::create(b, ops.lengths, ValueRange{request}));
    if (kind)
      mla_gpu::CheckInputOp::create(
          b, a.andi(a.ge(length, a.idx(0)), a.le(length, ops.capacity)), *kind,
          request, length, ops.capacity);
    if (rows)
      mla_gpu::CheckInputOp::create(b, a.le(rows, length),
                                    mla_gpu::BadInput::PrefillNewTokens,
                                    request, length, rows);
    return a.min(a.max(length, a.idx(0)), ops.capacity);
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// The gather: latent[b, t, :] = cache[table[b, t / G], t mod G, :], zero for
// t ≥ len (NaN in unused slots never reaches the GEMMs)
//===----------------------------------------------------------------------===//

void PrefillKernelEmitter::emitGather() {
  OpBuilder::InsertionGuard host(b);
  constexpr int64_t kRows = 64, kThreads = 256;
  auto cacheType = cast<MemRefType>(ops.cache.getType());
  int64_t width = plan.latent + plan.rope, chunks = width / 8;
  Value pageSize = memref::DimOp::create(b, ops.cache, 1);
  Value pages = memref::DimOp::create(b, ops.cache, 0);
  gpu::LaunchOp kernel = launch("prefill_gather", a.ceilDiv(ops.capacity, kRows),
                                ops.batch, a.idx(1), kThreads, 0);
  Value rowBlock = kernel.getBlockIds().x, request = kernel.getBlockIds().y;
  Value tid = kernel.getThreadIds().x;
  Value length = requestLength(request, mla_gpu::BadInput::PrefillLength);
  auto chunkType = VectorType::get({8}, cacheType.getElementType());
  auto loop = scf::ForOp::create(b, tid, a.idx(kRows * chunks), a.idx(kThreads));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value i = loop.getInductionVar();
    Value token = a.add(a.mul(rowBlock, kRows), a.div(i, chunks));
    Value col = a.mul(a.rem(i, chunks), 8);
    auto inCapacity = scf::IfOp::create(b, a.lt(token, ops.capacity));
    b.setInsertionPointToStart(inCapacity.thenBlock());
    Value cached = a.lt(token, length);
    auto read = scf::IfOp::create(b, TypeRange{chunkType}, cached,
                                  /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard branch(b);
      b.setInsertionPointToStart(read.thenBlock());
      Value entry = memref::LoadOp::create(
          b, ops.blockTable,
          ValueRange{request, arith::DivUIOp::create(b, token, pageSize)});
      Value page = a.toIndex(entry);
      Value ok = a.andi(a.ge(page, a.idx(0)), a.lt(page, pages));
      mla_gpu::CheckInputOp::create(b, ok, mla_gpu::BadInput::PrefillPage,
                                    request, page, pages);
      page = a.min(a.max(page, a.idx(0)), a.sub(pages, a.idx(1)));
      Value slot = arith::RemUIOp::create(b, token, pageSize);
      Value chunk = vector::LoadOp::create(b, chunkType, ops.cache,
                                           ValueRange{page, slot, col},
                                           /*nontemporal=*/false,
                                           llvm::MaybeAlign(16));
      scf::YieldOp::create(b, chunk);
      b.setInsertionPointToStart(read.elseBlock());
      scf::YieldOp::create(
          b, arith::ConstantOp::create(b, b.getZeroAttr(chunkType)).getResult());
    }
    storeVector(read.getResult(0), ops.latent, ValueRange{request, token, col});
  }
  gpu::TerminatorOp::create(b);
}

//===----------------------------------------------------------------------===//
// The decompression: keys[h] = latent[:, :L] · W_UK[h], values[h] =
// latent[:, :L] · W_UV[h] over every request's M·G rows at once
//===----------------------------------------------------------------------===//

void PrefillKernelEmitter::emitDecompression() {
  auto latentType = cast<MemRefType>(ops.latent.getType());
  Value rows = memref::CollapseShapeOp::create(
      b, ops.latent, SmallVector<ReassociationIndices>{{0, 1}, {2}});
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {
      OpFoldResult(a.mul(ops.batch, ops.capacity)),
      b.getIndexAttr(plan.latent)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  auto rowsType = cast<MemRefType>(rows.getType());
  MemRefType latentView = memref::SubViewOp::inferRankReducedResultType(
      {ShapedType::kDynamic, plan.latent}, rowsType, offsets, sizes, strides);
  (void)latentType;
  Value c = memref::SubViewOp::create(b, latentView, rows, offsets, sizes,
                                      strides);
  mla_gpu::GemmOp::create(b, c, ops.keyWeight, ops.keys,
                          mla_gpu::GemmBackend::CublasLt);
  mla_gpu::GemmOp::create(b, c, ops.valueWeight, ops.values,
                          mla_gpu::GemmBackend::CublasLt);
}

//===----------------------------------------------------------------------===//
// The flash attention (picture at the top)
//===----------------------------------------------------------------------===//

void PrefillKernelEmitter::emitAttention() {
  OpBuilder::InsertionGuard host(b);
  const int64_t rowsPerCta = plan.blockQueries, keys = plan.blockKeys;
  const int64_t queryDim = plan.queryDim, valueDim = plan.valueDim;
  const int64_t threads = plan.threads(), stages = plan.stages;
  Type element = plan.elementType;
  const bool sync = plan.mmaSync();
  // wgmma reads 128B-swizzled atoms; mma.sync's ldmatrix reads row-major
  // tiles with padded rows.
  auto swizzle = sync ? mla_gpu::Swizzle::None : mla_gpu::Swizzle::B128;

  // Query blocks vary fastest, so that the CTAs in flight together share a
  // few heads' K and V in L2 (heads fastest streamed every head's from
  // DRAM: measured 1.23× slower at 4096 tokens), and run last to first:
  // under causal masking the last block sees the most keys, so each head's
  // longest CTAs start first and the grid ends on short ones.
  //
  // Varlen: the grid's x runs over ⌈X / rows⌉ + B − 1 slots, at least the
  // Σ_b ⌈n_b / rows⌉ query blocks of all requests; each CTA finds its
  // request and block on the device (findQueryBlock). X and B are not 0
  // (mla-insert-shape-checks); the launch is not guarded on the host,
  // where a region around it would cut the stream in two
  // (gpu-async-region synchronises at it).
  const bool varlen = static_cast<bool>(ops.queryStarts);
  Value gridX, gridZ;
  if (varlen) {
    gridX = a.max(
        a.add(a.ceilDiv(ops.queries, rowsPerCta), a.sub(ops.batch, a.idx(1))),
        a.idx(1));
    gridZ = a.idx(1);
  } else {
    gridX = a.ceilDiv(ops.queries, rowsPerCta);
    gridZ = ops.batch;
  }
  gpu::LaunchOp kernel = launch("prefill_attention", gridX, a.idx(plan.heads),
                                gridZ, threads, plan.sharedBytes());
  Value head = kernel.getBlockIds().y;
  // The CTA's request, its query block, and the request's rows: first and
  // count (S of the [B, S] queries; varlen, rows qs[b] .. qs[b + 1] of the
  // packed ones).
  Value request, queryBlock, firstRow = a.idx(0), count = ops.queries;
  if (varlen) {
    QueryBlock found = findQueryBlock(kernel.getBlockIds().x, rowsPerCta);
    request = found.request;
    queryBlock = found.block;
    firstRow = found.firstRow;
    count = found.count;
  } else {
    request = kernel.getBlockIds().z;
    queryBlock = a.sub(a.sub(gridX, a.idx(1)), kernel.getBlockIds().x);
  }
  // Head `head`'s rows of the request in a query-shaped buffer: [count, D].
  auto queryRows = [&](Value memref) {
    if (!varlen)
      return headRows(memref, request, head);
    return rowsOf(memref, {firstRow, head, b.getIndexAttr(0)}, 0, count,
                  ShapedType::kDynamic);
  };
  Value tid = kernel.getThreadIds().x;
  // The warpgroup of query rows (with a producer, the CTA's first
  // warpgroup is the producer's: the rows' are the next ones).
  Value warpgroup = a.div(tid, 128);
  if (plan.producer)
    warpgroup = a.sub(warpgroup, a.idx(1));
  Value warp = a.rem(a.div(tid, 32), 4);
  Value lane = a.rem(tid, 32);
  Value quadRow = a.div(lane, 4);
  Value rowBase = a.mul(queryBlock, rowsPerCta);
  // The first of this warp's 16 rows, within the CTA and in the request.
  Value warpRow = a.add(a.mul(warpgroup, 64), a.mul(warp, 16));

  // The keys this CTA's rows see: all `length` cached, or with causal
  // masking up to its last row's position len − S + s.
  Value length = requestLength(request, std::nullopt, varlen ? count : Value());
  Value keysEnd = length;
  if (plan.causal) {
    Value lastRow = a.min(count, a.add(rowBase, rowsPerCta));
    keysEnd =
        a.min(length, a.max(a.idx(0), a.add(a.sub(length, count), lastRow)));
  }
  // A varlen slot past every request's blocks attends no rows.
  if (varlen)
    keysEnd = a.select(a.lt(a.idx(0), count), keysEnd, a.idx(0));
  Value tiles = a.ceilDiv(keysEnd, keys);

  // Shared memory: with wgmma Q [atoms, rows, 64], K [stages, atoms, keys,
  // 64], V [stages, atoms, keys, 64], every buffer at a multiple of 1024
  // bytes (the swizzle's period; rows are multiples of 8); with mma.sync Q
  // [rows, N + R + pad], K [stages, keys, N + R + pad], V [stages, keys, V +
  // pad]. P stays in registers.
  int64_t keysAt = plan.queryTileBytes();
  int64_t valuesAt = keysAt + stages * plan.keyTileBytes();
  int64_t atomBytes = rowsPerCta * 128;
  int64_t pad = plan.pad();
  Value memory = sync ? sharedMemory(16, plan.sharedBytes())
                      : sharedMemory(1024, plan.sharedBytes() - 1024);
  auto shape = [&](SmallVector<int64_t> outer, int64_t rows, int64_t cols) {
    if (sync) {
      outer.append({rows, cols + pad});
    } else {
      outer.append({cols / 64, rows, 64});
    }
    return outer;
  };
  Value query = sharedBuffer(memory, 0, "query",
                             shape({}, rowsPerCta, queryDim), element, swizzle);
  Value keyTiles =
      sharedBuffer(memory, keysAt, "keys", shape({stages}, keys, queryDim),
                   element, swizzle);
  Value valueTiles =
      sharedBuffer(memory, valuesAt, "values", shape({stages}, keys, valueDim),
                   element, swizzle);
  // Where column `col` (a multiple of 64) of a tile starts in a buffer,
  // after the `outer` indices (the stage).
  auto columnAt = [&](SmallVector<Value> outer, int64_t col) {
    if (sync) {
      outer.append({a.idx(0), a.idx(col)});
    } else {
      outer.append({a.idx(col / 64), a.idx(0), a.idx(0)});
    }
    return outer;
  };
  Value queryAddress = byteAddress(query);
  Value keysAddress = byteAddress(keyTiles);
  Value valuesAddress = byteAddress(valueTiles);

  // Q: the head's N columns of q_nope and R of q_pe side by side; rows past
  // S zero-filled.
  auto loadRows = [&](Value source, Value first, Value buffer, ValueRange at,
                      int64_t rows, int64_t cols, Value valid) {
    mla_gpu::LoadTileOp::create(b, source, ValueRange{first, a.idx(0)}, buffer,
                                at, valid, rows, cols, threads, swizzle);
  };
  loadRows(queryRows(ops.queryNope), rowBase, query, columnAt({}, 0),
           rowsPerCta, plan.nope, Value());
  loadRows(queryRows(ops.queryRope), rowBase, query, columnAt({}, plan.nope),
           rowsPerCta, plan.rope, Value());
  commitGroup();
  // With TMA, a stage's mbarrier completes a phase when the three loads
  // into it (K_nope, k_pe, V) have arrived with their bytes.
  // With the producer, K and V have a pipeline each (K_nope and k_pe's two
  // arrivals on `barriers`, V's one on `valueBarriers`): a consumer
  // releases a tile's K as soon as its S is in and its V after P·V.
  Value barriers, valueBarriers;
  if (plan.tma())
    barriers = stageBarriers(tid, stages, plan.producer ? 2 : 3);
  valueBarriers = plan.producer ? stageBarriers(tid, stages, 1) : barriers;
  // Key tile `tile` into its stage (when it exists). cp.async: every
  // thread's copies, rows past the CTA's last key zero-filled, then the
  // group's commit (empty groups keep the count uniform). TMA: thread 0's
  // boxes; rows past the last key hold the workspace's (zeros past each
  // request's length, finite elsewhere) and the softmax masks them.
  auto loadTile = [&](Value tile, bool withKeys, bool withValues) {
    auto exists = scf::IfOp::create(b, a.lt(tile, tiles));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(exists.thenBlock());
      Value stage = a.rem(tile, stages);
      Value first = a.mul(tile, keys);
      if (plan.tma()) {
        Value row = a.add(a.mul(request, ops.capacity), first);
        auto load = [&](Value map, ValueRange at, Value buffer, int64_t atom,
                        int64_t cols, Value onto) {
          mla_gpu::TmaLoadTileOp::create(b, map, at, buffer, stage, atom,
                                         cols / 64, onto, /*issuer=*/0);
        };
        if (withKeys) {
          load(ops.keysMap, {head, row, a.idx(0)}, keyTiles, 0, plan.nope,
               barriers);
          load(ops.latentMap, {request, first, a.idx(plan.latent)}, keyTiles,
               plan.nope / 64, plan.rope, barriers);
        }
        if (withValues)
          load(ops.valuesMap, {head, row, a.idx(0)}, valueTiles, 0, valueDim,
               valueBarriers);
      } else {
        Value valid = a.sub(keysEnd, first);
        loadRows(decompressedRows(ops.keys, request, head), first, keyTiles,
                 columnAt({stage}, 0), keys, plan.nope, valid);
        loadRows(ropeRows(request), first, keyTiles,
                 columnAt({stage}, plan.nope), keys, plan.rope, valid);
        loadRows(decompressedRows(ops.values, request, head), first, valueTiles,
                 columnAt({stage}, 0), keys, valueDim, valid);
      }
    }
    if (!plan.tma())
      commitGroup();
  };
  // The producer issues every tile itself.
  for (int64_t t = 0; !plan.producer && t + 1 < stages; ++t)
    loadTile(a.idx(t), true, true);
  // With TMA, Q is the only cp.async group: waited for and fenced to the
  // async proxy here, behind the first tiles' loads.
  if (plan.tma()) {
    waitGroups(0);
    asyncProxyFence();
  }

  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(fragment));
  auto pairType = VectorType::get({2}, b.getF32Type());
  auto pair = [&](Value x, Value y) {
    return vector::FromElementsOp::create(b, pairType, ValueRange{x, y})
        .getResult();
  };
  // Row r (0, 1) of the thread's fragments sees keys below this limit.
  Value limits[2];
  for (int64_t r = 0; r < 2; ++r) {
    if (!plan.causal) {
      limits[r] = length;
      continue;
    }
    Value row = a.add(a.add(rowBase, warpRow), a.add(quadRow, 8 * r));
    limits[r] = a.min(length, a.add(a.sub(length, count), a.add(row, 1)));
  }
  // S = Q·Kᵀ of the key tile in `stage` for the warpgroup's 64 rows: step k
  // reads dims 16k.. (atom k / 4, 32·(k mod 4) bytes into its rows). With
  // `async` the product is in flight until a warpgroup.wait ties it.
  auto scoresOf = [&](Value stage, bool async) -> SmallVector<Value> {
    if (sync) {
      // The warp's 16 rows by mma.sync: K read n-major (a row per key).
      auto product = mla_gpu::WarpMmaOp::create(
          b, query, ValueRange{warpRow, a.idx(0)}, keyTiles,
          ValueRange{stage, a.idx(0), a.idx(0)},
          SmallVector<Value>(keys / 8, zero), queryDim, /*b_n_major=*/true);
      return SmallVector<Value>(product.getResults());
    }
    Value queryDesc = advance(descriptor(queryAddress, 16, 1024),
                              a.mul(warpgroup, 64 * 128));
    Value keyDesc = advance(descriptor(keysAddress, 16, 1024),
                            a.mul(stage, plan.keyTileBytes()));
    auto product = mla_gpu::WarpgroupMmaOp::create(
        b, queryDesc, keyDesc, SmallVector<Value>(keys / 8, zero),
        queryDim / 16, ArrayRef<int64_t>{32, 4, atomBytes},
        ArrayRef<int64_t>{32, 4, keys * 128}, element, /*b_n_major=*/false,
        /*accumulate=*/false, async);
    return SmallVector<Value>(product.getResults());
  };
  // One key tile's online softmax of `scores` and O += P·V on the loop
  // state (row max ×2, row sum ×2 — per-thread partials —, O's fragments):
  // the new state. P stays in registers (the A fragments wgmma takes, one
  // per 16 keys); V is read N-major (an atom is 8 keys × 64 dims; the next
  // 64 dims are keys·128 bytes on, the next 8 keys 1024), step k 16 keys
  // (2048 bytes) further.
  auto softmaxOf = [&](Value tile, ValueRange stats,
                       ValueRange scores) -> SoftmaxStep {
    auto update = mla_gpu::SoftmaxUpdateOp::create(
        b, scores, pair(stats[0], stats[1]), pair(stats[2], stats[3]),
        a.mul(tile, keys), limits[0], limits[1], APFloat(plan.softmaxScale),
        element);
    SoftmaxStep step;
    for (int64_t r = 0; r < 2; ++r) {
      step.alpha[r] = vector::ExtractOp::create(b, update.getAlpha(), r);
      step.stats.push_back(vector::ExtractOp::create(b, update.getNewMax(), r));
    }
    for (int64_t r = 0; r < 2; ++r)
      step.stats.push_back(vector::ExtractOp::create(b, update.getNewSum(), r));
    step.probs.assign(update.getProbs().begin(), update.getProbs().end());
    return step;
  };
  auto valuesOf = [&](Value tile, ValueRange probs, ValueRange out,
                      bool async) -> SmallVector<Value> {
    Value stage = a.rem(tile, stages);
    if (sync) {
      // V read k-major (a row per key), P from registers.
      auto product = mla_gpu::WarpMmaRsOp::create(
          b, probs, valueTiles, ValueRange{stage, a.idx(0), a.idx(0)}, out,
          /*b_n_major=*/false);
      return SmallVector<Value>(product.getResults());
    }
    Value valueDesc = advance(descriptor(valuesAddress, keys * 128, 1024),
                              a.mul(stage, plan.valueTileBytes()));
    auto product = mla_gpu::WarpgroupMmaRsOp::create(
        b, probs, valueDesc, out, ArrayRef<int64_t>{16 * 128, 1, 16 * 128},
        /*b_n_major=*/true, /*accumulate=*/true, async);
    return SmallVector<Value>(product.getResults());
  };
  // The loop state is (row max ×2, row sum ×2, O's fragments).
  auto softmaxAndValues = [&](Value tile, ValueRange state,
                              ValueRange scores) -> SmallVector<Value> {
    SoftmaxStep step = softmaxOf(tile, state.take_front(4), scores);
    SmallVector<Value> next = step.stats;
    llvm::append_range(next,
                       valuesOf(tile, step.probs,
                                scaleRows(state.drop_front(4), step.alpha),
                                /*async=*/false));
    return next;
  };
  // Tile `tile` has landed: cp.async, this thread's copies (at most
  // `pending` groups still in flight), for wgmma fenced to the async
  // proxy; TMA, its stage's mbarrier phase.
  auto landed = [&](Value tile, int64_t pending) {
    if (plan.tma()) {
      mla_gpu::TmaWaitTileOp::create(b, barriers, tile);
      return;
    }
    waitGroups(pending);
    // wgmma reads shared memory through the async proxy; ldmatrix does not.
    if (!sync)
      asyncProxyFence();
  };
  // Tile `tile` has landed everywhere (the barrier), and everyone is done
  // with the stage the load of tile `next` overwrites; that load.
  auto nextTile = [&](Value tile, int64_t pending, Value next) {
    landed(tile, pending);
    barrier();
    loadTile(next, true, true);
  };

  SmallVector<Value> init = {a.negInf(), a.negInf(), a.f32(0), a.f32(0)};
  init.append(valueDim / 8, zero);
  SmallVector<Value> state;
  // The output: O / l by the rows' warps.
  auto store = [&](ArrayRef<Value> state) {
    Value sums = pair(quadSum(state[2]), quadSum(state[3]));
    mla_gpu::StoreFragmentsOp::create(b, state.drop_front(4), /*scale=*/Value(),
                                      sums, queryRows(ops.output),
                                      a.add(rowBase, warpRow), a.idx(0),
                                      /*limit=*/Value());
  };
  if (plan.producer) {
    emitSpecializedLoop(tiles, tid, warpgroup, barriers, valueBarriers, init,
                        {loadTile, scoresOf, softmaxOf, valuesOf}, store);
  } else if (stages < 3) {
    // Tile by tile: S, then its softmax and P·V.
    auto loop = scf::ForOp::create(b, a.idx(0), tiles, a.idx(1), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value tile = loop.getInductionVar();
      nextTile(tile, stages - 2, a.add(tile, stages - 1));
      SmallVector<Value> scores = scoresOf(a.rem(tile, stages), false);
      scf::YieldOp::create(
          b, softmaxAndValues(tile, loop.getRegionIterArgs(), scores));
    }
    state.assign(loop.getResults().begin(), loop.getResults().end());
  } else {
    // Overlapped: the loop carries tile t's S, issues tile t + 1's Q·Kᵀ
    // (async) and runs tile t's softmax while the tensor cores compute it;
    // P·V's wait completes both. Tile 0's S before the loop, the last tile
    // after it (no next S to issue). Three stages: tiles t − 1 (P·V done),
    // t and t + 1 resident while t + 2 loads.
    if (plan.tma()) {
      // Tile 0 exists only where the CTA sees a key (no phase to wait for
      // otherwise: its S below is never used).
      auto any = scf::IfOp::create(b, a.lt(a.idx(0), tiles));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(any.thenBlock());
      landed(a.idx(0), 0);
    } else {
      landed(a.idx(0), stages - 2);
    }
    barrier();
    init.append(scoresOf(a.idx(0), false));
    int64_t scoreCount = keys / 8;
    auto loop = scf::ForOp::create(b, a.idx(0), a.sub(tiles, a.idx(1)),
                                   a.idx(1), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value tile = loop.getInductionVar();
      ValueRange carried = loop.getRegionIterArgs();
      // Tile t + 1 in (all cp.async groups: t + 1's is the last), t + 2
      // into the stage of t − 1.
      nextTile(a.add(tile, 1), 0, a.add(tile, stages - 1));
      SmallVector<Value> inFlight =
          scoresOf(a.rem(a.add(tile, 1), stages), /*async=*/true);
      SmallVector<Value> next = softmaxAndValues(
          tile, carried.drop_back(scoreCount), carried.take_back(scoreCount));
      auto landed = mla_gpu::WarpgroupWaitOp::create(b, uint32_t(0), inFlight);
      llvm::append_range(next, landed.getResults());
      scf::YieldOp::create(b, next);
    }
    ValueRange results = loop.getResults();
    auto last = scf::IfOp::create(
        b, results.drop_back(scoreCount).getTypes(), a.lt(a.idx(0), tiles),
        /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(last.thenBlock());
      scf::YieldOp::create(b, softmaxAndValues(a.sub(tiles, a.idx(1)),
                                               results.drop_back(scoreCount),
                                               results.take_back(scoreCount)));
      b.setInsertionPointToStart(last.elseBlock());
      scf::YieldOp::create(b, results.drop_back(scoreCount));
    }
    state.assign(last.getResults().begin(), last.getResults().end());
  }
  if (!plan.producer) {
    waitGroups(0);
    store(state);
  }
  gpu::TerminatorOp::create(b);
}

/// The warp-specialised loop (plan.producer; docs/prefill-kernel.md). Warp-
/// group 0 is the producer: it gives registers back (setmaxnreg) and its
/// thread 0 issues every tile's TMA boxes onto `full`, each once the
/// consumers have released the tile that last held its stage (the `empty`
/// mbarriers, one arrival per consumer warp). Warpgroups 1 and 2 consume,
/// with registers raised, taking turns at the tensor cores through two
/// named barriers: in its turn a consumer issues tile t + 1's Q·Kᵀ and
/// tile t's P·V (both async) and passes the turn; it waits for S(t + 1)
/// alone and runs its softmax while P·V(t) (and the other consumer's MMAs)
/// run — two tiles in flight per consumer, FlashAttention-3's intra-
/// warpgroup overlap —, then waits for O, releases tile t's stage and
/// rescales O by tile t + 1's α. Tile 0's S is the first turn, the last
/// tile's P·V the last. Consumer 1 passes the turn first (an arrival on
/// consumer 0's barrier) and not after its last turn, so each barrier sees as
/// many arrivals as syncs. Returns the consumers' state (row max, sum, O); the
/// producer's results are those of `init`.
void PrefillKernelEmitter::emitSpecializedLoop(
    Value tiles, Value tid, Value consumer, Value fullKeys, Value fullValues,
    ArrayRef<Value> init, const AttentionSteps &steps,
    function_ref<void(ArrayRef<Value>)> store) {
  const int64_t stages = plan.stages;
  constexpr int64_t kConsumerWarps = 8;
  // Q (everyone's cp.async, waited for and fenced) is visible to all after
  // the barrier in stageBarriers.
  Value emptyKeys = stageBarriers(tid, stages, kConsumerWarps);
  Value emptyValues = stageBarriers(tid, stages, kConsumerWarps);
  TypeRange stateTypes = ValueRange(init).getTypes();
  // The roles' code paths never meet again: a join would carry the
  // consumers' state through the producer's 24 registers (spills).
  auto roles = scf::IfOp::create(b, TypeRange{}, a.lt(consumer, a.idx(0)),
                                 /*withElseRegion=*/true);
  {
    // The producer.
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(roles.thenBlock());
    NVVM::SetMaxRegisterOp::create(b, kProducerRegisters,
                                   NVVM::SetMaxRegisterAction::decrease);
    auto issuer = scf::IfOp::create(b, a.eq(tid, 0));
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(issuer.thenBlock());
      auto loop = scf::ForOp::create(b, a.idx(0), tiles, a.idx(1));
      b.setInsertionPointToStart(loop.getBody());
      Value tile = loop.getInductionVar();
      // Tile t's K, then its V, each into its stage once the tile that
      // held it last has been released there.
      for (bool keys : {true, false}) {
        auto reused = scf::IfOp::create(b, a.ge(tile, a.idx(stages)));
        {
          OpBuilder::InsertionGuard reuse(b);
          b.setInsertionPointToStart(reused.thenBlock());
          mla_gpu::TmaWaitTileOp::create(b, keys ? emptyKeys : emptyValues,
                                         a.sub(tile, a.idx(stages)));
        }
        steps.loadTile(tile, keys, !keys);
      }
    }
  }
  // The consumers.
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(roles.elseBlock());
  NVVM::SetMaxRegisterOp::create(b, kConsumerRegisters,
                                 NVVM::SetMaxRegisterAction::increase);
  Type i32 = b.getI32Type();
  auto constant = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, i32, v).getResult();
  };
  Value pairThreads = constant(256);
  // Consumer c waits on named barrier 1 + c for its turn and passes it on
  // 2 − c; each completes with 128 threads syncing and 128 arriving.
  Value mine = arith::IndexCastOp::create(b, i32, a.add(consumer, a.idx(1)));
  Value theirs = arith::IndexCastOp::create(b, i32, a.sub(a.idx(2), consumer));
  auto turn = [&] {
    NVVM::BarrierOp::create(b, Type(), mine, pairThreads,
                            NVVM::BarrierReductionAttr(), Value());
  };
  auto passTurn = [&] {
    NVVM::BarrierArriveOp::create(b, theirs, pairThreads);
  };
  Value lane = a.rem(tid, 32);
  // A warp's release of tile t's K or V (one arrival of the eight).
  auto release = [&](Value empty, Value tile) {
    auto first = scf::IfOp::create(b, a.eq(lane, 0));
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(first.thenBlock());
    nvgpu::MBarrierArriveOp::create(
        b, nvgpu::MBarrierTokenType::get(b.getContext()), empty,
        a.rem(tile, stages));
  };
  auto consumerIf = [&](int64_t which, function_ref<void()> body) {
    auto only = scf::IfOp::create(b, a.eq(consumer, which));
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(only.thenBlock());
    body();
  };
  // A CTA that sees no key does nothing (both consumers alike).
  auto any = scf::IfOp::create(b, stateTypes, a.lt(a.idx(0), tiles),
                               /*withElseRegion=*/true);
  store(SmallVector<Value>(any.getResults()));
  b.setInsertionPointToStart(any.elseBlock());
  scf::YieldOp::create(b, init);
  b.setInsertionPointToStart(any.thenBlock());
  // Consumer 0 goes first.
  consumerIf(
      1, [&] { NVVM::BarrierArriveOp::create(b, constant(1), pairThreads); });
  // Tile 0's S: the first turn; its softmax (O is zero: nothing to
  // rescale).
  mla_gpu::TmaWaitTileOp::create(b, fullKeys, a.idx(0));
  turn();
  SmallVector<Value> first = steps.scoresOf(a.idx(0), /*async=*/true);
  passTurn();
  ValueRange stats = ValueRange(init).take_front(4);
  ArrayRef<Value> zeroOut = init.drop_front(4);
  ValueRange firstScores =
      mla_gpu::WarpgroupWaitOp::create(b, uint32_t(0), first).getResults();
  release(emptyKeys, a.idx(0));
  SoftmaxStep step0 = steps.softmaxOf(a.idx(0), stats, firstScores);
  int64_t probCount = step0.probs.size();
  SmallVector<Value> loopInit = step0.stats;
  llvm::append_range(loopInit, step0.probs);
  llvm::append_range(loopInit, zeroOut);
  auto loop = scf::ForOp::create(b, a.idx(0), a.sub(tiles, a.idx(1)), a.idx(1),
                                 loopInit);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value tile = loop.getInductionVar();
    ValueRange carried = loop.getRegionIterArgs();
    ValueRange probs = carried.slice(4, probCount);
    ValueRange out = carried.drop_front(4 + probCount);
    Value next = a.add(tile, a.idx(1));
    // In the turn: tile t + 1's S, then tile t's P·V (both async; the
    // groups complete in that order).
    mla_gpu::TmaWaitTileOp::create(b, fullKeys, next);
    mla_gpu::TmaWaitTileOp::create(b, fullValues, tile);
    turn();
    SmallVector<Value> scores =
        steps.scoresOf(a.rem(next, stages), /*async=*/true);
    SmallVector<Value> values =
        steps.valuesOf(tile, probs, out, /*async=*/true);
    passTurn();
    // Tile t + 1's softmax as soon as its S is in (its K released), while
    // P·V(t) runs (and the other consumer's MMAs); then O (tile t's V
    // released), rescaled by t + 1's α.
    ValueRange nextScores =
        mla_gpu::WarpgroupWaitOp::create(b, uint32_t(1), scores).getResults();
    release(emptyKeys, next);
    SoftmaxStep step = steps.softmaxOf(next, carried.take_front(4), nextScores);
    auto landed = mla_gpu::WarpgroupWaitOp::create(b, uint32_t(0), values);
    release(emptyValues, tile);
    SmallVector<Value> yielded = step.stats;
    llvm::append_range(yielded, step.probs);
    llvm::append_range(yielded, scaleRows(landed.getResults(), step.alpha));
    scf::YieldOp::create(b, yielded);
  }
  // The last tile's P·V: the last turn, which consumer 1 passes to nobody.
  ValueRange results = loop.getResults();
  Value last = a.sub(tiles, a.idx(1));
  mla_gpu::TmaWaitTileOp::create(b, fullValues, last);
  turn();
  SmallVector<Value> out =
      steps.valuesOf(last, results.slice(4, probCount),
                     results.drop_front(4 + probCount), /*async=*/true);
  consumerIf(0, passTurn);
  SmallVector<Value> finalState(results.take_front(4));
  llvm::append_range(
      finalState,
      mla_gpu::WarpgroupWaitOp::create(b, uint32_t(0), out).getResults());
  scf::YieldOp::create(b, finalState);
}

void mlir::mla::createPrefillTensorMaps(ImplicitLocOpBuilder &b,
                                        const PrefillKernelPlan &plan,
                                        PrefillKernelOperands &operands) {
  PrefillKernelEmitter emitter(b, plan, operands);
  operands.keysMap = emitter.keyTileMap(operands.keys);
  operands.valuesMap = emitter.keyTileMap(operands.values);
  operands.latentMap = emitter.keyTileMap(operands.latent);
}

void mlir::mla::emitPrefillKernels(ImplicitLocOpBuilder &b,
                                   const PrefillKernelPlan &plan,
                                   const PrefillKernelOperands &operands) {
  PrefillKernelEmitter emitter(b, plan, operands);
  emitter.emitGather();
  emitter.emitDecompression();
  emitter.emitAttention();
}
