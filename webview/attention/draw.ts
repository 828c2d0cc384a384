// Canvas drawing of the attention panel: the head heatmap (also the layer mean), the model view's
// thumbnails and the "query across heads" bars. Colours come from the theme (read with
// getComputedStyle by readTheme, re-read when the theme changes); the geometry and the colour scale
// are the pure functions of src/features/attention/core/ (colourScale.ts, mapLayout.ts).

import { formatFixed } from '../../src/l10n/format';
import { strings as S } from './strings';
import { axisLabels, barsLayout, fitLabel, heatmapLayout, thumbnailGrid, type BarsLayout, type GridLayout, type HeatmapLayout } from '../../src/features/attention/core/mapLayout';
import { buildLut, cssColour, legendTicks, luminance, mapMax, mix, over, paintMap, parseColour, scalePosition, themeRamp, type ColourScaleKind, type Rgba } from '../../src/features/attention/core/colourScale';
import type { AttentionMaps } from '../../src/features/attention/core/attentionMaps';

export interface Theme {
  background: Rgba;
  foreground: Rgba;
  muted: Rgba;
  accent: Rgba;
  focus: Rgba;
  border: Rgba;
  uiFont: string;
  monoFont: string;
  fontPx: number;
  lut: Uint8ClampedArray;
  /** Fill of masked cells (a diagonal hatch), and the plain colour used at thumbnail size. */
  maskPattern: CanvasPattern | string;
  maskColour: Rgba;
  /** A signature of the colours: cached images are repainted when it changes. */
  key: string;
}

function cssVar(style: CSSStyleDeclaration, name: string): string {
  return style.getPropertyValue(name).trim();
}

/** Reads the theme's colours and fonts from VS Code's CSS variables. */
export function readTheme(ctx: CanvasRenderingContext2D): Theme {
  const style = getComputedStyle(document.documentElement);
  const bodyStyle = getComputedStyle(document.body);
  const pick = (names: string[], fallback: string): Rgba => {
    for (const n of names) {
      const c = parseColour(cssVar(style, n)) ?? parseColour(cssVar(bodyStyle, n));
      if (c) return c;
    }
    return parseColour(fallback)!;
  };
  const background = { ...pick(['--vscode-editor-background', '--vscode-sideBar-background'], '#1e1e1e'), a: 1 };
  const dark = luminance(background) < 0.4;
  const foreground = over(pick(['--vscode-editor-foreground', '--vscode-foreground'], dark ? '#cccccc' : '#333333'), background);
  const muted = over(pick(['--vscode-descriptionForeground'], dark ? '#9d9d9d' : '#717171'), background);
  const accent = over(pick(['--vscode-charts-blue', '--vscode-textLink-foreground'], dark ? '#3794ff' : '#1a85ff'), background);
  const focus = over(pick(['--vscode-charts-orange', '--vscode-focusBorder'], dark ? '#d18616' : '#c27d1a'), background);
  const border = over(pick(['--vscode-widget-border', '--vscode-editorWidget-border', '--vscode-panel-border'], dark ? '#454545' : '#c8c8c8'), background);
  const uiFont = cssVar(bodyStyle, '--vscode-font-family') || 'system-ui, sans-serif';
  const monoFont = cssVar(bodyStyle, '--vscode-editor-font-family') || 'ui-monospace, Consolas, monospace';
  const fontPx = 12;
  const maskColour = mix(background, foreground, dark ? 0.07 : 0.06);
  const line = mix(background, foreground, dark ? 0.16 : 0.14);
  let maskPattern: CanvasPattern | string = cssColour(maskColour);
  const tile = document.createElement('canvas');
  tile.width = tile.height = 8;
  const t = tile.getContext('2d');
  if (t) {
    t.fillStyle = cssColour(maskColour);
    t.fillRect(0, 0, 8, 8);
    t.strokeStyle = cssColour(line);
    t.lineWidth = 1;
    t.beginPath();
    t.moveTo(-2, 10);
    t.lineTo(10, -2);
    t.moveTo(-2, 2);
    t.lineTo(2, -2);
    t.moveTo(6, 10);
    t.lineTo(10, 6);
    t.stroke();
    maskPattern = ctx.createPattern(tile, 'repeat') ?? maskPattern;
  }
  const lut = buildLut(themeRamp(background, accent));
  const key = [background, foreground, accent, focus].map(cssColour).join('|');
  return { background, foreground, muted, accent, focus, border, uiFont, monoFont, fontPx, lut, maskPattern, maskColour, key };
}

