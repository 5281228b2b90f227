// wgmma_layout_probe.cu - checks, on an sm_90 GPU, the shared-memory
// conventions the generated wgmma decode kernel (lib/Conversion/MLAToGPU/
// DecodeKernel.cpp) relies on, with the same descriptors, outside the
// compiler: a failing kernel test is then either a layout convention (this
// probe fails, and says which variant of the descriptor works) or a bug
// elsewhere (this probe passes).
//
//  1. S = Q·Kᵀ: wgmma m64n64k16, A = Q [64 rows, 64 dims] and B = K [64
//     tokens, 64 dims], both K-major in 128B-swizzled atoms (chunk c of row
//     r at c ^ (r mod 8)), 1024-byte aligned; K advances by stepping the
//     start address 32 bytes within the atom; LBO field 1, SBO 1024.
//  2. O = P·V: wgmma m64n128k16, A = P [64, 64 tokens] K-major as above,
//     B = V read N-major (transpose-b = 1) from a token-major tile stored as
//     atoms of [64 tokens, 64 dims]: variant 0 (what the kernel uses) LBO =
//     the next 64 dims (64·128 bytes), SBO = the next 8 tokens (1024);
//     variant 1 swaps them. K advances 16 tokens = 2048 bytes.
//  3. The accumulator layout: register i of lane l in warp w holds row
//     16w + l/4 + 8·((i mod 4) / 2), column 8·(i / 4) + 2·(l mod 4) + i mod 2.
//
// Build and run (the device machine has nvcc; scripts/gpu-run.sh's `probe`
// stage does this): nvcc -gencode arch=compute_90a,code=sm_90a -o probe
// bench/wgmma_layout_probe.cu && ./probe. Prints one line per check and
// exits non-zero if the kernel's conventions (1, 2 variant 0) fail.

#include <cuda_bf16.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

namespace {

__host__ __device__ int swizzled(int row, int col, int rows) {
  int atom = col / 64, c = col % 64;
  return atom * rows * 64 + row * 64 + (((c / 8) ^ (row % 8)) * 8) + c % 8;
}

__device__ uint64_t descriptor(uint32_t address, uint32_t leading,
                               uint32_t stride) {
  return ((address & 0x3FFFF) >> 4) |
         (uint64_t((leading >> 4) & 0x3FFF) << 16) |
         (uint64_t((stride >> 4) & 0x3FFF) << 32) | (1ull << 62);
}

__device__ char *alignedShared(char *raw) {
  uint32_t address = static_cast<uint32_t>(__cvta_generic_to_shared(raw));
  return raw + ((1024 - address % 1024) % 1024);
}

__device__ uint32_t sharedAddress(const void *p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

__device__ void storeAccumulator(const float *d, int n, float *out) {
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  for (int i = 0; i < n / 2; ++i) {
    int row = 16 * warp + lane / 4 + 8 * ((i % 4) / 2);
    int col = 8 * (i / 4) + 2 * (lane % 4) + i % 2;
    out[row * n + col] = d[i];
  }
}

// S[64, 64] = A[64, 64] · B[64, 64]ᵀ (both row-major in global memory).
__global__ void scores(const __nv_bfloat16 *a, const __nv_bfloat16 *b,
                       float *out) {
  extern __shared__ char raw[];
  auto *sa = reinterpret_cast<__nv_bfloat16 *>(alignedShared(raw));
  __nv_bfloat16 *sb = sa + 64 * 64;
  for (int i = threadIdx.x; i < 64 * 64; i += blockDim.x) {
    sa[swizzled(i / 64, i % 64, 64)] = a[i];
    sb[swizzled(i / 64, i % 64, 64)] = b[i];
  }
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
  __syncthreads();
  float d[32] = {};
  asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
  for (int k = 0; k < 4; ++k) {
    uint64_t da = descriptor(sharedAddress(sa) + 32 * k, 16, 1024);
    uint64_t db = descriptor(sharedAddress(sb) + 32 * k, 16, 1024);
    int accumulate = k > 0;
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}, %32, %33, p, 1, 1, 0, 0;\n}\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
                 : "l"(da), "l"(db), "r"(accumulate));
  }
  asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
  asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
  storeAccumulator(d, 64, out);
}

// O[64, 128] = P[64, 64] · V[64, 128] (row-major in global memory; V is
// token-major, as the cache tile).
__global__ void values(const __nv_bfloat16 *p, const __nv_bfloat16 *v,
                       float *out, int variant) {
  extern __shared__ char raw[];
  auto *sp = reinterpret_cast<__nv_bfloat16 *>(alignedShared(raw));
  __nv_bfloat16 *sv = sp + 64 * 64;
  for (int i = threadIdx.x; i < 64 * 64; i += blockDim.x)
    sp[swizzled(i / 64, i % 64, 64)] = p[i];
  for (int i = threadIdx.x; i < 64 * 128; i += blockDim.x)
    sv[swizzled(i / 128, i % 128, 64)] = v[i];
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
  __syncthreads();
  uint32_t atoms = 64 * 128, groups = 1024;
  uint32_t leading = variant == 0 ? atoms : groups;
  uint32_t stride = variant == 0 ? groups : atoms;
  float d[64] = {};
  asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
  for (int k = 0; k < 4; ++k) {
    uint64_t da = descriptor(sharedAddress(sp) + 32 * k, 16, 1024);
    uint64_t db = descriptor(sharedAddress(sv) + 2048 * k, leading, stride);
    int accumulate = k > 0;
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, %64, %65, p, 1, 1, 0, 1;\n}\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
                 : "l"(da), "l"(db), "r"(accumulate));
  }
  asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
  asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
  storeAccumulator(d, 128, out);
}

