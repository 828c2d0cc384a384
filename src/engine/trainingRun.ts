// One training run, put together in one place for `lmx train` and the extension's engine worker: the text
// normalisation, the split into a training and a validation part, the vocabulary, the model's shape, the
// trainer's options and their defaults, sized to the corpus when the budget is `auto`; then the run itself,
// which keeps the model with the lowest validation loss and stops early once validation stops improving.
//
// Why this matters: a folder of notes is small (tens of kilobytes). A model trained on it for a fixed number
// of steps first learns and then memorises it: training loss keeps falling while validation loss rises, and
// the last model is worse than the one a few hundred steps earlier. So the run is sized to the corpus, it is
// watched on text it does not train on, and the model the features use is the best one seen.

import { Corpus } from './corpus';
import { DEFAULT_DROPOUT } from './dropoutRate';
import { normalizeText } from './normalize';

export { normalizeText };
import { UserError } from './errors';
import { assertTrainingFits } from './memory';
import type { GPT, GPTConfig, PositionalEncoding, PresetName } from './model';
import { PRESETS } from './model';
import { encode, tokenBytes, type TokenizerName } from './tokenizer';
import type { BestValidation, TrainOptions, TrainerState, TrainProgress, TrainResult } from './trainer';
import { Trainer } from './trainer';
import { Vocabulary } from './vocab';

// ---------------------------------------------------------------------------------------------------
// Settings and their one set of defaults

/** A run's settings. 'auto' (and 0 where a number is 'auto') means: chosen from the corpus size. */
export interface RunSettings {
  preset: PresetName | 'auto';
  /** Context length in tokens; 0: auto. */
  contextLength: number;
  /** Optimiser steps to reach; 0: auto. Early stopping may end the run sooner. */
  steps: number;
  batchSize: number;
  /** Peak learning rate; 0: auto (by the model's size). */
  learningRate: number;
  /** End of the cosine decay; 0: learningRate / 10. */
  minLearningRate: number;
  /** Warm-up steps; -1: auto (5% of the steps, at most 100). */
  warmupSteps: number;
  weightDecay: number;
  /** AdamW's β2. */
  beta2: number;
  /** Clip the global gradient norm to this (0: no clipping). */
  gradClip: number;
  /** Dropout probability in training (embeddings, attention weights, residual outputs); off in evaluation. */
  dropout: number;
  /** Evaluations without a new best validation loss before training stops (0: never stops early). */
  patience: number;
  /** Validate every N steps; 0: auto (about 40 evaluations a run). */
  evalInterval: number;
  /** Validation batches per evaluation; the whole validation part is used when it is no larger. */
  evalBatches: number;
  positional: PositionalEncoding;
  tokenizer: TokenizerName;
  /** Largest vocabulary, the specials and the 256 byte tokens included. */
  maxVocab: number;
  /** A GPT token seen fewer times than this in the training part is spelled in bytes. */
  minCount: number;
  /** Share of every document (its tail) kept for validation. */
  valFraction: number;
  seed: number;
  /** Stop after this many minutes (0: no time limit). */
  minutes: number;
  /** Save the latest state every N steps (the kept model is saved whenever validation improves). */
  checkpointInterval: number;
}

/**
 * The defaults, the only ones: the CLI's flags, the extension's settings (package.json) and config.ts
 * derive from these, and a test checks that they agree.
 */
export const RUN_DEFAULTS: Readonly<RunSettings> = {
  preset: 'auto',
  contextLength: 0,
  steps: 0,
  batchSize: 16,
  learningRate: 0,
  minLearningRate: 0,
  warmupSteps: -1,
  weightDecay: 0.1,
  beta2: 0.99,
  gradClip: 1.0,
  dropout: DEFAULT_DROPOUT,
  patience: 6,
  evalInterval: 0,
  evalBatches: 10,
  positional: 'learned',
  tokenizer: 'o200k_base',
  maxVocab: Vocabulary.DEFAULT_MAX_VOCAB,
  minCount: 2,
  valFraction: 0.1,
  seed: 1337,
  minutes: 10,
  checkpointInterval: 100,
};

/** Settings with the defaults filled in (undefined fields take the default). */
export function withDefaults(settings: Partial<RunSettings> = {}): RunSettings {
  const defined = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
  return { ...RUN_DEFAULTS, ...defined } as RunSettings;
}

