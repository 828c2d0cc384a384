// The Model Inspector's page: five tabs over the user's own model — the embeddings of a text, the nearest
// tokens (with the 2-D map of the vocabulary and the positions), analogies, the architecture with its
// parameters, and what training changed. Every number comes from the engine worker through the host
// (src/features/inspector/); the page asks with `query` messages and draws the answers. Its tab, the last
// request of each tab and its options are kept with setState, so a reload asks for the same views again.

import type { InspectRequest } from '../../src/engine/inspect/types';
import { externalId } from '../../src/features/inspector/core/csv';
import {
  INSPECTOR_TABS,
  isInspectorToWebview,
  type CanvasReport,
  type InspectorAnswer,
  type InspectorFromWebview,
  type InspectorModel,
  type InspectorPageState,
  type InspectorTab,
} from '../../src/features/inspector/protocol';
import type { ModelToken } from '../../src/worker/engine/protocol';
import { drawBars, drawHeatmap, drawScatter, drawStrips, measureCanvas, theme, type PointMark, type Theme } from './draw';
import { adoptPageStyles } from '../components/index';
import css from './style.css';
import { S } from './strings';
import { displayLocale } from '../../src/l10n/format';

type Answer<V extends InspectorTab> = Extract<InspectorAnswer, { view: V }>;

const vscodeApi = acquireVsCodeApi<InspectorPageState>();
const saved = vscodeApi.getState();
const state: InspectorPageState = { tab: saved?.tab ?? 'embeddings', requests: { ...(saved?.requests ?? {}) }, expanded: saved?.expanded ?? false };
const answers: Partial<Record<InspectorTab, { seq: number; answer: InspectorAnswer; request: InspectRequest }>> = {};
let model: InspectorModel | undefined;
let currentTheme: Theme = theme();

function send(message: InspectorFromWebview): void {
  vscodeApi.postMessage(message);
}

function persist(): void {
  vscodeApi.setState(state);
}

const locale = displayLocale();
const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 3, minimumFractionDigits: 3 });
const count = new Intl.NumberFormat(locale);
const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
const fmt = (v: number) => number.format(v);

function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(v)} ${units[u]}`;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function actionButton(label: string, onClick: () => void, options: { secondary?: boolean; title?: string; id?: string; submit?: boolean } = {}): HTMLButtonElement {
  const b = el('button', `action${options.secondary ? ' secondary' : ''}`, label);
  b.type = options.submit ? 'submit' : 'button';
  if (options.title) b.title = options.title;
  if (options.id) b.id = options.id;
  if (!options.submit) b.addEventListener('click', onClick);
  return b;
}

/** Marks the user's own text (a token, a word of the notes): no word of it is a text of the interface. */
function untranslated<E extends HTMLElement>(element: E): E {
  element.setAttribute('translate', 'no');
  return element;
}

function field(label: string, input: HTMLElement): HTMLLabelElement {
  const l = el('label', 'field');
  l.append(el('span', undefined, label), input);
  return l;
}

function textInput(id: string, placeholder: string, value = '', wide = false): HTMLInputElement {
  const i = el('input', wide ? 'wide' : undefined);
  i.type = 'text';
  i.id = id;
  i.placeholder = placeholder;
  i.value = value;
  return i;
}

/** A form whose submit (Enter or its button) runs `onSubmit`. */
function form(children: HTMLElement[], onSubmit: () => void): HTMLFormElement {
  const f = el('form', 'controls');
  f.append(...children);
  f.addEventListener('submit', (event) => {
    event.preventDefault();
    onSubmit();
  });
  return f;
}

function ask(request: InspectRequest): void {
  state.requests[request.view] = request;
  persist();
  setStatus(request.view, 'loading', S.loading);
  send({ type: 'query', request });
}

function tokenIds(t: ModelToken): string {
  const ext = externalId(t);
  return ext ? `#${t.id} · ${ext}` : `#${t.id}`;
}

// ------------------------------------------------------------------------------------------------
// Layout: header, tabs, one panel per tab

