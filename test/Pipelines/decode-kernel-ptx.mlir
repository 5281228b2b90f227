// RUN: mla-opt %s --mla-gpu-pipeline | FileCheck %s
// RUN: mla-opt %s --mla-gpu-pipeline='chip=sm_80 features=+ptx70' | FileCheck %s --check-prefix=SM80
// RUN: mla-opt %s --mla-gpu-pipeline='decode-kernel=false' | FileCheck %s --check-prefix=GENERIC

// The fused decode through the whole GPU pipeline to PTX (no GPU needed):
// the attention kernel runs on the tensor cores (mma.sync m16n8k16, bf16 in,
// f32 accumulation), loads its fragments with ldmatrix (K as stored, V
// transposed) from tiles cp.async brought in, and synchronises with
// bar.sync; the split combine is a second kernel. The same generator gives
// sm_80 code (16-token tiles: 128 KiB of shared memory fits both chips).
// With decode-kernel=false the generic path has no tensor-core
// instruction at all. Block-table entries and lengths the kernels read are
// checked: a bad one claims the module's error claim (device memory) by a
// compare-and-swap, then fills the runtime's error record.

// CHECK:      gpu.launch_func {{.*}}dynamic_shared_memory_size
// CHECK-DAG:  .target sm_90
// CHECK-DAG:  cp.async.cg.shared.global
// CHECK-DAG:  cp.async.commit_group
// CHECK-DAG:  bar.sync \090
// CHECK-DAG:  ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-DAG:  ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// CHECK-DAG:  mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-DAG:  shfl.sync.bfly
// CHECK-DAG:  .visible .global .align 8 .u64 __mla_error_record;
// CHECK-DAG:  ld.global.b64 \09%rd{{[0-9]+}}, [__mla_error_record];
// CHECK-DAG:  .visible .global .align 4 .u32 __mla_error_claim;
// CHECK-DAG:  atom.acq_rel.sys.global.cas.b32 \09%r{{[0-9]+}}, [__mla_error_claim], 0, 1;
// SM80-DAG:   .target sm_80
// SM80-DAG:   mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// GENERIC-NOT: mma.sync

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
func.func @decode(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                  %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                  %cache: tensor<16x64x576xbf16>, %bt: tensor<2x8xi32>,
                  %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] causal
      tiling #mla.decode_tiling<splits = 2, block_tokens = 16, heads_per_block = 64, stages = 2>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<16x64x576xbf16>, tensor<2x8xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}
