//===- MLAGPUOps.td - Operations of the mla_gpu dialect ----*- tablegen -*-===//
//
// Stage barriers, proxy fences, warpgroup-MMA ordering, shared-memory
// operand descriptors and the tile MMA of mla's generated kernels. Each lowers with its own
// pattern in lib/Conversion/MLAGPUToNVVM (docs/kernel-dialect.md).
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLAGPU_IR_MLAGPUOPS_TD
#define MLA_DIALECT_MLAGPU_IR_MLAGPUOPS_TD

include "mla/Dialect/MLAGPU/IR/MLAGPUDialect.td"
include "mla/Dialect/MLAGPU/IR/MLAGPUEnums.td"
include "mlir/Dialect/GPU/IR/GPUBase.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class MLAGPU_Op<string mnemonic, list<Trait> traits = []>
    : Op<MLAGPU_Dialect, mnemonic, traits>;

// Synchronisation: orders memory accesses, so it reads and writes memory as
// far as every generic pass is concerned (never moved, merged or erased).
class MLAGPU_SyncOp<string mnemonic, list<Trait> traits = []>
    : MLAGPU_Op<mnemonic, !listconcat([MemoryEffects<[MemRead, MemWrite]>],
                                      traits)>;

// A count of committed groups still in flight, in [0, 8): a deeper ring does
// not fit shared memory.
def MLAGPU_PendingAttr
    : ConfinedAttr<I32Attr, [IntNonNegative, IntMaxValue<7>]>;

//===----------------------------------------------------------------------===//
// Named shared buffers
//===----------------------------------------------------------------------===//

def MLAGPU_SharedMemoryOp : MLAGPU_Op<"shared_memory", [Pure]> {
  let summary = "the CTA's dynamic shared memory from its first `align`-byte boundary";
  let description = [{
    The bytes of the CTA's dynamic shared memory that the kernel carves into
    named buffers (`mla_gpu.shared_buffer`), starting at the first multiple
    of `align` bytes (a power of two in [16, 1024]; 1024 for buffers with
    the 128-byte swizzle, whose pattern repeats every 1024 bytes) at or after
    the start of the dynamic shared memory. The result's size is what the
    buffers span. The verifier checks that the buffers carved from it do not
    overlap and, inside a `gpu.launch` with a constant dynamic shared-memory
    size, that the size holds them and the alignment's slack (`align` − 16
    bytes: dynamic shared memory starts on a 16-byte boundary).

    Lowered by `convert-mla-gpu-tiles` to `gpu.dynamic_shared_memory` and a
    `memref.view` at the alignment's offset, computed from the address.

    ```mlir
    %smem = mla_gpu.shared_memory align 1024
        : memref<109312xi8, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins ConfinedAttr<I64Attr, [IntPositive]>:$align);
  let results = (outs MemRefRankOf<[I8], [1]>:$memory);
  let assemblyFormat = "`align` $align attr-dict `:` type($memory)";
  let hasVerifier = 1;
}

def MLAGPU_SharedBufferOp : MLAGPU_Op<"shared_buffer", [Pure]> {
  let summary = "a named, typed buffer of shared memory at a byte offset, its layout as an attribute";
  let description = [{
    A view of `memory` (an `mla_gpu.shared_memory`) at byte `offset`: a
    static memref of the workgroup address space with the identity layout,
    named for the IR's readers (`"query"`, `"tokens"`, …). `swizzle` says how
    the buffer's rows are stored: `none` (as indexed), or `bN` — the rows
    are N bytes wide (the last dimension) and 16-byte chunk c of row r is
    stored at chunk c ⊕ (r mod N/16), the layout wgmma and TMA read; the
    buffer's users index it physically. A swizzled buffer starts on a
    multiple of 1024 bytes of a base aligned as much. The offset is a
    multiple of 16.

    Lowered by `convert-mla-gpu-tiles` to a `memref.view`.

    ```mlir
    %kv = mla_gpu.shared_buffer %smem[16384] "tokens" swizzle b128
        : memref<109312xi8, #gpu.address_space<workgroup>>
          to memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins MemRefRankOf<[I8], [1]>:$memory,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$offset,
                       StrAttr:$name,
                       DefaultValuedAttr<MLAGPU_Swizzle,
                           "::mlir::mla_gpu::Swizzle::None">:$swizzle);
  let results = (outs AnyStaticShapeMemRef:$buffer);
  let assemblyFormat = [{
    $memory `[` $offset `]` $name (`swizzle` $swizzle^)? attr-dict `:`
    type($memory) `to` type($buffer)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The bytes the buffer spans.
    int64_t getBytes();
  }];
}

//===----------------------------------------------------------------------===//
// Tile loads
//===----------------------------------------------------------------------===//

// The CTA's thread count, which a load's copies are spread over.
def MLAGPU_ThreadsAttr
    : ConfinedAttr<I64Attr, [IntPositive, IntMaxValue<1024>]>;

