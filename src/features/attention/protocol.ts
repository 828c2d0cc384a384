// The attention panel's messages (viewType lmExplorer.attention), both directions, with a guard per
// message: src/features/attention/attentionPanel.ts ↔ webview/attention/. Types and guards only: the
// page bundles this file too.

import { isNumber, isObject, isOptional, isString, messageGuard } from '../../host/webview/protocol';
import type { ModelToken } from '../../worker/engine/protocol';


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
  /** A decoder's attention is causal (nothing above the diagonal); an encoder's is bidirectional. Absent: causal. */
  causal?: boolean;
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
  /** 'compare': Compare Causal and Bidirectional on the panel's text. */
  | { type: 'action'; action: 'refresh' | 'train' | 'compare' }
  /** The current view as a PNG data URL; without requestId the user clicked Save as PNG (ask where). */
  | { type: 'png'; dataUrl: string; name: string; requestId?: number }
  /** Save as HTML; the page sends the theme's colours so the export looks the same. */
  | { type: 'saveHtml'; themeVars: Record<string, string>; themeKind: string; requestId?: number }
  | { type: 'log'; message: string };

const isRequestId = (value: unknown) => isOptional(value, isNumber);

/** Checks a message from the page. */
export const isAttentionFromWebview = messageGuard<AttentionFromWebview>({
  ready: () => true,
  rendered: (m) => isObject(m.report) && isNumber(m.report.seq),
  viewChanged: (m) => isObject(m.view),
  tokenClicked: (m) => isNumber(m.index),
  action: (m) => m.action === 'refresh' || m.action === 'train' || m.action === 'compare',
  png: (m) => isString(m.dataUrl) && isString(m.name) && isRequestId(m.requestId),
  saveHtml: (m) => isObject(m.themeVars) && isString(m.themeKind) && isRequestId(m.requestId),
  log: (m) => isString(m.message),
});

/** Checks a message from the extension (in the page). */
export const isAttentionToWebview = messageGuard<AttentionToWebview>({
  data: (m) => isObject(m.data) && isNumber(m.data.seq) && isOptional(m.view, isObject),
  status: (m) => isString(m.kind) && isString(m.message),
  focusToken: (m) => isNumber(m.index),
  setView: (m) => isObject(m.view),
  requestPng: (m) => isNumber(m.requestId),
  requestHtml: (m) => isNumber(m.requestId),
  selfCheck: () => true,
});
