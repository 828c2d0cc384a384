// Tokenizers: the GPT byte-pair encodings of gpt-tokenizer, and one token per Unicode code point.
// Besides IDs this module answers the questions a learner asks of a token: which bytes it stands
// for, where it sits in the text, and how to show it when it is only part of a character.

import * as l10n from '@vscode/l10n';

/** The GPT byte-pair encodings LM Explorer offers, in the order they are offered. */
export const ENCODINGS = ['o200k_base', 'cl100k_base', 'p50k_base', 'r50k_base'] as const;
export type EncodingName = (typeof ENCODINGS)[number];
export type TokenizerName = EncodingName | 'char';
export const TOKENIZERS: readonly TokenizerName[] = [...ENCODINGS, 'char'];

/** Which models use an encoding, and its size, in the display language. */
export function encodingDescription(name: TokenizerName): string {
  switch (name) {
    case 'o200k_base':
      return l10n.t('GPT-4o, GPT-4.1, o1, o3 ({0} tokens)', l10n.t('200k'));
    case 'cl100k_base':
      return l10n.t('GPT-4, GPT-3.5-turbo, text-embedding-3 ({0} tokens)', l10n.t('100k'));
    case 'p50k_base':
      return l10n.t('Codex, text-davinci-002/003 ({0} tokens)', l10n.t('50k'));
    case 'r50k_base':
      return l10n.t('GPT-3, GPT-2 ({0} tokens)', l10n.t('50k'));
    case 'char':
      return l10n.t('One token per Unicode character (code point)');
  }
}

export function isTokenizerName(name: unknown): name is TokenizerName {
  return typeof name === 'string' && (TOKENIZERS as readonly string[]).includes(name);
}

/** The part of gpt-tokenizer's API used here. */
interface GptEncodingApi {
  encode(text: string, options?: { disallowedSpecial?: Set<string> }): number[];
  bytePairEncodingCoreProcessor?: BytePairCore;
}

/**
 * gpt-tokenizer's BytePairEncodingCore (3.4), whose members are public in its JavaScript: the pre-split
 * regex, its rank lookups and its byte-pair merge of one piece. LM Explorer runs the encoding loop itself
 * with these (see encodeGpt), and decodes from the token bytes.
 */
interface BytePairCore {
  tokenSplitRegex: RegExp;
  getBpeRankFromString(text: string): number | undefined;
  getBpeRankFromBytes(bytes: Uint8Array): number | undefined;
  bytePairEncode(piece: string): number[];
  binarySearch(bytes: Uint8Array): number;
  bytePairNonUtfSortedEncoder: [Uint8Array, number][];
  bytePairRankDecoder: (string | number[] | undefined)[];
  decodeNativeGenerator(ids: Iterable<number>): Generator<Uint8Array | string>;
}

const loaded = new Map<EncodingName, BytePairCore>();

/** Loads an encoding on first use: each one is megabytes of merge ranks. */
function gptEncoding(name: EncodingName): BytePairCore {
  let core = loaded.get(name);
  if (!core) {
    let api: GptEncodingApi;
    // Literal requires, so that the bundler sees every encoding (and evaluates each lazily).
    switch (name) {
      case 'o200k_base':
        api = require('gpt-tokenizer/cjs/encoding/o200k_base').default;
        break;
      case 'cl100k_base':
        api = require('gpt-tokenizer/cjs/encoding/cl100k_base').default;
        break;
      case 'p50k_base':
        api = require('gpt-tokenizer/cjs/encoding/p50k_base').default;
        break;
      case 'r50k_base':
        api = require('gpt-tokenizer/cjs/encoding/r50k_base').default;
        break;
      default:
        throw new Error(`Unknown encoding "${String(name)}". Known: ${TOKENIZERS.join(', ')}.`);
    }
    const found = api.bytePairEncodingCoreProcessor;
    if (!found || !(found.tokenSplitRegex instanceof RegExp) || typeof found.binarySearch !== 'function' || !Array.isArray(found.bytePairNonUtfSortedEncoder)) {
      throw new Error('gpt-tokenizer no longer exposes its byte-pair core as 3.4 does; pin a compatible version.');
    }
    core = found;
    keepByteOrderMarks(core);
    loaded.set(name, core);
  }
  return core;
}

