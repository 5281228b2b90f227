// RUN: mla-opt %s --convert-mla-to-linalg --split-input-file | FileCheck %s

// The paged latent cache. Append: the new [latent | rope key] rows built by a
// linalg.generic, then one scf.forall over (request, new token) sharing the
// cache, each token's row inserted at page
// block_table[b, t / G], slot t mod G, for t = seq_lens[b] - S + s, behind
// three runtime checks. Gather: one linalg.generic over [B, M*G, L+R] that
// reads the cache through the block table for t < seq_lens[b] and yields 0
// beyond (never indexing with an unused table entry), then sliced into the
// latent and rope parts. Small config: L = 16, R = 4 (L+R = 20).

// Static sizes: B = 2, S = 3, P = 8 pages of G = 4 slots, M = 5 pages per
// request.
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @cache_append
// CHECK-SAME: (%[[CKV:[^:]*]]: tensor<2x3x16xf32>, %[[KPE:[^:]*]]: tensor<2x3x4xf32>, %[[CACHE:[^:]*]]: tensor<8x4x20xf32>, %[[BT:[^:]*]]: tensor<2x5xi32>, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK-DAG:  %[[S:.*]] = arith.constant 3 : index
// CHECK-DAG:  %[[P:.*]] = arith.constant 8 : index
// CHECK-DAG:  %[[G:.*]] = arith.constant 4 : index
// CHECK-DAG:  %[[M:.*]] = arith.constant 5 : index
// CHECK:      %[[ROWS:.*]] = linalg.generic
// CHECK-SAME:   outs(%{{.*}} : tensor<2x3x20xf32>)
// CHECK:        %[[E:.*]] = linalg.index 2 : index
// CHECK:        %[[INLAT:.*]] = arith.cmpi ult, %[[E]], %c16 : index
// CHECK:        %[[LATV:.*]] = tensor.extract %[[CKV]][%{{.*}}, %{{.*}}, %{{.*}}] : tensor<2x3x16xf32>
// CHECK:        %[[ROPEV:.*]] = tensor.extract %[[KPE]][%{{.*}}, %{{.*}}, %{{.*}}] : tensor<2x3x4xf32>
// CHECK:        arith.select %[[INLAT]], %[[LATV]], %[[ROPEV]] : f32
// CHECK:      %[[NEW:.*]] = scf.forall (%[[R:[^,]+]], %[[T:[^)]+]]) in (2, 3) shared_outs(%[[SHARED:[^ ]+]] = %[[CACHE]]) -> (tensor<8x4x20xf32>) {
// CHECK:        %[[C0:.*]] = arith.constant 0 : index
// CHECK:        %[[LEN_I32:.*]] = tensor.extract %[[LENS]][%[[R]]] : tensor<2xi32>
// CHECK:        %[[LEN:.*]] = arith.index_cast %[[LEN_I32]] : i32 to index
// CHECK:        %[[FIRST:.*]] = arith.subi %[[LEN]], %[[S]] : index
// CHECK:        %[[POS:.*]] = arith.addi %[[FIRST]], %[[T]] : index
// CHECK:        %[[OK0:.*]] = arith.cmpi sge, %[[POS]], %[[C0]] : index
// CHECK:        cf.assert %[[OK0]], "mla.cache.append: seq_lens[b] is smaller than the number of new tokens"
// CHECK:        %[[COL:.*]] = arith.divui %[[POS]], %[[G]] : index
// CHECK:        %[[OK1:.*]] = arith.cmpi ult, %[[COL]], %[[M]] : index
// CHECK:        cf.assert %[[OK1]], "mla.cache.append: a new token lies beyond its block table row"
// CHECK:        %[[PAGE_I32:.*]] = tensor.extract %[[BT]][%[[R]], %[[COL]]] : tensor<2x5xi32>
// CHECK:        %[[PAGE:.*]] = arith.index_cast %[[PAGE_I32]] : i32 to index
// CHECK:        %[[NONNEG:.*]] = arith.cmpi sge, %[[PAGE]], %[[C0]] : index
// CHECK:        %[[INSIDE:.*]] = arith.cmpi slt, %[[PAGE]], %[[P]] : index
// CHECK:        %[[OK2:.*]] = arith.andi %[[NONNEG]], %[[INSIDE]] : i1
// CHECK:        cf.assert %[[OK2]], "mla.cache.append: the block table names a page outside the cache"
// CHECK:        %[[SLOT:.*]] = arith.remui %[[POS]], %[[G]] : index
// CHECK:        %[[ROW:.*]] = tensor.extract_slice %[[ROWS]][%[[R]], %[[T]], 0] [1, 1, 20] [1, 1, 1] : tensor<2x3x20xf32> to tensor<1x1x20xf32>
// CHECK:        scf.forall.in_parallel {
// CHECK:          tensor.parallel_insert_slice %[[ROW]] into %[[SHARED]][%[[PAGE]], %[[SLOT]], 0] [1, 1, 20] [1, 1, 1] : tensor<1x1x20xf32> into tensor<8x4x20xf32>
// CHECK:        }
// CHECK:      }
// CHECK:      return %[[NEW]]
func.func @cache_append(%c_kv: tensor<2x3x16xf32>, %k_pe: tensor<2x3x4xf32>,
                        %cache: tensor<8x4x20xf32>, %bt: tensor<2x5xi32>,
                        %lens: tensor<2xi32>) -> tensor<8x4x20xf32> {
  %0 = mla.cache.append %c_kv, %k_pe into %cache[%bt, %lens] {config = #small}
      : tensor<2x3x16xf32>, tensor<2x3x4xf32>
        into tensor<8x4x20xf32>, tensor<2x5xi32>, tensor<2xi32>
  return %0 : tensor<8x4x20xf32>
}

// -----

// Dynamic sizes: the loop bounds, the table width and the page count are
// read with tensor.dim. A bf16 cache is written in bf16: no conversion.
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @cache_append_dynamic
// CHECK-SAME: (%[[CKV:[^:]*]]: tensor<?x?x16xbf16>, %[[KPE:[^:]*]]: tensor<?x?x4xbf16>, %[[CACHE:[^:]*]]: tensor<?x4x20xbf16>, %[[BT:[^:]*]]: tensor<?x?xi32>, %[[LENS:[^:]*]]: tensor<?xi32>)
// CHECK-NOT:  arith.extf
// CHECK:      %[[B:.*]] = tensor.dim %[[CKV]], %{{.*}} : tensor<?x?x16xbf16>
// CHECK:      %[[S:.*]] = tensor.dim %[[CKV]], %{{.*}} : tensor<?x?x16xbf16>
// CHECK:      %[[P:.*]] = tensor.dim %[[CACHE]], %{{.*}} : tensor<?x4x20xbf16>
// CHECK:      tensor.dim %[[BT]], %{{.*}} : tensor<?x?xi32>
// CHECK:      %[[M:.*]] = tensor.dim %[[BT]], %{{.*}} : tensor<?x?xi32>
// CHECK:      scf.forall (%{{.*}}, %{{.*}}) in (%[[B]], %[[S]]) shared_outs
// CHECK:        arith.subi %{{.*}}, %[[S]] : index
// CHECK:        arith.cmpi ult, %{{.*}}, %[[M]] : index
// CHECK:        cf.assert
// CHECK:        arith.cmpi slt, %{{.*}}, %[[P]] : index
// CHECK:        cf.assert
// CHECK:        tensor.extract_slice %{{.*}} : tensor<?x?x20xbf16> to tensor<1x1x20xbf16>
// CHECK:        tensor.parallel_insert_slice %{{.*}} : tensor<1x1x20xbf16> into tensor<?x4x20xbf16>
// CHECK-NOT:  arith.truncf
// CHECK:      return
func.func @cache_append_dynamic(%c_kv: tensor<?x?x16xbf16>,
                                %k_pe: tensor<?x?x4xbf16>,
                                %cache: tensor<?x4x20xbf16>,
                                %bt: tensor<?x?xi32>, %lens: tensor<?xi32>)
    -> tensor<?x4x20xbf16> {
  %0 = mla.cache.append %c_kv, %k_pe into %cache[%bt, %lens] {config = #small}
      : tensor<?x?x16xbf16>, tensor<?x?x4xbf16>
        into tensor<?x4x20xbf16>, tensor<?x?xi32>, tensor<?xi32>
  return %0 : tensor<?x4x20xbf16>
}

// -----

// Static: B = 2, M = 3 pages of G = 4 slots per request, so T = 12.
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-DAG: #[[$ID:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @cache_gather
// CHECK-SAME: (%[[CACHE:[^:]*]]: tensor<?x4x20xf32>, %[[BT:[^:]*]]: tensor<2x3xi32>, %[[LENS:[^:]*]]: tensor<2xi32>)
// CHECK-DAG:  %[[G:.*]] = arith.constant 4 : index
// CHECK-DAG:  %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:      %[[EMPTY:.*]] = tensor.empty() : tensor<2x12x20xf32>
// CHECK:      %[[ALL:.*]] = linalg.generic
// CHECK-SAME:   indexing_maps = [#[[$ID]]], iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:   outs(%[[EMPTY]] : tensor<2x12x20xf32>)
// CHECK-DAG:    %[[R:.*]] = linalg.index 0 : index
// CHECK-DAG:    %[[T:.*]] = linalg.index 1 : index
// CHECK-DAG:    %[[E:.*]] = linalg.index 2 : index
// CHECK:        %[[LEN_I32:.*]] = tensor.extract %[[LENS]][%[[R]]] : tensor<2xi32>
// CHECK:        %[[LEN:.*]] = arith.index_cast %[[LEN_I32]] : i32 to index
// CHECK:        %[[VALID:.*]] = arith.cmpi slt, %[[T]], %[[LEN]] : index
// CHECK:        %[[COL:.*]] = arith.divui %[[T]], %[[G]] : index
// CHECK:        %[[PAGE_I32:.*]] = tensor.extract %[[BT]][%[[R]], %[[COL]]] : tensor<2x3xi32>
// CHECK:        %[[PAGE:.*]] = arith.index_cast %[[PAGE_I32]] : i32 to index
// CHECK:        %[[C0:.*]] = arith.constant 0 : index
// CHECK:        %[[SAFE:.*]] = arith.select %[[VALID]], %[[PAGE]], %[[C0]] : index
// CHECK:        %[[SLOT:.*]] = arith.remui %[[T]], %[[G]] : index
// CHECK:        %[[X:.*]] = tensor.extract %[[CACHE]][%[[SAFE]], %[[SLOT]], %[[E]]] : tensor<?x4x20xf32>
// CHECK:        %[[Y:.*]] = arith.select %[[VALID]], %[[X]], %[[ZERO]] : f32
// CHECK:        linalg.yield %[[Y]] : f32
// CHECK:      %[[LAT:.*]] = tensor.extract_slice %[[ALL]][0, 0, 0] [2, 12, 16] [1, 1, 1] : tensor<2x12x20xf32> to tensor<2x12x16xf32>
// CHECK:      %[[ROPE:.*]] = tensor.extract_slice %[[ALL]][0, 0, 16] [2, 12, 4] [1, 1, 1] : tensor<2x12x20xf32> to tensor<2x12x4xf32>
// CHECK:      return %[[LAT]], %[[ROPE]]
func.func @cache_gather(%cache: tensor<?x4x20xf32>, %bt: tensor<2x3xi32>,
                        %lens: tensor<2xi32>)
    -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>) {
  %c_kv, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<?x4x20xf32>, tensor<2x3xi32>, tensor<2xi32>)
      -> (tensor<2x12x16xf32>, tensor<2x12x4xf32>)
  return %c_kv, %k_pe : tensor<2x12x16xf32>, tensor<2x12x4xf32>
}

