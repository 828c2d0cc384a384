// Inline completions from the workspace model: while the user writes Markdown or plain-text notes, ghost
// text from their own small model suggests how the sentence goes on; Tab accepts it (and VS Code's
// acceptNextWord / acceptNextLine accept part of it: the items are plain text ranges).
//
//   provider      registered for lmExplorer.completion.languages, on while lmExplorer.completion.enabled
//   engine        a dedicated inference worker holding the last saved checkpoint (see core/completionEngine.ts
//                 for why it is not the training worker)
//   debounce      lmExplorer.completion.debounceMs, the latest request wins; VS Code's cancellation token
//                 cancels the request in the worker too (protocol cancel → AbortSignal → generate stops
//                 between two tokens)
//   status bar    why there is no suggestion, or the last one's timing (completionStatusBar.ts)
//   no model      no suggestion and, once per session, a quiet hint offering to train

import * as path from 'path';
import * as vscode from 'vscode';
import { affects, readConfig, writeSetting, type CompletionSettings } from '../../config';
import { applyStopRule, continueSuggestion, fitToCursor } from './core/suggestionText';
import { CompletionEngine, type SuggestResult } from './core/completionEngine';
import { LastWins } from './core/lastWins';
import { LruCache } from './core/lruCache';
import { promptCharBudget } from './core/promptWindow';
import { reasonText, type CompletionStatus, type NoSuggestionReason } from './core/completionStatus';
import { CompletionStatusBar } from './completionStatusBar';
import { EngineClient } from '../../worker/engine/client';
import type { NextTokenProbabilitiesResult } from './nextTokenProbabilities';
import type { TrainingRegistration } from '../training/index';

/** What one call of the provider did (the API's completion.last(), for tests and the output channel). */
export interface CompletionTrace {
  documentUri: string;
  line: number;
  character: number;
  trigger: 'automatic' | 'invoke';
  outcome: 'suggested' | 'none';
  reason?: NoSuggestionReason;
  message?: string;
  /** The item's text and the range it replaces (empty, or the rest of the word under the cursor). */
  insertText?: string;
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
  /** Where the text came from: the model, the cache (same text before the cursor), or the suggestion the user is typing through. */
  source?: 'model' | 'cache' | 'typed-through';
  /** The model's text before the stop and mid-word rules. */
  raw?: string;
  /** From the call (after the debounce) to the item, ms. */
  ms?: number;
  tokens?: number;
  tokensPerSecond?: number;
}

export interface ProvideOptions {
  token?: vscode.CancellationToken;
  /** 'invoke' (default here): no debounce, no cache, as for editor.action.inlineSuggest.trigger. */
  trigger?: 'automatic' | 'invoke';
}

/** The completion part of the extension's API object. */
export interface CompletionApi {
  completion: {
    /** Runs the provider for a position, as VS Code would; resolves with its items (undefined: none). */
    provide(document: vscode.TextDocument, position: vscode.Position, options?: ProvideOptions): Promise<vscode.InlineCompletionItem[] | undefined>;
    /** What the provider did last (also for calls VS Code made). */
    last(): CompletionTrace | undefined;
    /** Resolves with the first trace, after now, for a document (what a trigger produced). */
    next(documentUri?: vscode.Uri, timeoutMs?: number): Promise<CompletionTrace>;
    /** The status bar item: its state, text and tooltip. */
    status(): { state: CompletionStatus; text: string; tooltip: string; visible: boolean };
    /** How many times the "no model yet" hint was shown this session (at most once). */
    hintsShown(): number;
    /** The languages the provider is registered for now. */
    languages(): readonly string[];
    /** The completion engine's worker client (its own worker, not the training one). */
    engine: EngineClient;
    /** Loads (or reloads) the workspace model into the completion engine; undefined when there is none. */
    ensureModel(): ReturnType<CompletionEngine['ensureModel']>;
    /** The latest Show Next-Token Probabilities result. */
    lastNextTokens(): NextTokenProbabilitiesResult | undefined;
  };
}

interface Shown {
  uri: string;
  offset: number;
  /** The text just before `offset` when it was shown (to notice edits before it). */
  anchor: string;
  text: string;
}

export class InlineCompletionFeature implements vscode.Disposable, vscode.InlineCompletionItemProvider {
  readonly engine: CompletionEngine;
  readonly client: EngineClient;
  readonly statusBar = new CompletionStatusBar();
  private readonly lastWins = new LastWins();
  private readonly cache = new LruCache<string>(64);
  private readonly disposables: vscode.Disposable[] = [];
  private registration: vscode.Disposable | undefined;
  private registeredFor: string[] = [];
  private hinted = false;
  private hints = 0;
  private lastTrace: CompletionTrace | undefined;
  private shown: Shown | undefined;
  private lastOutcome: { uri: string; status: CompletionStatus } | undefined;
  private readonly traceListeners = new Set<(trace: CompletionTrace) => void>();
  lastNextTokens: NextTokenProbabilitiesResult | undefined;

