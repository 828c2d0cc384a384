// The model's own vocabulary. A GPT encoding has 50k–200k tokens, most of which a few megabytes of notes
// never use, and a token seen once or twice in the notes gets an embedding row that is hardly trained.
// So the model gets the GPT tokens the training text uses often enough (minCount), renumbered from the most
// frequent, and every other token is spelled in its UTF-8 bytes: the 256 byte tokens are always in the
// vocabulary (byte fallback, as in SentencePiece's byte-fallback BPE). Any text then encodes without
// <unk> and decodes back exactly — Polish letters, emoji, text the model never saw. A lone surrogate (a
// string that is not well-formed UTF-16) has no UTF-8 bytes of its own: like every UTF-8 file it is
// written as U+FFFD, so decode(encode(s)) === s holds for every well-formed string s, and a lone surrogate
// comes back as U+FFFD.
//
// Model IDs, format 2:  0 <unk> (never produced; kept so that the specials keep their IDs)  1 <sep>
//                       2 … 257 the bytes 0x00 … 0xFF       258 … the GPT tokens (or code points, 'char')
// An encoder's vocabulary (build option `mask`) has one more ID after all of these: [MASK], the token its
// masked-language-model training puts in place of the chosen tokens. Being last, it leaves every other ID as
// a decoder's vocabulary of the same notes has it, so the two models compare token for token.
// Format 1 (checkpoints saved before byte fallback) has no byte tokens: its GPT tokens start at 2 and any
// other token is <unk>. It still loads and encodes exactly as it did, so old models generate as before.
// Format 3 (tokenizer 'hf') is an imported model's own tokenizer (its tokenizer.json, kept in vocab.json):
// model IDs are that tokenizer's IDs, with no <unk>, <sep> or byte tokens of LM Explorer's, and nothing
// trains on it here.

import {
  concatBytes,
  decode,
  displayToken,
  encode,
  hexBytes,
  isTokenizerName,
  piecesOfBytes,
  tokenBytes,
  TOKENIZERS,
  tokenPieces,
  type TokenizerName,
  type TokenPiece,
} from './tokenizer';
import { HfTokenizer } from './hf/hfTokenizer';

/** The tokenizer of an imported model: its own tokenizer.json (format 3). */
export const HF_TOKENIZER = 'hf';
/** What a vocabulary tokenizes with: a GPT encoding, 'char', or an imported model's own tokenizer. */
export type VocabularyTokenizer = TokenizerName | typeof HF_TOKENIZER;

/** What vocab.json holds. `tokens[i]` is the external ID of model ID firstToken + i; `counts[i]` its count. */
export interface VocabularyJSON {
  format: 'lmx-vocabulary';
  /** 1: no byte tokens (unknown tokens are <unk>); 2: the 256 byte tokens follow the specials; 3: an imported tokenizer. */
  version: 1 | 2 | 3;
  tokenizer: VocabularyTokenizer;
  /** Formats 1 and 2 (empty in 3). */
  tokens: number[];
  /** Format 3: the number of model IDs (the model's vocab_size; the tokenizer may have fewer). */
  size?: number;
  /** Format 3: tokenizer.json, and tokenizer_config.json ({} when the folder had none). */
  hf?: { tokenizer: Record<string, unknown>; config: Record<string, unknown> };
  counts?: number[];
  /** Format 2: the fewest occurrences in the training text a token needed to be kept whole. */
  minCount?: number;
  /** true: the last model ID is [MASK] (an encoder's vocabulary). */
  mask?: boolean;
}

export interface VocabularyBuildOptions {
  /** Largest `size`, the specials and the 256 byte tokens included (default 8192). */
  maxVocab?: number;
  /** Keep a token whole only when the training text has it at least this often (default 1). */
  minCount?: number;
  /** Add the [MASK] token (last ID, within maxVocab): an encoder's vocabulary. */
  mask?: boolean;
}

const FORMAT = 'lmx-vocabulary';
const VERSIONS = [1, 2, 3] as const;
const SPECIAL_LABELS = ['<unk>', '<sep>'];
const MAX_CODE_POINT = 0x10ffff;
const BYTE_TOKENS = 256;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

export class Vocabulary {
  /** Model ID of the unknown token: in format 1, any token the vocabulary does not hold; never used in format 2. */
  static readonly UNK = 0;
  /** Model ID of the document separator. */
  static readonly SEP = 1;
  /** Number of special tokens, which take the first model IDs. */
  static readonly SPECIALS = 2;
  /** Model ID of byte 0x00 in format 2; byte b is FIRST_BYTE + b. */
  static readonly FIRST_BYTE = 2;
  static readonly BYTE_TOKENS = BYTE_TOKENS;
  static readonly DEFAULT_MAX_VOCAB = 8192;
  /** The smallest vocabulary of format 2: the specials and the byte tokens. */
  static readonly MIN_SIZE = Vocabulary.SPECIALS + BYTE_TOKENS;
  /** How the mask token is shown and how a person writes it in text to fill (mlm/fill.ts). */
  static readonly MASK_LABEL = '[MASK]';

