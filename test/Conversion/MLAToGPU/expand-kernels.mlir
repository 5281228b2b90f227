// RUN: mla-opt %s --mla-gpu-expand-kernels --split-input-file | FileCheck %s

// mla-gpu-expand-kernels: an mla.decode_kernel becomes the attention
// kernel's gpu.launch — one CTA per (split, 64 query rows, request), 256
// threads (4 row groups × 2 column slices), dynamic shared memory for the
// query tile, 3 token stages and the score exchange — and, with splits, an
// f32 workspace and the combine kernel's launch (one CTA per query row and
// request, 4 columns per thread).

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @split_decode
// CHECK-DAG:  %[[SPLITS:.*]] = arith.constant 4 : index
// CHECK-DAG:  %[[ROWBLOCKS:.*]] = arith.constant 2 : index
// CHECK-DAG:  %[[THREADS:.*]] = arith.constant 256 : index
// CHECK-DAG:  %[[SMEM:.*]] = arith.constant 219648 : i32
// CHECK:      %[[PART:.*]] = memref.alloc() : memref<3x128x4x512xf32>
// CHECK:      %[[LSE:.*]] = memref.alloc() : memref<3x128x4xf32>
// CHECK:      gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[SPLITS]], %{{.*}} = %[[ROWBLOCKS]], %{{.*}} = %{{.*}}) threads(%{{.*}}) in (%{{.*}} = %[[THREADS]], {{.*}}) dynamic_shared_memory_size %[[SMEM]]
// CHECK:        gpu.dynamic_shared_memory
// CHECK-DAG:    memref.view {{.*}} to memref<64x584xbf16, #gpu.address_space<workgroup>>
// CHECK-DAG:    memref.view {{.*}} to memref<3x32x584xbf16, #gpu.address_space<workgroup>>
// CHECK-DAG:    memref.view {{.*}} to memref<2x8x16x32xf32, #gpu.address_space<workgroup>>
// CHECK:        nvgpu.device_async_copy {{.*}} : memref<3x1x128x512xbf16> to memref<64x584xbf16, #gpu.address_space<workgroup>>
// CHECK:        nvgpu.device_async_copy {{.*}} : memref<3x1x128x64xbf16> to memref<64x584xbf16, #gpu.address_space<workgroup>>
// CHECK:        nvgpu.device_async_copy {{.*}} : memref<?x64x576xbf16> to memref<3x32x584xbf16, #gpu.address_space<workgroup>>
// CHECK:        llvm.inline_asm has_side_effects "cp.async.commit_group;"
// CHECK:        scf.for
// CHECK:          llvm.inline_asm has_side_effects "cp.async.wait_group 1;"
// CHECK:          llvm.inline_asm has_side_effects "bar.sync 0;"
// CHECK:          nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false} : memref<64x584xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK:          nvvm.mma.sync {{.*}} {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK:          gpu.shuffle  xor
// CHECK:          math.exp2
// CHECK:          nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = true}
// CHECK:          scf.yield
// CHECK:        vector.store {{.*}} : memref<3x128x4x512xf32>, vector<2xf32>
// CHECK:        memref.store {{.*}} : memref<3x128x4xf32>
// CHECK:        gpu.terminator
// CHECK:      } {mla.kernel = "decode_attention"}
// CHECK:      gpu.launch
// CHECK:        scf.for
// CHECK:          math.exp
// CHECK:        vector.store {{.*}} : memref<3x1x128x512xbf16>, vector<4xbf16>
// CHECK:      } {mla.kernel = "decode_combine"}
// CHECK:      memref.dealloc %[[PART]]
// CHECK:      memref.dealloc %[[LSE]]
// CHECK-NOT:  mla.decode_kernel
func.func @split_decode(%q_lat: memref<3x1x128x512xbf16>, %q_pe: memref<3x1x128x64xbf16>,
                        %cache: memref<?x64x576xbf16>, %bt: memref<3x5xi32>,
                        %lens: memref<3xi32>, %out: memref<3x1x128x512xbf16>) {
  mla.decode_kernel %q_lat, %q_pe over %cache[%bt, %lens] into %out causal
      tiling #mla.decode_tiling<splits = 4, block_tokens = 32, heads_per_block = 64, stages = 3>
      {config = #v3}
      : memref<3x1x128x512xbf16>, memref<3x1x128x64xbf16>, memref<?x64x576xbf16>,
        memref<3x5xi32>, memref<3xi32>, memref<3x1x128x512xbf16>
  return
}

// -----

// Sixteen heads, f16, no split: one row group of 16 rows, the columns cut
// over 4 warps (128 threads); the CTA writes o_lat itself, no combine.
#h16 = #mla.config<heads = 16, hidden = 7168, q_lora_rank = 1536,
                   kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                   v_head_dim = 128>
// CHECK-LABEL: func.func @h16_f16
// CHECK-NOT:  memref.alloc
// CHECK:      gpu.launch {{.*}} threads(%{{.*}}) in (%{{.*}} = %{{.*}}, {{.*}}) dynamic_shared_memory_size
// CHECK:        nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<f16>
// CHECK:        vector.store {{.*}} : memref<?x1x16x512xf16>, vector<2xf16>
// CHECK:      } {mla.kernel = "decode_attention"}
// CHECK-NOT:  gpu.launch
func.func @h16_f16(%q_lat: memref<?x1x16x512xf16>, %q_pe: memref<?x1x16x64xf16>,
                   %cache: memref<?x16x576xf16>, %bt: memref<?x?xi32>,
                   %lens: memref<?xi32>, %out: memref<?x1x16x512xf16>) {
  mla.decode_kernel %q_lat, %q_pe over %cache[%bt, %lens] into %out
      tiling #mla.decode_tiling<splits = 1, block_tokens = 32, heads_per_block = 16, stages = 4>
      {config = #h16}
      : memref<?x1x16x512xf16>, memref<?x1x16x64xf16>, memref<?x16x576xf16>,
        memref<?x?xi32>, memref<?xi32>, memref<?x1x16x512xf16>
  return
}
