// RUN: mla-opt %s --mla-decompose --split-input-file | FileCheck %s

// DeepSeek-V3 in a decode step (query compression, YaRN): every primitive of
// the definition, in order, with the shapes derived from the block's operands.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128,
                  yarn = #mla.yarn<factor = 40.0, original_max_position = 4096,
                                   mscale = 1.0, mscale_all_dim = 1.0>>
// CHECK-LABEL: func.func @v3_decode
// CHECK-SAME: (%[[H:[^:]*]]: tensor<8x1x7168xbf16>, %[[POS:[^:]*]]: tensor<8x1xi32>, %[[WDQ:[^:]*]]: {{.*}}, %[[QN:[^:]*]]: {{.*}}, %[[WUQ:[^:]*]]: {{.*}}, %[[WDKV:[^:]*]]: {{.*}}, %[[KVN:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[WO:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: tensor<8xi32>)
// CHECK:      %[[QNOPE:.*]], %[[QPE:.*]] = mla.query_proj %[[H]] down %[[WDQ]] norm %[[QN]] up %[[WUQ]]
// CHECK-SAME:   -> (tensor<8x1x128x128xbf16>, tensor<8x1x128x64xbf16>)
// CHECK:      %[[QROT:.*]] = mla.rope %[[QPE]], %[[POS]]
// CHECK:      %[[CKV:.*]], %[[KPE:.*]] = mla.kv_compress %[[H]] down %[[WDKV]] norm %[[KVN]]
// CHECK-SAME:   -> (tensor<8x1x512xbf16>, tensor<8x1x64xbf16>)
// CHECK:      %[[KROT:.*]] = mla.rope %[[KPE]], %[[POS]]
// CHECK:      %[[NEW:.*]] = mla.cache.append %[[CKV]], %[[KROT]] into %[[CACHE]][%[[BT]], %[[LENS]]]
// CHECK:      %[[CALL:.*]], %[[KPEALL:.*]] = mla.cache.gather %[[NEW]][%[[BT]], %[[LENS]]]
// CHECK-SAME:   -> (tensor<8x2048x512xbf16>, tensor<8x2048x64xbf16>)
// CHECK:      %[[KNOPE:.*]] = mla.decompress key %[[CALL]], %[[WUK]]
// CHECK-SAME:   -> tensor<8x2048x128x128xbf16>
// CHECK:      %[[V:.*]] = mla.decompress value %[[CALL]], %[[WUV]]
// CHECK:      %[[O:.*]] = mla.decompressed_attention %[[QNOPE]], %[[QROT]], %[[KNOPE]], %[[KPEALL]], %[[V]] lengths %[[LENS]] causal
// CHECK-SAME:   mla.phase = #mla<phase decode>
// CHECK-SAME:   -> tensor<8x1x128x128xbf16>
// CHECK:      %[[OUT:.*]] = mla.output_proj %[[O]], %[[WO]]
// CHECK-NOT:  mla.attention_block
// CHECK:      return %[[OUT]], %[[NEW]]
func.func @v3_decode(%h: tensor<8x1x7168xbf16>, %pos: tensor<8x1xi32>,
    %wdq: tensor<7168x1536xbf16>, %qn: tensor<1536xbf16>,
    %wuq: tensor<1536x24576xbf16>, %wdkv: tensor<7168x576xbf16>,
    %kvn: tensor<512xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %wo: tensor<16384x7168xbf16>,
    %cache: tensor<256x64x576xbf16>, %bt: tensor<8x32xi32>, %lens: tensor<8xi32>)
    -> (tensor<8x1x7168xbf16>, tensor<256x64x576xbf16>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) phase decode {config = #v3}
      : (tensor<8x1x7168xbf16>, tensor<8x1xi32>, tensor<7168x1536xbf16>,
         tensor<1536xbf16>, tensor<1536x24576xbf16>, tensor<7168x576xbf16>,
         tensor<512xbf16>, tensor<128x512x128xbf16>, tensor<128x512x128xbf16>,
         tensor<16384x7168xbf16>, tensor<256x64x576xbf16>, tensor<8x32xi32>,
         tensor<8xi32>) -> (tensor<8x1x7168xbf16>, tensor<256x64x576xbf16>)
  return %out, %cache1 : tensor<8x1x7168xbf16>, tensor<256x64x576xbf16>
}

// -----

// DeepSeek-V2-Lite in prefill (no query compression): the query projection
// has no down-projection or norm; no phase on the block, none on the
// attention.

