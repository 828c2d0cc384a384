// The messages of Compare Causal and Bidirectional (viewType lmExplorer.compareAttention), both directions,
// with a guard per message: src/features/compare/comparePanel.ts ↔ webview/compare/. Types and guards only:
// the page bundles this file too.

import { isNumber, isObject, isOptional, isString, messageGuard } from '../../host/webview/protocol';
import type { ModelKind } from '../../engine/model';
import type { ModelToken } from '../../worker/engine/protocol';

/** The two kinds, in the order the page shows them: the causal decoder left, the bidirectional encoder right. */
export const COMPARE_KINDS = ['decoder', 'encoder'] as const satisfies readonly ModelKind[];

export const isModelKind = (value: unknown): value is ModelKind => value === 'decoder' || value === 'encoder';

/** One side's chosen head (0-based). */
export interface CompareHead {
  layer: number;
  head: number;
}

/** What the page shows; kept by the page (vscode.setState) and reported to the host on every change. */
export type CompareViewState = Record<ModelKind, CompareHead>;

/** Where the text came from: the serializer runs it again after a reload. */
export interface CompareSource {
  uri: string;
  /** Document offsets of the text. */
  start: number;
  end: number;
}

/** Where a side's model comes from. */
export type CompareModelOrigin = 'workspace' | 'kept' | 'folder';

/** One side with its model's maps. */
export interface CompareSideData {
  status: 'ready';
  kind: ModelKind;
  origin: CompareModelOrigin;
  /** The model's folder, for the page's line under the heading. */
  dir: string;
  /** "2 layers × 2 heads · context 64 · o200k_base · step 40" */
  modelLabel: string;
  /** Token labels (whitespace made visible), query = key order. */
  tokens: ModelToken[];
  nLayer: number;
  nHead: number;
  /** weights[((layer * nHead + head) * T + query) * T + key] × 65535, rounded (attentionMaps.quantize16). */
  weights: Uint16Array;
  truncated: boolean;
  totalTokens: number;
  contextLength: number;
}

/** A side without a model (none of that kind yet) or whose model could not be read: the page offers what to do. */
export interface CompareSideMissing {
  status: 'missing' | 'error';
  kind: ModelKind;
  message: string;
}

export type CompareSide = CompareSideData | CompareSideMissing;

export interface ComparePayload {
  /** Increases with every computation; 'rendered' names the one it drew. */
  seq: number;
  /** "notes.md, lines 3–5" */
  sourceLabel: string;
  source?: CompareSource;
  sides: Record<ModelKind, CompareSide>;
}

/** What the page measured of one side's drawn heatmap. */
export interface CompareSideReport {
  layer: number;
  head: number;
  T: number;
  canvas: { width: number; height: number; variance: number; painted: number };
  /**
   * Of the cells above (below and on) the diagonal, the share whose pixel on the canvas has the colour of the
   * cell's weight: an encoder's are all painted; a decoder's upper triangle is the masked hatch instead (0).
   */
  upperPainted: number;
  lowerPainted: number;
  /** The kind as the side's heading names it, and its explanation line. */
  heading: string;
  explanation: string;
}

export interface CompareRenderReport {
  seq: number;
  /** The sides drawn; a missing side is in `missing` with the message the page shows. */
  sides: Partial<Record<ModelKind, CompareSideReport>>;
  missing: Partial<Record<ModelKind, { message: string; buttons: string[] }>>;
  /** Whether the two sides stand next to each other (a narrow panel puts the encoder below the decoder). */
  sideBySide: boolean;
  /** The answer to 'selfCheck' (not a drawing of new data or a new view). */
  selfCheck?: boolean;
}

export type CompareStatusKind = 'loading' | 'empty' | 'error';

export type CompareToWebview =
  | { type: 'data'; data: ComparePayload; view?: Partial<CompareViewState> }
  /** A message instead of (or above) the maps. */
  | { type: 'status'; kind: CompareStatusKind; message: string }
  | { type: 'setView'; view: Partial<CompareViewState> }
  /** Asks the page to measure its canvases (answered with 'rendered'). */
  | { type: 'selfCheck' };

export type CompareAction = 'train' | 'chooseFolder';

export type CompareFromWebview =
  | { type: 'ready' }
  | { type: 'rendered'; report: CompareRenderReport }
  | { type: 'viewChanged'; view: CompareViewState }
  /** A missing side's buttons: train a model of that kind on the notes, or pick a model folder for it. */
  | { type: 'action'; action: CompareAction; kind: ModelKind }
  | { type: 'refresh' }
  | { type: 'log'; message: string };

const isHead = (value: unknown) => isObject(value) && isNumber(value.layer) && isNumber(value.head);
const isView = (value: unknown) => isObject(value) && isHead(value.decoder) && isHead(value.encoder);
const isPartialView = (value: unknown): value is Partial<CompareViewState> => isObject(value) && isOptional(value.decoder, isObject) && isOptional(value.encoder, isObject);

/** Checks a message from the page. */
export const isCompareFromWebview = messageGuard<CompareFromWebview>({
  ready: () => true,
  rendered: (m) => isObject(m.report) && isNumber(m.report.seq) && isObject(m.report.sides),
  viewChanged: (m) => isView(m.view),
  action: (m) => (m.action === 'train' || m.action === 'chooseFolder') && isModelKind(m.kind),
  refresh: () => true,
  log: (m) => isString(m.message),
});

/** Checks a message from the extension (in the page). */
export const isCompareToWebview = messageGuard<CompareToWebview>({
  data: (m) => isObject(m.data) && isNumber(m.data.seq) && isObject(m.data.sides) && isOptional(m.view, isPartialView),
  status: (m) => isString(m.kind) && isString(m.message),
  setView: (m) => isPartialView(m.view),
  selfCheck: () => true,
});
