// The token overlay's layout, as plain offsets: which tokens to decorate for a view, their palette colour,
// the ID label and where it goes, the whitespace marks, and the hover text. No `vscode` import, so the unit
// tests and `npm run bench:tokens` use exactly what the editor uses; tokenIds.ts turns offsets into ranges.

import * as l10n from '@vscode/l10n';
import { formatNumber, plural } from '../../../l10n/format';
import { displayToken, hexBytes } from '../../../engine/tokenizer';
import { Vocabulary } from '../../../engine/vocab';
import { modelTokenIds, modelVocabularyNote } from './modelTokenIds';
import type { TokenTable } from './tokenTable';

/** Number of alternating background colours (lmExplorer.tokenBackground1..4). */
export const PALETTE_SIZE = 4;

/**
 * The palette colour of token `index` (0-based, in the whole overlay): neighbours always differ, and the
 * colour depends on the token alone, so it stays put while the decorated window moves with scrolling.
 */
export function paletteIndex(index: number, size = PALETTE_SIZE): number {
  return ((index % size) + size) % size;
}

/**
 * Whether token `index` only finishes a character that the token before it began (its range is empty:
 * the character's range belongs to the first token).
 */
export function isContinuation(table: TokenTable, index: number): boolean {
  return index > 0 && table.starts[index] === table.ends[index];
}

/** The label drawn after a token: its ID, with a '+' for a token that finishes the previous one's character. */
export function tokenLabel(id: number | string, continuation: boolean): string {
  return continuation ? `+${id}` : String(id);
}

/**
 * Where a token's label goes: right after the token, except that a token ending in a line break is labelled
 * before that break (at the end of the line it breaks), not at the start of the next line.
 */
export function labelOffset(text: string, start: number, end: number): number {
  let at = end;
  if (at > start && text.charCodeAt(at - 1) === 10 /* \n */) {
    at--;
    if (at > start && text.charCodeAt(at - 1) === 13 /* \r */) at--;
  } else if (at > start && text.charCodeAt(at - 1) === 13) {
    at--;
  }
  return at;
}

/** First index whose `ends` value is greater than `offset` (binary search; ends never decrease). */
function firstEndingAfter(ends: Uint32Array, offset: number): number {
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid] > offset) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface TokenWindow {
  /** First token index (inclusive). */
  first: number;
  /** Last token index (exclusive). */
  last: number;
  /** True when the window was cut at `maxTokens`. */
  capped: boolean;
}

/**
 * The tokens that touch the offsets [lo, hi] (offsets into the overlaid text), at most `maxTokens` of them:
 * what a view needs decorated. A 1 MB document keeps its ~400k tokens in the table; only these are drawn.
 */
export function tokenWindow(table: TokenTable, lo: number, hi: number, maxTokens: number): TokenWindow {
  const n = table.ids.length;
  // A token that ends exactly at `lo` is still "touching" it when it is empty (a continuation at lo).
  let first = firstEndingAfter(table.ends, lo);
  while (first > 0 && table.ends[first - 1] === lo && table.starts[first - 1] === lo) first--;
  let last = first;
  while (last < n && table.starts[last] <= hi && last - first < maxTokens) last++;
  const capped = last < n && table.starts[last] <= hi;
  return { first, last, capped };
}

export interface BackgroundSpan {
  index: number;
  start: number;
  end: number;
  palette: number;
  /** The label drawn with the background (set when it goes right after the token). */
  label?: string;
}

export interface LabelSpan {
  index: number;
  /** Offset the label is drawn at (an empty range). */
  at: number;
  label: string;
}

export type WhitespaceKind = 'space' | 'tab' | 'newline';

export interface WhitespaceMark {
  /** Offset of the whitespace character (of the '\r' for a CRLF line break). */
  at: number;
  kind: WhitespaceKind;
}

export interface WindowLayout {
  backgrounds: BackgroundSpan[];
  /** Labels not drawn with a background: continuations and tokens ending in a line break. */
  labels: LabelSpan[];
  /** Empty when whitespace is not shown. */
  whitespace: WhitespaceMark[];
}

/**
 * Lays out tokens [first, last) of a table over `text`. `labelIds[i]` is the ID drawn for token i (the
 * model's ID when the overlay shows the trained model's vocabulary, else the encoding's ID).
 */
