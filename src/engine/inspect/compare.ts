// View 5: what training changed. The same table of two checkpoints of one model (the same vocabulary and
// shape), for example the weights at initialisation and the kept model: how far each token's row turned,
// and a query's nearest tokens in each.

import { cosine, rowOf, type Matrix } from './tables';

export interface RowChange {
  index: number;
  /** cos(row before, row after): 1 = the same direction. */
  cosine: number;
  /** |after| − |before|. */
  normChange: number;
}

export interface TableChange {
  /** The rows that turned most (lowest cosine first). */
  moved: RowChange[];
  /** The mean cosine of every row with itself in the other table. */
  meanCosine: number;
}

/** How each row of `before` moved in `after` (same shape), over the rows `rows` (default: all). */
export function tableChange(before: Matrix, after: Matrix, count = 20, rows?: readonly number[]): TableChange {
  if (before.rows !== after.rows || before.width !== after.width) {
    throw new RangeError(`The tables differ in shape: ${before.rows} × ${before.width} against ${after.rows} × ${after.width}`);
  }
  const indices = rows ?? Array.from({ length: before.rows }, (_, i) => i);
  const changes: RowChange[] = indices.map((index) => {
    const a = rowOf(before, index);
    const b = rowOf(after, index);
    let na = 0;
    let nb = 0;
    for (let c = 0; c < a.length; c++) {
      na += a[c] * a[c];
      nb += b[c] * b[c];
    }
    return { index, cosine: cosine(a, b), normChange: Math.sqrt(nb) - Math.sqrt(na) };
  });
  const meanCosine = changes.length ? changes.reduce((s, c) => s + c.cosine, 0) / changes.length : 1;
  const moved = [...changes].sort((x, y) => x.cosine - y.cosine || x.index - y.index).slice(0, count);
  return { moved, meanCosine };
}
