// RUN: mla-opt %s --mla-fuse-decode="tuning-file=%S/Inputs/tuning-h100.json mma=sync" | FileCheck %s
// RUN: mla-opt %s --mla-fuse-decode="tuning-file=%S/Inputs/tuning-h100.json mma=sync splits=3" | FileCheck %s --check-prefix=OVERRIDE
// RUN: mla-opt %s --mla-pipeline=tuning-file=%S/Inputs/tuning-h100.json | FileCheck %s --check-prefix=PIPELINE
// RUN: not mla-opt %s --mla-fuse-decode=tuning-file=%S/Inputs/missing.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not mla-opt %s --mla-fuse-decode=tuning-file=%S/Inputs/tuning-not-json.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOT-JSON
// RUN: not mla-opt %s --mla-fuse-decode=tuning-file=%S/Inputs/tuning-bad-entry.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-ENTRY
// RUN: not mla-opt %s --mla-fuse-decode=tuning-file=%S/Inputs/tuning-bad-dtype.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-DTYPE
// RUN: not mla-opt %s --mla-fuse-decode=tuning-file=%S/Inputs/tuning-bad-mma.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-MMA
// RUN: not mla-opt %s --mla-fuse-decode=tuning-file=%S/Inputs/tuning-bad-bounds.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-BOUNDS
// RUN: not mla-opt %s --mla-fuse-decode=tuning-file=%S/Inputs/tuning-bad-schedule.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-SCHEDULE
// RUN: not mla-opt %s --mla-fuse-decode=tuning-file=%S/Inputs/tuning-bad-loads.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-LOADS
// RUN: not mla-opt %s --mla-set-target=target=a100 --mla-fuse-decode="tuning-file=%S/Inputs/tuning-h100.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WRONG-TARGET

// A tuning file (bench/autotune.py) replaces the cost model's decode tiling
// for the exact shapes it lists (heads, queries, batch, cache length, dtype);
// other shapes keep the model's. `splits` still overrides the split count.
// An entry may name the kernel's tensor-core instructions ("mma") and its
// split schedule ("schedule") and tile loads ("loads").

// MISSING: error: tuning file '{{.*}}missing.json': cannot be read
// NOT-JSON: error: tuning file '{{.*}}tuning-not-json.json': is not JSON
// BAD-ENTRY: error: tuning file '{{.*}}tuning-bad-entry.json': decode entry 0 expects a positive integer 'heads_per_block'
// BAD-DTYPE: error: tuning file '{{.*}}tuning-bad-dtype.json': decode entry 0 expects 'dtype' bf16, f16 or f32
// BAD-MMA: error: tuning file '{{.*}}tuning-bad-mma.json': decode entry 0 expects 'mma' sync or warpgroup
// BAD-BOUNDS: error: tuning file '{{.*}}tuning-bad-bounds.json': decode entry 0: expects decode_tiling stages to be at most 8, found 64
// BAD-SCHEDULE: error: tuning file '{{.*}}tuning-bad-schedule.json': decode entry 0 expects 'schedule' even or balanced
// BAD-LOADS: error: tuning file '{{.*}}tuning-bad-loads.json': decode entry 0 expects 'loads' async_copy or tma
// WRONG-TARGET: error: tuning file '{{.*}}tuning-h100.json' is for target 'h100', not 'a100'

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>

// Listed: batch 128 over 8192 cached tokens (128 pages of 64), bf16.
// CHECK-LABEL: func.func @listed
// CHECK: mla.fused_decode {{.*}} tiling <splits = 2, block_tokens = 16, heads_per_block = 64, stages = 4>
// OVERRIDE-LABEL: func.func @listed
// OVERRIDE: mla.fused_decode {{.*}} tiling <splits = 3, block_tokens = 16, heads_per_block = 64, stages = 4>
// PIPELINE-LABEL: func.func @listed
// PIPELINE: mla.fused_decode {{.*}} tiling <splits = 2, block_tokens = 16, heads_per_block = 64, stages = 4>
func.func @listed(%q_nope: tensor<128x1x128x128xbf16>, %q_pe: tensor<128x1x128x64xbf16>,
                  %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                  %cache: tensor<?x64x576xbf16>, %bt: tensor<128x128xi32>,
                  %lens: tensor<128xi32>) -> tensor<128x1x128x128xbf16> {
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<128x1x128x128xbf16>, tensor<128x512x128xbf16>) -> tensor<128x1x128x512xbf16>
  %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens] causal {config = #v3}
      : (tensor<128x1x128x512xbf16>, tensor<128x1x128x64xbf16>, tensor<?x64x576xbf16>,
         tensor<128x128xi32>, tensor<128xi32>) -> tensor<128x1x128x512xbf16>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<128x1x128x512xbf16>, tensor<128x512x128xbf16>) -> tensor<128x1x128x128xbf16>
  return %o : tensor<128x1x128x128xbf16>
}

// Not listed (batch 64): the cost model's tiling.
// CHECK-LABEL: func.func @not_listed
// CHECK: mla.fused_decode {{.*}} tiling <splits = 1, block_tokens = 32, heads_per_block = 64, stages = 3>
func.func @not_listed(%q_nope: tensor<64x1x128x128xbf16>, %q_pe: tensor<64x1x128x64xbf16>,
                      %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                      %cache: tensor<?x64x576xbf16>, %bt: tensor<64x128xi32>,
                      %lens: tensor<64xi32>) -> tensor<64x1x128x128xbf16> {
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<64x1x128x128xbf16>, tensor<128x512x128xbf16>) -> tensor<64x1x128x512xbf16>
  %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens] causal {config = #v3}
      : (tensor<64x1x128x512xbf16>, tensor<64x1x128x64xbf16>, tensor<?x64x576xbf16>,
         tensor<64x128xi32>, tensor<64xi32>) -> tensor<64x1x128x512xbf16>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<64x1x128x512xbf16>, tensor<128x512x128xbf16>) -> tensor<64x1x128x128xbf16>
  return %o : tensor<64x1x128x128xbf16>
}

// Listed with "mma": "warpgroup", "schedule": "balanced" (batch 32).
// CHECK-LABEL: func.func @listed_warpgroup
// CHECK: mla.fused_decode {{.*}} tiling <splits = 4, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup, schedule = balanced>
func.func @listed_warpgroup(%q_nope: tensor<32x1x128x128xbf16>, %q_pe: tensor<32x1x128x64xbf16>,
                            %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                            %cache: tensor<?x64x576xbf16>, %bt: tensor<32x128xi32>,
                            %lens: tensor<32xi32>) -> tensor<32x1x128x128xbf16> {
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<32x1x128x128xbf16>, tensor<128x512x128xbf16>) -> tensor<32x1x128x512xbf16>
  %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens] causal {config = #v3}
      : (tensor<32x1x128x512xbf16>, tensor<32x1x128x64xbf16>, tensor<?x64x576xbf16>,
         tensor<32x128xi32>, tensor<32xi32>) -> tensor<32x1x128x512xbf16>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<32x1x128x512xbf16>, tensor<128x512x128xbf16>) -> tensor<32x1x128x128xbf16>
  return %o : tensor<32x1x128x128xbf16>
}
