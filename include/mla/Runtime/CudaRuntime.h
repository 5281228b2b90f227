//===- CudaRuntime.h - mla's CUDA runtime -----------------------*- C++ -*-===//
//
// The `mgpu*` C ABI that host code lowered by MLIR 22's gpu-to-llvm and GPU
// offloading translation calls (module load and launch, streams, device
// memory, events), implemented over the CUDA driver API with libcuda loaded
// by dlopen: binaries that contain it link and start on machines without a
// GPU, and only fail, with a message, when they use it.
//
// Every CUDA error is reported with the driver call, the kernel and module
// involved, and ends the process with exit code 1.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_RUNTIME_CUDARUNTIME_H
#define MLA_RUNTIME_CUDARUNTIME_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

extern "C" {
// Modules and kernels.
void *mgpuModuleLoad(void *data, size_t size);
void *mgpuModuleLoadJIT(void *data, int optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedMemoryBytes, void *stream,
                      void **params, void **extra, size_t paramsCount);
// Streams and events.
void *mgpuStreamCreate();
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void *mgpuEventCreate();
void mgpuEventDestroy(void *event);
void mgpuEventSynchronize(void *event);
void mgpuEventRecord(void *event, void *stream);
// Device memory.
void *mgpuMemAlloc(uint64_t bytes, void *stream, bool isHostShared);
void mgpuMemFree(void *pointer, void *stream);
void mgpuMemcpy(void *destination, void *source, size_t bytes, void *stream);
void mgpuMemset32(void *destination, unsigned value, size_t count,
                  void *stream);
void mgpuMemset16(void *destination, unsigned short value, size_t count,
                  void *stream);
void mgpuSetDefaultDevice(int32_t device);
// A library's call on its caller's stream (mla-aot's wrappers): between
// these, mgpuStreamCreate returns `stream` (the null stream included) and
// mgpuStreamDestroy leaves it alone, so that the lowered code's work is
// ordered on the caller's stream. Per thread.
void mlaBeginCallOnStream(void *stream);
void mlaEndCallOnStream();
void *mgpuTensorMapEncodeTiledMemref(int64_t rank, void *descriptor,
                                     int64_t dataType, int64_t interleave,
                                     int64_t swizzle, int64_t l2Promotion,
                                     int64_t oobFill, int64_t *box);
/// Row-major result[b] = lhs[b] · rhs[b] ([M,K]·[K,N], f32 accumulation) on
/// `stream` by cuBLASLt (CublasLt.cpp); strides in elements, a batch stride
/// of 0 shares the operand; types are cudaDataType codes.
void mgpuMatmul(int64_t batch, int64_t m, int64_t n, int64_t k, void *lhs,
                int64_t lhsRowStride, int64_t lhsBatchStride, void *rhs,
                int64_t rhsRowStride, int64_t rhsBatchStride, void *result,
                int64_t resultRowStride, int64_t resultBatchStride,
                int32_t inputType, int32_t outputType, void *stream);
}

namespace mlir::mla::cuda {

/// Whether libcuda loads and reports at least one device; `why` says what
/// is missing otherwise.
bool isAvailable(std::string *why = nullptr);

/// The name and address of every mgpu* function above, for JIT symbol maps.
std::vector<std::pair<const char *, void *>> runtimeSymbols();

/// Milliseconds between two events recorded on the default stream around a
/// region (device time).
void *recordEvent();
float elapsedMilliseconds(void *start, void *stop);

/// Device memory for the process's lifetime (cuBLASLt workspaces), also
/// while the calling thread captures a stream into a graph: not part of it.
void *allocateOutsideCapture(size_t bytes);

/// A call captured into a CUDA graph and replayed (mla-run --graph): the
/// host work of a call — argument unpacking, checks, launches, cuBLASLt's
/// calls — is paid once, at capture; each replay is one cuGraphLaunch.
/// beginCapture makes a stream, points lowered code at it
/// (mlaBeginCallOnStream) and starts capturing; the call then runs its host
/// code, its work recorded, not run (its final synchronisation is skipped).
/// endCapture instantiates the graph (allocations a call leaves unfreed,
/// its results, are freed when the graph is launched again, and keep their
/// addresses) and returns it. launchGraph replays it on the capture's
/// stream and waits for it, reporting a bad input a kernel recorded as
/// mgpuStreamSynchronize does. Replays see the arguments the capture saw:
/// the same buffers, read anew.
struct CapturedCall {
  void *stream = nullptr;
  void *graph = nullptr;
};
CapturedCall beginCapture();
void endCapture(CapturedCall &call);
void launchGraph(const CapturedCall &call);

} // namespace mlir::mla::cuda

#endif // MLA_RUNTIME_CUDARUNTIME_H
