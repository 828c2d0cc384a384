// Where things go on the canvas: axis labels that fit, the heatmap with its legend, the thumbnails of the
// model view, the bars of one query, and which cell, thumbnail or bar a point is in.

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
