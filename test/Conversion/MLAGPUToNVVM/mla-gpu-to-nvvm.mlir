// RUN: mla-opt %s --convert-mla-gpu-to-nvvm --split-input-file | FileCheck %s
// RUN: mla-opt %s --convert-mla-gpu-to-nvvm=input-checks=false --split-input-file | FileCheck %s --check-prefix=NO-CHECKS

// convert-mla-gpu-to-nvvm: one case per mla_gpu op. The stage barriers and
// proxy fences become their NVVM ops; the warpgroup fence and wait become
// one inline-PTX statement each, every f32 register of the accumulators tied
// through it ("=f" outputs, "0", "1", … inputs: no arithmetic on them can
// move across); a descriptor becomes its bit fields behind an empty
// statement; a tile MMA becomes one statement of all its steps. These four
// strings are all the PTX text mla's kernels carry.

// CHECK-LABEL: func.func @barrier
// CHECK-NEXT:    nvvm.barrier0
// CHECK-NEXT:    return
func.func @barrier() {
  mla_gpu.barrier
  return
}

// -----

// CHECK-LABEL: func.func @async_copy
// CHECK-NEXT:    nvvm.cp.async.commit.group
// CHECK-NEXT:    nvvm.cp.async.wait.group 2
// CHECK-NEXT:    return
func.func @async_copy() {
  mla_gpu.async_copy.commit
  mla_gpu.async_copy.wait 2
  return
}

// -----

// CHECK-LABEL: func.func @fence_async_proxy
// CHECK-NEXT:    nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT:    return
func.func @fence_async_proxy() {
  mla_gpu.fence.async_proxy
  return
}

// -----

// CHECK-LABEL: func.func @fence_mbarrier_init
// CHECK-NEXT:    nvvm.fence.mbarrier.init
// CHECK-NEXT:    return
func.func @fence_mbarrier_init() {
  mla_gpu.fence.mbarrier_init
  return
}

// -----

// CHECK-LABEL: func.func @warpgroup_commit
// CHECK-NEXT:    nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT:    return
func.func @warpgroup_commit() {
  mla_gpu.warpgroup.commit
  return
}

// -----

// Without accumulators: the fence alone.
// CHECK-LABEL: func.func @warpgroup_fence_alone
// CHECK-NEXT:    llvm.inline_asm has_side_effects "wgmma.fence.sync.aligned;", "~{memory}" : () -> ()
// CHECK-NEXT:    return
func.func @warpgroup_fence_alone() {
  mla_gpu.warpgroup.fence
  return
}

// -----

// Two accumulators (2 + 1 registers) through one statement, rebuilt from
// its outputs in order.
// CHECK-LABEL: func.func @warpgroup_fence
// CHECK-SAME:    (%[[A:.*]]: !llvm.struct<(f32, f32)>, %[[B:.*]]: !llvm.struct<(f32)>)
// CHECK:         %[[A0:.*]] = llvm.extractvalue %[[A]][0]
// CHECK-NEXT:    %[[A1:.*]] = llvm.extractvalue %[[A]][1]
// CHECK-NEXT:    %[[B0:.*]] = llvm.extractvalue %[[B]][0]
// CHECK-NEXT:    %[[T:.*]] = llvm.inline_asm has_side_effects "wgmma.fence.sync.aligned;", "=f,=f,=f,0,1,2,~{memory}" %[[A0]], %[[A1]], %[[B0]] : (f32, f32, f32) -> !llvm.struct<(f32, f32, f32)>
// CHECK-NEXT:    %[[T0:.*]] = llvm.extractvalue %[[T]][0]
// CHECK-NEXT:    %[[T1:.*]] = llvm.extractvalue %[[T]][1]
// CHECK-NEXT:    %[[T2:.*]] = llvm.extractvalue %[[T]][2]
// CHECK-NEXT:    %[[U:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32)>
// CHECK-NEXT:    %[[R0:.*]] = llvm.insertvalue %[[T0]], %[[U]][0]
// CHECK-NEXT:    %[[R:.*]] = llvm.insertvalue %[[T1]], %[[R0]][1]
// CHECK-NEXT:    %[[V:.*]] = llvm.mlir.undef : !llvm.struct<(f32)>
// CHECK-NEXT:    %[[S:.*]] = llvm.insertvalue %[[T2]], %[[V]][0]
// CHECK-NEXT:    return %[[R]], %[[S]]
func.func @warpgroup_fence(%a: !llvm.struct<(f32, f32)>, %b: !llvm.struct<(f32)>)
    -> (!llvm.struct<(f32, f32)>, !llvm.struct<(f32)>) {
  %f:2 = mla_gpu.warpgroup.fence tie(%a, %b : !llvm.struct<(f32, f32)>, !llvm.struct<(f32)>)
  return %f#0, %f#1 : !llvm.struct<(f32, f32)>, !llvm.struct<(f32)>
}

