// RUN: mla-opt %s --mla-gpu-expand-kernels --split-input-file | FileCheck %s

// mla-gpu-expand-kernels: an mla.decode_kernel becomes three gpu.launches
// around a workspace (q_lat, and with splits the f32 partials and their
// log-sum-exps, else o_lat):
//  - decode_query_latent: q_lat = q_nope · W_UKᵀ per head (CTA per 64
//    columns × 64 rows × head, 128 threads, W_UK read n-major by ldmatrix);
//  - decode_attention: one CTA per (split, 64 query rows, request), 256
//    threads (4 row groups × 2 column slices), dynamic shared memory for the
//    query tile, 3 token stages and the score exchange;
//  - decode_combine_value (splits): the splits' partials of the CTA's rows
//    combined by their log-sum-exps into a resident shared-memory tile
//    (while the first W_UV chunks are in flight), then o = o_lat · W_UV per
//    head (W_UV k-major: ldmatrix.trans); without splits decode_value, the
//    same product of o_lat streamed from device memory.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @split_decode
// CHECK-DAG:  %[[SPLITS:.*]] = arith.constant 4 : index
// CHECK-DAG:  %[[ROWBLOCKS:.*]] = arith.constant 2 : index
// CHECK-DAG:  %[[THREADS:.*]] = arith.constant 256 : index
// CHECK-DAG:  %[[SMEM:.*]] = arith.constant 219648 : i32
// Each workspace buffer is allocated just before its first kernel.
// CHECK:      %[[QLAT:.*]] = memref.alloc() : memref<3x1x128x512xbf16>
// CHECK-NEXT: gpu.launch
// CHECK:        %[[NOPE:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : memref<3x1x128x128xbf16> into memref<3x128x128xbf16>
// CHECK:        %[[ROWS:.*]] = memref.subview %[[NOPE]][0, %{{.*}}, 0] [3, 1, 128] [1, 1, 1] : memref<3x128x128xbf16> to memref<3x128xbf16, strided<[16384, 1], offset: ?>>
// CHECK:        %[[WUK:.*]] = memref.subview %{{.*}}[%{{.*}}, 0, 0] [1, 512, 128] [1, 1, 1] : memref<128x512x128xbf16> to memref<512x128xbf16, strided<[128, 1], offset: ?>>
// CHECK:        mla_gpu.load_tile %[[ROWS]][%{{.*}}, %c0] into %{{.*}}[%c0, %c0, %c0] rows 64 cols 64 threads 128 : memref<3x128xbf16, strided<[16384, 1], offset: ?>>, memref<3x64x72xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:   mla_gpu.load_tile %[[WUK]][%{{.*}}, %c0] into %{{.*}}[%c0, %c0, %c0] rows 64 cols 64 threads 128 : memref<512x128xbf16, strided<[128, 1], offset: ?>>, memref<3x64x72xbf16, #gpu.address_space<workgroup>>
// CHECK:        %{{.*}}:8 = mla_gpu.warp.mma %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], (%{{.*}}) k 64 b_n_major : memref<3x64x72xbf16, #gpu.address_space<workgroup>>, memref<3x64x72xbf16, #gpu.address_space<workgroup>>
// CHECK-NOT:    nvvm.mma.sync
// CHECK:        vector.store {{.*}}, %[[QLAT]]
// CHECK:      } {mla.kernel = "decode_query_latent"}
// CHECK-NOT:  memref.alloc() : memref<3x1x128x512xbf16>
// CHECK:      %[[PART:.*]] = memref.alloc() : memref<3x128x4x512xf32>
// CHECK-NEXT: %[[LSE:.*]] = memref.alloc() : memref<3x128x4xf32>
// CHECK:      gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[SPLITS]], %{{.*}} = %[[ROWBLOCKS]], %{{.*}} = %{{.*}}) threads(%{{.*}}) in (%{{.*}} = %[[THREADS]], {{.*}}) dynamic_shared_memory_size %[[SMEM]]
// CHECK:        %[[SHARED:.*]] = mla_gpu.shared_memory align 16 : memref<219648xi8, #gpu.address_space<workgroup>>
// CHECK:        mla_gpu.shared_buffer %[[SHARED]][0] "query" : memref<219648xi8, #gpu.address_space<workgroup>> to memref<64x584xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:   mla_gpu.shared_buffer %[[SHARED]][74752] "tokens" : {{.*}} to memref<3x32x584xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:   mla_gpu.shared_buffer %[[SHARED]][186880] "exchange" : {{.*}} to memref<2x8x16x32xf32, #gpu.address_space<workgroup>>
// CHECK:        memref.collapse_shape %[[QLAT]] {{\[\[}}0], [1, 2], [3]] : memref<3x1x128x512xbf16> into memref<3x128x512xbf16>
// CHECK:        mla_gpu.load_tile %{{.*}}[%{{.*}}, %c0] into %{{.*}}[%c0, %c0] rows 64 cols 512 threads 256 : memref<128x512xbf16, strided<[512, 1], offset: ?>>, memref<64x584xbf16, #gpu.address_space<workgroup>>
// CHECK:        mla_gpu.load_tile %{{.*}}[%{{.*}}, %c0] into %{{.*}}[%c0, %c512] rows 64 cols 64 threads 256 : memref<128x64xbf16, strided<[64, 1], offset: ?>>, memref<64x584xbf16, #gpu.address_space<workgroup>>
// CHECK:        mla_gpu.load_tokens %{{.*}}[%{{.*}}, %{{.*}}] tile %c0 of [%[[START:.*]], %[[END:.*]]) into %{{.*}} threads 256 : memref<?x64x576xbf16>, memref<3x5xi32>, memref<3x32x584xbf16, #gpu.address_space<workgroup>>
// CHECK:        mla_gpu.async_copy.commit
// CHECK:        mla_gpu.load_tokens %{{.*}} tile %c1 of [%[[START]], %[[END]]) into
// CHECK:        mla_gpu.async_copy.commit
// CHECK:        scf.for
// CHECK:          %[[VALID:.*]], %[[PAGE:.*]], %[[SLOT:.*]] = mla_gpu.lookup_tokens %{{.*}} tile %{{.*}} of [%[[START]], %[[END]]) rows 32 threads 256
// CHECK:          mla_gpu.async_copy.wait 1
// CHECK:          mla_gpu.barrier
// CHECK:          mla_gpu.load_tokens {{.*}} row(%[[VALID]], %[[PAGE]], %[[SLOT]]) threads 256
// CHECK:          %{{.*}}:4 = mla_gpu.warp.mma %{{.*}}[%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], (%{{.*}}) k 288 b_n_major : memref<64x584xbf16, #gpu.address_space<workgroup>>, memref<3x32x584xbf16, #gpu.address_space<workgroup>>
// CHECK:          %[[P:.*]]:2, %{{.*}}, %{{.*}}, %[[ALPHA:.*]] = mla_gpu.softmax_update scores(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) max %{{.*}} sum %{{.*}} from %{{.*}} limits(%{{.*}}, %{{.*}}) scale 0.07216878364870323 element bf16
// CHECK:          vector.extract %[[ALPHA]][0]
// CHECK:          %{{.*}}:32 = mla_gpu.scale_rows {{.*}} by %[[ALPHAS:.*]]
// CHECK:          %{{.*}}:32 = mla_gpu.warp.mma_rs (%[[P]]#0, %[[P]]#1), %{{.*}}[%{{.*}}, %c0, %{{.*}}], ({{.*}}) : (vector<4x2xbf16>, vector<4x2xbf16>), memref<3x32x584xbf16, #gpu.address_space<workgroup>>
// CHECK-NOT:      nvvm.mma.sync
// CHECK:          scf.yield
// CHECK:        %[[ROWS:.*]] = memref.subview %[[PART]][%{{.*}}, 0, %{{.*}}, 0] [1, 128, 1, 512] [1, 1, 1, 1] : memref<3x128x4x512xf32> to memref<128x512xf32, strided<[2048, 1], offset: ?>>
// CHECK:        mla_gpu.store_fragments {{(%[^ ]*, ){31}[^ ,]*}} normalize %{{.*}} into %[[ROWS]][%{{.*}}, %{{.*}}] : memref<128x512xf32, strided<[2048, 1], offset: ?>>
// CHECK:        memref.store {{.*}}, %[[LSE]]{{.*}} : memref<3x128x4xf32>
// CHECK:        gpu.terminator
// CHECK:      } {mla.kernel = "decode_attention"}
// CHECK-NOT:  mla.kernel = "decode_combine"
// 64 × 520 resident + 3 × 64 × 72 ring = 94208 bytes: within sm_86's 99 KiB
// (beside the mma.sync attention; the wgmma one's gets 4 stages, below).
// CHECK:      gpu.launch {{.*}} dynamic_shared_memory_size %c94208_i32
// CHECK:        mla_gpu.shared_buffer {{.*}}[0] "input" : {{.*}} to memref<64x520xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:   mla_gpu.shared_buffer {{.*}} "weight" : {{.*}} to memref<3x64x72xbf16, #gpu.address_space<workgroup>>
// CHECK:        mla_gpu.load_tile {{.*}} rows 64 cols 64 threads 128 : memref<512x128xbf16, strided<[128, 1], offset: ?>>, memref<3x64x72xbf16, #gpu.address_space<workgroup>>
// CHECK:        mla_gpu.async_copy.commit
// CHECK:        scf.for
// CHECK:          scf.for
// CHECK:            mla_gpu.combine_splits %[[PART]][%{{.*}}, %{{.*}}, %{{.*}}], %[[LSE]] : memref<3x128x4x512xf32>, memref<3x128x4xf32>
// CHECK:          vector.store {{.*}} : memref<64x520xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// CHECK:        scf.for
// CHECK:          mla_gpu.barrier
// CHECK:          mla_gpu.warp.mma %{{.*}}[%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], (%{{.*}}) k 64 : memref<64x520xbf16, #gpu.address_space<workgroup>>, memref<3x64x72xbf16, #gpu.address_space<workgroup>>
// CHECK:        vector.store {{.*}} : memref<3x1x128x128xbf16>, vector<2xbf16>
// CHECK:      } {mla.kernel = "decode_combine_value"}
// CHECK-DAG:  memref.dealloc %[[QLAT]]
// CHECK-DAG:  memref.dealloc %[[PART]]
// CHECK-DAG:  memref.dealloc %[[LSE]]
// CHECK-NOT:  mla.decode_kernel
func.func @split_decode(%q_nope: memref<3x1x128x128xbf16>, %q_pe: memref<3x1x128x64xbf16>,
                        %wuk: memref<128x512x128xbf16>, %wuv: memref<128x512x128xbf16>,
                        %cache: memref<?x64x576xbf16>, %bt: memref<3x5xi32>,
                        %lens: memref<3xi32>, %out: memref<3x1x128x128xbf16>) {
  mla.decode_kernel %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] into %out causal
      tiling #mla.decode_tiling<splits = 4, block_tokens = 32, heads_per_block = 64, stages = 3>
      {config = #v3}
      : memref<3x1x128x128xbf16>, memref<3x1x128x64xbf16>, memref<128x512x128xbf16>,
        memref<128x512x128xbf16>, memref<?x64x576xbf16>, memref<3x5xi32>, memref<3xi32>,
        memref<3x1x128x128xbf16>
  return
}