// ---------------------------------------------------------------------------------------------------
// The plan: what `auto` chooses, and why

export interface TrainingPlan {
  preset: PresetName;
  contextLength: number;
  steps: number;
  batchSize: number;
  learningRate: number;
  minLearningRate: number;
  warmupSteps: number;
  weightDecay: number;
  dropout: number;
  /** Evaluations without a new best before training stops early (0: never stops early). */
  patience: number;
  evalInterval: number;
  /** One line for each choice, explicit settings named as such. */
  reasons: string[];
}

/**
 * Corpus sizes (training tokens) at which `auto` moves to the next model size. Measured on 30–50 KB of
 * lecture notes (npm run bench:quality): the tiny model with dropout 0.2 still improved on held-out notes
 * after 40 passes and beat gzip; a larger model costs some 5 times the compute a token, which a folder of
 * notes does not repay within minutes.
 */
const SMALL_FROM_TOKENS = 60_000;
const MEDIUM_FROM_TOKENS = 2_000_000;
/** Passes over the training part an `auto` run may take; early stopping ends it once validation stops improving. */
const AUTO_EPOCHS = 120;
const AUTO_MIN_STEPS = 300;
/**
 * Training tokens an `auto` run reads at most, by model size: a few minutes on two laptop cores (the tiny
 * model trains some 12,000 tokens a second there, small about a fifth of that).
 */
const AUTO_TOKEN_BUDGET: Record<PresetName, number> = { tiny: 2_500_000, small: 800_000, medium: 400_000 };
const AUTO_EVALUATIONS = 40;
// tiny: measured on bench/notes, 0.002 kept a model of 2.68 bits per byte where 0.003 overfitted sooner (2.75).
const AUTO_LEARNING_RATE: Record<PresetName, number> = { tiny: 2e-3, small: 2e-3, medium: 6e-4 };

/** The context `auto` gives a corpus: longer only when there is text enough to learn long-range use from. */
function autoContext(trainTokens: number, preset: PresetName): number {
  return Math.min(PRESETS[preset].contextLength, trainTokens < 200_000 ? 64 : 128);
}

/**
 * Sizes a run to its corpus. `fixed` is the model when resuming (its preset and context cannot change).
 * Every choice made here gets a reason; explicit settings are reported as such.
 */
