// A training run's settings and their one set of defaults, for `lmx train`, the extension's settings and
// the engine worker alike (src/engine/trainingRun.ts puts the run together from them).

import { DEFAULT_DROPOUT } from './dropoutRate';
import type { ModelKind, PositionalEncoding } from './model';
import { MASKING_DEFAULTS } from './mlm/masking';
import type { PresetSetting } from './presets';
import type { TokenizerName } from './tokenizer';
import { Vocabulary } from './vocab';

/** A run's settings. 'auto' (and 0 where a number is 'auto') means: chosen from the corpus size. */
export interface RunSettings {
  /** 'decoder': next-token training (GPT); 'encoder': masked-language-model training (BERT). */
  kind: ModelKind;
  /** Encoder: share of the tokens chosen in each batch. */
  maskRate: number;
  /** Encoder: share of the chosen tokens replaced by [MASK]. */
  maskTokenShare: number;
  /** Encoder: share of the chosen tokens replaced by a random token (the rest stay unchanged). */
  randomTokenShare: number;
  preset: PresetSetting;
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
  kind: 'decoder',
  ...MASKING_DEFAULTS,
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
