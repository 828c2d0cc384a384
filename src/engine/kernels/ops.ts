// The building blocks of the model, each with a hand-written gradient (tf.customGrad). They compute
// exactly what the plain TensorFlow.js formulation computes (the unit tests check values and gradients
// against it), but avoid the slow paths of the automatic gradients on the wasm and cpu backends:
//
// - A 2-D BatchMatMul with a transposed operand (`transposeA`/`transposeB`) leaves XNNPACK for a naive
//   loop on wasm: 8-60x slower than an explicit tf.transpose followed by a plain matMul. tf's own
//   gradient of x·W is dW = xᵀ·dy with transposeA, so `linear` writes its gradient by hand.
// - The gradient of tf.gather is UnsortedSegmentSum: not registered on wasm at all, and on cpu it loops
//   over every vocabulary row for every token. `embedding` scatters rows with tf.scatterND instead
//   (duplicate indices are summed), O(tokens * C) on every backend.
// - A softmax cross-entropy written with oneHot materialises a (N, V) one-hot in the forward pass and
//   differentiates through log/softmax; `crossEntropy` is the fused, logsumexp form with the textbook
//   gradient (softmax - onehot) / N.
// - LayerNorm and exact GELU get their closed-form gradients: a handful of kernels instead of the dozen
//   that autodiff records.
// - Sums over rows (bias and LayerNorm gradients) are matrix products with a row of ones (reduce.ts).
// - Dropout multiplies by a mask drawn from the seeded Rng (the gradient of a constant mask is never taken).
//
// Every op here uses only kernels that exist on all TensorFlow.js backends (cpu, wasm, webgl, node). On
// webgpu, LayerNorm, GELU and dropout run as fused shaders instead, and linear adds its bias inside the matMul:
// there a step is bound by the number of dispatches (backends/webgpuKernels.ts).

import * as tf from '@tensorflow/tfjs-core';
import './gradients'; // registers the kernel gradients tfjs-core's CommonJS build lacks
import { sumRows } from './reduce';
import { webgpuKernels } from '../backends/webgpuKernels';
import { nativeMaskKernel } from '../backends/native';
import { keepThreshold, Rng } from '../rng';
import { isDropoutRate } from '../dropoutRate';

type GradFunc<T extends tf.Tensor> = (dy: T, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/** tf.customGrad with typed inputs: f gets the inputs and a save function, returns value and gradient. */
function customOp<A extends tf.Tensor[], T extends tf.Tensor>(
  f: (...args: [...A, tf.GradSaveFunc]) => { value: T; gradFunc: GradFunc<T> },
): (...inputs: A) => T {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: A) => T;
}

/**
 * a · bᵀ and aᵀ · b. On the native backend (backends/native.ts) a transposed operand costs nothing in
 * its matMul, so the explicit tf.transpose (a copy) is left out there. tfjs-backend-webgpu's matMul reads
 * a transposed first operand in its vectorised (vec4) form too, but a transposed second operand turns the
 * vectorised form off: there only aᵀ · b skips the copy. Elsewhere both copies are kept (see above).
 */
const transposedAIsFree = () => tf.getBackend() === 'native' || tf.getBackend() === 'webgpu';
const transposedBIsFree = () => tf.getBackend() === 'native';
const biasFusedIn = () => tf.getBackend() === 'webgpu';
function matMulBT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return transposedBIsFree() ? tf.matMul(a, b, false, true) : tf.matMul(a, tf.transpose(b));
}
function matMulAT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return transposedAIsFree() ? tf.matMul(a, b, true, false) : tf.matMul(tf.transpose(a), b);
}

// ---------------------------------------------------------------------------------------------------
// linear: y = x·W + b

const linearWithBias = customOp((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    // (N, out). On webgpu the bias is added inside the matMul's shader: one GPU dispatch fewer per layer.
    value: biasFusedIn() ? tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b }) : tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      return [
        matMulBT(dy as tf.Tensor2D, ws), // dx (N, in)  = dy · Wᵀ
        matMulAT(xs, dy as tf.Tensor2D), // dW (in, out) = xᵀ · dy
        sumRows(dy as tf.Tensor2D), // db (out) = Σ over rows of dy
      ];
    },
  };
});

const linearNoBias = customOp((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      return [matMulBT(dy as tf.Tensor2D, ws), matMulAT(xs, dy as tf.Tensor2D)];
    },
  };
});

/** x (N, in) · W (in, out) + b (out) → (N, out). Weights are stored (in, out): no transpose forward. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  return (b ? linearWithBias(x, w, b) : linearNoBias(x, w)) as tf.Tensor2D;
}

// ---------------------------------------------------------------------------------------------------
// matMulT: y = x·Wᵀ (the output layer tied to the token embedding: logits = x · wteᵀ)

const matMulTransposedOp = customOp((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    // x (N, C) · Wᵀ (C, V): W is transposed explicitly, the matMul stays a plain one
    value: matMulBT(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      return [
        tf.matMul(dy as tf.Tensor2D, ws), // dx (N, C) = dy · W
        // dW (V, C) = dyᵀ · x = (xᵀ · dy)ᵀ: transposing x (N, C) and the (C, V) product is cheaper
        // than transposing dy (N, V) when the vocabulary is larger than the width
        tf.getBackend() === 'native' ? tf.matMul(dy as tf.Tensor2D, xs, true, false) : tf.transpose(matMulAT(xs, dy as tf.Tensor2D)),
      ];
    },
  };
});

/** x (N, C) · Wᵀ for W (V, C) → (N, V). */
export function matMulTransposed(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return matMulTransposedOp(x, w) as tf.Tensor2D;
}

