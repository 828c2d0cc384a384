// The WebGPU backend: @tensorflow/tfjs-backend-webgpu running on Dawn, the WebGPU implementation of
// Chromium, which the npm package `webgpu` ships prebuilt for Node (dist/<platform>-<arch>/dawn.node).
// Dawn drives the GPU through Vulkan (Linux, Windows), Metal (macOS) or D3D12 (Windows), so no CUDA
// and no driver toolkit is needed: any GPU with a Vulkan/Metal/D3D12 driver works.
//
// Both packages are optional at run time: `webgpu` is external to the bundles and an optional
// dependency; tfjs-backend-webgpu is bundled but only evaluated here, after navigator.gpu exists
// (it looks for navigator.gpu at import time), and its backend factory is replaced by ours. Everything
// is loaded with require() inside try/catch, and every failure becomes a one-line reason for
// `lmx backends`. Two fixes for tfjs-backend-webgpu 4.22 live here too: AddN beyond the device's
// storage-buffer limit (chunkAddN) and a clear error for synchronous reads (explainSyncReads).
//
// Reading results: the webgpu backend's synchronous reads (dataSync, arraySync, bufferSync, print)
// need OffscreenCanvas, which Node lacks; engine code must use the asynchronous `await t.data()`.
//
// No vscode import: this runs in the engine worker, the CLI and the unit tests.

import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { setWebGPUUtil } from './webgpuKernels';

/** What Dawn reports about the adapter it picked (GPUAdapterInfo). */
export interface GpuAdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation of the GPU API (SwiftShader, lavapipe/llvmpipe, WARP): correct but slow. */
  software: boolean;
  /** One line for people: "NVIDIA GeForce RTX 4090 (nvidia, ada)". */
  name: string;
}

export interface WebGPUProbe {
  /** An adapter was found (software adapters count; see adapter.software). */
  available: boolean;
  adapter?: GpuAdapterDescription;
  /** Why there is no adapter (package missing, no driver, …). */
  reason?: string;
}

export interface WebGPUInitOptions {
  /**
   * Accept a software adapter (SwiftShader, lavapipe). Off for `auto`, where a software GPU would be
   * far slower than the wasm backend; on when the user (or a test) asks for 'webgpu' explicitly.
   */
  allowSoftware?: boolean;
}

export interface WebGPUInitResult {
  name: 'webgpu';
  adapter: GpuAdapterDescription;
}

/** Thrown when the webgpu backend cannot be used; the message is one line, fit for `lmx backends`. */
export class WebGPUUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebGPUUnavailableError';
  }
}

export const WEBGPU_PACKAGE = 'webgpu@0.6.2';

// The few WebGPU types used here, written out so that type checking needs neither the optional
// `webgpu` package nor @webgpu/types.
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  readonly info?: GpuAdapterInfoLike;
  readonly isFallbackAdapter?: boolean;
  readonly features: { has(name: string): boolean };
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<unknown>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------
// Loading Dawn

let dawn: DawnModule | undefined;
let gpu: GpuLike | undefined;

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].trim();
}

/**
 * Loads the `webgpu` package. It is an ES module: Node ≥ 20.19 and ≥ 22.12 require() it directly; on
 * older runtimes (an older Electron) the native addon inside it is loaded by path instead, which is
 * all the package's index.js does besides a buffer-unmapping patch for GPUDevice.destroy().
 */
function loadDawn(): DawnModule {
  if (dawn) return dawn;
  let loaded: DawnModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('webgpu') as DawnModule;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'MODULE_NOT_FOUND' && /'webgpu'/.test(messageOf(error))) {
      throw new WebGPUUnavailableError(`the optional package 'webgpu' is not installed (npm install ${WEBGPU_PACKAGE})`);
    }
    if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') {
      throw new WebGPUUnavailableError(`the 'webgpu' package failed to load: ${messageOf(error)}`);
    }
    const arch = process.platform === 'darwin' ? 'universal' : process.arch;
    const addon = path.join(
      path.dirname(require.resolve('webgpu/package.json')),
      'dist',
      `${process.platform}-${arch}`,
      'dawn.node',
    );
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require(addon) as DawnModule;
    } catch (inner) {
      throw new WebGPUUnavailableError(
        `Dawn has no build for ${process.platform}-${process.arch} or failed to load (${addon}): ${messageOf(inner)}`,
      );
    }
  }
  if (typeof loaded?.create !== 'function') {
    throw new WebGPUUnavailableError("the 'webgpu' package does not export create(); expected webgpu@0.6.x");
  }
  // GPUBufferUsage, GPUMapMode, GPUShaderStage, … are globals in a browser and used as such by
  // tfjs-backend-webgpu. Never overwrite what a host (a browser-like runtime) already defines.
  const scope = globalThis as Record<string, unknown>;
  for (const [key, value] of Object.entries(loaded.globals ?? {})) {
    if (scope[key] === undefined) scope[key] = value;
  }
  dawn = loaded;
  return loaded;
}

