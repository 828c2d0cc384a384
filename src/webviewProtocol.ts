// Every message between the extension and its webviews, in each direction, for every webview (one
// file, GitLens style). A webview's main.ts and its panel class import their entry of `WebviewMessages`
// so both ends are type-checked. Types only and tiny helpers: this file is bundled into webviews too.
//
// To add a webview: add `<name>: { toWebview: …; fromWebview: … }` to WebviewMessages and use
// `ToWebview<'name'>` / `FromWebview<'name'>` on both sides.

import type { BestModelInfo, CorpusInfo, ModelInfo, ModelToken, TrainEvent, TrainingPlanInfo, TrainResult } from './worker/protocol';
import type { ModelState } from './features/trainingFormat';

// ----------------------------------------------------------------------------------------------
// Training dashboard (viewType lmExplorer.dashboard)

/** One point of the loss curves. */
export interface LossPoint {
  step: number;
  loss: number;
  valLoss?: number;
  lr: number;
  tokensPerSecond: number;
  /** Wall-clock ms since the run started (a resumed run continues its time). */
  elapsedMs: number;
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
  drawn: boolean;
  /** The loss chart's marks (empty for the other charts). */
  marks: ChartMark[];
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
  | { type: 'rendered'; charts: ChartRender[]; page: DashboardPageReport; cspViolations: string[] };

// ----------------------------------------------------------------------------------------------
// Attention panel (viewType lmExplorer.attention): src/features/attentionPanel.ts ↔ webview/attention/

export type AttentionViewKind = 'head' | 'model' | 'layerMean' | 'query';

/** What the page shows; kept by the page (vscode.setState) and reported to the host on every change. */
export interface AttentionViewState {
  view: AttentionViewKind;
  /** 0-based layer, head and query token. */
  layer: number;
  head: number;
  query: number;
  /** Moving the editor's selection re-runs the panel on it (cursor: picks the query token). */
  follow: boolean;
  /** Colour scale: 0…1 linear, square root, or linear up to the map's largest weight. */
  scale: 'linear' | 'sqrt' | 'max';
  /** Model view filters: all layers/heads, or one. */
  layerFilter: number | 'all';
  headFilter: number | 'all';
}

/** Where the text came from: the serializer re-runs it after a reload. */
export interface AttentionSource {
  uri: string;
  /** Document offsets of the selection. */
  start: number;
  end: number;
}

export interface AttentionPayload {
  /** Increases with every computation; 'rendered' names the one it drew. */
  seq: number;
  /** Token labels (whitespace made visible: · → ↵) and IDs (the model's and the GPT encoding's), query = key order. */
  tokens: ModelToken[];
  nLayer: number;
  nHead: number;
  /**
   * weights[((layer * nHead + head) * T + query) * T + key]. To the panel they go as Uint16Array, each
   * weight × 65535 rounded (half the bytes of float32; ±0.000008, finer than the 3 decimals shown); the
   * HTML export keeps float32.
   */
  weights: Float32Array | Uint16Array;
  truncated: boolean;
  totalTokens: number;
  contextLength: number;
  /** "notes.md, lines 3–5" */
  sourceLabel: string;
  /** "tiny · 2 layers × 2 heads · step 40" */
  modelLabel: string;
  source?: AttentionSource;
}

export interface AttentionRenderReport {
  seq: number;
  view: AttentionViewKind;
  /** From the data's arrival in the page to the drawn frame. */
  renderMs: number;
  canvas: { width: number; height: number; variance: number; painted: number };
  /** The answer to 'selfCheck' (not a drawing of new data or a new view). */
  selfCheck?: boolean;
  /** The notice above the maps ('' when none): what was cut, that the text changed… */
  notice: string;
  /** The query token the page shows. */
  query: number;
}

export type AttentionStatusKind = 'loading' | 'empty' | 'no-model' | 'error' | 'stale';

export type AttentionToWebview =
  | { type: 'data'; data: AttentionPayload; view?: Partial<AttentionViewState> }
  /** A message instead of (or above) the maps; 'no-model' shows a Train button. */
  | { type: 'status'; kind: AttentionStatusKind; message: string }
  /** The editor's cursor is in token `index`: make it the query. */
  | { type: 'focusToken'; index: number }
  | { type: 'setView'; view: Partial<AttentionViewState> }
  /** Asks for the current view as a PNG (answered with 'png' carrying the same requestId). */
  | { type: 'requestPng'; requestId: number }
  /** Asks for the theme's colours for an HTML export (answered with 'saveHtml' carrying the requestId). */
  | { type: 'requestHtml'; requestId: number }
  /** Asks the page to measure its canvas (answered with 'rendered'). */
  | { type: 'selfCheck' };

export type AttentionFromWebview =
  | { type: 'ready' }
  | { type: 'rendered'; report: AttentionRenderReport }
  | { type: 'viewChanged'; view: AttentionViewState }
  /** A token was clicked: highlight it in the editor. */
  | { type: 'tokenClicked'; index: number }
  | { type: 'action'; action: 'refresh' | 'train' }
  /** The current view as a PNG data URL; without requestId the user clicked Save as PNG (ask where). */
  | { type: 'png'; dataUrl: string; name: string; requestId?: number }
  /** Save as HTML; the page sends the theme's colours so the export looks the same. */
  | { type: 'saveHtml'; themeVars: Record<string, string>; themeKind: string; requestId?: number }
  | { type: 'log'; message: string };

// ----------------------------------------------------------------------------------------------
// The map

export interface WebviewMessages {
  dashboard: { toWebview: DashboardToWebview; fromWebview: DashboardFromWebview };
  attention: { toWebview: AttentionToWebview; fromWebview: AttentionFromWebview };
}

export type WebviewName = keyof WebviewMessages;
export type ToWebview<N extends WebviewName> = WebviewMessages[N]['toWebview'];
export type FromWebview<N extends WebviewName> = WebviewMessages[N]['fromWebview'];

/** Whether a value received from a webview looks like a message (`type` string); each panel checks the rest. */
export function isWebviewMessage(value: unknown): value is { type: string } {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
