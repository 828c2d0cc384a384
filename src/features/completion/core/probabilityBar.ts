// The probabilities of Show Next-Token Probabilities as text: a bar of block characters and a percentage.

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
  if (pct >= 10) return `${pct.toFixed(1)}%`;
  if (pct >= 0.1) return `${pct.toFixed(2)}%`;
  return `${pct.toExponential(1)}%`;
}
