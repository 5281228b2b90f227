//===- MemrefCopy.h - memrefCopy for lowered host code ----------*- C++ -*-===//
//
// The `memrefCopy` that code lowered by finalize-memref-to-llvm calls to copy
// between memrefs that are not both contiguous, implemented here rather than
// loaded from libmlir_c_runner_utils so that mla-run and the libraries mla-aot
// links stay self-contained.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_RUNTIME_MEMREFCOPY_H
#define MLA_RUNTIME_MEMREFCOPY_H

#include <cstdint>

extern "C" {
/// Copies `source` to `target` element by element (any strides). Both are
/// unranked descriptors {rank, pointer to a ranked descriptor {allocated,
/// aligned, offset, sizes[rank], strides[rank]}}.
void mlaMemrefCopy(int64_t elementSize, int64_t *source, int64_t *target);
}

#endif // MLA_RUNTIME_MEMREFCOPY_H
