// The fused CPU training step (trainstep.h): the same model, dropout and AdamW as the TensorFlow.js path
// (src/engine/model.ts, kernels/ops.ts, trainer.ts), which stays the reference the unit tests compare with.
// Each element-wise formula follows the tfjs op sequence it replaces (the same float32 operations in the same
// order, the addon's vectorised exp and erf), so that the two paths agree to rounding. The model's numerics (the
// GELU, exact or tanh, and the LayerNorm ε) are the step's parameters (numerics.h). The linear layers and the
// attention products of each head use the addon's SGEMM; the softmaxes, LayerNorm and GELU are loops over rows.
//
// Threads: the batch is split by rows into parts (one per thread of the addon's pool). A part runs the whole
// forward and backward of its rows with its own activations and gradient buffer, so the only synchronisation of
// a step is the sum of the parts' gradients (with the norm) and the AdamW update, both split by parameter range.
//
// Shapes: a part has nb batch rows, R = nb·T positions; activations are (R, C) per layer, (R, 4C) in the MLP,
// (nb, H, T, T) attention probabilities.
#include "trainstep.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "decoder.h"
#include "elementwise.h"
#include "sgemm.h"

namespace lmx {

const char* const PHASE_NAMES[kPhaseCount] = {
    "embedding",        "layerNorm",        "qkv",           "attention",         "attnProj",
    "mlpUp",            "gelu",             "mlpDown",       "outputForward",     "outputBackward",
    "layerNormBackward", "mlpDownBackward", "geluBackward",  "mlpUpBackward",     "attnProjBackward",
    "attentionBackward", "qkvBackward",     "embeddingBackward", "dropoutMasks", "gradientSum",
    "adamw"};

namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LMX_TS_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LMX_TS_CLONES
#endif

constexpr uint32_t MULBERRY = 0x6d2b79f5u;
constexpr float INV_SQRT_2PI = 0.39894228040143268f;

using Clock = std::chrono::steady_clock;

// Σ x[0..n) as the native backend's reduce: 4 partial sums in double.
inline double row_sum(const float* x, int n) {
  double p0 = 0, p1 = 0, p2 = 0, p3 = 0;
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    p0 += x[j];
    p1 += x[j + 1];
    p2 += x[j + 2];
    p3 += x[j + 3];
  }
  double s = (p0 + p1) + (p2 + p3);
  for (; j < n; j++) s += x[j];
  return s;
}

inline float row_mean(const float* x, int n) { return (float)row_sum(x, n) / (float)n; }

LMX_TS_CLONES void add_bias(float* y, const float* b, int R, int N) {
  for (int r = 0; r < R; r++) {
    float* row = y + (size_t)r * N;
    for (int j = 0; j < N; j++) row[j] += b[j];
  }
}

// db += Σ over rows of dy
LMX_TS_CLONES void sum_rows_into(const float* dy, float* db, int R, int N) {
  for (int r = 0; r < R; r++) {
    const float* row = dy + (size_t)r * N;
    for (int j = 0; j < N; j++) db[j] += row[j];
  }
}

LMX_TS_CLONES void multiply(const float* a, const float* b, float* out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = a[i] * b[i];
}

// y = x · W + b: x (R, K), W (K, N)
void linear(const float* x, const float* W, const float* b, float* y, int R, int K, int N) {
  sgemm_serial(x, W, y, R, N, K, false, false, false);
  add_bias(y, b, R, N);
}

// y = LayerNorm(x) · g + b per row, as kernels/ops.ts: centered = x − mean, var = mean(centered²),
// rstd = 1 / sqrt(var + eps), x̂ = centered · rstd.
LMX_TS_CLONES void layer_norm(const float* x, const float* g, const float* b, float* y, float* mean, float* rstd, int R, int C,
                              float eps, float* scratch) {
  for (int r = 0; r < R; r++) {
    const float* xr = x + (size_t)r * C;
    float* yr = y + (size_t)r * C;
    const float m = row_mean(xr, C);
    for (int c = 0; c < C; c++) {
      const float d = xr[c] - m;
      scratch[c] = d * d;
    }
    const float var = row_mean(scratch, C);
    const float s = 1.f / std::sqrt(var + eps);
    for (int c = 0; c < C; c++) yr[c] = ((xr[c] - m) * s) * g[c] + b[c];
    mean[r] = m;
    rstd[r] = s;
  }
}

