// The training dashboard page: live loss / validation / learning-rate / throughput curves (uPlot),
// the run's numbers, the model's configuration and parameter counts, the corpus, and sample
// generations. Messages are those of `dashboard` in src/webviewProtocol.ts. The page keeps its last
// state with vscode.setState, so it draws at once when VS Code restores it.

import uPlotCss from 'uplot/dist/uPlot.min.css';
import { formatCount, formatDuration, formatLoss, formatRate, percent, type ModelState } from '../../src/features/trainingFormat';
import type { DashboardCommand, DashboardState, FromWebview, LossPoint, ToWebview } from '../../src/webviewProtocol';
import { button, divider, registerComponents, setEnabled, setText, tag } from '../components/index';
import { Chart } from './charts';

const vscode = acquireVsCodeApi<DashboardState>();

function send(message: FromWebview<'dashboard'>): void {
  vscode.postMessage(message);
}

function command(name: DashboardCommand): () => void {
  return () => send({ type: 'command', command: name });
}

// uPlot's stylesheet, bundled as text; adopted (CSSOM) so the CSP needs no 'unsafe-inline'.
function adoptCss(css: string): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
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

let state: DashboardState = vscode.getState() ?? { status: { kind: 'none' }, points: [], samples: [] };

// ------------------------------------------------------------------------------------------------
// Layout

registerComponents();
adoptCss(uPlotCss);
const app = document.getElementById('app')!;

const header = el('header');
const title = el('h1', undefined, 'Training Dashboard');
const statusTag = tag('no model');
statusTag.id = 'status';
const buttons = el('div', 'buttons');
const trainButton = button('Train', { onClick: command('train'), title: 'Train a model on the workspace (LM Explorer: Train Model on Workspace)', id: 'train' });
const resumeButton = button('Resume', { appearance: 'secondary', onClick: command('resume'), title: 'Continue training the saved model', id: 'resume' });
const cancelButton = button('Cancel', { appearance: 'secondary', onClick: command('cancel'), title: 'Stop training; the model is saved', id: 'cancel' });
const exportButton = button('Export…', { appearance: 'secondary', onClick: command('export'), title: 'Save the model to a folder (loadable by lmx)' });
const loadButton = button('Load…', { appearance: 'secondary', onClick: command('load'), title: 'Load a model folder' });
const resetButton = button('Reset', { appearance: 'secondary', onClick: command('reset'), title: 'Delete the workspace model' });
const settingsButton = button('Settings', { appearance: 'secondary', onClick: command('settings'), title: 'LM Explorer settings' });
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
const stepValue = stat('step', 'step');
const lossValue = stat('train loss', 'loss');
const valValue = stat('validation loss', 'val');
const rateValue = stat('tokens / s', 'rate');
const elapsedValue = stat('elapsed', 'elapsed');
const remainingValue = stat('remaining', 'remaining');

const chartsRow = el('div', 'charts');
const lossCard = card('Loss', 'loss-card');
const lrCard = card('Learning rate', 'lr-card');
const rateCard = card('Tokens per second', 'rate-card');
chartsRow.append(lossCard.section, lrCard.section, rateCard.section);

const infoRow = el('div', 'info');
const modelCard = card('Model', 'model-card');
const corpusCard = card('Corpus', 'corpus-card');
infoRow.append(modelCard.section, corpusCard.section);

const samplesCard = card('Samples', 'samples-card');
samplesCard.section.classList.add('samples');

app.append(header, progressTrack, statsRow, chartsRow, infoRow, samplesCard.section);

const lossChart = new Chart(
  {
    id: 'loss',
    title: 'Loss',
    series: [
      { label: 'train', color: '--vscode-charts-blue', fallback: '#3794ff' },
      { label: 'validation', color: '--vscode-charts-orange', fallback: '#d18616', points: true },
    ],
    format: (v) => v.toFixed(2),
  },
  lossCard.body,
);
const lrChart = new Chart(
  { id: 'lr', title: 'Learning rate', series: [{ label: 'learning rate', color: '--vscode-charts-purple', fallback: '#b180d7' }], format: (v) => v.toExponential(1) },
  lrCard.body,
);
const rateChart = new Chart(
  { id: 'rate', title: 'Tokens per second', series: [{ label: 'tokens/s', color: '--vscode-charts-green', fallback: '#89d185' }], format: (v) => formatCount(v) },
  rateCard.body,
);
const charts = [lossChart, lrChart, rateChart];

