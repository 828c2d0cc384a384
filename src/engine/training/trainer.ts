// Training: AdamW with decoupled weight decay, linear warm-up then cosine decay of the learning rate,
// gradient clipping by global norm, periodic validation, progress events, checkpoints, cancellation
// and a time limit. Same seed, same corpus → the same losses, and a run resumed from state() continues
// exactly where it stopped (the optimizer moments and the batch generator's state travel with it; the
// dropout masks of a step are drawn from a stream seeded by the run's seed and the step, so they need none).

import * as tf from '@tensorflow/tfjs-core';
import type { Dropout, GPT } from '../model';
import { Rng, type RngState } from '../rng';
import { DEFAULT_DROPOUT, isDropoutRate } from '../dropoutRate';
import { ADAMW_PLACEMENTS, type AdamW, type AdamWMoments, type AdamWPath, type AdamWPlacement, type AdamWStep } from './adamw';
import { createAdamW } from './createAdamW';
import { correctPredictions, evaluateMasked, maskedBatchLoss, maskedTrainingBatch, maskingExample, type MaskedTraining, type MaskingExample } from '../mlm/maskedObjective';
import { FusedTrainingStep, usesFusedStep } from './fusedStep';

/** Where batches come from; Corpus implements it. */
export interface BatchSource {
  /** B rows of T tokens and the same rows shifted by one (targets), row-major (B*T) each. */
  batch(split: 'train' | 'val', batchSize: number, blockSize: number, rng: Rng): { x: Int32Array; y: Int32Array };
  /** Whether a split has at least blockSize + 1 tokens; validation is skipped when 'val' does not. */
  fits?(split: 'train' | 'val', blockSize: number): boolean;
  /**
   * The whole validation part as rows, each target once (`weights` 0 for a target counted in an earlier
   * row). When given, validation is this exact loss over the whole part instead of random batches.
   */
  validationRows?(blockSize: number): { x: Int32Array; y: Int32Array; weights: Float32Array; rows: number };
}

/** The lowest validation loss so far, and the step whose weights produced it. */
export interface BestValidation {
  step: number;
  valLoss: number;
}

export interface TrainProgress {
  /** Optimizer steps completed (over all runs of this model). */
  step: number;
  steps: number;
  /** Training loss of this step's batch. */
  loss: number;
  /** Mean validation loss, on the steps that evaluated. */
  valLoss?: number;
  /** Learning rate used by this step. */
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Training tokens per second of this run, evaluation time excluded. */
  tokensPerSecond: number;
  /** Time since this run started. */
  elapsedMs: number;
  /** The lowest validation loss so far (this step's, when it improved). */
  best?: BestValidation;
  /** Encoder: share of this batch's chosen positions predicted right (the loss is the masked-token loss). */
  accuracy?: number;
  /** Encoder, on the steps that evaluated: the same on the validation part (its fixed mask). */
  valAccuracy?: number;
  /** Encoder: one row of this step's batch (the first with a chosen position), each position with its branch. */
  masking?: MaskingExample;
}

