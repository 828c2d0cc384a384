// The part of inline completions that does not need VS Code: the stop rules, the mid-word rule, the prompt
// window, debounce with "last request wins", re-use of a suggestion the user is typing through, the status
// texts, and CompletionEngine — the dedicated inference worker that serves suggestions and next-token
// probabilities from the workspace model's last saved checkpoint. src/features/completion/inlineCompletion.ts wraps it
// for the editor; scripts/bench-completion.mjs and the unit tests drive it in plain Node.
//
// Why a second worker: the engine worker that trains spends whole optimiser steps (tens of ms for the tiny
// preset, hundreds for small) without yielding, so a completion interleaved between steps would wait for a
// step to finish and would see weights that are half-way between checkpoints. A second, lightweight worker
// that loads the last saved checkpoint answers in a few ms whatever training is doing, reloads when a new
// checkpoint appears (the atomic save gives config.json a new inode), and costs one more copy of a small model.

import * as l10n from '@vscode/l10n';
import { formatFixed, formatNumber, plural } from '../../../l10n/format';
import * as fs from 'fs';
import * as path from 'path';
import type { CompletionSettings } from '../../../config';
import { EngineError, isCancelled, type BackendSetting, type CompleteSampling, type ModelInfo, type NextTokensResult } from '../../../worker/engine/protocol';
import { hasCheckpoint, type CancellationTokenLike, type EngineClient } from '../../../worker/engine/client';

export type StopAt = CompletionSettings['stopAt'];

// ---------------------------------------------------------------------------------------------------
// Stop rules

const SENTENCE_END = /[.!?…。！？]+["'”’»)\]*_]*(?=\s|$)/u;
/** A line break that starts a new block: a blank line, a list item, a heading, a quote, a fence, a table row. */
const BLOCK_START = /\r?\n(?=[ \t]*(?:\r?\n|[-*+>#|]|\d+[.)][ \t]|```|~~~|$))/;

/**
 * Cuts the model's text where a suggestion ends.
 *   line      before the first line break (a text that starts with one gives '': the model ends the line here)
 *   sentence  after the first sentence end (. ! ? … followed by white space or the end), or before a line
 *             break that starts a new block (blank line, list item, heading, quote, fence)
 *   none      only maxTokens ends it
 * Trailing spaces are dropped (not in 'none'); a text that is only white space becomes ''.
 */
export function applyStopRule(text: string, stopAt: StopAt): string {
  let out = text;
  if (stopAt === 'line') {
    const nl = out.search(/\r?\n/);
    if (nl >= 0) out = out.slice(0, nl);
    out = out.replace(/[ \t]+$/, '');
  } else if (stopAt === 'sentence') {
    const end = SENTENCE_END.exec(out);
    const block = BLOCK_START.exec(out);
    const endAt = end ? end.index + end[0].length : Infinity;
    const blockAt = block ? block.index : Infinity;
    if (endAt <= blockAt && endAt !== Infinity) out = out.slice(0, endAt);
    else if (blockAt !== Infinity) out = out.slice(0, blockAt).replace(/[ \t]+$/, '');
  }
  return out.trim() === '' ? '' : out;
}

/** Stop sequences that let the worker stop early; applyStopRule makes the exact cut. */
export function stopSequencesFor(stopAt: StopAt): string[] {
  if (stopAt === 'line') return ['\n'];
  if (stopAt === 'sentence') return ['\n\n'];
  return [];
}

// ---------------------------------------------------------------------------------------------------
// The mid-word rule

const WORD_CHAR = /[\p{L}\p{M}\p{N}_]/u;

/** The word characters right after the cursor ('' when the cursor is not before or inside a word). */
export function wordAfterCursor(lineAfter: string): string {
  let end = 0;
  for (const ch of lineAfter) {
    if (!WORD_CHAR.test(ch)) break;
    end += ch.length;
  }
  return lineAfter.slice(0, end);
}

export type Fit = { insertText: string; replaceLength: number } | { insertText?: undefined; reason: 'empty' | 'mid-word' };

/**
 * Places a suggestion at the cursor. With a word character right after the cursor (in the middle of a word,
 * or just before one) nothing is suggested unless the model's text continues that word: it starts with the
 * rest of the word and goes on. Then the item replaces the rest of the word with the whole text, so that
 * VS Code shows only what is new. Otherwise the text is inserted at the cursor.
 */
export function fitToCursor(suggestion: string, lineAfter: string): Fit {
  if (!suggestion) return { reason: 'empty' };
  const rest = wordAfterCursor(lineAfter);
  if (!rest) return { insertText: suggestion, replaceLength: 0 };
  if (suggestion.length > rest.length && suggestion.startsWith(rest)) return { insertText: suggestion, replaceLength: rest.length };
  return { reason: 'mid-word' };
}

// ---------------------------------------------------------------------------------------------------
// The prompt

/**
 * How many prompt tokens a suggestion keeps: the context less room for the new tokens, so that the KV cache
 * never slides (past the context every token would cost a full window, see src/engine/generate.ts) — but at
 * least half the context, so a long maxTokens does not starve the model of what came before.
 */
export function promptTokenBudget(contextLength: number, maxTokens: number): number {
  return Math.max(1, Math.max(Math.ceil(contextLength / 2), contextLength - maxTokens));
}

/** Characters of text before the cursor sent for a token budget: plenty for any tokenizer's tokens. */
export function promptCharBudget(tokens: number): number {
  return tokens * 16 + 64;
}

/**
 * The end of the text before the cursor, at most maxChars long, starting at a white-space boundary when it
 * had to be cut (so its first word is not a fragment that tokenizes differently), never inside a surrogate pair.
 */
export function promptWindow(textBefore: string, maxChars: number): string {
  if (textBefore.length <= maxChars) return textBefore;
  let start = textBefore.length - maxChars;
  const code = textBefore.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start++;
  const slice = textBefore.slice(start);
  const ws = slice.slice(0, 64).search(/\s/);
  return ws >= 0 ? slice.slice(ws) : slice;
}

// ---------------------------------------------------------------------------------------------------
// Debounce, last request wins

export interface Ticket {
  readonly id: number;
  /** False once a newer request has begun. */
  isCurrent(): boolean;
}

/**
 * Debounce where the latest request wins: begin() starts a request (superseding every earlier one) and
 * settle(ticket, ms, token) waits; it resolves false at once when the ticket is superseded or the token is
 * cancelled, true when the time passed undisturbed.
 */
export class LastWins {
  private seq = 0;
  private readonly waiting = new Set<{ id: number; done(ok: boolean): void }>();

  begin(): Ticket {
    const id = ++this.seq;
    for (const w of [...this.waiting]) if (w.id < id) w.done(false);
    return { id, isCurrent: () => id === this.seq };
  }

  settle(ticket: Ticket, ms: number, token?: CancellationTokenLike): Promise<boolean> {
    if (!ticket.isCurrent() || token?.isCancellationRequested) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let sub: { dispose(): unknown } | undefined;
      const entry = {
        id: ticket.id,
        done: (ok: boolean) => {
          if (!this.waiting.delete(entry)) return;
          clearTimeout(timer);
          sub?.dispose();
          resolve(ok && ticket.isCurrent() && !token?.isCancellationRequested);
        },
      };
      const timer = setTimeout(() => entry.done(true), ms);
      this.waiting.add(entry);
      sub = token?.onCancellationRequested(() => entry.done(false));
    });
  }

  /** Supersedes everything (on dispose). */
  cancelAll(): void {
    this.begin();
  }
}

// ---------------------------------------------------------------------------------------------------
// Typing through a suggestion, and a small cache

/**
 * When the user types the first characters of the suggestion shown, the rest of it is still the suggestion:
 * returns the rest, or undefined when what was typed does not match it (or uses it all up).
 */
export function continueSuggestion(previous: string, typed: string): string | undefined {
  if (!typed || !previous.startsWith(typed) || previous.length <= typed.length) return undefined;
  const rest = previous.slice(typed.length);
  return rest.trim() === '' ? undefined : rest;
}

/** A small least-recently-used map. */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity = 32) {}

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}