export function layoutWindow(
  table: TokenTable,
  labelIds: ArrayLike<number | string>,
  text: string,
  window: { first: number; last: number },
  options: { whitespace?: boolean } = {},
): WindowLayout {
  const layout: WindowLayout = { backgrounds: [], labels: [], whitespace: [] };
  for (let i = window.first; i < window.last; i++) {
    const start = table.starts[i];
    const end = table.ends[i];
    const continuation = isContinuation(table, i);
    const label = tokenLabel(labelIds[i], continuation);
    if (start === end) {
      layout.labels.push({ index: i, at: start, label });
      continue;
    }
    const at = labelOffset(text, start, end);
    let labelText = label;
    if (options.whitespace) {
      for (let k = start; k < end; k++) {
        const unit = text.charCodeAt(k);
        if (unit === 32 || unit === 9) {
          // A space or tab that ends the token shares its place with the label (both are drawn after it):
          // it is drawn as part of the label ("·220"), so the two never race for the same spot.
          if (k === end - 1 && at === end) labelText = `${unit === 32 ? '·' : '→'}${labelText}`;
          else layout.whitespace.push({ at: k, kind: unit === 32 ? 'space' : 'tab' });
        } else if (unit === 10 || (unit === 13 && text.charCodeAt(k + 1) !== 10)) {
          const breakAt = unit === 10 && k > 0 && text.charCodeAt(k - 1) === 13 ? k - 1 : k;
          // The last line break shares its place with the label: drawn as part of it ("↵198"), so the two
          // never race for the same spot.
          if (breakAt === at && at < end) labelText = `↵${labelText}`;
          else layout.whitespace.push({ at: breakAt, kind: 'newline' });
        }
      }
    }
    if (at === end) {
      layout.backgrounds.push({ index: i, start, end, palette: paletteIndex(i), label: labelText });
    } else {
      if (at > start) layout.backgrounds.push({ index: i, start, end: at, palette: paletteIndex(i) });
      layout.labels.push({ index: i, at, label: labelText });
    }
  }
  return layout;
}

/** UTF-8 length of text[from, to), as TextEncoder encodes it (a lone surrogate as U+FFFD, 3 bytes). */
function utf8Length(text: string, from: number, to: number): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < to && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** The character of `text` at `offset`: [start, end) in UTF-16 units (a surrogate pair is one character). */
export function characterAt(text: string, offset: number): { start: number; end: number } | undefined {
  if (offset < 0 || offset >= text.length) return undefined;
  let start = offset;
  if (start > 0 && isLowSurrogate(text.charCodeAt(start)) && isHighSurrogate(text.charCodeAt(start - 1))) start--;
  const pair = isHighSurrogate(text.charCodeAt(start)) && start + 1 < text.length && isLowSurrogate(text.charCodeAt(start + 1));
  return { start, end: start + (pair ? 2 : 1) };
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/**
 * The tokens the hover describes at an offset: every token holding a byte of the character there, so that
 * a letter the encoding splits into byte tokens ("ę" = C4 99 in r50k_base) lists all its pieces; past the
 * last character, the tokens of the last one (hovering the label drawn after it).
 */
export function tokensAt(table: TokenTable, text: string, offset: number): number[] {
  const n = table.ids.length;
  const character = characterAt(text, offset === text.length ? offset - 1 : offset);
  if (!character || n === 0) return [];
  const byteStart = utf8Length(text, 0, character.start);
  const byteEnd = byteStart + utf8Length(text, character.start, character.end);
  // the first token whose bytes end after the character's first byte (byteStarts never decrease)
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table.byteStarts[mid + 1] > byteStart) hi = mid;
    else lo = mid + 1;
  }
  const found: number[] = [];
  for (let i = lo; i < n && table.byteStarts[i] < byteEnd; i++) found.push(i);
  return found;
}

