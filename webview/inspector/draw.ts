// Canvas drawing of the Model Inspector: colour strips of embedding rows, heatmaps (a position table, the
// similarity of positions), the 2-D map of the vocabulary and bar charts. Colours come from the theme
// (readTheme); values use a diverging scale: the theme's blue for negative, its orange for positive, the
// background for zero.

import { cssColour, mix, type Rgba } from '../../src/features/attention/core/colourScale';
import { prepareCanvas, readTheme, type Theme } from '../attention/draw';

export { measureCanvas, prepareCanvas, readTheme, type Theme } from '../attention/draw';

const ROW_GAP = 3;

export function theme(): Theme {
  const probe = document.createElement('canvas').getContext('2d')!;
  return readTheme(probe);
}

/** The colour of `value` on a scale symmetric around 0 reaching full colour at ±maxAbs. */
export function divergingColour(t: Theme, value: number, maxAbs: number): Rgba {
  const x = maxAbs > 0 ? Math.max(-1, Math.min(1, value / maxAbs)) : 0;
  return x < 0 ? mix(t.background, t.accent, -x) : mix(t.background, t.focus, x);
}

function font(t: Theme, px = t.fontPx, mono = false): string {
  return `${px}px ${mono ? t.monoFont : t.uiFont}`;
}

function title(ctx: CanvasRenderingContext2D, t: Theme, text: string, y = 14): void {
  ctx.fillStyle = cssColour(t.foreground);
  ctx.font = font(t);
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(text, 0, y);
}

function clear(ctx: CanvasRenderingContext2D, t: Theme, width: number, height: number): void {
  ctx.fillStyle = cssColour(t.background);
  ctx.fillRect(0, 0, width, height);
}

/** Values as one row of cells: each cell one dimension. */
function strip(ctx: CanvasRenderingContext2D, t: Theme, values: readonly number[], x: number, y: number, width: number, height: number, maxAbs: number): void {
  const w = width / Math.max(1, values.length);
  values.forEach((v, i) => {
    ctx.fillStyle = cssColour(divergingColour(t, v, maxAbs));
    ctx.fillRect(x + i * w, y, Math.ceil(w), height);
  });
  ctx.strokeStyle = cssColour(t.border);
  ctx.lineWidth = 1;
  ctx.strokeRect(x + 0.5, y + 0.5, width - 1, height - 1);
}

export interface StripRow {
  label: string;
  vectors: readonly (readonly number[])[];
}

/** Rows of strips under column headings; each column has its own scale. */
export function drawStrips(canvas: HTMLCanvasElement, t: Theme, heading: string, columns: string[], rows: StripRow[], width: number): void {
  const labelWidth = 110;
  const rowHeight = 12;
  const top = 40;
  const height = top + rows.length * (rowHeight + ROW_GAP) + 4;
  const ctx = prepareCanvas(canvas, width, height);
  clear(ctx, t, width, height);
  title(ctx, t, heading);
  const colWidth = (width - labelWidth - 8 * columns.length) / Math.max(1, columns.length);
  const maxAbs = columns.map((_, c) => rows.reduce((m, r) => r.vectors[c].reduce((mm, v) => Math.max(mm, Math.abs(v)), m), 0));
  ctx.font = font(t, 11);
  columns.forEach((name, c) => {
    ctx.fillStyle = cssColour(t.muted);
    ctx.fillText(name, labelWidth + c * (colWidth + 8), top - 6);
  });
  rows.forEach((row, r) => {
    const y = top + r * (rowHeight + ROW_GAP);
    ctx.fillStyle = cssColour(t.foreground);
    ctx.font = font(t, 11, true);
    ctx.textBaseline = 'middle';
    ctx.fillText(fit(ctx, row.label, labelWidth - 6), 0, y + rowHeight / 2);
    ctx.textBaseline = 'alphabetic';
    row.vectors.forEach((v, c) => strip(ctx, t, v, labelWidth + c * (colWidth + 8), y, colWidth, rowHeight, maxAbs[c]));
  });
}

function fit(ctx: CanvasRenderingContext2D, text: string, maxPx: number): string {
  if (ctx.measureText(text).width <= maxPx) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(`${s}…`).width > maxPx) s = s.slice(0, -1);
  return `${s}…`;
}

export interface HeatmapOptions {
  heading: string;
  /** Scale: symmetric around 0 (diverging) up to this absolute value. */
  maxAbs: number;
  xLabel: string;
  yLabel: string;
  /** The largest height the map may take (CSS px). */
  maxHeight?: number;
}

