// "Train a model on the workspace": collects the corpus, runs training in the engine worker with a
// progress notification (Cancel), keeps the status bar and the dashboard up to date, saves checkpoints in
// the workspace's storage (context.storageUri/model), and offers resume, reset, export and load.

import { formatNumber, plural } from '../../l10n/format';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { readConfig } from '../../config';
import type { ModelKind } from '../../engine/model';
import { HF_EXPORT_LAYOUT } from '../../engine/hf/exportHf';
import { copyModelFolder, removeCheckpointFolder } from '../../engine/modelFolder';
import type { CorpusView, DashboardState, DashboardToWebview, DashboardView, LossPoint, RunView, SampleView } from './protocol';
import { EngineError, isCancelled, type BestModelInfo, type ModelInfo, type TrainEvent, type TrainResult } from '../../worker/engine/protocol';
import { defaultSamplePrompt } from './core/corpusFilter';
import type { Notifier } from '../../host/notifier';
import { checkpointKind, hasCheckpoint, type EngineClient } from '../../worker/engine/client';
import { formatLoss, progressLine, type ModelState } from './core/trainingFormat';
import { emptyHistory, HISTORY_FILE, historyForLoadedModel, HistoryWriter, readHistorySync, type HistoryFile } from './core/trainingHistory';
import { collectCorpus, type CorpusReport } from './trainingCorpus';
import { exportFolder, HF_EXPORT_SUBFOLDER, type ExportFormat } from './core/exportFolder';
import { trainParams, type TrainOverrides } from './core/trainParams';

const MAX_POINTS = 4000;
const MAX_SAMPLES = 40;
/** Least time between two UI updates of a training run (notification, status bar, dashboard). */
const UI_INTERVAL_MS = 300;

export interface TrainRequest {
  /** Folders to take the corpus from (default: the workspace folders). */
  roots?: vscode.Uri[];
  /** 'ask' (the command): if a model exists, ask whether to resume or start over. */
  mode?: 'fresh' | 'resume' | 'ask';
  overrides?: Partial<TrainOverrides>;
  /** Show the progress notification (default true). */
  notification?: boolean;
}

/** A workspace model of the other kind, copied aside before a fresh run replaced it (Compare Causal and Bidirectional). */
export interface KeptModel {
  kind: ModelKind;
  dir: string;
}

export type TrainOutcome =
  | { status: 'completed' | 'cancelled' | 'time-limit'; message: string; result: TrainResult; corpus: CorpusView; kept?: KeptModel }
  | {
      status: 'no-workspace' | 'no-files' | 'no-usable-files' | 'no-model' | 'busy' | 'dismissed' | 'failed';
      message: string;
      corpus?: CorpusView;
    };

function storageRoot(context: vscode.ExtensionContext): vscode.Uri {
  // No folder open: there is no per-workspace storage; fall back to the global one.
  return context.storageUri ?? vscode.Uri.joinPath(context.globalStorageUri, 'no-workspace');
}

/** Thinning for long runs: keep every other point of the older half when there are too many. */
function thin(points: LossPoint[]): LossPoint[] {
  if (points.length <= MAX_POINTS) return points;
  const half = Math.floor(points.length / 2);
  return [...points.slice(0, half).filter((p, i) => i % 2 === 0 || p.valLoss !== undefined), ...points.slice(half)];
}

export class TrainingController implements vscode.Disposable {
  readonly storageUri: vscode.Uri;
  readonly modelDir: string;
  private state: ModelState = { kind: 'none' };
  private history: HistoryFile = emptyHistory();
  private readonly historyWriter = new HistoryWriter();
  private running: { cts: vscode.CancellationTokenSource; promise: Promise<TrainOutcome> } | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<ModelState>();
  private readonly postEmitter = new vscode.EventEmitter<DashboardToWebview>();
  private readonly disposables: vscode.Disposable[] = [];
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly contextKeys = new Map<string, boolean>();

  /** The engine's backend in the last run, and why it passed the others over (the status bar's tooltip). */
  backendReport: { backend: string; tried: { backend: string; ok: boolean; reason: string }[] } | undefined;