// -----

// One register: the statement returns it, not a struct.
// CHECK-LABEL: func.func @warpgroup_wait_one
// CHECK:         %[[X:.*]] = llvm.extractvalue %{{.*}}[0]
// CHECK-NEXT:    %[[T:.*]] = llvm.inline_asm has_side_effects "wgmma.wait_group.sync.aligned 0;", "=f,0,~{memory}" %[[X]] : (f32) -> f32
// CHECK-NEXT:    %[[U:.*]] = llvm.mlir.undef : !llvm.struct<(f32)>
// CHECK-NEXT:    llvm.insertvalue %[[T]], %[[U]][0]
func.func @warpgroup_wait_one(%a: !llvm.struct<(f32)>) -> !llvm.struct<(f32)> {
  %w = mla_gpu.warpgroup.wait 0 tie(%a : !llvm.struct<(f32)>)
  return %w : !llvm.struct<(f32)>
}

// -----

// The pending count is the instruction's operand.
// CHECK-LABEL: func.func @warpgroup_wait
// CHECK:         llvm.inline_asm has_side_effects "wgmma.wait_group.sync.aligned 3;", "=f,=f,=f,=f,0,1,2,3,~{memory}" {{.*}} : (f32, f32, f32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:         llvm.inline_asm has_side_effects "wgmma.wait_group.sync.aligned 1;", "~{memory}" : () -> ()
func.func @warpgroup_wait(%a: !llvm.struct<(f32, f32, f32, f32)>) -> !llvm.struct<(f32, f32, f32, f32)> {
  %w = mla_gpu.warpgroup.wait 3 tie(%a : !llvm.struct<(f32, f32, f32, f32)>)
  mla_gpu.warpgroup.wait 1
  return %w : !llvm.struct<(f32, f32, f32, f32)>
}

// -----

// Fields: address >> 4 (14 bits), leading >> 4 at bit 16, stride >> 4 at
// bit 32, the layout type at bit 62 (128B swizzle = 1): 1024 >> 4 = 64,
// so 1 << 62 | 64 << 32 | 1 << 16 = 4611686293305360384.
// CHECK-LABEL: func.func @descriptor_b128
// CHECK-SAME:    (%[[ADDRESS:.*]]: i64)
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : i64
// CHECK-DAG:     %[[MASK:.*]] = arith.constant 16383 : i64
// CHECK-DAG:     %[[FIXED:.*]] = arith.constant 4611686293305360384 : i64
// CHECK-DAG:     %[[SHIFTED:.*]] = arith.shrui %[[ADDRESS]], %[[C4]]
// CHECK-DAG:     %[[START:.*]] = arith.andi %[[SHIFTED]], %[[MASK]]
// CHECK-DAG:     %[[VALUE:.*]] = arith.ori %[[START]], %[[FIXED]]
// CHECK:         %[[PINNED:.*]] = llvm.inline_asm has_side_effects "", "=l,0" %[[VALUE]] : (i64) -> i64
// CHECK:         return %[[PINNED]]
func.func @descriptor_b128(%address: i64) -> i64 {
  %d = mla_gpu.warpgroup.descriptor %address swizzle = b128, leading = 16, stride = 1024
  return %d : i64
}

// -----

// The other layout types: none = 0, b64 = 2, b32 = 3 (leading 128 → 8 at
// bit 16, stride 256 → 16 at bit 32).
// CHECK-LABEL: func.func @descriptor_layouts
// CHECK-DAG:     arith.constant 68720001024 : i64
// CHECK-DAG:     arith.constant -9223371968134774784 : i64
// CHECK-DAG:     arith.constant -4611685949707386880 : i64
func.func @descriptor_layouts(%address: i64) -> (i64, i64, i64) {
  %none = mla_gpu.warpgroup.descriptor %address swizzle = none, leading = 128, stride = 256
  %b64 = mla_gpu.warpgroup.descriptor %address swizzle = b64, leading = 128, stride = 256
  %b32 = mla_gpu.warpgroup.descriptor %address swizzle = b32, leading = 128, stride = 256
  return %none, %b64, %b32 : i64, i64, i64
}

