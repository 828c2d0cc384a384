// Chooses and starts a TensorFlow.js backend.
//
//   auto        the native TensorFlow binding (@tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node) when it
//               is installed and loads, else WebGPU on a hardware GPU, else WebAssembly, else plain JavaScript
//   tensorflow  only the native binding (an error when it cannot be had)
//   webgpu      only WebGPU (Dawn from the optional `webgpu` package; see webgpu.ts, docs/gpu.md),
//               software adapters such as SwiftShader included
//   native      the cpu backend with its hot kernels in the project's own C++ addon (native.ts,
//               native/), built by `npm install`; auto takes it after tensorflow and webgpu, before wasm
//   wasm        only WebAssembly
//   cpu         only plain JavaScript (slow, but always there)
//
// The native packages are optional: they are external to the bundles and required at run time inside
// try/catch, so a missing package or a native library that fails to load is a reason in the report, never a
// crash. The WebAssembly binaries are read from disk (beside the running bundle, where esbuild.js copies them,
// or from the package's own dist folder); nothing is ever fetched from a network.

import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { errorMessage, UserError } from '../errors';
import { BACKEND_NAMES, BACKEND_ORDER, isBackendName, type BackendName, type ConcreteBackendName } from './names';
import { initWebGPU, probeWebGPU, webgpuAdapter } from './webgpu';
// native.ts imports @tensorflow/tfjs-backend-cpu by name (MathBackendCPU), which keeps the package, and with
// it the registration of the cpu backend, in the bundles: a bare import of it would be dropped by esbuild
// (the package declares its node entry free of side effects).
import { registerNativeBackend } from './native';

export * from './names';

export interface BackendAttempt {
  /** What was tried: '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'webgpu', 'wasm' or 'cpu'. */
  backend: string;
  ok: boolean;
  /** Why it was passed over, or what was found when it was taken. */
  reason: string;
}

