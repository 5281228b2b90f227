// RUN: mla-opt %s --convert-mla-gpu-tiles --split-input-file | FileCheck %s

// convert-mla-gpu-tiles on the named shared buffers: the memory becomes the
// dynamic shared memory viewed from its first `align`-byte boundary (the
// padding computed from its address; none for align 16), each buffer a view
// of it at its offset.

!smem = memref<17408xi8, #gpu.address_space<workgroup>>

// CHECK-LABEL: func.func @aligned
// CHECK:         %[[DYN:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK-NEXT:    %[[C1024:.*]] = arith.constant 1024 : index
// CHECK-NEXT:    %[[ADDRESS:.*]] = memref.extract_aligned_pointer_as_index %[[DYN]]
// CHECK-NEXT:    %[[MIS:.*]] = arith.remui %[[ADDRESS]], %[[C1024]]
// CHECK-NEXT:    %[[GAP:.*]] = arith.subi %[[C1024]], %[[MIS]]
// CHECK-NEXT:    %[[START:.*]] = arith.remui %[[GAP]], %[[C1024]]
// CHECK-NEXT:    %[[MEM:.*]] = memref.view %[[DYN]][%[[START]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<17408xi8, #gpu.address_space<workgroup>>
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[TILES:.*]] = memref.view %[[MEM]][%[[C0]]][] : memref<17408xi8, #gpu.address_space<workgroup>> to memref<2x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT:    %[[C16384:.*]] = arith.constant 16384 : index
// CHECK-NEXT:    %[[STATS:.*]] = memref.view %[[MEM]][%[[C16384]]][] : memref<17408xi8, #gpu.address_space<workgroup>> to memref<4x64xf32, #gpu.address_space<workgroup>>
// CHECK:         memref.load %[[TILES]]
// CHECK:         memref.load %[[STATS]]
// CHECK-NOT:     mla_gpu
func.func @aligned(%i: index) -> (bf16, f32) {
  %m = mla_gpu.shared_memory align 1024 : !smem
  %tiles = mla_gpu.shared_buffer %m[0] "tiles" swizzle b128 : !smem to memref<2x64x64xbf16, #gpu.address_space<workgroup>>
  %stats = mla_gpu.shared_buffer %m[16384] "stats" : !smem to memref<4x64xf32, #gpu.address_space<workgroup>>
  %x = memref.load %tiles[%i, %i, %i] : memref<2x64x64xbf16, #gpu.address_space<workgroup>>
  %y = memref.load %stats[%i, %i] : memref<4x64xf32, #gpu.address_space<workgroup>>
  return %x, %y : bf16, f32
}

// -----

// CHECK-LABEL: func.func @unaligned
// CHECK:         %[[DYN:.*]] = gpu.dynamic_shared_memory
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[MEM:.*]] = memref.view %[[DYN]][%[[C0]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<64xi8, #gpu.address_space<workgroup>>
// CHECK-NEXT:    %[[C16:.*]] = arith.constant 16 : index
// CHECK-NEXT:    memref.view %[[MEM]][%[[C16]]][] : memref<64xi8, #gpu.address_space<workgroup>> to memref<12xi32, #gpu.address_space<workgroup>>
func.func @unaligned(%i: index) -> i32 {
  %m = mla_gpu.shared_memory align 16 : memref<64xi8, #gpu.address_space<workgroup>>
  %sums = mla_gpu.shared_buffer %m[16] "sums" : memref<64xi8, #gpu.address_space<workgroup>> to memref<12xi32, #gpu.address_space<workgroup>>
  %x = memref.load %sums[%i] : memref<12xi32, #gpu.address_space<workgroup>>
  return %x : i32
}