export interface TrainOptions {
  /** Train until this many optimizer steps are done (a resumed run counts the steps already done). */
  steps: number;
  /** An encoder's masking (required for one, refused for a decoder): a fresh mask every step. */
  masked?: MaskedTraining;
  batchSize: number;
  /** Tokens per row; defaults to the model's context length. */
  blockSize?: number;
  learningRate: number;
  minLearningRate: number;
  warmupSteps: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** Adam's epsilon. */
  eps: number;
  /** Clip the global gradient norm to this; 0 turns clipping off. */
  gradClip: number;
  /**
   * Dropout rate of the training steps (0 ≤ p < 1; 0 turns it off), in nanoGPT's places (model.ts). A small
   * folder of notes is otherwise memorised: training loss falls while validation loss rises. Validation
   * never uses it.
   */
  dropout: number;
  /** Validate every this many steps (and at the end); 0 only at the end. */
  evalInterval: number;
  /**
   * Validation batches averaged per evaluation; 0 turns validation off. When the corpus gives its whole
   * validation part (validationRows) and it is no longer than this many batches, that exact loss is used.
   */
  evalBatches: number;
  /**
   * Early stopping: stop when this many evaluations in a row have not improved on the best validation loss
   * (0: never stop early).
   */
  patience: number;
  seed: number;
  /** Stop (between steps) after this many minutes. */
  maxMinutes?: number;
  signal?: AbortSignal;
  onProgress?(p: TrainProgress): void | Promise<void>;
  /** Called every checkpointInterval steps and once at the end of run(), whichever way it ended. */
  onCheckpoint?(state: TrainerState): Promise<void>;
  /** 0: only at the end. */
  checkpointInterval: number;
  /**
   * Called when an evaluation improves on the best validation loss, before the next step: the place to keep
   * (and save) the model's weights of that step.
   */
  onBest?(best: BestValidation): Promise<void>;
  /**
   * Where AdamW runs. 'fused': the native backend's fused training step (fusedStep.ts), forward, backward
   * and AdamW in one call of the addon. 'js': after the TensorFlow.js gradients, one loop over Float32Arrays,
   * for backends that keep tensors in main memory (cpu, wasm, tensorflow, native). 'tf': on the device, with
   * no read-back of every gradient: on webgpu two fused shaders per parameter, elsewhere tensor ops. 'auto'
   * picks by backend: the fused step on native (LMX_FUSED_STEP=0 turns it off), else 'tf' on GPU backends
   * and 'js' elsewhere.
   */
  optimizer: AdamWPlacement;
}

export const DEFAULT_TRAIN_OPTIONS: Readonly<Omit<TrainOptions, 'signal' | 'onProgress' | 'onCheckpoint' | 'maxMinutes' | 'blockSize'>> = {
  steps: 1000,
  batchSize: 12,
  learningRate: 1e-3,
  minLearningRate: 1e-4,
  warmupSteps: 100,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.99,
  eps: 1e-8,
  gradClip: 1.0,
  dropout: DEFAULT_DROPOUT,
  evalInterval: 100,
  evalBatches: 10,
  patience: 0,
  seed: 1337,
  checkpointInterval: 0,
  optimizer: 'auto',
};

/** Everything needed to continue training exactly; arrays are keyed by parameter name. */
export interface TrainerState {
  /** Optimizer steps completed. */
  step: number;
  /** AdamW's first and second moments, shapes as GPT.parameterShapes(). */
  optimizer: { m: Record<string, Float32Array>; v: Record<string, Float32Array> };
  /** The training-batch generator, to draw the same batches a run without interruption would. */
  rngState?: RngState;
  seed: number;
  /** Training tokens processed so far. */
  tokensSeen: number;
  /** Training time so far, over all runs (evaluation included). */
  elapsedMs: number;
  /** The last training loss and the last validation loss. */
  loss?: number;
  valLoss?: number;
  /** The lowest validation loss so far and its step; evaluations since then without improving on it. */
  best?: BestValidation;
  evalsSinceBest?: number;
}

export interface TrainResult {
  /** Optimizer steps completed (over all runs). */
  step: number;
  steps: number;
  /**
   * 'steps': reached options.steps; 'cancel': the signal aborted; 'time': maxMinutes passed; 'early-stop':
   * `patience` evaluations without a new best; 'diverged': the training loss was not a finite number.
   */
  stoppedBy: 'steps' | 'cancel' | 'time' | 'early-stop' | 'diverged';
  cancelled: boolean;
  /** The last training loss (undefined when no step ran). */
  loss?: number;
  /** The last validation loss. */
  valLoss?: number;
  /** An encoder's last validation accuracy at the masked positions. */
  valAccuracy?: number;
  tokensPerSecond: number;
  /** This run's wall time. */
  elapsedMs: number;
  /** The lowest validation loss (over all runs of this model) and its step. */
  best?: BestValidation;
}

