// Every LM Explorer setting is read here, typed and checked, so a feature never calls getConfiguration with
// a string of its own. package.json's `contributes.configuration` declares the same keys (type, default,
// description); keep the two in step. Later features add their area beside `tokens`.

import * as vscode from 'vscode';
import { ENCODINGS, TOKENIZERS, type TokenizerName } from './engine/tokenizer';
import { RUN_DEFAULTS } from './engine/runSettings';
import type { BackendSetting, Positional, PresetName } from './worker/engine/protocol';
import { DEFAULT_WORKER_THRESHOLD } from './worker/tokens/client';
import type { EncodingSetting } from './features/tokens/core/encodingSetting';
import { isDropoutRate } from './engine/dropoutRate';
import { MODEL_KINDS, type ModelKind } from './engine/model';

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
  preset: PresetName | 'auto';
  /** Context length in tokens; 0: chosen from the corpus size. */
  contextLength: number;
  positional: Positional;
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
  backend: BackendSetting;
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

export const PRESET_NAMES: readonly (PresetName | 'auto')[] = ['auto', 'tiny', 'small', 'medium'];
export const BACKEND_SETTINGS: readonly BackendSetting[] = ['auto', 'tensorflow', 'webgpu', 'native', 'wasm', 'cpu'];

export interface Config {
  tokens: TokensConfig;
  model: ModelSettings;
  training: TrainingSettings;
  engine: EngineSettings;
  completion: CompletionSettings;
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
    debounceMs: 120,
  },
};

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function positiveNumber(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function nonNegativeNumber(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function dropoutRate(value: unknown, fallback: number): number {
  return isDropoutRate(value) ? value : fallback;
}

/** A share in [0, 1] ((0, 1] without zero). */
function share(value: unknown, fallback: number, zero = true): number {
  return typeof value === 'number' && (zero ? value >= 0 : value > 0) && value <= 1 ? value : fallback;
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function globList(value: unknown, fallback: string[]): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : fallback;
}

function nonNegativeInt(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : fallback;
}

/** The settings as they are now (for a resource, where a setting may differ per folder). */
export function readConfig(scope?: vscode.ConfigurationScope): Config {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const d = DEFAULTS.tokens;
  return {
    tokens: {
      encoding: oneOf(c.get('tokens.encoding'), ENCODING_SETTINGS, d.encoding),
      showWhitespace: bool(c.get('tokens.showWhitespace'), d.showWhitespace),
      statusBar: bool(c.get('tokens.statusBar'), d.statusBar),
      workerThreshold: nonNegativeInt(c.get('tokens.workerThreshold'), d.workerThreshold),
    },
    model: {
      preset: oneOf(c.get('model.preset'), PRESET_NAMES, DEFAULTS.model.preset),
      contextLength: nonNegativeInt(c.get('model.contextLength'), DEFAULTS.model.contextLength),
      positional: oneOf(c.get('model.positional'), ['learned', 'sinusoidal'] as const, DEFAULTS.model.positional),
      tokenizer: oneOf(c.get('model.tokenizer'), TOKENIZERS, DEFAULTS.model.tokenizer),
      dropout: dropoutRate(c.get('model.dropout'), DEFAULTS.model.dropout),
      kind: oneOf(c.get('model.kind'), MODEL_KINDS, DEFAULTS.model.kind),
      maskRate: share(c.get('model.maskRate'), DEFAULTS.model.maskRate, false),
      maskTokenShare: share(c.get('model.maskTokenShare'), DEFAULTS.model.maskTokenShare),
      randomTokenShare: share(c.get('model.randomTokenShare'), DEFAULTS.model.randomTokenShare),
    },
    training: {
      include: text(c.get('training.include'), DEFAULTS.training.include).trim() || DEFAULTS.training.include,
      exclude: globList(c.get('training.exclude'), DEFAULTS.training.exclude),
      maxFileBytes: nonNegativeInt(c.get('training.maxFileBytes'), DEFAULTS.training.maxFileBytes),
      maxCorpusBytes: nonNegativeInt(c.get('training.maxCorpusBytes'), DEFAULTS.training.maxCorpusBytes),
      steps: nonNegativeInt(c.get('training.steps'), DEFAULTS.training.steps),
      minutes: nonNegativeNumber(c.get('training.minutes'), DEFAULTS.training.minutes),
      patience: nonNegativeInt(c.get('training.patience'), DEFAULTS.training.patience),
      weightDecay: Math.min(10, nonNegativeNumber(c.get('training.weightDecay'), DEFAULTS.training.weightDecay)),
      learningRate: Math.min(1, nonNegativeNumber(c.get('training.learningRate'), DEFAULTS.training.learningRate)),
      batchSize: Math.max(1, nonNegativeInt(c.get('training.batchSize'), DEFAULTS.training.batchSize)),
      checkpointInterval: Math.max(1, nonNegativeInt(c.get('training.checkpointInterval'), DEFAULTS.training.checkpointInterval)),
      sampleInterval: nonNegativeInt(c.get('training.sampleInterval'), DEFAULTS.training.sampleInterval),
      samplePrompt: text(c.get('training.samplePrompt'), DEFAULTS.training.samplePrompt),
    },
    engine: {
      backend: oneOf(c.get('engine.backend'), BACKEND_SETTINGS, DEFAULTS.engine.backend),
    },
    completion: readCompletion(c),
  };
}

function readCompletion(c: vscode.WorkspaceConfiguration): CompletionSettings {
  const d = DEFAULTS.completion;
  const seed = c.get('completion.seed');
  return {
    enabled: bool(c.get('completion.enabled'), d.enabled),
    languages: globList(c.get('completion.languages'), d.languages),
    temperature: Math.min(2, nonNegativeNumber(c.get('completion.temperature'), d.temperature)),
    topK: nonNegativeInt(c.get('completion.topK'), d.topK),
    topP: Math.min(1, positiveNumber(c.get('completion.topP'), d.topP)),
    maxTokens: Math.max(1, Math.min(256, nonNegativeInt(c.get('completion.maxTokens'), d.maxTokens))),
    stopAt: oneOf(c.get('completion.stopAt'), ['line', 'sentence', 'none'] as const, d.stopAt),
    ...(typeof seed === 'number' && Number.isFinite(seed) ? { seed: Math.floor(seed) } : {}),
    debounceMs: Math.min(5000, nonNegativeInt(c.get('completion.debounceMs'), d.debounceMs)),
  };
}

/** The setting keys, relative to `lmExplorer.` */
export type SettingKey =
  | 'tokens.encoding'
  | 'tokens.showWhitespace'
  | 'tokens.statusBar'
  | 'tokens.workerThreshold'
  | `model.${keyof ModelSettings}`
  | `training.${keyof TrainingSettings}`
  | `engine.${keyof EngineSettings}`
  | `completion.${keyof CompletionSettings}`;

/** Whether a configuration change touches a setting (or a whole area, e.g. 'tokens'). */
export function affects(event: vscode.ConfigurationChangeEvent, key: SettingKey | 'tokens' | 'model' | 'training' | 'engine' | 'completion'): boolean {
  return event.affectsConfiguration(`${SECTION}.${key}`);
}

/**
 * Writes a setting where it takes effect: to the most specific scope that already sets it (folder,
 * workspace), else to the user's settings.
 */
export async function writeSetting(key: SettingKey, value: unknown, scope?: vscode.ConfigurationScope): Promise<void> {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const info = c.inspect(key);
  const target =
    info?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : info?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  await c.update(key, value, target);
}
