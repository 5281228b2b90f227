// RUN: mla-opt %s -split-input-file -verify-diagnostics

// One case per diagnostic of the mla_gpu dialect: the named shared buffers
// (alignment, overlap, bounds, swizzle), the tile loads (sources, rings,
// swizzle, thread groups, tensor maps, mbarriers), the online softmax
// (fragments, element, scale), the fragment and operand stores, the
// register-A warp MMA, the pending-group bounds
// (ODS), the accumulator checks of the warpgroup fence and wait, the
// descriptor offsets, and a parse error of the swizzle keyword.

func.func @case() {
  // expected-error @+1 {{attribute 'pending' failed to satisfy constraint: 32-bit signless integer attribute whose value is non-negative whose maximum value is 7}}
  mla_gpu.async_copy.wait 8
  return
}

// -----

func.func @case() {
  // expected-error @+1 {{attribute 'pending' failed to satisfy constraint: 32-bit signless integer attribute whose value is non-negative whose maximum value is 7}}
  mla_gpu.async_copy.wait -1
  return
}

// -----

func.func @case(%acc: !llvm.struct<(f32, f32)>) {
  // expected-error @+1 {{attribute 'pending' failed to satisfy constraint: 32-bit signless integer attribute whose value is non-negative whose maximum value is 7}}
  %0 = mla_gpu.warpgroup.wait 9 tie(%acc : !llvm.struct<(f32, f32)>)
  return
}

// -----

// An accumulator is f32 registers: not an f32 vector.
func.func @case(%acc: vector<4xf32>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.fence' op expects accumulator #0 to be a literal struct of f32 registers or a C fragment (vector<2x2xf32>), found 'vector<4xf32>'}}
  %0 = mla_gpu.warpgroup.fence tie(%acc : vector<4xf32>)
  return
}

// -----

// Not f16 fields (f16 accumulation is not what the kernels use).
func.func @case(%a: !llvm.struct<(f32, f32)>, %b: !llvm.struct<(f32, f16)>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.wait' op expects accumulator #1 to be a literal struct of f32 registers or a C fragment (vector<2x2xf32>), found '!llvm.struct<(f32, f16)>'}}
  %0:2 = mla_gpu.warpgroup.wait 0 tie(%a, %b : !llvm.struct<(f32, f32)>, !llvm.struct<(f32, f16)>)
  return
}

// -----

// Not an empty struct.
func.func @case(%acc: !llvm.struct<()>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.fence' op expects accumulator #0 to be a literal struct of f32 registers or a C fragment (vector<2x2xf32>), found '!llvm.struct<()>'}}
  %0 = mla_gpu.warpgroup.fence tie(%acc : !llvm.struct<()>)
  return
}

// -----

// The results are the accumulators passed through (generic form, wrong type).
func.func @case(%acc: !llvm.struct<(f32, f32)>) {
  // expected-error @+2 {{'mla_gpu.warpgroup.fence' op inferred type(s) '!llvm.struct<(f32, f32)>' are incompatible with return type(s) of operation '!llvm.struct<(f32, f32, f32)>'}}
  // expected-error @+1 {{'mla_gpu.warpgroup.fence' op failed to infer returned types}}
  %0 = "mla_gpu.warpgroup.fence"(%acc) : (!llvm.struct<(f32, f32)>) -> !llvm.struct<(f32, f32, f32)>
  return
}

// -----

func.func @case(%address: i64) {
  // expected-error @+1 {{'mla_gpu.warpgroup.descriptor' op expects the leading offset to be a multiple of 16 in [0, 262144), found 8}}
  %0 = mla_gpu.warpgroup.descriptor %address swizzle = b128, leading = 8, stride = 1024
  return
}

// -----

func.func @case(%address: i64) {
  // expected-error @+1 {{'mla_gpu.warpgroup.descriptor' op expects the stride offset to be a multiple of 16 in [0, 262144), found 262144}}
  %0 = mla_gpu.warpgroup.descriptor %address swizzle = b128, leading = 16, stride = 262144
  return
}

// -----

func.func @case(%address: i64) {
  // expected-error @+1 {{'mla_gpu.warpgroup.descriptor' op expects the leading offset to be a multiple of 16 in [0, 262144), found -16}}
  %0 = mla_gpu.warpgroup.descriptor %address swizzle = b128, leading = -16, stride = 1024
  return
}

// -----

func.func @case(%address: i64) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'swizzle' [none, b32, b64, b128]}}
  %0 = mla_gpu.warpgroup.descriptor %address swizzle = b256, leading = 16, stride = 1024
  return
}

// -----

func.func @case(%a: i64, %b: i64, %acc: vector<4xf32>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma' op operand #2 must be variadic of vector<2x2xf32> (a C fragment), but got 'vector<4xf32>'}}
  %0 = "mla_gpu.warpgroup.mma"(%a, %b, %acc) <{steps = 1 : i64, a_advance = array<i64: 32, 4, 8192>, b_advance = array<i64: 32, 4, 8192>, element = bf16}> : (i64, i64, vector<4xf32>) -> vector<4xf32>
  return
}

// -----

func.func @case(%a: i64, %b: i64) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma' op expects N / 8 accumulator fragments for an N in [8, 256], found 0}}
  mla_gpu.warpgroup.mma %a, %b, () steps 1 advance([32, 4, 8192], [32, 4, 8192]) element bf16
  return
}

// -----

func.func @case(%a: i64, %b: i64, %acc: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma' op expects element bf16 or f16, found 'f32'}}
  %0 = mla_gpu.warpgroup.mma %a, %b, (%acc) steps 1 advance([32, 4, 8192], [32, 4, 8192]) element f32
  return
}

