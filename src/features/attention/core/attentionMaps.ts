// The engine's attention maps, packed: every layer's and head's weights in one array, the aggregates the
// panel shows (a layer's mean, one query across heads), the 16-bit form sent to the page and the base64
// form the HTML export inlines (Node and browsers alike).

import type { AttentionPayload } from '../protocol';
import type { AttentionResult } from '../../../worker/engine/protocol';

/** Attention of every layer and head of one text, packed: weights[((l * H + h) * T + q) * T + k]. */
export interface AttentionMaps {
  nLayer: number;
  nHead: number;
  /** Tokens (queries = keys). */
  T: number;
  weights: Float32Array;
}

/** The engine's attention[layer][head][query][key] → one Float32Array (what the page and the export use). */
export function packAttention(attention: number[][][][]): AttentionMaps {
  const nLayer = attention.length;
  const nHead = nLayer ? attention[0].length : 0;
  const T = nHead ? attention[0][0].length : 0;
  const weights = new Float32Array(nLayer * nHead * T * T);
  let o = 0;
  for (let l = 0; l < nLayer; l++) {
    const layer = attention[l];
    if (layer.length !== nHead) throw new Error(`attention layer ${l} has ${layer.length} heads, layer 0 has ${nHead}`);
    for (let h = 0; h < nHead; h++) {
      const rows = layer[h];
      if (rows.length !== T) throw new Error(`attention layer ${l} head ${h} has ${rows.length} rows, expected ${T}`);
      for (let q = 0; q < T; q++) {
        const row = rows[q];
        if (row.length !== T) throw new Error(`attention layer ${l} head ${h} row ${q} has ${row.length} keys, expected ${T}`);
        for (let k = 0; k < T; k++) weights[o++] = row[k];
      }
    }
  }
  return { nLayer, nHead, T, weights };
}

/**
 * The worker's answer to 'attention' → its maps (packed by the worker, or packed here) and the data the
 * page gets (weights as 16 bits). `model` fills in a layer or head count the worker left out.
 */
export function attentionData(
  result: AttentionResult,
  model: { nLayer: number; nHead: number; contextLength: number; kind?: 'decoder' | 'encoder' },
  page: Pick<AttentionPayload, 'seq' | 'sourceLabel' | 'modelLabel'>,
): { maps: AttentionMaps; payload: AttentionPayload } {
  const maps: AttentionMaps = result.weights
    ? { nLayer: result.nLayer ?? model.nLayer, nHead: result.nHead ?? model.nHead, T: result.tokens.length, weights: result.weights }
    : packAttention(result.attention);
  const payload: AttentionPayload = {
    seq: page.seq,
    tokens: result.tokens.map((t) => ({ ...t })),
    nLayer: maps.nLayer,
    nHead: maps.nHead,
    weights: quantize16(maps.weights),
    truncated: result.truncated,
    totalTokens: result.totalTokens,
    contextLength: model.contextLength,
    sourceLabel: page.sourceLabel,
    modelLabel: page.modelLabel,
    causal: model.kind !== 'encoder',
  };
  return { maps, payload };
}

/** The packed maps back as attention[layer][head][query][key] (plain numbers). */
export function unpackAttention(maps: AttentionMaps): number[][][][] {
  const { nLayer, nHead, T, weights } = maps;
  const out: number[][][][] = [];
  for (let l = 0; l < nLayer; l++) {
    const layer: number[][][] = [];
    for (let h = 0; h < nHead; h++) {
      const rows: number[][] = [];
      for (let q = 0; q < T; q++) {
        const start = ((l * nHead + h) * T + q) * T;
        rows.push(Array.from(weights.subarray(start, start + T)));
      }
      layer.push(rows);
    }
    out.push(layer);
  }
  return out;
}

/** The T×T map of one head (a view into `weights`, no copy). */
export function headMap(maps: AttentionMaps, layer: number, head: number): Float32Array {
  const { nHead, T } = maps;
  const start = (layer * nHead + head) * T * T;
  return maps.weights.subarray(start, start + T * T);
}

/** Mean over the heads of one layer: T×T, rows still sum to 1, still 0 above the diagonal. */
export function meanOverHeads(maps: AttentionMaps, layer: number): Float32Array {
  const { nHead, T } = maps;
  const out = new Float32Array(T * T);
  if (nHead === 0) return out;
  for (let h = 0; h < nHead; h++) {
    const m = headMap(maps, layer, h);
    for (let i = 0; i < out.length; i++) out[i] += m[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= nHead;
  return out;
}

export interface HeadRow {
  layer: number;
  head: number;
  /** The query's weights over keys 0…query (the masked keys after it are left out). */
  weights: Float32Array;
}

/** One query token's attention in every head, layer by layer: what the "query across heads" bars show. */
export function queryAcrossHeads(maps: AttentionMaps, query: number, causal = true): HeadRow[] {
  const { nLayer, nHead, T } = maps;
  const rows: HeadRow[] = [];
  if (query < 0 || query >= T) return rows;
  for (let l = 0; l < nLayer; l++) {
    for (let h = 0; h < nHead; h++) {
      const m = headMap(maps, l, h);
      rows.push({ layer: l, head: h, weights: m.subarray(query * T, query * T + (causal ? query + 1 : T)) });
    }
  }
  return rows;
}

/** The largest deviation of any row's sum from 1, and the largest value above the diagonal (tests, checks). */
export function checkMaps(maps: AttentionMaps): { maxRowError: number; maxAboveDiagonal: number } {
  const { nLayer, nHead, T } = maps;
  let maxRowError = 0;
  let maxAboveDiagonal = 0;
  for (let l = 0; l < nLayer; l++) {
    for (let h = 0; h < nHead; h++) {
      const m = headMap(maps, l, h);
      for (let q = 0; q < T; q++) {
        let sum = 0;
        for (let k = 0; k < T; k++) {
          const v = m[q * T + k];
          sum += v;
          if (k > q) maxAboveDiagonal = Math.max(maxAboveDiagonal, Math.abs(v));
        }
        maxRowError = Math.max(maxRowError, Math.abs(sum - 1));
      }
    }
  }
  return { maxRowError, maxAboveDiagonal };
}

/** Weights in 0…1 as 16-bit integers (× 65535, rounded): half the bytes of float32 for the panel. */
export function quantize16(weights: Float32Array): Uint16Array {
  const out = new Uint16Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const v = weights[i];
    out[i] = v <= 0 ? 0 : v >= 1 ? 65535 : Math.round(v * 65535);
  }
  return out;
}

/** The weights back from quantize16 (or as they are, when already float32). */
export function toFloat32(weights: Float32Array | Uint16Array): Float32Array {
  if (weights instanceof Float32Array) return weights;
  const out = new Float32Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = weights[i] / 65535;
  return out;
}

export function float32ToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let out = '';
  const CHUNK = 0x6000; // a multiple of 3: chunks encode independently
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += btoa(String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + CHUNK))));
  }
  return out;
}

export function base64ToFloat32(text: string): Float32Array {
  const binary = atob(text);
  const buffer = new ArrayBuffer(binary.length);
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (bytes.length % 4 !== 0) throw new Error(`float32 data of ${bytes.length} bytes is not a whole number of floats`);
  return new Float32Array(buffer);
}