/**
 * Works around a bug of gpt-tokenizer 3.4: its lookup from bytes to a rank turns the bytes into a string with
 * `new TextDecoder('utf8')`, which drops a leading byte-order mark (U+FEFF, bytes EF BB BF), so every token
 * that starts with one is looked up as the rest of its bytes. A minimal reproduction:
 *
 *   const o200k = require('gpt-tokenizer/cjs/encoding/o200k_base').default;
 *   o200k.encode('\ufeff');   // [5416, 123] — tiktoken: [5574], the token whose bytes are EF BB BF
 *   o200k.decode([5574]);     // '' — tiktoken: '\ufeff' (its decoder drops the mark as well)
 *
 * Here the lookup decodes with ignoreBOM, so EF BB BF stays U+FEFF, and decode() decodes the token bytes
 * itself with a decoder that keeps the mark.
 */
function keepByteOrderMarks(core: BytePairCore): void {
  const binaryRank = (bytes: Uint8Array): number | undefined => {
    const index = core.binarySearch(bytes);
    return index === -1 ? undefined : core.bytePairNonUtfSortedEncoder[index][1];
  };
  core.getBpeRankFromBytes = (bytes: Uint8Array): number | undefined => {
    const text = utf8Text(bytes);
    return (text !== undefined ? core.getBpeRankFromString(text) : undefined) ?? binaryRank(bytes);
  };
}

/**
 * What a converter to another tokenizer format needs of a GPT encoding: its pre-split pattern (JavaScript
 * syntax) and its number of token IDs (every ID below it is a token; tokenBytes gives its bytes, and an ID
 * is also its byte-pair rank). No special tokens: LM Explorer reads "<|endoftext|>" as text.
 */
export function encodingTable(name: EncodingName): { pattern: string; size: number } {
  const core = gptEncoding(name);
  return { pattern: core.tokenSplitRegex.source, size: core.bytePairRankDecoder.length };
}

/** Whether this thread has loaded the tokenizer's tables already ('char' needs none). */
export function isTokenizerLoaded(tokenizer: TokenizerName): boolean {
  return tokenizer === 'char' || loaded.has(tokenizer);
}

/** Text → token IDs: GPT token IDs, or Unicode code points for 'char'. */
export function encode(text: string, tokenizer: TokenizerName): number[] {
  if (tokenizer === 'char') {
    const ids: number[] = [];
    for (const ch of text) ids.push(ch.codePointAt(0)!);
    return ids;
  }
  return encodeGpt(text, gptEncoding(tokenizer));
}

/** Pieces at least this long (UTF-16 units) are merged by mergeLongPiece, which takes O(n log n) time. */
const LONG_PIECE = 256;

/**
 * What gpt-tokenizer's encode does with no special tokens allowed, piece by piece of its pre-split (the
 * regex of the encoding; no token crosses a piece): a piece that is one token, else the byte-pair merge of the
 * piece. Its own merge rescans the whole piece after each merge, O(n²): 300 KB of "=" (one piece) took
 * two minutes. Long pieces go to mergeLongPiece, which makes the same merges in the same order. No special
 * tokens: notes may well contain "<|endoftext|>", and it is ordinary text here.
 */
function encodeGpt(text: string, core: BytePairCore): number[] {
  const ids: number[] = [];
  for (const [piece] of text.matchAll(core.tokenSplitRegex)) {
    const whole = core.getBpeRankFromString(piece);
    if (whole !== undefined) ids.push(whole);
    else for (const id of piece.length >= LONG_PIECE ? mergeLongPiece(piece, core) : core.bytePairEncode(piece)) ids.push(id);
  }
  return ids;
}

