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

import { base64ToFloat32, headMap, meanOverHeads, toFloat32 } from '../../src/features/attention/core/attentionMaps';
import { headName, hoverText, truncationNotice } from '../../src/features/attention/core/panelText';
import {
  isAttentionToWebview,
  type AttentionFromWebview,
  type AttentionPayload,
  type AttentionSource,
  type AttentionStatusKind,
  type AttentionViewKind,
  type AttentionViewState,
} from '../../src/features/attention/protocol';
import { modelTokenIds, modelVocabularyNote } from '../../src/features/tokens/core/modelTokenIds';
import { button, progressRing, setEnabled, setText, type Choice } from '../components/index';
import { MapImages, measureCanvas } from './draw';
import { drawView, hitTest } from './canvasView';
import { pngName, themeSnapshot } from './exportView';
import { buildPage, el } from './layout';
import { createPageState, type Hover } from './pageState';
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
const state = createPageState({ ...DEFAULT_VIEW, ...(persisted?.view ?? {}), ...(standalone?.view ?? {}) }, persisted?.source);

function send(message: AttentionFromWebview): void {
  host.post(message);
}

function persist(): void {
  host.setState({ view: state.view, ...(state.source ? { source: state.source } : {}) });
}


// ------------------------------------------------------------------------------------------------
// Layout

const { app, header, titleBox, sourceLine, actions, refreshButton, compareButton, pngButton, htmlButton, statusBox, notice, controls, viewControl, layerControl, headControl, layerFilterControl, headFilterControl, scaleControl, followControl, queryInfo, tokenStrip, canvasWrap, canvas, tooltip, hint } = buildPage(!!standalone, state.view, {
  send,
  savePng: () => savePng(),
  themeSnapshot,
  update: (patch) => update(patch),
});

// ------------------------------------------------------------------------------------------------
// State changes

function clampView(v: AttentionViewState): AttentionViewState {
  if (!state.maps) return v;
  const out = { ...v };
  out.layer = Math.max(0, Math.min(state.maps.nLayer - 1, Math.floor(out.layer) || 0));
  out.head = Math.max(0, Math.min(state.maps.nHead - 1, Math.floor(out.head) || 0));
  if (!(out.query >= 0 && out.query < state.maps.T)) out.query = state.maps.T - 1;
  if (out.layerFilter !== 'all' && !(out.layerFilter >= 0 && out.layerFilter < state.maps.nLayer)) out.layerFilter = 'all';
  if (out.headFilter !== 'all' && !(out.headFilter >= 0 && out.headFilter < state.maps.nHead)) out.headFilter = 'all';
  return out;
}

function update(patch: Partial<AttentionViewState>, options: { silent?: boolean } = {}): void {
  const before = JSON.stringify(state.view);
  state.view = clampView({ ...state.view, ...patch });
  if (JSON.stringify(state.view) === before) return;
  persist();
  syncControls();
  renderTokens();
  scheduleDraw();
  if (!options.silent) send({ type: 'viewChanged', view: state.view });
}

function syncControls(): void {
  viewControl.setValue(state.view.view);
  layerControl.setValue(String(state.view.layer));
  headControl.setValue(String(state.view.head));
  layerFilterControl.setValue(String(state.view.layerFilter));
  headFilterControl.setValue(String(state.view.headFilter));
  scaleControl.setValue(state.view.scale);
  followControl.setChecked(state.view.follow);
  const v = state.view.view;
  layerControl.element.hidden = !(v === 'head' || v === 'layerMean');
  headControl.element.hidden = v !== 'head';
  layerFilterControl.element.hidden = !(v === 'model' || v === 'query');
  headFilterControl.element.hidden = !(v === 'model' || v === 'query');
  scaleControl.element.hidden = v === 'query';
  setEnabled(pngButton, !!state.data);
  setEnabled(htmlButton, !!state.data);
  setEnabled(refreshButton, !!state.source);
  setEnabled(compareButton, !!state.source);
  const hints: Record<AttentionViewKind, string> = {
    head: S.hints.head,
    model: S.hints.model,
    layerMean: S.hints.layerMean,
    query: S.hints.query,
  };
  setText(hint, hints[v]);
  if (state.data && state.maps) {
    const label = state.data.tokens[state.view.query]?.label ?? '';
    setText(queryInfo, S.queryInfo(state.view.query + 1, label, state.maps.T));
  } else setText(queryInfo, '');
}

