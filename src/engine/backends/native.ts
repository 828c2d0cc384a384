// The `native` backend: TensorFlow.js's cpu backend (MathBackendCPU, plain JavaScript, tensors in
// Float32Arrays) registered under another name, with its hot kernels replaced by C++ ones from the
// project's own N-API addon (native/: a packed, cache-blocked SGEMM with an AVX2/FMA micro-kernel chosen
// at run time and a portable fallback, on a small thread pool). The addon works in place on the cpu
// backend's Float32Arrays: no copies, and every other kernel is the cpu backend's own.
//
// The addon is built from source by `npm install` (scripts/build-native.mjs, node-gyp); where it is
// missing, out of date or fails to load, registerNativeBackend() throws with the reason and the engine
// falls back to wasm.
// It is looked for beside the running bundle (esbuild.js copies it into dist/) and in native/build/Release
// of the package (walking up from this file), or at $LMX_NATIVE_ADDON; LMX_NATIVE=0 switches it off.
//
// Threads: $LMX_NATIVE_THREADS, else the available cores up to 4 (the products here are too small to
// use more).

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { Activation } from '../model';

export const NATIVE_BACKEND = 'native';
export const ADDON_FILE = 'lmx_native.node';

/**
 * The addon's interface version (info().version) the fused decoder and training step need: from 2 they take the
 * model's GELU and LayerNorm ε (native/src/numerics.h); an older build computes only the exact GELU and ε 1e-5.
 */
export const ADDON_VERSION = 2;
export const OUTDATED_ADDON = `the native addon predates version ${ADDON_VERSION} (the model's GELU and LayerNorm ε as parameters); rebuild it: npm run build:native`;

/** numerics.h's Activation values, by the engine's name. */
const ADDON_ACTIVATIONS: Record<Activation, number> = { gelu: 0, gelu_tanh: 1 };

/** decoderCreate's and trainStepCreate's last two arguments for a model's numerics (model.ts numerics()). */
export function addonNumerics(numerics: { activation: Activation; layerNormEpsilon: number }): [activation: number, layerNormEpsilon: number] {
  return [ADDON_ACTIVATIONS[numerics.activation], numerics.layerNormEpsilon];
}

