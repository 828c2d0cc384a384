// Tokenizers: the GPT byte-pair encodings of gpt-tokenizer, and one token per Unicode code point.
// Besides IDs this module answers the questions a learner asks of a token: which bytes it stands
// for, where it sits in the text, and how to show it when it is only part of a character.

/** The GPT byte-pair encodings LM Explorer offers, in the order they are offered. */
export const ENCODINGS = ['o200k_base', 'cl100k_base', 'p50k_base', 'r50k_base'] as const;
export type EncodingName = (typeof ENCODINGS)[number];
export type TokenizerName = EncodingName | 'char';
export const TOKENIZERS: readonly TokenizerName[] = [...ENCODINGS, 'char'];

export const ENCODING_DESCRIPTIONS: Record<TokenizerName, string> = {
  o200k_base: 'GPT-4o, GPT-4.1, o1, o3 (200k tokens)',
  cl100k_base: 'GPT-4, GPT-3.5-turbo, text-embedding-3 (100k tokens)',
  p50k_base: 'Codex, text-davinci-002/003 (50k tokens)',
  r50k_base: 'GPT-3, GPT-2 (50k tokens)',
  char: 'One token per Unicode character (code point)',
};

export function isTokenizerName(name: unknown): name is TokenizerName {
  return typeof name === 'string' && (TOKENIZERS as readonly string[]).includes(name);
}

/** The part of gpt-tokenizer's API used here, plus the byte decoder it keeps privately. */
interface GptEncodingApi {
  encode(text: string, options?: { disallowedSpecial?: Set<string> }): number[];
  decode(ids: Iterable<number>): string;
  bytePairEncodingCoreProcessor?: {
    decodeNativeGenerator(ids: Iterable<number>): Generator<Uint8Array | string>;
  };
}

const loaded = new Map<EncodingName, GptEncodingApi>();

/** Loads an encoding on first use: each one is megabytes of merge ranks. */
function gptEncoding(name: EncodingName): GptEncodingApi {
  let api = loaded.get(name);
  if (!api) {
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
    loaded.set(name, api!);
  }
  return api!;
}

/** Whether this thread has loaded the tokenizer's tables already ('char' needs none). */
export function isTokenizerLoaded(tokenizer: TokenizerName): boolean {
  return tokenizer === 'char' || loaded.has(tokenizer);
}

// Notes may well contain "<|endoftext|>": it is ordinary text here, never a special token.
const NO_SPECIAL_TOKENS = { disallowedSpecial: new Set<string>() };

/** Text → token IDs: GPT token IDs, or Unicode code points for 'char'. */
export function encode(text: string, tokenizer: TokenizerName): number[] {
  if (tokenizer === 'char') {
    const ids: number[] = [];
    for (const ch of text) ids.push(ch.codePointAt(0)!);
    return ids;
  }
  return gptEncoding(tokenizer).encode(text, NO_SPECIAL_TOKENS);
}

/** Token IDs → text. Bytes that do not form whole characters decode to U+FFFD, as TextDecoder does. */
export function decode(ids: readonly number[], tokenizer: TokenizerName): string {
  if (tokenizer === 'char') {
    let text = '';
    for (const id of ids) text += String.fromCodePoint(id);
    return text;
  }
  return gptEncoding(tokenizer).decode(ids);
}

const utf8 = new TextEncoder();
const byteCache = new Map<EncodingName, Map<number, Uint8Array>>();

/** The bytes one token stands for (UTF-8 for 'char'). Throws for an ID the encoding does not have. */
export function tokenBytes(id: number, tokenizer: TokenizerName): Uint8Array {
  if (tokenizer === 'char') return utf8.encode(String.fromCodePoint(id));
  let cache = byteCache.get(tokenizer);
  if (!cache) byteCache.set(tokenizer, (cache = new Map()));
  const cached = cache.get(id);
  if (cached) return cached;
  const core = gptEncoding(tokenizer).bytePairEncodingCoreProcessor;
  if (!core) throw new Error('gpt-tokenizer no longer exposes its byte decoder; pin a compatible version.');
  const part = core.decodeNativeGenerator([id]).next().value;
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

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of some bytes when they are valid, complete UTF-8; undefined otherwise. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
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
  const toUtf16 = byteToUtf16Offsets(text);
  const lastByte = toUtf16.length - 1;
  let byte = 0;
  for (const id of ids) {
    const bytes = tokenBytes(id, tokenizer);
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
