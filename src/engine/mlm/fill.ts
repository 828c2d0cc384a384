// Fill-in-the-mask with an encoder: text with [MASK]s → the most likely tokens for them.
//
// One [MASK] is one token. Several (a word the vocabulary spells in several tokens) are filled one token at a
// time, left to right: the first mask's top candidates are each completed by putting, into every following
// mask in turn, the most likely token given everything filled so far. A candidate's probability is the
// product of its steps' probabilities. Special tokens are never candidates.

import type { GPT } from '../model';
import { Vocabulary } from '../vocab';
import { UserError } from '../errors';
import { softmax } from '../sampling/distribution';

export interface FillCandidate {
  /** The tokens put into the masks, left to right. */
  ids: number[];
  /** Their text, decoded. */
  text: string;
  /** Product of the steps' probabilities. */
  prob: number;
  /** Each step's probability. */
  steps: number[];
  /** The model's input window with these tokens in the masks, decoded. */
  filledText: string;
}

export interface FillResult {
  /** Positions of the masks in the model's input window. */
  maskPositions: number[];
  candidates: FillCandidate[];
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

/**
 * A copy of `text` with the selection [start, end) masked: one [MASK] per token of it. With a GPT tokenizer
 * the space before a word belongs to its first token, so it is masked with it; replaceStart/replaceEnd say
 * which range of `text` the masks stand for (what a chosen fill replaces).
 */
export function maskSelection(text: string, start: number, end: number, vocab: Vocabulary): { ids: number[]; replaceStart: number; replaceEnd: number } {
  const maskId = requireMask(vocab);
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= text.length)) {
    throw new UserError('Select the word to predict: the selection is empty.');
  }
  const from = vocab.tokenizer !== 'char' && start > 0 && text[start - 1] === ' ' && text[start] !== ' ' ? start - 1 : start;
  const masks = vocab.encode(text.slice(from, end)).length;
  const ids = [...vocab.encode(text.slice(0, from)), ...new Array<number>(masks).fill(maskId), ...vocab.encode(text.slice(end))];
  return { ids, replaceStart: from, replaceEnd: end };
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
    candidates.push({ ids: chosen, text: vocab.decode(chosen), prob: steps.reduce((a, b) => a * b, 1), steps, filledText: vocab.decode(filled) });
  }
  if (maskPositions.length > 1) candidates.sort((a, b) => b.prob - a.prob);
  return { maskPositions, candidates };
}

function requireMask(vocab: Vocabulary): number {
  if (vocab.maskId === undefined) throw new UserError(`This vocabulary has no ${Vocabulary.MASK_LABEL} token: it belongs to a decoder, not an encoder.`);
  return vocab.maskId;
}

/** The n most likely IDs that are words (not special tokens), most likely first. */
function rankedWords(probs: ArrayLike<number>, vocab: Vocabulary, n: number): number[] {
  const ids: number[] = [];
  for (let id = 0; id < probs.length; id++) if (!vocab.isSpecial(id)) ids.push(id);
  ids.sort((a, b) => probs[b] - probs[a] || a - b);
  return ids.slice(0, n);
}
