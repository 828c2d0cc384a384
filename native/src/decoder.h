#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "numerics.h"

namespace lmx {

struct DecoderDims {
  int V, ctx, L, H, C;
};

// A copy of one model's weights plus its key/value cache (per layer (ctx, C), heads side by side).
class Decoder {
 public:
  // weights in this order: wte (V, C), the position table (ctx, C: wpe or the sinusoid), then per layer
  // ln_1 g/b, c_q W/b, c_k W/b, c_v W/b, attn c_proj W/b, ln_2 g/b, c_fc W/b, mlp c_proj W/b, then ln_f g/b;
  // W (in, out) as in model.ts. Sizes checked by the caller against weight_sizes(). numerics: the model's GELU
  // and LayerNorm ε.
  Decoder(const DecoderDims& dims, const Numerics& numerics, const std::vector<const float*>& weights);
  static size_t weight_count(const DecoderDims& dims);
  static std::vector<size_t> weight_sizes(const DecoderDims& dims);
  // Runs ids (T ≥ 1) at positions length … length+T-1 (the caller checks length + T ≤ ctx), appends their
  // keys and values, and writes the last position's logits (V).
  void run(const int32_t* ids, int T, float* logits);

  DecoderDims dims;
  Numerics numerics;
  int length = 0;

 private:
  struct Layer {
    std::vector<float> ln1_g, ln1_b, q_w, q_b, k_w, k_b, v_w, v_b, proj_w, proj_b, ln2_g, ln2_b, fc_w, fc_b, fp_w, fp_b;
    std::vector<float> k, v;  // (ctx, C)
  };
  std::vector<float> wte, pos, lnf_g, lnf_b;
  std::vector<Layer> layers;
  std::vector<float> x, a, q, y, hidden, scores;  // scratch
};

}  // namespace lmx
