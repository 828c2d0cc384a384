// CompletionEngine: the dedicated inference worker that serves suggestions and next-token probabilities
// from the workspace model's last saved checkpoint. src/features/completion/inlineCompletion.ts wraps it
// for the editor; scripts/bench-completion.mjs and the unit tests drive it in plain Node.
//
// Why a second worker: the engine worker that trains spends whole optimiser steps without yielding, so a
// completion interleaved between steps would wait for a step to finish and would see weights that are
// half-way between checkpoints. A second, lightweight worker
// that loads the last saved checkpoint answers at once whatever training is doing, reloads when a new
// checkpoint appears (the atomic save gives config.json a new inode), and costs one more copy of a small model.

import * as l10n from '@vscode/l10n';
import * as fs from 'fs';
import * as path from 'path';
import { EngineError, isCancelled, type BackendSetting, type CompleteSampling, type ModelInfo, type NextTokensResult } from '../../../worker/engine/protocol';
import { hasCheckpoint, type CancellationTokenLike, type EngineClient } from '../../../worker/engine/client';
import type { CompletionSettings } from '../../../config/settings';
import type { NoSuggestionReason } from './completionStatus';
import { promptCharBudget, promptTokenBudget, promptWindow } from './promptWindow';
import { applyStopRule, fitToCursor, stopSequencesFor } from './suggestionText';

/** A key that changes whenever the checkpoint in dir is replaced; undefined when there is none. */
export function checkpointVersion(dir: string | undefined): string | undefined {
  if (!dir) return undefined;
  try {
    const config = fs.statSync(path.join(dir, 'config.json'));
    const weights = fs.statSync(path.join(dir, 'model.safetensors'));
    return `${config.ino}:${config.mtimeMs}:${weights.ino}:${weights.size}:${weights.mtimeMs}`;
  } catch {
    // An atomic save between its two renames leaves only DIR.tmp-*/DIR.old-*: the loader reads those.
    return hasCheckpoint(dir) ? 'swapping' : undefined;
  }
}

export interface SuggestInput {
  /** The text before the cursor (at least what promptWindow keeps). */
  before: string;
  /** The rest of the cursor's line. */
  lineAfter: string;
  settings: CompletionSettings;
  token?: CancellationTokenLike;
  /** For benchmarks: run without the KV cache, or keep more prompt tokens than the budget. */
  useCache?: boolean;
  maxPromptTokens?: number;
}

export type SuggestResult =
  | {
      ok: true;
      insertText: string;
      replaceLength: number;
      /** The model's text before the stop rule. */
      raw: string;
      tokens: number;
      promptTokens: number;
      ms: number;
      tokensPerSecond: number;
      step: number;
    }
  | { ok: false; reason: NoSuggestionReason; message?: string; raw?: string; ms: number };

export type EngineState =
  | { kind: 'no-model' }
  | { kind: 'loading' }
  | { kind: 'ready'; model: ModelInfo }
  | { kind: 'error'; message: string };

export interface CompletionEngineOptions {
  client: EngineClient;
  /** The workspace model's folder. */
  modelDir: () => string | undefined;
  backend: () => BackendSetting;
  log?: (line: string) => void;
  now?: () => number;
}

/**
 * The inference side of inline completions: one EngineClient (its own worker) holding the last saved
 * checkpoint of the workspace model. Loads it on first use, reloads it when the checkpoint is replaced
 * (training, Load Model), drops it when it is deleted (Reset Model).
 */
export class CompletionEngine {
  private loaded: { version: string; model: ModelInfo } | undefined;
  private loading: { version: string; promise: Promise<ModelInfo | undefined> } | undefined;
  /** The last load failure, and the checkpoint version that failed (not tried again until it changes). */
  private lastError: string | undefined;
  private failedVersion: string | undefined;
  private readonly listeners = new Set<(state: EngineState) => void>();
  private readonly sub: { dispose(): void };
  private readonly now: () => number;

  constructor(private readonly options: CompletionEngineOptions) {
    this.now = options.now ?? (() => performance.now());
    // A worker that died took its model with it.
    this.sub = options.client.onDidChangeModel((model) => {
      if (!model && this.loaded) {
        this.loaded = undefined;
        this.fire();
      }
    });
  }