/**
 * LMX_DAWN_BACKEND=null selects Dawn's Null backend: every WebGPU call is validated and recorded, nothing
 * runs and results are garbage. For measuring the CPU's share of a step alone (`npm run bench:gpu`);
 * never for training.
 */
const nullBackend = () => process.env.LMX_DAWN_BACKEND === 'null';

/** The GPU entry point (navigator.gpu), created once per process. */
function gpuInstance(): GpuLike {
  if (!gpu) gpu = loadDawn().create(nullBackend() ? ['backend=null'] : []);
  return gpu;
}

/**
 * Makes navigator.gpu the Dawn instance, as in a browser. Node 21+ defines a global `navigator`
 * (without gpu): add the property to it; Node 20 has none: create one.
 */
function installNavigatorGpu(instance: GpuLike): void {
  const scope = globalThis as { navigator?: { gpu?: GpuLike } };
  if (scope.navigator?.gpu === instance) return;
  if (scope.navigator && typeof scope.navigator === 'object') {
    try {
      Object.defineProperty(scope.navigator, 'gpu', { value: instance, configurable: true, writable: true });
      if (scope.navigator.gpu === instance) return;
    } catch {
      // a frozen navigator: replace it below
    }
  }
  Object.defineProperty(globalThis, 'navigator', {
    value: { ...(scope.navigator ?? {}), gpu: instance },
    configurable: true,
    writable: true,
  });
}

// ---------------------------------------------------------------------------------------------------
// The adapter

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

export function describeAdapter(adapter: GpuAdapterLike): GpuAdapterDescription {
  if (nullBackend()) {
    return { vendor: '', architecture: '', device: '', description: '', software: true, name: "Dawn's Null backend (records every call, runs nothing)" };
  }
  const info: GpuAdapterInfoLike = adapter.info ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const device = info.device ?? '';
  const description = info.description ?? '';
  const software =
    info.isFallbackAdapter === true ||
    adapter.isFallbackAdapter === true ||
    SOFTWARE_ADAPTER.test(`${description} ${architecture} ${device}`);
  const main = description || device || 'unnamed adapter';
  const details = [vendor, architecture].filter((s) => s && !main.toLowerCase().includes(s.toLowerCase()));
  if (software) details.push('software');
  const name = `${main}${details.length ? ` (${details.join(', ')})` : ''}`;
  return { vendor, architecture, device, description, software, name };
}

let adapterPromise: Promise<GpuAdapterLike> | undefined;

/**
 * On Linux Dawn reaches GPUs through Vulkan drivers, and a hardware driver needs the GPU's device node
 * (/dev/dri/renderD* for AMD, Intel and others; /dev/nvidia* for NVIDIA's driver). Where there is none,
 * loading Dawn only prints driver warnings to stderr and finds nothing: say why without loading it.
 * VK_ICD_FILENAMES / VK_DRIVER_FILES (the tests' SwiftShader) name the drivers explicitly and skip this check,
 * as does Dawn's Null backend.
 */
function gpuDeviceProblem(): string | undefined {
  if (process.platform !== 'linux' || process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES || nullBackend()) return undefined;
  const entries = (dir: string) => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  };
  const render = entries('/dev/dri').some((name) => name.startsWith('renderD'));
  const nvidia = entries('/dev').some((name) => /^nvidia(\d+|ctl)$/.test(name));
  return render || nvidia ? undefined : 'no WebGPU adapter: no GPU device here (no /dev/dri/renderD* or /dev/nvidia*)';
}

