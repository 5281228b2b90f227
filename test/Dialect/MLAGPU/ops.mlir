// RUN: mla-opt %s | FileCheck %s
// RUN: mla-opt %s | mla-opt | FileCheck %s
// RUN: mla-opt %s --mlir-print-op-generic | mla-opt | FileCheck %s

// Round-trip of every mla_gpu op: custom form, re-parse of the custom form,
// and re-parse of the generic form.

!acc4 = !llvm.struct<(f32, f32, f32, f32)>
!acc8 = !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>

// CHECK-LABEL: func.func @stage_barriers
// CHECK:         mla_gpu.async_copy.commit
// CHECK-NEXT:    mla_gpu.async_copy.wait 0
// CHECK-NEXT:    mla_gpu.async_copy.wait 7
// CHECK-NEXT:    mla_gpu.barrier
func.func @stage_barriers() {
  mla_gpu.async_copy.commit
  mla_gpu.async_copy.wait 0
  mla_gpu.async_copy.wait 7
  mla_gpu.barrier
  return
}

// CHECK-LABEL: func.func @fences
// CHECK:         mla_gpu.fence.async_proxy
// CHECK-NEXT:    mla_gpu.fence.mbarrier_init
func.func @fences() {
  mla_gpu.fence.async_proxy
  mla_gpu.fence.mbarrier_init
  return
}