// ---------------------------------------------------------------------------------------------------
// Status

export type NoSuggestionReason =
  | 'disabled'
  | 'language'
  | 'no-model'
  | 'multi-cursor'
  | 'too-large'
  | 'suggest-widget'
  | 'mid-word'
  | 'empty'
  | 'cancelled'
  | 'error';

/** Why there is no suggestion, in words (a function: the texts are read in the display language). */
export function reasonText(reason: NoSuggestionReason): string {
  switch (reason) {
    case 'disabled':
      return l10n.t('inline completions are turned off');
    case 'language':
      return l10n.t('not enabled for this language');
    case 'no-model':
      return l10n.t('no model yet');
    case 'multi-cursor':
      return l10n.t('multiple cursors');
    case 'too-large':
      return l10n.t('the document is larger than lmExplorer.training.maxFileBytes');
    case 'suggest-widget':
      return l10n.t('the suggest widget is open');
    case 'mid-word':
      return l10n.t('in the middle of a word the model does not continue');
    case 'empty':
      return l10n.t('the model ends the line here');
    case 'cancelled':
      return l10n.t('superseded by newer typing');
    case 'error':
      return l10n.t('the engine failed');
  }
}

export type CompletionStatus =
  | { kind: 'off' }
  | { kind: 'language'; languageId: string }
  | { kind: 'no-model' }
  | { kind: 'loading' }
  | { kind: 'ready'; step?: number; training?: boolean }
  | { kind: 'suggested'; ms: number; tokens: number; tokensPerSecond: number; step?: number; training?: boolean }
  | { kind: 'nothing'; reason: NoSuggestionReason; step?: number; training?: boolean }
  | { kind: 'error'; message: string };

function rate(tokensPerSecond: number): string {
  return l10n.t('{0} tok/s', formatNumber(Math.round(tokensPerSecond)));
}

