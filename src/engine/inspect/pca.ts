// The 2-D map of an embedding space: every row projected on the two directions along which the rows vary
// most (principal component analysis). The covariance (width × width) is summed once over all rows, its
// two leading eigenvectors found by subspace iteration, and the result kept for the same table, since it
// is the one costly step of the inspector (a pass of rows × width² over the whole vocabulary).

import type { Matrix } from './tables';

export interface PcaMap {
  /** x of row r at 2r, y at 2r + 1. */
  coords: Float32Array;
  /** The share of the total variance along each axis (0–1). */
  explained: [number, number];
}

const cache = new Map<string, PcaMap>();
const CACHE_SIZE = 4;

/** The 2-D PCA map of every row; the same table (by content) is computed once. */
export function pcaMap(m: Matrix): PcaMap {
  const key = fingerprint(m);
  const hit = cache.get(key);
  if (hit) return hit;
  const map = computePca(m);
  cache.set(key, map);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return map;
}

/** A hash of every value's bits, with the shape: equal tables give equal keys. */
function fingerprint(m: Matrix): string {
  const bits = new Uint32Array(m.data.buffer, m.data.byteOffset, m.data.length);
  let h1 = 0x811c9dc5;
  let h2 = 0x12345678;
  for (let i = 0; i < bits.length; i++) {
    h1 = Math.imul(h1 ^ bits[i], 16777619);
    h2 = (h2 + Math.imul(bits[i], 2654435761 + i)) | 0;
  }
  return `${m.rows}x${m.width}:${(h1 >>> 0).toString(16)}:${(h2 >>> 0).toString(16)}`;
}

function computePca(m: Matrix): PcaMap {
  const { rows, width: d, data } = m;
  const mean = new Float64Array(d);
  for (let r = 0; r < rows; r++) for (let c = 0; c < d; c++) mean[c] += data[r * d + c];
  for (let c = 0; c < d; c++) mean[c] /= Math.max(1, rows);
  // Upper triangle of the covariance, summed four rows at a time (a quarter of the passes over it).
  const cov = new Float64Array(d * d);
  const x = new Float64Array(4 * d);
  for (let r = 0; r < rows; r += 4) {
    const n = Math.min(4, rows - r);
    x.fill(0);
    for (let k = 0; k < n; k++) for (let c = 0; c < d; c++) x[k * d + c] = data[(r + k) * d + c] - mean[c];
    for (let i = 0; i < d; i++) {
      const a0 = x[i];
      const a1 = x[d + i];
      const a2 = x[2 * d + i];
      const a3 = x[3 * d + i];
      const base = i * d;
      for (let j = i; j < d; j++) cov[base + j] += a0 * x[j] + a1 * x[d + j] + a2 * x[2 * d + j] + a3 * x[3 * d + j];
    }
  }
  let trace = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) cov[i * d + j] = cov[j * d + i];
    trace += cov[i * d + i];
  }
  const [v1, v2, l1, l2] = leadingEigenvectors(cov, d);
  const coords = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    let a = 0;
    let b = 0;
    for (let c = 0; c < d; c++) {
      const xc = data[r * d + c] - mean[c];
      a += xc * v1[c];
      b += xc * v2[c];
    }
    coords[2 * r] = a;
    coords[2 * r + 1] = b;
  }
  return { coords, explained: trace > 0 ? [l1 / trace, l2 / trace] : [0, 0] };
}

/** The two leading eigenvectors of a symmetric d × d matrix and their eigenvalues (subspace iteration). */
function leadingEigenvectors(a: Float64Array, d: number): [Float64Array, Float64Array, number, number] {
  // A fixed start, not random: the same table always gives the same map (signs included).
  let q1: Float64Array = new Float64Array(d).map((_, i) => 1 + ((i * 7919) % 13) / 13);
  let q2: Float64Array = new Float64Array(d).map((_, i) => (i % 2 === 0 ? 1 : -1) * (1 + ((i * 104729) % 11) / 11));
  const times = (v: Float64Array) => {
    const out = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += a[i * d + j] * v[j];
      out[i] = s;
    }
    return out;
  };
  const dotp = (u: Float64Array, v: Float64Array) => u.reduce((s, x, i) => s + x * v[i], 0);
  const normalise = (v: Float64Array): Float64Array => {
    const n = Math.sqrt(dotp(v, v));
    return n > 0 ? v.map((x) => x / n) : v;
  };
  for (let iteration = 0; iteration < 300; iteration++) {
    const z1 = normalise(times(q1));
    let z2: Float64Array = times(q2);
    const p = dotp(z2, z1);
    z2 = normalise(z2.map((x, i) => x - p * z1[i]));
    const moved = Math.abs(Math.abs(dotp(z1, q1)) - 1) + Math.abs(Math.abs(dotp(z2, q2)) - 1);
    q1 = z1;
    q2 = z2;
    if (moved < 1e-12) break;
  }
  // Rayleigh–Ritz on the 2-D subspace: the two directions inside it that are eigenvectors of a.
  const a1 = times(q1);
  const a2 = times(q2);
  const h11 = dotp(q1, a1);
  const h12 = dotp(q1, a2);
  const h22 = dotp(q2, a2);
  const tr = h11 + h22;
  const det = h11 * h22 - h12 * h12;
  const disc = Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
  const l1 = tr / 2 + disc;
  const l2 = tr / 2 - disc;
  const angle = 0.5 * Math.atan2(2 * h12, h11 - h22);
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  const v1 = fixSign(q1.map((x, i) => c * x + s * q2[i]));
  const v2 = fixSign(q1.map((x, i) => -s * x + c * q2[i]));
  return [v1, v2, l1, l2];
}

/** The sign that makes the largest entry positive, so that the map does not flip between runs. */
function fixSign(v: Float64Array): Float64Array {
  let at = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[at])) at = i;
  return v[at] < 0 ? v.map((x) => -x) : v;
}
