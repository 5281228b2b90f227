// RUN: mla-opt %s --split-input-file --convert-mla-to-gpu | FileCheck %s --check-prefix=OP
// (The second case has no mla op: the pass must not need one to find the
// module's target.)
// RUN: mla-opt %s --split-input-file --mla-gpu-expand-kernels | FileCheck %s --check-prefix=KERNEL

// mla.rms_norm becomes the rows kernel's op on buffers, and that op the
// `rms_norm` kernel: a warp per row, four rows per CTA, the sum of squares
// reduced by five xor shuffles, the rounding to the result type fused in.

// OP-LABEL: func.func @norm
// OP:         %[[ROWS:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<?x2x64xbf16> into tensor<?x64xbf16>
// OP:         %[[IN:.*]] = bufferization.to_buffer %[[ROWS]] read_only : tensor<?x64xbf16> to memref<?x64xbf16, strided<[?, 1], offset: ?>>
// OP:         %[[W:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<64xbf16> to memref<64xbf16>
// OP:         %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x64xbf16>
// OP:         mla_gpu.rms_norm %[[IN]], %[[W]] into %[[OUT]] {epsilon = 1.000000e-05 : f64}
// OP:         %[[T:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// OP:         %[[R:.*]] = tensor.expand_shape %[[T]] {{\[}}[0, 1], [2]] output_shape [%{{.*}}, 2, 64]
// OP:         return %[[R]]
func.func @norm(%x: tensor<?x2x64xbf16>, %w: tensor<64xbf16>) -> tensor<?x2x64xbf16> {
  %n = mla.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : tensor<?x2x64xbf16>, tensor<64xbf16>
  return %n : tensor<?x2x64xbf16>
}

// -----

