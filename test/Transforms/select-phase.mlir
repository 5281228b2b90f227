// RUN: mla-opt %s --mla-decompose --mla-select-phase --split-input-file | FileCheck %s
// RUN: mla-opt %s --mla-decompose --mla-set-target=target=a100 --mla-select-phase --split-input-file | FileCheck %s --check-prefix=A100
// RUN: mla-opt %s --mla-decompose --mla-set-target=target=h200 --mla-select-phase --split-input-file | FileCheck %s --check-prefix=H200
// RUN: mla-opt %s --mla-decompose --mla-select-phase=force=prefill --split-input-file | FileCheck %s --check-prefix=PREFILL
// RUN: mla-opt %s --mla-decompose --mla-select-phase=force=decode --split-input-file | FileCheck %s --check-prefix=DECODE
// RUN: mla-opt %s --mla-decompose --mla-select-phase=assumed-cache-length=512 --split-input-file | FileCheck %s --check-prefix=SHORT
// RUN: mla-opt %s --mla-decompose --mla-select-phase=report=true --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: mla-opt %s --mla-decompose --mla-select-phase="force=decode report=true" --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=FORCED
// RUN: not mla-opt %s --mla-select-phase=force=sometimes --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-FORCE
// RUN: not mla-opt %s --mla-select-phase=assumed-cache-length=0 --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-LENGTH

// The report on whole DeepSeek-V3 blocks from the project's generator: a
// decode step of 128 requests over 8192 cached tokens, and a 4096-token
// prefill of one request.
// RUN: %python -m mla gen --config %mla_src_root/examples/configs/deepseek-v3.json --batch 128 --tokens 1 --page-size 64 --pages 16384 --max-pages 128 --dtype bf16 | mla-opt --mla-decompose --mla-select-phase=report=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=V3-DECODE
// RUN: %python -m mla gen --config %mla_src_root/examples/configs/deepseek-v3.json --batch 1 --tokens 4096 --page-size 64 --pages 64 --max-pages 64 --dtype bf16 | mla-opt --mla-decompose --mla-select-phase=report=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=V3-PREFILL

// Tests of the choice mla-select-phase makes (mla.phase = decode: absorbed,
// prefill: decompressed; mla.decode_below for a dynamic query count), not of
// what later passes do with it. The attentions are DeepSeek-V3 shaped (H =
// 128, L = 512, N = 128, R = 64, V = 128, bf16) and written directly: the
// pass reads only the types of q_nope (batch, queries) and k_nope (cache
// length), so the operands are function arguments; the last two cases are
// small blocks through mla-decompose. The crossover on the H100 preset for
// one request over 8192 cached tokens is 176 queries (165 on the A100 preset, 163 on the H200).
// The bad options fail the pass, whatever the input.

// V3-DECODE:      mla-select-phase: loc(
// V3-DECODE-NEXT:   target h100: HBM 2.90 TB/s, tensor cores 760.00 TFLOP/s (16-bit), {{.*}}, 132 SMs
// V3-DECODE-NEXT:   shape: batch 128, queries/request 1, cache 8192, heads 128, latent 512+64, heads dims 128+64/128, 2 B/element, causal
// V3-DECODE-NEXT:   form stage bytes FLOPs time
// V3-DECODE-NEXT:   decompressed gather + decompress K, V {{[0-9.]+}} GB {{[0-9.]+}} TFLOP {{[0-9.]+}} ms
// V3-DECODE-NEXT:   attention (MHA 192/128) {{[0-9.]+}} GB {{.*}}
// V3-DECODE-NEXT:   total {{[0-9.]+}} GB {{[0-9.]+}} TFLOP {{[0-9.]+}} ms
// V3-DECODE-NEXT:   absorbed query absorption (q_nope W_UK^T) {{.*}}
// V3-DECODE-NEXT:   latent attention (MQA 576/512) {{.*}}
// V3-DECODE-NEXT:   value projection (o_lat W_UV) {{.*}}
// V3-DECODE-NEXT:   total {{[0-9.]+}} GB {{[0-9.]+}} GFLOP {{[0-9.]+}} us
// V3-DECODE-NEXT:   choice: decode (absorbed form), 154.0x faster than the other; absorbed wins below 180 queries per request{{$}}
// V3-DECODE-NEXT:   fold W_UQ·W_UK^T: {{.*}}: does not pay{{$}}
// V3-DECODE-NEXT:   fold W_UV·W_O: {{.*}}: does not pay{{$}}
// V3-DECODE-NEXT:   stamped: mla.phase = decode (cost model){{$}}
// V3-DECODE-NOT:  mla-select-phase

