// "LM Explorer: Show Attention": the selection, tokenized with the model's tokenizer and cut to its
// context, goes through the model in the engine worker (request 'attention'); every layer's and head's
// attention probabilities come back and are drawn in one webview panel beside the editor (reused, never
// duplicated; revived after a reload by a WebviewPanelSerializer). The page is webview/attention/main.ts;
// every message both ways is `attention` in src/features/attention/protocol.ts.
//
// The host knows where each model token lies in the document (the worker's per-token offsets), so a click
// on a token in the panel highlights it in the editor, and with "Follow selection" on, selecting other
// text re-runs the panel while moving the cursor picks the query token.

import { formatNumber, plural } from '../../l10n/format';
import * as path from 'path';
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import {
  isAttentionFromWebview,
  type AttentionFromWebview,
  type AttentionPayload,
  type AttentionRenderReport,
  type AttentionSource,
  type AttentionStatusKind,
  type AttentionToWebview,
  type AttentionViewState,
} from './protocol';
import { EngineError, type AttentionResult, type ModelInfo } from '../../worker/engine/protocol';
import { writeAtomically } from '../../host/atomicWrite';
import { decodePngDataUrl } from './core/attentionExport';
import { attentionData, unpackAttention, type AttentionMaps } from './core/attentionMaps';
import { exportBaseName, shiftRange, tokenIndexAt } from './core/panelText';
import type { EngineClient } from '../../worker/engine/client';
import type { Notifier } from '../../host/notifier';
import { WebviewPanelHost } from '../../host/webview/panel';
import type { AttentionSnapshot, AttentionTiming, ShowAttentionResult } from './attentionResults';
import { attentionPageHtml, exportDefaultUri, saveHtmlInteractive, savePngInteractive } from './exportFiles';
import { TokenHighlight } from './tokenHighlight';
import { settle, type Waiter } from './waiter';

export const ATTENTION_VIEW_TYPE = 'lmExplorer.attention';
/** The training command the "no model" offer runs (package.json: lmExplorer.train). */
const TRAIN_COMMAND = 'lmExplorer.train';
/** The page's Compare button: Compare Causal and Bidirectional on the same text. */
const COMPARE_COMMAND = 'lmExplorer.compareAttention';

export interface AttentionDeps {
  extensionUri: vscode.Uri;
  engine: EngineClient;
  notify: Notifier;
  log: vscode.LogOutputChannel;
}

/** One run of the model on a text, and what the panel was sent of it. */
interface Computation {
  seq: number;
  started: number;
  source: AttentionSource;
  text: string;
  result: AttentionResult;
  maps: AttentionMaps;
  model: ModelInfo;
  payload: AttentionPayload;
  stale: boolean;
}

let seqCounter = 0;

export function describeSource(document: vscode.TextDocument, range: vscode.Range): string {
  const name = document.isUntitled ? document.uri.path || 'Untitled' : path.basename(document.uri.path);
  const first = range.start.line + 1;
  const last = range.end.line + (range.end.character === 0 && range.end.line > range.start.line ? 0 : 1);
  return first === last ? vscode.l10n.t('{0}, line {1}', name, formatNumber(first)) : vscode.l10n.t('{0}, lines {1}–{2}', name, formatNumber(first), formatNumber(last));
}

/** "2 layers × 2 heads · context 64 · o200k_base · step 40": a model's shape and training, without its kind. */
export function describeShape(model: Pick<ModelInfo, 'config' | 'tokenizer' | 'step'>): string {
  const c = model.config;
  const parts = [
    `${plural(c.nLayer, vscode.l10n.t('{0} layer|{0} layers', formatNumber(c.nLayer)))} × ${plural(c.nHead, vscode.l10n.t('{0} head|{0} heads', formatNumber(c.nHead)))}`,
    vscode.l10n.t('context {0}', formatNumber(c.contextLength)),
    model.tokenizer,
    ...(model.step ? [vscode.l10n.t('step {0}', formatNumber(model.step))] : []),
  ];
  return parts.join(' · ');
}

function describeModel(model: ModelInfo): string {
  const kind = model.config.kind === 'encoder' ? vscode.l10n.t('encoder, bidirectional attention') : vscode.l10n.t('decoder, causal attention');
  return `${kind} · ${describeShape(model)}`;
}