/** A Markdown inline code span that shows `text` literally, whatever backticks it holds. */
export function inlineCode(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = '`'.repeat(runs.reduce((longest, run) => Math.max(longest, run.length), 0) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || /^ | $/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

export interface HoverToken {
  /** 0-based index in the overlay. */
  index: number;
  /** The encoding's token ID. */
  id: number;
  bytes: Uint8Array;
  complete: boolean;
  /** With the model's vocabulary: the model's ID (0: none, the token is not in the model's vocabulary). */
  modelId?: number;
  /** With modelId 0: the model IDs it reads the token as instead (<unk>, or the token's byte tokens). */
  modelSpelling?: readonly number[];
  /** An imported tokenizer's token: how its tokenizer.json writes it ("Ġgę", "<0xC5>"). */
  vocabularyEntry?: { token: string; file: string };
}

/**
 * The hover of one place in the overlay, in Markdown: for each token there, its index ("token 17 of 240"),
 * ID (with the model's vocabulary: both IDs), text with whitespace made visible (· for a space, as GPT-2's
 * Ġ marks one), its bytes in hex when they are not whole UTF-8 characters, and the encoding. `character`
 * is the hovered character: when its bytes are split over tokens, a first line says so.
 */
export function hoverMarkdown(
  tokens: readonly HoverToken[],
  total: number,
  encodingLabel: string,
  tokenizer: string,
  character?: string,
): string {
  const parts = tokens.map((t) => {
    const lines: string[] = [];
    const shown = displayToken(t.bytes, { whitespace: true });
    const idText =
      t.modelId === undefined
        ? `ID **${t.id}**`
        : t.modelId === 0
          ? t.modelSpelling && !(t.modelSpelling.length === 1 && t.modelSpelling[0] === 0)
            ? plural(
                t.modelSpelling.length,
                l10n.t(
                  "{0} ID {1} is not in your model's vocabulary: it reads it as {2} byte token, {3}|{0} ID {1} is not in your model's vocabulary: it reads it as {2} byte tokens, {3}",
                  tokenizer,
                  t.id,
                  formatNumber(t.modelSpelling.length),
                  t.modelSpelling.map((m) => l10n.t('model #{0}', m)).join(', '),
                ),
              )
            : l10n.t('**<unk>** in your model: {0} ID {1} is not in its vocabulary', tokenizer, t.id)
          : `**${modelTokenIds({ id: t.modelId, gptId: t.id })}**`;
    lines.push(`**${l10n.t('Token {0} of {1}', formatNumber(t.index + 1), formatNumber(total))}** — ${idText}`);
    lines.push(`${shown.length ? inlineCode(shown) : `*${l10n.t('(empty)')}*`}${t.complete ? '' : ` — ${l10n.t('part of a character')}`}`);
    if (!t.complete) lines.push(l10n.t('Bytes: {0}', inlineCode(hexBytes(t.bytes))));
    if (t.vocabularyEntry) lines.push(l10n.t('Written {0} in {1}', inlineCode(t.vocabularyEntry.token), t.vocabularyEntry.file));
    return lines.join('  \n');
  });
  const header: string[] = [];
  if (character !== undefined && tokens.length > 1) {
    const bytes = new TextEncoder().encode(character);
    header.push(
      l10n.t('{0} is {1}, {2}, split over {3}:', {
        0: inlineCode(displayToken(bytes, { whitespace: true })),
        1: plural(bytes.length, l10n.t('{0} byte|{0} bytes', formatNumber(bytes.length))),
        2: inlineCode(hexBytes(bytes)),
        3: plural(tokens.length, l10n.t('{0} token|{0} tokens', formatNumber(tokens.length))),
      }),
    );
  }
  const legend = tokens.some((t) => /[ \t\n\r]/.test(displayToken(t.bytes))) ? ` — ${l10n.t('`·` space, `→` tab, `↵` line break')}` : '';
  const model = tokens.some((t) => t.modelId !== undefined) ? `\n\n${modelVocabularyNote()}` : '';
  return `${[...header, ...parts].join('\n\n---\n\n')}\n\n*${encodingLabel}*${legend}${model}`;
}

/**
 * The label of a GPT token in the model's vocabulary: the model's one ID for it, or, for a token the model
 * spells in byte tokens (byte fallback), those IDs joined by '/', so that no ordinary token is drawn as
 * <unk>'s 0. Only a model from before byte fallback still reads a missing token as 0.
 */
export function modelLabel(vocab: Vocabulary, gptId: number, modelId: number): number | string {
  return modelId !== Vocabulary.UNK ? modelId : vocab.toModel([gptId]).join('/');
}

/**
 * The labels of a whole overlay in the model's vocabulary (see modelLabel), computed as they are read:
 * only the tokens on screen are, so an edit of a long text does not relabel all of it.
 */
export function modelLabels(vocab: Vocabulary, gptIds: ArrayLike<number>, modelIds: ArrayLike<number>): ArrayLike<number | string> {
  return new Proxy(modelIds as ArrayLike<number | string>, {
    get(target, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) {
        const i = Number(key);
        return i < modelIds.length ? modelLabel(vocab, gptIds[i], modelIds[i]) : undefined;
      }
      return Reflect.get(target, key);
    },
  });
}
