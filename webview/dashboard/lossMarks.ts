// What the loss chart draws over its curves: the best validation point (a ring), the kept model (a
// dashed vertical line), the stretches in which the model memorises (shaded, named) and, as a series of
// its own, the uniform guess. Each mark can measure itself: where it was drawn (the chart's own geometry)
// and how many pixels of its colour the canvas holds there, which is what the tests' self-check reports.

import { formatFixed } from '../../src/l10n/format';
import { strings } from './strings';
import type uPlot from 'uplot';
import type { ChartMark } from '../../src/features/training/protocol';
import { cssVar, parseColor } from './charts';

export interface LossMarks {
  /** The lowest validation reading, in the chart's unit. */
  best?: { step: number; value: number };
  /** The model that is kept (its validation, when known, in the chart's unit). */
  kept?: { step: number; value?: number };
  /** The uniform guess, in the chart's unit (drawn as a series; here for the measurement). */
  uniform?: number;
  memorising: { fromStep: number; toStep: number }[];
}

const MARK_COLOURS = {
  best: ['--vscode-charts-green', '#89d185'],
  kept: ['--vscode-charts-green', '#89d185'],
  memorising: ['--vscode-charts-red', '#f14c4c'],
  uniform: ['--vscode-descriptionForeground', '#8b8b8b'],
} as const;

/** How opaque the memorising shade is (the curves stay readable through it). */
const SHADE_ALPHA = 0.16;

export function markColour(kind: keyof typeof MARK_COLOURS): string {
  const [name, fallback] = MARK_COLOURS[kind];
  return cssVar(name, fallback);
}

function withAlpha(colour: string, alpha: number): string {
  const rgb = parseColor(colour);
  return rgb ? `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})` : colour;
}

export class LossOverlay {
  marks: LossMarks = { memorising: [] };

  /** uPlot hooks: the shade under the curves (drawAxes comes before the series), the rest over them. */
  hooks(): uPlot.Hooks.Arrays {
    return { drawAxes: [(u) => this.drawUnder(u)], draw: [(u) => this.drawOver(u)] };
  }

  private x(u: uPlot, step: number): number {
    return u.valToPos(step, 'x', true);
  }

  private shadeBox(u: uPlot, s: { fromStep: number; toStep: number }) {
    const { left, top, width, height } = u.bbox;
    const x0 = Math.max(left, Math.min(left + width, this.x(u, s.fromStep)));
    const x1 = Math.max(left, Math.min(left + width, this.x(u, s.toStep)));
    return { left: x0, top, width: Math.max(0, x1 - x0), height };
  }

  private drawUnder(u: uPlot): void {
    if (this.marks.memorising.length === 0) return;
    const ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = withAlpha(markColour('memorising'), SHADE_ALPHA);
    for (const s of this.marks.memorising) {
      const b = this.shadeBox(u, s);
      ctx.fillRect(b.left, b.top, b.width, b.height);
    }
    ctx.restore();
  }