// -----

func.func @case(%a: i64, %b: i64, %acc: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma' op expects a_advance to be [step, steps per atom, atom], found 2 values}}
  %0 = mla_gpu.warpgroup.mma %a, %b, (%acc) steps 1 advance([32, 4], [32, 4, 8192]) element bf16
  return
}

// -----

func.func @case(%a: i64, %b: i64, %acc: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma' op expects b_advance step and atom to be multiples of 16 bytes and steps per atom positive, found [24, 4, 8192]}}
  %0 = mla_gpu.warpgroup.mma %a, %b, (%acc) steps 1 advance([32, 4, 8192], [24, 4, 8192]) element bf16
  return
}

// -----

func.func @case(%a: i64, %b: i64, %acc: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma' op expects a_advance to keep every step within 2^18 bytes, the last at 262144}}
  %0 = mla_gpu.warpgroup.mma %a, %b, (%acc) steps 33 advance([32, 4, 32768], [32, 4, 8192]) element bf16
  return
}

// -----

func.func @case(%a: i64, %b: i64, %acc: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma' op attribute 'steps' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = mla_gpu.warpgroup.mma %a, %b, (%acc) steps 0 advance([32, 4, 8192], [32, 4, 8192]) element bf16
  return
}

// -----

func.func @case(%a: i64, %b: i64, %acc: vector<2x2xf32>) {
  // expected-error @+2 {{'mla_gpu.warpgroup.mma' op inferred type(s) 'vector<2x2xf32>' are incompatible with return type(s) of operation 'vector<2x2xf32>', 'vector<2x2xf32>'}}
  // expected-error @+1 {{'mla_gpu.warpgroup.mma' op failed to infer returned types}}
  %0:2 = "mla_gpu.warpgroup.mma"(%a, %b, %acc) <{steps = 1 : i64, a_advance = array<i64: 32, 4, 8192>, b_advance = array<i64: 32, 4, 8192>, element = bf16}> : (i64, i64, vector<2x2xf32>) -> (vector<2x2xf32>, vector<2x2xf32>)
  return
}

// -----

func.func @case(%a: memref<64x72xbf16>, %b: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index, %z: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warp.mma' op expects a in workgroup (shared) memory, found 'memref<64x72xbf16>'}}
  %0:2 = mla_gpu.warp.mma %a[%i, %i], %b[%i, %i], (%z, %z) k 16 : memref<64x72xbf16>, memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%a: memref<64x72xbf16, #gpu.address_space<workgroup>>, %b: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index, %z: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warp.mma' op expects b of rank 2 or more with one index per dimension, found 'memref<64x72xbf16, #gpu.address_space<workgroup>>' and 1 indices}}
  %0:2 = mla_gpu.warp.mma %a[%i, %i], %b[%i], (%z, %z) k 16 : memref<64x72xbf16, #gpu.address_space<workgroup>>, memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%a: memref<64x72xf32, #gpu.address_space<workgroup>>, %b: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index, %z: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warp.mma' op expects a of bf16 or f16, found 'f32'}}
  %0:2 = mla_gpu.warp.mma %a[%i, %i], %b[%i, %i], (%z, %z) k 16 : memref<64x72xf32, #gpu.address_space<workgroup>>, memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%a: memref<64x72xf16, #gpu.address_space<workgroup>>, %b: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index, %z: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warp.mma' op expects a and b of one element type, found 'f16' and 'bf16'}}
  %0:2 = mla_gpu.warp.mma %a[%i, %i], %b[%i, %i], (%z, %z) k 16 : memref<64x72xf16, #gpu.address_space<workgroup>>, memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%a: memref<64x72xbf16, #gpu.address_space<workgroup>>, %b: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index, %z: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warp.mma' op expects k to be a multiple of 16, found 24}}
  %0:2 = mla_gpu.warp.mma %a[%i, %i], %b[%i, %i], (%z, %z) k 24 : memref<64x72xbf16, #gpu.address_space<workgroup>>, memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%a: memref<64x72xbf16, #gpu.address_space<workgroup>>, %b: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index, %z: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warp.mma' op expects an even, non-zero number of C fragments (N a multiple of 16), found 1}}
  %0 = mla_gpu.warp.mma %a[%i, %i], %b[%i, %i], (%z) k 16 : memref<64x72xbf16, #gpu.address_space<workgroup>>, memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%partial: memref<2x128x4x512xf32>, %lse: memref<2x128x8xf32>, %i: index) {
  // expected-error @+1 {{'mla_gpu.combine_splits' op expects lse dim 2 to be partial's 4, found 8}}
  %0 = mla_gpu.combine_splits %partial[%i, %i, %i], %lse : memref<2x128x4x512xf32>, memref<2x128x8xf32>
  return
}

// -----

func.func @case(%partial: memref<2x128x?x512xf32>, %lse: memref<2x128x?xf32>, %i: index) {
  // expected-error @+1 {{'mla_gpu.combine_splits' op expects a count when the number of splits (partial dim 2) is dynamic}}
  %0 = mla_gpu.combine_splits %partial[%i, %i, %i], %lse : memref<2x128x?x512xf32>, memref<2x128x?xf32>
  return
}

// -----

func.func @case(%partial: memref<2x128x4x512xbf16>, %lse: memref<2x128x4xf32>, %i: index) {
  // expected-error @+1 {{'mla_gpu.combine_splits' op operand #0 must be 4D memref of 32-bit float values, but got 'memref<2x128x4x512xbf16>'}}
  %0 = mla_gpu.combine_splits %partial[%i, %i, %i], %lse : memref<2x128x4x512xbf16>, memref<2x128x4xf32>
  return
}

