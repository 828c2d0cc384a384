// The training feature: the engine worker's client, the training controller, the status bar item, the
// dashboard, their commands and the training part of the extension's API object.

import * as path from 'path';
import * as vscode from 'vscode';
import { readConfig } from '../../config';
import type { HostContext, Registered } from '../../host/feature';
import type { CommandTable } from '../../host/commands';
import type { TrainingCommand } from './core/commandNames';
import { EngineClient, type WorkerDeath } from '../../worker/engine/client';
import type { ModelInfo } from '../../worker/engine/protocol';
import type { ModelState } from './core/trainingFormat';
import { DashboardPanel, type SelfCheckReport } from './dashboardPanel';
import type { DashboardState, DashboardView } from './protocol';
import { TrainingController, type KeptModel, type TrainOutcome, type TrainRequest } from './trainingController';
import type { CorpusReport } from './trainingCorpus';
import type { TrainOverrides } from './core/trainParams';
import type { ExportFormat } from './core/exportFolder';
import { TrainingStatusBar } from './trainingStatusBar';

interface TrainingFeature {
  engine: EngineClient;
  controller: TrainingController;
  statusBar: TrainingStatusBar;
  dashboard: DashboardPanel;
  lastWorkerDeath(): WorkerDeath | undefined;
}

/** The training feature, and what the other features use of it: the engine's client and the workspace's model. */
export interface TrainingRegistration extends Registered<TrainingApi> {
  engine: EngineClient;
  controller: TrainingController;
}

export function register(ctx: HostContext): TrainingRegistration {
  const { extension: context, log } = ctx;
  let lastDeath: WorkerDeath | undefined;
  let controller: TrainingController | undefined;
  const engine = new EngineClient({
    workerPath: path.join(context.extensionPath, 'dist', 'worker.js'),
    language: vscode.env.language,
    modelDir: () => controller?.modelDir,
    backend: () => readConfig().engine.backend,
    log: (line) => log.info(`[engine] ${line}`),
    onWorkerDeath: (death) => {
      lastDeath = death;
      const message = death.inFlight.includes('train')
        ? vscode.l10n.t("LM Explorer's engine stopped: {0}. Training stopped; the model keeps its last checkpoint. The next command starts a fresh engine.", death.reason)
        : vscode.l10n.t("LM Explorer's engine stopped: {0}. The next command starts a fresh engine.", death.reason);
      void ctx.notify
        .error(message, vscode.l10n.t('Show Output'))
        .then((pick) => pick && log.show());
    },
  });
  controller = new TrainingController(context, engine, log, ctx.notify);
  const statusBar = new TrainingStatusBar(controller);
  const dashboard = new DashboardPanel(context.extensionUri, controller, log);
  context.subscriptions.push({
    dispose() {
      // the views before the controller they show, the engine last
      dashboard.dispose();
      statusBar.dispose();
      controller!.dispose();
      engine.dispose();
    },
  });
  const feature: TrainingFeature = { engine, controller, statusBar, dashboard, lastWorkerDeath: () => lastDeath };
  return { commands: trainingCommands(feature), api: trainingApi(feature), engine, controller };
}

function trainingCommands(f: TrainingFeature): CommandTable<TrainingCommand> {
  return {
    train: (request?: TrainRequest) => f.controller.train({ mode: 'ask', ...(isRequest(request) ? request : {}) }),
    resumeTraining: () => f.controller.train({ mode: 'resume' }),
    cancelTraining: () => f.controller.cancel(),
    resetModel: () => f.controller.reset(),
    exportModel: (target?: unknown, format?: unknown) => f.controller.exportModel(target instanceof vscode.Uri ? target : undefined, format === 'hf' || format === 'lmx' ? format : undefined),
    loadModel: (source?: unknown) => f.controller.loadModel(source instanceof vscode.Uri ? source : undefined),
    showDashboard: () => {
      f.dashboard.show();
    },
  };
}

function isRequest(value: unknown): value is TrainRequest {
  // A command run from a menu may get a Uri or nothing; only a plain object is a request.
  return typeof value === 'object' && value !== null && !(value instanceof vscode.Uri);
}

