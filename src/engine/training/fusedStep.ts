// The fused training step of the native backend: forward, backward and AdamW of the whole model in one call
// of the addon (native/src/trainstep.cc), over buffers it allocates once, with the batch split by rows over its
// thread pool. It computes what the TensorFlow.js path computes (GPT.loss with its hand-written gradients, then
// the trainer's AdamW: same dropout places and masks, weight-decay groups, clipping), which stays the reference
// and the path of every other backend; the unit tests compare the two. The model's numerics (exact or tanh GELU, the
// LayerNorm ε) are parameters of the step: a model of GPT-2's numerics trains here exactly as on the tfjs path.
//
// The addon keeps its own copy of the parameters and AdamW's moments. After every update the new parameters are
// handed to the model's tf.Variables (in arrays from the native backend's recycling pool, so a step allocates
// nothing), so that evaluation, sampling and checkpoints see them; a variable assigned from outside (setWeights)
// is copied back into the addon before the next step.

import * as tf from '@tensorflow/tfjs-core';
import { numerics, sinusoidTable, type Dropout, type GPT } from '../model';
import { ADDON_VERSION, addonNumerics, loadAddon, NATIVE_BACKEND, NativeBackend, OUTDATED_ADDON, type NativeAddon } from '../backends/native';
import { keepThreshold } from '../rng';
import { isDropoutRate } from '../dropoutRate';
import type { AdamWMoments, AdamWPath, AdamWPlacement, AdamWStep, OptimizerState } from './adamw';

type TrainStepAddon = Required<Pick<NativeAddon, 'trainStepCreate' | 'trainStepRun' | 'trainStepRead' | 'trainStepWrite' | 'trainStepProfile' | 'trainStepFree'>>;

/** Where a step's time goes (LMX_PROFILE=1): milliseconds per phase, summed over the threads, over `steps` steps. */
export interface FusedStepProfile {
  steps: number;
  /** Threads the batch is split over. */
  threads: number;
  phases: Record<string, number>;
}

/**
 * With LMX_PROFILE=1 a fused step prints its profile on one line of stderr when it is disposed, after this prefix
 * (scripts/bench.mjs reads it from `lmx train`).
 */
export const PROFILE_LINE_PREFIX = 'lmx fused-step profile ';

/**
 * Why the fused step cannot train with the current backend and this dropout rate, or undefined when it can.
 * LMX_FUSED_STEP=0 turns it off (the tfjs path then trains on the native backend too).
 */
export function fusedStepUnavailable(dropout = 0): string | undefined {
  if (process.env.LMX_FUSED_STEP === '0') return 'switched off (LMX_FUSED_STEP=0)';
  if (tf.getBackend() !== NATIVE_BACKEND) return `the ${tf.getBackend()} backend has no fused step (only native)`;
  const loaded = loadAddon();
  if (!loaded.ok) return loaded.reason;
  if (typeof loaded.addon.trainStepCreate !== 'function') return 'the native addon predates the fused training step; rebuild it: npm run build:native';
  if (loaded.addon.info().version < ADDON_VERSION) return OUTDATED_ADDON;
  if (dropout > 0 && keepThreshold(dropout) > 0xffffffff) return `a dropout rate of ${dropout} is too close to 1 for the addon's 32-bit mask threshold`;
  return undefined;
}

/**
 * Whether a trainer asking for `placement` trains with the fused step: always for 'fused' (the step's constructor
 * then says why it cannot), for 'auto' where it is available, never otherwise.
 */
export function usesFusedStep(placement: AdamWPlacement, dropout: number): boolean {
  return placement === 'fused' || (placement === 'auto' && fusedStepUnavailable(dropout) === undefined);
}

export class FusedTrainingStep implements OptimizerState {
  private handle: unknown;
  private readonly addon: TrainStepAddon;
  private readonly names: string[];
  private readonly shapes: number[][];
  private readonly vars: tf.Variable[];
  /** The data each variable held when the addon last had the same values: another one means it was assigned from outside. */
  private readonly published: tf.DataId[];
  private readonly seeds: Uint32Array;
  private readonly adam = new Float64Array(7);
  private readonly result = new Float64Array(2);
  private readonly tokens: number;
  private readonly threads: number;
  private readonly profiling: boolean;

