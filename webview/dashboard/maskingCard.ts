// An encoder's masking card: its latest accuracy at the masked positions, and one row of the latest batch
// drawn token by token, each chosen position marked by the branch it took ([MASK], random, unchanged) with
// the token the model must find beneath it. Hidden for a decoder.

import { formatPercent } from '../../src/l10n/format';
import { card, el } from './dom';
import type { PageData } from './pageState';
import { strings } from './strings';

export class MaskingCard {
  readonly card = card(strings.masking.title, 'masking-card');

  constructor(private readonly data: PageData) {
    this.card.section.classList.add('masking');
  }

  render(): void {
    const body = this.card.body;
    const encoder = this.data.isEncoder();
    this.card.section.hidden = !encoder;
    // a decoder after an encoder: nothing of the encoder's row stays behind (its titles are read even hidden)
    body.replaceChildren();
    if (!encoder) return;
    const { lastTrain, lastVal } = this.data.accuracyCurves();
    body.append(
      el('p', 'masking-accuracy', strings.masking.accuracy(lastTrain ? formatPercent(lastTrain.value) : '–', lastVal ? formatPercent(lastVal.value, 1) : '–')),
      el('p', 'muted', strings.masking.explain),
    );
    const row = this.data.state.run?.masking;
    if (!row) return;
    const strip = el('div', 'masking-row');
    strip.setAttribute('role', 'list');
    for (const t of row) {
      const cell = el('span', `masked-token branch-${t.branch}`);
      cell.setAttribute('role', 'listitem');
      const shown = el('span', 'shown', t.shown);
      shown.setAttribute('translate', 'no'); // the model's token ([MASK] included), not a text of the interface
      cell.append(shown);
      if (t.branch !== 'none') {
        // beneath: the token the model must find ([MASK]), the random token's original, or "unchanged"
        const original = el('span', 'original');
        if (t.branch === 'unchanged') original.textContent = strings.masking.branch.unchanged;
        else {
          const token = el('span', undefined, t.original);
          token.setAttribute('translate', 'no');
          original.append(...(t.branch === 'random' ? [`${strings.masking.branch.random} · `, token] : [token]));
        }
        cell.append(original);
        // On the whole cell, which is not translate="no" (the sentence is the interface's): the tokens it
        // quotes are the cell's translate="no" spans, which the display-language check reads as "…"
        // (scripts/webview-capture.mjs, readableTexts).
        cell.title = strings.masking.branchTitle(t.branch, t.original, t.shown);
      }
      strip.append(cell);
    }
    const legend = el('p', 'masking-legend');
    for (const branch of ['mask', 'random', 'unchanged'] as const) legend.append(el('span', `legend-swatch branch-${branch}`, strings.masking.branch[branch]));
    body.append(strip, legend);
  }
}
