// N-API entry points of the LM Explorer native kernels. Every function works in place on Float32Arrays
// owned by JavaScript (the tfjs cpu backend's tensor storage); nothing is allocated on the JS heap here.
#include <node_api.h>

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "decoder.h"
#include "elementwise.h"
#include "sgemm.h"
#include "trainstep.h"
#include <vector>

namespace {

struct Floats {
  float* data = nullptr;
  size_t length = 0;
};

bool throw_error(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return false;
}

bool get_floats(napi_env env, napi_value value, Floats* out, const char* name) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) return throw_error(env, std::string(name) + " must be a Float32Array");
  napi_typedarray_type type;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, value, &type, &out->length, &data, &buffer, &offset) != napi_ok || type != napi_float32_array)
    return throw_error(env, std::string(name) + " must be a Float32Array");
  out->data = static_cast<float*>(data);
  return true;
}

bool get_int(napi_env env, napi_value value, int64_t* out, const char* name) {
  if (napi_get_value_int64(env, value, out) != napi_ok) return throw_error(env, std::string(name) + " must be a number");
  return true;
}

bool get_bool(napi_env env, napi_value value, bool* out) {
  napi_valuetype t;
  napi_typeof(env, value, &t);
  if (t == napi_boolean) return napi_get_value_bool(env, value, out) == napi_ok;
  int64_t v = 0;
  napi_get_value_int64(env, value, &v);
  *out = v != 0;
  return true;
}

// matmul(a, b, out, batch, M, N, K, transposeA, transposeB, strideA, strideB)
napi_value MatMul(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 11) {
    throw_error(env, "matmul: 11 arguments expected");
    return nullptr;
  }
  Floats a, b, c;
  int64_t batch, M, N, K, sa, sb;
  bool tA, tB;
  if (!get_floats(env, argv[0], &a, "a") || !get_floats(env, argv[1], &b, "b") || !get_floats(env, argv[2], &c, "out") ||
      !get_int(env, argv[3], &batch, "batch") || !get_int(env, argv[4], &M, "M") || !get_int(env, argv[5], &N, "N") ||
      !get_int(env, argv[6], &K, "K") || !get_bool(env, argv[7], &tA) || !get_bool(env, argv[8], &tB) ||
      !get_int(env, argv[9], &sa, "strideA") || !get_int(env, argv[10], &sb, "strideB"))
    return nullptr;
  if (batch < 0 || M < 0 || N < 0 || K < 0 || sa < 0 || sb < 0) {
    throw_error(env, "matmul: negative size");
    return nullptr;
  }
  const size_t needA = batch == 0 ? 0 : (size_t)sa * (batch - 1) + (size_t)M * K;
  const size_t needB = batch == 0 ? 0 : (size_t)sb * (batch - 1) + (size_t)K * N;
  if (a.length < needA || b.length < needB || c.length < (size_t)batch * M * N) {
    throw_error(env, "matmul: an array is shorter than its shape");
    return nullptr;
  }
  if (batch > 0 && M > 0 && N > 0)
    lmx::sgemm_batched(a.data, b.data, c.data, (int)batch, (int)M, (int)N, (int)K, tA, tB, (size_t)sa, (size_t)sb);
  return nullptr;
}

bool get_int_array(napi_env env, napi_value value, std::vector<int64_t>* out, const char* name) {
  bool is_array = false;
  napi_is_array(env, value, &is_array);
  if (!is_array) return throw_error(env, std::string(name) + " must be an array");
  uint32_t n = 0;
  napi_get_array_length(env, value, &n);
  out->resize(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, value, i, &e);
    if (!get_int(env, e, &(*out)[i], name)) return false;
  }
  return true;
}

template <size_t N>
bool args(napi_env env, napi_callback_info info, napi_value (&argv)[N], const char* fn) {
  size_t argc = N;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < N) return throw_error(env, std::string(fn) + ": " + std::to_string(N) + " arguments expected");
  return true;
}

size_t count(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (auto d : shape) n *= (size_t)d;
  return n;
}

