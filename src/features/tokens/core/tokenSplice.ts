// Keeping a token table in step with edits: re-tokenize only the lines around a change and splice the result
// into the table, so that an edit of a 1 MB document costs a few lines' tokenization, not the document's.
//
// Why a window of lines is enough: a GPT encoding first cuts the text into chunks with a regular expression
// (a word with its leading space, up to three digits, punctuation with the line breaks after it, runs of
// whitespace) and then byte-pair-encodes each chunk on its own. No chunk runs from a line break into a
// letter or digit that starts the next line, and none looks further ahead than one character, so such a
// line start is where the chunking starts afresh, in the whole text as in any part of it beginning there.
// The window runs between two of those, at least a line away from the change (where the text did not
// change, so the old table's tokens on the far sides stand), and is tokenized with one more character
// after it, so that its last chunk sees what follows, as it does in the whole text. The whole text is
// tokenized instead when the window would exceed `maxWindow`. An imported model's tokenizer.json has the same
// property when it cuts as GPT-2 does (byte-level BPE with GPT-2's pre-split: HfTokenizer.cutsAtLineStarts);
// for any other, the overlay does not splice and tokenizes the whole text. The unit tests compare the result with a
// fresh tokenization over hundreds of random edits, and the integration tests do over edits, undos and redos.
//
// No `vscode` import: the unit tests use exactly this.

import type { TokenTable } from './tokenTable';

/** One change of a text, in UTF-16 offsets: [start, oldEnd) of the old text became [start, newEnd) of the new. */
export interface TextChange {
  start: number;
  oldEnd: number;
  newEnd: number;
}

/**
 * `later` (in the coordinates of the text `earlier` produced) after `earlier` (in the coordinates of the
 * original text), as one change of the original text that covers both.
 */
export function composeChanges(earlier: TextChange | undefined, later: TextChange): TextChange {
  if (!earlier) return later;
  const start = Math.min(earlier.start, later.start);
  const endBefore = Math.max(earlier.newEnd, later.oldEnd); // in the text between the two changes
  return {
    start,
    oldEnd: endBefore - (earlier.newEnd - earlier.oldEnd),
    newEnd: endBefore + (later.newEnd - later.oldEnd),
  };
}

