// The attention panel's page: what every head of the model looks at, on the user's own text.
//
//   Head view        one layer/head as a heatmap (queries as rows, keys as columns, masked triangle)
//   Model view       every layer × head as a thumbnail; a click opens it in the head view
//   Layer mean       the mean over the heads of a layer
//   Query bars       one query token's attention in every head, as bars
//
// Messages are those of `attention` in src/features/attention/protocol.ts. The page keeps its view (and where the
// text came from) with vscode.setState, so VS Code's reload brings the same panel back. The same bundle
// also runs outside VS Code, in the page "Save as HTML" writes: there the data is inlined in the page
// (script#lmx-attention-data) and there is no host to talk to.

import {
  base64ToFloat32,
  cellAt,
  exportBaseName,
  filterIndices,
  headMap,
  headName,
  hoverText,
  meanOverHeads,
  queryAcrossHeads,
  thumbnailAt,
  thumbnailGrid,
  toFloat32,
  truncationNotice,
  type AttentionMaps,
  type GridLayout,
  type HeatmapLayout,
  type BarsLayout,
} from '../../src/features/attention/core/attentionView';
import {
  isAttentionToWebview,
  type AttentionFromWebview,
  type AttentionPayload,
  type AttentionSource,
  type AttentionStatusKind,
  type AttentionToWebview,
  type AttentionViewKind,
  type AttentionViewState,
} from '../../src/features/attention/protocol';
import { modelTokenIds, modelVocabularyNote } from '../../src/features/tokens/core/modelTokenIds';
import { button, checkbox, dropdown, progressRing, radios, registerComponents, setEnabled, setText, type Choice } from '../components/index';
import {
  drawBars,
  drawHeatmap,
  drawModelView,
  layoutBars,
  layoutHeatmap,
  MapImages,
  measureCanvas,
  prepareCanvas,
  readTheme,
  TITLE_HEIGHT,
  type Theme,
} from './draw';
import css from './style.css';
import { strings as S } from './strings';

interface Persisted {
  view: AttentionViewState;
  source?: AttentionSource;
}

/** What "Save as HTML" inlines: the payload with the weights as base64. */
interface ExportedData {
  data: Omit<AttentionPayload, 'weights'> & { weights: string };
  view: AttentionViewState;
}

interface Host {
  post(message: AttentionFromWebview): void;
  getState(): Persisted | undefined;
  setState(state: Persisted): void;
}

const DEFAULT_VIEW: AttentionViewState = { view: 'head', layer: 0, head: 0, query: -1, follow: true, scale: 'linear', layerFilter: 'all', headFilter: 'all' };

function connect(): { host: Host; standalone: ExportedData | undefined } {
  if (typeof acquireVsCodeApi === 'function') {
    const api = acquireVsCodeApi<Persisted>();
    return { host: { post: (m) => api.postMessage(m), getState: () => api.getState(), setState: (s) => api.setState(s) }, standalone: undefined };
  }
  const script = document.getElementById('lmx-attention-data');
  const standalone = script?.textContent ? (JSON.parse(script.textContent) as ExportedData) : undefined;
  let kept: Persisted | undefined;
  return { host: { post: () => undefined, getState: () => kept, setState: (s) => (kept = s) }, standalone };
}

const { host, standalone } = connect();
const persisted = host.getState();
let view: AttentionViewState = { ...DEFAULT_VIEW, ...(persisted?.view ?? {}), ...(standalone?.view ?? {}) };
let source: AttentionSource | undefined = persisted?.source;
let data: AttentionPayload | undefined;
let maps: AttentionMaps | undefined;
let hover: { query: number; key: number } | { layer: number; head: number } | { row: number; key: number } | undefined;
let pendingReport: { seq: number; started: number } | undefined;

function send(message: AttentionFromWebview): void {
  host.post(message);
}

function persist(): void {
  host.setState({ view, ...(source ? { source } : {}) });
}

function el<K extends keyof HTMLElementTagNameMap>(tagName: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tagName);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// ------------------------------------------------------------------------------------------------
// Layout

