// mla-fuzz: mla-pipeline,mla-gpu-pipeline{format=isa}
// Found by mla-fuzz (2026-12-06): an RMSNorm of dynamic rows becomes the rows
// kernel on [B·S, N] and its result is expanded back to [B, S, N] with two
// dynamic sizes in one group; MLIR 22's expand-strided-metadata segfaulted
// on that expand_shape (llvm-project#186830). mla-expand-shape-strides.
func.func @rms_norm_dynamic(%x: tensor<?x?x?xf32>, %w: tensor<?xf32>) -> tensor<?x?x?xf32> {
  %0 = mla.rms_norm %x, %w {epsilon = 1.0e-06 : f64} : tensor<?x?x?xf32>, tensor<?xf32>
  return %0 : tensor<?x?x?xf32>
}