/** The learning rate of a step (0-based): linear warm-up, then cosine decay to minLearningRate at `steps`. */
export function learningRateAt(
  step: number,
  o: Pick<TrainOptions, 'learningRate' | 'minLearningRate' | 'warmupSteps' | 'steps'>,
): number {
  if (step < o.warmupSteps) return (o.learningRate * (step + 1)) / (o.warmupSteps + 1);
  if (step >= o.steps) return o.minLearningRate;
  const ratio = (step - o.warmupSteps) / Math.max(1, o.steps - o.warmupSteps); // 0 … 1
  const coeff = 0.5 * (1 + Math.cos(Math.PI * ratio)); // 1 … 0
  return o.minLearningRate + coeff * (o.learningRate - o.minLearningRate);
}

/** A seed for an independent stream, derived from the run's seed (e.g. validation batches per step). */
function deriveSeed(seed: number, a: number, b: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(a + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(b + 1, 0x27d4eb2f);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

const VALIDATION_STREAM = 1;
const DROPOUT_STREAM = 2;
/** An encoder's validation rows and mask: the same at every evaluation (step 0's stream). */
const MASKED_VALIDATION_STREAM = 3;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

export class Trainer {
  readonly model: GPT;
  readonly corpus: BatchSource;
  readonly options: TrainOptions;
  private step: number;
  private rng: Rng;
  private readonly names: string[];
  private readonly vars: tf.Variable[];
  /** The fused step where it trains (forward, backward and update in one call), else the AdamW after tfjs's gradients. */
  private readonly optimizer: AdamW | FusedTrainingStep;
  private tokensSeen: number;
  private elapsedBefore: number;
  private runStarted?: number;
  private lastLoss?: number;
  private lastValLoss?: number;
  private lastValAccuracy?: number;
  private best?: BestValidation;
  private evalsSinceBest: number;

  constructor(model: GPT, corpus: BatchSource, options: Partial<TrainOptions> = {}, state?: TrainerState) {
    this.model = model;
    this.corpus = corpus;
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { ...DEFAULT_TRAIN_OPTIONS, ...defined } as TrainOptions;
    validateOptions(this.options, model.config.contextLength);
    if ((model.kind === 'encoder') !== (this.options.masked !== undefined)) {
      throw new RangeError(model.kind === 'encoder' ? 'An encoder trains on masked batches: the training option masked is missing' : 'A decoder trains on next tokens: the training option masked is for encoders only');
    }
    const shapes = model.parameterShapes();
    this.names = Object.keys(shapes);
    this.vars = this.names.map((n) => model.params.get(n) as tf.Variable);
    // nanoGPT: decay every tensor of 2 or more dimensions (matrices and embeddings), not gains or biases
    const decay = this.names.map((n) => shapes[n].length >= 2);
    if (state) checkState(state, shapes);
    const moments = state ? { m: this.names.map((n) => momentOf(state, 'm', n)!), v: this.names.map((n) => momentOf(state, 'v', n)!) } : undefined;
    const placement = this.options.optimizer;
    if (placement === 'fused' && model.kind === 'encoder') {
      throw new RangeError("The fused native training step is causal, for decoders only: an encoder trains on the TensorFlow.js path (optimizer 'auto', 'js' or 'tf')");
    }
    this.optimizer =
      model.kind === 'decoder' && usesFusedStep(placement, this.options.dropout) ? new FusedTrainingStep(model, this.options.batchSize, this.blockSize, decay, moments)
      : createAdamW(placement === 'fused' ? 'auto' : placement, this.vars, decay, moments);
    this.step = state?.step ?? 0;
    this.rng = state?.rngState ? Rng.fromState(state.rngState) : new Rng(this.options.seed);
    this.tokensSeen = state?.tokensSeen ?? 0;
    this.elapsedBefore = state?.elapsedMs ?? 0;
    this.lastLoss = state?.loss;
    this.lastValLoss = state?.valLoss;
    this.best = state?.best ? { ...state.best } : undefined;
    this.evalsSinceBest = state?.evalsSinceBest ?? 0;
  }

  /** The lowest validation loss so far and its step. */
  get bestValidation(): BestValidation | undefined {
    return this.best ? { ...this.best } : undefined;
  }

  /** Replaces the best validation loss (the kept model measured again on another validation part). */
  rebaseBest(best: BestValidation): void {
    this.best = { ...best };
    this.evalsSinceBest = 0;
  }

  private get blockSize(): number {
    return this.options.blockSize ?? this.model.config.contextLength;
  }

  /** Trains until options.steps, the signal, or maxMinutes; never throws for a cancel. */
  async run(): Promise<TrainResult> {
    const o = this.options;
    const started = performance.now();
    this.runStarted = started;
    const tokensPerStep = o.batchSize * this.blockSize;
    let trainMs = 0;
    let trainTokens = 0;
    let stoppedBy: TrainResult['stoppedBy'] = 'steps';
    let evaluatedAt = -1;
    let checkpointedAt = -1;
    const tokensPerSecond = () => (trainMs > 0 ? (trainTokens / trainMs) * 1000 : 0);

    while (this.step < o.steps) {
      if (o.signal?.aborted) {
        stoppedBy = 'cancel';
        break;
      }
      if (o.maxMinutes !== undefined && performance.now() - started >= o.maxMinutes * 60_000) {
        stoppedBy = 'time';
        break;
      }
      const lr = learningRateAt(this.step, o);
      const t0 = performance.now();
      const { loss, gradNorm, accuracy, masking } = await this.trainStep(lr);
      trainMs += performance.now() - t0;
      trainTokens += tokensPerStep;
      if (!Number.isFinite(loss)) {
        stoppedBy = 'diverged';
        break;
      }
      let valLoss: number | undefined;
      let improved = false;
      const last = this.step >= o.steps;
      if ((o.evalInterval > 0 && this.step % o.evalInterval === 0) || last) {
        valLoss = await this.evaluate();
        evaluatedAt = this.step;
        if (valLoss !== undefined) improved = await this.recordValidation(valLoss);
      }
      await o.onProgress?.({
        step: this.step,
        steps: o.steps,
        loss,
        ...(valLoss !== undefined ? { valLoss } : {}),
        lr,
        gradNorm,
        tokensPerSecond: tokensPerSecond(),
        elapsedMs: performance.now() - started,
        ...(this.best ? { best: { ...this.best } } : {}),
        ...(accuracy !== undefined ? { accuracy } : {}),
        ...(valLoss !== undefined && this.lastValAccuracy !== undefined ? { valAccuracy: this.lastValAccuracy } : {}),
        ...(masking ? { masking } : {}),
      });
      if (!improved && o.patience > 0 && this.evalsSinceBest >= o.patience && !last) {
        stoppedBy = 'early-stop';
        break;
      }
      if (o.onCheckpoint && o.checkpointInterval > 0 && this.step % o.checkpointInterval === 0 && !last) {
        await o.onCheckpoint(await this.snapshot());
        checkpointedAt = this.step;
      }
      await yieldToEventLoop(); // lets an abort, or other requests, in between two steps
    }

    // The time limit ends the run like its last step: validate then too. A cancel returns at once.
    if (stoppedBy === 'time' && evaluatedAt !== this.step) {
      const valLoss = await this.evaluate();
      if (valLoss !== undefined) await this.recordValidation(valLoss);
    }
    // A diverged step has already put its non-finite update into the weights and the moments: no checkpoint
    // of that, the last one saved before it stays the one on disk.
    if (o.onCheckpoint && checkpointedAt !== this.step && stoppedBy !== 'diverged') await o.onCheckpoint(await this.snapshot());
    this.elapsedBefore += performance.now() - started;
    this.runStarted = undefined;
    return {
      step: this.step,
      steps: o.steps,
      stoppedBy,
      cancelled: stoppedBy === 'cancel',
      ...(this.lastLoss !== undefined ? { loss: this.lastLoss } : {}),
      ...(this.lastValLoss !== undefined ? { valLoss: this.lastValLoss } : {}),
      ...(this.lastValAccuracy !== undefined ? { valAccuracy: this.lastValAccuracy } : {}),
      tokensPerSecond: tokensPerSecond(),
      elapsedMs: performance.now() - started,
      ...(this.best ? { best: { ...this.best } } : {}),
    };
  }

  /** Updates the best validation loss (calling onBest when it improved); returns whether it did. */
  private async recordValidation(valLoss: number): Promise<boolean> {
    if (!Number.isFinite(valLoss)) {
      this.evalsSinceBest++;
      return false;
    }
    if (this.best && !(valLoss < this.best.valLoss)) {
      this.evalsSinceBest++;
      return false;
    }
    this.best = { step: this.step, valLoss };
    this.evalsSinceBest = 0;
    await this.options.onBest?.({ ...this.best });
    return true;
  }

  /**
   * One optimizer step on the next training batch; returns its loss and the gradient norm, and for an encoder
   * the accuracy at the chosen positions and one row of the batch.
   */
  async trainStep(lr = learningRateAt(this.step, this.options)): Promise<{ loss: number; gradNorm: number; accuracy?: number; masking?: MaskingExample }> {
    const o = this.options;
    const B = o.batchSize;
    const T = this.blockSize;
    const masked = o.masked ? maskedTrainingBatch(this.corpus, B, T, this.rng, o.masked) : undefined;
    const next = masked ? undefined : this.corpus.batch('train', B, T, this.rng);
    const dropout = o.dropout > 0 ? { rate: o.dropout, rng: new Rng(deriveSeed(o.seed, this.step, DROPOUT_STREAM)) } : undefined;
    const adam = { ...o, lr, t: this.step + 1 }; // t: Adam's step count, from 1
    let result: { loss: number; gradNorm: number; accuracy?: number; masking?: MaskingExample };
    if (this.optimizer instanceof FusedTrainingStep) {
      result = this.optimizer.step(next!.x, next!.y, adam, dropout); // the constructor gives an encoder no fused step
    } else if (masked) {
      let predicted: tf.Tensor | undefined;
      const step = await this.tfjsStep(this.optimizer, adam, () => {
        const r = maskedBatchLoss(this.model, masked, B, T, dropout);
        predicted = tf.keep(r.predicted);
        return r.loss;
      }, () => predicted);
      const accuracy = correctPredictions(masked, step.kept!) / masked.positions.length;
      result = { loss: step.loss, gradNorm: step.gradNorm, accuracy, masking: maskingExample(masked, T) };
    } else {
      const { x, y } = next!;
      result = await this.tfjsStep(this.optimizer, adam, () => this.model.loss(tf.tensor2d(x, [B, T], 'int32'), tf.tensor2d(y, [B, T], 'int32'), dropout));
    }
    this.step++;
    this.tokensSeen += B * T;
    this.lastLoss = result.loss;
    return result;
  }

  /**
   * A step of the TensorFlow.js path: the gradients of `lossOf`, then `optimizer`. `kept`: a tensor lossOf
   * kept (tf.keep), read together with the loss and disposed.
   */
  private async tfjsStep(
    optimizer: AdamW,
    adam: AdamWStep,
    lossOf: () => tf.Scalar,
    kept?: () => tf.Tensor | undefined,
  ): Promise<{ loss: number; gradNorm: number; kept?: ArrayLike<number> }> {
    const { value, grads } = tf.tidy(() => {
      const r = tf.variableGrads(lossOf, this.vars);
      return { value: r.value, grads: this.vars.map((v) => r.grads[v.name]) };
    });
    const extra = kept?.();
    // The update is queued before the loss is read, so that on a GPU the step waits for the device once,
    // not twice (loss, then gradient norm) with the device idle while the optimizer's kernels are issued.
    const updated = optimizer.update(grads, adam);
    try {
      const [loss, gradNorm, keptValues] = await Promise.all([value.data().then((d) => d[0]), updated, extra?.data()]);
      return { loss, gradNorm, ...(keptValues ? { kept: keptValues } : {}) };
    } finally {
      tf.dispose([value, ...(extra ? [extra] : [])]);
    }
  }

  /**
   * Mean loss over options.evalBatches validation batches (drawn from a stream seeded by the step). An
   * encoder's: the masked-token loss over the same rows and the same mask every time (and its accuracy).
   */
  async evaluate(): Promise<number | undefined> {
    const o = this.options;
    const T = this.blockSize;
    if (o.evalBatches <= 0 || (this.corpus.fits && !this.corpus.fits('val', T))) return undefined;
    if (o.masked) {
      const seed = deriveSeed(o.seed, 0, MASKED_VALIDATION_STREAM);
      const result = await evaluateMasked(this.model, this.corpus, o.masked, { batchSize: o.batchSize, blockSize: T, evalBatches: o.evalBatches, seed });
      this.lastValAccuracy = result.accuracy;
      this.lastValLoss = result.loss;
      return this.lastValLoss;
    }
    const whole = this.corpus.validationRows?.(T);
    if (whole && whole.rows > 0 && whole.rows <= o.evalBatches * o.batchSize) {
      this.lastValLoss = await this.exactLoss(whole, T);
      return this.lastValLoss;
    }
    const rng = new Rng(deriveSeed(o.seed, this.step, VALIDATION_STREAM));
    // every batch is queued before any loss is read: on a GPU one wait instead of one per batch
    const losses: tf.Scalar[] = [];
    try {
      for (let i = 0; i < o.evalBatches; i++) {
        const { x, y } = this.corpus.batch('val', o.batchSize, T, rng);
        losses.push(tf.tidy(() => this.model.loss(tf.tensor2d(x, [o.batchSize, T], 'int32'), tf.tensor2d(y, [o.batchSize, T], 'int32'))));
      }
      const values = await Promise.all(losses.map((loss) => loss.data()));
      this.lastValLoss = values.reduce((sum, value) => sum + value[0], 0) / o.evalBatches;
    } finally {
      tf.dispose(losses);
    }
    return this.lastValLoss;
  }

  /** The mean loss of the weighted targets of some rows, computed batchSize rows at a time. */
  private async exactLoss(rows: { x: Int32Array; y: Int32Array; weights: Float32Array; rows: number }, T: number): Promise<number> {
    const B = this.options.batchSize;
    const sums: tf.Scalar[] = [];
    let weight = 0;
    try {
      for (let r = 0; r < rows.rows; r += B) {
        const n = Math.min(B, rows.rows - r);
        const x = rows.x.subarray(r * T, (r + n) * T);
        const y = rows.y.subarray(r * T, (r + n) * T);
        const w = rows.weights.subarray(r * T, (r + n) * T);
        for (let i = 0; i < w.length; i++) weight += w[i];
        sums.push(
          tf.tidy(() => {
            const logits = tf.reshape(this.model.forward(tf.tensor2d(x, [n, T], 'int32')), [n * T, -1]);
            const logProbs = tf.logSoftmax(logits);
            const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.tensor1d(y, 'int32'), logits.shape[1]!)), 1);
            return tf.neg(tf.sum(tf.mul(picked, tf.tensor1d(w))));
          }) as tf.Scalar,
        );
      }
      const values = await Promise.all(sums.map((t) => t.data()));
      return values.reduce((total, v) => total + v[0], 0) / Math.max(1, weight);
    } finally {
      tf.dispose(sums);
    }
  }

  /**
   * A snapshot to resume from (copies; safe to keep while training continues). Synchronous: cpu and wasm only;
   * snapshot() is the same on every backend.
   */
  state(): TrainerState {
    return this.stateFrom(this.optimizer.moments());
  }

  /** state(), with the optimizer's moments read asynchronously (works on the GPU backends too). */
  async snapshot(): Promise<TrainerState> {
    return this.stateFrom(await this.optimizer.readMoments());
  }

  private stateFrom(moments: AdamWMoments): TrainerState {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    this.names.forEach((name, i) => {
      m[name] = moments.m[i];
      v[name] = moments.v[i];
    });
    const running = this.runStarted !== undefined ? performance.now() - this.runStarted : 0;
    return {
      step: this.step,
      optimizer: { m, v },
      rngState: this.rng.state,
      seed: this.options.seed,
      tokensSeen: this.tokensSeen,
      elapsedMs: this.elapsedBefore + running,
      ...(this.lastLoss !== undefined ? { loss: this.lastLoss } : {}),
      ...(this.lastValLoss !== undefined ? { valLoss: this.lastValLoss } : {}),
      ...(this.best ? { best: { ...this.best }, evalsSinceBest: this.evalsSinceBest } : {}),
    };
  }

  /** Where AdamW runs: 'fused' (the fused native step), 'native' (the addon's loop), 'js' (a JavaScript loop), 'webgpu' (fused shaders) or 'tf' (tensor ops). */
  get optimizerPath(): AdamWPath {
    return this.optimizer.path();
  }

  /** Frees the optimizer's tensors (the model stays). */
  dispose(): void {
    this.optimizer.dispose();
  }
}

