// Single-precision matrix product C = op(A) · op(B) for row-major matrices, op = identity or transpose.
// GotoBLAS structure: B is packed into KC x 16 column panels, A into 6 x KC row panels, and a 6x16
// micro-kernel accumulates in registers. The micro-kernel exists twice: an AVX2/FMA one compiled with a
// target attribute (used only when the CPU reports AVX2 and FMA at run time) and a portable one, so the
// addon runs on any x86-64 (or other) CPU whatever the build machine had.
#include "sgemm.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#define LMX_X86 1
#include <immintrin.h>
#endif

namespace lmx {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LMX_CLONES_GEMV __attribute__((target_clones("avx2,fma", "default")))
#else
#define LMX_CLONES_GEMV
#endif

static constexpr int MR = 6;
static constexpr int NR = 16;
static constexpr int KC = 256;
static constexpr int MC = 96;   // multiple of MR
static constexpr int NC = 2048; // multiple of NR

// ---------------------------------------------------------------------------------------------------
// Micro-kernels: C[0:mr, 0:nr] (+)= Ap (kc x MR, packed) · Bp (kc x NR, packed)

static void kernel_generic(int kc, const float* A, const float* B, float* C, int ldc, int mr, int nr, bool acc) {
  float c[MR][NR];
  for (int r = 0; r < MR; r++)
    for (int j = 0; j < NR; j++) c[r][j] = 0.f;
  for (int p = 0; p < kc; p++) {
    const float* a = A + p * MR;
    const float* b = B + p * NR;
    for (int r = 0; r < MR; r++) {
      const float ar = a[r];
      for (int j = 0; j < NR; j++) c[r][j] += ar * b[j];
    }
  }
  for (int r = 0; r < mr; r++) {
    float* cr = C + (size_t)r * ldc;
    if (acc)
      for (int j = 0; j < nr; j++) cr[j] += c[r][j];
    else
      for (int j = 0; j < nr; j++) cr[j] = c[r][j];
  }
}

#ifdef LMX_X86
__attribute__((target("avx2,fma"))) static void kernel_avx2(int kc, const float* A, const float* B, float* C, int ldc, int mr,
                                                             int nr, bool acc) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(B);
    const __m256 b1 = _mm256_loadu_ps(B + 8);
    __m256 a;
    a = _mm256_broadcast_ss(A + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(A + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(A + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(A + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(A + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(A + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
    A += MR;
    B += NR;
  }
  if (mr == MR && nr == NR) {
#define LMX_STORE(r, v0, v1)                                                          \
  {                                                                                   \
    float* cr = C + (size_t)(r) * ldc;                                                \
    if (acc) {                                                                        \
      v0 = _mm256_add_ps(v0, _mm256_loadu_ps(cr));                                    \
      v1 = _mm256_add_ps(v1, _mm256_loadu_ps(cr + 8));                                \
    }                                                                                 \
    _mm256_storeu_ps(cr, v0);                                                         \
    _mm256_storeu_ps(cr + 8, v1);                                                     \
  }
    LMX_STORE(0, c00, c01) LMX_STORE(1, c10, c11) LMX_STORE(2, c20, c21)
    LMX_STORE(3, c30, c31) LMX_STORE(4, c40, c41) LMX_STORE(5, c50, c51)
#undef LMX_STORE
    return;
  }
  alignas(32) float t[MR * NR];
  _mm256_store_ps(t + 0, c00); _mm256_store_ps(t + 8, c01);
  _mm256_store_ps(t + 16, c10); _mm256_store_ps(t + 24, c11);
  _mm256_store_ps(t + 32, c20); _mm256_store_ps(t + 40, c21);
  _mm256_store_ps(t + 48, c30); _mm256_store_ps(t + 56, c31);
  _mm256_store_ps(t + 64, c40); _mm256_store_ps(t + 72, c41);
  _mm256_store_ps(t + 80, c50); _mm256_store_ps(t + 88, c51);
  for (int r = 0; r < mr; r++) {
    float* cr = C + (size_t)r * ldc;
    if (acc)
      for (int j = 0; j < nr; j++) cr[j] += t[r * NR + j];
    else
      for (int j = 0; j < nr; j++) cr[j] = t[r * NR + j];
  }
}

static bool detect_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
static bool detect_avx2() { return false; }
#endif

using Kernel = void (*)(int, const float*, const float*, float*, int, int, int, bool);

static bool g_avx2 = detect_avx2();
static bool g_force_generic = false;

static Kernel kernel() {
#ifdef LMX_X86
  if (g_avx2 && !g_force_generic) return kernel_avx2;
#endif
  return kernel_generic;
}

bool has_avx2() { return g_avx2; }
void force_generic(bool on) { g_force_generic = on; }

// ---------------------------------------------------------------------------------------------------
// Packing. op(A) is M x K: element (i, p) is A[i*K + p] (not transposed) or A[p*M + i] (transposed).
// op(B) is K x N: element (p, j) is B[p*N + j] or B[j*K + p].

static void pack_a(const float* A, bool tA, int M, int K, int i0, int mc, int p0, int kc, float* out) {
  for (int ib = 0; ib < mc; ib += MR) {
    const int mr = std::min(MR, mc - ib);
    float* o = out + (size_t)ib * kc;
    if (!tA) {
      for (int p = 0; p < kc; p++) {
        for (int r = 0; r < mr; r++) o[p * MR + r] = A[(size_t)(i0 + ib + r) * K + p0 + p];
        for (int r = mr; r < MR; r++) o[p * MR + r] = 0.f;
      }
    } else {
      for (int p = 0; p < kc; p++) {
        const float* src = A + (size_t)(p0 + p) * M + i0 + ib;
        for (int r = 0; r < mr; r++) o[p * MR + r] = src[r];
        for (int r = mr; r < MR; r++) o[p * MR + r] = 0.f;
      }
    }
  }
}

static void pack_b(const float* B, bool tB, int K, int N, int p0, int kc, int j0, int nc, float* out) {
  for (int jb = 0; jb < nc; jb += NR) {
    const int nr = std::min(NR, nc - jb);
    float* o = out + (size_t)jb * kc;
    if (!tB) {
      for (int p = 0; p < kc; p++) {
        const float* src = B + (size_t)(p0 + p) * N + j0 + jb;
        if (nr == NR) {
          std::memcpy(o + p * NR, src, NR * sizeof(float));
        } else {
          for (int j = 0; j < nr; j++) o[p * NR + j] = src[j];
          for (int j = nr; j < NR; j++) o[p * NR + j] = 0.f;
        }
      }
    } else {
      for (int j = 0; j < nr; j++) {
        const float* src = B + (size_t)(j0 + jb + j) * K + p0;
        for (int p = 0; p < kc; p++) o[p * NR + j] = src[p];
      }
      for (int j = nr; j < NR; j++)
        for (int p = 0; p < kc; p++) o[p * NR + j] = 0.f;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// A small thread pool: run(n, f) calls f(0..n-1) spread over the workers and the calling thread.

class Pool {
 public:
  void set_threads(int n) {
    std::unique_lock<std::mutex> lock(m_);
    want_ = std::max(1, n);
  }
  int threads() const { return want_.load(); }

  void run(int n, const std::function<void(int)>& f) {
    const int t = std::min(want_.load(), n);
    // One pool per process: a second JavaScript thread (worker_threads) calling in while the pool is busy
    // runs its loop on its own thread instead of waiting or sharing.
    std::unique_lock<std::mutex> busy(run_, std::try_to_lock);
    if (t <= 1 || !busy.owns_lock()) {
      for (int i = 0; i < n; i++) f(i);
      return;
    }
    ensure(t - 1);
    {
      std::unique_lock<std::mutex> lock(m_);
      job_ = &f;
      next_.store(0);
      total_ = n;
      active_ = t - 1;
      generation_++;
    }
    cv_.notify_all();
    work(f);
    std::unique_lock<std::mutex> lock(m_);
    done_.wait(lock, [&] { return active_ == 0; });
    job_ = nullptr;
  }

  ~Pool() {
    {
      std::unique_lock<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }

 private:
  void work(const std::function<void(int)>& f) {
    for (;;) {
      const int i = next_.fetch_add(1);
      if (i >= total_) break;
      f(i);
    }
  }
  void ensure(int n) {
    while ((int)workers_.size() < n) {
      const int index = (int)workers_.size();
      workers_.emplace_back([this, index] { loop(index); });
    }
  }
  void loop(int index) {
    unsigned long seen = 0;
    for (;;) {
      const std::function<void(int)>* job;
      {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return stop_ || (generation_ != seen && job_ && index < active_limit()); });
        if (stop_) return;
        seen = generation_;
        job = job_;
      }
      work(*job);
      std::unique_lock<std::mutex> lock(m_);
      if (--active_ == 0) done_.notify_one();
    }
  }
  int active_limit() const { return std::min(want_.load(), total_) - 1; }

  std::mutex m_, run_;
  std::condition_variable cv_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* job_ = nullptr;
  std::atomic<int> next_{0};
  int total_ = 0;
  int active_ = 0;
  std::atomic<int> want_{1};
  unsigned long generation_ = 0;
  bool stop_ = false;
};

static Pool g_pool;

void set_threads(int n) { g_pool.set_threads(n); }
int threads() { return g_pool.threads(); }
void parallel_for(int n, const std::function<void(int)>& f) { g_pool.run(n, f); }

// One product, single-threaded, with the caller's scratch buffers.
// accumulate: C += op(A) · op(B) instead of C = op(A) · op(B).
static void gemm1(const float* A, const float* B, float* C, int M, int N, int K, bool tA, bool tB, std::vector<float>& pa,
                  std::vector<float>& pb, bool accumulate = false) {
  if (K == 0) {
    if (!accumulate) std::fill(C, C + (size_t)M * N, 0.f);
    return;
  }
  const Kernel kern = kernel();
  for (int j0 = 0; j0 < N; j0 += NC) {
    const int nc = std::min(NC, N - j0);
    const int ncp = (nc + NR - 1) / NR * NR;
    for (int p0 = 0; p0 < K; p0 += KC) {
      const int kc = std::min(KC, K - p0);
      pb.resize((size_t)ncp * kc);
      pack_b(B, tB, K, N, p0, kc, j0, nc, pb.data());
      for (int i0 = 0; i0 < M; i0 += MC) {
        const int mc = std::min(MC, M - i0);
        const int mcp = (mc + MR - 1) / MR * MR;
        pa.resize((size_t)mcp * kc);
        pack_a(A, tA, M, K, i0, mc, p0, kc, pa.data());
        for (int jb = 0; jb < nc; jb += NR) {
          const int nr = std::min(NR, nc - jb);
          for (int ib = 0; ib < mc; ib += MR) {
            const int mr = std::min(MR, mc - ib);
            kern(kc, pa.data() + (size_t)ib * kc, pb.data() + (size_t)jb * kc, C + (size_t)(i0 + ib) * N + j0 + jb, N, mr, nr,
                 p0 > 0 || accumulate);
          }
        }
      }
    }
  }
}

void sgemm_serial(const float* A, const float* B, float* C, int M, int N, int K, bool tA, bool tB, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  thread_local std::vector<float> pa, pb;
  gemm1(A, B, C, M, N, K, tA, tB, pa, pb, accumulate);
}

// One row times a matrix (M = 1, A not transposed): no packing, a vectorised axpy or dot per output.
LMX_CLONES_GEMV static void gemv_row(const float* a, const float* B, float* c, int N, int K, bool tB) {
  if (!tB) {
    std::fill(c, c + N, 0.f);
    for (int p = 0; p < K; p++) {
      const float ap = a[p];
      const float* b = B + (size_t)p * N;
      for (int j = 0; j < N; j++) c[j] += ap * b[j];
    }
  } else {
    for (int j = 0; j < N; j++) {
      const float* b = B + (size_t)j * K;
      float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f, s4 = 0.f, s5 = 0.f, s6 = 0.f, s7 = 0.f;
      int p = 0;
      for (; p + 8 <= K; p += 8) {
        s0 += a[p] * b[p]; s1 += a[p + 1] * b[p + 1]; s2 += a[p + 2] * b[p + 2]; s3 += a[p + 3] * b[p + 3];
        s4 += a[p + 4] * b[p + 4]; s5 += a[p + 5] * b[p + 5]; s6 += a[p + 6] * b[p + 6]; s7 += a[p + 7] * b[p + 7];
      }
      float s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
      for (; p < K; p++) s += a[p] * b[p];
      c[j] = s;
    }
  }
}

// Splits one large product over the pool by blocks of rows of C (each block runs gemm1 on its rows).
void sgemm_batched(const float* A, const float* B, float* C, int batch, int M, int N, int K, bool tA, bool tB, size_t strideA,
                   size_t strideB) {
  if (M == 1 && !tA) {
    for (int b = 0; b < batch; b++) gemv_row(A + strideA * b, B + strideB * b, C + (size_t)b * N, N, K, tB);
    return;
  }
  const double flops = 2.0 * batch * M * N * K;
  const int t = threads();
  if (t > 1 && flops >= 2e6) {
    if (batch >= t) {
      parallel_for(batch, [&](int b) {
        thread_local std::vector<float> pa, pb;
        gemm1(A + strideA * b, B + strideB * b, C + (size_t)b * M * N, M, N, K, tA, tB, pa, pb);
      });
      return;
    }
    // Few large products: split rows of C. Rows of op(A) are contiguous only without transpose; with a
    // transposed A each part reads a column slice, which gemm handles through a shifted pointer and lda.
    const int parts = std::min(t * 2, std::max(1, M / 32));
    if (parts > 1) {
      const int rows = ((M + parts - 1) / parts + MR - 1) / MR * MR;
      for (int b = 0; b < batch; b++) {
        const float* a = A + strideA * b;
        const float* bb = B + strideB * b;
        float* c = C + (size_t)b * M * N;
        const int n = (M + rows - 1) / rows;
        parallel_for(n, [&](int part) {
          thread_local std::vector<float> pa, pb;
          const int i0 = part * rows;
          const int m = std::min(rows, M - i0);
          if (!tA) {
            gemm1(a + (size_t)i0 * K, bb, c + (size_t)i0 * N, m, N, K, false, tB, pa, pb);
          } else {
            // op(A) rows i0..i0+m are columns of the stored K x M matrix: copy them out contiguously.
            thread_local std::vector<float> sub;
            sub.resize((size_t)K * m);
            for (int p = 0; p < K; p++) std::memcpy(sub.data() + (size_t)p * m, a + (size_t)p * M + i0, m * sizeof(float));
            gemm1(sub.data(), bb, c + (size_t)i0 * N, m, N, K, true, tB, pa, pb);
          }
        });
      }
      return;
    }
  }
  thread_local std::vector<float> pa, pb;
  for (int b = 0; b < batch; b++) gemm1(A + strideA * b, B + strideB * b, C + (size_t)b * M * N, M, N, K, tA, tB, pa, pb);
}

}  // namespace lmx