// -----

!smem = memref<4096xi8, #gpu.address_space<workgroup>>

func.func @case() {
  // expected-error @+1 {{expects align to be a power of two in [16, 1024], found 48}}
  %m = mla_gpu.shared_memory align 48 : !smem
  return
}

// -----

func.func @case() {
  // expected-error @+1 {{expects a static memref of i8 in workgroup (shared) memory with the identity layout, found 'memref<4096xi8>'}}
  %m = mla_gpu.shared_memory align 16 : memref<4096xi8>
  return
}

// -----

!smem = memref<4096xi8, #gpu.address_space<workgroup>>

func.func @case() {
  // expected-error @+1 {{expects buffer "b" (bytes [2048, 6144)) to lie within its 4096 bytes}}
  %m = mla_gpu.shared_memory align 16 : !smem
  %b = mla_gpu.shared_buffer %m[2048] "b" : !smem to memref<64x32xf16, #gpu.address_space<workgroup>>
  return
}

// -----

!smem = memref<4096xi8, #gpu.address_space<workgroup>>

func.func @case() {
  // expected-error @+1 {{expects buffers "a" (bytes [0, 2048)) and "b" (from byte 1024) not to overlap}}
  %m = mla_gpu.shared_memory align 16 : !smem
  %a = mla_gpu.shared_buffer %m[0] "a" : !smem to memref<32x32xf16, #gpu.address_space<workgroup>>
  %b = mla_gpu.shared_buffer %m[1024] "b" : !smem to memref<16x32xf16, #gpu.address_space<workgroup>>
  return
}

// -----

!smem = memref<4096xi8, #gpu.address_space<workgroup>>

func.func @case() {
  %c1 = arith.constant 1 : index
  %bytes = arith.constant 4096 : i32
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1)
             dynamic_shared_memory_size %bytes {
    // expected-error @+1 {{expects the launch's dynamic shared memory (4096 bytes) to hold 4096 bytes from a 1024-byte boundary (5104 bytes)}}
    %m = mla_gpu.shared_memory align 1024 : !smem
    gpu.terminator
  }
  return
}

// -----

!smem = memref<4096xi8, #gpu.address_space<workgroup>>

func.func @case() {
  %m = mla_gpu.shared_memory align 16 : !smem
  // expected-error @+1 {{expects a ranked memref of integers or floats in workgroup (shared) memory with the identity layout, found 'memref<32x32xf16>'}}
  %a = mla_gpu.shared_buffer %m[0] "a" : !smem to memref<32x32xf16>
  return
}

// -----

func.func @case(%m: memref<4096xi8>) {
  // expected-error @+1 {{expects the buffer in its memory's address space}}
  %a = mla_gpu.shared_buffer %m[0] "a" : memref<4096xi8> to memref<32x32xf16, #gpu.address_space<workgroup>>
  return
}

// -----

!smem = memref<4096xi8, #gpu.address_space<workgroup>>

func.func @case() {
  %m = mla_gpu.shared_memory align 16 : !smem
  // expected-error @+1 {{expects the offset to be a multiple of 16, found 8}}
  %a = mla_gpu.shared_buffer %m[8] "a" : !smem to memref<32x32xf16, #gpu.address_space<workgroup>>
  return
}

// -----

!smem = memref<4096xi8, #gpu.address_space<workgroup>>

func.func @case() {
  %m = mla_gpu.shared_memory align 16 : !smem
  // expected-error @+1 {{expects a name}}
  %a = mla_gpu.shared_buffer %m[0] "" : !smem to memref<32x32xf16, #gpu.address_space<workgroup>>
  return
}

// -----

!smem = memref<4096xi8, #gpu.address_space<workgroup>>

func.func @case() {
  %m = mla_gpu.shared_memory align 1024 : !smem
  // expected-error @+1 {{expects rows of 128 bytes (the last dimension) for swizzle b128, found 64}}
  %a = mla_gpu.shared_buffer %m[0] "a" swizzle b128 : !smem to memref<32x32xf16, #gpu.address_space<workgroup>>
  return
}

// -----

!smem = memref<4096xi8, #gpu.address_space<workgroup>>

func.func @case() {
  %m = mla_gpu.shared_memory align 1024 : !smem
  // expected-error @+1 {{expects a swizzled buffer at a multiple of 1024 bytes, found 512}}
  %a = mla_gpu.shared_buffer %m[512] "a" swizzle b64 : !smem to memref<16x32xf16, #gpu.address_space<workgroup>>
  return
}

// -----

!smem = memref<4096xi8, #gpu.address_space<workgroup>>

func.func @case() {
  %m = mla_gpu.shared_memory align 128 : !smem
  // expected-error @+1 {{expects a swizzled buffer's memory aligned to 1024 bytes, found align 128}}
  %a = mla_gpu.shared_buffer %m[0] "a" swizzle b128 : !smem to memref<16x64xf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%s: memref<128x512xbf16>, %d: memref<64x72xbf16>, %i: index) {
  // expected-error @+1 {{expects the buffer in workgroup (shared) memory, found 'memref<64x72xbf16>'}}
  mla_gpu.load_tile %s[%i, %i] into %d[%i, %i] rows 64 cols 64 threads 128 : memref<128x512xbf16>, memref<64x72xbf16>
  return
}

// -----