  readonly tokenizer: VocabularyTokenizer;
  /** 1: unknown tokens are <unk>; 2: byte fallback; 3: an imported tokenizer. */
  readonly version: 1 | 2 | 3;
  /** Number of model IDs, the special (and byte) tokens included. */
  readonly size: number;
  /** Model ID of the first whole token (after the specials, and after the bytes in format 2). */
  readonly firstToken: number;
  readonly minCount: number | undefined;
  /** Model ID of [MASK] (the last one); undefined when this vocabulary has none (a decoder's). */
  readonly maskId: number | undefined;
  private readonly external: number[];
  private readonly counts: number[] | undefined;
  private readonly index: Map<number, number>;
  /** Format 3: the imported tokenizer, whose IDs are the model's. */
  readonly hf: HfTokenizer | undefined;

  private constructor(tokenizer: VocabularyTokenizer, version: 1 | 2 | 3, externalIds: number[], counts?: number[], minCount?: number, mask = false, hf?: { tokenizer: HfTokenizer; size: number }) {
    this.tokenizer = tokenizer;
    this.version = version;
    this.external = externalIds;
    this.counts = counts;
    this.minCount = minCount;
    this.hf = hf?.tokenizer;
    this.firstToken = hf ? 0 : Vocabulary.SPECIALS + (version === 2 ? BYTE_TOKENS : 0);
    this.maskId = mask ? externalIds.length + this.firstToken : undefined;
    this.size = hf ? hf.size : externalIds.length + this.firstToken + (mask ? 1 : 0);
    this.index = new Map();
    externalIds.forEach((id, i) => this.index.set(id, i + this.firstToken));
  }