  /** The model state changed (status bar). */
  readonly onDidChangeState = this.stateEmitter.event;
  /** A message for the dashboard. */
  readonly onDidPost = this.postEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly engine: EngineClient,
    private readonly output: vscode.LogOutputChannel,
    private readonly notify: Notifier,
  ) {
    this.storageUri = storageRoot(context);
    this.modelDir = path.join(this.storageUri.fsPath, 'model');
    this.disposables.push(this.stateEmitter, this.postEmitter);
    this.restore();
  }

  get modelState(): ModelState {
    return this.state;
  }

  get isTraining(): boolean {
    return this.running !== undefined;
  }

  /** The dashboard's whole state. */
  snapshot(): DashboardState {
    const c = readConfig();
    return {
      status: this.state,
      ...(this.history.model ? { model: this.history.model } : {}),
      ...(this.history.corpus ? { corpus: this.history.corpus } : {}),
      ...(this.history.run ? { run: this.history.run } : {}),
      points: this.history.points,
      samples: this.history.samples,
      ...(this.history.plan ? { plan: this.history.plan } : {}),
      ...(this.history.note ? { note: this.history.note } : {}),
      view: this.view,
      settings: {
        preset: c.model.preset,
        steps: c.training.steps,
        minutes: c.training.minutes,
        batchSize: c.training.batchSize,
        learningRate: c.training.learningRate,
        tokenizer: c.model.tokenizer,
      },
    };
  }

  /** How the dashboard shows the curves (the page's choice, kept for the next time it opens). */
  get view(): DashboardView {
    const unit = this.context.workspaceState.get<unknown>(VIEW_KEY);
    return { unit: unit === 'bpb' ? 'bpb' : 'nats' };
  }

  setView(view: DashboardView): void {
    void this.context.workspaceState.update(VIEW_KEY, view.unit);
  }

  /** Whether the workspace has a saved model. */
  hasModel(): boolean {
    return hasCheckpoint(this.modelDir);
  }

  /** Collects the corpus from folders (default: the workspace folders) with the current settings. */
  collectCorpus(roots?: vscode.Uri[], overrides: Partial<TrainOverrides> = {}, token?: vscode.CancellationToken): Promise<CorpusReport> {
    return collectCorpus(this.output, roots, overrides, token);
  }

  // --------------------------------------------------------------------------------------------
  // Training

  /** Trains (or resumes); resolves when the run ends, with what happened. Never throws. */
  train(request: TrainRequest = {}): Promise<TrainOutcome> {
    if (this.running) {
      const message = vscode.l10n.t('A training run is already in progress.');
      const showDashboard = vscode.l10n.t('Show Dashboard');
      void this.notify.info(message, showDashboard).then((pick) => pick && vscode.commands.executeCommand('lmExplorer.showDashboard'));
      return Promise.resolve({ status: 'busy', message });
    }
    const cts = new vscode.CancellationTokenSource();
    const promise = this.runTraining(request, cts.token)
      .catch((error): TrainOutcome => {
        const message = error instanceof EngineError ? error.message : vscode.l10n.t('Training failed: {0}', (error as Error).message);
        this.output.error(`Training failed: ${(error as Error).stack ?? error}`);
        if (!(error instanceof EngineError && error.code === 'worker-died')) {
          void this.notify.error(message, vscode.l10n.t('Show Output')).then((p) => p && this.output.show());
        }
        return { status: 'failed', message };
      })
      .finally(() => {
        cts.dispose();
        if (this.running?.promise === promise) this.running = undefined;
        if (this.state.kind === 'training' || this.state.kind === 'preparing') this.setState(this.readyState());
        void this.flushHistory();
      });
    this.running = { cts, promise };
    return promise;
  }

  /** Cancels the run in progress (its checkpoint is saved); resolves when it has stopped. */
  async cancel(): Promise<TrainOutcome | undefined> {
    const run = this.running;
    if (!run) return undefined;
    run.cts.cancel();
    return run.promise;
  }

  private async runTraining(request: TrainRequest, token: vscode.CancellationToken): Promise<TrainOutcome> {
    const roots = request.roots ?? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri);
    if (roots.length === 0) {
      const message = vscode.l10n.t('Open a folder with your notes first: LM Explorer trains on the files of the workspace.');
      void this.notify.warn(message, vscode.l10n.t('Open Folder…')).then((p) => p && vscode.commands.executeCommand('vscode.openFolder'));
      return { status: 'no-workspace', message };
    }
    if (!vscode.workspace.isTrusted) {
      this.setState({ kind: 'preparing', message: vscode.l10n.t('waiting for workspace trust') });
      const trusted = await waitForTrust(token);
      if (!trusted) return { status: 'dismissed', message: vscode.l10n.t('Training was cancelled while waiting for workspace trust.') };
    }

    let mode = request.mode ?? 'ask';
    if (mode === 'ask') {
      if (this.hasModel()) {
        const step = this.history.model?.step ?? this.history.run?.step;
        const resume = vscode.l10n.t('Resume');
        const choice = await this.notify.ask(
          step
            ? plural(
                step,
                vscode.l10n.t(
                  'This workspace already has a model (trained {0} step). Continue training it, or start over with a new one? Starting over replaces it.|This workspace already has a model (trained {0} steps). Continue training it, or start over with a new one? Starting over replaces it.',
                  formatNumber(step),
                ),
              )
            : vscode.l10n.t('This workspace already has a model. Continue training it, or start over with a new one? Starting over replaces it.'),
          resume,
          vscode.l10n.t('Start Over'),
        );
        if (!choice) return { status: 'dismissed', message: vscode.l10n.t('Training was not started.') };
        mode = choice === resume ? 'resume' : 'fresh';
      } else {
        mode = 'fresh';
      }
      if (mode === 'fresh' && request.overrides?.kind === undefined) {
        const kind = await pickModelKind(readConfig().model.kind);
        if (!kind) return { status: 'dismissed', message: vscode.l10n.t('Training was not started.') };
        request = { ...request, overrides: { ...request.overrides, kind } };
      }
    }
    if (mode === 'resume' && !this.hasModel()) {
      const message = vscode.l10n.t('There is no model to resume in this workspace yet: train one first.');
      void this.notify.info(message, vscode.l10n.t('Train Model')).then((p) => p && vscode.commands.executeCommand('lmExplorer.train'));
      return { status: 'no-model', message };
    }

    const showNotification = request.notification ?? true;
    const run = (progress: vscode.Progress<{ message?: string; increment?: number }>, notificationToken?: vscode.CancellationToken) =>
      this.trainWithProgress(roots, mode as 'fresh' | 'resume', request.overrides ?? {}, token, progress, notificationToken);
    if (!showNotification) return run({ report: () => undefined });
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'LM Explorer', cancellable: true },
      (progress, notificationToken) => run(progress, notificationToken),
    );
  }

  private async trainWithProgress(
    roots: vscode.Uri[],
    mode: 'fresh' | 'resume',
    overrides: Partial<TrainOverrides>,
    token: vscode.CancellationToken,
    progress: vscode.Progress<{ message?: string; increment?: number }>,
    notificationToken: vscode.CancellationToken | undefined,
  ): Promise<TrainOutcome> {
    // One cancellation for the notification's Cancel, the API's cancel() and the dashboard's button.
    const cancelSource = new vscode.CancellationTokenSource();
    const subs = [token.onCancellationRequested(() => cancelSource.cancel())];
    if (notificationToken) subs.push(notificationToken.onCancellationRequested(() => cancelSource.cancel()));
    try {
      return await this.doTrain(roots, mode, overrides, cancelSource.token, progress);
    } finally {
      subs.forEach((s) => s.dispose());
      cancelSource.dispose();
    }
  }

  private async doTrain(
    roots: vscode.Uri[],
    mode: 'fresh' | 'resume',
    overrides: Partial<TrainOverrides>,
    token: vscode.CancellationToken,
    progress: vscode.Progress<{ message?: string; increment?: number }>,
  ): Promise<TrainOutcome> {
    const config = readConfig();
    const o: TrainOverrides = {
      ...config.model,
      ...config.training,
      backend: config.engine.backend,
      evalInterval: 0,
      seed: 1337,
      ...overrides,
    };

    this.setState({ kind: 'preparing', message: vscode.l10n.t('collecting files') });
    progress.report({ message: vscode.l10n.t('Collecting files…') });
    const report = await this.collectCorpus(roots, o, token);
    this.history.corpus = report.view;
    this.post({ type: 'corpus', corpus: report.view });
    if (report.problem) {
      const { status, message } = report.problem;
      const openSetting = vscode.l10n.t('Open Setting');
      const showOutput = vscode.l10n.t('Show Output');
      const buttons = status === 'no-files' ? [openSetting] : [showOutput, openSetting];
      void this.notify.warn(message, ...buttons).then((p) => {
        if (p === openSetting) void vscode.commands.executeCommand('workbench.action.openSettings', 'lmExplorer.training.include');
        if (p === showOutput) this.output.show();
      });
      this.setState(this.readyState());
      return { status, message, corpus: report.view };
    }
    if (token.isCancellationRequested) return { status: 'dismissed', message: vscode.l10n.t('Training was cancelled before it started.'), corpus: report.view };

    // The model's step so far, for a resume's target.
    const startStep = mode === 'resume' ? (this.savedStep() ?? 0) : 0;
    // 0 steps (auto): the engine sizes the run to the corpus; a set number is a total, extended on a resume past it.
    const steps = o.steps > 0 && mode === 'resume' && startStep >= o.steps ? startStep + o.steps : o.steps;
    const evalInterval = o.evalInterval; // 0: the engine's (about 40 validations a run)
    const samplePrompt = o.samplePrompt || defaultSamplePrompt(report.corpus.texts);

    await vscode.workspace.fs.createDirectory(this.storageUri);
    let kept: KeptModel | undefined;
    if (mode === 'fresh') {
      try {
        kept = await this.keepReplacedModel(o.kind);
      } catch (error) {
        const message = vscode.l10n.t('Training was not started: the workspace model could not be kept aside ({0}), and a new model of another kind would replace it.', (error as Error).message);
        this.output.error(message);
        void this.notify.error(message);
        this.setState(this.readyState());
        return { status: 'failed', message, corpus: report.view };
      }
      this.history = { ...emptyHistory(), corpus: report.view };
      this.post({ type: 'state', state: this.snapshot() });
    }
    const run: RunView = {
      steps,
      step: startStep,
      elapsedMs: mode === 'resume' ? (this.history.run?.elapsedMs ?? 0) : 0,
      ...(o.minutes > 0 ? { maxMinutes: o.minutes } : {}),
    };
    const elapsedBefore = run.elapsedMs;
    this.history.run = run;
    const skippedNote = report.view.skipped ? vscode.l10n.t(', {0} skipped (see Output)', formatNumber(report.view.skipped)) : '';
    progress.report({
      message: `${plural(report.view.files, vscode.l10n.t('Tokenizing {0} file|Tokenizing {0} files', formatNumber(report.view.files)))}${skippedNote}…`,
    });
    this.setState({ kind: 'training', step: startStep, steps });

    const params = trainParams({ documents: report.corpus.texts, mode, overrides: o, checkpointDir: this.modelDir, steps, evalInterval, samplePrompt });
    let reported = 0;
    let corpusLine = '';
    let lastUi = 0;
    const unsent: LossPoint[] = [];
    const onEvent = (event: TrainEvent) => {
      switch (event.kind) {
        case 'backend':
          run.backend = event.backend;
          this.backendReport = { backend: event.backend, tried: event.tried };
          this.stateEmitter.fire(this.state); // the status bar's tooltip names the backend
          break;
        case 'corpus': {
          const corpus = { ...report.view, tokens: event.corpus };
          this.history.corpus = corpus;
          corpusLine = `${plural(corpus.files, vscode.l10n.t('{0} file|{0} files', formatNumber(corpus.files)))}, ${plural(
            event.corpus.tokens,
            vscode.l10n.t('{0} token|{0} tokens', formatNumber(event.corpus.tokens)),
          )}${skippedNote}`;
          this.output.info(
            `Training on ${corpusLine}: vocabulary ${event.corpus.vocabSize} (${event.corpus.tokenizer}), ${event.corpus.trainTokens} training / ${event.corpus.valTokens} validation tokens.`,
          );
          progress.report({ message: vscode.l10n.t('{0}. Starting…', corpusLine) });
          this.post({ type: 'corpus', corpus });
          break;
        }
        case 'model':
          this.history.model = event.model;
          if (event.model.best) run.best = event.model.best;
          this.post({ type: 'model', model: event.model });
          break;
        case 'plan':
          this.history.plan = event.plan;
          this.output.info(`Training plan: ${event.plan.preset}, context ${event.plan.contextLength}, ${event.plan.steps} steps, batch ${event.plan.batchSize}, dropout ${event.plan.dropout}, patience ${event.plan.patience}.`);
          for (const reason of event.plan.reasons) this.output.info(`  ${reason}`);
          this.post({ type: 'plan', plan: event.plan });
          break;
        case 'best':
          this.keep({ step: event.step, valLoss: event.valLoss }, run);
          this.output.info(`Validation improved at step ${event.step} (${formatLoss(event.valLoss)}): kept that model (${event.dir}).`);
          this.post({ type: 'progress', points: unsent.splice(0), run: { ...run }, status: this.state });
          this.scheduleHistorySave();
          break;
        case 'progress': {
          const point: LossPoint = {
            step: event.step,
            loss: event.loss,
            lr: event.lr,
            tokensPerSecond: event.tokensPerSecond,
            elapsedMs: elapsedBefore + event.elapsedMs,
            ...(event.valLoss !== undefined ? { valLoss: event.valLoss } : {}),
            ...(event.accuracy !== undefined ? { accuracy: event.accuracy } : {}),
            ...(event.valAccuracy !== undefined ? { valAccuracy: event.valAccuracy } : {}),
          };
          this.history.points.push(point);
          this.history.points = thin(this.history.points);
          Object.assign(run, {
            step: event.step,
            steps: event.steps,
            elapsedMs: point.elapsedMs,
            tokensPerSecond: event.tokensPerSecond,
          });
          if (event.remainingMs !== undefined) run.remainingMs = event.remainingMs;
          if (event.masking) run.masking = event.masking;
          if (event.valLoss !== undefined && this.history.model) this.history.model = { ...this.history.model, valLoss: event.valLoss };
          if (event.best) this.keep(event.best, run);
          unsent.push(point);
          // The UI (notification, status bar, dashboard) is updated a few times a second at most, however
          // fast the steps come: every update is work for the extension host and the renderer.
          const now = Date.now();
          if (now - lastUi < UI_INTERVAL_MS && event.step < event.steps && event.valLoss === undefined) break;
          lastUi = now;
          const pct = Math.floor((100 * (event.step - startStep)) / Math.max(1, event.steps - startStep));
          progress.report({ message: `${progressLine(event)}${corpusLine ? ` — ${corpusLine}` : ''}`, increment: Math.max(0, pct - reported) });
          reported = Math.max(reported, pct);
          this.setState({
            kind: 'training',
            step: event.step,
            steps: event.steps,
            loss: event.loss,
            ...(this.lastValLoss() !== undefined ? { valLoss: this.lastValLoss() } : {}),
            ...(event.remainingMs !== undefined ? { remainingMs: event.remainingMs } : {}),
          });
          this.post({ type: 'progress', points: unsent.splice(0), run: { ...run }, status: this.state });
          break;
        }
        case 'sample': {
          const sample: SampleView = { step: event.step, prompt: event.prompt, text: event.text, ...(event.copied ? { copied: event.copied } : {}) };
          this.history.samples = [...this.history.samples.filter((s) => s.step !== sample.step), sample].slice(-MAX_SAMPLES);
          this.post({ type: 'sample', sample });
          break;
        }
        case 'checkpoint':
          this.output.info(`Checkpoint saved at step ${event.step} (${event.dir}).`);
          this.scheduleHistorySave();
          break;
      }
    };

    let result: TrainResult;
    try {
      result = await this.engine.request('train', params, { onEvent, token, awaitWorkerOnCancel: true });
    } catch (error) {
      if (isCancelled(error)) return { status: 'dismissed', message: vscode.l10n.t('Training was cancelled before it started.'), corpus: this.history.corpus! };
      if (error instanceof EngineError && (error.code === 'user' || error.code === 'checkpoint')) {
        void this.notify.error(error.message);
        this.setState(this.readyState());
        return { status: 'failed', message: error.message, corpus: this.history.corpus! };
      }
      if (error instanceof EngineError && error.code === 'worker-died') {
        run.stoppedBy = 'error';
        this.setState(this.readyState());
        return { status: 'failed', message: vscode.l10n.t('{0}. Training stopped; the last checkpoint is kept.', error.message), corpus: this.history.corpus! };
      }
      throw error;
    }
    this.history.model = result.model;
    run.step = result.step;
    run.stoppedBy = result.stoppedBy;
    if (result.best) this.keep(result.best, run);
    if (result.message) run.message = result.message;
    delete run.remainingMs;
    this.setState(this.readyState());
    this.post({ type: 'state', state: this.snapshot() });
    void this.flushHistory();
    const val = result.valLoss !== undefined ? vscode.l10n.t(', validation loss {0}', formatLoss(result.valLoss)) : '';
    const status = result.stoppedBy === 'cancel' ? 'cancelled' : result.stoppedBy === 'time' ? 'time-limit' : 'completed';
    // The engine's line says how the run ended and which model was kept (the best validation).
    const message = result.message ??
      (status === 'cancelled'
        ? vscode.l10n.t('Training cancelled at step {0}; the model is saved.', formatNumber(result.step))
        : status === 'time-limit'
          ? vscode.l10n.t('Training stopped at the time limit ({0} min) after step {1}{2}. The model is saved.', formatNumber(o.minutes), formatNumber(result.step), val)
          : vscode.l10n.t('Training finished: {0}{1}. The model is saved.', plural(result.step, vscode.l10n.t('{0} step|{0} steps', formatNumber(result.step))), val));
    this.output.info(message);
    // A run whose loss became NaN or infinite is a problem to see, not a success to note.
    const showDashboard = vscode.l10n.t('Show Dashboard');
    const shown = result.stoppedBy === 'diverged' ? this.notify.warn(message, showDashboard) : this.notify.info(message, showDashboard);
    void shown.then((p) => p && vscode.commands.executeCommand('lmExplorer.showDashboard'));
    return { status, message, result, corpus: this.history.corpus!, ...(kept ? { kept } : {}) };
  }

  /** Where the workspace keeps its last model of `kind` once a model of the other kind replaced it. */
  keptModelDir(kind: ModelKind): string {
    return path.join(this.storageUri.fsPath, `kept-${kind}`);
  }

  /** The kept models there are (see keepReplacedModel). */
  keptModels(): KeptModel[] {
    return (['decoder', 'encoder'] as const).map((kind) => ({ kind, dir: this.keptModelDir(kind) })).filter((k) => hasCheckpoint(k.dir));
  }

  /** The kind of the workspace's saved model (config.json; a model without one is a decoder), undefined without one. */
  workspaceModelKind(): ModelKind | undefined {
    if (!this.hasModel()) return undefined;
    // config.json missing means an interrupted save: the engine reads the copy beside it, and knows its kind
    return checkpointKind(this.modelDir) ?? (this.engine.currentModel ? (this.engine.currentModel.config.kind ?? 'decoder') : undefined);
  }

  /**
   * Before a fresh run of `kind` replaces a workspace model of the other kind, copies that model (with its
   * curves) to kept-<its kind>/, replacing the one kept there before, so that the two kinds can be compared.
   */
  private async keepReplacedModel(kind: ModelKind): Promise<KeptModel | undefined> {
    const old = this.workspaceModelKind();
    if (!old || old === kind) return undefined;
    const dir = this.keptModelDir(old);
    await this.historyWriter.settled();
    await copyModelFolder(this.modelDir, dir);
    if (this.history.points.length > 0) {
      await this.historyWriter.save(path.join(dir, HISTORY_FILE), this.history).catch((error) => this.output.warn(`The kept model has no training history: ${(error as Error).message}`));
    }
    this.output.info(`The workspace's ${old} model was kept in ${dir} before training a new ${kind}.`);
    void this.notify.info(
      old === 'encoder'
        ? vscode.l10n.t('The workspace encoder is kept in {0}: Compare Causal and Bidirectional shows it beside the new decoder.', dir)
        : vscode.l10n.t('The workspace decoder is kept in {0}: Compare Causal and Bidirectional shows it beside the new encoder.', dir),
    );
    return { kind: old, dir };
  }

  /** The kept model (the best validation so far) is the one of `best`. */
  private keep(best: BestModelInfo, run: RunView): void {
    run.best = best;
    if (this.history.model) this.history.model = { ...this.history.model, best };
  }

  private lastValLoss(): number | undefined {
    for (let i = this.history.points.length - 1; i >= 0; i--) {
      const v = this.history.points[i].valLoss;
      if (v !== undefined) return v;
    }
    return this.history.model?.valLoss;
  }

  /** The step of the saved checkpoint (config.json), if there is one. */
  savedStep(): number | undefined {
    try {
      const step = (JSON.parse(fs.readFileSync(path.join(this.modelDir, 'config.json'), 'utf8')) as { step?: unknown }).step;
      return typeof step === 'number' ? step : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Ready: the kept model's step and validation loss (the best validation of its run, when the engine kept
   * one), and the latest step, where Resume continues.
   */
  private readyState(): ModelState {
    if (!this.hasModel()) return { kind: 'none' };
    const last = this.history.points[this.history.points.length - 1];
    const latestStep = this.history.run?.step ?? this.history.model?.step ?? this.savedStep();
    const best = this.history.model?.best ?? this.history.run?.best;
    const step = best?.step ?? latestStep;
    const valLoss = best?.valLoss ?? this.lastValLoss();
    return {
      kind: 'ready',
      ...(step !== undefined ? { step } : {}),
      ...(valLoss !== undefined ? { valLoss } : {}),
      ...(last ? { loss: last.loss } : {}),
      ...(best ? { best: true } : {}),
      ...(latestStep !== undefined ? { latestStep } : {}),
    };
  }

  // --------------------------------------------------------------------------------------------
  // Model management

  /**
   * Deletes the workspace's model (after asking, unless confirm is false) and, when asked (`kept`, or the
   * dialog's second button), the kept models of Compare Causal and Bidirectional too; without that they stay.
   */
  async reset(options: { confirm?: boolean; kept?: boolean } = {}): Promise<boolean> {
    const keptModels = this.keptModels();
    let deleteKept = options.kept ?? false;
    if (options.confirm ?? true) {
      const deleteModel = vscode.l10n.t('Delete Model');
      const deleteAll = vscode.l10n.t('Delete Model and Kept Models');
      const question = vscode.l10n.t('Delete the model trained in this workspace? Its checkpoint and training history are removed; this cannot be undone.');
      const keptKinds = keptModels.map((k) => k.kind).join('+');
      const keptNote =
        keptKinds === 'decoder+encoder'
          ? vscode.l10n.t('The last decoder and the last encoder kept for Compare Causal and Bidirectional stay, unless you delete them too.')
          : keptKinds === 'decoder'
            ? vscode.l10n.t('The last decoder kept for Compare Causal and Bidirectional stays, unless you delete it too.')
            : vscode.l10n.t('The last encoder kept for Compare Causal and Bidirectional stays, unless you delete it too.');
      const choice = keptModels.length ? await this.notify.ask(`${question} ${keptNote}`, deleteModel, deleteAll) : await this.notify.ask(question, deleteModel);
      if (choice !== deleteModel && choice !== deleteAll) return false;
      deleteKept = choice === deleteAll;
    }
    await this.cancel();
    try {
      await this.engine.request('unload', {});
    } catch {
      // a dead worker holds no model either
    }
    await fs.promises.rm(this.modelDir, { recursive: true, force: true });
    // …and what an interrupted atomic save may have left beside it (model.tmp-*, model.old-*).
    const base = path.basename(this.modelDir);
    for (const name of await fs.promises.readdir(this.storageUri.fsPath).catch(() => [] as string[])) {
      if (name.startsWith(`${base}.tmp-`) || name.startsWith(`${base}.old-`)) {
        await fs.promises.rm(path.join(this.storageUri.fsPath, name), { recursive: true, force: true });
      }
    }
    this.history = emptyHistory();
    await this.historyWriter.settled(); // a save still in flight would bring the file back
    await fs.promises.rm(path.join(this.storageUri.fsPath, HISTORY_FILE), { force: true });
    if (deleteKept) {
      // only the checkpoint's own files: anything else someone put there stays
      for (const k of keptModels) await removeCheckpointFolder(k.dir).catch((error) => this.output.warn(`Could not delete ${k.dir}: ${(error as Error).message}`));
    }
    this.setState({ kind: 'none' });
    this.post({ type: 'state', state: this.snapshot() });
    this.output.info(deleteKept && keptModels.length ? 'The workspace model and its kept models were deleted.' : 'The workspace model was deleted.');
    return true;
  }

  /**
   * Saves the model to a folder (asks for one when not given), as an LM Explorer model folder or, with format
   * 'hf', as a Hugging Face transformers folder; without a target it also asks which. Returns the folder, or undefined.
   */
  async exportModel(target?: vscode.Uri, format?: ExportFormat): Promise<string | undefined> {
    if (!this.hasModel() && !this.engine.currentModel) {
      void this.notify.info(vscode.l10n.t('There is no model to export yet: train one first.'));
      return undefined;
    }
    if (!target && !format) {
      const choices: (vscode.QuickPickItem & { format: ExportFormat })[] = [
        { label: vscode.l10n.t('LM Explorer model folder'), detail: vscode.l10n.t('Load Model… and lmx open it; keeps the training state for Resume'), format: 'lmx' },
        {
          label: vscode.l10n.t('Hugging Face transformers folder'),
          detail: vscode.l10n.t('GPT2LMHeadModel.from_pretrained loads it; with its tokenizer, a model card and train_hf.py to train further on a GPU or a cluster'),
          format: 'hf',
        },
      ];
      const chosen = await vscode.window.showQuickPick(choices, { title: vscode.l10n.t('Export the model as') });
      if (!chosen) return undefined;
      format = chosen.format;
    }
    if (format === 'hf') return this.exportHf(target);
    const picked = await exportTarget(target, {
      openLabel: vscode.l10n.t('Export Model Here'),
      title: vscode.l10n.t('Export the model to a folder (a folder with other files in it gets a new lm-explorer-model subfolder)'),
    }, this.notify);
    if (!picked) return undefined;
    let dir: string | undefined;
    let model: ModelInfo;
    try {
      dir = await exportFolder(picked, (folder) => this.replaceModel(folder));
      if (!dir) return undefined;
      model = await this.engine.request('save', { dir });
    } catch (error) {
      void this.notify.error(vscode.l10n.t('Could not export the model to {0}: {1}', dir ?? picked, (error as Error).message));
      return undefined;
    }
    // The curves go with the model, so that loading it shows them again.
    try {
      if (this.history.points.length > 0) await this.historyWriter.save(path.join(dir, HISTORY_FILE), { ...this.history, model });
    } catch (error) {
      this.output.warn(`The model was exported without its training history: ${(error as Error).message}`);
    }
    const where = dir === picked ? dir : vscode.l10n.t('{0} ({1} holds other files, which were left as they are)', dir, picked);
    this.output.info(`Model exported to ${where}.`);
    void this.notify.info(vscode.l10n.t('Model exported to {0}. Try it from a terminal: lmx generate --model "{1}" --prompt "…"', where, dir));
    return dir;
  }

  /** Asks whether to replace the model already in `folder` with this one. */
  private async replaceModel(folder: string): Promise<boolean> {
    const replace = vscode.l10n.t('Replace Model');
    return (await this.notify.ask(vscode.l10n.t('{0} already holds a model. Replace it with this one?', folder), replace)) === replace;
  }

  /** Export for transformers (src/engine/hf/exportHf.ts), in the engine worker, with a progress notification. */
  private async exportHf(target?: vscode.Uri): Promise<string | undefined> {
    const picked = await exportTarget(target, {
      openLabel: vscode.l10n.t('Export Here'),
      title: vscode.l10n.t('Export for Hugging Face transformers (a folder with other files in it gets a new subfolder)'),
    }, this.notify);
    if (!picked) return undefined;
    let dir: string | undefined;
    try {
      dir = await exportFolder(picked, (folder) => this.replaceModel(folder), HF_EXPORT_LAYOUT, HF_EXPORT_SUBFOLDER);
      if (!dir) return undefined;
      const into = dir;
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Exporting the model for transformers…') },
        () => this.engine.request('exportHf', { dir: into }),
      );
    } catch (error) {
      void this.notify.error(vscode.l10n.t('Could not export the model to {0}: {1}', dir ?? picked, (error as Error).message));
      return undefined;
    }
    this.output.info(`Model exported for transformers to ${dir}.`);
    void this.notify.info(
      vscode.l10n.t('Model exported for transformers to {0}. Its README.md says how to load it, and train_hf.py trains it further.', dir),
    );
    return dir;
  }

  /**
   * Loads a model from a folder (asks for one when not given) and makes it the workspace's model.
   * A folder that is not a model gets a message naming the problem, and the current model stays.
   */
  async loadModel(source?: vscode.Uri): Promise<ModelInfo | undefined> {
    if (this.running) {
      void this.notify.warn(vscode.l10n.t('Stop the training run first: a model cannot be loaded while one is training.'));
      return undefined;
    }
    if (!source) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: vscode.l10n.t('Load Model'),
        title: vscode.l10n.t('Load a model folder (exported by LM Explorer, saved by lmx, or a Hugging Face GPT-2 folder)'),
      });
      if (!picked?.[0]) return undefined;
      source = picked[0];
    }
    const dir = source.fsPath;
    let model: ModelInfo;
    try {
      model = await this.engine.request('load', { dir, backend: readConfig().engine.backend });
    } catch (error) {
      const message = vscode.l10n.t('Could not load a model from {0}: {1} The current model is unchanged.', dir, (error as Error).message);
      this.output.warn(message);
      void this.notify.error(message);
      return undefined;
    }
    // Keep it: the loaded model becomes the workspace's model (the worker saves it atomically).
    await vscode.workspace.fs.createDirectory(this.storageUri);
    model = await this.engine.request('save', { dir: this.modelDir });
    const found = historyForLoadedModel(dir, model);
    this.history = 'history' in found ? { ...found.history, model } : { ...emptyHistory(), model, note: found.reason };
    if ('reason' in found) this.output.info(found.reason);
    // The kept model is now the loaded one: what the engine says of it, not what its old run said.
    if (this.history.run) {
      if (model.best) this.history.run.best = model.best;
      else delete this.history.run.best;
    }
    await this.flushHistory();
    this.setState(this.readyState());
    this.post({ type: 'state', state: this.snapshot() });
    const message = vscode.l10n.t('Loaded the model from {0} ({1} parameters, {2}).', dir, formatNumber(model.parameters.total), model.tokenizer);
    this.output.info(message);
    void this.notify.info(message);
    return model;
  }

  // The state, its context keys, the dashboard's messages and the history file

  private setState(state: ModelState): void {
    this.state = state;
    this.updateContextKeys();
    this.stateEmitter.fire(state);
    this.post({ type: 'status', status: state });
  }

  /** `lmExplorer.training` and `lmExplorer.hasModel`, for the command palette's `when` clauses. */
  private updateContextKeys(): void {
    const keys = { 'lmExplorer.training': this.state.kind === 'training' || this.state.kind === 'preparing', 'lmExplorer.hasModel': this.hasModel() };
    for (const [key, value] of Object.entries(keys)) {
      if (this.contextKeys.get(key) === value) continue;
      this.contextKeys.set(key, value);
      void vscode.commands.executeCommand('setContext', key, value);
    }
  }

  private post(message: DashboardToWebview): void {
    this.postEmitter.fire(message);
  }

  /** Reads the history file and finds the model a previous session left. */
  private restore(): void {
    // None yet, or unreadable: start empty.
    this.history = readHistorySync(path.join(this.storageUri.fsPath, HISTORY_FILE)) ?? emptyHistory();
    if (this.history.run && !this.history.run.stoppedBy) this.history.run.stoppedBy = 'error'; // the session ended mid-run
    delete this.history.run?.remainingMs;
    this.state = this.readyState();
    this.updateContextKeys();
    if (this.state.kind === 'ready') {
      const step = this.state.step !== undefined ? ` (step ${this.state.step})` : '';
      this.output.info(`Found the workspace's model${step} in ${this.modelDir}.`);
    }
  }

  private scheduleHistorySave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.flushHistory();
    }, 250);
  }

  /** Saves the history (atomically, after any save still in flight); never rejects. */
  private flushHistory(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    if (!this.hasModel() && this.history.points.length === 0) return Promise.resolve();
    return this.historyWriter
      .save(path.join(this.storageUri.fsPath, HISTORY_FILE), this.history)
      .catch((error) => this.output.warn(`Could not save the training history: ${(error as Error).message}`));
  }

  dispose(): void {
    this.running?.cts.cancel();
    void this.flushHistory();
    this.disposables.forEach((d) => d.dispose());
  }
}