func.func @case(%s: memref<128x512xbf16>, %d: memref<64x72xf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects the buffer's element type to be 'bf16', found 'f16'}}
  mla_gpu.load_tile %s[%i, %i] into %d[%i, %i] rows 64 cols 64 threads 128 : memref<128x512xbf16>, memref<64x72xf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%s: memref<128x512xbf16>, %d: memref<2x64x32xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects swizzle none or b128, found b64}}
  mla_gpu.load_tile %s[%i, %i] into %d[%i, %i, %i] rows 64 cols 64 threads 128 swizzle b64 : memref<128x512xbf16>, memref<2x64x32xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

!smem = memref<16384xi8, #gpu.address_space<workgroup>>

func.func @case(%s: memref<128x512xbf16>, %i: index) {
  %m = mla_gpu.shared_memory align 1024 : !smem
  %d = mla_gpu.shared_buffer %m[0] "query" swizzle b128 : !smem to memref<2x64x64xbf16, #gpu.address_space<workgroup>>
  // expected-error @+1 {{expects swizzle none as buffer "query" is laid out, found b128}}
  mla_gpu.load_tile %s[%i, %i] into %d[%i, %i, %i] rows 64 cols 64 threads 128 : memref<128x512xbf16>, memref<2x64x64xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%s: memref<2x128x512xbf16>, %d: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects a 2-d source with two indices, found 'memref<2x128x512xbf16>' and 3 indices}}
  mla_gpu.load_tile %s[%i, %i, %i] into %d[%i, %i] rows 64 cols 64 threads 128 : memref<2x128x512xbf16>, memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%s: memref<128x512xbf16, #gpu.address_space<workgroup>>, %d: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects the source outside shared memory}}
  mla_gpu.load_tile %s[%i, %i] into %d[%i, %i] rows 64 cols 64 threads 128 : memref<128x512xbf16, #gpu.address_space<workgroup>>, memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%s: memref<128x512xf32>, %d: memref<64x72xf32, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects a source of bf16 or f16, found 'f32'}}
  mla_gpu.load_tile %s[%i, %i] into %d[%i, %i] rows 64 cols 64 threads 128 : memref<128x512xf32>, memref<64x72xf32, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%s: memref<128x512xbf16, strided<[512, 2]>>, %d: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects a source with unit stride in its last dimension, found 'memref<128x512xbf16, strided<[512, 2]>>'}}
  mla_gpu.load_tile %s[%i, %i] into %d[%i, %i] rows 64 cols 64 threads 128 : memref<128x512xbf16, strided<[512, 2]>>, memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%s: memref<128x512xbf16>, %d: memref<3x64x72xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects one buffer index per dimension, found 2 for 'memref<3x64x72xbf16, #gpu.address_space<workgroup>>'}}
  mla_gpu.load_tile %s[%i, %i] into %d[%i, %i] rows 64 cols 64 threads 128 : memref<128x512xbf16>, memref<3x64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%s: memref<128x512xbf16>, %d: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects cols to be a multiple of 8 (16-byte copies), found 60}}
  mla_gpu.load_tile %s[%i, %i] into %d[%i, %i] rows 64 cols 60 threads 128 : memref<128x512xbf16>, memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%s: memref<128x512xbf16>, %d: memref<64x32xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects a b128-swizzled buffer of [..., atoms, rows, 64], found 'memref<64x32xbf16, #gpu.address_space<workgroup>>'}}
  mla_gpu.load_tile %s[%i, %i] into %d[%i, %i] rows 64 cols 64 threads 128 swizzle b128 : memref<128x512xbf16>, memref<64x32xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%s: memref<128x512xbf16>, %d: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects the buffer to hold a 64 x 128 window, found 'memref<64x72xbf16, #gpu.address_space<workgroup>>'}}
  mla_gpu.load_tile %s[%i, %i] into %d[%i, %i] rows 64 cols 128 threads 128 : memref<128x512xbf16>, memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%s: memref<128x512xbf16>, %d: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{'threads' failed to satisfy constraint}}
  mla_gpu.load_tile %s[%i, %i] into %d[%i, %i] rows 64 cols 64 threads 2048 : memref<128x512xbf16>, memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%c: memref<?x64x572xbf16>, %t: memref<?x?xi32>, %d: memref<3x32x584xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects the cache's static dim to be a multiple of 8 (16-byte copies), found 'memref<?x64x572xbf16>'}}
  mla_gpu.load_tokens %c[%t, %i] tile %i of [%i, %i) into %d threads 256 : memref<?x64x572xbf16>, memref<?x?xi32>, memref<3x32x584xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%c: memref<?x?x576xbf16>, %t: memref<?x?xi32>, %d: memref<3x32x584xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects a static page size, found 'memref<?x?x576xbf16>'}}
  mla_gpu.load_tokens %c[%t, %i] tile %i of [%i, %i) into %d threads 256 : memref<?x?x576xbf16>, memref<?x?xi32>, memref<3x32x584xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%c: memref<?x64x576xbf16>, %t: memref<?x?xi32>, %d: memref<2x8x64x64xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects a b128-swizzled ring [stages, 9, tokens, 64] for dim 576, found 'memref<2x8x64x64xbf16, #gpu.address_space<workgroup>>'}}
  mla_gpu.load_tokens %c[%t, %i] tile %i of [%i, %i) into %d threads 256 swizzle b128 : memref<?x64x576xbf16>, memref<?x?xi32>, memref<2x8x64x64xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%c: memref<?x64x576xbf16>, %t: memref<?x?xi32>, %d: memref<3x32x512xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects a ring [stages, tokens, width >= 576], found 'memref<3x32x512xbf16, #gpu.address_space<workgroup>>'}}
  mla_gpu.load_tokens %c[%t, %i] tile %i of [%i, %i) into %d threads 256 : memref<?x64x576xbf16>, memref<?x?xi32>, memref<3x32x512xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%c: memref<?x64x576xbf16>, %t: memref<?x?xi32>, %i: index) {
  // expected-error @+1 {{expects threads to be a multiple of rows (a group of threads per token row), found 100 and 32}}
  %v, %p, %s = mla_gpu.lookup_tokens %c[%t, %i] tile %i of [%i, %i) rows 32 threads 100 : memref<?x64x576xbf16>, memref<?x?xi32>
  return
}