// ---------------------------------------------------------------------------------------------------
// embedding: rows of a table

const embeddingOp = customOp((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids]);
  const shape = table.shape as [number, number];
  return {
    value: tf.gather(table, ids), // (n, C)
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [idsSaved] = saved;
      // d table = Σ over tokens of dy rows at their ids; scatterND sums duplicate indices
      const dTable = tf.scatterND(tf.reshape(idsSaved, [-1, 1]), dy, shape); // (V, C)
      return [dTable, tf.zeros(idsSaved.shape)]; // ids are integers: no gradient
    },
  };
});

/** table (V, C) rows at ids (n) int32 → (n, C). */
export function embedding(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  return embeddingOp(table, ids) as tf.Tensor2D;
}

// ---------------------------------------------------------------------------------------------------
// crossEntropy: mean over rows of -log softmax(logits)[target]

const crossEntropyOp = customOp((logits: tf.Tensor, targets: tf.Tensor, save: tf.GradSaveFunc) => {
  const [n, vocab] = logits.shape as [number, number];
  const max = tf.max(logits, 1, true); // (N, 1)
  const exp = tf.exp(tf.sub(logits, max)); // (N, V), every entry in (0, 1]
  const sumExp = tf.sum(exp, 1, true); // (N, 1)
  const logSumExp = tf.reshape(tf.add(tf.log(sumExp), max), [n]); // (N)
  // logits[i, targets[i]]: a gather from the flattened logits, no one-hot
  const flatIndex = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(vocab, 'int32')), targets); // (N)
  const picked = tf.gather(tf.reshape(logits, [-1]), flatIndex); // (N)
  save([exp, sumExp, targets]);
  return {
    value: tf.mean(tf.sub(logSumExp, picked)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [e, s, t] = saved;
      const probs = tf.div(e, s); // softmax (N, V)
      const grad = tf.mul(tf.sub(probs, oneHotFloat(t as tf.Tensor1D, vocab)), tf.div(dy, n));
      return [grad, tf.zeros(t.shape)];
    },
  };
});

/**
 * A float32 (N, depth) one-hot of ids (N). Not tf.oneHot(…, 'float32'): on the wasm backend (4.22) that
 * writes the integer bit pattern of 1 into float32 (1.4e-45). A scatter of ones works everywhere.
 */
export function oneHotFloat(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  const n = ids.shape[0];
  const flat = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(depth, 'int32')), ids); // i*depth + id
  return tf.reshape(tf.scatterND(tf.reshape(flat, [n, 1]), tf.ones([n]), [n * depth]), [n, depth]) as tf.Tensor2D;
}

/** Mean softmax cross-entropy of logits (N, V) against targets (N) int32; numerically stable. */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return crossEntropyOp(logits, targets) as tf.Scalar;
}

// ---------------------------------------------------------------------------------------------------
// layerNorm: (x - mean) / sqrt(var + eps) * gain + bias, over the last axis

export const LAYER_NORM_EPS = 1e-5;

const layerNormOp = (eps: number) => customOp((x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
  const mean = tf.mean(x, 1, true); // (N, 1)
  const centered = tf.sub(x, mean); // (N, C)
  const variance = tf.mean(tf.square(centered), 1, true); // (N, 1), biased like PyTorch
  const rstd = tf.rsqrt(tf.add(variance, eps)); // (N, 1)
  const xhat = tf.mul(centered, rstd); // (N, C)
  save([xhat, rstd, gain]);
  return {
    value: tf.add(tf.mul(xhat, gain), bias),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xh, r, g] = saved;
      const dxhat = tf.mul(dy, g); // (N, C)
      // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
      const dx = tf.mul(
        tf.sub(tf.sub(dxhat, tf.mean(dxhat, 1, true)), tf.mul(xh, tf.mean(tf.mul(dxhat, xh), 1, true))),
        r,
      );
      return [dx, sumRows(tf.mul(dy, xh) as tf.Tensor2D), sumRows(dy as tf.Tensor2D)];
    },
  };
});

/** The same on webgpu, in fused shaders (backends/webgpuKernels.ts): forward 1 dispatch instead of 9; dx and dy·x̂ 2 instead of 9. */
const layerNormWebGPUOp = (eps: number) => customOp((x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
  const k = webgpuKernels()!;
  save([x, gain]);
  return {
    value: k.layerNorm(x as tf.Tensor2D, gain as tf.Tensor1D, bias as tf.Tensor1D, eps),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, g] = saved as [tf.Tensor2D, tf.Tensor1D];
      return [
        k.layerNormDx(xs, g, dy as tf.Tensor2D, eps),
        sumRows(k.layerNormDyXhat(xs, dy as tf.Tensor2D, eps)),
        sumRows(dy as tf.Tensor2D),
      ];
    },
  };
});

