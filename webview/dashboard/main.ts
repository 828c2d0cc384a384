// The training dashboard page: live loss / validation / learning-rate / throughput curves (uPlot),
// the run's numbers and plan, the model's configuration and parameter counts, the corpus, and sample
// generations; for an encoder, its masked-language-model loss, its accuracy at the masked positions and one
// masked row of the batch. Each card is a module of its own (runHeader.ts, lossCard.ts, accuracyCard.ts,
// infoCards.ts, maskingCard.ts, samplesCard.ts), all drawing from one PageData (pageState.ts); this file lays
// them out and takes the host's messages (those of `dashboard` in src/features/training/protocol.ts). The
// page keeps its last state with vscode.setState, so it draws at once when VS Code restores it.

import uPlotCss from 'uplot/dist/uPlot.min.css';
import css from './style.css';
import { formatCount, formatNumber } from '../../src/l10n/format';
import { isDashboardToWebview, type DashboardCommand, type DashboardFromWebview, type DashboardPageReport, type DashboardToWebview, type LossUnit } from '../../src/features/training/protocol';
import { adoptStyleSheet, registerComponents } from '../components/index';
import { AccuracyCard } from './accuracyCard';
import { Chart } from './charts';
import { card, el } from './dom';
import { CorpusCard, ModelCard, PlanCard } from './infoCards';
import { LossCard } from './lossCard';
import { MaskingCard } from './maskingCard';
import { PageData, type PageState } from './pageState';
import { RunHeader } from './runHeader';
import { SamplesCard } from './samplesCard';
import { strings } from './strings';

const vscode = acquireVsCodeApi<PageState>();

function send(message: DashboardFromWebview): void {
  vscode.postMessage(message);
}

// Anything the content security policy blocks is a bug here (reported by the self-check).
const cspViolations: string[] = [];
document.addEventListener('securitypolicyviolation', (e) => {
  cspViolations.push(`${e.violatedDirective} ${e.blockedURI || ''} ${e.sourceFile || ''}:${e.lineNumber}`.trim());
});
// An error in the page goes to the extension's output channel, where a bug report can quote it.
window.addEventListener('error', (e) => send({ type: 'log', message: `${e.message} (${e.filename}:${e.lineno})` }));

class DashboardPage {
  private readonly data = new PageData(vscode.getState() as Partial<PageState> | undefined);
  private readonly header = new RunHeader(this.data, (name: DashboardCommand) => () => send({ type: 'command', command: name }));
  private readonly loss = new LossCard(this.data, (unit) => this.chooseUnit(unit));
  private readonly accuracy = new AccuracyCard(this.data);
  private readonly lrChart: Chart;
  private readonly rateChart: Chart;
  private readonly model = new ModelCard(this.data);
  private readonly plan = new PlanCard(this.data);
  private readonly corpus = new CorpusCard(this.data);
  private readonly masking = new MaskingCard(this.data);
  private readonly samples = new SamplesCard(this.data);
  private saveTimer: number | undefined;
  private chartsDirty = false;

