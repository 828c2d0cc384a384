#pragma once
#include <cstdint>

namespace lmx {
// op: 0 add, 1 sub, 2 mul, 3 div. shape: the output's; sa/sb: each input's stride per output dim (0: broadcast).
void binary(int op, const float* a, const float* b, float* out, int rank, const int64_t* shape, const int64_t* sa,
            const int64_t* sb);
void transpose(const float* x, float* out, int rank, const int64_t* shape, const int* perm);
void softmax(const float* x, float* out, int64_t rows, int64_t cols);
void reduce(int op, const float* x, float* out, int64_t outer, int64_t inner);
}  // namespace lmx
