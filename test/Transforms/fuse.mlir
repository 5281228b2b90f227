// RUN: mla-opt %s --mla-fuse-decode=mma=sync --mla-fuse-prefill --split-input-file | FileCheck %s
// RUN: mla-opt %s --mla-set-target=target=a100 --mla-fuse-decode --mla-fuse-prefill --split-input-file | FileCheck %s --check-prefix=A100
// RUN: mla-opt %s --mla-fuse-decode="mma=sync splits=3" --mla-fuse-prefill=prefix-chunk=512 --split-input-file | FileCheck %s --check-prefix=OVERRIDE
// RUN: mla-opt %s --mla-fuse-decode="mma=sync assumed-cache-length=1024" --split-input-file | FileCheck %s --check-prefix=ASSUMED
// RUN: mla-opt %s --mla-fuse-decode --split-input-file | FileCheck %s --check-prefix=WGMMA
// RUN: mla-opt %s --mla-set-target=target=a100 --mla-fuse-decode=mma=warpgroup --mla-fuse-prefill --split-input-file | FileCheck %s --check-prefix=A100
// RUN: mla-opt %s --mla-fuse-decode="mma=sync schedule=balanced" --split-input-file | FileCheck %s --check-prefix=BALANCED
// RUN: not mla-opt %s --mla-fuse-decode=schedule=fair --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-SCHEDULE
// RUN: mla-opt %s --mla-fuse-decode=loads=async_copy --split-input-file | FileCheck %s --check-prefix=ASYNC
// RUN: not mla-opt %s --mla-fuse-decode=loads=bulk --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-LOADS
// RUN: not mla-opt %s --mla-fuse-decode=mma=tensor --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-MMA
// RUN: mla-opt %s --split-input-file -o /dev/null --mla-fuse-decode='mma=sync loads=tma schedule=balanced' --dump-pass-pipeline 2>&1 | FileCheck %s --check-prefix=OPTIONS
// RUN: not mla-opt %s --mla-fuse-decode=splits=-1 --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-SPLITS
// RUN: not mla-opt %s --mla-fuse-prefill=assumed-cache-length=0 --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-LENGTH
// RUN: not mla-opt %s --mla-fuse-decode=splits=2147483648 --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=HUGE-SPLITS
// RUN: not mla-opt %s --mla-fuse-prefill=prefix-chunk=4294967296 --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=HUGE-CHUNK
// RUN: mla-opt %s --mla-fuse-prefill=block-keys=64 --split-input-file | FileCheck %s --check-prefix=KEYS64
// RUN: not mla-opt %s --mla-fuse-prefill=block-keys=96 --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-KEYS
// RUN: mla-opt %s --mla-fuse-prefill="loads=tma producer=false" --split-input-file | FileCheck %s --check-prefix=TMA
// RUN: mla-opt %s --mla-fuse-prefill=loads=async_copy --split-input-file | FileCheck %s --check-prefix=PREFILL-ASYNC
// RUN: mla-opt %s --mla-fuse-prefill=producer=true --split-input-file | FileCheck %s --check-prefix=PRODUCER
// RUN: not mla-opt %s --mla-fuse-prefill="producer=true loads=async_copy" --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-PRODUCER
// RUN: mla-opt %s --mla-set-target=target=a100 --mla-fuse-prefill=mma=sync --split-input-file | FileCheck %s --check-prefix=SYNC
// RUN: mla-opt %s --mla-fuse-prefill=mma=sync --split-input-file | FileCheck %s --check-prefix=SYNC-H100
// RUN: not mla-opt %s --mla-fuse-prefill="mma=sync loads=tma" --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-SYNC

