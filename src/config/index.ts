// Reads and writes the settings (./settings.ts declares them), so a feature never calls getConfiguration
// with a string of its own.

import * as vscode from 'vscode';
import { isDropoutRate } from '../engine/dropoutRate';
import { MODEL_KINDS } from '../engine/model';
import { TOKENIZERS } from '../engine/tokenizer';
import { cleanStrategies } from '../features/sampling/core/strategies';
import { cleanThresholds } from '../features/sampling/core/surprise';
import {
  BACKEND_SETTINGS,
  DEFAULTS,
  ENCODING_SETTINGS,
  POSITIONAL_SETTINGS,
  PRESET_SETTINGS,
  SECTION,
  STOP_AT_SETTINGS,
  type CompletionSettings,
  type Config,
  type SettingKey,
} from './settings';

export * from './settings';

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
      preset: oneOf(c.get('model.preset'), PRESET_SETTINGS, DEFAULTS.model.preset),
      contextLength: nonNegativeInt(c.get('model.contextLength'), DEFAULTS.model.contextLength),
      positional: oneOf(c.get('model.positional'), POSITIONAL_SETTINGS, DEFAULTS.model.positional),
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
    surprise: { rankThresholds: cleanThresholds(c.get('surprise.rankThresholds')) },
    sampling: {
      compareStrategies: cleanStrategies(c.get('sampling.compareStrategies')),
      compareTokens: Math.max(1, Math.min(256, nonNegativeInt(c.get('sampling.compareTokens'), DEFAULTS.sampling.compareTokens))),
    },
    inspector: { hoverAction: bool(c.get('inspector.hoverAction'), DEFAULTS.inspector.hoverAction) },
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
    stopAt: oneOf(c.get('completion.stopAt'), STOP_AT_SETTINGS, d.stopAt),
    ...(typeof seed === 'number' && Number.isFinite(seed) ? { seed: Math.floor(seed) } : {}),
    debounceMs: Math.min(5000, nonNegativeInt(c.get('completion.debounceMs'), d.debounceMs)),
  };
}

/** Whether a configuration change touches a setting (or a whole area, e.g. 'tokens'). */
export function affects(event: vscode.ConfigurationChangeEvent, key: SettingKey | keyof Config): boolean {
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
