//===- CudaRuntime.cpp - mla's CUDA runtime ---------------------*- C++ -*-===//
//
// The mgpu* C ABI over the CUDA driver API. libcuda is opened with dlopen on
// first use and its entry points resolved by name, so nothing here needs the
// CUDA toolkit to build or a GPU to link and start. One primary context of
// device 0 (or the one mgpuSetDefaultDevice names) is made current on first
// use. Kernels that ask for more than 48 KiB of dynamic shared memory get the
// function attribute that allows it. Every failing call is reported with the
// kernel and module involved, and the process exits with code 1. So is a bad
// input a kernel found (mla_gpu.check_input): every loaded module's
// `__mla_error_record` points at one record in mapped host memory, read when
// a stream is synchronised.
//
//===----------------------------------------------------------------------===//

#include "mla/Runtime/CudaRuntime.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <iterator>
#include <map>
#include <mutex>
#include <vector>

namespace {

// The subset of the driver API used here, declared by hand: the runtime
// builds without cuda.h.
using CUresult = int;
using CUdevice = int;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUevent = void *;
using CUdeviceptr = unsigned long long;
using CUmemoryPool = void *;
using CUgraph = void *;
using CUgraphExec = void *;
constexpr CUresult CUDA_SUCCESS = 0;
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int CU_JIT_OPTIMIZATION_LEVEL = 7;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr unsigned CU_STREAM_NON_BLOCKING = 1;
constexpr unsigned CU_MEM_ATTACH_GLOBAL = 1;
constexpr int CU_MEMPOOL_ATTR_RELEASE_THRESHOLD = 4;
constexpr int CU_STREAM_CAPTURE_STATUS_NONE = 0;
constexpr int CU_STREAM_CAPTURE_MODE_GLOBAL = 0;
constexpr int CU_STREAM_CAPTURE_MODE_RELAXED = 2;
constexpr unsigned long long CUDA_GRAPH_INSTANTIATE_FLAG_AUTO_FREE_ON_LAUNCH =
    1;

/// Names a function pointer type written in declarator form.
template <typename T> using FunctionPointer = T;

/// Driver entry points, resolved once.
struct Driver {
#define MLA_CUDA_FUNCTIONS(X)                                                  \
  X(cuInit, CUresult (*)(unsigned))                                            \
  X(cuDeviceGetCount, CUresult (*)(int *))                                     \
  X(cuDeviceGet, CUresult (*)(CUdevice *, int))                                \
  X(cuDevicePrimaryCtxRetain, CUresult (*)(CUcontext *, CUdevice))             \
  X(cuCtxSetCurrent, CUresult (*)(CUcontext))                                  \
  X(cuGetErrorName, CUresult (*)(CUresult, const char **))                     \
  X(cuGetErrorString, CUresult (*)(CUresult, const char **))                   \
  X(cuModuleLoadData, CUresult (*)(CUmodule *, const void *))                  \
  X(cuModuleLoadDataEx,                                                        \
    CUresult (*)(CUmodule *, const void *, unsigned, int *, void **))          \
  X(cuModuleUnload, CUresult (*)(CUmodule))                                    \
  X(cuModuleGetFunction, CUresult (*)(CUfunction *, CUmodule, const char *))   \
  X(cuFuncSetAttribute, CUresult (*)(CUfunction, int, int))                    \
  X(cuLaunchKernel,                                                            \
    CUresult (*)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, \
                 unsigned, unsigned, CUstream, void **, void **))              \
  X(cuStreamCreate, CUresult (*)(CUstream *, unsigned))                        \
  X(cuStreamDestroy_v2, CUresult (*)(CUstream))                                \
  X(cuStreamSynchronize, CUresult (*)(CUstream))                               \
  X(cuStreamWaitEvent, CUresult (*)(CUstream, CUevent, unsigned))              \
  X(cuEventCreate, CUresult (*)(CUevent *, unsigned))                          \
  X(cuEventDestroy_v2, CUresult (*)(CUevent))                                  \
  X(cuEventRecord, CUresult (*)(CUevent, CUstream))                            \
  X(cuEventSynchronize, CUresult (*)(CUevent))                                 \
  X(cuEventElapsedTime, CUresult (*)(float *, CUevent, CUevent))               \
  X(cuMemAlloc_v2, CUresult (*)(CUdeviceptr *, size_t))                        \
  X(cuMemAllocManaged, CUresult (*)(CUdeviceptr *, size_t, unsigned))          \
  X(cuMemFree_v2, CUresult (*)(CUdeviceptr))                                   \
  X(cuMemAllocAsync, CUresult (*)(CUdeviceptr *, size_t, CUstream))            \
  X(cuMemFreeAsync, CUresult (*)(CUdeviceptr, CUstream))                       \
  X(cuDeviceGetDefaultMemPool, CUresult (*)(CUmemoryPool *, CUdevice))         \
  X(cuMemPoolSetAttribute, CUresult (*)(CUmemoryPool, int, void *))            \
  X(cuMemcpyAsync, CUresult (*)(CUdeviceptr, CUdeviceptr, size_t, CUstream))   \
  X(cuMemcpyHtoD_v2, CUresult (*)(CUdeviceptr, const void *, size_t))          \
  X(cuModuleGetGlobal_v2,                                                      \
    CUresult (*)(CUdeviceptr *, size_t *, CUmodule, const char *))             \
  X(cuMemHostAlloc, CUresult (*)(void **, size_t, unsigned))                   \
  X(cuMemHostGetDevicePointer_v2, CUresult (*)(CUdeviceptr *, void *, unsigned)) \
  X(cuMemsetD32Async, CUresult (*)(CUdeviceptr, unsigned, size_t, CUstream))   \
  X(cuMemsetD16Async,                                                          \
    CUresult (*)(CUdeviceptr, unsigned short, size_t, CUstream))               \
  X(cuStreamIsCapturing, CUresult (*)(CUstream, int *))                        \
  X(cuThreadExchangeStreamCaptureMode, CUresult (*)(int *))                    \
  X(cuStreamBeginCapture_v2, CUresult (*)(CUstream, int))                      \
  X(cuStreamEndCapture, CUresult (*)(CUstream, CUgraph *))                     \
  X(cuGraphInstantiateWithFlags,                                               \
    CUresult (*)(CUgraphExec *, CUgraph, unsigned long long))                  \
  X(cuGraphLaunch, CUresult (*)(CUgraphExec, CUstream))                        \
  X(cuGraphExecDestroy, CUresult (*)(CUgraphExec))                             \
  X(cuGraphDestroy, CUresult (*)(CUgraph))
#define MLA_DECLARE(name, type) FunctionPointer<type> name = nullptr;
  MLA_CUDA_FUNCTIONS(MLA_DECLARE)
#undef MLA_DECLARE
  // CUDA 12+ (sm_90's TMA); optional, so that older drivers still load.
  CUresult (*cuTensorMapEncodeTiled)(void *, int, unsigned, void *,
                                     const unsigned long long *,
                                     const unsigned long long *,
                                     const unsigned *, const unsigned *, int,
                                     int, int, int) = nullptr;
  std::string error;
  int device = 0;
  CUcontext context = nullptr;
};

