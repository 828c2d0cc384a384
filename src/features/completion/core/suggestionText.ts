// Shaping the model's text into a suggestion: where it stops (line, sentence, none), the mid-word rule at
// the cursor, and re-using a suggestion the user is typing through.

import type { CompletionSettings } from '../../../config/settings';

export type StopAt = CompletionSettings['stopAt'];

const SENTENCE_END = /[.!?…。！？]+["'”’»)\]*_]*(?=\s|$)/u;
/** A line break that starts a new block: a blank line, a list item, a heading, a quote, a fence, a table row. */
const BLOCK_START = /\r?\n(?=[ \t]*(?:\r?\n|[-*+>#|]|\d+[.)][ \t]|```|~~~|$))/;

/**
 * Cuts the model's text where a suggestion ends.
 *   line      before the first line break (a text that starts with one gives '': the model ends the line here)
 *   sentence  after the first sentence end (. ! ? … followed by white space or the end), or before a line
 *             break that starts a new block (blank line, list item, heading, quote, fence)
 *   none      only maxTokens ends it
 * Trailing spaces are dropped (not in 'none'); a text that is only white space becomes ''.
 */
export function applyStopRule(text: string, stopAt: StopAt): string {
  let out = text;
  if (stopAt === 'line') {
    const nl = out.search(/\r?\n/);
    if (nl >= 0) out = out.slice(0, nl);
    out = out.replace(/[ \t]+$/, '');
  } else if (stopAt === 'sentence') {
    const end = SENTENCE_END.exec(out);
    const block = BLOCK_START.exec(out);
    const endAt = end ? end.index + end[0].length : Infinity;
    const blockAt = block ? block.index : Infinity;
    if (endAt <= blockAt && endAt !== Infinity) out = out.slice(0, endAt);
    else if (blockAt !== Infinity) out = out.slice(0, blockAt).replace(/[ \t]+$/, '');
  }
  return out.trim() === '' ? '' : out;
}

/** Stop sequences that let the worker stop early; applyStopRule makes the exact cut. */
export function stopSequencesFor(stopAt: StopAt): string[] {
  if (stopAt === 'line') return ['\n'];
  if (stopAt === 'sentence') return ['\n\n'];
  return [];
}

const WORD_CHAR = /[\p{L}\p{M}\p{N}_]/u;

/** The word characters right after the cursor ('' when the cursor is not before or inside a word). */
export function wordAfterCursor(lineAfter: string): string {
  let end = 0;
  for (const ch of lineAfter) {
    if (!WORD_CHAR.test(ch)) break;
    end += ch.length;
  }
  return lineAfter.slice(0, end);
}

export type Fit = { insertText: string; replaceLength: number } | { insertText?: undefined; reason: 'empty' | 'mid-word' };

/**
 * Places a suggestion at the cursor. With a word character right after the cursor (in the middle of a word,
 * or just before one) nothing is suggested unless the model's text continues that word: it starts with the
 * rest of the word and goes on. Then the item replaces the rest of the word with the whole text, so that
 * VS Code shows only what is new. Otherwise the text is inserted at the cursor.
 */
export function fitToCursor(suggestion: string, lineAfter: string): Fit {
  if (!suggestion) return { reason: 'empty' };
  const rest = wordAfterCursor(lineAfter);
  if (!rest) return { insertText: suggestion, replaceLength: 0 };
  if (suggestion.length > rest.length && suggestion.startsWith(rest)) return { insertText: suggestion, replaceLength: rest.length };
  return { reason: 'mid-word' };
}

/**
 * When the user types the first characters of the suggestion shown, the rest of it is still the suggestion:
 * returns the rest, or undefined when what was typed does not match it (or uses it all up).
 */
export function continueSuggestion(previous: string, typed: string): string | undefined {
  if (!typed || !previous.startsWith(typed) || previous.length <= typed.length) return undefined;
  const rest = previous.slice(typed.length);
  return rest.trim() === '' ? undefined : rest;
}

