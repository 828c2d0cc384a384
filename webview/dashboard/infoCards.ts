// The dashboard's cards of facts: the model (its configuration, the steps it was trained, the kept model, its
// parameters), the plan the run was built with and why, and the corpus as collected and tokenized.

import { formatFixed, formatNumber } from '../../src/l10n/format';
import { divider, setText } from '../components/index';
import { card, el, table, type Card } from './dom';
import type { PageData } from './pageState';
import { strings } from './strings';

export class ModelCard {
  readonly card = card(strings.cards.model, 'model-card');
  private readonly trainedSteps = el('span', undefined, '—');
  private readonly keptRow = el('span', undefined, '');

  constructor(private readonly data: PageData) {
    this.trainedSteps.id = 'trained-steps';
    this.keptRow.id = 'kept-model';
  }

  render(): void {
    const body = this.card.body;
    body.replaceChildren();
    const m = this.data.state.model;
    if (!m) {
      const s = this.data.state.settings;
      const steps = s ? (s.steps > 0 ? strings.model.steps(s.steps) : strings.model.autoSteps) : '';
      body.append(
        el('p', 'muted', s ? strings.model.noneWithSettings(s.preset, s.tokenizer, s.minutes ? strings.model.orMinutes(steps, s.minutes) : steps, s.batchSize, s.learningRate) : strings.model.none),
      );
      return;
    }
    const c = m.config;
    const rows = table([
      [strings.model.layers, formatNumber(c.nLayer)],
      [strings.model.heads, formatNumber(c.nHead)],
      [strings.model.embeddingSize, formatNumber(c.nEmbd)],
      [strings.model.contextLength, strings.model.tokens(c.contextLength)],
      [strings.model.positions, strings.model.positional[c.positional] ?? c.positional],
      [strings.model.vocabulary, `${formatNumber(c.vocabSize)} (${m.tokenizer})`],
      [strings.model.backend, m.backend],
    ]);
    body.append(rows);
    const addRow = (label: string, value: HTMLElement) => {
      const tr = el('tr');
      const td = el('td');
      td.append(value);
      tr.append(el('th', undefined, label), td);
      rows.append(tr);
    };
    addRow(strings.model.trainedSteps, this.trainedSteps);
    addRow(strings.model.kept, this.keptRow);
    this.renderProgress();
    body.append(divider());
    const params = el('div', 'params');
    params.append(el('h3', undefined, strings.model.parameters(m.parameters.total)));
    const parts: [keyof typeof strings.model.parts, number][] = [
      ['embeddings', m.parameters.embeddings],
      ['attention', m.parameters.attention],
      ['mlp', m.parameters.mlp],
      ['norms', m.parameters.norms],
    ];
    for (const [name, n] of parts) {
      const row = el('div', 'param-row');
      const share = m.parameters.total > 0 ? (100 * n) / m.parameters.total : 0;
      const bar = el('div', 'param-bar');
      const fill = el('div', `param-fill part-${name}`);
      fill.style.width = `${share.toFixed(1)}%`;
      bar.append(fill);
      row.append(el('span', 'param-name', strings.model.parts[name]), bar, el('span', 'param-count', `${formatNumber(n)} (${formatNumber(share / 100, { style: 'percent', maximumFractionDigits: 0 })})`));
      params.append(row);
    }
    body.append(params);
  }

  /** The rows that move with the run: the steps trained and the kept model. */
  renderProgress(): void {
    setText(this.trainedSteps, this.data.trainedStepsText());
    const isBest = this.data.keptIsBest();
    const label = this.data.keptLabel();
    setText(this.keptRow, label ? `${label}${isBest ? ` ${strings.model.bestValidation}` : ''}` : '—');
    this.keptRow.title = isBest ? strings.model.keptBestTitle : strings.model.keptTitle;
  }

  keptText(): string {
    return this.keptRow.isConnected ? (this.keptRow.textContent ?? '') : '';
  }

  trainedStepsText(): string {
    return this.trainedSteps.isConnected ? (this.trainedSteps.textContent ?? '') : '';
  }
}

export class PlanCard {
  readonly card = card(strings.cards.plan, 'plan-card');

  constructor(private readonly data: PageData) {}

  render(): void {
    const body = this.card.body;
    body.replaceChildren();
    const p = this.data.state.plan;
    if (!p) {
      body.append(el('p', 'muted', strings.plan.empty));
      return;
    }
    body.append(
      table([
        [strings.plan.model, strings.plan.modelValue(p.preset, p.contextLength)],
        [strings.plan.steps, strings.plan.stepsValue(p.steps, p.batchSize)],
        [strings.plan.dropout, formatNumber(p.dropout)],
        [strings.plan.earlyStopping, p.patience > 0 ? strings.plan.earlyStoppingAfter(p.patience) : strings.plan.off],
      ]),
    );
    if (p.reasons.length) {
      const list = el('ul', 'plan-reasons');
      list.id = 'plan-reasons';
      for (const r of p.reasons) list.append(el('li', undefined, r));
      body.append(list);
    }
  }

  /** The plan's lines as the page shows them: "label: value" rows, then the reasons. */
  lines(): string[] {
    const body = this.card.body;
    return [
      ...[...body.querySelectorAll('tr')].map((tr) => [...tr.children].map((c) => c.textContent ?? '').join(': ')),
      ...[...body.querySelectorAll('li')].map((li) => li.textContent ?? ''),
    ];
  }
}

export class CorpusCard {
  readonly card = card(strings.cards.corpus, 'corpus-card');

  constructor(private readonly data: PageData) {}

  render(): void {
    const body = this.card.body;
    body.replaceChildren();
    const c = this.data.state.corpus;
    if (!c) {
      body.append(el('p', 'muted', strings.corpus.empty));
      return;
    }
    const rows: [string, string][] = [
      [strings.corpus.files, strings.corpus.filesValue(c.files, c.skipped)],
      [strings.corpus.size, formatBytesShort(c.bytes)],
    ];
    if (c.tokens) {
      rows.push(
        [strings.corpus.tokens, formatNumber(c.tokens.tokens)],
        [strings.corpus.split, `${formatNumber(c.tokens.trainTokens)} / ${formatNumber(c.tokens.valTokens)}`],
        [strings.corpus.vocabulary, `${formatNumber(c.tokens.vocabSize)} (${c.tokens.tokenizer})`],
      );
      if (c.tokens.trainBytes && c.tokens.valBytes) rows.push([strings.corpus.splitBytes, `${formatBytesShort(c.tokens.trainBytes)} / ${formatBytesShort(c.tokens.valBytes)}`]);
      if (c.tokens.unknownTokens) rows.push([strings.corpus.unknownTokens, formatNumber(c.tokens.unknownTokens)]);
    }
    rows.push([strings.corpus.include, c.include]);
    body.append(table(rows));
    if (c.skipped) body.append(el('p', 'muted', strings.corpus.skipped(c.skippedSummary)));
  }
}

function formatBytesShort(bytes: number): string {
  if (bytes < 1024) return `${formatNumber(bytes)} B`;
  if (bytes < 1024 * 1024) return `${formatFixed(bytes / 1024, 1)} KB`;
  return `${formatFixed(bytes / (1024 * 1024), 1)} MB`;
}
