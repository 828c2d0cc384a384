// "LM Explorer: Open Sampling Lab": a webview panel on the text before the cursor (or a typed prompt) that
// shows the next-token distribution before and after temperature, top-k and top-p, and lets the user step
// through generation by hand. The session (its tokens, KV cache and the logits of every step) lives in the
// engine worker; this class forwards the page's requests and posts back snapshots. Slider moves are
// coalesced: while one view is being computed only the latest parameters wait, so dragging never queues.

import * as vscode from 'vscode';
import type { StepChoice, Strategy } from '../../engine/sampling/index';
import type { Notifier } from '../../host/notifier';
import { WebviewPanelHost } from '../../host/webview/panel';
import type { EngineClient } from '../../worker/engine/client';
import { EngineError } from '../../worker/engine/protocol';
import type { LabRun, LabSnapshot, LensLayer } from '../../worker/engine/samplingProtocol';
import {
  DEFAULT_LAB_PARAMS,
  isLabFromWebview,
  isLabPageState,
  samplingParamsOf,
  type LabFromWebview,
  type LabPageState,
  type LabParams,
  type LabRenderReport,
  type LabToWebview,
} from './protocol';
import { modelKey } from './core/modelKey';

export const SAMPLING_VIEW_TYPE = 'lmExplorer.samplingLab';
/** How much text before the cursor is read for the prompt (the model keeps its last context length of tokens). */
const PROMPT_CHARS = 8192;
const TRAIN_COMMAND = 'lmExplorer.train';

export interface LabDeps {
  extensionUri: vscode.Uri;
  engine: EngineClient;
  notify: Notifier;
  log: vscode.LogOutputChannel;
  /** The strategies and the length of Compare Strategies (settings). */
  compareSettings(): { strategies: Strategy[]; tokens: number };
}

export type OpenLabResult = { ok: true; snapshot: LabSnapshot; seq: number } | { ok: false; reason: 'no-model' | 'error'; message: string };

type Waiter = { seq: number; resolve(report: LabRenderReport): void };

export class SamplingLab implements vscode.Disposable {
  private readonly page: WebviewPanelHost<LabToWebview, LabFromWebview>;
  private readonly disposables: vscode.Disposable[] = [];
  private prompt = '';
  private params: LabParams = { ...DEFAULT_LAB_PARAMS };
  private seed = 1;
  private session: number | undefined;
  /** The model the session runs on (modelKey). */
  private sessionModel: string | undefined;
  /** The session being opened, which a page saying 'ready' meanwhile waits for. */
  private opening: Promise<OpenLabResult> | undefined;
  private snapshotNow: LabSnapshot | undefined;
  private shownStep: number | undefined;
  private seq = 0;
  /** Where Insert into Editor puts the text: the editor the prompt came from. */
  private target: vscode.Uri | undefined;
  /** One request at a time, in order (steps, undo, a new prompt). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Slider parameters waiting for the view being computed. */
  private pendingParams: LabParams | undefined;
  private viewing = false;
  private readonly waiters: Waiter[] = [];
  private readonly reports: LabRenderReport[] = [];
  private lastRuns: LabRun[] | undefined;
  private lastLens: LensLayer[] | undefined;
  /** What a revived page had (its prompt, sliders and tokens), replayed at its 'ready'. */
  private restoring: LabPageState | undefined;

  constructor(private readonly deps: LabDeps) {
    this.page = new WebviewPanelHost(
      deps.extensionUri,
      { viewType: SAMPLING_VIEW_TYPE, title: vscode.l10n.t('Sampling Lab'), script: 'dist/webview/sampling.js', icon: 'sampling', isMessage: isLabFromWebview },
      {
        onReady: () => void this.onPageReady(),
        onMessage: (message) => void this.receive(message),
        onRevive: (state) => {
          if (isLabPageState(state)) this.restoring = state;
        },
        onClose: () => void this.closeSession(),
      },
    );
    this.disposables.push(
      this.page,
      this.page.registerSerializer(),
      deps.engine.onDidChangeModel((model) => {
        // the session belongs to the old model: start again from the prompt
        if (this.session === undefined || modelKey(model) === this.sessionModel) return;
        this.session = undefined;
        if (this.page.isOpen) void this.enqueue(() => this.openSession([], vscode.l10n.t('The model changed: the lab starts again from the prompt.')));
      }),
    );
  }

  get isOpen(): boolean {
    return this.page.isOpen;
  }

  snapshot(): LabSnapshot | undefined {
    return this.snapshotNow;
  }

  /** The page's reports, latest last. */
  renderReports(): readonly LabRenderReport[] {
    return this.reports;
  }

