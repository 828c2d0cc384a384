// Fused WebGPU compute shaders for the engine's hottest small ops, on tfjs-backend-webgpu.
//
// On a GPU a training step of TensorFlow.js ops is bound less by arithmetic than by the number of
// kernels: every dispatch costs a bind group, a uniform buffer and JavaScript and Dawn bookkeeping on the
// CPU, whatever its size. Written in tfjs ops, most of a step's dispatches are tiny elementwise kernels of
// AdamW, LayerNorm and GELU. The shaders here do each of those in one pass:
//
//   adamw         per parameter: both moments (kept packed), then the parameter (2 instead of ~20)
//   sumOfSquares  up to 7 gradients per dispatch, for the global norm (instead of 2 per gradient)
//   layerNorm     one workgroup per row: mean, variance and the affine map (1 instead of 9)
//   layerNormDx   its input gradient, statistics recomputed from x (1 instead of 8)
//   layerNormDyXhat  dy · x̂, for the gain's gradient (1)
//   gelu / geluGrad  exact GELU and its derivative (1 each instead of 5 and 7)
//   dropout       x times the mask of a seeded Rng, drawn in the shader (1, and no mask in memory)
//
// Same arithmetic as the tfjs formulation in kernels/ops.ts and training/ (erf by the same
// Abramowitz–Stegun approximation tfjs-backend-webgpu uses), float32; the backend-parity test compares
// the loss, every gradient, the logits, two AdamW steps and a generation with the cpu backend.
//
// The programs follow tfjs-backend-webgpu's own (e.g. its ReduceProgram): a flat dispatch, `main(index)`,
// named storage buffers for the inputs, `setOutputAtIndex` for the one output.

import * as tf from '@tensorflow/tfjs-core';
import { keepThreshold } from '../rng';

/** What tfjs-backend-webgpu needs of a program (its WebGPUProgram interface, the fields used here). */
interface WebGPUProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  uniforms?: string;
  getUserCode(): string;
}

type Uniform = { type: 'float32' | 'int32' | 'uint32'; data: number[] };

interface WebGPUBackendLike extends tf.KernelBackend {
  runWebGPUProgram(program: WebGPUProgramLike, inputs: tf.TensorInfo[], outputDtype: 'float32', uniforms?: Uniform[]): tf.TensorInfo;
}

interface WebGPUUtil {
  flatDispatchLayout(shape: number[]): { x: number[] };
  computeDispatch(layout: { x: number[] }, shape: number[], workgroupSize: [number, number, number]): [number, number, number];
}

let util: WebGPUUtil | undefined;

/** Called by the webgpu backend's loader with tfjs-backend-webgpu's exported webgpu_util. */
export function setWebGPUUtil(value: WebGPUUtil | undefined): void {
  util = value;
}

// ---------------------------------------------------------------------------------------------------
// Programs

/** A flat program: `dispatchUnits` workgroups of `workgroup` invocations (or one invocation per output value). */
function program(
  u: WebGPUUtil,
  key: string,
  inputs: string[],
  outputShape: number[],
  code: string,
  options: { uniforms?: string; workgroup?: number; workgroups?: number } = {},
): WebGPUProgramLike {
  const workgroup = options.workgroup ?? 64;
  const dispatchLayout = u.flatDispatchLayout(options.workgroups ? [options.workgroups] : outputShape);
  const perWorkgroup: [number, number, number] = options.workgroups ? [1, 1, 1] : [workgroup, 1, 1];
  return {
    variableNames: inputs,
    outputShape,
    shaderKey: key,
    dispatchLayout,
    dispatch: u.computeDispatch(dispatchLayout, options.workgroups ? [options.workgroups] : outputShape, perWorkgroup),
    workgroupSize: [workgroup, 1, 1],
    size: true,
    ...(options.uniforms ? { uniforms: options.uniforms } : {}),
    getUserCode: () => code,
  };
}

