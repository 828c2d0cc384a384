// "LM Explorer: Compare Causal and Bidirectional": the same text through a decoder and an encoder trained on
// the same notes, one head of each side by side (webview/compare/). Each side's model is the workspace model
// when it is of that kind, else the folder the user chose for that kind, else the one training kept aside
// when a model of the other kind replaced it (TrainingController.keptModelDir). The workspace model's maps
// come from the engine worker's 'attention', the other one's from 'folderAttention', which holds that second
// model in the worker beside the workspace model: nothing of either runs on the extension host's thread.

import * as vscode from 'vscode';
import type { ModelKind } from '../../engine/model';
import { checkpointKind, hasCheckpoint, type EngineClient } from '../../worker/engine/client';
import { EngineError, type AttentionResult, type ModelInfo } from '../../worker/engine/protocol';
import { readConfig } from '../../config';
import type { Notifier } from '../../host/notifier';
import { WebviewPanelHost } from '../../host/webview/panel';
import { quantize16, unpackAttention, packAttention } from '../attention/core/attentionMaps';
import { describeShape, describeSource } from '../attention/attentionPanel';
import { settle, type Waiter } from '../attention/waiter';
import type { TrainingController } from '../training/trainingController';
import { paragraphAround } from './core/compareText';
import {
  COMPARE_KINDS,
  isCompareFromWebview,
  type CompareFromWebview,
  type CompareModelOrigin,
  type ComparePayload,
  type CompareRenderReport,
  type CompareSide,
  type CompareSource,
  type CompareToWebview,
  type CompareViewState,
} from './protocol';

export const COMPARE_VIEW_TYPE = 'lmExplorer.compareAttention';
const TRAIN_COMMAND = 'lmExplorer.train';
/** workspaceState key of the folder chosen for a kind ("Choose Model Folder…"). */
const folderKey = (kind: ModelKind) => `lmExplorer.compare.folder.${kind}`;

export interface CompareDeps {
  extensionUri: vscode.Uri;
  engine: EngineClient;
  controller: TrainingController;
  workspaceState: vscode.Memento;
  notify: Notifier;
  log: vscode.LogOutputChannel;
}

export type CompareResult =
  | { ok: true; seq: number; missing: ModelKind[] }
  | { ok: false; reason: 'no-editor' | 'empty' | 'error' | 'cancelled'; message: string };

/** What the panel shows, for the API: each side's maps as the engine returned them. */
export interface CompareSnapshot {
  seq: number;
  source: CompareSource;
  text: string;
  sides: Record<ModelKind, { status: CompareSide['status']; message?: string; origin?: CompareModelOrigin; dir?: string; tokens?: string[]; attention?: number[][][][] }>;
  view: CompareViewState | undefined;
}

interface Computation {
  seq: number;
  source: CompareSource;
  text: string;
  payload: ComparePayload;
  maps: Partial<Record<ModelKind, AttentionResult>>;
}

let seqCounter = 0;

/** The kind of a model (one without a kind is a decoder). */
const kindOf = (config: { kind?: ModelKind }): ModelKind => config.kind ?? 'decoder';

export class CompareFeature implements vscode.Disposable {
  private readonly page: WebviewPanelHost<CompareToWebview, CompareFromWebview>;
  private current: Computation | undefined;
  private view: CompareViewState | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly reports = new Map<number, CompareRenderReport>();
  private readonly renderWaiters = new Map<number, Waiter<CompareRenderReport>[]>();
  private readonly viewWaiters: Waiter<CompareRenderReport>[] = [];
  private readonly checkWaiters: Waiter<CompareRenderReport>[] = [];
  private running: vscode.CancellationTokenSource | undefined;
  private wasTraining = false;
  /** How many times the page has loaded (VS Code reloads a hidden or reloaded webview). */
  loads = 0;