// mla-fuse-decode: latent_to_value(latent_attention(query_to_latent(...)))
// with single-use intermediates → one mla.fused_decode; mla-fuse-prefill: the
// decompressed form (gather, decompress key/value, decompressed_attention) →
// one mla.fused_prefill. Each carries the tiling chooseDecodeTiling /
// choosePrefillTiling gives for its shapes on the target. DeepSeek-V3 dims
// (H = 128, L + R = 576), pages of G = 64 tokens; cache positions T = M·G
// from the block table [B, M].
//
// Decode (H100: 132 SMs, 227 KiB shared memory per SM; the A100 has 108 and 163 KiB):
//   heads_per_block = clamp(64 / S, 1, H); block_tokens = 32 (16 if two
//   stages of 32 do not fit); rows per block
//   R = 64 (16 per warp group); the kernel's shared memory per block
//   R·584·e + stages·32·584·e + (score exchange: 32 KiB for 8 warps)
//   stages ∈ 2..4: the most tiles in flight per SM that fit, fewest on a tie
//   splits: the fewest waves ceil(B·ceil(H·S / R)·splits / SMs) / splits,
//   another split only for a 10% gain, at least 4 tiles per split
//   mma=warpgroup (the wgmma kernel) where the target has wgmma (H100,
//   H200) (R padded to 64): 64-token tiles and 2 stages (64·576·e + 2·64·576·e +
//   P 8 KiB + row stats + 1 KiB alignment = 225.75 KiB), splits as above;
//   elsewhere (A100, f32 that does not fit, fewer rows) the mma.sync tiling.
//   schedule=balanced is carried into the tiling (the splits are chosen
//   alike; the kernel's metadata deals them).
// Prefill:
//   block_queries = 128 if S ≥ 128 else 64; block_keys = 128, halved while
//   the kernel's tiles exceed smem: 1 KiB + e·(block_queries·192 +
//   2·block_keys·(192 + 128)) (Q and two K/V stages, P in registers;
//   PrefillKernelShape): 209 KiB at 128 × 128 on an H100
//   chunks = clamp(ceil(SMs / (B·H·ceil(S / block_queries))), 1, ceil(T / block_keys))
//   prefix_chunk = ceil(ceil(T / chunks) / block_keys)·block_keys

// BAD-SPLITS: error: a tiling override must be positive (0: none)
// BAD-LENGTH: error: assumed-cache-length must be positive
// HUGE-SPLITS: error: mla-fuse-decode: splits must be at most 1024, found 2147483648
// HUGE-CHUNK: error: mla-fuse-prefill: prefix-chunk must be at most 1073741824, found 4294967296
// BAD-KEYS: error: mla-fuse-prefill: block-keys must be 64 or 128 (0: the cost model's choice), found 96
// BAD-PRODUCER: error: mla-fuse-prefill: producer=true takes TMA loads, not loads=async_copy
// BAD-SYNC: error: mla-fuse-prefill: mma=sync takes cp.async loads, not loads=tma