/** `value` computed by `body` from the inputs at `index`, for every output index. */
function elementwise(body: string): string {
  return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
          setOutputAtIndex(index, value);
        }
      }`;
}

/** Sum over the workgroup (size a power of two); call it from uniform control flow only. */
function workgroupSum(size: number): string {
  return `
      var<workgroup> partial : array<f32, ${size}>;
      fn workgroupSum(value : f32) -> f32 {
        let lid = localId.x;
        partial[lid] = value;
        workgroupBarrier();
        for (var stride = ${size / 2}u; stride > 0u; stride = stride / 2u) {
          if (lid < stride) {
            partial[lid] = partial[lid] + partial[lid + stride];
          }
          workgroupBarrier();
        }
        let total = partial[0];
        workgroupBarrier();
        return total;
      }`;
}

const ROW_WORKGROUP = 64;

/**
 * One workgroup per row of x (rows, cols): `mean` and `rstd` of the row, then `body` for each of the
 * row's columns k (x at base + k). Out-of-range workgroups (padding of a large dispatch) only take
 * part in the barriers.
 */
function rowProgram(prelude: string, body: string): string {
  return `${workgroupSum(ROW_WORKGROUP)}
      fn main(index : i32) {
        let row = index / ${ROW_WORKGROUP};
        let lid = i32(localId.x);
        let cols = uniforms.cols;
        let live = row < uniforms.rows;
        let base = row * cols;
        var s = 0.0;
        if (live) {
          for (var k = lid; k < cols; k = k + ${ROW_WORKGROUP}) { s = s + x[base + k]; }
        }
        let mean = workgroupSum(s) / f32(cols);
        var q = 0.0;
        if (live) {
          for (var k = lid; k < cols; k = k + ${ROW_WORKGROUP}) { let d = x[base + k] - mean; q = q + d * d; }
        }
        let rstd = inverseSqrt(workgroupSum(q) / f32(cols) + uniforms.eps);
        ${prelude}
        if (live) {
          for (var k = lid; k < cols; k = k + ${ROW_WORKGROUP}) {
            let xhat = (x[base + k] - mean) * rstd;
            ${body}
          }
        }
      }`;
}

const ERF = `
      fn erfApprox(a : f32) -> f32 {
        let t = 1.0 / (1.0 + ${tf.backend_util.ERF_P} * abs(a));
        let poly = ((((${tf.backend_util.ERF_A5} * t + ${tf.backend_util.ERF_A4}) * t + ${tf.backend_util.ERF_A3}) * t + ${tf.backend_util.ERF_A2}) * t + ${tf.backend_util.ERF_A1}) * t;
        return sign(a) * (1.0 - poly * exp(-a * a));
      }`;

/** Largest inputs per sumOfSquares dispatch: a device allows 8 storage buffers per shader by default, one is the output. */
const SQUARES_PER_DISPATCH = 7;
const SQUARES_WORKGROUP = 256;
const SQUARES_WORKGROUPS = 64;

function sumOfSquaresCode(count: number): string {
  const loops = Array.from(
    { length: count },
    (_, i) => `for (var k = first; k < uniforms.g${i}Shape; k = k + stride) { let v = g${i}[k]; s = s + v * v; }`,
  ).join('\n          ');
  return `${workgroupSum(SQUARES_WORKGROUP)}
      fn main(index : i32) {
        let first = index;
        let stride = ${SQUARES_WORKGROUP * SQUARES_WORKGROUPS};
        var s = 0.0;
        ${loops}
        let total = workgroupSum(s);
        if (localId.x == 0u) {
          setOutputAtIndex(index / ${SQUARES_WORKGROUP}, total);
        }
      }`;
}

// ---------------------------------------------------------------------------------------------------
// The kernels

export interface AdamWHyper {
  beta1: number;
  beta2: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
  /** 1 / √(1 − β2ᵗ) */
  invSqrtBc2: number;
  eps: number;
  /** 1 − lr · weightDecay, or 1 for parameters without decay */
  keep: number;
}

export interface WebGPUKernels {
  /**
   * One parameter's AdamW update, from its gradient and its moments packed as [m | v] (2 × its size):
   * the new moments, packed alike, and the new parameter (float32, in the caller's tidy scope).
   * clipScale is a 1-element tensor: min(1, clip / ‖g‖).
   */
  adamw(param: tf.Tensor, grad: tf.Tensor, moments: tf.Tensor, clipScale: tf.Tensor, hyper: AdamWHyper): { moments: tf.Tensor1D; param: tf.Tensor };
  /** Σ g² over every value of every tensor: a scalar. */
  sumOfSquares(tensors: tf.Tensor[]): tf.Scalar;
  /** LayerNorm of x (N, C) over its last axis, times gain (C) plus bias (C). */
  layerNorm(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor2D;
  /** dL/dx of layerNorm, from x, gain and dy (N, C). */
  layerNormDx(x: tf.Tensor2D, gain: tf.Tensor1D, dy: tf.Tensor2D, eps: number): tf.Tensor2D;
  /** dy · x̂ (N, C): summed over rows, the gain's gradient. */
  layerNormDyXhat(x: tf.Tensor2D, dy: tf.Tensor2D, eps: number): tf.Tensor2D;
  /** Exact GELU, x·Φ(x). */
  gelu(x: tf.Tensor): tf.Tensor;
  /** dy · d/dx x·Φ(x) = dy · (Φ(x) + x·φ(x)). */
  geluGrad(x: tf.Tensor, dy: tf.Tensor): tf.Tensor;
  /**
   * x · scale where the j-th number (row-major) of Rng(seed) is ≥ rate, else 0: the mask of
   * Rng.fillMask, the same values, drawn here from mulberry32's counter form (rng.ts).
   */
  dropout(x: tf.Tensor, rate: number, seed: number, scale: number): tf.Tensor;
}

/** The fused kernels when the current backend is webgpu; undefined otherwise. */
export function webgpuKernels(): WebGPUKernels | undefined {
  if (!util || tf.getBackend() !== 'webgpu') return undefined;
  const backend = tf.backend() as WebGPUBackendLike;
  if (typeof backend.runWebGPUProgram !== 'function') return undefined;
  const u = util;
  const engine = tf.engine();
  const f32 = (...values: number[]): Uniform[] => values.map((value) => ({ type: 'float32', data: [value] }));
  const run = <T extends tf.Tensor>(p: WebGPUProgramLike, inputs: tf.Tensor[], uniforms: Uniform[] = []) =>
    engine.makeTensorFromTensorInfo(backend.runWebGPUProgram(p, inputs, 'float32', uniforms)) as T;
  const flat = (t: tf.Tensor) => tf.reshape(t, [t.size]); // a view: no dispatch
  const rowUniforms = (x: tf.Tensor2D, eps: number): Uniform[] => [
    { type: 'int32', data: [x.shape[0]] },
    { type: 'int32', data: [x.shape[1]] },
    ...f32(eps),
  ];
  const ROW_UNIFORMS = 'rows : i32, cols : i32, eps : f32,';
  const rows = (key: string, inputs: string[], x: tf.Tensor2D, code: string) =>
    program(u, key, inputs, x.shape, code, { uniforms: ROW_UNIFORMS, workgroup: ROW_WORKGROUP, workgroups: x.shape[0] });

  return {
    adamw(param, grad, moments, clipScale, h) {
      const n = param.size;
      const scale = tf.reshape(clipScale, [1]);
      // [m | v] ← [β1 m + (1 − β1) g | β2 v + (1 − β2) g²],   g clipped
      const newMoments = run<tf.Tensor1D>(
        program(u, 'lmx_adam_moments', ['grad', 'moments', 'clipScale'], [2 * n], elementwise(`
          let n = uniforms.gradShape;
          let g = grad[index % n] * clipScale[0];
          var value : f32;
          if (index < n) {
            value = uniforms.beta1 * moments[index] + uniforms.oneMinusBeta1 * g;
          } else {
            value = uniforms.beta2 * moments[index] + uniforms.oneMinusBeta2 * g * g;
          }`), { uniforms: 'beta1 : f32, oneMinusBeta1 : f32, beta2 : f32, oneMinusBeta2 : f32,' }),
        [flat(grad), moments, scale],
        f32(h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2),
      );
      // p ← p · keep − stepSize · m / (√v · invSqrtBc2 + eps)
      const newParam = run(
        program(u, 'lmx_adamw_param', ['param', 'moments'], [n],
          elementwise('let value = param[index] * uniforms.keep - uniforms.stepSize * moments[index] / (sqrt(moments[index + uniforms.size]) * uniforms.invSqrtBc2 + uniforms.eps);'),
          { uniforms: 'stepSize : f32, invSqrtBc2 : f32, eps : f32, keep : f32,' }),
        [flat(param), newMoments],
        f32(h.stepSize, h.invSqrtBc2, h.eps, h.keep),
      );
      return { moments: newMoments, param: tf.reshape(newParam, param.shape) };
    },

    sumOfSquares(tensors) {
      const partials: tf.Tensor[] = [];
      for (let i = 0; i < tensors.length; i += SQUARES_PER_DISPATCH) {
        const group = tensors.slice(i, i + SQUARES_PER_DISPATCH).map(flat);
        const names = group.map((_, j) => `g${j}`);
        partials.push(run(program(u, `lmx_sum_squares_${group.length}`, names, [SQUARES_WORKGROUPS], sumOfSquaresCode(group.length),
          { workgroup: SQUARES_WORKGROUP, workgroups: SQUARES_WORKGROUPS }), group));
      }
      return tf.sum(partials.length === 1 ? partials[0] : tf.addN(partials));
    },

    layerNorm(x, gain, bias, eps) {
      return run(rows('lmx_layer_norm', ['x', 'gain', 'bias'], x,
        rowProgram('', 'setOutputAtIndex(base + k, xhat * gain[k] + bias[k]);')), [x, gain, bias], rowUniforms(x, eps));
    },

    layerNormDx(x, gain, dy, eps) {
      // dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)),  g = dy · gain
      const prelude = `
        var a = 0.0;
        var b = 0.0;
        if (live) {
          for (var k = lid; k < cols; k = k + ${ROW_WORKGROUP}) {
            let g = dy[base + k] * gain[k];
            a = a + g;
            b = b + g * (x[base + k] - mean) * rstd;
          }
        }
        let meanG = workgroupSum(a) / f32(cols);
        let meanGXhat = workgroupSum(b) / f32(cols);`;
      const body = 'setOutputAtIndex(base + k, rstd * (dy[base + k] * gain[k] - meanG - xhat * meanGXhat));';
      return run(rows('lmx_layer_norm_dx', ['x', 'gain', 'dy'], x, rowProgram(prelude, body)), [x, gain, dy], rowUniforms(x, eps));
    },

    layerNormDyXhat(x, dy, eps) {
      return run(rows('lmx_layer_norm_dy_xhat', ['x', 'dy'], x, rowProgram('', 'setOutputAtIndex(base + k, dy[base + k] * xhat);')), [x, dy], rowUniforms(x, eps));
    },

    gelu(x) {
      const code = `${ERF}${elementwise(`let v = x[index];\n          let value = v * ((erfApprox(v * ${Math.SQRT1_2}) + 1.0) * 0.5);`)}`;
      return tf.reshape(run(program(u, 'lmx_gelu', ['x'], [x.size], code), [flat(x)]), x.shape);
    },

    geluGrad(x, dy) {
      const code = `${ERF}${elementwise(
        `let v = x[index];\n          let cdf = (erfApprox(v * ${Math.SQRT1_2}) + 1.0) * 0.5;\n          let pdf = exp(v * v * -0.5) * ${1 / Math.sqrt(2 * Math.PI)};\n          let value = dy[index] * (cdf + v * pdf);`,
      )}`;
      return tf.reshape(run(program(u, 'lmx_gelu_grad', ['x', 'dy'], [x.size], code), [flat(x), flat(dy)]), x.shape);
    },

    dropout(x, rate, seed, scale) {
      // mulberry32's number j of Rng(seed): the state after j + 1 steps, mixed (u32 arithmetic wraps like Math.imul)
      const code = elementwise(`
          var t = uniforms.seed + (u32(index) + 1u) * 0x6d2b79f5u;
          t = (t ^ (t >> 15u)) * (t | 1u);
          t = t ^ (t + (t ^ (t >> 7u)) * (t | 61u));
          var value = 0.0;
          if ((t ^ (t >> 14u)) >= uniforms.threshold) {
            value = x[index] * uniforms.scale;
          }`);
      const threshold = Math.min(keepThreshold(rate), 0xffffffff);
      return tf.reshape(
        run(program(u, 'lmx_dropout', ['x'], [x.size], code, { uniforms: 'seed : u32, threshold : u32, scale : f32,' }), [flat(x)], [
          { type: 'uint32', data: [seed >>> 0] },
          { type: 'uint32', data: [threshold] },
          ...f32(scale),
        ]),
        x.shape,
      );
    },
  };
}