const VIEW_KEY = 'lmExplorer.dashboard.lossUnit';

/** Resolves true once the workspace is trusted (telling the user training waits for it), false if cancelled. */
async function waitForTrust(token: vscode.CancellationToken): Promise<boolean> {
  void vscode.window
    .showWarningMessage(
      vscode.l10n.t('LM Explorer trains only in a trusted workspace: it reads every note in the folder. Training starts as soon as you trust this workspace.'),
      vscode.l10n.t('Manage Workspace Trust'),
    )
    .then((p) => p && vscode.commands.executeCommand('workbench.trust.manage'));
  return new Promise<boolean>((resolve) => {
    const subs: vscode.Disposable[] = [];
    const done = (value: boolean) => {
      subs.forEach((s) => s.dispose());
      resolve(value);
    };
    subs.push(vscode.workspace.onDidGrantWorkspaceTrust(() => done(true)));
    subs.push(token.onCancellationRequested(() => done(false)));
  });
}

/** The Train command's choice of model kind, the setting's first; undefined when dismissed. */
async function pickModelKind(setting: ModelKind): Promise<ModelKind | undefined> {
  const items: (vscode.QuickPickItem & { modelKind: ModelKind })[] = [
    {
      modelKind: 'decoder',
      label: vscode.l10n.t('Decoder (GPT)'),
      description: vscode.l10n.t('causal attention · predicts the next token'),
      detail: vscode.l10n.t('Inline completions, next-token probabilities, sampling: each token sees only the tokens before it.'),
    },
    {
      modelKind: 'encoder',
      label: vscode.l10n.t('Encoder (BERT)'),
      description: vscode.l10n.t('bidirectional attention · fills in masked words'),
      detail: vscode.l10n.t('Predict Masked Word: trained by masking 15% of the tokens (80% [MASK], 10% random, 10% unchanged); each token sees every token.'),
    },
  ];
  items.sort((a, b) => (a.modelKind === setting ? -1 : b.modelKind === setting ? 1 : 0));
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Train a new model on the workspace'),
    placeHolder: vscode.l10n.t('Which kind of model? (setting lmExplorer.model.kind: {0})', setting),
  });
  return picked?.modelKind;
}

/**
 * The folder an export goes to: `target`, or the one the user picks (undefined when they cancel); a folder that
 * is not on this machine's disk is refused with a message (undefined).
 */
async function exportTarget(target: vscode.Uri | undefined, dialog: { openLabel: string; title: string }, notify: Notifier): Promise<string | undefined> {
  if (!target) {
    const picked = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, ...dialog });
    if (!picked?.[0]) return undefined;
    target = picked[0];
  }
  if (target.scheme !== 'file') {
    void notify.error(vscode.l10n.t("The model can only be exported to a folder on this machine's disk, not {0}.", target.toString()));
    return undefined;
  }
  return target.fsPath;
}