// CHECK-LABEL: func.func @warpgroup
// CHECK-SAME:    (%[[A:.*]]: !llvm.struct<(f32, f32, f32, f32)>, %[[B:.*]]: !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>, %[[ADDRESS:.*]]: i64)
// CHECK:         mla_gpu.warpgroup.fence{{$}}
// CHECK-NEXT:    %[[F:.*]] = mla_gpu.warpgroup.fence tie(%[[A]] : !llvm.struct<(f32, f32, f32, f32)>)
// CHECK-NEXT:    %[[F2:.*]]:2 = mla_gpu.warpgroup.fence tie(%[[F]], %[[B]] : !llvm.struct<(f32, f32, f32, f32)>, !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>)
// CHECK-NEXT:    mla_gpu.warpgroup.commit
// CHECK-NEXT:    %[[W:.*]]:2 = mla_gpu.warpgroup.wait 1 tie(%[[F2]]#0, %[[F2]]#1 : !llvm.struct<(f32, f32, f32, f32)>, !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>)
// CHECK-NEXT:    mla_gpu.warpgroup.wait 0{{$}}
// CHECK-NEXT:    %[[D:.*]] = mla_gpu.warpgroup.descriptor %[[ADDRESS]] swizzle = b128, leading = 16, stride = 1024
// CHECK-NEXT:    mla_gpu.warpgroup.descriptor %[[ADDRESS]] swizzle = none, leading = 128, stride = 256
// CHECK-NEXT:    mla_gpu.warpgroup.descriptor %[[ADDRESS]] swizzle = b64, leading = 0, stride = 512
// CHECK-NEXT:    mla_gpu.warpgroup.descriptor %[[ADDRESS]] swizzle = b32, leading = 16, stride = 262128
// CHECK-NEXT:    return %[[W]]#0, %[[D]]
func.func @warpgroup(%a: !acc4, %b: !acc8, %address: i64) -> (!acc4, i64) {
  mla_gpu.warpgroup.fence
  %f = mla_gpu.warpgroup.fence tie(%a : !acc4)
  %f2:2 = mla_gpu.warpgroup.fence tie(%f, %b : !acc4, !acc8)
  mla_gpu.warpgroup.commit
  %w:2 = mla_gpu.warpgroup.wait 1 tie(%f2#0, %f2#1 : !acc4, !acc8)
  mla_gpu.warpgroup.wait 0
  %d = mla_gpu.warpgroup.descriptor %address swizzle = b128, leading = 16, stride = 1024
  %d1 = mla_gpu.warpgroup.descriptor %address swizzle = none, leading = 128, stride = 256
  %d2 = mla_gpu.warpgroup.descriptor %address swizzle = b64, leading = 0, stride = 512
  %d3 = mla_gpu.warpgroup.descriptor %address swizzle = b32, leading = 16, stride = 262128
  return %w#0, %d : !acc4, i64
}

// CHECK-LABEL: func.func @warpgroup_mma
// CHECK:         %[[S:.*]]:2 = mla_gpu.warpgroup.mma %[[A:.*]], %[[B:.*]], (%{{.*}}, %{{.*}}) steps 36 advance([32, 4, 8192], [32, 4, 4096]) element bf16{{$}}
// CHECK-NEXT:    mla_gpu.warpgroup.mma %[[A]], %[[B]], (%[[S]]#0, %[[S]]#1) steps 4 advance([32, 4, 8192], [2048, 1, 2048]) element f16 b_n_major accumulate{{$}}
func.func @warpgroup_mma(%a: i64, %b: i64, %acc: vector<2x2xf32>) -> vector<2x2xf32> {
  %s:2 = mla_gpu.warpgroup.mma %a, %b, (%acc, %acc) steps 36 advance([32, 4, 8192], [32, 4, 4096]) element bf16
  %o:2 = mla_gpu.warpgroup.mma %a, %b, (%s#0, %s#1) steps 4 advance([32, 4, 8192], [2048, 1, 2048]) element f16 b_n_major accumulate
  return %o#1 : vector<2x2xf32>
}

// CHECK-LABEL: func.func @warpgroup_mma_rs
// CHECK:         %[[O:.*]]:2 = mla_gpu.warpgroup.mma_rs (%[[P:.*]], %[[P]], %[[P]], %[[P]]), %[[B:.*]], (%{{.*}}, %{{.*}}) advance [2048, 1, 2048] b_n_major accumulate : vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>{{$}}
// CHECK-NEXT:    %[[S:.*]]:2 = mla_gpu.warpgroup.mma_rs (%{{.*}}), %[[B]], (%[[O]]#0, %[[O]]#1) advance [32, 4, 8192] : vector<4x2xf16>{{$}}
// CHECK-NEXT:    %[[F:.*]]:2 = mla_gpu.warpgroup.mma_rs (%{{.*}}), %[[B]], (%[[S]]#0, %[[S]]#1) advance [32, 4, 8192] accumulate async : vector<4x2xf16>{{$}}
// CHECK-NEXT:    mla_gpu.warpgroup.wait 0 tie(%[[F]]#0, %[[F]]#1 : vector<2x2xf32>, vector<2x2xf32>)
func.func @warpgroup_mma_rs(%p: vector<4x2xbf16>, %h: vector<4x2xf16>, %b: i64, %acc: vector<2x2xf32>) -> vector<2x2xf32> {
  %o:2 = mla_gpu.warpgroup.mma_rs (%p, %p, %p, %p), %b, (%acc, %acc) advance [2048, 1, 2048] b_n_major accumulate
      : vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>, vector<4x2xbf16>
  %s:2 = mla_gpu.warpgroup.mma_rs (%h), %b, (%o#0, %o#1) advance [32, 4, 8192] : vector<4x2xf16>
  %f:2 = mla_gpu.warpgroup.mma_rs (%h), %b, (%s#0, %s#1) advance [32, 4, 8192] accumulate async : vector<4x2xf16>
  %w:2 = mla_gpu.warpgroup.wait 0 tie(%f#0, %f#1 : vector<2x2xf32>, vector<2x2xf32>)
  return %w#1 : vector<2x2xf32>
}

// CHECK-LABEL: func.func @warp_mma
// CHECK:         %[[S:.*]]:2 = mla_gpu.warp.mma %[[A:.*]][%[[I:.*]], %[[I]]], %[[B:.*]][%[[I]], %[[I]], %[[I]]], (%[[Z:.*]], %[[Z]]) k 64 b_n_major : memref<64x72xbf16, #gpu.address_space<workgroup>>, memref<2x64x72xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:    mla_gpu.warp.mma %[[A]][%[[I]], %[[I]]], %[[B]][%[[I]], %[[I]], %[[I]]], (%[[S]]#0, %[[S]]#1) k 16 : memref<64x72xbf16, #gpu.address_space<workgroup>>, memref<2x64x72xbf16, #gpu.address_space<workgroup>>
func.func @warp_mma(%a: memref<64x72xbf16, #gpu.address_space<workgroup>>,
                    %b: memref<2x64x72xbf16, #gpu.address_space<workgroup>>,
                    %i: index, %z: vector<2x2xf32>) -> vector<2x2xf32> {
  %s:2 = mla_gpu.warp.mma %a[%i, %i], %b[%i, %i, %i], (%z, %z) k 64 b_n_major : memref<64x72xbf16, #gpu.address_space<workgroup>>, memref<2x64x72xbf16, #gpu.address_space<workgroup>>
  %o:2 = mla_gpu.warp.mma %a[%i, %i], %b[%i, %i, %i], (%s#0, %s#1) k 16 : memref<64x72xbf16, #gpu.address_space<workgroup>>, memref<2x64x72xbf16, #gpu.address_space<workgroup>>
  return %o#0 : vector<2x2xf32>
}

// CHECK-LABEL: func.func @combine_splits
// CHECK:         mla_gpu.combine_splits %[[P:.*]][%[[B:.*]], %[[R:.*]], %[[C:.*]]], %[[L:.*]] : memref<?x128x4x512xf32>, memref<?x128x4xf32>
// CHECK-NEXT:    mla_gpu.combine_splits %[[P]][%[[B]], %[[R]], %[[C]]], %[[L]] count %[[N:.*]] : memref<?x128x4x512xf32>, memref<?x128x4xf32>
func.func @combine_splits(%partial: memref<?x128x4x512xf32>, %lse: memref<?x128x4xf32>,
                          %b: index, %r: index, %c: index, %n: index) -> vector<4xf32> {
  %v = mla_gpu.combine_splits %partial[%b, %r, %c], %lse : memref<?x128x4x512xf32>, memref<?x128x4xf32>
  %w = mla_gpu.combine_splits %partial[%b, %r, %c], %lse count %n : memref<?x128x4x512xf32>, memref<?x128x4xf32>
  %s = arith.addf %v, %w : vector<4xf32>
  return %s : vector<4xf32>
}

// CHECK-LABEL: func.func @shared_buffers
// CHECK:         %[[M:.*]] = mla_gpu.shared_memory align 1024 : memref<17408xi8, #gpu.address_space<workgroup>>
// CHECK-NEXT:    mla_gpu.shared_buffer %[[M]][0] "tiles" swizzle b128 : memref<17408xi8, #gpu.address_space<workgroup>> to memref<2x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:    mla_gpu.shared_buffer %[[M]][16384] "stats" : memref<17408xi8, #gpu.address_space<workgroup>> to memref<4x64xf32, #gpu.address_space<workgroup>>
// CHECK-NEXT:    mla_gpu.shared_memory align 16 : memref<64xi8, #gpu.address_space<workgroup>>
func.func @shared_buffers() {
  %m = mla_gpu.shared_memory align 1024 : memref<17408xi8, #gpu.address_space<workgroup>>
  %tiles = mla_gpu.shared_buffer %m[0] "tiles" swizzle b128 : memref<17408xi8, #gpu.address_space<workgroup>> to memref<2x64x64xbf16, #gpu.address_space<workgroup>>
  %stats = mla_gpu.shared_buffer %m[16384] "stats" swizzle none : memref<17408xi8, #gpu.address_space<workgroup>> to memref<4x64xf32, #gpu.address_space<workgroup>>
  %n = mla_gpu.shared_memory align 16 : memref<64xi8, #gpu.address_space<workgroup>>
  return
}

!wg_q = memref<9x64x64xbf16, #gpu.address_space<workgroup>>
!wg_ring = memref<3x32x584xbf16, #gpu.address_space<workgroup>>
!wg_atoms = memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>
!map = !nvgpu.tensormap.descriptor<tensor = memref<1x16x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>
!bars = !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>

// CHECK-LABEL: func.func @tile_loads
// CHECK:         mla_gpu.load_tile %{{.*}}[%{{.*}}, %{{.*}}] into %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] rows 64 cols 512 valid %{{.*}} threads 256 swizzle b128 : memref<128x512xbf16, strided<[512, 1], offset: ?>>, memref<9x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:    mla_gpu.load_tile %{{.*}}[%{{.*}}, %{{.*}}] into %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] rows 32 cols 64 threads 128 : memref<128x512xbf16, strided<[512, 1], offset: ?>>, memref<3x32x584xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:    %[[V:.*]], %[[P:.*]], %[[S:.*]] = mla_gpu.lookup_tokens %{{.*}}[%{{.*}}, %{{.*}}] tile %{{.*}} of [%{{.*}}, %{{.*}}) rows 32 threads 256 : memref<?x64x576xbf16>, memref<?x?xi32>
// CHECK-NEXT:    mla_gpu.load_tokens %{{.*}}[%{{.*}}, %{{.*}}] tile %{{.*}} of [%{{.*}}, %{{.*}}) into %{{.*}} row(%[[V]], %[[P]], %[[S]]) threads 256 : memref<?x64x576xbf16>, memref<?x?xi32>, memref<3x32x584xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:    mla_gpu.load_tokens %{{.*}}[%{{.*}}, %{{.*}}] tile %{{.*}} of [%{{.*}}, %{{.*}}) into %{{.*}} threads 256 swizzle b128 : memref<?x64x576xbf16>, memref<?x?xi32>, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:    mla_gpu.tma.load_tokens %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] tile %{{.*}} of [%{{.*}}, %{{.*}}) into %{{.*}}, %{{.*}} issuer 128 : !nvgpu.tensormap.descriptor<tensor = memref<1x16x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, memref<?x16x576xbf16>, memref<?x?xi32>, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
// CHECK-NEXT:    mla_gpu.tma.wait_tokens %{{.*}}, %{{.*}} tile %{{.*}} of [%{{.*}}, %{{.*}}) threads 256 : !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>
func.func @tile_loads(%q: memref<128x512xbf16, strided<[512, 1], offset: ?>>,
                      %query: !wg_q, %ring: !wg_ring, %atoms: !wg_atoms,
                      %cache: memref<?x64x576xbf16>, %cache16: memref<?x16x576xbf16>,
                      %table: memref<?x?xi32>, %map: !map, %bars: !bars,
                      %i: index, %j: index) {
  mla_gpu.load_tile %q[%i, %j] into %query[%i, %j, %j] rows 64 cols 512 valid %i threads 256 swizzle b128
      : memref<128x512xbf16, strided<[512, 1], offset: ?>>, !wg_q
  mla_gpu.load_tile %q[%i, %j] into %ring[%i, %j, %j] rows 32 cols 64 threads 128 swizzle none
      : memref<128x512xbf16, strided<[512, 1], offset: ?>>, !wg_ring
  %valid, %page, %slot = mla_gpu.lookup_tokens %cache[%table, %i] tile %j of [%i, %j) rows 32 threads 256
      : memref<?x64x576xbf16>, memref<?x?xi32>
  mla_gpu.load_tokens %cache[%table, %i] tile %j of [%i, %j) into %ring row(%valid, %page, %slot) threads 256
      : memref<?x64x576xbf16>, memref<?x?xi32>, !wg_ring
  mla_gpu.load_tokens %cache[%table, %i] tile %j of [%i, %j) into %atoms threads 256 swizzle b128
      : memref<?x64x576xbf16>, memref<?x?xi32>, !wg_atoms
  mla_gpu.tma.load_tokens %map, %cache16[%table, %i] tile %j of [%i, %j) into %atoms, %bars issuer 128
      : !map, memref<?x16x576xbf16>, memref<?x?xi32>, !wg_atoms, !bars
  mla_gpu.tma.wait_tokens %bars, %atoms tile %j of [%i, %j) threads 256 : !bars, !wg_atoms
  return
}

// CHECK-LABEL: func.func @tma_tiles
// CHECK:         mla_gpu.tma.load_tile %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] into %{{.*}}[%{{.*}}] atoms 0 count 2, %{{.*}} issuer 0 : !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
// CHECK-NEXT:    mla_gpu.tma.load_tile %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] into %{{.*}}[%{{.*}}] atoms 8 count 1, %{{.*}} issuer 0 :
// CHECK-NEXT:    mla_gpu.tma.wait_tile %{{.*}} tile %{{.*}} : !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
func.func @tma_tiles(%map64: !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>,
                     %atoms: !wg_atoms, %bars: !bars, %i: index, %j: index) {
  mla_gpu.tma.load_tile %map64[%i, %j, %i] into %atoms[%j] atoms 0 count 2, %bars issuer 0
      : !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, !wg_atoms, !bars
  mla_gpu.tma.load_tile %map64[%i, %j, %i] into %atoms[%j] atoms 8 count 1, %bars issuer 0
      : !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, !wg_atoms, !bars
  mla_gpu.tma.wait_tile %bars tile %j : !bars
  return
}

// CHECK-LABEL: func.func @softmax
// CHECK:         %{{.*}}:2, %{{.*}}, %{{.*}}, %{{.*}} = mla_gpu.softmax_update scores(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) max %{{.*}} sum %{{.*}} from %{{.*}} limits(%{{.*}}, %{{.*}}) scale 1.250000e-01 element bf16
// CHECK-NEXT:    %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} = mla_gpu.softmax_update scores(%{{.*}}, %{{.*}}) max %{{.*}} sum %{{.*}} from %{{.*}} limits(%{{.*}}, %{{.*}}) scale 5.000000e-01 element f16
func.func @softmax(%s: vector<2x2xf32>, %m: vector<2xf32>, %l: vector<2xf32>, %i: index)
    -> (vector<4x2xbf16>, vector<4x2xbf16>, vector<2xf32>, vector<4x2xf16>) {
  %p:2, %m1, %l1, %a1 = mla_gpu.softmax_update scores(%s, %s, %s, %s) max %m sum %l from %i limits(%i, %i) scale 0.125 element bf16
  %q, %m2, %l2, %a2 = mla_gpu.softmax_update scores(%s, %s) max %m1 sum %l1 from %i limits(%i, %i) scale 0.5 element f16
  return %p#0, %p#1, %a1, %q : vector<4x2xbf16>, vector<4x2xbf16>, vector<2xf32>, vector<4x2xf16>
}

// CHECK-LABEL: func.func @store_fragments
// CHECK:         mla_gpu.store_fragments %{{.*}}, %{{.*}} scale %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] limit %{{.*}} : memref<128x512xbf16, strided<[512, 1], offset: ?>>
// CHECK-NEXT:    mla_gpu.store_fragments %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] : memref<?x64xf32>
// CHECK-NEXT:    mla_gpu.store_fragments %{{.*}} normalize %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] : memref<?x64xf32>
func.func @store_fragments(%f: vector<2x2xf32>, %s: vector<2xf32>, %o: memref<128x512xbf16, strided<[512, 1], offset: ?>>,
                           %p: memref<?x64xf32>, %i: index) {
  mla_gpu.store_fragments %f, %f scale %s into %o[%i, %i] limit %i : memref<128x512xbf16, strided<[512, 1], offset: ?>>
  mla_gpu.store_fragments %f into %p[%i, %i] : memref<?x64xf32>
  mla_gpu.store_fragments %f normalize %s into %p[%i, %i] : memref<?x64xf32>
  return
}

// CHECK-LABEL: func.func @register_tiles
// CHECK:         %[[O:.*]]:2 = mla_gpu.scale_rows %{{.*}}, %{{.*}} by %{{.*}}{{$}}
// CHECK-NEXT:    mla_gpu.store_operand %{{.*}}, %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] swizzle b128 : (vector<4x2xbf16>, vector<4x2xbf16>), memref<64x64xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:    %{{.*}}:2 = mla_gpu.warp.mma_rs (%{{.*}}, %{{.*}}), %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], (%[[O]]#0, %[[O]]#1) : (vector<4x2xbf16>, vector<4x2xbf16>), memref<3x32x584xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:    mla_gpu.warp.mma_rs (%{{.*}}), %{{.*}}[%{{.*}}, %{{.*}}], (%{{.*}}, %{{.*}}) b_n_major : (vector<4x2xbf16>), memref<64x72xbf16, #gpu.address_space<workgroup>>
func.func @register_tiles(%o: vector<2x2xf32>, %alpha: vector<2xf32>, %p: vector<4x2xbf16>,
                          %probs: memref<64x64xbf16, #gpu.address_space<workgroup>>,
                          %kv: memref<3x32x584xbf16, #gpu.address_space<workgroup>>,
                          %w: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index) {
  %s:2 = mla_gpu.scale_rows %o, %o by %alpha
  mla_gpu.store_operand %p, %p into %probs[%i, %i] swizzle b128
      : (vector<4x2xbf16>, vector<4x2xbf16>), memref<64x64xbf16, #gpu.address_space<workgroup>>
  %r:2 = mla_gpu.warp.mma_rs (%p, %p), %kv[%i, %i, %i], (%s#0, %s#1)
      : (vector<4x2xbf16>, vector<4x2xbf16>), memref<3x32x584xbf16, #gpu.address_space<workgroup>>
  %n:2 = mla_gpu.warp.mma_rs (%p), %w[%i, %i], (%r#0, %r#1) b_n_major
      : (vector<4x2xbf16>), memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// CHECK-LABEL: func.func @library_gemms
// CHECK:         mla_gpu.gemm cublaslt %{{.*}}, %{{.*}} into %{{.*}} : memref<?x7168xbf16>, memref<7168x1536xbf16> into memref<?x1536xf32>{{$}}
// CHECK-NEXT:    %[[W:.*]] = gpu.wait async
// CHECK-NEXT:    %[[T:.*]] = mla_gpu.gemm async [%[[W]]] cublaslt %{{.*}}, %{{.*}} into %{{.*}} : memref<?x512xf16>, memref<128x512x128xf16> into memref<128x?x128xf16, strided<[128, 16384, 1]>> -> !gpu.async.token
// CHECK-NEXT:    gpu.wait [%[[T]]]
func.func @library_gemms(%h: memref<?x7168xbf16>, %w: memref<7168x1536xbf16>,
                         %c: memref<?x1536xf32>, %l: memref<?x512xf16>,
                         %wuk: memref<128x512x128xf16>,
                         %k: memref<128x?x128xf16, strided<[128, 16384, 1]>>) {
  mla_gpu.gemm cublaslt %h, %w into %c
      : memref<?x7168xbf16>, memref<7168x1536xbf16> into memref<?x1536xf32>
  %t0 = gpu.wait async
  %t1 = mla_gpu.gemm async [%t0] cublaslt %l, %wuk into %k
      : memref<?x512xf16>, memref<128x512x128xf16>
        into memref<128x?x128xf16, strided<[128, 16384, 1]>> -> !gpu.async.token
  gpu.wait [%t1]
  return
}

// CHECK-LABEL: func.func @rows_kernels
// CHECK:         mla_gpu.rms_norm %{{.*}}, %{{.*}} into %{{.*}} {epsilon = 9.9999999999999995E-7 : f64} : memref<?x512xf32, strided<[576, 1], offset: ?>>, memref<512xbf16> into memref<?x512xbf16>
func.func @rows_kernels(%x: memref<?x512xf32, strided<[576, 1], offset: ?>>, %w: memref<512xbf16>,
                        %y: memref<?x512xbf16>) {
  mla_gpu.rms_norm %x, %w into %y {epsilon = 1.0e-06 : f64}
      : memref<?x512xf32, strided<[576, 1], offset: ?>>, memref<512xbf16> into memref<?x512xbf16>
  return
}

// CHECK-LABEL: func.func @check_input
// CHECK:         mla_gpu.check_input %{{.*}}, attention_page(request %{{.*}}, value %{{.*}}, limit %{{.*}})
// CHECK:         mla_gpu.check_input %{{.*}}, append_before_start(request %{{.*}}, value %{{.*}}, limit %{{.*}})
func.func @check_input(%ok: i1, %r: index, %v: index, %l: index) {
  mla_gpu.check_input %ok, attention_page (request %r, value %v, limit %l)
  mla_gpu.check_input %ok, append_before_start (request %r, value %v, limit %l)
  return
}

// CHECK-LABEL: func.func @exp2
// CHECK:         %[[E:.*]] = mla_gpu.exp2 %{{.*}} : f32
// CHECK:         return %[[E]]
func.func @exp2(%x: f32) -> f32 {
  %e = mla_gpu.exp2 %x : f32
  return %e : f32
}
