//===- CublasLt.cpp - mgpuMatmul over dlopen'ed cuBLASLt --------*- C++ -*-===//
//
// The runtime half of `mla_gpu.gemm cublaslt`: row-major (batched) matrix
// products on a stream, by NVIDIA's cuBLASLt. Like libcuda, the library is
// opened with dlopen on first use and its entry points resolved by name, so
// nothing links against it and a module without GEMMs never loads it; where
// it is absent the call fails with a message naming the library and the
// places tried. The subset of its API used here is declared by hand (values
// from cublasLt.h / library_types.h of CUDA 12 and 13, which agree).
//
// cuBLASLt is column-major: a row-major C[M,N] = A[M,K]·B[K,N] is the
// column-major Cᵀ[N,M] = Bᵀ[N,K]·Aᵀ[K,M], with each row stride as the
// leading dimension. Descriptors and the algorithm the heuristics choose are
// made once per shape (and operand alignment) and kept; each stream gets a
// workspace of its own, allocated once.
//
//===----------------------------------------------------------------------===//

#include "mla/Runtime/CudaRuntime.h"

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace {

using Status = int;
using Handle = void *;
using MatmulDesc = void *;
using Layout = void *;
using Preference = void *;
struct Algo {
  unsigned long long data[8];
};
struct HeuristicResult {
  Algo algo;
  size_t workspaceSize;
  Status state;
  float wavesCount;
  int reserved[4];
};
constexpr Status CUBLAS_STATUS_SUCCESS = 0;
constexpr int CUBLAS_COMPUTE_32F = 68;
constexpr int CUDA_R_32F = 0;
constexpr int CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT = 5;
constexpr int CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET = 6;
constexpr int CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1;
constexpr int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES = 5;
constexpr int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES = 6;
constexpr int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES = 7;
constexpr int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES = 8;
/// What each stream's workspace holds: what NVIDIA recommends for Hopper.
constexpr size_t kWorkspaceBytes = 32u << 20;

template <typename T> using FunctionPointer = T;

struct Library {
#define MLA_CUBLASLT_FUNCTIONS(X)                                              \
  X(cublasLtCreate, Status (*)(Handle *))                                      \
  X(cublasLtGetStatusString, const char *(*)(Status))                          \
  X(cublasLtMatmulDescCreate, Status (*)(MatmulDesc *, int, int))              \
  X(cublasLtMatrixLayoutCreate,                                                \
    Status (*)(Layout *, int, unsigned long long, unsigned long long,          \
               long long))                                                     \
  X(cublasLtMatrixLayoutSetAttribute,                                          \
    Status (*)(Layout, int, const void *, size_t))                             \
  X(cublasLtMatmulPreferenceCreate, Status (*)(Preference *))                  \
  X(cublasLtMatmulPreferenceDestroy, Status (*)(Preference))                   \
  X(cublasLtMatmulPreferenceSetAttribute,                                      \
    Status (*)(Preference, int, const void *, size_t))                         \
  X(cublasLtMatmulAlgoGetHeuristic,                                            \
    Status (*)(Handle, MatmulDesc, Layout, Layout, Layout, Layout, Preference, \
               int, HeuristicResult *, int *))                                 \
  X(cublasLtMatmul,                                                            \
    Status (*)(Handle, MatmulDesc, const void *, const void *, Layout,         \
               const void *, Layout, const void *, const void *, Layout,       \
               void *, Layout, const Algo *, void *, size_t, void *))
#define MLA_DECLARE(name, type) FunctionPointer<type> name = nullptr;
  MLA_CUBLASLT_FUNCTIONS(MLA_DECLARE)
#undef MLA_DECLARE
  Handle handle = nullptr;
  std::string error;
};

/// Where the library is looked for, in order: only `MLA_CUBLASLT` where it
/// is set (a path or a name for dlopen), else the sonames of CUDA 13 and 12
/// on the loader's path, then under CUDA_HOME / CUDA_PATH / CUDA_ROOT and
/// /usr/local/cuda.
std::vector<std::string> candidates() {
  std::vector<std::string> names;
  if (const char *path = std::getenv("MLA_CUBLASLT")) {
    names.push_back(path);
    return names;
  }
  for (const char *soname : {"libcublasLt.so.13", "libcublasLt.so.12"})
    names.push_back(soname);
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"})
    if (const char *root = std::getenv(variable))
      for (const char *soname : {"libcublasLt.so.13", "libcublasLt.so.12"})
        names.push_back(std::string(root) + "/lib64/" + soname);
  for (const char *soname : {"libcublasLt.so.13", "libcublasLt.so.12"})
    names.push_back(std::string("/usr/local/cuda/lib64/") + soname);
  return names;
}

Library &library() {
  static Library lib = [] {
    Library loaded;
    void *handle = nullptr;
    std::string tried;
    for (const std::string &name : candidates()) {
      handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle)
        break;
      tried += (tried.empty() ? "" : ", ") + name;
    }
    if (!handle) {
      loaded.error = "cannot load cuBLASLt (tried " + tried +
                     "); this module's GEMMs were compiled for it "
                     "(mla_gpu.gemm cublaslt): install CUDA's cuBLAS or set "
                     "MLA_CUBLASLT to the library's path";
      return loaded;
    }
#define MLA_RESOLVE(name, type)                                                \
  loaded.name = reinterpret_cast<FunctionPointer<type>>(dlsym(handle, #name)); \
  if (!loaded.name && loaded.error.empty())                                    \
    loaded.error = "cuBLASLt has no " #name;
    MLA_CUBLASLT_FUNCTIONS(MLA_RESOLVE)
#undef MLA_RESOLVE
    if (loaded.error.empty() &&
        loaded.cublasLtCreate(&loaded.handle) != CUBLAS_STATUS_SUCCESS)
      loaded.error = "cublasLtCreate failed";
    return loaded;
  }();
  return lib;
}

[[noreturn]] void fail(const std::string &what) {
  std::fprintf(stderr, "mla CUDA runtime: %s\n", what.c_str());
  std::exit(1);
}

void check(Status status, const char *call, const std::string &shape) {
  if (status == CUBLAS_STATUS_SUCCESS)
    return;
  Library &lib = library();
  const char *text = lib.cublasLtGetStatusString
                         ? lib.cublasLtGetStatusString(status)
                         : "?";
  fail(std::string(call) + " failed for the GEMM " + shape + ": " + text);
}

/// The largest power of two (up to 256) dividing an address.
unsigned alignmentOf(const void *pointer) {
  auto address = reinterpret_cast<unsigned long long>(pointer);
  unsigned alignment = 256;
  while (alignment > 1 && address % alignment)
    alignment /= 2;
  return alignment;
}

/// One problem: sizes, strides, element types, operand alignments.
using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, int64_t, int64_t, int64_t, int32_t, int32_t,
                       unsigned, unsigned, unsigned>;

/// The descriptors of a problem and the algorithm chosen for it.
struct Plan {
  MatmulDesc desc = nullptr;
  Layout a = nullptr, b = nullptr, c = nullptr;
  Algo algo;
};

std::mutex plansMutex;
std::map<Key, Plan> &plans() {
  static std::map<Key, Plan> known;
  return known;
}
std::map<void *, void *> &workspaces() {
  static std::map<void *, void *> byStream;
  return byStream;
}

} // namespace

extern "C" void mgpuMatmul(int64_t batch, int64_t m, int64_t n, int64_t k,
                           void *lhs, int64_t lhsRowStride,
                           int64_t lhsBatchStride, void *rhs,
                           int64_t rhsRowStride, int64_t rhsBatchStride,
                           void *result, int64_t resultRowStride,
                           int64_t resultBatchStride, int32_t inputType,
                           int32_t outputType, void *stream) {
  if (batch == 0 || m == 0 || n == 0)
    return;
  std::string shape = std::to_string(batch) + " x (" + std::to_string(m) +
                      " x " + std::to_string(k) + ") · (" + std::to_string(k) +
                      " x " + std::to_string(n) + ")";
  Library &lib = library();
  if (!lib.error.empty())
    fail(lib.error);
  Key key{batch,         m,
          n,             k,
          lhsRowStride,  lhsBatchStride,
          rhsRowStride,  rhsBatchStride,
          resultRowStride, resultBatchStride,
          inputType,     outputType,
          alignmentOf(lhs), alignmentOf(rhs),
          alignmentOf(result)};
  std::lock_guard<std::mutex> lock(plansMutex);
  auto found = plans().find(key);
  if (found == plans().end()) {
    Plan plan;
    check(lib.cublasLtMatmulDescCreate(&plan.desc, CUBLAS_COMPUTE_32F,
                                       CUDA_R_32F),
          "cublasLtMatmulDescCreate", shape);
    // Column-major: cuBLASLt's A is our rhs (N x K), its B our lhs (K x M).
    auto layout = [&](Layout *out, int type, int64_t rows, int64_t columns,
                      int64_t leading, int64_t batchStride) {
      check(lib.cublasLtMatrixLayoutCreate(out, type, rows, columns, leading),
            "cublasLtMatrixLayoutCreate", shape);
      if (batch == 1)
        return;
      int count = static_cast<int>(batch);
      check(lib.cublasLtMatrixLayoutSetAttribute(
                *out, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
                sizeof(count)),
            "cublasLtMatrixLayoutSetAttribute", shape);
      check(lib.cublasLtMatrixLayoutSetAttribute(
                *out, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                &batchStride, sizeof(batchStride)),
            "cublasLtMatrixLayoutSetAttribute", shape);
    };
    layout(&plan.a, inputType, n, k, rhsRowStride, rhsBatchStride);
    layout(&plan.b, inputType, k, m, lhsRowStride, lhsBatchStride);
    layout(&plan.c, outputType, n, m, resultRowStride, resultBatchStride);
    Preference preference = nullptr;
    check(lib.cublasLtMatmulPreferenceCreate(&preference),
          "cublasLtMatmulPreferenceCreate", shape);
    size_t workspace = kWorkspaceBytes;
    lib.cublasLtMatmulPreferenceSetAttribute(
        preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace,
        sizeof(workspace));
    unsigned alignments[] = {std::get<13>(key), std::get<12>(key),
                             std::get<14>(key), std::get<14>(key)};
    int attributes[] = {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
                        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
                        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES};
    for (int i = 0; i < 4; ++i)
      lib.cublasLtMatmulPreferenceSetAttribute(preference, attributes[i],
                                               &alignments[i], sizeof(unsigned));
    HeuristicResult heuristic{};
    int count = 0;
    check(lib.cublasLtMatmulAlgoGetHeuristic(lib.handle, plan.desc, plan.a,
                                             plan.b, plan.c, plan.c,
                                             preference, 1, &heuristic, &count),
          "cublasLtMatmulAlgoGetHeuristic", shape);
    lib.cublasLtMatmulPreferenceDestroy(preference);
    if (count == 0)
      fail("cuBLASLt has no algorithm for the GEMM " + shape);
    plan.algo = heuristic.algo;
    found = plans().emplace(key, plan).first;
  }
  const Plan &plan = found->second;
  void *&workspace = workspaces()[stream];
  if (!workspace)
    // Not stream-ordered: the workspace outlives any graph this call may be
    // captured into.
    workspace = mlir::mla::cuda::allocateOutsideCapture(kWorkspaceBytes);
  float one = 1.0f, zero = 0.0f;
  check(lib.cublasLtMatmul(lib.handle, plan.desc, &one, rhs, plan.a, lhs,
                           plan.b, &zero, result, plan.c, result, plan.c,
                           &plan.algo, workspace, kWorkspaceBytes, stream),
        "cublasLtMatmul", shape);
}
