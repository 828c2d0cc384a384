// The training dashboard page: live loss / validation / learning-rate / throughput curves (uPlot),
// the run's numbers and plan, the model's configuration and parameter counts, the corpus, and sample
// generations. The loss chart marks the best validation point and the kept model, shades where the model
// memorises (validation rises while training loss falls), draws the uniform guess, and shows the loss in
// nats per token or bits per byte. Messages are those of `dashboard` in src/features/training/protocol.ts. The page
// keeps its last state with vscode.setState, so it draws at once when VS Code restores it.

import uPlotCss from 'uplot/dist/uPlot.min.css';
import css from './style.css';
import { formatCount, formatDuration } from '../../src/l10n/format';
import { formatLoss, percent, type ModelState } from '../../src/features/training/core/trainingFormat';
import {
  bestValidation,
  bitsPerByteFactors,
  copiedRange,
  describeStretch,
  memorisingStretches,
  uniformLoss,
  type MemorisingStretch,
} from '../../src/features/training/core/trainingInsights';
import {
  isDashboardToWebview,
  type DashboardCommand,
  type DashboardFromWebview,
  type DashboardPageReport,
  type DashboardState,
  type DashboardView,
  type LossPoint,
  type LossUnit,
  type SampleView,
} from '../../src/features/training/protocol';
import type { BestModelInfo } from '../../src/worker/engine/protocol';
import { adoptStyleSheet, button, divider, radios, registerComponents, setEnabled, setText, tag } from '../components/index';
import { Chart } from './charts';
import { strings } from './strings';
import { formatFixed, formatNumber, formatPercent } from '../../src/l10n/format';
import { LossOverlay } from './lossMarks';

/** What the page keeps with vscode.setState: the host's state and the page's own choices. */
interface PageState {
  data: DashboardState;
  view: DashboardView;
}

const vscode = acquireVsCodeApi<PageState>();

function send(message: DashboardFromWebview): void {
  vscode.postMessage(message);
}

function command(name: DashboardCommand): () => void {
  return () => send({ type: 'command', command: name });
}

function el<K extends keyof HTMLElementTagNameMap>(tagName: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tagName);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function card(title: string, id: string): { section: HTMLElement; body: HTMLElement } {
  const section = el('section', 'card');
  section.id = id;
  section.append(el('h2', undefined, title));
  const body = el('div', 'card-body');
  section.append(body);
  return { section, body };
}

// Anything the content security policy blocks is a bug here (reported by the self-check).
const cspViolations: string[] = [];
document.addEventListener('securitypolicyviolation', (e) => {
  cspViolations.push(`${e.violatedDirective} ${e.blockedURI || ''} ${e.sourceFile || ''}:${e.lineNumber}`.trim());
});
// An error in the page goes to the extension's output channel, where a bug report can quote it.
window.addEventListener('error', (e) => send({ type: 'log', message: `${e.message} (${e.filename}:${e.lineno})` }));

const saved = vscode.getState() as Partial<PageState> | undefined;
let state: DashboardState = saved?.data?.points ? saved.data : { status: { kind: 'none' }, points: [], samples: [] };
let view: DashboardView = saved?.view?.unit ? saved.view : (state.view ?? { unit: 'nats' });

// ------------------------------------------------------------------------------------------------
// Layout

// the page's own styles first: the components' and uPlot's come after them in the cascade
adoptStyleSheet(css);
registerComponents();
adoptStyleSheet(uPlotCss);
const app = document.getElementById('app')!;

