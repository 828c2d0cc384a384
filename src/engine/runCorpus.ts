// A run's corpus: the split of the documents into a training and a validation part, and the bytes of each
// part (bits per byte compare across tokenizers and with compressors).

import { concatBytes, tokenBytes, type TokenizerName } from './tokenizer';
import { Vocabulary } from './vocab';

/**
 * Splits each document's tokens into a head (training) and a tail (validation): the last `valFraction` of
 * every document is held out. Why the tail of every document rather than the end of the whole stream: a
 * notes folder is a handful of files on different topics, and the end of the stream is the end of the last
 * file alone, so validation would measure how well the model predicts one topic. The tails of all the notes
 * are text of every kind the model trains on, each read after its own beginning, as a user's next lines are.
 */
export function splitDocuments(streams: readonly (readonly number[])[], valFraction: number): { train: number[][]; val: number[][] } {
  if (!(valFraction >= 0 && valFraction < 1)) throw new RangeError(`valFraction must be in [0, 1), got ${valFraction}`);
  const train: number[][] = [];
  const val: number[][] = [];
  for (const stream of streams) {
    const tail = Math.round(stream.length * valFraction);
    train.push(stream.slice(0, stream.length - tail));
    if (tail > 0) val.push(stream.slice(stream.length - tail));
  }
  return { train, val };
}

/** The end of the whole stream as validation, for a corpus whose per-document tails are too short. */
export function splitStreamEnd(streams: readonly (readonly number[])[], valFraction: number, minimum: number): { train: number[][]; val: number[][] } {
  const total = streams.reduce((n, s) => n + s.length, 0);
  let remaining = Math.min(Math.max(Math.round(total * valFraction), minimum), Math.max(0, total - minimum));
  const train = streams.map((s) => s.slice());
  const val: number[][] = [];
  for (let d = train.length - 1; d >= 0 && remaining > 0; d--) {
    const take = Math.min(remaining, train[d].length);
    val.unshift(train[d].slice(train[d].length - take));
    train[d] = train[d].slice(0, train[d].length - take);
    remaining -= take;
  }
  return { train: train.filter((s) => s.length > 0), val };
}

/** Model IDs of the parts, documents joined by <sep>. */
export function joinPart(streams: readonly (readonly number[])[], vocab: Vocabulary): number[] {
  const out: number[] = [];
  streams.forEach((stream, i) => {
    if (i > 0) out.push(Vocabulary.SEP);
    for (const id of stream) vocab.appendModelIds(id, out);
  });
  return out;
}

/** UTF-8 bytes of a part's text, a separator counted as one byte (a line break between files). */
export function partBytes(streams: readonly (readonly number[])[], tokenizer: TokenizerName): Uint8Array {
  const chunks: Uint8Array[] = [];
  streams.forEach((stream, i) => {
    if (i > 0) chunks.push(Uint8Array.of(0x0a));
    if (tokenizer === 'char') chunks.push(new TextEncoder().encode(codePointsToString(stream)));
    else for (const id of stream) chunks.push(tokenBytes(id, tokenizer));
  });
  return concatBytes(chunks);
}

/**
 * The text of character IDs (code points), built a slice at a time: one encoded array per character would cost
 * a few hundred bytes each (a megabyte of text took some 350 MB).
 */
function codePointsToString(ids: readonly number[]): string {
  const slices: string[] = [];
  for (let i = 0; i < ids.length; i += 8192) slices.push(String.fromCodePoint(...ids.slice(i, i + 8192)));
  return slices.join('');
}
