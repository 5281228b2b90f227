// RUN: mla-opt %s --mla-absorb-weights --split-input-file | FileCheck %s

// mla-absorb-weights rewrites the decompressed form
//
//   c, k_pe = cache.gather cache[bt, lens]
//   k_nope  = decompress key(c, W_UK);   v = decompress value(c, W_UV)
//   o       = decompressed_attention(q_nope, q_pe, k_nope, k_pe, v, lens)
//
// into the absorbed form
//
//   o = latent_to_value(latent_attention(query_to_latent(q_nope, W_UK),
//                                        q_pe, cache[bt, lens]), W_UV)
//
// by the algebra
//
//   q_nope · k_nopeᵀ = q_nope · (c · W_UK)ᵀ = (q_nope · W_UKᵀ) · cᵀ = q_lat · cᵀ
//   Σ_t p_t · v_t    = Σ_t p_t · (c_t · W_UV) = (Σ_t p_t · c_t) · W_UV
//
// (only the nope part absorbs; q_pe · k_peᵀ stays, read from the cache). The
// latent attention reads the paged cache through the gather's block table and
// lengths, keeps the causal flag, and is stamped mla.phase = decode.
// Small config: H = 2, L = 16, N = 8, R = 4, V = 8 (cache rows L+R = 20);
// B = 2 requests, 3 pages of 4 tokens each (T = 12).

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @absorb_causal
// CHECK-SAME: (%[[QN:[^:]*]]: tensor<2x1x2x8xf32>, %[[QPE:[^:]*]]: tensor<2x1x2x4xf32>, %[[WUK:[^:]*]]: tensor<2x16x8xf32>, %[[WUV:[^:]*]]: tensor<2x16x8xf32>, %[[CACHE:[^:]*]]: tensor<8x4x20xf32>, %[[BT:[^:]*]]: tensor<2x3xi32>, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK-NOT:  mla.cache.gather
// CHECK-NOT:  mla.decompress
// CHECK:      %[[QLAT:.*]] = mla.query_to_latent %[[QN]], %[[WUK]]
// CHECK-SAME:   -> tensor<2x1x2x16xf32>
// CHECK-NEXT: %[[OLAT:.*]] = mla.latent_attention %[[QLAT]], %[[QPE]] over %[[CACHE]][%[[BT]], %[[LENS]]] causal
// CHECK-SAME:   mla.phase = #mla<phase decode>
// CHECK-SAME:   -> tensor<2x1x2x16xf32>
// CHECK-NEXT: %[[O:.*]] = mla.latent_to_value %[[OLAT]], %[[WUV]]
// CHECK-SAME:   -> tensor<2x1x2x8xf32>
// CHECK-NEXT: return %[[O]]
func.func @absorb_causal(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x2x8xf32> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<8x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  %k = mla.decompress key %c, %wuk {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %v = mla.decompress value %c, %wuv {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens
      causal {config = #small}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x12x2x8xf32>,
         tensor<2x12x4xf32>, tensor<2x12x2x8xf32>, tensor<2xi32>)
      -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}

// -----

// Not causal: the latent attention is not causal either. A phase stamped
// decode (by the block or mla-select-phase) is what absorption is for.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @absorb_not_causal_stamped_decode
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK:      %[[QLAT:.*]] = mla.query_to_latent %[[QN]], %[[WUK]]
// CHECK-NEXT: %[[OLAT:.*]] = mla.latent_attention %[[QLAT]], %[[QPE]] over %[[CACHE]][%[[BT]], %[[LENS]]] {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
// CHECK-NEXT: %[[O:.*]] = mla.latent_to_value %[[OLAT]], %[[WUV]]
// CHECK-NOT:  mla.decompressed_attention
// CHECK:      return %[[O]]
func.func @absorb_not_causal_stamped_decode(%q_nope: tensor<2x1x2x8xf32>,
    %q_pe: tensor<2x1x2x4xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %cache: tensor<8x4x20xf32>,
    %bt: tensor<2x3xi32>, %lens: tensor<2xi32>) -> tensor<2x1x2x8xf32> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<8x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  %k = mla.decompress key %c, %wuk {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %v = mla.decompress value %c, %wuv {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens
      {config = #small, mla.phase = #mla<phase decode>}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x12x2x8xf32>,
         tensor<2x12x4xf32>, tensor<2x12x2x8xf32>, tensor<2xi32>)
      -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}

// -----

// Stamped prefill: the decompressed form is the one that was chosen; left
// unchanged.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @stamped_prefill
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK:      %[[C:.*]], %[[KPE:.*]] = mla.cache.gather %[[CACHE]][%[[BT]], %[[LENS]]]
// CHECK-NEXT: %[[K:.*]] = mla.decompress key %[[C]], %[[WUK]]
// CHECK-NEXT: %[[V:.*]] = mla.decompress value %[[C]], %[[WUV]]
// CHECK-NEXT: %[[O:.*]] = mla.decompressed_attention %[[QN]], %[[QPE]], %[[K]], %[[KPE]], %[[V]] lengths %[[LENS]] causal {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
// CHECK-NOT:  mla.latent_attention
// CHECK:      return %[[O]]
func.func @stamped_prefill(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x2x8xf32> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<8x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  %k = mla.decompress key %c, %wuk {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %v = mla.decompress value %c, %wuv {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens
      causal {config = #small, mla.phase = #mla<phase prefill>}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x12x2x8xf32>,
         tensor<2x12x4xf32>, tensor<2x12x2x8xf32>, tensor<2xi32>)
      -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}

// -----

// k_nope is not a decompression (a function argument): nothing says it is
// c · W_UK, so W_UK cannot move into the query.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @k_nope_argument
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[KN:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK:      %[[C:.*]], %[[KPE:.*]] = mla.cache.gather
// CHECK-NEXT: %[[V:.*]] = mla.decompress value %[[C]], %[[WUV]]
// CHECK-NEXT: %[[O:.*]] = mla.decompressed_attention %[[QN]], %[[QPE]], %[[KN]], %[[KPE]], %[[V]] lengths %[[LENS]] causal {config = #{{[^,]*}}}
// CHECK-NOT:  mla.latent_attention
// CHECK:      return %[[O]]
func.func @k_nope_argument(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %k: tensor<2x12x2x8xf32>, %wuv: tensor<2x16x8xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x2x8xf32> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<8x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  %v = mla.decompress value %c, %wuv {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens
      causal {config = #small}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x12x2x8xf32>,
         tensor<2x12x4xf32>, tensor<2x12x2x8xf32>, tensor<2xi32>)
      -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}

// -----

// k_nope is a decompression by W_UV (value used as key; N = V here, so the
// shapes agree): W_UV is not the key weight.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @value_used_as_key
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK:      %[[C:.*]], %[[KPE:.*]] = mla.cache.gather
// CHECK-NEXT: %[[K:.*]] = mla.decompress value %[[C]], %[[WUK]]
// CHECK-NEXT: %[[V:.*]] = mla.decompress value %[[C]], %[[WUV]]
// CHECK-NEXT: %[[O:.*]] = mla.decompressed_attention %[[QN]], %[[QPE]], %[[K]], %[[KPE]], %[[V]] lengths %[[LENS]] causal
// CHECK-NOT:  mla.latent_attention
// CHECK:      return %[[O]]
func.func @value_used_as_key(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x2x8xf32> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<8x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  %k = mla.decompress value %c, %wuk {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %v = mla.decompress value %c, %wuv {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens
      causal {config = #small}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x12x2x8xf32>,
         tensor<2x12x4xf32>, tensor<2x12x2x8xf32>, tensor<2xi32>)
      -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}

// -----

// v is a function argument: nothing says it is c · W_UV.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @v_argument
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[V:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK:      %[[C:.*]], %[[KPE:.*]] = mla.cache.gather
// CHECK-NEXT: %[[K:.*]] = mla.decompress key %[[C]], %[[WUK]]
// CHECK-NEXT: %[[O:.*]] = mla.decompressed_attention %[[QN]], %[[QPE]], %[[K]], %[[KPE]], %[[V]] lengths %[[LENS]] causal
// CHECK-NOT:  mla.latent_attention
// CHECK:      return %[[O]]
func.func @v_argument(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %v: tensor<2x12x2x8xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x2x8xf32> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<8x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  %k = mla.decompress key %c, %wuk {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens
      causal {config = #small}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x12x2x8xf32>,
         tensor<2x12x4xf32>, tensor<2x12x2x8xf32>, tensor<2xi32>)
      -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}

// -----

// v is a decompression by the key weight (key used as value; N = V here).

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @key_used_as_value
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK:      %[[C:.*]], %[[KPE:.*]] = mla.cache.gather
// CHECK-NEXT: %[[K:.*]] = mla.decompress key %[[C]], %[[WUK]]
// CHECK-NEXT: %[[V:.*]] = mla.decompress key %[[C]], %[[WUV]]
// CHECK-NEXT: %[[O:.*]] = mla.decompressed_attention %[[QN]], %[[QPE]], %[[K]], %[[KPE]], %[[V]] lengths %[[LENS]] causal
// CHECK-NOT:  mla.latent_attention
// CHECK:      return %[[O]]
func.func @key_used_as_value(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x2x8xf32> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<8x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  %k = mla.decompress key %c, %wuk {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %v = mla.decompress key %c, %wuv {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens
      causal {config = #small}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x12x2x8xf32>,
         tensor<2x12x4xf32>, tensor<2x12x2x8xf32>, tensor<2xi32>)
      -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}

// -----

// K and V expand different latents (V from a latent given as an argument):
// the absorbed form reads one latent for both.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @different_latents
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: tensor<2xi32>, %[[OTHER:[^:]*]]: tensor<2x12x16xf32>)
// CHECK:      %[[C:.*]], %[[KPE:.*]] = mla.cache.gather
// CHECK-NEXT: %[[K:.*]] = mla.decompress key %[[C]], %[[WUK]]
// CHECK-NEXT: %[[V:.*]] = mla.decompress value %[[OTHER]], %[[WUV]]
// CHECK-NEXT: %[[O:.*]] = mla.decompressed_attention %[[QN]], %[[QPE]], %[[K]], %[[KPE]], %[[V]] lengths %[[LENS]] causal
// CHECK-NOT:  mla.latent_attention
// CHECK:      return %[[O]]
func.func @different_latents(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>,
    %other: tensor<2x12x16xf32>) -> tensor<2x1x2x8xf32> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<8x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  %k = mla.decompress key %c, %wuk {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %v = mla.decompress value %other, %wuv {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens
      causal {config = #small}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x12x2x8xf32>,
         tensor<2x12x4xf32>, tensor<2x12x2x8xf32>, tensor<2xi32>)
      -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}

// -----

// The latent is not read from a cache (an argument): there is no paged cache
// for latent attention to read.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @latent_not_gathered
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[C:[^:]*]]: tensor<2x12x16xf32>, %[[KPE:[^:]*]]: tensor<2x12x4xf32>, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK:      %[[K:.*]] = mla.decompress key %[[C]], %[[WUK]]
// CHECK-NEXT: %[[V:.*]] = mla.decompress value %[[C]], %[[WUV]]
// CHECK-NEXT: %[[O:.*]] = mla.decompressed_attention %[[QN]], %[[QPE]], %[[K]], %[[KPE]], %[[V]] lengths %[[LENS]] causal
// CHECK-NOT:  mla.latent_attention
// CHECK:      return %[[O]]
func.func @latent_not_gathered(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %c: tensor<2x12x16xf32>, %k_pe: tensor<2x12x4xf32>, %lens: tensor<2xi32>)
    -> tensor<2x1x2x8xf32> {
  %k = mla.decompress key %c, %wuk {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %v = mla.decompress value %c, %wuv {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens
      causal {config = #small}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x12x2x8xf32>,
         tensor<2x12x4xf32>, tensor<2x12x2x8xf32>, tensor<2xi32>)
      -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}

// -----

// k_pe is not the gather's: the rope keys would not be the cache rows the
// latent comes from.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @k_pe_not_gathered
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: tensor<2xi32>, %[[KPE:[^:]*]]: tensor<2x12x4xf32>)
// CHECK:      %[[C:.*]], %{{.*}} = mla.cache.gather
// CHECK-NEXT: %[[K:.*]] = mla.decompress key %[[C]], %[[WUK]]
// CHECK-NEXT: %[[V:.*]] = mla.decompress value %[[C]], %[[WUV]]
// CHECK-NEXT: %[[O:.*]] = mla.decompressed_attention %[[QN]], %[[QPE]], %[[K]], %[[KPE]], %[[V]] lengths %[[LENS]] causal
// CHECK-NOT:  mla.latent_attention
// CHECK:      return %[[O]]
func.func @k_pe_not_gathered(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>,
    %k_pe: tensor<2x12x4xf32>) -> tensor<2x1x2x8xf32> {
  %c, %unused = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<8x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  %k = mla.decompress key %c, %wuk {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %v = mla.decompress value %c, %wuv {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens
      causal {config = #small}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x12x2x8xf32>,
         tensor<2x12x4xf32>, tensor<2x12x2x8xf32>, tensor<2xi32>)
      -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}

// -----

// The attention's lengths are not the gather's: the gather zeroed other
// positions than the attention masks, and latent attention has one set of
// lengths for both.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @lengths_not_gathered
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: tensor<2xi32>, %[[MASKLENS:[^:]*]]: tensor<2xi32>)
// CHECK:      %[[C:.*]], %[[KPE:.*]] = mla.cache.gather %[[CACHE]][%[[BT]], %[[LENS]]]
// CHECK-NEXT: %[[K:.*]] = mla.decompress key %[[C]], %[[WUK]]
// CHECK-NEXT: %[[V:.*]] = mla.decompress value %[[C]], %[[WUV]]
// CHECK-NEXT: %[[O:.*]] = mla.decompressed_attention %[[QN]], %[[QPE]], %[[K]], %[[KPE]], %[[V]] lengths %[[MASKLENS]] causal
// CHECK-NOT:  mla.latent_attention
// CHECK:      return %[[O]]
func.func @lengths_not_gathered(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>,
    %mask_lens: tensor<2xi32>) -> tensor<2x1x2x8xf32> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<8x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  %k = mla.decompress key %c, %wuk {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %v = mla.decompress value %c, %wuv {config = #small}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v
      lengths %mask_lens causal {config = #small}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x12x2x8xf32>,
         tensor<2x12x4xf32>, tensor<2x12x2x8xf32>, tensor<2xi32>)
      -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}

// -----

// The decompressions carry another config than the attention (same shapes,
// another softmax scale): the absorbed ops would have to pick one.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
#scaled = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                      qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8,
                      softmax_scale = 0.5>
// CHECK-LABEL: func.func @configs_differ
// CHECK-SAME: (%[[QN:[^:]*]]: {{.*}}, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK:      %[[C:.*]], %[[KPE:.*]] = mla.cache.gather
// CHECK-NEXT: %[[K:.*]] = mla.decompress key %[[C]], %[[WUK]]
// CHECK-NEXT: %[[V:.*]] = mla.decompress value %[[C]], %[[WUV]]
// CHECK-NEXT: %[[O:.*]] = mla.decompressed_attention %[[QN]], %[[QPE]], %[[K]], %[[KPE]], %[[V]] lengths %[[LENS]] causal
// CHECK-NOT:  mla.latent_attention
// CHECK:      return %[[O]]
func.func @configs_differ(%q_nope: tensor<2x1x2x8xf32>, %q_pe: tensor<2x1x2x4xf32>,
    %wuk: tensor<2x16x8xf32>, %wuv: tensor<2x16x8xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x3xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x2x8xf32> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<8x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  %k = mla.decompress key %c, %wuk {config = #scaled}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %v = mla.decompress value %c, %wuv {config = #scaled}
      : (tensor<2x12x16xf32>, tensor<2x16x8xf32>) -> tensor<2x12x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens
      causal {config = #small}
      : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, tensor<2x12x2x8xf32>,
         tensor<2x12x4xf32>, tensor<2x12x2x8xf32>, tensor<2xi32>)
      -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}

// -----

// A dynamic query count, stamped mla.decode_below = 8 by mla-select-phase:
// both forms behind a runtime test on dim 1 of q_nope (queries per request).
// The absorbed form when fewer than 8; otherwise the decompressed form,
// recomputed in its branch (gather, both decompressions, the attention
// stamped prefill and no longer carrying mla.decode_below). Nothing of the
// decompressed form is left outside the scf.if.

#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @dispatch_dynamic_queries
// CHECK-SAME: (%[[QN:[^:]*]]: tensor<?x?x2x8xf32>, %[[QPE:[^:]*]]: {{.*}}, %[[WUK:[^:]*]]: {{.*}}, %[[WUV:[^:]*]]: {{.*}}, %[[CACHE:[^:]*]]: {{.*}}, %[[BT:[^:]*]]: {{.*}}, %[[LENS:[^:]*]]: tensor<?xi32>)
// CHECK-NOT:  mla.
// CHECK-DAG:  %[[EIGHT:.*]] = arith.constant 8 : index
// CHECK-DAG:  %[[ONE:.*]] = arith.constant 1 : index
// CHECK:      %[[S:.*]] = tensor.dim %[[QN]], %[[ONE]] : tensor<?x?x2x8xf32>
// CHECK-NEXT: %[[FEW:.*]] = arith.cmpi ult, %[[S]], %[[EIGHT]] : index
// CHECK-NEXT: %[[R:.*]] = scf.if %[[FEW]] -> (tensor<?x?x2x8xf32>) {
// CHECK-NEXT:   %[[QLAT:.*]] = mla.query_to_latent %[[QN]], %[[WUK]]
// CHECK-NEXT:   %[[OLAT:.*]] = mla.latent_attention %[[QLAT]], %[[QPE]] over %[[CACHE]][%[[BT]], %[[LENS]]] causal {config = #{{[^,]*}}, mla.phase = #mla<phase decode>}
// CHECK-NEXT:   %[[ABSORBED:.*]] = mla.latent_to_value %[[OLAT]], %[[WUV]]
// CHECK-NEXT:   scf.yield %[[ABSORBED]] : tensor<?x?x2x8xf32>
// CHECK-NEXT: } else {
// CHECK-NEXT:   %[[C:.*]], %[[KPE:.*]] = mla.cache.gather %[[CACHE]][%[[BT]], %[[LENS]]]
// CHECK-NEXT:   %[[K:.*]] = mla.decompress key %[[C]], %[[WUK]]
// CHECK-NEXT:   %[[V:.*]] = mla.decompress value %[[C]], %[[WUV]]
// CHECK-NEXT:   %[[DECOMPRESSED:.*]] = mla.decompressed_attention %[[QN]], %[[QPE]], %[[K]], %[[KPE]], %[[V]] lengths %[[LENS]] causal {config = #{{[^,]*}}, mla.phase = #mla<phase prefill>}
// CHECK-NEXT:   scf.yield %[[DECOMPRESSED]] : tensor<?x?x2x8xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return %[[R]]
func.func @dispatch_dynamic_queries(%q_nope: tensor<?x?x2x8xf32>,
    %q_pe: tensor<?x?x2x4xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %cache: tensor<?x4x20xf32>,
    %bt: tensor<?x?xi32>, %lens: tensor<?xi32>) -> tensor<?x?x2x8xf32> {
  %c, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<?x4x20xf32>, tensor<?x?xi32>, tensor<?xi32>)
      -> (tensor<?x?x16xf32>, tensor<?x?x4xf32>)
  %k = mla.decompress key %c, %wuk {config = #small}
      : (tensor<?x?x16xf32>, tensor<2x16x8xf32>) -> tensor<?x?x2x8xf32>
  %v = mla.decompress value %c, %wuv {config = #small}
      : (tensor<?x?x16xf32>, tensor<2x16x8xf32>) -> tensor<?x?x2x8xf32>
  %o = mla.decompressed_attention %q_nope, %q_pe, %k, %k_pe, %v lengths %lens
      causal {config = #small, mla.decode_below = 8}
      : (tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x8xf32>,
         tensor<?x?x4xf32>, tensor<?x?x2x8xf32>, tensor<?xi32>)
      -> tensor<?x?x2x8xf32>
  return %o : tensor<?x?x2x8xf32>
}