/** Index of the token that starts exactly at `offset` after a token that ends there (n at the end), or -1. */
function boundaryAt(table: TokenTable, offset: number): number {
  const n = table.ids.length;
  if (offset === 0) return 0;
  if (n > 0 && offset === table.ends[n - 1]) return n; // the end, after any empty token that finishes a character
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table.starts[mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  if (lo === n) return table.ends[n - 1] === offset ? n : -1;
  return table.starts[lo] === offset && table.ends[lo - 1] === offset ? lo : -1;
}

const LETTER_OR_DIGIT = /^[\p{L}\p{N}]/u;

/** Whether the chunking starts afresh at `offset`: the text's ends, or a line start before a letter or digit. */
function freshStart(text: string, offset: number): boolean {
  if (offset === 0 || offset === text.length) return true;
  return text.charCodeAt(offset - 1) === 10 && LETTER_OR_DIGIT.test(text.slice(offset, offset + 2));
}

/** The start of the line holding `offset` (lastIndexOf reads a negative position as 0, hence the test). */
function lineStart(text: string, offset: number): number {
  return offset <= 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1;
}

/** The previous line start before `offset` (0 at the first line). */
function lineStartAbove(text: string, offset: number): number {
  const start = lineStart(text, offset);
  return start < offset ? start : lineStart(text, offset - 1);
}

/** The next line start after `offset` (the text's end on the last line). */
function lineStartBelow(text: string, offset: number): number {
  const next = text.indexOf('\n', offset);
  return next < 0 ? text.length : next + 1;
}

export interface SpliceResult {
  table: TokenTable;
  /** Tokens [first, first + removed) of the old table became [first, first + inserted) of the new one. */
  first: number;
  removed: number;
  inserted: number;
  /** The re-tokenized text, [from, to) of the new text. */
  from: number;
  to: number;
}

export type Tokenize = (text: string) => TokenTable | Promise<TokenTable>;

/**
 * The token table of `text` (the new text) from `old` (the table of the text before `change`), tokenizing
 * only a window of lines around the change; undefined when that window would be longer than `maxWindow`
 * UTF-16 units (then tokenize the whole text, perhaps in the worker).
 */
export async function spliceTable(
  old: TokenTable,
  text: string,
  change: TextChange,
  tokenize: Tokenize,
  maxWindow: number,
): Promise<SpliceResult | undefined> {
  const delta = change.newEnd - change.oldEnd;
  // Fresh starts on both sides, with at least one unchanged line break between each and the change.
  let from = lineStartAbove(text, lineStart(text, change.start));
  let first = boundaryAt(old, from);
  while (from > 0 && (first < 0 || !freshStart(text, from))) {
    from = lineStartAbove(text, from);
    first = boundaryAt(old, from);
  }
  let to = lineStartBelow(text, change.newEnd);
  let end = boundaryAt(old, to - delta);
  while (to < text.length && (end < 0 || !freshStart(text, to))) {
    to = lineStartBelow(text, to);
    end = boundaryAt(old, to - delta);
  }
  if (to - from > maxWindow && !(from === 0 && to === text.length)) return undefined;
  // One character more, so that the last chunk sees what follows it; the tokens from `to` on are the old ones.
  const part = await tokenize(text.slice(from, Math.min(text.length, to + 2)));
  let m = part.ids.length;
  if (to < text.length) while (m > 0 && part.starts[m - 1] + from >= to) m--;
  // Never expected (a fresh start is a chunk boundary); should a tokenizer cut differently, tokenize it all.
  if (m > 0 && part.ends[m - 1] + from !== to) return undefined;
  const inserted: TokenTable = {
    tokenizer: part.tokenizer,
    ids: part.ids.subarray(0, m),
    starts: part.starts.subarray(0, m),
    ends: part.ends.subarray(0, m),
    byteStarts: part.byteStarts.subarray(0, m + 1),
  };
  return { table: splice(old, inserted, first, end, from, delta), first, removed: end - first, inserted: m, from, to };
}

/** `old` with tokens [first, end) replaced by `part` (tokenized from UTF-16 offset `from` of the new text). */
function splice(old: TokenTable, part: TokenTable, first: number, end: number, from: number, delta: number): TokenTable {
  const n = old.ids.length;
  const m = part.ids.length;
  const size = first + m + (n - end);
  const ids = new Uint32Array(size);
  const starts = new Uint32Array(size);
  const ends = new Uint32Array(size);
  const byteStarts = new Uint32Array(size + 1);
  ids.set(old.ids.subarray(0, first));
  starts.set(old.starts.subarray(0, first));
  ends.set(old.ends.subarray(0, first));
  byteStarts.set(old.byteStarts.subarray(0, first));
  const byteFrom = old.byteStarts[first];
  for (let k = 0; k < m; k++) {
    ids[first + k] = part.ids[k];
    starts[first + k] = part.starts[k] + from;
    ends[first + k] = part.ends[k] + from;
    byteStarts[first + k] = part.byteStarts[k] + byteFrom;
  }
  const byteDelta = byteFrom + part.byteStarts[m] - old.byteStarts[end];
  for (let k = end; k < n; k++) {
    const at = first + m + (k - end);
    ids[at] = old.ids[k];
    starts[at] = old.starts[k] + delta;
    ends[at] = old.ends[k] + delta;
    byteStarts[at] = old.byteStarts[k] + byteDelta;
  }
  byteStarts[size] = old.byteStarts[n] + byteDelta;
  return { tokenizer: old.tokenizer, ids, starts, ends, byteStarts };
}

/** `values` with [first, first + removed) replaced by `inserted` (the model IDs beside a spliced table). */
export function spliceValues(values: Uint32Array, first: number, removed: number, inserted: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(values.length - removed + inserted.length);
  out.set(values.subarray(0, first));
  out.set(inserted, first);
  out.set(values.subarray(first + removed), first + inserted.length);
  return out;
}