  constructor(private readonly deps: CompareDeps) {
    this.page = new WebviewPanelHost(
      deps.extensionUri,
      { viewType: COMPARE_VIEW_TYPE, title: vscode.l10n.t('Causal and Bidirectional'), script: 'dist/webview/compare.js', icon: 'attention', isMessage: isCompareFromWebview },
      {
        onReady: () => this.onPageReady(),
        onMessage: (message) => this.receive(message),
        onRevive: (state) => this.revive(state),
        onClose: () => this.onPanelClosed(),
      },
    );
    this.wasTraining = deps.controller.isTraining;
    this.disposables.push(
      this.page,
      this.page.registerSerializer(),
      // A run that ended (the Train button's, say) changed a side: show the same text again.
      deps.controller.onDidChangeState((state) => {
        const training = state.kind === 'training' || state.kind === 'preparing';
        if (this.wasTraining && !training && this.current && this.page.isOpen) void this.refresh();
        this.wasTraining = training;
      }),
    );
  }

  /** lmExplorer.compareAttention: the selection of `editor`, or the paragraph at its cursor; `range` (offsets) instead when given. */
  async show(editor: vscode.TextEditor | undefined, range?: { start: number; end: number }): Promise<CompareResult> {
    if (!editor) {
      const message = vscode.l10n.t('Open a text file and select some text first: Compare Causal and Bidirectional runs both kinds of model on it.');
      this.deps.notify.info(message);
      return { ok: false, reason: 'no-editor', message };
    }
    const document = editor.document;
    let start: number;
    let end: number;
    if (range) [start, end] = [range.start, range.end];
    else if (!editor.selection.isEmpty) [start, end] = [document.offsetAt(editor.selection.start), document.offsetAt(editor.selection.end)];
    else {
      const paragraph = paragraphAround((n) => document.lineAt(n).text, document.lineCount, editor.selection.active.line);
      if (!paragraph) {
        const message = vscode.l10n.t('Select some text, or put the cursor in a paragraph, then run Compare Causal and Bidirectional again.');
        this.deps.notify.info(message);
        return { ok: false, reason: 'empty', message };
      }
      start = document.offsetAt(new vscode.Position(paragraph.first, 0));
      end = document.offsetAt(document.lineAt(paragraph.last).range.end);
    }
    return this.run(document, { uri: document.uri.toString(), start, end }, { reveal: true });
  }

