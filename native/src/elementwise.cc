// Element-wise, transpose, softmax and trailing-axis reductions on float32, for the native backend.
// Plain loops the compiler vectorises (SSE2 baseline; the AVX2 build of the hot loops is chosen at run time
// through target_clones where the compiler supports it).
#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "sgemm.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

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

// x (R, C) → out (C, R), in 32x32 tiles so that both sides stay in cache.
static void transpose2d(const float* x, float* out, int64_t R, int64_t C) {
  constexpr int64_t B = 32;
  for (int64_t i0 = 0; i0 < R; i0 += B) {
    const int64_t i1 = std::min(i0 + B, R);
    for (int64_t j0 = 0; j0 < C; j0 += B) {
      const int64_t j1 = std::min(j0 + B, C);
      for (int64_t i = i0; i < i1; i++)
        for (int64_t j = j0; j < j1; j++) out[j * R + i] = x[i * C + j];
    }
  }
}

// out[...] = x permuted: out dims are shape[perm[i]]; strides of x taken in perm order.
void transpose(const float* x, float* out, int rank, const int64_t* shape, const int* perm) {
  if (rank == 2 && perm[0] == 1) return transpose2d(x, out, shape[0], shape[1]);
  if (rank == 3 && perm[0] == 0 && perm[1] == 2) {
    const int64_t n = shape[1] * shape[2];
    for (int64_t b = 0; b < shape[0]; b++) transpose2d(x + b * n, out + b * n, shape[1], shape[2]);
    return;
  }
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

// ---------------------------------------------------------------------------------------------------
// Vectorised exp (Cephes expf: n·ln2 + r range reduction, degree-6 polynomial, about 1 ulp) and erf
// (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7: the formula of the cpu backend's Erf), AVX2 + FMA, used
// only when the CPU has them; the portable loops use std::exp / the same erf formula.

#if defined(__x86_64__) || defined(_M_X64)
#define LMX_VMATH 1

__attribute__((target("avx2,fma"))) static inline __m256 exp8(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.33654f), hi = _mm256_set1_ps(88.72283f);
  const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);  // exp underflows to 0 (-inf included)
  const __m256 over = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);   // overflows to +inf
  const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
  __m256 v = _mm256_max_ps(_mm256_min_ps(x, hi), lo);
  __m256 fx = _mm256_fmadd_ps(v, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
  fx = _mm256_floor_ps(fx);
  v = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), v);
  v = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), v);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, v, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, v, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, v, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, v, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, v, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(v, v), _mm256_add_ps(v, _mm256_set1_ps(1.f)));
  // 2^fx in two halves, so that fx = 128 (x near the top of the range) does not overflow the exponent
  const __m256i n = _mm256_cvtps_epi32(fx);
  const __m256i n1 = _mm256_srai_epi32(n, 1);
  const __m256i n2 = _mm256_sub_epi32(n, n1);
  const __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, _mm256_set1_epi32(127)), 23));
  const __m256 p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, _mm256_set1_epi32(127)), 23));
  y = _mm256_mul_ps(_mm256_mul_ps(y, p1), p2);
  y = _mm256_andnot_ps(under, y);
  y = _mm256_blendv_ps(y, _mm256_set1_ps(INFINITY), over);
  return _mm256_blendv_ps(y, x, nan);
}

// Applies an 8-lane function to n floats; the last partial group goes through a zero-padded buffer.
template <__m256 (*F)(__m256)>
__attribute__((target("avx2,fma"))) static void map8(const float* x, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, F(_mm256_loadu_ps(x + i)));
  if (i < n) {
    alignas(32) float t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t k = i; k < n; k++) t[k - i] = x[k];
    _mm256_store_ps(t, F(_mm256_load_ps(t)));
    for (int64_t k = i; k < n; k++) out[k] = t[k - i];
  }
}

__attribute__((target("avx2,fma"))) static void exp_avx2(const float* x, float* out, int64_t n) { map8<exp8>(x, out, n); }

__attribute__((target("avx2,fma"))) static inline __m256 erf8(__m256 x) {
  const __m256 signbit = _mm256_set1_ps(-0.f);
  const __m256 sign = _mm256_and_ps(x, signbit);
  const __m256 v = _mm256_andnot_ps(signbit, x);
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), v, one));
  __m256 poly = _mm256_set1_ps(1.061405429f);
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(-1.453152027f));
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(1.421413741f));
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(-0.284496736f));
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(0.254829592f));
  poly = _mm256_mul_ps(poly, t);
  const __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(v, v)));
  const __m256 y = _mm256_fnmadd_ps(poly, e, one);
  return _mm256_or_ps(y, sign);  // erf(-x) = -erf(x); NaN stays NaN
}

__attribute__((target("avx2,fma"))) static void erf_avx2(const float* x, float* out, int64_t n) { map8<erf8>(x, out, n); }

static const bool g_vmath = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}();
#endif