// Decode, 128 requests over 8192 cached tokens: 64 heads per block (one
// query), three 36.5 KiB stages beside the 73 KiB query tile and 32 KiB of
// score exchange, 256 blocks on 132 SMs: two waves either way, no split.
// The intermediates are gone. On the A100 (108 SMs, 163 KiB) not even two
// 32-token stages fit: four of 16 tokens do, and 2 splits make 5 waves of
// half the work instead of 3 whole ones; splits=3 overrides the split count
// alone.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @decode_batch128
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: {{[^:]*}})
// CHECK-NEXT: %[[O:.*]] = mla.fused_decode %[[QN]], %[[QPE]] weights(%[[WUK]], %[[WUV]]) over %[[CACHE]][%[[BT]], %[[LENS]]] causal tiling <splits = 1, block_tokens = 32, heads_per_block = 64, stages = 3> {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
// CHECK-SAME:   -> tensor<128x1x128x128xbf16>
// CHECK-NEXT: return %[[O]]
// WGMMA-LABEL: func.func @decode_batch128
// WGMMA: mla.fused_decode {{.*}} tiling <splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup, loads = tma>
// BAD-MMA: for the --mma option: Cannot find option named 'tensor'!
// The choices are enum-typed options: printed back by name.
// OPTIONS: loads=tma mma=sync schedule=balanced
// ASYNC-LABEL: func.func @decode_batch128
// ASYNC: mla.fused_decode {{.*}} tiling <splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup>
// BAD-LOADS: for the --loads option: Cannot find option named 'bulk'!
// BALANCED-LABEL: func.func @decode_batch128
// BALANCED: mla.fused_decode {{.*}} tiling <splits = 1, block_tokens = 32, heads_per_block = 64, stages = 3, schedule = balanced>
// BAD-SCHEDULE: for the --schedule option: Cannot find option named 'fair'!
// A100-LABEL: func.func @decode_batch128
// A100: mla.fused_decode {{.*}} tiling <splits = 2, block_tokens = 16, heads_per_block = 64, stages = 4>
// OVERRIDE-LABEL: func.func @decode_batch128
// OVERRIDE: mla.fused_decode {{.*}} tiling <splits = 3, block_tokens = 32, heads_per_block = 64, stages = 3>
func.func @decode_batch128(%q_nope: tensor<128x1x128x128xbf16>,
    %q_pe: tensor<128x1x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<16384x64x576xbf16>,
    %bt: tensor<128x128xi32>, %lens: tensor<128xi32>) -> tensor<128x1x128x128xbf16> {
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<128x1x128x128xbf16>, tensor<128x512x128xbf16>) -> tensor<128x1x128x512xbf16>
  %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens] causal
      {config = #v3, mla.phase = #mla<phase decode>}
      : (tensor<128x1x128x512xbf16>, tensor<128x1x128x64xbf16>,
         tensor<16384x64x576xbf16>, tensor<128x128xi32>, tensor<128xi32>) -> tensor<128x1x128x512xbf16>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<128x1x128x512xbf16>, tensor<128x512x128xbf16>) -> tensor<128x1x128x128xbf16>
  return %o : tensor<128x1x128x128xbf16>
}

// -----

// Decode, one request over 8192 cached tokens: 2 blocks for 132 SMs, so
// the tokens are split 58 ways (over 4 tiles each: at most 64 splits of 4;
// each accepted split count gains 10% on the one before);
// 52 ways for the A100's 108.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @decode_batch1
// CHECK: mla.fused_decode {{.*}} causal tiling <splits = 58, block_tokens = 32, heads_per_block = 64, stages = 3> {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
// WGMMA-LABEL: func.func @decode_batch1
// WGMMA: mla.fused_decode {{.*}} tiling <splits = 32, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup, loads = tma>
// A100-LABEL: func.func @decode_batch1
// A100: mla.fused_decode {{.*}} tiling <splits = 52, block_tokens = 16, heads_per_block = 64, stages = 4>
func.func @decode_batch1(%q_nope: tensor<1x1x128x128xbf16>,
    %q_pe: tensor<1x1x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<16384x64x576xbf16>,
    %bt: tensor<1x128xi32>, %lens: tensor<1xi32>) -> tensor<1x1x128x128xbf16> {
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<1x1x128x128xbf16>, tensor<128x512x128xbf16>) -> tensor<1x1x128x512xbf16>
  %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens] causal
      {config = #v3, mla.phase = #mla<phase decode>}
      : (tensor<1x1x128x512xbf16>, tensor<1x1x128x64xbf16>,
         tensor<16384x64x576xbf16>, tensor<1x128xi32>, tensor<1xi32>) -> tensor<1x1x128x512xbf16>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<1x1x128x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x1x128x128xbf16>
  return %o : tensor<1x1x128x128xbf16>
}

// -----

// Two queries per request (speculative decoding), not causal: 32 heads per
// block fill the 64 rows, 4 blocks per request, 32 splits. The fused op is
// not causal either.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @decode_two_queries_not_causal
// CHECK: mla.fused_decode {{.*}} over %{{.*}}[%{{.*}}, %{{.*}}] tiling <splits = 32, block_tokens = 32, heads_per_block = 32, stages = 3> {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
func.func @decode_two_queries_not_causal(%q_nope: tensor<1x2x128x128xbf16>,
    %q_pe: tensor<1x2x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<16384x64x576xbf16>,
    %bt: tensor<1x128xi32>, %lens: tensor<1xi32>) -> tensor<1x2x128x128xbf16> {
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<1x2x128x128xbf16>, tensor<128x512x128xbf16>) -> tensor<1x2x128x512xbf16>
  %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens]
      {config = #v3, mla.phase = #mla<phase decode>}
      : (tensor<1x2x128x512xbf16>, tensor<1x2x128x64xbf16>,
         tensor<16384x64x576xbf16>, tensor<1x128xi32>, tensor<1xi32>) -> tensor<1x2x128x512xbf16>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<1x2x128x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x2x128x128xbf16>
  return %o : tensor<1x2x128x128xbf16>
}

