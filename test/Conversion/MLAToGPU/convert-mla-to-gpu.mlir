// RUN: mla-opt %s --convert-mla-to-gpu --split-input-file -verify-diagnostics | FileCheck %s

// convert-mla-to-gpu: a bf16/f16 mla.fused_decode becomes an
// mla.decode_kernel on the buffers of its operands, writing a fresh output
// buffer that becomes the result tensor. Anything else stays for the
// generic path with a remark saying why.


#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: {{[^:]*}})
// CHECK-DAG:  %[[QNB:.*]] = bufferization.to_buffer %[[QN]] read_only
// CHECK-DAG:  %[[QPEB:.*]] = bufferization.to_buffer %[[QPE]] read_only
// CHECK-DAG:  %[[WUKB:.*]] = bufferization.to_buffer %[[WUK]] read_only
// CHECK-DAG:  %[[WUVB:.*]] = bufferization.to_buffer %[[WUV]] read_only
// CHECK-DAG:  %[[CACHEB:.*]] = bufferization.to_buffer %[[CACHE]] read_only
// CHECK-DAG:  %[[BTB:.*]] = bufferization.to_buffer %[[BT]] read_only
// CHECK-DAG:  %[[LENSB:.*]] = bufferization.to_buffer %[[LENS]] read_only
// CHECK-DAG:  %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x1x128x128xbf16>
// CHECK:      mla.decode_kernel %[[QNB]], %[[QPEB]] weights(%[[WUKB]], %[[WUVB]]) over %[[CACHEB]][%[[BTB]], %[[LENSB]]] into %[[OUT]] causal tiling <splits = 4, block_tokens = 32, heads_per_block = 64, stages = 3>
// CHECK:      %[[O:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK-NOT:  mla.fused_decode
// CHECK:      return %[[O]]
func.func @decode(%q_nope: tensor<?x1x128x128xbf16>, %q_pe: tensor<?x1x128x64xbf16>,
                  %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                  %cache: tensor<?x64x576xbf16>, %bt: tensor<?x?xi32>,
                  %lens: tensor<?xi32>) -> tensor<?x1x128x128xbf16> {
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens] causal
      tiling #mla.decode_tiling<splits = 4, block_tokens = 32, heads_per_block = 64, stages = 3>
      {config = #v3}
      : (tensor<?x1x128x128xbf16>, tensor<?x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>)
      -> tensor<?x1x128x128xbf16>
  return %o : tensor<?x1x128x128xbf16>
}

// -----

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @decode_f32
// CHECK: mla.fused_decode
// CHECK-NOT: mla.decode_kernel
func.func @decode_f32(%q_nope: tensor<2x1x128x128xf32>, %q_pe: tensor<2x1x128x64xf32>,
                      %wuk: tensor<128x512x128xf32>, %wuv: tensor<128x512x128xf32>,
                      %cache: tensor<8x64x576xf32>, %bt: tensor<2x4xi32>,
                      %lens: tensor<2xi32>) -> tensor<2x1x128x128xf32> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: the tensor cores take bf16 or f16, not f32}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 32, heads_per_block = 64, stages = 2>
      {config = #v3}
      : (tensor<2x1x128x128xf32>, tensor<2x1x128x64xf32>, tensor<128x512x128xf32>,
         tensor<128x512x128xf32>, tensor<8x64x576xf32>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xf32>
  return %o : tensor<2x1x128x128xf32>
}

// -----

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @dynamic_page
// CHECK-NOT: mla.decode_kernel
func.func @dynamic_page(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                        %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                        %cache: tensor<8x?x576xbf16>, %bt: tensor<2x4xi32>,
                        %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: the page size is dynamic}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 32, heads_per_block = 64, stages = 2>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x?x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}