adoptPageStyles(css);
const app = document.getElementById('app') ?? document.body.appendChild(el('main'));
app.id = 'inspector-app';
const header = el('header');
const titleBox = el('div', 'title');
const modelLine = el('div', 'muted');
titleBox.append(el('h1', undefined, S.title), modelLine);
const csvButton = actionButton(S.saveCsv, () => send({ type: 'saveCsv', tab: state.tab }), { secondary: true, title: S.saveCsvTitle, id: 'save-csv' });
const pngButton = actionButton(S.savePng, () => savePng(), { secondary: true, title: S.savePngTitle, id: 'save-png' });
const actions = el('div', 'actions');
actions.append(csvButton, pngButton);
header.append(titleBox, actions);

const tabList = el('div');
tabList.setAttribute('role', 'tablist');
tabList.setAttribute('aria-label', S.tabListLabel);
const tabButtons = new Map<InspectorTab, HTMLButtonElement>();
const panels = new Map<InspectorTab, HTMLElement>();
const statusBoxes = new Map<InspectorTab, HTMLElement>();
const bodies = new Map<InspectorTab, HTMLElement>();
for (const tab of INSPECTOR_TABS) {
  const b = el('button', undefined, S.tabs[tab]);
  b.type = 'button';
  b.id = `tab-${tab}`;
  b.setAttribute('role', 'tab');
  b.setAttribute('aria-controls', `panel-${tab}`);
  b.addEventListener('click', () => selectTab(tab, true));
  tabButtons.set(tab, b);
  tabList.append(b);
  const panel = el('section');
  panel.id = `panel-${tab}`;
  panel.setAttribute('role', 'tabpanel');
  panel.setAttribute('aria-labelledby', b.id);
  panel.tabIndex = 0;
  const status = el('div', 'status');
  status.hidden = true;
  status.setAttribute('role', 'status');
  const body = el('div', 'body');
  panels.set(tab, panel);
  statusBoxes.set(tab, status);
  bodies.set(tab, body);
}
// Arrow keys move between tabs (and select them), Home and End go to the first and the last.
tabList.addEventListener('keydown', (event) => {
  const i = INSPECTOR_TABS.indexOf(state.tab);
  const next =
    event.key === 'ArrowRight' ? (i + 1) % INSPECTOR_TABS.length
    : event.key === 'ArrowLeft' ? (i + INSPECTOR_TABS.length - 1) % INSPECTOR_TABS.length
    : event.key === 'Home' ? 0
    : event.key === 'End' ? INSPECTOR_TABS.length - 1
    : -1;
  if (next < 0) return;
  event.preventDefault();
  selectTab(INSPECTOR_TABS[next], true);
  tabButtons.get(INSPECTOR_TABS[next])!.focus();
});
app.append(header, tabList, ...panels.values());

function setStatus(tab: InspectorTab, kind: string, message: string | undefined): void {
  const box = statusBoxes.get(tab)!;
  box.hidden = !message;
  box.className = `status ${kind}`;
  box.textContent = message ?? '';
}

/** Shows a tab's panel and marks its tab selected (nothing is computed or drawn). */
function showTab(tab: InspectorTab): void {
  state.tab = tab;
  persist();
  for (const [t, b] of tabButtons) {
    const selected = t === tab;
    b.setAttribute('aria-selected', String(selected));
    b.tabIndex = selected ? 0 : -1;
    panels.get(t)!.hidden = !selected;
  }
}

/** Goes to a tab: draws its answer again, or asks for it when the page has none (after a reload). */
function selectTab(tab: InspectorTab, byUser: boolean): void {
  showTab(tab);
  if (byUser) send({ type: 'tab', tab });
  const pending = state.requests[tab];
  if (!answers[tab] && pending) ask(pending);
  else if (answers[tab]) requestAnimationFrame(() => render(tab, answers[tab]!.seq, performance.now()));
}

// ------------------------------------------------------------------------------------------------
// Tab 1: embeddings of a text

const embText = textInput('embeddings-text', S.embeddings.textPlaceholder, '', true);
const expandBox = el('input');
expandBox.type = 'checkbox';
expandBox.id = 'embeddings-expand';
expandBox.checked = state.expanded;
const expandLabel = el('label', 'check');
const expandText = el('span', undefined, S.embeddings.expand(0));
expandLabel.append(expandBox, expandText);
expandBox.addEventListener('change', () => {
  state.expanded = expandBox.checked;
  persist();
  if (answers.embeddings) render('embeddings', answers.embeddings.seq, performance.now());
});
const embForm = form([field(S.embeddings.textLabel, embText), actionButton(S.embeddings.show, () => undefined, { submit: true }), expandLabel], () => {
  if (embText.value) ask({ view: 'embeddings', text: embText.value });
});
const embStrips = el('canvas');
embStrips.id = 'embeddings-strips';
const embTable = el('canvas');
embTable.id = 'embeddings-table';