/** The training part of the extension's API object (for the integration tests and other extensions). */
export interface TrainingApi {
  training: {
    /** Collects the corpus from folders (default: the workspace folders) as training would, without training. */
    collectCorpus(roots?: vscode.Uri[], overrides?: Partial<TrainOverrides>): Promise<Omit<CorpusReport, 'corpus'> & { files: string[]; skipped: CorpusReport['corpus']['skipped'] }>;
    /** Trains (mode 'fresh' unless given); resolves when the run ends. */
    train(request?: TrainRequest): Promise<TrainOutcome>;
    /** Cancels the run in progress; resolves when it stopped (with its outcome). */
    cancel(): Promise<TrainOutcome | undefined>;
    /** kept: the kept models of Compare Causal and Bidirectional too (default: they stay). */
    reset(options?: { confirm?: boolean; kept?: boolean }): Promise<boolean>;
    /** The kept models (a model of the other kind that a fresh run replaced). */
    keptModels(): KeptModel[];
    /** format 'hf': a Hugging Face transformers folder (default 'lmx', an LM Explorer model folder). */
    exportModel(target: vscode.Uri, format?: ExportFormat): Promise<string | undefined>;
    loadModel(source: vscode.Uri): Promise<ModelInfo | undefined>;
    isTraining(): boolean;
    state(): ModelState;
    /** The status bar item's text. */
    statusBarText(): string;
    /** The status bar item's tooltip, as Markdown (it names the engine's backend after a run). */
    statusBarTooltip(): string;
    /** The engine's backend in the last run and everything it tried, with the reasons (undefined before a run). */
    backendReport(): TrainingController['backendReport'];
    /** Where the workspace's model lives (context.storageUri/model). */
    modelDir(): string;
    /** What the dashboard shows: status, model, corpus, run, loss points, samples. */
    snapshot(): DashboardState;
    /** Sets the dashboard's view choices (the loss unit), as the page does: a suite puts back what it found. */
    setView(view: DashboardView): void;
    onDidChangeState: vscode.Event<ModelState>;
  };
  /** The engine worker's client: request('attention' | 'complete' | 'nextTokens' | …, params). */
  engine: EngineClient & { lastWorkerDeath(): WorkerDeath | undefined };
  dashboard: {
    /** Opens (or reveals) the dashboard; resolves once the page has loaded its state. */
    show(options?: { preserveFocus?: boolean }): Promise<void>;
    isOpen(): boolean;
    /** Asks the page whether its charts have drawn, and what its CSP blocked. */
    selfCheck(): Promise<SelfCheckReport>;
    close(): void;
  };
}

function trainingApi(f: TrainingFeature): TrainingApi {
  const c = f.controller;
  const engine = Object.assign(f.engine, { lastWorkerDeath: () => f.lastWorkerDeath() });
  return {
    training: {
      collectCorpus: async (roots, overrides) => {
        const report = await c.collectCorpus(roots, overrides);
        return {
          view: report.view,
          ...(report.problem ? { problem: report.problem } : {}),
          files: report.corpus.files.map((file) => file.path),
          skipped: report.corpus.skipped,
        };
      },
      train: (request) => c.train({ mode: 'fresh', notification: true, ...request }),
      cancel: () => c.cancel(),
      reset: (options) => c.reset(options),
      keptModels: () => c.keptModels(),
      exportModel: (target, format) => c.exportModel(target, format ?? 'lmx'),
      loadModel: (source) => c.loadModel(source),
      isTraining: () => c.isTraining,
      state: () => c.modelState,
      statusBarText: () => f.statusBar.text,
      statusBarTooltip: () => f.statusBar.tooltip,
      backendReport: () => c.backendReport,
      modelDir: () => c.modelDir,
      snapshot: () => c.snapshot(),
      setView: (view) => c.setView(view),
      onDidChangeState: c.onDidChangeState,
    },
    engine,
    dashboard: {
      show: async (options) => {
        await f.dashboard.show(options?.preserveFocus ?? false).whenReady();
      },
      isOpen: () => f.dashboard.isOpen,
      selfCheck: () => f.dashboard.selfCheck(),
      close: () => f.dashboard.close(),
    },
  };
}