// dx += LayerNorm backward of dy; dg += Σ dy·x̂, db += Σ dy. dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)), dx̂ = dy · g.
LMX_TS_CLONES void layer_norm_backward(const float* x, const float* g, const float* mean, const float* rstd, const float* dy, float* dx,
                                       float* dg, float* db, int R, int C, float* scratch) {
  float* xhat = scratch;
  float* dxhat = scratch + C;
  float* prod = scratch + 2 * C;
  for (int r = 0; r < R; r++) {
    const float* xr = x + (size_t)r * C;
    const float* dyr = dy + (size_t)r * C;
    float* dxr = dx + (size_t)r * C;
    const float m = mean[r], s = rstd[r];
    for (int c = 0; c < C; c++) {
      xhat[c] = (xr[c] - m) * s;
      dxhat[c] = dyr[c] * g[c];
      prod[c] = dxhat[c] * xhat[c];
      dg[c] += dyr[c] * xhat[c];
      db[c] += dyr[c];
    }
    const float m1 = row_mean(dxhat, C), m2 = row_mean(prod, C);
    for (int c = 0; c < C; c++) dxr[c] += ((dxhat[c] - m1) - xhat[c] * m2) * s;
  }
}

// out[j] = scale where number j0 + j of mulberry32 from `seed` is ≥ threshold (Rng.fillMask over the whole tensor)
void mask_from(uint32_t seed, size_t j0, uint32_t threshold, float scale, float* out, size_t n) {
  dropout_mask(seed + (uint32_t)(j0 * (size_t)MULBERRY), threshold, scale, out, (int64_t)n);
}

// One head of one sequence between the (T, C) layout of the projections (rows of stride C, from the head's
// column) and a dense (T, dh) block, so that its products are plain matrix products.
inline void gather_head(const float* x, float* out, int T, int C, int dh) {
  for (int t = 0; t < T; t++) std::memcpy(out + (size_t)t * dh, x + (size_t)t * C, dh * sizeof(float));
}
inline void scatter_head(const float* in, float* x, int T, int C, int dh) {
  for (int t = 0; t < T; t++) std::memcpy(x + (size_t)t * C, in + (size_t)t * dh, dh * sizeof(float));
}

// Head-sized scratch of a part: q, k, v, y and their gradients as dense (T, dh) blocks, two (T, T) blocks.
struct HeadScratch {
  float *q, *k, *v, *y, *dq, *dk, *dv, *tt, *tt2;
  static size_t floats(int T, int dh) { return 7 * (size_t)T * dh + 2 * (size_t)T * T; }
  HeadScratch(float* base, int T, int dh) {
    const size_t n = (size_t)T * dh;
    q = base, k = q + n, v = k + n, y = v + n, dq = y + n, dk = dq + n, dv = dk + n, tt = dv + n, tt2 = tt + (size_t)T * T;
  }
};

// Causal attention of one head of one sequence. q (scaled by 1/sqrt(dh)), k, v, y: rows of stride C from the head's
// column; P (T, T): the softmax probabilities (0 above the diagonal); mask (T, T) or null.
// Scores Q·Kᵀ and the output (P·mask)·V are matrix products over the whole (T, T) block (the zeros above the
// diagonal included, as the tfjs path's); the softmax runs over each row's visible keys.
LMX_TS_CLONES void attention_head(const float* q, const float* k, const float* v, float* P, const float* mask, float* y, HeadScratch& s,
                                  int T, int C, int dh) {
  gather_head(q, s.q, T, C, dh);
  gather_head(k, s.k, T, C, dh);
  gather_head(v, s.v, T, C, dh);
  sgemm_serial(s.q, s.k, P, T, T, dh, false, true, false);
  for (int i = 0; i < T; i++) {
    float* p = P + (size_t)i * T;
    const int n = i + 1;  // keys 0 … i are visible to query i
    float mx = p[0];
    for (int j = 1; j < n; j++) mx = std::max(mx, p[j]);
    for (int j = 0; j < n; j++) p[j] -= mx;
    unary(0, p, p, n);  // exp, the native softmax's
    float total = 0.f;
    for (int j = 0; j < n; j++) total += p[j];
    const float inv = 1.f / total;
    for (int j = 0; j < n; j++) p[j] *= inv;
    for (int j = n; j < T; j++) p[j] = 0.f;
  }
  const float* dropped = P;
  if (mask) {
    multiply(P, mask, s.tt, (size_t)T * T);
    dropped = s.tt;
  }
  sgemm_serial(dropped, s.v, s.y, T, dh, T, false, false, false);
  scatter_head(s.y, y, T, C, dh);
}