function vectorText(v: readonly number[]): string {
  const shown = state.expanded ? v : v.slice(0, 8);
  return `[${shown.map(fmt).join(', ')}${shown.length < v.length ? ', …' : ''}]`;
}

function renderEmbeddings(body: HTMLElement, a: Answer<'embeddings'>, width: number): void {
  const d = a.rows[0]?.token.length ?? 0;
  expandText.textContent = S.embeddings.expand(d);
  const notes = [S.embeddings.intro, a.positional === 'learned' ? S.embeddings.learned : S.embeddings.sinusoidal];
  if (a.truncated) notes.push(S.embeddings.truncated(a.rows.length, a.totalTokens));
  const table = el('table');
  table.id = 'embeddings-rows';
  const c = S.embeddings.columns;
  const head = el('tr');
  for (const h of [c.position, c.token, c.modelId, c.tokenizerId, c.tokenRow, c.positionRow, c.sum, c.share]) head.append(el('th', undefined, h));
  table.append(head);
  a.rows.forEach((r, i) => {
    const t = a.tokens[i];
    const tr = el('tr');
    tr.append(
      el('td', 'num', String(r.position)),
      untranslated(el('td', 'token', t.label)),
      el('td', 'num', String(t.id)),
      el('td', 'num', externalId(t) ?? S.embeddings.noTokenizerId),
      el('td', 'vec', vectorText(r.token)),
      el('td', 'vec', vectorText(r.positionRow)),
      el('td', 'vec', vectorText(r.sum)),
      el('td', 'vec', S.embeddings.shareCell(fmt(r.tokenNorm), fmt(r.positionNorm), fmt(r.tokenCosine), fmt(r.positionCosine))),
    );
    table.append(tr);
  });
  body.append(...notes.map((n) => el('p', 'note', n)), table, wrap(embStrips), wrap(embTable));
  drawStrips(
    embStrips,
    currentTheme,
    S.embeddings.stripsTitle,
    [c.tokenRow, c.positionRow, c.sum],
    a.rows.map((r, i) => ({ label: `${r.position} ${a.tokens[i].label}`, vectors: [r.token, r.positionRow, r.sum] })),
    width,
  );
  const maxAbs = Math.max(Math.abs(a.table.min), Math.abs(a.table.max));
  drawHeatmap(embTable, currentTheme, a.table.values, a.table.rows, a.table.width, width, {
    heading: S.embeddings.tableTitle(a.table.rows, a.table.width),
    maxAbs,
    xLabel: S.dimensionAxis,
    yLabel: S.positionAxis,
  });
}

function wrap(canvas: HTMLCanvasElement): HTMLElement {
  const w = el('div', 'canvas-wrap');
  w.append(canvas);
  return w;
}

// ------------------------------------------------------------------------------------------------
// Tab 2: nearest tokens, the map, the positions

const nearQuery = textInput('nearest-query', S.nearest.queryPlaceholder, '', true);
const nearForm = form([field(S.nearest.queryLabel, nearQuery), actionButton(S.nearest.find, () => undefined, { submit: true })], () => {
  if (nearQuery.value) ask({ view: 'nearest', query: { text: nearQuery.value }, position: positionInput.valueAsNumber || 0 });
});
const mapSearch = el('input');
mapSearch.type = 'search';
mapSearch.id = 'nearest-search';
mapSearch.placeholder = S.nearest.searchPlaceholder;
mapSearch.addEventListener('input', () => answers.nearest && render('nearest', answers.nearest.seq, performance.now()));
const positionInput = el('input');
positionInput.type = 'number';
positionInput.id = 'nearest-position';
positionInput.min = '0';
positionInput.value = '0';
positionInput.addEventListener('change', () => {
  const last = state.requests.nearest;
  if (last?.view === 'nearest') ask({ ...last, position: positionInput.valueAsNumber || 0 });
});
const nearMap = el('canvas');
nearMap.id = 'nearest-map';
const nearPositions = el('canvas');
nearPositions.id = 'nearest-positions';