function setChoices(): void {
  if (!state.maps) return;
  const range = (n: number): Choice[] => Array.from({ length: n }, (_, i) => ({ value: String(i), label: String(i + 1) }));
  layerControl.setChoices(range(state.maps.nLayer));
  headControl.setChoices(range(state.maps.nHead));
  layerFilterControl.setChoices([{ value: 'all', label: S.all }, ...range(state.maps.nLayer)]);
  headFilterControl.setChoices([{ value: 'all', label: S.all }, ...range(state.maps.nHead)]);
}

// ------------------------------------------------------------------------------------------------
// Tokens


function renderTokens(): void {
  if (!state.data) {
    tokenStrip.replaceChildren();
    state.tokenButtons = [];
    return;
  }
  if (state.tokenButtons.length !== state.data.tokens.length || tokenStrip.dataset.seq !== String(state.data.seq)) {
    tokenStrip.dataset.seq = String(state.data.seq);
    state.tokenButtons = state.data.tokens.map((t, i) => {
      const b = el('span', 'token', t.label === '' ? '∅' : t.label);
      b.setAttribute('role', 'option');
      b.tabIndex = -1;
      b.dataset.index = String(i);
      b.title = `#${i + 1} «${t.label}» — ${modelTokenIds(t)}${standalone ? '' : S.tokenTitleClick}\n${modelVocabularyNote()}`;
      return b;
    });
    tokenStrip.replaceChildren(...state.tokenButtons);
  }
  state.tokenButtons.forEach((b, i) => {
    const selected = i === state.view.query;
    b.classList.toggle('selected', selected);
    b.setAttribute('aria-selected', String(selected));
    b.tabIndex = selected ? 0 : -1;
  });
}

function chooseToken(index: number, reveal: boolean): void {
  if (!state.maps || index < 0 || index >= state.maps.T) return;
  update({ query: index });
  state.tokenButtons[index]?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  if (reveal) send({ type: 'tokenClicked', index });
}

tokenStrip.addEventListener('click', (event) => {
  const target = (event.target as HTMLElement).closest('.token') as HTMLElement | null;
  if (!target) return;
  chooseToken(Number(target.dataset.index), true);
});
tokenStrip.addEventListener('keydown', (event) => {
  if (!state.maps) return;
  const step = event.key === 'ArrowRight' || event.key === 'ArrowDown' ? 1 : event.key === 'ArrowLeft' || event.key === 'ArrowUp' ? -1 : 0;
  if (step) {
    event.preventDefault();
    chooseToken(Math.max(0, Math.min(state.maps.T - 1, state.view.query + step)), true);
    state.tokenButtons[state.view.query]?.focus();
  } else if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    send({ type: 'tokenClicked', index: state.view.query });
  }
});

// ------------------------------------------------------------------------------------------------
// Drawing

const images = new MapImages();

function scheduleDraw(): void {
  if (state.drawScheduled) return;
  state.drawScheduled = true;
  requestAnimationFrame(() => {
    state.drawScheduled = false;
    draw();
  });
}

