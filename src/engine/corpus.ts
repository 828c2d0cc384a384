// The training data: documents tokenized into one stream of model IDs with <sep> between documents, split
// into a training part and a validation part, and cut into seeded random batches.
//
// The split is by position: the last `valFraction` of the stream (10% by default) is the validation part,
// the rest is the training part. Why not whole documents? Notes folders are lumpy: often one or two files
// hold most of the text, and a single-file corpus would have no validation part at all, while a split by
// position gives exactly the requested fraction for any corpus. It is deterministic (documents keep the order
// they are given in; the CLI sorts files by path), and it is the split nanoGPT and the PyTorch baseline use
// (first 90% / last 10%), so validation losses can be compared with theirs. The price: the validation text
// is mostly the last document(s), and the boundary may fall inside a document.

import { UserError } from './errors';
import type { Rng } from './rng';
import { encode } from './tokenizer';
import { Vocabulary } from './vocab';

export type Split = 'train' | 'val';

export interface CorpusOptions {
  /** Fraction of the tokens kept for validation, at the end of the stream: 0 ≤ valFraction < 1 (default 0.1). */
  valFraction?: number;
  /**
   * The context length the corpus will be batched with. When given, both parts are made long enough for at
   * least one batch row (blockSize + 1 tokens each), and a corpus too small for that is a UserError.
   */
  blockSize?: number;
}

export interface CorpusSummary {
  documents: number;
  /** All tokens, separators included. */
  tokens: number;
  trainTokens: number;
  valTokens: number;
  /** Tokens that are not in the vocabulary (model ID <unk>). */
  unknownTokens: number;
}

export const DEFAULT_VAL_FRACTION = 0.1;

export class Corpus {
  /** The whole stream of model IDs; `train` and `val` are views of it. */
  readonly tokens: Int32Array;
  readonly train: Int32Array;
  readonly val: Int32Array;
  readonly documents: number;
  readonly unknownTokens: number;

  private constructor(tokens: Int32Array, valLength: number, documents: number) {
    this.tokens = tokens;
    this.train = tokens.subarray(0, tokens.length - valLength);
    this.val = tokens.subarray(tokens.length - valLength);
    this.documents = documents;
    let unknown = 0;
    for (let i = 0; i < tokens.length; i++) if (tokens[i] === Vocabulary.UNK) unknown++;
    this.unknownTokens = unknown;
  }

  /** Tokenizes documents with the vocabulary's tokenizer and joins them with <sep>. */
  static fromDocuments(docs: readonly string[], vocab: Vocabulary, options: number | CorpusOptions = DEFAULT_VAL_FRACTION): Corpus {
    return Corpus.fromTokenStreams(
      docs.map((doc) => encode(doc, vocab.subsetOf)),
      vocab,
      options,
    );
  }

  /** As fromDocuments, from documents already tokenized (external IDs, as `encode` gives them). */
  static fromTokenStreams(streams: readonly (readonly number[])[], vocab: Vocabulary, options: number | CorpusOptions = DEFAULT_VAL_FRACTION): Corpus {
    const { valFraction = DEFAULT_VAL_FRACTION, blockSize } = typeof options === 'number' ? { valFraction: options } : options;
    if (!(valFraction >= 0 && valFraction < 1)) throw new RangeError(`valFraction must be in [0, 1), got ${valFraction}`);
    if (blockSize !== undefined && !(Number.isInteger(blockSize) && blockSize >= 1)) {
      throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
    }
    const total = streams.reduce((n, s) => n + s.length, 0) + Math.max(0, streams.length - 1);
    const tokens = new Int32Array(total);
    let at = 0;
    streams.forEach((stream, d) => {
      if (d > 0) tokens[at++] = Vocabulary.SEP;
      const ids = vocab.toModel(stream);
      tokens.set(ids, at);
      at += ids.length;
    });
    return new Corpus(tokens, validationLength(total, valFraction, blockSize), streams.length);
  }

  /** A corpus from a stream of model IDs as it is (no separators added), e.g. for tests. */
  static fromModelIds(tokens: ArrayLike<number>, options: number | CorpusOptions = DEFAULT_VAL_FRACTION, documents = 1): Corpus {
    const { valFraction = DEFAULT_VAL_FRACTION, blockSize } = typeof options === 'number' ? { valFraction: options } : options;
    const stream = Int32Array.from(tokens);
    return new Corpus(stream, validationLength(stream.length, valFraction, blockSize), documents);
  }

  /**
   * A corpus from a training part and a validation part cut elsewhere (see runCorpus.ts: the tail of every
   * document), both already model IDs. Each part must be long enough for one row of `blockSize` tokens.
   */
  static fromParts(train: ArrayLike<number>, val: ArrayLike<number>, documents: number, blockSize?: number): Corpus {
    const tokens = new Int32Array(train.length + val.length);
    tokens.set(Array.from(train));
    tokens.set(Array.from(val), train.length);
    if (blockSize !== undefined && (train.length < blockSize + 1 || (val.length > 0 && val.length < blockSize + 1))) {
      throw tooSmall(tokens.length, blockSize, val.length > 0 ? DEFAULT_VAL_FRACTION : 0);
    }
    return new Corpus(tokens, val.length, documents);
  }