function rankedTable(id: string, items: (ModelToken & { cosine: number })[], onPick?: (t: ModelToken) => void): HTMLTableElement {
  const table = el('table');
  table.id = id;
  const c = S.nearest.columns;
  const head = el('tr');
  for (const h of [c.rank, c.token, c.ids, c.cosine]) head.append(el('th', undefined, h));
  table.append(head);
  items.forEach((n, i) => {
    const tr = el('tr');
    const tokenCell = untranslated(el('td', 'token'));
    if (onPick) {
      const b = el('button', 'link', n.label);
      b.type = 'button';
      b.title = S.nearest.lookUp(n.label);
      b.addEventListener('click', () => onPick(n));
      tokenCell.append(b);
    } else tokenCell.textContent = n.label;
    const cos = el('td', 'num');
    const bar = el('span', 'bar');
    bar.style.width = `${Math.round(Math.max(0, n.cosine) * 80)}px`;
    cos.append(bar, document.createTextNode(fmt(n.cosine)));
    tr.append(el('td', 'num', String(i + 1)), tokenCell, el('td', 'num', tokenIds(n)), cos);
    table.append(tr);
  });
  return table;
}

const lookUp = (t: ModelToken) => {
  nearQuery.value = '';
  ask({ view: 'nearest', query: { id: t.id }, position: positionInput.valueAsNumber || 0 });
};

function renderNearest(body: HTMLElement, a: Answer<'nearest'>, width: number): void {
  positionInput.max = String(a.positions.size - 1);
  positionInput.value = String(a.positions.position);
  const notes = [S.nearest.intro, S.nearest.query(a.query.map((t) => `${t.label} (${tokenIds(t)})`).join(' + '))];
  if (a.query.length > 1) notes.push(S.nearest.multiToken(a.query.length));
  const marks = new Map<number, PointMark>();
  const term = mapSearch.value.trim().toLowerCase();
  let matches = 0;
  if (term) {
    a.labels.forEach((label, i) => {
      if (label.toLowerCase().includes(term)) {
        marks.set(i, 'match');
        matches++;
      }
    });
  }
  for (const n of a.neighbours) marks.set(n.id, 'neighbour');
  for (const q of a.query) marks.set(q.id, 'query');
  const searchRow = el('div', 'controls');
  searchRow.append(field(S.nearest.searchLabel, mapSearch), el('span', 'muted', term ? S.nearest.matches(matches) : ''));
  const positions = el('div');
  positions.append(el('h2', undefined, S.nearest.positionsTitle), field(S.nearest.positionLabel, positionInput), el('p', 'note', S.nearest.positionIntro(a.positions.position)));
  const posList = el('table');
  posList.id = 'nearest-position-list';
  for (const p of a.positions.neighbours) {
    const tr = el('tr');
    tr.append(el('td', 'num', String(p.position)), el('td', 'num', fmt(p.cosine)));
    posList.append(tr);
  }
  positions.append(posList, wrap(nearPositions));
  body.append(...notes.map((n) => el('p', 'note', n)), rankedTable('nearest-list', a.neighbours, lookUp), searchRow, wrap(nearMap), positions);
  drawScatter(nearMap, currentTheme, a.map.coords, a.labels, marks, width, S.nearest.mapTitle(percent.format(a.map.explained[0]), percent.format(a.map.explained[1])));
  drawHeatmap(nearPositions, currentTheme, a.positions.similarity, a.positions.size, a.positions.size, Math.min(width, 480), {
    heading: S.nearest.positionsTitle,
    maxAbs: 1,
    xLabel: S.positionAxis,
    yLabel: S.positionAxis,
  });
}

// ------------------------------------------------------------------------------------------------
// Tab 3: analogies

const anaA = textInput('analogy-a', ' król');
const anaB = textInput('analogy-b', ' mężczyzna');
const anaC = textInput('analogy-c', ' kobieta');
const anaExpected = textInput('analogy-expected', ' królowa');
const anaInputs = el('input');
anaInputs.type = 'checkbox';
anaInputs.id = 'analogy-include';
const anaInputsLabel = el('label', 'check');
anaInputsLabel.append(anaInputs, el('span', undefined, S.analogy.includeInputs));
const solve = () => {
  if (anaA.value && anaB.value && anaC.value) {
    ask({ view: 'analogy', a: anaA.value, b: anaB.value, c: anaC.value, includeInputs: anaInputs.checked, ...(anaExpected.value.trim() ? { expected: anaExpected.value } : {}) });
  }
};
anaInputs.addEventListener('change', () => state.requests.analogy && solve());
const anaForm = form(
  [field(S.analogy.a, anaA), field(S.analogy.b, anaB), field(S.analogy.c, anaC), field(S.analogy.expected, anaExpected), anaInputsLabel, actionButton(S.analogy.solve, () => undefined, { submit: true })],
  solve,
);
const anaBars = el('canvas');
anaBars.id = 'analogy-bars';