// -----

func.func @case(%c: memref<?x64x576xbf16>, %t: memref<?x?xi32>, %d: memref<3x32x584xbf16, #gpu.address_space<workgroup>>, %i: index, %b: i1) {
  // expected-error @+1 {{expects all three of row(valid, page, slot) or none}}
  "mla_gpu.load_tokens"(%c, %t, %i, %i, %i, %i, %d, %b) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 0, 0>, threads = 256 : i64}> : (memref<?x64x576xbf16>, memref<?x?xi32>, index, index, index, index, memref<3x32x584xbf16, #gpu.address_space<workgroup>>, i1) -> ()
  return
}

// -----

func.func @case(%c: memref<?x64x576xbf16>, %t: memref<?x?xi32>, %d: memref<3x32x584xbf16, #gpu.address_space<workgroup>>, %i: index, %b: i1) {
  // expected-error @+1 {{expects row(…) only when each token row is loaded by a group of threads (threads a multiple of the 32 token rows, and the row's 16-byte chunks a multiple of the group)}}
  mla_gpu.load_tokens %c[%t, %i] tile %i of [%i, %i) into %d row(%b, %i, %i) threads 80 : memref<?x64x576xbf16>, memref<?x?xi32>, memref<3x32x584xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%m: !nvgpu.tensormap.descriptor<tensor = memref<1x16x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, %c: memref<?x16x576xbf16>, %t: memref<?x?xi32>, %d: memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, %b: !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 3>, %i: index) {
  // expected-error @+1 {{expects one mbarrier per stage (2), found 3}}
  mla_gpu.tma.load_tokens %m, %c[%t, %i] tile %i of [%i, %i) into %d, %b issuer 128 : !nvgpu.tensormap.descriptor<tensor = memref<1x16x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, memref<?x16x576xbf16>, memref<?x?xi32>, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 3>
  return
}

// -----

func.func @case(%m: !nvgpu.tensormap.descriptor<tensor = memref<1x16x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, %c: memref<?x64x576xbf16>, %t: memref<?x?xi32>, %d: memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, %b: !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>, %i: index) {
  // expected-error @+1 {{expects a 128-byte-swizzled tensor map of boxes [1, 64, 64] of 'bf16'}}
  mla_gpu.tma.load_tokens %m, %c[%t, %i] tile %i of [%i, %i) into %d, %b issuer 128 : !nvgpu.tensormap.descriptor<tensor = memref<1x16x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, memref<?x64x576xbf16>, memref<?x?xi32>, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
  return
}

// -----

func.func @case(%m: !nvgpu.tensormap.descriptor<tensor = memref<1x48x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, %c: memref<?x48x576xbf16>, %t: memref<?x?xi32>, %d: memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, %b: !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>, %i: index) {
  // expected-error @+1 {{expects the tile's 64 token rows to be whole pages or part of one page (page size 48)}}
  mla_gpu.tma.load_tokens %m, %c[%t, %i] tile %i of [%i, %i) into %d, %b issuer 128 : !nvgpu.tensormap.descriptor<tensor = memref<1x48x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, memref<?x48x576xbf16>, memref<?x?xi32>, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
  return
}

// -----

func.func @case(%b: !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>, %d: memref<3x32x584xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects a b128-swizzled ring [stages, atoms, tokens, 64] of bf16 or f16 in shared memory, found 'memref<3x32x584xbf16, #gpu.address_space<workgroup>>'}}
  mla_gpu.tma.wait_tokens %b, %d tile %i of [%i, %i) threads 256 : !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>, memref<3x32x584xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%b: !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 3>, %d: memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects one mbarrier per stage (2), found 3}}
  mla_gpu.tma.wait_tokens %b, %d tile %i of [%i, %i) threads 256 : !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 3>, memref<2x9x64x64xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%m: !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, %d: memref<2x3x64x64xbf16>, %b: !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>, %i: index) {
  // expected-error @+1 {{expects a ring [stages, atoms, rows, 64] of bf16 or f16 in shared memory, found 'memref<2x3x64x64xbf16>'}}
  mla_gpu.tma.load_tile %m[%i, %i, %i] into %d[%i] atoms 0 count 2, %b issuer 0 : !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, memref<2x3x64x64xbf16>, !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
  return
}

// -----

func.func @case(%m: !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, %d: memref<2x3x64x64xbf16, #gpu.address_space<workgroup>>, %b: !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>, %i: index) {
  // expected-error @+1 {{expects atoms [2, 4) within the ring's 3}}
  mla_gpu.tma.load_tile %m[%i, %i, %i] into %d[%i] atoms 2 count 2, %b issuer 0 : !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, memref<2x3x64x64xbf16, #gpu.address_space<workgroup>>, !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
  return
}

// -----

func.func @case(%m: !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, %d: memref<2x3x64x64xbf16, #gpu.address_space<workgroup>>, %b: !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 3>, %i: index) {
  // expected-error @+1 {{expects one mbarrier per stage (2), found 3}}
  mla_gpu.tma.load_tile %m[%i, %i, %i] into %d[%i] atoms 0 count 2, %b issuer 0 : !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, memref<2x3x64x64xbf16, #gpu.address_space<workgroup>>, !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 3>
  return
}

