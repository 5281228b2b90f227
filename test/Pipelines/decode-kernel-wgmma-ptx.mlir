// RUN: mla-opt %s --mla-gpu-pipeline='chip=sm_90a' | FileCheck %s
// RUN: mla-opt %s --mla-gpu-pipeline='chip=sm_90' -verify-diagnostics | FileCheck %s --check-prefix=SM90

// The wgmma decode kernel (mma = warpgroup) through the whole GPU pipeline
// to PTX (no GPU needed): for sm_90a the attention kernel's scores are
// m64n64k16 and its P·V m64n256k16 warpgroup MMAs (bf16 in, f32
// accumulation; the immediates after the predicate are scale-a, scale-b,
// transpose-a, transpose-b: V is read N-major), fenced, committed and waited
// for; shared-memory writes reach them through the async-proxy fence. The
// two splits' f32 partial outputs leave as 8-byte pairs (st.global.v2) and
// the value product reads them back as 16-byte vectors (ld.global.v4): the
// vector accesses carry their alignment. On plain sm_90 there is no wgmma:
// the op takes the generic path.

// CHECK:      gpu.launch_func {{.*}}dynamic_shared_memory_size
// CHECK-DAG:  .target sm_90a
// CHECK-DAG:  cp.async.cg.shared.global
// CHECK-DAG:  fence.proxy.async.shared::cta
// CHECK-DAG:  wgmma.fence.sync.aligned
// CHECK-DAG:  wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}, desc_a, desc_b, scale_d, 1, 1, 0, 0;
// CHECK-DAG:  wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16 {{.*}}, desc_a, desc_b, scale_d, 1, 1, 0, 1;
// CHECK-DAG:  wgmma.commit_group.sync.aligned
// CHECK-DAG:  wgmma.wait_group.sync.aligned 0
// CHECK-DAG:  bar.sync \090
// CHECK-DAG:  .visible .entry decode_combine_value(
// CHECK-DAG:  st.global.v2.b32
// CHECK-DAG:  ld.global.v4.b32
// SM90-NOT:   wgmma

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
func.func @decode(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                  %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                  %cache: tensor<16x64x576xbf16>, %bt: tensor<2x8xi32>,
                  %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: mma = warpgroup needs wgmma (chip sm_90a), not sm_90}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] causal
      tiling #mla.decode_tiling<splits = 2, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<16x64x576xbf16>, tensor<2x8xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}
