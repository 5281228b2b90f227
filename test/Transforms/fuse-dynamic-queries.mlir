// RUN: mla-opt %s --mla-fuse-decode=mma=sync | FileCheck %s
// RUN: mla-opt %s --mla-fuse-decode="mma=sync specialize-counts=0" | FileCheck %s --check-prefix=NONE
// RUN: mla-opt %s --mla-fuse-decode="mma=sync specialize-counts=3" | FileCheck %s --check-prefix=THREE
// RUN: not mla-opt %s --mla-fuse-decode=specialize-counts=17 -o /dev/null 2>&1 | FileCheck %s --check-prefix=TOO-MANY
// RUN: not mla-opt %s --mla-fuse-decode=specialize-counts=-1 -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// A dynamic number of queries per request (one compiled block for any token
// count): one fused_decode per count 1 .. specialize-counts (default 2) on
// tensor.casts to that static count, each with the tiling the cost model
// chooses for it (64 / S heads per block), and the dynamic one in the
// default case of an scf.index_switch on S.

#v3 = #mla.config<heads = 128, hidden = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_dim = 128, qk_rope_dim = 64,
                  v_head_dim = 128>

// CHECK-LABEL: func.func @any_count
// CHECK:       %[[C1:.*]] = arith.constant 1 : index
// CHECK:       %[[S:.*]] = tensor.dim %{{.*}}, %[[C1]] : tensor<?x?x128x128xbf16>
// CHECK:       %[[O:.*]] = scf.index_switch %[[S]] -> tensor<?x?x128x128xbf16>
// CHECK-NEXT:  case 1 {
// CHECK-NEXT:    %[[Q1:.*]] = tensor.cast %{{.*}} : tensor<?x?x128x128xbf16> to tensor<?x1x128x128xbf16>
// CHECK-NEXT:    %[[R1:.*]] = tensor.cast %{{.*}} : tensor<?x?x128x64xbf16> to tensor<?x1x128x64xbf16>
// CHECK-NEXT:    %[[F1:.*]] = mla.fused_decode %[[Q1]], %[[R1]] {{.*}} heads_per_block = 64
// CHECK-SAME:      -> tensor<?x1x128x128xbf16>
// CHECK-NEXT:    %[[B1:.*]] = tensor.cast %[[F1]] : tensor<?x1x128x128xbf16> to tensor<?x?x128x128xbf16>
// CHECK-NEXT:    scf.yield %[[B1]]
// CHECK:       case 2 {
// CHECK:         mla.fused_decode {{.*}} heads_per_block = 32
// CHECK-SAME:      -> tensor<?x2x128x128xbf16>
// CHECK:       default {
// CHECK-NEXT:    %[[FD:.*]] = mla.fused_decode {{.*}} -> tensor<?x?x128x128xbf16>
// CHECK-NEXT:    scf.yield %[[FD]]
// CHECK:       return %[[O]]

// NONE-LABEL: func.func @any_count
// NONE-NOT:   scf.index_switch
// NONE:       mla.fused_decode {{.*}} -> tensor<?x?x128x128xbf16>
// NONE-NOT:   mla.fused_decode

// THREE-LABEL: func.func @any_count
// THREE:       scf.index_switch
// THREE:       case 3 {
// THREE:         mla.fused_decode {{.*}} -> tensor<?x3x128x128xbf16>
// THREE:       default {

// TOO-MANY: mla-fuse-decode: specialize-counts must be in [0, 16], found 17
// NEGATIVE: mla-fuse-decode: specialize-counts must be in [0, 16], found -1
func.func @any_count(%q_nope: tensor<?x?x128x128xbf16>,
    %q_pe: tensor<?x?x128x64xbf16>, %wuk: tensor<128x512x128xbf16>,
    %wuv: tensor<128x512x128xbf16>, %cache: tensor<?x64x576xbf16>,
    %bt: tensor<?x?xi32>, %lens: tensor<?xi32>) -> tensor<?x?x128x128xbf16> {
  %q_lat = mla.query_to_latent %q_nope, %wuk {config = #v3}
      : (tensor<?x?x128x128xbf16>, tensor<128x512x128xbf16>) -> tensor<?x?x128x512xbf16>
  %o_lat = mla.latent_attention %q_lat, %q_pe over %cache[%bt, %lens] causal
      {config = #v3, mla.phase = #mla<phase decode>}
      : (tensor<?x?x128x512xbf16>, tensor<?x?x128x64xbf16>,
         tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>) -> tensor<?x?x128x512xbf16>
  %o = mla.latent_to_value %o_lat, %wuv {config = #v3}
      : (tensor<?x?x128x512xbf16>, tensor<128x512x128xbf16>) -> tensor<?x?x128x128xbf16>
  return %o : tensor<?x?x128x128xbf16>
}

// Static counts are not switched on.
// NONE-LABEL: func.func @one_count
// THREE-LABEL: func.func @one_count
// CHECK-LABEL: func.func @one_count
// CHECK-NOT:   scf.index_switch
// CHECK:       mla.fused_decode {{.*}} -> tensor<?x1x128x128xbf16>
func.func @one_count(%q_nope: tensor<?x1x128x128xbf16>,
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