// -----

func.func @case(%m: !nvgpu.tensormap.descriptor<tensor = memref<1x32x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, %d: memref<2x3x64x64xbf16, #gpu.address_space<workgroup>>, %b: !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>, %i: index) {
  // expected-error @+1 {{expects a 128-byte-swizzled tensor map of boxes [1, 64, 64] of 'bf16'}}
  mla_gpu.tma.load_tile %m[%i, %i, %i] into %d[%i] atoms 0 count 2, %b issuer 0 : !nvgpu.tensormap.descriptor<tensor = memref<1x32x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, memref<2x3x64x64xbf16, #gpu.address_space<workgroup>>, !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
  return
}

// -----

func.func @case(%m: !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_64b, l2promo = l2promo_256b, oob = zero, interleave = none>, %d: memref<2x3x64x64xbf16, #gpu.address_space<workgroup>>, %b: !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>, %i: index) {
  // expected-error @+1 {{expects a 128-byte-swizzled tensor map of boxes [1, 64, 64] of 'bf16'}}
  mla_gpu.tma.load_tile %m[%i, %i, %i] into %d[%i] atoms 0 count 2, %b issuer 0 : !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_64b, l2promo = l2promo_256b, oob = zero, interleave = none>, memref<2x3x64x64xbf16, #gpu.address_space<workgroup>>, !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
  return
}

// -----

func.func @case(%m: !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, %d: memref<2x3x64x64xbf16, #gpu.address_space<workgroup>>, %b: !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>, %i: index) {
  // expected-error @+1 {{expects 3 indices (the map's rank), found 2}}
  mla_gpu.tma.load_tile %m[%i, %i] into %d[%i] atoms 0 count 2, %b issuer 0 : !nvgpu.tensormap.descriptor<tensor = memref<1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>, memref<2x3x64x64xbf16, #gpu.address_space<workgroup>>, !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
  return
}

// -----

func.func @case(%s: vector<2x2xf32>, %m: vector<2xf32>, %i: index) {
  // expected-error @+1 {{expects an even, non-zero number of score fragments (16 tokens per A fragment of P), found 3}}
  %p, %m1, %l1, %a1 = mla_gpu.softmax_update scores(%s, %s, %s) max %m sum %m from %i limits(%i, %i) scale 0.125 element bf16
  return
}

// -----

func.func @case(%s: vector<2x2xf32>, %m: vector<2xf32>, %i: index) {
  // expected-error @+1 {{result #0 must be variadic of vector<4x2xbf16> or vector<4x2xf16> (an A fragment), but got 'vector<4x2xf32>'}}
  %p, %m1, %l1, %a1 = mla_gpu.softmax_update scores(%s, %s) max %m sum %m from %i limits(%i, %i) scale 0.125 element f32
  return
}

// -----

func.func @case(%s: vector<2x2xf32>, %m: vector<2xf32>, %i: index) {
  // expected-error @+1 {{expects a positive scale, found -1.250000e-01}}
  %p, %m1, %l1, %a1 = mla_gpu.softmax_update scores(%s, %s) max %m sum %m from %i limits(%i, %i) scale -0.125 element bf16
  return
}

// -----

func.func @case(%f: vector<2x2xf32>, %o: memref<2x128x512xf32>, %i: index) {
  // expected-error @+1 {{expects a 2-d destination, found 'memref<2x128x512xf32>'}}
  mla_gpu.store_fragments %f into %o[%i, %i] : memref<2x128x512xf32>
  return
}

// -----

func.func @case(%f: vector<2x2xf32>, %o: memref<128x512xi32>, %i: index) {
  // expected-error @+1 {{expects a destination of f32, bf16 or f16, found 'i32'}}
  mla_gpu.store_fragments %f into %o[%i, %i] : memref<128x512xi32>
  return
}

// -----

func.func @case(%f: vector<2x2xf32>, %o: memref<128x512xf32, strided<[1024, 2]>>, %i: index) {
  // expected-error @+1 {{expects a destination with unit stride in its last dimension, found 'memref<128x512xf32, strided<[1024, 2]>>'}}
  mla_gpu.store_fragments %f into %o[%i, %i] : memref<128x512xf32, strided<[1024, 2]>>
  return
}

// -----

func.func @case(%o: memref<128x512xf32>, %i: index) {
  // expected-error @+1 {{expects at least one fragment}}
  mla_gpu.store_fragments into %o[%i, %i] : memref<128x512xf32>
  return
}

// -----

func.func @case(%b: memref<64x64xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects at least one fragment}}
  "mla_gpu.store_operand"(%b, %i, %i) : (memref<64x64xbf16, #gpu.address_space<workgroup>>, index, index) -> ()
  return
}

// -----

func.func @case(%p: vector<4x2xbf16>, %q: vector<4x2xf16>, %b: memref<64x64xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects fragments of one element type}}
  mla_gpu.store_operand %p, %q into %b[%i, %i] : (vector<4x2xbf16>, vector<4x2xf16>), memref<64x64xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%p: vector<4x2xbf16>, %b: memref<2x64x64xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects a 2-d buffer, found 'memref<2x64x64xbf16, #gpu.address_space<workgroup>>'}}
  mla_gpu.store_operand %p into %b[%i, %i] : (vector<4x2xbf16>), memref<2x64x64xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%p: vector<4x2xbf16>, %b: memref<64x72xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects rows of 64 elements (128 bytes) for swizzle b128, found 'memref<64x72xbf16, #gpu.address_space<workgroup>>'}}
  mla_gpu.store_operand %p into %b[%i, %i] swizzle b128 : (vector<4x2xbf16>), memref<64x72xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%p: vector<4x2xbf16>, %o: vector<2x2xf32>, %b: memref<32x584xbf16>, %i: index) {
  // expected-error @+1 {{expects b in workgroup (shared) memory, found 'memref<32x584xbf16>'}}
  %r:2 = mla_gpu.warp.mma_rs (%p), %b[%i, %i], (%o, %o) : (vector<4x2xbf16>), memref<32x584xbf16>
  return
}