/** Sizes a canvas for the device pixel ratio and returns its context scaled to CSS pixels. */
export function prepareCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

// ------------------------------------------------------------------------------------------------
// Images of maps (one pixel per cell), cached per data, head, scale and theme

export class MapImages {
  private cache = new Map<string, HTMLCanvasElement>();
  private prefix = '';

  /** Forget everything when the data, the scale or the theme change. */
  reset(prefix: string): void {
    if (prefix === this.prefix) return;
    this.prefix = prefix;
    this.cache.clear();
  }

  get(key: string, map: Float32Array, T: number, theme: Theme, scale: ColourScaleKind, causal = true): HTMLCanvasElement {
    let canvas = this.cache.get(key);
    if (canvas) return canvas;
    canvas = document.createElement('canvas');
    canvas.width = canvas.height = Math.max(1, T);
    const c = canvas.getContext('2d')!;
    const image = c.createImageData(T, T);
    paintMap(map, T, theme.lut, scale, image.data, causal);
    c.putImageData(image, 0, 0);
    this.cache.set(key, canvas);
    return canvas;
  }
}

// ------------------------------------------------------------------------------------------------
// Heatmap (head view, layer mean)

export const TITLE_HEIGHT = 26;

export interface HeatmapSpec {
  title: string;
  map: Float32Array;
  T: number;
  labels: string[];
  scale: ColourScaleKind;
  /** The chosen query token (its row is outlined). */
  query?: number;
  hover?: { query: number; key: number };
  image: HTMLCanvasElement;
  /** false: an encoder's map, every cell a weight (no masked triangle). */
  causal: boolean;
}

/** The label cut (with an ellipsis) to fit `maxPx` in the context's current font. */
export function fitToWidth(ctx: CanvasRenderingContext2D, text: string, maxPx: number): string {
  if (ctx.measureText(text).width <= maxPx) return text;
  const chars = [...text];
  let n = chars.length - 1;
  while (n > 1 && ctx.measureText(chars.slice(0, n).join('') + '…').width > maxPx) n--;
  return chars.slice(0, n).join('') + '…';
}

export function measureLabels(ctx: CanvasRenderingContext2D, theme: Theme, labels: string[], maxChars = 16): number {
  ctx.font = `${theme.fontPx}px ${theme.monoFont}`;
  let widest = 0;
  // Measuring thousands of labels is cheap, but cap the work for very long inputs.
  const step = Math.max(1, Math.floor(labels.length / 512));
  for (let i = 0; i < labels.length; i += step) widest = Math.max(widest, ctx.measureText(fitLabel(labels[i], maxChars)).width);
  return Math.ceil(widest);
}

export function layoutHeatmap(ctx: CanvasRenderingContext2D, theme: Theme, T: number, labels: string[], width: number, height?: number): HeatmapLayout {
  return heatmapLayout({ T, width, ...(height !== undefined ? { height } : {}), fontPx: theme.fontPx, labelPx: measureLabels(ctx, theme, labels), minCell: 2 });
}

function drawTitle(ctx: CanvasRenderingContext2D, theme: Theme, title: string, width: number): void {
  ctx.fillStyle = cssColour(theme.foreground);
  ctx.font = `600 13px ${theme.uiFont}`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  ctx.fillText(title, 8, TITLE_HEIGHT / 2 + 2, Math.max(50, width - 16));
}