// -----

// Dynamic batch and pages per request: T = M * G at runtime.
#small = #mla.config<heads = 2, hidden = 32, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-LABEL: func.func @cache_gather_dynamic
// CHECK-SAME: (%[[CACHE:[^:]*]]: tensor<?x4x20xf32>, %[[BT:[^:]*]]: tensor<?x?xi32>, %[[LENS:[^:]*]]: tensor<?xi32>)
// CHECK:      %[[B:.*]] = tensor.dim %[[BT]], %{{.*}} : tensor<?x?xi32>
// CHECK:      %[[M:.*]] = tensor.dim %[[BT]], %{{.*}} : tensor<?x?xi32>
// CHECK:      %[[G:.*]] = arith.constant 4 : index
// CHECK:      %[[T:.*]] = arith.muli %[[M]], %[[G]] : index
// CHECK:      %[[EMPTY:.*]] = tensor.empty(%[[B]], %[[T]]) : tensor<?x?x20xf32>
// CHECK:      %[[ALL:.*]] = linalg.generic {{.*}} outs(%[[EMPTY]] : tensor<?x?x20xf32>)
// CHECK:      %[[LAT:.*]] = tensor.extract_slice %[[ALL]][0, 0, 0] [%{{.*}}, %{{.*}}, 16] [1, 1, 1] : tensor<?x?x20xf32> to tensor<?x?x16xf32>
// CHECK:      %[[ROPE:.*]] = tensor.extract_slice %[[ALL]][0, 0, 16] [%{{.*}}, %{{.*}}, 4] [1, 1, 1] : tensor<?x?x20xf32> to tensor<?x?x4xf32>
// CHECK:      return %[[LAT]], %[[ROPE]]
func.func @cache_gather_dynamic(%cache: tensor<?x4x20xf32>,
                                %bt: tensor<?x?xi32>, %lens: tensor<?xi32>)
    -> (tensor<?x?x16xf32>, tensor<?x?x4xf32>) {
  %c_kv, %k_pe = mla.cache.gather %cache[%bt, %lens] {config = #small}
      : (tensor<?x4x20xf32>, tensor<?x?xi32>, tensor<?xi32>)
      -> (tensor<?x?x16xf32>, tensor<?x?x4xf32>)
  return %c_kv, %k_pe : tensor<?x?x16xf32>, tensor<?x?x4xf32>
}
