// The sampling lab's page: the next-token distribution before and after temperature, top-k and top-p; steps
// by hand (Greedy, Sample with a shown seed, a click on a bar, Undo); the generated text coloured by the
// probability of each token; the steps' history; strategies compared side by side; the logit lens.
// Every number comes from the engine worker through the host (messages of src/features/sampling/protocol.ts);
// the page draws. Its prompt, sliders, seed and tokens are kept with setState, so a reload replays them.

import { formatFixed, formatNumber, formatPercent } from '../../src/l10n/format';
import {
  DEFAULT_LAB_PARAMS,
  isLabToWebview,
  LAB_LIMITS,
  type LabFromWebview,
  type LabPageState,
  type LabParams,
  type LabToWebview,
} from '../../src/features/sampling/protocol';
import type { StepChoice } from '../../src/engine/sampling/session';
import type { LabRun, LabSnapshot, LabStep, LensLayer } from '../../src/features/sampling/protocol';
import { measureCanvas, readTheme, type Theme } from '../attention/draw';
import { adoptPageStyles, button, progressRing, registerComponents, setEnabled } from '../components/index';
import { barAt, drawChart, type ChartLayout } from './chart';
import { probabilityClass } from './probability';
import { strings } from './strings';
import css from './style.css';

const host = acquireVsCodeApi<LabPageState>();
const send = (message: LabFromWebview) => host.postMessage(message);

let state: LabPageState = host.getState() ?? { prompt: '', params: { ...DEFAULT_LAB_PARAMS }, seed: 1, ids: [], compareTokens: 24 };
let snapshot: LabSnapshot | undefined;
let seq = -1;
let shownStep: number | undefined;
let focusBar = 0;
let theme: Theme | undefined;
let layouts: ChartLayout[] = [];
/** The narrowest chart drawn beside the other (30 labelled bars). */
const MIN_SIDE_BY_SIDE = 420;

function el<K extends keyof HTMLElementTagNameMap>(tagName: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tagName);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function persist(): void {
  host.setState(state);
}

// ------------------------------------------------------------------------------------------------
// Layout

registerComponents();
adoptPageStyles(css);
const app = document.getElementById('app') ?? document.body.appendChild(el('main'));
app.id = 'sampling-app';

const header = el('header');
header.append(el('h1', undefined, strings.title));
const busy = progressRing(strings.working);
busy.hidden = true;
header.append(busy);
const notice = el('div', 'notice');
notice.hidden = true;
notice.setAttribute('role', 'status');

const promptBox = el('section', 'prompt');
promptBox.id = 'prompt';
const promptLabel = el('label', undefined, strings.promptLabel);
const promptInput = el('textarea');
promptInput.id = 'prompt-input';
promptInput.rows = 3;
promptInput.title = strings.promptHint;
promptLabel.htmlFor = promptInput.id;
const promptInfo = el('span', 'muted');
const usePrompt = button(strings.usePrompt, { appearance: 'secondary', id: 'use-prompt', onClick: () => send({ type: 'prompt', prompt: promptInput.value }) });
const promptRow = el('div', 'row');
promptRow.append(usePrompt, promptInfo);
promptBox.append(promptLabel, promptInput, promptRow);

interface Slider {
  input: HTMLInputElement;
  output: HTMLOutputElement;
}

function slider(id: keyof LabParams, label: string, hint: string): { box: HTMLElement; slider: Slider } {
  const box = el('div', 'slider');
  const input = el('input');
  input.type = 'range';
  input.id = `slider-${id}`;
  const limits = LAB_LIMITS[id];
  input.min = String(limits.min);
  input.max = String(limits.max);
  input.step = String(limits.step);
  input.title = hint;
  const name = el('label', undefined, label);
  name.htmlFor = input.id;
  const output = el('output');
  output.htmlFor.add(input.id);
  input.addEventListener('input', () => {
    state.params = { ...state.params, [id]: Number(input.value) };
    showParams();
    persist();
    send({ type: 'params', params: state.params });
  });
  box.append(name, input, output);
  return { box, slider: { input, output } };
}

const controls = el('section', 'controls');
controls.id = 'controls';
const temperature = slider('temperature', strings.temperature, strings.temperatureHint);
const topK = slider('topK', strings.topK, strings.topKHint);
const topP = slider('topP', strings.topP, strings.topPHint);
const stats = el('div', 'stats');
stats.id = 'stats';
controls.append(temperature.box, topK.box, topP.box, stats);