std::mutex driverMutex;
int defaultDevice = 0;

/// Names of loaded modules and kernels, for error messages.
std::map<void *, std::string> &moduleNames() {
  static std::map<void *, std::string> names;
  return names;
}
/// Idle streams, returned by mgpuStreamDestroy (see mgpuStreamCreate).
std::vector<CUstream> &streamPool() {
  static std::vector<CUstream> pool;
  return pool;
}
std::mutex streamPoolMutex;

// The stream a library caller gave (mlaBeginCallOnStream), which lowered
// code then uses instead of a stream of its own; per thread, as calls are.
thread_local CUstream callerStream = nullptr;
thread_local bool callerStreamSet = false;
/// What the runtime knows of a function handed out by mgpuModuleGetFunction:
/// its name and module (for error messages) and the dynamic shared memory it
/// has opted in to (mgpuLaunchKernel).
struct Kernel {
  std::string name;
  void *module = nullptr;
  int32_t sharedOptIn = 0;
};
std::map<void *, Kernel> &kernels() {
  static std::map<void *, Kernel> known;
  return known;
}
std::mutex kernelsMutex;

/// Loads libcuda and resolves the driver once; `error` says why not.
Driver &driver() {
  static Driver d = [] {
    Driver loaded;
    void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
    if (!library)
      library = dlopen("libcuda.so", RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
      loaded.error = "cannot load libcuda.so.1 (no NVIDIA driver on this "
                     "machine?)";
      return loaded;
    }
#define MLA_RESOLVE(name, type)                                                \
  loaded.name =                                                                \
      reinterpret_cast<FunctionPointer<type>>(dlsym(library, #name));          \
  if (!loaded.name && loaded.error.empty())                                    \
    loaded.error = "libcuda has no " #name;
    MLA_CUDA_FUNCTIONS(MLA_RESOLVE)
#undef MLA_RESOLVE
    loaded.cuTensorMapEncodeTiled =
        reinterpret_cast<decltype(loaded.cuTensorMapEncodeTiled)>(
            dlsym(library, "cuTensorMapEncodeTiled"));
    if (!loaded.error.empty())
      return loaded;
    int count = 0;
    if (loaded.cuInit(0) != CUDA_SUCCESS ||
        loaded.cuDeviceGetCount(&count) != CUDA_SUCCESS || count == 0)
      loaded.error = "the CUDA driver reports no GPU";
    return loaded;
  }();
  return d;
}

/// Prints a fatal error of `call` and exits.
[[noreturn]] void fatal(const char *call, CUresult result,
                        const std::string &what) {
  const char *name = "?", *text = "";
  Driver &d = driver();
  if (d.cuGetErrorName)
    d.cuGetErrorName(result, &name);
  if (d.cuGetErrorString)
    d.cuGetErrorString(result, &text);
  std::fprintf(stderr, "mla CUDA runtime: %s failed%s%s: %s (%s)\n", call,
               what.empty() ? "" : " for ", what.c_str(), name, text);
  std::exit(1);
}

/// The driver with a current context; exits with a message without one.
Driver &ready() {
  Driver &d = driver();
  if (!d.error.empty()) {
    std::fprintf(stderr, "mla CUDA runtime: %s\n", d.error.c_str());
    std::exit(1);
  }
  // The context stays current on a thread once made so: every runtime call
  // goes through here, and the lock and cuCtxSetCurrent are not free.
  static thread_local bool current = false;
  if (current)
    return d;
  std::lock_guard<std::mutex> lock(driverMutex);
  if (!d.context) {
    CUdevice device;
    CUresult result = d.cuDeviceGet(&device, defaultDevice);
    if (result != CUDA_SUCCESS)
      fatal("cuDeviceGet", result, "device " + std::to_string(defaultDevice));
    result = d.cuDevicePrimaryCtxRetain(&d.context, device);
    if (result != CUDA_SUCCESS)
      fatal("cuDevicePrimaryCtxRetain", result, "");
    // Stream-ordered allocations (a function's workspace and results) come
    // from the device's default pool; keeping freed memory in the pool makes
    // the next call's allocations free of driver round trips.
    CUmemoryPool pool = nullptr;
    unsigned long long keep = ~0ull;
    if (d.cuDeviceGetDefaultMemPool(&pool, device) == CUDA_SUCCESS)
      d.cuMemPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keep);
  }
  CUresult result = d.cuCtxSetCurrent(d.context);
  if (result != CUDA_SUCCESS)
    fatal("cuCtxSetCurrent", result, "");
  current = true;
  return d;
}

void check(CUresult result, const char *call, const std::string &what = "") {
  if (result != CUDA_SUCCESS)
    fatal(call, result, what);
}

/// Whether work queued on `stream` is being captured into a CUDA graph
/// (mla-run --graph, or a caller capturing a library call, e.g. with
/// torch.cuda.graph).
bool isCapturing(CUstream stream) {
  int status = CU_STREAM_CAPTURE_STATUS_NONE;
  check(ready().cuStreamIsCapturing(stream, &status), "cuStreamIsCapturing");
  return status != CU_STREAM_CAPTURE_STATUS_NONE;
}

/// While it lives, this thread may make the driver calls a capture in the
/// global mode forbids (cuMemAlloc, a synchronous cuMemcpyHtoD): the
/// one-time allocations of cuBLASLt workspaces and TMA descriptors, which
/// belong to no stream and must outlive the capture. Not captured: they
/// happen once, when the call is captured, and the graph reuses them.
class CaptureModeRelaxed {
public:
  CaptureModeRelaxed() {
    check(ready().cuThreadExchangeStreamCaptureMode(&mode),
          "cuThreadExchangeStreamCaptureMode");
  }
  ~CaptureModeRelaxed() { ready().cuThreadExchangeStreamCaptureMode(&mode); }

private:
  int mode = CU_STREAM_CAPTURE_MODE_RELAXED;
};

/// What a kernel records of a bad input (mla_gpu.check_input, lowered in
/// convert-mla-gpu-to-nvvm): the first failing check's kind, request, value
/// and limit. In mapped (zero-copy) host memory: the kernels write it, the
/// host reads it after a synchronisation without a copy.
struct ErrorRecord {
  int64_t kind, request, value, limit;
};
volatile ErrorRecord *errorRecord = nullptr;
CUdeviceptr errorRecordOnDevice = 0;
std::mutex errorRecordMutex;
constexpr unsigned CU_MEMHOSTALLOC_PORTABLE = 1, CU_MEMHOSTALLOC_DEVICEMAP = 2;

/// Points `module`'s `__mla_error_record` (if it has one) at the record.
void installErrorRecord(Driver &d, CUmodule module) {
  CUdeviceptr global = 0;
  size_t bytes = 0;
  if (d.cuModuleGetGlobal_v2(&global, &bytes, module, "__mla_error_record") !=
          CUDA_SUCCESS ||
      bytes != sizeof(CUdeviceptr))
    return;
  std::lock_guard<std::mutex> lock(errorRecordMutex);
  if (!errorRecord) {
    void *host = nullptr;
    check(d.cuMemHostAlloc(&host, sizeof(ErrorRecord),
                           CU_MEMHOSTALLOC_PORTABLE | CU_MEMHOSTALLOC_DEVICEMAP),
          "cuMemHostAlloc", "the error record");
    std::memset(host, 0, sizeof(ErrorRecord));
    check(d.cuMemHostGetDevicePointer_v2(&errorRecordOnDevice, host, 0),
          "cuMemHostGetDevicePointer", "the error record");
    errorRecord = static_cast<ErrorRecord *>(host);
  }
  check(d.cuMemcpyHtoD_v2(global, &errorRecordOnDevice, sizeof(CUdeviceptr)),
        "cuMemcpyHtoD", "the error record's address");
}

/// After a synchronisation: a bad input a kernel recorded stops the program
/// with what it was (exit 1; the call's results are not returned).
void reportBadInput() {
  if (!errorRecord || errorRecord->kind == 0)
    return;
  // By kind (mla_gpu::BadInput, 1-based): the op and the message, whose two
  // %lld are the value and its limit.
  static constexpr const char *kAttention =
      "mla.fused_decode (the decode attention kernels)";
  static constexpr const char *kAppend =
      "mla.cache.append (the kv append kernel)";
  static constexpr const char *kPrefill =
      "mla.fused_prefill (the prefill's gather of the cached latents)";
  static constexpr const char *kPage =
      "block-table entry %lld names no page of the cache (%lld pages)";
  static constexpr const char *kLength =
      "sequence length %lld is outside [0, %lld], what its block-table row "
      "holds";
  static constexpr struct {
    const char *op, *format;
  } kinds[] = {
      {kAttention, kPage},
      {kAttention, kLength},
      {kAppend, kPage},
      {kAppend, "a new token at position %lld lies beyond its block-table "
                "row (%lld positions)"},
      {kAppend, "sequence length %lld is smaller than its %lld new tokens"},
      {kPrefill, kPage},
      {kPrefill, kLength},
      {"mla.fused_prefill (the varlen attention kernel)",
       "a query_starts entry (%lld) is out of order or outside [0, %lld] "
       "(the packed rows; 0 first, the rows last)"},
      {"mla.fused_prefill (the varlen attention kernel)",
       "sequence length %lld is smaller than its %lld new tokens"},
  };
  long long kind = errorRecord->kind, request = errorRecord->request,
            value = errorRecord->value, limit = errorRecord->limit;
  char what[256];
  const char *op = "an mla kernel";
  if (kind >= 1 && kind <= static_cast<long long>(std::size(kinds))) {
    op = kinds[kind - 1].op;
    std::snprintf(what, sizeof(what), kinds[kind - 1].format, value, limit);
  } else {
    std::snprintf(what, sizeof(what), "unknown check %lld (value %lld)", kind,
                  value);
  }
  std::fprintf(stderr, "mla: bad input on the GPU: %s: request %lld: %s\n", op,
               request, what);
  std::exit(1);
}

std::string kernelDescription(void *function) {
  std::lock_guard<std::mutex> lock(kernelsMutex);
  auto it = kernels().find(function);
  if (it == kernels().end())
    return "an unknown kernel";
  return "kernel '" + it->second.name + "' of " +
         moduleNames()[it->second.module];
}

} // namespace

