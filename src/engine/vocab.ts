// The model's own vocabulary. A GPT encoding has 50k–200k tokens, most of which a few megabytes of notes
// never use; the model gets only the tokens the training corpus does use, renumbered 2, 3, 4… from the most
// frequent, plus two special tokens: <unk> (0) for anything else and <sep> (1) between documents.
// With the 'char' tokenizer the external IDs are Unicode code points.

import { decode, displayToken, encode, isTokenizerName, tokenBytes, TOKENIZERS, type TokenizerName } from './tokenizer';

/** What vocab.json holds. `tokens[i]` is the external ID of model ID i + 2; `counts[i]` its corpus count. */
export interface VocabularyJSON {
  format: 'lmx-vocabulary';
  version: 1;
  tokenizer: TokenizerName;
  tokens: number[];
  counts?: number[];
}

const FORMAT = 'lmx-vocabulary';
const VERSION = 1;
const SPECIAL_LABELS = ['<unk>', '<sep>'];
const MAX_CODE_POINT = 0x10ffff;

export class Vocabulary {
  /** Model ID of the unknown token: any token the vocabulary does not hold. */
  static readonly UNK = 0;
  /** Model ID of the document separator. */
  static readonly SEP = 1;
  /** Number of special tokens, which take the first model IDs. */
  static readonly SPECIALS = 2;
  static readonly DEFAULT_MAX_VOCAB = 8192;

  readonly tokenizer: TokenizerName;
  /** Number of model IDs, the two special tokens included. */
  readonly size: number;
  private readonly external: number[];
  private readonly counts: number[] | undefined;
  private readonly index: Map<number, number>;

  private constructor(tokenizer: TokenizerName, externalIds: number[], counts?: number[]) {
    this.tokenizer = tokenizer;
    this.external = externalIds;
    this.counts = counts;
    this.size = externalIds.length + Vocabulary.SPECIALS;
    this.index = new Map();
    externalIds.forEach((id, i) => this.index.set(id, i + Vocabulary.SPECIALS));
  }

  /**
   * Builds a vocabulary from token streams (external IDs, as `encode` gives them): the most frequent tokens,
   * ordered by count (highest first) and then by external ID, so the result depends only on the counts.
   * `maxVocab` bounds `size`, the two special tokens included (so at most maxVocab − 2 corpus tokens).
   */
  static build(streams: Iterable<readonly number[]>, tokenizer: TokenizerName, maxVocab = Vocabulary.DEFAULT_MAX_VOCAB): Vocabulary {
    if (!isTokenizerName(tokenizer)) throw new Error(`Unknown tokenizer "${String(tokenizer)}". Known: ${TOKENIZERS.join(', ')}.`);
    if (!Number.isInteger(maxVocab) || maxVocab < Vocabulary.SPECIALS + 1) {
      throw new RangeError(`maxVocab must be an integer of at least ${Vocabulary.SPECIALS + 1}, got ${maxVocab}`);
    }
    const counts = new Map<number, number>();
    for (const stream of streams) {
      for (const id of stream) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, maxVocab - Vocabulary.SPECIALS);
    return new Vocabulary(
      tokenizer,
      ranked.map(([id]) => id),
      ranked.map(([, count]) => count),
    );
  }

  /** External IDs → model IDs; tokens outside the vocabulary become UNK. */
  toModel(externalIds: readonly number[]): number[] {
    const out = new Array<number>(externalIds.length);
    for (let i = 0; i < externalIds.length; i++) out[i] = this.index.get(externalIds[i]) ?? Vocabulary.UNK;
    return out;
  }

  /** Model ID → external ID; undefined for the special tokens and for IDs out of range. */
  toExternal(modelId: number): number | undefined {
    if (!Number.isInteger(modelId) || modelId < Vocabulary.SPECIALS || modelId >= this.size) return undefined;
    return this.external[modelId - Vocabulary.SPECIALS];
  }

  /** Whether an external token ID is in the vocabulary. */
  has(externalId: number): boolean {
    return this.index.has(externalId);
  }