// Its backward: from dy (same layout as y) to dq (of the unscaled q: times `scale`), dk, dv (overwritten).
LMX_TS_CLONES void attention_head_backward(const float* q, const float* k, const float* v, const float* P, const float* mask,
                                           const float* dy, float* dq, float* dk, float* dv, HeadScratch& s, int T, int C, int dh,
                                           float scale) {
  gather_head(q, s.q, T, C, dh);
  gather_head(k, s.k, T, C, dh);
  gather_head(v, s.v, T, C, dh);
  gather_head(dy, s.y, T, C, dh);
  const float* dropped = P;
  if (mask) {
    multiply(P, mask, s.tt2, (size_t)T * T);
    dropped = s.tt2;
  }
  float* dp = s.tt;
  sgemm_serial(s.y, s.v, dp, T, T, dh, false, true, false);       // d(dropped P) = dY · Vᵀ
  sgemm_serial(dropped, s.y, s.dv, T, dh, T, true, false, false);  // dV = (dropped P)ᵀ · dY
  for (int i = 0; i < T; i++) {
    const float* pi = P + (size_t)i * T;
    float* di = dp + (size_t)i * T;
    const int n = i + 1;
    if (mask) {
      const float* mi = mask + (size_t)i * T;
      for (int j = 0; j < n; j++) di[j] *= mi[j];
    }
    // softmax backward: dS = P · (dP − Σ dP·P)
    float dot = 0.f;
    for (int j = 0; j < n; j++) dot += di[j] * pi[j];
    for (int j = 0; j < n; j++) di[j] = pi[j] * (di[j] - dot);
    for (int j = n; j < T; j++) di[j] = 0.f;
  }
  sgemm_serial(dp, s.k, s.dq, T, dh, T, false, false, false);  // dQ = dS · K
  sgemm_serial(dp, s.q, s.dk, T, dh, T, true, false, false);   // dK = dSᵀ · Q
  for (size_t i = 0; i < (size_t)T * dh; i++) s.dq[i] *= scale;
  scatter_head(s.dq, dq, T, C, dh);
  scatter_head(s.dk, dk, T, C, dh);
  scatter_head(s.dv, dv, T, C, dh);
}

// GELU x·Φ(x) with Φ from the addon's erf, as kernels/ops.ts: cdf = (erf(x · 1/√2) + 1) · 0.5. Keeps cdf.
LMX_TS_CLONES void gelu(const float* x, float* cdf, float* out, size_t n) {
  for (size_t i = 0; i < n; i++) cdf[i] = x[i] * kInvSqrt2;
  unary(1, cdf, cdf, (int64_t)n);
  for (size_t i = 0; i < n; i++) {
    cdf[i] = (cdf[i] + 1.f) * 0.5f;
    out[i] = x[i] * cdf[i];
  }
}

// d in place: d · (cdf + x · φ(x)), φ(x) = exp(x² · −0.5) / √(2π)
LMX_TS_CLONES void gelu_backward(const float* x, const float* cdf, float* d, float* scratch, size_t n) {
  for (size_t i = 0; i < n; i++) scratch[i] = (x[i] * x[i]) * -0.5f;
  unary(0, scratch, scratch, (int64_t)n);
  for (size_t i = 0; i < n; i++) d[i] = d[i] * (cdf[i] + x[i] * (scratch[i] * INV_SQRT_2PI));
}

// GELU's tanh form, as kernels/ops.ts geluTanh: t = tanh((x + x³ · 0.044715) · √(2/π)), out = (x · 0.5) · (t + 1).
// Keeps t.
void gelu_tanh(const float* x, float* t, float* out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    t[i] = tanh_rounded(gelu_tanh_inner(x[i]));
    out[i] = (x[i] * 0.5f) * (t[i] + 1.f);
  }
}

// d in place: d · ((t + 1) · 0.5 + ((x · 0.5) · (1 − t²)) · (x² · 3·0.044715 + 1) · √(2/π)), geluTanh's gradient
LMX_TS_CLONES void gelu_tanh_backward(const float* x, const float* t, float* d, size_t n) {
  constexpr float cubic3 = (float)(3 * 0.044715);  // rounded once, as the JavaScript constant
  for (size_t i = 0; i < n; i++) {
    const float inner = ((x[i] * x[i]) * cubic3 + 1.f) * kSqrt2OverPi;
    const float slope = (t[i] + 1.f) * 0.5f + ((x[i] * 0.5f) * (1.f - t[i] * t[i])) * inner;
    d[i] = d[i] * slope;
  }
}