const header = el('header');
const title = el('h1', undefined, strings.title);
const statusTag = tag(strings.status.none);
statusTag.id = 'status';
const buttons = el('div', 'buttons');
const B = strings.buttons;
const trainButton = button(B.train, { onClick: command('train'), title: B.trainTitle, id: 'train' });
const resumeButton = button(B.resume, { appearance: 'secondary', onClick: command('resume'), title: B.resumeTitle, id: 'resume' });
const cancelButton = button(B.cancel, { appearance: 'secondary', onClick: command('cancel'), title: B.cancelTitle, id: 'cancel' });
const exportButton = button(B.export, { appearance: 'secondary', onClick: command('export'), title: B.exportTitle });
const loadButton = button(B.load, { appearance: 'secondary', onClick: command('load'), title: B.loadTitle });
const resetButton = button(B.reset, { appearance: 'secondary', onClick: command('reset'), title: B.resetTitle });
const settingsButton = button(B.settings, { appearance: 'secondary', onClick: command('settings'), title: B.settingsTitle });
buttons.append(trainButton, resumeButton, cancelButton, exportButton, loadButton, resetButton, settingsButton);
header.append(title, statusTag, buttons);

const progressTrack = el('div', 'progress-track');
const progressFill = el('div', 'progress-fill');
progressTrack.append(progressFill);
progressTrack.setAttribute('role', 'progressbar');
progressTrack.setAttribute('aria-valuemin', '0');
progressTrack.setAttribute('aria-valuemax', '100');

const statsRow = el('div', 'stats');
function stat(label: string, id: string): HTMLElement {
  const box = el('div', 'stat');
  box.id = `stat-${id}`;
  const value = el('div', 'stat-value', '—');
  box.append(value, el('div', 'stat-label', label));
  statsRow.append(box);
  return value;
}
const stepValue = stat(strings.stats.step, 'step');
const lossValue = stat(strings.stats.trainLoss, 'loss');
const valValue = stat(strings.stats.validationLoss, 'val');
const keptValue = stat(strings.stats.kept, 'kept');
const rateValue = stat(strings.stats.rate, 'rate');
const elapsedValue = stat(strings.stats.elapsed, 'elapsed');
const remainingValue = stat(strings.stats.remaining, 'remaining');

const stopMessage = el('p', 'stop-message');
stopMessage.id = 'stop-message';
stopMessage.setAttribute('role', 'status');

const chartsRow = el('div', 'charts');
const lossCard = card(strings.charts.loss, 'loss-card');
const lossTitle = lossCard.section.querySelector('h2')!;
const unitChoice = radios(strings.charts.lossUnitLabel, {
  id: 'unit',
  choices: [
    { value: 'nats', label: strings.charts.natsChoice },
    { value: 'bpb', label: strings.charts.bitsChoice },
  ],
  value: view.unit,
  onChange: (value) => {
    view = { unit: value === 'bpb' ? 'bpb' : 'nats' };
    send({ type: 'viewChanged', view });
    vscode.setState({ data: state, view });
    renderCharts();
    renderRun();
  },
});
unitChoice.element.classList.add('unit-choice');
unitChoice.element.setAttribute('aria-label', strings.charts.lossUnitAria);
lossTitle.after(unitChoice.element);
const lossNotes = el('div', 'loss-notes');
const memorisingList = el('ul', 'memorising');
memorisingList.id = 'memorising';
const uniformNote = el('p', 'muted uniform-note');
uniformNote.id = 'uniform-note';
const historyNote = el('p', 'muted history-note');
historyNote.id = 'history-note';
lossNotes.append(memorisingList, uniformNote, historyNote);
const lrCard = card(strings.charts.learningRate, 'lr-card');
const rateCard = card(strings.charts.tokensPerSecond, 'rate-card');
chartsRow.append(lossCard.section, lrCard.section, rateCard.section);

const infoRow = el('div', 'info');
const modelCard = card(strings.cards.model, 'model-card');
const planCard = card(strings.cards.plan, 'plan-card');
const corpusCard = card(strings.cards.corpus, 'corpus-card');
infoRow.append(modelCard.section, planCard.section, corpusCard.section);

const samplesCard = card(strings.cards.samples, 'samples-card');
samplesCard.section.classList.add('samples');

// An encoder's run: its accuracy at the masked positions and one masked row of the latest batch.
const maskingCard = card(strings.masking.title, 'masking-card');
maskingCard.section.classList.add('masking');

