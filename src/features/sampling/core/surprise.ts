// Show Token Surprise without `vscode`: the rank buckets of GLTR (was the token the model's first guess, in
// its top 10, top 100, or beyond?), and the decorations' spans: the model tokens of one text token spelled
// in bytes share its range and are shown as one span, coloured by the least expected of them.

import type { ScoredToken } from '../../../worker/engine/samplingProtocol';

/** The upper ranks of the buckets but the last (lmExplorer.surprise.rankThresholds), ascending. */
export const DEFAULT_RANK_THRESHOLDS: readonly number[] = [1, 10, 100];

/** Bucket 0 … thresholds.length: the first threshold the rank is within, or the last bucket beyond them all. */
export function rankBucket(rank: number, thresholds: readonly number[]): number {
  for (let i = 0; i < thresholds.length; i++) if (rank <= thresholds[i]) return i;
  return thresholds.length;
}

/** Thresholds from a setting: positive whole numbers, ascending, duplicates dropped; the default when none is usable. */
export function cleanThresholds(value: unknown): number[] {
  const list = Array.isArray(value) ? value.filter((v): v is number => Number.isInteger(v) && v >= 1) : [];
  const sorted = [...new Set(list)].sort((a, b) => a - b);
  return sorted.length ? sorted : [...DEFAULT_RANK_THRESHOLDS];
}

/** One decorated range: the model tokens that cover it (one, or the byte tokens of one text token). */
export interface SurpriseSpan {
  start: number;
  end: number;
  tokens: ScoredToken[];
  /** The bucket of the least expected of its tokens. */
  bucket: number;
}

/**
 * The spans of scored tokens, in text order. A token with an empty range (the byte that finishes a character
 * another token started) joins the span before it.
 */
export function surpriseSpans(tokens: readonly ScoredToken[], thresholds: readonly number[]): SurpriseSpan[] {
  const spans: SurpriseSpan[] = [];
  for (const t of tokens) {
    const last = spans[spans.length - 1];
    if (last && ((last.start === t.start && last.end === t.end) || (t.start === t.end && t.start === last.end))) {
      last.tokens.push(t);
      last.bucket = Math.max(last.bucket, rankBucket(t.rank, thresholds));
      continue;
    }
    spans.push({ start: t.start, end: t.end, tokens: [t], bucket: rankBucket(t.rank, thresholds) });
  }
  return spans;
}

/** How many spans fall in each bucket (the status bar's breakdown). */
export function bucketCounts(spans: readonly SurpriseSpan[], buckets: number): number[] {
  const counts = new Array<number>(buckets).fill(0);
  for (const s of spans) counts[Math.min(s.bucket, buckets - 1)]++;
  return counts;
}

/** The ranges to score in detail: the visible ranges, merged, clipped to [start, end). */
export function detailRange(visible: readonly { start: number; end: number }[], start: number, end: number): { start: number; end: number } | undefined {
  let from = Infinity;
  let to = -Infinity;
  for (const r of visible) {
    const a = Math.max(start, r.start);
    const b = Math.min(end, r.end);
    if (b > a) {
      from = Math.min(from, a);
      to = Math.max(to, b);
    }
  }
  return to > from ? { start: from, end: to } : undefined;
}

