// RUN: mla-opt %s --mla-gpu-expand-kernels | FileCheck %s

// mla-gpu-expand-kernels: an mla.prefill_kernel becomes
//  - prefill_gather: each request's cached latents [B, M·G, L+R] gathered
//    through the block table (a CTA per 64 rows and request, 16-byte
//    chunks; lengths and table entries checked, zeros past the length);
//  - two library GEMMs decompressing K_nope and V for every head at once
//    (latent[:, :L] · W_UK[h], · W_UV[h]: one batch entry per head);
//  - prefill_attention: a CTA per (128 query rows, head, request), two
//    warpgroups; Q's N + R columns from q_nope and q_pe, each key tile's K
//    from the head's K_nope and the shared k_pe, V; per tile S = Q·Kᵀ
//    (12 k16 wgmma steps), the online softmax with each row's causal
//    limit, O += P·V with P in registers (wgmma A from registers, V
//    N-major), then O / l.
// The workspace is freed after the last kernel.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
func.func @prefill(%qn: memref<2x?x128x128xbf16>, %qpe: memref<2x?x128x64xbf16>,
                   %wuk: memref<128x512x128xbf16>, %wuv: memref<128x512x128xbf16>,
                   %cache: memref<?x64x576xbf16>, %bt: memref<2x?xi32>,
                   %lens: memref<2xi32>, %o: memref<2x?x128x128xbf16>) {
  mla.prefill_kernel %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens] into %o causal
      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 64, prefix_chunk = 4096>
      {config = #v3}
      : memref<2x?x128x128xbf16>, memref<2x?x128x64xbf16>, memref<128x512x128xbf16>,
        memref<128x512x128xbf16>, memref<?x64x576xbf16>, memref<2x?xi32>, memref<2xi32>,
        memref<2x?x128x128xbf16>
  return
}