/** The high-performance adapter, requested once. Throws WebGPUUnavailableError with the reason. */
function requestAdapter(): Promise<GpuAdapterLike> {
  adapterPromise ??= (async () => {
    loadDawn(); // first: a missing package is the reason to report
    const deviceProblem = gpuDeviceProblem();
    if (deviceProblem) throw new WebGPUUnavailableError(deviceProblem);
    const instance = gpuInstance();
    let adapter: GpuAdapterLike | null;
    try {
      adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
    } catch (error) {
      throw new WebGPUUnavailableError(`requesting a WebGPU adapter failed: ${messageOf(error)}`);
    }
    if (!adapter) {
      throw new WebGPUUnavailableError(
        process.platform === 'linux'
          ? 'no WebGPU adapter: Dawn found no usable Vulkan GPU (needs a GPU driver with Vulkan and libvulkan1)'
          : 'no WebGPU adapter: Dawn found no usable GPU (Metal on macOS, D3D12 or Vulkan on Windows)',
      );
    }
    return adapter;
  })();
  // a failure is remembered too: Dawn's answer does not change within a process
  return adapterPromise;
}

/** Looks for a WebGPU adapter without touching TensorFlow.js. Never throws. */
export async function probeWebGPU(): Promise<WebGPUProbe> {
  try {
    const adapter = await requestAdapter();
    return { available: true, adapter: describeAdapter(adapter) };
  } catch (error) {
    return { available: false, reason: messageOf(error) };
  }
}

// ---------------------------------------------------------------------------------------------------
// TensorFlow.js

interface WebGPUBackendModule {
  webgpu_util: Parameters<typeof setWebGPUUtil>[0];
  WebGPUBackend: (new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend) & {
    prototype: { readSync(dataId: object): unknown; tensorMap?: unknown };
  };
}

export const SYNC_READ_MESSAGE =
  'dataSync()/arraySync() cannot read from the GPU on the webgpu backend in Node (no OffscreenCanvas): use `await tensor.data()`';

/**
 * A synchronous read of data that lives on the GPU needs OffscreenCanvas, which Node lacks: the backend
 * would warn and then fail with "OffscreenCanvas is not defined". Say what to do instead. Data still on
 * the CPU (small tensors, strings) reads synchronously as before; that is all the kernels read.
 */
function explainSyncReads(module: WebGPUBackendModule): void {
  const proto = module.WebGPUBackend.prototype as { readSync(dataId: object): unknown; explained?: boolean };
  if (proto.explained || typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined') return;
  const readSync = proto.readSync;
  proto.readSync = function (this: { tensorMap: { get(id: object): { values?: unknown; dtype?: string } | undefined } }, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (data && data.values == null && data.dtype !== 'string' && data.dtype !== 'complex64') throw new Error(SYNC_READ_MESSAGE);
    return readSync.call(this, dataId);
  };
  proto.explained = true;
}

let backendModule: WebGPUBackendModule | undefined;

/**
 * Evaluates tfjs-backend-webgpu (after navigator.gpu exists, so that it registers 'webgpu').
 * The static require keeps it inside the esbuild bundle; try/catch keeps it optional.
 */
function loadBackendModule(): WebGPUBackendModule {
  if (backendModule) return backendModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    backendModule = require('@tensorflow/tfjs-backend-webgpu') as WebGPUBackendModule;
  } catch (error) {
    throw new WebGPUUnavailableError(`@tensorflow/tfjs-backend-webgpu failed to load: ${messageOf(error)}`);
  }
  setWebGPUUtil(backendModule.webgpu_util); // for the fused shaders of webgpuKernels.ts
  return backendModule;
}

/**
 * The device request of tfjs-backend-webgpu's own factory (the adapter's full limits, so that big
 * buffers and workgroups fit) plus the adapter's storage-buffer count per shader stage (the default
 * is 8; see chunkedAddN), on the adapter probed above.
 */
async function createBackend(module: WebGPUBackendModule): Promise<tf.KernelBackend> {
  const adapter = await requestAdapter();
  const requiredFeatures: string[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
    },
  });
  // A WebGPU validation error does not throw: the command buffer is dropped and results are silently
  // wrong. Keep them, for webgpuErrors() (the parity test asserts there are none).
  (device as { addEventListener?: (type: string, listener: (event: { error?: { message?: string } }) => void) => void })
    .addEventListener?.('uncapturederror', (event) => {
      if (deviceErrors.length < 20) deviceErrors.push(String(event.error?.message ?? 'unknown WebGPU error').split('\n')[0]);
    });
  return new module.WebGPUBackend(device, adapter.info);
}