  constructor(
    context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly training: Pick<TrainingRegistration, 'controller'>,
  ) {
    this.client = new EngineClient({
      workerPath: path.join(context.extensionPath, 'dist', 'worker.js'),
      language: vscode.env.language,
      log: (line) => log.info(`[completion engine] ${line}`),
      onWorkerDeath: (death) => log.warn(`[completion engine] the worker stopped: ${death.reason}; the next suggestion starts a new one.`),
    });
    this.engine = new CompletionEngine({
      client: this.client,
      modelDir: () => training.controller.modelDir,
      backend: () => readConfig().engine.backend,
      log: (line) => log.info(`[completion] ${line}`),
    });
    this.register();
    this.disposables.push(
      this.statusBar,
      this.engine,
      this.client,
      this.engine.onDidChangeState(() => this.refreshStatus()),
      training.controller.onDidChangeState(() => {
        // A new checkpoint (or a deleted model): reload in the background, so the next suggestion is quick.
        if (this.hasEnabledEditor()) void this.engine.ensureModel();
        this.refreshStatus();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => {
        this.warmUp();
        this.refreshStatus();
      }),
      vscode.workspace.onDidOpenTextDocument(() => this.refreshStatus()), // a language change re-opens the document
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (affects(event, 'completion.languages')) this.register();
        if (affects(event, 'completion')) {
          this.cache.clear();
          this.refreshStatus();
        }
        if (affects(event, 'engine.backend')) void this.client.restart();
      }),
    );
    this.warmUp();
    this.refreshStatus();
  }

  /** Loads the model as soon as a note is being edited, so the first suggestion does not wait for it. */
  private warmUp(): void {
    if (!this.engine.model && this.hasEnabledEditor() && this.engine.hasModel()) void this.engine.ensureModel();
  }

  // --------------------------------------------------------------------------------------------
  // The provider

  private register(): void {
    const languages = readConfig().completion.languages;
    if (this.registration && sameList(languages, this.registeredFor)) return;
    this.registration?.dispose();
    this.registeredFor = [...languages];
    this.registration = vscode.languages.registerInlineCompletionItemProvider(
      languages.map((language) => ({ language })),
      this,
    );
  }

  provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const trigger = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic ? 'automatic' : 'invoke';
    return this.provide(document, position, { token, trigger, selectedCompletion: !!context.selectedCompletionInfo });
  }

  /** The provider's work; also what the API's provide() runs. */
  async provide(
    document: vscode.TextDocument,
    position: vscode.Position,
    options: ProvideOptions & { selectedCompletion?: boolean } = {},
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const trigger = options.trigger ?? 'invoke';
    const token = options.token ?? new vscode.CancellationTokenSource().token;
    const base = { documentUri: document.uri.toString(), line: position.line, character: position.character, trigger } as const;
    const none = (reason: NoSuggestionReason, message?: string, extra: Partial<CompletionTrace> = {}): undefined => {
      this.record({ ...base, outcome: 'none', reason, ...(message ? { message } : {}), ...extra });
      return undefined;
    };

    const settings = readConfig(document).completion;
    if (!settings.enabled) return none('disabled');
    if (!settings.languages.includes(document.languageId)) return none('language');
    if (options.selectedCompletion) return none('suggest-widget');
    if (this.editorsOf(document).some((e) => e.selections.length > 1)) return none('multi-cursor');
    const limit = readConfig(document).training.maxFileBytes;
    const size = document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
    if (limit > 0 && size > limit) return none('too-large', `${size} characters, limit ${limit}`);
    if (!this.engine.hasModel()) {
      void this.engine.ensureModel(); // lets go of a model whose checkpoint was deleted (Reset Model)
      this.hintNoModel();
      return none('no-model');
    }

    const ticket = this.lastWins.begin();
    if (trigger === 'automatic' && !(await this.lastWins.settle(ticket, settings.debounceMs, token))) return none('cancelled');
    if (token.isCancellationRequested || !ticket.isCurrent()) return none('cancelled');

    const started = performance.now();
    const offset = document.offsetAt(position);
    const lineAfter = document.lineAt(position.line).text.slice(position.character);
    const item = (insertText: string, replaceLength: number) =>
      new vscode.InlineCompletionItem(insertText, new vscode.Range(position, position.translate(0, replaceLength)));

    // Typing through the suggestion shown: the rest of it is still the suggestion.
    if (trigger === 'automatic' && !lineAfter.trim()) {
      const rest = this.typedThrough(document, offset);
      if (rest !== undefined) {
        this.remember(document, offset, rest);
        const ms = performance.now() - started;
        this.record({ ...base, outcome: 'suggested', insertText: rest, range: rangeJson(position, 0), source: 'typed-through', ms });
        return [item(rest, 0)];
      }
    }

    const model = this.engine.model ?? (await this.engine.ensureModel());
    if (token.isCancellationRequested || !ticket.isCurrent()) return none('cancelled');
    const window = model ? promptCharBudget(model.config.contextLength) : 4096;
    const before = document.getText(new vscode.Range(document.positionAt(Math.max(0, offset - window)), position));
    const key = `${this.engine.version ?? ''}|${settingsKey(settings)}|${before}`;
    const cached = trigger === 'automatic' ? this.cache.get(key) : undefined;

    const result =
      cached !== undefined
        ? this.fromCache(cached, lineAfter, settings, started)
        : await this.engine.suggest({ before, lineAfter, settings, token });
    if (token.isCancellationRequested || !ticket.isCurrent()) return none('cancelled');
    if (!result.ok) {
      if (result.reason === 'no-model') this.hintNoModel();
      if (result.reason === 'error') this.log.warn(`[completion] ${result.message ?? 'failed'}`);
      return none(result.reason, result.message, { ...(result.raw !== undefined ? { raw: result.raw } : {}), ms: result.ms });
    }
    // The same text before the cursor gets the same suggestion again (no flicker when VS Code asks anew).
    if (cached === undefined) this.cache.set(key, result.raw);
    this.remember(document, offset, result.insertText.slice(result.replaceLength));
    this.record({
      ...base,
      outcome: 'suggested',
      insertText: result.insertText,
      range: rangeJson(position, result.replaceLength),
      source: cached !== undefined ? 'cache' : 'model',
      raw: result.raw,
      ms: result.ms,
      tokens: result.tokens,
      tokensPerSecond: result.tokensPerSecond,
    });
    return [item(result.insertText, result.replaceLength)];
  }

  private fromCache(raw: string, lineAfter: string, settings: CompletionSettings, started: number): SuggestResult {
    const fit = fitToCursor(applyStopRule(raw, settings.stopAt), lineAfter);
    const ms = performance.now() - started;
    if (fit.insertText === undefined) return { ok: false, reason: fit.reason, raw, ms };
    return { ok: true, insertText: fit.insertText, replaceLength: fit.replaceLength, raw, tokens: 0, promptTokens: 0, ms, tokensPerSecond: 0, step: 0 };
  }

  private typedThrough(document: vscode.TextDocument, offset: number): string | undefined {
    const s = this.shown;
    if (!s || s.uri !== document.uri.toString() || offset <= s.offset || offset - s.offset >= s.text.length) return undefined;
    const anchorStart = s.offset - s.anchor.length;
    if (document.getText(new vscode.Range(document.positionAt(anchorStart), document.positionAt(s.offset))) !== s.anchor) return undefined;
    const typed = document.getText(new vscode.Range(document.positionAt(s.offset), document.positionAt(offset)));
    return continueSuggestion(s.text, typed);
  }

  private remember(document: vscode.TextDocument, offset: number, text: string): void {
    const anchorStart = Math.max(0, offset - 64);
    const anchor = document.getText(new vscode.Range(document.positionAt(anchorStart), document.positionAt(offset)));
    this.shown = { uri: document.uri.toString(), offset, anchor, text };
  }

  private editorsOf(document: vscode.TextDocument): readonly vscode.TextEditor[] {
    return vscode.window.visibleTextEditors.filter((e) => e.document === document);
  }

  private hintNoModel(): void {
    if (this.hinted) return;
    this.hinted = true;
    this.hints++;
    this.log.info('[completion] No model yet: inline completions start once a model is trained on the workspace.');
    const trainModel = vscode.l10n.t('Train Model');
    const turnOff = vscode.l10n.t('Turn Off Suggestions');
    void vscode.window
      .showInformationMessage(
        vscode.l10n.t('LM Explorer can suggest how your notes go on, once a model has been trained on them.'),
        trainModel,
        turnOff,
      )
      .then((pick) => {
        if (pick === trainModel) void vscode.commands.executeCommand('lmExplorer.train');
        if (pick === turnOff) void writeSetting('completion.enabled', false);
      });
  }

  // --------------------------------------------------------------------------------------------
  // Status

  private record(trace: CompletionTrace): void {
    this.lastTrace = trace;
    if (trace.outcome === 'suggested') {
      const tokens = trace.tokens ?? 0;
      this.lastOutcome = {
        uri: trace.documentUri,
        status:
          trace.source === 'model'
            ? { kind: 'suggested', ms: trace.ms ?? 0, tokens, tokensPerSecond: trace.tokensPerSecond ?? 0 }
            : (this.lastOutcome?.status ?? { kind: 'ready' }),
      };
    } else if (trace.reason && trace.reason !== 'cancelled') {
      this.lastOutcome = trace.reason === 'error' ? { uri: trace.documentUri, status: { kind: 'error', message: trace.message ?? 'unknown error' } } : { uri: trace.documentUri, status: { kind: 'nothing', reason: trace.reason } };
    }
    if (trace.reason === 'error' || trace.reason === 'mid-word' || trace.reason === 'empty') {
      this.log.debug(`[completion] no suggestion at ${trace.line + 1}:${trace.character + 1}: ${reasonText(trace.reason)}${trace.message ? ` (${trace.message})` : ''}`);
    } else if (trace.outcome === 'suggested' && trace.source === 'model') {
      this.log.debug(`[completion] ${trace.tokens} tokens in ${Math.round(trace.ms ?? 0)} ms: ${JSON.stringify(trace.insertText)}`);
    }
    this.refreshStatus();
    for (const listener of [...this.traceListeners]) listener(trace);
  }

  private hasEnabledEditor(): boolean {
    const editor = vscode.window.activeTextEditor;
    const settings = readConfig(editor?.document).completion;
    return !!editor && settings.enabled && settings.languages.includes(editor.document.languageId);
  }

  /** The status for the active editor. */
  private computeStatus(): { status: CompletionStatus; visible: boolean } {
    const editor = vscode.window.activeTextEditor;
    const settings = readConfig(editor?.document).completion;
    if (!settings.enabled) return { status: { kind: 'off' }, visible: true };
    if (!editor) return { status: { kind: 'ready' }, visible: false };
    const languageId = editor.document.languageId;
    if (!settings.languages.includes(languageId)) return { status: { kind: 'language', languageId }, visible: true };
    const training = this.training.controller.isTraining;
    const state = this.engine.state();
    switch (state.kind) {
      case 'no-model':
        return { status: { kind: 'no-model' }, visible: true };
      case 'loading':
        return { status: { kind: 'loading' }, visible: true };
      case 'error':
        return { status: state, visible: true };
      case 'ready': {
        const source = { step: state.model.step, ...(training ? { training } : {}) };
        const last = this.lastOutcome;
        if (last && last.uri === editor.document.uri.toString()) {
          if (last.status.kind === 'suggested' || last.status.kind === 'nothing') return { status: { ...last.status, ...source }, visible: true };
          if (last.status.kind === 'error') return { status: last.status, visible: true };
        }
        return { status: { kind: 'ready', ...source }, visible: true };
      }
    }
  }

  refreshStatus(): void {
    const { status, visible } = this.computeStatus();
    this.statusBar.set(status, visible);
  }

  // --------------------------------------------------------------------------------------------
  // Commands and API

  /** The workspace model's folder. */
  modelDir(): string {
    return this.training.controller.modelDir;
  }

  async toggle(): Promise<{ ok: true; enabled: boolean }> {
    const enabled = !readConfig().completion.enabled;
    await writeSetting('completion.enabled', enabled);
    if (enabled) this.engine.retry();
    this.refreshStatus();
    return { ok: true, enabled };
  }

  api(): CompletionApi['completion'] {
    return {
      provide: (document, position, options) => this.provide(document, position, options),
      last: () => this.lastTrace,
      next: (uri, timeoutMs = 30_000) =>
        new Promise<CompletionTrace>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.traceListeners.delete(listener);
            reject(new Error(`no inline completion request within ${timeoutMs} ms`));
          }, timeoutMs);
          const listener = (trace: CompletionTrace) => {
            if (uri && trace.documentUri !== uri.toString()) return;
            if (trace.reason === 'cancelled') return;
            clearTimeout(timer);
            this.traceListeners.delete(listener);
            resolve(trace);
          };
          this.traceListeners.add(listener);
        }),
      status: () => ({ state: this.statusBar.status, text: this.statusBar.text, tooltip: this.statusBar.tooltip, visible: this.statusBar.visible }),
      hintsShown: () => this.hints,
      languages: () => this.registeredFor,
      engine: this.client,
      ensureModel: () => this.engine.ensureModel(),
      lastNextTokens: () => this.lastNextTokens,
    };
  }

  dispose(): void {
    this.lastWins.cancelAll();
    this.registration?.dispose();
    this.traceListeners.clear();
    this.disposables.forEach((d) => d.dispose());
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function settingsKey(s: CompletionSettings): string {
  return JSON.stringify([s.temperature, s.topK, s.topP, s.maxTokens, s.stopAt, s.seed ?? null]);
}

function rangeJson(position: vscode.Position, length: number): CompletionTrace['range'] {
  return { start: { line: position.line, character: position.character }, end: { line: position.line, character: position.character + length } };
}