// -----

// Sixteen heads, f16, no split: one row group of 16 rows, the columns cut
// over 4 warps (128 threads); the CTA writes o_lat itself, no combine.
#h16 = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536,
                   kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                   v_head_dim = 128>
// CHECK-LABEL: func.func @h16_f16
// CHECK:      memref.alloc(%{{.*}}) : memref<?x1x16x512xf16>
// CHECK:      } {mla.kernel = "decode_query_latent"}
// CHECK-NEXT: memref.alloc(%{{.*}}) : memref<?x1x16x512xf16>
// CHECK-NOT:  memref.alloc
// CHECK:      gpu.launch {{.*}} dynamic_shared_memory_size
// CHECK:        mla_gpu.warp.mma_rs {{.*}} : (vector<4x2xf16>, vector<4x2xf16>), memref<4x32x584xf16, #gpu.address_space<workgroup>>
// CHECK:        mla_gpu.store_fragments {{.*}} : memref<16x512xf16, strided<[512, 1], offset: ?>>
// CHECK:      } {mla.kernel = "decode_attention"}
// CHECK-NOT:  decode_combine
// CHECK:      } {mla.kernel = "decode_value"}
func.func @h16_f16(%q_nope: memref<?x1x16x128xf16>, %q_pe: memref<?x1x16x64xf16>,
                   %wuk: memref<16x512x128xf16>, %wuv: memref<16x512x128xf16>,
                   %cache: memref<?x16x576xf16>, %bt: memref<?x?xi32>,
                   %lens: memref<?xi32>, %out: memref<?x1x16x128xf16>) {
  mla.decode_kernel %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] into %out
      tiling #mla.decode_tiling<splits = 1, block_tokens = 32, heads_per_block = 16, stages = 4>
      {config = #h16}
      : memref<?x1x16x128xf16>, memref<?x1x16x64xf16>, memref<16x512x128xf16>,
        memref<16x512x128xf16>, memref<?x16x576xf16>, memref<?x?xi32>, memref<?xi32>,
        memref<?x1x16x128xf16>
  return
}

