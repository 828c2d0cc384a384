// Dynamic masking for masked-language-model (MLM) training, as BERT and RoBERTa do it: in every batch a fresh
// share of the tokens is chosen (maskRate, 15% by default), never a special token. Each chosen token then
// takes one of three branches: it becomes [MASK] (80%), a random token of the vocabulary (10%) or stays as it
// is (10%). The model is asked for the original token at every chosen position, and only there.
//
// Why not always [MASK]: the model never sees [MASK] once it is used on real text, so an input made only of
// [MASK]s and plain words would teach it that a plain word is never in question ("mask token toxicity").
// The random and unchanged branches make it check every word against its context, even one that looks
// ordinary ("Natura opona najpiękniejsze obrazy").
//
// Every draw comes from the Rng it is given, in a fixed order (per position: chosen?, then its branch, then a
// random token where that is the branch), so a seed reproduces the masks and a resumed run continues them.

import type { Rng } from '../rng';

/** The masking rates: the share of tokens chosen, and of those the share of each branch. */
export interface MaskingRates {
  /** Share of the (non-special) tokens chosen in each batch, in (0, 1]. */
  maskRate: number;
  /** Share of the chosen tokens replaced by [MASK]. */
  maskTokenShare: number;
  /** Share of the chosen tokens replaced by a random token; the rest (1 − mask − random) stay unchanged. */
  randomTokenShare: number;
}

export const MASKING_DEFAULTS: Readonly<MaskingRates> = { maskRate: 0.15, maskTokenShare: 0.8, randomTokenShare: 0.1 };

/** What happened at a position. NONE: not chosen (no loss there). */
export const MaskBranch = { NONE: 0, MASK: 1, RANDOM: 2, UNCHANGED: 3 } as const;
export type MaskBranch = (typeof MaskBranch)[keyof typeof MaskBranch];

/**
 * The IDs masking needs (plain data, so that it travels to the engine worker): [MASK], the special IDs (never
 * chosen, never drawn) and the range random tokens come from.
 */
export interface MaskingVocabulary {
  maskId: number;
  specialIds: number[];
  /** Random replacements are drawn uniformly from [randomFrom, randomTo), the special IDs skipped. */
  randomFrom: number;
  randomTo: number;
}

export interface MaskedBatch {
  /** The batch as the model sees it: chosen positions replaced per their branch. */
  inputs: Int32Array;
  /** The original tokens (the targets; only the chosen positions count). */
  targets: Int32Array;
  /** Per position, its MaskBranch. */
  branches: Uint8Array;
  /** The chosen positions' indices, ascending (at least one). */
  positions: Int32Array;
}

/** The unchanged share, 1 − maskTokenShare − randomTokenShare. */
export function unchangedShare(rates: MaskingRates): number {
  return Math.max(0, 1 - rates.maskTokenShare - rates.randomTokenShare);
}

/** Checks the rates; throws a RangeError naming the first wrong one. */
export function validateMaskingRates(rates: MaskingRates): MaskingRates {
  if (!(rates.maskRate > 0 && rates.maskRate <= 1)) throw new RangeError(`The masking rate must be in (0, 1], got ${rates.maskRate}`);
  for (const key of ['maskTokenShare', 'randomTokenShare'] as const) {
    if (!(rates[key] >= 0 && rates[key] <= 1)) throw new RangeError(`The masking option ${key} must be in [0, 1], got ${rates[key]}`);
  }
  if (rates.maskTokenShare + rates.randomTokenShare > 1 + 1e-9) {
    throw new RangeError(
      `The [MASK] share (${rates.maskTokenShare}) and the random-token share (${rates.randomTokenShare}) add up to more than 1; the rest is the unchanged share`,
    );
  }
  return { maskRate: rates.maskRate, maskTokenShare: rates.maskTokenShare, randomTokenShare: rates.randomTokenShare };
}

/**
 * Masks a batch of token IDs (any shape, row-major). A batch where no position came up chosen gets one
 * chosen position (drawn from the same stream) so that its loss is defined; a batch of special tokens only
 * is an error. `weights`: a position of weight 0 is never chosen (a token already counted elsewhere).
 */
export function maskTokens(ids: Int32Array, vocab: MaskingVocabulary, rates: MaskingRates, rng: Rng, weights?: ArrayLike<number>): MaskedBatch {
  const inputs = Int32Array.from(ids);
  const branches = new Uint8Array(ids.length);
  const positions: number[] = [];
  const maskCut = rates.maskTokenShare;
  const randomCut = rates.maskTokenShare + rates.randomTokenShare;
  const specials = new Set(vocab.specialIds);
  const isSpecial = (id: number) => specials.has(id);
  const skipped = (i: number) => isSpecial(ids[i]) || (weights !== undefined && !(weights[i] > 0));
  const choose = (i: number) => {
    const u = rng.next();
    if (u < maskCut) {
      branches[i] = MaskBranch.MASK;
      inputs[i] = vocab.maskId;
    } else if (u < randomCut) {
      branches[i] = MaskBranch.RANDOM;
      inputs[i] = randomToken(vocab, isSpecial, rng);
    } else {
      branches[i] = MaskBranch.UNCHANGED;
    }
    positions.push(i);
  };
  let eligible = 0;
  for (let i = 0; i < ids.length; i++) {
    if (skipped(i)) continue;
    eligible++;
    if (rng.next() < rates.maskRate) choose(i);
  }
  if (eligible === 0) throw new RangeError('Nothing to mask: the batch holds special tokens only');
  if (positions.length === 0) {
    let k = rng.int(eligible);
    for (let i = 0; i < ids.length; i++) {
      if (skipped(i)) continue;
      if (k-- === 0) {
        choose(i);
        break;
      }
    }
  }
  return { inputs, targets: Int32Array.from(ids), branches, positions: Int32Array.from(positions) };
}

/** A uniform non-special token from [randomFrom, randomTo). */
function randomToken(vocab: MaskingVocabulary, isSpecial: (id: number) => boolean, rng: Rng): number {
  const span = vocab.randomTo - vocab.randomFrom;
  if (span < 1) throw new RangeError('The vocabulary has no token to draw a random replacement from');
  for (;;) {
    const id = vocab.randomFrom + rng.int(span);
    if (!isSpecial(id)) return id;
  }
}

/** The masking IDs of a vocabulary with a [MASK] token (Vocabulary satisfies the argument). */
export function maskingVocabulary(vocab: { maskId: number | undefined; size: number; isSpecial(id: number): boolean }): MaskingVocabulary {
  if (vocab.maskId === undefined) throw new Error("This vocabulary has no [MASK] token: it is a decoder's, not an encoder's");
  const specialIds: number[] = [];
  for (let id = 0; id < vocab.size; id++) if (vocab.isSpecial(id)) specialIds.push(id);
  return { maskId: vocab.maskId, specialIds, randomFrom: 0, randomTo: vocab.size };
}