// binary(op, a, b, out, shape, stridesA, stridesB): op 0 add, 1 sub, 2 mul, 3 div
napi_value Binary(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!args(env, info, argv, "binary")) return nullptr;
  int64_t op;
  Floats a, b, o;
  std::vector<int64_t> shape, sa, sb;
  if (!get_int(env, argv[0], &op, "op") || !get_floats(env, argv[1], &a, "a") || !get_floats(env, argv[2], &b, "b") ||
      !get_floats(env, argv[3], &o, "out") || !get_int_array(env, argv[4], &shape, "shape") ||
      !get_int_array(env, argv[5], &sa, "stridesA") || !get_int_array(env, argv[6], &sb, "stridesB"))
    return nullptr;
  if (sa.size() != shape.size() || sb.size() != shape.size()) {
    throw_error(env, "binary: strides must have the shape's rank");
    return nullptr;
  }
  const size_t n = count(shape);
  size_t lastA = 0, lastB = 0;
  for (size_t d = 0; d < shape.size(); d++) {
    if (shape[d] > 0) {
      lastA += (size_t)sa[d] * (shape[d] - 1);
      lastB += (size_t)sb[d] * (shape[d] - 1);
    }
  }
  if (o.length < n || (n > 0 && (a.length <= lastA || b.length <= lastB))) {
    throw_error(env, "binary: an array is shorter than its shape");
    return nullptr;
  }
  if (n > 0) lmx::binary((int)op, a.data, b.data, o.data, (int)shape.size(), shape.data(), sa.data(), sb.data());
  return nullptr;
}

// transpose(x, out, shape, perm)
napi_value Transpose(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, argv, "transpose")) return nullptr;
  Floats x, o;
  std::vector<int64_t> shape, perm64;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &o, "out") ||
      !get_int_array(env, argv[2], &shape, "shape") || !get_int_array(env, argv[3], &perm64, "perm"))
    return nullptr;
  const size_t n = count(shape);
  std::vector<int> perm(perm64.begin(), perm64.end());
  std::vector<bool> seen(shape.size(), false);
  bool ok = perm.size() == shape.size();
  for (int p : perm) {
    if (p < 0 || p >= (int)shape.size() || seen[p]) ok = false;
    else seen[p] = true;
  }
  if (!ok || x.length < n || o.length < n) {
    throw_error(env, "transpose: bad shape, permutation or array length");
    return nullptr;
  }
  lmx::transpose(x.data, o.data, (int)shape.size(), shape.data(), perm.data());
  return nullptr;
}

// softmax(x, out, rows, cols)
napi_value Softmax(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, argv, "softmax")) return nullptr;
  Floats x, o;
  int64_t rows, cols;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &o, "out") || !get_int(env, argv[2], &rows, "rows") ||
      !get_int(env, argv[3], &cols, "cols"))
    return nullptr;
  if (rows < 0 || cols < 0 || x.length < (size_t)(rows * cols) || o.length < (size_t)(rows * cols)) {
    throw_error(env, "softmax: an array is shorter than its shape");
    return nullptr;
  }
  lmx::softmax(x.data, o.data, rows, cols);
  return nullptr;
}

// reduce(op, x, out, outer, inner): op 0 sum, 1 mean, 2 max, 3 min over the trailing inner elements
napi_value Reduce(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!args(env, info, argv, "reduce")) return nullptr;
  int64_t op, outer, inner;
  Floats x, o;
  if (!get_int(env, argv[0], &op, "op") || !get_floats(env, argv[1], &x, "x") || !get_floats(env, argv[2], &o, "out") ||
      !get_int(env, argv[3], &outer, "outer") || !get_int(env, argv[4], &inner, "inner"))
    return nullptr;
  if (outer < 0 || inner < 1 || op < 0 || op > 3 || x.length < (size_t)(outer * inner) || o.length < (size_t)outer) {
    throw_error(env, "reduce: bad sizes");
    return nullptr;
  }
  lmx::reduce((int)op, x.data, o.data, outer, inner);
  return nullptr;
}

