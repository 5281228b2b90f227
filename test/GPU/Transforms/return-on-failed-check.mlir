// RUN: mla-opt %s --split-input-file --mla-return-on-failed-check | FileCheck %s

// In a library function (mla-library-abi's mark), a check of the function's
// CFG records its message with the runtime and returns; one inside a
// region is left to abort; functions without the mark are left alone.

// CHECK:       llvm.mlir.global internal constant @__mla_check_message_0("sizes differ\00")
// CHECK:       llvm.func @mlaRecordCheckFailure(!llvm.ptr)
// CHECK-LABEL: func.func @library
// CHECK:         cf.cond_br %{{.*}}, ^[[CONTINUE:.*]], ^[[FAILED:[a-z0-9]*]]
// CHECK-NEXT:  ^[[FAILED]]:
// CHECK-NEXT:    %[[MESSAGE:.*]] = llvm.mlir.addressof @__mla_check_message_0
// CHECK:         llvm.call @mlaRecordCheckFailure(%{{.*}}) : (!llvm.ptr) -> ()
// CHECK-NEXT:    return
// CHECK-NEXT:  ^[[CONTINUE]]:
// CHECK:         scf.if
// CHECK-NEXT:      cf.assert %{{.*}}, "inside a region"
// CHECK:         memref.store
// CHECK-LABEL: func.func @not_a_library
// CHECK:         cf.assert %{{.*}}, "aborts"
func.func @library(%a: memref<?xf32>, %n: index) attributes {mla.result_params = array<i64>} {
  %c0 = arith.constant 0 : index
  %d = memref.dim %a, %c0 : memref<?xf32>
  %ok = arith.cmpi eq, %d, %n : index
  cf.assert %ok, "sizes differ"
  scf.if %ok {
    cf.assert %ok, "inside a region"
  }
  %z = arith.constant 0.0 : f32
  memref.store %z, %a[%c0] : memref<?xf32>
  return
}

func.func @not_a_library(%ok: i1) {
  cf.assert %ok, "aborts"
  return
}