/**
 * The byte-pair merge of one piece, as tiktoken defines it: while any two neighbouring parts join into a
 * token, join the pair whose token has the lowest rank, the leftmost of equal ranks. The parts are a linked
 * list and the candidate pairs a heap ordered by (rank, position), so each merge costs O(log n) instead of a
 * scan of the piece. The result is the same merges in the same order, hence the same IDs.
 */
function mergeLongPiece(piece: string, core: BytePairCore): number[] {
  const bytes = utf8.encode(piece);
  const n = bytes.length;
  const maxTokenBytes = longestToken(core);
  // Part i covers bytes [i, next[i]); removed parts have alive[i] = 0.
  const next = new Int32Array(n + 1);
  const prev = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  const alive = new Uint8Array(n + 1).fill(1);
  // The rank of the pair starting at part i (part i joined with the part after it), or Infinity.
  const pairRank = new Float64Array(n + 1);
  const rankOf = (start: number): number => {
    const second = next[start];
    if (second >= n) return Infinity;
    const end = next[second];
    if (end - start > maxTokenBytes) return Infinity;
    return core.getBpeRankFromBytes(bytes.subarray(start, end)) ?? Infinity;
  };
  const heap = new PairHeap();
  for (let i = 0; i < n; i++) {
    pairRank[i] = rankOf(i);
    if (pairRank[i] !== Infinity) heap.push(pairRank[i], i);
  }
  for (let key = heap.pop(); key >= 0; key = heap.pop()) {
    const rank = Math.floor(key / PAIR_SHIFT);
    const start = key - rank * PAIR_SHIFT;
    // Stale entries: the part is gone, or its pair changed since this entry was pushed.
    if (!alive[start] || pairRank[start] !== rank) continue;
    const second = next[start];
    alive[second] = 0;
    next[start] = next[second];
    if (next[second] <= n) prev[next[second]] = start;
    pairRank[start] = rankOf(start);
    if (pairRank[start] !== Infinity) heap.push(pairRank[start], start);
    const before = prev[start];
    if (before >= 0) {
      pairRank[before] = rankOf(before);
      if (pairRank[before] !== Infinity) heap.push(pairRank[before], before);
    }
  }
  const ids: number[] = [];
  for (let i = 0; i < n; i = next[i]) {
    const id = core.getBpeRankFromBytes(bytes.subarray(i, next[i]));
    if (id === undefined) throw new Error(`The encoding has no token for the bytes ${hexBytes(bytes.subarray(i, next[i]))}.`);
    ids.push(id);
  }
  return ids;
}

const longestTokens = new WeakMap<BytePairCore, number>();

/** The most bytes any token of the encoding has: no longer pair can be a token. */
function longestToken(core: BytePairCore): number {
  let longest = longestTokens.get(core);
  if (longest === undefined) {
    longest = 0;
    for (const value of core.bytePairRankDecoder) {
      if (value !== undefined) longest = Math.max(longest, typeof value === 'string' ? utf8.encode(value).length : value.length);
    }
    longestTokens.set(core, longest);
  }
  return longest;
}

/**
 * A binary min-heap of (rank, position) pairs, ordered by rank and then by position: each pair is one
 * number, rank · 2³² + position (ranks < 2²⁰, positions < 2³², exact in a double).
 */
class PairHeap {
  private keys = new Float64Array(1024);
  private size = 0;

  push(rank: number, position: number): void {
    if (this.size === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const keys = this.keys;
    const key = rank * PAIR_SHIFT + position;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] <= key) break;
      keys[i] = keys[parent];
      i = parent;
    }
    keys[i] = key;
  }

  /** The smallest pair's key (rank = floor(key / 2³²), position = key mod 2³²), or -1 when empty. */
  pop(): number {
    if (this.size === 0) return -1;
    const keys = this.keys;
    const top = keys[0];
    const last = keys[--this.size];
    const size = this.size;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const child = left + 1 < size && keys[left + 1] < keys[left] ? left + 1 : left;
      if (keys[child] >= last) break;
      keys[i] = keys[child];
      i = child;
    }
    keys[i] = last;
    return top;
  }
}