  /** Makes `folder` the model of `kind`'s side (checked: a model folder of that kind); false when refused. */
  async chooseFolder(kind: ModelKind, folder?: vscode.Uri): Promise<boolean> {
    if (!folder) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: kind === 'encoder' ? vscode.l10n.t('Compare with This Encoder') : vscode.l10n.t('Compare with This Decoder'),
        title: kind === 'encoder' ? vscode.l10n.t('Choose an encoder model folder (exported by LM Explorer or saved by lmx train --kind encoder)') : vscode.l10n.t('Choose a decoder model folder (exported by LM Explorer or saved by lmx train)'),
      });
      if (!picked?.[0]) return false;
      folder = picked[0];
    }
    const dir = folder.fsPath;
    const found = hasCheckpoint(dir) ? checkpointKind(dir) : undefined;
    if (found !== kind) {
      const message =
        found === undefined
          ? vscode.l10n.t('{0} is not a model folder (it has no config.json of a checkpoint). Choose a folder that Export Model… or lmx train wrote.', dir)
          : kind === 'encoder'
            ? vscode.l10n.t('{0} holds a decoder; this side needs an encoder (bidirectional attention).', dir)
            : vscode.l10n.t('{0} holds an encoder; this side needs a decoder (causal attention).', dir);
      void this.deps.notify.error(message);
      return false;
    }
    await this.deps.workspaceState.update(folderKey(kind), dir);
    this.deps.log.info(`Compare Causal and Bidirectional: the ${kind} side uses ${dir}.`);
    if (this.current && this.page.isOpen) await this.refresh();
    return true;
  }

  /** Runs both models on the text again. */
  async refresh(): Promise<CompareResult> {
    const c = this.current;
    if (!c) return { ok: false, reason: 'empty', message: vscode.l10n.t('Nothing to refresh: run Compare Causal and Bidirectional on a selection first.') };
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(c.source.uri));
    return this.run(document, c.source, { reveal: false });
  }

  private async run(document: vscode.TextDocument, source: CompareSource, options: { reveal: boolean; view?: Partial<CompareViewState> }): Promise<CompareResult> {
    this.running?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.running = cts;
    const range = new vscode.Range(document.positionAt(source.start), document.positionAt(source.end));
    const text = document.getText(range);
    try {
      if (options.reveal || !this.page.isOpen) this.openPanel();
      this.post({ type: 'status', kind: 'loading', message: vscode.l10n.t('Running both models on the text…') });
      const workspace = await this.deps.engine.ensureModel();
      const sides = {} as Record<ModelKind, CompareSide>;
      const maps: Partial<Record<ModelKind, AttentionResult>> = {};
      for (const kind of COMPARE_KINDS) {
        const side = await this.computeSide(kind, text, workspace, cts.token);
        sides[kind] = side.side;
        if (side.result) maps[kind] = side.result;
      }
      if (cts.token.isCancellationRequested) return { ok: false, reason: 'cancelled', message: vscode.l10n.t('Cancelled.') };
      const seq = ++seqCounter;
      const payload: ComparePayload = { seq, sourceLabel: describeSource(document, range), source, sides };
      this.current = { seq, source, text, payload, maps };
      this.post({ type: 'data', data: payload, ...(options.view ? { view: options.view } : {}) });
      const missing = COMPARE_KINDS.filter((k) => sides[k].status !== 'ready');
      this.deps.log.info(`Compare Causal and Bidirectional on ${text.length} characters: ${COMPARE_KINDS.map((k) => `${k} ${sides[k].status}`).join(', ')}.`);
      return { ok: true, seq, missing };
    } catch (error) {
      if (error instanceof EngineError && error.code === 'cancelled') return { ok: false, reason: 'cancelled', message: vscode.l10n.t('Cancelled.') };
      const message = vscode.l10n.t('Could not compare the attention: {0}', error instanceof Error ? error.message : String(error));
      this.deps.log.error(message);
      this.post({ type: 'status', kind: 'error', message });
      this.deps.notify.error(message);
      return { ok: false, reason: 'error', message };
    } finally {
      if (this.running === cts) this.running = undefined;
      cts.dispose();
    }
  }

  /** One side: its model's maps, or why there are none. */
  private async computeSide(kind: ModelKind, text: string, workspace: ModelInfo | undefined, token: vscode.CancellationToken): Promise<{ side: CompareSide; result?: AttentionResult }> {
    try {
      if (workspace && kindOf(workspace.config) === kind) {
        const result = await this.deps.engine.request('attention', { text, maxTokens: workspace.config.contextLength, packed: true }, { token });
        const info = this.deps.engine.currentModel ?? workspace;
        return { side: sideData(kind, 'workspace', info.dir ?? this.deps.controller.modelDir, describeShape(info), result, info.config.contextLength), result };
      }
      const other = this.otherModelDir(kind);
      if (!other) return { side: { status: 'missing', kind, message: missingMessage(kind, workspace) } };
      const result = await this.deps.engine.request('folderAttention', { dir: other.dir, kind, text, packed: true, backend: readConfig().engine.backend }, { token });
      return { side: sideData(kind, other.origin, other.dir, describeShape(result.model), result, result.model.config.contextLength), result };
    } catch (error) {
      if (error instanceof EngineError && error.code === 'cancelled') throw error;
      const message = kind === 'encoder' ? vscode.l10n.t('The encoder could not be run: {0}', (error as Error).message) : vscode.l10n.t('The decoder could not be run: {0}', (error as Error).message);
      this.deps.log.warn(message);
      return { side: { status: 'error', kind, message } };
    }
  }

  /** The model folder of a side the workspace model is not: the one chosen for the kind, else the kept one. */
  private otherModelDir(kind: ModelKind): { dir: string; origin: CompareModelOrigin } | undefined {
    const chosen = this.deps.workspaceState.get<string>(folderKey(kind));
    if (chosen && hasCheckpoint(chosen) && checkpointKind(chosen) === kind) return { dir: chosen, origin: 'folder' };
    const kept = this.deps.controller.keptModelDir(kind);
    if (hasCheckpoint(kept)) return { dir: kept, origin: 'kept' };
    return undefined;
  }

  /** Trains a model of `kind` on the workspace's notes (the Train button of a missing side); the current one is kept. */
  private train(kind: ModelKind): void {
    void vscode.commands.executeCommand(TRAIN_COMMAND, { mode: 'fresh', overrides: { kind } });
  }

  private openPanel(): void {
    this.page.createOrShow({ viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, revealColumn: this.page.panel?.viewColumn ?? vscode.ViewColumn.Beside });
  }

  private onPanelClosed(): void {
    this.current = undefined;
    const error = new Error('The compare panel was closed.');
    for (const list of this.renderWaiters.values()) list.forEach((w) => settle(w, error));
    this.renderWaiters.clear();
    for (const list of [this.viewWaiters, this.checkWaiters]) list.splice(0).forEach((w) => settle(w, error));
    // the second model is needed no more: its tensors go
    if (this.deps.engine.isRunning) void this.deps.engine.request('folderRelease', {}).catch(() => undefined);
  }

  /** A panel VS Code restored after a reload: the page's saved state says which text it showed. */
  private async revive(state: unknown): Promise<void> {
    const saved = state as { view?: CompareViewState; source?: CompareSource } | undefined;
    if (saved?.view) this.view = saved.view;
    const source = saved?.source;
    if (!source) {
      this.post({ type: 'status', kind: 'empty', message: vscode.l10n.t('Select some text in an editor and run "LM Explorer: Compare Causal and Bidirectional".') });
      return;
    }
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(source.uri));
      const length = document.getText().length;
      const clipped = { ...source, start: Math.min(source.start, length), end: Math.min(source.end, length) };
      if (clipped.end <= clipped.start) throw new Error('the text is no longer there');
      await this.run(document, clipped, { reveal: false, ...(saved?.view ? { view: saved.view } : {}) });
    } catch (error) {
      this.post({ type: 'status', kind: 'empty', message: vscode.l10n.t('The text this panel showed cannot be read again ({0}). Select some text and run "LM Explorer: Compare Causal and Bidirectional".', (error as Error).message) });
    }
  }

  private post(message: CompareToWebview): void {
    void this.page.post(message);
  }

  private onPageReady(): void {
    this.loads++;
    this.reports.clear();
    if (this.current) this.post({ type: 'data', data: this.current.payload, ...(this.view ? { view: this.view } : {}) });
  }

  private receive(msg: Exclude<CompareFromWebview, { type: 'ready' }>): void {
    switch (msg.type) {
      case 'rendered': {
        const report = msg.report;
        if (report.selfCheck) {
          this.checkWaiters.splice(0).forEach((w) => settle(w, undefined, report));
          return;
        }
        this.reports.set(report.seq, report);
        if (this.reports.size > 8) this.reports.delete(this.reports.keys().next().value!);
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
      case 'action':
        if (msg.action === 'train') this.train(msg.kind);
        else void this.chooseFolder(msg.kind);
        return;
      case 'refresh':
        void this.refresh();
        return;
      case 'log':
        this.deps.log.warn(`[compare page] ${msg.message}`);
        return;
    }
  }

  // For the API and the tests

  isOpen(): boolean {
    return this.page.isOpen;
  }

  whenReady(timeoutMs = 20_000): Promise<void> {
    if (this.page.isReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The compare page did not load.')), timeoutMs);
      void this.page.whenReady().then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Resolves with the page's report once it has drawn computation `seq` (default: the current one). */
  whenRendered(seq = this.current?.seq, timeoutMs = 20_000): Promise<CompareRenderReport> {
    if (seq === undefined) return Promise.reject(new Error('The compare panel shows nothing yet.'));
    const done = this.reports.get(seq);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The compare page did not draw computation ${seq}.`)), timeoutMs);
      const list = this.renderWaiters.get(seq) ?? [];
      list.push({ resolve, reject, timer });
      this.renderWaiters.set(seq, list);
    });
  }

  setView(view: Partial<CompareViewState>, timeoutMs = 15_000): Promise<CompareRenderReport> {
    if (!this.page.isReady || !this.current) return Promise.reject(new Error('The compare panel shows nothing yet.'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The compare page did not redraw.')), timeoutMs);
      this.viewWaiters.push({ resolve, reject, timer });
      this.post({ type: 'setView', view });
    });
  }

  selfCheck(timeoutMs = 15_000): Promise<CompareRenderReport> {
    if (!this.page.isReady) return Promise.reject(new Error('The compare panel is not open.'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The compare page did not answer the self-check.')), timeoutMs);
      this.checkWaiters.push({ resolve, reject, timer });
      this.post({ type: 'selfCheck' });
    });
  }

  snapshot(): CompareSnapshot | undefined {
    const c = this.current;
    if (!c) return undefined;
    const sides = {} as CompareSnapshot['sides'];
    for (const kind of COMPARE_KINDS) {
      const side = c.payload.sides[kind];
      const result = c.maps[kind];
      sides[kind] =
        side.status === 'ready'
          ? {
              status: side.status,
              origin: side.origin,
              dir: side.dir,
              tokens: side.tokens.map((t) => t.label),
              ...(result ? { attention: result.weights ? unpackAttention({ nLayer: side.nLayer, nHead: side.nHead, T: side.tokens.length, weights: result.weights }) : result.attention } : {}),
            }
          : { status: side.status, message: side.message };
    }
    return { seq: c.seq, source: { ...c.source }, text: c.text, sides, view: this.view };
  }

  close(): void {
    this.page.close();
  }

  dispose(): void {
    this.running?.cancel();
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}

/** A side's data for the page: the maps as 16-bit weights (half the bytes of float32). */
function sideData(kind: ModelKind, origin: CompareModelOrigin, dir: string, modelLabel: string, result: AttentionResult, contextLength: number): CompareSide {
  const maps = result.weights
    ? { nLayer: result.nLayer ?? 0, nHead: result.nHead ?? 0, weights: result.weights }
    : packAttention(result.attention);
  return {
    status: 'ready',
    kind,
    origin,
    dir,
    modelLabel,
    tokens: result.tokens.map((t) => ({ ...t })),
    nLayer: maps.nLayer,
    nHead: maps.nHead,
    weights: quantize16(maps.weights),
    truncated: result.truncated,
    totalTokens: result.totalTokens,
    contextLength,
  };
}

/** Why a side has no model, and what the buttons under it do. */
function missingMessage(kind: ModelKind, workspace: ModelInfo | undefined): string {
  if (kind === 'encoder') {
    return workspace
      ? vscode.l10n.t('No encoder yet: train one on the same notes (the workspace decoder is kept for this comparison), or choose an encoder model folder.')
      : vscode.l10n.t('No encoder yet: train one on your notes, or choose an encoder model folder.');
  }
  return workspace
    ? vscode.l10n.t('No decoder yet: train one on the same notes (the workspace encoder is kept for this comparison), or choose a decoder model folder.')
    : vscode.l10n.t('No decoder yet: train one on your notes, or choose a decoder model folder.');
}

