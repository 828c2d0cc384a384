// A compact GPT in TensorFlow.js, in the spirit of nanoGPT's model.py: the configuration, causal
// self-attention, the MLP, the pre-LayerNorm block and the model, in one file.
//
// Shapes in comments: B batch, T time (positions), C channels (nEmbd), H heads, dh = C / H, V vocabulary.
// The residual stream is kept 2-D, (B*T, C), so every linear layer is a plain 2-D matMul; only attention
// reshapes to (B, H, T, dh). The building blocks with hand-written gradients live in kernels/ops.ts.
//
// Dropout, while training only (loss() with a Dropout), in nanoGPT's three places: the embeddings (token +
// position), the attention probabilities, and each residual branch's output (attention's and the MLP's
// c_proj), inverted (kept values scaled by 1 / (1 − rate)) so that evaluation needs no rescaling. Every other
// path (forward, the KV cache, attention maps, generation) runs without it and stays deterministic.

import * as tf from '@tensorflow/tfjs-core';
import { Rng } from './rng';
import { UserError } from './errors';
import { isDropoutRate } from './dropoutRate';
import { crossEntropy, dropout, embedding, gelu, geluTanh, LAYER_NORM_EPS, layerNorm, linear, matMulTransposed } from './kernels/ops';

// ---------------------------------------------------------------------------------------------------
// Configuration

export type PositionalEncoding = 'learned' | 'sinusoidal';

