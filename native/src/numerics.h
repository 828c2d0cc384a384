#pragma once
// The numerics a model can differ in (src/engine/model.ts: GPTConfig.activation and layerNormEpsilon): LM
// Explorer's own models use the exact GELU and ε 1e-5, an imported GPT-2 usually the tanh GELU (transformers'
// gelu_new) and its own ε. The fused decoder and the fused training step take them as parameters, so that they
// compute every model the engine can hold rather than a default of their own.

#include <cmath>

namespace lmx {

// The MLP's GELU. The values are the addon's interface (src/engine/backends/native.ts: ADDON_ACTIVATIONS).
enum class Activation : int {
  kGeluErf = 0,   // x·Φ(x), Φ from erf: kernels/ops.ts gelu
  kGeluTanh = 1,  // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): kernels/ops.ts geluTanh
};

struct Numerics {
  Activation activation = Activation::kGeluErf;
  float ln_eps = 1e-5f;
};

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kGeluTanhCubic = 0.044715f;

// tanh's argument in geluTanh, in the op order of kernels/ops.ts: (x + x³ · 0.044715) · √(2/π), x³ in double
// rounded once (the cpu backend's Pow: Math.pow into a Float32Array)
inline float gelu_tanh_inner(float x) {
  const float cube = (float)((double)x * x * x);
  return (x + cube * kGeluTanhCubic) * kSqrt2OverPi;
}

// tanh in double, rounded once: what the tfjs cpu backend's Tanh (Math.tanh into a Float32Array) gives
inline float tanh_rounded(float x) { return (float)std::tanh((double)x); }

}  // namespace lmx