// -----

func.func @case(%p: vector<4x2xbf16>, %o: vector<2x2xf32>, %b: memref<3x32x584xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects b of rank 2 or more with one index per dimension, found 'memref<3x32x584xbf16, #gpu.address_space<workgroup>>' and 2 indices}}
  %r:2 = mla_gpu.warp.mma_rs (%p), %b[%i, %i], (%o, %o) : (vector<4x2xbf16>), memref<3x32x584xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%o: vector<2x2xf32>, %b: memref<32x584xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects at least one A fragment}}
  %r:2 = "mla_gpu.warp.mma_rs"(%b, %i, %i, %o, %o) <{operandSegmentSizes = array<i32: 0, 1, 2, 2>}> : (memref<32x584xbf16, #gpu.address_space<workgroup>>, index, index, vector<2x2xf32>, vector<2x2xf32>) -> (vector<2x2xf32>, vector<2x2xf32>)
  return
}

// -----

func.func @case(%p: vector<4x2xf16>, %o: vector<2x2xf32>, %b: memref<32x584xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects A fragments of b's element type 'bf16', found 'vector<4x2xf16>'}}
  %r:2 = mla_gpu.warp.mma_rs (%p), %b[%i, %i], (%o, %o) : (vector<4x2xf16>), memref<32x584xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%p: vector<4x2xbf16>, %o: vector<2x2xf32>, %b: memref<32x584xbf16, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{expects an even, non-zero number of C fragments (N a multiple of 16), found 3}}
  %r:3 = mla_gpu.warp.mma_rs (%p), %b[%i, %i], (%o, %o, %o) : (vector<4x2xbf16>), memref<32x584xbf16, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @case(%f: vector<2x2xf32>, %s: vector<2xf32>, %o: memref<128x512xf32>, %i: index) {
  // expected-error @+1 {{expects scale or normalize, not both}}
  mla_gpu.store_fragments %f scale %s normalize %s into %o[%i, %i] : memref<128x512xf32>
  return
}

// -----

func.func @case(%a: memref<4x8x16x32xbf16>, %b: memref<32x64xbf16>, %c: memref<4x64xbf16>) {
  // expected-error @+1 {{expects lhs to be a matrix or a batch of matrices (rank 2 or 3), found rank 4}}
  mla_gpu.gemm cublaslt %a, %b into %c : memref<4x8x16x32xbf16>, memref<32x64xbf16> into memref<4x64xbf16>
  return
}

// -----

func.func @case(%a: memref<4x32xbf16>, %b: memref<32x64xbf16, strided<[128, 2]>>, %c: memref<4x64xbf16>) {
  // expected-error @+1 {{expects the last dimension of rhs to be contiguous (stride 1)}}
  mla_gpu.gemm cublaslt %a, %b into %c : memref<4x32xbf16>, memref<32x64xbf16, strided<[128, 2]>> into memref<4x64xbf16>
  return
}

// -----

func.func @case(%a: memref<4x32xbf16>, %b: memref<2x32x64xbf16>, %c: memref<4x64xbf16>) {
  // expected-error @+1 {{expects a batched result (rank 3) exactly when an operand is batched}}
  mla_gpu.gemm cublaslt %a, %b into %c : memref<4x32xbf16>, memref<2x32x64xbf16> into memref<4x64xbf16>
  return
}

// -----

func.func @case(%a: memref<4x32xbf16>, %b: memref<32x64xf16>, %c: memref<4x64xf32>) {
  // expected-error @+1 {{expects lhs and rhs of one element type, found 'bf16' and 'f16'}}
  mla_gpu.gemm cublaslt %a, %b into %c : memref<4x32xbf16>, memref<32x64xf16> into memref<4x64xf32>
  return
}

// -----

func.func @case(%a: memref<4x32xbf16>, %b: memref<32x64xbf16>, %c: memref<4x64xf16>) {
  // expected-error @+1 {{expects a result of the operands' element type or f32, found 'f16'}}
  mla_gpu.gemm cublaslt %a, %b into %c : memref<4x32xbf16>, memref<32x64xbf16> into memref<4x64xf16>
  return
}

// -----

func.func @case(%a: memref<?x32xbf16>, %b: memref<48x64xbf16>, %c: memref<?x64xbf16>) {
  // expected-error @+1 {{expects the contraction size of lhs (32) to equal that of rhs (48)}}
  mla_gpu.gemm cublaslt %a, %b into %c : memref<?x32xbf16>, memref<48x64xbf16> into memref<?x64xbf16>
  return
}

// -----

func.func @case(%a: memref<4x32xbf16>, %b: memref<32x64xbf16>, %c: memref<4x32xbf16>) {
  // expected-error @+1 {{expects a result of 4 x 64, found 4 x 32}}
  mla_gpu.gemm cublaslt %a, %b into %c : memref<4x32xbf16>, memref<32x64xbf16> into memref<4x32xbf16>
  return
}

// -----

func.func @case(%a: memref<3x4x32xbf16>, %b: memref<32x64xbf16>, %c: memref<2x4x64xbf16>) {
  // expected-error @+1 {{expects batch sizes to agree, found 3 and 2}}
  mla_gpu.gemm cublaslt %a, %b into %c : memref<3x4x32xbf16>, memref<32x64xbf16> into memref<2x4x64xbf16>
  return
}

