// The Model Inspector's panel: one webview with five tabs (webview/inspector/), its requests answered by
// the engine worker ('inspect'), its exports (CSV of a tab's table, PNG of its pictures), and the waits the
// API and the tests use (the page's report that it drew an answer).

import * as path from 'path';
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import type { InspectRequest } from '../../engine/inspect/types';
import { writeAtomically } from '../../host/atomicWrite';
import type { Notifier } from '../../host/notifier';
import { WebviewPanelHost } from '../../host/webview/panel';
import type { EngineClient } from '../../worker/engine/client';
import { EngineError, type ModelInfo } from '../../worker/engine/protocol';
import { decodePngDataUrl } from '../attention/core/attentionExport';
import { answerCsv } from './core/csv';
import {
  isInspectorFromWebview,
  isInspectorTab,
  type InspectorAnswer,
  type InspectorFromWebview,
  type InspectorModel,
  type InspectorPageState,
  type InspectorRenderReport,
  type InspectorTab,
  type InspectorToWebview,
} from './protocol';

export const INSPECTOR_VIEW_TYPE = 'lmExplorer.inspector';
const TRAIN_COMMAND = 'lmExplorer.train';

export interface InspectorDeps {
  extensionUri: vscode.Uri;
  engine: EngineClient;
  notify: Notifier;
  log: vscode.LogOutputChannel;
  /** Opens the attention panel at a layer (a click on an attention block). */
  openAttention(layer: number): Promise<unknown>;
}

export interface InspectorTiming {
  seq: number;
  tab: InspectorTab;
  /** In the worker: reading the tables and computing the answer. */
  workerMs: number;
  /** The engine request as the host waited for it (worker + transfer). */
  engineMs: number;
  /** From the command to posting the answer to the page. */
  postedMs: number;
  /** In the page: from the answer's arrival to the drawn frame. */
  renderMs?: number;
  /** From the command to the page's report that it drew. */
  totalMs?: number;
}

export type InspectorShowResult =
  | { ok: true; seq: number; tab: InspectorTab; answer: InspectorAnswer; timing: InspectorTiming }
  | { ok: false; reason: 'no-model' | 'cancelled' | 'error' | 'opened'; message: string };

type Waiter<T> = { resolve(value: T): void; reject(error: Error): void; timer: NodeJS.Timeout };

function waiter<T>(list: Waiter<T>[], what: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const i = list.findIndex((w) => w.timer === timer);
      if (i >= 0) list.splice(i, 1);
      reject(new Error(what));
    }, timeoutMs);
    list.push({ resolve, reject, timer });
  });
}

function settleAll<T>(list: Waiter<T>[], value: T | Error): void {
  for (const w of list.splice(0)) {
    clearTimeout(w.timer);
    if (value instanceof Error) w.reject(value);
    else w.resolve(value);
  }
}

function describeModel(model: ModelInfo): InspectorModel {
  const c = model.config;
  const label = vscode.l10n.t(
    '{0} layers × {1} heads · {2} channels · context {3} · {4} tokens ({5}) · step {6}',
    c.nLayer,
    c.nHead,
    c.nEmbd,
    c.contextLength,
    c.vocabSize.toLocaleString(),
    model.tokenizer,
    model.step.toLocaleString(),
  );
  return { label, step: model.step, tokenizer: model.tokenizer, positional: c.positional };
}

export class InspectorFeature implements vscode.Disposable {
  private readonly page: WebviewPanelHost<InspectorToWebview, InspectorFromWebview>;
  private readonly disposables: vscode.Disposable[] = [];
  private seq = 0;
  private readonly answers = new Map<InspectorTab, { seq: number; answer: InspectorAnswer; request: InspectRequest }>();
  private readonly timings = new Map<number, InspectorTiming & { started: number }>();
  private readonly reports = new Map<number, InspectorRenderReport>();
  private readonly renderWaiters = new Map<number, Waiter<InspectorRenderReport>[]>();
  /** Waiting for the next drawing of a tab, whichever answer it draws (a reloaded page asks anew). */
  private readonly tabWaiters = new Map<InspectorTab, Waiter<InspectorRenderReport>[]>();
  private readonly checkWaiters = new Map<number, Waiter<InspectorRenderReport>[]>();
  private readonly pngWaiters = new Map<number, Waiter<string>[]>();
  private nextRequestId = 1;
  private tab: InspectorTab = 'architecture';
  /** The run in flight of each view: a new one of the same view replaces it. */
  private readonly pending = new Map<InspectorTab, vscode.CancellationTokenSource>();
  /** How many times the page has loaded (a reload of the webview included). */
  loads = 0;