export function planTraining(trainTokens: number, input: Partial<RunSettings> = {}, fixed?: { config: GPTConfig; step: number }): TrainingPlan {
  const s = withDefaults(input);
  const reasons: string[] = [];
  const k = (n: number) => (n >= 10_000 ? `${Math.round(n / 1000)}k` : n.toLocaleString('en-US'));

  let preset: PresetName;
  if (fixed) {
    preset = presetOf(fixed.config);
    reasons.push(`Model: ${describeConfig(fixed.config)}, from the checkpoint being resumed.`);
  } else if (s.preset !== 'auto') {
    preset = s.preset;
    reasons.push(`Model: ${preset}, as set.`);
  } else {
    preset = trainTokens < SMALL_FROM_TOKENS ? 'tiny' : trainTokens < MEDIUM_FROM_TOKENS ? 'small' : 'medium';
    const why =
      preset === 'tiny'
        ? `${k(trainTokens)} training tokens are too few for a larger model: it would memorise them sooner`
        : preset === 'small'
          ? `${k(trainTokens)} training tokens: enough for 4 layers of 128 channels, not for more`
          : `${k(trainTokens)} training tokens: enough text for the largest model`;
    reasons.push(`Model: ${preset}, because ${why}.`);
  }

  let contextLength: number;
  if (fixed) contextLength = fixed.config.contextLength;
  else if (s.contextLength > 0) {
    contextLength = s.contextLength;
    reasons.push(`Context: ${contextLength} tokens, as set.`);
  } else {
    contextLength = autoContext(trainTokens, preset);
    reasons.push(`Context: ${contextLength} tokens, ${contextLength < 128 ? 'as notes this size rarely need more' : 'for a corpus this large'}.`);
  }

  const tokensPerStep = s.batchSize * contextLength;
  const startStep = fixed?.step ?? 0;
  let steps: number;
  if (s.steps > 0) {
    steps = s.steps;
    reasons.push(`Steps: ${steps}, as set.`);
  } else {
    const perEpoch = Math.max(1, trainTokens / tokensPerStep);
    const byBudget = Math.floor(AUTO_TOKEN_BUDGET[preset] / tokensPerStep);
    const runSteps = Math.round(Math.max(AUTO_MIN_STEPS, Math.min(AUTO_EPOCHS * perEpoch, byBudget)));
    steps = startStep + runSteps;
    const budgetNote = AUTO_EPOCHS * perEpoch > byBudget && runSteps === byBudget ? `, the ${preset} model's budget of ${k(AUTO_TOKEN_BUDGET[preset])} training tokens` : '';
    reasons.push(
      `Steps: up to ${runSteps}${startStep ? ` more (to ${steps})` : ''}: about ${Math.round(runSteps / perEpoch)} passes over the training part ` +
        `(${s.batchSize} × ${contextLength} tokens a step)${budgetNote}; early stopping ends the run when validation stops improving.`,
    );
  }

  const learningRate = s.learningRate > 0 ? s.learningRate : AUTO_LEARNING_RATE[preset];
  reasons.push(s.learningRate > 0 ? `Learning rate: ${learningRate}, as set.` : `Learning rate: ${learningRate}, for the ${preset} model.`);
  const minLearningRate = s.minLearningRate > 0 ? s.minLearningRate : learningRate / 10;
  const runSteps = steps - startStep;
  // Warm up over the first 5% of the run (at most 100 steps): a short run still gets its full rate.
  const warmupSteps = s.warmupSteps >= 0 ? s.warmupSteps : Math.max(1, Math.min(100, Math.round(runSteps / 20)));
  const evalInterval = s.evalInterval > 0 ? s.evalInterval : Math.max(5, Math.min(100, Math.round(runSteps / AUTO_EVALUATIONS)));
  reasons.push(`Validation every ${evalInterval} steps${s.evalInterval > 0 ? ', as set' : ''}.`);
  if (s.patience > 0) {
    reasons.push(`Early stopping after ${s.patience} validations (${s.patience * evalInterval} steps) without a new best; the best model is kept.`);
  } else reasons.push('No early stopping (patience 0); the best model is kept.');
  if (s.dropout > 0) reasons.push(`Dropout ${s.dropout}, so that the model cannot lean on memorised details.`);

  return {
    preset,
    contextLength,
    steps,
    batchSize: s.batchSize,
    learningRate,
    minLearningRate,
    warmupSteps,
    weightDecay: s.weightDecay,
    dropout: s.dropout,
    patience: s.patience,
    evalInterval,
    reasons,
  };
}

/** The preset a configuration is, or the nearest one by size (for a resumed model's plan). */
function presetOf(config: GPTConfig): PresetName {
  const names = Object.keys(PRESETS) as PresetName[];
  const exact = names.find((n) => PRESETS[n].nLayer === config.nLayer && PRESETS[n].nEmbd === config.nEmbd && PRESETS[n].nHead === config.nHead);
  if (exact) return exact;
  return names.reduce((a, b) => (Math.abs(PRESETS[b].nEmbd - config.nEmbd) < Math.abs(PRESETS[a].nEmbd - config.nEmbd) ? b : a));
}

function describeConfig(c: GPTConfig): string {
  return `${c.nLayer} layers × ${c.nEmbd} channels, context ${c.contextLength}`;
}

// ---------------------------------------------------------------------------------------------------
// The split and the corpus

/**
 * Splits each document's tokens into a head (training) and a tail (validation): the last `valFraction` of
 * every document is held out. Why the tail of every document rather than the end of the whole stream: a
 * notes folder is a handful of files on different topics, and the end of the stream is the end of the last
 * file alone, so validation would measure how well the model predicts one topic. The tails of all the notes
 * are text of every kind the model trains on, each read after its own beginning, as a user's next lines are.
 */
export function splitDocuments(streams: readonly (readonly number[])[], valFraction: number): { train: number[][]; val: number[][] } {
  if (!(valFraction >= 0 && valFraction < 1)) throw new RangeError(`valFraction must be in [0, 1), got ${valFraction}`);
  const train: number[][] = [];
  const val: number[][] = [];
  for (const stream of streams) {
    const tail = Math.round(stream.length * valFraction);
    train.push(stream.slice(0, stream.length - tail));
    if (tail > 0) val.push(stream.slice(stream.length - tail));
  }
  return { train, val };
}

