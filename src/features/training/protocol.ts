// The training dashboard's messages (viewType lmExplorer.dashboard), both directions, with a guard per
// message: src/features/training/dashboardPanel.ts ↔ webview/dashboard/. Types and guards only: the page
// bundles this file too.

import { isNumber, isObject, isOptional, isString, messageGuard } from '../../host/webview/protocol';
import type { BestModelInfo, CorpusInfo, MaskingRowToken, ModelInfo, TrainEvent, TrainingPlanInfo, TrainResult } from '../../worker/engine/protocol';
import type { ModelState } from './core/trainingFormat';

/** One point of the loss curves. */
export interface LossPoint {
  step: number;
  loss: number;
  valLoss?: number;
  lr: number;
  tokensPerSecond: number;
  /** Wall-clock ms since the run started (a resumed run continues its time). */
  elapsedMs: number;
  /** An encoder's accuracy at the masked positions of the step's batch. */
  accuracy?: number;
  /** An encoder's accuracy at the masked positions of the validation part (its fixed mask). */
  valAccuracy?: number;
}

export interface SampleView {
  step: number;
  prompt: string;
  text: string;
  /** The longest run of the sample's tokens found verbatim in the training text (8 tokens or more). */
  copied?: Extract<TrainEvent, { kind: 'sample' }>['copied'];
}

/** The corpus as collected from the workspace plus, once tokenized, as the engine counted it. */
export interface CorpusView {
  files: number;
  bytes: number;
  skipped: number;
  /** "2 are binary (contain NUL bytes), 1 is not valid UTF-8". */
  skippedSummary: string;
  include: string;
  tokens?: CorpusInfo;
}

export interface RunView {
  steps: number;
  step: number;
  elapsedMs: number;
  remainingMs?: number;
  tokensPerSecond?: number;
  maxMinutes?: number;
  backend?: string;
  stoppedBy?: TrainResult['stoppedBy'] | 'error';
  /** The best validation so far: the model that is kept. */
  best?: BestModelInfo;
  /** Why the run ended and which model was kept, one line (TrainResult.message). */
  message?: string;
  /** An encoder's: one row of the latest batch, each position with what masking did to it. */
  masking?: MaskingRowToken[];
}

export interface DashboardState {
  status: ModelState;
  model?: ModelInfo;
  corpus?: CorpusView;
  run?: RunView;
  points: LossPoint[];
  samples: SampleView[];
  /** What the run was built with and why (the engine's `auto` budget). */
  plan?: TrainingPlanInfo;
  /** Why there are no curves for this model (one loaded without its training history). */
  note?: string;
  /** The page's own choices, kept by the host too so that a closed and reopened dashboard shows them. */
  view?: DashboardView;
  /** The workspace's settings for a new run, shown beside the buttons. */
  settings?: { preset: string; steps: number; minutes: number; batchSize: number; learningRate: number; tokenizer: string };
}

/** How the page shows the loss: nats per token, or bits per byte (comparable across tokenizers and with compressors). */
export type LossUnit = 'nats' | 'bpb';

export interface DashboardView {
  unit: LossUnit;
}

/** A mark the loss chart drew, with where it drew it and what the canvas holds there (for the tests). */
export interface ChartMark {
  kind: 'best' | 'kept' | 'uniform' | 'memorising';
  /** The step (best, kept) or the first step (memorising). */
  step?: number;
  /** The last step (memorising). */
  toStep?: number;
  /** The value in the chart's unit (best, kept, uniform). */
  value?: number;
  /** The region looked at, in canvas pixels. */
  box: { left: number; top: number; width: number; height: number };
  /** Pixels of the mark's colour in the region, and the region's size. */
  pixels: number;
  area: number;
  drawn: boolean;
}

export interface ChartRender {
  id: string;
  width: number;
  height: number;
  /** Whether the first series has pixels of its colour in the plotting area. */
  drawn: boolean;
  /** The loss chart's marks (empty for the other charts). */
  marks: ChartMark[];
  /** Each series: its legend label, the values it was given (one per step, null where none) and its pixels. */
  series: { label: string; values: (number | null)[]; pixels: number }[];
  /** The y axis's caption ('' when none). */
  yLabel: string;
  /** The canvas's accessible name: what the chart shows, in words ('' when it has none). */
  summary: string;
}