// sumSquares(g) → Σ g² (double)
napi_value SumSquares(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, argv, "sumSquares")) return nullptr;
  Floats g;
  if (!get_floats(env, argv[0], &g, "g")) return nullptr;
  napi_value result;
  napi_create_double(env, lmx::sum_squares(g.data, (int64_t)g.length), &result);
  return result;
}

bool get_double(napi_env env, napi_value value, double* out, const char* name) {
  if (napi_get_value_double(env, value, out) != napi_ok) return throw_error(env, std::string(name) + " must be a number");
  return true;
}

// adamw(p, g, m, v, out, scale, beta1, beta2, stepSize, invSqrtBc2, eps, keep)
napi_value AdamW(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (!args(env, info, argv, "adamw")) return nullptr;
  Floats p, g, m, v, o;
  double h[7];
  static const char* names[7] = {"scale", "beta1", "beta2", "stepSize", "invSqrtBc2", "eps", "keep"};
  if (!get_floats(env, argv[0], &p, "p") || !get_floats(env, argv[1], &g, "g") || !get_floats(env, argv[2], &m, "m") ||
      !get_floats(env, argv[3], &v, "v") || !get_floats(env, argv[4], &o, "out"))
    return nullptr;
  for (int i = 0; i < 7; i++)
    if (!get_double(env, argv[5 + i], &h[i], names[i])) return nullptr;
  const size_t n = p.length;
  if (g.length != n || m.length != n || v.length != n || o.length != n) {
    throw_error(env, "adamw: the arrays must have one length");
    return nullptr;
  }
  lmx::adamw(p.data, g.data, m.data, v.data, o.data, (int64_t)n, h[0], h[1], h[2], h[3], h[4], h[5], h[6]);
  return nullptr;
}

// fillMask(out, state, threshold, scale): the dropout mask of Rng.fillMask from mulberry32 state `state`
napi_value FillMask(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, argv, "fillMask")) return nullptr;
  Floats o;
  int64_t state = 0, threshold = 0;
  double scale = 0;
  if (!get_floats(env, argv[0], &o, "out") || !get_int(env, argv[1], &state, "state") || !get_int(env, argv[2], &threshold, "threshold") ||
      !get_double(env, argv[3], &scale, "scale"))
    return nullptr;
  if (state < 0 || state > 0xffffffffLL || threshold < 0 || threshold > 0xffffffffLL) {
    throw_error(env, "fillMask: state and threshold must be 32-bit unsigned integers");
    return nullptr;
  }
  lmx::dropout_mask((uint32_t)state, (uint32_t)threshold, (float)scale, o.data, (int64_t)o.length);
  return nullptr;
}

// sumLeading(x, out, outer, inner, mean): out[j] = Σ_i x[i*inner + j] (a sum over leading axes)
napi_value SumLeading(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!args(env, info, argv, "sumLeading")) return nullptr;
  int64_t outer, inner;
  Floats x, o;
  bool mean = false;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &o, "out") || !get_int(env, argv[2], &outer, "outer") ||
      !get_int(env, argv[3], &inner, "inner") || !get_bool(env, argv[4], &mean))
    return nullptr;
  if (outer < 1 || inner < 0 || x.length < (size_t)(outer * inner) || o.length < (size_t)inner) {
    throw_error(env, "sumLeading: bad sizes");
    return nullptr;
  }
  lmx::sum_leading(x.data, o.data, outer, inner, mean);
  return nullptr;
}

// unary(op, x, out): op 0 exp, 1 erf, 2 square, 3 rsqrt, 4 log, 5 sqrt
napi_value Unary(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, argv, "unary")) return nullptr;
  int64_t op;
  Floats x, o;
  if (!get_int(env, argv[0], &op, "op") || !get_floats(env, argv[1], &x, "x") || !get_floats(env, argv[2], &o, "out")) return nullptr;
  if (op < 0 || op > 5 || o.length < x.length) {
    throw_error(env, "unary: bad op or array length");
    return nullptr;
  }
  lmx::unary((int)op, x.data, o.data, (int64_t)x.length);
  return nullptr;
}

