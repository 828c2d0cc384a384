// View 1: the table of the lecture notes, for the user's own text. Each token at its position: its
// embedding row, the position's row, and their sum (the final input embedding the first block reads),
// with how much of the sum each part contributes.

import { cosine, norm, rowOf, type EmbeddingTables } from './tables';

export interface EmbeddingRow {
  position: number;
  id: number;
  /** wte[id]. */
  token: number[];
  /** wpe[position] (or the sinusoidal table's row). */
  positionRow: number[];
  /** token + positionRow: the final input embedding. */
  sum: number[];
  tokenNorm: number;
  positionNorm: number;
  sumNorm: number;
  /** cos(token, sum) and cos(position, sum): which of the two the sum points along. */
  tokenCosine: number;
  positionCosine: number;
}

/** The rows of model tokens `ids` at positions 0 … ids.length − 1 (at most the context length). */
export function embeddingRows(tables: EmbeddingTables, ids: readonly number[]): EmbeddingRow[] {
  if (ids.length > tables.positions.rows) {
    throw new RangeError(`${ids.length} tokens are more than the model's context of ${tables.positions.rows} positions`);
  }
  return ids.map((id, position) => {
    const token = rowOf(tables.tokens, id);
    const pos = rowOf(tables.positions, position);
    const sum = new Float32Array(token.length);
    for (let c = 0; c < sum.length; c++) sum[c] = token[c] + pos[c];
    return {
      position,
      id,
      token: Array.from(token),
      positionRow: Array.from(pos),
      sum: Array.from(sum),
      tokenNorm: norm(token),
      positionNorm: norm(pos),
      sumNorm: norm(sum),
      tokenCosine: cosine(token, sum),
      positionCosine: cosine(pos, sum),
    };
  });
}

/** A position table, positions × dimensions, row-major, with its smallest and largest value. */
export interface PositionTable {
  rows: number;
  width: number;
  values: number[];
  min: number;
  max: number;
}

/** The whole position table of a model. */
export function positionTable(tables: EmbeddingTables): PositionTable {
  const { rows, width, data } = tables.positions;
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { rows, width, values: Array.from(data), min, max };
}