const deviceErrors: string[] = [];

/** WebGPU errors the device reported (validation, out of memory) since the backend started; first lines. */
export function webgpuErrors(): readonly string[] {
  return deviceErrors;
}

/**
 * tfjs-backend-webgpu 4.22's AddN binds every input as its own storage buffer, and a device allows
 * only maxStorageBuffersPerShaderStage (8 by default, 12 on SwiftShader) per shader: tf.addN of the
 * Trainer's per-parameter squared norms (one per parameter, 36 to 76 and more) fails validation, the
 * whole command buffer is dropped and training silently stops learning. (Its Concat splits its inputs;
 * AddN does not.) This wraps the registered kernel to add at most limit - 1 inputs at a time.
 */
function chunkAddN(): void {
  const original = tf.getKernel('AddN', 'webgpu');
  if (!original || (original.kernelFunc as { chunked?: boolean }).chunked) return;
  const addN = original.kernelFunc;
  type Args = Parameters<tf.KernelFunc>[0];
  const chunked = (args: Args): tf.TensorInfo => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const backend = args.backend as tf.KernelBackend & { device?: { limits?: { maxStorageBuffersPerShaderStage?: number } } };
    const perShader = Math.max(3, (backend.device?.limits?.maxStorageBuffersPerShaderStage ?? 8) - 1); // one is the output
    if (inputs.length <= perShader) return addN(args) as tf.TensorInfo;
    const partials: tf.TensorInfo[] = [];
    for (let i = 0; i < inputs.length; i += perShader) {
      partials.push(addN({ ...args, inputs: inputs.slice(i, i + perShader) as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo);
    }
    const sum = chunked({ ...args, inputs: partials as unknown as tf.NamedTensorInfoMap });
    for (const partial of partials) backend.disposeData(partial.dataId);
    return sum;
  };
  (chunked as { chunked?: boolean }).chunked = true;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...original, kernelFunc: chunked as tf.KernelFunc });
}

let initialised: GpuAdapterDescription | undefined;

/**
 * Registers the 'webgpu' TensorFlow.js backend on the high-performance adapter and makes it the
 * current backend. Throws WebGPUUnavailableError (one-line message) when it cannot: package missing,
 * no adapter, only a software adapter while allowSoftware is off, or the device failed to start.
 */
export async function initWebGPU(options: WebGPUInitOptions = {}): Promise<WebGPUInitResult> {
  const adapter = describeAdapter(await requestAdapter());
  if (adapter.software && !options.allowSoftware) {
    throw new WebGPUUnavailableError(
      `only a software adapter was found (${adapter.name}): slower than the wasm backend; ask for 'webgpu' explicitly to use it`,
    );
  }
  if (initialised && tf.findBackend('webgpu')) {
    if (tf.getBackend() !== 'webgpu' && !(await tf.setBackend('webgpu'))) {
      throw new WebGPUUnavailableError('switching back to the webgpu backend failed');
    }
    return { name: 'webgpu', adapter };
  }
  installNavigatorGpu(gpuInstance());
  const module = loadBackendModule();
  explainSyncReads(module);
  chunkAddN();
  // our factory in place of the module's own (same device request, plus the storage-buffer limit)
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => createBackend(module), 3);
  // setBackend swallows the factory's exception (it logs a warning and resolves false): catch the
  // device's own error first so the reason reaches the user.
  let ok: boolean;
  try {
    ok = await tf.setBackend('webgpu');
  } catch (error) {
    throw new WebGPUUnavailableError(`the webgpu backend failed to start: ${messageOf(error)}`);
  }
  if (!ok) {
    tf.removeBackend('webgpu');
    throw new WebGPUUnavailableError(`the webgpu backend failed to start on ${adapter.name}`);
  }
  initialised = adapter;
  return { name: 'webgpu', adapter };
}

/** The adapter the webgpu backend runs on, once initWebGPU succeeded. */
export function webgpuAdapter(): GpuAdapterDescription | undefined {
  return initialised;
}