// ------------------------------------------------------------------------------------------------
// Rendering

function statusLabel(s: ModelState): string {
  switch (s.kind) {
    case 'none':
      return 'no model';
    case 'preparing':
      return `preparing: ${s.message}`;
    case 'training':
      return `training ${percent(s.step, s.steps)}%`;
    case 'ready':
      return s.valLoss !== undefined ? `ready · val ${formatLoss(s.valLoss)}` : 'ready';
    case 'error':
      return 'error';
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

function renderRun(): void {
  const run = state.run;
  const last = state.points[state.points.length - 1];
  let lastVal: number | undefined;
  for (let i = state.points.length - 1; i >= 0 && lastVal === undefined; i--) lastVal = state.points[i].valLoss;
  lastVal ??= state.model?.valLoss;
  setText(stepValue, run ? `${run.step.toLocaleString('en-US')} / ${run.steps.toLocaleString('en-US')}` : state.model ? String(state.model.step) : '—');
  setText(lossValue, formatLoss(last?.loss));
  setText(valValue, formatLoss(lastVal));
  setText(rateValue, run?.tokensPerSecond !== undefined ? formatRate(run.tokensPerSecond).replace(' tok/s', '') : last ? formatRate(last.tokensPerSecond).replace(' tok/s', '') : '—');
  setText(elapsedValue, run ? formatDuration(run.elapsedMs) : '—');
  const training = state.status.kind === 'training';
  setText(remainingValue, training ? formatDuration(run?.remainingMs) : run?.stoppedBy ? stoppedText(run.stoppedBy) : '—');
  const pct = run ? percent(run.step, run.steps) : 0;
  progressFill.style.width = `${pct}%`;
  progressTrack.setAttribute('aria-valuenow', String(pct));
  progressTrack.classList.toggle('active', training);
}

function stoppedText(by: NonNullable<DashboardState['run']>['stoppedBy']): string {
  switch (by) {
    case 'steps':
      return 'done';
    case 'time':
      return 'time limit';
    case 'cancel':
      return 'cancelled';
    case 'error':
      return 'interrupted';
    default:
      return '—';
  }
}

function renderCharts(): void {
  const pts = state.points;
  const x = pts.map((p) => p.step);
  lossChart.setData(x, [pts.map((p) => p.loss), pts.map((p) => p.valLoss ?? null)]);
  lrChart.setData(x, [pts.map((p) => p.lr)]);
  rateChart.setData(x, [pts.map((p) => p.tokensPerSecond)]);
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

function renderModel(): void {
  const body = modelCard.body;
  body.replaceChildren();
  const m = state.model;
  if (!m) {
    const s = state.settings;
    body.append(el('p', 'muted', s ? `No model yet. A new one will be the ${s.preset} preset with the ${s.tokenizer} tokenizer, ${s.steps} steps${s.minutes ? ` or ${s.minutes} min` : ''}, batch ${s.batchSize}, learning rate ${s.learningRate}.` : 'No model yet.'));
    return;
  }
  const c = m.config;
  body.append(
    table([
      ['layers', String(c.nLayer)],
      ['heads', String(c.nHead)],
      ['embedding size', String(c.nEmbd)],
      ['context length', `${c.contextLength} tokens`],
      ['positions', c.positional],
      ['vocabulary', `${c.vocabSize.toLocaleString('en-US')} (${m.tokenizer})`],
      ['backend', m.backend],
      ['trained steps', m.step.toLocaleString('en-US')],
    ]),
  );
  body.append(divider());
  const params = el('div', 'params');
  params.append(el('h3', undefined, `Parameters: ${m.parameters.total.toLocaleString('en-US')}`));
  const parts: [string, number][] = [
    ['embeddings', m.parameters.embeddings],
    ['attention', m.parameters.attention],
    ['MLP', m.parameters.mlp],
    ['norms', m.parameters.norms],
  ];
  for (const [name, n] of parts) {
    const row = el('div', 'param-row');
    const share = m.parameters.total > 0 ? (100 * n) / m.parameters.total : 0;
    const bar = el('div', 'param-bar');
    const fill = el('div', `param-fill part-${name.toLowerCase()}`);
    fill.style.width = `${share.toFixed(1)}%`;
    bar.append(fill);
    row.append(el('span', 'param-name', name), bar, el('span', 'param-count', `${n.toLocaleString('en-US')} (${share.toFixed(0)}%)`));
    params.append(row);
  }
  body.append(params);
}

function renderCorpus(): void {
  const body = corpusCard.body;
  body.replaceChildren();
  const c = state.corpus;
  if (!c) {
    body.append(el('p', 'muted', 'The corpus is collected when training starts: every file matching lmExplorer.training.include in the workspace.'));
    return;
  }
  const rows: [string, string][] = [
    ['files', `${c.files.toLocaleString('en-US')}${c.skipped ? ` (${c.skipped} skipped)` : ''}`],
    ['size', formatBytesShort(c.bytes)],
  ];
  if (c.tokens) {
    rows.push(
      ['tokens', c.tokens.tokens.toLocaleString('en-US')],
      ['training / validation', `${c.tokens.trainTokens.toLocaleString('en-US')} / ${c.tokens.valTokens.toLocaleString('en-US')}`],
      ['vocabulary', `${c.tokens.vocabSize.toLocaleString('en-US')} (${c.tokens.tokenizer})`],
    );
    if (c.tokens.unknownTokens) rows.push(['unknown tokens', c.tokens.unknownTokens.toLocaleString('en-US')]);
  }
  rows.push(['include', c.include]);
  body.append(table(rows));
  if (c.skipped) body.append(el('p', 'muted', `Skipped: ${c.skippedSummary}. The list is in Output › LM Explorer.`));
}

function formatBytesShort(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function renderSamples(): void {
  const body = samplesCard.body;
  body.replaceChildren();
  if (state.samples.length === 0) {
    body.append(el('p', 'muted', 'Every few steps the model continues a fixed prompt; the samples appear here, newest first, so you can watch the text get better.'));
    return;
  }
  const list = el('ol', 'sample-list');
  for (const s of [...state.samples].reverse()) {
    const item = el('li', 'sample');
    item.append(el('div', 'sample-step', `step ${s.step}`));
    const text = el('div', 'sample-text');
    text.append(el('strong', 'sample-prompt', s.prompt), document.createTextNode(s.text));
    item.append(text);
    list.append(item);
  }
  body.append(list);
}

function renderAll(): void {
  renderStatus();
  renderRun();
  renderCharts();
  renderModel();
  renderCorpus();
  renderSamples();
}

let saveTimer: number | undefined;
function persist(): void {
  if (saveTimer !== undefined) return;
  saveTimer = window.setTimeout(() => {
    saveTimer = undefined;
    vscode.setState(state);
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

window.addEventListener('message', (event: MessageEvent<ToWebview<'dashboard'>>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'state':
      state = msg.state;
      renderAll();
      break;
    case 'progress': {
      state.points = mergePoints(state.points, msg.points);
      state.run = msg.run;
      state.status = msg.status;
      renderStatus();
      renderRun();
      scheduleCharts();
      break;
    }
    case 'sample':
      state.samples = [...state.samples.filter((s) => s.step !== msg.sample.step), msg.sample].slice(-40);
      renderSamples();
      break;
    case 'status':
      state.status = msg.status;
      renderStatus();
      renderRun();
      break;
    case 'model':
      state.model = msg.model;
      renderModel();
      renderStatus();
      break;
    case 'corpus':
      state.corpus = msg.corpus;
      renderCorpus();
      break;
    case 'selfCheck':
      renderCharts();
      requestAnimationFrame(() => send({ type: 'rendered', charts: charts.map((c) => c.report()), cspViolations }));
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