// V3-PREFILL:      shape: batch 1, queries/request 4096, cache 4096, heads 128, {{.*}}, causal
// V3-PREFILL:      decompressed gather + decompress K, V
// V3-PREFILL-NEXT:   attention (MHA 192/128)
// V3-PREFILL-NEXT:   total {{[0-9.]+}} MB {{[0-9.]+}} GFLOP {{[0-9.]+}} ms
// V3-PREFILL-NEXT:   absorbed query absorption (q_nope W_UK^T)
// V3-PREFILL-NEXT:   latent attention (MQA 576/512)
// V3-PREFILL-NEXT:   value projection (o_lat W_UV)
// V3-PREFILL-NEXT:   total {{[0-9.]+}} GB {{[0-9.]+}} TFLOP {{[0-9.]+}} ms
// V3-PREFILL-NEXT:   choice: prefill (decompressed form), 3.3x faster than the other; absorbed wins below 169 queries per request{{$}}
// V3-PREFILL:        stamped: mla.phase = prefill (cost model){{$}}

// BAD-FORCE: for the --force option: Cannot find option named 'sometimes'!
// BAD-LENGTH: error: mla-select-phase: assumed-cache-length must be positive

// Decode: one query per request over a long cache (128 requests, 8192
// cached tokens) is memory-bound: absorbed. Forcing prefill overrides it.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @decode_batch128
// CHECK: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
// A100-LABEL: func.func @decode_batch128
// A100: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
// PREFILL-LABEL: func.func @decode_batch128
// PREFILL: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
// REPORT: shape: batch 128, queries/request 1, cache 8192,
// REPORT: choice: decode (absorbed form)
// REPORT: stamped: mla.phase = decode (cost model){{$}}
// FORCED: stamped: mla.phase = decode (forced){{$}}
func.func @decode_batch128(
    %q_nope: tensor<128x1x128x128xbf16>, %q_pe: tensor<128x1x128x64xbf16>,
    %k_nope: tensor<128x8192x128x128xbf16>, %k_pe: tensor<128x8192x64xbf16>,
    %v: tensor<128x8192x128x128xbf16>, %lens: tensor<128xi32>) -> tensor<128x1x128x128xbf16> {
  %o = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #v3}
      : (tensor<128x1x128x128xbf16>, tensor<128x1x128x64xbf16>,
         tensor<128x8192x128x128xbf16>, tensor<128x8192x64xbf16>,
         tensor<128x8192x128x128xbf16>, tensor<128xi32>)
      -> tensor<128x1x128x128xbf16>
  return %o : tensor<128x1x128x128xbf16>
}

// -----

// Prefill: as many queries as cached tokens is compute-bound: decompressed
// (2·(192+128) FLOP per query, key and head against 2·(576+512)). Forcing
// decode overrides it.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @prefill_4096
// CHECK: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
// A100-LABEL: func.func @prefill_4096
// A100: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
// DECODE-LABEL: func.func @prefill_4096
// DECODE: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
// REPORT: shape: batch 1, queries/request 4096, cache 4096,
// REPORT: stamped: mla.phase = prefill (cost model){{$}}
func.func @prefill_4096(
    %q_nope: tensor<1x4096x128x128xbf16>, %q_pe: tensor<1x4096x128x64xbf16>,
    %k_nope: tensor<1x4096x128x128xbf16>, %k_pe: tensor<1x4096x64xbf16>,
    %v: tensor<1x4096x128x128xbf16>, %lens: tensor<1xi32>) -> tensor<1x4096x128x128xbf16> {
  %o = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #v3}
      : (tensor<1x4096x128x128xbf16>, tensor<1x4096x128x64xbf16>,
         tensor<1x4096x128x128xbf16>, tensor<1x4096x64xbf16>,
         tensor<1x4096x128x128xbf16>, tensor<1xi32>)
      -> tensor<1x4096x128x128xbf16>
  return %o : tensor<1x4096x128x128xbf16>
}

// -----

