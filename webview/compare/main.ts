// Compare Causal and Bidirectional: one decoder head beside one encoder head on the same text. Each side has
// its heading (the kind), the line that says what its attention may use, its own layer and head pickers,
// and the heatmap the attention panel draws (webview/attention/draw.ts, its styles adopted first). A side
// without a model says which one is missing and offers to train one or to choose a model folder.
//
// Messages are those of src/features/compare/protocol.ts; the page keeps its view and where the text came
// from with vscode.setState, so VS Code's reload brings the same comparison back.

import { headMap, toFloat32, type AttentionMaps } from '../../src/features/attention/core/attentionMaps';
import { cellAt } from '../../src/features/attention/core/mapLayout';
import { headName, hoverText, truncationNotice } from '../../src/features/attention/core/panelText';
import {
  COMPARE_KINDS,
  isCompareToWebview,
  type CompareFromWebview,
  type CompareHead,
  type ComparePayload,
  type CompareRenderReport,
  type CompareSide,
  type CompareSideData,
  type CompareSideReport,
  type CompareSource,
  type CompareStatusKind,
  type CompareViewState,
} from '../../src/features/compare/protocol';
import type { HeatmapLayout } from '../../src/features/attention/core/mapLayout';
import type { ModelKind } from '../../src/engine/model';
import { adoptPageStyles, button, dropdown, progressRing, registerComponents, setText, type Choice, type SelectControl } from '../components/index';
import { drawHeatmap, layoutHeatmap, MapImages, measureCanvas, prepareCanvas, readTheme, TITLE_HEIGHT, type Theme } from '../attention/draw';
import { el } from '../attention/layout';
import { strings as AttentionStrings } from '../attention/strings';
import attentionCss from '../attention/style.css';
import { paintedShares } from './measure';
import { strings as S } from './strings';
import css from './style.css';

interface Persisted {
  view: CompareViewState;
  source?: CompareSource;
}

const api = acquireVsCodeApi<Persisted>();
const send = (message: CompareFromWebview) => api.postMessage(message);
const DEFAULT_VIEW: CompareViewState = { decoder: { layer: 0, head: 0 }, encoder: { layer: 0, head: 0 } };
const persisted = api.getState();
let view: CompareViewState = { ...DEFAULT_VIEW, ...(persisted?.view ?? {}) };
let source: CompareSource | undefined = persisted?.source;
let data: ComparePayload | undefined;
let theme: Theme | undefined;
let pendingSeq: number | undefined;
let drawScheduled = false;

registerComponents();
// the attention page's rules (header, status, notice, controls, canvas) over webview/base.css, then the sides'
adoptPageStyles(attentionCss);
adoptPageStyles(css);

/** One side of the page: its elements and what it last drew. */
interface Side {
  kind: ModelKind;
  section: HTMLElement;
  modelLine: HTMLElement;
  notice: HTMLElement;
  status: HTMLElement;
  controls: HTMLElement;
  layer: SelectControl;
  head: SelectControl;
  wrap: HTMLElement;
  canvas: HTMLCanvasElement;
  images: MapImages;
  maps?: AttentionMaps;
  layout?: HeatmapLayout;
  measured?: CompareSideReport;
}

const app = document.getElementById('app') ?? document.body.appendChild(el('main'));
app.id = 'compare-app';
const header = el('header');
const titleBox = el('div', 'title');
const sourceLine = el('div', 'source muted');
titleBox.append(el('h1', undefined, S.title), sourceLine);
const actions = el('div', 'actions');
actions.append(button(S.refresh, { appearance: 'secondary', id: 'refresh', title: S.refreshTitle, onClick: () => send({ type: 'refresh' }) }));
header.append(titleBox, actions);
const statusBox = el('div', 'status');
statusBox.id = 'status';
statusBox.hidden = true;
const lead = el('p', 'lead muted', S.lead);
const sidesBox = el('div', 'sides');
app.append(header, statusBox, lead, sidesBox);

const sides = Object.fromEntries(COMPARE_KINDS.map((kind) => [kind, buildSide(kind)])) as Record<ModelKind, Side>;