  constructor(private readonly deps: InspectorDeps) {
    this.page = new WebviewPanelHost(
      deps.extensionUri,
      { viewType: INSPECTOR_VIEW_TYPE, title: vscode.l10n.t('Model Inspector'), script: 'dist/webview/inspector.js', icon: 'inspector', isMessage: isInspectorFromWebview },
      {
        onReady: () => this.loads++,
        onMessage: (message) => void this.receive(message),
        onRevive: (state) => this.revive(state),
        onClose: () => this.onClosed(),
      },
    );
    this.disposables.push(
      this.page,
      this.page.registerSerializer(),
      deps.engine.onDidChangeModel((model) => {
        if (!this.page.isOpen || this.answers.size === 0) return;
        const message = model ? vscode.l10n.t('The model changed since: run the view again to see the new one.') : vscode.l10n.t('The model was removed.');
        for (const tab of this.answers.keys()) void this.page.post({ type: 'status', tab, kind: 'stale', message });
      }),
    );
  }

  // --------------------------------------------------------------------------------------------
  // Commands

  /** Opens the panel at a tab, without computing anything new (the tab shows what it last showed). */
  async open(tab?: InspectorTab): Promise<InspectorShowResult> {
    const model = await this.deps.engine.ensureModel();
    if (!model) return this.noModel();
    const target = tab ?? this.tab;
    this.reveal();
    await this.page.whenReady();
    this.tab = target;
    await this.page.post({ type: 'setTab', tab: target });
    if (target === 'architecture' && !this.answers.has('architecture')) return this.run({ view: 'architecture' });
    return { ok: false, reason: 'opened', message: vscode.l10n.t('The Model Inspector is open at {0}.', target) };
  }

  /** Computes one view in the engine worker and shows it in its tab. */
  async run(request: InspectRequest): Promise<InspectorShowResult> {
    const started = performance.now();
    this.pending.get(request.view)?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.pending.set(request.view, cts);
    try {
      const model = await this.deps.engine.ensureModel();
      if (!model) return this.noModel();
      this.reveal();
      await this.page.whenReady();
      const resolved = await this.withFolder(request);
      if (!resolved) {
        // the page said "Computing…" when it asked
        void this.page.post({ type: 'status', tab: request.view, kind: 'loading', message: '' });
        return { ok: false, reason: 'cancelled', message: vscode.l10n.t('Cancelled.') };
      }
      void this.page.post({ type: 'status', tab: request.view, kind: 'loading', message: vscode.l10n.t('Computing in the engine…') });
      const t0 = performance.now();
      const result = await this.deps.engine.request('inspect', resolved, { token: cts.token });
      const engineMs = performance.now() - t0;
      const seq = ++this.seq;
      const info = this.deps.engine.currentModel ?? model;
      this.answers.set(request.view, { seq, answer: result.answer, request: resolved });
      this.tab = request.view;
      await this.page.post({ type: 'answer', seq, answer: result.answer, request: resolved, model: describeModel(info), reveal: true });
      const timing = { seq, tab: request.view, workerMs: result.workerMs, engineMs: round(engineMs), postedMs: round(performance.now() - started), started };
      this.timings.set(seq, timing);
      this.deps.log.info(`Inspector ${request.view}: worker ${result.workerMs} ms, engine request ${round(engineMs)} ms.`);
      return { ok: true, seq, tab: request.view, answer: result.answer, timing: publicTiming(timing) };
    } catch (error) {
      // a newer run of the same view replaced this one, and its answer clears the tab's status
      if (error instanceof EngineError && error.code === 'cancelled') return { ok: false, reason: 'cancelled', message: vscode.l10n.t('Cancelled.') };
      if (error instanceof EngineError && error.code === 'no-model') return this.noModel();
      const detail = error instanceof Error ? error.message : String(error);
      const message = error instanceof EngineError && error.code === 'user' ? detail : vscode.l10n.t('The Model Inspector could not compute this view: {0}', detail);
      this.deps.log.error(`${message}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`);
      void this.page.post({ type: 'status', tab: request.view, kind: 'error', message });
      this.deps.notify.error(message);
      return { ok: false, reason: 'error', message };
    } finally {
      if (this.pending.get(request.view) === cts) this.pending.delete(request.view);
      cts.dispose();
    }
  }