function renderAnalogy(body: HTMLElement, a: Answer<'analogy'>, width: number): void {
  const words = [a.a, a.b, a.c, ...(a.expected ? [a.expected] : [])];
  const wordLines = words.map((w) => el('div', 'muted', S.analogy.wordTokens(JSON.stringify(w.text), w.tokens.map((t) => `${t.label} (${tokenIds(t)})`).join(' + '))));
  body.append(el('p', 'note', S.analogy.intro), el('p', 'note', S.analogy.multiToken), ...wordLines, el('p', 'note', S.analogy.honest));
  if (a.expected) {
    const line = S.analogy.expectedRank(JSON.stringify(a.expected.text), a.expected.rank, fmt(a.expected.cosine));
    const p = el('p', 'note', a.expected.multiToken ? `${line} ${S.analogy.expectedMean}` : line);
    p.id = 'analogy-expected-rank';
    body.append(p);
  }
  body.append(rankedTable('analogy-list', a.answers, lookUpFromOtherTab));
  if (a.excluded.length) body.append(el('p', 'muted', S.analogy.excluded(a.excluded.map((t) => t.label).join(', '))));
  body.append(wrap(anaBars));
  drawBars(anaBars, currentTheme, a.answers.map((n) => ({ label: n.label, value: n.cosine })), Math.min(width, 640), S.analogy.barsTitle, fmt, 1);
}

function lookUpFromOtherTab(t: ModelToken): void {
  selectTab('nearest', true);
  lookUp(t);
}

// ------------------------------------------------------------------------------------------------
// Tab 4: architecture

const archText = textInput('architecture-text', S.architecture.textPlaceholder, '', true);
const archForm = form([field(S.architecture.textLabel, archText), actionButton(S.architecture.apply, () => undefined, { submit: true })], () =>
  ask({ view: 'architecture', ...(archText.value ? { text: archText.value } : {}) }),
);
const archShares = el('canvas');
archShares.id = 'architecture-shares';

function renderArchitecture(body: HTMLElement, a: Answer<'architecture'>, width: number): void {
  const arch = a.architecture;
  const A = S.architecture;
  const shape = (s: number[]) => s.join(' × ');
  body.append(
    el('p', 'note', A.intro),
    el('p', 'note', A.totals(count.format(arch.total.parameters), bytes(arch.total.bytes), compact.format(arch.total.flopsPerToken), arch.tokens, a.forText)),
  );
  const diagram = el('div', 'diagram');
  diagram.id = 'architecture-diagram';
  const boxEl = (b: (typeof arch.boxes)[number]) => {
    const box = el('div', `box ${b.kind}`);
    box.dataset.box = b.id;
    const name = b.kind === 'positionEmbedding' && arch.config.positional === 'sinusoidal' ? `${A.kinds[b.kind]} (${A.positionsFixed})` : A.kinds[b.kind];
    box.append(el('div', 'name', name));
    box.append(el('div', 'detail', `${A.params(count.format(b.parameters), percent.format(b.share))} · ${A.bytesFlops(bytes(b.bytes), compact.format(b.flopsPerToken))} · ${A.shape(shape(b.activation))}`));
    const inner = Object.entries(b.inner);
    if (inner.length) box.append(el('div', 'detail', inner.map(([k, s]) => `${S.architecture.inner[k] ?? k} ${shape(s)}`).join(' · ')));
    if (b.tiedTo) box.append(el('div', 'detail', A.tied));
    if (b.kind === 'attention' && b.layer !== undefined) {
      const layer = b.layer;
      box.classList.add('clickable');
      box.tabIndex = 0;
      box.setAttribute('role', 'button');
      box.title = A.openAttention(layer);
      box.setAttribute('aria-label', A.openAttention(layer));
      const open = () => send({ type: 'openAttention', layer });
      box.addEventListener('click', open);
      box.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          open();
        }
      });
    }
    return box;
  };
  const blocks = new Map<number, HTMLElement>();
  for (const b of arch.boxes) {
    if (b.layer === undefined) {
      diagram.append(boxEl(b));
      continue;
    }
    let block = blocks.get(b.layer);
    if (!block) {
      block = el('div', 'block');
      block.append(el('div', 'caption', A.block(b.layer)));
      blocks.set(b.layer, block);
      diagram.append(block);
    }
    block.append(boxEl(b));
  }
  body.append(diagram, wrap(archShares));
  const bars = arch.boxes.filter((b) => b.parameters > 0).map((b) => ({ label: b.id, value: b.share }));
  drawBars(archShares, currentTheme, bars, Math.min(width, 640), A.sharesTitle, (v) => percent.format(v));
}

