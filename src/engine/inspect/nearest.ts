// View 2: which rows of a table lie closest to a query, by cosine similarity, exactly: every row of the
// table is scored (no approximate index), so the answer is the ranking a brute-force loop gives.

import { cosine, rowNorms, rowOf, type Matrix } from './tables';

export interface Neighbour {
  /** The row: a model token ID, or a position. */
  index: number;
  cosine: number;
}

export interface NearestOptions {
  /** How many (default 20). */
  count?: number;
  /** Rows never returned (the query itself, an analogy's input words). */
  exclude?: ReadonlySet<number>;
}

/** The `count` rows most similar to `query`, most similar first; equal scores by lower index. */
export function nearestRows(m: Matrix, query: ArrayLike<number>, options: NearestOptions = {}): Neighbour[] {
  const count = Math.max(0, Math.min(options.count ?? 20, m.rows));
  const scores = cosines(m, query);
  const best: Neighbour[] = [];
  for (let r = 0; r < m.rows; r++) {
    if (options.exclude?.has(r)) continue;
    const s = scores[r];
    if (best.length === count && !(s > best[best.length - 1].cosine)) continue;
    let at = best.length;
    while (at > 0 && best[at - 1].cosine < s) at--;
    best.splice(at, 0, { index: r, cosine: s });
    if (best.length > count) best.pop();
  }
  return best;
}

/** cos(query, row r) for every row; 0 for a zero row. */
export function cosines(m: Matrix, query: ArrayLike<number>): Float64Array {
  if (query.length !== m.width) throw new RangeError(`The query has ${query.length} values; the rows have ${m.width}`);
  const norms = rowNorms(m);
  let qq = 0;
  for (let c = 0; c < m.width; c++) qq += query[c] * query[c];
  const qn = Math.sqrt(qq);
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    const base = r * m.width;
    let s = 0;
    for (let c = 0; c < m.width; c++) s += m.data[base + c] * query[c];
    const n = norms[r] * qn;
    out[r] = n === 0 ? 0 : s / n;
  }
  return out;
}

/**
 * The rank (1 = most similar) `target` would have among the rows, with `exclude` left out: one more than
 * the number of other rows scoring higher.
 */
export function rankOf(m: Matrix, query: ArrayLike<number>, targetScore: number, exclude?: ReadonlySet<number>, target?: number): number {
  const scores = cosines(m, query);
  let rank = 1;
  for (let r = 0; r < m.rows; r++) {
    if (r === target || exclude?.has(r)) continue;
    if (scores[r] > targetScore) rank++;
  }
  return rank;
}

/** cos(row i, row j) of every pair of rows, (rows × rows) row-major: which positions look alike. */
export function similarityMatrix(m: Matrix): number[] {
  const out = new Array<number>(m.rows * m.rows);
  for (let i = 0; i < m.rows; i++) {
    const a = rowOf(m, i);
    out[i * m.rows + i] = cosine(a, a);
    for (let j = i + 1; j < m.rows; j++) out[i * m.rows + j] = out[j * m.rows + i] = cosine(a, rowOf(m, j));
  }
  return out;
}