const PAIR_SHIFT = 2 ** 32;

/** Token IDs → text. Bytes that do not form whole characters decode to U+FFFD, as TextDecoder does. */
export function decode(ids: readonly number[], tokenizer: TokenizerName): string {
  if (tokenizer === 'char') {
    let text = '';
    for (const id of ids) text += String.fromCodePoint(id);
    return text;
  }
  const parts = ids.map((id) => tokenBytes(id, tokenizer));
  const bytes = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return keepingByteOrderMark.decode(bytes);
}

/** Decodes UTF-8 as TextDecoder does (U+FFFD for bad bytes), keeping a leading U+FEFF that is in the text. */
const keepingByteOrderMark = new TextDecoder('utf-8', { ignoreBOM: true });

const utf8 = new TextEncoder();
const byteCache = new Map<EncodingName, Map<number, Uint8Array>>();

/** The bytes one token stands for (UTF-8 for 'char'). Throws for an ID the encoding does not have. */
export function tokenBytes(id: number, tokenizer: TokenizerName): Uint8Array {
  if (tokenizer === 'char') return utf8.encode(String.fromCodePoint(id));
  let cache = byteCache.get(tokenizer);
  if (!cache) byteCache.set(tokenizer, (cache = new Map()));
  const cached = cache.get(id);
  if (cached) return cached;
  const part = gptEncoding(tokenizer).decodeNativeGenerator([id]).next().value;
  if (part === undefined) throw new Error(`Token ${id} is not in ${tokenizer}.`);
  const bytes = typeof part === 'string' ? utf8.encode(part) : part;
  cache.set(id, bytes);
  return bytes;
}

/** One token of a text, with where it lies in that text. */
export interface TokenPiece {
  id: number;
  /** UTF-16 offsets into the text. A token that ends inside a character takes the whole character; the token
   * that finishes the character then starts after it (its range may be empty). */
  start: number;
  end: number;
  bytes: Uint8Array;
  /** The token's text when its bytes are whole UTF-8 characters, else ''. */
  text: string;
  /** Whether the bytes are whole UTF-8 characters. */
  complete: boolean;
}

// ignoreBOM: a token's bytes EF BB BF are the character U+FEFF, not a byte-order mark to drop.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of some bytes when they are valid, complete UTF-8; undefined otherwise. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  // A token's few bytes are decoded here (TextDecoder costs microseconds a call: the merges look up millions).
  if (bytes.length <= 64) return shortUtf8Text(bytes);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** utf8Text for a few bytes: the same checks as a fatal TextDecoder (no overlong forms, surrogates or > U+10FFFF). */