app.append(header, progressTrack, stopMessage, statsRow, chartsRow, infoRow, maskingCard.section, samplesCard.section);

const lossOverlay = new LossOverlay();
const lossChart = new Chart(
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
    overlay: lossOverlay,
  },
  lossCard.body,
);
lossCard.body.after(lossNotes);
const lrChart = new Chart(
  {
    id: 'lr',
    title: strings.charts.learningRate,
    series: [{ label: strings.charts.learningRateSeries, color: '--vscode-charts-purple', fallback: '#b180d7' }],
    format: (v) => formatNumber(v, { notation: 'scientific', maximumFractionDigits: 1 }),
  },
  lrCard.body,
);
const rateChart = new Chart(
  { id: 'rate', title: strings.charts.tokensPerSecond, series: [{ label: strings.charts.tokensPerSecondSeries, color: '--vscode-charts-green', fallback: '#89d185' }], format: (v) => formatCount(v) },
  rateCard.body,
);
const charts = [lossChart, lrChart, rateChart];

// ------------------------------------------------------------------------------------------------
// Rendering

function statusLabel(s: ModelState): string {
  switch (s.kind) {
    case 'none':
      return strings.status.none;
    case 'preparing':
      return strings.status.preparing(s.message);
    case 'training':
      return strings.status.training(percent(s.step, s.steps));
    case 'ready':
      return [
        strings.status.ready,
        ...(s.step !== undefined ? [strings.status.step(s.step)] : []),
        ...(s.valLoss !== undefined ? [strings.status.validation(formatLoss(s.valLoss))] : []),
      ].join(' · ');
    case 'error':
      return strings.status.error;
  }
}

function renderStatus(): void {
  const s = state.status;
  setText(statusTag, statusLabel(s));
  statusTag.dataset.kind = s.kind;
  const busy = s.kind === 'training' || s.kind === 'preparing';
  const hasModel = !!state.model || s.kind === 'ready';
  setEnabled(trainButton, !busy);
  setEnabled(resumeButton, !busy && hasModel);
  setEnabled(cancelButton, busy);
  setEnabled(exportButton, !busy && hasModel);
  setEnabled(loadButton, !busy);
  setEnabled(resetButton, hasModel);
}

/** The unit the loss is shown in: bits per byte only when the corpus's byte counts are known. */
function shownUnit(): LossUnit {
  return view.unit === 'bpb' && bitsPerByteFactors(state.corpus?.tokens) ? 'bpb' : 'nats';
}

/** Factors from nats per token to the unit shown, for the training and the validation part. */
function unitFactors(): { train: number; val: number } {
  return (shownUnit() === 'bpb' ? bitsPerByteFactors(state.corpus?.tokens) : undefined) ?? { train: 1, val: 1 };
}

const UNIT_WORDS: Record<LossUnit, string> = { nats: strings.charts.natsPerToken, bpb: strings.charts.bitsPerByte };

/**
 * The model the features use: the engine's kept model (the best validation of its run); without one (a
 * model from before the engine kept its best, or loaded from elsewhere), the model as it is, once no run is going.
 */
function keptModel(): BestModelInfo | { step: number; valLoss?: number } | undefined {
  const best = state.model?.best ?? state.run?.best;
  if (best) return best;
  const m = state.model;
  if (!m || state.status.kind === 'training' || state.status.kind === 'preparing') return undefined;
  const at = state.points.find((p) => p.step === m.step && p.valLoss !== undefined)?.valLoss ?? m.valLoss;
  return { step: m.step, ...(at !== undefined ? { valLoss: at } : {}) };
}

function keptLabel(): string {
  const k = keptModel();
  if (!k) return '';
  const f = unitFactors().val;
  const val = k.valLoss !== undefined ? ` · ${strings.model.keptValidation(formatLoss(k.valLoss * f))}` : '';
  return `${strings.model.keptStep(k.step)}${val}`;
}