  private drawOver(u: uPlot): void {
    const ctx = u.ctx;
    const px = devicePixelRatio || 1;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.font = `${Math.round(11 * px)}px ${cssVar('--vscode-font-family', 'sans-serif')}`;
    ctx.textBaseline = 'top';
    const fg = cssVar('--vscode-foreground', '#ccc');
    for (const s of this.marks.memorising) {
      const b = this.shadeBox(u, s);
      if (b.width < 4) continue;
      ctx.fillStyle = markColour('memorising');
      ctx.textAlign = 'center';
      const label = b.width > 90 * px ? strings.charts.markMemorising : '';
      if (label) ctx.fillText(label, b.left + b.width / 2, top + 4 * px);
    }
    const kept = this.marks.kept;
    if (kept) {
      const x = this.x(u, kept.step);
      ctx.strokeStyle = markColour('kept');
      ctx.lineWidth = 1.5 * px;
      ctx.setLineDash([5 * px, 4 * px]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.setLineDash([]);
      // Its label at the foot of the line, clear of the best point's label above the curve.
      ctx.fillStyle = fg;
      const text = strings.charts.markKept(kept.step);
      const w = ctx.measureText(text).width;
      const right = x + 4 * px + w < left + width;
      ctx.textAlign = right ? 'left' : 'right';
      ctx.textBaseline = 'bottom';
      ctx.fillText(text, right ? x + 4 * px : x - 4 * px, top + height - 4 * px);
    }
    const best = this.marks.best;
    if (best) {
      const x = this.x(u, best.step);
      const y = u.valToPos(best.value, 'y', true);
      ctx.strokeStyle = markColour('best');
      ctx.lineWidth = 2.5 * px;
      ctx.beginPath();
      ctx.arc(x, y, 7 * px, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.fillStyle = fg;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      const text = strings.charts.markBest(formatFixed(best.value, 2));
      const w = ctx.measureText(text).width;
      const tx = x + 10 * px + w < left + width ? x + 10 * px : x - 10 * px - w;
      ctx.fillText(text, tx, Math.max(top + 14 * px, y - 6 * px));
    }
    ctx.restore();
  }

  /** Each mark with where it was drawn and the pixels of its colour found there. */
  measure(u: uPlot, canvas: HTMLCanvasElement): ChartMark[] {
    const ctx = canvas.getContext('2d');
    const px = devicePixelRatio || 1;
    const { left, top, width, height } = u.bbox;
    const out: ChartMark[] = [];
    const count = (kind: keyof typeof MARK_COLOURS, box: ChartMark['box'], minAlpha: number) => {
      const target = parseColor(markColour(kind));
      const l = Math.max(0, Math.round(box.left));
      const t = Math.max(0, Math.round(box.top));
      const w = Math.max(1, Math.min(canvas.width - l, Math.round(box.width)));
      const h = Math.max(1, Math.min(canvas.height - t, Math.round(box.height)));
      if (!ctx || !target) return { pixels: 0, area: w * h };
      const data = ctx.getImageData(l, t, w, h).data;
      let pixels = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] < minAlpha) continue;
        if (Math.abs(data[i] - target[0]) + Math.abs(data[i + 1] - target[1]) + Math.abs(data[i + 2] - target[2]) < 60) pixels++;
      }
      return { pixels, area: w * h };
    };
    const best = this.marks.best;
    if (best) {
      const x = this.x(u, best.step);
      const y = u.valToPos(best.value, 'y', true);
      const r = 10 * px;
      const box = { left: x - r, top: y - r, width: 2 * r, height: 2 * r };
      const c = count('best', box, 128);
      // A ring of radius 7 and width 2.5 covers about 2π·7·2.5 ≈ 110 CSS pixels; half of it is plenty.
      out.push({ kind: 'best', step: best.step, value: best.value, box, ...c, drawn: c.pixels >= 40 * px * px });
    }
    const kept = this.marks.kept;
    if (kept) {
      const x = this.x(u, kept.step);
      const box = { left: x - 1.5 * px, top, width: 3 * px, height };
      const c = count('kept', box, 128);
      // A dashed line (5 on, 4 off) lights about half of the column.
      out.push({ kind: 'kept', step: kept.step, ...(kept.value !== undefined ? { value: kept.value } : {}), box, ...c, drawn: c.pixels >= 0.3 * height });
    }
    if (this.marks.uniform !== undefined) {
      const y = u.valToPos(this.marks.uniform, 'y', true);
      const box = { left, top: y - 1.5 * px, width, height: 3 * px };
      const inside = y >= top && y <= top + height;
      const c = count('uniform', box, 128);
      out.push({ kind: 'uniform', value: this.marks.uniform, box, ...c, drawn: inside && c.pixels >= 0.3 * width });
    }
    for (const s of this.marks.memorising) {
      const box = this.shadeBox(u, s);
      const c = count('memorising', box, 8);
      out.push({ kind: 'memorising', step: s.fromStep, toStep: s.toStep, box, ...c, drawn: c.area > 0 && box.width >= 1 && c.pixels >= 0.5 * c.area });
    }
    return out;
  }
}
