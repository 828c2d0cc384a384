// The dashboard's curves with uPlot: colours from VS Code's theme variables (re-read when the theme
// changes), sized to their container, fed incrementally, each with a text summary for a screen reader.

import { strings } from './strings';
import uPlot from 'uplot';
import type { ChartMark, ChartRender } from '../../src/features/training/protocol';
import { formatNumber } from '../../src/l10n/format';

export interface SeriesSpec {
  label: string;
  /** A VS Code theme colour variable, e.g. '--vscode-charts-blue'. */
  color: string;
  fallback: string;
  points?: boolean;
  dash?: number[];
}

export interface ChartSpec {
  id: string;
  title: string;
  series: SeriesSpec[];
  /** Formats y-axis ticks. */
  format?: (v: number) => string;
  log?: boolean;
  /** A fixed y range (an accuracy's 0 to 1) instead of one fitted to the data. */
  yRange?: [number, number];
  /** The y axis's caption (none by default: the card's title says it). */
  yLabel?: string;
  /** CSS pixels (default 190). */
  height?: number;
  /** Drawing of its own over (or under) the curves, and its measurement for the self-check. */
  overlay?: { hooks(): uPlot.Hooks.Arrays; measure(u: uPlot, canvas: HTMLCanvasElement): ChartMark[] };
}

export function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

function theme() {
  return {
    fg: cssVar('--vscode-descriptionForeground', '#888'),
    grid: cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.25)'),
    font: `${cssVar('--vscode-font-size', '12px')} ${cssVar('--vscode-font-family', 'sans-serif')}`,
  };
}

const HEIGHT = 190;

export class Chart {
  private plot: uPlot | undefined;
  private data: (number | null)[][];
  private readonly resize: ResizeObserver;
  private readonly body: HTMLElement;
  private readonly empty: HTMLElement;
  private summary = '';

  constructor(
    readonly spec: ChartSpec,
    readonly container: HTMLElement,
  ) {
    this.data = [[], ...spec.series.map(() => [])];
    this.body = document.createElement('div');
    this.body.className = 'chart-body';
    this.empty = document.createElement('div');
    this.empty.className = 'chart-empty';
    this.empty.textContent = strings.charts.noSteps;
    container.append(this.body, this.empty);
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(container);
    this.build();
  }

  /** Replaces all points: x values and one array per series (null where a series has no value). */
  setData(x: number[], ys: (number | null)[][]): void {
    this.data = [x, ...ys];
    this.plot?.setData(this.data as uPlot.AlignedData);
    this.empty.hidden = x.length > 0;
    this.showLatest();
  }

  /** While the pointer is not over the chart, the legend shows the latest values. */
  private showLatest(): void {
    const n = this.data[0]?.length ?? 0;
    if (this.plot && n > 0 && this.plot.cursor.idx == null) this.plot.setLegend({ idx: n - 1 }, false);
  }

  /**
   * Renames the series (in the legend) and the y axis, rebuilding when they change: the same chart shows a
   * decoder's loss and an encoder's masked-token loss.
   */
  setLabels(labels: { series: string[]; yLabel?: string }): void {
    const same = labels.yLabel === this.spec.yLabel && labels.series.every((label, i) => this.spec.series[i]?.label === label);
    if (same) return;
    this.spec.yLabel = labels.yLabel;
    labels.series.forEach((label, i) => {
      if (this.spec.series[i]) this.spec.series[i].label = label;
    });
    this.build();
  }

  /** What the chart shows, in words: the canvas's accessible name (a screen reader cannot read the curves). */
  setSummary(text: string): void {
    this.summary = text;
    this.labelCanvas();
  }

  private labelCanvas(): void {
    const canvas = this.body.querySelector('canvas');
    if (!canvas) return;
    if (this.summary) {
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', this.summary);
    } else {
      canvas.removeAttribute('role');
      canvas.removeAttribute('aria-label');
    }
  }