/** What the page shows besides the charts, read back from its own elements. */
export interface DashboardPageReport {
  unit: LossUnit;
  /** Whether bits per byte can be shown (the corpus's byte counts are known). */
  bpbAvailable: boolean;
  /** The kept-model line of the model card ('' when none). */
  kept: string;
  /** The memorising stretches named under the loss chart. */
  memorising: string[];
  /** The stop message ('' when none). */
  stopMessage: string;
  /** The plan's lines (what `auto` chose and why). */
  plan: string[];
  /** Samples flagged "copied from your notes". */
  copiedSamples: number;
  /** The model card's "trained steps". */
  trainedSteps: string;
  /** The note shown when there are no curves ('' when none). */
  note: string;
  /** Whether the page shows the model as an encoder (masked-language model). */
  encoder: boolean;
  /** The units the loss's unit choice offers (none when it is not shown: an encoder's loss is per masked token). */
  unitChoices: LossUnit[];
  /** The loss card's title (it names the unit). */
  lossTitle: string;
  /** The note under the loss chart on the uniform guess ('' when none). */
  uniformNote: string;
}

export type DashboardCommand = 'train' | 'resume' | 'cancel' | 'reset' | 'export' | 'load' | 'settings';

export type DashboardToWebview =
  /** The whole state: on load, on reload after a restart, after a reset. */
  | { type: 'state'; state: DashboardState }
  /** New loss points (batched) and the run's numbers. */
  | { type: 'progress'; points: LossPoint[]; run: RunView; status: ModelState }
  | { type: 'sample'; sample: SampleView }
  | { type: 'status'; status: ModelState }
  | { type: 'model'; model: ModelInfo | undefined }
  | { type: 'corpus'; corpus: CorpusView }
  | { type: 'plan'; plan: TrainingPlanInfo }
  /** Asks the page to report whether its charts have drawn (answered with 'rendered'; used by tests). */
  | { type: 'selfCheck' };

export type DashboardFromWebview =
  /** The page loaded and listens (the host answers with 'state'). */
  | { type: 'ready' }
  | { type: 'command'; command: DashboardCommand }
  /** The user changed how the page shows something (the host keeps it for the next time it opens). */
  | { type: 'viewChanged'; view: DashboardView }
  /**
   * Result of a page self-check (tests): whether each chart canvas has drawn pixels and the loss chart's
   * marks, what the page shows beside them, and any CSP violations seen.
   */
  | { type: 'rendered'; charts: ChartRender[]; page: DashboardPageReport; cspViolations: string[] }
  /** An error in the page, for the output channel. */
  | { type: 'log'; message: string };

const DASHBOARD_COMMANDS: readonly DashboardCommand[] = ['train', 'resume', 'cancel', 'reset', 'export', 'load', 'settings'];
const isModelState = (value: unknown): value is ModelState => isObject(value) && isString(value.kind);

/** Checks a message from the page. */
export const isDashboardFromWebview = messageGuard<DashboardFromWebview>({
  ready: () => true,
  command: (m) => (DASHBOARD_COMMANDS as readonly unknown[]).includes(m.command),
  viewChanged: (m) => isObject(m.view),
  rendered: (m) => Array.isArray(m.charts) && isObject(m.page) && isOptional(m.cspViolations, Array.isArray),
  log: (m) => isString(m.message),
});

/** Checks a message from the extension (in the page). */
export const isDashboardToWebview = messageGuard<DashboardToWebview>({
  state: (m) => isObject(m.state),
  progress: (m) => Array.isArray(m.points) && isObject(m.run) && isModelState(m.status),
  sample: (m) => isObject(m.sample) && isNumber(m.sample.step),
  status: (m) => isModelState(m.status),
  model: (m) => isOptional(m.model, isObject),
  corpus: (m) => isObject(m.corpus),
  plan: (m) => isObject(m.plan),
  selfCheck: () => true,
});