/** The end of the whole stream as validation, for a corpus whose per-document tails are too short. */
function splitStreamEnd(streams: readonly (readonly number[])[], valFraction: number, minimum: number): { train: number[][]; val: number[][] } {
  const total = streams.reduce((n, s) => n + s.length, 0);
  let remaining = Math.min(Math.max(Math.round(total * valFraction), minimum), Math.max(0, total - minimum));
  const train = streams.map((s) => s.slice());
  const val: number[][] = [];
  for (let d = train.length - 1; d >= 0 && remaining > 0; d--) {
    const take = Math.min(remaining, train[d].length);
    val.unshift(train[d].slice(train[d].length - take));
    train[d] = train[d].slice(0, train[d].length - take);
    remaining -= take;
  }
  return { train: train.filter((s) => s.length > 0), val };
}

/** Model IDs of the parts, documents joined by <sep>. */
function joinPart(streams: readonly (readonly number[])[], vocab: Vocabulary): number[] {
  const out: number[] = [];
  streams.forEach((stream, i) => {
    if (i > 0) out.push(Vocabulary.SEP);
    for (const id of stream) vocab.appendModelIds(id, out);
  });
  return out;
}

/** UTF-8 bytes of a part's text, a separator counted as one byte (a line break between files). */
function partBytes(streams: readonly (readonly number[])[], tokenizer: TokenizerName): Uint8Array {
  const chunks: Uint8Array[] = [];
  let length = 0;
  streams.forEach((stream, i) => {
    if (i > 0) {
      chunks.push(Uint8Array.of(0x0a));
      length++;
    }
    for (const id of stream) {
      const bytes = tokenizer === 'char' ? new TextEncoder().encode(String.fromCodePoint(id)) : tokenBytes(id, tokenizer);
      chunks.push(bytes);
      length += bytes.length;
    }
  });
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Building a run

export interface CorpusSizes {
  documents: number;
  tokens: number;
  trainTokens: number;
  valTokens: number;
  vocabSize: number;
  unknownTokens: number;
  tokenizer: TokenizerName;
  trainBytes: number;
  valBytes: number;
}

export interface TrainingRun {
  settings: RunSettings;
  plan: TrainingPlan;
  vocab: Vocabulary;
  corpus: Corpus;
  /** The model's configuration (a resumed model's own). */
  config: GPTConfig;
  /** The trainer's options, without the callbacks. */
  trainOptions: Omit<TrainOptions, 'signal' | 'onProgress' | 'onCheckpoint' | 'onBest' | 'optimizer'>;
  sizes: CorpusSizes;
  /** The texts of the two parts as UTF-8 bytes (separators as a line break), for compressors and bits per byte. */
  trainBytes: Uint8Array;
  valBytes: Uint8Array;
  /** The model's dropout, for building it (new GPT(config, seed, …)). */
  dropout: number;
}

export interface ResumeFrom {
  vocab: Vocabulary;
  config: GPTConfig;
  step: number;
}

export interface BuildOptions {
  /** Called now and then while tokenizing, so that a caller can yield and check for a cancel. */
  onTokenized?: (documentsDone: number) => Promise<void>;
}

/** Builds a run from the documents' texts (in a fixed order) and the settings; `resume`: the checkpoint's vocabulary and model. */
export async function buildTrainingRun(
  documents: readonly string[],
  input: Partial<RunSettings> = {},
  resume?: ResumeFrom,
  options: BuildOptions = {},
): Promise<TrainingRun> {
  const settings = withDefaults(input);
  const tokenizer = resume?.vocab.tokenizer ?? settings.tokenizer;
  const texts = documents.map(normalizeText).filter((t) => t.trim() !== '');
  if (texts.length === 0) throw new UserError('There is no text to train on: every document is empty.');
  const streams: number[][] = [];
  for (let i = 0; i < texts.length; i++) {
    streams.push(encode(texts[i], tokenizer));
    if (i % 16 === 15) await options.onTokenized?.(i + 1);
  }

  let parts = splitDocuments(streams, settings.valFraction);
  let vocab = resume?.vocab ?? Vocabulary.build(parts.train, tokenizer, { maxVocab: settings.maxVocab, minCount: settings.minCount });
  let train = joinPart(parts.train, vocab);
  let plan = planTraining(train.length, settings, resume ? { config: resume.config, step: resume.step } : undefined);
  const row = plan.contextLength + 1;
  let val = joinPart(parts.val, vocab);
  if (settings.valFraction > 0 && val.length < row) {
    // The notes are too short for a validation row from their tails: hold out the end of the stream instead.
    parts = splitStreamEnd(streams, settings.valFraction, row);
    if (!resume) vocab = Vocabulary.build(parts.train, tokenizer, { maxVocab: settings.maxVocab, minCount: settings.minCount });
    train = joinPart(parts.train, vocab);
    val = joinPart(parts.val, vocab);
    plan = planTraining(train.length, settings, resume ? { config: resume.config, step: resume.step } : undefined);
  }
  if (train.length < row || (settings.valFraction > 0 && val.length < row)) {
    const total = train.length + val.length;
    throw new UserError(
      `The corpus is too small for a context of ${plan.contextLength} tokens: it has ${total} tokens and needs at least ${settings.valFraction > 0 ? 2 * row : row} ` +
        `(${row} for training${settings.valFraction > 0 ? ` and ${row} for validation` : ''}); add more text or use a shorter context.`,
    );
  }
  const corpus = Corpus.fromParts(train, val, texts.length, plan.contextLength);

  const base = PRESETS[plan.preset];
  const config: GPTConfig = resume
    ? { ...resume.config }
    : { ...base, contextLength: plan.contextLength, positional: settings.positional, vocabSize: vocab.size };
  if (config.nEmbd % config.nHead !== 0) throw new UserError(`The model's channels (${config.nEmbd}) must divide evenly among its heads (${config.nHead}).`);
  // Before anything the size of the model is allocated: a run that cannot fit is refused in one line.
  assertTrainingFits(config, plan.batchSize);

  const trainBytes = partBytes(parts.train, tokenizer);
  const valBytes = partBytes(parts.val, tokenizer);
  const summary = corpus.summary();
  return {
    settings,
    plan,
    vocab,
    corpus,
    config,
    dropout: plan.dropout,
    trainOptions: {
      steps: plan.steps,
      batchSize: plan.batchSize,
      learningRate: plan.learningRate,
      minLearningRate: plan.minLearningRate,
      warmupSteps: plan.warmupSteps,
      weightDecay: plan.weightDecay,
      dropout: plan.dropout,
      beta1: 0.9,
      beta2: settings.beta2,
      eps: 1e-8,
      gradClip: settings.gradClip,
      evalInterval: plan.evalInterval,
      evalBatches: settings.evalBatches,
      patience: plan.patience,
      seed: settings.seed,
      checkpointInterval: settings.checkpointInterval,
      ...(settings.minutes > 0 ? { maxMinutes: settings.minutes } : {}),
    },
    sizes: {
      ...summary,
      vocabSize: vocab.size,
      tokenizer,
      trainBytes: trainBytes.length,
      valBytes: valBytes.length,
    },
    trainBytes,
    valBytes,
  };
}

// ---------------------------------------------------------------------------------------------------
// Running it: keep the best model, stop early, say why

export interface RunHooks {
  signal?: AbortSignal;
  /** Every step. */
  onProgress?(p: TrainProgress): void | Promise<void>;
  /** The latest state to save (every checkpointInterval steps and at the end), with the kept model's weights. */
  save(state: TrainerState, kept: KeptWeights | undefined): Promise<void>;
  /** Validation improved: the kept model is now this step's (after it was saved). */
  onBest?(best: BestValidation): void | Promise<void>;
  /** Overrides of the trainer's options (tests, benchmarks): e.g. optimizer. */
  trainer?: Partial<TrainOptions>;
}

/** The kept model: the weights of the step with the lowest validation loss, its step and that loss. */
export interface KeptWeights extends BestValidation {
  weights: Map<string, Float32Array>;
}

export interface RunOutcome {
  result: TrainResult;
  /** The kept model (undefined when no validation ran: then the latest model is the kept one). */
  kept?: KeptWeights;
  /** One line for a person: how the run ended and which model was kept. */
  message: string;
  /** The trainer's final state (for Resume). */
  state: TrainerState;
  /** The latest step's weights, when they are not the kept model's (the state belongs to them). */
  latestWeights?: Map<string, Float32Array>;
}

/**
 * Trains `model` through `run`: saves the kept model whenever validation improves, the latest state every
 * checkpointInterval steps and at the end, and stops early after `patience` evaluations without a new best.
 * When it returns, `model` holds the kept model's weights (the latest ones are in the last save).
 * `kept`: the kept model so far, when resuming.
 */
export async function runTraining(run: TrainingRun, model: GPT, state: TrainerState | undefined, hooks: RunHooks, kept?: KeptWeights): Promise<RunOutcome> {
  let current = kept;
  const trainer: Trainer = new Trainer(
    model,
    run.corpus,
    {
      ...run.trainOptions,
      ...(hooks.trainer ?? {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      onProgress: hooks.onProgress,
      onBest: async (best) => {
        current = { ...best, weights: await model.readWeights() };
        await hooks.save(await trainer.snapshot(), current);
        await hooks.onBest?.(best);
      },
      onCheckpoint: async (s) => hooks.save(s, current),
    },
    state,
  );
  let result: TrainResult;
  let finalState: TrainerState;
  try {
    if (current && state) {
      // Resuming, maybe on notes that changed since: the kept model's loss is measured again on this
      // validation part, so that the new run's validations compare with it, not with a number from other text.
      const latest = await model.readWeights();
      model.setWeights(current.weights);
      const valLoss = await trainer.evaluate();
      model.setWeights(latest);
      if (valLoss !== undefined) {
        current = { ...current, valLoss };
        trainer.rebaseBest({ step: current.step, valLoss });
      }
    }
    result = await trainer.run();
    finalState = await trainer.snapshot();
  } finally {
    trainer.dispose();
  }
  let latestWeights: Map<string, Float32Array> | undefined;
  if (current && current.step !== result.step) {
    latestWeights = await model.readWeights();
    model.setWeights(current.weights);
  }
  return {
    result,
    ...(current ? { kept: current } : {}),
    ...(latestWeights ? { latestWeights } : {}),
    message: describeOutcome(result, current, run.trainOptions.maxMinutes),
    state: finalState,
  };
}

/** "Stopped at step 640: validation loss has not improved since step 400, … Kept the model from step 400." */
export function describeOutcome(result: Pick<TrainResult, 'step' | 'stoppedBy'>, kept: BestValidation | undefined, maxMinutes?: number): string {
  const keptLine = !kept
    ? 'Kept the model of the last step (there was no validation).'
    : kept.step === result.step
      ? `Kept the model of this last step (validation loss ${kept.valLoss.toFixed(3)}).`
      : `Kept the model from step ${kept.step} (validation loss ${kept.valLoss.toFixed(3)}).`;
  switch (result.stoppedBy) {
    case 'early-stop':
      return `Stopped at step ${result.step}: validation loss has not improved since step ${kept?.step ?? 0}, so the model had started to memorise the notes. ${keptLine}`;
    case 'diverged':
      return `Stopped at step ${result.step}: the training loss is no longer a number (the learning rate is too high for this model). ${kept ? keptLine : 'Kept the last checkpoint saved before it.'}`;
    case 'time':
      return `Stopped at step ${result.step}: the time limit${maxMinutes ? ` of ${maxMinutes} minutes` : ''} was reached. ${keptLine}`;
    case 'cancel':
      return `Cancelled at step ${result.step}. ${keptLine}`;
    default:
      return `Finished at step ${result.step}. ${keptLine}`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Samples that copy the notes

/** Consecutive tokens of a sample that, found verbatim in the training text, mark the sample as copied. */
export const COPY_MIN_TOKENS = 8;

/** Finds where a sample repeats the training text: runs of COPY_MIN_TOKENS or more tokens found verbatim. */
export class CopyDetector {
  private readonly grams = new Set<string>();

  constructor(trainTokens: ArrayLike<number>) {
    const n = COPY_MIN_TOKENS;
    for (let i = 0; i + n <= trainTokens.length; i++) this.grams.add(Array.prototype.slice.call(trainTokens, i, i + n).join(','));
  }

  /** The longest run of `ids` found verbatim in the training text, when it is COPY_MIN_TOKENS tokens or more. */
  longestCopy(ids: readonly number[]): { start: number; tokens: number } | undefined {
    const n = COPY_MIN_TOKENS;
    let best: { start: number; tokens: number } | undefined;
    let runStart = -1;
    for (let i = 0; i + n <= ids.length; i++) {
      const hit = this.grams.has(ids.slice(i, i + n).join(','));
      if (hit && runStart < 0) runStart = i;
      if (hit) {
        const tokens = i + n - runStart;
        if (!best || tokens > best.tokens) best = { start: runStart, tokens };
      } else runStart = -1;
    }
    return best;
  }
}
