// Generation one token at a time, with the choice made by a person: the most likely token (greedy), a draw
// with a given seed, or a token picked by hand; and Undo. Each step keeps the logits it was chosen from,
// so undoing a step gives back exactly the distribution that was on screen before it, without running
// the model again.
//
// The key/value cache follows the tokens: a step runs one new position. After an undo the cache holds
// positions the tokens no longer have, so the next step rebuilds it from the tokens (as generate() does
// when the context is full: the last contextLength − 1 tokens plus the new one).

import { argmax, rankedIndices, sampleNext, samplingDistribution, type SamplingParams } from '../generate';
import type { GPT, KVCache } from '../model';
import { acquireNativeDecoder, releaseNativeDecoder, type NativeDecoder } from '../nativeDecode';
import { Rng } from '../rng';
import { distributionView, softmax, DEFAULT_BARS, type DistributionView } from './distribution';

/** How the token of a step was chosen. */
export type StepChoice = { kind: 'greedy' } | { kind: 'sample'; seed: number } | { kind: 'pick'; id: number };

export interface SamplingStep {
  id: number;
  choice: StepChoice;
  /** The parameters in force when the token was chosen. */
  params: SamplingParams;
  /** The model's raw softmax probability of the token. */
  rawProb: number;
  /** Its probability in the filtered distribution it was drawn from (0 for a hand-picked token the filter removed). */
  filteredProb: number;
}

/** Runs positions of one sequence and returns the last one's logits; the cache lives inside. */
interface Stepper {
  /** Positions the cache holds. */
  readonly length: number;
  run(ids: number[]): Promise<Float32Array>;
  reset(): void;
  dispose(): void;
}

class NativeStepper implements Stepper {
  constructor(
    private readonly model: GPT,
    private readonly decoder: NativeDecoder,
  ) {}
  get length(): number {
    return this.decoder.length;
  }
  async run(ids: number[]): Promise<Float32Array> {
    return Float32Array.from(this.decoder.run(ids));
  }
  reset(): void {
    this.decoder.reset();
  }
  dispose(): void {
    releaseNativeDecoder(this.model, this.decoder);
  }
}

class TensorStepper implements Stepper {
  private cache: KVCache;
  constructor(private readonly model: GPT) {
    this.cache = model.newCache();
  }
  get length(): number {
    return this.cache.length;
  }
  async run(ids: number[]): Promise<Float32Array> {
    const logits = this.model.forwardCached(ids, this.cache, { lastOnly: true });
    try {
      return Float32Array.from((await logits.data()) as Float32Array);
    } finally {
      logits.dispose();
    }
  }
  reset(): void {
    this.model.disposeCache(this.cache);
    this.cache = this.model.newCache();
  }
  dispose(): void {
    this.model.disposeCache(this.cache);
  }
}

export interface SessionOptions {
  /** Use the native fused decoder when it is available (default true). */
  native?: boolean;
}

export class SamplingSession {
  readonly promptIds: readonly number[];
  private readonly tokens: number[];
  private readonly history: SamplingStep[] = [];
  /** logitsStack[i]: the logits of the next token after the prompt and the first i steps. */
  private readonly logitsStack: Float32Array[] = [];
  private rankedCache: { logits: Float32Array; order: number[] } | undefined;
  private readonly stepper: Stepper;
  /** Tokens the stepper's cache has seen, in order (a prefix of `tokens` unless an undo cut them). */
  private cached: number[] = [];
  private disposed = false;

  private constructor(
    readonly model: GPT,
    promptIds: number[],
    options: SessionOptions,
  ) {
    if (promptIds.length === 0) throw new RangeError('A sampling session needs a prompt of at least one token');
    const V = model.config.vocabSize;
    for (const id of promptIds) if (!Number.isInteger(id) || id < 0 || id >= V) throw new RangeError(`Prompt token ${id} is not a model ID (0 … ${V - 1})`);
    this.promptIds = promptIds.slice();
    this.tokens = promptIds.slice();
    const native = options.native !== false ? acquireNativeDecoder(model) : undefined;
    this.stepper = native ? new NativeStepper(model, native) : new TensorStepper(model);
  }

