// Scoring a text rather than IDs: where each model token lies in the text, and the numbers of the tokens
// in a range of it. The text is read as a document from its start, so its first token is predicted after
// <sep> (the separator the model saw between training documents).

import type { GPT } from '../model';
import { Vocabulary } from '../vocab';
import { scoreSequence, scoreTotals, type ScoreOptions, type ScoreTotals, type TokenScore } from './score';

/** A text's model IDs, with the UTF-16 range [start, end) of the text each comes from. */
export interface TextTokens {
  ids: number[];
  /** A GPT token spelled in bytes gives several model IDs, each with the token's range. */
  offsets: { start: number; end: number }[];
}

/** The model IDs of a text (what vocab.encode gives) and where each lies. */
export function encodeWithOffsets(text: string, vocab: Vocabulary): TextTokens {
  const ids: number[] = [];
  const offsets: { start: number; end: number }[] = [];
  for (const piece of text ? vocab.pieces(text) : []) {
    const before = ids.length;
    vocab.appendModelIds(piece.id, ids);
    for (let i = before; i < ids.length; i++) offsets.push({ start: piece.start, end: piece.end });
  }
  return { ids, offsets };
}

export interface ScoredTextToken extends TokenScore {
  /** UTF-16 range in the text. */
  start: number;
  end: number;
}

export interface TextScoreOptions extends Omit<ScoreOptions, 'from' | 'to'> {
  /** Score the tokens that overlap this UTF-16 range of the text (default: all of it). */
  range?: { start: number; end: number };
}

/** Whether a token's range [start, end) overlaps a range of the text (an empty token: lies within it). */
export function overlapsRange(token: { start: number; end: number }, range: { start: number; end: number }): boolean {
  return token.start < range.end && (token.end > range.start || (token.start === token.end && token.start >= range.start));
}

/** The tokens of `text` that overlap `range`, scored in the context of everything before them. */
export async function scoreText(model: GPT, vocab: Vocabulary, text: string, options: TextScoreOptions = {}): Promise<ScoredTextToken[]> {
  const { ids, offsets } = encodeWithOffsets(text, vocab);
  const { range, ...rest } = options;
  const start = range?.start ?? 0;
  const end = range?.end ?? text.length;
  // tokens are in text order, so the overlapping ones are consecutive; token i is target i + 1 of [<sep>, …ids]
  const overlaps = (o: { start: number; end: number }) => overlapsRange(o, { start, end });
  const first = offsets.findIndex(overlaps);
  if (first < 0) return [];
  let last = first;
  while (last < offsets.length && overlaps(offsets[last])) last++;
  const scores = await scoreSequence(model, [vocab.documentStart, ...ids], { ...rest, from: first + 1, to: last + 1 });
  return scores.map((s) => ({ ...s, ...offsets[s.position - 1] }));
}

/** The totals of scored tokens, with the vocabulary's bytes. */
export function textTotals(scores: readonly Pick<TokenScore, 'id' | 'lossNats'>[], vocab: Vocabulary): ScoreTotals {
  return scoreTotals(scores, (id) => vocab.tokenBytes(id).length);
}
