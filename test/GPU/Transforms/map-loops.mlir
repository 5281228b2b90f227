// RUN: mla-opt %s --mla-gpu-map-loops --split-input-file | FileCheck %s
// RUN: mla-opt %s --mla-gpu-map-loops='threads=64' --split-input-file | FileCheck %s --check-prefix=T64
// RUN: not mla-opt %s --mla-gpu-map-loops='threads=2048' --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// The outermost parallel loop's last dim is tiled by the thread count: the
// tiles map to thread x, the loop's last three dims to blocks x, y, z
// (innermost first), earlier dims run sequentially; a loop nested in the
// body runs sequentially in each thread.

// CHECK-LABEL: func.func @four_dims
// CHECK:       scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) = {{.*}} step (%c1{{.*}}, %c1{{.*}}, %c1{{.*}}, %c256{{.*}})
// CHECK:         scf.parallel
// CHECK:           scf.parallel (%{{.*}}) =
// CHECK:           } {mapping = [#gpu.loop_dim_map<processor = sequential
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = sequential{{.*}}>, #gpu.loop_dim_map<processor = sequential{{.*}}>, #gpu.loop_dim_map<processor = sequential{{.*}}>, #gpu.loop_dim_map<processor = thread_x
// CHECK:       } {mapping = [#gpu.loop_dim_map<processor = sequential{{.*}}>, #gpu.loop_dim_map<processor = block_z{{.*}}>, #gpu.loop_dim_map<processor = block_y{{.*}}>, #gpu.loop_dim_map<processor = block_x
// T64-LABEL:   func.func @four_dims
// T64:         step (%c1{{.*}}, %c1{{.*}}, %c1{{.*}}, %c64{{.*}})
// BAD:         mla-gpu-map-loops: threads must be in [1, 1024], not 2048
func.func @four_dims(%m: memref<2x3x4x1000xf32>, %v: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c1000 = arith.constant 1000 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%a, %b, %c, %d) = (%c0, %c0, %c0, %c0) to (%c2, %c3, %c4, %c1000) step (%c1, %c1, %c1, %c1) {
    memref.store %zero, %m[%a, %b, %c, %d] : memref<2x3x4x1000xf32>
    scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
      memref.store %zero, %v[%i] : memref<8xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}