function renderRun(): void {
  const run = state.run;
  const last = state.points[state.points.length - 1];
  let lastVal: number | undefined;
  for (let i = state.points.length - 1; i >= 0 && lastVal === undefined; i--) lastVal = state.points[i].valLoss;
  lastVal ??= state.model?.valLoss;
  const f = unitFactors();
  const bits = shownUnit() === 'bpb';
  setText(lossValue.nextElementSibling as HTMLElement, bits ? strings.stats.trainLossBitsPerByte : strings.stats.trainLoss);
  setText(valValue.nextElementSibling as HTMLElement, bits ? strings.stats.validationLossBitsPerByte : strings.stats.validationLoss);
  setText(stepValue, run ? `${formatNumber(run.step)} / ${formatNumber(run.steps)}` : state.model ? formatNumber(state.model.step) : '—');
  setText(lossValue, formatLoss(last ? last.loss * f.train : undefined));
  setText(valValue, formatLoss(lastVal !== undefined ? lastVal * f.val : undefined));
  setText(keptValue, keptLabel() || '—');
  keptValue.parentElement!.title = state.model?.best ?? state.run?.best
    ? strings.stats.keptBestTitle
    : strings.stats.keptTitle;
  const rate = run?.tokensPerSecond ?? last?.tokensPerSecond;
  setText(rateValue, rate !== undefined ? formatCount(rate >= 10_000 && rate < 1e6 ? Math.round(rate / 100) * 100 : rate) : '—');
  setText(elapsedValue, run ? formatDuration(run.elapsedMs) : '—');
  const training = state.status.kind === 'training';
  setText(remainingValue, training ? formatDuration(run?.remainingMs) : run?.stoppedBy ? stoppedText(run.stoppedBy) : '—');
  const pct = run ? percent(run.step, run.steps) : 0;
  progressFill.style.width = `${pct}%`;
  progressTrack.setAttribute('aria-valuenow', String(pct));
  progressTrack.classList.toggle('active', training);
  const message = !training && run?.message ? run.message : '';
  setText(stopMessage, message);
  stopMessage.hidden = !message;
  stopMessage.dataset.stoppedBy = run?.stoppedBy ?? '';
  setText(trainedSteps, trainedStepsText());
  renderKept();
}

function stoppedText(by: NonNullable<DashboardState['run']>['stoppedBy']): string {
  switch (by) {
    case 'steps':
    case 'time':
    case 'cancel':
    case 'error':
    case 'early-stop':
    case 'diverged':
      return strings.stopped[by];
    default:
      return '—';
  }
}

let stretches: MemorisingStretch[] = [];