/** A rows × cols matrix of values as coloured cells. */
export function drawHeatmap(canvas: HTMLCanvasElement, t: Theme, values: readonly number[], rows: number, cols: number, width: number, options: HeatmapOptions): void {
  const top = 24;
  const left = 16;
  const mapWidth = width - left;
  const cell = mapWidth / Math.max(1, cols);
  const mapHeight = Math.min(options.maxHeight ?? 420, Math.max(rows * Math.min(cell, 6), 60));
  const height = top + mapHeight + 20;
  const ctx = prepareCanvas(canvas, width, height);
  clear(ctx, t, width, height);
  title(ctx, t, options.heading);
  const image = new ImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const colour = divergingColour(t, values[r * cols + c], options.maxAbs);
      const i = (r * cols + c) * 4;
      image.data[i] = colour.r;
      image.data[i + 1] = colour.g;
      image.data[i + 2] = colour.b;
      image.data[i + 3] = 255;
    }
  }
  const bitmap = document.createElement('canvas');
  bitmap.width = cols;
  bitmap.height = rows;
  bitmap.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(bitmap, left, top, mapWidth, mapHeight);
  ctx.fillStyle = cssColour(t.muted);
  ctx.font = font(t, 11);
  ctx.fillText(options.xLabel, left, top + mapHeight + 14);
  ctx.save();
  ctx.translate(11, top + mapHeight / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText(options.yLabel, 0, 0);
  ctx.restore();
}

export type PointMark = 'query' | 'neighbour' | 'match';

/** Geometry of a drawn map, for hit tests (which point is under the pointer). */
export interface ScatterLayout {
  toScreen(i: number): { x: number; y: number };
}

/** Every token as a dot on the 2-D map; marked points are drawn on top, labelled. */
export function drawScatter(canvas: HTMLCanvasElement, t: Theme, coords: readonly number[], labels: readonly string[], marks: Map<number, PointMark>, width: number, heading: string): ScatterLayout {
  const height = Math.round(Math.min(520, Math.max(280, width * 0.62)));
  const top = 24;
  const pad = 12;
  const ctx = prepareCanvas(canvas, width, height);
  clear(ctx, t, width, height);
  title(ctx, t, heading);
  const n = coords.length / 2;
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, coords[2 * i]);
    maxX = Math.max(maxX, coords[2 * i]);
    minY = Math.min(minY, coords[2 * i + 1]);
    maxY = Math.max(maxY, coords[2 * i + 1]);
  }
  const sx = (width - 2 * pad) / Math.max(1e-12, maxX - minX);
  const sy = (height - top - 2 * pad) / Math.max(1e-12, maxY - minY);
  const toScreen = (i: number) => ({ x: pad + (coords[2 * i] - minX) * sx, y: top + pad + (maxY - coords[2 * i + 1]) * sy });
  ctx.strokeStyle = cssColour(t.border);
  ctx.strokeRect(0.5, top + 0.5, width - 1, height - top - 1);
  ctx.fillStyle = cssColour(mix(t.background, t.muted, 0.6));
  for (let i = 0; i < n; i++) {
    if (marks.has(i)) continue;
    const p = toScreen(i);
    ctx.fillRect(p.x - 1, p.y - 1, 2, 2);
  }
  const order: PointMark[] = ['match', 'neighbour', 'query'];
  const colour: Record<PointMark, string> = { match: cssColour(t.focus), neighbour: cssColour(t.accent), query: cssColour(t.foreground) };
  ctx.font = font(t, 11, true);
  for (const kind of order) {
    for (const [i, mark] of marks) {
      if (mark !== kind) continue;
      const p = toScreen(i);
      ctx.fillStyle = colour[kind];
      ctx.beginPath();
      ctx.arc(p.x, p.y, kind === 'query' ? 5 : 3.5, 0, 2 * Math.PI);
      ctx.fill();
      if (kind !== 'match' || marks.size < 60) ctx.fillText(labels[i] ?? '', p.x + 6, p.y - 4);
    }
  }
  return { toScreen };
}

export interface Bar {
  label: string;
  value: number;
}

/** Horizontal bars, one per item, scaled to `max`. */
export function drawBars(canvas: HTMLCanvasElement, t: Theme, bars: Bar[], width: number, heading: string, format: (v: number) => string, max = Math.max(1e-12, ...bars.map((b) => Math.abs(b.value)))): void {
  const top = 24;
  const rowHeight = 16;
  const labelWidth = 130;
  const valueWidth = 70;
  const height = top + bars.length * (rowHeight + ROW_GAP) + 6;
  const ctx = prepareCanvas(canvas, width, height);
  clear(ctx, t, width, height);
  title(ctx, t, heading);
  const barMax = width - labelWidth - valueWidth;
  bars.forEach((b, i) => {
    const y = top + i * (rowHeight + ROW_GAP);
    ctx.font = font(t, 11, true);
    ctx.textBaseline = 'middle';
    ctx.fillStyle = cssColour(t.foreground);
    ctx.fillText(fit(ctx, b.label, labelWidth - 6), 0, y + rowHeight / 2);
    ctx.fillStyle = cssColour(b.value < 0 ? t.focus : t.accent);
    ctx.fillRect(labelWidth, y + 2, Math.max(1, (Math.abs(b.value) / max) * barMax), rowHeight - 4);
    ctx.fillStyle = cssColour(t.muted);
    ctx.fillText(format(b.value), labelWidth + barMax + 6, y + rowHeight / 2);
    ctx.textBaseline = 'alphabetic';
  });
}
