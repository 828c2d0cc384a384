// The Model Inspector's messages between the extension (src/features/inspector/) and its page
// (webview/inspector/), both directions, with the guards each side applies to what it receives.
// Types only and small guards: this file is bundled into the page too.

import { INSPECT_VIEWS, type InspectAnswer, type InspectRequest, type InspectView } from '../../engine/inspect/types';
import type { ModelToken } from '../../worker/engine/protocol';

export type InspectorTab = InspectView;
export const INSPECTOR_TABS = INSPECT_VIEWS;

/** What the worker answers for the page: the engine's answers with the worker's token descriptions. */
export type InspectorAnswer = InspectAnswer<ModelToken>;

/** The model an answer is of, as the page names it. */
export interface InspectorModel {
  label: string;
  step: number;
  tokenizer: string;
  positional: 'learned' | 'sinusoidal';
}

export type InspectorStatusKind = 'loading' | 'error' | 'no-model' | 'stale';

/** What the page keeps with setState (and the host revives the panel from). */
export interface InspectorPageState {
  tab: InspectorTab;
  /** The last request of each tab, asked again after a reload. */
  requests: Partial<Record<InspectorTab, InspectRequest>>;
  /** Show all d values of the embedding rows, not the first 8. */
  expanded: boolean;
}

export interface CanvasReport {
  id: string;
  width: number;
  height: number;
  variance: number;
}

export interface InspectorRenderReport {
  seq: number;
  tab: InspectorTab;
  /** Page time from the answer's arrival to the drawn frame. */
  renderMs: number;
  canvases: CanvasReport[];
  /** Rows of the tab's main table. */
  rows: number;
}

export type InspectorToWebview =
  | { type: 'answer'; seq: number; answer: InspectorAnswer; request: InspectRequest; model: InspectorModel; reveal: boolean }
  | { type: 'status'; tab?: InspectorTab; kind: InspectorStatusKind; message: string }
  | { type: 'setTab'; tab: InspectorTab }
  | { type: 'requestPng'; requestId: number }
  | { type: 'selfCheck'; requestId: number };

export type InspectorFromWebview =
  | { type: 'ready'; state?: InspectorPageState }
  | { type: 'query'; request: InspectRequest }
  | { type: 'tab'; tab: InspectorTab }
  | { type: 'rendered'; report: InspectorRenderReport }
  | { type: 'openAttention'; layer: number }
  | { type: 'saveCsv'; tab: InspectorTab }
  | { type: 'savePng'; tab: InspectorTab; dataUrl: string; requestId?: number }
  | { type: 'selfCheck'; requestId: number; report: InspectorRenderReport };

export function isInspectorTab(value: unknown): value is InspectorTab {
  return typeof value === 'string' && (INSPECTOR_TABS as readonly string[]).includes(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A request as the page may send it: a known view, with the fields that view needs. */
export function isInspectRequest(value: unknown): value is InspectRequest {
  if (!isRecord(value) || !isInspectorTab(value.view)) return false;
  const text = (v: unknown) => typeof v === 'string';
  const query = (q: unknown) => isRecord(q) && (text(q.text) || Number.isInteger(q.id));
  switch (value.view) {
    case 'embeddings':
      return text(value.text);
    case 'nearest':
      return query(value.query);
    case 'analogy':
      return text(value.a) && text(value.b) && text(value.c);
    case 'architecture':
      return value.text === undefined || text(value.text);
    case 'compare':
      return query(value.query) && isRecord(value.against) && ['initial', 'latest', 'folder'].includes(value.against.kind as string);
  }
}

/** Structural check of what the page sent. */
export function isInspectorFromWebview(message: unknown): message is InspectorFromWebview {
  if (!isRecord(message)) return false;
  switch (message.type) {
    case 'ready':
      return message.state === undefined || isRecord(message.state);
    case 'query':
      return isInspectRequest(message.request);
    case 'tab':
    case 'saveCsv':
      return isInspectorTab(message.tab);
    case 'rendered':
      return isRecord(message.report);
    case 'openAttention':
      return Number.isInteger(message.layer);
    case 'savePng':
      return isInspectorTab(message.tab) && typeof message.dataUrl === 'string';
    case 'selfCheck':
      return Number.isInteger(message.requestId) && isRecord(message.report);
    default:
      return false;
  }
}

/** Structural check of what the host sent. */
export function isInspectorToWebview(message: unknown): message is InspectorToWebview {
  if (!isRecord(message)) return false;
  switch (message.type) {
    case 'answer':
      return Number.isInteger(message.seq) && isRecord(message.answer) && isRecord(message.model);
    case 'status':
      return typeof message.message === 'string';
    case 'setTab':
      return isInspectorTab(message.tab);
    case 'requestPng':
    case 'selfCheck':
      return Number.isInteger(message.requestId);
    default:
      return false;
  }
}