#v2_lite = #mla.config<heads = 16, hidden = 2048, kv_lora_rank = 512,
                       qk_nope_dim = 128, qk_rope_dim = 64, v_head_dim = 128>
// CHECK-LABEL: func.func @v2_lite_prefill
// CHECK-SAME: (%[[H:[^:]*]]: {{.*}}, %[[POS:[^:]*]]: {{.*}}, %[[WQ:[^:]*]]: tensor<2048x3072xf16>
// CHECK:      mla.query_proj %[[H]] up %[[WQ]] {config = #{{.*}}} : (tensor<2x128x2048xf16>, tensor<2048x3072xf16>)
// CHECK-SAME:   -> (tensor<2x128x16x128xf16>, tensor<2x128x16x64xf16>)
// CHECK:      mla.cache.gather
// CHECK-SAME:   -> (tensor<2x160x512xf16>, tensor<2x160x64xf16>)
// CHECK:      mla.decompressed_attention
// CHECK-NOT:    mla.phase
// CHECK-SAME:   -> tensor<2x128x16x128xf16>
func.func @v2_lite_prefill(%h: tensor<2x128x2048xf16>, %pos: tensor<2x128xi32>,
    %wq: tensor<2048x3072xf16>, %wdkv: tensor<2048x576xf16>,
    %kvn: tensor<512xf16>, %wuk: tensor<16x512x128xf16>,
    %wuv: tensor<16x512x128xf16>, %wo: tensor<2048x2048xf16>,
    %cache: tensor<?x32x576xf16>, %bt: tensor<2x5xi32>, %lens: tensor<2xi32>)
    -> (tensor<2x128x2048xf16>, tensor<?x32x576xf16>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_up = %wq, kv_down = %wdkv, kv_norm = %kvn, k_up = %wuk,
              v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #v2_lite}
      : (tensor<2x128x2048xf16>, tensor<2x128xi32>, tensor<2048x3072xf16>,
         tensor<2048x576xf16>, tensor<512xf16>, tensor<16x512x128xf16>,
         tensor<16x512x128xf16>, tensor<2048x2048xf16>, tensor<?x32x576xf16>,
         tensor<2x5xi32>, tensor<2xi32>)
      -> (tensor<2x128x2048xf16>, tensor<?x32x576xf16>)
  return %out, %cache1 : tensor<2x128x2048xf16>, tensor<?x32x576xf16>
}

// -----

// Dynamic sizes stay dynamic: batch from the block table when the hidden
// state does not know it, cache positions unknown when pages per request are.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @dynamic
// CHECK:      mla.query_proj {{.*}} -> (tensor<3x?x2x8xf32>, tensor<3x?x2x4xf32>)
// CHECK:      mla.cache.gather {{.*}} -> (tensor<3x?x16xf32>, tensor<3x?x4xf32>)
// CHECK:      mla.decompress key {{.*}} -> tensor<3x?x2x8xf32>
// CHECK:      mla.decompressed_attention {{.*}} -> tensor<3x?x2x8xf32>
// CHECK:      mla.output_proj {{.*}} -> tensor<?x?x32xf32>
func.func @dynamic(%h: tensor<?x?x32xf32>, %pos: tensor<?x?xi32>,
    %wdq: tensor<32x16xf32>, %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>,
    %wdkv: tensor<32x20xf32>, %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %wo: tensor<16x32xf32>,
    %cache: tensor<?x?x20xf32>, %bt: tensor<3x?xi32>, %lens: tensor<3xi32>)
    -> (tensor<?x?x32xf32>, tensor<?x?x20xf32>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #small}
      : (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<16x32xf32>, tensor<?x?x20xf32>,
         tensor<3x?xi32>, tensor<3xi32>) -> (tensor<?x?x32xf32>, tensor<?x?x20xf32>)
  return %out, %cache1 : tensor<?x?x32xf32>, tensor<?x?x20xf32>
}

// -----

// Primitives are left alone.

#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @primitives_untouched
// CHECK-NEXT:  mla.rope
// CHECK-NEXT:  return
func.func @primitives_untouched(%x: tensor<1x1x4xf32>, %pos: tensor<1x1xi32>) -> tensor<1x1x4xf32> {
  %0 = mla.rope %x, %pos {config = #small} : tensor<1x1x4xf32>, tensor<1x1xi32>
  return %0 : tensor<1x1x4xf32>
}