// CHECK-LABEL: func.func @prefill
// CHECK:       %[[LATENT:.*]] = memref.alloc({{.*}}) : memref<?x?x576xbf16>
// CHECK:       %[[KEYS:.*]] = memref.alloc({{.*}}) : memref<128x?x128xbf16>
// CHECK:       %[[VALUES:.*]] = memref.alloc({{.*}}) : memref<128x?x128xbf16>
// CHECK:       gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c256{{.*}}) function(@prefill_gather)
// CHECK:         mla_gpu.check_input {{.*}}, prefill_length
// CHECK:         mla_gpu.check_input {{.*}}, prefill_page
// CHECK:         vector.load {{.*}} : memref<?x64x576xbf16>, vector<8xbf16>
// CHECK:         vector.store {{.*}}, %[[LATENT]]
// CHECK:       } {mla.kernel = "prefill_gather"}
// CHECK:       %[[C:.*]] = memref.subview {{.*}} to memref<?x512xbf16, strided<[576, 1]>>
// CHECK:       mla_gpu.gemm cublaslt %[[C]], %arg2 into %[[KEYS]] : memref<?x512xbf16, strided<[576, 1]>>, memref<128x512x128xbf16> into memref<128x?x128xbf16>
// CHECK:       mla_gpu.gemm cublaslt %[[C]], %arg3 into %[[VALUES]]
// 128 × 64 tiles leave room for three stages: the loop is the overlapped
// one. Tile 0's S before it; per tile t the wait for tile t + 1 and the
// barrier, tile t + 2's load, tile t + 1's Q·Kᵀ issued async, tile t's
// softmax and P·V (P in registers), then the wait that ties t + 1's S; the
// last tile's softmax and P·V after the loop.
// The grid is (query block, head, request), query blocks fastest (a head's
// K and V shared in L2) and last to first (the longest CTAs under causal
// masking start first).
// CHECK:       %[[BLOCKS:.*]] = arith.divui %{{.*}}, %c128 : index
// CHECK:       gpu.launch blocks(%[[BY:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCKS]], %{{.*}} = %c128, %{{.*}} = %c2) threads({{.*}}) in (%{{.*}} = %c256{{.*}}) dynamic_shared_memory_size %c173056_i32 function(@prefill_attention)
// CHECK-NEXT:    %[[LASTBLOCK:.*]] = arith.subi %[[BLOCKS]], %c1
// CHECK-NEXT:    arith.subi %[[LASTBLOCK]], %[[BY]]
// CHECK:         mla_gpu.shared_buffer {{.*}}[0] "query" swizzle b128 {{.*}} to memref<3x128x64xbf16
// CHECK:         mla_gpu.shared_buffer {{.*}}[49152] "keys" swizzle b128 {{.*}} to memref<3x3x64x64xbf16
// CHECK:         mla_gpu.shared_buffer {{.*}}[122880] "values" swizzle b128 {{.*}} to memref<3x2x64x64xbf16
// CHECK:         mla_gpu.load_tile {{.*}} rows 128 cols 128 threads 256 swizzle b128 : memref<?x128xbf16, strided<[16384, 1], offset: ?>>
// CHECK:         mla_gpu.load_tile {{.*}} rows 128 cols 64 threads 256 swizzle b128 : memref<?x64xbf16, strided<[8192, 1], offset: ?>>
// CHECK:         mla_gpu.async_copy.commit
// CHECK-COUNT-2: mla_gpu.async_copy.commit
// CHECK:         mla_gpu.async_copy.wait 1
// CHECK:         mla_gpu.barrier
// CHECK:         %[[S0:.*]]:8 = mla_gpu.warpgroup.mma {{.*}} steps 12 advance([32, 4, 16384], [32, 4, 8192]) element bf16{{$}}
// CHECK:         %[[LOOP:.*]]:28 = scf.for {{.*}} iter_args({{.*}} = %[[S0]]#7)
// CHECK:           mla_gpu.async_copy.wait 0
// CHECK:           mla_gpu.barrier
// CHECK:           mla_gpu.load_tile {{.*}} rows 64 cols 128 valid {{.*}} : memref<?x128xbf16, strided<[128, 1], offset: ?>>
// CHECK:           mla_gpu.load_tile {{.*}} rows 64 cols 64 valid {{.*}} : memref<?x64xbf16, strided<[576, 1], offset: ?>>
// CHECK:           mla_gpu.load_tile {{.*}} rows 64 cols 128 valid {{.*}} : memref<?x128xbf16, strided<[128, 1], offset: ?>>
// CHECK:           mla_gpu.async_copy.commit
// CHECK:           %[[NEXT:.*]]:8 = mla_gpu.warpgroup.mma {{.*}} steps 12 advance([32, 4, 16384], [32, 4, 8192]) element bf16 async{{$}}
// CHECK:           %[[P:.*]]:4, {{.*}} = mla_gpu.softmax_update scores({{.*}}) {{.*}} scale 0.07216878364870323 element bf16
// CHECK:           %[[O:.*]]:16 = mla_gpu.scale_rows
// CHECK-NOT:       mla_gpu.barrier
// CHECK:           mla_gpu.warpgroup.descriptor {{.*}} leading = 8192, stride = 1024
// CHECK:           mla_gpu.warpgroup.mma_rs (%[[P]]#0, %[[P]]#1, %[[P]]#2, %[[P]]#3), %{{.*}}, (%[[O]]#0, {{.*}}, %[[O]]#15) advance [2048, 1, 2048] b_n_major accumulate : vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>{{$}}
// CHECK:           %[[LANDED:.*]]:8 = mla_gpu.warpgroup.wait 0 tie(%[[NEXT]]#0, {{.*}}, %[[NEXT]]#7 :
// CHECK:           scf.yield {{.*}}, %[[LANDED]]#7 :
// CHECK:         scf.if
// CHECK:           mla_gpu.softmax_update scores(%[[LOOP]]#20, {{.*}}, %[[LOOP]]#27)
// CHECK:           mla_gpu.warpgroup.mma_rs
// CHECK:         mla_gpu.store_fragments {{.*}} normalize {{.*}} : memref<?x128xbf16, strided<[16384, 1], offset: ?>>
// CHECK:       } {mla.kernel = "prefill_attention"}
// CHECK:       memref.dealloc %[[LATENT]]
// CHECK:       memref.dealloc %[[KEYS]]
// CHECK:       memref.dealloc %[[VALUES]]

