// The attention panel's pure logic, shared by the extension host (src/features/attention/attentionPanel.ts,
// attentionExport.ts), the page (webview/attention/) and the unit tests: packing the engine's maps,
// the aggregates, the colour scale, the layout of labels, heatmaps and thumbnails, hit testing, and the
// texts the panel shows. No `vscode` import and no DOM use here.

import * as l10n from '@vscode/l10n';
import { formatFixed, formatNumber, plural } from '../../../l10n/format';
import type { AttentionPayload } from '../protocol';
import type { AttentionResult } from '../../../worker/engine/protocol';

// ------------------------------------------------------------------------------------------------
// Data

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

// ------------------------------------------------------------------------------------------------
// Base64 of float32 data (the HTML export inlines the weights; works in Node and in browsers)

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

// ------------------------------------------------------------------------------------------------
// Colours

export interface Rgba {
  r: number;
  g: number;
  b: number;
  /** 0…1 */
  a: number;
}

/** Parses the colours getComputedStyle gives for VS Code's variables: #rgb, #rgba, #rrggbb, #rrggbbaa, rgb(), rgba(). */
export function parseColour(text: string | undefined): Rgba | undefined {
  if (!text) return undefined;
  const s = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,8})$/.exec(s);
  if (m) {
    const hex = m[1];
    if (hex.length === 3 || hex.length === 4) {
      const v = [...hex].map((c) => parseInt(c + c, 16));
      return { r: v[0], g: v[1], b: v[2], a: hex.length === 4 ? v[3] / 255 : 1 };
    }
    if (hex.length === 6 || hex.length === 8) {
      const v = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2) || 'ff', 16));
      return { r: v[0], g: v[1], b: v[2], a: v[3] / 255 };
    }
    return undefined;
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(s);
  if (m) {
    const alpha = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return { r: clampByte(+m[1]), g: clampByte(+m[2]), b: clampByte(+m[3]), a: Math.max(0, Math.min(1, alpha)) };
  }
  return undefined;
}

function clampByte(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

/** `top` drawn over an opaque `bottom` (colours with alpha, as themes give, become what is seen). */
export function over(top: Rgba, bottom: Rgba): Rgba {
  const a = top.a;
  return {
    r: Math.round(top.r * a + bottom.r * (1 - a)),
    g: Math.round(top.g * a + bottom.g * (1 - a)),
    b: Math.round(top.b * a + bottom.b * (1 - a)),
    a: 1,
  };
}

export function mix(a: Rgba, b: Rgba, t: number): Rgba {
  return {
    r: Math.round(a.r + (b.r - a.r) * t),
    g: Math.round(a.g + (b.g - a.g) * t),
    b: Math.round(a.b + (b.b - a.b) * t),
    a: a.a + (b.a - a.a) * t,
  };
}

/** Relative luminance (WCAG), 0 black … 1 white. */
export function luminance(c: Rgba): number {
  const ch = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
}

export function cssColour(c: Rgba): string {
  return c.a >= 1 ? `rgb(${c.r}, ${c.g}, ${c.b})` : `rgba(${c.r}, ${c.g}, ${c.b}, ${+c.a.toFixed(3)})`;
}

/**
 * 'linear': 0…1 as is; 'sqrt': the square root, which spreads the small weights of long texts apart;
 * 'max': linear from 0 to the largest weight of the map shown (each map to its own maximum).
 */
export type ColourScaleKind = 'linear' | 'sqrt' | 'max';

/** Where a weight sits on the colour scale, 0…1. `max`: the map's largest weight (for 'max'). */
export function scalePosition(value: number, kind: ColourScaleKind, max = 1): number {
  const top = kind === 'max' && max > 0 ? max : 1;
  const v = value > 0 ? (value < top ? value / top : 1) : 0;
  return kind === 'sqrt' ? Math.sqrt(v) : v;
}

/** The value at a position of the scale (inverse of scalePosition): the legend's tick labels. */
export function scaleValue(position: number, kind: ColourScaleKind, max = 1): number {
  const p = Math.max(0, Math.min(1, position));
  return kind === 'sqrt' ? p * p : kind === 'max' ? p * (max > 0 ? max : 1) : p;
}

/** The largest weight of a T×T map: on or below the diagonal when it is causal. */
export function mapMax(map: Float32Array, T: number, causal = true): number {
  let max = 0;
  for (let q = 0; q < T; q++) for (let k = 0; k <= (causal ? q : T - 1); k++) if (map[q * T + k] > max) max = map[q * T + k];
  return max;
}

/**
 * The colour ramp of the heatmaps, from the theme: weight 0 is the editor background, small weights
 * lean to the accent (the theme's chart blue), the largest weights go past it, lighter on a dark
 * background and darker on a light one, so 1.0 stands out in both.
 */
export function themeRamp(background: Rgba, accent: Rgba): Rgba[] {
  const bg = { ...background, a: 1 };
  const acc = over(accent, bg);
  const dark = luminance(bg) < 0.4;
  const end = dark ? mix(acc, { r: 255, g: 255, b: 255, a: 1 }, 0.55) : mix(acc, { r: 0, g: 0, b: 60, a: 1 }, 0.5);
  return [bg, mix(bg, acc, 0.55), acc, end];
}

/** 256 RGBA entries along a ramp of evenly spaced stops: the lookup table the heatmaps are painted with. */
export function buildLut(stops: Rgba[]): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 4);
  const n = stops.length;
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let c: Rgba;
    if (n === 0) c = { r: 0, g: 0, b: 0, a: 1 };
    else if (n === 1) c = stops[0];
    else {
      const x = t * (n - 1);
      const j = Math.min(n - 2, Math.floor(x));
      c = mix(stops[j], stops[j + 1], x - j);
    }
    lut[i * 4] = c.r;
    lut[i * 4 + 1] = c.g;
    lut[i * 4 + 2] = c.b;
    lut[i * 4 + 3] = Math.round(c.a * 255);
  }
  return lut;
}

