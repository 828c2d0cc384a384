// The loss card: training and validation loss over the steps, with the best validation point, the kept
// model, the memorising stretches and the uniform guess (lossMarks.ts), and the notes under it. A decoder's
// loss is in nats per token or bits per byte (the unit choice beside the title); an encoder's is the
// masked-language-model loss, in nats per masked token only: it counts the chosen positions alone, so it says
// nothing per byte of text, and the unit choice is not shown.

import { formatLoss } from '../../src/features/training/core/trainingFormat';
import { bestValidation, describeStretch, memorisingStretches, uniformLoss } from '../../src/features/training/core/trainingInsights';
import type { LossUnit } from '../../src/features/training/protocol';
import { formatFixed } from '../../src/l10n/format';
import { radios, setText, type SelectControl } from '../components/index';
import { Chart } from './charts';
import { card, el, type Card } from './dom';
import { LossOverlay } from './lossMarks';
import type { PageData } from './pageState';
import { strings } from './strings';

const UNIT_WORDS: Record<LossUnit, string> = { nats: strings.charts.natsPerToken, bpb: strings.charts.bitsPerByte };

const DECODER_SERIES = [strings.charts.train, strings.charts.validation, strings.charts.uniformGuess];
const ENCODER_SERIES = [strings.charts.maskedTrain, strings.charts.maskedValidation, strings.charts.uniformGuess];

export class LossCard {
  readonly card: Card;
  readonly chart: Chart;
  private readonly overlay = new LossOverlay();
  private readonly unitChoice: SelectControl;
  private readonly memorisingList = el('ul', 'memorising');
  private readonly uniformNote = el('p', 'muted uniform-note');
  private readonly historyNote = el('p', 'muted history-note');

  constructor(
    private readonly data: PageData,
    onUnitChange: (unit: LossUnit) => void,
  ) {
    this.card = card(strings.charts.loss, 'loss-card');
    this.unitChoice = radios(strings.charts.lossUnitLabel, {
      id: 'unit',
      choices: [
        { value: 'nats', label: strings.charts.natsChoice },
        { value: 'bpb', label: strings.charts.bitsChoice },
      ],
      value: data.view.unit,
      onChange: (value) => onUnitChange(value === 'bpb' ? 'bpb' : 'nats'),
    });
    this.unitChoice.element.classList.add('unit-choice');
    this.unitChoice.element.setAttribute('aria-label', strings.charts.lossUnitAria);
    this.card.title.after(this.unitChoice.element);
    this.memorisingList.id = 'memorising';
    this.uniformNote.id = 'uniform-note';
    this.historyNote.id = 'history-note';
    const notes = el('div', 'loss-notes');
    notes.append(this.memorisingList, this.uniformNote, this.historyNote);
    this.chart = new Chart(
      {
        id: 'loss',
        title: strings.charts.loss,
        series: [
          { label: strings.charts.train, color: '--vscode-charts-blue', fallback: '#3794ff' },
          { label: strings.charts.validation, color: '--vscode-charts-orange', fallback: '#d18616', points: true },
          { label: strings.charts.uniformGuess, color: '--vscode-descriptionForeground', fallback: '#8b8b8b', dash: [6, 4] },
        ],
        format: (v) => formatFixed(v, 2),
        height: 240,
        overlay: this.overlay,
      },
      this.card.body,
    );
    this.card.body.after(notes);
  }

  render(): void {
    const { state } = this.data;
    const encoder = this.data.isEncoder();
    const pts = state.points;
    const f = this.data.unitFactors();
    const unit = this.data.shownUnit();
    const vocab = this.data.vocabSize();
    // The uniform guess is measured against the validation part, as the validation curve is.
    const uniform = vocab ? uniformLoss(vocab) * f.val : undefined;
    const best = bestValidation(pts);
    const kept = this.data.keptModel();
    const stretches = memorisingStretches(pts);
    this.overlay.marks = {
      ...(best ? { best: { step: best.step, value: best.valLoss * f.val } } : {}),
      ...(kept ? { kept: { step: kept.step, ...(kept.valLoss !== undefined ? { value: kept.valLoss * f.val } : {}) } } : {}),
      ...(uniform !== undefined ? { uniform } : {}),
      memorising: stretches.map((s) => ({ fromStep: s.fromStep, toStep: s.toStep })),
    };
    setText(this.card.title, encoder ? strings.charts.maskedLossIn(strings.charts.natsPerMaskedToken) : strings.charts.lossIn(UNIT_WORDS[unit]));
    this.chart.setLabels(encoder ? { series: ENCODER_SERIES, yLabel: strings.charts.natsPerMaskedToken } : { series: DECODER_SERIES });
    this.chart.setData(
      pts.map((p) => p.step),
      [pts.map((p) => p.loss * f.train), pts.map((p) => (p.valLoss !== undefined ? p.valLoss * f.val : null)), pts.map(() => uniform ?? null)],
    );
    this.renderUnitChoice(unit);

    this.memorisingList.replaceChildren(
      ...stretches.map((s) => {
        const li = el('li', undefined, describeStretch(s, f));
        li.title = strings.charts.memorisingTitle;
        return li;
      }),
    );
    this.memorisingList.hidden = stretches.length === 0;
    setText(this.uniformNote, vocab ? this.uniformText(vocab, encoder, unit, uniform) : '');
    setText(this.historyNote, pts.length === 0 && state.note ? state.note : '');
    this.historyNote.hidden = !this.historyNote.textContent;
  }

  private uniformText(vocab: number, encoder: boolean, unit: LossUnit, uniform: number | undefined): string {
    const nats = formatLoss(uniformLoss(vocab));
    if (encoder) return strings.charts.uniformNoteMasked(vocab, nats);
    return unit === 'bpb' ? strings.charts.uniformNoteBits(vocab, nats, formatLoss(uniform)) : strings.charts.uniformNote(vocab, nats);
  }

  /** Beside the title for a decoder (bits per byte enabled once the byte counts are known); gone for an encoder. */
  private renderUnitChoice(unit: LossUnit): void {
    const group = this.unitChoice.element;
    if (this.data.unitChoices().length === 0) {
      group.remove();
      return;
    }
    if (!group.isConnected) this.card.title.after(group);
    const bpb = !!this.data.bitsPerByte();
    const bpbRadio = group.querySelector('vscode-radio[value="bpb"]');
    if (bpbRadio) {
      if (bpb) bpbRadio.removeAttribute('disabled');
      else bpbRadio.setAttribute('disabled', '');
    }
    group.title = bpb ? strings.charts.bitsAvailable : strings.charts.bitsUnavailable;
    if (this.unitChoice.value() !== unit) this.unitChoice.setValue(unit);
  }

  /** The units the page offers now (read back from the radios that are there). */
  offeredUnits(): LossUnit[] {
    const group = this.unitChoice.element;
    if (!group.isConnected) return [];
    return [...group.querySelectorAll('vscode-radio')].map((r) => r.getAttribute('value')).filter((v): v is LossUnit => v === 'nats' || v === 'bpb');
  }

  memorisingTexts(): string[] {
    return [...this.memorisingList.querySelectorAll('li')].map((li) => li.textContent ?? '');
  }

  uniformNoteText(): string {
    return this.uniformNote.textContent ?? '';
  }

  historyNoteText(): string {
    return this.historyNote.hidden ? '' : (this.historyNote.textContent ?? '');
  }
}