const charts = el('section', 'charts');
charts.id = 'charts';
const chartCanvases = [0, 1].map(() => el('canvas'));
chartCanvases.forEach((canvas, i) => {
  const figure = el('figure');
  figure.append(el('figcaption', undefined, i === 0 ? strings.rawChart : strings.filteredChart), canvas);
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'listbox');
  canvas.setAttribute('aria-label', `${i === 0 ? strings.rawChart : strings.filteredChart}. ${strings.barsHint}`);
  canvas.addEventListener('click', (event) => {
    const bar = layouts[i] ? barAt(layouts[i], event.offsetX) : undefined;
    const id = bar !== undefined ? snapshot?.view.bars[bar]?.id : undefined;
    if (id !== undefined && shownStep === undefined) step({ kind: 'pick', id });
  });
  canvas.addEventListener('mousemove', (event) => {
    const bar = layouts[i] ? barAt(layouts[i], event.offsetX) : undefined;
    const b = bar !== undefined ? snapshot?.view.bars[bar] : undefined;
    canvas.title = b ? `${b.label}: ${formatPercent(i === 0 ? b.raw : b.filtered, 2)}` : strings.barsHint;
  });
  canvas.addEventListener('focus', () => snapshot && draw());
  canvas.addEventListener('blur', () => snapshot && draw());
  canvas.addEventListener('keydown', (event) => {
    const n = snapshot?.view.bars.length ?? 0;
    if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
      focusBar = Math.max(0, Math.min(n - 1, focusBar + (event.key === 'ArrowRight' ? 1 : -1)));
      draw();
      event.preventDefault();
    } else if (event.key === 'Enter' && snapshot && shownStep === undefined) {
      const id = snapshot.view.bars[focusBar]?.id;
      if (id !== undefined) step({ kind: 'pick', id });
      event.preventDefault();
    }
  });
  charts.append(figure);
});

const actions = el('section', 'actions');
actions.id = 'actions';
const greedyButton = button(strings.greedy, { id: 'greedy', title: strings.greedyHint, onClick: () => step({ kind: 'greedy' }) });
const sampleButton = button(strings.sample, { id: 'sample', title: strings.sampleHint, onClick: () => step({ kind: 'sample', seed: state.seed }) });
const seedLabel = el('label', 'seed', strings.seed);
const seedInput = el('input');
seedInput.type = 'number';
seedInput.id = 'seed';
seedInput.min = '0';
seedInput.addEventListener('change', () => {
  const value = Math.trunc(Number(seedInput.value));
  state.seed = Number.isFinite(value) && value >= 0 ? value : 0;
  persist();
});
seedLabel.append(seedInput);
const undoButton = button(strings.undo, { appearance: 'secondary', id: 'undo', title: strings.undoHint, onClick: () => send({ type: 'undo' }) });
const insertButton = button(strings.insert, { appearance: 'secondary', id: 'insert', title: strings.insertHint, onClick: () => send({ type: 'insert' }) });
const lensButton = button(strings.lens, { appearance: 'secondary', id: 'lens-button', title: strings.lensHint, onClick: () => send({ type: 'lens' }) });
actions.append(greedyButton, sampleButton, seedLabel, undoButton, insertButton, lensButton);

const generated = el('section', 'generated');
generated.id = 'generated';
const generatedText = el('div', 'text');
generatedText.id = 'generated-text';
generated.append(el('h2', undefined, strings.generated), el('p', 'muted', strings.generatedHint), generatedText);

const history = el('section', 'history');
history.id = 'history';
const historyList = el('ol');
historyList.id = 'history-list';
const backButton = button(strings.showCurrent, { appearance: 'secondary', id: 'show-current', onClick: () => send({ type: 'showStep' }) });
history.append(el('h2', undefined, strings.history), el('p', 'muted', strings.historyHint), historyList, backButton);

const compare = el('section', 'compare');
compare.id = 'compare';
const compareTokens = el('input');
compareTokens.type = 'number';
compareTokens.id = 'compare-tokens';
compareTokens.min = '1';
compareTokens.max = '256';
const compareLabel = el('label', undefined, strings.compareTokens);
compareLabel.append(compareTokens);
const compareRun = button(strings.run, {
  appearance: 'secondary',
  id: 'compare-run',
  onClick: () => {
    const n = Math.max(1, Math.min(256, Math.trunc(Number(compareTokens.value)) || 24));
    state.compareTokens = n;
    persist();
    send({ type: 'compare', maxNewTokens: n });
  },
});
const compareRow = el('div', 'row');
compareRow.append(compareLabel, compareRun);
const compareColumns = el('div', 'columns');
compareColumns.id = 'compare-columns';
compare.append(el('h2', undefined, strings.compare), el('p', 'muted', strings.compareHint), compareRow, compareColumns);