  /** Open Sampling Lab on the text before the cursor of `editor`, or on `prompt`. */
  async open(editor: vscode.TextEditor | undefined, prompt?: string): Promise<OpenLabResult> {
    if (prompt === undefined && editor) {
      const document = editor.document;
      const offset = document.offsetAt(editor.selection.active);
      prompt = document.getText(new vscode.Range(document.positionAt(Math.max(0, offset - PROMPT_CHARS)), editor.selection.active));
    }
    this.target = editor?.document.uri ?? this.target;
    const model = await this.deps.engine.ensureModel().catch(() => undefined);
    if (!model) return this.noModel();
    this.page.createOrShow({ viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    this.prompt = prompt ?? '';
    const opening = this.restart([]);
    this.opening = opening;
    void opening.finally(() => {
      if (this.opening === opening) this.opening = undefined;
    });
    return opening;
  }

  /** As the page's slider: the distribution under new parameters. */
  async setParams(params: LabParams): Promise<LabSnapshot | undefined> {
    this.params = { ...params };
    return this.viewLatest();
  }

  async step(choice: StepChoice): Promise<LabSnapshot | undefined> {
    return this.enqueue(() => this.request(() => ((this.shownStep = undefined), this.deps.engine.request('samplingStep', { session: this.session!, choice, params: samplingParamsOf(this.params) }))));
  }

  async undo(): Promise<LabSnapshot | undefined> {
    return this.enqueue(() => this.request(() => ((this.shownStep = undefined), this.deps.engine.request('samplingUndo', { session: this.session!, params: samplingParamsOf(this.params) }))));
  }

  /** The distribution step `at` was chosen from (undefined: the next token's). */
  async showStep(at: number | undefined): Promise<LabSnapshot | undefined> {
    return this.enqueue(async () => {
      this.shownStep = at;
      return this.request(() => this.deps.engine.request('samplingView', { session: this.session!, params: samplingParamsOf(this.params), ...(at !== undefined ? { at } : {}) }));
    });
  }

  async compare(maxNewTokens?: number): Promise<LabRun[]> {
    const settings = this.deps.compareSettings();
    const tokens = maxNewTokens ?? settings.tokens;
    this.post({ type: 'busy', busy: true });
    try {
      const { runs } = await this.deps.engine.request('samplingCompare', { prompt: this.prompt, strategies: settings.strategies, maxNewTokens: tokens });
      this.lastRuns = runs;
      this.post({ type: 'compare', runs, strategies: settings.strategies });
      return runs;
    } catch (error) {
      this.fail(error);
      return [];
    } finally {
      this.post({ type: 'busy', busy: false });
    }
  }

  async lens(): Promise<LensLayer[]> {
    if (this.session === undefined) return [];
    try {
      const { layers } = await this.deps.engine.request('logitLens', { session: this.session });
      this.lastLens = layers;
      this.post({ type: 'lens', layers });
      return layers;
    } catch (error) {
      this.fail(error);
      return [];
    }
  }

  /** Insert into Editor: the generated text at the cursor of the editor the prompt came from (else the active one). */
  async insert(): Promise<{ ok: boolean; text: string; uri?: string }> {
    const text = this.snapshotNow?.text ?? '';
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === this.target?.toString()) ?? vscode.window.activeTextEditor;
    if (!text || !editor) {
      this.deps.notify.info(text ? vscode.l10n.t('Open the editor to insert into first.') : vscode.l10n.t('Generate some tokens first: press Greedy or Sample in the Sampling Lab.'));
      return { ok: false, text };
    }
    const ok = await editor.edit((edit) => edit.replace(editor.selection, text));
    return { ok, text, uri: editor.document.uri.toString() };
  }

  /** Resolves with the page's report once it has drawn snapshot `seq` (default: the latest). */
  whenRendered(seq = this.seq, timeoutMs = 20_000): Promise<LabRenderReport> {
    const done = this.reports.find((r) => r.seq === seq);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The sampling lab did not draw snapshot ${seq} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        seq,
        resolve: (report) => {
          clearTimeout(timer);
          resolve(report);
        },
      });
    });
  }

  get currentSeq(): number {
    return this.seq;
  }

  close(): void {
    this.page.close();
  }

  dispose(): void {
    void this.closeSession();
    this.disposables.forEach((d) => d.dispose());
  }

  // ----------------------------------------------------------------------------------------------

  private async onPageReady(): Promise<void> {
    const restored = this.restoring;
    this.restoring = undefined;
    if (restored) {
      this.prompt = restored.prompt;
      this.params = restored.params;
      this.seed = restored.seed;
    }
    if (this.opening && !restored) await this.opening.catch(() => undefined);
    if (this.session !== undefined && !restored && this.snapshotNow) {
      this.postSnapshot(this.snapshotNow);
      if (this.lastRuns) this.post({ type: 'compare', runs: this.lastRuns, strategies: this.deps.compareSettings().strategies });
      if (this.lastLens) this.post({ type: 'lens', layers: this.lastLens });
      return;
    }
    const model = await this.deps.engine.ensureModel().catch(() => undefined);
    if (!model) {
      this.noModel();
      return;
    }
    await this.restart(restored?.ids ?? []);
  }

  private async receive(message: Exclude<LabFromWebview, { type: 'ready' }>): Promise<void> {
    switch (message.type) {
      case 'params':
        await this.setParams(message.params);
        return;
      case 'step':
        this.seed = message.choice.kind === 'sample' ? message.seed + 1 : message.seed;
        await this.step(message.choice);
        return;
      case 'undo':
        await this.undo();
        return;
      case 'showStep':
        await this.showStep(message.at);
        return;
      case 'prompt':
        this.prompt = message.prompt;
        await this.restart([]);
        return;
      case 'insert':
        await this.insert();
        return;
      case 'compare':
        await this.compare(message.maxNewTokens);
        return;
      case 'lens':
        await this.lens();
        return;
      case 'train':
        void vscode.commands.executeCommand(TRAIN_COMMAND);
        return;
      case 'rendered':
        this.reports.push(message.report);
        if (this.reports.length > 50) this.reports.shift();
        for (const w of this.waiters.filter((x) => x.seq <= message.report.seq)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(message.report);
        }
        return;
    }
  }

  private async openSession(replay: number[], notice?: string): Promise<OpenLabResult> {
    try {
      const snapshot = await this.deps.engine.request('samplingOpen', { prompt: this.prompt, params: samplingParamsOf(this.params), ...(replay.length ? { replay } : {}) });
      this.session = snapshot.session;
      this.sessionModel = modelKey(this.deps.engine.currentModel);
      this.shownStep = undefined;
      this.postSnapshot(snapshot);
      if (notice) this.post({ type: 'message', kind: 'info', text: notice });
      return { ok: true, snapshot, seq: this.seq };
    } catch (error) {
      if (error instanceof EngineError && error.code === 'no-model') return this.noModel();
      if (replay.length) return this.openSession([], vscode.l10n.t('The steps saved with the lab do not fit the model any more: it starts again from the prompt.'));
      const message = this.fail(error);
      return { ok: false, reason: 'error', message };
    }
  }

  /** A new session on the prompt (after the requests before it), the old one closed; `replay`: its tokens. */
  private restart(replay: number[]): Promise<OpenLabResult> {
    return this.enqueue(async () => {
      await this.closeSession();
      return this.openSession(replay);
    });
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.snapshotNow = undefined;
    if (session !== undefined) await this.deps.engine.request('samplingClose', { session }).catch(() => undefined);
  }

  /** The view under the latest slider parameters; a drag's intermediate values are skipped. */
  private async viewLatest(): Promise<LabSnapshot | undefined> {
    this.pendingParams = this.params;
    if (this.viewing) return undefined;
    this.viewing = true;
    let last: LabSnapshot | undefined;
    try {
      while (this.pendingParams) {
        const params = this.pendingParams;
        this.pendingParams = undefined;
        last = await this.enqueue(() =>
          this.request(() => this.deps.engine.request('samplingView', { session: this.session!, params: samplingParamsOf(params), ...(this.shownStep !== undefined ? { at: this.shownStep } : {}) })),
        );
      }
    } finally {
      this.viewing = false;
    }
    return last;
  }

  private async request(run: () => Promise<LabSnapshot>): Promise<LabSnapshot | undefined> {
    if (this.session === undefined) return undefined;
    try {
      const snapshot = await run();
      this.postSnapshot(snapshot);
      return snapshot;
    } catch (error) {
      if (error instanceof EngineError && error.code === 'user' && this.session !== undefined) {
        // the worker dropped the session (the model changed): start again from the prompt
        this.session = undefined;
        await this.openSession([], error.message);
        return this.snapshotNow;
      }
      this.fail(error);
      return undefined;
    }
  }

  private postSnapshot(snapshot: LabSnapshot): void {
    this.snapshotNow = snapshot;
    this.seq += 1;
    this.post({ type: 'snapshot', seq: this.seq, snapshot, prompt: this.prompt, params: this.params, seed: this.seed, ...(this.shownStep !== undefined ? { shownStep: this.shownStep } : {}) });
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private post(message: LabToWebview): void {
    void this.page.post(message);
  }

  private noModel(): OpenLabResult {
    const message = vscode.l10n.t('There is no model yet: train one on your notes first, then the Sampling Lab shows how it picks the next token.');
    this.post({ type: 'noModel', text: message });
    void this.deps.notify.info(message, vscode.l10n.t('Train Model')).then((pick) => {
      if (pick) void vscode.commands.executeCommand(TRAIN_COMMAND);
    });
    return { ok: false, reason: 'no-model', message };
  }

  private fail(error: unknown): string {
    const message = vscode.l10n.t('The Sampling Lab could not ask the model: {0}', error instanceof Error ? error.message : String(error));
    this.deps.log.error(`${message}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`);
    this.post({ type: 'message', kind: 'error', text: message });
    return message;
  }
}
