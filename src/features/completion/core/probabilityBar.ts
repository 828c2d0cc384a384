// The probabilities of Show Next-Token Probabilities as text: a bar of block characters and a percentage.

import { formatFixed } from '../../../l10n/format';

const BAR_WIDTH = 20;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of prob × width cells, in eighths of a cell: 0.5 → 10 full blocks of 20. */
export function probabilityBar(prob: number, width = BAR_WIDTH): string {
  const cells = Math.max(0, Math.min(1, prob)) * width;
  const full = Math.floor(cells);
  const eighth = Math.round((cells - full) * 8);
  const bar = '█'.repeat(full) + (eighth === 8 ? '█' : EIGHTHS[eighth]);
  return bar || '▏';
}

export function formatProbability(prob: number): string {
  const pct = prob * 100;
  if (pct >= 10) return `${formatFixed(pct, 1)}%`;
  if (pct >= 0.1) return `${formatFixed(pct, 2)}%`;
  // the mantissa in the display language's digits ("1,2e-2%" in Polish)
  const [mantissa, exponent] = pct.toExponential(1).split('e');
  return `${formatFixed(Number(mantissa), 1)}e${exponent}%`;
}