function buildSide(kind: ModelKind): Side {
  const section = el('section', 'side');
  section.id = `side-${kind}`;
  section.setAttribute('aria-label', S.heading[kind]);
  const modelLine = el('div', 'model-line muted');
  const notice = el('div', 'notice');
  notice.hidden = true;
  const status = el('div', 'status');
  status.hidden = true;
  const controls = el('div', 'controls');
  const pick = (patch: Partial<CompareHead>) => update(kind, patch);
  const layer = dropdown(S.layer, { id: `${kind}-layer`, choices: [{ value: '0', label: '1' }], onChange: (v) => pick({ layer: Number(v) }) });
  const head = dropdown(S.head, { id: `${kind}-head`, choices: [{ value: '0', label: '1' }], onChange: (v) => pick({ head: Number(v) }) });
  controls.append(layer.element, head.element);
  const wrap = el('div', 'canvas-wrap');
  const canvas = el('canvas');
  canvas.id = `${kind}-canvas`;
  canvas.setAttribute('role', 'img');
  wrap.append(canvas);
  section.append(el('h2', undefined, S.heading[kind]), el('p', 'explanation', S.explanation[kind]), modelLine, notice, status, controls, wrap);
  sidesBox.append(section);
  const side: Side = { kind, section, modelLine, notice, status, controls, layer, head, wrap, canvas, images: new MapImages() };
  canvas.addEventListener('mousemove', (event) => {
    const d = data?.sides[kind];
    if (!side.maps || !side.layout || d?.status !== 'ready') return;
    const r = canvas.getBoundingClientRect();
    const cell = cellAt(side.layout, side.maps.T, event.clientX - r.left, event.clientY - r.top - TITLE_HEIGHT);
    const v = view[kind];
    canvas.title = cell
      ? hoverText(d.tokens[cell.query].label, d.tokens[cell.key].label, headMap(side.maps, v.layer, v.head)[cell.query * side.maps.T + cell.key], kind === 'decoder' && cell.key > cell.query)
      : '';
  });
  return side;
}

function persist(): void {
  api.setState({ view, ...(source ? { source } : {}) });
}

/** The view with each side's layer and head within its model. */
function clamp(next: CompareViewState): CompareViewState {
  const out = { ...next };
  for (const kind of COMPARE_KINDS) {
    const m = sides[kind].maps;
    if (!m) continue;
    const within = (v: number, n: number) => Math.max(0, Math.min(n - 1, Math.floor(v) || 0));
    out[kind] = { layer: within(next[kind].layer, m.nLayer), head: within(next[kind].head, m.nHead) };
  }
  return out;
}

function update(kind: ModelKind, patch: Partial<CompareHead>): void {
  const before = JSON.stringify(view);
  view = clamp({ ...view, [kind]: { ...view[kind], ...patch } });
  if (JSON.stringify(view) === before) return;
  persist();
  syncControls();
  scheduleDraw();
  send({ type: 'viewChanged', view });
}

function syncControls(): void {
  for (const kind of COMPARE_KINDS) {
    sides[kind].layer.setValue(String(view[kind].layer));
    sides[kind].head.setValue(String(view[kind].head));
  }
}

function showStatus(kind: CompareStatusKind | undefined, message = ''): void {
  app.classList.toggle('loading', kind === 'loading');
  statusBox.hidden = !kind;
  if (!kind) {
    statusBox.replaceChildren();
    return;
  }
  statusBox.dataset.kind = kind;
  statusBox.replaceChildren(...(kind === 'loading' ? [progressRing(S.running)] : []), el('span', 'status-text', message));
}

function setSide(side: Side, d: CompareSide): void {
  side.measured = undefined;
  side.layout = undefined;
  if (d.status !== 'ready') {
    side.maps = undefined;
    side.modelLine.hidden = true;
    side.notice.hidden = true;
    side.controls.hidden = true;
    side.wrap.hidden = true;
    side.status.hidden = false;
    side.status.dataset.kind = d.status === 'error' ? 'error' : 'no-model';
    side.status.replaceChildren(
      el('span', 'status-text', d.message),
      button(S.train[d.kind], { id: `train-${d.kind}`, title: S.trainTitle[d.kind], onClick: () => send({ type: 'action', action: 'train', kind: d.kind }) }),
      button(S.chooseFolder, { appearance: 'secondary', id: `choose-${d.kind}`, title: S.chooseFolderTitle, onClick: () => send({ type: 'action', action: 'chooseFolder', kind: d.kind }) }),
    );
    return;
  }
  const T = d.tokens.length;
  if (d.weights.length !== d.nLayer * d.nHead * T * T) {
    send({ type: 'log', message: `${d.kind} data has ${d.weights.length} weights, expected ${d.nLayer * d.nHead * T * T}` });
    return;
  }
  side.maps = { nLayer: d.nLayer, nHead: d.nHead, T, weights: toFloat32(d.weights) };
  side.status.hidden = true;
  side.controls.hidden = false;
  side.wrap.hidden = false;
  side.modelLine.hidden = false;
  setText(side.modelLine, d.origin === 'folder' ? S.origin.folder(d.dir, d.modelLabel) : S.origin[d.origin](d.modelLabel));
  side.modelLine.title = d.dir;
  side.notice.hidden = !d.truncated;
  setText(side.notice, d.truncated ? truncationNotice(d.totalTokens, T, d.contextLength) : '');
  const range = (n: number): Choice[] => Array.from({ length: n }, (_, i) => ({ value: String(i), label: String(i + 1) }));
  side.layer.setChoices(range(d.nLayer));
  side.head.setChoices(range(d.nHead));
}