// Rows of logits (R, V) → in place their gradient (softmax − one-hot) · invN; returns Σ of the rows' losses.
LMX_TS_CLONES double cross_entropy(float* logits, const int32_t* targets, int R, int V, float invN, float* scratch) {
  double total = 0;
  for (int r = 0; r < R; r++) {
    float* l = logits + (size_t)r * V;
    float mx = l[0];
    for (int j = 1; j < V; j++) mx = l[j] > mx ? l[j] : mx;
    for (int j = 0; j < V; j++) scratch[j] = l[j] - mx;
    unary(0, scratch, scratch, V);
    const float sum = (float)row_sum(scratch, V);
    const float lse = std::log(sum) + mx;
    const int t = targets[r];
    total += (double)(lse - l[t]);
    for (int j = 0; j < V; j++) l[j] = (scratch[j] / sum) * invN;
    l[t] = (scratch[t] / sum - 1.f) * invN;
  }
  return total;
}

}  // namespace

// One part of the batch: its rows, activations, gradient and timers.
struct TrainStep::Part {
  int b0 = 0, nb = 0, R = 0;
  std::vector<float> resid;  // (L + 1) × (R, C): the embedding's output, then each layer's
  std::vector<float> mid;    // L × (R, C): after the attention residual
  std::vector<float> ln1, ln2;             // L × (R, C)
  std::vector<float> ln1_mean, ln1_rstd, ln2_mean, ln2_rstd;  // L × R
  std::vector<float> q, k, v, y;           // L × (R, C); q scaled by 1/sqrt(dh)
  std::vector<float> att;                  // L × (nb, H, T, T)
  std::vector<float> att_mask;             // L × (nb, H, T, T), with dropout
  std::vector<float> emb_mask, attn_mask, mlp_mask;  // (R, C), L × (R, C), L × (R, C), with dropout
  std::vector<float> fc, cdf, act;         // L × (R, 4C): before GELU, Φ (tanh GELU: its t), after
  std::vector<float> lnf, lnf_mean, lnf_rstd;
  std::vector<float> logits;               // (R, V), then its gradient
  std::vector<float> d_res, d_tmp, d_ln, d_q, d_k, d_v, d_y, d_fc, scratch4;
  std::vector<float> scratch;              // max(3C, V)
  std::vector<float> heads;                // HeadScratch
  std::vector<float> grad;                 // the parameters' gradient of this part
  double loss = 0;
  double ms[kPhaseCount] = {};
};

std::vector<size_t> TrainStep::param_sizes(const TrainDims& d) {
  // the decoder's weights, less the position table where it is the fixed sinusoid
  std::vector<size_t> s = Decoder::weight_sizes(DecoderDims{d.V, d.ctx, d.L, d.H, d.C});
  if (!d.learned) s.erase(s.begin() + 1);
  return s;
}

TrainStep::TrainStep(const TrainDims& d, const Numerics& n, const std::vector<const float*>& params, const float* positions,
                     const std::vector<bool>& decay, int parts)
    : dims(d), numerics(n) {
  sizes_ = param_sizes(d);
  offsets_.resize(sizes_.size());
  for (size_t i = 0; i < sizes_.size(); i++) {
    offsets_[i] = total_;
    total_ += sizes_[i];
  }
  params_.resize(total_);
  m_.assign(total_, 0.f);
  v_.assign(total_, 0.f);
  for (size_t i = 0; i < sizes_.size(); i++) set_param(i, params[i]);
  decay_.resize(sizes_.size());
  for (size_t i = 0; i < sizes_.size(); i++) decay_[i] = decay[i] ? 1 : 0;
  if (!d.learned) positions_.assign(positions, positions + (size_t)d.ctx * d.C);

  const size_t C = d.C, T = d.T, L = d.L, H = d.H, F = 4 * C, dh = C / H;
  parts = std::max(1, std::min(parts, d.B));
  for (int p = 0; p < parts; p++) {
    auto* part = new Part();
    part->b0 = d.B * p / parts;
    part->nb = d.B * (p + 1) / parts - part->b0;
    const size_t R = (size_t)part->nb * T;
    part->R = (int)R;
    const size_t att = (size_t)part->nb * H * T * T;
    part->resid.resize((L + 1) * R * C);
    for (auto* b : {&part->mid, &part->ln1, &part->ln2, &part->q, &part->k, &part->v, &part->y, &part->attn_mask, &part->mlp_mask})
      b->resize(L * R * C);
    for (auto* b : {&part->ln1_mean, &part->ln1_rstd, &part->ln2_mean, &part->ln2_rstd}) b->resize(L * R);
    for (auto* b : {&part->att, &part->att_mask}) b->resize(L * att);
    for (auto* b : {&part->fc, &part->cdf, &part->act}) b->resize(L * R * F);
    part->emb_mask.resize(R * C);
    part->lnf.resize(R * C);
    part->lnf_mean.resize(R);
    part->lnf_rstd.resize(R);
    part->logits.resize(R * d.V);
    for (auto* b : {&part->d_res, &part->d_tmp, &part->d_ln, &part->d_q, &part->d_k, &part->d_v, &part->d_y}) b->resize(R * C);
    part->d_fc.resize(R * F);
    part->scratch4.resize(R * F);
    part->scratch.resize(std::max(3 * C, (size_t)d.V));
    part->heads.resize(HeadScratch::floats((int)T, (int)dh));
    part->grad.resize(total_);
    parts_.push_back(part);
  }
}

