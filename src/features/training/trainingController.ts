// "Train a model on the workspace": collects the corpus, runs training in the engine worker with a
// progress notification (Cancel), keeps the status bar and the dashboard up to date, saves checkpoints in
// the workspace's storage (context.storageUri/model), and offers resume, reset, export and load (those two in
// modelTransfer.ts; what the Train command asks first in trainingPrompts.ts).

import { formatNumber, plural } from '../../l10n/format';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { readConfig } from '../../config';
import type { ModelKind } from '../../engine/model';
import { copyModelFolder, removeCheckpointFolder } from '../../engine/modelFolder';
import type { CorpusView, DashboardState, DashboardToWebview, DashboardView, LossPoint, RunView, SampleView } from './protocol';
import { EngineError, isCancelled, type BestModelInfo, type ModelInfo, type TrainEvent, type TrainResult } from '../../worker/engine/protocol';
import { defaultSamplePrompt } from './core/corpusFilter';
import type { Notifier } from '../../host/notifier';
import { checkpointKind, hasCheckpoint, type EngineClient } from '../../worker/engine/client';
import { formatLoss, progressLine, type ModelState } from './core/trainingFormat';
import { emptyHistory, HISTORY_FILE, HistoryWriter, readHistorySync, type HistoryFile } from './core/trainingHistory';
import { collectCorpus, type CorpusReport } from './trainingCorpus';
import type { ExportFormat } from './core/exportFolder';
import { trainParams, type TrainOverrides } from './core/trainParams';
import { checkpointStep, lastValLoss, readyState } from './core/modelStatus';
import { exportModel, loadModel, type ModelTransferHost } from './modelTransfer';
import { pickModelKind, waitForTrust } from './trainingPrompts';

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
  private readonly transferHost: ModelTransferHost;

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
    this.transferHost = {
      engine,
      notify,
      output,
      storageUri: this.storageUri,
      modelDir: this.modelDir,
      historyWriter: this.historyWriter,
      hasModel: () => this.hasModel(),
      isTraining: () => this.isTraining,
      history: () => this.history,
      adoptLoadedModel: async (history) => {
        this.history = history;
        await this.flushHistory();
        this.setState(this.readyState());
        this.post({ type: 'state', state: this.snapshot() });
      },
    };
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
            ...(lastValLoss(this.history) !== undefined ? { valLoss: lastValLoss(this.history) } : {}),
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

  /** The step of the saved checkpoint (config.json), if there is one. */
  savedStep(): number | undefined {
    return checkpointStep(this.modelDir);
  }

  private readyState(): ModelState {
    return readyState(this.history, this.hasModel(), () => this.savedStep());
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
  exportModel(target?: vscode.Uri, format?: ExportFormat): Promise<string | undefined> {
    return exportModel(this.transferHost, target, format);
  }

  /**
   * Loads a model from a folder (asks for one when not given) and makes it the workspace's model.
   * A folder that is not a model gets a message naming the problem, and the current model stays.
   */
  loadModel(source?: vscode.Uri): Promise<ModelInfo | undefined> {
    return loadModel(this.transferHost, source);
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