// -----

// A tile MMA: one statement holding the fence, one wgmma per k-step (step
// k's descriptors are the first step's plus its offset in 16-byte units:
// A 32 bytes a step and the next 8192-byte atom every 4 steps, B 2048 bytes
// a step), the commit and the wait; the first step scales the accumulator by
// 0 (not accumulate), the others by 1; B N-major (b_n_major: trans-b 1).
// The accumulator's registers are tied ($0..$3: the fragment's rows, then
// columns), the descriptors are $8, $9.
// CHECK-LABEL: func.func @warpgroup_mma
// CHECK-SAME:    (%[[A:.*]]: i64, %[[B:.*]]: i64, %[[ACC:.*]]: vector<2x2xf32>)
// CHECK:         %[[R00:.*]] = vector.extract %[[ACC]][0, 0]
// CHECK-NEXT:    %[[R01:.*]] = vector.extract %[[ACC]][0, 1]
// CHECK-NEXT:    %[[R10:.*]] = vector.extract %[[ACC]][1, 0]
// CHECK-NEXT:    %[[R11:.*]] = vector.extract %[[ACC]][1, 1]
// CHECK-NEXT:    %[[S:.*]] = llvm.inline_asm has_side_effects "{\0A.reg .pred scale_d;\0A.reg .b64 desc_a, desc_b;\0Awgmma.fence.sync.aligned;\0Asetp.ne.b32 scale_d, 0, 0;\0Aadd.s64 desc_a, $8, 0;\0Aadd.s64 desc_b, $9, 0;\0Awgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 {$0, $1, $2, $3}, desc_a, desc_b, scale_d, 1, 1, 0, 1;\0Asetp.ne.b32 scale_d, 1, 0;\0Aadd.s64 desc_a, $8, 2;\0Aadd.s64 desc_b, $9, 128;\0Awgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 {$0, $1, $2, $3}, desc_a, desc_b, scale_d, 1, 1, 0, 1;\0Aadd.s64 desc_a, $8, 4;\0Aadd.s64 desc_b, $9, 256;\0Awgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 {$0, $1, $2, $3}, desc_a, desc_b, scale_d, 1, 1, 0, 1;\0Aadd.s64 desc_a, $8, 6;\0Aadd.s64 desc_b, $9, 384;\0Awgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 {$0, $1, $2, $3}, desc_a, desc_b, scale_d, 1, 1, 0, 1;\0Aadd.s64 desc_a, $8, 512;\0Aadd.s64 desc_b, $9, 512;\0Awgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 {$0, $1, $2, $3}, desc_a, desc_b, scale_d, 1, 1, 0, 1;\0Awgmma.commit_group.sync.aligned;\0Awgmma.wait_group.sync.aligned 0;\0A}", "=f,=f,=f,=f,0,1,2,3,l,l,~{memory}" %[[R00]], %[[R01]], %[[R10]], %[[R11]], %[[A]], %[[B]] : (f32, f32, f32, f32, i64, i64) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:         %[[D0:.*]] = llvm.extractvalue %[[S]][0]
// CHECK-NEXT:    %[[D1:.*]] = llvm.extractvalue %[[S]][1]
// CHECK-NEXT:    %[[D2:.*]] = llvm.extractvalue %[[S]][2]
// CHECK-NEXT:    %[[D3:.*]] = llvm.extractvalue %[[S]][3]
// CHECK-NEXT:    %[[OUT:.*]] = vector.from_elements %[[D0]], %[[D1]], %[[D2]], %[[D3]] : vector<2x2xf32>
// CHECK-NEXT:    return %[[OUT]]
// CHECK-NOT:     mla_gpu.
func.func @warpgroup_mma(%a: i64, %b: i64, %acc: vector<2x2xf32>) -> vector<2x2xf32> {
  %s = mla_gpu.warpgroup.mma %a, %b, (%acc) steps 5 advance([32, 4, 8192], [2048, 1, 2048]) element bf16 b_n_major
  return %s : vector<2x2xf32>
}

// -----

