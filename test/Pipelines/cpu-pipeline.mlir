// RUN: mla-opt %s --mla-cpu-pipeline --split-input-file | FileCheck %s
// RUN: mla-opt %s --mla-cpu-pipeline --split-input-file | FileCheck %s --check-prefix=LLVM-ONLY

// mla-cpu-pipeline takes a block down to the LLVM dialect only: one
// llvm.func per function, taking and returning memref descriptors (identity
// layouts; here the block output and the updated cache), math as LLVM
// intrinsics, the cache append's runtime checks as puts + abort with their
// messages as global constants (printed as bytes; the text is given above
// each). Nothing of tensor, linalg, bufferization, memref, scf, cf, arith,
// math, func or mla is left, nor an unrealized cast.
// LLVM-ONLY-NOT: {{ (tensor|linalg|bufferization|memref|scf|cf|arith|math|func|mla)\.|unrealized_conversion_cast}}

// f32.
#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-DAG: llvm.func @abort()
// CHECK-DAG: llvm.func @puts(!llvm.ptr)
// "mla.cache.append: seq_lens[b] is smaller than the number of new tokens\00"
// CHECK-DAG: llvm.mlir.global private constant @[[$MSG_LENS:assert_msg[_0-9]*]](dense<[109, 108, 97, 46, 99, 97, 99, 104, 101, 46, 97, 112, 112, 101, 110, 100, 58, 32, 115, 101, 113, 95, 108, 101, 110, 115, 91, 98, 93, 32, 105, 115, 32, 115, 109, 97, 108, 108, 101, 114, 32, 116, 104, 97, 110, 32, 116, 104, 101, 32, 110, 117, 109, 98, 101, 114, 32, 111, 102, 32, 110, 101, 119, 32, 116, 111, 107, 101, 110, 115, 0]> : tensor<71xi8>)
// "mla.cache.append: a new token lies beyond its block table row\00"
// CHECK-DAG: llvm.mlir.global private constant @[[$MSG_ROW:assert_msg[_0-9]*]](dense<[109, 108, 97, 46, 99, 97, 99, 104, 101, 46, 97, 112, 112, 101, 110, 100, 58, 32, 97, 32, 110, 101, 119, 32, 116, 111, 107, 101, 110, 32, 108, 105, 101, 115, 32, 98, 101, 121, 111, 110, 100, 32, 105, 116, 115, 32, 98, 108, 111, 99, 107, 32, 116, 97, 98, 108, 101, 32, 114, 111, 119, 0]> : tensor<62xi8>)
// "mla.cache.append: the block table names a page outside the cache\00"
// CHECK-DAG: llvm.mlir.global private constant @[[$MSG_PAGE:assert_msg[_0-9]*]](dense<[109, 108, 97, 46, 99, 97, 99, 104, 101, 46, 97, 112, 112, 101, 110, 100, 58, 32, 116, 104, 101, 32, 98, 108, 111, 99, 107, 32, 116, 97, 98, 108, 101, 32, 110, 97, 109, 101, 115, 32, 97, 32, 112, 97, 103, 101, 32, 111, 117, 116, 115, 105, 100, 101, 32, 116, 104, 101, 32, 99, 97, 99, 104, 101, 0]> : tensor<65xi8>)
// CHECK-LABEL: llvm.func @block_f32(
// CHECK-SAME: -> !llvm.struct<(struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>, struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>)>
// CHECK:      llvm.intr.sqrt(%{{.*}}) : (f32) -> f32
// CHECK:      llvm.intr.cos(%{{.*}}) : (f64) -> f64
// CHECK:      llvm.intr.sin(%{{.*}}) : (f64) -> f64
// CHECK:      llvm.intr.exp(%{{.*}}) : (f32) -> f32
// CHECK:      llvm.return %{{.*}} : !llvm.struct<(struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>, struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>)>
// CHECK:      %[[A_LENS:.*]] = llvm.mlir.addressof @[[$MSG_LENS]] : !llvm.ptr
// CHECK-NEXT: %[[P_LENS:.*]] = llvm.getelementptr %[[A_LENS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<71 x i8>
// CHECK-NEXT: llvm.call @puts(%[[P_LENS]]) : (!llvm.ptr) -> ()
// CHECK-NEXT: llvm.call @abort() : () -> ()
// CHECK:      %[[A_ROW:.*]] = llvm.mlir.addressof @[[$MSG_ROW]] : !llvm.ptr
// CHECK-NEXT: %[[P_ROW:.*]] = llvm.getelementptr %[[A_ROW]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<62 x i8>
// CHECK-NEXT: llvm.call @puts(%[[P_ROW]]) : (!llvm.ptr) -> ()
// CHECK-NEXT: llvm.call @abort() : () -> ()
// CHECK:      %[[A_PAGE:.*]] = llvm.mlir.addressof @[[$MSG_PAGE]] : !llvm.ptr
// CHECK-NEXT: %[[P_PAGE:.*]] = llvm.getelementptr %[[A_PAGE]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<65 x i8>
// CHECK-NEXT: llvm.call @puts(%[[P_PAGE]]) : (!llvm.ptr) -> ()
// CHECK-NEXT: llvm.call @abort() : () -> ()
func.func @block_f32(%h: tensor<2x1x32xf32>, %pos: tensor<2x1xi32>,
    %wdq: tensor<32x16xf32>, %qn: tensor<16xf32>, %wuq: tensor<16x24xf32>,
    %wdkv: tensor<32x20xf32>, %kvn: tensor<16xf32>, %wuk: tensor<2x16x8xf32>,
    %wuv: tensor<2x16x8xf32>, %wo: tensor<16x32xf32>,
    %cache: tensor<8x4x20xf32>, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> (tensor<2x1x32xf32>, tensor<8x4x20xf32>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #small}
      : (tensor<2x1x32xf32>, tensor<2x1xi32>, tensor<32x16xf32>, tensor<16xf32>,
         tensor<16x24xf32>, tensor<32x20xf32>, tensor<16xf32>, tensor<2x16x8xf32>,
         tensor<2x16x8xf32>, tensor<16x32xf32>, tensor<8x4x20xf32>,
         tensor<2x4xi32>, tensor<2xi32>) -> (tensor<2x1x32xf32>, tensor<8x4x20xf32>)
  return %out, %cache1 : tensor<2x1x32xf32>, tensor<8x4x20xf32>
}

// -----

// bf16: the conversions to and from f32 are integer ops (arith-expand with
// bf16), so the JIT needs no soft-float helper; no fpext or fptrunc touches
// bf16.
#small = #mla.config<heads = 2, hidden = 32, q_lora_rank = 16, kv_lora_rank = 16,
                     qk_nope_dim = 8, qk_rope_dim = 4, v_head_dim = 8>
// CHECK-DAG: llvm.func @abort()
// CHECK-DAG: llvm.func @puts(!llvm.ptr)
// "mla.cache.append: seq_lens[b] is smaller than the number of new tokens\00"
// CHECK-DAG: llvm.mlir.global private constant @[[$MSG_LENS:assert_msg[_0-9]*]](dense<[109, 108, 97, 46, 99, 97, 99, 104, 101, 46, 97, 112, 112, 101, 110, 100, 58, 32, 115, 101, 113, 95, 108, 101, 110, 115, 91, 98, 93, 32, 105, 115, 32, 115, 109, 97, 108, 108, 101, 114, 32, 116, 104, 97, 110, 32, 116, 104, 101, 32, 110, 117, 109, 98, 101, 114, 32, 111, 102, 32, 110, 101, 119, 32, 116, 111, 107, 101, 110, 115, 0]> : tensor<71xi8>)
// "mla.cache.append: a new token lies beyond its block table row\00"
// CHECK-DAG: llvm.mlir.global private constant @[[$MSG_ROW:assert_msg[_0-9]*]](dense<[109, 108, 97, 46, 99, 97, 99, 104, 101, 46, 97, 112, 112, 101, 110, 100, 58, 32, 97, 32, 110, 101, 119, 32, 116, 111, 107, 101, 110, 32, 108, 105, 101, 115, 32, 98, 101, 121, 111, 110, 100, 32, 105, 116, 115, 32, 98, 108, 111, 99, 107, 32, 116, 97, 98, 108, 101, 32, 114, 111, 119, 0]> : tensor<62xi8>)
// "mla.cache.append: the block table names a page outside the cache\00"
// CHECK-DAG: llvm.mlir.global private constant @[[$MSG_PAGE:assert_msg[_0-9]*]](dense<[109, 108, 97, 46, 99, 97, 99, 104, 101, 46, 97, 112, 112, 101, 110, 100, 58, 32, 116, 104, 101, 32, 98, 108, 111, 99, 107, 32, 116, 97, 98, 108, 101, 32, 110, 97, 109, 101, 115, 32, 97, 32, 112, 97, 103, 101, 32, 111, 117, 116, 115, 105, 100, 101, 32, 116, 104, 101, 32, 99, 97, 99, 104, 101, 0]> : tensor<65xi8>)
// CHECK-LABEL: llvm.func @block_bf16(
// CHECK-SAME: -> !llvm.struct<(struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>, struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>)>
// CHECK-NOT:  {{llvm.fpext .* bf16|llvm.fptrunc .* to bf16}}
// CHECK:      llvm.bitcast %{{.*}} : bf16 to i16
// CHECK:      llvm.bitcast %{{.*}} : i16 to bf16
// CHECK-NOT:  {{llvm.fpext .* bf16|llvm.fptrunc .* to bf16}}
// CHECK:      llvm.return %{{.*}} : !llvm.struct<(struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>, struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>)>
// CHECK:      %[[A_LENS:.*]] = llvm.mlir.addressof @[[$MSG_LENS]] : !llvm.ptr
// CHECK-NEXT: %[[P_LENS:.*]] = llvm.getelementptr %[[A_LENS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<71 x i8>
// CHECK-NEXT: llvm.call @puts(%[[P_LENS]]) : (!llvm.ptr) -> ()
// CHECK-NEXT: llvm.call @abort() : () -> ()
// CHECK:      %[[A_ROW:.*]] = llvm.mlir.addressof @[[$MSG_ROW]] : !llvm.ptr
// CHECK-NEXT: %[[P_ROW:.*]] = llvm.getelementptr %[[A_ROW]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<62 x i8>
// CHECK-NEXT: llvm.call @puts(%[[P_ROW]]) : (!llvm.ptr) -> ()
// CHECK-NEXT: llvm.call @abort() : () -> ()
// CHECK:      %[[A_PAGE:.*]] = llvm.mlir.addressof @[[$MSG_PAGE]] : !llvm.ptr
// CHECK-NEXT: %[[P_PAGE:.*]] = llvm.getelementptr %[[A_PAGE]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<65 x i8>
// CHECK-NEXT: llvm.call @puts(%[[P_PAGE]]) : (!llvm.ptr) -> ()
// CHECK-NEXT: llvm.call @abort() : () -> ()
func.func @block_bf16(%h: tensor<2x1x32xbf16>, %pos: tensor<2x1xi32>,
    %wdq: tensor<32x16xbf16>, %qn: tensor<16xbf16>, %wuq: tensor<16x24xbf16>,
    %wdkv: tensor<32x20xbf16>, %kvn: tensor<16xbf16>, %wuk: tensor<2x16x8xbf16>,
    %wuv: tensor<2x16x8xbf16>, %wo: tensor<16x32xbf16>,
    %cache: tensor<8x4x20xbf16>, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> (tensor<2x1x32xbf16>, tensor<8x4x20xbf16>) {
  %out, %cache1 = mla.attention_block %h, %pos
      weights(q_down = %wdq, q_norm = %qn, q_up = %wuq, kv_down = %wdkv,
              kv_norm = %kvn, k_up = %wuk, v_up = %wuv, out = %wo)
      cache(%cache[%bt, %lens]) {config = #small}
      : (tensor<2x1x32xbf16>, tensor<2x1xi32>, tensor<32x16xbf16>, tensor<16xbf16>,
         tensor<16x24xbf16>, tensor<32x20xbf16>, tensor<16xbf16>, tensor<2x16x8xbf16>,
         tensor<2x16x8xbf16>, tensor<16x32xbf16>, tensor<8x4x20xbf16>,
         tensor<2x4xi32>, tensor<2xi32>) -> (tensor<2x1x32xbf16>, tensor<8x4x20xbf16>)
  return %out, %cache1 : tensor<2x1x32xbf16>, tensor<8x4x20xbf16>
}