  get client(): EngineClient {
    return this.options.client;
  }

  /** A key of the checkpoint the engine holds now (changes with every save). */
  get version(): string | undefined {
    return this.loaded?.version;
  }

  /** The model the engine holds now. */
  get model(): ModelInfo | undefined {
    return this.loaded?.model;
  }

  state(): EngineState {
    // a model still held after its checkpoint was deleted (Reset Model) is no model: nothing will be served from it
    if (!this.hasModel()) return { kind: 'no-model' };
    if (this.loading && !this.loaded) return { kind: 'loading' };
    if (this.loaded) return { kind: 'ready', model: this.loaded.model };
    if (this.lastError) return { kind: 'error', message: this.lastError };
    return { kind: 'loading' };
  }

  /** Whether the workspace has a checkpoint to serve from. */
  hasModel(): boolean {
    return checkpointVersion(this.options.modelDir()) !== undefined;
  }

  onDidChangeState(listener: (state: EngineState) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * The model to answer with: loads the checkpoint when the engine holds none (waiting for it), and starts a
   * reload in the background when the checkpoint was replaced (answering from the one held meanwhile).
   * Undefined when there is no checkpoint or it cannot be loaded (state() says why).
   */
  async ensureModel(): Promise<ModelInfo | undefined> {
    const dir = this.options.modelDir();
    const version = checkpointVersion(dir);
    if (!version || !dir) {
      if (this.loaded || this.lastError || this.loading) {
        this.loaded = undefined;
        this.loading = undefined;
        this.lastError = undefined;
        this.failedVersion = undefined;
        this.fire();
        void this.options.client.request('unload', {}).catch(() => undefined);
      }
      return undefined;
    }
    if (this.loaded && (this.loaded.version === version || version === 'swapping')) return this.loaded.model;
    if (this.loading && (this.loading.version === version || version === 'swapping')) {
      return this.loaded ? this.loaded.model : this.loading.promise;
    }
    if (this.failedVersion === version) return this.loaded?.model; // this checkpoint failed to load already
    const promise = this.load(dir, version);
    this.loading = { version, promise };
    this.fire();
    return this.loaded ? this.loaded.model : promise;
  }

  private async load(dir: string, version: string): Promise<ModelInfo | undefined> {
    const started = this.now();
    try {
      const model = await this.options.client.request('load', { dir, backend: this.options.backend() });
      if (checkpointVersion(dir) === undefined) {
        // the checkpoint was deleted (Reset Model) while it loaded: the engine holds nothing, as the disk says
        void this.options.client.request('unload', {}).catch(() => undefined);
        return undefined;
      }
      // A newer checkpoint may have appeared while this one loaded: keep what was asked last.
      if (this.loading?.version === version || !this.loaded) {
        this.loaded = { version, model };
        this.lastError = undefined;
        this.failedVersion = undefined;
      }
      this.options.log?.(`Completion engine loaded the model at step ${model.step} (${Math.round(this.now() - started)} ms, ${model.backend}).`);
      return model;
    } catch (error) {
      const message = (error as Error).message;
      this.options.log?.(`Completion engine could not load ${dir}: ${message}`);
      const deleted = checkpointVersion(dir) === undefined; // no checkpoint is "no model", not a broken one
      if (!deleted && !(error instanceof EngineError && error.code === 'worker-died')) {
        this.lastError = message;
        this.failedVersion = version;
      }
      return this.loaded?.model;
    } finally {
      if (this.loading?.version === version) this.loading = undefined;
      this.fire();
    }
  }

  /** Forgets a load failure (the next request tries again). */
  retry(): void {
    this.lastError = undefined;
    this.failedVersion = undefined;
  }

  /** Generates a suggestion for the text before the cursor, with the stop and mid-word rules applied. */
  async suggest(input: SuggestInput): Promise<SuggestResult> {
    const started = this.now();
    const elapsed = () => this.now() - started;
    const { settings, token } = input;
    if (token?.isCancellationRequested) return { ok: false, reason: 'cancelled', ms: elapsed() };
    const model = await this.ensureModel();
    if (!model) {
      const s = this.state();
      return s.kind === 'error'
        ? { ok: false, reason: 'error', message: s.message, ms: elapsed() }
        : { ok: false, reason: 'no-model', ms: elapsed() };
    }
    if (token?.isCancellationRequested) return { ok: false, reason: 'cancelled', ms: elapsed() };
    const refusal = decoderOnly(model, 'completions');
    if (refusal) return { ok: false, reason: 'error', message: refusal, ms: elapsed() };
    const budget = input.maxPromptTokens ?? promptTokenBudget(model.config.contextLength, settings.maxTokens);
    const prompt = promptWindow(input.before, promptCharBudget(budget));
    const sampling: CompleteSampling = {
      maxNewTokens: settings.maxTokens,
      temperature: settings.temperature,
      ...(settings.topK > 0 ? { topK: settings.topK } : {}),
      ...(settings.topP < 1 ? { topP: settings.topP } : {}),
      ...(settings.seed !== undefined ? { seed: settings.seed } : {}),
      stopSequences: stopSequencesFor(settings.stopAt),
      ...(input.useCache === false ? { useCache: false } : {}),
    };
    let result;
    try {
      result = await this.options.client.request('complete', { prompt, sampling, maxPromptTokens: budget }, token ? { token } : {});
    } catch (error) {
      if (isCancelled(error)) return { ok: false, reason: 'cancelled', ms: elapsed() };
      if (error instanceof EngineError && error.code === 'no-model') {
        this.loaded = undefined; // the worker lost it (restarted); load again next time
        return { ok: false, reason: 'no-model', ms: elapsed() };
      }
      const message = (error as Error).message;
      this.options.log?.(`Completion failed: ${message}`);
      return { ok: false, reason: 'error', message, ms: elapsed() };
    }
    if (token?.isCancellationRequested) return { ok: false, reason: 'cancelled', ms: elapsed() };
    const text = applyStopRule(result.text, settings.stopAt);
    const fit = fitToCursor(text, input.lineAfter);
    const ms = elapsed();
    if (fit.insertText === undefined) return { ok: false, reason: fit.reason, raw: result.text, ms };
    return {
      ok: true,
      insertText: fit.insertText,
      replaceLength: fit.replaceLength,
      raw: result.text,
      tokens: result.tokens,
      promptTokens: result.promptTokens,
      ms,
      tokensPerSecond: ms > 0 ? (result.tokens * 1000) / ms : 0,
      step: model.step,
    };
  }

  /** The model's most likely next tokens after the text (its last contextLength tokens). */
  async nextTokens(text: string, topN = 10, token?: CancellationTokenLike): Promise<NextTokensResult | undefined> {
    const model = await this.ensureModel();
    if (!model) return undefined;
    const refusal = decoderOnly(model, 'next-token');
    if (refusal) throw new Error(refusal);
    return this.options.client.request('nextTokens', { text: promptWindow(text, promptCharBudget(model.config.contextLength)), topN }, token ? { token } : {});
  }

  private fire(): void {
    const state = this.state();
    for (const listener of [...this.listeners]) listener(state);
  }

  dispose(): void {
    this.sub.dispose();
    this.listeners.clear();
  }
}

/**
 * Why a model cannot do what only a decoder does (undefined for a decoder): an encoder attends both ways and
 * was trained on masked tokens, so it has no next-token distribution to complete text or list tokens from.
 */
export function decoderOnly(model: Pick<ModelInfo, 'config'>, what: 'completions' | 'next-token'): string | undefined {
  if ((model.config.kind ?? 'decoder') === 'decoder') return undefined;
  return what === 'completions'
    ? l10n.t('The workspace model is an encoder (masked-language model): it has no next-token probabilities, so it gives no inline completions. Use Predict Masked Word with it, or train a decoder.')
    : l10n.t('The workspace model is an encoder (masked-language model): it has no next-token probabilities. Use Predict Masked Word with it, or train a decoder.');
}
