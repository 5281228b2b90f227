// RUN: mla-opt %s --mla-gpu-pipeline='chip=sm_90a' | FileCheck %s

// The wgmma decode kernel with TMA loads (loads = tma) through the whole GPU
// pipeline to PTX (no GPU needed): the host encodes the cache's tensor map
// through the runtime once, before the first launch, and passes it to the
// attention kernel; the kernel's KV tiles arrive by 3-d tile-mode bulk
// tensor copies that complete on shared-memory mbarriers (initialised,
// armed with the expected bytes, waited on by phase parity), and its MMAs
// are the warpgroup ones. The dynamic shared memory is the external array
// (after the static barriers), not a static byte they would overlay.

// CHECK:      llvm.call @mgpuTensorMapEncodeTiledMemref
// CHECK-NOT:  gpu.launch_func
// CHECK:      gpu.launch_func
// CHECK-DAG:  .target sm_90a
// CHECK-DAG:  .extern .shared .align 16 .b8 __mla_dynamic_shared[];
// CHECK-DAG:  .shared .align 8 .b8 __mbarrier
// CHECK-DAG:  mbarrier.init.shared.b64
// CHECK-DAG:  fence.mbarrier_init.release.cluster;
// CHECK-DAG:  mbarrier.arrive.expect_tx.shared.b64
// CHECK-DAG:  cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// CHECK-DAG:  mbarrier.try_wait.parity.shared.b64
// CHECK-DAG:  wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK-DAG:  wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16

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
