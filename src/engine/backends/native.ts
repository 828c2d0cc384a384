// The `native` backend: TensorFlow.js's cpu backend (MathBackendCPU, plain JavaScript, tensors in
// Float32Arrays) registered under another name, with its hot kernels replaced by C++ ones from the
// project's own N-API addon (native/: a packed, cache-blocked SGEMM with an AVX2/FMA micro-kernel chosen
// at run time and a portable fallback, on a small thread pool). The addon works in place on the cpu
// backend's Float32Arrays: no copies, and every other kernel is the cpu backend's own.
//
// The addon is built from source by `npm install` (scripts/build-native.mjs, node-gyp); where it is
// missing or fails to load, initNative() throws with the reason and the engine falls back to wasm.
// It is looked for beside the running bundle (esbuild.js copies it into dist/) and in native/build/Release
// of the package (walking up from this file), or at $LMX_NATIVE_ADDON.
//
// Threads: $LMX_NATIVE_THREADS, else the available cores up to 4 (the products here are too small to
// use more).

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export const NATIVE_BACKEND = 'native';
export const ADDON_FILE = 'lmx_native.node';

export interface NativeAddon {
  /** out[b] = op(a[b]) · op(b[b]) for b < batch; a[b] starts at strideA·b (0: broadcast). */
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, M: number, N: number, K: number,
    transposeA: boolean, transposeB: boolean, strideA: number, strideB: number): void;
  setThreads(n: number): number;
  forceGeneric(on: boolean): void;
  info(): { avx2: boolean; threads: number; version: number };
}

let addon: { ok: true; addon: NativeAddon; file: string } | { ok: false; reason: string } | undefined;

/** Candidate paths of the addon, in the order they are tried. */
export function addonCandidates(): string[] {
  const found: string[] = [];
  if (process.env.LMX_NATIVE_ADDON) found.push(path.resolve(process.env.LMX_NATIVE_ADDON));
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    found.push(path.join(dir, ADDON_FILE), path.join(dir, 'native', 'build', 'Release', ADDON_FILE));
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return found;
}

/** Loads the addon once; never throws. */
export function loadAddon(): { ok: true; addon: NativeAddon; file: string } | { ok: false; reason: string } {
  if (addon) return addon;
  const file = addonCandidates().find((f) => fs.existsSync(f));
  if (!file) {
    addon = { ok: false, reason: `${ADDON_FILE} is not built (npm install builds it with node-gyp; see native/)` };
    return addon;
  }
  try {
    const mod = { exports: {} as NativeAddon };
    process.dlopen(mod, file);
    if (typeof mod.exports.matmul !== 'function') throw new Error('it exports no matmul');
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
// Kernels

type CpuBackend = MathBackendCPU;

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
  const out = new Float32Array(batch * M * N);
  native.matmul(values(backend, a), values(backend, b), out, batch, M, N, K, transposeA, transposeB,
    batchA === 1 ? 0 : M * K, batchB === 1 ? 0 : K * N);
  return backend.makeTensorInfo([...outBatch, M, N], 'float32', out);
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
  const cpuBatchMatMul = cpuKernels.find((k) => k.kernelName === tf.BatchMatMul)!;
  replaceKernel({
    kernelName: tf.BatchMatMul,
    backendName: NATIVE_BACKEND,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      return nativeBatchMatMul(native, args.backend as CpuBackend, a, b, transposeA, transposeB) ?? cpuBatchMatMul.kernelFunc(args);
    },
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
  tf.registerBackend(NATIVE_BACKEND, () => new MathBackendCPU(), -1);
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
