// View 3: analogies, a − b + c ("król − mężczyzna + kobieta ≈ królowa"), answered from the model's own input
// embeddings. A word the vocabulary holds as one token is that token's row; a word it splits into several
// tokens (or into byte pieces) is the mean of their rows — one vector per word, so that every word can take
// part, at the price of a vector that is only roughly the word's.

import { cosine, meanOfRows, type EmbeddingTables } from './tables';
import { cosines, nearestRows, type Neighbour } from './nearest';

/** One word of an analogy as model token IDs (what the vocabulary's encode gives for it). */
export type WordIds = readonly number[];

export interface AnalogyQuery {
  a: WordIds;
  b: WordIds;
  c: WordIds;
  /** How many answers (default 10). */
  count?: number;
  /** Keep the tokens of a, b and c among the answers (default: excluded, as is usual). */
  includeInputs?: boolean;
  /** An expected answer: its rank is reported. */
  expected?: WordIds;
}

export interface AnalogyResult {
  answers: Neighbour[];
  /** The model token IDs left out of the answers (the inputs' tokens), unless includeInputs. */
  excluded: number[];
  expected?: {
    /** 1 = the best answer. For a one-token word, its place in the full ranking (exclusions applied). */
    rank: number;
    cosine: number;
    /** Whether the word is several tokens, so its vector is a mean and it is ranked as one more candidate. */
    multiToken: boolean;
  };
}

/** The vector of a word: its token's row, or the mean of its tokens' rows. */
export function wordVector(tables: EmbeddingTables, ids: WordIds): Float64Array {
  if (ids.length === 0) throw new RangeError('A word of an analogy has no tokens');
  return meanOfRows(tables.tokens, ids);
}

/** a − b + c, and the token rows nearest to it by cosine. */
export function analogy(tables: EmbeddingTables, query: AnalogyQuery): AnalogyResult {
  const va = wordVector(tables, query.a);
  const vb = wordVector(tables, query.b);
  const vc = wordVector(tables, query.c);
  const target = va.map((x, i) => x - vb[i] + vc[i]);
  const excluded = query.includeInputs ? [] : [...new Set([...query.a, ...query.b, ...query.c])].sort((x, y) => x - y);
  const exclude = new Set(excluded);
  const answers = nearestRows(tables.tokens, target, { count: query.count ?? 10, exclude });
  const result: AnalogyResult = { answers, excluded };
  if (query.expected && query.expected.length > 0) {
    const multiToken = query.expected.length > 1;
    const scores = cosines(tables.tokens, target);
    const single = multiToken ? undefined : query.expected[0];
    const score = single !== undefined ? scores[single] : cosine(wordVector(tables, query.expected), target);
    let rank = 1;
    for (let r = 0; r < scores.length; r++) {
      if (r === single || exclude.has(r)) continue;
      if (scores[r] > score) rank++;
    }
    result.expected = { rank, cosine: score, multiToken };
  }
  return result;
}
