// The engine worker's sampling requests (the sampling lab, Show Token Surprise, the logit lens): parameters
// and results, as the host and the worker both see them. Types only, like protocol.ts.

import type { SamplingParams } from '../../engine/generate';
import type { CandidateBar, DistributionView, StepChoice, Strategy, ScoreTotals } from '../../engine/sampling/index';

/** A token as the views show it: its ID, its label (whitespace made visible, a byte piece as <C5>), its text. */
export interface LabToken {
  id: number;
  label: string;
  /** The token's text with whitespace as it is ('' for a special token or a piece of a character). */
  text: string;
}

export type LabBar = CandidateBar & LabToken;

export interface LabView extends Omit<DistributionView, 'bars'> {
  bars: LabBar[];
}

export interface LabStep extends LabToken {
  choice: StepChoice;
  params: SamplingParams;
  rawProb: number;
  filteredProb: number;
}

/** What the lab shows of a session: the next token's distribution, and the steps so far. */
export interface LabSnapshot {
  session: number;
  /** Tokens of the prompt the model sees (its end, at most the context length). */
  promptTokens: number;
  /** True when the prompt was longer than the context and only its end is used. */
  truncated: boolean;
  view: LabView;
  steps: LabStep[];
  /** The generated text, decoded (the prompt not included). */
  text: string;
}

export interface SamplingOpenParams {
  prompt: string;
  params: SamplingParams;
  bars?: number;
  /** Tokens to append at once (a restored page's steps, in order). */
  replay?: number[];
}

export interface SamplingStepParams {
  session: number;
  choice: StepChoice;
  params: SamplingParams;
  bars?: number;
}

export interface SamplingViewParams {
  session: number;
  params: SamplingParams;
  bars?: number;
  /** The distribution before step `at` (0: after the prompt) rather than the current one. */
  at?: number;
}

export interface LabRunToken extends LabToken {
  prob: number;
}

export interface LabRun {
  label: string;
  strategy: Strategy;
  tokens: LabRunToken[];
  text: string;
  repetition: number;
}

export interface SamplingCompareParams {
  prompt: string;
  strategies: Strategy[];
  maxNewTokens: number;
}

/** One layer's guess in the logit lens: the top tokens and their probabilities. */
export interface LensLayer {
  /** 0: the embeddings; i: after block i. */
  layer: number;
  top: (LabToken & { prob: number })[];
}

export interface ScoreParams {
  /** The document's text up to the end of what is scored (everything before it is context). */
  text: string;
  /** The UTF-16 range whose tokens get full details (the visible lines of the scored part). */
  detail: { start: number; end: number };
  /** Ranges to compute totals over (the selection or the document; a training and a validation part). */
  totals?: { start: number; end: number }[];
  /** Top guesses per detailed token (default 5). */
  topGuesses?: number;
}

export interface ScoredToken extends LabToken {
  start: number;
  end: number;
  prob: number;
  rank: number;
  surprisalBits: number;
  entropyBits: number;
  top: (LabToken & { prob: number })[];
}

export interface ScoreResult {
  tokens: ScoredToken[];
  /** One per range of `totals`. */
  totals?: ScoreTotals[];
  /** The model's context length and the stride of its windows (the hover says so). */
  contextLength: number;
  stride: number;
}

export interface SamplingRequests {
  samplingOpen: { params: SamplingOpenParams; result: LabSnapshot; event: never };
  samplingStep: { params: SamplingStepParams; result: LabSnapshot; event: never };
  samplingView: { params: SamplingViewParams; result: LabSnapshot; event: never };
  samplingUndo: { params: { session: number; params: SamplingParams; bars?: number }; result: LabSnapshot; event: never };
  samplingClose: { params: { session: number }; result: { closed: boolean }; event: never };
  samplingCompare: { params: SamplingCompareParams; result: { runs: LabRun[] }; event: never };
  logitLens: { params: { session: number; top?: number }; result: { layers: LensLayer[] }; event: never };
  score: { params: ScoreParams; result: ScoreResult; event: never };
  /** Where the validation part of a document begins when it is one of the training notes (UTF-16 offset). */
  validationSplit: { params: { text: string }; result: { start: number; valFraction: number }; event: never };
}

export const SAMPLING_REQUEST_NAMES = ['samplingOpen', 'samplingStep', 'samplingView', 'samplingUndo', 'samplingClose', 'samplingCompare', 'logitLens', 'score', 'validationSplit'] as const satisfies readonly (keyof SamplingRequests)[];
