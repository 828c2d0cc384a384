// Every LM Explorer setting: its type, its default and, where it has one, its list of values. No `vscode`
// import (the features' core/ and the unit tests read it); ./index.ts reads the settings. package.json's
// `contributes.configuration` declares the same keys, defaults and enums: test/unit/contributes.test.ts
// fails when the two differ.

import { BACKEND_NAMES, type BackendName } from '../engine/backends/names';
import { MODEL_KINDS, type ModelKind, type PositionalEncoding } from '../engine/model';
import { PRESET_SETTINGS as ENGINE_PRESET_SETTINGS, type PresetSetting } from '../engine/presets';
import { RUN_DEFAULTS } from '../engine/runSettings';
import { DEFAULT_STRATEGIES, type Strategy } from '../engine/sampling/compare';
import { DEFAULT_RANK_THRESHOLDS } from '../features/sampling/core/surprise';
import { ENCODINGS, TOKENIZERS, type EncodingName, type TokenizerName } from '../engine/tokenizer';
import { DEFAULT_WORKER_THRESHOLD } from '../worker/tokens/client';

/** The `lmExplorer.tokens.encoding` setting: a GPT encoding, or the trained model's own vocabulary. */
export type EncodingSetting = EncodingName | 'model';

export const SECTION = 'lmExplorer';

/** Values of `lmExplorer.tokens.encoding`, in the order they are offered. */
export const ENCODING_SETTINGS: readonly EncodingSetting[] = [...ENCODINGS, 'model'];

export interface TokensConfig {
  /** `lmExplorer.tokens.encoding`: which tokenizer the token features use. */
  encoding: EncodingSetting;
  /** `lmExplorer.tokens.showWhitespace`: mark spaces, tabs and line breaks inside tokens. */
  showWhitespace: boolean;
  /** `lmExplorer.tokens.statusBar`: show token · word · character counts in the status bar. */
  statusBar: boolean;
  /** `lmExplorer.tokens.workerThreshold`: texts longer than this (characters) are tokenized in a worker. */
  workerThreshold: number;
}

/** `lmExplorer.model.*`: the shape of a newly trained model. */
export interface ModelSettings {
  /** 'auto': chosen from the corpus size. */
  preset: PresetSetting;
  /** Context length in tokens; 0: chosen from the corpus size. */
  contextLength: number;
  positional: PositionalEncoding;
  tokenizer: TokenizerName;
  /** Dropout rate of the training steps, 0 ≤ p < 1 (0: off). */
  dropout: number;
  /** 'decoder' (GPT, next-token training) or 'encoder' (BERT, masked-language-model training). */
  kind: ModelKind;
  /** Encoder: share of the tokens chosen for masking in each batch, 0 < p ≤ 1. */
  maskRate: number;
  /** Encoder: share of the chosen tokens replaced by [MASK]. */
  maskTokenShare: number;
  /** Encoder: share of the chosen tokens replaced by a random token (the rest stay unchanged). */
  randomTokenShare: number;
}

/** `lmExplorer.training.*`: the corpus and the run. */
export interface TrainingSettings {
  include: string;
  exclude: string[];
  maxFileBytes: number;
  maxCorpusBytes: number;
  /** 0: sized to the corpus. */
  steps: number;
  /** Stop after this many minutes (0: no time limit); whichever of steps and minutes ends first. */
  minutes: number;
  /** Validations without a new best before training stops early (0: never). */
  patience: number;
  weightDecay: number;
  /** 0: by the model's size. */
  learningRate: number;
  batchSize: number;
  checkpointInterval: number;
  sampleInterval: number;
  /** '' : the first words of the first note. */
  samplePrompt: string;
}

/** `lmExplorer.engine.*` */
export interface EngineSettings {
  backend: BackendName;
}

/** `lmExplorer.completion.*`: inline completions from the workspace model (src/features/completion/inlineCompletion.ts). */
export interface CompletionSettings {
  enabled: boolean;
  /** Language IDs the provider is registered for. */
  languages: string[];
  /** 0: greedy. */
  temperature: number;
  /** 0: off. */
  topK: number;
  /** 1: off. */
  topP: number;
  maxTokens: number;
  stopAt: 'line' | 'sentence' | 'none';
  /** undefined: a new random seed for every suggestion. */
  seed?: number;
  debounceMs: number;
}