// accumulate: every step adds to the accumulator (scale-d 1 from the first);
// f16 operands, K-major B (trans-b 0).
// CHECK-LABEL: func.func @warpgroup_mma_accumulate
// CHECK:         llvm.inline_asm has_side_effects "{\0A.reg .pred scale_d;\0A.reg .b64 desc_a, desc_b;\0Awgmma.fence.sync.aligned;\0Asetp.ne.b32 scale_d, 1, 0;\0Aadd.s64 desc_a, $8, 0;\0Aadd.s64 desc_b, $9, 0;\0Awgmma.mma_async.sync.aligned.m64n8k16.f32.f16.f16 {$0, $1, $2, $3}, desc_a, desc_b, scale_d, 1, 1, 0, 0;\0Aadd.s64 desc_a, $8, 2;\0Aadd.s64 desc_b, $9, 2;\0Awgmma.mma_async.sync.aligned.m64n8k16.f32.f16.f16 {$0, $1, $2, $3}, desc_a, desc_b, scale_d, 1, 1, 0, 0;\0Awgmma.commit_group.sync.aligned;\0Awgmma.wait_group.sync.aligned 0;\0A}", "=f,=f,=f,=f,0,1,2,3,l,l,~{memory}"
func.func @warpgroup_mma_accumulate(%a: i64, %b: i64, %acc: vector<2x2xf32>) -> vector<2x2xf32> {
  %s = mla_gpu.warpgroup.mma %a, %b, (%acc) steps 2 advance([32, 4, 8192], [32, 4, 4096]) element f16 accumulate
  return %s : vector<2x2xf32>
}

// -----

// async: the statement ends at the commit; the wait that ties the in-flight
// C fragments is its own statement, their registers rebuilt into fragments.
// CHECK-LABEL: func.func @warpgroup_mma_async
// CHECK:         llvm.inline_asm has_side_effects "{\0A.reg .pred scale_d;\0A.reg .b64 desc_a, desc_b;\0Awgmma.fence.sync.aligned;\0Asetp.ne.b32 scale_d, 0, 0;\0Aadd.s64 desc_a, $8, 0;\0Aadd.s64 desc_b, $9, 0;\0Awgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 {$0, $1, $2, $3}, desc_a, desc_b, scale_d, 1, 1, 0, 0;\0Awgmma.commit_group.sync.aligned;\0A}", "=f,=f,=f,=f,0,1,2,3,l,l,~{memory}"
// CHECK:         %[[T:.*]] = llvm.inline_asm has_side_effects "wgmma.wait_group.sync.aligned 1;", "=f,=f,=f,=f,0,1,2,3,~{memory}"
// CHECK-COUNT-4: llvm.extractvalue %[[T]]
// CHECK-NEXT:    %[[OUT:.*]] = vector.from_elements {{.*}} : vector<2x2xf32>
// CHECK-NEXT:    return %[[OUT]]
func.func @warpgroup_mma_async(%a: i64, %b: i64, %acc: vector<2x2xf32>) -> vector<2x2xf32> {
  %s = mla_gpu.warpgroup.mma %a, %b, (%acc) steps 1 advance([32, 4, 8192], [32, 4, 8192]) element bf16 async
  %t = mla_gpu.warpgroup.wait 1 tie(%s : vector<2x2xf32>)
  return %t : vector<2x2xf32>
}

// -----