// setThreads(n) → the number now used
napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t n = 1;
  if (argc >= 1 && !get_int(env, argv[0], &n, "threads")) return nullptr;
  lmx::set_threads((int)std::max<int64_t>(1, std::min<int64_t>(n, 64)));
  napi_value result;
  napi_create_int32(env, lmx::threads(), &result);
  return result;
}

// forceGeneric(bool): tests compare the portable micro-kernel with the AVX2 one
napi_value ForceGeneric(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool on = false;
  if (argc >= 1) get_bool(env, argv[0], &on);
  lmx::force_generic(on);
  return nullptr;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_get_boolean(env, lmx::has_avx2(), &v);
  napi_set_named_property(env, obj, "avx2", v);
  napi_create_int32(env, lmx::threads(), &v);
  napi_set_named_property(env, obj, "threads", v);
  // 2: decoderCreate and trainStepCreate take the model's activation and LayerNorm ε (numerics.h)
  napi_create_int32(env, 2, &v);
  napi_set_named_property(env, obj, "version", v);
  return obj;
}

// The model's numerics from two arguments: activation (numerics.h's Activation values) and the LayerNorm ε.
bool get_numerics(napi_env env, napi_value activation, napi_value eps, lmx::Numerics* out, const char* fn) {
  int64_t a = 0;
  double e = 0;
  if (!get_int(env, activation, &a, "activation") || !get_double(env, eps, &e, "layerNormEpsilon")) return false;
  if (a != (int64_t)lmx::Activation::kGeluErf && a != (int64_t)lmx::Activation::kGeluTanh)
    return throw_error(env, std::string(fn) + ": activation must be 0 (exact GELU) or 1 (tanh GELU)");
  if (!(e > 0 && e < 1)) return throw_error(env, std::string(fn) + ": layerNormEpsilon must be in (0, 1)");
  *out = lmx::Numerics{(lmx::Activation)a, (float)e};
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Fused decoding (decoder.cc): a Decoder lives in an external; decoderFree releases it early.

struct DecoderBox {
  lmx::Decoder* decoder = nullptr;
};

void finalize_decoder(napi_env, void* data, void*) {
  auto* box = static_cast<DecoderBox*>(data);
  delete box->decoder;
  delete box;
}

lmx::Decoder* get_decoder(napi_env env, napi_value value) {
  void* data = nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok || !data) {
    throw_error(env, "decoder: not a decoder handle");
    return nullptr;
  }
  auto* box = static_cast<DecoderBox*>(data);
  if (!box->decoder) throw_error(env, "decoder: already freed");
  return box->decoder;
}

// decoderCreate([V, ctx, L, H, C], weights: Float32Array[], activation, layerNormEpsilon) → handle (weights copied)
napi_value DecoderCreate(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, argv, "decoderCreate")) return nullptr;
  std::vector<int64_t> d;
  if (!get_int_array(env, argv[0], &d, "dims")) return nullptr;
  if (d.size() != 5) {
    throw_error(env, "decoderCreate: dims must be [V, ctx, L, H, C]");
    return nullptr;
  }
  for (auto v : d)
    if (v < 1 || v > (1 << 24)) {
      throw_error(env, "decoderCreate: bad dimension");
      return nullptr;
    }
  lmx::DecoderDims dims{(int)d[0], (int)d[1], (int)d[2], (int)d[3], (int)d[4]};
  if (dims.C % dims.H != 0) {
    throw_error(env, "decoderCreate: C must be divisible by H");
    return nullptr;
  }
  lmx::Numerics numerics;
  if (!get_numerics(env, argv[2], argv[3], &numerics, "decoderCreate")) return nullptr;
  const auto sizes = lmx::Decoder::weight_sizes(dims);
  bool is_array = false;
  napi_is_array(env, argv[1], &is_array);
  uint32_t n = 0;
  if (is_array) napi_get_array_length(env, argv[1], &n);
  if (!is_array || n != sizes.size()) {
    throw_error(env, "decoderCreate: weights must be an array of " + std::to_string(sizes.size()) + " Float32Arrays");
    return nullptr;
  }
  std::vector<const float*> weights(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, argv[1], i, &e);
    Floats f;
    if (!get_floats(env, e, &f, "weight")) return nullptr;
    if (f.length != sizes[i]) {
      throw_error(env, "decoderCreate: weight " + std::to_string(i) + " has " + std::to_string(f.length) + " values, expected " +
                           std::to_string(sizes[i]));
      return nullptr;
    }
    weights[i] = f.data;
  }
  auto* box = new DecoderBox{new lmx::Decoder(dims, numerics, weights)};
  napi_value result;
  napi_create_external(env, box, finalize_decoder, nullptr, &result);
  return result;
}

