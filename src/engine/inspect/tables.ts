// The two tables a transformer's input is made of, as plain arrays: the token embedding matrix wte (one row
// per model token ID) and the position table (the trained wpe, or the fixed sinusoidal table of a model
// with sinusoidal positions). Every inspector view reads its numbers from these, nothing else.

import { sinusoidTable, type GPTConfig } from '../model';

/** A row-major matrix of `rows` × `width` values. */
export interface Matrix {
  rows: number;
  width: number;
  data: Float32Array;
}

export interface EmbeddingTables {
  config: GPTConfig;
  /** (vocabSize, nEmbd): the input embeddings, also the tied output layer. */
  tokens: Matrix;
  /** (contextLength, nEmbd): wpe, or the sinusoidal table. */
  positions: Matrix;
}

/** The tables of a model from its weights by name (what a checkpoint's model.safetensors holds). */
export function embeddingTables(config: GPTConfig, weights: ReadonlyMap<string, Float32Array>): EmbeddingTables {
  const { vocabSize, contextLength, nEmbd } = config;
  const wte = weights.get('wte');
  if (!wte || wte.length !== vocabSize * nEmbd) throw new Error(`The weights have no wte of ${vocabSize} × ${nEmbd} values`);
  let positions: Float32Array;
  if (config.positional === 'learned') {
    const wpe = weights.get('wpe');
    if (!wpe || wpe.length !== contextLength * nEmbd) throw new Error(`The weights have no wpe of ${contextLength} × ${nEmbd} values`);
    positions = wpe;
  } else {
    positions = sinusoidTable(contextLength, nEmbd);
  }
  return {
    config,
    tokens: { rows: vocabSize, width: nEmbd, data: wte },
    positions: { rows: contextLength, width: nEmbd, data: positions },
  };
}

/** Row `i` of a matrix, as a view (no copy). */
export function rowOf(m: Matrix, i: number): Float32Array {
  if (!Number.isInteger(i) || i < 0 || i >= m.rows) throw new RangeError(`Row ${i} is outside 0–${m.rows - 1}`);
  return m.data.subarray(i * m.width, (i + 1) * m.width);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Cosine similarity; 0 when either vector is zero (it points nowhere). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = norm(a) * norm(b);
  return n === 0 ? 0 : dot(a, b) / n;
}

const normCache = new WeakMap<Float32Array, Float64Array>();

/** The Euclidean norm of every row (kept for the same array: one request ranks against it several times). */
export function rowNorms(m: Matrix): Float64Array {
  const cached = normCache.get(m.data);
  if (cached && cached.length === m.rows) return cached;
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    const base = r * m.width;
    for (let c = 0; c < m.width; c++) s += m.data[base + c] * m.data[base + c];
    out[r] = Math.sqrt(s);
  }
  normCache.set(m.data, out);
  return out;
}

/** The mean of some rows (a word of several tokens is the mean of its tokens' rows). */
export function meanOfRows(m: Matrix, rows: readonly number[]): Float64Array {
  if (rows.length === 0) throw new RangeError('The mean of no rows is undefined');
  const out = new Float64Array(m.width);
  for (const r of rows) {
    const row = rowOf(m, r);
    for (let c = 0; c < m.width; c++) out[c] += row[c];
  }
  for (let c = 0; c < m.width; c++) out[c] /= rows.length;
  return out;
}
