// Gradients of the TensorFlow.js kernels the engine differentiates through.
//
// tfjs-core registers its gradients only from its ES-module build (dist/register_all_gradients.js,
// imported by the @tensorflow/tfjs umbrella). Its CommonJS entry, which Node, the unit tests and the
// bundles load, has none, so `tf.grads` fails with "gradient function not found for Add". This module
// registers the textbook gradient of every kernel that appears on the tape of GPT.loss (outside the
// custom-gradient ops of ./ops.ts) plus a few elementwise ones, each only when no gradient is registered
// yet — where tfjs's own registration is loaded it wins. Formulas follow tfjs-core/src/gradients.

import * as tf from '@tensorflow/tfjs-core';
import { sumRows } from './reduce';

type Attrs = Record<string, unknown>;

/** Sums dy over the axes along which `shape` was broadcast, and reshapes it to `shape`. */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, dy.shape);
  if (axes.length === 0) return tf.reshape(dy, shape);
  // a bias broadcast over the rows of a matrix: a fast row sum (see reduce.ts for why only 2-D)
  if (dy.rank === 2 && axes.length === 1 && axes[0] === 0) return tf.reshape(sumRows(dy as tf.Tensor2D), shape);
  return tf.reshape(tf.sum(dy, axes), shape);
}

/** dy of a reduction over `axis`, broadcast back to the input shape. */
function unreduce(dy: tf.Tensor, x: tf.Tensor, axis: unknown): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis as number | number[], x.shape);
  const kept = x.shape.map((n, i) => (axes.includes(i) ? 1 : n)); // dy with the reduced axes as 1s
  return tf.mul(tf.reshape(dy, kept), tf.ones(x.shape));
}

function reductionSize(x: tf.Tensor, axis: unknown): number {
  const axes = tf.util.parseAxisParam(axis as number | number[], x.shape);
  return axes.reduce((n, a) => n * x.shape[a], 1);
}

const configs: tf.GradConfig[] = [
  {
    kernelName: 'Add',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({ a: () => unbroadcast(dy as tf.Tensor, a.shape), b: () => unbroadcast(dy as tf.Tensor, b.shape) }),
  },
  {
    kernelName: 'Sub',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(dy as tf.Tensor, a.shape),
      b: () => unbroadcast(tf.neg(dy as tf.Tensor), b.shape),
    }),
  },
  {
    kernelName: 'Multiply',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(b, 'float32')), a.shape),
      b: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(a, 'float32')), b.shape),
    }),
  },
  {
    kernelName: 'RealDiv',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.div(dy as tf.Tensor, b), a.shape),
      b: () => unbroadcast(tf.neg(tf.div(tf.mul(dy as tf.Tensor, a), tf.square(b))), b.shape),
    }),
  },
  { kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(dy as tf.Tensor) }) },
  { kernelName: 'Identity', gradFunc: (dy) => ({ x: () => tf.cast(dy as tf.Tensor, 'float32') }) },
  { kernelName: 'Cast', gradFunc: (dy) => ({ x: () => tf.clone(dy as tf.Tensor) }) },
  { kernelName: 'Square', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(x, 2)) }) },
  { kernelName: 'Sqrt', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy as tf.Tensor, tf.mul(tf.sqrt(x), 2)) }) },
  {
    kernelName: 'Rsqrt',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(tf.pow(tf.rsqrt(x), 3), -0.5)) }), // d x^-½ = -½ x^-3/2
  },
  { kernelName: 'Exp', outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy as tf.Tensor, y) }) },
  { kernelName: 'Log', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy as tf.Tensor, x) }) },
  {
    kernelName: 'Erf',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(tf.exp(tf.neg(tf.square(x))), 2 / Math.sqrt(Math.PI))) }),
  },
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs: Attrs) => ({ x: () => unreduce(dy as tf.Tensor, x, attrs.axis) }),
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs: Attrs) => ({
      x: () => tf.div(unreduce(dy as tf.Tensor, x, attrs.axis), reductionSize(x, attrs.axis)),
    }),
  },
  { kernelName: 'Reshape', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy as tf.Tensor, x.shape) }) },
  {
    kernelName: 'Transpose',
    gradFunc: (dy, _saved, attrs: Attrs) => {
      const perm = attrs.perm as number[];
      const inverse = new Array<number>(perm.length);
      perm.forEach((p, i) => (inverse[p] = i));
      return { x: () => tf.transpose(dy as tf.Tensor, inverse) };
    },
  },
  {
    kernelName: 'Slice',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs: Attrs) => {
      const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
      const paddings = x.shape.map((n, i) => [begin[i], n - begin[i] - size[i]] as [number, number]);
      return { x: () => tf.pad(dy as tf.Tensor, paddings) };
    },
  },
  {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs: Attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0].shape)[0];
      const parts = tf.split(dy as tf.Tensor, saved.map((t) => t.shape[axis]), axis);
      return Object.fromEntries(parts.map((p, i) => [String(i), () => p]));
    },
  },
  {
    // y = softmax(x) along dim: dx = y * (dy - Σ dy·y)
    kernelName: 'Softmax',
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs: Attrs) => {
      const dim = attrs.dim as number;
      return { logits: () => tf.mul(y, tf.sub(dy as tf.Tensor, tf.sum(tf.mul(dy as tf.Tensor, y), dim, true))) };
    },
  },
  {
    // y = op(a) · op(b) with op = transpose where asked; batch dimensions broadcast
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs: Attrs) => {
      const d = dy as tf.Tensor;
      const tA = attrs.transposeA as boolean;
      const tB = attrs.transposeB as boolean;
      let da: () => tf.Tensor;
      let db: () => tf.Tensor;
      if (!tA && !tB) {
        da = () => tf.matMul(d, b, false, true);
        db = () => tf.matMul(a, d, true, false);
      } else if (!tA && tB) {
        da = () => tf.matMul(d, b, false, false);
        db = () => tf.matMul(d, a, true, false);
      } else if (tA && !tB) {
        da = () => tf.matMul(b, d, false, true);
        db = () => tf.matMul(a, d, false, false);
      } else {
        da = () => tf.matMul(b, d, true, true);
        db = () => tf.matMul(d, a, true, true);
      }
      return { a: () => unbroadcastBatch(da(), a.shape), b: () => unbroadcastBatch(db(), b.shape) };
    },
  },
];

/** Reduces a matMul gradient over the batch dimensions its operand was broadcast along. */
function unbroadcastBatch(g: tf.Tensor, shape: number[]): tf.Tensor {
  if (g.rank === shape.length && g.shape.every((n, i) => n === shape[i])) return g;
  const batch = g.shape.slice(0, -2);
  const own = shape.slice(0, -2);
  const padded = [...new Array<number>(batch.length - own.length).fill(1), ...own];
  const axes = batch.map((n, i) => (padded[i] === 1 && n !== 1 ? i : -1)).filter((i) => i >= 0);
  return tf.reshape(axes.length ? tf.sum(g, axes) : g, shape);
}

for (const config of configs) {
  if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
}