  /**
   * The vocabulary of an imported model: its tokenizer.json (and tokenizer_config.json), with `size` model
   * IDs (the model's vocab_size). Throws when @huggingface/tokenizers cannot build the tokenizer.
   */
  static fromHf(tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>, size: number): Vocabulary {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`vocabulary size must be a positive integer, got ${size}`);
    return new Vocabulary(HF_TOKENIZER, 3, [], undefined, undefined, false, { tokenizer: new HfTokenizer(tokenizerJson, tokenizerConfig), size });
  }

  /**
   * The token a context starts with when there is no text, and that documents are separated by: <sep>, or
   * an imported tokenizer's end-of-text token (GPT-2's <|endoftext|>).
   */
  get documentStart(): number {
    return this.hf ? this.hf.endOfText : Vocabulary.SEP;
  }

  /** The GPT encoding or 'char' this vocabulary is a subset of; throws for an imported tokenizer, which is no such thing. */
  get subsetOf(): TokenizerName {
    if (this.tokenizer === HF_TOKENIZER) throw new Error("An imported model's vocabulary is its own tokenizer's, not a subset of a GPT encoding");
    return this.tokenizer;
  }

  /** Whether tokens outside the vocabulary are spelled in bytes (format 2) rather than read as <unk>. */
  get byteFallback(): boolean {
    return this.version === 2;
  }

  /**
   * Builds a vocabulary (format 2) from token streams of the training text (external IDs, as `encode` gives
   * them): the tokens seen at least `minCount` times, ordered by count (highest first) and then by external
   * ID, so the result depends only on the counts; at most `maxVocab` model IDs in all.
   */
  static build(streams: Iterable<readonly number[]>, tokenizer: TokenizerName, options: number | VocabularyBuildOptions = {}): Vocabulary {
    if (!isTokenizerName(tokenizer)) throw new Error(`Unknown tokenizer "${String(tokenizer)}". Known: ${TOKENIZERS.join(', ')}.`);
    const { maxVocab = Vocabulary.DEFAULT_MAX_VOCAB, minCount = 1, mask = false } = typeof options === 'number' ? { maxVocab: options } : options;
    const minSize = Vocabulary.MIN_SIZE + (mask ? 1 : 0);
    if (!Number.isInteger(maxVocab) || maxVocab < minSize) {
      throw new RangeError(`maxVocab must be an integer of at least ${minSize} (the ${mask ? '3' : '2'} special and 256 byte tokens), got ${maxVocab}`);
    }
    if (!Number.isInteger(minCount) || minCount < 1) throw new RangeError(`minCount must be a positive integer, got ${minCount}`);
    const counts = new Map<number, number>();
    for (const stream of streams) {
      for (const id of stream) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const ranked = [...counts.entries()]
      .filter(([, count]) => count >= minCount)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, maxVocab - minSize);
    return new Vocabulary(
      tokenizer,
      2,
      ranked.map(([id]) => id),
      ranked.map(([, count]) => count),
      minCount,
      mask,
    );
  }

  /**
   * External IDs → model IDs. A token the vocabulary holds is one model ID; any other is its UTF-8 bytes
   * (format 2), or <unk> (format 1). So the result may be longer than the input.
   */
  toModel(externalIds: readonly number[]): number[] {
    const out: number[] = [];
    for (const id of externalIds) this.appendModelIds(id, out);
    return out;
  }

  /** The model IDs of one external token, appended to `out` (its bytes when the vocabulary does not hold it). */
  appendModelIds(externalId: number, out: number[]): void {
    if (this.hf) {
      out.push(externalId);
      return;
    }
    const modelId = this.index.get(externalId);
    if (modelId !== undefined) out.push(modelId);
    else if (this.version === 1) out.push(Vocabulary.UNK);
    else for (const byte of tokenBytes(externalId, this.subsetOf)) out.push(Vocabulary.FIRST_BYTE + byte);
  }

  /** The one model ID of an external token, undefined when the vocabulary spells it in bytes (or has no such token). */
  modelIdOf(externalId: number): number | undefined {
    if (this.hf) return this.has(externalId) ? externalId : undefined;
    return this.index.get(externalId);
  }

  /** Whether a model ID is a special token (<unk>, <sep>, [MASK]; an imported tokenizer's added tokens): never a word of the text. */
  isSpecial(modelId: number): boolean {
    if (this.hf) return this.hf.isSpecial(modelId);
    return modelId < Vocabulary.SPECIALS || modelId === this.maskId;
  }

  /** Model ID → external ID; undefined for the special and byte tokens and for IDs out of range. */
  toExternal(modelId: number): number | undefined {
    if (this.hf) return this.has(modelId) ? modelId : undefined;
    if (!Number.isInteger(modelId) || modelId < this.firstToken || modelId >= this.firstToken + this.external.length) return undefined;
    return this.external[modelId - this.firstToken];
  }

  /** The byte a byte token stands for; undefined for every other model ID. */
  byteOf(modelId: number): number | undefined {
    if (this.version !== 2 || !Number.isInteger(modelId) || modelId < Vocabulary.FIRST_BYTE || modelId >= Vocabulary.FIRST_BYTE + BYTE_TOKENS) return undefined;
    return modelId - Vocabulary.FIRST_BYTE;
  }

  /** Whether an external token ID is in the vocabulary as a whole token. */
  has(externalId: number): boolean {
    if (this.hf) return Number.isInteger(externalId) && externalId >= 0 && externalId < this.size;
    return this.index.has(externalId);
  }

  /** How often a whole token occurred in the training text it was built from (undefined for the others). */
  count(modelId: number): number | undefined {
    if (!this.counts || modelId < this.firstToken || modelId >= this.firstToken + this.external.length) return undefined;
    return this.counts[modelId - this.firstToken];
  }

  /**
   * The tokenizer's pieces of a text, with their external IDs (appendModelIds maps each to model IDs): the GPT
   * encoding's or the characters, or an imported tokenizer's tokens (whose IDs are the model's).
   */
  pieces(text: string): TokenPiece[] {
    if (this.hf) {
      const hf = this.hf;
      return piecesOfBytes(text, hf.encode(text), (id) => hf.tokenBytes(id));
    }
    return tokenPieces(text, this.subsetOf);
  }

  /** Text → model IDs (tokenize with the vocabulary's tokenizer, then map; see toModel). */
  encode(text: string): number[] {
    if (this.hf) return this.hf.encode(text);
    return this.toModel(encode(text, this.subsetOf));
  }

  /**
   * Model IDs → text: the tokens' bytes, decoded as UTF-8. Special tokens are dropped; bytes that are not
   * whole characters decode to U+FFFD.
   */
  decode(modelIds: readonly number[]): string {
    if (this.version === 1) {
      const ids: number[] = [];
      for (const modelId of modelIds) {
        const id = this.toExternal(modelId);
        if (id !== undefined) ids.push(id);
      }
      return ids.length ? decode(ids, this.subsetOf) : '';
    }
    return utf8Decoder.decode(concatBytes(Array.from(modelIds, (modelId) => this.tokenBytes(modelId))));
  }

  /** The bytes a model token stands for (empty for the special tokens). */
  tokenBytes(modelId: number): Uint8Array {
    if (this.hf) return this.has(modelId) ? this.hf.tokenBytes(modelId) : new Uint8Array(0);
    const byte = this.byteOf(modelId);
    if (byte !== undefined) return Uint8Array.of(byte);
    const id = this.toExternal(modelId);
    if (id === undefined) return new Uint8Array(0);
    return this.tokenizer === 'char' ? utf8.encode(String.fromCodePoint(id)) : tokenBytes(id, this.subsetOf);
  }

  /**
   * How to show one model token: '<unk>' and '<sep>' for the specials, a byte token as its byte in hex
   * (<C5>), else its text with whitespace made visible (unless `whitespace: false`) and bytes that are not
   * whole UTF-8 characters as <E2 80>.
   */
  tokenLabel(modelId: number, options: { whitespace?: boolean } = {}): string {
    if (!Number.isInteger(modelId) || modelId < 0 || modelId >= this.size) {
      throw new RangeError(`Model token ID ${modelId} is outside the vocabulary (0–${this.size - 1})`);
    }
    if (this.hf) {
      // an added token (<|endoftext|>) as it is written; an ID past the tokenizer's own, by number
      if (this.hf.isSpecial(modelId)) return this.hf.tokenString(modelId)!;
      if (this.hf.tokenString(modelId) === undefined) return `<id ${modelId}>`;
      return displayToken(this.tokenBytes(modelId), { whitespace: options.whitespace ?? true });
    }
    if (modelId < Vocabulary.SPECIALS) return SPECIAL_LABELS[modelId];
    if (modelId === this.maskId) return Vocabulary.MASK_LABEL;
    const byte = this.byteOf(modelId);
    if (byte !== undefined) return `<${hexBytes(Uint8Array.of(byte))}>`;
    return displayToken(this.tokenBytes(modelId), { whitespace: options.whitespace ?? true });
  }

  toJSON(): VocabularyJSON {
    if (this.hf) return { format: FORMAT, version: 3, tokenizer: HF_TOKENIZER, tokens: [], size: this.size, hf: { tokenizer: this.hf.json, config: this.hf.config } };
    const json: VocabularyJSON = { format: FORMAT, version: this.version, tokenizer: this.tokenizer, tokens: Array.from(this.external) };
    if (this.counts) json.counts = this.counts.slice();
    if (this.minCount !== undefined) json.minCount = this.minCount;
    if (this.maskId !== undefined) json.mask = true;
    return json;
  }

  /** Reads what `toJSON` wrote, checking everything; throws an Error whose message says what is wrong. */
  static fromJSON(json: unknown): Vocabulary {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('vocabulary is not a JSON object');
    const o = json as Record<string, unknown>;
    if (o.format !== FORMAT) throw new Error(`vocabulary "format" is ${JSON.stringify(o.format)}, expected "${FORMAT}"`);
    if (!(VERSIONS as readonly unknown[]).includes(o.version)) {
      throw new Error(`vocabulary version ${JSON.stringify(o.version)} is not supported (this version of LM Explorer reads ${VERSIONS.join(' and ')})`);
    }
    if (o.version === 3) return Vocabulary.fromHfJSON(o);
    const version = o.version as 1 | 2;
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
    let minCount: number | undefined;
    if (o.minCount !== undefined) {
      if (typeof o.minCount !== 'number' || !Number.isInteger(o.minCount) || o.minCount < 1) throw new Error(`vocabulary "minCount" ${JSON.stringify(o.minCount)} is not a positive integer`);
      minCount = o.minCount;
    }
    if (o.mask !== undefined && typeof o.mask !== 'boolean') throw new Error(`vocabulary "mask" ${JSON.stringify(o.mask)} is not true or false`);
    if (o.mask === true && version !== 2) throw new Error('vocabulary "mask" needs version 2 (byte fallback)');
    return new Vocabulary(tokenizer, version, tokens as number[], counts, minCount, o.mask === true);
  }

  /** Format 3: the imported tokenizer kept in vocab.json. */
  private static fromHfJSON(o: Record<string, unknown>): Vocabulary {
    if (o.tokenizer !== HF_TOKENIZER) throw new Error(`vocabulary version 3 is an imported tokenizer's ("${HF_TOKENIZER}"), not ${JSON.stringify(o.tokenizer)}`);
    const hf = o.hf as { tokenizer?: unknown; config?: unknown } | undefined;
    const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!isObject(hf) || !isObject(hf.tokenizer) || !isObject(hf.config)) throw new Error('vocabulary "hf" must hold the tokenizer.json and tokenizer_config.json objects');
    if (typeof o.size !== 'number' || !Number.isInteger(o.size) || o.size < 1) throw new Error(`vocabulary "size" ${JSON.stringify(o.size)} is not a positive integer`);
    try {
      return Vocabulary.fromHf(hf.tokenizer, hf.config, o.size);
    } catch (error) {
      throw new Error(`the imported tokenizer cannot be built: ${(error as Error).message}`);
    }
  }
}