registerComponents();
{
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
const app = document.getElementById('app') ?? document.body.appendChild(el('main'));
app.id = 'attention-app';

const header = el('header');
const titleBox = el('div', 'title');
titleBox.append(el('h1', undefined, S.title));
const sourceLine = el('div', 'source muted');
titleBox.append(sourceLine);
const actions = el('div', 'actions');
const refreshButton = button(S.refresh, { appearance: 'secondary', id: 'refresh', title: S.refreshTitle, onClick: () => send({ type: 'action', action: 'refresh' }) });
const pngButton = button(S.savePng, { appearance: 'secondary', id: 'save-png', title: S.savePngTitle, onClick: () => savePng() });
const htmlButton = button(S.saveHtml, {
  appearance: 'secondary',
  id: 'save-html',
  title: S.saveHtmlTitle,
  onClick: () => send({ type: 'saveHtml', ...themeSnapshot() }),
});
if (standalone) actions.append(pngButton);
else actions.append(refreshButton, pngButton, htmlButton);
header.append(titleBox, actions);

const statusBox = el('div', 'status');
statusBox.id = 'status';
statusBox.hidden = true;
const notice = el('div', 'notice');
notice.id = 'notice';
notice.hidden = true;

const controls = el('div', 'controls');
const viewChoices: Choice[] = [
  { value: 'head', label: S.views.head },
  { value: 'model', label: S.views.model },
  { value: 'layerMean', label: S.views.layerMean },
  { value: 'query', label: S.views.query },
];
const viewControl = radios(S.view, { id: 'view', choices: viewChoices, value: view.view, onChange: (v) => update({ view: v as AttentionViewKind }) });
const layerControl = dropdown(S.layer, { id: 'layer', choices: [{ value: '0', label: '1' }], onChange: (v) => update({ layer: Number(v) }) });
const headControl = dropdown(S.head, { id: 'head', choices: [{ value: '0', label: '1' }], onChange: (v) => update({ head: Number(v) }) });
const layerFilterControl = dropdown(S.layers, {
  id: 'layer-filter',
  title: S.layersTitle,
  choices: [{ value: 'all', label: S.all }],
  onChange: (v) => update({ layerFilter: v === 'all' ? 'all' : Number(v) }),
});
const headFilterControl = dropdown(S.heads, {
  id: 'head-filter',
  title: S.headsTitle,
  choices: [{ value: 'all', label: S.all }],
  onChange: (v) => update({ headFilter: v === 'all' ? 'all' : Number(v) }),
});
const scaleControl = dropdown(S.scale, {
  id: 'scale',
  title: S.scaleTitle,
  choices: [
    { value: 'linear', label: S.scales.linear },
    { value: 'sqrt', label: S.scales.sqrt },
    { value: 'max', label: S.scales.max },
  ],
  onChange: (v) => update({ scale: v === 'sqrt' || v === 'max' ? v : 'linear' }),
});
const followControl = checkbox(S.follow, {
  id: 'follow',
  title: S.followTitle,
  checked: view.follow,
  onChange: (on) => update({ follow: on }),
});
const queryInfo = el('div', 'query-info');
queryInfo.id = 'query-info';
controls.append(viewControl.element, layerControl.element, headControl.element, layerFilterControl.element, headFilterControl.element, scaleControl.element);
if (!standalone) controls.append(followControl.element);

const tokenStrip = el('div', 'tokens');
tokenStrip.id = 'tokens';
tokenStrip.setAttribute('role', 'listbox');
tokenStrip.setAttribute('aria-label', S.tokensAria);
// the tokens are the user's own text
tokenStrip.setAttribute('translate', 'no');

const canvasWrap = el('div', 'canvas-wrap');
const canvas = el('canvas');
canvas.id = 'view-canvas';
canvas.setAttribute('role', 'img');
const tooltip = el('div', 'tooltip');
tooltip.id = 'tooltip';
tooltip.setAttribute('role', 'tooltip');
tooltip.hidden = true;
canvasWrap.append(canvas, tooltip);
const hint = el('p', 'hint muted');

app.append(header, statusBox, notice, controls, queryInfo, tokenStrip, canvasWrap, hint);

// ------------------------------------------------------------------------------------------------
// State changes

function clampView(v: AttentionViewState): AttentionViewState {
  if (!maps) return v;
  const out = { ...v };
  out.layer = Math.max(0, Math.min(maps.nLayer - 1, Math.floor(out.layer) || 0));
  out.head = Math.max(0, Math.min(maps.nHead - 1, Math.floor(out.head) || 0));
  if (!(out.query >= 0 && out.query < maps.T)) out.query = maps.T - 1;
  if (out.layerFilter !== 'all' && !(out.layerFilter >= 0 && out.layerFilter < maps.nLayer)) out.layerFilter = 'all';
  if (out.headFilter !== 'all' && !(out.headFilter >= 0 && out.headFilter < maps.nHead)) out.headFilter = 'all';
  return out;
}

function update(patch: Partial<AttentionViewState>, options: { silent?: boolean } = {}): void {
  const before = JSON.stringify(view);
  view = clampView({ ...view, ...patch });
  if (JSON.stringify(view) === before) return;
  persist();
  syncControls();
  renderTokens();
  scheduleDraw();
  if (!options.silent) send({ type: 'viewChanged', view });
}

function syncControls(): void {
  viewControl.setValue(view.view);
  layerControl.setValue(String(view.layer));
  headControl.setValue(String(view.head));
  layerFilterControl.setValue(String(view.layerFilter));
  headFilterControl.setValue(String(view.headFilter));
  scaleControl.setValue(view.scale);
  followControl.setChecked(view.follow);
  const v = view.view;
  layerControl.element.hidden = !(v === 'head' || v === 'layerMean');
  headControl.element.hidden = v !== 'head';
  layerFilterControl.element.hidden = !(v === 'model' || v === 'query');
  headFilterControl.element.hidden = !(v === 'model' || v === 'query');
  scaleControl.element.hidden = v === 'query';
  setEnabled(pngButton, !!data);
  setEnabled(htmlButton, !!data);
  setEnabled(refreshButton, !!source);
  const hints: Record<AttentionViewKind, string> = {
    head: S.hints.head,
    model: S.hints.model,
    layerMean: S.hints.layerMean,
    query: S.hints.query,
  };
  setText(hint, hints[v]);
  if (data && maps) {
    const label = data.tokens[view.query]?.label ?? '';
    setText(queryInfo, S.queryInfo(view.query + 1, label, maps.T));
  } else setText(queryInfo, '');
}

function setChoices(): void {
  if (!maps) return;
  const range = (n: number): Choice[] => Array.from({ length: n }, (_, i) => ({ value: String(i), label: String(i + 1) }));
  layerControl.setChoices(range(maps.nLayer));
  headControl.setChoices(range(maps.nHead));
  layerFilterControl.setChoices([{ value: 'all', label: S.all }, ...range(maps.nLayer)]);
  headFilterControl.setChoices([{ value: 'all', label: S.all }, ...range(maps.nHead)]);
}

// ------------------------------------------------------------------------------------------------
// Tokens

let tokenButtons: HTMLElement[] = [];

function renderTokens(): void {
  if (!data) {
    tokenStrip.replaceChildren();
    tokenButtons = [];
    return;
  }
  if (tokenButtons.length !== data.tokens.length || tokenStrip.dataset.seq !== String(data.seq)) {
    tokenStrip.dataset.seq = String(data.seq);
    tokenButtons = data.tokens.map((t, i) => {
      const b = el('span', 'token', t.label === '' ? '∅' : t.label);
      b.setAttribute('role', 'option');
      b.tabIndex = -1;
      b.dataset.index = String(i);
      b.title = `#${i + 1} «${t.label}» — ${modelTokenIds(t)}${standalone ? '' : S.tokenTitleClick}\n${modelVocabularyNote()}`;
      return b;
    });
    tokenStrip.replaceChildren(...tokenButtons);
  }
  tokenButtons.forEach((b, i) => {
    const selected = i === view.query;
    b.classList.toggle('selected', selected);
    b.setAttribute('aria-selected', String(selected));
    b.tabIndex = selected ? 0 : -1;
  });
}

function chooseToken(index: number, reveal: boolean): void {
  if (!maps || index < 0 || index >= maps.T) return;
  update({ query: index });
  tokenButtons[index]?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  if (reveal) send({ type: 'tokenClicked', index });
}

tokenStrip.addEventListener('click', (event) => {
  const target = (event.target as HTMLElement).closest('.token') as HTMLElement | null;
  if (!target) return;
  chooseToken(Number(target.dataset.index), true);
});
tokenStrip.addEventListener('keydown', (event) => {
  if (!maps) return;
  const step = event.key === 'ArrowRight' || event.key === 'ArrowDown' ? 1 : event.key === 'ArrowLeft' || event.key === 'ArrowUp' ? -1 : 0;
  if (step) {
    event.preventDefault();
    chooseToken(Math.max(0, Math.min(maps.T - 1, view.query + step)), true);
    tokenButtons[view.query]?.focus();
  } else if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    send({ type: 'tokenClicked', index: view.query });
  }
});

