// The lab's two bar charts on canvas: the model's raw softmax, and the distribution tokens are drawn from
// (after temperature, top-k and top-p) with the cumulative mass as a line and the top-p cut marked.
// Colours come from the theme (readTheme).

import { cssColour, mix } from '../../src/features/attention/core/colourScale';
import type { Theme } from '../attention/draw';
import { prepareCanvas } from '../attention/draw';
import type { LabBar } from '../../src/features/sampling/protocol';
import { formatNumber } from '../../src/l10n/format';

export const CHART_HEIGHT = 230;
const PAD = { left: 34, right: 8, top: 10, bottom: 64 };

export interface ChartLayout {
  width: number;
  height: number;
  plotLeft: number;
  plotWidth: number;
  plotTop: number;
  plotHeight: number;
  slot: number;
  bars: number;
}

export function chartLayout(width: number, bars: number): ChartLayout {
  const plotWidth = Math.max(40, width - PAD.left - PAD.right);
  return { width, height: CHART_HEIGHT, plotLeft: PAD.left, plotWidth, plotTop: PAD.top, plotHeight: CHART_HEIGHT - PAD.top - PAD.bottom, slot: plotWidth / Math.max(1, bars), bars };
}

/** The bar under a point (CSS pixels), or undefined. */
export function barAt(layout: ChartLayout, x: number): number | undefined {
  const i = Math.floor((x - layout.plotLeft) / layout.slot);
  return i >= 0 && i < layout.bars ? i : undefined;
}

export interface ChartOptions {
  kind: 'raw' | 'filtered';
  /** The bar with the keyboard focus. */
  focus?: number;
  /** The bar of the token chosen at the step shown. */
  chosen?: number;
  topP: number;
  labels: { cumulative: string; cut: string };
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  for (const m of [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1]) if (value <= m) return m;
  return 1;
}

export function drawChart(canvas: HTMLCanvasElement, width: number, bars: LabBar[], theme: Theme, options: ChartOptions): ChartLayout {
  const layout = chartLayout(width, bars.length);
  const ctx = prepareCanvas(canvas, layout.width, layout.height);
  const { plotLeft: x0, plotTop: y0, plotWidth: w, plotHeight: h, slot } = layout;
  ctx.fillStyle = cssColour(theme.background);
  ctx.fillRect(0, 0, layout.width, layout.height);
  const value = (b: LabBar) => (options.kind === 'raw' ? b.raw : b.filtered);
  const top = options.kind === 'raw' ? niceMax(Math.max(...bars.map(value), 0)) : 1;
  const y = (v: number) => y0 + h - (v / top) * h;
  // axis and grid
  ctx.strokeStyle = cssColour(mix(theme.background, theme.foreground, 0.15));
  ctx.fillStyle = cssColour(theme.muted);
  ctx.font = `10px ${theme.uiFont}`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const f of [0, 0.5, 1]) {
    const gy = Math.round(y(f * top)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x0, gy);
    ctx.lineTo(x0 + w, gy);
    ctx.stroke();
    ctx.fillText(formatNumber(f * top, { maximumFractionDigits: 3 }), x0 - 4, gy);
  }
  // the bars
  const kept = cssColour(theme.accent);
  const removed = cssColour(mix(theme.background, theme.foreground, 0.22));
  bars.forEach((b, i) => {
    const v = value(b);
    const bx = x0 + i * slot + slot * 0.15;
    const bw = Math.max(1, slot * 0.7);
    ctx.fillStyle = options.kind === 'filtered' && b.filtered === 0 ? removed : kept;
    const by = y(v);
    ctx.fillRect(bx, by, bw, Math.max(v > 0 ? 1 : 0, y0 + h - by));
    if (options.kind === 'filtered' && b.filtered === 0) {
      // a removed token keeps an outline at its raw height, so the cut is visible
      ctx.strokeStyle = removed;
      ctx.strokeRect(bx + 0.5, y(Math.min(top, b.raw)) + 0.5, bw - 1, Math.max(0, y0 + h - y(Math.min(top, b.raw)) - 1));
    }
    if (i === options.focus || i === options.chosen) {
      ctx.strokeStyle = cssColour(theme.focus);
      ctx.lineWidth = 2;
      ctx.strokeRect(bx - 2, y0 - 1, bw + 4, h + 2);
      ctx.lineWidth = 1;
    }
    // the token under its bar, turned
    ctx.save();
    ctx.translate(x0 + i * slot + slot / 2, y0 + h + 6);
    ctx.rotate(-Math.PI / 3);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = cssColour(i === options.chosen ? theme.focus : theme.foreground);
    ctx.font = `11px ${theme.monoFont}`;
    ctx.fillText(b.label.length > 10 ? `${b.label.slice(0, 9)}…` : b.label, 0, 0);
    ctx.restore();
  });
  if (options.kind === 'filtered' && bars.length > 0) {
    // cumulative mass before top-p (0 … 1 on the right axis), and where top-p cuts it
    ctx.strokeStyle = cssColour(theme.focus);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    bars.forEach((b, i) => {
      const cx = x0 + i * slot + slot / 2;
      const cy = y0 + h - b.cumulative * h;
      if (i === 0) ctx.moveTo(cx, cy);
      else ctx.lineTo(cx, cy);
    });
    ctx.stroke();
    ctx.lineWidth = 1;
    ctx.fillStyle = cssColour(theme.focus);
    ctx.textAlign = 'right';
    const last = bars[bars.length - 1];
    ctx.fillText(options.labels.cumulative, x0 + w, Math.max(y0 + 6, y0 + h - last.cumulative * h - 8));
    if (options.topP < 1) {
      const cutAt = bars.findIndex((b) => b.cumulative >= options.topP - 1e-12);
      ctx.setLineDash([4, 3]);
      const py = y0 + h - options.topP * h;
      ctx.beginPath();
      ctx.moveTo(x0, py);
      ctx.lineTo(x0 + w, py);
      if (cutAt >= 0) {
        const cx = x0 + (cutAt + 1) * slot;
        ctx.moveTo(cx, y0);
        ctx.lineTo(cx, y0 + h);
      }
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.textAlign = 'right';
      ctx.fillText(options.labels.cut, x0 + w, py + 9);
    }
  }
  return layout;
}