export interface NativeAddon {
  /** out[b] = op(a[b]) · op(b[b]) for b < batch; a[b] starts at strideA·b (0: broadcast). */
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, M: number, N: number, K: number,
    transposeA: boolean, transposeB: boolean, strideA: number, strideB: number): void;
  /** op 0 add, 1 sub, 2 mul, 3 div; shape: the output's; strides: each input's per output dim (0: broadcast). */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, shape: number[], stridesA: number[], stridesB: number[]): void;
  transpose(x: Float32Array, out: Float32Array, shape: number[], perm: number[]): void;
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** op 0 sum, 1 mean, 2 max, 3 min over the trailing `inner` elements of each of `outer` rows. */
  reduce(op: number, x: Float32Array, out: Float32Array, outer: number, inner: number): void;
  /** op 0 exp, 1 erf, 2 square, 3 rsqrt, 4 log, 5 sqrt, element by element over x. */
  unary(op: number, x: Float32Array, out: Float32Array): void;
  /** out[j] = Σ_i x[i·inner + j] over i < outer (a sum over leading axes); mean: divided by outer. */
  sumLeading(x: Float32Array, out: Float32Array, outer: number, inner: number, mean: boolean): void;
  /** Σ g², in double. */
  sumSquares(g: Float32Array): number;
  /**
   * Rng.fillMask of a generator whose state is `state` (uint32): out[j] = scale where its number j is ≥
   * threshold (keepThreshold(rate), uint32), else 0. Absent from an addon built before dropout.
   */
  fillMask?(out: Float32Array, state: number, threshold: number, scale: number): void;
  /** One AdamW step in double, as the trainer's JavaScript loop: m and v in place, the new parameters to out. */
  adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, scale: number, beta1: number,
    beta2: number, stepSize: number, invSqrtBc2: number, eps: number, keep: number): void;
  setThreads(n: number): number;
  forceGeneric(on: boolean): void;
  info(): { avx2: boolean; threads: number; version: number };
  // Fused decoding (native/src/decoder.cc, used by ../nativeDecode.ts); optional: an older build lacks them.
  /**
   * A handle holding a copy of the weights ([V, ctx, L, H, C]; order: decoder.h) and an empty K/V cache;
   * activation and layerNormEpsilon: addonNumerics() (version ≥ 2).
   */
  decoderCreate?(dims: number[], weights: Float32Array[], activation: number, layerNormEpsilon: number): unknown;
  /** Runs ids at the next positions, appends their keys/values, writes the last one's logits (V); returns the cache length. */
  decoderRun?(handle: unknown, ids: number[], logits: Float32Array): number;
  decoderReset?(handle: unknown): void;
  decoderFree?(handle: unknown): void;
  // The fused training step (native/src/trainstep.cc, used by ../training/fusedStep.ts); optional likewise.
  /**
   * A handle with copies of the parameters ([V, ctx, L, H, C, B, T, learned]; GPT.parameterShapes() order), zero moments;
   * activation and layerNormEpsilon: addonNumerics() (version ≥ 2).
   */
  trainStepCreate?(dims: number[], params: Float32Array[], positions: Float32Array | null, decay: boolean[], parts: number, profile: boolean,
    activation: number, layerNormEpsilon: number): unknown;
  /**
   * Forward, backward and (with adam: [lr, beta1, beta2, eps, weightDecay, gradClip, t]) AdamW of one batch;
   * result gets [loss, gradNorm]; with adam the new parameters are copied into outs.
   */
  trainStepRun?(handle: unknown, x: Int32Array, y: Int32Array, seeds: Uint32Array | null, threshold: number, scale: number,
    adam: Float64Array | null, outs: Float32Array[] | null, result: Float64Array): void;
  /** what: 0 parameter, 1 the last gradient, 2 first moment, 3 second moment; index in parameter order. */
  trainStepRead?(handle: unknown, what: number, index: number, out: Float32Array): void;
  /** what: 0 parameter, 2 first moment, 3 second moment. */
  trainStepWrite?(handle: unknown, what: number, index: number, data: Float32Array): void;
  /** Milliseconds per phase summed over the threads (with profile on at creation) and the steps they cover. */
  trainStepProfile?(handle: unknown, reset: boolean): { steps: number; phases: Record<string, number> };
  trainStepFree?(handle: unknown): void;
}

const REQUIRED = ['matmul', 'binary', 'transpose', 'softmax', 'reduce', 'unary', 'sumLeading', 'sumSquares', 'adamw', 'setThreads', 'forceGeneric', 'info'];

let addon: { ok: true; addon: NativeAddon; file: string } | { ok: false; reason: string } | undefined;

/** Candidate paths of the addon, in the order they are tried. */
export function addonCandidates(): string[] {
  const found: string[] = [];
  if (process.env.LMX_NATIVE_ADDON) found.push(path.resolve(process.env.LMX_NATIVE_ADDON));
  for (const dir of foldersUpFromHere()) found.push(path.join(dir, ADDON_FILE), path.join(dir, 'native', 'build', 'Release', ADDON_FILE));
  return found;
}

/** This file's folder and up to four above it: where a bundle (dist/) or the package root may be. */
function foldersUpFromHere(): string[] {
  const folders = [__dirname];
  while (folders.length < 5) {
    const up = path.dirname(folders[folders.length - 1]);
    if (up === folders[folders.length - 1]) break;
    folders.push(up);
  }
  return folders;
}

/** The reason given by an installed package without the addon: the universal .vsix (npm run package). */
export const NOT_PACKAGED =
  `this package carries no ${ADDON_FILE} (the universal .vsix is WebAssembly only); ` +
  `the platform package, such as lm-explorer-linux-x64-<version>.vsix, has the C++ kernels`;

/** True where the addon's sources (native/binding.gyp) sit above this file: a clone, not an installed package. */
function sourceCheckout(): boolean {
  return foldersUpFromHere().some((dir) => fs.existsSync(path.join(dir, 'native', 'binding.gyp')));
}