// -----

// Dynamic batch and pages per request: batch 1 and the assumed cache length
// (4096: 128 tiles, 32 splits of 4 tiles; 1024: 32 tiles, 8 splits).

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @decode_dynamic
// CHECK: mla.fused_decode {{.*}} tiling <splits = 32, block_tokens = 32, heads_per_block = 64, stages = 3>
// CHECK-SAME: -> tensor<?x1x128x128xbf16>
// ASSUMED-LABEL: func.func @decode_dynamic
// ASSUMED: mla.fused_decode {{.*}} tiling <splits = 8, block_tokens = 32, heads_per_block = 64, stages = 3>
func.func @decode_dynamic(%q_nope: tensor<?x1x128x128xbf16>,
    %q_pe: tensor<?x1x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<?x64x576xbf16>,
    %bt: tensor<?x?xi32>, %lens: tensor<?xi32>) -> tensor<?x1x128x128xbf16> {
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<?x1x128x128xbf16>, tensor<128x512x128xbf16>) -> tensor<?x1x128x512xbf16>
  %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens] causal
      {config = #v3, mla.phase = #mla<phase decode>}
      : (tensor<?x1x128x512xbf16>, tensor<?x1x128x64xbf16>,
         tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>) -> tensor<?x1x128x512xbf16>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<?x1x128x512xbf16>, tensor<128x512x128xbf16>) -> tensor<?x1x128x128xbf16>
  return %o : tensor<?x1x128x128xbf16>
}

// -----

// f32: the kernels take only bf16/f16 and the generic path ignores the
// tiling: the mma.sync default (32 tokens, 2 stages), whatever mma asks.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @decode_f32
// CHECK: mla.fused_decode {{.*}} tiling <splits = 1, block_tokens = 32, heads_per_block = 64, stages = 2>
// WGMMA-LABEL: func.func @decode_f32
// WGMMA: mla.fused_decode {{.*}} tiling <splits = 1, block_tokens = 32, heads_per_block = 64, stages = 2> {config
func.func @decode_f32(%q_nope: tensor<128x1x128x128xf32>,
    %q_pe: tensor<128x1x128x64xf32>, %wuk: tensor<128x512x128xf32>,
    %wuv: tensor<128x512x128xf32>, %cache: tensor<16384x64x576xf32>,
    %bt: tensor<128x128xi32>, %lens: tensor<128xi32>) -> tensor<128x1x128x128xf32> {
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<128x1x128x128xf32>, tensor<128x512x128xf32>) -> tensor<128x1x128x512xf32>
  %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens] causal
      {config = #v3, mla.phase = #mla<phase decode>}
      : (tensor<128x1x128x512xf32>, tensor<128x1x128x64xf32>,
         tensor<16384x64x576xf32>, tensor<128x128xi32>, tensor<128xi32>) -> tensor<128x1x128x512xf32>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<128x1x128x512xf32>, tensor<128x512x128xf32>) -> tensor<128x1x128x128xf32>
  return %o : tensor<128x1x128x128xf32>
}

// -----

