//===- LibraryRuntime.cpp - What an mla-aot library links -------*- C++ -*-===//
//
// The symbols a module lowered for a library calls under their upstream
// names, where mla-run maps them to its own functions when it JIT-compiles:
// `memrefCopy` here, the mgpu* functions in CudaRuntime.cpp. mla-aot links
// this archive (libmla_library_runtime.a) into every library it makes.
//
//===----------------------------------------------------------------------===//

#include "mla/Runtime/MemrefCopy.h"

extern "C" void memrefCopy(int64_t elementSize, int64_t *source,
                           int64_t *target) {
  mlaMemrefCopy(elementSize, source, target);
}