function renderCharts(): void {
  const pts = state.points;
  const x = pts.map((p) => p.step);
  const f = unitFactors();
  const unit = shownUnit();
  const vocab = state.model?.config.vocabSize ?? state.corpus?.tokens?.vocabSize;
  // The uniform guess is measured against the validation part, as the validation curve is.
  const uniform = vocab ? uniformLoss(vocab) * f.val : undefined;
  const best = bestValidation(pts);
  const kept = keptModel();
  stretches = memorisingStretches(pts);
  lossOverlay.marks = {
    ...(best ? { best: { step: best.step, value: best.valLoss * f.val } } : {}),
    ...(kept ? { kept: { step: kept.step, ...(kept.valLoss !== undefined ? { value: kept.valLoss * f.val } : {}) } } : {}),
    ...(uniform !== undefined ? { uniform } : {}),
    memorising: stretches.map((s) => ({ fromStep: s.fromStep, toStep: s.toStep })),
  };
  setText(lossTitle, strings.charts.lossIn(UNIT_WORDS[unit]));
  lossChart.setData(x, [pts.map((p) => p.loss * f.train), pts.map((p) => (p.valLoss !== undefined ? p.valLoss * f.val : null)), pts.map(() => uniform ?? null)]);
  lrChart.setData(x, [pts.map((p) => p.lr)]);
  rateChart.setData(x, [pts.map((p) => p.tokensPerSecond)]);

  const bpb = bitsPerByteFactors(state.corpus?.tokens);
  const bpbRadio = unitChoice.element.querySelector('vscode-radio[value="bpb"]');
  if (bpbRadio) {
    if (bpb) bpbRadio.removeAttribute('disabled');
    else bpbRadio.setAttribute('disabled', '');
  }
  unitChoice.element.title = bpb ? strings.charts.bitsAvailable : strings.charts.bitsUnavailable;
  if (unitChoice.value() !== unit) unitChoice.setValue(unit);

  memorisingList.replaceChildren(
    ...stretches.map((s) => {
      const li = el('li', undefined, describeStretch(s, f));
      li.title = strings.charts.memorisingTitle;
      return li;
    }),
  );
  memorisingList.hidden = stretches.length === 0;
  setText(
    uniformNote,
    vocab
      ? unit === 'bpb'
        ? strings.charts.uniformNoteBits(vocab, formatLoss(uniformLoss(vocab)), formatLoss(uniform))
        : strings.charts.uniformNote(vocab, formatLoss(uniformLoss(vocab)))
      : '',
  );
  setText(historyNote, pts.length === 0 && state.note ? state.note : '');
  historyNote.hidden = !historyNote.textContent;
}

function table(rows: [string, string][]): HTMLTableElement {
  const t = el('table', 'kv');
  for (const [k, v] of rows) {
    const tr = el('tr');
    tr.append(el('th', undefined, k), el('td', undefined, v));
    t.append(tr);
  }
  return t;
}

/**
 * Steps the model has been trained: the run's latest step (the model card said "trained steps 0" all through a
 * first run, showing the step the model was built at). The model's own step is the kept model's, which may be
 * earlier; without a run (a model loaded without its history) it is all there is.
 */
function trainedStepsText(): string {
  const step = state.run?.step ?? state.model?.step;
  return step !== undefined ? formatNumber(step) : '—';
}

const trainedSteps = el('span', undefined, '—');
trainedSteps.id = 'trained-steps';
const keptRow = el('span', undefined, '');
keptRow.id = 'kept-model';

function renderKept(): void {
  const isBest = !!(state.model?.best ?? state.run?.best);
  const label = keptLabel();
  setText(keptRow, label ? `${label}${isBest ? ` ${strings.model.bestValidation}` : ''}` : '—');
  keptRow.title = isBest ? strings.model.keptBestTitle : strings.model.keptTitle;
}