export class AttentionFeature implements vscode.Disposable {
  private readonly page: WebviewPanelHost<AttentionToWebview, AttentionFromWebview>;
  private current: Computation | undefined;
  private view: AttentionViewState | undefined;
  private timingInfo: AttentionTiming | undefined;
  private readonly tokenHighlight = new TokenHighlight();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly renderWaiters = new Map<number, Waiter<AttentionRenderReport>[]>();
  private readonly viewWaiters: Waiter<AttentionRenderReport>[] = [];
  private readonly checkWaiters: Waiter<AttentionRenderReport>[] = [];
  private readonly exportWaiters = new Map<number, Waiter<AttentionFromWebview>>();
  /** How many times the page has loaded (VS Code reloads a hidden or reloaded webview). */
  loads = 0;
  /** The page's latest reports of drawn computations, by seq. */
  private readonly reports = new Map<number, AttentionRenderReport>();
  private followTimer: NodeJS.Timeout | undefined;
  private running: vscode.CancellationTokenSource | undefined;
  private nextRequestId = 1;

  constructor(private readonly deps: AttentionDeps) {
    this.page = new WebviewPanelHost(
      deps.extensionUri,
      { viewType: ATTENTION_VIEW_TYPE, title: vscode.l10n.t('Attention'), script: 'dist/webview/attention.js', icon: 'attention', isMessage: isAttentionFromWebview },
      {
        onReady: () => this.onPageReady(),
        onMessage: (message) => this.receive(message),
        onRevive: (state) => this.revive(state),
        onClose: () => this.onPanelClosed(),
      },
    );
    this.disposables.push(
      this.tokenHighlight,
      this.page,
      this.page.registerSerializer(),
      vscode.window.onDidChangeTextEditorSelection((event) => this.onSelection(event)),
      vscode.workspace.onDidChangeTextDocument((event) => this.onDocumentChange(event)),
      deps.engine.onDidChangeModel((model) => {
        // A new model (training finished, loaded, reset): the maps on screen are of the old one.
        if (this.current && this.page.isOpen && (!model || model.step !== this.current.model.step || model.dir !== this.current.model.dir)) {
          this.post({ type: 'status', kind: 'stale', message: model ? vscode.l10n.t('The model changed since: Refresh to see what it attends to now.') : vscode.l10n.t('The model was removed.') });
        }
      }),
    );
  }

  // --------------------------------------------------------------------------------------------
  // The command

  /** lmExplorer.showAttention: the selection of `editor` (see targetEditor). */
  async show(editor: vscode.TextEditor | undefined): Promise<ShowAttentionResult> {
    if (!editor) {
      const message = vscode.l10n.t('Open a text file and select some text first: Show Attention runs the model on the selection.');
      this.deps.notify.info(message);
      return { ok: false, reason: 'no-editor', message };
    }
    const selection = editor.selection;
    if (selection.isEmpty) {
      const message = vscode.l10n.t('Select the text whose attention you want to see, then run Show Attention again (the model reads at most its context length of tokens).');
      this.deps.notify.info(message);
      return { ok: false, reason: 'empty', message };
    }
    const document = editor.document;
    const source: AttentionSource = { uri: document.uri.toString(), start: document.offsetAt(selection.start), end: document.offsetAt(selection.end) };
    return this.run(document, source, { reveal: true });
  }