/** The LUT index of a weight. */
export function lutIndex(value: number, kind: ColourScaleKind, max = 1): number {
  return Math.round(scalePosition(value, kind, max) * 255);
}

/**
 * A T×T map painted into RGBA pixels (one pixel per cell), ready for putImageData. A causal map's cells
 * above the diagonal (masked) are left transparent: the page draws the mask pattern behind them. A
 * bidirectional one (an encoder's) has every cell painted.
 */
export function paintMap(map: Float32Array, T: number, lut: Uint8ClampedArray, kind: ColourScaleKind, out = new Uint8ClampedArray(T * T * 4), causal = true): Uint8ClampedArray {
  const max = kind === 'max' ? mapMax(map, T, causal) : 1;
  for (let q = 0; q < T; q++) {
    for (let k = 0; k < T; k++) {
      const o = (q * T + k) * 4;
      if (causal && k > q) {
        out[o + 3] = 0;
        continue;
      }
      const i = lutIndex(map[q * T + k], kind, max) * 4;
      out[o] = lut[i];
      out[o + 1] = lut[i + 1];
      out[o + 2] = lut[i + 2];
      out[o + 3] = lut[i + 3];
    }
  }
  return out;
}

/** Ticks of the legend: values and their positions on the scale (`max`: the map's largest weight, for 'max'). */
export function legendTicks(kind: ColourScaleKind, max = 1): { value: number; position: number; label: string }[] {
  const short = (v: number) => (v === 0 || v === 1 ? String(v) : v.toFixed(v < 0.01 ? 4 : v < 0.1 ? 3 : 2).replace(/0+$/, '').replace(/^0/, ''));
  if (kind === 'max') {
    const top = max > 0 ? max : 1;
    return [0, 0.25, 0.5, 0.75, 1].map((p) => ({ value: p * top, position: p, label: short(p * top) }));
  }
  const values = kind === 'sqrt' ? [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1] : [0, 0.25, 0.5, 0.75, 1];
  return values.map((value) => ({ value, position: scalePosition(value, kind), label: short(value) }));
}

// ------------------------------------------------------------------------------------------------
// Labels and layout

/** A label cut to at most `maxChars` characters (code points), with an ellipsis when cut. */
export function fitLabel(label: string, maxChars: number): string {
  const chars = [...label];
  if (chars.length <= maxChars) return label;
  if (maxChars <= 1) return '…';
  return chars.slice(0, maxChars - 1).join('') + '…';
}

/** Show every n-th label so that labels `fontPx` high do not overlap on cells `cellPx` apart. */
export function labelStep(cellPx: number, fontPx: number): number {
  if (cellPx <= 0) return Number.POSITIVE_INFINITY;
  const need = fontPx * 1.15;
  if (cellPx >= need) return 1;
  const raw = Math.ceil(need / cellPx);
  // round up to 1, 2, 5, 10, 20, 50…: the shown indices are easy to read
  for (let mag = 1; mag <= 1e6; mag *= 10) {
    for (const base of [1, 2, 5]) if (base * mag >= raw) return base * mag;
  }
  return raw;
}