/** Loads the addon once; never throws. */
export function loadAddon(): { ok: true; addon: NativeAddon; file: string } | { ok: false; reason: string } {
  if (addon) return addon;
  if (process.env.LMX_NATIVE === '0') return (addon = { ok: false, reason: 'switched off (LMX_NATIVE=0)' });
  const file = addonCandidates().find((f) => fs.existsSync(f));
  if (!file) {
    addon = { ok: false, reason: sourceCheckout() ? `${ADDON_FILE} is not built (npm install builds it with node-gyp; see native/)` : NOT_PACKAGED };
    return addon;
  }
  try {
    const mod = { exports: {} as NativeAddon };
    process.dlopen(mod, file);
    const missing = REQUIRED.filter((f) => typeof (mod.exports as unknown as Record<string, unknown>)[f] !== 'function');
    if (missing.length) throw new Error(`it is out of date (no ${missing.join(', ')}); rebuild it: npm run build:native`);
    addon = { ok: true, addon: mod.exports, file };
  } catch (error) {
    addon = { ok: false, reason: `${file} failed to load: ${(error as Error).message.split('\n')[0]}` };
  }
  return addon;
}

function defaultThreads(): number {
  const env = Number(process.env.LMX_NATIVE_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(4, cores));
}

// ---------------------------------------------------------------------------------------------------
// The backend: MathBackendCPU with recycled output arrays
//
// Allocating every kernel output anew makes V8 run full mark-compacts on external-memory pressure, a
// large share of a training step. The native kernels therefore take their outputs from a pool that disposed tensors return to. Only arrays the pool
// handed out are recycled, and only while nothing else can see them: reads (dataSync, data) get copies of
// them, and an array that is stored a second time (a view from a cpu kernel's slice, the same array under
// another tensor) is pinned and never recycled.

const POOL_LIMIT_BYTES = 192 * 2 ** 20;

interface Owned {
  array: Float32Array;
  /** Handed out, not yet stored in a tensor. */
  fresh: boolean;
  /** Seen somewhere else too: never recycled. */
  pinned: boolean;
}

export class NativeBackend extends MathBackendCPU {
  private readonly pool = new Map<number, Float32Array[]>();
  private pooledBytes = 0;
  private readonly owned = new WeakMap<ArrayBufferLike, Owned>();

  /** A float32 array of n elements for a kernel to fill completely (its old contents are arbitrary). */
  alloc(n: number): Float32Array {
    const free = this.pool.get(n);
    const reused = free?.pop();
    if (reused) {
      this.pooledBytes -= reused.byteLength;
      this.owned.get(reused.buffer)!.fresh = true;
      return reused;
    }
    const array = new Float32Array(n);
    if (n >= 64) this.owned.set(array.buffer, { array, fresh: true, pinned: false });
    return array;
  }