def MLAGPU_LoadTileOp : MLAGPU_Op<"load_tile",
    [MemoryEffects<[MemRead, MemWrite]>, AttrSizedOperandSegments]> {
  let summary = "a dense tile of a 2-d memref into a shared buffer by cp.async, rows past the end zero-filled";
  let description = [{
    Copies the `rows` × `cols` window of `source` (a 2-d memref of global
    memory, any strides with unit stride in the last dimension) whose first
    element is at `source_indices` into `buffer` at `buffer_indices` (one
    index per dimension; the window lands in the last two, or with `swizzle
    b128` the last three: [atom, row, 64] atoms of 128-byte rows, 16-byte
    chunk c of row r at chunk c ⊕ (r mod 8), column j of the window in atom
    (column + j) / 64). Rows of the window at or past the source's end, and
    with `valid` rows r ≥ valid, are zero-filled without reading memory.

    The copies are 16-byte `cp.async` (`cols` and the columns a multiple of
    8 elements of 2 bytes), strided over the CTA's `threads` threads, all of
    which execute the op; they are not committed (`mla_gpu.async_copy.commit`
    closes the stage).

    ```mlir
    // Rows 64.. of request %b's query latents, 512 columns, into the
    // query buffer's first 512 columns; rows past 32 are padding.
    mla_gpu.load_tile %q[%row, %c0] into %query[%c0, %c0, %c0]
        rows 64 cols 512 valid %c32 threads 256 swizzle b128
        : memref<128x512xbf16, strided<[512, 1], offset: ?>>,
          memref<9x64x64xbf16, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins AnyMemRef:$source, Variadic<Index>:$source_indices,
                       AnyMemRef:$buffer, Variadic<Index>:$buffer_indices,
                       Optional<Index>:$valid,
                       ConfinedAttr<I64Attr, [IntPositive]>:$rows,
                       ConfinedAttr<I64Attr, [IntPositive]>:$cols,
                       MLAGPU_ThreadsAttr:$threads,
                       DefaultValuedAttr<MLAGPU_Swizzle,
                           "::mlir::mla_gpu::Swizzle::None">:$swizzle);
  let assemblyFormat = [{
    $source `[` $source_indices `]` `into` $buffer `[` $buffer_indices `]`
    `rows` $rows `cols` $cols (`valid` $valid^)? `threads` $threads
    (`swizzle` $swizzle^)? attr-dict `:` type($source) `,` type($buffer)
  }];
  let hasVerifier = 1;
}

// Upstream nvgpu's TMA types (their ODS file is not included: it would
// generate nvgpu's enums a second time here), printed in full.
def MLAGPU_TensorMap : Type<
    CPred<"::llvm::isa<::mlir::nvgpu::TensorMapDescriptorType>($_self)">,
    "!nvgpu.tensormap.descriptor">;
def MLAGPU_MBarrierGroup : Type<
    CPred<"::llvm::isa<::mlir::nvgpu::MBarrierGroupType>($_self)">,
    "!nvgpu.mbarrier.group">;

// A paged cache's tokens: [pages, page size, dim] of 2-byte elements, and
// its block table [requests, pages per request] of i32.
class MLAGPU_TokenOp<string mnemonic, list<Trait> traits = []>
    : MLAGPU_Op<mnemonic, traits> {
  let hasVerifier = 1;
}

def MLAGPU_CheckInputOp : MLAGPU_Op<"check_input", [MemoryEffects<[MemWrite]>]> {
  let summary = "records a bad input where the host reads it after the call, when `ok` is false";
  let description = [{
    A kernel's check of what it reads (block-table entries, sequence
    lengths): when `ok` is false, the first failing check of a call is
    recorded — `kind`, `request`, `value`, `limit` — in the error record the
    runtime installs in every module it loads (`__mla_error_record`, a
    pointer to mapped host memory; null: nothing is recorded). The runtime
    reads it when the call's stream is synchronised and stops the program
    with a message naming the op, the request and the value (exit 1 in
    mla-run). The kernel itself goes on with its clamped index (memory-safe);
    its results are never returned. Costs a compare and a branch where the
    input is fine.

    ```mlir
    mla_gpu.check_input %ok, attention_page (request %r, value %page, limit %pages)
    ```
  }];
  let arguments = (ins I1:$ok, MLAGPU_BadInput:$kind, Index:$request,
                       Index:$value, Index:$limit);
  let assemblyFormat = [{
    $ok `,` $kind `(` `request` $request `,` `value` $value `,` `limit` $limit
    `)` attr-dict
  }];
}

def MLAGPU_LookUpTokensOp : MLAGPU_TokenOp<"lookup_tokens", [Pure]> {
  let summary = "where the thread's token row of a cache tile lives: whether it is in the split, its page and slot";
  let description = [{
    With `rows` token rows per tile and the CTA's `threads` threads
    (a multiple of `rows`), thread t's row of tile `tile` of the split
    [`start`, `end`) is the request's cached position p = start + tile ·
    rows + t / (threads / rows). The results: whether p < end, the page
    that holds it (`table[request, p / page size]`, clamped into the cache:
    memory safety against a bad table; read only when p < end) and its slot
    p mod page size. `mla_gpu.load_tokens` takes them (`row(…)`), so that a
    kernel can look a tile's rows up an iteration before it loads it.

    ```mlir
    %valid, %page, %slot = mla_gpu.lookup_tokens %cache[%table, %request]
        tile %next of [%start, %end) rows 32 threads 256
        : memref<?x64x576xbf16>, memref<?x?xi32>
    ```
  }];
  let arguments = (ins MemRefRankOf<[BF16, F16], [3]>:$cache,
                       MemRefRankOf<[I32], [2]>:$table, Index:$request,
                       Index:$tile, Index:$start, Index:$end,
                       ConfinedAttr<I64Attr, [IntPositive]>:$rows,
                       MLAGPU_ThreadsAttr:$threads);
  let results = (outs I1:$valid, Index:$page, Index:$slot);
  let assemblyFormat = [{
    $cache `[` $table `,` $request `]` `tile` $tile `of` ` ` `[` $start `,` $end
    `)` `rows` $rows `threads` $threads attr-dict `:` type($cache) `,`
    type($table)
  }];
}

def MLAGPU_LoadTokensOp : MLAGPU_TokenOp<"load_tokens",
    [MemoryEffects<[MemRead, MemWrite]>, AttrSizedOperandSegments]> {
  let summary = "a tile of a request's cached tokens through its block table into a shared ring stage by cp.async";
  let description = [{
    Tile `tile` of the split [`start`, `end`) of request `request`'s cached
    positions — T tokens, T the buffer's token rows — into stage tile mod S
    of `buffer`, a ring of S stages: [S, T, W] rows of W ≥ D elements (the
    cache's dim; a wider row is padding for conflict-free ldmatrix), or with
    `swizzle b128` [S, D / 64, T, 64] atoms of 128-byte rows, 16-byte chunk c
    of row r stored at chunk c ⊕ (r mod 8). Token t of the tile is position
    p = start + tile · T + t, found at cache[table[request, p / G], p mod
    G] (G the page size; page indices clamped into the cache: memory safety
    against a bad table). Rows with p ≥ end are zero-filled without reading
    memory or the table.

    The copies are 16-byte `cp.async`, spread over the CTA's `threads`
    threads (which all execute the op): when `threads` is a multiple of T
    and each row's chunks divide evenly, each row by threads / T adjacent
    threads after one table lookup (given by `row(…)`, the
    `mla_gpu.lookup_tokens` of the tile, when it was looked up ahead), else
    strided, a lookup per chunk. Not committed: `mla_gpu.async_copy.commit`
    closes the stage.

    ```mlir
    mla_gpu.load_tokens %cache[%table, %request] tile %next of [%start, %end)
        into %kv threads 256
        : memref<?x64x576xbf16>, memref<?x?xi32>,
          memref<3x32x584xbf16, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins MemRefRankOf<[BF16, F16], [3]>:$cache,
                       MemRefRankOf<[I32], [2]>:$table, Index:$request,
                       Index:$tile, Index:$start, Index:$end,
                       AnyMemRef:$buffer, Optional<I1>:$row_valid,
                       Optional<Index>:$row_page, Optional<Index>:$row_slot,
                       MLAGPU_ThreadsAttr:$threads,
                       DefaultValuedAttr<MLAGPU_Swizzle,
                           "::mlir::mla_gpu::Swizzle::None">:$swizzle);
  let assemblyFormat = [{
    $cache `[` $table `,` $request `]` `tile` $tile `of` ` ` `[` $start `,` $end
    `)` `into` $buffer
    (`row` `(` $row_valid^ `,` $row_page `,` $row_slot `)`)?
    `threads` $threads (`swizzle` $swizzle^)? attr-dict `:` type($cache) `,`
    type($table) `,` type($buffer)
  }];
  let extraClassDeclaration = [{
    /// Whether `threads` threads load `rows` token rows of `dim` elements a
    /// row per group of threads (one table lookup each, a `row(…)` given or
    /// looked up ahead), rather than strided with a lookup per chunk.
    static bool loadsRowsByThreadGroups(int64_t threads, int64_t rows,
                                        int64_t dim) {
      return rows > 0 && threads % rows == 0 &&
             (dim / 8) % (threads / rows) == 0;
    }
  }];
}

def MLAGPU_TmaLoadTokensOp : MLAGPU_TokenOp<"tma.load_tokens",
    [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "a tile of a request's cached tokens into a shared ring stage by TMA, on the stage's mbarrier";
  let description = [{
    The TMA form of `mla_gpu.load_tokens` (sm_90): the same tile into the
    same stage of a `swizzle b128` ring [S, D / 64, T, 64], through `map`,
    the cache's tensor map (boxes of [1, g, 64]: g = min(G, T) rows of one
    page, one 64-element atom, 128-byte swizzled). If the tile is in the
    split (start + tile · T < end), thread `issuer` announces the bytes on
    mbarrier tile mod S of `barriers` (`mbarrier.arrive.expect_tx`) and
    issues one box per atom and page of the tile's tokens in the split
    (pages wholly past the end are not read: the block table may have no
    entry for them). Rows past the end of a page the split ends in hold
    whatever the page holds: `mla_gpu.tma.wait_tokens` zeroes them.

    ```mlir
    mla_gpu.tma.load_tokens %map, %cache[%table, %request] tile %next
        of [%start, %end) into %kv, %barriers issuer 128
        : !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, 3>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>,
          memref<?x64x576xbf16>, memref<?x?xi32>,
          memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>,
          !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
    ```
  }];
  let arguments = (ins MLAGPU_TensorMap:$map, MemRefRankOf<[BF16, F16], [3]>:$cache,
                       MemRefRankOf<[I32], [2]>:$table, Index:$request,
                       Index:$tile, Index:$start, Index:$end,
                       AnyMemRef:$buffer, MLAGPU_MBarrierGroup:$barriers,
                       ConfinedAttr<I64Attr, [IntNonNegative,
                                              IntMaxValue<1023>]>:$issuer);
  let assemblyFormat = [{
    $map `,` $cache `[` $table `,` $request `]` `tile` $tile `of` ` ` `[` $start
    `,` $end `)` `into` $buffer `,` $barriers `issuer` $issuer attr-dict `:`
    type($map) `,` type($cache) `,` type($table) `,` type($buffer) `,`
    type($barriers)
  }];
}