// o_lat has a second use (returned): fusing would recompute the latent
// attention. Left unchanged.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @decode_o_lat_used_twice
// CHECK: %[[QLAT:.*]] = mla.query_to_latent
// CHECK-NEXT: %[[OLAT:.*]] = mla.latent_attention %[[QLAT]]
// CHECK-NEXT: %[[O:.*]] = mla.latent_to_value %[[OLAT]]
// CHECK-NEXT: return %[[O]], %[[OLAT]]
func.func @decode_o_lat_used_twice(%q_nope: tensor<1x1x128x128xbf16>,
    %q_pe: tensor<1x1x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<16384x64x576xbf16>,
    %bt: tensor<1x128xi32>, %lens: tensor<1xi32>) -> (tensor<1x1x128x128xbf16>, tensor<1x1x128x512xbf16>) {
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<1x1x128x128xbf16>, tensor<128x512x128xbf16>) -> tensor<1x1x128x512xbf16>
  %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens] causal
      {config = #v3, mla.phase = #mla<phase decode>}
      : (tensor<1x1x128x512xbf16>, tensor<1x1x128x64xbf16>,
         tensor<16384x64x576xbf16>, tensor<1x128xi32>, tensor<1xi32>) -> tensor<1x1x128x512xbf16>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<1x1x128x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x1x128x128xbf16>
  return %o, %o_lat : tensor<1x1x128x128xbf16>, tensor<1x1x128x512xbf16>
}

// -----

// q_lat has a second use (returned). Left unchanged.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @decode_q_lat_used_twice
// CHECK: %[[QLAT:.*]] = mla.query_to_latent
// CHECK-NEXT: %[[OLAT:.*]] = mla.latent_attention %[[QLAT]]
// CHECK-NEXT: %[[O:.*]] = mla.latent_to_value %[[OLAT]]
// CHECK-NEXT: return %[[O]], %[[QLAT]]
func.func @decode_q_lat_used_twice(%q_nope: tensor<1x1x128x128xbf16>,
    %q_pe: tensor<1x1x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<16384x64x576xbf16>,
    %bt: tensor<1x128xi32>, %lens: tensor<1xi32>) -> (tensor<1x1x128x128xbf16>, tensor<1x1x128x512xbf16>) {
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<1x1x128x128xbf16>, tensor<128x512x128xbf16>) -> tensor<1x1x128x512xbf16>
  %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens] causal
      {config = #v3, mla.phase = #mla<phase decode>}
      : (tensor<1x1x128x512xbf16>, tensor<1x1x128x64xbf16>,
         tensor<16384x64x576xbf16>, tensor<1x128xi32>, tensor<1xi32>) -> tensor<1x1x128x512xbf16>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<1x1x128x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x1x128x128xbf16>
  return %o, %q_lat : tensor<1x1x128x128xbf16>, tensor<1x1x128x512xbf16>
}

// -----