// -----

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @dynamic_queries
// CHECK-NOT: mla.decode_kernel
func.func @dynamic_queries(%q_nope: tensor<2x?x128x128xbf16>, %q_pe: tensor<2x?x128x64xbf16>,
                           %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                           %cache: tensor<8x64x576xbf16>, %bt: tensor<2x4xi32>,
                           %lens: tensor<2xi32>) -> tensor<2x?x128x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: the query count is dynamic}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 32, heads_per_block = 64, stages = 2>
      {config = #v3}
      : (tensor<2x?x128x128xbf16>, tensor<2x?x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x64x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x?x128x128xbf16>
  return %o : tensor<2x?x128x128xbf16>
}

// -----

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @block_tokens
// CHECK-NOT: mla.decode_kernel
func.func @block_tokens(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                        %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                        %cache: tensor<8x64x576xbf16>, %bt: tensor<2x4xi32>,
                        %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: block_tokens (24) is not a multiple of 16}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 24, heads_per_block = 64, stages = 2>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x64x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}

// -----

// Small dims: the contraction does not cut into 16-wide steps for 4 warps.
#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16,
                     kv_lora_rank = 16, qk_nope_dim = 8, qk_rope_dim = 4,
                     v_head_dim = 8>
// CHECK-LABEL: func.func @small_dims
// CHECK-NOT: mla.decode_kernel
func.func @small_dims(%q_nope: tensor<2x1x2x8xbf16>, %q_pe: tensor<2x1x2x4xbf16>,
                      %wuk: tensor<2x16x8xbf16>, %wuv: tensor<2x16x8xbf16>,
                      %cache: tensor<8x4x20xbf16>, %bt: tensor<2x4xi32>,
                      %lens: tensor<2xi32>) -> tensor<2x1x2x8xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: kv_lora_rank (16) and qk_rope_dim (4) do not cut into 16-wide MMA steps for 4 warps}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 32, heads_per_block = 2, stages = 2>
      {config = #small}
      : (tensor<2x1x2x8xbf16>, tensor<2x1x2x4xbf16>, tensor<2x16x8xbf16>,
         tensor<2x16x8xbf16>, tensor<8x4x20xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x2x8xbf16>
  return %o : tensor<2x1x2x8xbf16>
}

// -----

// Four stages of 64 rows do not fit any chip's shared memory (73 KiB query
// tile + 4 × 36.5 KiB + 32 KiB of score exchange).
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @too_many_stages
// CHECK-NOT: mla.decode_kernel
func.func @too_many_stages(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                           %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                           %cache: tensor<8x64x576xbf16>, %bt: tensor<2x4xi32>,
                           %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: the tiles need 257024 bytes of shared memory}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 1, block_tokens = 32, heads_per_block = 64, stages = 4>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x64x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}

// -----

// More splits than the kernels' combine (unrolled over them) takes: the
// generic path, with a remark.
#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>
// CHECK-LABEL: func.func @too_many_splits
// CHECK-NOT: mla.decode_kernel
func.func @too_many_splits(%q_nope: tensor<2x1x128x128xbf16>, %q_pe: tensor<2x1x128x64xbf16>,
                           %wuk: tensor<128x512x128xbf16>, %wuv: tensor<128x512x128xbf16>,
                           %cache: tensor<8x64x576xbf16>, %bt: tensor<2x4xi32>,
                           %lens: tensor<2xi32>) -> tensor<2x1x128x128xbf16> {
  // expected-remark @below {{fused_decode stays on the generic GPU path: the kernels combine at most 256 splits, not 512}}
  %o = mla.fused_decode %q_nope, %q_pe weights(%wuk, %wuv) over %cache[%bt, %lens]
      tiling #mla.decode_tiling<splits = 512, block_tokens = 64, heads_per_block = 64, stages = 2, mma = warpgroup>
      {config = #v3}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, tensor<128x512x128xbf16>,
         tensor<128x512x128xbf16>, tensor<8x64x576xbf16>, tensor<2x4xi32>, tensor<2xi32>)
      -> tensor<2x1x128x128xbf16>
  return %o : tensor<2x1x128x128xbf16>
}