  /**
   * model: on the native backend (fusedStepUnavailable() says when it is not); batchSize × blockSize tokens a step;
   * decay: per parameter (parameterShapes() order), whether AdamW decays it; moments: AdamW's to continue from.
   */
  constructor(
    private readonly model: GPT,
    readonly batchSize: number,
    readonly blockSize: number,
    decay: boolean[],
    moments?: AdamWMoments,
    options: { threads?: number; profile?: boolean } = {},
  ) {
    const unavailable = fusedStepUnavailable();
    if (unavailable) throw new Error(`The fused training step is unavailable: ${unavailable}`);
    const addon = (loadAddon() as { addon: NativeAddon }).addon as NativeAddon & TrainStepAddon;
    this.addon = addon;
    const { vocabSize: V, contextLength: ctx, nLayer: L, nHead: H, nEmbd: C, positional } = model.config;
    const shapes = model.parameterShapes();
    this.names = Object.keys(shapes);
    this.shapes = this.names.map((n) => shapes[n]);
    this.vars = this.names.map((n) => {
      const v = model.params.get(n);
      if (!v) throw new Error(`No parameter named ${n}`);
      return v;
    });
    if (decay.length !== this.names.length) throw new Error(`decay needs one flag per parameter (${this.names.length}), got ${decay.length}`);
    if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > ctx) throw new RangeError(`blockSize must be from 1 to ${ctx}, got ${blockSize}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    this.tokens = batchSize * blockSize;
    this.seeds = new Uint32Array(1 + 3 * L);
    const threads = options.threads ?? addon.info().threads;
    this.threads = Math.max(1, Math.min(threads, batchSize));
    this.profiling = options.profile ?? process.env.LMX_PROFILE === '1';
    this.handle = addon.trainStepCreate(
      [V, ctx, L, H, C, batchSize, blockSize, positional === 'learned' ? 1 : 0],
      this.vars.map((v) => v.dataSync() as Float32Array),
      positional === 'learned' ? null : sinusoidTable(ctx, C),
      decay,
      this.threads,
      this.profiling,
      ...addonNumerics(numerics(model.config)),
    );
    this.published = this.vars.map((v) => v.dataId);
    if (moments) {
      this.names.forEach((_, i) => {
        addon.trainStepWrite(this.handle, 2, i, moments.m[i]);
        addon.trainStepWrite(this.handle, 3, i, moments.v[i]);
      });
    }
  }

  /** One optimizer step on a batch (x, y: batchSize × blockSize ids): the loss and the gradient norm before clipping. */
  step(x: Int32Array, y: Int32Array, adam: AdamWStep, dropout?: Dropout): { loss: number; gradNorm: number } {
    this.adam.set([adam.lr, adam.beta1, adam.beta2, adam.eps, adam.weightDecay, adam.gradClip, adam.t]);
    const outs = this.run(x, y, dropout, true);
    for (let i = 0; i < this.vars.length; i++) {
      const t = tf.tensor(outs[i], this.shapes[i]);
      this.vars[i].assign(t);
      t.dispose();
      this.published[i] = this.vars[i].dataId;
    }
    return { loss: this.result[0], gradNorm: this.result[1] };
  }

  /** The loss and every parameter's gradient of a batch (no update), in parameterShapes() order. */
  gradients(x: Int32Array, y: Int32Array, dropout?: Dropout): { loss: number; gradNorm: number; grads: Map<string, Float32Array> } {
    this.run(x, y, dropout, false);
    const grads = new Map<string, Float32Array>();
    this.names.forEach((name, i) => {
      const g = new Float32Array(this.vars[i].size);
      this.addon.trainStepRead(this.handle, 1, i, g);
      grads.set(name, g);
    });
    return { loss: this.result[0], gradNorm: this.result[1], grads };
  }

  private run(x: Int32Array, y: Int32Array, dropout: Dropout | undefined, update: boolean): Float32Array[] {
    if (this.handle === undefined) throw new Error('This fused training step has been disposed');
    if (this.model.isDisposed) throw new Error('This model has been disposed');
    if (x.length !== this.tokens || y.length !== this.tokens) throw new RangeError(`A batch needs ${this.tokens} ids in x and in y`);
    for (let i = 0; i < this.vars.length; i++) {
      if (this.vars[i].dataId !== this.published[i]) {
        this.addon.trainStepWrite(this.handle, 0, i, this.vars[i].dataSync() as Float32Array);
        this.published[i] = this.vars[i].dataId;
      }
    }
    let seeds: Uint32Array | null = null;
    let threshold = 0;
    let scale = 1;
    if (dropout) {
      if (!isDropoutRate(dropout.rate)) throw new RangeError(`Dropout rate must be in [0, 1), got ${dropout.rate}`);
      if (dropout.rate > 0) {
        // one seed per dropout place, drawn in the order of GPT.loss (model.ts): the same masks
        for (let i = 0; i < this.seeds.length; i++) this.seeds[i] = dropout.rng.int(4294967296);
        seeds = this.seeds;
        threshold = keepThreshold(dropout.rate);
        scale = 1 / (1 - dropout.rate);
      }
    }
    const backend = tf.backend();
    const outs = update ? this.vars.map((v) => (backend instanceof NativeBackend ? backend.alloc(v.size) : new Float32Array(v.size))) : null;
    this.addon.trainStepRun(this.handle, x, y, seeds, threshold, scale, update ? this.adam : null, outs, this.result);
    return outs ?? [];
  }

  path(): AdamWPath {
    return 'fused';
  }

  /** Copies of AdamW's moments, in parameter order. */
  moments(): AdamWMoments {
    const read = (what: number) =>
      this.vars.map((v, i) => {
        const out = new Float32Array(v.size);
        this.addon.trainStepRead(this.handle, what, i, out);
        return out;
      });
    return { m: read(2), v: read(3) };
  }

  async readMoments(): Promise<AdamWMoments> {
    return this.moments();
  }

  /** The per-phase timers (on with LMX_PROFILE=1 or options.profile); reset: start counting again. */
  profile(reset = false): FusedStepProfile {
    if (this.handle === undefined) throw new Error('This fused training step has been disposed');
    return { ...this.addon.trainStepProfile(this.handle, reset), threads: this.threads };
  }

  dispose(): void {
    if (this.handle === undefined) return;
    if (this.profiling) process.stderr.write(`${PROFILE_LINE_PREFIX}${JSON.stringify(this.profile())}\n`);
    this.addon.trainStepFree(this.handle);
    this.handle = undefined;
  }
}