// ------------------------------------------------------------------------------------------------
// Drawing

const images = new MapImages();
let theme: Theme | undefined;
let lastLayout:
  | { kind: 'heatmap'; layout: HeatmapLayout }
  | { kind: 'model'; grid: GridLayout; layers: number[]; heads: number[] }
  | { kind: 'bars'; layout: BarsLayout; rows: { layer: number; head: number }[] }
  | undefined;
let drawScheduled = false;

function scheduleDraw(): void {
  if (drawScheduled) return;
  drawScheduled = true;
  requestAnimationFrame(() => {
    drawScheduled = false;
    draw();
  });
}

function availableWidth(): number {
  return Math.max(260, canvasWrap.clientWidth - 2);
}

function draw(): void {
  const d = data;
  const m = maps;
  if (!d || !m) {
    canvasWrap.hidden = true;
    return;
  }
  canvasWrap.hidden = false;
  const probe = canvas.getContext('2d')!;
  theme ??= readTheme(probe);
  images.reset(`${d.seq}|${view.scale}|${theme.key}`);
  const t = theme;
  const labels = d.tokens.map((x) => x.label);
  const causal = d.causal !== false;
  const width = availableWidth();
  const visibleHeight = Math.max(320, window.innerHeight - canvasWrap.getBoundingClientRect().top + window.scrollY - 16);
  const image = (l: number, h: number) => images.get(`${l}/${h}`, headMap(m, l, h), m.T, t, view.scale, causal);
  const h = hover;
  switch (view.view) {
    case 'head':
    case 'layerMean': {
      const layout = layoutHeatmap(probe, t, m.T, labels, width, Math.max(visibleHeight, 360) - TITLE_HEIGHT);
      const ctx = prepareCanvas(canvas, Math.max(layout.width, 260), layout.height + TITLE_HEIGHT);
      const mean = view.view === 'layerMean';
      const map = mean ? meanOverHeads(m, view.layer) : headMap(m, view.layer, view.head);
      const img = mean ? images.get(`mean/${view.layer}`, map, m.T, t, view.scale, causal) : image(view.layer, view.head);
      drawHeatmap(
        ctx,
        t,
        layout,
        {
          title: mean ? S.layerMeanTitle(view.layer + 1, m.nHead) : headName(view.layer, view.head),
          map,
          T: m.T,
          labels,
          scale: view.scale,
          query: view.query,
          ...(h && 'query' in h ? { hover: h } : {}),
          image: img,
          causal,
        },
        Math.max(layout.width, 260),
      );
      lastLayout = { kind: 'heatmap', layout };
      canvas.setAttribute('aria-label', S.attentionOfAria(mean ? S.layerMeanAria(view.layer + 1) : headName(view.layer, view.head), m.T));
      break;
    }
    case 'model': {
      const layers = filterIndices(m.nLayer, view.layerFilter);
      const heads = filterIndices(m.nHead, view.headFilter);
      const grid = thumbnailGrid(layers.length, heads.length, width);
      const ctx = prepareCanvas(canvas, grid.width, grid.height + TITLE_HEIGHT);
      drawModelView(
        ctx,
        t,
        grid,
        {
          maps: m,
          layers,
          heads,
          selected: { layer: view.layer, head: view.head },
          ...(h && 'layer' in h ? { hover: h } : {}),
          images: image,
          title: `${S.allHeadsTitle(m.nLayer, m.nHead)}${layers.length < m.nLayer || heads.length < m.nHead ? S.showing(layers.length, heads.length) : ''}`,
        },
        grid.width,
      );
      lastLayout = { kind: 'model', grid, layers, heads };
      canvas.setAttribute('aria-label', S.modelViewAria(layers.length, heads.length));
      break;
    }
    case 'query': {
      const layers = new Set(filterIndices(m.nLayer, view.layerFilter));
      const heads = new Set(filterIndices(m.nHead, view.headFilter));
      const rows = queryAcrossHeads(m, view.query, causal).filter((r) => layers.has(r.layer) && heads.has(r.head));
      const keyLabels = labels.slice(0, view.query + 1);
      const layout = layoutBars(probe, t, rows.length, keyLabels, width);
      const ctx = prepareCanvas(canvas, Math.max(layout.width, 260), layout.height + TITLE_HEIGHT);
      drawBars(
        ctx,
        t,
        layout,
        { title: S.whereLooks(labels[view.query], view.query + 1), rows, labels: keyLabels, query: view.query, ...(h && 'row' in h ? { hover: h } : {}) },
        Math.max(layout.width, 260),
      );
      lastLayout = { kind: 'bars', layout, rows: rows.map((r) => ({ layer: r.layer, head: r.head })) };
      canvas.setAttribute('aria-label', S.queryAria(view.query + 1, rows.length));
      break;
    }
  }
  if (pendingReport && pendingReport.seq === d.seq) {
    const report = pendingReport;
    pendingReport = undefined;
    // the frame is on screen once the next one starts
    const sendReport = () =>
      send({ type: 'rendered', report: { seq: report.seq, view: view.view, renderMs: Math.round(performance.now() - report.started), canvas: measureCanvas(canvas), notice: noticeText(), query: view.query } });
    let sent = false;
    const once = () => {
      if (sent) return;
      sent = true;
      sendReport();
    };
    requestAnimationFrame(once);
    setTimeout(once, 250);
  }
}