// 128 × 128 tiles (the cost model's for V3 in bf16) fit two stages only:
// tile by tile, each tile's S waited for before its softmax.
// CHECK-LABEL: func.func @prefill_wide_keys
// CHECK:       gpu.launch {{.*}} dynamic_shared_memory_size %c214016_i32 function(@prefill_attention)
// CHECK:         mla_gpu.shared_buffer {{.*}}[49152] "keys" swizzle b128 {{.*}} to memref<2x3x128x64xbf16
// CHECK:         mla_gpu.shared_buffer {{.*}}[147456] "values" swizzle b128 {{.*}} to memref<2x2x128x64xbf16
// CHECK:         scf.for
// CHECK:           mla_gpu.async_copy.wait 0
// CHECK:           mla_gpu.barrier
// CHECK:           %[[S:.*]]:16 = mla_gpu.warpgroup.mma {{.*}} steps 12 advance([32, 4, 16384], [32, 4, 16384]) element bf16{{$}}
// CHECK:           mla_gpu.softmax_update scores(%[[S]]#0, {{.*}}, %[[S]]#15)
// CHECK:           mla_gpu.warpgroup.mma_rs ({{.*}}), %{{.*}}, ({{.*}}) advance [2048, 1, 2048] b_n_major accumulate : vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>{{$}}
// CHECK-NOT:     mla_gpu.warpgroup.wait
// CHECK:       } {mla.kernel = "prefill_attention"}
func.func @prefill_wide_keys(%qn: memref<2x?x128x128xbf16>, %qpe: memref<2x?x128x64xbf16>,
                   %wuk: memref<128x512x128xbf16>, %wuv: memref<128x512x128xbf16>,
                   %cache: memref<?x64x576xbf16>, %bt: memref<2x?xi32>,
                   %lens: memref<2xi32>, %o: memref<2x?x128x128xbf16>) {
  mla.prefill_kernel %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens] into %o causal
      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096>
      {config = #v3}
      : memref<2x?x128x128xbf16>, memref<2x?x128x64xbf16>, memref<128x512x128xbf16>,
        memref<128x512x128xbf16>, memref<?x64x576xbf16>, memref<2x?xi32>, memref<2xi32>,
        memref<2x?x128x128xbf16>
  return
}

// loads = tma: the tensor maps of the workspace (boxes of 128 rows × 64
// columns) are made on the host right after it is allocated, before any
// kernel. In the kernel, one mbarrier per stage expecting three arrivals
// (K_nope, k_pe, V); thread 0 issues each tile's boxes — K_nope's two atoms
// from the head's rows of the request, k_pe's one from column 512 of the
// latents, V's two —; Q alone is cp.async, waited for and fenced once.
// Per tile: the wait on the tile's phase, the barrier, the next tile's
// boxes; no cp.async group in the loop.
// CHECK-LABEL: func.func @prefill_tma
// CHECK:       %[[LATENT:.*]] = memref.alloc({{.*}}) : memref<?x?x576xbf16>
// CHECK:       %[[KEYS:.*]] = memref.alloc({{.*}}) : memref<128x?x128xbf16>
// CHECK:       %[[VALUES:.*]] = memref.alloc({{.*}}) : memref<128x?x128xbf16>
// CHECK:       %[[KMAP:.*]] = nvgpu.tma.create.descriptor %{{.*}} box[%c1, %c128, %c64] : memref<*xbf16> -> <tensor = memref<1x128x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b
// CHECK:       %[[VMAP:.*]] = nvgpu.tma.create.descriptor
// CHECK:       %[[LMAP:.*]] = nvgpu.tma.create.descriptor
// CHECK:       function(@prefill_gather)
// CHECK:       gpu.launch {{.*}} dynamic_shared_memory_size %c214016_i32 function(@prefill_attention)
// CHECK:         %[[BARS:.*]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
// CHECK:         nvgpu.mbarrier.init %[[BARS]][%c0], %c3
// CHECK:         nvgpu.mbarrier.init %[[BARS]][%c1], %c3
// CHECK:         mla_gpu.fence.mbarrier_init
// CHECK:         mla_gpu.barrier
// CHECK:         mla_gpu.tma.load_tile %[[KMAP]][%{{.*}}, %{{.*}}, %c0] into %{{.*}}[%{{.*}}] atoms 0 count 2, %[[BARS]] issuer 0
// CHECK:         mla_gpu.tma.load_tile %[[LMAP]][%{{.*}}, %{{.*}}, %c512] into %{{.*}}[%{{.*}}] atoms 2 count 1, %[[BARS]] issuer 0
// CHECK:         mla_gpu.tma.load_tile %[[VMAP]][%{{.*}}, %{{.*}}, %c0] into %{{.*}}[%{{.*}}] atoms 0 count 2, %[[BARS]] issuer 0
// CHECK:         mla_gpu.async_copy.wait 0
// CHECK-NEXT:    mla_gpu.fence.async_proxy
// CHECK:         scf.for %[[T:.*]] = {{.*}} iter_args
// CHECK:           mla_gpu.tma.wait_tile %[[BARS]] tile %[[T]]
// CHECK-NEXT:      mla_gpu.barrier
// CHECK:           mla_gpu.tma.load_tile %[[KMAP]]
// CHECK:           mla_gpu.tma.load_tile %[[LMAP]]
// CHECK:           mla_gpu.tma.load_tile %[[VMAP]]
// CHECK-NOT:       mla_gpu.async_copy
// CHECK:           mla_gpu.warpgroup.mma {{.*}} steps 12
// CHECK:           mla_gpu.warpgroup.mma_rs
// CHECK:       } {mla.kernel = "prefill_attention"}
func.func @prefill_tma(%qn: memref<2x?x128x128xbf16>, %qpe: memref<2x?x128x64xbf16>,
                   %wuk: memref<128x512x128xbf16>, %wuv: memref<128x512x128xbf16>,
                   %cache: memref<?x64x576xbf16>, %bt: memref<2x?xi32>,
                   %lens: memref<2xi32>, %o: memref<2x?x128x128xbf16>) {
  mla.prefill_kernel %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens] into %o causal
      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma>
      {config = #v3}
      : memref<2x?x128x128xbf16>, memref<2x?x128x64xbf16>, memref<128x512x128xbf16>,
        memref<128x512x128xbf16>, memref<?x64x576xbf16>, memref<2x?xi32>, memref<2xi32>,
        memref<2x?x128x128xbf16>
  return
}