const lens = el('section', 'lens');
lens.id = 'lens';
lens.hidden = true;
const lensTable = el('table');
lens.append(el('h2', undefined, strings.lens), el('p', 'muted', strings.lensHint), lensTable);

const noModel = el('section', 'no-model');
noModel.hidden = true;
const noModelText = el('p');
noModel.append(noModelText, button(strings.noModel, { id: 'train', onClick: () => send({ type: 'train' }) }));

app.append(header, notice, noModel, promptBox, controls, charts, actions, generated, history, compare, lens);

// ------------------------------------------------------------------------------------------------
// Rendering

function showParams(): void {
  const p = state.params;
  temperature.slider.input.value = String(p.temperature);
  temperature.slider.output.value = p.temperature === 0 ? `0 (${strings.howGreedy})` : formatFixed(p.temperature, 2);
  topK.slider.input.value = String(p.topK);
  topK.slider.output.value = p.topK === 0 ? strings.off : formatNumber(p.topK);
  topP.slider.input.value = String(p.topP);
  topP.slider.output.value = p.topP >= 1 ? strings.off : formatFixed(p.topP, 2);
  seedInput.value = String(state.seed);
  compareTokens.value = String(state.compareTokens);
}

function tokenSpan(token: { label: string; text: string }, prob: number, title: string): HTMLElement {
  // a token without printable text of its own (a byte, a control character) shows its label
  const printable = token.text !== '' && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(token.text);
  const span = el('span', `tok ${probabilityClass(prob)}`, printable ? token.text : token.label);
  span.setAttribute('translate', 'no'); // the model's text, not the interface's
  span.title = title;
  return span;
}

function howChosen(s: LabStep): string {
  return s.choice.kind === 'greedy' ? strings.howGreedy : s.choice.kind === 'sample' ? strings.howSample(String(s.choice.seed)) : strings.howPick;
}

function renderText(s: LabSnapshot): void {
  generatedText.replaceChildren();
  if (s.steps.length === 0) generatedText.append(el('span', 'muted', strings.nothingYet));
  s.steps.forEach((st, i) => {
    const span = tokenSpan(st, st.rawProb, `${st.label} · ${strings.probability} ${formatPercent(st.rawProb, 1)} · ${howChosen(st)}`);
    span.dataset.step = String(i);
    generatedText.append(span);
  });
}

function renderHistory(s: LabSnapshot): void {
  historyList.replaceChildren();
  s.steps.forEach((st, i) => {
    const item = el('li');
    const link = el('button', i === shownStep ? 'step shown' : 'step', strings.stepLine(String(i + 1), st.label, howChosen(st), formatPercent(st.rawProb, 1)));
    link.type = 'button';
    link.addEventListener('click', () => send({ type: 'showStep', at: i }));
    item.append(link);
    historyList.append(item);
  });
  backButton.hidden = shownStep === undefined;
}

function draw(): LabFromWebview & { type: 'rendered' } {
  const started = performance.now();
  const s = snapshot;
  const out: LabFromWebview & { type: 'rendered' } = {
    type: 'rendered',
    report: { seq, bars: s?.view.bars.length ?? 0, charts: [], steps: s?.steps.length ?? 0, renderMs: 0, theme: document.body.className },
  };
  if (!s) return out;
  const ctx = chartCanvases[0].getContext('2d');
  if (ctx && !theme) theme = readTheme(ctx);
  if (!theme) return out;
  // side by side when there is room for two readable charts, else one above the other at full width
  const room = charts.clientWidth || 900;
  const width = room >= 2 * MIN_SIDE_BY_SIDE ? Math.floor(room / 2) - 16 : Math.max(240, room - 4);
  const chosenId = shownStep !== undefined ? s.steps[shownStep]?.id : undefined;
  const chosen = chosenId !== undefined ? s.view.bars.findIndex((b) => b.id === chosenId) : -1;
  const labels = { cumulative: strings.cumulative, cut: strings.topPCut(formatFixed(state.params.topP, 2)) };
  layouts = chartCanvases.map((canvas, i) =>
    drawChart(canvas, width, s.view.bars, theme!, {
      kind: i === 0 ? 'raw' : 'filtered',
      focus: document.activeElement === canvas ? focusBar : undefined,
      ...(chosen >= 0 ? { chosen } : {}),
      topP: state.params.topP,
      labels,
    }),
  );
  stats.textContent = `${strings.entropy(formatFixed(s.view.rawEntropyBits, 2), formatFixed(s.view.filteredEntropyBits, 2))} · ${strings.kept(formatNumber(s.view.kept), formatNumber(s.view.vocabSize))}`;
  out.report.charts = chartCanvases.map((c) => {
    const m = measureCanvas(c);
    return { width: m.width, height: m.height, variance: m.variance };
  });
  out.report.renderMs = Math.round((performance.now() - started) * 10) / 10;
  return out;
}

