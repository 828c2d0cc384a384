// The backend names, with no TensorFlow.js import: the extension host's settings and the worker protocol
// read them without loading an engine.

/** The backends `auto` tries, in its order. */
export const BACKEND_ORDER = ['tensorflow', 'webgpu', 'native', 'wasm', 'cpu'] as const;

export type ConcreteBackendName = (typeof BACKEND_ORDER)[number];
export type BackendName = 'auto' | ConcreteBackendName;

/** The values of a backend setting or option: `auto`, then each backend. */
export const BACKEND_NAMES: readonly BackendName[] = ['auto', ...BACKEND_ORDER];

export function isBackendName(name: unknown): name is BackendName {
  return typeof name === 'string' && (BACKEND_NAMES as readonly string[]).includes(name);
}
