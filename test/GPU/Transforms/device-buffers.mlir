// RUN: mla-opt %s --mla-gpu-device-buffers --split-input-file -verify-diagnostics | FileCheck %s

// Host allocations, deallocations and copies become GPU ones.
// CHECK-LABEL: func.func @host_buffers
// CHECK:       %[[A:.*]] = gpu.alloc (%{{.*}}) : memref<?xf32>
// CHECK:       gpu.memcpy %[[A]], %{{.*}} : memref<?xf32>, memref<?xf32>
// CHECK:       gpu.dealloc %[[A]] : memref<?xf32>
// CHECK-NOT:   memref.alloc
// CHECK-NOT:   memref.copy
func.func @host_buffers(%src: memref<?xf32>, %n: index) {
  %a = memref.alloc(%n) : memref<?xf32>
  memref.copy %src, %a : memref<?xf32> to memref<?xf32>
  memref.dealloc %a : memref<?xf32>
  return
}

// -----

// Inside a kernel nothing changes.
// CHECK-LABEL: func.func @in_kernel
// CHECK:       gpu.launch
// CHECK:         memref.load
// CHECK:         memref.store
func.func @in_kernel(%m: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    %e = memref.load %m[%c0] : memref<4xf32>
    memref.store %e, %m[%c0] : memref<4xf32>
    gpu.terminator
  }
  return
}

// -----

// A buffer element read on the host would dereference a device pointer.
func.func @host_load(%m: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'memref.load' op accesses a buffer element on the host}}
  %e = memref.load %m[%c0] : memref<4xf32>
  return %e : f32
}

// -----

// An integer argument read on the host (a varlen block's query_starts in its
// request loop): one host copy at entry, by a device-to-host memcpy; every
// read takes it. A load from a buffer the function allocates still fails
// (above): only arguments, which the block never writes, are copied.
// CHECK-LABEL: func.func @host_index_reads
// CHECK-SAME: (%[[QS:.*]]: memref<?xi32>)
// CHECK:       %[[N:.*]] = memref.dim %[[QS]], %{{.*}} : memref<?xi32>
// CHECK:       %[[HOST:.*]] = memref.alloca(%[[N]]) : memref<?xi32>
// CHECK:       gpu.memcpy  %[[HOST]], %[[QS]] : memref<?xi32>, memref<?xi32>
// CHECK-NOT:   gpu.memcpy
// CHECK:       memref.load %[[HOST]][%{{.*}}]
// CHECK:       memref.load %[[HOST]][%{{.*}}]
func.func @host_index_reads(%qs: memref<?xi32>) -> i32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.load %qs[%c0] : memref<?xi32>
  %b = memref.load %qs[%c1] : memref<?xi32>
  %s = arith.addi %a, %b : i32
  return %s : i32
}

// -----

// A float argument is not copied: the host cannot read it.
func.func @host_float_read(%m: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'memref.load' op accesses a buffer element on the host}}
  %e = memref.load %m[%c0] : memref<?xf32>
  return %e : f32
}
