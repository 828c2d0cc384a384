// A text's tokens as a compact table (IDs, UTF-16 and byte offsets), its word and character counts, and
// how the counts are shown. No `vscode` import: the token worker, the benchmark and the unit tests load it.

import * as l10n from '@vscode/l10n';
import { formatNumber, plural } from '../../../l10n/format';
import { encode, tokenBytes, type TokenizerName } from '../../../engine/tokenizer';
import type { HfTokenizer } from '../../../engine/hf/hfTokenizer';
import { HF_TOKENIZER, type VocabularyTokenizer } from '../../../engine/vocab';
import { hfTokenTable } from './hfTokenTable';

/** What cuts a text into tokens here: a GPT encoding or 'char' by name, or an imported model's own tokenizer. */
export type TextTokenizer = TokenizerName | HfTokenizer;

/** A tokenizer's name: the encoding's, or 'hf' for an imported tokenizer.json. */
export function tokenizerName(tokenizer: TextTokenizer): VocabularyTokenizer {
  return typeof tokenizer === 'string' ? tokenizer : HF_TOKENIZER;
}

/** The token IDs of a text. */
export function encodeText(text: string, tokenizer: TextTokenizer): number[] {
  return typeof tokenizer === 'string' ? encode(text, tokenizer) : tokenizer.encode(text);
}

/** Every token of a text, compactly: a 1 MB text has ~400k tokens, too many for one object each. */
export interface TokenTable {
  tokenizer: VocabularyTokenizer;
  /** Token IDs of `tokenizer` (an imported tokenizer's IDs are the model's). */
  ids: Uint32Array;
  /** UTF-16 offsets into the text (see TokenPiece: a token that ends inside a character takes the whole
   * character, and the token that finishes it gets an empty range right after). */
  starts: Uint32Array;
  ends: Uint32Array;
  /** Where each token's bytes start in the UTF-8 encoding of the text (n + 1 entries, the last one the total),
   * so a token's bytes can be read from the text without the encoding's tables. */
  byteStarts: Uint32Array;
}

const utf8 = new TextEncoder();

/** The bytes of token `i` of a table made from `text`: its slice of the text's UTF-8 encoding. */
export function tableTokenBytes(table: TokenTable, text: string | Uint8Array, i: number): Uint8Array {
  const encoded = typeof text === 'string' ? utf8.encode(text) : text;
  return encoded.subarray(table.byteStarts[i], table.byteStarts[i + 1]);
}

export interface TextStats {
  tokens: number;
  words: number;
  /** Unicode characters (code points), so an emoji counts once and a lone surrogate once. */
  chars: number;
}

/** UTF-8 length of every token ID seen, per tokenizer (the engine caches the bytes themselves). */
const byteLengths = new Map<TokenizerName, Map<number, number>>();

function tokenByteLength(id: number, tokenizer: TokenizerName, cache: Map<number, number>): number {
  let length = cache.get(id);
  if (length === undefined) {
    length = tokenBytes(id, tokenizer).length;
    cache.set(id, length);
  }
  return length;
}

/**
 * Tokenizes inline into a TokenTable: the same offsets as the engine's tokenPieces (a token that ends inside
 * a character takes the whole character; the token that finishes it starts after it), without making an
 * object per token — for 1 MB of text that is the difference between the encoder's time and twice it.
 */
export function tokenTable(text: string, tokenizer: TextTokenizer): TokenTable {
  if (typeof tokenizer !== 'string') return hfTokenTable(text, tokenizer);
  const idList = encode(text, tokenizer);
  const n = idList.length;
  const ids = new Uint32Array(n);
  const starts = new Uint32Array(n);
  const ends = new Uint32Array(n);
  const byteStarts = new Uint32Array(n + 1);
  let byte = 0;
  let cache = byteLengths.get(tokenizer);
  if (!cache) byteLengths.set(tokenizer, (cache = new Map()));
  // Walk the text in step with the tokens' bytes: `pos` is the first character not wholly consumed yet,
  // `used` how many of its UTF-8 bytes earlier tokens took, `width`/`units` its size in bytes and UTF-16.
  let pos = 0;
  let used = 0;
  let width = 0;
  let units = 0;
  const measure = () => {
    if (pos >= text.length) {
      width = 0;
      units = 0;
      return;
    }
    const unit = text.charCodeAt(pos);
    units = 1;
    if (unit < 0x80) width = 1;
    else if (unit < 0x800) width = 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && pos + 1 < text.length && isLowSurrogate(text.charCodeAt(pos + 1))) {
      width = 4;
      units = 2;
    } else width = 3; // other BMP characters, and a lone surrogate (encoded as U+FFFD)
  };
  measure();
  for (let i = 0; i < n; i++) {
    const id = idList[i];
    ids[i] = id;
    starts[i] = used === 0 ? pos : pos + units;
    let remaining = tokenizer === 'char' ? width - used : tokenByteLength(id, tokenizer, cache);
    byteStarts[i] = byte;
    byte += remaining;
    while (remaining > 0 && pos < text.length) {
      const left = width - used;
      if (remaining >= left) {
        remaining -= left;
        pos += units;
        used = 0;
        measure();
      } else {
        used += remaining;
        remaining = 0;
      }
    }
    ends[i] = used === 0 ? pos : pos + units;
  }
  byteStarts[n] = byte;
  return { tokenizer, ids, starts, ends, byteStarts };
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

// A word: letters, digits and combining marks, joined across an inner apostrophe or hyphen ("don't",
// "self-attention", "GPT-4o"). Punctuation, symbols and emoji are not words.
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’\-][\p{L}\p{N}\p{M}]+)*/gu;

/** Number of words in a text (see WORD). */
export function countWords(text: string): number {
  let count = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(text) !== null) count++;
  return count;
}

/** Number of Unicode code points: UTF-16 length less one for each surrogate pair. */
export function countChars(text: string): number {
  let pairs = 0;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return text.length - pairs;
}

export function textStats(text: string, tokenizer: TextTokenizer): TextStats {
  return { tokens: text ? encodeText(text, tokenizer).length : 0, words: countWords(text), chars: countChars(text) };
}

/** "1,234 tokens · 210 words · 1,402 chars" in the display language, with the plural each count needs. */
export function formatCounts(stats: TextStats): string {
  return [
    plural(stats.tokens, l10n.t('{0} token|{0} tokens', formatNumber(stats.tokens))),
    plural(stats.words, l10n.t('{0} word|{0} words', formatNumber(stats.words))),
    plural(stats.chars, l10n.t('{0} char|{0} chars', formatNumber(stats.chars))),
  ].join(' · ');
}