extern "C" {

void *mgpuModuleLoad(void *data, size_t /*size*/) {
  Driver &d = ready();
  CUmodule module = nullptr;
  check(d.cuModuleLoadData(&module, data), "cuModuleLoadData",
        "a cubin/fatbin module");
  moduleNames()[module] = "module #" + std::to_string(moduleNames().size());
  installErrorRecord(d, module);
  return module;
}

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  Driver &d = ready();
  CUmodule module = nullptr;
  char log[8192] = {0};
  int options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                   CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    log, reinterpret_cast<void *>(sizeof(log))};
  CUresult result = d.cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != CUDA_SUCCESS)
    fatal("cuModuleLoadDataEx", result,
          std::string("a PTX module (JIT log: ") + log + ")");
  moduleNames()[module] = "PTX module #" + std::to_string(moduleNames().size());
  installErrorRecord(d, module);
  return module;
}

void mgpuModuleUnload(void *module) {
  check(ready().cuModuleUnload(module), "cuModuleUnload",
        moduleNames()[module]);
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  CUfunction function = nullptr;
  check(ready().cuModuleGetFunction(&function, module, name),
        "cuModuleGetFunction",
        std::string("kernel '") + name + "' of " + moduleNames()[module]);
  // A fresh record: a handle of an unloaded module's function may come back
  // for another function, which has opted in to nothing yet.
  std::lock_guard<std::mutex> lock(kernelsMutex);
  kernels()[function] = {name, module};
  return function;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedMemoryBytes, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  Driver &d = ready();
  // Above 48 KiB a kernel must opt in to dynamic shared memory. The
  // attribute stays with the function: set once per function and size, not
  // on every launch (a driver call that a batch-1 decode step notices).
  if (sharedMemoryBytes > 48 * 1024) {
    auto optedIn = [&]() -> int32_t & {
      return kernels()[function].sharedOptIn;
    };
    bool needed;
    {
      std::lock_guard<std::mutex> lock(kernelsMutex);
      needed = optedIn() < sharedMemoryBytes;
    }
    // The driver call outside the lock (the error message takes it).
    if (needed) {
      CUresult result = d.cuFuncSetAttribute(
          function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
          sharedMemoryBytes);
      if (result != CUDA_SUCCESS)
        fatal("cuFuncSetAttribute", result, kernelDescription(function));
      std::lock_guard<std::mutex> lock(kernelsMutex);
      optedIn() = std::max(optedIn(), sharedMemoryBytes);
    }
  }
  // The kernel's description is built only for the error message, not on
  // every launch.
  CUresult result =
      d.cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                       sharedMemoryBytes, stream, params, extra);
  if (result != CUDA_SUCCESS)
    fatal("cuLaunchKernel", result, kernelDescription(function));
}

