// AdamW as three fused WebGPU compute shaders per parameter, for the Trainer on the webgpu backend.
//
// Written in TensorFlow.js ops, one AdamW update is about 15 kernels per parameter (multiply by the clip
// scale, the two moment updates, the square root, the bias corrections, the decay, …): some 1,500 GPU
// dispatches per step for the medium preset's 100 parameters, each with its own bind group, uniform
// buffer and JavaScript bookkeeping. Here each parameter costs three: the first moment, the second
// moment, and the parameter itself. Same arithmetic as the Trainer's other AdamW (PyTorch's formulation,
// float32 on the GPU); the backend-parity test compares two Trainer steps with the cpu backend's.
//
// The programs follow tfjs-backend-webgpu's own (e.g. its ClipProgram): flat 1-D shapes, 64 invocations
// per workgroup, `uniforms.size` as the bound, named storage buffers for the inputs.

import * as tf from '@tensorflow/tfjs-core';

/** What tfjs-backend-webgpu needs of a program (its WebGPUProgram interface, the fields used here). */
interface WebGPUProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  uniforms: string;
  getUserCode(): string;
}

interface WebGPUBackendLike extends tf.KernelBackend {
  runWebGPUProgram(
    program: WebGPUProgramLike,
    inputs: tf.TensorInfo[],
    outputDtype: 'float32',
    uniforms?: { type: 'float32'; data: number[] }[],
  ): tf.TensorInfo;
}

interface WebGPUUtil {
  flatDispatchLayout(shape: number[]): { x: number[] };
  computeDispatch(layout: { x: number[] }, shape: number[], workgroupSize: [number, number, number]): [number, number, number];
}

const WORKGROUP: [number, number, number] = [64, 1, 1];

/** A flat elementwise program over `size` values: `body` computes `value` from the inputs at `index`. */
function elementwiseProgram(util: WebGPUUtil, key: string, inputs: string[], uniforms: string, size: number, body: string): WebGPUProgramLike {
  const outputShape = [size];
  const dispatchLayout = util.flatDispatchLayout(outputShape);
  return {
    variableNames: inputs,
    outputShape,
    shaderKey: key,
    dispatchLayout,
    dispatch: util.computeDispatch(dispatchLayout, outputShape, WORKGROUP),
    workgroupSize: WORKGROUP,
    size: true,
    uniforms,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
          setOutputAtIndex(index, value);
        }
      }
    `,
  };
}

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

export interface WebGPUOptimizerKernels {
  /**
   * One parameter's AdamW update: returns the new first moment, second moment and parameter (flat,
   * float32, in the caller's tidy scope). clipScale is a 1-element tensor: min(1, clip / ‖g‖).
   */
  adamw(
    param: tf.Tensor,
    grad: tf.Tensor,
    m: tf.Tensor,
    v: tf.Tensor,
    clipScale: tf.Tensor,
    hyper: AdamWHyper,
  ): { m: tf.Tensor; v: tf.Tensor; param: tf.Tensor };
}

let util: WebGPUUtil | undefined;

/** Called by the webgpu backend's loader with tfjs-backend-webgpu's exported webgpu_util. */
export function setWebGPUUtil(value: WebGPUUtil | undefined): void {
  util = value;
}

/** The fused AdamW kernels when the current backend is webgpu; undefined otherwise. */
export function webgpuOptimizerKernels(): WebGPUOptimizerKernels | undefined {
  if (!util || tf.getBackend() !== 'webgpu') return undefined;
  const backend = tf.backend() as WebGPUBackendLike;
  if (typeof backend.runWebGPUProgram !== 'function') return undefined;
  const u = util;
  const engine = tf.engine();
  const run = (program: WebGPUProgramLike, inputs: tf.Tensor[], uniforms: number[]) =>
    engine.makeTensorFromTensorInfo(
      backend.runWebGPUProgram(program, inputs, 'float32', uniforms.map((value) => ({ type: 'float32', data: [value] }))),
    );
  return {
    adamw(param, grad, m, v, clipScale, h) {
      const n = param.size;
      const flat = (t: tf.Tensor) => tf.reshape(t, [n]); // a view: no dispatch
      const g = flat(grad);
      const scale = tf.reshape(clipScale, [1]);
      // m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²,   g clipped
      const newM = run(
        elementwiseProgram(u, 'lmx_adam_m', ['grad', 'moment', 'clipScale'], 'beta : f32, oneMinusBeta : f32,', n,
          'let g = grad[index] * clipScale[0];\n          let value = uniforms.beta * moment[index] + uniforms.oneMinusBeta * g;'),
        [g, flat(m), scale],
        [h.beta1, 1 - h.beta1],
      );
      const newV = run(
        elementwiseProgram(u, 'lmx_adam_v', ['grad', 'moment', 'clipScale'], 'beta : f32, oneMinusBeta : f32,', n,
          'let g = grad[index] * clipScale[0];\n          let value = uniforms.beta * moment[index] + uniforms.oneMinusBeta * g * g;'),
        [g, flat(v), scale],
        [h.beta2, 1 - h.beta2],
      );
      // p ← p · keep − stepSize · m / (√v · invSqrtBc2 + eps)
      const newParam = run(
        elementwiseProgram(u, 'lmx_adamw_param', ['param', 'firstMoment', 'secondMoment'],
          'stepSize : f32, invSqrtBc2 : f32, eps : f32, keep : f32,', n,
          'let value = param[index] * uniforms.keep - uniforms.stepSize * firstMoment[index] / (sqrt(secondMoment[index]) * uniforms.invSqrtBc2 + uniforms.eps);'),
        [flat(param), newM, newV],
        [h.stepSize, h.invSqrtBc2, h.eps, h.keep],
      );
      return { m: tf.reshape(newM, m.shape), v: tf.reshape(newV, v.shape), param: tf.reshape(newParam, param.shape) };
    },
  };
}