def MLAGPU_TmaWaitTokensOp : MLAGPU_TokenOp<"tma.wait_tokens",
    [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "waits for a TMA tile's bytes, then zeroes its rows past the split's end";
  let description = [{
    Every thread of the CTA (`threads` of them) waits on mbarrier tile mod S
    of `barriers` for the phase of tile `tile` (its parity (tile / S) mod 2:
    the barrier completes one phase per tile of its stage), then the rows of
    the tile at or past `end` (positions start + tile · T + t) — whatever
    the pages hold there, NaN included — are set to zero, and the stores
    are fenced to the async proxy (wgmma reads the tile). Control flow must
    be uniform across the CTA; a `mla_gpu.barrier` after it makes the
    zeroes visible to all.

    ```mlir
    mla_gpu.tma.wait_tokens %barriers, %kv tile %tile of [%start, %end)
        threads 256
        : !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>,
          memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins MLAGPU_MBarrierGroup:$barriers, AnyMemRef:$buffer, Index:$tile,
                       Index:$start, Index:$end, MLAGPU_ThreadsAttr:$threads);
  let assemblyFormat = [{
    $barriers `,` $buffer `tile` $tile `of` ` ` `[` $start `,` $end `)`
    `threads` $threads attr-dict `:` type($barriers) `,` type($buffer)
  }];
}

def MLAGPU_TmaLoadTileOp : MLAGPU_Op<"tma.load_tile",
    [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "atoms of a tensor's tile into a shared ring stage by TMA, on the stage's mbarrier";
  let description = [{
    A dense tile by the Tensor Memory Accelerator (sm_90): thread `issuer`
    of the CTA announces the tile's bytes on mbarrier `stage` of `barriers`
    (one `mbarrier.arrive.expect_tx`) and issues one box per atom: box k
    (k < `count`) is the map's box [1, T, 64] whose first element is the
    tensor's element at `indices` (outermost first) with 64·k added to the
    last, written 128-byte swizzled into atom `first` + k of stage `stage`
    of `buffer`, a ring [S, A, T, 64] — the layout `mla_gpu.load_tile ...
    swizzle b128` builds by hand and wgmma reads. Elements outside the
    tensor are zero-filled (and counted). The other threads do nothing.
    Each stage's mbarrier expects one arrival per `tma.load_tile` into it;
    `mla_gpu.tma.wait_tile` waits for them.

    ```mlir
    // Keys t.. of head h: atoms 0 and 1 of stage s (128 columns).
    mla_gpu.tma.load_tile %map[%h, %t, %c0] into %keys[%s] atoms 0 count 2,
        %barriers issuer 0
        : !nvgpu.tensormap.descriptor<tensor = memref<1x128x64xbf16, 3>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>,
          memref<2x3x128x64xbf16, #gpu.address_space<workgroup>>,
          !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
    ```
  }];
  let arguments = (ins MLAGPU_TensorMap:$map, Variadic<Index>:$indices,
                       AnyMemRef:$buffer, Index:$stage,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$first,
                       ConfinedAttr<I64Attr, [IntPositive]>:$count,
                       MLAGPU_MBarrierGroup:$barriers,
                       ConfinedAttr<I64Attr, [IntNonNegative,
                                              IntMaxValue<1023>]>:$issuer);
  let assemblyFormat = [{
    $map `[` $indices `]` `into` $buffer `[` $stage `]` `atoms` $first `count`
    $count `,` $barriers `issuer` $issuer attr-dict `:` type($map) `,`
    type($buffer) `,` type($barriers)
  }];
  let hasVerifier = 1;
}

def MLAGPU_TmaWaitTileOp : MLAGPU_Op<"tma.wait_tile",
    [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "waits until tile `tile`'s TMA copies have landed in its stage";
  let description = [{
    The executing thread waits on mbarrier tile mod S of `barriers` (S of
    them: one per stage of a ring) for the phase of tile `tile` — parity
    (tile / S) mod 2: each stage's barrier completes one phase per tile it
    takes. After it the thread sees the tile's bytes (and wgmma may read
    them: TMA writes through the async proxy).

    ```mlir
    mla_gpu.tma.wait_tile %barriers tile %t
        : !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
    ```
  }];
  let arguments = (ins MLAGPU_MBarrierGroup:$barriers, Index:$tile);
  let assemblyFormat = [{
    $barriers `tile` $tile attr-dict `:` type($barriers)
  }];
}

//===----------------------------------------------------------------------===//
// Stage barriers
//===----------------------------------------------------------------------===//

def MLAGPU_BarrierOp : MLAGPU_SyncOp<"barrier"> {
  let summary = "every thread of the CTA meets; shared memory written before is visible after";
  let description = [{
    A CTA-wide barrier (`bar.sync 0`): no thread continues until all have
    arrived, and the shared- and global-memory writes each made before it are
    visible to all after it. It must be reached by every thread of the CTA
    (control flow uniform across the CTA). Lowers to `nvvm.barrier0`.

    ```mlir
    mla_gpu.barrier
    ```
  }];
  let assemblyFormat = "attr-dict";
}

def MLAGPU_AsyncCopyCommitOp : MLAGPU_SyncOp<"async_copy.commit"> {
  let summary = "closes the pipeline stage of this thread's cp.async copies issued since the last commit";
  let description = [{
    The thread's `nvgpu.device_async_copy` (cp.async) copies issued since the
    previous commit form one group: a pipeline stage that
    `mla_gpu.async_copy.wait` later waits for. A commit with no copy since the
    last one makes an empty group, which is how a ring keeps one group per
    stage when a stage has nothing to load. Lowers to
    `nvvm.cp.async.commit.group`.

    ```mlir
    mla_gpu.async_copy.commit
    ```
  }];
  let assemblyFormat = "attr-dict";
}

def MLAGPU_AsyncCopyWaitOp : MLAGPU_SyncOp<"async_copy.wait"> {
  let summary = "waits until at most `pending` of this thread's cp.async stages are in flight";
  let description = [{
    Blocks the thread until all but the most recent `pending` committed
    groups of its cp.async copies have landed in shared memory (the oldest
    stages of a ring of `pending + 1` or more). Other threads' copies are
    visible only after a following `mla_gpu.barrier`. `pending` is in
    [0, 8): a deeper ring does not fit shared memory. Lowers to
    `nvvm.cp.async.wait.group`.

    ```mlir
    // A three-stage ring: before computing on the oldest stage, wait until
    // it is in; the newest may still be loading.
    mla_gpu.async_copy.wait 1
    ```
  }];
  let arguments = (ins MLAGPU_PendingAttr:$pending);
  let assemblyFormat = "$pending attr-dict";
}

//===----------------------------------------------------------------------===//
// Proxy fences
//===----------------------------------------------------------------------===//

def MLAGPU_FenceAsyncProxyOp : MLAGPU_SyncOp<"fence.async_proxy"> {
  let summary = "makes this thread's generic shared-memory writes visible to the async proxy (wgmma, TMA)";
  let description = [{
    Shared memory written by ordinary stores or cp.async (the generic proxy)
    is read by wgmma and TMA through the async proxy; this fence orders the
    thread's earlier generic writes before later async-proxy accesses. With a
    following `mla_gpu.barrier` every thread's writes are ordered. Lowers to
    `nvvm.fence.proxy` (`fence.proxy.async.shared::cta`).

    ```mlir
    mla_gpu.fence.async_proxy
    mla_gpu.barrier
    ```
  }];
  let assemblyFormat = "attr-dict";
}

def MLAGPU_FenceMBarrierInitOp : MLAGPU_SyncOp<"fence.mbarrier_init"> {
  let summary = "makes the thread's mbarrier initialisations visible to the async proxy and the cluster";
  let description = [{
    After `nvgpu.mbarrier.init` and before the barriers are used by TMA
    copies (the async proxy) or other threads: orders the initialisations
    (`fence.mbarrier_init.release.cluster`). Lowers to
    `nvvm.fence.mbarrier.init`.

    ```mlir
    nvgpu.mbarrier.init %barriers[%c0], %c1 : !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>>
    mla_gpu.fence.mbarrier_init
    ```
  }];
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Warpgroup MMA ordering
//===----------------------------------------------------------------------===//

// An accumulator of warpgroup MMAs: a literal struct of f32 registers, as
// nvvm.wgmma.mma_async takes it, or a C fragment (vector<2x2xf32>), as
// mla_gpu.warpgroup.mma holds it (checked by the verifiers).
def MLAGPU_Accumulators : Variadic<AnyType>;

// The fence and the wait: the accumulators pass through (results match the
// operands one to one) and are checked alike.
class MLAGPU_AccumulatorOp<string mnemonic>
    : MLAGPU_SyncOp<mnemonic, [DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let results = (outs Variadic<AnyType>:$results);
  let hasVerifier = 1;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, ::std::optional<::mlir::Location>,
        ::mlir::ValueRange operands, ::mlir::DictionaryAttr,
        ::mlir::OpaqueProperties, ::mlir::RegionRange,
        ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      llvm::append_range(types, operands.getTypes());
      return ::mlir::success();
    }
    ::llvm::LogicalResult $cppClass::verify() {
      return verifyAccumulators(*this, getAccumulators());
    }
  }];
}

def MLAGPU_WarpgroupFenceOp : MLAGPU_AccumulatorOp<"warpgroup.fence"> {
  let summary = "orders the accumulators' register writes before the warpgroup MMAs that follow";
  let description = [{
    `wgmma.fence.sync.aligned`, executed by every thread of the warpgroup:
    registers (the accumulators) and shared memory written before it are
    what the following `nvvm.wgmma.mma_async` ops read. The accumulators
    pass through the fence — the MMAs take its results — so that no write to
    them (the online softmax's rescale, say) can be moved after it, in one
    statement for the whole accumulator. Each accumulator is a literal
    struct of f32 registers, as `nvvm.wgmma.mma_async` takes it, or a C
    fragment (vector<2x2xf32>), as `mla_gpu.warpgroup.mma` holds it.

    ```mlir
    %acc1 = mla_gpu.warpgroup.fence tie(%acc0 : !llvm.struct<(f32, f32, f32, f32)>)
    ```
  }];
  let arguments = (ins MLAGPU_Accumulators:$accumulators);
  let assemblyFormat = [{
    (`tie` `(` $accumulators^ `:` type($accumulators) `)`)? attr-dict
  }];
}

def MLAGPU_WarpgroupCommitOp : MLAGPU_SyncOp<"warpgroup.commit"> {
  let summary = "closes the group of the warpgroup MMAs issued since the last commit";
  let description = [{
    `wgmma.commit_group.sync.aligned`: the warpgroup's `nvvm.wgmma.mma_async`
    ops issued since the previous commit become one group, which
    `mla_gpu.warpgroup.wait` waits for. Lowers to
    `nvvm.wgmma.commit.group.sync.aligned`.

    ```mlir
    mla_gpu.warpgroup.commit
    ```
  }];
  let assemblyFormat = "attr-dict";
}

def MLAGPU_WarpgroupWaitOp : MLAGPU_AccumulatorOp<"warpgroup.wait"> {
  let summary = "waits for all but `pending` MMA groups; their accumulators are valid only through its results";
  let description = [{
    `wgmma.wait_group.sync.aligned pending`: blocks until at most `pending`
    committed groups of the warpgroup's MMAs are in flight, after which their
    accumulator registers may be read and the shared memory they read may be
    overwritten. The accumulators pass through the wait: everything that
    reads them uses its results, so that no read can be moved before it,
    however the register allocator and scheduler see the asynchronous MMAs.
    `pending` is in [0, 8). It is also how the results of an `async`
    `mla_gpu.warpgroup.mma` (or `mma_rs`) become usable.

    ```mlir
    mla_gpu.warpgroup.commit
    %done = mla_gpu.warpgroup.wait 0 tie(%acc : !llvm.struct<(f32, f32, f32, f32)>)
    %s = mla_gpu.warpgroup.wait 0 tie(%inflight#0, %inflight#1 : vector<2x2xf32>, vector<2x2xf32>)
    ```
  }];
  let arguments = (ins MLAGPU_PendingAttr:$pending,
                       MLAGPU_Accumulators:$accumulators);
  let assemblyFormat = [{
    $pending (`tie` `(` $accumulators^ `:` type($accumulators) `)`)? attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// Shared-memory operand descriptors
//===----------------------------------------------------------------------===//

def MLAGPU_WarpgroupDescriptorOp : MLAGPU_Op<"warpgroup.descriptor"> {
  let summary = "the wgmma matrix descriptor of a shared-memory operand";
  let description = [{
    The 64-bit descriptor `nvvm.wgmma.mma_async` reads a shared-memory
    operand through: the operand's shared byte `address` (bits 0–13: address
    / 16), `leading` and `stride` byte offsets (bits 16–29 and 32–45, / 16;
    for K-major swizzled operands the stride is the distance between 8-row
    groups) and the `swizzle` mode (bits 62–63). The base offset (bits
    49–51) is 0: swizzled operands start on a boundary of their swizzle
    pattern (1024 bytes for `b128`). Offsets are multiples of 16 below
    2^18.

    The descriptor stays where it is built (it declares unknown effects and
    lowers opaquely): a kernel derives its MMA steps' descriptors by adding
    constants to it in the loop, rather than holding one register pair per
    step across the loop.

    ```mlir
    %desc = mla_gpu.warpgroup.descriptor %address swizzle = b128, leading = 16, stride = 1024
    ```
  }];
  let arguments = (ins I64:$address, MLAGPU_Swizzle:$swizzle,
                       I64Attr:$leading, I64Attr:$stride);
  let results = (outs I64:$descriptor);
  let assemblyFormat = [{
    $address `swizzle` `=` $swizzle `,` `leading` `=` $leading `,`
    `stride` `=` $stride
    attr-dict
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MMA steps on tiles
//===----------------------------------------------------------------------===//

// A C fragment of mma.sync m16n8k16: a thread's 2 × 2 f32 of a 16 × 8
// accumulator tile.
def MLAGPU_CFragment : Type<And<[IsVectorOfNonZeroRankTypePred,
      CPred<"::llvm::cast<::mlir::VectorType>($_self).getShape() == "
            "::llvm::ArrayRef<int64_t>({2, 2})">,
      CPred<"::llvm::cast<::mlir::VectorType>($_self).getElementType()"
            ".isF32()">]>, "vector<2x2xf32> (a C fragment)">,
    BuildableType<"::mlir::VectorType::get({2, 2}, $_builder.getF32Type())">;

def MLAGPU_WarpgroupMmaOp : MLAGPU_SyncOp<"warpgroup.mma",
    [DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "a whole tile product on the warpgroup: acc (+)= A·B over `steps` k16 steps of wgmma";
  let description = [{
    One tile MMA of the warpgroup (sm_90a), issued and completed: the fence
    that orders the accumulator's register writes, `steps` `wgmma.mma_async`
    of shape m64nNk16 with f32 accumulation, their commit, and the wait for
    them. The accumulator is the warp's N / 8 C fragments (vector<2x2xf32>:
    rows lane / 4 and lane / 4 + 8 of the warp's 16 rows of the 64,
    columns 8j + 2·(lane mod 4) and the next), as `mla_gpu.warp.mma` holds
    one; N is 8 to 256. A [64, 16·steps] and B [16·steps, N] sit in shared
    memory (element type `element`: bf16 or f16), described by the wgmma
    descriptors `a` and `b` of their first step
    (`mla_gpu.warpgroup.descriptor`). A is K-major; B is K-major, or
    N-major with `b_n_major`. Without `accumulate` the first step ignores
    the accumulator's values (acc = A·B).

    Step k reads its operands at byte offset (k / n) · atom + (k mod n) ·
    step from the first step's, where `a_advance` and `b_advance` are [step,
    n, atom]: within a 128-byte swizzle atom a K-major operand advances 32
    bytes per step (n = 4), and to the next atom (its rows · 128 bytes) every
    n steps; an N-major one advances 16 rows (2048 bytes) per step.

    The accumulator passes through: the MMAs' results are the op's results,
    so no arithmetic on the registers moves across it. It lowers to one PTX
    statement (the steps' descriptors are added inside it) with the
    fragments' registers tied through it, whatever the number of steps.

    With `async` the statement ends at the commit: the MMAs run on while the
    warpgroup goes on (flash attention's softmax of one tile under the next
    tile's Q·Kᵀ), and the results are in flight — read only through an
    `mla_gpu.warpgroup.wait` that ties them (the verifier checks it), after
    which they hold the product.

    ```mlir
    // S[64, 64] = Q[64, 576]·Kᵀ: 36 steps over 9 atoms of 64 dims.
    %s:8 = mla_gpu.warpgroup.mma %q, %k, (%z, %z, %z, %z, %z, %z, %z, %z)
        steps 36 advance([32, 4, 8192], [32, 4, 8192]) element bf16
    ```
  }];
  let arguments = (ins I64:$a, I64:$b,
                       Variadic<MLAGPU_CFragment>:$accumulators,
                       ConfinedAttr<I64Attr, [IntPositive]>:$steps,
                       DenseI64ArrayAttr:$a_advance,
                       DenseI64ArrayAttr:$b_advance,
                       TypeAttr:$element, UnitAttr:$b_n_major,
                       UnitAttr:$accumulate, UnitAttr:$async);
  let results = (outs Variadic<MLAGPU_CFragment>:$results);
  let assemblyFormat = [{
    $a `,` $b `,` `(` $accumulators `)` `steps` $steps
    `advance` `(` $a_advance `,` $b_advance `)` `element` $element
    (`b_n_major` $b_n_major^)? (`accumulate` $accumulate^)? (`async` $async^)?
    attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The MMA's N: 8 columns per C fragment.
    int64_t getN() { return 8 * static_cast<int64_t>(getAccumulators().size()); }
    /// The byte offset of step `k`'s operand from the first step's, for
    /// `advance` = [step, steps per atom, atom].
    static int64_t getStepOffset(::llvm::ArrayRef<int64_t> advance, int64_t k);
  }];
}

def MLAGPU_WarpMmaOp : MLAGPU_Op<"warp.mma",
    [MemoryEffects<[MemRead]>, AttrSizedOperandSegments,
     DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "a warp's tile product from shared memory: acc[16, N] (+)= A[16, K]·B[K, N] by mma.sync";
  let description = [{
    One warp (sm_80 and later) multiplies the 16 × `k` window of `a` whose
    first element is at `a_indices` (the last two indices: row, column) by
    the `k` × N window of `b` at `b_indices`, stored k-major (rows are k:
    read transposed by ldmatrix) or, with `b_n_major`, n-major (rows are n),
    and adds the product to the accumulator: N / 8 C fragments
    (vector<2x2xf32> each: rows lane / 4 and lane / 4 + 8, columns
    2·(lane mod 4) and the next, of 8 columns), N a multiple of 16. Both
    tiles are bf16 or f16 in shared memory; the product accumulates in f32.
    The op reads shared memory (`ldmatrix`): a barrier orders the writes
    that fill the tiles before it.

    It lowers to k / 16 steps, each one `ldmatrix.x4` of A and, per 16
    columns, one `ldmatrix.x4` of B and two `mma.sync.m16n8k16`; the lanes'
    ldmatrix addresses come from the lane index.

    ```mlir
    // S[16, 64] += Q[rows 16.., dims 0..576) · K[stage, tokens 0..64, dims]ᵀ
    %s:8 = mla_gpu.warp.mma %q[%c16, %c0], %kv[%stage, %c0, %c0],
        (%z, %z, %z, %z, %z, %z, %z, %z) k 576 b_n_major
        : memref<64x592xbf16, #gpu.address_space<workgroup>>,
          memref<2x64x592xbf16, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins AnyMemRef:$a, Variadic<Index>:$a_indices,
                       AnyMemRef:$b, Variadic<Index>:$b_indices,
                       Variadic<MLAGPU_CFragment>:$accumulators,
                       ConfinedAttr<I64Attr, [IntPositive]>:$k,
                       UnitAttr:$b_n_major);
  let results = (outs Variadic<MLAGPU_CFragment>:$results);
  let assemblyFormat = [{
    $a `[` $a_indices `]` `,` $b `[` $b_indices `]` `,`
    `(` $accumulators `)` `k` $k (`b_n_major` $b_n_major^)?
    attr-dict `:` type($a) `,` type($b)
  }];
  let hasVerifier = 1;
}

// An A fragment of mma.sync m16n8k16: a thread's 4 × 2 bf16 or f16 of a
// 16 × 16 tile.
def MLAGPU_AFragment : Type<And<[IsVectorOfNonZeroRankTypePred,
      CPred<"::llvm::cast<::mlir::VectorType>($_self).getShape() == "
            "::llvm::ArrayRef<int64_t>({4, 2})">,
      CPred<"::llvm::cast<::mlir::VectorType>($_self).getElementType()"
            ".isBF16() || ::llvm::cast<::mlir::VectorType>($_self)"
            ".getElementType().isF16()">]>,
    "vector<4x2xbf16> or vector<4x2xf16> (an A fragment)">;

def MLAGPU_WarpMmaRsOp : MLAGPU_Op<"warp.mma_rs",
    [MemoryEffects<[MemRead]>, AttrSizedOperandSegments,
     DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "a warp's tile product with A in registers: acc[16, N] (+)= A[16, 16·K]·B[16·K, N] by mma.sync";
  let description = [{
    As `mla_gpu.warp.mma`, but A is the K mma.sync A fragments `a` the warp
    holds in registers (vector<4x2xT>, T bf16 or f16: fragment k covers
    columns 16k .. 16k + 15 of the 16 rows) — the P of flash attention's
    P·V, which the online softmax leaves in registers ("RS": A from
    registers, B from shared memory). B is the 16·K × N window of `b` at
    `b_indices`, k-major (read transposed by ldmatrix) or with `b_n_major`
    n-major; the accumulator is N / 8 C fragments, N a multiple of 16.

    It lowers to, per fragment of A and 16 columns of B, one `ldmatrix.x4`
    of B and two `mma.sync.m16n8k16`.

    ```mlir
    // O[16, 256] += P[16, 32] · V[stage, tokens 0..32, dims 0..256]
    %o:32 = mla_gpu.warp.mma_rs (%p0, %p1), %kv[%stage, %c0, %c0],
        (%o0, …, %o31)
        : (vector<4x2xbf16>, vector<4x2xbf16>),
          memref<3x32x584xbf16, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins Variadic<MLAGPU_AFragment>:$a, AnyMemRef:$b,
                       Variadic<Index>:$b_indices,
                       Variadic<MLAGPU_CFragment>:$accumulators,
                       UnitAttr:$b_n_major);
  let results = (outs Variadic<MLAGPU_CFragment>:$results);
  let assemblyFormat = [{
    ` ` `(` $a `)` `,` $b `[` $b_indices `]` `,` `(` $accumulators `)`
    (`b_n_major` $b_n_major^)? attr-dict `:` `(` type($a) `)` `,` type($b)
  }];
  let hasVerifier = 1;
}

def MLAGPU_WarpgroupMmaRsOp : MLAGPU_SyncOp<"warpgroup.mma_rs",
    [AttrSizedOperandSegments, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "a whole tile product on the warpgroup with A in registers: acc (+)= A·B by wgmma";
  let description = [{
    As `mla_gpu.warpgroup.mma`, but A is the warp's 16 rows of the 64 in
    registers: one mma.sync A fragment per k16 step (vector<4x2xT>, T bf16
    or f16: rows lane / 4 and lane / 4 + 8, columns 2·(lane mod 4) and + 8
    of the step's 16) — the P of flash attention's P·V, which the online
    softmax leaves in exactly that layout, so that P never goes through
    shared memory ("RS": A from registers, B from shared memory). One step
    per fragment; B is described by the wgmma descriptor `b` of the first
    step, K-major or N-major with `b_n_major`, each next step `b_advance`
    ([step, steps per atom, atom]) further. The accumulator is N / 8 C
    fragments, N in [8, 256]; without `accumulate` the first step ignores
    its values.

    It lowers, like `mla_gpu.warpgroup.mma`, to one PTX statement: the fence,
    one `wgmma.mma_async` per step with A's four 32-bit registers, the commit
    and the wait (none with `async`: as for `mla_gpu.warpgroup.mma`); the
    accumulator's registers tied through it.

    ```mlir
    // O[64, 128] += P[64, 64]·V[64 keys, 128]: 4 steps, V N-major.
    %o:16 = mla_gpu.warpgroup.mma_rs (%p0, %p1, %p2, %p3), %v, (%o0, …, %o15)
        advance [2048, 1, 2048] b_n_major accumulate : vector<4x2xbf16>
    ```
  }];
  let arguments = (ins Variadic<MLAGPU_AFragment>:$a, I64:$b,
                       Variadic<MLAGPU_CFragment>:$accumulators,
                       DenseI64ArrayAttr:$b_advance, UnitAttr:$b_n_major,
                       UnitAttr:$accumulate, UnitAttr:$async);
  let results = (outs Variadic<MLAGPU_CFragment>:$results);
  let assemblyFormat = [{
    ` ` `(` $a `)` `,` $b `,` `(` $accumulators `)` `advance` $b_advance
    (`b_n_major` $b_n_major^)? (`accumulate` $accumulate^)? (`async` $async^)?
    attr-dict `:` type($a)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The MMA's N: 8 columns per C fragment.
    int64_t getN() { return 8 * static_cast<int64_t>(getAccumulators().size()); }
    /// A's element type (the MMA's operand type).
    ::mlir::Type getElement() {
      return ::llvm::cast<::mlir::VectorType>(getA().front().getType())
          .getElementType();
    }
  }];
}

//===----------------------------------------------------------------------===//
// Online softmax
//===----------------------------------------------------------------------===//

// A thread's two fragment rows' values (rows lane / 4 and lane / 4 + 8).
def MLAGPU_RowPair : Type<And<[IsVectorOfNonZeroRankTypePred,
      CPred<"::llvm::cast<::mlir::VectorType>($_self).getShape() == "
            "::llvm::ArrayRef<int64_t>({2})">,
      CPred<"::llvm::cast<::mlir::VectorType>($_self).getElementType()"
            ".isF32()">]>, "vector<2xf32> (a thread's two rows)">,
    BuildableType<"::mlir::VectorType::get({2}, $_builder.getF32Type())">;

def MLAGPU_SoftmaxUpdateOp : MLAGPU_Op<"softmax_update",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "one tile of the online softmax on a warp's score fragments: masking, running max and sum, probabilities";
  let description = [{
    The online-softmax step of flash attention for the two rows a thread
    holds of a warp's 16-row score tile. `scores` are C fragments
    (vector<2x2xf32>: rows lane / 4 and lane / 4 + 8, columns 2·(lane mod
    4) and the next, of 8 columns each) of raw scores s = q·k; column c of
    fragment j is token `first` + 8j + c. With c = `scale`·log2(e) and per
    row r (0, 1):

      masked:  s = −inf for tokens ≥ limit r
      m' = max(m, rowmax(s)),  m̂ = (m' = −inf ? 0 : m')
      p = 2^(c·(s − m̂)),  α = 2^(c·(m − m̂)),  l' = α·l + Σ p

    where `max` holds m per row and `sum` l: the thread's partial sums (the
    row's four threads — a quad — add up to the row's sum; they share α,
    the row max being reduced over the quad by shuffles). The results: P as
    the A fragments of mma.sync (16 tokens each, of `element`: bf16 or f16)
    for P·V, m', l' and α, by which the caller rescales its output
    accumulator before adding this tile's P·V. Executed by every lane of the
    warp (the quad shuffles).

    ```mlir
    %p:4, %m, %l, %alpha = mla_gpu.softmax_update
        scores(%s0, %s1, %s2, %s3, %s4, %s5, %s6, %s7) max %m0 sum %l0
        from %first limits(%end, %end) scale 0.1352 element bf16
    ```
  }];
  let arguments = (ins Variadic<MLAGPU_CFragment>:$scores,
                       MLAGPU_RowPair:$max, MLAGPU_RowPair:$sum,
                       Index:$first, Index:$limit0, Index:$limit1,
                       F64Attr:$scale, TypeAttr:$element);
  let results = (outs Variadic<MLAGPU_AFragment>:$probs,
                      MLAGPU_RowPair:$new_max, MLAGPU_RowPair:$new_sum,
                      MLAGPU_RowPair:$alpha);
  let assemblyFormat = [{
    `scores` `(` $scores `)` `max` $max `sum` $sum `from` $first
    `limits` `(` $limit0 `,` $limit1 `)` `scale` $scale `element` $element
    attr-dict
  }];
  let hasVerifier = 1;
}

def MLAGPU_ScaleRowsOp : MLAGPU_Op<"scale_rows",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "C fragments with each of the thread's two rows times its factor";
  let description = [{
    Row lane / 4 of every C fragment times `factors`[0], row lane / 4 + 8
    times `factors`[1]: the online softmax's rescale of the output
    accumulator by α before a tile's P·V is added. The results correspond
    to the fragments one to one.

    ```mlir
    %o:2 = mla_gpu.scale_rows %o0, %o1 by %alpha
    ```
  }];
  let arguments = (ins Variadic<MLAGPU_CFragment>:$fragments,
                       MLAGPU_RowPair:$factors);
  let results = (outs Variadic<MLAGPU_CFragment>:$results);
  let assemblyFormat = "$fragments `by` $factors attr-dict";
}

def MLAGPU_Exp2Op : MLAGPU_Op<"exp2", [Pure, SameOperandsAndResultType]> {
  let summary = "2^x by the special-function unit, subnormals flushed to zero";
  let description = [{
    `ex2.approx.ftz.f32`: one MUFU.EX2, what the online softmax takes per
    score (maximum relative error 2^-22; −inf gives 0, a subnormal input or
    result is flushed to ±0). `math.exp2` lowers to `ex2.approx.f32`, which
    keeps subnormals at the price of a compare, two multiplies and a
    predicate around the same instruction. Lowers to
    `llvm.nvvm.ex2.approx.ftz.f32`.

    ```mlir
    %p = mla_gpu.exp2 %x : f32
    ```
  }];
  let arguments = (ins F32:$input);
  let results = (outs F32:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Fragment stores
//===----------------------------------------------------------------------===//

def MLAGPU_StoreFragmentsOp : MLAGPU_Op<"store_fragments",
    [MemoryEffects<[MemWrite]>, AttrSizedOperandSegments]> {
  let summary = "a warp's 16-row tile of C fragments, each row scaled, into a 2-d memref";
  let description = [{
    Writes the warp's tile held as C fragments (vector<2x2xf32>: rows lane
    / 4 and lane / 4 + 8, columns 8j + 2·(lane mod 4) and the next of
    fragment j) to `dest` at [`row` + tile row, `col` + tile column],
    converted to the destination's element type (f32, bf16 or f16). With
    `scale` (a vector<2xf32> of the thread's two rows) each row is first
    multiplied by its factor; with `normalize` (the rows' sums l, the same
    shape) divided by it, a row whose sum is not positive written as 0: the
    flash-attention epilogue's O / l. Rows at
    or past `limit` (when given) or past the destination's end are not
    written. Each thread writes its column pairs (8 or 4 bytes each, aligned:
    `col` and the destination's rows are multiples of 2 elements).

    ```mlir
    mla_gpu.store_fragments %o0, %o1 normalize %sums into %out[%row, %col]
        limit %rows : memref<128x512xbf16, strided<[512, 1], offset: ?>>
    ```
  }];
  let arguments = (ins Variadic<MLAGPU_CFragment>:$fragments,
                       Optional<MLAGPU_RowPair>:$scale,
                       Optional<MLAGPU_RowPair>:$normalize, AnyMemRef:$dest,
                       Index:$row, Index:$col, Optional<Index>:$limit);
  let assemblyFormat = [{
    $fragments (`scale` $scale^)? (`normalize` $normalize^)? `into` $dest
    `[` $row `,` $col `]`
    (`limit` $limit^)? attr-dict `:` type($dest)
  }];
  let hasVerifier = 1;
}

def MLAGPU_StoreOperandOp : MLAGPU_Op<"store_operand",
    [MemoryEffects<[MemWrite]>]> {
  let summary = "a warp's A fragments (a 16-row tile in registers) into a shared buffer, laid out for the next MMA";
  let description = [{
    Writes the warp's 16 × 16k tile held as mma.sync A fragments
    (vector<4x2xT>, T bf16 or f16: fragment k covers columns 16k ..
    16k + 15; its row 2h + r holds tile row lane / 4 + 8r, columns 16k + 8h
    + 2·(lane mod 4) and the next) into the 2-d shared `buffer` at [`row` +
    tile row, `col` + tile column], so that a following MMA reads it from
    shared memory (P for the wgmma P·V). With `swizzle b128` the buffer's
    rows are 128 bytes and 16-byte chunk c of row r is stored at chunk c ⊕
    (r mod 8), the layout the wgmma descriptor names; `col` is then a
    multiple of 8. The caller keeps the tile inside the buffer.

    ```mlir
    mla_gpu.store_operand %p0, %p1, %p2, %p3 into %probs[%row, %c0]
        swizzle b128 : (vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>,
        vector<4x2xbf16>), memref<64x64xbf16, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins Variadic<MLAGPU_AFragment>:$fragments,
                       AnyMemRef:$buffer, Index:$row, Index:$col,
                       DefaultValuedAttr<MLAGPU_Swizzle,
                           "::mlir::mla_gpu::Swizzle::None">:$swizzle);
  let assemblyFormat = [{
    $fragments `into` $buffer `[` $row `,` $col `]` (`swizzle` $swizzle^)?
    attr-dict `:` `(` type($fragments) `)` `,` type($buffer)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Split-KV combine
//===----------------------------------------------------------------------===//

// Four f32 columns of one row (a thread's 16-byte share of a combine).
def MLAGPU_F32x4 : Type<And<[IsVectorOfNonZeroRankTypePred,
      CPred<"::llvm::cast<::mlir::VectorType>($_self).getShape() == "
            "::llvm::ArrayRef<int64_t>({4})">,
      CPred<"::llvm::cast<::mlir::VectorType>($_self).getElementType()"
            ".isF32()">]>, "vector<4xf32>">,
    BuildableType<"::mlir::VectorType::get({4}, $_builder.getF32Type())">;

def MLAGPU_CombineSplitsOp : MLAGPU_Op<"combine_splits",
    [MemoryEffects<[MemRead]>]> {
  let summary = "four columns of a row combined from its split partials by their log-sum-exps";
  let description = [{
    The split-KV combine of one thread's four columns: with `partial` [B,
    rows, slots, L] (f32, each split's normalised partial output) and `lse`
    [B, rows, slots] (f32, each split's log-sum-exp), the result is

      Σ_k w_k · partial[request, row, k, col .. col + 3] / Σ_k w_k,
      w_k = e^(lse[request, row, k] − max_k lse[request, row, k]),

    over the splits k < `count`, and 0 for a row that saw no token (every
    lse −inf). Without `count`, over all `slots` (static): the loads are
    issued together, unrolled; with it (a run-time count, at most `slots`),
    in a loop. `col` is a multiple of 4 (vector loads of 16 bytes).

    ```mlir
    %v = mla_gpu.combine_splits %partial[%request, %row, %col], %lse
        : memref<?x128x4x512xf32>, memref<?x128x4xf32>
    %w = mla_gpu.combine_splits %partial[%request, %row, %col], %lse count %n
        : memref<?x128x8x512xf32>, memref<?x128x8xf32>
    ```
  }];
  let arguments = (ins MemRefRankOf<[F32], [4]>:$partial, Index:$request,
                       Index:$row, Index:$col, MemRefRankOf<[F32], [3]>:$lse,
                       Optional<Index>:$count);
  let results = (outs MLAGPU_F32x4:$result);
  let assemblyFormat = [{
    $partial `[` $request `,` $row `,` $col `]` `,` $lse
    (`count` $count^)? attr-dict `:` type($partial) `,` type($lse)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$partial, "::mlir::Value":$request,
                   "::mlir::Value":$row, "::mlir::Value":$col,
                   "::mlir::Value":$lse, "::mlir::Value":$count), [{
      build($_builder, $_state,
            ::mlir::VectorType::get({4}, $_builder.getF32Type()), partial,
            request, row, col, lse, count);
    }]>
  ];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Host-level operations
//===----------------------------------------------------------------------===//

def MLAGPU_GemmOperand : MemRefOf<[F16, BF16, F32]>;

def MLAGPU_GemmOp : MLAGPU_Op<"gemm",
    [DeclareOpInterfaceMethods<GPU_AsyncOpInterface>]> {
  let summary = "a (batched) matrix product on device buffers, by a library";
  let description = [{
    `result[b] = lhs[b] · rhs[b]` for row-major `lhs` [M, K] and `rhs`
    [K, N] into `result` [M, N], each optionally with a leading batch
    dimension (a rank-2 operand is shared by every batch entry), computed by
    `backend` with f32 accumulation. The operands are f16, bf16 or f32 (both
    the same); the result has their type or f32. Rows may be strided (any
    leading dimension, as of a slice); the last dimension of every operand is
    contiguous.

    A host-side operation in a function of the GPU pipeline, asynchronous on
    a stream like `gpu.launch_func`: `gpu-async-region` threads its token,
    and `gpu-to-llvm` (through the dialect's ConvertToLLVMPatternInterface)
    makes it a call of the runtime's `mgpuMatmul` on the stream of its
    dependency. `convert-mla-to-gpu` writes it for the projections of a
    block; the backend is the compile-time choice the IR shows.

    ```mlir
    mla_gpu.gemm cublaslt %h, %w_dq into %c
        : memref<64x7168xbf16>, memref<7168x1536xbf16> into memref<64x1536xf32>
    %t1 = mla_gpu.gemm async [%t0] cublaslt %c_kv, %w_uk into %k
        : memref<?x512xbf16>, memref<128x512x128xbf16> into memref<128x?x128xbf16>
        -> !gpu.async.token
    ```
  }];
  let arguments = (ins Variadic<GPU_AsyncToken>:$asyncDependencies,
                       Arg<MLAGPU_GemmOperand, "[batch,] M × K", [MemRead]>:$lhs,
                       Arg<MLAGPU_GemmOperand, "[batch,] K × N", [MemRead]>:$rhs,
                       Arg<MLAGPU_GemmOperand, "[batch,] M × N", [MemWrite]>:$result,
                       MLAGPU_GemmBackend:$backend);
  let results = (outs Optional<GPU_AsyncToken>:$asyncToken);
  let assemblyFormat = [{
    (`async` ` ` `[` $asyncDependencies^ `]`)? $backend $lhs `,` $rhs `into` $result
    attr-dict `:` type($lhs) `,` type($rhs) `into` type($result)
    (`->` type($asyncToken)^)?
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$lhs, "::mlir::Value":$rhs,
                   "::mlir::Value":$result,
                   "::mlir::mla_gpu::GemmBackend":$backend), [{
      build($_builder, $_state, /*asyncToken=*/::mlir::Type(),
            ::mlir::ValueRange(), lhs, rhs, result, backend);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The batch count (1 without a batch dimension; dynamic: kDynamic).
    int64_t getStaticBatch();
  }];
  let hasVerifier = 1;
}

def MLAGPU_RowsOperand : MemRefRankOf<[F16, BF16, F32], [2]>;

def MLAGPU_RMSNormOp : MLAGPU_Op<"rms_norm"> {
  let summary = "RMSNorm of each row of a buffer: a kernel of one warp per row";
  let description = [{
    `result[r, c] = input[r, c] · rsqrt(mean_c(input[r, :]²) + epsilon) ·
    weight[c]`, computed in f32 and written in the result's element type
    (f16, bf16 or f32: an f32 product's rounding is fused in). Rows may be
    strided (a slice of a wider product); both buffers have the same shape,
    `weight` one entry per column.

    A host-level op like `mla_gpu.gemm`: `mla-gpu-expand-kernels` makes it
    the `rms_norm` kernel (one warp per row, four rows per CTA, the sum of
    squares reduced by warp shuffles; lib/Conversion/MLAToGPU/RowKernels.cpp).

    ```mlir
    mla_gpu.rms_norm %c, %w into %n {epsilon = 1.0e-06 : f64}
        : memref<?x1536xf32>, memref<1536xbf16> into memref<?x1536xbf16>
    ```
  }];
  let arguments = (ins Arg<MLAGPU_RowsOperand, "rows", [MemRead]>:$input,
                       Arg<MemRefRankOf<[F16, BF16, F32], [1]>, "per column",
                           [MemRead]>:$weight,
                       Arg<MLAGPU_RowsOperand, "rows", [MemWrite]>:$result,
                       F64Attr:$epsilon);
  let assemblyFormat = [{
    $input `,` $weight `into` $result attr-dict `:` type($input) `,`
    type($weight) `into` type($result)
  }];
  let hasVerifier = 1;
}

#endif // MLA_DIALECT_MLAGPU_IR_MLAGPUOPS_TD