// ------------------------------------------------------------------------------------------------
// Hover and clicks on the canvas

function canvasPoint(event: MouseEvent): { x: number; y: number } {
  const r = canvas.getBoundingClientRect();
  return { x: event.clientX - r.left, y: event.clientY - r.top - TITLE_HEIGHT };
}

function showTooltip(text: string | undefined, event?: MouseEvent): void {
  if (!text || !event) {
    tooltip.hidden = true;
    return;
  }
  tooltip.textContent = text;
  tooltip.hidden = false;
  const wrap = canvasWrap.getBoundingClientRect();
  const x = event.clientX - wrap.left + 14;
  const y = event.clientY - wrap.top + 16;
  const maxX = canvasWrap.clientWidth - tooltip.offsetWidth - 4;
  tooltip.style.left = `${Math.max(0, Math.min(x, maxX))}px`;
  tooltip.style.top = `${y}px`;
}

function hitTest(event: MouseEvent):
  | { kind: 'cell'; query: number; key: number }
  | { kind: 'thumb'; layer: number; head: number }
  | { kind: 'bar'; row: number; key: number }
  | undefined {
  const m = maps;
  if (!m || !lastLayout) return undefined;
  const { x, y } = canvasPoint(event);
  if (lastLayout.kind === 'heatmap') {
    const c = cellAt(lastLayout.layout, m.T, x, y);
    return c ? { kind: 'cell', ...c } : undefined;
  }
  if (lastLayout.kind === 'model') {
    const t = thumbnailAt(lastLayout.grid, x, y);
    return t ? { kind: 'thumb', layer: lastLayout.layers[t.row], head: lastLayout.heads[t.col] } : undefined;
  }
  const { layout, rows } = lastLayout;
  const row = Math.floor((y - layout.y0) / layout.rowHeight);
  const key = Math.floor((x - layout.x0) / layout.barWidth);
  if (row < 0 || row >= rows.length || key < 0 || key > view.query) return undefined;
  return { kind: 'bar', row, key };
}