function renderModel(): void {
  const body = modelCard.body;
  body.replaceChildren();
  const m = state.model;
  if (!m) {
    const s = state.settings;
    const steps = s ? (s.steps > 0 ? strings.model.steps(s.steps) : strings.model.autoSteps) : '';
    body.append(
      el('p', 'muted', s ? strings.model.noneWithSettings(s.preset, s.tokenizer, s.minutes ? strings.model.orMinutes(steps, s.minutes) : steps, s.batchSize, s.learningRate) : strings.model.none),
    );
    return;
  }
  const c = m.config;
  body.append(
    table([
      [strings.model.layers, formatNumber(c.nLayer)],
      [strings.model.heads, formatNumber(c.nHead)],
      [strings.model.embeddingSize, formatNumber(c.nEmbd)],
      [strings.model.contextLength, strings.model.tokens(c.contextLength)],
      [strings.model.positions, strings.model.positional[c.positional] ?? c.positional],
      [strings.model.vocabulary, `${formatNumber(c.vocabSize)} (${m.tokenizer})`],
      [strings.model.backend, m.backend],
    ]),
  );
  const rows = body.querySelector('table')!;
  const addRow = (label: string, value: HTMLElement) => {
    const tr = el('tr');
    const td = el('td');
    td.append(value);
    tr.append(el('th', undefined, label), td);
    rows.append(tr);
  };
  setText(trainedSteps, trainedStepsText());
  addRow(strings.model.trainedSteps, trainedSteps);
  renderKept();
  addRow(strings.model.kept, keptRow);
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

function renderPlan(): void {
  const body = planCard.body;
  body.replaceChildren();
  const p = state.plan;
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

function renderCorpus(): void {
  const body = corpusCard.body;
  body.replaceChildren();
  const c = state.corpus;
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

function formatBytesShort(bytes: number): string {
  if (bytes < 1024) return `${formatNumber(bytes)} B`;
  if (bytes < 1024 * 1024) return `${formatFixed(bytes / 1024, 1)} KB`;
  return `${formatFixed(bytes / (1024 * 1024), 1)} MB`;
}

function isEncoder(): boolean {
  return state.model?.config.kind === 'encoder' || state.run?.masking !== undefined;
}

/** The encoder's card: the latest accuracy at the masked positions, and the masked row drawn token by token. */
function renderMasking(): void {
  const body = maskingCard.body;
  maskingCard.section.hidden = !isEncoder();
  samplesCard.section.hidden = isEncoder() && state.samples.length === 0;
  if (!isEncoder()) return;
  body.replaceChildren();
  const last = (key: 'accuracy' | 'valAccuracy') => [...state.points].reverse().find((p) => p[key] !== undefined)?.[key];
  const train = last('accuracy');
  const val = last('valAccuracy');
  body.append(
    el('p', 'masking-accuracy', strings.masking.accuracy(train === undefined ? '–' : formatPercent(train), val === undefined ? '–' : formatPercent(val, 1))),
    el('p', 'muted', strings.masking.explain),
  );
  const row = state.run?.masking;
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
      cell.title = strings.masking.branchTitle(t.branch, t.original, t.shown);
    }
    strip.append(cell);
  }
  const legend = el('p', 'masking-legend');
  for (const branch of ['mask', 'random', 'unchanged'] as const) legend.append(el('span', `legend-swatch branch-${branch}`, strings.masking.branch[branch]));
  body.append(strip, legend);
}

function renderSamples(): void {
  const body = samplesCard.body;
  body.replaceChildren();
  if (state.samples.length === 0) {
    body.append(el('p', 'muted', strings.samples.empty));
    return;
  }
  const list = el('ol', 'sample-list');
  for (const s of [...state.samples].reverse()) {
    const item = el('li', 'sample');
    const side = el('div', 'sample-step', strings.samples.step(s.step));
    item.append(side);
    item.append(sampleText(s));
    if (s.copied) {
      item.classList.add('copied');
      const flag = tag(strings.samples.copied);
      flag.classList.add('copied-flag');
      flag.title = strings.samples.copiedTitle(s.copied.tokens);
      side.append(el('br'), flag);
    }
    list.append(item);
  }
  body.append(list);
}

/** The prompt (bold) and the continuation, with the run copied from the notes highlighted. */
function sampleText(s: SampleView): HTMLElement {
  const text = el('div', 'sample-text');
  // the model's own text: no word of it is a text of the interface
  text.setAttribute('translate', 'no');
  const full = s.prompt + s.text;
  const copied = s.copied ? copiedRange(full, s.copied.text) : undefined;
  // Cut the text where the prompt ends and where the copied run starts and ends.
  const cuts = [...new Set([0, s.prompt.length, copied?.start ?? 0, copied?.end ?? 0, full.length])].sort((a, b) => a - b);
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [a, b] = [cuts[i], cuts[i + 1]];
    if (a === b) continue;
    let node: Node = document.createTextNode(full.slice(a, b));
    if (a < s.prompt.length) {
      const strong = el('strong', 'sample-prompt');
      strong.append(node);
      node = strong;
    }
    if (copied && a >= copied.start && b <= copied.end) {
      const mark = el('mark', 'copied-text');
      mark.append(node);
      node = mark;
    }
    text.append(node);
  }
  if (s.copied && !copied) text.append(el('div', 'muted', strings.samples.copiedText(s.copied.text)));
  return text;
}