// Lowered functions create a stream per call and destroy it before they
// return. Creating and destroying a driver stream costs several microseconds
// each, which a decode step of batch 1 (tens of microseconds) notices: the
// streams are kept in a pool and handed out again. A pooled stream is idle
// when it is returned (the function synchronised it), so its next user sees
// no work of the previous one.
void *mgpuStreamCreate() {
  if (callerStreamSet)
    return callerStream;
  {
    std::lock_guard<std::mutex> lock(streamPoolMutex);
    if (!streamPool().empty()) {
      CUstream stream = streamPool().back();
      streamPool().pop_back();
      return stream;
    }
  }
  CUstream stream = nullptr;
  check(ready().cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING),
        "cuStreamCreate");
  return stream;
}

void mgpuStreamDestroy(void *stream) {
  if (callerStreamSet && stream == callerStream)
    return;
  std::lock_guard<std::mutex> lock(streamPoolMutex);
  streamPool().push_back(stream);
}

void mgpuStreamSynchronize(void *stream) {
  // A call being captured into a graph queues its work and returns: the
  // graph's launch is synchronised (and the error record read) by whoever
  // launches it (mla-run --graph: mla::cuda::launchGraph).
  if (isCapturing(stream))
    return;
  // Errors of earlier asynchronous launches surface here.
  check(ready().cuStreamSynchronize(stream), "cuStreamSynchronize",
        "the kernels launched before it");
  reportBadInput();
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  check(ready().cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
}

void *mgpuEventCreate() {
  CUevent event = nullptr;
  check(ready().cuEventCreate(&event, 0), "cuEventCreate");
  return event;
}

void mgpuEventDestroy(void *event) {
  check(ready().cuEventDestroy_v2(event), "cuEventDestroy");
}

void mgpuEventSynchronize(void *event) {
  check(ready().cuEventSynchronize(event), "cuEventSynchronize");
  reportBadInput();
}

void mgpuEventRecord(void *event, void *stream) {
  check(ready().cuEventRecord(event, stream), "cuEventRecord");
}

void *mgpuMemAlloc(uint64_t bytes, void *stream, bool isHostShared) {
  Driver &d = ready();
  CUdeviceptr pointer = 0;
  if (bytes == 0)
    return nullptr;
  if (isHostShared)
    check(d.cuMemAllocManaged(&pointer, bytes, CU_MEM_ATTACH_GLOBAL),
          "cuMemAllocManaged", std::to_string(bytes) + " bytes");
  else
    // Stream-ordered: no device synchronisation, memory from the pool.
    check(d.cuMemAllocAsync(&pointer, bytes, stream), "cuMemAllocAsync",
          std::to_string(bytes) + " bytes");
  return reinterpret_cast<void *>(pointer);
}

void mgpuMemFree(void *pointer, void *stream) {
  if (!pointer)
    return;
  // Stream-ordered: the memory returns to the pool once the stream's work
  // before this point is done (cuMemFree would synchronise the device).
  check(ready().cuMemFreeAsync(reinterpret_cast<CUdeviceptr>(pointer), stream),
        "cuMemFreeAsync");
}

void mgpuMemcpy(void *destination, void *source, size_t bytes, void *stream) {
  check(ready().cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(destination),
                              reinterpret_cast<CUdeviceptr>(source), bytes,
                              stream),
        "cuMemcpyAsync", std::to_string(bytes) + " bytes");
}