#define CHECK_CUDA(call)                                                      \
  do {                                                                        \
    cudaError_t e = (call);                                                   \
    if (e != cudaSuccess) {                                                   \
      std::printf("CUDA error %s at %s\n", cudaGetErrorString(e), #call);     \
      std::exit(2);                                                           \
    }                                                                         \
  } while (0)

std::vector<__nv_bfloat16> random(int n, std::mt19937 &rng,
                                  std::vector<float> &rounded) {
  std::normal_distribution<float> normal;
  std::vector<__nv_bfloat16> out(n);
  rounded.resize(n);
  for (int i = 0; i < n; ++i) {
    out[i] = __float2bfloat16(normal(rng));
    rounded[i] = __bfloat162float(out[i]);
  }
  return out;
}

template <typename T> T *upload(const std::vector<T> &host) {
  T *device;
  CHECK_CUDA(cudaMalloc(&device, host.size() * sizeof(T)));
  CHECK_CUDA(cudaMemcpy(device, host.data(), host.size() * sizeof(T),
                        cudaMemcpyHostToDevice));
  return device;
}

double maxError(const std::vector<float> &got, const std::vector<double> &want) {
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i)
    worst = std::fmax(worst, std::fabs(got[i] - want[i]));
  return worst;
}

} // namespace

int main() {
  std::mt19937 rng(7);
  std::vector<float> fa, fb, fp, fv;
  auto a = random(64 * 64, rng, fa), b = random(64 * 64, rng, fb);
  auto p = random(64 * 64, rng, fp), v = random(64 * 128, rng, fv);
  std::vector<double> wantS(64 * 64, 0), wantO(64 * 128, 0);
  for (int m = 0; m < 64; ++m)
    for (int n = 0; n < 64; ++n)
      for (int k = 0; k < 64; ++k)
        wantS[m * 64 + n] += double(fa[m * 64 + k]) * fb[n * 64 + k];
  for (int m = 0; m < 64; ++m)
    for (int n = 0; n < 128; ++n)
      for (int k = 0; k < 64; ++k)
        wantO[m * 128 + n] += double(fp[m * 64 + k]) * fv[k * 128 + n];

  int shared = 1024 + (64 * 64 + 64 * 128) * 2;
  CHECK_CUDA(cudaFuncSetAttribute(scores,
                                  cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  shared));
  CHECK_CUDA(cudaFuncSetAttribute(values,
                                  cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  shared));
  float *out;
  CHECK_CUDA(cudaMalloc(&out, 64 * 128 * sizeof(float)));
  bool ok = true;
  {
    CHECK_CUDA(cudaMemset(out, 0, 64 * 128 * sizeof(float)));
    scores<<<1, 128, shared>>>(upload(a), upload(b), out);
    CHECK_CUDA(cudaDeviceSynchronize());
    std::vector<float> got(64 * 64);
    CHECK_CUDA(cudaMemcpy(got.data(), out, got.size() * sizeof(float),
                          cudaMemcpyDeviceToHost));
    double error = maxError(got, wantS);
    bool pass = error < 1e-2;
    ok &= pass;
    std::printf("S = Q.K^T, K-major SW128, start +32 B per k step: %s (max error %.2e)\n",
                pass ? "PASS" : "FAIL", error);
  }
  for (int variant = 0; variant < 2; ++variant) {
    CHECK_CUDA(cudaMemset(out, 0, 64 * 128 * sizeof(float)));
    values<<<1, 128, shared>>>(upload(p), upload(v), out, variant);
    CHECK_CUDA(cudaDeviceSynchronize());
    std::vector<float> got(64 * 128);
    CHECK_CUDA(cudaMemcpy(got.data(), out, got.size() * sizeof(float),
                          cudaMemcpyDeviceToHost));
    double error = maxError(got, wantO);
    bool pass = error < 1e-2;
    if (variant == 0)
      ok &= pass;
    std::printf("O = P.V, V N-major SW128, %s: %s (max error %.2e)\n",
                variant == 0 ? "LBO = next 64 dims, SBO = next 8 tokens (the kernel's)"
                             : "LBO = next 8 tokens, SBO = next 64 dims (swapped)",
                pass ? "PASS" : "FAIL", error);
  }
  std::printf(ok ? "wgmma layout probe: the kernel's conventions hold\n"
                 : "wgmma layout probe: FAILED\n");
  return ok ? 0 : 1;
}