function renderAll(): void {
  renderStatus();
  renderRun();
  renderCharts();
  renderModel();
  renderPlan();
  renderCorpus();
  renderMasking();
  renderSamples();
}

/** What the page shows besides the charts, read back from its elements (the self-check). */
function pageReport(): DashboardPageReport {
  return {
    unit: shownUnit(),
    bpbAvailable: !!bitsPerByteFactors(state.corpus?.tokens),
    kept: keptRow.isConnected ? (keptRow.textContent ?? '') : '',
    memorising: [...memorisingList.querySelectorAll('li')].map((li) => li.textContent ?? ''),
    stopMessage: stopMessage.hidden ? '' : (stopMessage.textContent ?? ''),
    plan: [
      ...[...planCard.body.querySelectorAll('tr')].map((tr) => [...tr.children].map((c) => c.textContent ?? '').join(': ')),
      ...[...planCard.body.querySelectorAll('li')].map((li) => li.textContent ?? ''),
    ],
    copiedSamples: samplesCard.body.querySelectorAll('.sample.copied').length,
    trainedSteps: trainedSteps.isConnected ? (trainedSteps.textContent ?? '') : '',
    note: historyNote.hidden ? '' : (historyNote.textContent ?? ''),
  };
}

let saveTimer: number | undefined;
function persist(): void {
  if (saveTimer !== undefined) return;
  saveTimer = window.setTimeout(() => {
    saveTimer = undefined;
    vscode.setState({ data: state, view });
  }, 1000);
}

// Coalesces progress messages into one redraw per animation frame.
let chartsDirty = false;
function scheduleCharts(): void {
  if (chartsDirty) return;
  chartsDirty = true;
  requestAnimationFrame(() => {
    chartsDirty = false;
    renderCharts();
  });
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data;
  if (!isDashboardToWebview(msg)) return;
  switch (msg.type) {
    case 'state':
      state = msg.state;
      if (msg.state.view) view = msg.state.view;
      renderAll();
      break;
    case 'progress': {
      state.points = mergePoints(state.points, msg.points);
      state.run = msg.run;
      state.status = msg.status;
      if (state.model && msg.run.best) state.model = { ...state.model, best: msg.run.best };
      renderStatus();
      renderRun();
      renderMasking();
      scheduleCharts();
      break;
    }
    case 'plan':
      state.plan = msg.plan;
      renderPlan();
      break;
    case 'sample':
      state.samples = [...state.samples.filter((s) => s.step !== msg.sample.step), msg.sample].slice(-40);
      renderSamples();
      break;
    case 'status':
      state.status = msg.status;
      renderStatus();
      renderRun();
      scheduleCharts(); // the kept model is known once no run is going
      break;
    case 'model':
      state.model = msg.model;
      renderModel();
      renderMasking();
      renderStatus();
      scheduleCharts();
      break;
    case 'corpus':
      state.corpus = msg.corpus;
      renderCorpus();
      scheduleCharts();
      break;
    case 'selfCheck':
      renderCharts();
      requestAnimationFrame(() => send({ type: 'rendered', charts: charts.map((c) => c.report()), page: pageReport(), cspViolations }));
      return;
  }
  persist();
});

/** Appends points, dropping any at or before a step already drawn (a resumed run restarts the x axis). */
function mergePoints(points: LossPoint[], added: LossPoint[]): LossPoint[] {
  if (added.length === 0) return points;
  const first = added[0].step;
  const kept = points.length && points[points.length - 1].step >= first ? points.filter((p) => p.step < first) : points;
  return [...kept, ...added];
}

// A theme change swaps body classes (vscode-light / vscode-dark / vscode-high-contrast): rebuild the charts
// with the new colours.
new MutationObserver(() => {
  charts.forEach((c) => c.build());
  renderCharts();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

renderAll();
send({ type: 'ready' });