void mgpuMemset32(void *destination, unsigned value, size_t count,
                  void *stream) {
  check(ready().cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(destination),
                                 value, count, stream),
        "cuMemsetD32Async");
}

void mgpuMemset16(void *destination, unsigned short value, size_t count,
                  void *stream) {
  check(ready().cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(destination),
                                 value, count, stream),
        "cuMemsetD16Async");
}

void mgpuSetDefaultDevice(int32_t device) { defaultDevice = device; }

void mlaBeginCallOnStream(void *stream) {
  callerStream = stream;
  callerStreamSet = true;
}

void mlaEndCallOnStream() {
  callerStream = nullptr;
  callerStreamSet = false;
}

// A TMA descriptor of a memref (nvgpu.tma.create.descriptor's lowering):
// `descriptor` points at a ranked memref descriptor {allocated, aligned,
// offset, sizes[rank], strides[rank]}; `box` lists the box's sizes
// outermost first; the enums are the driver's CUtensorMap* values. The
// 128-byte map lives in device memory, where kernels read it. A decode step
// asks for the same map (its cache) on every call, and cuMemAlloc and a
// synchronous copy cost more than the step at batch 1: maps are kept by
// their arguments and handed out again (they are small and few).
void *mgpuTensorMapEncodeTiledMemref(int64_t rank, void *descriptor,
                                     int64_t dataType, int64_t interleave,
                                     int64_t swizzle, int64_t l2Promotion,
                                     int64_t oobFill, int64_t *box) {
  Driver &d = ready();
  if (rank < 1 || rank > 5)
    fatal("cuTensorMapEncodeTiled", 1,
          "a rank-" + std::to_string(rank) + " memref (TMA takes 1 to 5)");
  // Bytes per element of each CUtensorMapDataType (uint8 … tf32_ftz).
  static constexpr int elementBytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  if (dataType < 0 || dataType >= int64_t(std::size(elementBytes)))
    fatal("cuTensorMapEncodeTiled", 1, "data type " + std::to_string(dataType));
  auto *words = static_cast<int64_t *>(descriptor);
  auto *aligned = reinterpret_cast<char *>(words[1]);
  const int64_t *sizes = words + 3, *strides = words + 3 + rank;
  char *address = aligned + words[2] * elementBytes[dataType];
  // The driver's order is innermost first.
  unsigned long long dims[5], byteStrides[5];
  unsigned boxDims[5], elementStrides[5];
  std::vector<int64_t> key = {reinterpret_cast<int64_t>(address),
                              rank,
                              dataType,
                              interleave,
                              swizzle,
                              l2Promotion,
                              oobFill};
  for (int64_t i = 0; i < rank; ++i) {
    dims[i] = sizes[rank - 1 - i];
    boxDims[i] = unsigned(box[rank - 1 - i]);
    elementStrides[i] = 1;
    if (i + 1 < rank)
      byteStrides[i] = strides[rank - 2 - i] * elementBytes[dataType];
    key.insert(key.end(), {sizes[i], strides[i], box[i]});
  }
  static std::mutex mapsMutex;
  static std::map<std::vector<int64_t>, CUdeviceptr> maps;
  std::lock_guard<std::mutex> lock(mapsMutex);
  if (auto it = maps.find(key); it != maps.end())
    return reinterpret_cast<void *>(it->second);
  if (!d.cuTensorMapEncodeTiled)
    fatal("cuTensorMapEncodeTiled", 1,
          "a TMA descriptor (this driver has no cuTensorMapEncodeTiled)");
  alignas(64) unsigned char map[128];
  check(d.cuTensorMapEncodeTiled(map, int(dataType), unsigned(rank), address,
                                 dims, byteStrides, boxDims, elementStrides,
                                 int(interleave), int(swizzle),
                                 int(l2Promotion), int(oobFill)),
        "cuTensorMapEncodeTiled",
        "a rank-" + std::to_string(rank) + " memref at " +
            std::to_string(reinterpret_cast<uintptr_t>(address)));
  CUdeviceptr device = 0;
  // Kept for the process: outside any capture in progress.
  CaptureModeRelaxed relaxed;
  check(d.cuMemAlloc_v2(&device, sizeof(map)), "cuMemAlloc",
        "a TMA descriptor");
  check(d.cuMemcpyHtoD_v2(device, map, sizeof(map)), "cuMemcpyHtoD",
        "a TMA descriptor");
  maps[key] = device;
  return reinterpret_cast<void *>(device);
}

} // extern "C"