  constructor(app: HTMLElement) {
    const chartsRow = el('div', 'charts');
    const lrCard = card(strings.charts.learningRate, 'lr-card');
    const rateCard = card(strings.charts.tokensPerSecond, 'rate-card');
    // The accuracy card goes in after the loss card once the model is known to be an encoder.
    chartsRow.append(this.loss.card.section, lrCard.section, rateCard.section);
    const infoRow = el('div', 'info');
    infoRow.append(this.model.card.section, this.plan.card.section, this.corpus.card.section);
    app.append(...this.header.elements, chartsRow, infoRow, this.masking.card.section, this.samples.card.section);
    this.lrChart = new Chart(
      {
        id: 'lr',
        title: strings.charts.learningRate,
        series: [{ label: strings.charts.learningRateSeries, color: '--vscode-charts-purple', fallback: '#b180d7' }],
        format: (v) => formatNumber(v, { notation: 'scientific', maximumFractionDigits: 1 }),
      },
      lrCard.body,
    );
    this.rateChart = new Chart(
      { id: 'rate', title: strings.charts.tokensPerSecond, series: [{ label: strings.charts.tokensPerSecondSeries, color: '--vscode-charts-green', fallback: '#89d185' }], format: (v) => formatCount(v) },
      rateCard.body,
    );
    // A theme change swaps body classes (vscode-light / vscode-dark / vscode-high-contrast): rebuild the
    // charts with the new colours.
    new MutationObserver(() => {
      for (const c of [this.loss.chart, this.accuracy.chart, this.lrChart, this.rateChart]) c.build();
      this.renderCharts();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    window.addEventListener('message', (event: MessageEvent<unknown>) => this.receive(event.data));
    this.renderAll();
  }

  /** The charts the page shows now, in its order (the accuracy chart for an encoder only). */
  private charts(): Chart[] {
    return [this.loss.chart, ...(this.accuracy.shown ? [this.accuracy.chart] : []), this.lrChart, this.rateChart];
  }

  private chooseUnit(unit: LossUnit): void {
    this.data.view = { unit };
    send({ type: 'viewChanged', view: this.data.view });
    vscode.setState(this.data.saved());
    this.renderCharts();
    this.renderRun();
  }

  private renderRun(): void {
    this.header.renderRun();
    this.model.renderProgress();
  }

  private renderCharts(): void {
    const pts = this.data.state.points;
    this.loss.render();
    this.accuracy.render(this.loss.card.section);
    this.lrChart.setData(
      pts.map((p) => p.step),
      [pts.map((p) => p.lr)],
    );
    this.rateChart.setData(
      pts.map((p) => p.step),
      [pts.map((p) => p.tokensPerSecond)],
    );
  }

  /** The parts that depend on the model's kind: the masking card and whether the samples card shows. */
  private renderKind(): void {
    this.masking.render();
    this.samples.renderVisibility();
  }

  private renderAll(): void {
    this.header.renderStatus();
    this.renderRun();
    this.renderCharts();
    this.model.render();
    this.plan.render();
    this.corpus.render();
    this.renderKind();
    this.samples.render();
  }

  /** Coalesces progress messages into one redraw per animation frame. */
  private scheduleCharts(): void {
    if (this.chartsDirty) return;
    this.chartsDirty = true;
    requestAnimationFrame(() => {
      this.chartsDirty = false;
      this.renderCharts();
    });
  }

  private persist(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = window.setTimeout(() => {
      this.saveTimer = undefined;
      vscode.setState(this.data.saved());
    }, 1000);
  }

  private receive(msg: unknown): void {
    if (!isDashboardToWebview(msg)) return;
    if (msg.type === 'selfCheck') {
      this.renderCharts();
      requestAnimationFrame(() => send({ type: 'rendered', charts: this.charts().map((c) => c.report()), page: this.report(), cspViolations }));
      return;
    }
    this.data.apply(msg);
    this.render(msg.type);
    this.persist();
  }

  /** Draws what a message of this type changed. */
  private render(type: Exclude<DashboardToWebview, { type: 'selfCheck' }>['type']): void {
    switch (type) {
      case 'state':
        this.renderAll();
        return;
      case 'progress':
        this.header.renderStatus();
        this.renderRun();
        this.renderKind();
        this.scheduleCharts();
        return;
      case 'plan':
        this.plan.render();
        return;
      case 'sample':
        this.samples.render();
        return;
      case 'status':
        this.header.renderStatus();
        this.renderRun();
        this.scheduleCharts(); // the kept model is known once no run is going
        return;
      case 'model':
        this.model.render();
        this.renderKind();
        this.header.renderStatus();
        this.renderRun(); // the kind decides the unit the figures are in
        this.scheduleCharts();
        return;
      case 'corpus':
        this.corpus.render();
        this.scheduleCharts();
        return;
    }
  }

  /** What the page shows besides the charts, read back from its elements (the self-check). */
  private report(): DashboardPageReport {
    return {
      unit: this.data.shownUnit(),
      bpbAvailable: !!this.data.bitsPerByte(),
      kept: this.model.keptText(),
      memorising: this.loss.memorisingTexts(),
      stopMessage: this.header.stopMessageText(),
      plan: this.plan.lines(),
      copiedSamples: this.samples.copiedCount(),
      trainedSteps: this.model.trainedStepsText(),
      note: this.loss.historyNoteText(),
      encoder: this.data.isEncoder(),
      unitChoices: this.loss.offeredUnits(),
      lossTitle: this.loss.card.title.textContent ?? '',
      uniformNote: this.loss.uniformNoteText(),
    };
  }
}

// the page's own styles first: the components' and uPlot's come after them in the cascade
adoptStyleSheet(css);
registerComponents();
adoptStyleSheet(uPlotCss);
new DashboardPage(document.getElementById('app')!);
send({ type: 'ready' });