  /** Runs the model on a range of a document and shows the result (creating or revealing the panel). */
  private async run(document: vscode.TextDocument, source: AttentionSource, options: { reveal: boolean; view?: Partial<AttentionViewState> }): Promise<ShowAttentionResult> {
    const started = performance.now();
    this.running?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.running = cts;
    const text = document.getText(new vscode.Range(document.positionAt(source.start), document.positionAt(source.end)));
    try {
      const model = await this.deps.engine.ensureModel();
      if (!model) return this.noModel();
      if (options.reveal || !this.page.isOpen) this.openPanel();
      this.post({ type: 'status', kind: 'loading', message: plural(text.length, vscode.l10n.t('Running the model on {0} character…|Running the model on {0} characters…', formatNumber(text.length))) });
      const t0 = performance.now();
      const result = await this.deps.engine.request('attention', { text, maxTokens: model.config.contextLength, packed: true }, { token: cts.token });
      const engineMs = performance.now() - t0;
      if (cts.token.isCancellationRequested) return { ok: false, reason: 'cancelled', message: vscode.l10n.t('Cancelled.') };
      const info = this.deps.engine.currentModel ?? model;
      const t1 = performance.now();
      const seq = ++seqCounter;
      const range = new vscode.Range(document.positionAt(source.start), document.positionAt(source.end));
      const data = attentionData(result, info.config, { seq, sourceLabel: describeSource(document, range), modelLabel: describeModel(info) });
      const { maps } = data;
      const payload: AttentionPayload = { ...data.payload, source };
      this.current = { seq, started, source, text, result, maps, model: info, payload, stale: false };
      this.clearHighlight();
      this.post({ type: 'data', data: payload, ...(options.view ? { view: options.view } : {}) });
      const hostMs = performance.now() - t1;
      this.timingInfo = { seq, tokens: maps.T, engineMs: round(engineMs), hostMs: round(hostMs), postedMs: round(performance.now() - started) };
      this.deps.log.info(`Attention of ${maps.T} tokens (${maps.nLayer} layers × ${maps.nHead} heads): engine ${round(engineMs)} ms, host ${round(hostMs)} ms.`);
      if (result.truncated) {
        this.deps.log.info(`The text has ${result.totalTokens} tokens; the model's context is ${info.config.contextLength}: showing the last ${maps.T}.`);
      }
      return { ok: true, seq, tokens: maps.T, truncated: result.truncated, totalTokens: result.totalTokens, timing: this.timingInfo };
    } catch (error) {
      if (error instanceof EngineError && error.code === 'cancelled') return { ok: false, reason: 'cancelled', message: vscode.l10n.t('Cancelled.') };
      if (error instanceof EngineError && error.code === 'no-model') return this.noModel();
      const message = vscode.l10n.t('Could not compute the attention: {0}', error instanceof Error ? error.message : String(error));
      this.deps.log.error(`${message}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`);
      this.post({ type: 'status', kind: 'error', message });
      this.deps.notify.error(message);
      return { ok: false, reason: 'error', message };
    } finally {
      if (this.running === cts) this.running = undefined;
      cts.dispose();
    }
  }

  private noModel(): ShowAttentionResult {
    const message = vscode.l10n.t('There is no model yet: train one on your notes first, then Show Attention runs it on the selection.');
    this.post({ type: 'status', kind: 'no-model', message });
    void this.deps.notify.info(message, vscode.l10n.t('Train Model')).then((pick) => {
      if (pick) void vscode.commands.executeCommand(TRAIN_COMMAND);
    });
    return { ok: false, reason: 'no-model', message };
  }

  /** The engine's answer for a text, without the panel (the API's compute). */
  async compute(text: string, maxTokens?: number): Promise<AttentionResult> {
    const model = await this.deps.engine.ensureModel();
    const max = maxTokens ?? model?.config.contextLength;
    return this.deps.engine.request('attention', { text, ...(max ? { maxTokens: max } : {}) });
  }

  private openPanel(): void {
    this.page.createOrShow({
      viewColumn: vscode.ViewColumn.Beside,
      preserveFocus: true,
      revealColumn: this.page.panel?.viewColumn ?? vscode.ViewColumn.Beside,
    });
  }

  private onPanelClosed(): void {
    this.clearHighlight();
    this.current = undefined;
    const error = new Error('The attention panel was closed.');
    for (const list of this.renderWaiters.values()) list.forEach((w) => settle(w, error));
    this.renderWaiters.clear();
    for (const list of [this.viewWaiters, this.checkWaiters]) list.splice(0).forEach((w) => settle(w, error));
    for (const w of this.exportWaiters.values()) settle(w, error);
    this.exportWaiters.clear();
  }