const layerNormOps = new Map<number, { plain: ReturnType<typeof layerNormOp>; webgpu: ReturnType<typeof layerNormWebGPUOp> }>();

/** LayerNorm of x (N, C) with gain (C) and bias (C); ε LAYER_NORM_EPS unless given (an imported model's own). */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D, eps = LAYER_NORM_EPS): tf.Tensor2D {
  let ops = layerNormOps.get(eps);
  if (!ops) layerNormOps.set(eps, (ops = { plain: layerNormOp(eps), webgpu: layerNormWebGPUOp(eps) }));
  return (webgpuKernels() ? ops.webgpu(x, gain, bias) : ops.plain(x, gain, bias)) as tf.Tensor2D;
}

// ---------------------------------------------------------------------------------------------------
// gelu: x * Φ(x), the exact (erf) form

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const geluOp = customOp((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, INV_SQRT2)), 1), 0.5); // Φ(x)
  save([x, cdf]);
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, c] = saved;
      // d/dx x·Φ(x) = Φ(x) + x·φ(x), φ(x) = exp(-x²/2) / sqrt(2π)
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), INV_SQRT_2PI);
      return tf.mul(dy, tf.add(c, tf.mul(xs, pdf)));
    },
  };
});

/** The same on webgpu: one fused shader each way (backends/webgpuKernels.ts) instead of 5 and 7 kernels. */
const geluWebGPUOp = customOp((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const k = webgpuKernels()!;
  save([x]);
  return { value: k.gelu(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => k.geluGrad(saved[0], dy) };
});

/** Exact GELU, x·Φ(x) with Φ the standard normal CDF (erf), as PyTorch's nn.GELU(). */
export function gelu<T extends tf.Tensor>(x: T): T {
  return (webgpuKernels() ? geluWebGPUOp(x) : geluOp(x)) as T;
}

// gelu_tanh: GPT-2's approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (transformers' gelu_new).
// Imported GPT-2 models use it; on webgpu it runs as these plain kernels (no fused shader).

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_CUBIC = 0.044715;

const geluTanhOp = customOp((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), GELU_TANH_CUBIC)), SQRT_2_OVER_PI);
  const t = tf.tanh(inner);
  save([x, t]);
  return {
    value: tf.mul(tf.mul(x, 0.5), tf.add(t, 1)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ts] = saved;
      // d/dx = 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)
      const dInner = tf.mul(tf.add(tf.mul(tf.square(xs), 3 * GELU_TANH_CUBIC), 1), SQRT_2_OVER_PI);
      const slope = tf.add(tf.mul(tf.add(ts, 1), 0.5), tf.mul(tf.mul(tf.mul(xs, 0.5), tf.sub(1, tf.square(ts))), dInner));
      return tf.mul(dy, slope);
    },
  };
});

/** GELU's tanh approximation, as transformers' gelu_new and PyTorch's gelu(approximate='tanh'). */
export function geluTanh<T extends tf.Tensor>(x: T): T {
  return geluTanhOp(x) as T;
}

// ---------------------------------------------------------------------------------------------------
// dropout: zero each value with probability `rate`, scale the others by 1 / (1 − rate)

/**
 * x times a fixed mask: dx = dy · mask. The mask is saved with the op (not an input), so that the gradient
 * of a constant is never asked for.
 */
function masked(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return customOp((input: tf.Tensor, save: tf.GradSaveFunc) => {
    save([mask]);
    return { value: tf.mul(input, mask), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
  })(x);
}

/**
 * Inverted dropout of x with the mask of Rng(seed).fillMask: value j is kept (times 1 / (1 − rate)) where
 * the j-th number of that stream is ≥ rate, in x's row-major order. The mask is a function of the seed alone,
 * so the same seed gives the same mask forward and backward, on every backend. On webgpu a shader draws it
 * on the device, forward and backward (no mask in memory); elsewhere it is drawn here (by the addon on the
 * native backend) and multiplied in.
 * rate 0 returns x itself.
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number, seed: number): T {
  if (!isDropoutRate(rate)) throw new RangeError(`Dropout rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return x;
  const scale = 1 / (1 - rate);
  const k = webgpuKernels();
  if (k) {
    return customOp((input: tf.Tensor, _save: tf.GradSaveFunc) => ({
      value: k.dropout(input, rate, seed, scale),
      gradFunc: (dy: tf.Tensor) => k.dropout(dy, rate, seed, scale),
    }))(x) as T;
  }
  const values = new Float32Array(x.size);
  // on the native backend the addon's vectorised loop draws the same mask (mulberry32's state is the seed)
  const native = nativeMaskKernel();
  const threshold = keepThreshold(rate);
  if (native && threshold <= 0xffffffff) native(values, seed >>> 0, threshold, scale);
  else new Rng(seed).fillMask(values, rate, scale);
  return masked(x, tf.tensor(values, x.shape)) as T;
}