// decoderRun(handle, ids: number[], logits: Float32Array (V)) → the cache length after
napi_value DecoderRun(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, argv, "decoderRun")) return nullptr;
  lmx::Decoder* dec = get_decoder(env, argv[0]);
  if (!dec) return nullptr;
  std::vector<int64_t> ids;
  Floats logits;
  if (!get_int_array(env, argv[1], &ids, "ids") || !get_floats(env, argv[2], &logits, "logits")) return nullptr;
  if (ids.empty() || dec->length + (int64_t)ids.size() > dec->dims.ctx) {
    throw_error(env, "decoderRun: needs 1 … contextLength − length tokens");
    return nullptr;
  }
  if (logits.length < (size_t)dec->dims.V) {
    throw_error(env, "decoderRun: logits shorter than the vocabulary");
    return nullptr;
  }
  std::vector<int32_t> tokens(ids.size());
  for (size_t i = 0; i < ids.size(); i++) {
    if (ids[i] < 0 || ids[i] >= dec->dims.V) {
      throw_error(env, "decoderRun: token id out of range");
      return nullptr;
    }
    tokens[i] = (int32_t)ids[i];
  }
  dec->run(tokens.data(), (int)tokens.size(), logits.data);
  napi_value result;
  napi_create_int32(env, dec->length, &result);
  return result;
}

// decoderReset(handle): empties the cache
napi_value DecoderReset(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, argv, "decoderReset")) return nullptr;
  lmx::Decoder* dec = get_decoder(env, argv[0]);
  if (dec) dec->length = 0;
  return nullptr;
}

// decoderFree(handle): releases the weights now rather than at garbage collection; idempotent
napi_value DecoderFree(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, argv, "decoderFree")) return nullptr;
  void* data = nullptr;
  if (napi_get_value_external(env, argv[0], &data) == napi_ok && data) {
    auto* box = static_cast<DecoderBox*>(data);
    delete box->decoder;
    box->decoder = nullptr;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------
// The fused training step (trainstep.cc): a TrainStep lives in an external; trainStepFree releases it early.

struct TrainStepBox {
  lmx::TrainStep* step = nullptr;
};

void finalize_train_step(napi_env, void* data, void*) {
  auto* box = static_cast<TrainStepBox*>(data);
  delete box->step;
  delete box;
}

lmx::TrainStep* get_train_step(napi_env env, napi_value value) {
  void* data = nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok || !data) {
    throw_error(env, "trainStep: not a training-step handle");
    return nullptr;
  }
  auto* box = static_cast<TrainStepBox*>(data);
  if (!box->step) throw_error(env, "trainStep: already freed");
  return box->step;
}

template <typename T>
bool get_typed(napi_env env, napi_value value, napi_typedarray_type want, T** data, size_t* length, const char* name, const char* kind) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  napi_typedarray_type type;
  void* raw = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (!is_typed || napi_get_typedarray_info(env, value, &type, length, &raw, &buffer, &offset) != napi_ok || type != want)
    return throw_error(env, std::string(name) + " must be a " + kind);
  *data = static_cast<T*>(raw);
  return true;
}

