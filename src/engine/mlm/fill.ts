// Fill-in-the-mask with an encoder: text with [MASK]s → the most likely tokens for them.
//
// One [MASK] is one token. Several (a word the vocabulary spells in several tokens) are filled one token at a
// time, left to right: the first mask's top candidates are each completed by putting, into every following
// mask in turn, the most likely token given everything filled so far. A candidate's probability is the
// product of its steps' probabilities. Special tokens are never candidates.

import type { GPT } from '../model';
import { Vocabulary } from '../vocab';
import { UserError } from '../errors';

export interface FillCandidate {
  /** The tokens put into the masks, left to right. */
  ids: number[];
  /** Their text, decoded. */
  text: string;
  /** Product of the steps' probabilities. */
  prob: number;
  /** Each step's probability. */
  steps: number[];
}

export interface FillResult {
  /** Positions of the masks in the model's input window. */
  maskPositions: number[];
  candidates: FillCandidate[];
  /** How the masks were filled, for a person. */
  method: string;
}

/**
 * Model IDs of text in which each "[MASK]" stands for one mask token. With a GPT tokenizer, a space just
 * before a [MASK] belongs to the masked token (GPT tokens carry their leading space: " opona" is one token).
 */
export function encodeWithMasks(text: string, vocab: Vocabulary): number[] {
  const maskId = requireMask(vocab);
  const parts = text.split(Vocabulary.MASK_LABEL);
  const ids: number[] = [];
  parts.forEach((part, i) => {
    let piece = part;
    if (i < parts.length - 1 && vocab.tokenizer !== 'char' && piece.endsWith(' ')) piece = piece.slice(0, -1);
    if (piece !== '') ids.push(...vocab.encode(piece));
    if (i < parts.length - 1) ids.push(maskId);
  });
  return ids;
}

/** The window of at most `length` IDs around the masks (centred on them); its start in `ids`. */
export function windowAround(ids: readonly number[], maskId: number, length: number): { ids: number[]; start: number } {
  const masks = ids.flatMap((id, i) => (id === maskId ? [i] : []));
  if (ids.length <= length) return { ids: ids.slice(), start: 0 };
  const first = masks[0] ?? 0;
  const last = masks[masks.length - 1] ?? 0;
  if (last - first + 1 > length) throw new UserError(`The masks span ${last - first + 1} tokens; the model sees at most ${length} at once.`);
  const centre = Math.floor((first + last) / 2);
  const start = Math.max(0, Math.min(ids.length - length, centre - Math.floor(length / 2)));
  return { ids: ids.slice(start, start + length), start };
}

/** The topN fills of the masks in `ids` (at most the model's context length of them; see windowAround). */
export async function fillMasks(model: GPT, vocab: Vocabulary, ids: readonly number[], topN = 10): Promise<FillResult> {
  model.assertKind('encoder', 'masked-token predictions');
  const maskId = requireMask(vocab);
  const window = windowAround(ids, maskId, model.config.contextLength).ids;
  const maskPositions = window.flatMap((id, i) => (id === maskId ? [i] : []));
  if (maskPositions.length === 0) throw new UserError(`There is no ${Vocabulary.MASK_LABEL} to fill: write ${Vocabulary.MASK_LABEL} where a word is missing.`);
  const V = model.config.vocabSize;
  const first = softmax((await model.maskedLogits(window, [maskPositions[0]])).subarray(0, V));
  const candidates: FillCandidate[] = [];
  for (const id of rankedWords(first, vocab, topN)) {
    const filled = window.slice();
    filled[maskPositions[0]] = id;
    const chosen = [id];
    const steps = [first[id]];
    for (const position of maskPositions.slice(1)) {
      const probs = softmax(await model.maskedLogits(filled, [position]));
      const [best] = rankedWords(probs, vocab, 1);
      filled[position] = best;
      chosen.push(best);
      steps.push(probs[best]);
    }
    candidates.push({ ids: chosen, text: vocab.decode(chosen), prob: steps.reduce((a, b) => a * b, 1), steps });
  }
  if (maskPositions.length > 1) candidates.sort((a, b) => b.prob - a.prob);
  const method =
    maskPositions.length === 1
      ? 'One [MASK], one token: the model’s probabilities for it.'
      : `${maskPositions.length} [MASK]s, filled one token at a time, left to right: each of the first mask’s ${topN} most likely tokens, then the most likely token for each following mask given the ones before; a candidate’s probability is the product of its steps.`;
  return { maskPositions, candidates, method };
}

function requireMask(vocab: Vocabulary): number {
  if (vocab.maskId === undefined) throw new UserError(`This vocabulary has no ${Vocabulary.MASK_LABEL} token: it belongs to a decoder, not an encoder.`);
  return vocab.maskId;
}

/** The n most likely IDs that are words (not special tokens), most likely first. */
function rankedWords(probs: Float32Array, vocab: Vocabulary, n: number): number[] {
  const ids: number[] = [];
  for (let id = 0; id < probs.length; id++) if (!vocab.isSpecial(id)) ids.push(id);
  ids.sort((a, b) => probs[b] - probs[a] || a - b);
  return ids.slice(0, n);
}

function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}
