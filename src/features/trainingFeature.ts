// Builds the training feature for extension.ts: the engine worker's client, the training controller,
// the status bar item, the dashboard (and its serializer), and the commands' handlers. Also the part
// of the extension's API object that the integration tests use.

import * as path from 'path';
import * as vscode from 'vscode';
import { readConfig } from '../config';
import type { DashboardState } from '../webviewProtocol';
import type { ModelInfo } from '../worker/protocol';
import { DashboardPanel, registerDashboardSerializer, type SelfCheckReport } from './dashboardPanel';
import { EngineClient, type WorkerDeath } from './engineClient';
import { TrainingController, TrainingStatusBar, type CorpusReport, type TrainOutcome, type TrainOverrides, type TrainRequest } from './training';
import type { ModelState } from './trainingFormat';

export interface TrainingFeature extends vscode.Disposable {
  engine: EngineClient;
  controller: TrainingController;
  statusBar: TrainingStatusBar;
  showDashboard(preserveFocus?: boolean): DashboardPanel;
  lastWorkerDeath(): WorkerDeath | undefined;
}

export function createTrainingFeature(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): TrainingFeature {
  let lastDeath: WorkerDeath | undefined;
  let controller: TrainingController | undefined;
  const engine = new EngineClient({
    workerPath: path.join(context.extensionPath, 'dist', 'worker.js'),
    modelDir: () => controller?.modelDir,
    backend: () => readConfig().engine.backend,
    log: (line) => log.info(`[engine] ${line}`),
    onWorkerDeath: (death) => {
      lastDeath = death;
      const during = death.inFlight.includes('train') ? ' Training stopped; the model keeps its last checkpoint.' : '';
      void vscode.window
        .showErrorMessage(`LM Explorer's engine stopped: ${death.reason}.${during} The next command starts a fresh engine.`, 'Show Output')
        .then((pick) => pick && log.show());
    },
  });
  controller = new TrainingController(context, engine, log);
  const statusBar = new TrainingStatusBar(controller);
  const serializer = registerDashboardSerializer(context.extensionUri, controller);
  const showDashboard = (preserveFocus = false) => DashboardPanel.createOrShow(context.extensionUri, controller!, preserveFocus);
  return {
    engine,
    controller,
    statusBar,
    showDashboard,
    lastWorkerDeath: () => lastDeath,
    dispose() {
      DashboardPanel.current?.dispose();
      serializer.dispose();
      statusBar.dispose();
      controller!.dispose();
      engine.dispose();
    },
  };
}

/** The commands of this feature, registered as `lmExplorer.<name>` (package.json lists the same). */
export const TRAINING_COMMANDS = {
  train: (f: TrainingFeature) => (request?: TrainRequest) => f.controller.train({ mode: 'ask', ...(isRequest(request) ? request : {}) }),
  resumeTraining: (f: TrainingFeature) => () => f.controller.train({ mode: 'resume' }),
  cancelTraining: (f: TrainingFeature) => () => f.controller.cancel(),
  resetModel: (f: TrainingFeature) => () => f.controller.reset(),
  exportModel: (f: TrainingFeature) => (target?: unknown) => f.controller.exportModel(target instanceof vscode.Uri ? target : undefined),
  loadModel: (f: TrainingFeature) => (source?: unknown) => f.controller.loadModel(source instanceof vscode.Uri ? source : undefined),
  showDashboard: (f: TrainingFeature) => () => {
    f.showDashboard();
  },
} satisfies Record<string, (f: TrainingFeature) => (...args: any[]) => unknown>;

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
    reset(options?: { confirm?: boolean }): Promise<boolean>;
    exportModel(target: vscode.Uri): Promise<string | undefined>;
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

export function trainingApi(f: TrainingFeature): TrainingApi {
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
      exportModel: (target) => c.exportModel(target),
      loadModel: (source) => c.loadModel(source),
      isTraining: () => c.isTraining,
      state: () => c.modelState,
      statusBarText: () => f.statusBar.text,
      statusBarTooltip: () => f.statusBar.tooltip,
      backendReport: () => c.backendReport,
      modelDir: () => c.modelDir,
      snapshot: () => c.snapshot(),
      onDidChangeState: c.onDidChangeState,
    },
    engine,
    dashboard: {
      show: async (options) => {
        const panel = f.showDashboard(options?.preserveFocus ?? false);
        await panel.whenReady();
      },
      isOpen: () => DashboardPanel.current !== undefined,
      selfCheck: async () => {
        const panel = DashboardPanel.current;
        if (!panel) throw new Error('The dashboard is not open.');
        return panel.selfCheck();
      },
      close: () => DashboardPanel.current?.dispose(),
    },
  };
}