/** The labels an axis shows: index, text (cut), in order. The chosen index (if any) is always shown. */
export function axisLabels(labels: readonly string[], cellPx: number, fontPx: number, maxChars: number, always?: number): { index: number; text: string }[] {
  const step = labelStep(cellPx, fontPx);
  const out: { index: number; text: string }[] = [];
  for (let i = 0; i < labels.length; i++) {
    const nearAlways = always !== undefined && i !== always && Math.abs(i - always) * cellPx < fontPx * 1.15;
    if ((i % step === 0 && !nearAlways) || i === always) out.push({ index: i, text: fitLabel(labels[i], maxChars) });
  }
  return out;
}

export interface HeatmapLayout {
  /** Top-left corner of the grid of cells, in CSS pixels. */
  x0: number;
  y0: number;
  cell: number;
  /** T * cell */
  size: number;
  /** The whole drawing. */
  width: number;
  height: number;
  fontPx: number;
  maxChars: number;
  legend: { x: number; y: number; width: number; height: number };
}

export interface HeatmapLayoutInput {
  T: number;
  /** Width the drawing may take. */
  width: number;
  /** Height the drawing should fit in (the page's visible area); the grid shrinks to fit, down to minCell. */
  height?: number;
  fontPx?: number;
  /** The widest label in pixels (measured by the page), capped. */
  labelPx: number;
  minCell?: number;
  maxCell?: number;
}

export const LEGEND_WIDTH = 64;

/** Where everything of a heatmap goes: row labels left, column labels above (rotated), legend right. */
export function heatmapLayout(input: HeatmapLayoutInput): HeatmapLayout {
  const fontPx = input.fontPx ?? 12;
  const maxCell = input.maxCell ?? 40;
  const minCell = input.minCell ?? 1;
  const labelW = Math.min(Math.max(input.labelPx, fontPx * 4.5), fontPx * 10) + 8;
  const margin = 8;
  const T = Math.max(1, input.T);
  const byWidth = (input.width - labelW - LEGEND_WIDTH - 2 * margin) / T;
  const byHeight = input.height !== undefined ? (input.height - labelW - 2 * margin) / T : Number.POSITIVE_INFINITY;
  const cell = Math.max(minCell, Math.min(maxCell, Math.floor(Math.min(byWidth, byHeight) * 4) / 4));
  const size = cell * T;
  const x0 = margin + labelW;
  const y0 = margin + labelW;
  const legendHeight = Math.max(120, Math.min(size, 260));
  return {
    x0,
    y0,
    cell,
    size,
    width: Math.ceil(x0 + size + LEGEND_WIDTH + margin),
    height: Math.ceil(y0 + Math.max(size, legendHeight) + margin),
    fontPx,
    maxChars: Math.max(3, Math.floor(labelW / (fontPx * 0.62))),
    legend: { x: x0 + size + 18, y: y0, width: 14, height: legendHeight },
  };
}

/** The cell under a point of a heatmap, or undefined outside the grid. */
export function cellAt(layout: { x0: number; y0: number; cell: number }, T: number, x: number, y: number): { query: number; key: number } | undefined {
  const k = Math.floor((x - layout.x0) / layout.cell);
  const q = Math.floor((y - layout.y0) / layout.cell);
  if (k < 0 || q < 0 || k >= T || q >= T) return undefined;
  return { query: q, key: k };
}

export interface GridLayout {
  thumb: number;
  gap: number;
  x0: number;
  y0: number;
  cols: number;
  rows: number;
  width: number;
  height: number;
}

/** The model view's grid of thumbnails: layers as rows, heads as columns, scaled to the width. */
export function thumbnailGrid(rows: number, cols: number, width: number, options: { fontPx?: number; minThumb?: number; maxThumb?: number } = {}): GridLayout {
  const fontPx = options.fontPx ?? 12;
  const minThumb = options.minThumb ?? 28;
  const maxThumb = options.maxThumb ?? 150;
  const gap = cols > 12 ? 4 : 8;
  const x0 = Math.ceil(fontPx * 3.2);
  const y0 = Math.ceil(fontPx * 1.8);
  const c = Math.max(1, cols);
  const thumb = Math.max(minThumb, Math.min(maxThumb, Math.floor((width - x0 - 8 - gap * (c - 1)) / c)));
  return {
    thumb,
    gap,
    x0,
    y0,
    cols,
    rows,
    width: Math.ceil(x0 + c * thumb + (c - 1) * gap + 8),
    height: Math.ceil(y0 + rows * thumb + Math.max(0, rows - 1) * gap + 8),
  };
}