// Prefill of 4096 tokens (T = 4096): 128 x 64 tiles (145 KiB), 4096
// blocks busy every SM: the cached keys in one chunk. Gather and
// decompressions are gone. prefix-chunk=512 overrides the chunk alone.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @prefill_4096
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: {{[^:]*}})
// CHECK-NEXT: %[[O:.*]] = mla.fused_prefill %[[QN]], %[[QPE]] weights(%[[WUK]], %[[WUV]]) over %[[CACHE]][%[[BT]], %[[LENS]]] causal tiling <block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma, producer = true> {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
// CHECK-SAME:   -> tensor<1x4096x128x128xbf16>
// CHECK-NEXT: return %[[O]]
// A100-LABEL: func.func @prefill_4096
// A100: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 64, prefix_chunk = 4096, mma = sync>
// mma=sync: the mma.sync kernel (cp.async, no producer) with the cost
// model's tile, on the A100 and on the H100 alike.
// SYNC-LABEL: func.func @prefill_4096
// SYNC: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 64, prefix_chunk = 4096, mma = sync>
// SYNC-H100-LABEL: func.func @prefill_4096
// SYNC-H100: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 128, prefix_chunk = 4096, mma = sync>
// OVERRIDE-LABEL: func.func @prefill_4096
// OVERRIDE: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 128, prefix_chunk = 512, loads = tma, producer = true>
// block-keys=64 overrides the key tile alone (the chunk stays a multiple).
// KEYS64-LABEL: func.func @prefill_4096
// KEYS64: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 64, prefix_chunk = 4096, loads = tma, producer = true>
// The cost model's default on sm_90a is the warp-specialised kernel (TMA
// loads); loads=tma producer=false asks for TMA without it, loads=async_copy
// for the cp.async kernel (never warp-specialised).
// TMA-LABEL: func.func @prefill_4096
// TMA: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma>
// PREFILL-ASYNC-LABEL: func.func @prefill_4096
// PREFILL-ASYNC: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 128, prefix_chunk = 4096>
// producer=true asks for the warp-specialised kernel, which takes TMA.
// PRODUCER-LABEL: func.func @prefill_4096
// PRODUCER: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma, producer = true>
func.func @prefill_4096(%q_nope: tensor<1x4096x128x128xbf16>,
    %q_pe: tensor<1x4096x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<64x64x576xbf16>,
    %bt: tensor<1x64xi32>, %lens: tensor<1xi32>) -> tensor<1x4096x128x128xbf16> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #v3}
      : (tensor<64x64x576xbf16>, tensor<1x64xi32>, tensor<1xi32>)
      -> (tensor<1x4096x512xbf16>, tensor<1x4096x64xbf16>)
  %k = mla.decompress key %c, %wuk {config = #v3}
      : (tensor<1x4096x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x4096x128x128xbf16>
  %v = mla.decompress value %c, %wuv {config = #v3}
      : (tensor<1x4096x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x4096x128x128xbf16>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens causal
      {config = #v3}
      : (tensor<1x4096x128x128xbf16>, tensor<1x4096x128x64xbf16>, tensor<1x4096x128x128xbf16>,
         tensor<1x4096x64xbf16>, tensor<1x4096x128x128xbf16>, tensor<1xi32>)
      -> tensor<1x4096x128x128xbf16>
  return %o : tensor<1x4096x128x128xbf16>
}

// -----

// Chunked prefill, V2-Lite dims (H = 16): 64 new tokens over 8192 cached
// positions. 64-query tiles, 16 blocks leave SMs idle: the model asks for 9
// chunks, rounded up to whole 128-key tiles, 1024 tokens each (8 chunks);
// on the A100, 7 chunks of 1280.

#lite = #mla.config<heads = 16, hidden = 2048, kv_lora_rank = 512,
                    qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>
// CHECK-LABEL: func.func @prefill_chunked
// CHECK: mla.fused_prefill {{.*}} causal tiling <block_queries = 64, block_keys = 128, prefix_chunk = 1024, loads = tma> {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
// A100-LABEL: func.func @prefill_chunked
// A100: mla.fused_prefill {{.*}} tiling <block_queries = 64, block_keys = 64, prefix_chunk = 1216, mma = sync>
func.func @prefill_chunked(%q_nope: tensor<1x64x16x128xbf16>,
    %q_pe: tensor<1x64x16x64xbf16>, %wuk: tensor<16x512x128xbf16>,
    %wuv: tensor<16x512x128xbf16>, %cache: tensor<128x64x576xbf16>,
    %bt: tensor<1x128xi32>, %lens: tensor<1xi32>) -> tensor<1x64x16x128xbf16> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #lite}
      : (tensor<128x64x576xbf16>, tensor<1x128xi32>, tensor<1xi32>)
      -> (tensor<1x8192x512xbf16>, tensor<1x8192x64xbf16>)
  %k = mla.decompress key %c, %wuk {config = #lite}
      : (tensor<1x8192x512xbf16>, tensor<16x512x128xbf16>) -> tensor<1x8192x16x128xbf16>
  %v = mla.decompress value %c, %wuv {config = #lite}
      : (tensor<1x8192x512xbf16>, tensor<16x512x128xbf16>) -> tensor<1x8192x16x128xbf16>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens causal
      {config = #lite}
      : (tensor<1x64x16x128xbf16>, tensor<1x64x16x64xbf16>, tensor<1x8192x16x128xbf16>,
         tensor<1x8192x64xbf16>, tensor<1x8192x16x128xbf16>, tensor<1xi32>)
      -> tensor<1x64x16x128xbf16>
  return %o : tensor<1x64x16x128xbf16>
}

// -----

// f32: 128 x 64 tiles would take 273 KiB; 32 keys fit the H100's 227 KiB
// (193 KiB), the A100's 163 KiB needs 16.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @prefill_f32
// CHECK: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 32, prefix_chunk = 4096>
// A100-LABEL: func.func @prefill_f32
// A100: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 16, prefix_chunk = 4096, mma = sync>
func.func @prefill_f32(%q_nope: tensor<1x4096x128x128xf32>,
    %q_pe: tensor<1x4096x128x64xf32>, %wuk: tensor<128x512x128xf32>,
    %wuv: tensor<128x512x128xf32>, %cache: tensor<64x64x576xf32>,
    %bt: tensor<1x64xi32>, %lens: tensor<1xi32>) -> tensor<1x4096x128x128xf32> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #v3}
      : (tensor<64x64x576xf32>, tensor<1x64xi32>, tensor<1xi32>)
      -> (tensor<1x4096x512xf32>, tensor<1x4096x64xf32>)
  %k = mla.decompress key %c, %wuk {config = #v3}
      : (tensor<1x4096x512xf32>, tensor<128x512x128xf32>) -> tensor<1x4096x128x128xf32>
  %v = mla.decompress value %c, %wuv {config = #v3}
      : (tensor<1x4096x512xf32>, tensor<128x512x128xf32>) -> tensor<1x4096x128x128xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens causal
      {config = #v3}
      : (tensor<1x4096x128x128xf32>, tensor<1x4096x128x64xf32>, tensor<1x4096x128x128xf32>,
         tensor<1x4096x64xf32>, tensor<1x4096x128x128xf32>, tensor<1xi32>)
      -> tensor<1x4096x128x128xf32>
  return %o : tensor<1x4096x128x128xf32>
}

// -----

// Stamped prefill: fused, the stamp kept.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @prefill_stamped_prefill
// CHECK: mla.fused_prefill {{.*}} causal tiling <block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma, producer = true> {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
func.func @prefill_stamped_prefill(%q_nope: tensor<1x4096x128x128xbf16>,
    %q_pe: tensor<1x4096x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<64x64x576xbf16>,
    %bt: tensor<1x64xi32>, %lens: tensor<1xi32>) -> tensor<1x4096x128x128xbf16> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #v3}
      : (tensor<64x64x576xbf16>, tensor<1x64xi32>, tensor<1xi32>)
      -> (tensor<1x4096x512xbf16>, tensor<1x4096x64xbf16>)
  %k = mla.decompress key %c, %wuk {config = #v3}
      : (tensor<1x4096x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x4096x128x128xbf16>
  %v = mla.decompress value %c, %wuv {config = #v3}
      : (tensor<1x4096x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x4096x128x128xbf16>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens causal
      {config = #v3, mla.phase = #mla<phase prefill>}
      : (tensor<1x4096x128x128xbf16>, tensor<1x4096x128x64xbf16>, tensor<1x4096x128x128xbf16>,
         tensor<1x4096x64xbf16>, tensor<1x4096x128x128xbf16>, tensor<1xi32>)
      -> tensor<1x4096x128x128xbf16>
  return %o : tensor<1x4096x128x128xbf16>
}

// -----

// Stamped decode: left for mla-absorb-weights, unchanged (mla-fuse-decode
// does not read the decompressed form either).

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @prefill_stamped_decode
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: {{[^:]*}})
// CHECK: %[[C:.*]], %[[KPE:.*]] = mla.cache.gather %[[CACHE]][%[[BT]], %[[LENS]]]
// CHECK-NEXT: %[[K:.*]] = mla.decompress key %[[C]], %[[WUK]]
// CHECK-NEXT: %[[V:.*]] = mla.decompress value %[[C]], %[[WUV]]
// CHECK-NEXT: %[[O:.*]] = mla.decompressed_attention %[[QN]], %[[QPE]], %[[K]], %[[KPE]], %[[V]] lengths %[[LENS]] causal {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
// CHECK-NEXT: return %[[O]]
func.func @prefill_stamped_decode(%q_nope: tensor<1x4096x128x128xbf16>,
    %q_pe: tensor<1x4096x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<64x64x576xbf16>,
    %bt: tensor<1x64xi32>, %lens: tensor<1xi32>) -> tensor<1x4096x128x128xbf16> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #v3}
      : (tensor<64x64x576xbf16>, tensor<1x64xi32>, tensor<1xi32>)
      -> (tensor<1x4096x512xbf16>, tensor<1x4096x64xbf16>)
  %k = mla.decompress key %c, %wuk {config = #v3}
      : (tensor<1x4096x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x4096x128x128xbf16>
  %v = mla.decompress value %c, %wuv {config = #v3}
      : (tensor<1x4096x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x4096x128x128xbf16>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens causal
      {config = #v3, mla.phase = #mla<phase decode>}
      : (tensor<1x4096x128x128xbf16>, tensor<1x4096x128x64xbf16>, tensor<1x4096x128x128xbf16>,
         tensor<1x4096x64xbf16>, tensor<1x4096x128x128xbf16>, tensor<1xi32>)
      -> tensor<1x4096x128x128xbf16>
  return %o : tensor<1x4096x128x128xbf16>
}

// -----

// Not the decompressed form (the attention's lengths are not the gather's,
// one of the reasons mla-absorb-weights also refuses): unchanged.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @prefill_lengths_not_gathered
// CHECK: mla.cache.gather
// CHECK: mla.decompressed_attention
// CHECK-NOT: mla.fused_prefill
// CHECK: return
func.func @prefill_lengths_not_gathered(%q_nope: tensor<1x4096x128x128xbf16>,
    %q_pe: tensor<1x4096x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<64x64x576xbf16>,
    %bt: tensor<1x64xi32>, %lens: tensor<1xi32>,
    %mask_lens: tensor<1xi32>) -> tensor<1x4096x128x128xbf16> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #v3}
      : (tensor<64x64x576xbf16>, tensor<1x64xi32>, tensor<1xi32>)
      -> (tensor<1x4096x512xbf16>, tensor<1x4096x64xbf16>)
  %k = mla.decompress key %c, %wuk {config = #v3}
      : (tensor<1x4096x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x4096x128x128xbf16>
  %v = mla.decompress value %c, %wuv {config = #v3}
      : (tensor<1x4096x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x4096x128x128xbf16>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %mask_lens causal
      {config = #v3}
      : (tensor<1x4096x128x128xbf16>, tensor<1x4096x128x64xbf16>, tensor<1x4096x128x128xbf16>,
         tensor<1x4096x64xbf16>, tensor<1x4096x128x128xbf16>, tensor<1xi32>)
      -> tensor<1x4096x128x128xbf16>
  return %o : tensor<1x4096x128x128xbf16>
}

// -----

// TMA loads need pages of whole tiles or tiles of whole pages: with pages
// of 24 tokens and 64-token tiles, auto falls back to cp.async.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// WGMMA-LABEL: func.func @decode_page24
// WGMMA: mla.fused_decode {{.*}} tiling <splits = 1, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup>
func.func @decode_page24(%q_nope: tensor<128x1x128x128xbf16>,
    %q_pe: tensor<128x1x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<43691x24x576xbf16>,
    %bt: tensor<128x342xi32>, %lens: tensor<128xi32>) -> tensor<128x1x128x128xbf16> {
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<128x1x128x128xbf16>, tensor<128x512x128xbf16>) -> tensor<128x1x128x512xbf16>
  %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens]
      {config = #v3, mla.phase = #mla<phase decode>}
      : (tensor<128x1x128x512xbf16>, tensor<128x1x128x64xbf16>,
         tensor<43691x24x576xbf16>, tensor<128x342xi32>, tensor<128xi32>) -> tensor<128x1x128x512xbf16>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<128x1x128x512xbf16>, tensor<128x512x128xbf16>) -> tensor<128x1x128x128xbf16>
  return %o : tensor<128x1x128x128xbf16>
}