// A from registers: each A fragment's four rows become four 32-bit registers
// (a bitcast of the row's two bf16), operands after the accumulator's tied
// ones; B's descriptor last; trans-b only (A is not transposed from
// registers). Two steps, N-major B 2048 bytes apart; the first step
// overwrites the accumulator.
// CHECK-LABEL: func.func @warpgroup_mma_rs
// CHECK-SAME:    (%[[P:.*]]: vector<4x2xbf16>, %[[Q:.*]]: vector<4x2xbf16>, %[[B:.*]]: i64, %[[ACC:.*]]: vector<2x2xf32>)
// CHECK:         %[[P0:.*]] = vector.extract %[[P]][0] : vector<2xbf16> from vector<4x2xbf16>
// CHECK-NEXT:    %[[R0:.*]] = llvm.bitcast %[[P0]] : vector<2xbf16> to i32
// CHECK-COUNT-3: llvm.bitcast %{{.*}} : vector<2xbf16> to i32
// CHECK:         %[[Q0:.*]] = vector.extract %[[Q]][0] : vector<2xbf16> from vector<4x2xbf16>
// CHECK-NEXT:    %[[S0:.*]] = llvm.bitcast %[[Q0]] : vector<2xbf16> to i32
// CHECK-COUNT-3: llvm.bitcast %{{.*}} : vector<2xbf16> to i32
// CHECK-COUNT-4: vector.extract %[[ACC]][{{[01]}}, {{[01]}}] : f32 from vector<2x2xf32>
// CHECK:         llvm.inline_asm has_side_effects "{\0A.reg .pred scale_d;\0A.reg .b64 desc_b;\0Awgmma.fence.sync.aligned;\0Asetp.ne.b32 scale_d, 0, 0;\0Aadd.s64 desc_b, $16, 0;\0Awgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 {$0, $1, $2, $3}, {$8, $9, $10, $11}, desc_b, scale_d, 1, 1, 1;\0Asetp.ne.b32 scale_d, 1, 0;\0Aadd.s64 desc_b, $16, 128;\0Awgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 {$0, $1, $2, $3}, {$12, $13, $14, $15}, desc_b, scale_d, 1, 1, 1;\0Awgmma.commit_group.sync.aligned;\0Awgmma.wait_group.sync.aligned 0;\0A}", "=f,=f,=f,=f,0,1,2,3,r,r,r,r,r,r,r,r,l,~{memory}" %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[R0]], %{{.*}}, %{{.*}}, %{{.*}}, %[[S0]], %{{.*}}, %{{.*}}, %{{.*}}, %[[B]] : (f32, f32, f32, f32, i32, i32, i32, i32, i32, i32, i32, i32, i64) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:         vector.from_elements {{.*}} : vector<2x2xf32>
// CHECK-NOT:     mla_gpu.
func.func @warpgroup_mma_rs(%p: vector<4x2xbf16>, %q: vector<4x2xbf16>, %b: i64, %acc: vector<2x2xf32>) -> vector<2x2xf32> {
  %o = mla_gpu.warpgroup.mma_rs (%p, %q), %b, (%acc) advance [2048, 1, 2048] b_n_major : vector<4x2xbf16>, vector<4x2xbf16>
  return %o : vector<2x2xf32>
}

// -----

// A warp's tile product: per 16-wide k-step an ldmatrix.x4 of A at (r0 + the
// lane's row, c0 + 16·step + the lane's column) and, per 16 columns of N, an
// ldmatrix.x4 of B and two mma.sync m16n8k16 (one per 8-column half). With
// B n-major (rows are n) the lane's B row is j + 8·(i / 2) and its column
// 8·(i mod 2), for lane 8·i + j. k = 32, N = 32: per step an A load and
// twice a B load and two MMAs.
// CHECK-LABEL: func.func @warp_mma_n_major
// CHECK-SAME:    (%[[A:.*]]: memref<64x72xbf16, #gpu.address_space<workgroup>>, %[[B:.*]]: memref<2x64x72xbf16, #gpu.address_space<workgroup>>, %[[R:.*]]: index, %[[S:.*]]: index, %[[Z:.*]]: vector<2x2xf32>)
// CHECK:         %[[TID:.*]] = gpu.thread_id x
// CHECK:         %[[LANE:.*]] = arith.remui %[[TID]], %{{.*}} : index
// CHECK:         %[[I:.*]] = arith.divui %[[LANE]], %{{.*}} : index
// CHECK:         %[[J:.*]] = arith.remui %[[LANE]], %{{.*}} : index
// CHECK:         %[[LOW:.*]] = arith.muli
// CHECK:         %[[HIGH:.*]] = arith.muli
// CHECK:         %[[ROWMAJOR:.*]] = arith.addi %[[J]], %[[LOW]]
// CHECK:         %[[NMAJOR:.*]] = arith.addi %[[J]], %[[HIGH]]
// CHECK:         %[[AROW:.*]] = arith.addi %[[R]], %[[ROWMAJOR]]
// CHECK:         %[[ACOL:.*]] = arith.addi %[[R]], %[[HIGH]]
// CHECK:         %[[BROW:.*]] = arith.addi %[[R]], %[[NMAJOR]]
// CHECK:         %[[BCOL:.*]] = arith.addi %[[R]], %[[LOW]]
// CHECK:         nvgpu.ldmatrix %[[A]][%[[AROW]], %[[ACOL]]] {numTiles = 4 : i32, transpose = false}
// CHECK:         nvgpu.ldmatrix %[[B]][%[[S]], %[[BROW]], %[[BCOL]]] {numTiles = 4 : i32, transpose = false}
// CHECK-COUNT-2: nvvm.mma.sync {{.*}} {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK:         nvgpu.ldmatrix %[[B]]
// CHECK-COUNT-2: nvvm.mma.sync
// CHECK:         nvgpu.ldmatrix %[[A]]
// CHECK:         nvgpu.ldmatrix %[[B]]
// CHECK-COUNT-2: nvvm.mma.sync
// CHECK:         nvgpu.ldmatrix %[[B]]
// CHECK-COUNT-2: nvvm.mma.sync
// CHECK-NOT:     nvvm.mma.sync
// CHECK-NOT:     mla_gpu.
func.func @warp_mma_n_major(%a: memref<64x72xbf16, #gpu.address_space<workgroup>>,
                            %b: memref<2x64x72xbf16, #gpu.address_space<workgroup>>,
                            %r: index, %s: index, %z: vector<2x2xf32>)
    -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>) {
  %o:4 = mla_gpu.warp.mma %a[%r, %r], %b[%s, %r, %r], (%z, %z, %z, %z) k 32 b_n_major : memref<64x72xbf16, #gpu.address_space<workgroup>>, memref<2x64x72xbf16, #gpu.address_space<workgroup>>
  return %o#0, %o#1, %o#2, %o#3 : vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>
}

