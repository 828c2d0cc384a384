// How surprised the model is by a text: for every token, the probability the model gave it in context, its
// rank among the model's guesses, the surprisal (−log₂ p), the entropy of the distribution there, and the
// model's top guesses; and over a passage, the mean cross-entropy, the perplexity and the bits per byte.
//
// Windows. The model sees at most contextLength tokens. A sequence longer than that is scored in windows of
// contextLength positions that start every `stride` tokens (default: half the context length). The first
// window scores all its targets; each later window scores only the targets past the previous window's
// end, so every target is scored once, and every target after the first window is predicted from at least
// contextLength − stride preceding tokens (half a context by default) at the cost of running each position
// contextLength / stride times. The windows are laid out from the start of the sequence, whatever part of it
// is asked for: a token gets the same numbers whether the whole text or only the lines on screen are scored.
// Each window is one forward pass over all its positions (the same keys and values the cache would hold);
// full windows run in batches.

import * as tf from '@tensorflow/tfjs-core';
import type { GPT } from '../model';
import { topIndices } from '../generate';

/** How many of the model's guesses each scored token lists. */
export const DEFAULT_TOP_GUESSES = 5;
/** Full windows per forward pass. */
const WINDOW_BATCH = 8;

/** One window: inputs sequence[start … end), predicting targets start+1 … end, of which it scores from `scoreFrom`. */
export interface ScoreWindow {
  start: number;
  end: number;
  /** The first target (a sequence index) this window scores; it scores scoreFrom … end. */
  scoreFrom: number;
}

/** The stride the windows of a model with this context length start at when none is given. */
export function defaultStride(contextLength: number): number {
  return Math.max(1, Math.floor(contextLength / 2));
}

/** The windows that score targets 1 … length − 1 of a sequence of `length` tokens. */
export function scoreWindows(length: number, contextLength: number, stride = defaultStride(contextLength)): ScoreWindow[] {
  if (!Number.isInteger(stride) || stride < 1 || stride > contextLength) throw new RangeError(`stride must be a whole number from 1 to the context length (${contextLength}), got ${stride}`);
  const windows: ScoreWindow[] = [];
  let scored = 0; // the last target scored so far
  for (let start = 0; scored < length - 1; start += stride) {
    const end = Math.min(start + contextLength, length - 1);
    if (end > scored) windows.push({ start, end, scoreFrom: scored + 1 });
    scored = end;
  }
  return windows;
}

export interface TokenScore {
  /** Index of the target in the sequence. */
  position: number;
  id: number;
  /** The probability the model gave this token. */
  prob: number;
  /** 1 for the most likely token; ties rank as well as the best of them. */
  rank: number;
  /** −log₂ prob. */
  surprisalBits: number;
  /** −ln prob: this token's cross-entropy loss. */
  lossNats: number;
  /** Entropy of the model's distribution at this position, bits. */
  entropyBits: number;
  /** The model's top guesses there, most likely first. */
  top: { id: number; prob: number }[];
}

export interface ScoreOptions {
  /** Score targets from this sequence index (default 1: every token after the first). */
  from?: number;
  /** … up to this one, exclusive (default: the end). */
  to?: number;
  stride?: number;
  /** Guesses per token (default 5; 0 for none). */
  topGuesses?: number;
  signal?: AbortSignal;
}

/**
 * Scores targets from … to − 1 of a sequence of model IDs (a target needs at least one token before it, so
 * `from` ≥ 1). Only the windows that score some of those targets run.
 */