bool is_nullish(napi_env env, napi_value value) {
  napi_valuetype t;
  napi_typeof(env, value, &t);
  return t == napi_null || t == napi_undefined;
}

// Float32Arrays of an array, each checked against the step's parameter sizes.
bool get_param_arrays(napi_env env, napi_value value, const std::vector<size_t>& sizes, std::vector<float*>* out, const char* name) {
  bool is_array = false;
  napi_is_array(env, value, &is_array);
  uint32_t n = 0;
  if (is_array) napi_get_array_length(env, value, &n);
  if (!is_array || n != sizes.size())
    return throw_error(env, std::string(name) + " must be an array of " + std::to_string(sizes.size()) + " Float32Arrays");
  out->resize(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, value, i, &e);
    Floats f;
    if (!get_floats(env, e, &f, name)) return false;
    if (f.length != sizes[i])
      return throw_error(env, std::string(name) + " " + std::to_string(i) + " has " + std::to_string(f.length) + " values, expected " +
                                  std::to_string(sizes[i]));
    (*out)[i] = f.data;
  }
  return true;
}

// trainStepCreate([V, ctx, L, H, C, B, T, learned], params: Float32Array[], positions: Float32Array | null,
//                 decay: boolean[], parts, profile, activation, layerNormEpsilon) → handle (everything copied)
napi_value TrainStepCreate(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!args(env, info, argv, "trainStepCreate")) return nullptr;
  std::vector<int64_t> d;
  if (!get_int_array(env, argv[0], &d, "dims")) return nullptr;
  if (d.size() != 8) {
    throw_error(env, "trainStepCreate: dims must be [V, ctx, L, H, C, B, T, learned]");
    return nullptr;
  }
  for (size_t i = 0; i < 7; i++)
    if (d[i] < 1 || d[i] > (1 << 24)) {
      throw_error(env, "trainStepCreate: bad dimension");
      return nullptr;
    }
  lmx::TrainDims dims{(int)d[0], (int)d[1], (int)d[2], (int)d[3], (int)d[4], (int)d[5], (int)d[6], d[7] != 0};
  if (dims.C % dims.H != 0 || dims.T > dims.ctx) {
    throw_error(env, "trainStepCreate: C must be divisible by H, and T at most ctx");
    return nullptr;
  }
  lmx::Numerics numerics;
  if (!get_numerics(env, argv[6], argv[7], &numerics, "trainStepCreate")) return nullptr;
  const auto sizes = lmx::TrainStep::param_sizes(dims);
  std::vector<float*> params;
  if (!get_param_arrays(env, argv[1], sizes, &params, "params")) return nullptr;
  const float* positions = nullptr;
  if (!dims.learned) {
    Floats f;
    if (!get_floats(env, argv[2], &f, "positions")) return nullptr;
    if (f.length != (size_t)dims.ctx * dims.C) {
      throw_error(env, "trainStepCreate: positions must be (ctx, C)");
      return nullptr;
    }
    positions = f.data;
  }
  bool is_array = false;
  napi_is_array(env, argv[3], &is_array);
  uint32_t n = 0;
  if (is_array) napi_get_array_length(env, argv[3], &n);
  if (!is_array || n != sizes.size()) {
    throw_error(env, "trainStepCreate: decay must be an array with one flag per parameter");
    return nullptr;
  }
  std::vector<bool> decay(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, argv[3], i, &e);
    bool flag = false;
    get_bool(env, e, &flag);
    decay[i] = flag;
  }
  int64_t parts = 1;
  bool profile = false;
  if (!get_int(env, argv[4], &parts, "parts")) return nullptr;
  get_bool(env, argv[5], &profile);
  std::vector<const float*> constant(params.begin(), params.end());
  auto* step = new lmx::TrainStep(dims, numerics, constant, positions, decay, (int)std::max<int64_t>(1, std::min<int64_t>(parts, 64)));
  step->profiling = profile;
  auto* box = new TrainStepBox{step};
  napi_value result;
  napi_create_external(env, box, finalize_train_step, nullptr, &result);
  return result;
}