function sameHover(a: typeof hover, b: typeof hover): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

canvas.addEventListener('mousemove', (event) => {
  const m = maps;
  const d = data;
  if (!m || !d) return;
  const hit = hitTest(event);
  let next: typeof hover;
  let text: string | undefined;
  if (hit?.kind === 'cell') {
    next = { query: hit.query, key: hit.key };
    const map = view.view === 'layerMean' ? meanOverHeads(m, view.layer) : headMap(m, view.layer, view.head);
    text = hoverText(d.tokens[hit.query].label, d.tokens[hit.key].label, map[hit.query * m.T + hit.key], d.causal !== false && hit.key > hit.query);
  } else if (hit?.kind === 'thumb') {
    next = { layer: hit.layer, head: hit.head };
    text = S.clickToOpen(headName(hit.layer, hit.head));
  } else if (hit?.kind === 'bar' && lastLayout?.kind === 'bars') {
    next = { row: hit.row, key: hit.key };
    const r = lastLayout.rows[hit.row];
    const value = headMap(m, r.layer, r.head)[view.query * m.T + hit.key];
    text = `${hoverText(d.tokens[view.query].label, d.tokens[hit.key].label, value, false)} (${headName(r.layer, r.head)})`;
  }
  canvas.style.cursor = hit ? 'pointer' : 'default';
  showTooltip(text, event);
  if (!sameHover(hover, next)) {
    hover = next;
    scheduleDraw();
  }
});