  private note(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const o = this.owned.get(values.buffer);
    if (!o) return;
    if (o.fresh && values === o.array) o.fresh = false;
    else o.pinned = true;
  }

  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId {
    this.note(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: tf.DataId, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    this.note(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: tf.DataId): tf.backend_util.BackendValues {
    const values = super.readSync(dataId);
    // a pooled array must not outlive its tensor in the caller's hands
    return values instanceof Float32Array && this.owned.has(values.buffer) ? values.slice() : values;
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const released = super.disposeData(dataId, force);
    if (released && values instanceof Float32Array) {
      const o = this.owned.get(values.buffer);
      if (o && !o.pinned && !o.fresh && o.array === values && this.pooledBytes + values.byteLength <= POOL_LIMIT_BYTES) {
        o.fresh = true; // in the pool: a later store of it is a hand-out again
        let free = this.pool.get(values.length);
        if (!free) this.pool.set(values.length, (free = []));
        free.push(values);
        this.pooledBytes += values.byteLength;
      }
    }
    return released;
  }

  override dispose(): void {
    this.pool.clear();
    this.pooledBytes = 0;
    super.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------
// Kernels

type CpuBackend = NativeBackend;

function values(backend: CpuBackend, t: tf.TensorInfo): Float32Array {
  return backend.data.get(t.dataId).values as Float32Array;
}

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * BatchMatMul on the addon; returns undefined where it does not apply (non-float32 inputs, batch
 * dimensions that broadcast other than all-or-nothing), and the cpu kernel runs instead.
 */
function nativeBatchMatMul(native: NativeAddon, backend: CpuBackend, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean,
  transposeB: boolean): tf.TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const Kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (K !== Kb) return undefined; // the cpu kernel throws tfjs's own message
  const batchShapeA = a.shape.slice(0, -2);
  const batchShapeB = b.shape.slice(0, -2);
  const batchA = product(batchShapeA);
  const batchB = product(batchShapeB);
  let outBatch: number[];
  try {
    outBatch = tf.broadcast_util.assertAndGetBroadcastShape(batchShapeA, batchShapeB);
  } catch {
    return undefined;
  }
  const batch = product(outBatch);
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return undefined;
  const out = backend.alloc(batch * M * N);
  native.matmul(values(backend, a), values(backend, b), out, batch, M, N, K, transposeA, transposeB,
    batchA === 1 ? 0 : M * K, batchB === 1 ? 0 : K * N);
  return backend.makeTensorInfo([...outBatch, M, N], 'float32', out);
}

/** Row-major strides of a shape. */
function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    st[d] = s;
    s *= shape[d];
  }
  return st;
}

/**
 * An element-wise op with broadcasting on the addon: each input gets a stride per output dimension (0
 * where it is broadcast), and neighbouring dimensions that walk both inputs alike are merged, so the
 * addon's inner loop is as long as possible.
 */
function nativeBinary(native: NativeAddon, backend: CpuBackend, op: number, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const R = outShape.length;
  const strides = (shape: readonly number[]) => {
    const own = stridesOf(shape);
    return outShape.map((_, d) => {
      const i = d - (R - shape.length);
      return i < 0 || shape[i] === 1 ? 0 : own[i];
    });
  };
  const sa = strides(a.shape);
  const sb = strides(b.shape);
  const shape: number[] = [];
  const ka: number[] = [];
  const kb: number[] = [];
  for (let d = 0; d < R; d++) {
    if (outShape[d] === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && ka[last] === sa[d] * outShape[d] && kb[last] === sb[d] * outShape[d]) {
      shape[last] *= outShape[d];
      ka[last] = sa[d];
      kb[last] = sb[d];
    } else {
      shape.push(outShape[d]);
      ka.push(sa[d]);
      kb.push(sb[d]);
    }
  }
  const out = backend.alloc(product(outShape));
  if (out.length > 0) native.binary(op, values(backend, a), values(backend, b), out, shape, ka, kb);
  return backend.makeTensorInfo(outShape, 'float32', out);
}

function nativeTranspose(native: NativeAddon, backend: CpuBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo | undefined {
  if (x.dtype !== 'float32') return undefined;
  const outShape = perm.map((p) => x.shape[p]);
  const out = backend.alloc(product(x.shape));
  if (out.length > 0) native.transpose(values(backend, x), out, [...x.shape], [...perm]);
  return backend.makeTensorInfo(outShape, 'float32', out);
}

function nativeSoftmax(native: NativeAddon, backend: CpuBackend, x: tf.TensorInfo, dim: number): tf.TensorInfo | undefined {
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || rank === 0 || (dim !== -1 && dim !== rank - 1)) return undefined;
  const cols = x.shape[rank - 1];
  const n = product(x.shape);
  const out = backend.alloc(n);
  if (n > 0) native.softmax(values(backend, x), out, n / cols, cols);
  return backend.makeTensorInfo([...x.shape], 'float32', out);
}

/** Sum/Mean/Max/Min over trailing axes only (the rest go to the cpu kernels). */
function nativeReduce(native: NativeAddon, backend: CpuBackend, op: number, x: tf.TensorInfo, axis: number | number[],
  keepDims: boolean): tf.TensorInfo | undefined {
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || rank === 0) return undefined;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  if (axes.length === 0) return undefined;
  if (op <= 1 && axes.length < rank && axes.every((ax, i) => ax === i)) {
    // sum or mean over leading axes (broadcast gradients): column sums
    const outer = product(axes.map((ax) => x.shape[ax]));
    const keptShape = x.shape.slice(axes.length);
    const inner = product(keptShape);
    if (outer === 0) return undefined;
    const out = backend.alloc(inner);
    if (inner > 0) native.sumLeading(values(backend, x), out, outer, inner, op === 1);
    return backend.makeTensorInfo(keepDims ? [...axes.map(() => 1), ...keptShape] : keptShape, 'float32', out);
  }
  if (axes.some((ax, i) => ax !== rank - axes.length + i)) return undefined;
  const inner = product(axes.map((ax) => x.shape[ax]));
  if (inner === 0) return undefined;
  const kept = x.shape.slice(0, rank - axes.length);
  const outer = product(kept);
  const out = backend.alloc(outer);
  if (outer > 0) native.reduce(op, values(backend, x), out, outer, inner);
  const outShape = keepDims ? [...kept, ...axes.map(() => 1)] : kept;
  return backend.makeTensorInfo(outShape, 'float32', out);
}