// -----

// mma = warpgroup (the wgmma kernel): 256 threads = two warpgroups over 64
// rows; shared memory from the first 1024-byte boundary (the 128B swizzle's
// period): Q as 9 atoms of [64 rows, 64], two stages of 9 × [64 tokens,
// 64], P [64, 64], row statistics [3, 64] f32, + 1 KiB of slack = 231168
// bytes. Per tile: wait, proxy fence, barrier; warpgroup 0: S = Q·Kᵀ as
// one tile MMA (mla_gpu.warpgroup.mma: 36 m64n64k16 steps over 9 atoms,
// K-major B, the first step overwriting the accumulator), the softmax, P
// and α to shared memory, proxy fence; barrier; both warpgroups: O += P·V
// as one tile MMA each (4 m64n256k16 steps, V N-major).
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @warpgroup
// CHECK:      } {mla.kernel = "decode_query_latent"}
// CHECK:      gpu.launch {{.*}} threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c256{{.*}}, {{.*}}) dynamic_shared_memory_size %c231168_i32
// CHECK:        %[[SHARED:.*]] = mla_gpu.shared_memory align 1024 : memref<230144xi8, #gpu.address_space<workgroup>>
// CHECK:        mla_gpu.shared_buffer %[[SHARED]][0] "query" swizzle b128 : {{.*}} to memref<9x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:   mla_gpu.shared_buffer %[[SHARED]][73728] "tokens" swizzle b128 : {{.*}} to memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:   mla_gpu.shared_buffer %[[SHARED]][221184] "probs" swizzle b128 : {{.*}} to memref<64x64xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:   mla_gpu.shared_buffer %[[SHARED]][229376] "row_stats" : {{.*}} to memref<3x64xf32, #gpu.address_space<workgroup>>
// CHECK:        mla_gpu.load_tile {{.*}} into %{{.*}}[%c0, %c0, %c0] rows 64 cols 512 threads 256 swizzle b128 : memref<128x512xbf16, strided<[512, 1], offset: ?>>, memref<9x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK:        mla_gpu.load_tile {{.*}} into %{{.*}}[%c8, %c0, %c0] rows 64 cols 64 threads 256 swizzle b128 : memref<128x64xbf16, strided<[64, 1], offset: ?>>, memref<9x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK:        mla_gpu.load_tokens {{.*}} threads 256 swizzle b128 : memref<?x64x576xbf16>, memref<3x5xi32>, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK:        scf.for
// CHECK:          mla_gpu.async_copy.wait 0
// CHECK-NEXT:     mla_gpu.fence.async_proxy
// CHECK-NEXT:     mla_gpu.barrier
// CHECK:          scf.if %{{.*}} -> (f32, f32, f32, f32) {
// CHECK:            %[[QUERY:.*]] = mla_gpu.warpgroup.descriptor %{{.*}} swizzle = b128, leading = 16, stride = 1024
// CHECK:            %[[KEYS:.*]] = arith.addi
// CHECK-NEXT:       %[[S:.*]]:8 = mla_gpu.warpgroup.mma %[[QUERY]], %[[KEYS]], ({{([^,)]*, ){7}[^,)]*}}) steps 36 advance([32, 4, 8192], [32, 4, 8192]) element bf16{{$}}
// CHECK:            %{{.*}}:4, %{{.*}}, %{{.*}}, %{{.*}} = mla_gpu.softmax_update scores(%[[S]]#0, %[[S]]#1, %[[S]]#2, %[[S]]#3, %[[S]]#4, %[[S]]#5, %[[S]]#6, %[[S]]#7) max %{{.*}} sum %{{.*}} from %{{.*}} limits(%{{.*}}, %{{.*}}) scale 0.07216878364870323 element bf16
// CHECK:            mla_gpu.store_operand %{{.*}}#0, %{{.*}}#1, %{{.*}}#2, %{{.*}}#3 into %{{.*}}[%{{.*}}, %c0] swizzle b128 : (vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>), memref<64x64xbf16, #gpu.address_space<workgroup>>
// CHECK:            memref.store {{.*}} : memref<3x64xf32, #gpu.address_space<workgroup>>
// CHECK:            mla_gpu.fence.async_proxy
// CHECK:          } else {
// CHECK:          mla_gpu.barrier
// CHECK:          memref.load {{.*}} : memref<3x64xf32, #gpu.address_space<workgroup>>
// CHECK:          mla_gpu.warpgroup.descriptor %{{.*}} swizzle = b128, leading = 8192, stride = 1024
// CHECK:          %{{.*}}:32 = mla_gpu.warpgroup.mma {{.*}} steps 4 advance([32, 4, 8192], [2048, 1, 2048]) element bf16 b_n_major accumulate{{$}}
// CHECK-NOT:      nvvm.wgmma
// CHECK:          scf.yield
// CHECK:        mla_gpu.barrier
// CHECK:        mla_gpu.store_fragments {{(%[^ ]*, ){31}[^ ,]*}} normalize %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] : memref<128x512xf32, strided<[1024, 1], offset: ?>>
// CHECK:      } {mla.kernel = "decode_attention"}
// CHECK:      gpu.launch {{.*}} dynamic_shared_memory_size %c103424_i32
// CHECK:        mla_gpu.shared_buffer {{.*}} "weight" : {{.*}} to memref<4x64x72xbf16, #gpu.address_space<workgroup>>
// CHECK:      } {mla.kernel = "decode_combine_value"}
func.func @warpgroup(%q_nope: memref<3x1x128x128xbf16>, %q_pe: memref<3x1x128x64xbf16>,
                     %wuk: memref<128x512x128xbf16>, %wuv: memref<128x512x128xbf16>,
                     %cache: memref<?x64x576xbf16>, %bt: memref<3x5xi32>,
                     %lens: memref<3xi32>, %out: memref<3x1x128x128xbf16>) {
  mla.decode_kernel %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] into %out
      tiling #mla.decode_tiling<splits = 2, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup>
      {config = #v3}
      : memref<3x1x128x128xbf16>, memref<3x1x128x64xbf16>, memref<128x512x128xbf16>,
        memref<128x512x128xbf16>, memref<?x64x576xbf16>, memref<3x5xi32>, memref<3xi32>,
        memref<3x1x128x128xbf16>
  return
}

