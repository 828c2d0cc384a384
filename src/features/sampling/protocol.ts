// The messages between the sampling lab's page (webview/sampling/) and the extension host, both ways,
// typed, with the guards each side runs on what it receives. No `vscode` here: the page bundles this file.

import type { StepChoice, Strategy } from '../../engine/sampling/index';
import type { LabRun, LabSnapshot, LensLayer } from '../../worker/engine/samplingProtocol';

/** The engine worker's answers the page draws. */
export type { LabBar, LabRun, LabSnapshot, LabStep, LensLayer } from '../../worker/engine/samplingProtocol';

/** The sliders: temperature 0 … 2 (0 is greedy), top-k (0: off), top-p (1: off). */
export interface LabParams {
  temperature: number;
  topK: number;
  topP: number;
}

export const LAB_LIMITS = { temperature: { min: 0, max: 2, step: 0.05 }, topK: { min: 0, max: 100, step: 1 }, topP: { min: 0.01, max: 1, step: 0.01 } } as const;

export const DEFAULT_LAB_PARAMS: LabParams = { temperature: 1, topK: 0, topP: 1 };

/** What the page keeps across a reload (getState/setState) and gives back in `ready`. */
export interface LabPageState {
  prompt: string;
  params: LabParams;
  /** The seed the next Sample uses (shown; it moves on by one after each draw). */
  seed: number;
  /** The generated token IDs, replayed as picks when the lab is revived. */
  ids: number[];
  compareTokens: number;
}

/** A settings-shaped description of the strategies to compare (lmExplorer.sampling.compareStrategies). */
export type CompareStrategy = Strategy;

export type LabToWebview =
  | { type: 'snapshot'; seq: number; snapshot: LabSnapshot; prompt: string; params: LabParams; seed: number; shownStep?: number }
  | { type: 'compare'; runs: LabRun[]; strategies: CompareStrategy[] }
  | { type: 'lens'; layers: LensLayer[] }
  | { type: 'busy'; busy: boolean }
  | { type: 'message'; kind: 'error' | 'info'; text: string }
  | { type: 'noModel'; text: string };

export type LabFromWebview =
  | { type: 'ready'; state?: LabPageState }
  | { type: 'params'; params: LabParams }
  | { type: 'step'; choice: StepChoice; seed: number }
  | { type: 'undo' }
  | { type: 'showStep'; at?: number }
  | { type: 'prompt'; prompt: string }
  | { type: 'insert' }
  | { type: 'compare'; maxNewTokens: number }
  | { type: 'lens' }
  | { type: 'train' }
  | { type: 'rendered'; report: LabRenderReport };

/** What the page drew, for the tests and the benchmark: sent after every drawing. */
export interface LabRenderReport {
  /** The snapshot's sequence number it drew (the host numbers them). */
  seq: number;
  bars: number;
  /** Per chart: canvas size and luma variance (0: blank). */
  charts: { width: number; height: number; variance: number }[];
  steps: number;
  /** Time from the message's arrival to the drawn frame, ms. */
  renderMs: number;
  theme: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export function isLabParams(value: unknown): value is LabParams {
  if (!isRecord(value)) return false;
  const { temperature, topK, topP } = value;
  return (
    isFiniteNumber(temperature) &&
    temperature >= LAB_LIMITS.temperature.min &&
    temperature <= LAB_LIMITS.temperature.max &&
    Number.isInteger(topK) &&
    (topK as number) >= 0 &&
    isFiniteNumber(topP) &&
    topP > 0 &&
    topP <= 1
  );
}

function isStepChoice(value: unknown): value is StepChoice {
  if (!isRecord(value)) return false;
  if (value.kind === 'greedy') return true;
  if (value.kind === 'sample') return Number.isInteger(value.seed);
  if (value.kind === 'pick') return Number.isInteger(value.id) && (value.id as number) >= 0;
  return false;
}

export function isLabPageState(value: unknown): value is LabPageState {
  return (
    isRecord(value) &&
    typeof value.prompt === 'string' &&
    isLabParams(value.params) &&
    Number.isInteger(value.seed) &&
    Array.isArray(value.ids) &&
    value.ids.every((id) => Number.isInteger(id) && id >= 0) &&
    Number.isInteger(value.compareTokens)
  );
}

/** The host's check of a message from the page. */
export function isLabFromWebview(message: unknown): message is LabFromWebview {
  if (!isRecord(message)) return false;
  switch (message.type) {
    case 'ready':
      return message.state === undefined || isLabPageState(message.state);
    case 'params':
      return isLabParams(message.params);
    case 'step':
      return isStepChoice(message.choice) && Number.isInteger(message.seed);
    case 'showStep':
      return message.at === undefined || (Number.isInteger(message.at) && (message.at as number) >= 0);
    case 'prompt':
      return typeof message.prompt === 'string';
    case 'compare':
      return Number.isInteger(message.maxNewTokens) && (message.maxNewTokens as number) > 0 && (message.maxNewTokens as number) <= 256;
    case 'undo':
    case 'insert':
    case 'lens':
    case 'train':
      return true;
    case 'rendered':
      return isRecord(message.report) && Number.isInteger(message.report.seq);
    default:
      return false;
  }
}

/** The page's check of a message from the host. */
export function isLabToWebview(message: unknown): message is LabToWebview {
  if (!isRecord(message)) return false;
  switch (message.type) {
    case 'snapshot':
      return Number.isInteger(message.seq) && isRecord(message.snapshot) && typeof message.prompt === 'string' && isLabParams(message.params) && Number.isInteger(message.seed);
    case 'compare':
      return Array.isArray(message.runs);
    case 'lens':
      return Array.isArray(message.layers);
    case 'busy':
      return typeof message.busy === 'boolean';
    case 'message':
      return (message.kind === 'error' || message.kind === 'info') && typeof message.text === 'string';
    case 'noModel':
      return typeof message.text === 'string';
    default:
      return false;
  }
}

/** The engine's sampling parameters for the sliders (top-k 0 and top-p 1 mean no limit). */
export function samplingParamsOf(params: LabParams): { temperature: number; topK?: number; topP?: number } {
  return { temperature: params.temperature, ...(params.topK > 0 ? { topK: params.topK } : {}), ...(params.topP < 1 ? { topP: params.topP } : {}) };
}