/** The MLP's GELU: 'gelu' the exact x·Φ(x) (erf), 'gelu_tanh' GPT-2's tanh approximation (transformers' gelu_new). */
export const ACTIVATIONS = ['gelu', 'gelu_tanh'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export const DEFAULT_ACTIVATION: Activation = 'gelu';
export const DEFAULT_LAYER_NORM_EPSILON = LAYER_NORM_EPS;

/**
 * 'decoder' (GPT): causal attention, trained to predict the next token. 'encoder' (BERT): every position
 * attends to every other, trained to predict masked tokens (mlm/); it has no next-token distribution.
 */
export type ModelKind = 'decoder' | 'encoder';
export const MODEL_KINDS: readonly ModelKind[] = ['decoder', 'encoder'];

export function isModelKind(value: unknown): value is ModelKind {
  return (MODEL_KINDS as readonly unknown[]).includes(value);
}

export interface GPTConfig {
  vocabSize: number;
  /** The longest sequence the model sees (block size). */
  contextLength: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** 'learned': a trained position table (wpe); 'sinusoidal': the fixed sin/cos table, not a parameter. */
  positional: PositionalEncoding;
  /** Default DEFAULT_ACTIVATION, LM Explorer's own models; 'gelu_tanh' comes with imported GPT-2 models. */
  activation?: Activation;
  /** The LayerNorms' ε; default DEFAULT_LAYER_NORM_EPSILON. */
  layerNormEpsilon?: number;
  /** Absent: 'decoder' (every model saved before encoders existed is one). */
  kind?: ModelKind;
}

/** The kind of a configuration: a config without one is a decoder's. */
export function modelKind(config: Pick<GPTConfig, 'kind'>): ModelKind {
  return config.kind ?? 'decoder';
}

/** Checks a configuration and returns a clean copy; throws an Error naming the first problem. */
export function validateConfig(config: GPTConfig): GPTConfig {
  if (typeof config !== 'object' || config === null) throw new Error('Model config must be an object');
  for (const key of ['vocabSize', 'contextLength', 'nLayer', 'nHead', 'nEmbd'] as const) {
    const value = config[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new Error(`Model config: ${key} must be a positive integer, got ${JSON.stringify(value)}`);
    }
  }
  if (config.nEmbd % config.nHead !== 0) {
    throw new Error(
      `Model config: nEmbd (${config.nEmbd}) must be divisible by nHead (${config.nHead}); each head gets nEmbd / nHead channels`,
    );
  }
  if (config.positional !== 'learned' && config.positional !== 'sinusoidal') {
    throw new Error(`Model config: positional must be 'learned' or 'sinusoidal', got ${JSON.stringify(config.positional)}`);
  }
  if (config.kind !== undefined && !isModelKind(config.kind)) {
    throw new Error(`Model config: kind must be ${MODEL_KINDS.map((k) => `'${k}'`).join(' or ')}, got ${JSON.stringify(config.kind)}`);
  }
  if (config.activation !== undefined && !(ACTIVATIONS as readonly unknown[]).includes(config.activation)) {
    throw new Error(`Model config: activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(config.activation)}`);
  }
  const eps = config.layerNormEpsilon;
  if (eps !== undefined && (typeof eps !== 'number' || !Number.isFinite(eps) || eps <= 0 || eps >= 1)) {
    throw new Error(`Model config: layerNormEpsilon must be a number in (0, 1), got ${JSON.stringify(eps)}`);
  }
  const { vocabSize, contextLength, nLayer, nHead, nEmbd, positional } = config;
  // a decoder's config is written as before encoders existed, and the activation and ε only when they differ
  // from the defaults, so that old and new checkpoints compare equal
  const clean: GPTConfig = { vocabSize, contextLength, nLayer, nHead, nEmbd, positional, ...(config.kind === 'encoder' ? { kind: 'encoder' as const } : {}) };
  if (config.activation !== undefined && config.activation !== DEFAULT_ACTIVATION) clean.activation = config.activation;
  if (eps !== undefined && eps !== DEFAULT_LAYER_NORM_EPSILON) clean.layerNormEpsilon = eps;
  return clean;
}

/** The activation and LayerNorm ε a configuration means, its defaults filled in. */
export function numerics(config: GPTConfig): { activation: Activation; layerNormEpsilon: number } {
  return { activation: config.activation ?? DEFAULT_ACTIVATION, layerNormEpsilon: config.layerNormEpsilon ?? DEFAULT_LAYER_NORM_EPSILON };
}

// ---------------------------------------------------------------------------------------------------
// Key/value cache for generation (batch of one)

/** Per-layer keys and values of the positions seen so far, each (1, H, length, dh). */
export interface KVCache {
  length: number;
  layers: { k: tf.Tensor4D; v: tf.Tensor4D }[];
}

// ---------------------------------------------------------------------------------------------------
// Dropout

/** Dropout of a training step: the rate (0 ≤ rate < 1), and the stream its masks are drawn from. */
export interface Dropout {
  rate: number;
  /** Each dropout place takes one seed from it, in a fixed order: the same Rng state, the same masks. */
  rng: Rng;
}

/** x, or x with dropout: each call draws its mask's seed from the Dropout's stream. */
type Drop = <T extends tf.Tensor>(x: T) => T;

const NO_DROPOUT: Drop = (x) => x;

function dropper(d: Dropout | undefined): Drop {
  if (!d) return NO_DROPOUT;
  if (!isDropoutRate(d.rate)) throw new RangeError(`Dropout rate must be in [0, 1), got ${d.rate}`);
  if (d.rate === 0) return NO_DROPOUT;
  return (x) => dropout(x, d.rate, d.rng.int(4294967296));
}

/** What a model of one kind cannot do, e.g. an encoder asked for next-token probabilities. */
export class KindError extends UserError {
  constructor(
    readonly kind: ModelKind,
    what: string,
  ) {
    super(
      kind === 'encoder'
        ? `This model is an encoder (masked-language model): it has no next-token probabilities, so it cannot give ${what}. Use Predict Masked Word (lmx fill) with it, or train a decoder.`
        : `This model is a decoder (next-token model): it was not trained to fill in masked tokens, so it cannot give ${what}. Train an encoder (kind "encoder") for that.`,
    );
    this.name = 'KindError';
  }
}

/** Added to attention scores above the diagonal; exp() of it underflows to exactly 0. */
const MASKED = -1e9;

/** tf.Variable names are global to TensorFlow.js: each model gets its own prefix. */
let modelCount = 0;

// ---------------------------------------------------------------------------------------------------
// The model

export class GPT {
  readonly config: GPTConfig;
  /** nanoGPT names → variables; weights are (in, out), so x · W needs no transpose. */
  readonly params: Map<string, tf.Variable>;
  readonly kind: ModelKind;
  /** (contextLength, contextLength): 0 on and below the diagonal, MASKED above; none for an encoder. */
  private readonly causalMask?: tf.Tensor2D;
  /** (contextLength, C) fixed sin/cos table when positional is 'sinusoidal'. */
  private readonly sinusoid?: tf.Tensor2D;
  private disposed = false;
  /** Run by dispose(): releases what others keep for this model (the native decoder's weight copy). */
  private readonly disposers: (() => void)[] = [];

  constructor(config: GPTConfig, seed = 1337) {
    this.config = validateConfig(config);
    const { contextLength: ctx, nEmbd: C } = this.config;
    this.params = new Map();
    const rng = new Rng(seed);
    const prefix = `gpt${++modelCount}/`;
    for (const [name, shape] of Object.entries(this.parameterShapes())) {
      const init = tf.tensor(initialValues(name, shape, this.config.nLayer, rng), shape);
      this.params.set(name, tf.variable(init, true, prefix + name));
      init.dispose();
    }
    this.kind = modelKind(this.config);
    if (this.kind === 'decoder') {
      const mask = new Float32Array(ctx * ctx);
      for (let i = 0; i < ctx; i++) for (let j = i + 1; j < ctx; j++) mask[i * ctx + j] = MASKED;
      this.causalMask = tf.keep(tf.tensor2d(mask, [ctx, ctx]));
    }
    if (this.config.positional === 'sinusoidal') this.sinusoid = tf.keep(tf.tensor2d(sinusoidTable(ctx, C), [ctx, C]));
  }

  /** Every parameter's name and shape, in a fixed order (the order they are initialised and saved in). */
  parameterShapes(): Record<string, number[]> {
    const { vocabSize: V, contextLength: ctx, nLayer, nEmbd: C } = this.config;
    const shapes: Record<string, number[]> = { wte: [V, C] };
    if (this.config.positional === 'learned') shapes.wpe = [ctx, C];
    for (let i = 0; i < nLayer; i++) {
      const h = `h.${i}`;
      shapes[`${h}.ln_1.weight`] = [C];
      shapes[`${h}.ln_1.bias`] = [C];
      for (const proj of ['c_q', 'c_k', 'c_v', 'c_proj']) {
        shapes[`${h}.attn.${proj}.weight`] = [C, C];
        shapes[`${h}.attn.${proj}.bias`] = [C];
      }
      shapes[`${h}.ln_2.weight`] = [C];
      shapes[`${h}.ln_2.bias`] = [C];
      shapes[`${h}.mlp.c_fc.weight`] = [C, 4 * C];
      shapes[`${h}.mlp.c_fc.bias`] = [4 * C];
      shapes[`${h}.mlp.c_proj.weight`] = [4 * C, C];
      shapes[`${h}.mlp.c_proj.bias`] = [C];
    }
    shapes['ln_f.weight'] = [C];
    shapes['ln_f.bias'] = [C];
    return shapes;
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`No parameter named ${name}`);
    return v;
  }

  // -------------------------------------------------------------------------------------------------
  // Layers

  /** Multi-head self-attention of layer i, causal for a decoder, bidirectional for an encoder. x (B*T, C) → (B*T, C). */
  private attn(
    i: number,
    x: tf.Tensor2D,
    B: number,
    T: number,
    cache?: KVCache,
    collect?: tf.Tensor[],
    drop: Drop = NO_DROPOUT,
  ): tf.Tensor2D {
    const { nHead: H, nEmbd: C } = this.config;
    const dh = C / H;
    const a = `h.${i}.attn`;
    // (B*T, C) → (B, T, H, dh) → (B, H, T, dh): each head has its own slice of Wq, Wk, Wv
    const heads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
    // scaling q by 1/sqrt(dh) (B, H, T, dh) equals scaling the (B, H, T, T) scores, and is cheaper
    const q = tf.mul(heads(linear(x, this.p(`${a}.c_q.weight`) as tf.Tensor2D, this.p(`${a}.c_q.bias`) as tf.Tensor1D)), 1 / Math.sqrt(dh));
    // (the key bias adds q·b_k to every score of a query's row, which softmax ignores: it never changes the
    // output and its gradient is rounding noise; kept so that every projection has the same form)
    let k = heads(linear(x, this.p(`${a}.c_k.weight`) as tf.Tensor2D, this.p(`${a}.c_k.bias`) as tf.Tensor1D));
    let v = heads(linear(x, this.p(`${a}.c_v.weight`) as tf.Tensor2D, this.p(`${a}.c_v.bias`) as tf.Tensor1D));
    let past = 0;
    if (cache) {
      // attend to every cached position too: keys and values (1, H, past + T, dh)
      const layer = cache.layers[i];
      past = cache.length;
      if (layer) {
        k = tf.concat([layer.k, k], 2);
        v = tf.concat([layer.v, v], 2);
      }
      cache.layers[i] = { k, v }; // the caller keeps these beyond its tidy (see forwardCached)
    }
    const Tk = past + T;
    // The two batched matMuls below run, on wasm, in a plain loop rather than XNNPACK (which takes 2-D
    // products only): about 40% of a training step there. Their gradients keep tf's own formulation.
    let scores = tf.matMul(q, k, false, true); // (B, H, T, Tk)
    if (T > 1 && this.causalMask) {
      // query t (absolute position past + t) may see keys 0 … past + t: rows past … past+T-1 of the mask
      scores = tf.add(scores, tf.slice(this.causalMask, [past, 0], [T, Tk]));
    }
    const att = tf.softmax(scores); // (B, H, T, Tk), rows sum to 1; a decoder's exactly 0 above the diagonal
    if (collect) collect.push(att);
    const y = tf.matMul(drop(att), v); // (B, H, T, dh)
    // re-assemble the heads side by side: (B, H, T, dh) → (B, T, H, dh) → (B*T, C)
    const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, C]) as tf.Tensor2D;
    return drop(linear(merged, this.p(`${a}.c_proj.weight`) as tf.Tensor2D, this.p(`${a}.c_proj.bias`) as tf.Tensor1D));
  }

  /** The MLP of layer i: linear → GELU → linear, 4× wide. x (B*T, C) → (B*T, C). */
  private mlp(i: number, x: tf.Tensor2D, drop: Drop): tf.Tensor2D {
    const m = `h.${i}.mlp`;
    const activate = this.config.activation === 'gelu_tanh' ? geluTanh : gelu;
    const hidden = activate(linear(x, this.p(`${m}.c_fc.weight`) as tf.Tensor2D, this.p(`${m}.c_fc.bias`) as tf.Tensor1D)); // (B*T, 4C)
    return drop(linear(hidden, this.p(`${m}.c_proj.weight`) as tf.Tensor2D, this.p(`${m}.c_proj.bias`) as tf.Tensor1D));
  }

  private ln(name: string, x: tf.Tensor2D): tf.Tensor2D {
    return layerNorm(x, this.p(`${name}.weight`) as tf.Tensor1D, this.p(`${name}.bias`) as tf.Tensor1D, this.config.layerNormEpsilon);
  }

  /** Pre-LayerNorm block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
  private block(i: number, x: tf.Tensor2D, B: number, T: number, cache: KVCache | undefined, collect: tf.Tensor[] | undefined, drop: Drop): tf.Tensor2D {
    x = tf.add(x, this.attn(i, this.ln(`h.${i}.ln_1`, x), B, T, cache, collect, drop));
    return tf.add(x, this.mlp(i, this.ln(`h.${i}.ln_2`, x), drop));
  }

  /** ids (B*T) int32 at positions offset … offset+T-1 → final hidden states (B*T, C) after ln_f. */
  private hidden(ids: tf.Tensor1D, B: number, T: number, offset: number, cache?: KVCache, collect?: tf.Tensor[], drop: Drop = NO_DROPOUT): tf.Tensor2D {
    const { nEmbd: C, contextLength } = this.config;
    if (offset + T > contextLength) {
      throw new RangeError(`Sequence of ${offset + T} tokens is longer than the context length (${contextLength})`);
    }
    const tok = embedding(this.p('wte') as tf.Tensor2D, ids); // (B*T, C)
    const posTable = this.sinusoid ?? (this.p('wpe') as tf.Tensor2D);
    const pos = tf.slice(posTable, [offset, 0], [T, C]); // (T, C), broadcast over the batch
    let x = drop(tf.reshape(tf.add(tf.reshape(tok, [B, T, C]), pos), [B * T, C]) as tf.Tensor2D);
    for (let i = 0; i < this.config.nLayer; i++) x = this.block(i, x, B, T, cache, collect, drop);
    return this.ln('ln_f', x);
  }

  // -------------------------------------------------------------------------------------------------
  // Public API

  /** idx (B, T) int32 → logits (B, T, V). The output layer is tied to the token embedding. */
  forward(idx: tf.Tensor2D): tf.Tensor3D {
    this.checkAlive();
    const [B, T] = idx.shape;
    return tf.tidy(() => {
      const h = this.hidden(tf.reshape(idx, [B * T]) as tf.Tensor1D, B, T, 0);
      return tf.reshape(matMulTransposed(h, this.p('wte') as tf.Tensor2D), [B, T, this.config.vocabSize]) as tf.Tensor3D;
    });
  }

  /**
   * Mean cross-entropy of the next-token predictions; idx and targets (B, T) int32. With dropout (a training
   * step) the masks come from dropout.rng, which moves on; without it (or at rate 0) the loss is deterministic.
   */
  loss(idx: tf.Tensor2D, targets: tf.Tensor2D, dropout?: Dropout): tf.Scalar {
    this.checkAlive();
    this.assertKind('decoder', 'a next-token loss');
    const [B, T] = idx.shape;
    const drop = dropper(dropout);
    return tf.tidy(() => {
      const h = this.hidden(tf.reshape(idx, [B * T]) as tf.Tensor1D, B, T, 0, undefined, undefined, drop);
      const logits = matMulTransposed(h, this.p('wte') as tf.Tensor2D); // (B*T, V)
      return crossEntropy(logits, tf.reshape(targets, [B * T]) as tf.Tensor1D);
    });
  }

  /**
   * An encoder's masked-language-model loss: the mean cross-entropy at the chosen positions only. inputs (B, T)
   * int32 (the masked batch), targets (B*T) int32 (the original tokens), positions (n ≥ 1) int32: the chosen
   * positions' flat indices b*T + t. Only the chosen rows of the final hidden states go through the output
   * layer. Returns the loss and, per chosen position, the most likely token (int32; for the accuracy).
   */
  maskedLoss(inputs: tf.Tensor2D, targets: tf.Tensor1D, positions: tf.Tensor1D, dropout?: Dropout): { loss: tf.Scalar; predicted: tf.Tensor1D } {
    this.checkAlive();
    this.assertKind('encoder', 'a masked-language-model loss');
    const [B, T] = inputs.shape;
    if (positions.size === 0) throw new RangeError('maskedLoss needs at least one chosen position');
    const drop = dropper(dropout);
    const [loss, predicted] = tf.tidy(() => {
      const h = this.hidden(tf.reshape(inputs, [B * T]) as tf.Tensor1D, B, T, 0, undefined, undefined, drop);
      // the chosen rows, with embedding's scatter gradient (duplicate-free here, so a plain copy back)
      const logits = matMulTransposed(embedding(h, positions), this.p('wte') as tf.Tensor2D); // (n, V)
      return [crossEntropy(logits, tf.gather(targets, positions) as tf.Tensor1D), tf.argMax(logits, 1)] as [tf.Scalar, tf.Tensor1D];
    });
    return { loss, predicted };
  }

  /**
   * An encoder's predictions at some positions of one sequence: the logits (positions.length, V) row-major.
   * ids: 1 … contextLength tokens, [MASK]s included.
   */
  async maskedLogits(ids: number[], positions: number[]): Promise<Float32Array> {
    this.checkAlive();
    this.assertKind('encoder', 'masked-token predictions');
    this.checkLength(ids, 'maskedLogits()');
    const logits = tf.tidy(() => {
      const h = this.hidden(tf.tensor1d(ids, 'int32'), 1, ids.length, 0);
      return tf.matMul(tf.gather(h, tf.tensor1d(positions, 'int32')), this.p('wte') as tf.Tensor2D, false, true); // (n, V)
    });
    try {
      return (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
  }

  /** Throws a KindError when this model is not of `kind`; `what` names what was asked of it. */
  assertKind(kind: ModelKind, what: string): void {
    if (this.kind !== kind) throw new KindError(this.kind, what);
  }

  private checkLength(ids: number[], what: string): void {
    if (ids.length === 0) throw new RangeError(`${what} needs at least one token`);
    if (ids.length > this.config.contextLength) {
      throw new RangeError(`${what} got ${ids.length} tokens; the model's context length is ${this.config.contextLength}`);
    }
  }

  /** An empty key/value cache for forwardCached. Release it with disposeCache. */
  newCache(): KVCache {
    return { length: 0, layers: [] };
  }

  disposeCache(cache: KVCache): void {
    for (const layer of cache.layers) tf.dispose([layer.k, layer.v]);
    cache.layers = [];
    cache.length = 0;
  }

  /**
   * Runs only the new positions of one sequence, attending to everything in the cache, and appends
   * their keys and values to it. ids: the new tokens (n ≥ 1), at positions cache.length … cache.length+n-1.
   * Returns logits (n, V), or with lastOnly only the last position's (1, V); the caller disposes them.
   * Throws a RangeError when the cache would grow past contextLength: the caller then starts a new cache
   * from a shorter window (see generate.ts).
   */
  forwardCached(ids: number[], cache: KVCache, options: { lastOnly?: boolean } = {}): tf.Tensor2D {
    this.checkAlive();
    this.assertKind('decoder', 'next-token generation');
    if (ids.length === 0) throw new RangeError('forwardCached needs at least one token');
    const old = cache.layers.slice();
    const scratch: KVCache = { length: cache.length, layers: cache.layers.slice() };
    const [logits, kv] = tf.tidy(() => {
      const h = this.hidden(tf.tensor1d(ids, 'int32'), 1, ids.length, cache.length, scratch);
      // Generation needs only the last position: one row times wteᵀ. For a single row the transposed
      // matMul beats transposing the whole (V, C) table first, and no
      // gradient is taken here, so matMulTransposed's hand-written gradient is not needed.
      const out = options.lastOnly
        ? tf.matMul(ids.length > 1 ? tf.slice(h, [ids.length - 1, 0], [1, this.config.nEmbd]) : h, this.p('wte') as tf.Tensor2D, false, true) // (1, V)
        : matMulTransposed(h, this.p('wte') as tf.Tensor2D); // (n, V)
      return [out, scratch.layers.flatMap((l) => [l.k, l.v])] as [tf.Tensor2D, tf.Tensor[]];
    });
    for (const layer of old) tf.dispose([layer.k, layer.v]);
    cache.layers = [];
    for (let i = 0; i < kv.length; i += 2) cache.layers.push({ k: kv[i] as tf.Tensor4D, v: kv[i + 1] as tf.Tensor4D });
    cache.length += ids.length;
    return logits;
  }

  /**
   * Runs one sequence (1 ≤ length ≤ contextLength) and returns its logits, (T, V) flattened row-major
   * (position t's logits at [t*V, (t+1)*V)), and the attention probabilities [layer][head][query][key]
   * (rows sum to 1); a decoder's after the causal mask, so entries above the diagonal are exactly 0.
   */
  async attention(ids: number[]): Promise<{ logits: Float32Array; attention: number[][][][] }> {
    this.checkAlive();
    const { contextLength, nLayer, nHead: H } = this.config;
    if (ids.length === 0) throw new RangeError('attention() needs at least one token');
    if (ids.length > contextLength) {
      throw new RangeError(`attention() got ${ids.length} tokens; the model's context length is ${contextLength}`);
    }
    const T = ids.length;
    const [logits, maps] = tf.tidy(() => {
      const collect: tf.Tensor[] = [];
      const h = this.hidden(tf.tensor1d(ids, 'int32'), 1, T, 0, undefined, collect);
      return [matMulTransposed(h, this.p('wte') as tf.Tensor2D), tf.concat(collect, 0)]; // (T, V), (L, H, T, T)
    });
    try {
      const [logitData, mapData] = (await Promise.all([logits.data(), maps.data()])) as Float32Array[];
      const attention: number[][][][] = [];
      for (let l = 0; l < nLayer; l++) {
        const layer: number[][][] = [];
        for (let h = 0; h < H; h++) {
          const rows: number[][] = [];
          for (let t = 0; t < T; t++) {
            const start = ((l * H + h) * T + t) * T;
            rows.push(Array.from(mapData.subarray(start, start + T)));
          }
          layer.push(rows);
        }
        attention.push(layer);
      }
      return { logits: logitData, attention };
    } finally {
      tf.dispose([logits, maps]);
    }
  }

  /**
   * The attention probabilities alone, packed: (L, H, T, T) row-major, maps[((l * H + h) * T + q) * T + k].
   * Same values as attention(), without the output layer's logits and without building nested arrays:
   * about half the time for a full context (the attention panel's path).
   */
  async attentionMaps(ids: number[]): Promise<Float32Array> {
    this.checkAlive();
    const { contextLength } = this.config;
    if (ids.length === 0) throw new RangeError('attentionMaps() needs at least one token');
    if (ids.length > contextLength) {
      throw new RangeError(`attentionMaps() got ${ids.length} tokens; the model's context length is ${contextLength}`);
    }
    const maps = tf.tidy(() => {
      const collect: tf.Tensor[] = [];
      this.hidden(tf.tensor1d(ids, 'int32'), 1, ids.length, 0, undefined, collect);
      return tf.concat(collect, 0); // (L, H, T, T)
    });
    try {
      return (await maps.data()) as Float32Array;
    } finally {
      maps.dispose();
    }
  }

  /**
   * The logit lens: for the last position of one sequence, the logits (V) the output layer gives when it is
   * applied, through the final LayerNorm, to the residual stream after the embeddings (row 0) and after each
   * block (rows 1 … nLayer; the last row is forward()'s logits). Flattened: row r at [r*V, (r+1)*V).
   */
  async logitLens(ids: number[]): Promise<Float32Array> {
    this.checkAlive();
    const { contextLength, nEmbd: C, nLayer } = this.config;
    if (ids.length === 0) throw new RangeError('logitLens() needs at least one token');
    if (ids.length > contextLength) throw new RangeError(`logitLens() got ${ids.length} tokens; the model's context length is ${contextLength}`);
    const T = ids.length;
    const lens = tf.tidy(() => {
      const tok = embedding(this.p('wte') as tf.Tensor2D, tf.tensor1d(ids, 'int32'));
      const posTable = this.sinusoid ?? (this.p('wpe') as tf.Tensor2D);
      let x = tf.add(tok, tf.slice(posTable, [0, 0], [T, C])) as tf.Tensor2D;
      const rows: tf.Tensor2D[] = [tf.slice(x, [T - 1, 0], [1, C])];
      for (let i = 0; i < nLayer; i++) {
        x = this.block(i, x, 1, T, undefined, undefined, NO_DROPOUT);
        rows.push(tf.slice(x, [T - 1, 0], [1, C]));
      }
      return tf.matMul(this.ln('ln_f', tf.concat(rows, 0)), this.p('wte') as tf.Tensor2D, false, true); // (nLayer + 1, V)
    });
    try {
      return (await lens.data()) as Float32Array;
    } finally {
      lens.dispose();
    }
  }

  /** Number of parameters by group; the output layer is tied to wte and counted once. */
  parameterCounts(): { embeddings: number; attention: number; mlp: number; norms: number; total: number } {
    const counts = { embeddings: 0, attention: 0, mlp: 0, norms: 0, total: 0 };
    for (const [name, shape] of Object.entries(this.parameterShapes())) {
      const n = shape.reduce((a, b) => a * b, 1);
      if (name === 'wte' || name === 'wpe') counts.embeddings += n;
      else if (name.includes('.attn.')) counts.attention += n;
      else if (name.includes('.mlp.')) counts.mlp += n;
      else counts.norms += n;
      counts.total += n;
    }
    return counts;
  }

  /**
   * A copy of every parameter, by name (shapes: parameterShapes()). Synchronous reads work on the cpu and wasm
   * backends only; checkpoints use readWeights(), which works on every backend (webgpu included).
   */
  getWeights(): Map<string, Float32Array> {
    this.checkAlive();
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.params) out.set(name, Float32Array.from(v.dataSync() as Float32Array));
    return out;
  }

  /** getWeights(), read asynchronously: the form every backend supports. */
  async readWeights(): Promise<Map<string, Float32Array>> {
    this.checkAlive();
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.params) out.set(name, Float32Array.from((await v.data()) as Float32Array));
    return out;
  }

  /**
   * Replaces every parameter. weights must hold exactly the names of parameterShapes(), each with
   * the product of its shape as length; otherwise throws an Error naming the problem and changes nothing.
   */
  setWeights(weights: Map<string, Float32Array> | Record<string, Float32Array>): void {
    this.checkAlive();
    const get = (name: string) => (weights instanceof Map ? weights.get(name) : weights[name]);
    const names = weights instanceof Map ? [...weights.keys()] : Object.keys(weights);
    const shapes = this.parameterShapes();
    for (const name of names) {
      if (!(name in shapes)) throw new Error(`Unexpected weight ${name}: this model has no such parameter`);
    }
    for (const [name, shape] of Object.entries(shapes)) {
      const data = get(name);
      const size = shape.reduce((a, b) => a * b, 1);
      if (!data) throw new Error(`Missing weight ${name} (shape [${shape.join(', ')}])`);
      if (data.length !== size) {
        throw new Error(`Weight ${name} has ${data.length} values; shape [${shape.join(', ')}] needs ${size}`);
      }
    }
    for (const [name, shape] of Object.entries(shapes)) {
      tf.tidy(() => this.p(name).assign(tf.tensor(get(name) as Float32Array, shape)));
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const f of this.disposers.splice(0)) f();
    for (const v of this.params.values()) v.dispose();
    this.causalMask?.dispose();
    this.sinusoid?.dispose();
  }

  /** Calls f when the model is disposed. */
  onDispose(f: () => void): void {
    this.checkAlive();
    this.disposers.push(f);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('This model has been disposed');
  }
}