  /** A session on a prompt, with the distribution of its next token computed. */
  static async open(model: GPT, promptIds: number[], options: SessionOptions = {}): Promise<SamplingSession> {
    const session = new SamplingSession(model, promptIds, options);
    try {
      session.logitsStack.push(await session.advance());
    } catch (error) {
      session.dispose();
      throw error;
    }
    return session;
  }

  /** The steps taken, first first. */
  get steps(): readonly SamplingStep[] {
    return this.history;
  }

  /** The generated token IDs (the prompt not included). */
  get generated(): number[] {
    return this.history.map((s) => s.id);
  }

  /** Prompt and generated tokens. */
  get allTokens(): readonly number[] {
    return this.tokens;
  }

  /** The logits of the next token (a copy). */
  get logits(): Float32Array {
    return Float32Array.from(this.current());
  }

  /** The next token's distribution under `params`. */
  view(params: SamplingParams, bars = DEFAULT_BARS): DistributionView {
    const logits = this.current();
    if (this.rankedCache?.logits !== logits) this.rankedCache = { logits, order: rankedIndices(logits) };
    return distributionView(logits, params, bars, this.rankedCache.order);
  }

  /** The distribution step `index` was chosen from (index = steps.length: the current one) under `params`. */
  viewAt(index: number, params: SamplingParams, bars = DEFAULT_BARS): DistributionView {
    if (!Number.isInteger(index) || index < 0 || index >= this.logitsStack.length) throw new RangeError(`There is no step ${index} (0 … ${this.logitsStack.length - 1})`);
    return index === this.logitsStack.length - 1 ? this.view(params, bars) : distributionView(this.logitsStack[index], params, bars);
  }

  /** Chooses the next token, appends it, and computes the distribution after it. */
  async step(choice: StepChoice, params: SamplingParams): Promise<SamplingStep> {
    this.checkAlive();
    const logits = this.current();
    const id = chooseToken(logits, choice, params);
    const step: SamplingStep = { id, choice, params: { ...params }, rawProb: softmax(logits)[id], filteredProb: samplingDistribution(logits, params)[id] };
    this.tokens.push(id);
    try {
      this.logitsStack.push(await this.advance());
    } catch (error) {
      this.tokens.pop();
      throw error;
    }
    this.history.push(step);
    return step;
  }

  /** Takes back the last step (none: returns undefined); the distribution before it is the current one again. */
  undo(): SamplingStep | undefined {
    this.checkAlive();
    const step = this.history.pop();
    if (!step) return undefined;
    this.tokens.pop();
    this.logitsStack.pop();
    return step;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stepper.dispose();
  }

  private current(): Float32Array {
    return this.logitsStack[this.logitsStack.length - 1];
  }

  /** Runs the tokens the cache has not seen and returns the logits of the next token. */
  private async advance(): Promise<Float32Array> {
    const ctx = this.model.config.contextLength;
    const matches = this.cached.length < this.tokens.length && this.cached.every((id, i) => id === this.tokens[i]);
    let pending: number[];
    if (matches && this.stepper.length + (this.tokens.length - this.cached.length) <= ctx) {
      pending = this.tokens.slice(this.cached.length);
    } else {
      // after an undo, or with the context full: a new cache from the last contextLength tokens
      this.stepper.reset();
      pending = this.tokens.slice(-ctx);
      this.cached = this.tokens.slice(0, this.tokens.length - pending.length);
    }
    const logits = await this.stepper.run(pending);
    this.cached.push(...pending);
    return logits;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('This sampling session has been closed');
  }
}

/** The token a choice gives for some logits: greedy is the argmax, a draw uses one number of Rng(seed). */
export function chooseToken(logits: ArrayLike<number>, choice: StepChoice, params: SamplingParams): number {
  switch (choice.kind) {
    case 'greedy':
      return argmax(logits);
    case 'sample':
      return sampleNext(logits, params, new Rng(choice.seed));
    case 'pick':
      if (!Number.isInteger(choice.id) || choice.id < 0 || choice.id >= logits.length) throw new RangeError(`Token ${choice.id} is not a model ID (0 … ${logits.length - 1})`);
      return choice.id;
  }
}