// -----

func.func @case(%x: memref<4x32xf32>, %w: memref<32xf32>, %y: memref<4x32xf32>) {
  // expected-error @+1 {{expects epsilon to be positive, found 0}}
  mla_gpu.rms_norm %x, %w into %y {epsilon = 0.0 : f64} : memref<4x32xf32>, memref<32xf32> into memref<4x32xf32>
  return
}

// -----

func.func @case(%x: memref<4x32xf32>, %w: memref<32xf32>, %y: memref<2x32xbf16>) {
  // expected-error @+1 {{expects input and result of one shape, found 4 x 32 and 2 x 32}}
  mla_gpu.rms_norm %x, %w into %y {epsilon = 1.0e-06 : f64} : memref<4x32xf32>, memref<32xf32> into memref<2x32xbf16>
  return
}

// -----

func.func @case(%x: memref<4x32xf32>, %w: memref<16xf32>, %y: memref<4x32xf32>) {
  // expected-error @+1 {{expects one weight per column (32), found 16}}
  mla_gpu.rms_norm %x, %w into %y {epsilon = 1.0e-06 : f64} : memref<4x32xf32>, memref<16xf32> into memref<4x32xf32>
  return
}

// -----

func.func @case(%x: memref<4x32xf32, strided<[64, 2]>>, %w: memref<32xf32>, %y: memref<4x32xf32>) {
  // expected-error @+1 {{expects the rows of input to be contiguous (stride 1)}}
  mla_gpu.rms_norm %x, %w into %y {epsilon = 1.0e-06 : f64} : memref<4x32xf32, strided<[64, 2]>>, memref<32xf32> into memref<4x32xf32>
  return
}

// -----

func.func @case(%b: i64, %acc: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma_rs' op expects at least one A fragment}}
  %0 = "mla_gpu.warpgroup.mma_rs"(%b, %acc) <{b_advance = array<i64: 32, 4, 8192>, operandSegmentSizes = array<i32: 0, 1, 1>}> : (i64, vector<2x2xf32>) -> vector<2x2xf32>
  return
}

// -----

func.func @case(%p: vector<4x2xbf16>, %h: vector<4x2xf16>, %b: i64, %acc: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma_rs' op expects A fragments of one element type, found 'bf16' and 'vector<4x2xf16>'}}
  %0 = mla_gpu.warpgroup.mma_rs (%p, %h), %b, (%acc) advance [32, 4, 8192] : vector<4x2xbf16>, vector<4x2xf16>
  return
}

// -----

func.func @case(%p: vector<4x2xbf16>, %b: i64) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma_rs' op expects N / 8 accumulator fragments for an N in [8, 256], found 0}}
  mla_gpu.warpgroup.mma_rs (%p), %b, () advance [32, 4, 8192] : vector<4x2xbf16>
  return
}

// -----

func.func @case(%p: vector<4x2xbf16>, %b: i64, %acc: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma_rs' op expects b_advance step and atom to be multiples of 16 bytes and steps per atom positive, found [2048, 0, 2048]}}
  %0 = mla_gpu.warpgroup.mma_rs (%p), %b, (%acc) advance [2048, 0, 2048] : vector<4x2xbf16>
  return
}

// -----

func.func @case(%p: vector<4x2xbf16>, %b: i64, %acc: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma_rs' op expects b_advance to keep every step within 2^18 bytes, the last at 262144}}
  %0 = mla_gpu.warpgroup.mma_rs (%p, %p), %b, (%acc) advance [262144, 1, 262144] : vector<4x2xbf16>, vector<4x2xbf16>
  return
}

// -----

func.func @case(%p: vector<4x2xf32>, %b: i64, %acc: vector<2x2xf32>) {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma_rs' op operand #0 must be variadic of vector<4x2xbf16> or vector<4x2xf16> (an A fragment), but got 'vector<4x2xf32>'}}
  %0 = "mla_gpu.warpgroup.mma_rs"(%p, %b, %acc) <{b_advance = array<i64: 32, 4, 8192>, operandSegmentSizes = array<i32: 1, 1, 1>}> : (vector<4x2xf32>, i64, vector<2x2xf32>) -> vector<2x2xf32>
  return
}

// -----

func.func @case(%a: i64, %b: i64, %acc: vector<2x2xf32>) -> vector<2x2xf32> {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma' op expects the results of an async MMA to be read only through mla_gpu.warpgroup.wait, found a use by func.return}}
  %0 = mla_gpu.warpgroup.mma %a, %b, (%acc) steps 1 advance([32, 4, 8192], [32, 4, 8192]) element bf16 async
  return %0 : vector<2x2xf32>
}

// -----

func.func @case(%p: vector<4x2xbf16>, %b: i64, %acc: vector<2x2xf32>) -> vector<2x2xf32> {
  // expected-error @+1 {{'mla_gpu.warpgroup.mma_rs' op expects the results of an async MMA to be read only through mla_gpu.warpgroup.wait, found a use by arith.addf}}
  %0 = mla_gpu.warpgroup.mma_rs (%p), %b, (%acc) advance [2048, 1, 2048] async : vector<4x2xbf16>
  %1 = arith.addf %0, %acc : vector<2x2xf32>
  return %1 : vector<2x2xf32>
}

// -----

func.func @case(%x: f16) -> f16 {
  // expected-error @+1 {{'mla_gpu.exp2' op operand #0 must be 32-bit float, but got 'f16'}}
  %e = "mla_gpu.exp2"(%x) : (f16) -> f16
  return %e : f16
}