// trainStepRun(handle, x: Int32Array (B·T), y: Int32Array (B·T), seeds: Uint32Array (1 + 3L) | null, threshold, scale,
//              adam: Float64Array [lr, beta1, beta2, eps, weightDecay, gradClip, t] | null, outs: Float32Array[] | null,
//              result: Float64Array [loss, gradNorm]). With adam, the updated parameters are copied into outs.
napi_value TrainStepRun(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!args(env, info, argv, "trainStepRun")) return nullptr;
  lmx::TrainStep* step = get_train_step(env, argv[0]);
  if (!step) return nullptr;
  const auto& d = step->dims;
  const size_t tokens = (size_t)d.B * d.T;
  int32_t *x = nullptr, *y = nullptr;
  size_t nx = 0, ny = 0;
  if (!get_typed(env, argv[1], napi_int32_array, &x, &nx, "x", "Int32Array") ||
      !get_typed(env, argv[2], napi_int32_array, &y, &ny, "y", "Int32Array"))
    return nullptr;
  if (nx != tokens || ny != tokens) {
    throw_error(env, "trainStepRun: x and y must hold batchSize × blockSize ids");
    return nullptr;
  }
  for (size_t i = 0; i < tokens; i++)
    if (x[i] < 0 || x[i] >= d.V || y[i] < 0 || y[i] >= d.V) {
      throw_error(env, "trainStepRun: token id out of range");
      return nullptr;
    }
  uint32_t* seeds = nullptr;
  if (!is_nullish(env, argv[3])) {
    size_t ns = 0;
    if (!get_typed(env, argv[3], napi_uint32_array, &seeds, &ns, "seeds", "Uint32Array")) return nullptr;
    if (ns != 1 + 3 * (size_t)d.L) {
      throw_error(env, "trainStepRun: seeds must hold 1 + 3 × nLayer values");
      return nullptr;
    }
  }
  int64_t threshold = 0;
  double scale = 1;
  if (!get_int(env, argv[4], &threshold, "threshold") || !get_double(env, argv[5], &scale, "scale")) return nullptr;
  if (threshold < 0 || threshold > 0xffffffffLL) {
    throw_error(env, "trainStepRun: threshold must be a 32-bit unsigned integer");
    return nullptr;
  }
  lmx::AdamWHyper adam{};
  bool update = false;
  if (!is_nullish(env, argv[6])) {
    double* h = nullptr;
    size_t nh = 0;
    if (!get_typed(env, argv[6], napi_float64_array, &h, &nh, "adam", "Float64Array")) return nullptr;
    if (nh != 7) {
      throw_error(env, "trainStepRun: adam must be [lr, beta1, beta2, eps, weightDecay, gradClip, t]");
      return nullptr;
    }
    adam = {h[0], h[1], h[2], h[3], h[4], h[5], (int64_t)h[6]};
    update = true;
  }
  std::vector<float*> outs;
  std::vector<size_t> sizes(step->count());
  for (size_t i = 0; i < sizes.size(); i++) sizes[i] = step->size(i);
  if (!is_nullish(env, argv[7]) && !get_param_arrays(env, argv[7], sizes, &outs, "outs")) return nullptr;
  double* result = nullptr;
  size_t nr = 0;
  if (!get_typed(env, argv[8], napi_float64_array, &result, &nr, "result", "Float64Array")) return nullptr;
  if (nr < 2) {
    throw_error(env, "trainStepRun: result must hold 2 values");
    return nullptr;
  }
  step->step(x, y, seeds, (uint32_t)threshold, (float)scale, update ? &adam : nullptr, &result[0], &result[1]);
  if (update)
    for (size_t i = 0; i < outs.size(); i++) step->get_param(i, outs[i]);
  return nullptr;
}

