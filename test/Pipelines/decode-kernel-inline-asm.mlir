// RUN: mla-opt %s --mla-gpu-pipeline='chip=sm_90a' -o /dev/null \
// RUN:   --mlir-print-ir-after=mla-gpu-expand-kernels \
// RUN:   --mlir-print-ir-after=convert-mla-gpu-to-nvvm \
// RUN:   --mlir-print-ir-after=convert-nvvm-to-llvm 2>&1 | FileCheck %s

// How much PTX text a V3 decode's kernels carry at each stage (wgmma + TMA,
// splits: the attention, the query-latent and combined value products) —
// at most 8 statements at any stage. The emitted kernels contain none:
// their barriers, fences and tile MMAs are mla_gpu ops.
// convert-mla-gpu-to-nvvm makes six: one statement per tile MMA (S = Q·Kᵀ
// and O += P·V, each its fence, k-steps, commit and wait with the
// accumulator tied) and the four descriptors (Q, K, P, V) kept in place.
// Upstream's convert-nvvm-to-llvm adds one: the TMA mbarrier's try-wait
// loop (nvgpu.mbarrier.try_wait.parity has no LLVM intrinsic).
// (docs/kernel-dialect.md)

// CHECK-LABEL: IR Dump After MLAGPUExpandKernels
// CHECK-NOT:   llvm.inline_asm
// CHECK:       mla_gpu.warpgroup.mma
// CHECK-NOT:   llvm.inline_asm
// CHECK-LABEL: IR Dump After ConvertMLAGPUToNVVM
// CHECK-NOT:   mla_gpu.
// CHECK-COUNT-6: llvm.inline_asm
// CHECK-NOT:   llvm.inline_asm
// CHECK-NOT:   mla_gpu.
// CHECK-LABEL: IR Dump After ConvertNVVMToLLVMPass
// CHECK-COUNT-7: llvm.inline_asm
// CHECK-NOT:   llvm.inline_asm

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
func.func @decode(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                  %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                  %cache: tensor<16x64x576xbf16>, %bt: tensor<2x8xi32>,
                  %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] causal
      tiling #mla.decode_tiling<splits = 2, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup, loads = tma>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<16x64x576xbf16>, tensor<2x8xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}