// Chunked prefill, a few new tokens over a long cached prefix: 175 queries
// over 8192 cached tokens, one below the H100 crossover (176): absorbed. On
// the A100 and H200 presets the crossover is lower: decompressed.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @chunked_prefill_175
// CHECK: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
// A100-LABEL: func.func @chunked_prefill_175
// A100: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
// H200-LABEL: func.func @chunked_prefill_175
// H200: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
// REPORT: shape: batch 1, queries/request 175, cache 8192,
// REPORT: choice: decode (absorbed form), {{.*}}; absorbed wins below 176 queries per request{{$}}
// REPORT: stamped: mla.phase = decode (cost model){{$}}
func.func @chunked_prefill_175(
    %q_nope: tensor<1x175x128x128xbf16>, %q_pe: tensor<1x175x128x64xbf16>,
    %k_nope: tensor<1x8192x128x128xbf16>, %k_pe: tensor<1x8192x64xbf16>,
    %v: tensor<1x8192x128x128xbf16>, %lens: tensor<1xi32>) -> tensor<1x175x128x128xbf16> {
  %o = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #v3}
      : (tensor<1x175x128x128xbf16>, tensor<1x175x128x64xbf16>,
         tensor<1x8192x128x128xbf16>, tensor<1x8192x64xbf16>,
         tensor<1x8192x128x128xbf16>, tensor<1xi32>)
      -> tensor<1x175x128x128xbf16>
  return %o : tensor<1x175x128x128xbf16>
}

// -----

// Chunked prefill at the crossover (176 new tokens over 8192): decompressed.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @chunked_prefill_176
// CHECK: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
// REPORT: shape: batch 1, queries/request 176, cache 8192,
// REPORT: choice: prefill (decompressed form), {{.*}}; absorbed wins below 176 queries per request{{$}}
// REPORT: stamped: mla.phase = prefill (cost model){{$}}
func.func @chunked_prefill_176(
    %q_nope: tensor<1x176x128x128xbf16>, %q_pe: tensor<1x176x128x64xbf16>,
    %k_nope: tensor<1x8192x128x128xbf16>, %k_pe: tensor<1x8192x64xbf16>,
    %v: tensor<1x8192x128x128xbf16>, %lens: tensor<1xi32>) -> tensor<1x176x128x128xbf16> {
  %o = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #v3}
      : (tensor<1x176x128x128xbf16>, tensor<1x176x128x64xbf16>,
         tensor<1x8192x128x128xbf16>, tensor<1x8192x64xbf16>,
         tensor<1x8192x128x128xbf16>, tensor<1xi32>)
      -> tensor<1x176x128x128xbf16>
  return %o : tensor<1x176x128x128xbf16>
}

// -----

// A phase already on the op is kept, even where the cost model would choose
// the other form (one query over 8192 cached tokens); force overrides it.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @phase_given
// CHECK: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
// DECODE-LABEL: func.func @phase_given
// DECODE: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
// REPORT: shape: batch 1, queries/request 1, cache 8192,
// REPORT: choice: decode (absorbed form)
// REPORT: stamped: mla.phase = prefill (given by the block){{$}}
func.func @phase_given(
    %q_nope: tensor<1x1x128x128xbf16>, %q_pe: tensor<1x1x128x64xbf16>,
    %k_nope: tensor<1x8192x128x128xbf16>, %k_pe: tensor<1x8192x64xbf16>,
    %v: tensor<1x8192x128x128xbf16>, %lens: tensor<1xi32>) -> tensor<1x1x128x128xbf16> {
  %o = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #v3, mla.phase = #mla<phase prefill>}
      : (tensor<1x1x128x128xbf16>, tensor<1x1x128x64xbf16>,
         tensor<1x8192x128x128xbf16>, tensor<1x8192x64xbf16>,
         tensor<1x8192x128x128xbf16>, tensor<1xi32>)
      -> tensor<1x1x128x128xbf16>
  return %o : tensor<1x1x128x128xbf16>
}

// -----

// A dynamic query count: no phase, but the crossover below which the
// absorbed form wins, for mla-absorb-weights to test at run time. It depends
// on the target. A forced phase replaces it.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @dynamic_queries
// CHECK: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.decode_below = 176 : i64}
// A100-LABEL: func.func @dynamic_queries
// A100: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.decode_below = 165 : i64}
// H200-LABEL: func.func @dynamic_queries
// H200: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.decode_below = 163 : i64}
// PREFILL-LABEL: func.func @dynamic_queries
// PREFILL: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
// REPORT: stamped: mla.decode_below (dynamic queries: both forms, absorbed below 176){{$}}
func.func @dynamic_queries(
    %q_nope: tensor<1x?x128x128xbf16>, %q_pe: tensor<1x?x128x64xbf16>,
    %k_nope: tensor<1x8192x128x128xbf16>, %k_pe: tensor<1x8192x64xbf16>,
    %v: tensor<1x8192x128x128xbf16>, %lens: tensor<1xi32>) -> tensor<1x?x128x128xbf16> {
  %o = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #v3}
      : (tensor<1x?x128x128xbf16>, tensor<1x?x128x64xbf16>,
         tensor<1x8192x128x128xbf16>, tensor<1x8192x64xbf16>,
         tensor<1x8192x128x128xbf16>, tensor<1xi32>)
      -> tensor<1x?x128x128xbf16>
  return %o : tensor<1x?x128x128xbf16>
}