// -----

// B k-major (rows are k): read transposed, the lane's B row and column as
// A's (j + 8·(i mod 2), 8·(i / 2)); f16 fragments go to mma.sync as
// vector<2xf16> registers.
// CHECK-LABEL: func.func @warp_mma_k_major
// CHECK:         nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false} : memref<64x72xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// CHECK:         nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = true} : memref<64x72xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// CHECK-COUNT-2: nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NOT:     nvvm.mma.sync
func.func @warp_mma_k_major(%a: memref<64x72xf16, #gpu.address_space<workgroup>>,
                            %b: memref<64x72xf16, #gpu.address_space<workgroup>>,
                            %r: index, %z: vector<2x2xf32>) -> vector<2x2xf32> {
  %o:2 = mla_gpu.warp.mma %a[%r, %r], %b[%r, %r], (%z, %z) k 16 : memref<64x72xf16, #gpu.address_space<workgroup>>, memref<64x72xf16, #gpu.address_space<workgroup>>
  return %o#1 : vector<2x2xf32>
}

// -----

// The split combine over a static count (2 splits): both lse loads and the
// running max, then both partial loads before any use (all in flight), then
// per split w = e^(lse − max) (0 when the max is −inf: no token) added to
// the weighted sum and the total, and the sum divided by the total (0 for a
// total of 0).
// CHECK-LABEL: func.func @combine_static
// CHECK-SAME:    (%[[P:.*]]: memref<?x8x2x64xf32>, %[[L:.*]]: memref<?x8x2xf32>, %[[B:.*]]: index, %[[R:.*]]: index, %[[C:.*]]: index)
// CHECK-DAG:     %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[L0:.*]] = memref.load %[[L]][%[[B]], %[[R]], %{{.*}}]
// CHECK:         %[[M0:.*]] = arith.maximumf %[[NEGINF]], %[[L0]]
// CHECK:         %[[L1:.*]] = memref.load %[[L]][%[[B]], %[[R]], %{{.*}}]
// CHECK:         %[[TOP:.*]] = arith.maximumf %[[M0]], %[[L1]]
// CHECK:         %[[P0:.*]] = vector.load %[[P]][%[[B]], %[[R]], %{{.*}}, %[[C]]] {alignment = 16 : i64} : memref<?x8x2x64xf32>, vector<4xf32>
// CHECK:         %[[P1:.*]] = vector.load %[[P]][%[[B]], %[[R]], %{{.*}}, %[[C]]] {alignment = 16 : i64}
// CHECK:         arith.cmpf oeq, %[[TOP]], %[[NEGINF]]
// CHECK:         %[[D0:.*]] = arith.subf %[[L0]], %[[TOP]]
// CHECK:         math.exp %[[D0]]
// CHECK:         vector.fma %{{.*}}, %[[P0]], %{{.*}}
// CHECK:         %[[D1:.*]] = arith.subf %[[L1]], %[[TOP]]
// CHECK:         math.exp %[[D1]]
// CHECK:         %[[SUM:.*]] = vector.fma %{{.*}}, %[[P1]], %{{.*}}
// CHECK:         %[[TOTAL:.*]] = arith.addf
// CHECK:         arith.cmpf ogt, %[[TOTAL]]
// CHECK:         arith.divf %{{.*}}, %[[TOTAL]]
// CHECK:         %[[OUT:.*]] = arith.mulf %[[SUM]]
// CHECK:         return %[[OUT]]
// CHECK-NOT:     scf.for
func.func @combine_static(%partial: memref<?x8x2x64xf32>, %lse: memref<?x8x2xf32>,
                          %b: index, %r: index, %c: index) -> vector<4xf32> {
  %v = mla_gpu.combine_splits %partial[%b, %r, %c], %lse : memref<?x8x2x64xf32>, memref<?x8x2xf32>
  return %v : vector<4xf32>
}

