// What a sampling strategy does to one next-token distribution, in numbers a chart can draw: the model's
// raw softmax, the distribution after temperature and top-k (what top-p cuts), and the one a token is
// finally drawn from (samplingDistribution, the sampler generate() uses), for the most likely tokens.

import { rankedIndices, samplingDistribution, type SamplingParams } from '../generate';

/** How many bars the sampling lab shows. */
export const DEFAULT_BARS = 30;

export interface CandidateBar {
  id: number;
  /** softmax(logits): the model's own probability. */
  raw: number;
  /** After temperature and top-k, before top-p (its cumulative sum is what top-p cuts). */
  tempered: number;
  /** The distribution a token is drawn from: after temperature, top-k and top-p, renormalised. */
  filtered: number;
  /** Sum of `tempered` over this bar and every more likely token. */
  cumulative: number;
}

export interface DistributionView {
  /** The most likely tokens, most likely first (ties: lower ID first), at most the bars asked for. */
  bars: CandidateBar[];
  /** Entropy of the raw softmax, bits. */
  rawEntropyBits: number;
  /** Entropy of the distribution a token is drawn from, bits (0 when one token is left). */
  filteredEntropyBits: number;
  /** Tokens with a probability above 0 after filtering. */
  kept: number;
  /** Tokens top-k leaves (the whole vocabulary without top-k; 1 at temperature 0). */
  keptByTopK: number;
  /** The vocabulary's size. */
  vocabSize: number;
}

/** softmax(logits) in double precision. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const out = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}

/** −Σ p log₂ p over a distribution (terms with p = 0 count 0). */
export function entropyBits(probs: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0) h -= probs[i] * Math.log2(probs[i]);
  return Math.max(0, h);
}

/**
 * The view of one position's logits under sampling parameters. `ranked` (the token IDs by descending
 * logit, as rankedIndices gives them) may be passed in when the same logits are viewed many times.
 */
export function distributionView(logits: ArrayLike<number>, params: SamplingParams, bars = DEFAULT_BARS, ranked?: readonly number[]): DistributionView {
  const order = ranked ?? rankedIndices(logits);
  const raw = softmax(logits);
  const filtered = samplingDistribution(logits, params);
  const tempered = samplingDistribution(logits, { temperature: params.temperature, ...(params.topK !== undefined ? { topK: params.topK } : {}) });
  let cumulative = 0;
  const shown: CandidateBar[] = order.slice(0, Math.max(0, bars)).map((id) => {
    cumulative += tempered[id];
    return { id, raw: raw[id], tempered: tempered[id], filtered: filtered[id], cumulative: Math.min(1, cumulative) };
  });
  let kept = 0;
  let keptByTopK = 0;
  for (let i = 0; i < filtered.length; i++) {
    if (filtered[i] > 0) kept++;
    if (tempered[i] > 0) keptByTopK++;
  }
  return { bars: shown, rawEntropyBits: entropyBits(raw), filteredEntropyBits: entropyBits(filtered), kept, keptByTopK, vocabSize: logits.length };
}
