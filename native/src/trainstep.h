#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "numerics.h"

namespace lmx {

// The model of src/engine/model.ts and the training batch: V vocabulary, ctx context length, L layers, H heads,
// C channels; B rows of T tokens a step; learned: a trained position table (wpe) rather than the fixed sinusoid.
struct TrainDims {
  int V, ctx, L, H, C, B, T;
  bool learned;
};

// AdamW of the trainer (src/engine/trainer.ts, HostAdamW): t is Adam's step count, from 1.
struct AdamWHyper {
  double lr, beta1, beta2, eps, weight_decay, grad_clip;
  int64_t t;
};

// Where a step's time goes (per-phase timers, on when LMX_PROFILE is set at creation).
enum Phase : int {
  kEmbedding,
  kLayerNorm,
  kQkv,
  kAttention,
  kAttnProj,
  kMlpUp,
  kGelu,
  kMlpDown,
  kOutputForward,
  kOutputBackward,
  kLayerNormBackward,
  kMlpDownBackward,
  kGeluBackward,
  kMlpUpBackward,
  kAttnProjBackward,
  kAttentionBackward,
  kQkvBackward,
  kEmbeddingBackward,
  kDropoutMasks,
  kGradientSum,
  kAdamW,
  kPhaseCount
};
extern const char* const PHASE_NAMES[kPhaseCount];

// One training step of the whole model in one call: forward, backward and AdamW over buffers allocated once,
// the batch split by rows over the addon's thread pool (each part with its own activations and gradients, summed
// at the end). Parameters, in GPT.parameterShapes() order: wte, [wpe], per layer ln_1 g/b, c_q W/b, c_k W/b,
// c_v W/b, attn c_proj W/b, ln_2 g/b, c_fc W/b, mlp c_proj W/b; then ln_f g/b. W is (in, out).
class TrainStep {
 public:
  // positions: the (ctx, C) sinusoid when !learned (copied), else unused. decay: per parameter, AdamW's weight decay.
  // numerics: the model's GELU and LayerNorm ε.
  TrainStep(const TrainDims& dims, const Numerics& numerics, const std::vector<const float*>& params, const float* positions,
            const std::vector<bool>& decay, int parts);
  static std::vector<size_t> param_sizes(const TrainDims& dims);

  // x, y: (B, T) token ids (checked by the caller). seeds: the 1 + 3L dropout seeds, in model.ts's order
  // (embeddings; per layer attention probabilities, attention output, MLP output), or null without dropout;
  // threshold and scale as kernels/ops.ts's dropout (keepThreshold(rate), 1 / (1 − rate)).
  // adam null: loss and gradients only (get_grad() reads them); else AdamW updates the parameters.
  // loss: the mean cross-entropy; norm: the gradient's global norm before clipping.
  void step(const int32_t* x, const int32_t* y, const uint32_t* seeds, uint32_t threshold, float scale, const AdamWHyper* adam,
            double* loss, double* norm);
  ~TrainStep();
  TrainStep(const TrainStep&) = delete;
  TrainStep& operator=(const TrainStep&) = delete;

  size_t count() const { return sizes_.size(); }
  size_t size(size_t i) const { return sizes_[i]; }
  void set_param(size_t i, const float* data);
  void get_param(size_t i, float* out) const;
  void set_moments(size_t i, const float* m, const float* v);
  void get_moments(size_t i, float* m, float* v) const;
  // The last step's gradient (summed over the parts, before clipping).
  void get_grad(size_t i, float* out) const;

  bool profiling = false;
  // milliseconds per phase, summed over the parts (CPU time of the threads), and the steps they cover
  double profile_ms[kPhaseCount] = {};
  int64_t profiled_steps = 0;

  const TrainDims dims;
  const Numerics numerics;

 private:
  struct Part;
  void forward_backward(Part& p, const int32_t* x, const int32_t* y, const uint32_t* seeds, uint32_t threshold, float scale);
  void sum_and_update(const AdamWHyper* adam, double* norm);

  std::vector<size_t> sizes_, offsets_;
  size_t total_ = 0;
  std::vector<float> params_, m_, v_, positions_;
  std::vector<uint8_t> decay_;
  std::vector<Part*> parts_;
};

}  // namespace lmx
