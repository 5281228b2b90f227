// RUN: mla-opt %s --mla-fuse-prefill="tuning-file=%S/Inputs/tuning-prefill.json" --split-input-file | FileCheck %s
// RUN: mla-opt %s --mla-pipeline=tuning-file=%S/Inputs/tuning-prefill.json --split-input-file | FileCheck %s --check-prefix=PIPELINE
// RUN: mla-opt %s --mla-fuse-prefill="tuning-file=%S/Inputs/tuning-prefill.json block-keys=128" --split-input-file | FileCheck %s --check-prefix=KEYS
// RUN: not mla-opt %s --mla-fuse-prefill=tuning-file=%S/Inputs/tuning-bad-producer.json --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-PRODUCER
// RUN: not mla-opt %s --mla-fuse-prefill=tuning-file=%S/Inputs/tuning-bad-prefill-tiling.json --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-TILING
// RUN: not mla-opt %s --mla-fuse-prefill=tuning-file=%S/Inputs/tuning-bad-prefill-entry.json --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-ENTRY
// RUN: not mla-opt %s --mla-fuse-prefill=tuning-file=%S/Inputs/tuning-no-arrays.json --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=NO-ARRAYS
// RUN: not mla-opt %s --mla-fuse-prefill=tuning-file=%S/Inputs/tuning-prefill-not-array.json --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOT-ARRAY
// RUN: not mla-opt %s --mla-set-target=target=a100 --mla-fuse-prefill=tuning-file=%S/Inputs/tuning-prefill.json --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=WRONG-TARGET

// A tuning file's "prefill" entries replace the cost model's prefill tiling
// for the exact shapes they list (heads, queries, batch, cache length,
// dtype): tile sizes, prefix chunk, loads and warp specialisation. Other
// shapes keep the model's; block-keys still overrides the key tile.

// BAD-PRODUCER: error: tuning file '{{.*}}tuning-bad-producer.json': prefill entry 0 expects 'producer' true or false
// BAD-TILING: error: tuning file '{{.*}}tuning-bad-prefill-tiling.json': prefill entry 0: expects prefill_tiling producer = true with loads = tma, found loads = async_copy
// BAD-ENTRY: error: tuning file '{{.*}}tuning-bad-prefill-entry.json': prefill entry 0 expects a positive integer 'block_keys'
// NO-ARRAYS: error: tuning file '{{.*}}tuning-no-arrays.json': expects an array 'decode' or 'prefill'
// NOT-ARRAY: error: tuning file '{{.*}}tuning-prefill-not-array.json': expects 'prefill' to be an array
// WRONG-TARGET: error: tuning file '{{.*}}tuning-prefill.json' is for target 'h100', not 'a100'

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>

// Listed: one request of 4096 new tokens (64 pages of 64), bf16.
// CHECK-LABEL: func.func @listed
// CHECK: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 64, prefix_chunk = 4096, loads = tma, producer = true>
// PIPELINE-LABEL: func.func @listed
// PIPELINE: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 64, prefix_chunk = 4096, loads = tma, producer = true>
// KEYS-LABEL: func.func @listed
// KEYS: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 128, prefix_chunk = 4096, loads = tma, producer = true>
func.func @listed(%q_nope: tensor<1x4096x128x128xbf16>,
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

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>

// Not listed (2048 new tokens of one request): the cost model's tiling.
// CHECK-LABEL: func.func @not_listed
// CHECK: mla.fused_prefill {{.*}} tiling <block_queries = 128, block_keys = 128, prefix_chunk = 2048, loads = tma, producer = true>
func.func @not_listed(%q_nope: tensor<1x2048x128x128xbf16>,
    %q_pe: tensor<1x2048x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<32x64x576xbf16>,
    %bt: tensor<1x32xi32>, %lens: tensor<1xi32>) -> tensor<1x2048x128x128xbf16> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #v3}
      : (tensor<32x64x576xbf16>, tensor<1x32xi32>, tensor<1xi32>)
      -> (tensor<1x2048x512xbf16>, tensor<1x2048x64xbf16>)
  %k = mla.decompress key %c, %wuk {config = #v3}
      : (tensor<1x2048x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x2048x128x128xbf16>
  %v = mla.decompress value %c, %wuv {config = #v3}
      : (tensor<1x2048x512xbf16>, tensor<128x512x128xbf16>) -> tensor<1x2048x128x128xbf16>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens causal
      {config = #v3}
      : (tensor<1x2048x128x128xbf16>, tensor<1x2048x128x64xbf16>, tensor<1x2048x128x128xbf16>,
         tensor<1x2048x64xbf16>, tensor<1x2048x128x128xbf16>, tensor<1xi32>)
      -> tensor<1x2048x128x128xbf16>
  return %o : tensor<1x2048x128x128xbf16>
}