// -----

// schedule = balanced (scheduling metadata): a fifth kernel, decode_schedule
// (one CTA: the requests' tiles summed and maxed by shuffles and shared
// memory, then the tiles per CTA and each request's CTA count written to a
// [B + 1] i32 workspace) runs before the attention, whose grid has
// 2·splits = 4 slots per request; a CTA past its request's count does
// nothing, a request's only CTA writes o_lat itself, the others their
// partials, which the combine merges over the request's count (loops).
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @balanced
// CHECK:      %[[QLAT:.*]] = memref.alloc() : memref<3x1x128x512xbf16>
// CHECK:      } {mla.kernel = "decode_query_latent"}
// CHECK-NEXT: %[[SCHEDULE:.*]] = memref.alloc(%c4) : memref<?xi32>
// CHECK:      gpu.launch {{.*}} threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c256
// CHECK:        scf.for {{.*}} -> (index, index)
// CHECK:          memref.load %{{.*}} : memref<3xi32>
// CHECK-COUNT-10: gpu.shuffle  xor {{.*}} : i32
// CHECK:        mla_gpu.barrier
// CHECK:        memref.store {{.*}}, %[[SCHEDULE]][%c0] : memref<?xi32>
// CHECK:        mla_gpu.barrier
// CHECK:        scf.for
// CHECK:          memref.store {{.*}}, %[[SCHEDULE]][%{{.*}}] : memref<?xi32>
// CHECK:      } {mla.kernel = "decode_schedule"}
// CHECK-NEXT: %[[OLAT:.*]] = memref.alloc() : memref<3x1x128x512xbf16>
// CHECK-NEXT: %[[PART:.*]] = memref.alloc() : memref<3x128x4x512xf32>
// CHECK-NEXT: %[[LSE:.*]] = memref.alloc() : memref<3x128x4xf32>
// CHECK-NEXT: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c4, %{{.*}} = %c2, %{{.*}} = %c3)
// CHECK:        memref.load %[[SCHEDULE]][%c0] : memref<?xi32>
// CHECK:        memref.load %[[SCHEDULE]][%{{.*}}] : memref<?xi32>
// CHECK:        scf.if
// CHECK:          scf.for
// CHECK:            mla_gpu.warp.mma_rs
// CHECK:          scf.if %{{.*}} {
// CHECK:            memref.collapse_shape %[[OLAT]]
// CHECK:            mla_gpu.store_fragments {{.*}} : memref<128x512xbf16, strided<[512, 1], offset: ?>>
// CHECK:          } else {
// CHECK:            memref.subview %[[PART]]
// CHECK:            mla_gpu.store_fragments {{.*}} : memref<128x512xf32, strided<[2048, 1], offset: ?>>
// CHECK:            memref.store {{.*}}, %[[LSE]]{{.*}} : memref<3x128x4xf32>
// CHECK:      } {mla.kernel = "decode_attention"}
// CHECK:      gpu.launch
// CHECK:        memref.load %[[SCHEDULE]]
// CHECK:        scf.if
// CHECK:          %[[COMBINED:.*]] = mla_gpu.combine_splits %[[PART]][%{{.*}}, %{{.*}}, %{{.*}}], %[[LSE]] count %{{.*}} : memref<3x128x4x512xf32>, memref<3x128x4xf32>
// CHECK:          arith.truncf %[[COMBINED]]
// CHECK:          vector.store {{.*}}, %[[OLAT]]
// CHECK:      } {mla.kernel = "decode_combine"}
// CHECK:      } {mla.kernel = "decode_value"}
// CHECK:      memref.dealloc %[[SCHEDULE]]
func.func @balanced(%q_nope: memref<3x1x128x128xbf16>, %q_pe: memref<3x1x128x64xbf16>,
                    %wuk: memref<128x512x128xbf16>, %wuv: memref<128x512x128xbf16>,
                    %cache: memref<?x64x576xbf16>, %bt: memref<3x5xi32>,
                    %lens: memref<3xi32>, %out: memref<3x1x128x128xbf16>) {
  mla.decode_kernel %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] into %out
      tiling #mla.decode_tiling<splits = 2, block_tokens = 32, heads_per_block = 64, stages = 3, schedule = balanced>
      {config = #v3}
      : memref<3x1x128x128xbf16>, memref<3x1x128x64xbf16>, memref<128x512x128xbf16>,
        memref<128x512x128xbf16>, memref<?x64x576xbf16>, memref<3x5xi32>, memref<3xi32>,
        memref<3x1x128x128xbf16>
  return
}

