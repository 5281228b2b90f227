// RUN: mla-opt --mla-pipeline %s | mla-opt --mla-gpu-pipeline | FileCheck %s
// RUN: sed 's/loads = tma, producer = true/mma = sync/' %s | mla-opt --mla-pipeline | mla-opt --mla-gpu-pipeline | FileCheck %s --check-prefix=SYNC

// A varlen fused prefill (V2-Lite, bf16, any rows and requests) down to
// PTX: the gather over every request's cache, the two decompression GEMMs,
// and one attention launch on the same stream, with no host-side branch
// (its scan of query_starts is checked in
// Conversion/MLAToGPU/expand-prefill.mlir): warp-specialised with TMA, and
// the mma.sync kernel.

// CHECK:       gpu.launch_func {{.*}} @prefill_gather::@prefill_gather
// CHECK-NOT:   llvm.cond_br
// CHECK:       gpu.launch_func {{.*}} @prefill_attention::@prefill_attention
// CHECK:       gpu.binary @prefill_attention {{.*}}.maxntid 384, 1, 1{{.*}}setmaxnreg.{{.*}}cp.async.bulk.tensor.3d{{.*}}wgmma.mma_async
// SYNC:        gpu.binary @prefill_attention {{.*}}.maxntid 256, 1, 1{{.*}}ldmatrix.sync.aligned{{.*}}mma.sync.aligned.m16n8k16
#cfg = #mla.config<heads = 16, hidden = 2048, q_lora_rank = 0, kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128, rope_theta = 10000.0, rope_style = interleaved, rms_eps = 1.0e-06, yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 32.0, beta_slow = 1.0, mscale = 0.707, mscale_all_dim = 0.707>>
func.func @prefill(%a0: tensor<?x16x128xbf16>, %a1: tensor<?x16x64xbf16>, %a2: tensor<16x512x128xbf16>, %a3: tensor<16x512x128xbf16>, %a4: tensor<?x64x576xbf16>, %a5: tensor<?x?xi32>, %a6: tensor<?xi32>, %a7: tensor<?xi32>) -> tensor<?x16x128xbf16> {
  %o = mla.fused_prefill %a0, %a1 weights(%a2, %a3) over %a4[%a5, %a6] query_starts(%a7) causal tiling #mla.prefill_tiling<block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma, producer = true> {config = #cfg} : (tensor<?x16x128xbf16>, tensor<?x16x64xbf16>, tensor<16x512x128xbf16>, tensor<16x512x128xbf16>, tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x16x128xbf16>
  return %o : tensor<?x16x128xbf16>
}
