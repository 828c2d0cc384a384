// How much of the text before the cursor goes to the model: a token budget within its context, in characters.

/**
 * How many prompt tokens a suggestion keeps: the context less room for the new tokens, so that the KV cache
 * never slides (past the context every token would cost a full window, see src/engine/generate.ts) — but at
 * least half the context, so a long maxTokens does not starve the model of what came before.
 */
export function promptTokenBudget(contextLength: number, maxTokens: number): number {
  return Math.max(1, Math.max(Math.ceil(contextLength / 2), contextLength - maxTokens));
}

/** Characters of text before the cursor sent for a token budget: plenty for any tokenizer's tokens. */
export function promptCharBudget(tokens: number): number {
  return tokens * 16 + 64;
}

/**
 * The end of the text before the cursor, at most maxChars long, starting at a white-space boundary when it
 * had to be cut (so its first word is not a fragment that tokenizes differently), never inside a surrogate pair.
 */
export function promptWindow(textBefore: string, maxChars: number): string {
  if (textBefore.length <= maxChars) return textBefore;
  let start = textBefore.length - maxChars;
  const code = textBefore.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start++;
  const slice = textBefore.slice(start);
  const ws = slice.slice(0, 64).search(/\s/);
  return ws >= 0 ? slice.slice(ws) : slice;
}