function shortUtf8Text(bytes: Uint8Array): string | undefined {
  let text = '';
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    const length = utf8LeadLength(lead);
    if (length === 0 || i + length > bytes.length) return undefined;
    let cp = length === 1 ? lead : lead & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const b = bytes[i + k];
      if ((b & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (b & 0x3f);
    }
    if ((length === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (length === 4 && (cp < 0x10000 || cp > 0x10ffff))) return undefined;
    text += String.fromCodePoint(cp);
    i += length;
  }
  return text;
}

/**
 * For each UTF-8 byte boundary of `text` as TextEncoder encodes it (lone surrogates become U+FFFD, 3 bytes),
 * the UTF-16 offset of the first character boundary at or after that byte.
 */
function byteToUtf16Offsets(text: string): Uint32Array {
  const offsets = new Uint32Array(text.length * 3 + 1);
  let byte = 0;
  let i = 0;
  while (i < text.length) {
    const unit = text.charCodeAt(i);
    let units = 1;
    let bytes: number;
    if (unit < 0x80) bytes = 1;
    else if (unit < 0x800) bytes = 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes = 4;
      units = 2;
    } else bytes = 3; // BMP character, or a lone surrogate encoded as U+FFFD
    offsets[byte++] = i;
    for (let b = 1; b < bytes; b++) offsets[byte++] = i + units; // inside a character: round up to its end
    i += units;
  }
  offsets[byte++] = text.length;
  return offsets.subarray(0, byte);
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Tokenizes a text and says where each token lies in it, with its bytes. */
export function tokenPieces(text: string, tokenizer: TokenizerName): TokenPiece[] {
  const ids = encode(text, tokenizer);
  const pieces: TokenPiece[] = [];
  if (tokenizer === 'char') {
    let offset = 0;
    for (const id of ids) {
      const ch = String.fromCodePoint(id);
      pieces.push({ id, start: offset, end: offset + ch.length, bytes: utf8.encode(ch), text: ch, complete: true });
      offset += ch.length;
    }
    return pieces;
  }
  return piecesOfBytes(text, ids, (id) => tokenBytes(id, tokenizer));
}

/**
 * The pieces of a text that a tokenizer cut into `ids`, each token taking its bytes' length of the text's
 * UTF-8 in turn (exact when the tokens' bytes spell the text, as byte-level tokenizers' do).
 */
export function piecesOfBytes(text: string, ids: readonly number[], bytesOf: (id: number) => Uint8Array): TokenPiece[] {
  const pieces: TokenPiece[] = [];
  const toUtf16 = byteToUtf16Offsets(text);
  const lastByte = toUtf16.length - 1;
  let byte = 0;
  for (const id of ids) {
    const bytes = bytesOf(id);
    const start = toUtf16[Math.min(byte, lastByte)];
    byte += bytes.length;
    const end = toUtf16[Math.min(byte, lastByte)];
    const complete = isWholeUtf8(bytes);
    // The source text holds the token's characters (a lone surrogate included, which its bytes cannot).
    pieces.push({ id, start, end, bytes, text: complete ? text.slice(start, end) : '', complete });
  }
  return pieces;
}

/** Whether bytes are whole UTF-8 characters: a quick structural check, no decoding. */
function isWholeUtf8(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length) {
    const length = utf8LeadLength(bytes[i]);
    if (length === 0 || i + length > bytes.length) return false;
    for (let k = 1; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return false;
    i += length;
  }
  return true;
}

function utf8LeadLength(lead: number): number {
  return lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
}

/** Bytes in hex, as `E2 80`. */
/** The chunks end to end, in one array. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

const WHITESPACE_MARKS: Record<string, string> = { ' ': '·', '\t': '→', '\n': '↵', '\r': '␍' };

/** Makes spaces, tabs and line breaks visible: `·`, `→`, `↵`, `␍`. */
export function showWhitespace(text: string): string {
  return text.replace(/[ \t\n\r]/g, (ch) => WHITESPACE_MARKS[ch]);
}

/** Shows the invisible C0 control characters (NUL, ESC…) as their Unicode pictures (␀, ␛…). */
export function showControlCharacters(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (ch) =>
    ch === '\u007f' ? '␡' : String.fromCharCode(0x2400 + ch.charCodeAt(0)),
  );
}

/**
 * How to show a token to a person: its text, with whitespace made visible if asked, control characters
 * as their pictures (␀), and any bytes that are not whole UTF-8 characters as `<C5>`, never as U+FFFD.
 */
export function displayToken(bytes: Uint8Array, options: { whitespace?: boolean } = {}): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) {
      out += `<${hexBytes(bytes.subarray(i, i + 1))}>`;
      i += 1;
    } else {
      const ch = showControlCharacters(utf8Text(bytes.subarray(i, i + length))!);
      out += options.whitespace ? showWhitespace(ch) : ch;
      i += length;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the bytes there are not one. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const length = utf8LeadLength(bytes[i]);
  if (length === 0 || i + length > bytes.length) return 0;
  return utf8Text(bytes.subarray(i, i + length)) === undefined ? 0 : length;
}