/** Gather of whole rows (axis 0, no batch dims) of a float32 tensor: row copies into a pooled array. */
function rowGather(backend: CpuBackend, x: tf.TensorInfo, indices: tf.TensorInfo, axis: number, batchDims: number): tf.TensorInfo | undefined {
  if (x.dtype !== 'float32' || indices.dtype !== 'int32' || batchDims !== 0 || x.shape.length === 0) return undefined;
  if (tf.util.parseAxisParam(axis, x.shape)[0] !== 0) return undefined;
  const ids = backend.data.get(indices.dataId).values as Int32Array;
  const rows = x.shape[0];
  for (let i = 0; i < ids.length; i++) if (!(ids[i] >= 0 && ids[i] < rows)) return undefined; // the cpu kernel says what is wrong
  const width = product(x.shape.slice(1));
  const xs = values(backend, x);
  const out = backend.alloc(ids.length * width);
  for (let i = 0; i < ids.length; i++) out.set(xs.subarray(ids[i] * width, (ids[i] + 1) * width), i * width);
  return backend.makeTensorInfo([...indices.shape, ...x.shape.slice(1)], 'float32', out);
}

function replaceKernel(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, NATIVE_BACKEND);
  tf.registerKernel(config);
}

/** Every cpu kernel, registered for `native`, then the native ones over them. */
function registerKernels(native: NativeAddon): void {
  const cpuKernels = tf.getKernelsForBackend('cpu');
  const have = new Set(tf.getKernelsForBackend(NATIVE_BACKEND).map((k) => k.kernelName));
  for (const k of cpuKernels) {
    if (!have.has(k.kernelName)) tf.registerKernel({ ...k, backendName: NATIVE_BACKEND });
  }
  const cpu = (name: string) => cpuKernels.find((k) => k.kernelName === name)!.kernelFunc;
  // Each native kernel returns undefined where it does not apply; the cpu backend's kernel runs then.
  const over = (name: string, f: (args: Parameters<tf.KernelFunc>[0], backend: CpuBackend) => tf.TensorInfo | undefined) => {
    const fallback = cpu(name);
    replaceKernel({ kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: (args) => f(args, args.backend as CpuBackend) ?? fallback(args) });
  };
  type AB = { a: tf.TensorInfo; b: tf.TensorInfo };
  over(tf.BatchMatMul, ({ inputs, attrs }, backend) => {
    const { a, b } = inputs as AB;
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    return nativeBatchMatMul(native, backend, a, b, transposeA, transposeB);
  });
  for (const [name, op] of [[tf.Add, 0], [tf.Sub, 1], [tf.Multiply, 2], [tf.RealDiv, 3]] as const) {
    over(name, ({ inputs }, backend) => nativeBinary(native, backend, op, (inputs as AB).a, (inputs as AB).b));
  }
  for (const [name, op] of [[tf.Exp, 0], [tf.Erf, 1], [tf.Square, 2], [tf.Rsqrt, 3], [tf.Log, 4], [tf.Sqrt, 5]] as const) {
    over(name, ({ inputs }, backend) => {
      const { x } = inputs as { x: tf.TensorInfo };
      if (x.dtype !== 'float32') return undefined;
      const out = backend.alloc(product(x.shape));
      if (out.length > 0) native.unary(op, values(backend, x), out);
      return backend.makeTensorInfo([...x.shape], 'float32', out);
    });
  }
  over(tf.GatherV2, ({ inputs, attrs }, backend) => {
    const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = attrs as unknown as tf.GatherV2Attrs;
    return rowGather(backend, x, indices, axis, batchDims);
  });
  over(tf.Transpose, ({ inputs, attrs }, backend) => nativeTranspose(native, backend, (inputs as { x: tf.TensorInfo }).x, (attrs as unknown as tf.TransposeAttrs).perm));
  over(tf.Softmax, ({ inputs, attrs }, backend) => nativeSoftmax(native, backend, (inputs as { logits: tf.TensorInfo }).logits, (attrs as unknown as tf.SoftmaxAttrs).dim));
  over(tf.Sum, ({ inputs, attrs }, backend) => {
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
    return nativeReduce(native, backend, 0, (inputs as { x: tf.TensorInfo }).x, axis, keepDims);
  });
  over(tf.Mean, ({ inputs, attrs }, backend) => {
    const { axis, keepDims } = attrs as unknown as tf.MeanAttrs;
    return nativeReduce(native, backend, 1, (inputs as { x: tf.TensorInfo }).x, axis, keepDims);
  });
  over(tf.Max, ({ inputs, attrs }, backend) => {
    const { reductionIndices, keepDims } = attrs as unknown as tf.MaxAttrs;
    return nativeReduce(native, backend, 2, (inputs as { x: tf.TensorInfo }).x, reductionIndices, keepDims);
  });
  over(tf.Min, ({ inputs, attrs }, backend) => {
    const { axis, keepDims } = attrs as unknown as tf.MinAttrs;
    return nativeReduce(native, backend, 3, (inputs as { x: tf.TensorInfo }).x, axis, keepDims);
  });
}