// KERNEL-LABEL: func.func @kernel
// KERNEL-DAG:     %[[C0:.*]] = arith.constant 0 : index
// KERNEL-DAG:     %[[ROWS:.*]] = memref.dim %{{.*}}, %[[C0]]
// KERNEL:         gpu.launch blocks({{.*}}) in ({{.*}} = %{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}}, {{.*}})
// KERNEL:           %[[ROW:.*]] = arith.addi
// KERNEL:           scf.if %{{.*}} {
// The 512 columns, 16 per lane, eight per iteration: their loads issue
// together.
// KERNEL:             %[[SQ:.*]] = scf.for %[[C:.*]] = %{{.*}} to %c512 step %c256 iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32) {
// KERNEL-COUNT-7:       arith.addi %[[C]], %c{{[0-9]+}} : index
// KERNEL:               %[[X:.*]] = memref.load %{{.*}}[%[[ROW]], %[[C]]] : memref<?x512xf32, strided<[576, 1], offset: ?>>
// KERNEL-COUNT-7:       memref.load
// KERNEL-NEXT:          math.fma %[[X]], %[[X]], %[[ACC]] : f32
// KERNEL-COUNT-7:       math.fma
// KERNEL-NEXT:          scf.yield
// KERNEL:             gpu.shuffle  xor %[[SQ]], %c16{{.*}}, %c32
// KERNEL:             gpu.shuffle  xor %{{.*}}, %c8{{.*}}, %c32
// KERNEL:             gpu.shuffle  xor %{{.*}}, %c4{{.*}}, %c32
// KERNEL:             gpu.shuffle  xor %{{.*}}, %c2{{.*}}, %c32
// KERNEL:             gpu.shuffle  xor %{{.*}}, %c1{{.*}}, %c32
// KERNEL:             %[[RSTD:.*]] = math.rsqrt
// KERNEL:             scf.for %{{.*}} = %{{.*}} to %c512 step %c256 {
// KERNEL:               %[[XS:.*]] = arith.mulf %{{.*}}, %[[RSTD]] : f32
// KERNEL:               %[[Y:.*]] = arith.mulf %[[XS]], %{{.*}} : f32
// KERNEL:               %[[B:.*]] = arith.truncf %[[Y]] : f32 to bf16
// KERNEL:               memref.store %[[B]], %{{.*}}[%[[ROW]], %{{.*}}] : memref<?x512xbf16>
// KERNEL:         } {mla.kernel = "rms_norm"}
func.func @kernel(%x: memref<?x512xf32, strided<[576, 1], offset: ?>>, %w: memref<512xbf16>,
                  %y: memref<?x512xbf16>) {
  mla_gpu.rms_norm %x, %w into %y {epsilon = 1.0e-06 : f64}
      : memref<?x512xf32, strided<[576, 1], offset: ?>>, memref<512xbf16> into memref<?x512xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                   qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

// mla.rope becomes the rope kernel's op, reading a slice of a wider tensor
// in place (strided rows) into a new buffer of the result's shape.
// OP-LABEL: func.func @rope
// OP:         %[[S:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 8] [%{{.*}}, 1, 2, 4] [1, 1, 1, 1] : tensor<?x1x2x12xbf16> to tensor<?x1x2x4xbf16>
// OP:         %[[IN:.*]] = bufferization.to_buffer %[[S]] read_only : tensor<?x1x2x4xbf16> to memref<?x1x2x4xbf16, strided<[?, ?, ?, 1], offset: ?>>
// OP:         %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x1x2x4xbf16>
// OP:         %[[POS:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<?x1xi32> to memref<?x1xi32>
// OP:         mla.rope_kernel %[[IN]], %[[POS]] into %[[OUT]] {config = #{{.*}}}
// OP:         %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// OP:         return %[[R]]
func.func @rope(%q: tensor<?x1x2x12xbf16>, %pos: tensor<?x1xi32>) -> tensor<?x1x2x4xbf16> {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %q, %c0 : tensor<?x1x2x12xbf16>
  %pe = tensor.extract_slice %q[0, 0, 0, 8] [%b, 1, 2, 4] [1, 1, 1, 1] : tensor<?x1x2x12xbf16> to tensor<?x1x2x4xbf16>
  %r = mla.rope %pe, %pos {config = #cfg} : tensor<?x1x2x4xbf16>, tensor<?x1xi32>
  return %r : tensor<?x1x2x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                   qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

// An f32 input rounded by arith.truncf is read unrounded: the kernel rounds.
// OP-LABEL: func.func @rope_rounded
// OP-NOT:     arith.truncf
// OP:         %[[IN:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<2x1x4xf32> to memref<2x1x4xf32, strided<[?, ?, 1], offset: ?>>
// OP:         %[[OUT:.*]] = memref.alloc() : memref<2x1x4xbf16>
// OP:         mla.rope_kernel %[[IN]], %{{.*}} into %[[OUT]] {{.*}} : memref<2x1x4xf32, strided<[?, ?, 1], offset: ?>>, memref<2x1xi32> into memref<2x1x4xbf16>
func.func @rope_rounded(%k: tensor<2x1x4xf32>, %pos: tensor<2x1xi32>) -> tensor<2x1x4xbf16> {
  %t = arith.truncf %k : tensor<2x1x4xf32> to tensor<2x1x4xbf16>
  %r = mla.rope %t, %pos {config = #cfg} : tensor<2x1x4xbf16>, tensor<2x1xi32>
  return %r : tensor<2x1x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                   qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

// kv_compress → rope → cache.append: the down-projection's f32 product by
// the library, then one kernel op for its epilogue, writing the cache's
// buffer in place; nothing of the three ops remains.
// OP-LABEL: func.func @kv_append
// OP-NOT:     mla.kv_compress
// OP:         %[[H:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<4x32xbf16> to memref<4x32xbf16>
// OP:         %[[KV:.*]] = memref.alloc() : memref<4x20xf32>
// OP:         mla_gpu.gemm cublaslt %[[H]], %{{.*}} into %[[KV]] : memref<4x32xbf16>, memref<32x20xbf16> into memref<4x20xf32>
// OP:         %[[CACHE:.*]] = bufferization.to_buffer %{{[a-z0-9]+}} : tensor<?x4x20xbf16> to memref<?x4x20xbf16>
// OP:         mla.kv_append_kernel %{{.*}}, %{{.*}}, %{{.*}} into %[[CACHE]][%{{.*}}, %{{.*}}] {config = #{{.*}}, epsilon = {{.*}} : f64} : memref<2x2x20xf32>, memref<16xbf16>, memref<2x2xi32> into memref<?x4x20xbf16>, memref<2x3xi32>, memref<2xi32>
// OP:         %[[R:.*]] = bufferization.to_tensor %[[CACHE]] restrict writable
// OP-NOT:     mla.rope
// OP-NOT:     mla.cache.append
// OP:         return %[[R]]
func.func @kv_append(%h: tensor<2x2x32xbf16>, %w: tensor<32x20xbf16>, %n: tensor<16xbf16>,
                     %pos: tensor<2x2xi32>, %cache: tensor<?x4x20xbf16>,
                     %bt: tensor<2x3xi32>, %lens: tensor<2xi32>) -> tensor<?x4x20xbf16> {
  %c, %k = mla.kv_compress %h down %w norm %n {config = #cfg}
      : (tensor<2x2x32xbf16>, tensor<32x20xbf16>, tensor<16xbf16>) -> (tensor<2x2x16xbf16>, tensor<2x2x4xbf16>)
  %kr = mla.rope %k, %pos {config = #cfg} : tensor<2x2x4xbf16>, tensor<2x2xi32>
  %new = mla.cache.append %c, %kr into %cache[%bt, %lens] {config = #cfg}
      : tensor<2x2x16xbf16>, tensor<2x2x4xbf16> into tensor<?x4x20xbf16>, tensor<2x3xi32>, tensor<2xi32>
  return %new : tensor<?x4x20xbf16>
}

// -----

#cfg = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                   qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>

// The cache read again after the append (by its old value): not fused, the
// append stays for the generic path.
// OP-LABEL: func.func @kv_append_cache_reused
// OP-NOT:     mla.kv_append_kernel
// OP:         mla.cache.append
func.func @kv_append_cache_reused(%h: tensor<2x2x32xbf16>, %w: tensor<32x20xbf16>, %n: tensor<16xbf16>,
                     %pos: tensor<2x2xi32>, %cache: tensor<?x4x20xbf16>,
                     %bt: tensor<2x3xi32>, %lens: tensor<2xi32>) -> (tensor<?x4x20xbf16>, tensor<?x4x20xbf16>) {
  %c, %k = mla.kv_compress %h down %w norm %n {config = #cfg}
      : (tensor<2x2x32xbf16>, tensor<32x20xbf16>, tensor<16xbf16>) -> (tensor<2x2x16xbf16>, tensor<2x2x4xbf16>)
  %kr = mla.rope %k, %pos {config = #cfg} : tensor<2x2x4xbf16>, tensor<2x2xi32>
  %new = mla.cache.append %c, %kr into %cache[%bt, %lens] {config = #cfg}
      : tensor<2x2x16xbf16>, tensor<2x2x4xbf16> into tensor<?x4x20xbf16>, tensor<2x3xi32>, tensor<2xi32>
  return %new, %cache : tensor<?x4x20xbf16>, tensor<?x4x20xbf16>
}

// -----

#cfg = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                   qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8,
                   rope_style = interleaved>

// The rope kernel: a CTA per (token, group of heads), a thread per (pair,
// eight heads) — with R = 4, two pairs and 64 head groups —, the
// interleaved pair (2p, 2p + 1), the angle in f64 once per thread, then the
// pair rotated in eight heads: their loads first (the head clamped into the
// two there are), then the stores, each guarded by its head.
// KERNEL-LABEL: func.func @rope_kernel
// KERNEL-DAG:     %[[C2:.*]] = arith.constant 2 : index
// KERNEL-DAG:     %[[C64:.*]] = arith.constant 64 : index
// KERNEL:         gpu.launch blocks({{.*}}) in ({{.*}} = %{{.*}}, {{.*}}) threads(%{{.*}}, %[[TY:.*]], %{{.*}}) in ({{.*}} = %[[C2]], {{.*}} = %[[C64]], {{.*}})
// KERNEL:           %[[POS:.*]] = memref.load %{{.*}} : memref<?x1xi32>
// KERNEL:           scf.for %[[P:.*]] = %{{.*}} to %[[C2]] step %[[C2]] {
// KERNEL:             %[[C0:.*]] = arith.muli %[[P]], %[[C2]]
// KERNEL:             %[[C1:.*]] = arith.addi %[[C0]], %{{.*}}
// KERNEL:             math.powf %{{.*}} : f64
// KERNEL:             arith.sitofp %[[POS]] : i32 to f64
// KERNEL:             math.cos %{{.*}} : f64
// KERNEL:             math.sin %{{.*}} : f64
// KERNEL-NOT:         math.cos
// KERNEL:             %[[H0:.*]] = arith.minsi
// KERNEL:             memref.load %{{.*}}[%{{.*}}, %{{.*}}, %[[H0]], %[[C0]]] : memref<?x1x2x4xbf16, strided<[?, ?, ?, 1], offset: ?>>
// KERNEL:             memref.load %{{.*}}[%{{.*}}, %{{.*}}, %[[H0]], %[[C1]]]
// KERNEL-COUNT-14:    memref.load
// KERNEL:             scf.if
// KERNEL:               memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %[[C0]]] : memref<?x1x2x4xbf16>
// KERNEL:               memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %[[C1]]] : memref<?x1x2x4xbf16>
// KERNEL-COUNT-7:     scf.if
// KERNEL:         } {mla.kernel = "rope"}
func.func @rope_kernel(%x: memref<?x1x2x4xbf16, strided<[?, ?, ?, 1], offset: ?>>,
                       %pos: memref<?x1xi32>, %y: memref<?x1x2x4xbf16>) {
  mla.rope_kernel %x, %pos into %y {config = #cfg}
      : memref<?x1x2x4xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x1xi32> into memref<?x1x2x4xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                   qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8, rope_style = half>

// The kv append kernel: a warp per token; its slot from seq_lens and the
// block table, written only inside the table row and the cache (a position
// before the row's start or past its end, or a page outside the cache, is
// reported: check_input); the latent columns normalised (shuffle
// reduction), the rope columns (half pairing: p, p + 2) rounded to bf16
// before the rotation, both stored into the page.
// KERNEL-LABEL: func.func @kv_append_kernel
// KERNEL:         gpu.launch
// KERNEL:           %[[LEN:.*]] = memref.load %{{.*}} : memref<2xi32>
// KERNEL:           mla_gpu.check_input %{{.*}}, append_before_start(request %{{.*}}, value %{{.*}}, limit %{{.*}})
// KERNEL:           mla_gpu.check_input %{{.*}}, append_length(request %{{.*}}, value %{{.*}}, limit %{{.*}})
// KERNEL:           scf.if %{{.*}} {
// KERNEL:             %[[PAGE:.*]] = memref.load %{{.*}} : memref<2x3xi32>
// KERNEL:             mla_gpu.check_input %{{.*}}, append_page(request %{{.*}}, value %{{.*}}, limit %{{.*}})
// KERNEL:             scf.if %{{.*}} {
// KERNEL:               %[[SLOT:.*]] = arith.remui
// KERNEL:               scf.for {{.*}} iter_args
// KERNEL:                 math.fma
// KERNEL-COUNT-5:       gpu.shuffle  xor
// KERNEL:               math.rsqrt
// KERNEL:               scf.for
// KERNEL:                 memref.store %{{.*}}, %{{.*}}[%{{.*}}, %[[SLOT]], %{{.*}}] : memref<?x4x20xbf16>
// KERNEL:               scf.for %[[P:.*]] =
// KERNEL:                 %[[C1:.*]] = arith.addi %[[P]], %c2
// KERNEL:                 %[[X0:.*]] = memref.load %{{.*}} : memref<2x2x20xf32>
// KERNEL:                 arith.truncf %[[X0]] : f32 to bf16
// KERNEL:                 math.cos
// KERNEL:                 memref.store %{{.*}}, %{{.*}}[%{{.*}}, %[[SLOT]], %{{.*}}] : memref<?x4x20xbf16>
// KERNEL:                 memref.store %{{.*}}, %{{.*}}[%{{.*}}, %[[SLOT]], %{{.*}}] : memref<?x4x20xbf16>
// KERNEL:         } {mla.kernel = "kv_append"}
func.func @kv_append_kernel(%kv: memref<2x2x20xf32>, %n: memref<16xbf16>, %pos: memref<2x2xi32>,
                            %cache: memref<?x4x20xbf16>, %bt: memref<2x3xi32>, %lens: memref<2xi32>) {
  mla.kv_append_kernel %kv, %n, %pos into %cache[%bt, %lens] {config = #cfg, epsilon = 1.0e-06 : f64}
      : memref<2x2x20xf32>, memref<16xbf16>, memref<2x2xi32> into memref<?x4x20xbf16>, memref<2x3xi32>, memref<2xi32>
  return
}

// -----

#cfg = #mla.config<heads = 64, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                   qk_nope_dim = 64, qk_rope_dim = 64, v_head_dim = 64>

// With heads a multiple of a CTA's 32 (4 groups × 8), no head is clamped or
// guarded: two CTAs per token, 32 pairs × 4 groups per CTA.
// KERNEL-LABEL: func.func @rope_kernel_exact
// KERNEL-DAG:     %[[C2:.*]] = arith.constant 2 : index
// KERNEL-DAG:     %[[C4:.*]] = arith.constant 4 : index
// KERNEL-DAG:     %[[C32:.*]] = arith.constant 32 : index
// KERNEL:         gpu.launch blocks({{.*}}) in ({{.*}} = %{{.*}}, {{.*}} = %[[C2]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C32]], {{.*}} = %[[C4]], {{.*}})
// KERNEL-NOT:       arith.minsi
// KERNEL-NOT:       scf.if
// KERNEL:         } {mla.kernel = "rope"}
func.func @rope_kernel_exact(%x: memref<?x1x64x64xbf16>, %pos: memref<?x1xi32>, %y: memref<?x1x64x64xbf16>) {
  mla.rope_kernel %x, %pos into %y {config = #cfg}
      : memref<?x1x64x64xbf16>, memref<?x1xi32> into memref<?x1x64x64xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 64, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                   qk_nope_dim = 64, qk_rope_dim = 64, v_head_dim = 64>

// k_pe [B, S, R] (no heads): one group of 32 pair threads per token; the f32
// input rounded to bf16 before the rotation.
// KERNEL-LABEL: func.func @rope_kernel_no_heads
// KERNEL-DAG:     %[[C1:.*]] = arith.constant 1 : index
// KERNEL-DAG:     %[[C32:.*]] = arith.constant 32 : index
// KERNEL:         gpu.launch blocks({{.*}}) in ({{.*}} = %{{.*}}, {{.*}} = %[[C1]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C32]], {{.*}} = %[[C1]], {{.*}})
// KERNEL-NOT:       scf.if
// KERNEL:           %[[X:.*]] = memref.load %{{.*}} : memref<2x1x64xf32>
// KERNEL:           %[[R:.*]] = arith.truncf %[[X]] : f32 to bf16
// KERNEL:           arith.extf %[[R]] : bf16 to f32
// KERNEL:         } {mla.kernel = "rope"}
func.func @rope_kernel_no_heads(%x: memref<2x1x64xf32>, %pos: memref<2x1xi32>, %y: memref<2x1x64xbf16>) {
  mla.rope_kernel %x, %pos into %y {config = #cfg}
      : memref<2x1x64xf32>, memref<2x1xi32> into memref<2x1x64xbf16>
  return
}