// producer = true: warp specialisation. 384 threads: K and V have a
// pipeline each (full mbarriers: K_nope and k_pe's two arrivals, V's one;
// empty mbarriers: eight arrivals, the consumers' warps). Warpgroup 0
// gives its registers back and its thread 0 issues tile t's K, then its V,
// each after the stage's release of tile t − 2; warpgroups 1 and 2 raise
// theirs and take turns at the tensor cores on named barriers 1 and 2 (256
// threads: one consumer syncing, the other arriving). Consumer 1 opens.
// Tile 0's S is the first turn; its K is released and its softmax follows.
// In each later turn a consumer waits for K(t + 1) and V(t), issues tile
// t + 1's S and tile t's P·V (both async; P(t) carried by the loop),
// passes the turn, waits for S alone (wait 1), releases K(t + 1) and runs
// the softmax while P·V runs, then waits for O (wait 0), releases V(t) and
// rescales O. The rows' output is stored by the consumers alone.
// CHECK-LABEL: func.func @prefill_producer
// CHECK:       gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c384{{.*}}) dynamic_shared_memory_size %c214016_i32 function(@prefill_attention)
// CHECK:         %[[FULLK:.*]] = nvgpu.mbarrier.create
// CHECK:         nvgpu.mbarrier.init %[[FULLK]][%c0], %c2
// CHECK:         %[[FULLV:.*]] = nvgpu.mbarrier.create
// CHECK:         nvgpu.mbarrier.init %[[FULLV]][%c0], %c1
// CHECK:         %[[EMPTYK:.*]] = nvgpu.mbarrier.create
// CHECK:         nvgpu.mbarrier.init %[[EMPTYK]][%c0], %c8
// CHECK:         %[[EMPTYV:.*]] = nvgpu.mbarrier.create
// CHECK:         nvgpu.mbarrier.init %[[EMPTYV]][%c0], %c8
// CHECK:         mla_gpu.barrier
// CHECK:         scf.if
// CHECK-NEXT:      nvvm.setmaxregister  decrease 24
// CHECK:           scf.for %[[T:.*]] = %c0 to
// CHECK:             scf.if
// CHECK:               mla_gpu.tma.wait_tile %[[EMPTYK]] tile
// CHECK:             mla_gpu.tma.load_tile {{.*}} atoms 0 count 2, %[[FULLK]] issuer 0
// CHECK:             mla_gpu.tma.load_tile {{.*}} atoms 2 count 1, %[[FULLK]] issuer 0
// CHECK:             scf.if
// CHECK:               mla_gpu.tma.wait_tile %[[EMPTYV]] tile
// CHECK:             mla_gpu.tma.load_tile {{.*}} atoms 0 count 2, %[[FULLV]] issuer 0
// CHECK-NOT:       mla_gpu.store_fragments
// CHECK:         } else {
// CHECK-NEXT:      nvvm.setmaxregister  increase 240
// CHECK:           nvvm.barrier.arrive id = %c1_i32 number_of_threads = %c256_i32
// CHECK:           mla_gpu.tma.wait_tile %[[FULLK]] tile %c0
// CHECK-NEXT:      nvvm.barrier id = %[[MINE:.*]] number_of_threads = %c256_i32
// CHECK:           %[[S0:.*]]:16 = mla_gpu.warpgroup.mma {{.*}} steps 12 {{.*}} async
// CHECK-NEXT:      nvvm.barrier.arrive id = %[[THEIRS:.*]] number_of_threads = %c256_i32
// CHECK-NEXT:      %[[W0:.*]]:16 = mla_gpu.warpgroup.wait 0 tie(%[[S0]]#0,
// CHECK:           nvgpu.mbarrier.arrive %[[EMPTYK]][%c0]
// CHECK:           mla_gpu.softmax_update scores(%[[W0]]#0,
// CHECK:           scf.for %[[TILE:[^ ]*]] = %c0 to
// CHECK-NOT:         mla_gpu.softmax_update
// CHECK:             mla_gpu.tma.wait_tile %[[FULLK]] tile %{{.*}} :
// CHECK-NEXT:        mla_gpu.tma.wait_tile %[[FULLV]] tile %[[TILE]] :
// CHECK-NEXT:        nvvm.barrier id = %[[MINE]] number_of_threads
// CHECK:             %[[S:.*]]:16 = mla_gpu.warpgroup.mma {{.*}} steps 12 {{.*}} async
// CHECK:             %[[PV:.*]]:16 = mla_gpu.warpgroup.mma_rs {{.*}} accumulate async
// CHECK-NEXT:        nvvm.barrier.arrive id = %[[THEIRS]] number_of_threads
// CHECK-NEXT:        %[[WS:.*]]:16 = mla_gpu.warpgroup.wait 1 tie(%[[S]]#0,
// CHECK:             nvgpu.mbarrier.arrive %[[EMPTYK]]
// CHECK:             mla_gpu.softmax_update scores(%[[WS]]#0,
// CHECK:             %[[WO:.*]]:16 = mla_gpu.warpgroup.wait 0 tie(%[[PV]]#0,
// CHECK:             nvgpu.mbarrier.arrive %[[EMPTYV]]
// CHECK:             mla_gpu.scale_rows %[[WO]]#0,
// CHECK:           mla_gpu.tma.wait_tile %[[FULLV]] tile
// CHECK-NEXT:      nvvm.barrier id = %[[MINE]] number_of_threads
// CHECK:           mla_gpu.warpgroup.mma_rs {{.*}} accumulate async
// CHECK:           scf.if
// CHECK-NEXT:        nvvm.barrier.arrive id = %[[THEIRS]] number_of_threads
// CHECK:           mla_gpu.warpgroup.wait 0 tie
// CHECK:         mla_gpu.store_fragments
// CHECK:       } {mla.kernel = "prefill_attention"}
func.func @prefill_producer(%qn: memref<2x?x128x128xbf16>, %qpe: memref<2x?x128x64xbf16>,
                   %wuk: memref<128x512x128xbf16>, %wuv: memref<128x512x128xbf16>,
                   %cache: memref<?x64x576xbf16>, %bt: memref<2x?xi32>,
                   %lens: memref<2xi32>, %o: memref<2x?x128x128xbf16>) {
  mla.prefill_kernel %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens] into %o causal
      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma, producer = true>
      {config = #v3}
      : memref<2x?x128x128xbf16>, memref<2x?x128x64xbf16>, memref<128x512x128xbf16>,
        memref<128x512x128xbf16>, memref<?x64x576xbf16>, memref<2x?xi32>, memref<2xi32>,
        memref<2x?x128x128xbf16>
  return
}

