// One training run, put together in one place for `lmx train` and the extension's engine worker: the text
// normalisation, the split into a training and a validation part, the vocabulary, the model's shape, the
// trainer's options and their defaults, sized to the corpus when the budget is `auto`; then the run itself,
// which keeps the model with the lowest validation loss and stops early once validation stops improving.
//
// Why this matters: a folder of notes is small (tens of kilobytes). A model trained on it for a fixed number
// of steps first learns and then memorises it: training loss keeps falling while validation loss rises, and
// the last model is worse than the one a few hundred steps earlier. So the run is sized to the corpus, it is
// watched on text it does not train on, and the model the features use is the best one seen.

import * as l10n from '@vscode/l10n';
import { formatFixed, formatNumber, plural } from '../l10n/format';
import { Corpus } from './corpus';
import { normalizeText } from './normalize';
import { errorMessage, UserError } from './errors';
import { assertTrainingFits } from './memory';
import { modelKind, type GPT, type GPTConfig } from './model';
import { PRESETS } from './presets';
import { maskingVocabulary, validateMaskingRates, type MaskingRates } from './mlm/masking';
import { encode, type TokenizerName } from './tokenizer';
import type { BestValidation, TrainOptions, TrainerState, TrainProgress, TrainResult } from './training';
import { Trainer } from './training';
import { Vocabulary } from './vocab';
import { joinPart, partBytes, splitDocuments, splitStreamEnd } from './runCorpus';
import { withDefaults, type RunSettings } from './runSettings';
import { planTraining, type TrainingPlan } from './trainingPlan';

export { normalizeText };

// ---------------------------------------------------------------------------------------------------
// Building a run

export interface CorpusSizes {
  documents: number;
  tokens: number;
  trainTokens: number;
  valTokens: number;
  vocabSize: number;
  /** Tokens mapped to <unk> (a model from before byte fallback, resumed on other text). */
  unknownTokens: number;
  tokenizer: TokenizerName;
  /**
   * UTF-8 bytes of the text behind each part, so that a loss in nats per token converts to bits per byte:
   * bpb = loss · valTokens / (valBytes · ln 2). Bits per byte compare across tokenizers and with compressors.
   */
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
  if (resume?.vocab.hf) {
    throw new UserError('An imported model is not trained further in LM Explorer: export it for transformers (Export Model… or lmx export --format hf) and train it with train_hf.py.');
  }
  const tokenizer = resume?.vocab.subsetOf ?? settings.tokenizer;
  // a resumed model keeps its kind, as it keeps its tokenizer
  const kind = resume ? modelKind(resume.config) : settings.kind;
  const vocabOptions = { maxVocab: settings.maxVocab, minCount: settings.minCount, mask: kind === 'encoder' };
  let rates: MaskingRates | undefined;
  if (kind === 'encoder') {
    try {
      rates = validateMaskingRates(settings);
    } catch (error) {
      throw new UserError(errorMessage(error));
    }
  }
  const texts = documents.map(normalizeText).filter((t) => t.trim() !== '');
  if (texts.length === 0) throw new UserError('There is no text to train on: every document is empty.');
  const streams: number[][] = [];
  for (let i = 0; i < texts.length; i++) {
    streams.push(encode(texts[i], tokenizer));
    if (i % 16 === 15) await options.onTokenized?.(i + 1);
  }

  let parts = splitDocuments(streams, settings.valFraction);
  let vocab = resume?.vocab ?? Vocabulary.build(parts.train, tokenizer, vocabOptions);
  let train = joinPart(parts.train, vocab);
  let plan = planTraining(train.length, settings, resume ? { config: resume.config, step: resume.step } : undefined);
  const row = plan.contextLength + 1;
  let val = joinPart(parts.val, vocab);
  if (settings.valFraction > 0 && val.length < row) {
    // The notes are too short for a validation row from their tails: hold out the end of the stream instead.
    parts = splitStreamEnd(streams, settings.valFraction, row);
    if (!resume) vocab = Vocabulary.build(parts.train, tokenizer, vocabOptions);
    train = joinPart(parts.train, vocab);
    val = joinPart(parts.val, vocab);
    plan = planTraining(train.length, settings, resume ? { config: resume.config, step: resume.step } : undefined);
  }
  if (train.length < row || (settings.valFraction > 0 && val.length < row)) {
    const total = train.length + val.length;
    const tokens = (n: number) => plural(n, l10n.t('{0} token|{0} tokens', formatNumber(n)));
    throw new UserError(
      settings.valFraction > 0
        ? l10n.t('The corpus is too small for a context of {0}: it has {1} and needs at least {2} ({3} for training and {3} for validation); add more text or use a shorter context.', {
            0: tokens(plan.contextLength),
            1: tokens(total),
            2: formatNumber(2 * row),
            3: formatNumber(row),
          })
        : l10n.t('The corpus is too small for a context of {0}: it has {1} and needs at least {2} for training; add more text or use a shorter context.', {
            0: tokens(plan.contextLength),
            1: tokens(total),
            2: formatNumber(row),
          }),
    );
  }
  const corpus = Corpus.fromParts(train, val, texts.length, plan.contextLength);

  const base = PRESETS[plan.preset];
  const config: GPTConfig = resume
    ? { ...resume.config }
    : { ...base, contextLength: plan.contextLength, positional: settings.positional, vocabSize: vocab.size, ...(kind === 'encoder' ? { kind } : {}) };
  if (config.nEmbd % config.nHead !== 0) {
    throw new UserError(l10n.t("The model's channels ({0}) must divide evenly among its heads ({1}).", config.nEmbd, config.nHead));
  }
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
      // an encoder's masking: the rates and the vocabulary's special IDs
      ...(rates ? { masked: { rates, vocab: maskingVocabulary(vocab) } } : {}),
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
  const step = formatNumber(result.step);
  const keptLine = !kept
    ? l10n.t('Kept the model of the last step (there was no validation).')
    : kept.step === result.step
      ? l10n.t('Kept the model of this last step (validation loss {0}).', formatFixed(kept.valLoss, 3))
      : l10n.t('Kept the model from step {0} (validation loss {1}).', formatNumber(kept.step), formatFixed(kept.valLoss, 3));
  switch (result.stoppedBy) {
    case 'early-stop':
      return `${l10n.t('Stopped at step {0}: validation loss has not improved since step {1}, so the model had started to memorise the notes.', step, formatNumber(kept?.step ?? 0))} ${keptLine}`;
    case 'diverged':
      return `${l10n.t('Stopped at step {0}: the training loss is no longer a number (the learning rate is too high for this model).', step)} ${kept ? keptLine : l10n.t('Kept the last checkpoint saved before it.')}`;
    case 'time':
      return `${
        maxMinutes
          ? plural(maxMinutes, l10n.t('Stopped at step {0}: the time limit of {1} minute was reached.|Stopped at step {0}: the time limit of {1} minutes was reached.', step, formatNumber(maxMinutes)))
          : l10n.t('Stopped at step {0}: the time limit was reached.', step)
      } ${keptLine}`;
    case 'cancel':
      return `${l10n.t('Cancelled at step {0}.', step)} ${keptLine}`;
    default:
      return `${l10n.t('Finished at step {0}.', step)} ${keptLine}`;
  }
}