/** Which thumbnail (row, col of the grid) is under a point. */
export function thumbnailAt(grid: GridLayout, x: number, y: number): { row: number; col: number } | undefined {
  const col = Math.floor((x - grid.x0) / (grid.thumb + grid.gap));
  const row = Math.floor((y - grid.y0) / (grid.thumb + grid.gap));
  if (col < 0 || row < 0 || col >= grid.cols || row >= grid.rows) return undefined;
  const inX = x - grid.x0 - col * (grid.thumb + grid.gap);
  const inY = y - grid.y0 - row * (grid.thumb + grid.gap);
  return inX <= grid.thumb && inY <= grid.thumb ? { row, col } : undefined;
}

/** Indices kept by a filter: 'all', or one index (0-based). */
export function filterIndices(count: number, filter: number | 'all'): number[] {
  if (filter === 'all' || !(filter >= 0 && filter < count)) return Array.from({ length: count }, (_, i) => i);
  return [filter];
}

export interface BarsLayout {
  x0: number;
  y0: number;
  rowHeight: number;
  barWidth: number;
  width: number;
  height: number;
}

/** The "query across heads" bars: one row per head, one bar per key token up to the query. */
export function barsLayout(rows: number, keys: number, width: number, options: { fontPx?: number; labelPx?: number } = {}): BarsLayout {
  const fontPx = options.fontPx ?? 12;
  const x0 = Math.ceil(fontPx * 4.5);
  const y0 = Math.min(Math.max(options.labelPx ?? fontPx * 6, fontPx * 2), fontPx * 10) + 12;
  const rowHeight = rows > 24 ? 22 : 30;
  const barWidth = Math.max(1, Math.min(36, Math.floor(((width - x0 - 12) / Math.max(1, keys)) * 4) / 4));
  return { x0, y0, rowHeight, barWidth, width: Math.ceil(x0 + barWidth * keys + 12), height: Math.ceil(y0 + rows * rowHeight + 8) };
}

// ------------------------------------------------------------------------------------------------
// Texts

/** 0.173 — three decimals, as the hover shows weights. */
export function formatWeight(value: number): string {
  return formatFixed(value, 3);
}

/** The hover text of one cell. */
export function hoverText(queryLabel: string, keyLabel: string, value: number, masked: boolean): string {
  return masked
    ? l10n.t('{0} → {1}: masked (a token only attends to itself and earlier tokens)', queryLabel, keyLabel)
    : `${queryLabel} → ${keyLabel}: ${formatWeight(value)}`;
}

/** The notice shown when the text was cut to the model's context. */
export function truncationNotice(totalTokens: number, shown: number, contextLength: number): string {
  const cut = totalTokens - shown;
  return plural(
    totalTokens,
    l10n.t(
      'The selection has {0} token; the model reads at most {1} at a time (its context length), so this shows the last {2} and leaves out the first {3}.|The selection has {0} tokens; the model reads at most {1} at a time (its context length), so this shows the last {2} and leaves out the first {3}.',
      formatNumber(totalTokens),
      formatNumber(contextLength),
      formatNumber(shown),
      formatNumber(cut),
    ),
  );
}

/** The index of the token at a text offset: the token containing it, else one ending there; undefined outside. */
export function tokenIndexAt(offsets: readonly { start: number; end: number }[], offset: number): number | undefined {
  let ending: number | undefined;
  for (let i = 0; i < offsets.length; i++) {
    const { start, end } = offsets[i];
    if (start <= offset && offset < end) return i;
    if (end === offset && end > start) ending = i;
  }
  return ending;
}

/** Moves a remembered range of a document through an edit; says whether the edit touched the range itself. */
export function shiftRange(range: { start: number; end: number }, change: { rangeOffset: number; rangeLength: number; text: string }): { start: number; end: number; touched: boolean } {
  const changeEnd = change.rangeOffset + change.rangeLength;
  const delta = change.text.length - change.rangeLength;
  if (changeEnd <= range.start) {
    return { start: range.start + delta, end: range.end + delta, touched: false };
  }
  if (change.rangeOffset >= range.end) return { ...range, touched: false };
  return { start: Math.min(range.start, change.rangeOffset), end: Math.max(change.rangeOffset + change.text.length, range.end + delta), touched: true };
}

/** "Layer 2 · head 3" (1-based, as the panel numbers them). */
export function headName(layer: number, head: number): string {
  return l10n.t('Layer {0} · head {1}', formatNumber(layer + 1), formatNumber(head + 1));
}

/** A file name part for exports: attention-L2H3, attention-model, attention-L2-mean, attention-query-12. */
export function exportBaseName(view: { view: string; layer: number; head: number; query: number }): string {
  switch (view.view) {
    case 'model':
      return 'attention-model';
    case 'layerMean':
      return `attention-L${view.layer + 1}-mean`;
    case 'query':
      return `attention-query-${view.query + 1}`;
    default:
      return `attention-L${view.layer + 1}H${view.head + 1}`;
  }
}