function validateOptions(o: TrainOptions, contextLength: number): void {
  const positiveInt = ['batchSize'] as const;
  for (const key of positiveInt) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new RangeError(`Training option ${key} must be a positive integer, got ${o[key]}`);
  }
  for (const key of ['steps', 'warmupSteps', 'evalInterval', 'evalBatches', 'checkpointInterval', 'patience'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 0) throw new RangeError(`Training option ${key} must be a whole number ≥ 0, got ${o[key]}`);
  }
  for (const key of ['learningRate', 'minLearningRate', 'weightDecay', 'gradClip', 'eps'] as const) {
    if (!Number.isFinite(o[key]) || o[key] < 0) throw new RangeError(`Training option ${key} must be a number ≥ 0, got ${o[key]}`);
  }
  for (const key of ['beta1', 'beta2'] as const) {
    if (!(o[key] >= 0 && o[key] < 1)) throw new RangeError(`Training option ${key} must be in [0, 1), got ${o[key]}`);
  }
  if (!isDropoutRate(o.dropout)) throw new RangeError(`Training option dropout must be in [0, 1), got ${o.dropout}`);
  if (o.blockSize !== undefined && (!Number.isInteger(o.blockSize) || o.blockSize < 1 || o.blockSize > contextLength)) {
    throw new RangeError(`Training option blockSize must be an integer from 1 to the context length (${contextLength}), got ${o.blockSize}`);
  }
  if (o.maxMinutes !== undefined && !(o.maxMinutes > 0)) throw new RangeError(`Training option maxMinutes must be > 0, got ${o.maxMinutes}`);
  if (!ADAMW_PLACEMENTS.includes(o.optimizer)) throw new RangeError(`Training option optimizer must be one of ${ADAMW_PLACEMENTS.map((p) => `'${p}'`).join(', ')}, got ${o.optimizer}`);
}

/** A moment array from a state whose optimizer maps are records (or Maps, as a loader may give). */
function momentOf(state: TrainerState, which: 'm' | 'v', name: string): Float32Array | undefined {
  const moments = state.optimizer?.[which] as Record<string, Float32Array> | Map<string, Float32Array> | undefined;
  return moments instanceof Map ? moments.get(name) : moments?.[name];
}

function checkState(state: TrainerState, shapes: Record<string, number[]>): void {
  if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`Trainer state: step must be a whole number, got ${state.step}`);
  for (const which of ['m', 'v'] as const) {
    const moments = state.optimizer?.[which];
    if (!moments) throw new Error(`Trainer state: optimizer.${which} is missing`);
    for (const [name, shape] of Object.entries(shapes)) {
      const data = momentOf(state, which, name);
      const size = shape.reduce((a, b) => a * b, 1);
      if (!data) throw new Error(`Trainer state: optimizer.${which} has no entry for ${name}`);
      if (data.length !== size) throw new Error(`Trainer state: optimizer.${which}.${name} has ${data.length} values, expected ${size}`);
    }
  }
}
