// The words of the panel (weights, hovers, the truncation notice, head names, export names) and the text
// ranges it follows in the editor (the token at an offset, a range shifted by an edit).

import * as l10n from '@vscode/l10n';
import { formatFixed, formatNumber, plural } from '../../../l10n/format';

/** 0.173 — three decimals, as the hover shows weights. */
export function formatWeight(value: number): string {
  return formatFixed(value, 3);
}

/** The hover text of one cell. */
export function hoverText(queryLabel: string, keyLabel: string, value: number, masked: boolean): string {
  return masked
    ? l10n.t('{0} → {1}: masked (a token only attends to itself and earlier tokens)', queryLabel, keyLabel)
    : `${queryLabel} → ${keyLabel}: ${formatWeight(value)}`;
}

/** The notice shown when the text was cut to the model's context. */
export function truncationNotice(totalTokens: number, shown: number, contextLength: number): string {
  const cut = totalTokens - shown;
  return plural(
    totalTokens,
    l10n.t(
      'The selection has {0} token; the model reads at most {1} at a time (its context length), so this shows the last {2} and leaves out the first {3}.|The selection has {0} tokens; the model reads at most {1} at a time (its context length), so this shows the last {2} and leaves out the first {3}.',
      formatNumber(totalTokens),
      formatNumber(contextLength),
      formatNumber(shown),
      formatNumber(cut),
    ),
  );
}

/** The index of the token at a text offset: the token containing it, else one ending there; undefined outside. */
export function tokenIndexAt(offsets: readonly { start: number; end: number }[], offset: number): number | undefined {
  let ending: number | undefined;
  for (let i = 0; i < offsets.length; i++) {
    const { start, end } = offsets[i];
    if (start <= offset && offset < end) return i;
    if (end === offset && end > start) ending = i;
  }
  return ending;
}

/** Moves a remembered range of a document through an edit; says whether the edit touched the range itself. */
export function shiftRange(range: { start: number; end: number }, change: { rangeOffset: number; rangeLength: number; text: string }): { start: number; end: number; touched: boolean } {
  const changeEnd = change.rangeOffset + change.rangeLength;
  const delta = change.text.length - change.rangeLength;
  if (changeEnd <= range.start) {
    return { start: range.start + delta, end: range.end + delta, touched: false };
  }
  if (change.rangeOffset >= range.end) return { ...range, touched: false };
  return { start: Math.min(range.start, change.rangeOffset), end: Math.max(change.rangeOffset + change.text.length, range.end + delta), touched: true };
}

/** "Layer 2 · head 3" (1-based, as the panel numbers them). */
export function headName(layer: number, head: number): string {
  return l10n.t('Layer {0} · head {1}', formatNumber(layer + 1), formatNumber(head + 1));
}

/** A file name part for exports: attention-L2H3, attention-model, attention-L2-mean, attention-query-12. */
export function exportBaseName(view: { view: string; layer: number; head: number; query: number }): string {
  switch (view.view) {
    case 'model':
      return 'attention-model';
    case 'layerMean':
      return `attention-L${view.layer + 1}-mean`;
    case 'query':
      return `attention-query-${view.query + 1}`;
    default:
      return `attention-L${view.layer + 1}H${view.head + 1}`;
  }
}