bool mlir::mla::cuda::isAvailable(std::string *why) {
  Driver &d = driver();
  if (why)
    *why = d.error;
  return d.error.empty();
}

std::vector<std::pair<const char *, void *>> mlir::mla::cuda::runtimeSymbols() {
  return {
      {"mgpuModuleLoad", reinterpret_cast<void *>(&mgpuModuleLoad)},
      {"mgpuModuleLoadJIT", reinterpret_cast<void *>(&mgpuModuleLoadJIT)},
      {"mgpuModuleUnload", reinterpret_cast<void *>(&mgpuModuleUnload)},
      {"mgpuModuleGetFunction",
       reinterpret_cast<void *>(&mgpuModuleGetFunction)},
      {"mgpuLaunchKernel", reinterpret_cast<void *>(&mgpuLaunchKernel)},
      {"mgpuStreamCreate", reinterpret_cast<void *>(&mgpuStreamCreate)},
      {"mgpuStreamDestroy", reinterpret_cast<void *>(&mgpuStreamDestroy)},
      {"mgpuStreamSynchronize",
       reinterpret_cast<void *>(&mgpuStreamSynchronize)},
      {"mgpuStreamWaitEvent", reinterpret_cast<void *>(&mgpuStreamWaitEvent)},
      {"mgpuEventCreate", reinterpret_cast<void *>(&mgpuEventCreate)},
      {"mgpuEventDestroy", reinterpret_cast<void *>(&mgpuEventDestroy)},
      {"mgpuEventSynchronize", reinterpret_cast<void *>(&mgpuEventSynchronize)},
      {"mgpuEventRecord", reinterpret_cast<void *>(&mgpuEventRecord)},
      {"mgpuMemAlloc", reinterpret_cast<void *>(&mgpuMemAlloc)},
      {"mgpuMemFree", reinterpret_cast<void *>(&mgpuMemFree)},
      {"mgpuMemcpy", reinterpret_cast<void *>(&mgpuMemcpy)},
      {"mgpuMemset32", reinterpret_cast<void *>(&mgpuMemset32)},
      {"mgpuMemset16", reinterpret_cast<void *>(&mgpuMemset16)},
      {"mgpuSetDefaultDevice", reinterpret_cast<void *>(&mgpuSetDefaultDevice)},
      {"mgpuTensorMapEncodeTiledMemref",
       reinterpret_cast<void *>(&mgpuTensorMapEncodeTiledMemref)},
      {"mgpuMatmul", reinterpret_cast<void *>(&mgpuMatmul)},
  };
}