// -----

// A run-time count: a loop for the largest lse, a loop for the weighted sum.
// CHECK-LABEL: func.func @combine_dynamic
// CHECK-SAME:    %[[N:[a-z0-9]+]]: index)
// CHECK:         %[[TOP:.*]] = scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f32)
// CHECK:           memref.load
// CHECK:           arith.maximumf
// CHECK:         %[[SUM:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args({{.*}}) -> (vector<4xf32>, f32)
// CHECK:           vector.load
// CHECK:           memref.load
// CHECK:           math.exp
// CHECK:           vector.fma
// CHECK:         arith.divf %{{.*}}, %[[SUM]]#1
// CHECK:         arith.mulf %[[SUM]]#0
func.func @combine_dynamic(%partial: memref<?x8x?x64xf32>, %lse: memref<?x8x?xf32>,
                           %b: index, %r: index, %c: index, %n: index) -> vector<4xf32> {
  %v = mla_gpu.combine_splits %partial[%b, %r, %c], %lse count %n : memref<?x8x?x64xf32>, memref<?x8x?xf32>
  return %v : vector<4xf32>
}

// -----

// A in registers (two A fragments: k = 32), B k-major [32 tokens, N = 16]
// read transposed: per fragment of A one ldmatrix.x4.trans of B (rows k0 +
// 16k + the lane's row) and two mma.sync on the given A fragment.
// CHECK-LABEL: func.func @warp_mma_rs
// CHECK-SAME:    (%[[P0:.*]]: vector<4x2xbf16>, %[[P1:.*]]: vector<4x2xbf16>, %[[B:.*]]: memref<3x32x584xbf16, #gpu.address_space<workgroup>>, %[[S:.*]]: index, %[[C:.*]]: index, %[[Z:.*]]: vector<2x2xf32>)
// CHECK:         %[[L0:.*]] = nvgpu.ldmatrix %[[B]][%[[S]], %{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK:         vector.extract_strided_slice %[[L0]] {offsets = [0, 0]
// CHECK:         vector.extract %[[P0]][0]
// CHECK:         nvvm.mma.sync
// CHECK:         vector.extract_strided_slice %[[L0]] {offsets = [2, 0]
// CHECK:         nvvm.mma.sync
// CHECK:         %[[L1:.*]] = nvgpu.ldmatrix %[[B]][%[[S]], %{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK:         vector.extract %[[P1]][0]
// CHECK:         nvvm.mma.sync
// CHECK:         nvvm.mma.sync
// CHECK-NOT:     nvvm.mma.sync
// CHECK-NOT:     mla_gpu.
func.func @warp_mma_rs(%p0: vector<4x2xbf16>, %p1: vector<4x2xbf16>,
                       %b: memref<3x32x584xbf16, #gpu.address_space<workgroup>>,
                       %s: index, %c: index, %z: vector<2x2xf32>) -> (vector<2x2xf32>, vector<2x2xf32>) {
  %c0 = arith.constant 0 : index
  %o:2 = mla_gpu.warp.mma_rs (%p0, %p1), %b[%s, %c0, %c], (%z, %z)
      : (vector<4x2xbf16>, vector<4x2xbf16>), memref<3x32x584xbf16, #gpu.address_space<workgroup>>
  return %o#0, %o#1 : vector<2x2xf32>, vector<2x2xf32>
}

// -----

