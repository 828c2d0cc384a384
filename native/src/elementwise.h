#pragma once
#include <cstdint>

namespace lmx {
// op: 0 add, 1 sub, 2 mul, 3 div. shape: the output's; sa/sb: each input's stride per output dim (0: broadcast).
void binary(int op, const float* a, const float* b, float* out, int rank, const int64_t* shape, const int64_t* sa,
            const int64_t* sb);
void transpose(const float* x, float* out, int rank, const int64_t* shape, const int* perm);
void softmax(const float* x, float* out, int64_t rows, int64_t cols);
void reduce(int op, const float* x, float* out, int64_t outer, int64_t inner);
// out[j] = Σ_i x[i*inner + j] (mean: / outer)
void sum_leading(const float* x, float* out, int64_t outer, int64_t inner, bool mean);
double sum_squares(const float* g, int64_t n);
void adamw(const float* p, const float* g, float* m, float* v, float* out, int64_t n, double scale, double b1, double b2,
           double step_size, double inv_sqrt_bc2, double eps, double keep);
// out[j] = scale where number j of mulberry32 from state a (src/engine/rng.ts) is ≥ threshold, else 0
void dropout_mask(uint32_t a, uint32_t threshold, float scale, float* out, int64_t n);
// op 0 exp, 1 erf, 2 square, 3 rsqrt, 4 log, 5 sqrt
void unary(int op, const float* x, float* out, int64_t n);
}  // namespace lmx