void TrainStep::set_param(size_t i, const float* data) { std::memcpy(params_.data() + offsets_[i], data, sizes_[i] * sizeof(float)); }
void TrainStep::get_param(size_t i, float* out) const { std::memcpy(out, params_.data() + offsets_[i], sizes_[i] * sizeof(float)); }
void TrainStep::set_moments(size_t i, const float* m, const float* v) {
  std::memcpy(m_.data() + offsets_[i], m, sizes_[i] * sizeof(float));
  std::memcpy(v_.data() + offsets_[i], v, sizes_[i] * sizeof(float));
}
void TrainStep::get_moments(size_t i, float* m, float* v) const {
  std::memcpy(m, m_.data() + offsets_[i], sizes_[i] * sizeof(float));
  std::memcpy(v, v_.data() + offsets_[i], sizes_[i] * sizeof(float));
}
void TrainStep::get_grad(size_t i, float* out) const {
  std::memcpy(out, parts_[0]->grad.data() + offsets_[i], sizes_[i] * sizeof(float));
}

TrainStep::~TrainStep() {
  for (auto* p : parts_) delete p;
}

void TrainStep::step(const int32_t* x, const int32_t* y, const uint32_t* seeds, uint32_t threshold, float scale, const AdamWHyper* adam,
                     double* loss, double* norm) {
  const int n = (int)parts_.size();
  if (n == 1) forward_backward(*parts_[0], x, y, seeds, threshold, scale);
  else parallel_for(n, [&](int i) { forward_backward(*parts_[i], x, y, seeds, threshold, scale); });
  double total = 0;
  for (auto* p : parts_) total += p->loss;
  *loss = total / ((double)dims.B * dims.T);
  sum_and_update(adam, norm);
  if (profiling) {
    for (auto* p : parts_) {
      for (int k = 0; k < kPhaseCount; k++) profile_ms[k] += p->ms[k];
      std::fill(p->ms, p->ms + kPhaseCount, 0.0);
    }
    profiled_steps++;
  }
}

