// Everything the attention page changes while it runs, in one object: what it shows (the view, kept with
// vscode.setState), the data and maps it draws, what the pointer is over, and the drawing's own bookkeeping.

import type { AttentionMaps } from '../../src/features/attention/core/attentionMaps';
import type { BarsLayout, GridLayout, HeatmapLayout } from '../../src/features/attention/core/mapLayout';
import type { AttentionPayload, AttentionSource, AttentionViewState } from '../../src/features/attention/protocol';
import type { Theme } from './draw';

/** What the pointer is over: a cell of the heatmap, a head of the model view, or a bar. */
export type Hover = { query: number; key: number } | { layer: number; head: number } | { row: number; key: number };

/** Where each part of the last drawn frame lies, for hit-testing. */
export type DrawnLayout =
  | { kind: 'heatmap'; layout: HeatmapLayout }
  | { kind: 'model'; grid: GridLayout; layers: number[]; heads: number[] }
  | { kind: 'bars'; layout: BarsLayout; rows: { layer: number; head: number }[] };

export interface PageState {
  view: AttentionViewState;
  /** Where the text came from (the serializer re-runs it after a reload). */
  source: AttentionSource | undefined;
  data: AttentionPayload | undefined;
  maps: AttentionMaps | undefined;
  hover: Hover | undefined;
  /** The computation whose drawing is to be reported to the host, and when its data arrived. */
  pendingReport: { seq: number; started: number } | undefined;
  tokenButtons: HTMLElement[];
  theme: Theme | undefined;
  lastLayout: DrawnLayout | undefined;
  drawScheduled: boolean;
}

export function createPageState(view: AttentionViewState, source: AttentionSource | undefined): PageState {
  return {
    view,
    source,
    data: undefined,
    maps: undefined,
    hover: undefined,
    pendingReport: undefined,
    tokenButtons: [],
    theme: undefined,
    lastLayout: undefined,
    drawScheduled: false,
  };
}
