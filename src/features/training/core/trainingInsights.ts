// What the training dashboard reads out of a run's curves: the best validation point, the stretches in
// which the model memorises its notes (validation rises while training loss falls), the loss in bits per
// byte, the uniform guess, and where a sample repeats the notes. Pure functions, no `vscode` import:
// unit-tested in plain Node and bundled into the dashboard page.

import * as l10n from '@vscode/l10n';
import { formatFixed, formatNumber } from '../../../l10n/format';

/** A point of the loss curves (LossPoint in src/features/training/protocol.ts is one). */
export interface CurvePoint {
  step: number;
  /** Training loss, nats per token. */
  loss: number;
  /** Validation loss, nats per token, at the steps where it was measured. */
  valLoss?: number;
}

/** The token and byte counts of the corpus's two parts (CorpusInfo in src/worker/engine/protocol.ts is one). */
export interface CorpusSizes {
  trainTokens: number;
  valTokens: number;
  trainBytes?: number;
  valBytes?: number;
}

/**
 * A loss in nats per token as bits per byte: loss · tokens / (bytes · ln 2). Bits per byte do not depend on
 * the tokenizer, so they compare across tokenizers and with file compressors on the same text.
 */
export function bitsPerByte(nats: number, tokens: number, bytes: number): number {
  return (nats * tokens) / (bytes * Math.LN2);
}

/** Factors from nats per token to bits per byte for each part; undefined without byte counts. */
export function bitsPerByteFactors(corpus: CorpusSizes | undefined): { train: number; val: number } | undefined {
  if (!corpus) return undefined;
  const { trainTokens, valTokens, trainBytes, valBytes } = corpus;
  if (!(trainBytes && trainBytes > 0 && valBytes && valBytes > 0 && trainTokens > 0 && valTokens > 0)) return undefined;
  return { train: bitsPerByte(1, trainTokens, trainBytes), val: bitsPerByte(1, valTokens, valBytes) };
}

/** The loss of a model that gives every token of the vocabulary the same probability: ln V nats per token. */
export function uniformLoss(vocabSize: number): number {
  return Math.log(vocabSize);
}

/** The lowest validation loss of the curves and its step (the earliest, when the lowest repeats). */
export function bestValidation(points: readonly CurvePoint[]): { step: number; valLoss: number } | undefined {
  let best: { step: number; valLoss: number } | undefined;
  for (const p of points) {
    if (p.valLoss === undefined || !Number.isFinite(p.valLoss)) continue;
    if (!best || p.valLoss < best.valLoss) best = { step: p.step, valLoss: p.valLoss };
  }
  return best;
}

/** A stretch of training in which validation rose above its best while training loss fell. */
export interface MemorisingStretch {
  /** The step of the best validation before the rise (where the stretch starts). */
  fromStep: number;
  /** The last evaluation before validation beat that best again, or the run's last one. */
  toStep: number;
  bestValLoss: number;
  /** The highest validation loss within the stretch. */
  peakValLoss: number;
  /** Training loss (averaged over the steps since the evaluation before) at the two ends. */
  trainLossFrom: number;
  trainLossTo: number;
}

export interface MemorisingOptions {
  /** Evaluations after the best that a stretch needs (one higher reading may be noise). Default 2. */
  minEvaluations?: number;
  /** How far above its best validation must rise: the larger of this many nats… Default 0.02. */
  minRise?: number;
  /** …and this share of the best. Default 0.01. */
  minRelativeRise?: number;
}

/**
 * The stretches in which the model memorises its notes instead of learning from them: from a best
 * validation loss, through every evaluation that does not beat it, when validation rose clearly above it
 * (at least two evaluations, by max(0.02 nats, 1%)) while the training loss fell. The training loss at an
 * evaluation is the mean over the steps since the evaluation before, because single steps are noisy.
 */
export function memorisingStretches(points: readonly CurvePoint[], options: MemorisingOptions = {}): MemorisingStretch[] {
  const minEvaluations = options.minEvaluations ?? 2;
  const minRise = options.minRise ?? 0.02;
  const minRelativeRise = options.minRelativeRise ?? 0.01;
  // Each evaluation with the mean training loss of the points since the previous evaluation.
  const evals: { step: number; valLoss: number; trainLoss: number }[] = [];
  let sum = 0;
  let count = 0;
  for (const p of points) {
    if (Number.isFinite(p.loss)) {
      sum += p.loss;
      count++;
    }
    if (p.valLoss === undefined || !Number.isFinite(p.valLoss)) continue;
    evals.push({ step: p.step, valLoss: p.valLoss, trainLoss: count > 0 ? sum / count : p.loss });
    sum = 0;
    count = 0;
  }
  const stretches: MemorisingStretch[] = [];
  const close = (best: number, last: number) => {
    if (last - best < minEvaluations) return;
    const from = evals[best];
    const after = evals.slice(best + 1, last + 1);
    const peak = after.reduce((highest, e) => Math.max(highest, e.valLoss), -Infinity);
    const to = evals[last];
    const rose = peak - from.valLoss >= Math.max(minRise, minRelativeRise * Math.abs(from.valLoss));
    const fell = to.trainLoss < from.trainLoss;
    if (rose && fell) {
      stretches.push({
        fromStep: from.step,
        toStep: to.step,
        bestValLoss: from.valLoss,
        peakValLoss: peak,
        trainLossFrom: from.trainLoss,
        trainLossTo: to.trainLoss,
      });
    }
  };
  let best = -1;
  for (let i = 0; i < evals.length; i++) {
    if (best < 0 || evals[i].valLoss < evals[best].valLoss) {
      if (best >= 0) close(best, i - 1);
      best = i;
    }
  }
  if (best >= 0) close(best, evals.length - 1);
  return stretches;
}

/** The name the dashboard gives a memorising stretch. */
export function memorisingLabel(): string {
  return l10n.t('memorising: validation rises while training loss falls');
}

/**
 * "Steps 400–640: memorising: validation rises while training loss falls (validation 6.70 → 11.60 at most,
 * training 3.10 → 0.12)." `factors` converts the losses to the unit shown (bits per byte, say).
 */
export function describeStretch(s: MemorisingStretch, factors: { train: number; val: number } = { train: 1, val: 1 }): string {
  const v = (nats: number) => formatFixed(nats * factors.val, 2);
  const t = (nats: number) => formatFixed(nats * factors.train, 2);
  return l10n.t('Steps {0}–{1}: {2} (validation {3} → {4} at most, training {5} → {6}).', {
    0: formatNumber(s.fromStep),
    1: formatNumber(s.toStep),
    2: memorisingLabel(),
    3: v(s.bestValLoss),
    4: v(s.peakValLoss),
    5: t(s.trainLossFrom),
    6: t(s.trainLossTo),
  });
}

/**
 * Where a sample repeats the notes: the offsets of `copied` (the run of tokens the engine found in the
 * training text) in the shown text, or undefined when it is not there verbatim.
 */
export function copiedRange(shown: string, copied: string): { start: number; end: number } | undefined {
  if (!copied) return undefined;
  const start = shown.indexOf(copied);
  return start < 0 ? undefined : { start, end: start + copied.length };
}