function render(): void {
  const s = snapshot;
  if (!s) return;
  promptInfo.textContent = s.truncated ? strings.promptCut(formatNumber(s.promptTokens)) : strings.promptTokens(formatNumber(s.promptTokens));
  setEnabled(undoButton, s.steps.length > 0);
  setEnabled(insertButton, s.steps.length > 0);
  for (const b of [greedyButton, sampleButton]) setEnabled(b, shownStep === undefined);
  notice.hidden = shownStep === undefined;
  if (shownStep !== undefined) notice.textContent = strings.viewingStep(String(shownStep + 1));
  renderText(s);
  renderHistory(s);
  send(draw());
}

function renderCompare(runs: LabRun[]): void {
  compareColumns.replaceChildren();
  for (const run of runs) {
    const column = el('div', 'column');
    column.append(el('h3', undefined, run.label), el('p', 'muted', strings.repetition(formatPercent(run.repetition))));
    const text = el('div', 'text');
    for (const t of run.tokens) text.append(tokenSpan(t, t.prob, `${t.label} · ${strings.probability} ${formatPercent(t.prob, 1)}`));
    column.append(text);
    compareColumns.append(column);
  }
}

function renderLens(layers: LensLayer[]): void {
  lens.hidden = false;
  lensTable.replaceChildren();
  for (const layer of layers) {
    const row = el('tr');
    row.append(el('th', undefined, layer.layer === 0 ? strings.lensEmbeddings : strings.lensLayer(String(layer.layer))));
    for (const t of layer.top) {
      const cell = el('td');
      // a guess alone, out of running text: its label shows what a space or a line break is
      cell.append(tokenSpan({ label: t.label, text: t.label }, t.prob, formatPercent(t.prob, 1)), el('span', 'muted', ` ${formatPercent(t.prob, 1)}`));
      row.append(cell);
    }
    lensTable.append(row);
  }
}

function step(choice: StepChoice): void {
  send({ type: 'step', choice, seed: state.seed });
  if (choice.kind === 'sample') {
    state.seed += 1;
    showParams();
    persist();
  }
}

function receive(message: LabToWebview): void {
  switch (message.type) {
    case 'snapshot':
      snapshot = message.snapshot;
      seq = message.seq;
      shownStep = message.shownStep;
      state = { ...state, prompt: message.prompt, params: message.params, seed: message.seed, ids: message.snapshot.steps.map((s) => s.id) };
      if (document.activeElement !== promptInput) promptInput.value = message.prompt;
      noModel.hidden = true;
      showParams();
      persist();
      render();
      return;
    case 'compare':
      renderCompare(message.runs);
      return;
    case 'lens':
      renderLens(message.layers);
      return;
    case 'busy':
      busy.hidden = !message.busy;
      app.classList.toggle('busy', message.busy);
      return;
    case 'message':
      notice.hidden = false;
      notice.className = `notice ${message.kind}`;
      notice.textContent = message.text;
      return;
    case 'noModel':
      noModel.hidden = false;
      noModelText.textContent = message.text;
      return;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  if (isLabToWebview(event.data)) receive(event.data);
});

document.addEventListener('keydown', (event) => {
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key.toLowerCase();
  if (key === 'g' && shownStep === undefined) step({ kind: 'greedy' });
  else if (key === 's' && shownStep === undefined) step({ kind: 'sample', seed: state.seed });
  else if (key === 'u') send({ type: 'undo' });
  else return;
  event.preventDefault();
});

// The theme changes the body's class: read the colours again and redraw.
new MutationObserver(() => {
  theme = undefined;
  if (snapshot) send(draw());
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
window.addEventListener('resize', () => snapshot && send(draw()));

showParams();
promptInput.value = state.prompt;
send({ type: 'ready', ...(host.getState() ? { state } : {}) });
