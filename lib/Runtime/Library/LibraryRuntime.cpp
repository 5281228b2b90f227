//===- LibraryRuntime.cpp - What an mla-aot library links -------*- C++ -*-===//
//
// The symbols a module lowered for a library calls under their upstream
// names, where mla-run maps them to its own functions when it JIT-compiles:
// `memrefCopy` here, the mgpu* functions in CudaRuntime.cpp. mla-aot links
// this archive (libmla_library_runtime.a) into every library it makes.
// A failed runtime check (cf.assert) prints its message through
// mlaCheckFailed, which mla-aot calls instead of the puts() the lowering
// emits: on stderr, unbuffered, before the abort() that follows.
//
//===----------------------------------------------------------------------===//

#include "mla/Runtime/MemrefCopy.h"

#include <cstdio>

extern "C" void memrefCopy(int64_t elementSize, int64_t *source,
                           int64_t *target) {
  mlaMemrefCopy(elementSize, source, target);
}

// puts' signature, whose calls it replaces.
extern "C" int mlaCheckFailed(const char *message) {
  std::fprintf(stderr, "mla: a runtime check failed: %s\n", message);
  std::fflush(stderr);
  return 0;
}

namespace {
// The message of the check that failed in this thread's current call.
thread_local const char *checkFailure = nullptr;
} // namespace

// Called by a library function's failed check (mla-return-on-failed-check)
// before it returns: `message` is a constant of the library.
extern "C" void mlaRecordCheckFailure(const char *message) {
  checkFailure = message;
}

extern "C" const char *mlaTakeCheckFailure() {
  const char *message = checkFailure;
  checkFailure = nullptr;
  return message;
}
