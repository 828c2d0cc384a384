// The heatmaps' colours: parsing theme colours, the theme's ramp and its lookup table, the scales (linear,
// square root, up to the largest weight) and the legend's ticks.

import { formatNumber } from '../../../l10n/format';

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
  // without the leading zero, to fit beside the bar: .25 (,25 in Polish)
  const short = (v: number) => formatNumber(v, { maximumFractionDigits: v < 0.01 ? 4 : v < 0.1 ? 3 : 2 }).replace(/^0(?=\D)/, '');
  if (kind === 'max') {
    const top = max > 0 ? max : 1;
    return [0, 0.25, 0.5, 0.75, 1].map((p) => ({ value: p * top, position: p, label: short(p * top) }));
  }
  const values = kind === 'sqrt' ? [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1] : [0, 0.25, 0.5, 0.75, 1];
  return values.map((value) => ({ value, position: scalePosition(value, kind), label: short(value) }));
}