  /** How often a model token occurred in the corpus it was built from (undefined for specials or when unknown). */
  count(modelId: number): number | undefined {
    if (!this.counts || modelId < Vocabulary.SPECIALS || modelId >= this.size) return undefined;
    return this.counts[modelId - Vocabulary.SPECIALS];
  }

  /** Text → model IDs (tokenize with the vocabulary's tokenizer, then map; unknown tokens → UNK). */
  encode(text: string): number[] {
    return this.toModel(encode(text, this.tokenizer));
  }

  /** Model IDs → text. Special tokens are dropped; bytes that are not whole characters decode to U+FFFD. */
  decode(modelIds: readonly number[]): string {
    const ids: number[] = [];
    for (const modelId of modelIds) {
      const id = this.toExternal(modelId);
      if (id !== undefined) ids.push(id);
    }
    return ids.length ? decode(ids, this.tokenizer) : '';
  }

  /** The bytes a model token stands for (empty for the special tokens). */
  tokenBytes(modelId: number): Uint8Array {
    const id = this.toExternal(modelId);
    return id === undefined ? new Uint8Array(0) : tokenBytes(id, this.tokenizer);
  }

  /**
   * How to show one model token: '<unk>' and '<sep>' for the specials, else its text with whitespace made
   * visible (unless `whitespace: false`) and bytes that are not whole UTF-8 characters as <E2 80>.
   */
  tokenLabel(modelId: number, options: { whitespace?: boolean } = {}): string {
    if (!Number.isInteger(modelId) || modelId < 0 || modelId >= this.size) {
      throw new RangeError(`Model token ID ${modelId} is outside the vocabulary (0–${this.size - 1})`);
    }
    if (modelId < Vocabulary.SPECIALS) return SPECIAL_LABELS[modelId];
    return displayToken(this.tokenBytes(modelId), { whitespace: options.whitespace ?? true });
  }

  toJSON(): VocabularyJSON {
    const json: VocabularyJSON = { format: FORMAT, version: VERSION, tokenizer: this.tokenizer, tokens: Array.from(this.external) };
    if (this.counts) json.counts = this.counts.slice();
    return json;
  }

  /** Reads what `toJSON` wrote, checking everything; throws an Error whose message says what is wrong. */
  static fromJSON(json: unknown): Vocabulary {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('vocabulary is not a JSON object');
    const o = json as Record<string, unknown>;
    if (o.format !== FORMAT) throw new Error(`vocabulary "format" is ${JSON.stringify(o.format)}, expected "${FORMAT}"`);
    if (o.version !== VERSION) throw new Error(`vocabulary version ${JSON.stringify(o.version)} is not supported (expected ${VERSION})`);
    if (!isTokenizerName(o.tokenizer)) {
      throw new Error(`vocabulary tokenizer ${JSON.stringify(o.tokenizer)} is unknown (known: ${TOKENIZERS.join(', ')})`);
    }
    const tokenizer = o.tokenizer;
    if (!Array.isArray(o.tokens)) throw new Error('vocabulary "tokens" is not an array');
    const tokens = o.tokens as unknown[];
    const seen = new Set<number>();
    tokens.forEach((id, i) => {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
        throw new Error(`vocabulary token ${i} is ${JSON.stringify(id)}, not a token ID`);
      }
      if (seen.has(id)) throw new Error(`vocabulary token ${id} appears twice`);
      seen.add(id);
      if (tokenizer === 'char') {
        if (id > MAX_CODE_POINT) throw new Error(`vocabulary token ${id} is not a Unicode code point`);
      } else {
        try {
          tokenBytes(id, tokenizer);
        } catch {
          throw new Error(`vocabulary token ${id} is not in the ${tokenizer} encoding`);
        }
      }
    });
    let counts: number[] | undefined;
    if (o.counts !== undefined) {
      if (!Array.isArray(o.counts) || o.counts.length !== tokens.length) {
        throw new Error(`vocabulary "counts" must be an array as long as "tokens" (${tokens.length})`);
      }
      counts = o.counts.map((c, i) => {
        if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) throw new Error(`vocabulary count ${i} is ${JSON.stringify(c)}, not a count`);
        return c;
      });
    }
    return new Vocabulary(tokenizer, tokens as number[], counts);
  }
}