static float erf_scalar(float x) {
  const float sign = x < 0 ? -1.f : (x > 0 ? 1.f : 0.f);
  const float v = std::fabs(x);
  const float t = 1.f / (1.f + 0.3275911f * v);
  const float y = 1.f - (((((1.061405429f * t - 1.453152027f) * t) + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t *
                            std::exp(-v * v);
  return std::isnan(x) ? x : sign * y;
}

static void exp_n(const float* x, float* out, int64_t n) {
#ifdef LMX_VMATH
  if (g_vmath) return exp_avx2(x, out, n);
#endif
  for (int64_t i = 0; i < n; i++) out[i] = std::exp(x[i]);
}

static void erf_n(const float* x, float* out, int64_t n) {
#ifdef LMX_VMATH
  if (g_vmath) return erf_avx2(x, out, n);
#endif
  for (int64_t i = 0; i < n; i++) out[i] = erf_scalar(x[i]);
}

LMX_CLONES void softmax(const float* x, float* out, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    float m = -INFINITY;
    for (int64_t j = 0; j < cols; j++) m = std::max(m, xr[j]);
    if (m == -INFINITY) m = 0.f;  // a row of -inf: exp gives 0s and 0/0 = NaN, as tfjs
    for (int64_t j = 0; j < cols; j++) o[j] = xr[j] - m;
    exp_n(o, o, cols);
    float s = 0.f;
    for (int64_t j = 0; j < cols; j++) s += o[j];
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

namespace lmx {
// op 0 exp, 1 erf, 2 square, 3 rsqrt, 4 log, 5 sqrt
LMX_CLONES void unary(int op, const float* x, float* out, int64_t n) {
  switch (op) {
    case 0: exp_n(x, out, n); break;
    case 1: erf_n(x, out, n); break;
    case 2: for (int64_t i = 0; i < n; i++) out[i] = x[i] * x[i]; break;
    case 3: for (int64_t i = 0; i < n; i++) out[i] = 1.f / std::sqrt(x[i]); break;
    case 4: for (int64_t i = 0; i < n; i++) out[i] = std::log(x[i]); break;
    default: for (int64_t i = 0; i < n; i++) out[i] = std::sqrt(x[i]); break;
  }
}
}  // namespace lmx

namespace lmx {
// out[j] = sum over i < outer of x[i*inner + j] (a sum over leading axes), accumulated in double.
LMX_CLONES void sum_leading(const float* x, float* out, int64_t outer, int64_t inner, bool mean) {
  std::vector<double> acc(inner, 0.0);
  for (int64_t i = 0; i < outer; i++) {
    const float* xr = x + i * inner;
    for (int64_t j = 0; j < inner; j++) acc[j] += xr[j];
  }
  for (int64_t j = 0; j < inner; j++) out[j] = mean ? (float)((float)acc[j] / (float)outer) : (float)acc[j];
}
}  // namespace lmx

namespace lmx {
// Σ g² in double (the gradient norm).
double sum_squares(const float* g, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += (double)g[i] * g[i];
    s1 += (double)g[i + 1] * g[i + 1];
    s2 += (double)g[i + 2] * g[i + 2];
    s3 += (double)g[i + 3] * g[i + 3];
  }
  for (; i < n; i++) s0 += (double)g[i] * g[i];
  return (s0 + s1) + (s2 + s3);
}

// One AdamW update, in double like the trainer's JavaScript loop (HostAdamW), m and v in place, the new
// parameters to out.
void adamw(const float* p, const float* g, float* m, float* v, float* out, int64_t n, double scale, double b1, double b2,
           double step_size, double inv_sqrt_bc2, double eps, double keep) {
  for (int64_t j = 0; j < n; j++) {
    const double gj = (double)g[j] * scale;
    // as in JavaScript, the new moments are used unrounded and stored as float32
    const double mj = b1 * m[j] + (1 - b1) * gj;
    const double vj = b2 * v[j] + (1 - b2) * gj * gj;
    m[j] = (float)mj;
    v[j] = (float)vj;
    out[j] = (float)((double)p[j] * keep - (step_size * mj) / (std::sqrt(vj) * inv_sqrt_bc2 + eps));
  }
}
}  // namespace lmx

namespace lmx {
// A dropout mask, the same as Rng.fillMask in src/engine/rng.ts: mulberry32's number j from state a is a fixed
// mix of a + (j + 1) · 0x6d2b79f5 (mod 2³²), so each j is computed on its own and the loop vectorises (AVX2: 8
// lanes of 32-bit products), some 15× faster than the JavaScript loop.
LMX_CLONES void dropout_mask(uint32_t a, uint32_t threshold, float scale, float* out, int64_t n) {
  for (int64_t j = 0; j < n; j++) {
    uint32_t t = a + (uint32_t)(j + 1) * 0x6d2b79f5u;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    out[j] = (t ^ (t >> 14)) >= threshold ? scale : 0.f;
  }
}
}  // namespace lmx