/** Draws one heatmap with its labels and legend; the layout's y coordinates are below the title band. */
export function drawHeatmap(ctx: CanvasRenderingContext2D, theme: Theme, layout: HeatmapLayout, spec: HeatmapSpec, width: number): void {
  const { x0, y0, cell, size } = layout;
  const T = spec.T;
  ctx.fillStyle = cssColour(theme.background);
  ctx.fillRect(0, 0, width, layout.height + TITLE_HEIGHT);
  drawTitle(ctx, theme, spec.title, width);
  ctx.save();
  ctx.translate(0, TITLE_HEIGHT);

  // a causal map's masked upper triangle: the hatch under the whole grid; the cells on and below the diagonal cover it
  if (spec.causal) {
    ctx.fillStyle = theme.maskPattern;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    for (let q = 0; q < T; q++) {
      ctx.lineTo(x0 + (q + 1) * cell, y0 + q * cell);
      ctx.lineTo(x0 + (q + 1) * cell, y0 + (q + 1) * cell);
    }
    ctx.lineTo(x0 + size, y0);
    ctx.closePath();
    ctx.fill();
  }
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(spec.image, x0, y0, size, size);

  // cell borders when cells are large enough to read as cells
  if (cell >= 10) {
    ctx.strokeStyle = cssColour({ ...theme.background, a: 0.55 });
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i <= T; i++) {
      const p = Math.round(i * cell) + 0.5;
      ctx.moveTo(x0 + p, y0);
      ctx.lineTo(x0 + p, y0 + size);
      ctx.moveTo(x0, y0 + p);
      ctx.lineTo(x0 + size, y0 + p);
    }
    ctx.stroke();
  }

  // values inside large cells
  if (cell >= 30) {
    const max = spec.scale === 'max' ? mapMax(spec.map, T, spec.causal) : 1;
    ctx.font = `${Math.min(11, Math.floor(cell / 3))}px ${theme.uiFont}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let q = 0; q < T; q++) {
      for (let k = 0; k <= (spec.causal ? q : T - 1); k++) {
        const v = spec.map[q * T + k];
        const i = Math.round(scalePosition(v, spec.scale, max) * 255) * 4;
        const lum = luminance({ r: theme.lut[i], g: theme.lut[i + 1], b: theme.lut[i + 2], a: 1 });
        ctx.fillStyle = lum > 0.35 ? '#111' : '#f3f3f3';
        ctx.fillText(v >= 0.995 ? '1' : formatFixed(v, 2).replace(/^0(?=\D)/, ''), x0 + (k + 0.5) * cell, y0 + (q + 0.5) * cell + 0.5);
      }
    }
  }

  // labels: rows (queries) left, columns (keys) above, rotated
  const fg = cssColour(theme.foreground);
  const muted = cssColour(theme.muted);
  const focus = cssColour(theme.focus);
  ctx.font = `${theme.fontPx}px ${theme.monoFont}`;
  ctx.textBaseline = 'middle';
  const rows = axisLabels(spec.labels, cell, theme.fontPx, layout.maxChars, spec.query);
  ctx.textAlign = 'right';
  for (const { index, text } of rows) {
    const active = index === spec.query || index === spec.hover?.query;
    ctx.fillStyle = active ? (index === spec.query ? focus : fg) : fg;
    ctx.font = `${active ? '600 ' : ''}${theme.fontPx}px ${theme.monoFont}`;
    ctx.fillText(fitToWidth(ctx, text, x0 - 14), x0 - 6, y0 + (index + 0.5) * cell);
  }
  const cols = axisLabels(spec.labels, cell, theme.fontPx, layout.maxChars, spec.hover?.key);
  ctx.save();
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'left';
  for (const { index, text } of cols) {
    const active = index === spec.hover?.key;
    ctx.fillStyle = active ? focus : fg;
    ctx.font = `${active ? '600 ' : ''}${theme.fontPx}px ${theme.monoFont}`;
    // rotated: x' = -y, y' = x
    ctx.fillText(fitToWidth(ctx, text, y0 - 14), -(y0 - 6), x0 + (index + 0.5) * cell);
  }
  ctx.restore();

  // axis captions in the corner
  ctx.font = `11px ${theme.uiFont}`;
  ctx.fillStyle = muted;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(S.keysAxis, 8, 4);
  ctx.fillText(S.queriesAxis, 8, 19);

  // the chosen query row and the hovered cell
  ctx.lineWidth = 2;
  if (spec.query !== undefined && spec.query >= 0 && spec.query < T) {
    ctx.strokeStyle = focus;
    ctx.strokeRect(x0 - 1, y0 + spec.query * cell - 1, Math.max(cell, (spec.query + 1) * cell) + 2, cell + 2);
  }
  if (spec.hover) {
    ctx.strokeStyle = fg;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x0 + spec.hover.key * cell - 0.75, y0 + spec.hover.query * cell - 0.75, cell + 1.5, cell + 1.5);
  }

  drawLegend(ctx, theme, layout.legend, spec.scale, spec.scale === 'max' ? mapMax(spec.map, T, spec.causal) : 1, spec.causal);
  ctx.restore();
}

/** The vertical colour legend: 1 at the top, 0 at the bottom, ticks, and the masked swatch below. */
export function drawLegend(ctx: CanvasRenderingContext2D, theme: Theme, box: { x: number; y: number; width: number; height: number }, scale: ColourScaleKind, max = 1, causal = true): void {
  const { x, y, width, height } = box;
  for (let i = 0; i < height; i++) {
    const position = 1 - i / Math.max(1, height - 1);
    const j = Math.round(position * 255) * 4;
    ctx.fillStyle = `rgb(${theme.lut[j]}, ${theme.lut[j + 1]}, ${theme.lut[j + 2]})`;
    ctx.fillRect(x, y + i, width, 1);
  }
  ctx.strokeStyle = cssColour(theme.border);
  ctx.lineWidth = 1;
  ctx.strokeRect(x - 0.5, y - 0.5, width + 1, height + 1);
  ctx.font = `10px ${theme.uiFont}`;
  ctx.fillStyle = cssColour(theme.muted);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (const tick of legendTicks(scale, max)) {
    const ty = y + (1 - tick.position) * (height - 1);
    ctx.fillRect(x + width, Math.round(ty), 3, 1);
    ctx.fillText(tick.label, x + width + 5, ty);
  }
  if (causal) {
    const my = y + height + 10;
    ctx.fillStyle = theme.maskPattern;
    ctx.fillRect(x, my, width, width);
    ctx.strokeRect(x - 0.5, my - 0.5, width + 1, width + 1);
    ctx.fillStyle = cssColour(theme.muted);
    ctx.fillText(S.masked, x - 2, my + width + 10);
  }
  ctx.save();
  ctx.translate(x - 6, y + height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(scale === 'sqrt' ? S.weightSqrt : scale === 'max' ? S.weightMax : S.weight, 0, 0);
  ctx.restore();
}

// ------------------------------------------------------------------------------------------------
// Model view: every layer × head as a thumbnail

export interface ModelViewSpec {
  maps: AttentionMaps;
  layers: number[];
  heads: number[];
  selected?: { layer: number; head: number };
  hover?: { layer: number; head: number };
  images: (layer: number, head: number) => HTMLCanvasElement;
  title: string;
}

export function drawModelView(ctx: CanvasRenderingContext2D, theme: Theme, grid: GridLayout, spec: ModelViewSpec, width: number): void {
  ctx.fillStyle = cssColour(theme.background);
  ctx.fillRect(0, 0, width, grid.height + TITLE_HEIGHT);
  drawTitle(ctx, theme, spec.title, width);
  ctx.save();
  ctx.translate(0, TITLE_HEIGHT);
  const { thumb, gap, x0, y0 } = grid;
  ctx.font = `11px ${theme.uiFont}`;
  ctx.fillStyle = cssColour(theme.muted);
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'center';
  spec.heads.forEach((h, col) => ctx.fillText(S.headShort(h + 1), x0 + col * (thumb + gap) + thumb / 2, y0 - 4));
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  spec.layers.forEach((l, row) => ctx.fillText(S.layerShort(l + 1), x0 - 6, y0 + row * (thumb + gap) + thumb / 2));
  const smooth = thumb < spec.maps.T;
  spec.layers.forEach((l, row) => {
    spec.heads.forEach((h, col) => {
      const x = x0 + col * (thumb + gap);
      const y = y0 + row * (thumb + gap);
      ctx.fillStyle = cssColour(theme.maskColour);
      ctx.fillRect(x, y, thumb, thumb);
      ctx.imageSmoothingEnabled = smooth;
      ctx.imageSmoothingQuality = 'medium';
      ctx.drawImage(spec.images(l, h), x, y, thumb, thumb);
      const selected = spec.selected?.layer === l && spec.selected?.head === h;
      const hover = spec.hover?.layer === l && spec.hover?.head === h;
      ctx.lineWidth = selected || hover ? 2 : 1;
      ctx.strokeStyle = cssColour(selected ? theme.focus : hover ? theme.foreground : theme.border);
      const inset = ctx.lineWidth / 2;
      ctx.strokeRect(x - inset, y - inset, thumb + 2 * inset, thumb + 2 * inset);
    });
  });
  ctx.restore();
}

// ------------------------------------------------------------------------------------------------
// Query across heads: one row of bars per head

export interface BarsSpec {
  title: string;
  rows: { layer: number; head: number; weights: Float32Array }[];
  labels: string[];
  query: number;
  hover?: { row: number; key: number };
}

export function layoutBars(ctx: CanvasRenderingContext2D, theme: Theme, rows: number, labels: string[], width: number): BarsLayout {
  return barsLayout(rows, labels.length, width, { fontPx: theme.fontPx, labelPx: measureLabels(ctx, theme, labels) });
}

export function drawBars(ctx: CanvasRenderingContext2D, theme: Theme, layout: BarsLayout, spec: BarsSpec, width: number): void {
  ctx.fillStyle = cssColour(theme.background);
  ctx.fillRect(0, 0, width, layout.height + TITLE_HEIGHT);
  // bar heights are relative to the largest weight shown (a long text's weights are all small)
  let max = 0;
  for (const row of spec.rows) for (let k = 0; k < row.weights.length; k++) max = Math.max(max, row.weights[k]);
  drawTitle(ctx, theme, S.tallestBar(spec.title, formatFixed(max, 3)), width);
  ctx.save();
  ctx.translate(0, TITLE_HEIGHT);
  const { x0, y0, rowHeight, barWidth } = layout;
  const unit = max > 0 ? 1 / max : 1;
  const keys = spec.labels.length;
  const fg = cssColour(theme.foreground);
  const focus = cssColour(theme.focus);
  // key labels, rotated, above the first row
  const shown = axisLabels(spec.labels, barWidth, theme.fontPx, 16, spec.hover?.key);
  ctx.save();
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (const { index, text } of shown) {
    const active = index === spec.hover?.key || index === spec.query;
    ctx.fillStyle = index === spec.query ? focus : fg;
    ctx.font = `${active ? '600 ' : ''}${theme.fontPx}px ${theme.monoFont}`;
    ctx.fillText(fitToWidth(ctx, text, y0 - 10), -(y0 - 6), x0 + (index + 0.5) * barWidth);
  }
  ctx.restore();
  const barColour = cssColour(theme.accent);
  const gap = barWidth >= 4 ? 1 : 0;
  spec.rows.forEach((row, r) => {
    const top = y0 + r * rowHeight;
    const base = top + rowHeight - 3;
    const full = rowHeight - 7;
    ctx.fillStyle = cssColour({ ...theme.foreground, a: r % 2 ? 0.035 : 0 });
    ctx.fillRect(x0, top, barWidth * keys, rowHeight);
    ctx.fillStyle = cssColour(theme.muted);
    ctx.font = `11px ${theme.uiFont}`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(S.layerHeadShort(row.layer + 1, row.head + 1), x0 - 8, top + rowHeight / 2);
    ctx.fillStyle = barColour;
    for (let k = 0; k < row.weights.length; k++) {
      const h = Math.max(row.weights[k] > 0 ? 1 : 0, Math.round(row.weights[k] * unit * full));
      ctx.fillRect(x0 + k * barWidth + gap, base - h, Math.max(1, barWidth - 2 * gap), h);
    }
    // masked keys after the query: a faint hatch
    if (row.weights.length < keys) {
      ctx.fillStyle = theme.maskPattern;
      ctx.fillRect(x0 + row.weights.length * barWidth, top + 2, (keys - row.weights.length) * barWidth, rowHeight - 4);
    }
    ctx.fillStyle = cssColour(theme.border);
    ctx.fillRect(x0, base, barWidth * keys, 1);
  });
  if (spec.hover) {
    ctx.strokeStyle = fg;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x0 + spec.hover.key * barWidth, y0 + spec.hover.row * rowHeight + 1, barWidth, rowHeight - 2);
  }
  ctx.restore();
}

/** A handful of numbers about what a canvas shows: is anything drawn (the tests' "not blank"). */
export function measureCanvas(canvas: HTMLCanvasElement): { width: number; height: number; variance: number; painted: number } {
  const ctx = canvas.getContext('2d');
  const out = { width: canvas.width, height: canvas.height, variance: 0, painted: 0 };
  if (!ctx || !canvas.width || !canvas.height) return out;
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  // luma of every 2nd pixel of every 2nd row: enough to tell a drawing from a blank
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  const first = [data[0], data[1], data[2], data[3]];
  for (let y = 0; y < canvas.height; y += 2) {
    for (let x = 0; x < canvas.width; x += 2) {
      const i = (y * canvas.width + x) * 4;
      const luma = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      sum += luma;
      sum2 += luma * luma;
      n++;
      if (data[i] !== first[0] || data[i + 1] !== first[1] || data[i + 2] !== first[2] || data[i + 3] !== first[3]) out.painted++;
    }
  }
  const mean = sum / Math.max(1, n);
  out.variance = Math.round((sum2 / Math.max(1, n) - mean * mean) * 100) / 100;
  out.painted *= 4;
  return out;
}

