// The training dashboard page: live loss / validation / learning-rate / throughput curves (uPlot),
// the run's numbers and plan, the model's configuration and parameter counts, the corpus, and sample
// generations. The loss chart marks the best validation point and the kept model, shades where the model
// memorises (validation rises while training loss falls), draws the uniform guess, and shows the loss in
// nats per token or bits per byte. Messages are those of `dashboard` in src/features/training/protocol.ts. The page
// keeps its last state with vscode.setState, so it draws at once when VS Code restores it.

import uPlotCss from 'uplot/dist/uPlot.min.css';
import css from './style.css';
import { formatCount, formatDuration } from '../../src/l10n/format';
import { formatLoss, formatRate, percent, type ModelState } from '../../src/features/training/core/trainingFormat';
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
const keptValue = stat('kept model', 'kept');
const rateValue = stat('tokens / s', 'rate');
const elapsedValue = stat('elapsed', 'elapsed');
const remainingValue = stat('remaining', 'remaining');

const stopMessage = el('p', 'stop-message');
stopMessage.id = 'stop-message';
stopMessage.setAttribute('role', 'status');

const chartsRow = el('div', 'charts');
const lossCard = card('Loss', 'loss-card');
const lossTitle = lossCard.section.querySelector('h2')!;
const unitChoice = radios('Loss in', {
  id: 'unit',
  choices: [
    { value: 'nats', label: 'nats / token' },
    { value: 'bpb', label: 'bits / byte' },
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
unitChoice.element.setAttribute('aria-label', 'Show the loss in');
lossTitle.after(unitChoice.element);
const lossNotes = el('div', 'loss-notes');
const memorisingList = el('ul', 'memorising');
memorisingList.id = 'memorising';
const uniformNote = el('p', 'muted uniform-note');
uniformNote.id = 'uniform-note';
const historyNote = el('p', 'muted history-note');
historyNote.id = 'history-note';
lossNotes.append(memorisingList, uniformNote, historyNote);
const lrCard = card('Learning rate', 'lr-card');
const rateCard = card('Tokens per second', 'rate-card');
chartsRow.append(lossCard.section, lrCard.section, rateCard.section);

const infoRow = el('div', 'info');
const modelCard = card('Model', 'model-card');
const planCard = card('Plan', 'plan-card');
const corpusCard = card('Corpus', 'corpus-card');
infoRow.append(modelCard.section, planCard.section, corpusCard.section);

const samplesCard = card('Samples', 'samples-card');
samplesCard.section.classList.add('samples');

app.append(header, progressTrack, stopMessage, statsRow, chartsRow, infoRow, samplesCard.section);

const lossOverlay = new LossOverlay();
const lossChart = new Chart(
  {
    id: 'loss',
    title: 'Loss',
    series: [
      { label: 'train', color: '--vscode-charts-blue', fallback: '#3794ff' },
      { label: 'validation', color: '--vscode-charts-orange', fallback: '#d18616', points: true },
      { label: 'uniform guess', color: '--vscode-descriptionForeground', fallback: '#8b8b8b', dash: [6, 4] },
    ],
    format: (v) => v.toFixed(2),
    height: 240,
    overlay: lossOverlay,
  },
  lossCard.body,
);
lossCard.body.after(lossNotes);
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
      return ['ready', ...(s.step !== undefined ? [`step ${s.step}`] : []), ...(s.valLoss !== undefined ? [`val ${formatLoss(s.valLoss)}`] : [])].join(' · ');
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

/** The unit the loss is shown in: bits per byte only when the corpus's byte counts are known. */
function shownUnit(): LossUnit {
  return view.unit === 'bpb' && bitsPerByteFactors(state.corpus?.tokens) ? 'bpb' : 'nats';
}

/** Factors from nats per token to the unit shown, for the training and the validation part. */
function unitFactors(): { train: number; val: number } {
  return (shownUnit() === 'bpb' ? bitsPerByteFactors(state.corpus?.tokens) : undefined) ?? { train: 1, val: 1 };
}

const UNIT_WORDS: Record<LossUnit, string> = { nats: 'nats per token', bpb: 'bits per byte' };

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
  const val = k.valLoss !== undefined ? ` · val ${formatLoss(k.valLoss * f)}` : '';
  return `step ${k.step.toLocaleString('en-US')}${val}`;
}

function renderRun(): void {
  const run = state.run;
  const last = state.points[state.points.length - 1];
  let lastVal: number | undefined;
  for (let i = state.points.length - 1; i >= 0 && lastVal === undefined; i--) lastVal = state.points[i].valLoss;
  lastVal ??= state.model?.valLoss;
  const f = unitFactors();
  const unit = shownUnit() === 'bpb' ? ' (bits / byte)' : '';
  setText(lossValue.nextElementSibling as HTMLElement, `train loss${unit}`);
  setText(valValue.nextElementSibling as HTMLElement, `validation loss${unit}`);
  setText(stepValue, run ? `${run.step.toLocaleString('en-US')} / ${run.steps.toLocaleString('en-US')}` : state.model ? String(state.model.step) : '—');
  setText(lossValue, formatLoss(last ? last.loss * f.train : undefined));
  setText(valValue, formatLoss(lastVal !== undefined ? lastVal * f.val : undefined));
  setText(keptValue, keptLabel() || '—');
  keptValue.parentElement!.title = state.model?.best ?? state.run?.best
    ? 'The best-validation model of the run: the one the features use. Resume continues from the latest state.'
    : 'The model the features use.';
  setText(rateValue, run?.tokensPerSecond !== undefined ? formatRate(run.tokensPerSecond).replace(' tok/s', '') : last ? formatRate(last.tokensPerSecond).replace(' tok/s', '') : '—');
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
      return 'done';
    case 'time':
      return 'time limit';
    case 'cancel':
      return 'cancelled';
    case 'error':
      return 'interrupted';
    case 'early-stop':
      return 'stopped early';
    case 'diverged':
      return 'diverged';
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
  setText(lossTitle, `Loss (${UNIT_WORDS[unit]})`);
  lossChart.setData(x, [pts.map((p) => p.loss * f.train), pts.map((p) => (p.valLoss !== undefined ? p.valLoss * f.val : null)), pts.map(() => uniform ?? null)]);
  lrChart.setData(x, [pts.map((p) => p.lr)]);
  rateChart.setData(x, [pts.map((p) => p.tokensPerSecond)]);

  const bpb = bitsPerByteFactors(state.corpus?.tokens);
  const bpbRadio = unitChoice.element.querySelector('vscode-radio[value="bpb"]');
  if (bpbRadio) {
    if (bpb) bpbRadio.removeAttribute('disabled');
    else bpbRadio.setAttribute('disabled', '');
  }
  unitChoice.element.title = bpb
    ? 'Bits per byte do not depend on the tokenizer: they compare across tokenizers and with file compressors (gzip, brotli) on the same text.'
    : 'Bits per byte need the byte counts of the corpus, which the engine reports when a run starts.';
  if (unitChoice.value() !== unit) unitChoice.setValue(unit);

  memorisingList.replaceChildren(
    ...stretches.map((s) => {
      const li = el('li', undefined, describeStretch(s, f));
      li.title = 'The model learns its notes by heart instead of learning from them: it predicts the held-out part worse while it predicts the training part better.';
      return li;
    }),
  );
  memorisingList.hidden = stretches.length === 0;
  setText(
    uniformNote,
    vocab
      ? `Dashed line: the uniform guess, ln ${vocab.toLocaleString('en-US')} = ${formatLoss(uniformLoss(vocab))} nats per token${unit === 'bpb' ? ` (${formatLoss(uniform)} bits per byte)` : ''}: the score of a model that gives every token of the vocabulary the same chance. A model above it has learned nothing useful.`
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
  return step !== undefined ? step.toLocaleString('en-US') : '—';
}

const trainedSteps = el('span', undefined, '—');
trainedSteps.id = 'trained-steps';
const keptRow = el('span', undefined, '');
keptRow.id = 'kept-model';

function renderKept(): void {
  const isBest = !!(state.model?.best ?? state.run?.best);
  const label = keptLabel();
  setText(keptRow, label ? `${label}${isBest ? ' (best validation)' : ''}` : '—');
  keptRow.title = isBest
    ? 'The features (completions, attention, next tokens) use the model with the lowest validation loss of the run. Resume continues from the latest state.'
    : 'The features use this model.';
}

function renderModel(): void {
  const body = modelCard.body;
  body.replaceChildren();
  const m = state.model;
  if (!m) {
    const s = state.settings;
    body.append(el('p', 'muted', s ? `No model yet. A new one will be the ${s.preset} preset with the ${s.tokenizer} tokenizer, ${s.steps > 0 ? `${s.steps} steps` : 'as many steps as the notes call for (auto)'}${s.minutes ? ` or ${s.minutes} min` : ''}, batch ${s.batchSize}, learning rate ${s.learningRate}.` : 'No model yet.'));
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
  addRow('trained steps', trainedSteps);
  renderKept();
  addRow('kept model', keptRow);
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

function renderPlan(): void {
  const body = planCard.body;
  body.replaceChildren();
  const p = state.plan;
  if (!p) {
    body.append(el('p', 'muted', 'When a run starts, the engine says here what it was built with and why: with the auto budget, steps, model size and context are chosen from the size of the corpus.'));
    return;
  }
  body.append(
    table([
      ['model', `${p.preset}, context ${p.contextLength} tokens`],
      ['steps', `${p.steps.toLocaleString('en-US')} (batch ${p.batchSize})`],
      ['dropout', String(p.dropout)],
      ['early stopping', p.patience > 0 ? `after ${p.patience} evaluation${p.patience === 1 ? '' : 's'} without a better validation loss` : 'off'],
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
    if (c.tokens.trainBytes && c.tokens.valBytes) rows.push(['training / validation bytes', `${formatBytesShort(c.tokens.trainBytes)} / ${formatBytesShort(c.tokens.valBytes)}`]);
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
    const side = el('div', 'sample-step', `step ${s.step}`);
    item.append(side);
    item.append(sampleText(s));
    if (s.copied) {
      item.classList.add('copied');
      const flag = tag('copied from your notes');
      flag.classList.add('copied-flag');
      flag.title = `${s.copied.tokens} tokens in a row of this sample are in your notes word for word (highlighted): the model recites its training text instead of writing new text.`;
      side.append(el('br'), flag);
    }
    list.append(item);
  }
  body.append(list);
}

/** The prompt (bold) and the continuation, with the run copied from the notes highlighted. */
function sampleText(s: SampleView): HTMLElement {
  const text = el('div', 'sample-text');
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
  if (s.copied && !copied) text.append(el('div', 'muted', `Copied: “${s.copied.text}”`));
  return text;
}

function renderAll(): void {
  renderStatus();
  renderRun();
  renderCharts();
  renderModel();
  renderPlan();
  renderCorpus();
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