// ---------------------------------------------------------------------------------------------------
// Initialisation

/**
 * GPT-2 initialisation: weights N(0, 0.02); the projections back into the residual stream (attn.c_proj,
 * mlp.c_proj) N(0, 0.02 / sqrt(2 * nLayer)); biases 0; LayerNorm gains 1.
 */
function initialValues(name: string, shape: number[], nLayer: number, rng: Rng): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if (name.endsWith('.bias')) return out;
  if (name.includes('ln_')) return out.fill(1);
  const std = name.endsWith('c_proj.weight') ? 0.02 / Math.sqrt(2 * nLayer) : 0.02;
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
  return out;
}

/** The fixed positional table of "Attention Is All You Need": sin on even, cos on odd channels. */
export function sinusoidTable(contextLength: number, nEmbd: number): Float32Array {
  const out = new Float32Array(contextLength * nEmbd);
  for (let pos = 0; pos < contextLength; pos++) {
    for (let c = 0; c < nEmbd; c++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(c / 2)) / nEmbd);
      out[pos * nEmbd + c] = c % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

/**
 * The parameter shapes of a configuration without building a model (so without allocating anything):
 * GPT.parameterShapes() reads nothing but this.config.
 */
export function parameterShapesOf(config: GPTConfig): Record<string, number[]> {
  return GPT.prototype.parameterShapes.call({ config } as GPT);
}