  /** Rebuilds with the current theme colours. */
  build(): void {
    this.plot?.destroy();
    const t = theme();
    const axis = (): uPlot.Axis => ({
      stroke: t.fg,
      font: t.font,
      grid: { stroke: t.grid, width: 1 },
      ticks: { stroke: t.grid, width: 1 },
    });
    const width = Math.max(200, this.container.clientWidth - 8);
    this.plot = new uPlot(
      {
        width,
        height: this.spec.height ?? HEIGHT,
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false } },
        hooks: { ...this.spec.overlay?.hooks(), setCursor: [() => this.showLatest()] },
        scales: { x: { time: false }, y: this.spec.log ? { distr: 3 } : this.spec.yRange ? { auto: false, range: this.spec.yRange } : { auto: true } },
        axes: [
          // the steps in the display language's digits (uPlot's own formatting follows the browser's language)
          { ...axis(), label: strings.charts.stepAxis, labelFont: t.font, labelSize: 18, values: (_u: uPlot, ticks: number[]) => ticks.map((v) => formatNumber(v)) },
          {
            ...axis(),
            size: 56,
            ...(this.spec.yLabel ? { label: this.spec.yLabel, labelFont: t.font, labelSize: 18 } : {}),
            ...(this.spec.format ? { values: (_u: uPlot, ticks: number[]) => ticks.map(this.spec.format!) } : {}),
          },
        ],
        series: [
          { label: strings.charts.stepAxis, value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : formatNumber(v)) },
          ...this.spec.series.map(
            (s): uPlot.Series => ({
              label: s.label,
              stroke: cssVar(s.color, s.fallback),
              width: 2,
              spanGaps: true,
              ...(s.dash ? { dash: s.dash } : {}),
              points: { show: s.points ?? false, size: 5, fill: cssVar(s.color, s.fallback) },
              ...(this.spec.format ? { value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : this.spec.format!(v)) } : {}),
            }),
          ),
        ],
      },
      this.data as uPlot.AlignedData,
      this.body,
    );
    this.empty.hidden = (this.data[0]?.length ?? 0) > 0;
    this.labelCanvas();
    this.showLatest();
  }

  private fit(): void {
    if (!this.plot) return;
    const width = Math.max(200, this.container.clientWidth - 8);
    if (Math.abs(width - this.plot.width) > 1) this.plot.setSize({ width, height: this.spec.height ?? HEIGHT });
  }

  /** Draws again with the same data (the overlay's marks changed). */
  redraw(): void {
    this.plot?.redraw(false, false);
  }

  /**
   * For the tests' self-check: whether the canvas has drawn the first series, each series with its legend
   * label, its values and the pixels of its colour, the axis caption, the summary and the overlay's marks.
   */
  report(): ChartRender {
    const canvas = this.body.querySelector('canvas');
    const base = { id: this.spec.id, yLabel: this.spec.yLabel ?? '', summary: this.summary };
    if (!canvas || !this.plot) return { ...base, width: 0, height: 0, drawn: false, marks: [], series: [] };
    const ctx = canvas.getContext('2d');
    const measurable = !!ctx && canvas.width > 0 && canvas.height > 0 && (this.data[0]?.length ?? 0) > 1;
    // Look inside the plotting area only (axes and grid are drawn too): series pixels have the series' colour.
    const bbox = this.plot.bbox;
    const img = measurable ? ctx!.getImageData(Math.round(bbox.left), Math.round(bbox.top), Math.max(1, Math.round(bbox.width)), Math.max(1, Math.round(bbox.height))) : undefined;
    const series = this.spec.series.map((s, i) => ({
      label: s.label,
      values: [...(this.data[i + 1] ?? [])],
      pixels: img ? colourPixels(img, parseColor(cssVar(s.color, s.fallback))) : 0,
    }));
    const drawn = (series[0]?.pixels ?? 0) > 20;
    const marks = this.spec.overlay && (this.data[0]?.length ?? 0) > 0 ? this.spec.overlay.measure(this.plot, canvas) : [];
    return { ...base, width: canvas.width, height: canvas.height, drawn, marks, series };
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
  }
}

/** Opaque pixels close to `target` (every opaque pixel when the colour cannot be read). */
function colourPixels(img: ImageData, target: [number, number, number] | undefined): number {
  let hits = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    if (img.data[i + 3] < 128) continue;
    if (!target || Math.abs(img.data[i] - target[0]) + Math.abs(img.data[i + 1] - target[1]) + Math.abs(img.data[i + 2] - target[2]) < 60) hits++;
  }
  return hits;
}

/** '#rrggbb', '#rgb' or 'rgb(a)(…)' → [r, g, b]. */
export function parseColor(color: string): [number, number, number] | undefined {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(color.trim());
  if (hex) {
    let h = hex[1];
    if (h.length === 3 || h.length === 4) h = h.split('').map((c) => c + c).join('');
    return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
  }
  const rgb = /rgba?\(\s*(\d+)[,\s]+(\d+)[,\s]+(\d+)/i.exec(color);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  return undefined;
}
