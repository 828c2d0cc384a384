// Fused GPT decoding for generation: the whole forward of a few new positions of one sequence in one call,
// with the key/value cache kept here. Same model as src/engine/model.ts: pre-LayerNorm blocks (the model's ε),
// causal multi-head attention with biases, a GELU MLP 4x wide (exact erf GELU, or the tanh GELU of GPT-2:
// numerics.h), ln_f, output tied to wte.
// The linear layers use the addon's SGEMM (a vectorised gemv for one row); the rest is plain loops:
// for the small presets attention and the norms are a few percent of the work.
//
// Shapes: C channels, H heads, dh = C / H, T new positions, V vocabulary, ctx context length.
#include "decoder.h"

#include <cmath>
#include <cstring>

#include "sgemm.h"

namespace lmx {

namespace {

// y (T, N) = x (T, K) · W (K, N) + b (N)
void linear(const float* x, const float* W, const float* b, float* y, int T, int K, int N) {
  sgemm_batched(x, W, y, 1, T, N, K, false, false, 0, 0);
  for (int t = 0; t < T; t++) {
    float* row = y + (size_t)t * N;
    for (int j = 0; j < N; j++) row[j] += b[j];
  }
}

// y (T, C) = LayerNorm(x (T, C)) · g + b, biased variance like model.ts
void layer_norm(const float* x, const float* g, const float* b, float* y, int T, int C, float eps) {
  for (int t = 0; t < T; t++) {
    const float* xr = x + (size_t)t * C;
    float* yr = y + (size_t)t * C;
    float mean = 0.f;
    for (int c = 0; c < C; c++) mean += xr[c];
    mean /= (float)C;
    float var = 0.f;
    for (int c = 0; c < C; c++) {
      const float d = xr[c] - mean;
      var += d * d;
    }
    var /= (float)C;
    const float rstd = 1.f / std::sqrt(var + eps);
    for (int c = 0; c < C; c++) yr[c] = (xr[c] - mean) * rstd * g[c] + b[c];
  }
}

// x (n) in place → GELU(x)
void gelu(float* x, size_t n, Activation activation) {
  if (activation == Activation::kGeluTanh) {
    for (size_t i = 0; i < n; i++) {
      const float v = x[i];
      x[i] = (v * 0.5f) * (tanh_rounded(gelu_tanh_inner(v)) + 1.f);
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      const float v = x[i];
      x[i] = v * ((std::erf(v * kInvSqrt2) + 1.f) * 0.5f);
    }
  }
}

}  // namespace

Decoder::Decoder(const DecoderDims& d, const Numerics& n, const std::vector<const float*>& weights) : dims(d), numerics(n) {
  const size_t C = d.C, V = d.V, ctx = d.ctx;
  auto copy = [](const float* src, size_t n) { return std::vector<float>(src, src + n); };
  size_t w = 0;
  wte = copy(weights[w++], V * C);
  pos = copy(weights[w++], ctx * C);
  layers.resize(d.L);
  for (auto& l : layers) {
    l.ln1_g = copy(weights[w++], C);
    l.ln1_b = copy(weights[w++], C);
    l.q_w = copy(weights[w++], C * C);
    l.q_b = copy(weights[w++], C);
    l.k_w = copy(weights[w++], C * C);
    l.k_b = copy(weights[w++], C);
    l.v_w = copy(weights[w++], C * C);
    l.v_b = copy(weights[w++], C);
    l.proj_w = copy(weights[w++], C * C);
    l.proj_b = copy(weights[w++], C);
    l.ln2_g = copy(weights[w++], C);
    l.ln2_b = copy(weights[w++], C);
    l.fc_w = copy(weights[w++], C * 4 * C);
    l.fc_b = copy(weights[w++], 4 * C);
    l.fp_w = copy(weights[w++], 4 * C * C);
    l.fp_b = copy(weights[w++], C);
    l.k.assign(ctx * C, 0.f);
    l.v.assign(ctx * C, 0.f);
  }
  lnf_g = copy(weights[w++], C);
  lnf_b = copy(weights[w++], C);
}

size_t Decoder::weight_count(const DecoderDims& d) { return 2 + 16 * (size_t)d.L + 2; }

std::vector<size_t> Decoder::weight_sizes(const DecoderDims& d) {
  const size_t C = d.C;
  std::vector<size_t> s = {(size_t)d.V * C, (size_t)d.ctx * C};
  for (int i = 0; i < d.L; i++) {
    const size_t layer[16] = {C, C, C * C, C, C * C, C, C * C, C, C * C, C, C, C, C * 4 * C, 4 * C, 4 * C * C, C};
    s.insert(s.end(), layer, layer + 16);
  }
  s.push_back(C);
  s.push_back(C);
  return s;
}

void Decoder::run(const int32_t* ids, int T, float* logits) {
  const int C = dims.C, H = dims.H, dh = C / H, past = length, F = 4 * C;
  x.resize((size_t)T * C);
  a.resize((size_t)T * C);
  q.resize((size_t)T * C);
  y.resize((size_t)T * C);
  hidden.resize((size_t)T * F);
  scores.resize((size_t)past + T);
  // x (T, C) = wte[id] + pos[past + t]
  for (int t = 0; t < T; t++)
    for (int c = 0; c < C; c++) x[(size_t)t * C + c] = wte[(size_t)ids[t] * C + c] + pos[(size_t)(past + t) * C + c];
  const float scale = 1.f / std::sqrt((float)dh);
  for (auto& l : layers) {
    // attention: q (T, C); the new keys and values go straight into the cache rows past … past+T-1
    layer_norm(x.data(), l.ln1_g.data(), l.ln1_b.data(), a.data(), T, C, numerics.ln_eps);
    linear(a.data(), l.q_w.data(), l.q_b.data(), q.data(), T, C, C);
    linear(a.data(), l.k_w.data(), l.k_b.data(), l.k.data() + (size_t)past * C, T, C, C);
    linear(a.data(), l.v_w.data(), l.v_b.data(), l.v.data() + (size_t)past * C, T, C, C);
    for (int t = 0; t < T; t++) {
      const int n = past + t + 1;  // keys 0 … past+t are visible to this query
      for (int h = 0; h < H; h++) {
        const float* qh = q.data() + (size_t)t * C + h * dh;
        float max = -INFINITY;
        for (int j = 0; j < n; j++) {
          const float* kj = l.k.data() + (size_t)j * C + h * dh;
          float s = 0.f;
          for (int d = 0; d < dh; d++) s += qh[d] * kj[d];
          scores[j] = s * scale;
          if (scores[j] > max) max = scores[j];
        }
        float total = 0.f;
        for (int j = 0; j < n; j++) total += (scores[j] = std::exp(scores[j] - max));
        const float inv = 1.f / total;
        float* yh = y.data() + (size_t)t * C + h * dh;  // heads side by side: (T, H*dh) = (T, C)
        for (int d = 0; d < dh; d++) yh[d] = 0.f;
        for (int j = 0; j < n; j++) {
          const float p = scores[j] * inv;
          const float* vj = l.v.data() + (size_t)j * C + h * dh;
          for (int d = 0; d < dh; d++) yh[d] += p * vj[d];
        }
      }
    }
    linear(y.data(), l.proj_w.data(), l.proj_b.data(), a.data(), T, C, C);
    for (size_t i = 0; i < (size_t)T * C; i++) x[i] += a[i];
    // MLP: (T, C) → (T, 4C) → GELU → (T, C)
    layer_norm(x.data(), l.ln2_g.data(), l.ln2_b.data(), a.data(), T, C, numerics.ln_eps);
    linear(a.data(), l.fc_w.data(), l.fc_b.data(), hidden.data(), T, C, F);
    gelu(hidden.data(), (size_t)T * F, numerics.activation);
    linear(hidden.data(), l.fp_w.data(), l.fp_b.data(), a.data(), T, F, C);
    for (size_t i = 0; i < (size_t)T * C; i++) x[i] += a[i];
  }
  length += T;
  // only the last position's logits: ln_f(x[T-1]) (1, C) · wteᵀ (C, V)
  layer_norm(x.data() + (size_t)(T - 1) * C, lnf_g.data(), lnf_b.data(), a.data(), 1, C, numerics.ln_eps);
  sgemm_batched(a.data(), wte.data(), logits, 1, 1, dims.V, C, false, true, 0, 0);
}

}  // namespace lmx
