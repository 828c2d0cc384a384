// An encoder's accuracy card: the share of the masked positions the model gets right, over the steps, on
// the training batch of each step and on the validation part (the same fixed mask at every evaluation, so
// its points compare with each other), from 0 to 100%. A decoder has no masked positions: the card is then
// out of the page altogether (not hidden), so neither the self-check nor a screenshot finds its canvas.

import { formatPercent } from '../../src/l10n/format';
import { Chart } from './charts';
import { card, el, type Card } from './dom';
import type { AccuracyCurves, PageData } from './pageState';
import { strings } from './strings';

export class AccuracyCard {
  readonly card: Card;
  readonly chart: Chart;

  constructor(private readonly data: PageData) {
    this.card = card(strings.charts.accuracy, 'accuracy-card');
    this.chart = new Chart(
      {
        id: 'accuracy',
        title: strings.charts.accuracy,
        series: [
          { label: strings.charts.accuracyTrain, color: '--vscode-charts-blue', fallback: '#3794ff' },
          { label: strings.charts.accuracyValidation, color: '--vscode-charts-orange', fallback: '#d18616', points: true },
        ],
        format: (v) => formatPercent(v),
        yRange: [0, 1],
      },
      this.card.body,
    );
    this.card.body.after(el('p', 'muted accuracy-note', strings.charts.accuracyNote));
  }

  /** Whether the page shows the card now. */
  get shown(): boolean {
    return this.card.section.isConnected;
  }

  /** Puts the card after `before` for an encoder, takes it out for a decoder; draws the curves. */
  render(before: HTMLElement): void {
    if (!this.data.isEncoder()) {
      this.card.section.remove();
      return;
    }
    if (this.card.section.previousElementSibling !== before) before.after(this.card.section);
    const curves = this.data.accuracyCurves();
    this.chart.setData(curves.steps, [curves.train, curves.val]);
    this.chart.setSummary(summary(curves));
  }
}

/** The curves in words: the steps they span, the latest readings, the highest validation one. */
function summary(c: AccuracyCurves): string {
  if (c.steps.length === 0) return strings.charts.noSteps;
  const shown = (r: { value: number } | undefined, digits = 0) => (r ? formatPercent(r.value, digits) : '–');
  const text = strings.charts.accuracySummary(c.steps[0], c.steps[c.steps.length - 1], shown(c.lastTrain), shown(c.lastVal, 1));
  return c.bestVal ? `${text} ${strings.charts.accuracyBest(formatPercent(c.bestVal.value, 1), c.bestVal.step)}` : text;
}
