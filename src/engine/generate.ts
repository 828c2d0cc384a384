// Text generation: greedy decoding or sampling with temperature, top-k and top-p (nucleus), stop
// sequences, a seed, cancellation — and a key/value cache so that each new token runs one position.
//
// The context window. The model sees at most contextLength tokens. Full recomputation (useCache: false)
// runs the last contextLength tokens for every new token. The cached path feeds one new token at a time
// while the cache has room; a full cache would need position contextLength, which the model does not
// have, so the cache is rebuilt from the window full recomputation uses: the last contextLength − 1
// tokens before the new one, plus the new one. With absolute position embeddings a sliding window shifts
// every position, so nothing in the old cache can be reused: past the context length every token costs
// a full window, exactly as much as recomputation (and gives exactly the same logits).
//
// Where the native addon is loaded, the cached path runs on its fused decoder (nativeDecode.ts): the same
// steps and window rebuild, one C++ call per token instead of a few hundred TensorFlow.js kernels.

import * as tf from '@tensorflow/tfjs-core';
import type { GPT } from './model';
import { acquireNativeDecoder, releaseNativeDecoder } from './nativeDecode';
import { Rng } from './rng';

export interface SamplingOptions {
  /** How many tokens to generate at most. */
  maxNewTokens: number;
  /** Softmax temperature; 0 means greedy (always the most likely token). */
  temperature: number;
  /** Sample only among the k most likely tokens. */
  topK?: number;
  /** Sample only among the most likely tokens whose probabilities reach p together (nucleus). */
  topP?: number;
  /** Seed of the sampling random numbers (default: a random seed). */
  seed?: number;
  /** Stop when the generated text contains one of these; the text is cut before it. */
  stopSequences?: string[];
  signal?: AbortSignal;
  /** Use the key/value cache (default true); false recomputes the whole window for every token. */
  useCache?: boolean;
  /** Return the logits (before temperature) each new token was chosen from. */
  returnLogits?: boolean;
  /**
   * With the cache: run it on the native addon's fused decoder when the addon is loaded and the backend's
   * weights read synchronously (cpu, wasm, native) — default true; same logits within rounding (see nativeDecode.ts).
   */
  native?: boolean;
}

export interface GenerateResult {
  /** The generated tokens (the prompt not included), up to and including the one that completed a stop sequence. */
  ids: number[];
  /** The decoded generated tokens, cut before the first stop sequence. */
  text: string;
  /** Why generation ended. */
  finishReason: 'length' | 'stop' | 'aborted';
  /** With returnLogits: for each generated token, the logits (V) it was drawn from. */
  logits?: Float32Array[];
  /**
   * How the logits were computed: 'fused' on the native addon's decoder (nativeDecode.ts), 'cached' with
   * TensorFlow.js and its key/value cache, 'recomputed' with TensorFlow.js over the whole window for every token.
   */
  decoding: Decoding;
}

export type Decoding = 'fused' | 'cached' | 'recomputed';

/** Anything that turns model IDs into text; Vocabulary does. */
export interface Decoder {
  decode(ids: number[]): string;
}

export async function generate(model: GPT, vocab: Decoder, promptIds: number[], options: Partial<SamplingOptions> = {}): Promise<GenerateResult> {
  model.assertKind('decoder', 'generated text');
  const o = { maxNewTokens: 32, temperature: 1, useCache: true, ...stripUndefined(options) };
  checkSampling(o);
  if (promptIds.length === 0) throw new RangeError('generate() needs a prompt of at least one token');
  const { contextLength: ctx, vocabSize: V } = model.config;
  for (const id of promptIds) {
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new RangeError(`Prompt token ${id} is not a model ID (0 … ${V - 1})`);
  }
  const rng = new Rng(o.seed ?? Math.floor(Math.random() * 2 ** 32));
  const tokens = promptIds.slice();
  const ids: number[] = [];
  const logitsOut: Float32Array[] = [];
  let text = '';
  let finishReason: GenerateResult['finishReason'] = 'length';
  // the cache: in C++ (one call a token) when the native decoder is available, else tf tensors
  const native = o.useCache && o.native !== false ? acquireNativeDecoder(model) : undefined;
  const cache = o.useCache && !native ? model.newCache() : undefined;
  try {
    let pending = tokens.slice(-ctx); // what the cache has not seen yet
    for (let i = 0; i < o.maxNewTokens; i++) {
      if (o.signal?.aborted) {
        finishReason = 'aborted';
        break;
      }
      let last: Float32Array; // the last position's logits (V)
      if (native) {
        if (native.length + pending.length > ctx) {
          native.reset(); // the same window rebuild as the tf cache below
          pending = tokens.slice(-ctx);
        }
        last = native.run(pending);
      } else {
        let logits: tf.Tensor2D;
        if (cache) {
          if (cache.length + pending.length > ctx) {
            model.disposeCache(cache);
            pending = tokens.slice(-ctx);
          }
          logits = model.forwardCached(pending, cache, { lastOnly: true });
        } else {
          logits = tf.tidy(() => {
            const window = tokens.slice(-ctx);
            const all = model.forward(tf.tensor2d(window, [1, window.length], 'int32')); // (1, T, V)
            return tf.reshape(tf.slice(all, [0, window.length - 1, 0], [1, 1, V]), [1, V]) as tf.Tensor2D;
          });
        }
        const data = (await logits.data()) as Float32Array;
        last = data.subarray(data.length - V);
        logits.dispose();
      }
      const next = sampleNext(last, o, rng);
      if (o.returnLogits) logitsOut.push(Float32Array.from(last));
      tokens.push(next);
      ids.push(next);
      pending = [next];
      if (o.stopSequences?.length) {
        const decoded = vocab.decode(ids);
        const cut = firstStop(decoded, o.stopSequences);
        if (cut >= 0) {
          text = decoded.slice(0, cut);
          finishReason = 'stop';
          break;
        }
      }
      await yieldToEventLoop();
    }
  } finally {
    if (cache) model.disposeCache(cache);
    if (native) releaseNativeDecoder(model, native);
  }
  if (finishReason !== 'stop') text = vocab.decode(ids);
  const decoding: Decoding = native ? 'fused' : cache ? 'cached' : 'recomputed';
  return { ids, text, finishReason, ...(o.returnLogits ? { logits: logitsOut } : {}), decoding };
}