// trainStepRead(handle, what, i, out) / trainStepWrite(handle, what, i, data): what 0 parameter, 1 gradient (read
// only), 2 first moment, 3 second moment; i in parameter order.
napi_value TrainStepAccess(napi_env env, napi_callback_info info, bool write) {
  napi_value argv[4];
  if (!args(env, info, argv, write ? "trainStepWrite" : "trainStepRead")) return nullptr;
  lmx::TrainStep* step = get_train_step(env, argv[0]);
  if (!step) return nullptr;
  int64_t what = 0, i = 0;
  Floats f;
  if (!get_int(env, argv[1], &what, "what") || !get_int(env, argv[2], &i, "index") || !get_floats(env, argv[3], &f, "data"))
    return nullptr;
  if (what < 0 || what > 3 || (write && what == 1) || i < 0 || (size_t)i >= step->count() || f.length != step->size((size_t)i)) {
    throw_error(env, "trainStep: bad access (what, index or length)");
    return nullptr;
  }
  const size_t n = step->size((size_t)i);
  if (what == 0) {
    if (write) step->set_param((size_t)i, f.data);
    else step->get_param((size_t)i, f.data);
  } else if (what == 1) {
    step->get_grad((size_t)i, f.data);
  } else {
    std::vector<float> m(n), v(n);
    step->get_moments((size_t)i, m.data(), v.data());
    std::vector<float>& mine = what == 2 ? m : v;
    if (write) {
      std::memcpy(mine.data(), f.data, n * sizeof(float));
      step->set_moments((size_t)i, m.data(), v.data());
    } else {
      std::memcpy(f.data, mine.data(), n * sizeof(float));
    }
  }
  return nullptr;
}

napi_value TrainStepRead(napi_env env, napi_callback_info info) { return TrainStepAccess(env, info, false); }
napi_value TrainStepWrite(napi_env env, napi_callback_info info) { return TrainStepAccess(env, info, true); }

// trainStepProfile(handle, reset) → { steps, phases: { name: milliseconds summed over the parts } }
napi_value TrainStepProfile(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!args(env, info, argv, "trainStepProfile")) return nullptr;
  lmx::TrainStep* step = get_train_step(env, argv[0]);
  if (!step) return nullptr;
  bool reset = false;
  get_bool(env, argv[1], &reset);
  napi_value obj, phases, v;
  napi_create_object(env, &obj);
  napi_create_object(env, &phases);
  for (int k = 0; k < lmx::kPhaseCount; k++) {
    napi_create_double(env, step->profile_ms[k], &v);
    napi_set_named_property(env, phases, lmx::PHASE_NAMES[k], v);
  }
  napi_set_named_property(env, obj, "phases", phases);
  napi_create_double(env, (double)step->profiled_steps, &v);
  napi_set_named_property(env, obj, "steps", v);
  if (reset) {
    std::fill(step->profile_ms, step->profile_ms + lmx::kPhaseCount, 0.0);
    step->profiled_steps = 0;
  }
  return obj;
}

// trainStepFree(handle): releases the buffers now rather than at garbage collection; idempotent
napi_value TrainStepFree(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, argv, "trainStepFree")) return nullptr;
  void* data = nullptr;
  if (napi_get_value_external(env, argv[0], &data) == napi_ok && data) {
    auto* box = static_cast<TrainStepBox*>(data);
    delete box->step;
    box->step = nullptr;
  }
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"matmul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"transpose", nullptr, Transpose, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"sumLeading", nullptr, SumLeading, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"sumSquares", nullptr, SumSquares, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"adamw", nullptr, AdamW, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"fillMask", nullptr, FillMask, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"forceGeneric", nullptr, ForceGeneric, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"decoderCreate", nullptr, DecoderCreate, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"decoderRun", nullptr, DecoderRun, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"decoderReset", nullptr, DecoderReset, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"decoderFree", nullptr, DecoderFree, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"trainStepCreate", nullptr, TrainStepCreate, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"trainStepRun", nullptr, TrainStepRun, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"trainStepRead", nullptr, TrainStepRead, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"trainStepWrite", nullptr, TrainStepWrite, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"trainStepProfile", nullptr, TrainStepProfile, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"trainStepFree", nullptr, TrainStepFree, nullptr, nullptr, nullptr, napi_default_method, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
