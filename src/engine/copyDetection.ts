// Whether a sample of the model copies its training text: a run of tokens found verbatim in the notes.

/** Consecutive tokens of a sample that, found verbatim in the training text, mark the sample as copied. */
export const COPY_MIN_TOKENS = 8;

/** Finds where a sample repeats the training text: runs of COPY_MIN_TOKENS or more tokens found verbatim. */
export class CopyDetector {
  private readonly grams = new Set<string>();

  constructor(trainTokens: ArrayLike<number>) {
    const n = COPY_MIN_TOKENS;
    for (let i = 0; i + n <= trainTokens.length; i++) this.grams.add(Array.prototype.slice.call(trainTokens, i, i + n).join(','));
  }

  /** The longest run of `ids` found verbatim in the training text, when it is COPY_MIN_TOKENS tokens or more. */
  longestCopy(ids: readonly number[]): { start: number; tokens: number } | undefined {
    const n = COPY_MIN_TOKENS;
    let best: { start: number; tokens: number } | undefined;
    let runStart = -1;
    for (let i = 0; i + n <= ids.length; i++) {
      const hit = this.grams.has(ids.slice(i, i + n).join(','));
      if (hit && runStart < 0) runStart = i;
      if (hit) {
        const tokens = i + n - runStart;
        if (!best || tokens > best.tokens) best = { start: runStart, tokens };
      } else runStart = -1;
    }
    return best;
  }
}
