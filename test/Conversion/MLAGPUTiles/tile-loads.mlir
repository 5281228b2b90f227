// RUN: mla-opt %s --convert-mla-gpu-tiles --cse --split-input-file | FileCheck %s

// convert-mla-gpu-tiles on the tile loads: each becomes its 16-byte cp.async
// copies (nvgpu.device_async_copy, 0 source bytes for a row outside the
// source or the split) or its TMA boxes on the stage's mbarrier, with the
// thread's share taken from gpu.thread_id.

!wg_ring = memref<3x32x584xbf16, #gpu.address_space<workgroup>>

// A dense window into rows of a padded ring stage: chunk c of the 32 × 64
// window (8 per row) is row c / 8, columns 8·(c mod 8); rows past the
// source's 128 copy nothing from row 0.
// CHECK-LABEL: func.func @load_tile_rows
// CHECK-SAME:    (%[[Q:.*]]: memref<128x512xbf16, strided<[512, 1], offset: ?>>, %[[RING:.*]]: memref<3x32x584xbf16, #gpu.address_space<workgroup>>, %[[I:.*]]: index, %[[J:.*]]: index)
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK:         %[[ROWS:.*]] = memref.dim %[[Q]], %[[C0]]
// CHECK:         %[[TID:.*]] = gpu.thread_id x
// CHECK:         scf.for %[[C:.*]] = %[[TID]] to %c256 step %c128 {
// CHECK:           %[[C8:.*]] = arith.constant 8 : index
// CHECK:           %[[R:.*]] = arith.divui %[[C]], %[[C8]]
// CHECK:           %[[CHUNK:.*]] = arith.remui %[[C]], %[[C8]]
// CHECK:           %[[COL:.*]] = arith.muli %[[CHUNK]], %[[C8]]
// CHECK:           %[[ROW:.*]] = arith.addi %[[I]], %[[R]]
// CHECK:           %[[IN:.*]] = arith.cmpi slt, %[[ROW]], %[[ROWS]]
// CHECK:           %[[SAFE:.*]] = arith.select %[[IN]], %[[ROW]], %[[C0]]
// CHECK:           %[[TROW:.*]] = arith.addi %[[J]], %[[R]]
// CHECK:           %[[TCOL:.*]] = arith.addi %[[J]], %[[COL]]
// CHECK:           %[[BYTES:.*]] = arith.select %[[IN]], %[[C8]], %[[C0]]
// CHECK:           nvgpu.device_async_copy %[[Q]][%[[SAFE]], %[[TCOL]]], %[[RING]][%[[I]], %[[TROW]], %[[TCOL]]], 8, %[[BYTES]] {bypassL1}
func.func @load_tile_rows(%q: memref<128x512xbf16, strided<[512, 1], offset: ?>>, %ring: !wg_ring, %i: index, %j: index) {
  mla_gpu.load_tile %q[%i, %j] into %ring[%i, %j, %j] rows 32 cols 64 threads 128
      : memref<128x512xbf16, strided<[512, 1], offset: ?>>, !wg_ring
  return
}

// -----