/** The status bar text for a state (with a codicon). */
export function completionStatusText(status: CompletionStatus): string {
  switch (status.kind) {
    case 'off':
      return `$(circle-slash) ${l10n.t('LM complete: off')}`;
    case 'language':
      return `$(circle-slash) ${l10n.t('LM complete: off for {0}', status.languageId)}`;
    case 'no-model':
      return `$(circle-outline) ${l10n.t('LM complete: no model')}`;
    case 'loading':
      return `$(sync~spin) ${l10n.t('LM complete: loading model')}`;
    case 'ready':
      return `$(sparkle) ${l10n.t('LM complete')}`;
    case 'suggested':
      return `$(sparkle) LM ${formatNumber(Math.round(status.ms))} ms · ${rate(status.tokensPerSecond)}`;
    case 'nothing':
      return status.reason === 'cancelled' ? `$(sparkle) ${l10n.t('LM complete')}` : `$(sparkle) ${l10n.t('LM: no suggestion ({0})', shortReason(status.reason))}`;
    case 'error':
      return `$(error) ${l10n.t('LM complete: error')}`;
  }
}

function shortReason(reason: NoSuggestionReason): string {
  switch (reason) {
    case 'multi-cursor':
      return l10n.t('multiple cursors');
    case 'too-large':
      return l10n.t('document too large');
    case 'mid-word':
      return l10n.t('mid-word');
    case 'empty':
      return l10n.t('end of line');
    case 'suggest-widget':
      return l10n.t('suggest widget');
    default:
      return reasonText(reason);
  }
}

/** One sentence for the tooltip. */
export function completionStatusDetail(status: CompletionStatus): string {
  const source = (s: { step?: number; training?: boolean }) =>
    s.training
      ? ` ${
          s.step !== undefined
            ? l10n.t('Training is running: suggestions come from the last saved checkpoint (step {0}) and follow each new one.', formatNumber(s.step))
            : l10n.t('Training is running: suggestions come from the last saved checkpoint and follow each new one.')
        }`
      : s.step !== undefined
        ? ` ${l10n.t('Model: step {0}.', formatNumber(s.step))}`
        : '';
  switch (status.kind) {
    case 'off':
      return l10n.t('Inline completions are off. Click to turn them on.');
    case 'language':
      return l10n.t('Inline completions are not enabled for {0} (lmExplorer.completion.languages).', status.languageId);
    case 'no-model':
      return l10n.t('There is no model in this workspace yet: train one on your notes and it will suggest how they go on.');
    case 'loading':
      return l10n.t('Loading the workspace model into the completion engine…');
    case 'ready':
      return `${l10n.t('Ready: suggestions appear as ghost text while you type; Tab accepts.')}${source(status)}`;
    case 'suggested':
      return `${plural(
        status.tokens,
        l10n.t(
          'Last suggestion: {0} token in {1} ms ({2}), from the request to the item.|Last suggestion: {0} tokens in {1} ms ({2}), from the request to the item.',
          formatNumber(status.tokens),
          formatNumber(Math.round(status.ms)),
          rate(status.tokensPerSecond),
        ),
      )}${source(status)}`;
    case 'nothing':
      return `${l10n.t('No suggestion: {0}.', reasonText(status.reason))}${source(status)}`;
    case 'error':
      return l10n.t('The completion engine failed: {0}', status.message);
  }
}

// ---------------------------------------------------------------------------------------------------
// Next-token probabilities (nextTokenProbabilities.ts)

const BAR_WIDTH = 20;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of prob × width cells, in eighths of a cell: 0.5 → 10 full blocks of 20. */
export function probabilityBar(prob: number, width = BAR_WIDTH): string {
  const cells = Math.max(0, Math.min(1, prob)) * width;
  const full = Math.floor(cells);
  const eighth = Math.round((cells - full) * 8);
  const bar = '█'.repeat(full) + (eighth === 8 ? '█' : EIGHTHS[eighth]);
  return bar || '▏';
}

export function formatProbability(prob: number): string {
  const pct = prob * 100;
  if (pct >= 10) return `${formatFixed(pct, 1)}%`;
  if (pct >= 0.1) return `${formatFixed(pct, 2)}%`;
  // the mantissa in the display language's digits ("1,2e-2%" in Polish)
  const [mantissa, exponent] = pct.toExponential(1).split('e');
  return `${formatFixed(Number(mantissa), 1)}e${exponent}%`;
}

// ---------------------------------------------------------------------------------------------------
// The engine

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
    if (this.loading && !this.loaded) return { kind: 'loading' };
    if (this.loaded) return { kind: 'ready', model: this.loaded.model };
    if (this.lastError) return { kind: 'error', message: this.lastError };
    return checkpointVersion(this.options.modelDir()) ? { kind: 'loading' } : { kind: 'no-model' };
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
      if (this.loaded || this.lastError) {
        this.loaded = undefined;
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
      if (!(error instanceof EngineError && error.code === 'worker-died')) {
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