void TrainStep::forward_backward(Part& p, const int32_t* x_all, const int32_t* y_all, const uint32_t* seeds, uint32_t threshold,
                                 float keep_scale) {
  const TrainDims& d = dims;
  const int C = d.C, T = d.T, H = d.H, F = 4 * C, dh = C / H, R = p.R, V = d.V;
  const size_t RC = (size_t)R * C, RF = (size_t)R * F, ATT = (size_t)p.nb * H * T * T;
  const int32_t* x = x_all + (size_t)p.b0 * T;
  const int32_t* y = y_all + (size_t)p.b0 * T;
  const bool drop = seeds != nullptr;
  const float qscale = 1.f / std::sqrt((float)dh);
  const size_t firstRow = (size_t)p.b0 * T;  // this part's first position in the whole batch
  float* P = params_.data();
  float* G = p.grad.data();
  auto W = [&](size_t i) { return P + offsets_[i]; };
  auto dW = [&](size_t i) { return G + offsets_[i]; };
  const size_t first = d.learned ? 2 : 1;  // index of layer 0's first parameter
  auto lp = [&](int l, int k) { return first + 16 * (size_t)l + k; };
  const size_t lnf_g = first + 16 * (size_t)d.L, lnf_b = lnf_g + 1;
  const float* pos = d.learned ? W(1) : positions_.data();
  float* scratch = p.scratch.data();
  HeadScratch heads(p.heads.data(), T, dh);

  Clock::time_point mark = profiling ? Clock::now() : Clock::time_point();
  auto tick = [&](Phase ph) {
    if (!profiling) return;
    const auto now = Clock::now();
    p.ms[ph] += std::chrono::duration<double, std::milli>(now - mark).count();
    mark = now;
  };

  // x (R, C) times its dropout mask (kept for the backward pass), drawn for this part's rows of the whole batch
  auto drop_rows = [&](uint32_t seed, float* x, float* mask) {
    mask_from(seed, firstRow * C, threshold, keep_scale, mask, RC);
    multiply(x, mask, x, RC);
    tick(kDropoutMasks);
  };

  std::fill(p.grad.begin(), p.grad.end(), 0.f);

  // ---- forward
  float* x0 = p.resid.data();
  for (int r = 0; r < R; r++) {
    const float* te = W(0) + (size_t)x[r] * C;
    const float* pe = pos + (size_t)(r % T) * C;
    float* o = x0 + (size_t)r * C;
    for (int c = 0; c < C; c++) o[c] = te[c] + pe[c];
  }
  tick(kEmbedding);
  if (drop) drop_rows(seeds[0], x0, p.emb_mask.data());
  for (int l = 0; l < d.L; l++) {
    const float* xin = p.resid.data() + (size_t)l * RC;
    float* ln1 = p.ln1.data() + l * RC;
    float *q = p.q.data() + l * RC, *k = p.k.data() + l * RC, *v = p.v.data() + l * RC, *yatt = p.y.data() + l * RC;
    float* att = p.att.data() + l * ATT;
    float* amask = p.att_mask.data() + l * ATT;
    float* mid = p.mid.data() + l * RC;
    float* ln2 = p.ln2.data() + l * RC;
    float *fc = p.fc.data() + l * RF, *cdf = p.cdf.data() + l * RF, *act = p.act.data() + l * RF;
    float* out = p.resid.data() + (size_t)(l + 1) * RC;
    layer_norm(xin, W(lp(l, 0)), W(lp(l, 1)), ln1, p.ln1_mean.data() + (size_t)l * R, p.ln1_rstd.data() + (size_t)l * R, R, C,
               numerics.ln_eps, scratch);
    tick(kLayerNorm);
    linear(ln1, W(lp(l, 2)), W(lp(l, 3)), q, R, C, C);
    for (size_t i = 0; i < RC; i++) q[i] *= qscale;
    linear(ln1, W(lp(l, 4)), W(lp(l, 5)), k, R, C, C);
    linear(ln1, W(lp(l, 6)), W(lp(l, 7)), v, R, C, C);
    tick(kQkv);
    if (drop) {
      mask_from(seeds[1 + 3 * l], (size_t)p.b0 * H * T * T, threshold, keep_scale, amask, ATT);
      tick(kDropoutMasks);
    }
    for (int b = 0; b < p.nb; b++)
      for (int h = 0; h < H; h++) {
        const size_t at = (size_t)b * T * C + (size_t)h * dh;
        const size_t sq = ((size_t)b * H + h) * T * T;
        attention_head(q + at, k + at, v + at, att + sq, drop ? amask + sq : nullptr, yatt + at, heads, T, C, dh);
      }
    tick(kAttention);
    linear(yatt, W(lp(l, 8)), W(lp(l, 9)), mid, R, C, C);
    tick(kAttnProj);
    if (drop) drop_rows(seeds[2 + 3 * l], mid, p.attn_mask.data() + l * RC);
    for (size_t i = 0; i < RC; i++) mid[i] = xin[i] + mid[i];
    layer_norm(mid, W(lp(l, 10)), W(lp(l, 11)), ln2, p.ln2_mean.data() + (size_t)l * R, p.ln2_rstd.data() + (size_t)l * R, R, C,
               numerics.ln_eps, scratch);
    tick(kLayerNorm);
    linear(ln2, W(lp(l, 12)), W(lp(l, 13)), fc, R, C, F);
    tick(kMlpUp);
    if (numerics.activation == Activation::kGeluTanh) gelu_tanh(fc, cdf, act, RF);
    else gelu(fc, cdf, act, RF);
    tick(kGelu);
    linear(act, W(lp(l, 14)), W(lp(l, 15)), out, R, F, C);
    tick(kMlpDown);
    if (drop) drop_rows(seeds[3 + 3 * l], out, p.mlp_mask.data() + l * RC);
    for (size_t i = 0; i < RC; i++) out[i] = mid[i] + out[i];
  }
  const float* xL = p.resid.data() + (size_t)d.L * RC;
  layer_norm(xL, W(lnf_g), W(lnf_b), p.lnf.data(), p.lnf_mean.data(), p.lnf_rstd.data(), R, C, numerics.ln_eps, scratch);
  tick(kLayerNorm);
  // logits (R, V) = ln_f · wteᵀ, then in place their gradient
  sgemm_serial(p.lnf.data(), W(0), p.logits.data(), R, V, C, false, true, false);
  p.loss = cross_entropy(p.logits.data(), y, R, V, 1.f / (float)((size_t)d.B * T), scratch);
  tick(kOutputForward);

  // ---- backward
  float* dres = p.d_res.data();
  float *dtmp = p.d_tmp.data(), *dln = p.d_ln.data();
  // d ln_f (R, C) = dlogits · wte; d wte += dlogitsᵀ · ln_f
  sgemm_serial(p.logits.data(), W(0), dln, R, C, V, false, false, false);
  sgemm_serial(p.logits.data(), p.lnf.data(), dW(0), V, C, R, true, false, true);
  tick(kOutputBackward);
  std::fill(dres, dres + RC, 0.f);
  layer_norm_backward(xL, W(lnf_g), p.lnf_mean.data(), p.lnf_rstd.data(), dln, dres, dW(lnf_g), dW(lnf_b), R, C, scratch);
  tick(kLayerNormBackward);
  for (int l = d.L - 1; l >= 0; l--) {
    const float* xin = p.resid.data() + (size_t)l * RC;
    const float* ln1 = p.ln1.data() + l * RC;
    const float *q = p.q.data() + l * RC, *k = p.k.data() + l * RC, *v = p.v.data() + l * RC, *yatt = p.y.data() + l * RC;
    const float* att = p.att.data() + l * ATT;
    const float* amask = p.att_mask.data() + l * ATT;
    const float* mid = p.mid.data() + l * RC;
    const float* ln2 = p.ln2.data() + l * RC;
    const float *fc = p.fc.data() + l * RF, *cdf = p.cdf.data() + l * RF, *act = p.act.data() + l * RF;
    // MLP: out = mid + drop(act · Wfp + bfp)
    const float* dmlp = dres;
    if (drop) {
      multiply(dres, p.mlp_mask.data() + l * RC, dtmp, RC);
      dmlp = dtmp;
    }
    sum_rows_into(dmlp, dW(lp(l, 15)), R, C);
    sgemm_serial(act, dmlp, dW(lp(l, 14)), F, C, R, true, false, true);
    float* dfc = p.d_fc.data();
    sgemm_serial(dmlp, W(lp(l, 14)), dfc, R, F, C, false, true, false);
    tick(kMlpDownBackward);
    if (numerics.activation == Activation::kGeluTanh) gelu_tanh_backward(fc, cdf, dfc, RF);
    else gelu_backward(fc, cdf, dfc, p.scratch4.data(), RF);
    tick(kGeluBackward);
    sum_rows_into(dfc, dW(lp(l, 13)), R, F);
    sgemm_serial(ln2, dfc, dW(lp(l, 12)), C, F, R, true, false, true);
    sgemm_serial(dfc, W(lp(l, 12)), dln, R, C, F, false, true, false);
    tick(kMlpUpBackward);
    layer_norm_backward(mid, W(lp(l, 10)), p.ln2_mean.data() + (size_t)l * R, p.ln2_rstd.data() + (size_t)l * R, dln, dres,
                        dW(lp(l, 10)), dW(lp(l, 11)), R, C, scratch);
    tick(kLayerNormBackward);
    // attention: mid = xin + drop(y · Wp + bp)
    const float* dproj = dres;
    if (drop) {
      multiply(dres, p.attn_mask.data() + l * RC, dtmp, RC);
      dproj = dtmp;
    }
    sum_rows_into(dproj, dW(lp(l, 9)), R, C);
    sgemm_serial(yatt, dproj, dW(lp(l, 8)), C, C, R, true, false, true);
    float* dy = p.d_y.data();
    sgemm_serial(dproj, W(lp(l, 8)), dy, R, C, C, false, true, false);
    tick(kAttnProjBackward);
    float *dq = p.d_q.data(), *dk = p.d_k.data(), *dv = p.d_v.data();
    for (int b = 0; b < p.nb; b++)
      for (int h = 0; h < H; h++) {
        const size_t at = (size_t)b * T * C + (size_t)h * dh;
        const size_t sq = ((size_t)b * H + h) * T * T;
        attention_head_backward(q + at, k + at, v + at, att + sq, drop ? amask + sq : nullptr, dy + at, dq + at, dk + at, dv + at, heads,
                                T, C, dh, qscale);
      }
    tick(kAttentionBackward);
    sum_rows_into(dq, dW(lp(l, 3)), R, C);
    sum_rows_into(dk, dW(lp(l, 5)), R, C);
    sum_rows_into(dv, dW(lp(l, 7)), R, C);
    sgemm_serial(ln1, dq, dW(lp(l, 2)), C, C, R, true, false, true);
    sgemm_serial(ln1, dk, dW(lp(l, 4)), C, C, R, true, false, true);
    sgemm_serial(ln1, dv, dW(lp(l, 6)), C, C, R, true, false, true);
    sgemm_serial(dq, W(lp(l, 2)), dln, R, C, C, false, true, false);
    sgemm_serial(dk, W(lp(l, 4)), dln, R, C, C, false, true, true);
    sgemm_serial(dv, W(lp(l, 6)), dln, R, C, C, false, true, true);
    tick(kQkvBackward);
    layer_norm_backward(xin, W(lp(l, 0)), p.ln1_mean.data() + (size_t)l * R, p.ln1_rstd.data() + (size_t)l * R, dln, dres,
                        dW(lp(l, 0)), dW(lp(l, 1)), R, C, scratch);
    tick(kLayerNormBackward);
  }
  // embeddings: x0 = drop(wte[x] + pos)
  const float* demb = dres;
  if (drop) {
    multiply(dres, p.emb_mask.data(), dtmp, RC);
    demb = dtmp;
  }
  for (int r = 0; r < R; r++) {
    const float* g = demb + (size_t)r * C;
    float* te = dW(0) + (size_t)x[r] * C;
    for (int c = 0; c < C; c++) te[c] += g[c];
    if (d.learned) {
      float* pe = dW(1) + (size_t)(r % T) * C;
      for (int c = 0; c < C; c++) pe[c] += g[c];
    }
  }
  tick(kEmbeddingBackward);
}

