// What a drawn heatmap shows, read back from its canvas's pixels: of the cells above the diagonal, and of
// those on and below it, the share painted in the colour of the cell's weight. A decoder's upper triangle is
// the masked hatch (0), an encoder's is painted like the rest (1). The tests read it: the page's own
// measurement of what it drew, not of what it meant to draw.

import { lutIndex } from '../../src/features/attention/core/colourScale';
import type { HeatmapLayout } from '../../src/features/attention/core/mapLayout';

/** How far (per channel, 0–255) a pixel may be from its weight's colour and still count as painted with it. */
const TOLERANCE = 3;

export function paintedShares(
  pixels: { data: Uint8ClampedArray; width: number; height: number },
  dpr: number,
  layout: Pick<HeatmapLayout, 'x0' | 'y0' | 'cell'>,
  /** Where the layout's y = 0 lies on the canvas (the title band above it), CSS pixels. */
  top: number,
  map: Float32Array,
  T: number,
  lut: Uint8ClampedArray,
): { upperPainted: number; lowerPainted: number } {
  let upper = 0;
  let upperCells = 0;
  let lower = 0;
  let lowerCells = 0;
  for (let q = 0; q < T; q++) {
    for (let k = 0; k < T; k++) {
      // inside the cell, clear of its border (the grid lines) and of the value written at its centre
      const x = Math.floor((layout.x0 + (k + 0.5) * layout.cell) * dpr);
      const y = Math.floor((top + layout.y0 + (q + 0.22) * layout.cell) * dpr);
      if (x < 0 || y < 0 || x >= pixels.width || y >= pixels.height) continue;
      const p = (y * pixels.width + x) * 4;
      const l = lutIndex(map[q * T + k], 'linear') * 4;
      const painted =
        Math.abs(pixels.data[p] - lut[l]) <= TOLERANCE && Math.abs(pixels.data[p + 1] - lut[l + 1]) <= TOLERANCE && Math.abs(pixels.data[p + 2] - lut[l + 2]) <= TOLERANCE;
      if (k > q) {
        upperCells++;
        if (painted) upper++;
      } else {
        lowerCells++;
        if (painted) lower++;
      }
    }
  }
  return { upperPainted: upperCells ? upper / upperCells : 0, lowerPainted: lowerCells ? lower / lowerCells : 0 };
}