export async function scoreSequence(model: GPT, sequence: readonly number[], options: ScoreOptions = {}): Promise<TokenScore[]> {
  const { contextLength: ctx, vocabSize: V } = model.config;
  for (const id of sequence) if (!Number.isInteger(id) || id < 0 || id >= V) throw new RangeError(`Token ${id} is not a model ID (0 … ${V - 1})`);
  const from = Math.max(1, options.from ?? 1);
  const to = Math.min(sequence.length, options.to ?? sequence.length);
  const topGuesses = options.topGuesses ?? DEFAULT_TOP_GUESSES;
  const windows = scoreWindows(sequence.length, ctx, options.stride).filter((w) => w.end >= from && w.scoreFrom < to);
  const out: TokenScore[] = [];
  const groups = batchesOf(windows);
  for (const group of groups) {
    if (options.signal?.aborted) throw Object.assign(new Error('Cancelled.'), { name: 'AbortError' });
    const T = group[0].end - group[0].start;
    const logits = tf.tidy(() => {
      const x = group.flatMap((w) => sequence.slice(w.start, w.end));
      return model.forward(tf.tensor2d(x, [group.length, T], 'int32'));
    });
    let data: Float32Array;
    try {
      data = (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
    group.forEach((w, b) => {
      for (let target = Math.max(w.scoreFrom, from); target <= w.end && target < to; target++) {
        const row = (b * T + (target - 1 - w.start)) * V;
        out.push(scorePosition(data.subarray(row, row + V), target, sequence[target], topGuesses));
      }
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}

/** The numbers of one target from the logits that predict it. */
export function scorePosition(logits: Float32Array, position: number, id: number, topGuesses: number): TokenScore {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let total = 0;
  let weighted = 0; // Σ e^(l − max) (l − max), for the entropy
  for (let i = 0; i < logits.length; i++) {
    const shifted = logits[i] - max;
    const e = Math.exp(shifted);
    total += e;
    weighted += e * shifted;
  }
  const logTotal = Math.log(total);
  const logProb = logits[id] - max - logTotal;
  let better = 0;
  for (let i = 0; i < logits.length; i++) if (logits[i] > logits[id]) better++;
  // H = −Σ p ln p with ln p = (l − max) − ln Z, so H = ln Z − Σ p (l − max)
  const entropyNats = logTotal - weighted / total;
  const top = topGuesses > 0 ? topIndices(logits, Math.min(topGuesses, logits.length)).map((t) => ({ id: t, prob: Math.exp(logits[t] - max - logTotal) })) : [];
  return {
    position,
    id,
    prob: Math.exp(logProb),
    rank: better + 1,
    surprisalBits: -logProb / Math.LN2,
    lossNats: -logProb,
    entropyBits: Math.max(0, entropyNats / Math.LN2),
    top,
  };
}

export interface ScoreTotals {
  tokens: number;
  /** UTF-8 bytes of the scored tokens. */
  bytes: number;
  /** Mean cross-entropy, nats per token. */
  meanLossNats: number;
  /** exp(mean loss). */
  perplexity: number;
  /** Total surprisal over the bytes of the text: nats / ln 2 / bytes. */
  bitsPerByte: number;
}

/** The passage's totals from its scored tokens; `bytesOf` gives a token's UTF-8 length. */
export function scoreTotals(scores: readonly Pick<TokenScore, 'id' | 'lossNats'>[], bytesOf: (id: number) => number): ScoreTotals {
  let nats = 0;
  let bytes = 0;
  for (const s of scores) {
    nats += s.lossNats;
    bytes += bytesOf(s.id);
  }
  const meanLossNats = scores.length ? nats / scores.length : 0;
  return { tokens: scores.length, bytes, meanLossNats, perplexity: Math.exp(meanLossNats), bitsPerByte: bytes ? nats / Math.LN2 / bytes : 0 };
}

/** Windows of the same length in groups of WINDOW_BATCH (only a last, shorter window runs alone). */
function batchesOf(windows: ScoreWindow[]): ScoreWindow[][] {
  const groups: ScoreWindow[][] = [];
  for (const w of windows) {
    const last = groups[groups.length - 1];
    if (last && last.length < WINDOW_BATCH && last[0].end - last[0].start === w.end - w.start) last.push(w);
    else groups.push([w]);
  }
  return groups;
}