void TrainStep::sum_and_update(const AdamWHyper* adam, double* norm) {
  const int n = (int)parts_.size();
  // chunks of the flat parameter vector, one per thread: sum the parts' gradients into part 0's, and Σ g²
  const int chunks = n;
  std::vector<double> squares(chunks, 0.0);
  const auto t0 = profiling ? Clock::now() : Clock::time_point();
  auto range = [&](int c, size_t* lo, size_t* hi) {
    *lo = total_ * c / chunks;
    *hi = total_ * (c + 1) / chunks;
  };
  auto reduce = [&](int c) {
    size_t lo, hi;
    range(c, &lo, &hi);
    float* g0 = parts_[0]->grad.data();
    for (int p = 1; p < n; p++) {
      const float* gp = parts_[p]->grad.data();
      for (size_t j = lo; j < hi; j++) g0[j] += gp[j];
    }
    squares[c] = sum_squares(g0 + lo, (int64_t)(hi - lo));
  };
  if (chunks == 1) reduce(0);
  else parallel_for(chunks, reduce);
  double sum = 0;
  for (double s : squares) sum += s;
  *norm = std::sqrt(sum);
  const auto t1 = profiling ? Clock::now() : Clock::time_point();
  if (profiling) profile_ms[kGradientSum] += std::chrono::duration<double, std::milli>(t1 - t0).count();
  if (!adam) return;
  const double scale = adam->grad_clip > 0 ? std::min(1.0, adam->grad_clip / (*norm + 1e-6)) : 1.0;
  const double step_size = adam->lr / (1 - std::pow(adam->beta1, (double)adam->t));
  const double inv_sqrt_bc2 = 1 / std::sqrt(1 - std::pow(adam->beta2, (double)adam->t));
  auto update = [&](int c) {
    size_t lo, hi;
    range(c, &lo, &hi);
    const float* g = parts_[0]->grad.data();
    for (size_t i = 0; i < sizes_.size(); i++) {
      const size_t a = std::max(lo, offsets_[i]), b = std::min(hi, offsets_[i] + sizes_[i]);
      if (a >= b) continue;
      const double keep = decay_[i] ? 1 - adam->lr * adam->weight_decay : 1;
      adamw(params_.data() + a, g + a, m_.data() + a, v_.data() + a, params_.data() + a, (int64_t)(b - a), scale, adam->beta1,
            adam->beta2, step_size, inv_sqrt_bc2, adam->eps, keep);
    }
  };
  if (chunks == 1) update(0);
  else parallel_for(chunks, update);
  if (profiling) profile_ms[kAdamW] += std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
}

}  // namespace lmx