// -----

// loads = tma: the cache's tensor map is made on the host before any launch
// (boxes of [1 page, 16 rows, 64 elements], 128B-swizzled); in the kernel
// thread 0 initialises one mbarrier per stage, thread 128 (warpgroup 1)
// announces a tile's bytes and issues one box per atom and page of the tile
// (pages of 16 tokens: up to 4 per 64-token tile, none past the split's
// end), everyone waits on the stage's phase, zeroes the rows past the
// split's end, fences them to the async proxy and meets at the barrier
// before the next tile's copies go out.
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @tma
// CHECK-SAME:  %[[CACHE:[^:]*]]: memref<?x16x576xbf16>
// CHECK:       %[[UNRANKED:.*]] = memref.cast %[[CACHE]] : memref<?x16x576xbf16> to memref<*xbf16>
// CHECK:       %[[MAP:.*]] = nvgpu.tma.create.descriptor %[[UNRANKED]] box[%{{.*}}, %{{.*}}, %{{.*}}] : memref<*xbf16> -> <tensor = memref<1x16x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>
// CHECK:       } {mla.kernel = "decode_query_latent"}
// CHECK:       gpu.launch {{.*}} dynamic_shared_memory_size %c231168_i32
// CHECK:         mla_gpu.async_copy.commit
// CHECK:         %[[BARS:.*]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
// CHECK-COUNT-2:   nvgpu.mbarrier.init %[[BARS]][%{{.*}}], %c1
// CHECK:           mla_gpu.fence.mbarrier_init
// CHECK:         mla_gpu.barrier
// CHECK:         mla_gpu.tma.load_tokens %[[MAP]], %[[CACHE]][%{{.*}}, %{{.*}}] tile %c0 of [%[[START:.*]], %[[END:.*]]) into %[[KV:.*]], %[[BARS]] issuer 128 : !nvgpu.tensormap.descriptor<tensor = memref<1x16x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, memref<?x16x576xbf16>, memref<3x20xi32>, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
// CHECK:         mla_gpu.async_copy.wait 0
// CHECK-NEXT:    mla_gpu.fence.async_proxy
// CHECK:         scf.for %[[TILE:[^ ]*]] =
// CHECK:           mla_gpu.tma.wait_tokens %[[BARS]], %[[KV]] tile %[[TILE]] of [%[[START]], %[[END]]) threads 256
// CHECK-NEXT:      mla_gpu.barrier
// CHECK:           mla_gpu.tma.load_tokens %[[MAP]], %[[CACHE]][%{{.*}}, %{{.*}}] tile %{{.*}} of [%[[START]], %[[END]]) into %[[KV]], %[[BARS]] issuer 128
// CHECK-NOT:       nvgpu.device_async_copy
// CHECK-NOT:       mla_gpu.load_tokens
// CHECK:           mla_gpu.warpgroup.mma
// CHECK:       } {mla.kernel = "decode_attention"}
func.func @tma(%q_nope: memref<3x1x128x128xbf16>, %q_pe: memref<3x1x128x64xbf16>,
               %wuk: memref<128x512x128xbf16>, %wuv: memref<128x512x128xbf16>,
               %cache: memref<?x16x576xbf16>, %bt: memref<3x20xi32>,
               %lens: memref<3xi32>, %out: memref<3x1x128x128xbf16>) {
  mla.decode_kernel %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] into %out
      tiling #mla.decode_tiling<splits = 2, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup, loads = tma>
      {config = #v3}
      : memref<3x1x128x128xbf16>, memref<3x1x128x64xbf16>, memref<128x512x128xbf16>,
        memref<128x512x128xbf16>, memref<?x16x576xbf16>, memref<3x20xi32>, memref<3xi32>,
        memref<3x1x128x128xbf16>
  return
}