/** The values of the settings that have a list of them (package.json's `enum`s), from the engine where it has them. */
export const PRESET_SETTINGS: readonly PresetSetting[] = ENGINE_PRESET_SETTINGS;
export const POSITIONAL_SETTINGS: readonly PositionalEncoding[] = ['learned', 'sinusoidal'];
export const BACKEND_SETTINGS: readonly BackendName[] = BACKEND_NAMES;
export const STOP_AT_SETTINGS: readonly CompletionSettings['stopAt'][] = ['line', 'sentence', 'none'];

/** `lmExplorer.surprise.*`: Show Token Surprise. */
export interface SurpriseSettings {
  /** The upper ranks of the colour buckets but the last, ascending. */
  rankThresholds: number[];
}

/** `lmExplorer.sampling.*`: the sampling lab's comparison of strategies. */
export interface SamplingSettings {
  compareStrategies: Strategy[];
  /** Tokens each compared strategy generates. */
  compareTokens: number;
}

/** `lmExplorer.inspector.*` */
export interface InspectorSettings {
  /** The "Inspect in LM Explorer" link in a word's hover while a model exists. */
  hoverAction: boolean;
}

export interface Config {
  tokens: TokensConfig;
  model: ModelSettings;
  training: TrainingSettings;
  engine: EngineSettings;
  completion: CompletionSettings;
  surprise: SurpriseSettings;
  sampling: SamplingSettings;
  inspector: InspectorSettings;
}

export const DEFAULTS: Config = {
  tokens: { encoding: 'o200k_base', showWhitespace: false, statusBar: true, workerThreshold: DEFAULT_WORKER_THRESHOLD },
  // The training defaults are the engine's (one set, in src/engine/runSettings.ts); package.json repeats them.
  model: {
    preset: RUN_DEFAULTS.preset,
    contextLength: RUN_DEFAULTS.contextLength,
    positional: RUN_DEFAULTS.positional,
    tokenizer: RUN_DEFAULTS.tokenizer,
    dropout: RUN_DEFAULTS.dropout,
    kind: RUN_DEFAULTS.kind,
    maskRate: RUN_DEFAULTS.maskRate,
    maskTokenShare: RUN_DEFAULTS.maskTokenShare,
    randomTokenShare: RUN_DEFAULTS.randomTokenShare,
  },
  training: {
    include: '**/*.{md,markdown,txt,rst,tex,adoc}',
    exclude: ['**/node_modules/**', '**/.git/**', '**/.vscode-test/**', '**/dist/**', '**/out/**'],
    maxFileBytes: 2 * 1024 * 1024,
    maxCorpusBytes: 50 * 1024 * 1024,
    steps: RUN_DEFAULTS.steps,
    minutes: RUN_DEFAULTS.minutes,
    patience: RUN_DEFAULTS.patience,
    weightDecay: RUN_DEFAULTS.weightDecay,
    learningRate: RUN_DEFAULTS.learningRate,
    batchSize: RUN_DEFAULTS.batchSize,
    checkpointInterval: RUN_DEFAULTS.checkpointInterval,
    sampleInterval: 100,
    samplePrompt: '',
  },
  engine: { backend: 'auto' },
  completion: {
    enabled: true,
    languages: ['markdown', 'plaintext'],
    temperature: 0.7,
    topK: 40,
    topP: 0.95,
    maxTokens: 24,
    stopAt: 'line',
    seed: undefined,
    debounceMs: 120,
  },
  surprise: { rankThresholds: [...DEFAULT_RANK_THRESHOLDS] },
  sampling: { compareStrategies: DEFAULT_STRATEGIES.map((strategy) => ({ ...strategy })), compareTokens: 32 },
  inspector: { hoverAction: true },
};

/** The setting keys, relative to `lmExplorer.` */
export type SettingKey =
  | 'tokens.encoding'
  | 'tokens.showWhitespace'
  | 'tokens.statusBar'
  | 'tokens.workerThreshold'
  | `model.${keyof ModelSettings}`
  | `training.${keyof TrainingSettings}`
  | `engine.${keyof EngineSettings}`
  | `completion.${keyof CompletionSettings}`
  | `surprise.${keyof SurpriseSettings}`
  | `sampling.${keyof SamplingSettings}`
  | `inspector.${keyof InspectorSettings}`;


/** Each setting with a list of values (package.json's `enum`), and the list. */
export const SETTING_VALUES: Readonly<Partial<Record<SettingKey, readonly string[]>>> = {
  'tokens.encoding': ENCODING_SETTINGS,
  'model.preset': PRESET_SETTINGS,
  'model.positional': POSITIONAL_SETTINGS,
  'model.kind': MODEL_KINDS,
  'model.tokenizer': TOKENIZERS,
  'engine.backend': BACKEND_SETTINGS,
  'completion.stopAt': STOP_AT_SETTINGS,
};