  /** A comparison with "another folder…" asks which folder first; undefined when the user cancels. */
  private async withFolder(request: InspectRequest): Promise<InspectRequest | undefined> {
    if (request.view !== 'compare' || request.against.kind !== 'folder' || request.against.dir) return request;
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Compare with this model'), title: vscode.l10n.t('A checkpoint folder of the same model') });
    if (!picked?.[0]) return undefined;
    return { ...request, against: { kind: 'folder', dir: picked[0].fsPath } };
  }

  private noModel(): InspectorShowResult {
    const message = vscode.l10n.t('There is no model yet: train one on your notes first, then the Model Inspector shows what it learned.');
    void this.deps.notify.info(message, vscode.l10n.t('Train Model')).then((pick) => {
      if (pick) void vscode.commands.executeCommand(TRAIN_COMMAND);
    });
    return { ok: false, reason: 'no-model', message };
  }

  private reveal(): void {
    this.page.createOrShow({ viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
  }

  // --------------------------------------------------------------------------------------------
  // The page

  private async receive(message: Exclude<InspectorFromWebview, { type: 'ready' }>): Promise<void> {
    switch (message.type) {
      case 'query':
        await this.run(message.request);
        return;
      case 'tab':
        this.tab = message.tab;
        return;
      case 'rendered': {
        const report = message.report;
        this.reports.set(report.seq, report);
        const timing = this.timings.get(report.seq);
        if (timing && timing.totalMs === undefined) {
          timing.renderMs = report.renderMs;
          timing.totalMs = round(performance.now() - timing.started);
        }
        const list = this.renderWaiters.get(report.seq);
        if (list) {
          this.renderWaiters.delete(report.seq);
          settleAll(list, report);
        }
        const forTab = this.tabWaiters.get(report.tab);
        if (forTab) settleAll(forTab, report);
        return;
      }
      case 'openAttention':
        await this.deps.openAttention(message.layer);
        return;
      case 'saveCsv':
        await this.saveInteractive(message.tab, 'csv');
        return;
      case 'savePng': {
        if (message.requestId !== undefined) {
          const list = this.pngWaiters.get(message.requestId);
          this.pngWaiters.delete(message.requestId);
          if (list) settleAll(list, message.dataUrl);
          return;
        }
        await this.saveInteractive(message.tab, 'png', message.dataUrl);
        return;
      }
      case 'selfCheck': {
        const list = this.checkWaiters.get(message.requestId);
        this.checkWaiters.delete(message.requestId);
        if (list) settleAll(list, message.report);
        return;
      }
    }
  }

  /** VS Code restored the panel: the page asks again for what it showed (its saved requests). */
  private revive(state: unknown): void {
    const saved = state as Partial<InspectorPageState> | undefined;
    if (saved && isInspectorTab(saved.tab)) this.tab = saved.tab;
  }

  private onClosed(): void {
    this.answers.clear();
    const error = new Error('The Model Inspector was closed.');
    for (const map of [this.renderWaiters, this.checkWaiters, this.pngWaiters, this.tabWaiters] as Map<unknown, Waiter<unknown>[]>[]) {
      for (const list of map.values()) settleAll(list, error);
      map.clear();
    }
  }

  // --------------------------------------------------------------------------------------------
  // Exports

  private defaultUri(name: string): vscode.Uri | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    return folder ? vscode.Uri.joinPath(folder, name) : undefined;
  }

  private async saveInteractive(tab: InspectorTab, kind: 'csv' | 'png', dataUrl?: string): Promise<void> {
    if (!this.answers.has(tab)) {
      this.deps.notify.info(vscode.l10n.t('This view shows nothing yet: there is nothing to save.'));
      return;
    }
    const name = `inspector-${tab}.${kind}`;
    const defaultUri = this.defaultUri(name);
    const target = await vscode.window.showSaveDialog({
      title: kind === 'csv' ? vscode.l10n.t('Save the table as CSV') : vscode.l10n.t('Save the picture as PNG'),
      filters: kind === 'csv' ? { [vscode.l10n.t('CSV table')]: ['csv'] } : { [vscode.l10n.t('PNG image')]: ['png'] },
      ...(defaultUri ? { defaultUri } : {}),
    });
    if (!target) return;
    try {
      await writeAtomically(target, kind === 'csv' ? this.csv(tab) : decodePngDataUrl(dataUrl ?? ''));
      this.deps.notify.info(vscode.l10n.t('Saved {0}.', path.basename(target.path)));
    } catch (error) {
      this.deps.notify.error(vscode.l10n.t('Could not save {0}: {1}', path.basename(target.path), (error as Error).message));
    }
  }

  /** The CSV of what a tab shows. */
  csv(tab: InspectorTab): string {
    const entry = this.answers.get(tab);
    if (!entry) throw new Error(`The ${tab} tab shows nothing yet.`);
    return answerCsv(entry.answer);
  }

  async exportCsv(tab: InspectorTab, target: vscode.Uri): Promise<vscode.Uri> {
    await writeAtomically(target, this.csv(tab));
    return target;
  }

  /** Asks the page for the current tab's pictures as one PNG and writes it. */
  async exportPng(target: vscode.Uri, timeoutMs = 15_000): Promise<vscode.Uri> {
    if (!this.page.isReady) throw new Error('The Model Inspector is not open.');
    const requestId = this.nextRequestId++;
    const list: Waiter<string>[] = [];
    this.pngWaiters.set(requestId, list);
    const wait = waiter(list, 'The Model Inspector did not send its picture.', timeoutMs);
    await this.page.post({ type: 'requestPng', requestId });
    await writeAtomically(target, decodePngDataUrl(await wait));
    return target;
  }

  // --------------------------------------------------------------------------------------------
  // For the API and the tests

  /** Resolves with the page's report once it has drawn answer `seq`. */
  whenRendered(seq: number, timeoutMs = 20_000): Promise<InspectorRenderReport> {
    const done = this.reports.get(seq);
    if (done) return Promise.resolve(done);
    const list = this.renderWaiters.get(seq) ?? [];
    this.renderWaiters.set(seq, list);
    return waiter(list, `The Model Inspector did not draw answer ${seq}.`, timeoutMs);
  }

  /** Reveals the panel at a tab (as a click on it) and resolves with the page's report once it has drawn it again. */
  async selectTab(tab: InspectorTab, timeoutMs = 20_000): Promise<InspectorRenderReport> {
    if (!this.answers.has(tab)) throw new Error(`The ${tab} tab shows nothing yet.`);
    this.reveal();
    await this.page.whenReady();
    const list = this.tabWaiters.get(tab) ?? [];
    this.tabWaiters.set(tab, list);
    const wait = waiter(list, `The Model Inspector did not draw its ${tab} tab.`, timeoutMs);
    this.tab = tab;
    await this.page.post({ type: 'setTab', tab });
    return wait;
  }

  /** The page measures the current tab's canvases in the browser. */
  async selfCheck(timeoutMs = 15_000): Promise<InspectorRenderReport> {
    if (!this.page.isReady) throw new Error('The Model Inspector is not open.');
    const requestId = this.nextRequestId++;
    const list: Waiter<InspectorRenderReport>[] = [];
    this.checkWaiters.set(requestId, list);
    const wait = waiter(list, 'The Model Inspector did not answer the self-check.', timeoutMs);
    await this.page.post({ type: 'selfCheck', requestId });
    return wait;
  }

  timing(seq: number): InspectorTiming | undefined {
    const t = this.timings.get(seq);
    return t ? publicTiming(t) : undefined;
  }

  answer(tab: InspectorTab): InspectorAnswer | undefined {
    return this.answers.get(tab)?.answer;
  }

  currentTab(): InspectorTab {
    return this.tab;
  }

  isOpen(): boolean {
    return this.page.isOpen;
  }

  whenReady(): Promise<void> {
    return this.page.whenReady();
  }

  close(): void {
    this.page.close();
  }

  dispose(): void {
    for (const cts of this.pending.values()) cts.cancel();
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}

function publicTiming(t: InspectorTiming & { started?: number }): InspectorTiming {
  const { started: _started, ...rest } = t;
  return rest;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