  /** A panel VS Code restored after a reload: the page's saved state says which text it showed. */
  private async revive(state: unknown): Promise<void> {
    const saved = state as { view?: AttentionViewState; source?: AttentionSource } | undefined;
    if (saved?.view) this.view = saved.view;
    const source = saved?.source;
    if (!source) {
      this.post({ type: 'status', kind: 'empty', message: vscode.l10n.t('Select some text in an editor and run "LM Explorer: Show Attention".') });
      return;
    }
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(source.uri));
      const length = document.getText().length;
      const clipped = { ...source, start: Math.min(source.start, length), end: Math.min(source.end, length) };
      if (clipped.end <= clipped.start) throw new Error('the text is no longer there');
      await this.run(document, clipped, { reveal: false, ...(saved?.view ? { view: saved.view } : {}) });
    } catch (error) {
      this.post({ type: 'status', kind: 'empty', message: vscode.l10n.t('The text this panel showed cannot be read again ({0}). Select some text and run "LM Explorer: Show Attention".', (error as Error).message) });
    }
  }

  private post(message: AttentionToWebview): void {
    // Before 'ready' the page would drop it (the host does not send it); on 'ready' it gets the current data.
    void this.page.post(message);
  }

  private onPageReady(): void {
    this.loads++;
    // a (re)loaded page draws everything again: wait for its new reports
    this.reports.clear();
    if (this.current) {
      this.post({ type: 'data', data: this.current.payload, ...(this.view ? { view: this.view } : {}) });
      if (this.current.stale) this.post({ type: 'status', kind: 'stale', message: staleMessage() });
    }
  }

  private receive(msg: Exclude<AttentionFromWebview, { type: 'ready' }>): void {
    switch (msg.type) {
      case 'rendered': {
        const report = msg.report;
        if (report.selfCheck) {
          this.checkWaiters.splice(0).forEach((w) => settle(w, undefined, report));
          return;
        }
        this.reports.set(report.seq, report);
        if (this.reports.size > 8) this.reports.delete(this.reports.keys().next().value!);
        const timing = this.timingInfo;
        if (timing && timing.seq === report.seq && timing.totalMs === undefined && this.current?.seq === report.seq) {
          timing.renderMs = report.renderMs;
          timing.totalMs = round(performance.now() - this.current.started);
          timing.deliverMs = round(timing.totalMs - timing.postedMs - report.renderMs);
          this.deps.log.info(`Attention panel drawn: ${timing.totalMs} ms from the command (render ${report.renderMs} ms).`);
        }
        const waiters = this.renderWaiters.get(report.seq);
        if (waiters) {
          this.renderWaiters.delete(report.seq);
          waiters.forEach((w) => settle(w, undefined, report));
        }
        this.viewWaiters.splice(0).forEach((w) => settle(w, undefined, report));
        return;
      }
      case 'viewChanged':
        this.view = msg.view;
        return;
      case 'tokenClicked':
        void this.revealToken(msg.index);
        return;
      case 'action':
        if (msg.action === 'train') void vscode.commands.executeCommand(TRAIN_COMMAND);
        else if (msg.action === 'compare') void this.compare();
        else void this.refresh();
        return;
      case 'png':
        if (!this.answerExport(msg)) void this.savePngInteractive(msg.dataUrl, msg.name);
        return;
      case 'saveHtml':
        if (!this.answerExport(msg)) void this.saveHtmlInteractive(msg.themeVars, msg.themeKind);
        return;
      case 'log':
        this.deps.log.warn(`[attention page] ${msg.message}`);
        return;
    }
  }

  /** Settles the export request a 'png' or 'saveHtml' answers; false when it answers none (the page's own button). */
  private answerExport(msg: AttentionFromWebview & { requestId?: number }): boolean {
    if (msg.requestId === undefined) return false;
    const w = this.exportWaiters.get(msg.requestId);
    this.exportWaiters.delete(msg.requestId);
    if (w) settle(w, undefined, msg);
    return true;
  }

  /** Re-runs the model on the same text (its range moved along with edits before it). */
  async refresh(): Promise<ShowAttentionResult> {
    const c = this.current;
    if (!c) return { ok: false, reason: 'empty', message: vscode.l10n.t('Nothing to refresh: run Show Attention on a selection first.') };
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(c.source.uri));
    return this.run(document, c.source, { reveal: false });
  }

  /** Compare Causal and Bidirectional on the text the panel shows (the page's Compare button). */
  private compare(): Thenable<unknown> | undefined {
    const source = this.current?.source;
    if (!source) return undefined;
    return vscode.commands.executeCommand(COMPARE_COMMAND, vscode.Uri.parse(source.uri), { start: source.start, end: source.end });
  }

  /** Highlights token `index` in the editor (revealing it); returns the range. */
  async revealToken(index: number): Promise<vscode.Range | undefined> {
    const c = this.current;
    const offsets = c?.result.offsets[index];
    if (!c || !offsets) return undefined;
    return this.tokenHighlight.show(c.source.uri, c.source.start + offsets.start, c.source.start + offsets.end);
  }

  private clearHighlight(): void {
    this.tokenHighlight.clear();
  }

  private onSelection(event: vscode.TextEditorSelectionChangeEvent): void {
    const c = this.current;
    if (!this.page.isOpen || !c || !(this.view?.follow ?? true)) return;
    const document = event.textEditor.document;
    if (['output', 'debug', 'vscode-settings'].includes(document.uri.scheme)) return;
    const selection = event.selections[0];
    if (!selection) return;
    const sameDocument = document.uri.toString() === c.source.uri;
    if (selection.isEmpty) {
      // the cursor inside the text: its token becomes the query
      if (!sameDocument || c.stale) return;
      const index = tokenIndexAt(c.result.offsets, document.offsetAt(selection.active) - c.source.start);
      if (index === undefined) return;
      // remembered too: a page that is (re)loading gets it with the data when it is ready
      if (this.view) this.view = { ...this.view, query: index };
      this.post({ type: 'focusToken', index });
      return;
    }
    const source: AttentionSource = { uri: document.uri.toString(), start: document.offsetAt(selection.start), end: document.offsetAt(selection.end) };
    if (sameDocument && source.start === c.source.start && source.end === c.source.end) return;
    if (this.followTimer) clearTimeout(this.followTimer);
    this.followTimer = setTimeout(() => {
      this.followTimer = undefined;
      // still the selection of that editor?
      const now = event.textEditor.selection;
      if (now.isEmpty || document.offsetAt(now.start) !== source.start || document.offsetAt(now.end) !== source.end) return;
      // already shown (Show Attention ran on it meanwhile)?
      const shown = this.current?.source;
      if (shown && shown.uri === source.uri && shown.start === source.start && shown.end === source.end) return;
      void this.run(document, source, { reveal: false });
    }, 300);
  }

  private onDocumentChange(event: vscode.TextDocumentChangeEvent): void {
    const c = this.current;
    if (!c || event.document.uri.toString() !== c.source.uri || event.contentChanges.length === 0) return;
    let range = { start: c.source.start, end: c.source.end };
    let touched = false;
    // contentChanges of one event do not overlap and refer to the document before the event: apply from the end
    const changes = [...event.contentChanges].sort((a, b) => b.rangeOffset - a.rangeOffset);
    for (const change of changes) {
      const r = shiftRange(range, change);
      touched ||= r.touched;
      range = { start: r.start, end: r.end };
    }
    c.source = { ...c.source, ...range };
    if (this.tokenHighlight.current && !touched) this.clearHighlight();
    if (touched && !c.stale) {
      c.stale = true;
      this.clearHighlight();
      this.post({ type: 'status', kind: 'stale', message: staleMessage() });
    }
  }

  private async savePngInteractive(dataUrl: string, name: string): Promise<void> {
    await savePngInteractive(this.deps.notify, dataUrl, exportDefaultUri(this.current?.source.uri, name));
  }

  private async saveHtmlInteractive(themeVars: Record<string, string>, themeKind: string): Promise<void> {
    if (!this.current) return;
    const name = `${exportBaseName(this.view ?? { view: 'head', layer: 0, head: 0, query: 0 })}.html`;
    await saveHtmlInteractive(this.deps.notify, exportDefaultUri(this.current.source.uri, name), () => this.buildHtml(themeVars, themeKind));
  }

  private async buildHtml(themeVars: Record<string, string>, themeKind: string): Promise<string> {
    const c = this.current;
    if (!c) throw new Error('The attention panel shows nothing yet.');
    return attentionPageHtml(this.deps.extensionUri, c, this.view, themeVars, themeKind);
  }

  private request<T extends AttentionFromWebview>(make: (id: number) => AttentionToWebview, timeoutMs = 15_000): Promise<T> {
    if (!this.page.isReady) return Promise.reject(new Error('The attention panel is not open.'));
    const id = this.nextRequestId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.exportWaiters.delete(id);
        reject(new Error('The attention panel did not answer.'));
      }, timeoutMs);
      this.exportWaiters.set(id, { resolve: resolve as (v: AttentionFromWebview) => void, reject, timer });
      this.post(make(id));
    });
  }

  async exportPng(target: vscode.Uri): Promise<vscode.Uri> {
    const msg = await this.request<Extract<AttentionFromWebview, { type: 'png' }>>((requestId) => ({ type: 'requestPng', requestId }));
    await writeAtomically(target, decodePngDataUrl(msg.dataUrl));
    return target;
  }

  async exportHtml(target: vscode.Uri): Promise<vscode.Uri> {
    const msg = await this.request<Extract<AttentionFromWebview, { type: 'saveHtml' }>>((requestId) => ({ type: 'requestHtml', requestId }));
    await writeAtomically(target, await this.buildHtml(msg.themeVars, msg.themeKind));
    return target;
  }

  // --------------------------------------------------------------------------------------------
  // For the API and the tests

  isOpen(): boolean {
    return this.page.isOpen;
  }

  whenReady(timeoutMs = 20_000): Promise<void> {
    if (this.page.isReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The attention page did not load.')), timeoutMs);
      void this.page.whenReady().then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Resolves with the page's report once it has drawn computation `seq` (default: the current one). */
  whenRendered(seq = this.current?.seq, timeoutMs = 20_000): Promise<AttentionRenderReport> {
    if (seq === undefined) return Promise.reject(new Error('The attention panel shows nothing yet.'));
    const done = this.reports.get(seq);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The attention page did not draw computation ${seq}.`)), timeoutMs);
      const list = this.renderWaiters.get(seq) ?? [];
      list.push({ resolve, reject, timer });
      this.renderWaiters.set(seq, list);
    });
  }

  setView(view: Partial<AttentionViewState>, timeoutMs = 15_000): Promise<AttentionRenderReport> {
    if (!this.page.isReady || !this.current) return Promise.reject(new Error('The attention panel shows nothing yet.'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The attention page did not redraw.')), timeoutMs);
      this.viewWaiters.push({ resolve, reject, timer });
      this.post({ type: 'setView', view });
    });
  }

  selfCheck(timeoutMs = 15_000): Promise<AttentionRenderReport> {
    if (!this.page.isReady) return Promise.reject(new Error('The attention panel is not open.'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The attention page did not answer the self-check.')), timeoutMs);
      this.checkWaiters.push({ resolve, reject, timer });
      this.post({ type: 'selfCheck' });
    });
  }

  snapshot(): AttentionSnapshot | undefined {
    const c = this.current;
    if (!c) return undefined;
    return {
      seq: c.seq,
      source: { ...c.source },
      text: c.text,
      tokens: c.result.tokens.map((t, i) => ({ ...t, start: c.source.start + c.result.offsets[i].start, end: c.source.start + c.result.offsets[i].end })),
      nLayer: c.maps.nLayer,
      nHead: c.maps.nHead,
      T: c.maps.T,
      truncated: c.result.truncated,
      totalTokens: c.result.totalTokens,
      contextLength: c.payload.contextLength,
      view: this.view,
      stale: c.stale,
    };
  }

  /** The maps on screen: attention[layer][head][query][key] as nested arrays. */
  attentionOnScreen(): number[][][][] | undefined {
    return this.current ? unpackAttention(this.current.maps) : undefined;
  }

  timing(): AttentionTiming | undefined {
    return this.timingInfo ? { ...this.timingInfo } : undefined;
  }

  highlighted(): { uri: string; range: vscode.Range } | undefined {
    return this.tokenHighlight.current;
  }

  close(): void {
    this.page.close();
  }

  dispose(): void {
    if (this.followTimer) clearTimeout(this.followTimer);
    this.running?.cancel();
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}

function staleMessage(): string {
  return vscode.l10n.t('The text changed since this was computed: Refresh to run the model on it again.');
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
