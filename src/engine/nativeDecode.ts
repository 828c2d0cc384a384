// Fused decoding on the native addon (native/src/decoder.cc): the whole forward of the new positions in one
// C++ call, with the key/value cache kept in C++. TensorFlow.js runs hundreds of kernels per generated
// token, each with a fixed overhead far above its arithmetic; the fused step does the same math without them. generate() uses it for the cached path whenever the addon is
// loaded and the weights can be read synchronously (backend cpu, wasm or native), whatever the backend: every
// model the engine holds, LM Explorer's own (exact GELU) and imported GPT-2s (tanh GELU, their own LayerNorm ε),
// since the decoder takes the model's numerics as parameters.
//
// The C++ side holds a copy of the weights. A decoder is kept per model and reused while the model's
// variables still hold the same tensors: every weight change (setWeights, an optimizer step) assigns new
// tensors to the variables, so comparing their dataIds tells whether the copy is current.

import * as tf from '@tensorflow/tfjs-core';
import { ADDON_VERSION, addonNumerics, loadAddon, OUTDATED_ADDON, type NativeAddon } from './backends/native';
import { numerics, sinusoidTable, type GPT } from './model';

/** Backends whose tensors dataSync() reads without a GPU round trip. */
const SYNC_BACKENDS = new Set(['cpu', 'wasm', 'native']);

export class NativeDecoder {
  /** Positions in the cache. */
  length = 0;
  /** The last run's logits (V); overwritten by the next run. */
  readonly logits: Float32Array;
  private inUse = false;

  constructor(
    private readonly addon: Required<DecoderFunctions>,
    private readonly handle: unknown,
    readonly contextLength: number,
    vocabSize: number,
  ) {
    this.logits = new Float32Array(vocabSize);
  }

  /** Runs ids at positions length … length+n-1 (length + n ≤ contextLength) and returns the last one's logits (V). */
  run(ids: number[]): Float32Array {
    this.length = this.addon.decoderRun(this.handle, ids, this.logits);
    return this.logits;
  }

  /** Empties the cache. */
  reset(): void {
    this.addon.decoderReset(this.handle);
    this.length = 0;
  }

  /** Frees the C++ copy of the weights now (otherwise at garbage collection). */
  free(): void {
    this.addon.decoderFree(this.handle);
  }

  /** @internal claims the decoder for one generate() call; false when another call holds it. */
  claim(): boolean {
    if (this.inUse) return false;
    this.inUse = true;
    this.reset();
    return true;
  }

  /** @internal */
  release(): void {
    this.inUse = false;
  }
}

type DecoderFunctions = Pick<NativeAddon, 'decoderCreate' | 'decoderRun' | 'decoderReset' | 'decoderFree'>;

/** Per model: the decoder and the variables' dataIds its weights were copied from. */
const decoders = new WeakMap<GPT, { dataIds: object[]; decoder: NativeDecoder }>();

/** Why native decoding is unavailable for this model now, or undefined when it is available. */
export function nativeDecodeUnavailable(): string | undefined {
  const loaded = loadAddon();
  if (!loaded.ok) return loaded.reason;
  if (typeof loaded.addon.decoderCreate !== 'function') return 'the native addon predates fused decoding; rebuild it: npm run build:native';
  if (loaded.addon.info().version < ADDON_VERSION) return OUTDATED_ADDON;
  if (!SYNC_BACKENDS.has(tf.getBackend())) return `backend ${tf.getBackend()} cannot be read synchronously`;
  return undefined;
}

/**
 * A native decoder with the model's current weights and an empty cache, claimed for the caller (call
 * releaseNativeDecoder when done), or undefined when native decoding is unavailable.
 */
export function acquireNativeDecoder(model: GPT): NativeDecoder | undefined {
  if (model.isDisposed) throw new Error('This model has been disposed');
  if (nativeDecodeUnavailable() !== undefined) return undefined;
  const addon = (loadAddon() as { addon: Required<DecoderFunctions> }).addon;
  const vars = [...model.params.values()];
  const dataIds = vars.map((v) => v.dataId as object);
  const cached = decoders.get(model);
  if (cached && cached.dataIds.length === dataIds.length && cached.dataIds.every((id, i) => id === dataIds[i]) && cached.decoder.claim()) {
    return cached.decoder;
  }
  const decoder = createDecoder(model, addon);
  decoder.claim();
  if (!cached || cached.decoder.claim()) {
    // nobody holds the old one (claimed just now to check): replace it
    cached?.decoder.free();
    decoders.set(model, { dataIds, decoder });
    if (!cached) model.onDispose(() => decoders.get(model)?.decoder.free());
  }
  return decoder;
}

/** Gives back a decoder from acquireNativeDecoder; one that is no longer the model's current one is freed. */
export function releaseNativeDecoder(model: GPT, decoder: NativeDecoder): void {
  decoder.release();
  if (decoders.get(model)?.decoder !== decoder) decoder.free();
}

function createDecoder(model: GPT, addon: Required<DecoderFunctions>): NativeDecoder {
  const { vocabSize: V, contextLength: ctx, nLayer: L, nHead: H, nEmbd: C, positional } = model.config;
  const w = (name: string) => {
    const v = model.params.get(name);
    if (!v) throw new Error(`No parameter named ${name}`);
    return v.dataSync() as Float32Array;
  };
  // the order decoder.h documents
  const weights = [w('wte'), positional === 'learned' ? w('wpe') : sinusoidTable(ctx, C)];
  for (let i = 0; i < L; i++) {
    const h = `h.${i}`;
    for (const name of ['ln_1', 'attn.c_q', 'attn.c_k', 'attn.c_v', 'attn.c_proj', 'ln_2', 'mlp.c_fc', 'mlp.c_proj']) {
      weights.push(w(`${h}.${name}.weight`), w(`${h}.${name}.bias`));
    }
  }
  weights.push(w('ln_f.weight'), w('ln_f.bias'));
  const handle = addon.decoderCreate([V, ctx, L, H, C], weights, ...addonNumerics(numerics(model.config)));
  return new NativeDecoder(addon, handle, ctx, V);
}
