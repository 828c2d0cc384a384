#pragma once
#include <cstddef>
#include <functional>

namespace lmx {
// C[b] = op(A[b]) · op(B[b]) for b < batch; A[b] = A + strideA*b (0: broadcast), C is dense (batch, M, N).
void sgemm_batched(const float* A, const float* B, float* C, int batch, int M, int N, int K, bool tA, bool tB, size_t strideA,
                   size_t strideB);
// C (M, N) (+)= op(A) · op(B) on the calling thread alone (dense row-major operands; packing buffers per thread).
void sgemm_serial(const float* A, const float* B, float* C, int M, int N, int K, bool tA, bool tB, bool accumulate);
bool has_avx2();
void force_generic(bool on);
void set_threads(int n);
int threads();
void parallel_for(int n, const std::function<void(int)>& f);
}  // namespace lmx
