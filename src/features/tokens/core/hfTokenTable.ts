// The token table of an imported model's own tokenizer (its tokenizer.json, run by @huggingface/tokenizers),
// which gives token IDs but no offsets. Each token's bytes are found in the text's UTF-8 in turn: for
// byte-level BPE (GPT-2's kind) they spell the text exactly, so the table is what the GPT encodings' walk
// makes (a token that ends inside a character takes the whole character, the token that finishes it an
// empty range after it; byte-fallback tokens <0xC4> are one byte each). Tokenizers that change the text
// before cutting it are placed as well as their bytes allow: a space a pre-tokenizer put before a word
// (Metaspace's ▁, add_prefix_space) is not in the text, and text a token's bytes do not start with (a
// dropped space) joins that token. The IDs are always the tokenizer's.
//
// No `vscode` import: the token worker and the unit tests load it.

import type { HfTokenizer } from '../../../engine/hf/hfTokenizer';
import { HF_TOKENIZER } from '../../../engine/vocab';
import type { TokenTable } from './tokenTable';

const utf8 = new TextEncoder();

/** How far past the expected place a token's bytes are looked for (text the tokenizer dropped, such as spaces). */
const SEARCH_BYTES = 64;

export function hfTokenTable(text: string, hf: HfTokenizer): TokenTable {
  const idList = text ? hf.encode(text) : [];
  const byteStarts = alignTokenBytes(utf8.encode(text), idList, (id) => hf.tokenBytes(id));
  const { starts, ends } = utf16Ranges(text, byteStarts);
  return { tokenizer: HF_TOKENIZER, ids: Uint32Array.from(idList), starts, ends, byteStarts };
}

/**
 * Where each token's bytes start in `text` (the text's UTF-8), n + 1 entries, the last one the text's length:
 * each token at the place the one before it ended when its bytes are there (always, for byte-level BPE).
 */
export function alignTokenBytes(text: Uint8Array, ids: readonly number[], bytesOf: (id: number) => Uint8Array): Uint32Array {
  const n = ids.length;
  const byteStarts = new Uint32Array(n + 1);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    byteStarts[i] = pos;
    const bytes = bytesOf(ids[i]);
    if (matchesAt(text, pos, bytes, 0)) pos += bytes.length;
    else if (bytes[0] === 0x20 && matchesAt(text, pos, bytes, 1)) pos += bytes.length - 1; // a space put before the text
    else {
      const found = bytes.length > 0 ? indexOf(text, bytes, pos + 1, Math.min(text.length, pos + SEARCH_BYTES + bytes.length)) : -1;
      pos = found >= 0 ? found + bytes.length : Math.min(text.length, pos + bytes.length);
    }
  }
  byteStarts[n] = text.length; // the last token takes whatever no token's bytes matched at the end
  return byteStarts;
}

/** Whether bytes[skip…] are text's bytes at `at`. */
function matchesAt(text: Uint8Array, at: number, bytes: Uint8Array, skip: number): boolean {
  const length = bytes.length - skip;
  if (length < 0 || at + length > text.length) return false;
  for (let k = 0; k < length; k++) if (text[at + k] !== bytes[skip + k]) return false;
  return true;
}

/** The first place in [from, to) where `bytes` start in `text` and fit before `to`, or -1. */
function indexOf(text: Uint8Array, bytes: Uint8Array, from: number, to: number): number {
  for (let at = from; at + bytes.length <= to; at++) if (matchesAt(text, at, bytes, 0)) return at;
  return -1;
}

/**
 * The UTF-16 ranges of tokens whose bytes start at `byteStarts` (non-decreasing): each end rounded up to the
 * next character boundary, so a token that ends inside a character takes all of it and the next one starts
 * after it (as the engine's tokenPieces does).
 */
export function utf16Ranges(text: string, byteStarts: Uint32Array): { starts: Uint32Array; ends: Uint32Array } {
  const n = byteStarts.length - 1;
  const starts = new Uint32Array(n);
  const ends = new Uint32Array(n);
  let pos = 0;
  let byte = 0;
  /** The UTF-16 offset of the first character boundary at or after byte `target` of the text's UTF-8. */
  const boundaryAfter = (target: number): number => {
    while (byte < target && pos < text.length) {
      const unit = text.charCodeAt(pos);
      if (unit < 0x80) byte += 1;
      else if (unit < 0x800) byte += 2;
      else if (unit >= 0xd800 && unit <= 0xdbff && pos + 1 < text.length && isLowSurrogate(text.charCodeAt(pos + 1))) {
        byte += 4;
        pos++;
      } else byte += 3; // other BMP characters, and a lone surrogate (encoded as U+FFFD)
      pos++;
    }
    return pos;
  };
  let previous = boundaryAfter(byteStarts[0]);
  for (let i = 0; i < n; i++) {
    starts[i] = previous;
    ends[i] = previous = boundaryAfter(byteStarts[i + 1]);
  }
  return { starts, ends };
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