// Varlen (query_starts): one attention launch for every request. Its grid
// has ⌈X / 128⌉ + B − 1 slots (at least Σ_b ⌈n_b / 128⌉) per head; each CTA
// finds its request and query block in one pass over the starts (every
// entry checked), checks the request's length against its rows, sees keys
// up to len − n_b + its last row (none in a slot without rows), and reads
// Q and writes O in the request's rows of the packed [X, H, ·] buffers.
// CHECK-LABEL: func.func @prefill_varlen
// CHECK-SAME:  %[[QS:[a-z0-9]+]]: memref<?xi32>, %[[OUT:[a-z0-9]+]]: memref<?x128x128xbf16>
// CHECK:       %[[ROWS:.*]] = memref.dim %arg0, %c0
// CHECK:       function(@prefill_gather)
// CHECK:       %[[PAD:.*]] = arith.addi %[[ROWS]], %c127
// CHECK-NEXT:  %[[ROWBLOCKS:.*]] = arith.divui %[[PAD]], %c128
// CHECK-NEXT:  %[[BM1:.*]] = arith.subi %[[B:.*]], %c1
// CHECK-NEXT:  %[[SLOTS0:.*]] = arith.addi %[[ROWBLOCKS]], %[[BM1]]
// CHECK-NEXT:  %[[SLOTS:.*]] = arith.maxsi %[[SLOTS0]], %c1
// CHECK-NEXT:  gpu.launch blocks(%[[SLOT:.*]], %[[HEAD:.*]], %{{.*}}) in (%{{.*}} = %[[SLOTS]], %{{.*}} = %c128, %{{.*}} = %c1) threads({{.*}}) in (%{{.*}} = %c384{{.*}}) dynamic_shared_memory_size %{{.*}} function(@prefill_attention)
// CHECK:         %[[FOUND:.*]]:5 = scf.for %[[REQ:.*]] = %c0 to %[[B]] step %c1 iter_args(
// CHECK:           memref.load %[[QS]][%[[REQ]]] : memref<?xi32>
// CHECK:           memref.load %[[QS]][%{{.*}}] : memref<?xi32>
// CHECK:           mla_gpu.check_input %{{.*}}, prefill_query_starts(request %[[REQ]], value %{{.*}}, limit %[[ROWS]])
// CHECK:           arith.cmpi sle, %{{.*}}, %[[SLOT]]
// CHECK:           scf.yield
// The keys: up to len − n_b + the block's last row, none without rows.
// CHECK:         %[[GIVEN:.*]] = memref.load %arg6[%[[FOUND]]#1]
// CHECK:         mla_gpu.check_input %{{.*}}, prefill_new_tokens(request %[[FOUND]]#1, value %{{.*}}, limit %[[FOUND]]#4)
// CHECK:         %[[LASTROW:.*]] = arith.minsi %[[FOUND]]#4, %{{.*}}
// CHECK:         %[[PREFIX:.*]] = arith.subi %[[LEN:.*]], %[[FOUND]]#4
// CHECK-NEXT:    %[[SEEN:.*]] = arith.addi %[[PREFIX]], %[[LASTROW]]
// CHECK:         %[[HASROWS:.*]] = arith.cmpi sgt, %[[FOUND]]#4, %c0
// CHECK-NEXT:    arith.select %[[HASROWS]], %{{.*}}, %c0
// CHECK:         memref.subview %arg0[%[[FOUND]]#3, %[[HEAD]], 0] [%[[FOUND]]#4, 1, 128] [1, 1, 1] : memref<?x128x128xbf16> to memref<?x128xbf16, strided<[16384, 1], offset: ?>>
// CHECK:         memref.subview %arg1[%[[FOUND]]#3, %[[HEAD]], 0] [%[[FOUND]]#4, 1, 64] [1, 1, 1]
// CHECK:         memref.subview %[[OUT]][%[[FOUND]]#3, %[[HEAD]], 0] [%[[FOUND]]#4, 1, 128] [1, 1, 1]
// CHECK:         mla_gpu.store_fragments
// CHECK:       } {mla.kernel = "prefill_attention"}
func.func @prefill_varlen(%qn: memref<?x128x128xbf16>, %qpe: memref<?x128x64xbf16>,
                          %wuk: memref<128x512x128xbf16>, %wuv: memref<128x512x128xbf16>,
                          %cache: memref<?x64x576xbf16>, %bt: memref<?x?xi32>,
                          %lens: memref<?xi32>, %qs: memref<?xi32>,
                          %o: memref<?x128x128xbf16>) {
  mla.prefill_kernel %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens]
      query_starts(%qs) into %o causal
      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma, producer = true>
      {config = #v3}
      : memref<?x128x128xbf16>, memref<?x128x64xbf16>, memref<128x512x128xbf16>,
        memref<128x512x128xbf16>, memref<?x64x576xbf16>, memref<?x?xi32>, memref<?xi32>,
        memref<?xi32>, memref<?x128x128xbf16>
  return
}