// Into 128B-swizzled atoms, with padding rows: column c of the window is
// atom c / 64, chunk (c mod 64) / 8 ⊕ (row mod 8); rows ≥ valid copy nothing.
// CHECK-LABEL: func.func @load_tile_swizzled
// CHECK-SAME:    (%[[Q:.*]]: memref<128x64xbf16>, %[[ATOMS:.*]]: memref<9x64x64xbf16, #gpu.address_space<workgroup>>, %[[I:.*]]: index, %[[N:.*]]: index)
// CHECK:         scf.for %[[C:.*]] =
// CHECK:           %[[R:.*]] = arith.divui %[[C]]
// CHECK:           %[[IN:.*]] = arith.cmpi slt
// CHECK:           %[[PAD:.*]] = arith.cmpi slt, %[[R]], %[[N]]
// CHECK:           %[[VALID:.*]] = arith.andi %[[IN]], %[[PAD]]
// CHECK:           %[[ATOM:.*]] = arith.divui %{{.*}}, %c64
// CHECK:           arith.addi %c8, %[[ATOM]]
// CHECK:           arith.xori
// CHECK:           nvgpu.device_async_copy %[[Q]][%{{.*}}, %{{.*}}], %[[ATOMS]][%{{.*}}, %{{.*}}, %{{.*}}], 8, %{{.*}} {bypassL1} : memref<128x64xbf16> to memref<9x64x64xbf16, #gpu.address_space<workgroup>>
func.func @load_tile_swizzled(%q: memref<128x64xbf16>, %atoms: memref<9x64x64xbf16, #gpu.address_space<workgroup>>, %i: index, %n: index) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  mla_gpu.load_tile %q[%i, %c0] into %atoms[%c8, %c0, %c0] rows 64 cols 64 valid %n threads 256 swizzle b128
      : memref<128x64xbf16>, memref<9x64x64xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

!wg_ring = memref<3x32x584xbf16, #gpu.address_space<workgroup>>

// The thread's row (8 threads per token row of 32): position start + 32·tile
// + tid / 8; the table read only inside the split, an entry outside the cache
// reported (check_input), then clamped into it.
// CHECK-LABEL: func.func @lookup_tokens
// CHECK-SAME:    (%[[CACHE:.*]]: memref<?x64x576xbf16>, %[[TABLE:.*]]: memref<?x?xi32>, %[[REQ:.*]]: index, %[[TILE:.*]]: index, %[[START:.*]]: index, %[[END:.*]]: index)
// CHECK:         %[[TID:.*]] = gpu.thread_id x
// CHECK:         %[[TOKEN:.*]] = arith.divui %[[TID]], %c8
// CHECK:         %[[FIRST:.*]] = arith.muli %[[TILE]], %c32
// CHECK:         %[[BASE:.*]] = arith.addi %[[START]], %[[FIRST]]
// CHECK:         %[[POS:.*]] = arith.addi %[[BASE]], %[[TOKEN]]
// CHECK:         %[[VALID:.*]] = arith.cmpi slt, %[[POS]], %[[END]]
// CHECK:         %[[SAFE:.*]] = arith.select %[[VALID]], %[[POS]], %c0
// CHECK:         %[[PAGE:.*]] = scf.if %[[VALID]] -> (index) {
// CHECK:           %[[PAGES:.*]] = memref.dim %[[CACHE]], %c0
// CHECK:           %[[COL:.*]] = arith.divui %[[SAFE]], %c64
// CHECK:           %[[ENTRY:.*]] = memref.load %[[TABLE]][%[[REQ]], %[[COL]]]
// CHECK:           %[[P:.*]] = arith.index_cast %[[ENTRY]]
// CHECK:           %[[GE:.*]] = arith.cmpi sge, %[[P]], %c0
// CHECK:           %[[LT:.*]] = arith.cmpi slt, %[[P]], %[[PAGES]]
// CHECK:           %[[OK:.*]] = arith.andi %[[GE]], %[[LT]]
// CHECK:           mla_gpu.check_input %[[OK]], attention_page(request %[[REQ]], value %[[P]], limit %[[PAGES]])
// CHECK:           %[[LOW:.*]] = arith.maxsi %[[P]], %c0
// CHECK:           %[[LAST:.*]] = arith.subi %[[PAGES]], %c1
// CHECK:           %[[CLAMPED:.*]] = arith.minsi %[[LOW]], %[[LAST]]
// CHECK:           scf.yield %[[CLAMPED]]
// CHECK:         } else {
// CHECK:           scf.yield %c0
// CHECK:         %[[SLOT:.*]] = arith.remui %[[SAFE]], %c64
// CHECK:         return %[[VALID]], %[[PAGE]], %[[SLOT]]
func.func @lookup_tokens(%cache: memref<?x64x576xbf16>, %table: memref<?x?xi32>, %req: index, %tile: index, %start: index, %end: index) -> (i1, index, index) {
  %valid, %page, %slot = mla_gpu.lookup_tokens %cache[%table, %req] tile %tile of [%start, %end) rows 32 threads 256
      : memref<?x64x576xbf16>, memref<?x?xi32>
  return %valid, %page, %slot : i1, index, index
}

// -----

!wg_ring = memref<3x32x584xbf16, #gpu.address_space<workgroup>>

// A looked-up row: the thread's 9 chunks of its row (8 threads a row,
// adjacent threads on adjacent chunks) into stage tile mod 3.
// CHECK-LABEL: func.func @load_tokens_row
// CHECK-SAME:    (%[[CACHE:.*]]: memref<?x64x576xbf16>, %[[TABLE:.*]]: memref<?x?xi32>, %[[RING:.*]]: memref<3x32x584xbf16, #gpu.address_space<workgroup>>, %{{.*}}: index, %[[TILE:.*]]: index, %{{.*}}: index, %{{.*}}: index, %[[V:.*]]: i1, %[[P:.*]]: index, %[[S:.*]]: index)
// CHECK-NOT:     memref.load
// CHECK:         %[[STAGE:.*]] = arith.remui %[[TILE]], %c3
// CHECK:         %[[BYTES:.*]] = arith.select %[[V]], %c8, %c0
// CHECK-COUNT-9: nvgpu.device_async_copy %[[CACHE]][%[[P]], %[[S]], %{{.*}}], %[[RING]][%[[STAGE]], %{{.*}}, %{{.*}}], 8, %[[BYTES]] {bypassL1}
// CHECK-NOT:     nvgpu.device_async_copy
func.func @load_tokens_row(%cache: memref<?x64x576xbf16>, %table: memref<?x?xi32>, %ring: !wg_ring,
                           %req: index, %tile: index, %start: index, %end: index,
                           %v: i1, %p: index, %s: index) {
  mla_gpu.load_tokens %cache[%table, %req] tile %tile of [%start, %end) into %ring row(%v, %p, %s) threads 256
      : memref<?x64x576xbf16>, memref<?x?xi32>, !wg_ring
  return
}

// -----

// Without a looked-up row: the lookup first (the table read inside the
// split), then the copies; into swizzled atoms [stage, col / 64, token,
// chunk ⊕ token mod 8].
// CHECK-LABEL: func.func @load_tokens_swizzled
// CHECK:         scf.if %{{.*}} -> (index) {
// CHECK:           memref.load
// CHECK:         arith.remui %{{.*}}, %c2
// CHECK:         arith.xori
// CHECK:         nvgpu.device_async_copy {{.*}} : memref<?x64x576xbf16> to memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>
func.func @load_tokens_swizzled(%cache: memref<?x64x576xbf16>, %table: memref<?x?xi32>,
                                %atoms: memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>,
                                %req: index, %tile: index, %start: index, %end: index) {
  mla_gpu.load_tokens %cache[%table, %req] tile %tile of [%start, %end) into %atoms threads 256 swizzle b128
      : memref<?x64x576xbf16>, memref<?x?xi32>, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

// 80 threads do not split 32 rows evenly: chunks strided over
// the threads, a table lookup per chunk, positions past the split's end
// read at the split's start and copy nothing.
// CHECK-LABEL: func.func @load_tokens_strided
// CHECK-SAME:    (%[[CACHE:.*]]: memref<?x64x576xbf16>, %[[TABLE:.*]]: memref<?x?xi32>, %[[RING:.*]]: memref<3x32x584xbf16, #gpu.address_space<workgroup>>, %{{.*}}: index, %{{.*}}: index, %[[START:.*]]: index, %[[END:.*]]: index)
// CHECK:         scf.for %[[C:.*]] = %{{.*}} to %c2304 step %c80 {
// CHECK:           %[[VALID:.*]] = arith.cmpi slt, %{{.*}}, %[[END]]
// CHECK:           %[[POS:.*]] = arith.select %[[VALID]], %{{.*}}, %[[START]]
// CHECK:           memref.load %[[TABLE]]
// CHECK:           nvgpu.device_async_copy %[[CACHE]]
// CHECK-NOT:     scf.if
func.func @load_tokens_strided(%cache: memref<?x64x576xbf16>, %table: memref<?x?xi32>,
                               %ring: memref<3x32x584xbf16, #gpu.address_space<workgroup>>,
                               %req: index, %tile: index, %start: index, %end: index) {
  mla_gpu.load_tokens %cache[%table, %req] tile %tile of [%start, %end) into %ring threads 80
      : memref<?x64x576xbf16>, memref<?x?xi32>, memref<3x32x584xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

!map = !nvgpu.tensormap.descriptor<tensor = memref<1x16x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>
!bars = !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>

// TMA: thread 128 alone, and only for a tile in the split, announces
// min(4, ⌈(end − first) / 16⌉) pages × 9 atoms × 2 KiB on the stage's
// barrier, then per page 9 boxes of [16 tokens, 64] at (64·atom, slot,
// page).
// CHECK-LABEL: func.func @tma_load_tokens
// CHECK-SAME:    (%[[MAP:.*]]: !nvgpu.tensormap.descriptor{{.*}}, %[[CACHE:.*]]: memref<?x16x576xbf16>, %[[TABLE:.*]]: memref<?x?xi32>, %[[RING:.*]]: memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, %[[BARS:.*]]: !nvgpu.mbarrier.group{{.*}}, %{{.*}}: index, %[[TILE:.*]]: index, %{{.*}}: index, %[[END:.*]]: index)
// CHECK:         %[[FIRST:.*]] = arith.addi
// CHECK:         %[[TID:.*]] = gpu.thread_id x
// CHECK:         %[[ME:.*]] = arith.cmpi eq, %[[TID]], %c128
// CHECK:         %[[IN:.*]] = arith.cmpi slt, %[[FIRST]], %[[END]]
// CHECK:         %[[GO:.*]] = arith.andi %[[ME]], %[[IN]]
// CHECK:         scf.if %[[GO]] {
// CHECK:           %[[STAGE:.*]] = arith.remui %[[TILE]], %c2
// CHECK:           %[[BOXES:.*]] = arith.minsi %c4, %{{.*}}
// CHECK:           %[[BYTES:.*]] = arith.muli %[[BOXES]], %c18432
// CHECK:           nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%[[STAGE]]], %[[BYTES]]
// CHECK:           scf.for %[[BOX:.*]] = %c0 to %[[BOXES]] step %c1 {
// CHECK:             memref.load %[[TABLE]]
// CHECK:             %[[SLOT:.*]] = arith.remui %{{.*}}, %c16
// CHECK-COUNT-9:     nvgpu.tma.async.load %[[MAP]][%{{.*}}, %[[SLOT]], %{{.*}}], %[[BARS]][%[[STAGE]]] to %{{.*}} : {{.*}} -> memref<1x16x64xbf16, strided<[36864, 64, 1], offset: ?>, #gpu.address_space<workgroup>>
func.func @tma_load_tokens(%map: !map, %cache: memref<?x16x576xbf16>, %table: memref<?x?xi32>,
                           %ring: memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, %bars: !bars,
                           %req: index, %tile: index, %start: index, %end: index) {
  mla_gpu.tma.load_tokens %map, %cache[%table, %req] tile %tile of [%start, %end) into %ring, %bars issuer 128
      : !map, memref<?x16x576xbf16>, memref<?x?xi32>, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, !bars
  return
}

// -----

!bars = !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>

// The wait on stage tile mod 2 for parity (tile / 2) mod 2, then the rows
// past the split's end zeroed (72 chunks of 16 bytes a row, strided over
// 256 threads) and fenced to the async proxy.
// CHECK-LABEL: func.func @tma_wait_tokens
// CHECK-SAME:    (%[[BARS:.*]]: !nvgpu.mbarrier.group{{.*}}, %[[RING:.*]]: memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, %[[TILE:.*]]: index, %[[START:.*]]: index, %[[END:.*]]: index)
// CHECK:         %[[ROUND:.*]] = arith.divui %[[TILE]], %c2
// CHECK:         %[[PHASE:.*]] = arith.remui %[[ROUND]], %c2
// CHECK:         %[[PARITY:.*]] = arith.cmpi ne, %[[PHASE]], %c0
// CHECK:         %[[STAGE:.*]] = arith.remui %[[TILE]], %c2
// CHECK:         nvgpu.mbarrier.try_wait.parity %[[BARS]][%[[STAGE]]], %[[PARITY]], %c10000000
// CHECK:         %[[VALID:.*]] = arith.subi %[[END]], %{{.*}}
// CHECK:         %[[TAIL:.*]] = arith.cmpi slt, %[[VALID]], %c64
// CHECK:         scf.if %[[TAIL]] {
// CHECK:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c256 {
// CHECK:             vector.store %{{.*}}, %[[RING]][%[[STAGE]], %{{.*}}, %{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK:           }
// CHECK-NEXT:      mla_gpu.fence.async_proxy
func.func @tma_wait_tokens(%bars: !bars, %ring: memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>,
                           %tile: index, %start: index, %end: index) {
  mla_gpu.tma.wait_tokens %bars, %ring tile %tile of [%start, %end) threads 256
      : !bars, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

!map = !nvgpu.tensormap.descriptor<tensor = memref<1x128x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>
!bars = !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 3>

// A dense tile by TMA: thread 0 alone announces 2 atoms × 128 rows × 128
// bytes on the stage's barrier, then one box per atom, its innermost
// coordinate 64 columns further each time, into atoms 1 and 2 of the stage.
// CHECK-LABEL: func.func @tma_load_tile
// CHECK-SAME:    (%[[MAP:.*]]: !nvgpu.tensormap.descriptor{{.*}}, %[[RING:.*]]: memref<3x3x128x64xbf16, #gpu.address_space<workgroup>>, %[[BARS:.*]]: !nvgpu.mbarrier.group{{.*}}, %[[STAGE:.*]]: index, %[[H:.*]]: index, %[[ROW:.*]]: index, %[[COL:.*]]: index)
// CHECK:         %[[TID:.*]] = gpu.thread_id x
// CHECK:         %[[ME:.*]] = arith.cmpi eq, %[[TID]], %c0
// CHECK:         scf.if %[[ME]] {
// CHECK:           nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%[[STAGE]]], %c32768
// CHECK:           %[[BOX1:.*]] = memref.subview %[[RING]][%[[STAGE]], 1, 0, 0] [1, 1, 128, 64] [1, 1, 1, 1]
// CHECK:           nvgpu.tma.async.load %[[MAP]][%[[COL]], %[[ROW]], %[[H]]], %[[BARS]][%[[STAGE]]] to %[[BOX1]]
// CHECK:           %[[BOX2:.*]] = memref.subview %[[RING]][%[[STAGE]], 2, 0, 0] [1, 1, 128, 64] [1, 1, 1, 1]
// CHECK:           %[[NEXT:.*]] = arith.addi %[[COL]], %c64
// CHECK:           nvgpu.tma.async.load %[[MAP]][%[[NEXT]], %[[ROW]], %[[H]]], %[[BARS]][%[[STAGE]]] to %[[BOX2]]
// CHECK-NOT:       nvgpu.tma.async.load
// CHECK:         }
func.func @tma_load_tile(%map: !map, %ring: memref<3x3x128x64xbf16, #gpu.address_space<workgroup>>, %bars: !bars,
                         %stage: index, %h: index, %row: index, %col: index) {
  mla_gpu.tma.load_tile %map[%h, %row, %col] into %ring[%stage] atoms 1 count 2, %bars issuer 0
      : !map, memref<3x3x128x64xbf16, #gpu.address_space<workgroup>>, !bars
  return
}

// -----

!bars = !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 3>

// The wait on barrier tile mod 3 for parity (tile / 3) mod 2; nothing else.
// CHECK-LABEL: func.func @tma_wait_tile
// CHECK-SAME:    (%[[BARS:.*]]: !nvgpu.mbarrier.group{{.*}}, %[[TILE:.*]]: index)
// CHECK:         %[[ROUND:.*]] = arith.divui %[[TILE]], %c3
// CHECK:         %[[PHASE:.*]] = arith.remui %[[ROUND]], %c2
// CHECK:         %[[PARITY:.*]] = arith.cmpi ne, %[[PHASE]], %c0
// CHECK:         %[[STAGE:.*]] = arith.remui %[[TILE]], %c3
// CHECK:         nvgpu.mbarrier.try_wait.parity %[[BARS]][%[[STAGE]]], %[[PARITY]], %c10000000
// CHECK-NEXT:    return
func.func @tma_wait_tile(%bars: !bars, %tile: index) {
  mla_gpu.tma.wait_tile %bars tile %tile : !bars
  return
}