function setData(payload: ComparePayload, patch?: Partial<CompareViewState>): void {
  data = payload;
  if (payload.source) source = payload.source;
  for (const kind of COMPARE_KINDS) setSide(sides[kind], payload.sides[kind]);
  view = clamp({ ...view, ...(patch ?? {}) });
  persist();
  send({ type: 'viewChanged', view });
  const ready = COMPARE_KINDS.map((k) => payload.sides[k]).find((s): s is CompareSideData => s.status === 'ready');
  setText(sourceLine, ready ? `${payload.sourceLabel} · ${S.tokens(ready.tokens.length)}` : payload.sourceLabel);
  showStatus(undefined);
  syncControls();
  scheduleDraw();
}

function scheduleDraw(): void {
  if (drawScheduled) return;
  drawScheduled = true;
  requestAnimationFrame(() => {
    drawScheduled = false;
    draw();
  });
}

function drawSide(side: Side, d: CompareSideData): void {
  const m = side.maps;
  if (!m || !theme) return;
  const v = view[side.kind];
  const causal = side.kind === 'decoder';
  const labels = d.tokens.map((t) => t.label);
  const probe = side.canvas.getContext('2d')!;
  side.images.reset(`${data?.seq}|${theme.key}`);
  // room right of the legend for its "masked" caption, where a language's word is wider than the legend
  probe.font = `10px ${theme.uiFont}`;
  const captionRoom = causal ? Math.max(0, Math.ceil(probe.measureText(AttentionStrings.masked).width) - 52) : 0;
  const width = Math.max(260, side.wrap.clientWidth - 2 - captionRoom);
  const layout = layoutHeatmap(probe, theme, m.T, labels, width, Math.max(320, Math.min(width, window.innerHeight - 120)) - TITLE_HEIGHT);
  const canvasWidth = Math.max(layout.width + captionRoom, 260);
  const ctx = prepareCanvas(side.canvas, canvasWidth, layout.height + TITLE_HEIGHT);
  const map = headMap(m, v.layer, v.head);
  const image = side.images.get(`${v.layer}/${v.head}`, map, m.T, theme, 'linear', causal);
  drawHeatmap(ctx, theme, layout, { title: headName(v.layer, v.head), map, T: m.T, labels, scale: 'linear', image, causal }, canvasWidth);
  side.layout = layout;
  side.canvas.setAttribute('aria-label', S.sideAria(`${S.heading[side.kind]}, ${headName(v.layer, v.head)}`, m.T));
  const dpr = side.canvas.width / canvasWidth;
  const pixels = ctx.getImageData(0, 0, side.canvas.width, side.canvas.height);
  side.measured = {
    layer: v.layer,
    head: v.head,
    T: m.T,
    canvas: measureCanvas(side.canvas),
    ...paintedShares(pixels, dpr, layout, TITLE_HEIGHT, map, m.T, theme.lut),
    heading: S.heading[side.kind],
    explanation: S.explanation[side.kind],
  };
}

function draw(): void {
  if (!data) return;
  theme ??= readTheme(sides.decoder.canvas.getContext('2d')!);
  for (const kind of COMPARE_KINDS) {
    const d = data.sides[kind];
    if (d.status === 'ready') drawSide(sides[kind], d);
  }
  if (pendingSeq === data.seq) {
    pendingSeq = undefined;
    // the frame is on screen once the next one starts
    requestAnimationFrame(() => send({ type: 'rendered', report: report() }));
  }
}

function report(selfCheck = false): CompareRenderReport {
  const [left, right] = COMPARE_KINDS.map((k) => sides[k].section.getBoundingClientRect());
  const sideBySide = Math.abs(left.top - right.top) < 1 && right.left >= left.right;
  const out: CompareRenderReport = { seq: data?.seq ?? -1, sides: {}, missing: {}, sideBySide, ...(selfCheck ? { selfCheck } : {}) };
  for (const kind of COMPARE_KINDS) {
    const d = data?.sides[kind];
    if (d?.status === 'ready' && sides[kind].measured) out.sides[kind] = sides[kind].measured;
    else if (d && d.status !== 'ready') {
      const buttons = Array.from(sides[kind].status.querySelectorAll('vscode-button')).map((b) => b.textContent ?? '');
      out.missing[kind] = { message: d.message, buttons };
    }
  }
  return out;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data;
  if (!isCompareToWebview(msg)) return;
  switch (msg.type) {
    case 'data':
      pendingSeq = msg.data.seq;
      setData(msg.data, msg.view);
      return;
    case 'status':
      showStatus(msg.kind, msg.message);
      return;
    case 'setView':
      if (data) pendingSeq = data.seq;
      view = clamp({ ...view, ...msg.view });
      persist();
      syncControls();
      send({ type: 'viewChanged', view });
      scheduleDraw();
      return;
    case 'selfCheck':
      draw();
      send({ type: 'rendered', report: report(true) });
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
new ResizeObserver(() => scheduleDraw()).observe(sidesBox);

syncControls();
if (source) showStatus('loading', S.running);
send({ type: 'ready' });
