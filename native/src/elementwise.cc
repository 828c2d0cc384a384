// Element-wise, transpose, softmax and trailing-axis reductions on float32, for the native backend.
// Plain loops the compiler vectorises (SSE2 baseline; the AVX2 build of the hot loops is chosen at run time
// through target_clones where the compiler supports it).
#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "sgemm.h"

namespace lmx {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LMX_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LMX_CLONES
#endif

template <int OP>
static inline float apply(float a, float b) {
  if (OP == 0) return a + b;
  if (OP == 1) return a - b;
  if (OP == 2) return a * b;
  return a / b;
}

template <int OP>
LMX_CLONES static void inner(const float* a, const float* b, float* o, int64_t n, int64_t sa, int64_t sb) {
  if (sa == 1 && sb == 1)
    for (int64_t i = 0; i < n; i++) o[i] = apply<OP>(a[i], b[i]);
  else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; i++) o[i] = apply<OP>(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; i++) o[i] = apply<OP>(av, b[i]);
  } else
    for (int64_t i = 0; i < n; i++) o[i] = apply<OP>(a[i * sa], b[i * sb]);
}

template <int OP>
static void binary_t(const float* a, const float* b, float* out, int rank, const int64_t* shape, const int64_t* sa,
                     const int64_t* sb) {
  if (rank == 0) {
    out[0] = apply<OP>(a[0], b[0]);
    return;
  }
  const int64_t n = shape[rank - 1];
  int64_t outer = 1;
  for (int d = 0; d < rank - 1; d++) outer *= shape[d];
  std::vector<int64_t> idx(rank, 0);
  int64_t offA = 0, offB = 0;
  for (int64_t r = 0; r < outer; r++) {
    inner<OP>(a + offA, b + offB, out + r * n, n, sa[rank - 1], sb[rank - 1]);
    for (int d = rank - 2; d >= 0; d--) {
      idx[d]++;
      offA += sa[d];
      offB += sb[d];
      if (idx[d] < shape[d]) break;
      offA -= sa[d] * shape[d];
      offB -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

void binary(int op, const float* a, const float* b, float* out, int rank, const int64_t* shape, const int64_t* sa,
            const int64_t* sb) {
  switch (op) {
    case 0: return binary_t<0>(a, b, out, rank, shape, sa, sb);
    case 1: return binary_t<1>(a, b, out, rank, shape, sa, sb);
    case 2: return binary_t<2>(a, b, out, rank, shape, sa, sb);
    default: return binary_t<3>(a, b, out, rank, shape, sa, sb);
  }
}

// out[...] = x permuted: out dims are shape[perm[i]]; strides of x taken in perm order.
void transpose(const float* x, float* out, int rank, const int64_t* shape, const int* perm) {
  std::vector<int64_t> xs(rank), os(rank), st(rank);
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    xs[d] = s;
    s *= shape[d];
  }
  const int64_t total = s;
  for (int d = 0; d < rank; d++) {
    os[d] = shape[perm[d]];
    st[d] = xs[perm[d]];
  }
  if (rank == 0 || total == 0) {
    if (total) out[0] = x[0];
    return;
  }
  const int64_t n = os[rank - 1], sn = st[rank - 1];
  const int64_t outer = total / n;
  std::vector<int64_t> idx(rank, 0);
  int64_t off = 0;
  for (int64_t r = 0; r < outer; r++) {
    float* o = out + r * n;
    const float* src = x + off;
    if (sn == 1)
      std::memcpy(o, src, n * sizeof(float));
    else
      for (int64_t i = 0; i < n; i++) o[i] = src[i * sn];
    for (int d = rank - 2; d >= 0; d--) {
      idx[d]++;
      off += st[d];
      if (idx[d] < os[d]) break;
      off -= st[d] * os[d];
      idx[d] = 0;
    }
  }
}

LMX_CLONES void softmax(const float* x, float* out, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    float m = -INFINITY;
    for (int64_t j = 0; j < cols; j++) m = std::max(m, xr[j]);
    if (m == -INFINITY) m = 0.f;  // a row of -inf: exp gives 0s and 0/0 = NaN, as tfjs
    float s = 0.f;
    for (int64_t j = 0; j < cols; j++) {
      const float e = std::exp(xr[j] - m);
      o[j] = e;
      s += e;
    }
    const float inv = 1.f / s;
    for (int64_t j = 0; j < cols; j++) o[j] *= inv;
  }
}

// op 0 sum, 1 mean, 2 max, 3 min over the trailing `inner` elements of each of `outer` rows.
LMX_CLONES void reduce(int op, const float* x, float* out, int64_t outer, int64_t inner) {
  for (int64_t r = 0; r < outer; r++) {
    const float* xr = x + r * inner;
    if (op <= 1) {
      // 8 partial sums: vectorised and closer to tfjs's sequential float32 sum than one long chain
      // accumulated in double, as the cpu backend's JavaScript sum
      double p[4] = {0, 0, 0, 0};
      int64_t j = 0;
      for (; j + 4 <= inner; j += 4)
        for (int k = 0; k < 4; k++) p[k] += xr[j + k];
      double s = (p[0] + p[1]) + (p[2] + p[3]);
      for (; j < inner; j++) s += xr[j];
      out[r] = op == 1 ? (float)((float)s / (float)inner) : (float)s;
    } else if (op == 2) {
      float m = xr[0];
      for (int64_t j = 1; j < inner; j++) m = xr[j] > m || std::isnan(xr[j]) ? xr[j] : m;
      out[r] = m;
    } else {
      float m = xr[0];
      for (int64_t j = 1; j < inner; j++) m = xr[j] < m || std::isnan(xr[j]) ? xr[j] : m;
      out[r] = m;
    }
  }
}

}  // namespace lmx