// ------------------------------------------------------------------------------------------------
// Tab 5: what training changed

const cmpAgainst = el('select');
cmpAgainst.id = 'compare-against';
for (const [value, label] of [
  ['initial', S.compare.initial],
  ['latest', S.compare.latest],
  ['folder', S.compare.folder],
] as const) {
  const o = el('option', undefined, label);
  o.value = value;
  cmpAgainst.append(o);
}
const cmpQuery = textInput('compare-query', S.nearest.queryPlaceholder, '', true);
const cmpForm = form([field(S.compare.against, cmpAgainst), field(S.compare.queryLabel, cmpQuery), actionButton(S.compare.compare, () => undefined, { submit: true })], () => {
  if (!cmpQuery.value) return;
  const kind = cmpAgainst.value as 'initial' | 'latest' | 'folder';
  // The host asks for the folder (a dialog) when the kind is 'folder' and no folder is named.
  ask({ view: 'compare', against: kind === 'folder' ? { kind, dir: '' } : { kind }, query: { text: cmpQuery.value } });
});
const cmpBars = el('canvas');
cmpBars.id = 'compare-bars';

function renderCompare(body: HTMLElement, a: Answer<'compare'>, width: number): void {
  const C = S.compare;
  cmpAgainst.value = a.against.kind;
  const stepText = (s?: number) => (s === undefined ? C.unknownStep : C.step(s));
  const columns = el('div', 'columns');
  const left = el('div');
  left.append(el('h2', undefined, C.before(stepText(a.steps.before))), rankedTable('compare-before', a.before));
  const right = el('div');
  right.append(el('h2', undefined, C.after(stepText(a.steps.after))), rankedTable('compare-after', a.after));
  columns.append(left, right);
  const moved = el('table');
  moved.id = 'compare-moved';
  const head = el('tr');
  for (const h of [C.movedColumns.token, C.movedColumns.cosine, C.movedColumns.norm]) head.append(el('th', undefined, h));
  moved.append(head);
  for (const m of a.moved) {
    const tr = el('tr');
    tr.append(untranslated(el('td', 'token', m.label)), el('td', 'num', fmt(m.cosine)), el('td', 'num', fmt(m.normChange)));
    moved.append(tr);
  }
  body.append(
    el('p', 'note', C.intro),
    el('p', 'note', C.common(a.common, a.after.length)),
    el('p', 'note', C.queryCosine(fmt(a.queryCosine))),
    columns,
    el('h2', undefined, C.moved),
    el('p', 'note', C.meanCosine(fmt(a.meanCosine))),
    moved,
    wrap(cmpBars),
  );
  drawBars(cmpBars, currentTheme, a.moved.map((m) => ({ label: m.label, value: 1 - m.cosine })), Math.min(width, 640), C.barsTitle, fmt, 2);
}

// ------------------------------------------------------------------------------------------------
// Drawing and reports

/** Puts a request's words back in its tab's form (after a reload, or a command from the editor). */
function fillForm(request: InspectRequest): void {
  const query = (q: { text: string } | { id: number }) => ('text' in q ? q.text : '');
  switch (request.view) {
    case 'embeddings':
      embText.value = request.text;
      break;
    case 'nearest':
      nearQuery.value = query(request.query);
      break;
    case 'analogy':
      [anaA.value, anaB.value, anaC.value, anaExpected.value] = [request.a, request.b, request.c, request.expected ?? ''];
      anaInputs.checked = !!request.includeInputs;
      break;
    case 'architecture':
      archText.value = request.text ?? '';
      break;
    case 'compare':
      cmpAgainst.value = request.against.kind;
      cmpQuery.value = query(request.query);
      break;
  }
}