let registered: { file: string; threads: number; avx2: boolean } | undefined;

/**
 * Registers the `native` backend (once). Throws an Error with the reason where the addon is missing or
 * fails to load. Returns what was loaded, for the backend report.
 */
export function registerNativeBackend(): { file: string; threads: number; avx2: boolean } {
  if (registered) return registered;
  if (!tf.findBackendFactory('cpu')) throw new Error('the cpu backend is not registered');
  const loaded = loadAddon();
  if (!loaded.ok) throw new Error(loaded.reason);
  const threads = loaded.addon.setThreads(defaultThreads());
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), -1);
  registerKernels(loaded.addon);
  registered = { file: loaded.file, threads, avx2: loaded.addon.info().avx2 };
  return registered;
}

/** The loaded addon (tests compare its kernels with the cpu backend's); throws where it is unavailable. */
export function nativeAddon(): NativeAddon {
  const loaded = loadAddon();
  if (!loaded.ok) throw new Error(loaded.reason);
  return loaded.addon;
}

/** The addon's optimizer loops while the native backend is the current one (the trainer's host AdamW uses them). */
export function nativeOptimizerKernels(): Pick<NativeAddon, 'sumSquares' | 'adamw'> | undefined {
  return registered && tf.getBackend() === NATIVE_BACKEND && addon?.ok ? addon.addon : undefined;
}

/** The addon's dropout mask, on the native backend with an addon that has it; undefined otherwise. */
export function nativeMaskKernel(): NativeAddon['fillMask'] | undefined {
  return registered && tf.getBackend() === NATIVE_BACKEND && addon?.ok ? addon.addon.fillMask?.bind(addon.addon) : undefined;
}