function draw(): void {
  const d = state.data;
  if (!drawView(canvas, canvasWrap, state, images) || !d) return;
  if (state.pendingReport && state.pendingReport.seq === d.seq) {
    const report = state.pendingReport;
    state.pendingReport = undefined;
    // the frame is on screen once the next one starts
    const sendReport = () =>
      send({ type: 'rendered', report: { seq: report.seq, view: state.view.view, renderMs: Math.round(performance.now() - report.started), canvas: measureCanvas(canvas), notice: noticeText(), query: state.view.query } });
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

function sameHover(a: Hover | undefined, b: Hover | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

canvas.addEventListener('mousemove', (event) => {
  const m = state.maps;
  const d = state.data;
  if (!m || !d) return;
  const hit = hitTest(canvas, state, event);
  let next: Hover | undefined;
  let text: string | undefined;
  if (hit?.kind === 'cell') {
    next = { query: hit.query, key: hit.key };
    const map = state.view.view === 'layerMean' ? meanOverHeads(m, state.view.layer) : headMap(m, state.view.layer, state.view.head);
    text = hoverText(d.tokens[hit.query].label, d.tokens[hit.key].label, map[hit.query * m.T + hit.key], d.causal !== false && hit.key > hit.query);
  } else if (hit?.kind === 'thumb') {
    next = { layer: hit.layer, head: hit.head };
    text = S.clickToOpen(headName(hit.layer, hit.head));
  } else if (hit?.kind === 'bar' && state.lastLayout?.kind === 'bars') {
    next = { row: hit.row, key: hit.key };
    const r = state.lastLayout.rows[hit.row];
    const value = headMap(m, r.layer, r.head)[state.view.query * m.T + hit.key];
    text = `${hoverText(d.tokens[state.view.query].label, d.tokens[hit.key].label, value, false)} (${headName(r.layer, r.head)})`;
  }
  canvas.style.cursor = hit ? 'pointer' : 'default';
  showTooltip(text, event);
  if (!sameHover(state.hover, next)) {
    state.hover = next;
    scheduleDraw();
  }
});

canvas.addEventListener('mouseleave', () => {
  showTooltip(undefined);
  if (state.hover) {
    state.hover = undefined;
    scheduleDraw();
  }
});

canvas.addEventListener('click', (event) => {
  const hit = hitTest(canvas, state, event);
  if (!hit) return;
  if (hit.kind === 'cell') chooseToken(hit.query, true);
  else if (hit.kind === 'thumb') {
    state.hover = undefined;
    showTooltip(undefined);
    update({ view: 'head', layer: hit.layer, head: hit.head });
  } else if (hit.kind === 'bar' && state.lastLayout?.kind === 'bars') {
    const r = state.lastLayout.rows[hit.row];
    state.hover = undefined;
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
  if (kind === 'loading') parts.push(progressRing(S.running));
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
  if (state.data?.truncated) lines.push(truncationNotice(state.data.totalTokens, state.data.tokens.length, state.data.contextLength));
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
  const sameText = state.data && state.source && payload.source && payload.source.uri === state.source.uri && payload.source.start === state.source.start && payload.source.end === state.source.end;
  state.data = payload;
  state.maps = { nLayer: payload.nLayer, nHead: payload.nHead, T, weights: toFloat32(payload.weights) };
  if (payload.source) state.source = payload.source;
  state.hover = undefined;
  showTooltip(undefined);
  setChoices();
  // a new text starts with its last token as the query (what the model predicts from)
  state.view = clampView({ ...state.view, ...(sameText ? {} : { query: T - 1 }), ...(patch ?? {}) });
  persist();
  send({ type: 'viewChanged', view: state.view });
  setText(sourceLine, `${payload.sourceLabel} · ${S.tokens(T)}${payload.truncated ? S.ofTotal(payload.totalTokens) : ''} · ${payload.modelLabel}`);
  showStatus(undefined);
  renderNotice();
  syncControls();
  renderTokens();
  scheduleDraw();
}

// ------------------------------------------------------------------------------------------------
// Exports

function savePng(requestId?: number): void {
  if (!state.data) return;
  const dataUrl = canvas.toDataURL('image/png');
  if (standalone) {
    const a = el('a');
    a.href = dataUrl;
    a.download = pngName(state.view);
    a.click();
    return;
  }
  send({ type: 'png', dataUrl, name: pngName(state.view), ...(requestId !== undefined ? { requestId } : {}) });
}


// ------------------------------------------------------------------------------------------------
// Messages from the host

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data;
  if (!isAttentionToWebview(msg)) return;
  switch (msg.type) {
    case 'data':
      state.pendingReport = { seq: msg.data.seq, started: performance.now() };
      setData(msg.data, msg.view);
      return;
    case 'status':
      showStatus(msg.kind, msg.message);
      return;
    case 'focusToken':
      chooseToken(msg.index, false);
      return;
    case 'setView':
      if (state.data) state.pendingReport = { seq: state.data.seq, started: performance.now() };
      state.hover = undefined;
      update(msg.view, { silent: true });
      send({ type: 'viewChanged', view: state.view });
      if (state.data) scheduleDraw();
      return;
    case 'requestPng':
      savePng(msg.requestId);
      return;
    case 'requestHtml':
      send({ type: 'saveHtml', ...themeSnapshot(), requestId: msg.requestId });
      return;
    case 'selfCheck':
      draw();
      send({ type: 'rendered', report: { seq: state.data?.seq ?? -1, view: state.view.view, renderMs: 0, canvas: measureCanvas(canvas), selfCheck: true, notice: noticeText(), query: state.view.query } });
      return;
  }
});

// Theme changes: VS Code swaps the body's class and the variables on <html>.
const themeObserver = new MutationObserver(() => {
  state.theme = undefined;
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
  if (state.source) showStatus('loading', S.running);
  send({ type: 'ready' });
}