void *mlir::mla::cuda::recordEvent() {
  void *event = mgpuEventCreate();
  mgpuEventRecord(event, nullptr);
  return event;
}

float mlir::mla::cuda::elapsedMilliseconds(void *start, void *stop) {
  mgpuEventSynchronize(stop);
  float milliseconds = 0;
  check(ready().cuEventElapsedTime(&milliseconds, start, stop),
        "cuEventElapsedTime");
  mgpuEventDestroy(start);
  mgpuEventDestroy(stop);
  return milliseconds;
}

void *mlir::mla::cuda::allocateOutsideCapture(size_t bytes) {
  Driver &d = ready();
  CaptureModeRelaxed relaxed;
  CUdeviceptr pointer = 0;
  check(d.cuMemAlloc_v2(&pointer, bytes), "cuMemAlloc",
        std::to_string(bytes) + " bytes");
  return reinterpret_cast<void *>(pointer);
}

mlir::mla::cuda::CapturedCall mlir::mla::cuda::beginCapture() {
  CapturedCall call;
  call.stream = mgpuStreamCreate();
  // Global mode: a driver call of another thread that would break the
  // capture fails instead of silently serialising with it.
  check(ready().cuStreamBeginCapture_v2(call.stream,
                                        CU_STREAM_CAPTURE_MODE_GLOBAL),
        "cuStreamBeginCapture");
  mlaBeginCallOnStream(call.stream);
  return call;
}

void mlir::mla::cuda::endCapture(CapturedCall &call) {
  Driver &d = ready();
  mlaEndCallOnStream();
  CUgraph graph = nullptr;
  check(d.cuStreamEndCapture(call.stream, &graph), "cuStreamEndCapture",
        "a call captured into a graph");
  CUgraphExec exec = nullptr;
  check(d.cuGraphInstantiateWithFlags(
            &exec, graph, CUDA_GRAPH_INSTANTIATE_FLAG_AUTO_FREE_ON_LAUNCH),
        "cuGraphInstantiateWithFlags");
  check(d.cuGraphDestroy(graph), "cuGraphDestroy");
  call.graph = exec;
}

void mlir::mla::cuda::launchGraph(const CapturedCall &call) {
  check(ready().cuGraphLaunch(call.graph, call.stream), "cuGraphLaunch");
  mgpuStreamSynchronize(call.stream);
}