  /**
   * The whole validation part as rows of `blockSize` tokens, one after another, each token predicted once
   * (the last row ends at the part's end and may overlap the one before; its overlap is not counted twice:
   * `weights` says which targets count). For an exact, noise-free validation loss.
   */
  validationRows(blockSize: number): { x: Int32Array; y: Int32Array; weights: Float32Array; rows: number } {
    const data = this.val;
    if (data.length < blockSize + 1) return { x: new Int32Array(0), y: new Int32Array(0), weights: new Float32Array(0), rows: 0 };
    const starts: number[] = [];
    for (let s = 0; s + blockSize + 1 <= data.length; s += blockSize) starts.push(s);
    const coveredTo = starts[starts.length - 1] + blockSize; // targets data[1 … coveredTo] are counted
    const tail = data.length - 1 - coveredTo;
    if (tail > 0) starts.push(data.length - blockSize - 1);
    const rows = starts.length;
    const x = new Int32Array(rows * blockSize);
    const y = new Int32Array(rows * blockSize);
    const weights = new Float32Array(rows * blockSize).fill(1);
    starts.forEach((s, r) => {
      x.set(data.subarray(s, s + blockSize), r * blockSize);
      y.set(data.subarray(s + 1, s + blockSize + 1), r * blockSize);
    });
    if (tail > 0) weights.fill(0, (rows - 1) * blockSize, rows * blockSize - tail);
    return { x, y, weights, rows };
  }

  summary(): CorpusSummary {
    return {
      documents: this.documents,
      tokens: this.tokens.length,
      trainTokens: this.train.length,
      valTokens: this.val.length,
      unknownTokens: this.unknownTokens,
    };
  }

  /** Whether a split is long enough for batches of `blockSize` tokens (blockSize + 1 tokens, for the targets). */
  fits(split: Split, blockSize: number): boolean {
    return this.part(split).length >= blockSize + 1;
  }

  /**
   * `batchSize` rows of `blockSize` tokens from random positions of a split, and the same rows shifted by one
   * token as targets: x[b, t] = data[s_b + t], y[b, t] = data[s_b + t + 1]. Row-major (B·T) each.
   */
  batch(split: Split, batchSize: number, blockSize: number, rng: Rng): { x: Int32Array; y: Int32Array } {
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    if (!(Number.isInteger(blockSize) && blockSize >= 1)) throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
    const data = this.part(split);
    if (data.length < blockSize + 1) {
      const name = split === 'train' ? 'training' : 'validation';
      throw new UserError(
        `The ${name} part of the corpus has ${data.length} tokens, too few for a context of ${blockSize} tokens (needs ${blockSize + 1}); add more text or use a shorter context.`,
      );
    }
    const x = new Int32Array(batchSize * blockSize);
    const y = new Int32Array(batchSize * blockSize);
    const starts = data.length - blockSize; // a row may start at 0 … length − blockSize − 1
    for (let b = 0; b < batchSize; b++) {
      const s = rng.int(starts);
      x.set(data.subarray(s, s + blockSize), b * blockSize);
      y.set(data.subarray(s + 1, s + blockSize + 1), b * blockSize);
    }
    return { x, y };
  }

  private part(split: Split): Int32Array {
    if (split === 'train') return this.train;
    if (split === 'val') return this.val;
    throw new RangeError(`split must be "train" or "val", got ${JSON.stringify(split)}`);
  }
}

/** The smallest corpus (in tokens) that trains with a given context length: one row for each part. */
export function minimumCorpusTokens(blockSize: number, valFraction = DEFAULT_VAL_FRACTION): number {
  return valFraction > 0 ? 2 * (blockSize + 1) : blockSize + 1;
}

/** How many tokens at the end of the stream are for validation. */
function validationLength(total: number, valFraction: number, blockSize: number | undefined): number {
  if (valFraction === 0) {
    if (blockSize !== undefined && total < blockSize + 1) throw tooSmall(total, blockSize, valFraction);
    return 0;
  }
  let length = Math.round(total * valFraction);
  if (blockSize !== undefined) {
    const row = blockSize + 1;
    if (total < minimumCorpusTokens(blockSize, valFraction)) throw tooSmall(total, blockSize, valFraction);
    length = Math.min(Math.max(length, row), total - row);
  } else if (total >= 2) {
    length = Math.min(Math.max(length, 1), total - 1); // non-empty on both sides
  } else {
    length = 0;
  }
  return length;
}

function tooSmall(total: number, blockSize: number, valFraction: number): UserError {
  const need = minimumCorpusTokens(blockSize, valFraction);
  const why = valFraction > 0 ? `${blockSize + 1} for training and ${blockSize + 1} for validation` : `${blockSize + 1} for training`;
  return new UserError(
    `The corpus is too small for a context of ${blockSize} tokens: it has ${total} tokens and needs at least ${need} (${why}); add more text or use a shorter context.`,
  );
}