export interface BackendReport {
  /** The TensorFlow.js backend now in use: 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  name: string;
  /** What was requested. */
  requested: BackendName;
  /** Everything tried, in order, with the reason each was taken or passed over. */
  tried: BackendAttempt[];
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

let current: { requested: BackendName; report: Promise<BackendReport> } | undefined;
let wasmPathsSet: string | undefined;

/**
 * Initialises a backend and reports what was tried. Calling it again with the same request returns the same
 * report (the backend is started once); a different request switches backend. Throws a UserError when a
 * specific backend was requested and cannot be started; 'auto' always ends with at least 'cpu'.
 */
export function initBackend(requested: BackendName = 'auto'): Promise<BackendReport> {
  if (!isBackendName(requested)) {
    return Promise.reject(new UserError(`Unknown backend "${String(requested)}"; choose one of ${BACKEND_NAMES.join(', ')}.`));
  }
  if (current && current.requested === requested) return current.report;
  const previous = current;
  const report = start(requested);
  current = { requested, report };
  report.catch(() => {
    // A failed request may be retried; the backend started before it stays in use.
    if (current?.report === report) current = previous;
  });
  return report;
}

async function start(requested: BackendName): Promise<BackendReport> {
  // tfjs-core's own warnings (the cpu backend's advice to install tfjs-node, failed initialisations) would
  // otherwise go to the console; the report carries the reasons instead.
  tf.env().set('PROD', true);
  const tried: BackendAttempt[] = [];
  const order: readonly ConcreteBackendName[] = requested === 'auto' ? BACKEND_ORDER : [requested];
  for (const kind of order) {
    const ok =
      kind === 'tensorflow' ? await tryNative(tried)
      : kind === 'webgpu' ? await tryWebGPU(tried, requested === 'webgpu')
      : kind === 'native' ? await tryAddon(tried)
      : kind === 'wasm' ? await tryWasm(tried)
      : await tryCpu(tried);
    if (ok) return { name: tf.getBackend(), requested, tried };
  }
  const reasons = tried.map((t) => `${t.backend}: ${t.reason}`).join('; ');
  throw new UserError(`The ${requested} backend is not available (${reasons}).`);
}

async function tryNative(tried: BackendAttempt[]): Promise<boolean> {
  for (const pkg of NATIVE_PACKAGES) {
    const loaded = requireOptional(pkg);
    if (!loaded.ok) {
      tried.push({ backend: pkg, ok: false, reason: loaded.reason });
      continue;
    }
    if (!tf.findBackendFactory('tensorflow')) {
      tried.push({ backend: pkg, ok: false, reason: 'loaded, but registered no "tensorflow" backend with this copy of @tensorflow/tfjs-core (version mismatch?)' });
      continue;
    }
    const result = await setBackendCapturingWarnings('tensorflow');
    if (result.ok) {
      tried.push({ backend: pkg, ok: true, reason: pkg.endsWith('-gpu') ? 'native TensorFlow with CUDA' : 'native TensorFlow (CPU)' });
      return true;
    }
    tried.push({ backend: pkg, ok: false, reason: `failed to initialise: ${result.reason}` });
  }
  return false;
}

/** The cpu backend with the project's native kernels (backends/native.ts). */
async function tryAddon(tried: BackendAttempt[]): Promise<boolean> {
  let loaded: ReturnType<typeof registerNativeBackend>;
  try {
    loaded = registerNativeBackend();
  } catch (error) {
    tried.push({ backend: 'native', ok: false, reason: firstLine(errorMessage(error)) });
    return false;
  }
  const result = await setBackendCapturingWarnings('native');
  if (!result.ok) {
    tried.push({ backend: 'native', ok: false, reason: `failed to initialise: ${result.reason}` });
    return false;
  }
  tried.push({
    backend: 'native',
    ok: true,
    reason: `C++ kernels (${loaded.avx2 ? 'AVX2/FMA' : 'portable'}, ${loaded.threads} thread${loaded.threads === 1 ? '' : 's'}) from ${loaded.file}`,
  });
  return true;
}

/** WebGPU; under auto a software adapter (SwiftShader, lavapipe) is passed over: wasm is faster. */
async function tryWebGPU(tried: BackendAttempt[], explicit: boolean): Promise<boolean> {
  try {
    const { adapter } = await initWebGPU({ allowSoftware: explicit });
    tried.push({ backend: 'webgpu', ok: true, reason: `WebGPU on ${adapter.name}` });
    return true;
  } catch (error) {
    tried.push({ backend: 'webgpu', ok: false, reason: firstLine(errorMessage(error)) });
    return false;
  }
}

/** require() of an optional package: never throws; says why it could not be loaded. */
function requireOptional(pkg: (typeof NATIVE_PACKAGES)[number]): { ok: true } | { ok: false; reason: string } {
  try {
    // Literal requires, kept as run-time requires by esbuild (the packages are external in esbuild.js).
    if (pkg === '@tensorflow/tfjs-node-gpu') require('@tensorflow/tfjs-node-gpu');
    else require('@tensorflow/tfjs-node');
    return { ok: true };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${pkg}'`)) return { ok: false, reason: 'not installed' };
    return { ok: false, reason: `installed but failed to load: ${firstLine(errorMessage(error))}` };
  }
}

/** The folder holding the wasm binaries: beside the running bundle when they are there, else the package's. */
export function wasmDirectory(): string | undefined {
  const candidates: string[] = [__dirname];
  try {
    candidates.push(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    // not resolvable from here (a packaged extension): only the bundle's folder
  }
  return candidates.find((dir) => WASM_FILES.some((file) => fs.existsSync(path.join(dir, file))));
}

async function tryWasm(tried: BackendAttempt[]): Promise<boolean> {
  if (typeof WebAssembly !== 'object') {
    tried.push({ backend: 'wasm', ok: false, reason: 'this JavaScript runtime has no WebAssembly' });
    return false;
  }
  if (!wasmPathsSet) {
    const dir = wasmDirectory();
    if (!dir) {
      tried.push({ backend: 'wasm', ok: false, reason: `no tfjs-backend-wasm*.wasm files beside ${__dirname} or in the @tensorflow/tfjs-backend-wasm package` });
      return false;
    }
    setWasmPaths(dir.endsWith(path.sep) ? dir : dir + path.sep);
    wasmPathsSet = dir;
  }
  const result = await setBackendCapturingWarnings('wasm');
  if (!result.ok) {
    tried.push({ backend: 'wasm', ok: false, reason: `failed to initialise: ${result.reason}` });
    return false;
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  tried.push({
    backend: 'wasm',
    ok: true,
    reason: `WebAssembly${simd ? ' with SIMD' : ''}, ${threads ? 'multi-threaded' : 'one thread'}; binaries from ${wasmPathsSet}`,
  });
  return true;
}

async function tryCpu(tried: BackendAttempt[]): Promise<boolean> {
  const result = await setBackendCapturingWarnings('cpu');
  tried.push(result.ok ? { backend: 'cpu', ok: true, reason: 'plain JavaScript (slowest)' } : { backend: 'cpu', ok: false, reason: result.reason });
  return result.ok;
}

/** tf.setBackend, with the warnings it prints on failure collected as the reason. */
async function setBackendCapturingWarnings(name: string): Promise<{ ok: boolean; reason: string }> {
  const messages: string[] = [];
  const warn = console.warn;
  const prod = tf.env().getBool('PROD');
  tf.env().set('PROD', false); // let tfjs-core's log.warn through to the capture below
  console.warn = (...args: unknown[]) => messages.push(args.map(String).join(' '));
  try {
    const ok = await tf.setBackend(name);
    const reason = messages.filter((m) => !/^Initialization of backend/.test(m)).map(firstLine).join('; ');
    return { ok: ok && tf.getBackend() === name, reason: reason || 'initialisation failed' };
  } catch (error) {
    return { ok: false, reason: firstLine(errorMessage(error)) };
  } finally {
    console.warn = warn;
    tf.env().set('PROD', prod);
  }
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim()) ?? text;
  return line.trim().replace(/^Error:\s*/, '');
}

/** Human-readable lines describing a report (for `lmx backends` and logs). */
export function describeBackendReport(report: BackendReport): string[] {
  return report.tried.map((t) => `${t.ok ? '✓' : '✗'} ${t.backend.padEnd(26)} ${t.reason}`);
}

export interface BackendDescription {
  backend: string;
  /** The device it computes on: a GPU's name, or the CPU flavour. */
  device: string;
  loaded: boolean;
  /** Why it did not load (empty when it did). */
  reason: string;
}

/** Best-effort device name of the backend that is current now. */
function currentDevice(name: string, note: string): string {
  if (name === 'webgpu') return webgpuAdapter()?.name ?? 'WebGPU adapter';
  if (name === 'tensorflow') {
    const backend = tf.backend() as { isUsingGpuDevice?: boolean };
    return backend.isUsingGpuDevice ? 'CUDA GPU (libtensorflow)' : 'CPU (libtensorflow; no CUDA device in use)';
  }
  if (name === 'wasm') return `CPU (${note.replace(/;.*$/, '') || 'WebAssembly'})`;
  if (name === 'cpu') return 'CPU (plain JavaScript)';
  if (name === 'native') return `CPU (${note.replace(/ from .*$/, '') || 'C++ kernels'})`;
  return note || name;
}

/**
 * Tries every backend in turn, in auto's order, and says what each runs on, whether it loaded and why
 * not. Switches the current TensorFlow.js backend while it runs and leaves the last one that loaded
 * current: call it from `lmx backends`, not in the middle of training. The webgpu row is tried as an
 * explicit request, so it loads on a software adapter too (which auto would pass over) and says so.
 */
export async function describeBackends(names: readonly ConcreteBackendName[] = BACKEND_ORDER): Promise<BackendDescription[]> {
  const rows: BackendDescription[] = [];
  for (const backend of names) {
    try {
      const report = await initBackend(backend);
      const taken = report.tried.find((t) => t.ok);
      rows.push({ backend, device: currentDevice(report.name, taken?.reason ?? ''), loaded: true, reason: '' });
    } catch (error) {
      const device = backend === 'webgpu' ? (await probeWebGPU()).adapter?.name ?? '-' : '-';
      // initBackend's "The X backend is not available (X: why)." → "why"
      const reason = firstLine(error instanceof Error ? error.message : String(error))
        .replace(/^The \S+ backend is not available \((.*)\)\.?$/, '$1')
        .replace(new RegExp(`^${backend}: `), '');
      rows.push({ backend, device, loaded: false, reason });
    }
  }
  return rows;
}

/** The rows of describeBackends as a fixed-width table. */
export function formatBackendTable(rows: BackendDescription[]): string {
  const header = ['backend', 'loaded', 'device', 'reason'];
  const cells = rows.map((r) => [r.backend, r.loaded ? 'yes' : 'no', r.device, r.reason]);
  const widths = header.map((h, i) => cells.reduce((widest, c) => Math.max(widest, c[i].length), h.length));
  const line = (c: string[]) => c.map((s, i) => (i === c.length - 1 ? s : s.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}