// -----

// Batch, queries and cache length all dynamic: batch 1 and the assumed cache
// length (4096 by default, 512 with assumed-cache-length=512) give the
// crossover.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @dynamic_sizes
// CHECK: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.decode_below = 169 : i64}
// SHORT-LABEL: func.func @dynamic_sizes
// SHORT: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.decode_below = 92 : i64}
// REPORT: shape: batch 1, queries/request 1, cache 4096,
// REPORT: stamped: mla.decode_below (dynamic queries: both forms, absorbed below 169){{$}}
func.func @dynamic_sizes(
    %q_nope: tensor<?x?x128x128xbf16>, %q_pe: tensor<?x?x128x64xbf16>,
    %k_nope: tensor<?x?x128x128xbf16>, %k_pe: tensor<?x?x64xbf16>,
    %v: tensor<?x?x128x128xbf16>, %lens: tensor<?xi32>) -> tensor<?x?x128x128xbf16> {
  %o = mla.decompressed_attention %q_nope, %q_pe, %k_nope, %k_pe, %v
      lengths %lens causal {config = #v3}
      : (tensor<?x?x128x128xbf16>, tensor<?x?x128x64xbf16>,
         tensor<?x?x128x128xbf16>, tensor<?x?x64xbf16>,
         tensor<?x?x128x128xbf16>, tensor<?xi32>)
      -> tensor<?x?x128x128xbf16>
  return %o : tensor<?x?x128x128xbf16>
}

// -----

// A small block through mla-decompose (2 requests, 1 new token, 16 pages of 4
// tokens: T = 64): the attention it produces is stamped decode.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @small_block_decode
// CHECK: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
// CHECK: mla.output_proj
// REPORT: shape: batch 2, queries/request 1, cache 64, heads 2, latent 16+4, heads dims 8+4/8, 4 B/element, causal
// REPORT: stamped: mla.phase = decode (cost model){{$}}
func.func @small_block_decode(%h: tensor<2x1x32xf32>, %pos: tensor<2x1xi32>,
    %wdq: tensor<32x16xf32>, %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>,
    %wdkv: tensor<32x20xf32>, %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %wo: tensor<16x32xf32>,
    %cache: tensor<32x4x20xf32>, %bt: tensor<2x16xi32>, %lens: tensor<2xi32>)
    -> (tensor<2x1x32xf32>, tensor<32x4x20xf32>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #small}
      : (tensor<2x1x32xf32>, tensor<2x1xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<16x32xf32>, tensor<32x4x20xf32>,
         tensor<2x16xi32>, tensor<2xi32>) -> (tensor<2x1x32xf32>, tensor<32x4x20xf32>)
  return %out, %cache1 : tensor<2x1x32xf32>, tensor<32x4x20xf32>
}

// -----

// A small block with 64 new tokens over 64 positions, which the cost model
// would give the decompressed form, but whose block says decode: the phase
// mla-decompose carries to the attention is kept.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @small_block_given_decode
// CHECK: mla.decompressed_attention {{.*}} causal {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
// REPORT: shape: batch 2, queries/request 64, cache 64,
// REPORT: choice: prefill (decompressed form)
// REPORT: stamped: mla.phase = decode (given by the block){{$}}
func.func @small_block_given_decode(%h: tensor<2x64x32xf32>, %pos: tensor<2x64xi32>,
    %wdq: tensor<32x16xf32>, %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>,
    %wdkv: tensor<32x20xf32>, %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %wo: tensor<16x32xf32>,
    %cache: tensor<32x4x20xf32>, %bt: tensor<2x16xi32>, %lens: tensor<2xi32>)
    -> (tensor<2x64x32xf32>, tensor<32x4x20xf32>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) phase decode {config = #small}
      : (tensor<2x64x32xf32>, tensor<2x64xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<16x32xf32>, tensor<32x4x20xf32>,
         tensor<2x16xi32>, tensor<2xi32>) -> (tensor<2x64x32xf32>, tensor<32x4x20xf32>)
  return %out, %cache1 : tensor<2x64x32xf32>, tensor<32x4x20xf32>
}