/** The topN most likely next tokens after a prompt (its last contextLength tokens), most likely first. */
export async function nextTokenDistribution(model: GPT, promptIds: number[], topN = 10): Promise<{ id: number; prob: number }[]> {
  model.assertKind('decoder', 'next-token probabilities');
  if (promptIds.length === 0) throw new RangeError('nextTokenDistribution() needs a prompt of at least one token');
  const { contextLength: ctx, vocabSize: V } = model.config;
  const window = promptIds.slice(-ctx);
  const probs = tf.tidy(() => {
    const logits = model.forward(tf.tensor2d(window, [1, window.length], 'int32'));
    return tf.softmax(tf.reshape(tf.slice(logits, [0, window.length - 1, 0], [1, 1, V]), [V]));
  });
  const p = (await probs.data()) as Float32Array;
  probs.dispose();
  return rankedIndices(p)
    .slice(0, Math.max(0, Math.min(topN, V)))
    .map((id) => ({ id, prob: p[id] }));
}

// ---------------------------------------------------------------------------------------------------
// Sampling (plain JavaScript on the V logits of one position)

export type SamplingParams = Pick<SamplingOptions, 'temperature' | 'topK' | 'topP'>;

/** The ID of the largest value (the lowest such ID on a tie). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Token IDs by descending value (ties: lower ID first). */
export function rankedIndices(values: ArrayLike<number>): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  return idx.sort((a, b) => values[b] - values[a] || a - b);
}

/** The k IDs of the largest values, in rankedIndices order (descending; ties: lower ID first). O(V + k²) at worst. */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const top: number[] = [];
  for (let id = 0; id < values.length; id++) {
    const v = values[id];
    // a later ID never displaces an equal value (lower ID first on a tie)
    if (top.length === k && !(v > values[top[k - 1]])) continue;
    let at = top.length;
    while (at > 0 && v > values[top[at - 1]]) at--;
    top.splice(at, 0, id);
    if (top.length > k) top.pop();
  }
  return top;
}

/**
 * The distribution a token is drawn from: softmax(logits / temperature) restricted to the topK most
 * likely tokens, then to the smallest set of most likely tokens whose probabilities reach topP, and
 * renormalised. Temperature 0 puts all the mass on the most likely token (lowest ID on a tie).
 */
export function samplingDistribution(logits: ArrayLike<number>, params: SamplingParams): Float64Array {
  const V = logits.length;
  const out = new Float64Array(V);
  if (params.temperature <= 0) {
    out[argmax(logits)] = 1;
    return out;
  }
  const k = params.topK !== undefined && params.topK > 0 ? Math.min(params.topK, V) : V;
  // top-k without sorting the whole vocabulary (the same order rankedIndices gives: a full sort per token
  // cost several ms for a vocabulary of a few thousand)
  let kept = k < V ? topIndices(logits, k) : rankedIndices(logits);
  const max = logits[kept[0]];
  let total = 0;
  for (const id of kept) {
    out[id] = Math.exp((logits[id] - max) / params.temperature);
    total += out[id];
  }
  for (const id of kept) out[id] /= total;
  if (params.topP !== undefined && params.topP < 1) {
    let cumulative = 0;
    let n = 0;
    while (n < kept.length && (n === 0 || cumulative < params.topP)) cumulative += out[kept[n++]];
    for (const id of kept.slice(n)) out[id] = 0;
    kept = kept.slice(0, n);
    for (const id of kept) out[id] /= cumulative;
  }
  return out;
}

/** Draws the next token from samplingDistribution(logits, params) with one uniform number. */
export function sampleNext(logits: ArrayLike<number>, params: SamplingParams, rng: Rng): number {
  if (params.temperature <= 0) return argmax(logits);
  const probs = samplingDistribution(logits, params);
  const u = rng.next();
  let cumulative = 0;
  let lastNonZero = 0;
  for (let id = 0; id < probs.length; id++) {
    if (probs[id] === 0) continue;
    cumulative += probs[id];
    lastNonZero = id;
    if (u < cumulative) return id;
  }
  return lastNonZero; // u within rounding of 1
}

// ---------------------------------------------------------------------------------------------------

function firstStop(text: string, stops: string[]): number {
  let cut = -1;
  for (const s of stops) {
    if (!s) continue;
    const at = text.indexOf(s);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  return cut;
}

function checkSampling(o: Partial<SamplingOptions>): void {
  if (!Number.isInteger(o.maxNewTokens) || (o.maxNewTokens as number) < 0) {
    throw new RangeError(`maxNewTokens must be a whole number, got ${o.maxNewTokens}`);
  }
  if (!(typeof o.temperature === 'number' && o.temperature >= 0 && Number.isFinite(o.temperature))) {
    throw new RangeError(`temperature must be a number ≥ 0, got ${o.temperature}`);
  }
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 1)) throw new RangeError(`topK must be a positive integer, got ${o.topK}`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${o.topP}`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
