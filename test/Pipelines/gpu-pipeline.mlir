// RUN: mla-opt %s --mla-gpu-pipeline | FileCheck %s
// RUN: mla-opt %s --mla-gpu-pipeline | FileCheck %s --check-prefix=DECL
// RUN: mla-opt %s --mla-gpu-pipeline | FileCheck %s --check-prefix=INPLACE
// RUN: mla-opt %s --mla-gpu-pipeline='chip=sm_80 features=+ptx70' | FileCheck %s --check-prefix=SM80
// RUN: mla-opt %s --mla-gpu-pipeline='target=a100' | FileCheck %s --check-prefix=A100
// RUN: mla-opt %s --mla-gpu-pipeline='chip=sm_100' | FileCheck %s --check-prefix=SM100
// RUN: mla-opt %s --mla-set-target=target=a100 | mla-opt --mla-gpu-pipeline='target=a100' | FileCheck %s --check-prefix=A100
// RUN: mla-opt %s --mla-set-target=target=a100 | not mla-opt --mla-gpu-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=OTHER
// RUN: mla-run %s --target=cuda --compile-only | FileCheck %s --check-prefix=JIT

// The generic GPU path, no GPU needed: every loop of the lowered block
// becomes a kernel in a gpu.binary holding PTX for the chip (isa format,
// JIT-compiled by the driver at load), and the host code is LLVM calling
// the mgpu* runtime on one stream: device buffers, launches. The cache is
// updated in its own buffer and returned as itself: no copy of it.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// DECL-DAG:   llvm.func @mgpuStreamCreate()
// DECL-DAG:   llvm.func @mgpuMemAlloc(i64, !llvm.ptr, i8) -> !llvm.ptr
// DECL-DAG:   llvm.func @mgpuMemFree(!llvm.ptr, !llvm.ptr)
// DECL-DAG:   llvm.func @mgpuStreamSynchronize(!llvm.ptr)
// INPLACE-NOT: mgpuMemcpy
// CHECK:      llvm.func @block(
// CHECK:        gpu.launch_func
// CHECK-NOT:  linalg.
// CHECK-NOT:  mla.
// CHECK:      gpu.binary @block_kernel
// CHECK-SAME:   #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// CHECK-SAME:   assembly = "
// CHECK-SAME:   .target sm_90a
// CHECK-SAME:   .entry
// SM80:       #nvvm.target<O = 3, chip = "sm_80", features = "+ptx70">
// SM80-SAME:  .target sm_80
// The PTX version comes from the chip table: 8.0, or the first that knows
// the chip (sm_100: 8.6).
// A100:       module attributes {{{.*}}mla.target = #mla.target<name = "a100", chip = "sm_80"
// A100:       #nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">
// A100-SAME:  .version 8.0
// A100-SAME:  .target sm_80
// SM100:      #nvvm.target<O = 3, chip = "sm_100", features = "+ptx86">
// SM100-SAME: .version 8.6
// SM100-SAME: .target sm_100
// OTHER: error: mla-set-target: the module targets a100 (sm_80), not h100 (sm_90a)
// JIT:        compiled @block for the GPU
func.func @block(%h: tensor<2x1x32xf32>, %pos: tensor<2x1xi32>,
    %wdq: tensor<32x16xf32>, %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>,
    %wdkv: tensor<32x20xf32>, %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %wo: tensor<16x32xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> (tensor<2x1x32xf32>, tensor<8x4x20xf32>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #small}
      : (tensor<2x1x32xf32>, tensor<2x1xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<16x32xf32>, tensor<8x4x20xf32>,
         tensor<2x4xi32>, tensor<2xi32>) -> (tensor<2x1x32xf32>, tensor<8x4x20xf32>)
  return %out, %cache1 : tensor<2x1x32xf32>, tensor<8x4x20xf32>
}