canvas.addEventListener('mouseleave', () => {
  showTooltip(undefined);
  if (hover) {
    hover = undefined;
    scheduleDraw();
  }
});

canvas.addEventListener('click', (event) => {
  const hit = hitTest(event);
  if (!hit) return;
  if (hit.kind === 'cell') chooseToken(hit.query, true);
  else if (hit.kind === 'thumb') {
    hover = undefined;
    showTooltip(undefined);
    update({ view: 'head', layer: hit.layer, head: hit.head });
  } else if (hit.kind === 'bar' && lastLayout?.kind === 'bars') {
    const r = lastLayout.rows[hit.row];
    hover = undefined;
    showTooltip(undefined);
    update({ view: 'head', layer: r.layer, head: r.head });
  }
});

// ------------------------------------------------------------------------------------------------
// Status, notices

function showStatus(kind: AttentionStatusKind | undefined, message = ''): void {
  app.classList.toggle('loading', kind === 'loading');
  if (kind === 'stale') {
    renderNotice(message);
    return;
  }
  if (!kind) {
    statusBox.hidden = true;
    statusBox.replaceChildren();
    return;
  }
  statusBox.hidden = false;
  statusBox.dataset.kind = kind;
  const parts: Node[] = [];
  if (kind === 'loading') parts.push(progressRing());
  parts.push(el('span', 'status-text', message));
  if (kind === 'no-model') {
    parts.push(button(S.trainModel, { id: 'train', onClick: () => send({ type: 'action', action: 'train' }), title: S.trainModelTitle }));
  }
  statusBox.replaceChildren(...parts);
}

function noticeText(): string {
  return notice.hidden ? '' : (notice.textContent ?? '');
}

function renderNotice(extra?: string): void {
  const lines: string[] = [];
  if (data?.truncated) lines.push(truncationNotice(data.totalTokens, data.tokens.length, data.contextLength));
  if (extra) lines.push(extra);
  notice.hidden = lines.length === 0;
  notice.replaceChildren(...lines.map((l) => el('div', undefined, l)));
}