// A failed input check, where the runtime installed its error record (a
// pointer in the module's __mla_error_record; null: none), claims the
// module's __mla_error_claim (device memory) by a compare-and-swap; the
// winner, unless an earlier kernel filled the record, writes request, value
// and limit, then the kind (1: attention_page) last. Both globals are
// defined here on first use.
// CHECK:       gpu.module @kernels
// CHECK-DAG:     llvm.mlir.global external @__mla_error_claim(0 : i32) {addr_space = 1 : i32, alignment = 4 : i64} : i32
// CHECK-DAG:     llvm.mlir.global external @__mla_error_record(0 : i64) {addr_space = 1 : i32, alignment = 8 : i64} : i64
// CHECK-LABEL:   gpu.func @check
// CHECK-SAME:      (%[[OK:.*]]: i1, %[[R:.*]]: index, %[[V:.*]]: index, %[[L:.*]]: index)
// CHECK:           %[[TRUE:.*]] = arith.constant true
// CHECK:           %[[BAD:.*]] = arith.xori %[[OK]], %[[TRUE]]
// CHECK:           scf.if %[[BAD]] {
// CHECK:             %[[AT:.*]] = llvm.mlir.addressof @__mla_error_record : !llvm.ptr<1>
// CHECK:             %[[REC:.*]] = llvm.load %[[AT]] : !llvm.ptr<1> -> !llvm.ptr
// CHECK:             %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK:             %[[SET:.*]] = llvm.icmp "ne" %[[REC]], %[[NULL]]
// CHECK:             scf.if %[[SET]] {
// CHECK:               %[[CLAIM:.*]] = llvm.mlir.addressof @__mla_error_claim : !llvm.ptr<1>
// CHECK:               %[[CAS:.*]] = llvm.cmpxchg %[[CLAIM]], %{{.*}}, %{{.*}} acq_rel monotonic : !llvm.ptr<1>, i32
// CHECK:               %[[WON:.*]] = llvm.extractvalue %[[CAS]][1]
// CHECK:               %[[KIND0:.*]] = llvm.load volatile %[[REC]] {alignment = 8 : i64} : !llvm.ptr -> i64
// CHECK:               %[[EMPTY:.*]] = llvm.icmp "eq" %[[KIND0]], %{{.*}} : i64
// CHECK:               %[[FIRST:.*]] = arith.andi %[[WON]], %[[EMPTY]]
// CHECK:               scf.if %[[FIRST]] {
// CHECK:                 %[[R64:.*]] = arith.index_cast %[[R]] : index to i64
// CHECK:                 %[[F1:.*]] = llvm.getelementptr %[[REC]][1] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK:                 llvm.store volatile %[[R64]], %[[F1]] {alignment = 8 : i64}
// CHECK:                 %[[V64:.*]] = arith.index_cast %[[V]] : index to i64
// CHECK:                 %[[F2:.*]] = llvm.getelementptr %[[REC]][2]
// CHECK:                 llvm.store volatile %[[V64]], %[[F2]]
// CHECK:                 %[[L64:.*]] = arith.index_cast %[[L]] : index to i64
// CHECK:                 %[[F3:.*]] = llvm.getelementptr %[[REC]][3]
// CHECK:                 llvm.store volatile %[[L64]], %[[F3]]
// CHECK:                 %[[KIND:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK:                 %[[F0:.*]] = llvm.getelementptr %[[REC]][0]
// CHECK:                 llvm.store volatile %[[KIND]], %[[F0]]
// CHECK-NOT:       mla_gpu.check_input
// input-checks=false drops the check: no record, no claim, nothing left.
// NO-CHECKS-NOT:   __mla_error
// NO-CHECKS:       gpu.func @check(%{{.*}}: i1, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index) kernel {
// NO-CHECKS-NEXT:    gpu.return
// NO-CHECKS-NOT:   __mla_error
gpu.module @kernels {
  gpu.func @check(%ok: i1, %r: index, %v: index, %l: index) kernel {
    mla_gpu.check_input %ok, attention_page (request %r, value %v, limit %l)
    gpu.return
  }
}

// -----

// mla_gpu.exp2: the ftz special-function instruction by its intrinsic (no
// side effects: not an inline asm statement).
// CHECK-LABEL: gpu.func @exp2
// CHECK:         %[[E:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%{{.*}}) : (f32) -> f32
// CHECK-NEXT:    llvm.store %[[E]]
gpu.module @kernels {
  gpu.func @exp2(%x: f32, %p: !llvm.ptr) kernel {
    %e = mla_gpu.exp2 %x : f32
    llvm.store %e, %p : f32, !llvm.ptr
    gpu.return
  }
}