const forms: Record<InspectorTab, HTMLElement> = { embeddings: embForm, nearest: nearForm, analogy: anaForm, architecture: archForm, compare: cmpForm };
for (const tab of INSPECTOR_TABS) panels.get(tab)!.append(forms[tab], statusBoxes.get(tab)!, bodies.get(tab)!);

function render(tab: InspectorTab, seq: number, started: number): void {
  const entry = answers[tab];
  const body = bodies.get(tab)!;
  body.replaceChildren();
  if (!entry) {
    body.append(el('p', 'muted', S.noAnswer));
    return;
  }
  const width = Math.max(320, Math.min(1100, (document.documentElement.clientWidth || 800) - 40));
  const a = entry.answer;
  switch (a.view) {
    case 'embeddings':
      renderEmbeddings(body, a, width);
      break;
    case 'nearest':
      renderNearest(body, a, width);
      break;
    case 'analogy':
      renderAnalogy(body, a, width);
      break;
    case 'architecture':
      renderArchitecture(body, a, width);
      break;
    case 'compare':
      renderCompare(body, a, width);
      break;
  }
  if (tab !== state.tab) return;
  requestAnimationFrame(() => send({ type: 'rendered', report: report(tab, seq, performance.now() - started) }));
}

function report(tab: InspectorTab, seq: number, renderMs: number): { seq: number; tab: InspectorTab; renderMs: number; canvases: CanvasReport[]; rows: number } {
  const panel = panels.get(tab)!;
  const canvases = [...panel.querySelectorAll('canvas')].map((c) => ({ id: c.id, ...pick(measureCanvas(c)) }));
  const main = panel.querySelector('table');
  return { seq, tab, renderMs: Math.round(renderMs * 10) / 10, canvases, rows: main ? main.querySelectorAll('tr').length - 1 : 0 };
}

function pick(m: { width: number; height: number; variance: number }): { width: number; height: number; variance: number } {
  return { width: m.width, height: m.height, variance: m.variance };
}

/** The tab's pictures, one under the other, as one PNG. */
function pngOfTab(tab: InspectorTab): string {
  const canvases = [...panels.get(tab)!.querySelectorAll('canvas')].filter((c) => c.width > 0 && c.height > 0);
  const out = document.createElement('canvas');
  out.width = Math.max(1, ...canvases.map((c) => c.width));
  out.height = Math.max(1, canvases.reduce((s, c) => s + c.height, 0));
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = getComputedStyle(document.body).backgroundColor || '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  let y = 0;
  for (const c of canvases) {
    ctx.drawImage(c, 0, y);
    y += c.height;
  }
  return out.toDataURL('image/png');
}

function savePng(requestId?: number): void {
  send({ type: 'savePng', tab: state.tab, dataUrl: pngOfTab(state.tab), ...(requestId !== undefined ? { requestId } : {}) });
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = event.data;
  if (!isInspectorToWebview(message)) return;
  switch (message.type) {
    case 'answer': {
      const started = performance.now();
      const tab = message.answer.view;
      answers[tab] = { seq: message.seq, answer: message.answer, request: message.request };
      fillForm(message.request);
      state.requests[tab] = message.request;
      persist();
      model = message.model;
      modelLine.textContent = S.model(model.label);
      setStatus(tab, '', undefined);
      if (message.reveal && state.tab !== tab) showTab(tab);
      render(tab, message.seq, started);
      return;
    }
    case 'status':
      setStatus(message.tab ?? state.tab, message.kind, message.message);
      return;
    case 'setTab':
      selectTab(message.tab, false);
      return;
    case 'requestPng':
      savePng(message.requestId);
      return;
    case 'selfCheck': {
      const entry = answers[state.tab];
      send({ type: 'selfCheck', requestId: message.requestId, report: report(state.tab, entry?.seq ?? 0, 0) });
      return;
    }
  }
});

// A theme change redraws the pictures in the new colours.
new MutationObserver(() => {
  currentTheme = theme();
  const entry = answers[state.tab];
  if (entry) render(state.tab, entry.seq, performance.now());
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

for (const tab of INSPECTOR_TABS) {
  const request = state.requests[tab];
  if (request) fillForm(request);
  render(tab, 0, 0);
}
send({ type: 'ready', state });
selectTab(state.tab, false);