function setData(payload: AttentionPayload, patch?: Partial<AttentionViewState>): void {
  const T = payload.tokens.length;
  if (payload.weights.length !== payload.nLayer * payload.nHead * T * T) {
    send({ type: 'log', message: `attention data has ${payload.weights.length} weights, expected ${payload.nLayer * payload.nHead * T * T}` });
    return;
  }
  const sameText = data && source && payload.source && payload.source.uri === source.uri && payload.source.start === source.start && payload.source.end === source.end;
  data = payload;
  maps = { nLayer: payload.nLayer, nHead: payload.nHead, T, weights: toFloat32(payload.weights) };
  if (payload.source) source = payload.source;
  hover = undefined;
  showTooltip(undefined);
  setChoices();
  // a new text starts with its last token as the query (what the model predicts from)
  view = clampView({ ...view, ...(sameText ? {} : { query: T - 1 }), ...(patch ?? {}) });
  persist();
  send({ type: 'viewChanged', view });
  setText(sourceLine, `${payload.sourceLabel} · ${S.tokens(T)}${payload.truncated ? S.ofTotal(payload.totalTokens) : ''} · ${payload.modelLabel}`);
  showStatus(undefined);
  renderNotice();
  syncControls();
  renderTokens();
  scheduleDraw();
}

// ------------------------------------------------------------------------------------------------
// Exports

function pngName(): string {
  return `${exportBaseName(view)}.png`;
}

function savePng(requestId?: number): void {
  if (!data) return;
  const dataUrl = canvas.toDataURL('image/png');
  if (standalone) {
    const a = el('a');
    a.href = dataUrl;
    a.download = pngName();
    a.click();
    return;
  }
  send({ type: 'png', dataUrl, name: pngName(), ...(requestId !== undefined ? { requestId } : {}) });
}

/** The theme's colours as CSS variables, so the exported page looks like this one. */
function themeSnapshot(): { themeVars: Record<string, string>; themeKind: string } {
  const themeVars: Record<string, string> = {};
  const collect = (style: CSSStyleDeclaration) => {
    for (let i = 0; i < style.length; i++) {
      const name = style.item(i);
      if (name.startsWith('--vscode-')) themeVars[name] = style.getPropertyValue(name).trim();
    }
  };
  collect(document.documentElement.style);
  if (Object.keys(themeVars).length === 0) {
    // outside VS Code (an exported page exported again): the variables are in a style sheet
    const computed = getComputedStyle(document.documentElement);
    for (const name of ['--vscode-editor-background', '--vscode-editor-foreground', '--vscode-foreground', '--vscode-charts-blue', '--vscode-charts-orange', '--vscode-font-family', '--vscode-editor-font-family']) {
      const v = computed.getPropertyValue(name).trim();
      if (v) themeVars[name] = v;
    }
  }
  const themeKind = document.body.dataset.vscodeThemeKind ?? (document.body.classList.contains('vscode-light') ? 'vscode-light' : 'vscode-dark');
  return { themeVars, themeKind };
}

// ------------------------------------------------------------------------------------------------
// Messages from the host

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data;
  if (!isAttentionToWebview(msg)) return;
  switch (msg.type) {
    case 'data':
      pendingReport = { seq: msg.data.seq, started: performance.now() };
      setData(msg.data, msg.view);
      return;
    case 'status':
      showStatus(msg.kind, msg.message);
      return;
    case 'focusToken':
      chooseToken(msg.index, false);
      return;
    case 'setView':
      if (data) pendingReport = { seq: data.seq, started: performance.now() };
      hover = undefined;
      update(msg.view, { silent: true });
      send({ type: 'viewChanged', view });
      if (data) scheduleDraw();
      return;
    case 'requestPng':
      savePng(msg.requestId);
      return;
    case 'requestHtml':
      send({ type: 'saveHtml', ...themeSnapshot(), requestId: msg.requestId });
      return;
    case 'selfCheck':
      draw();
      send({ type: 'rendered', report: { seq: data?.seq ?? -1, view: view.view, renderMs: 0, canvas: measureCanvas(canvas), selfCheck: true, notice: noticeText(), query: view.query } });
      return;
  }
});

// Theme changes: VS Code swaps the body's class and the variables on <html>.
const themeObserver = new MutationObserver(() => {
  theme = undefined;
  scheduleDraw();
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
new ResizeObserver(() => scheduleDraw()).observe(canvasWrap);

syncControls();
if (standalone) {
  const d = standalone.data;
  setData({ ...d, weights: base64ToFloat32(d.weights) }, standalone.view);
} else {
  if (source) showStatus('loading', S.running);
  send({ type: 'ready' });
}
