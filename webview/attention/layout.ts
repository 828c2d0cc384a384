// The attention page's elements: header and actions, status and notice, the view controls, the token
// strip, the canvas with its tooltip and the hint. Built once; the handlers are the page's.

import type { AttentionFromWebview, AttentionViewKind, AttentionViewState } from '../../src/features/attention/protocol';
import { adoptPageStyles, button, checkbox, dropdown, radios, registerComponents, type Choice } from '../components/index';
import { strings as S } from './strings';
import css from './style.css';

export interface PageHandlers {
  send(message: AttentionFromWebview): void;
  savePng(): void;
  themeSnapshot(): { themeVars: Record<string, string>; themeKind: string };
  update(patch: Partial<AttentionViewState>): void;
}

export function el<K extends keyof HTMLElementTagNameMap>(tagName: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tagName);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Builds the page in #app (an exported page, `standalone`, has no Refresh, Save as HTML or Follow). */
export function buildPage(standalone: boolean, view: AttentionViewState, on: PageHandlers) {
  registerComponents();
  adoptPageStyles(css);
  const app = document.getElementById('app') ?? document.body.appendChild(el('main'));
  app.id = 'attention-app';

  const header = el('header');
  const titleBox = el('div', 'title');
  titleBox.append(el('h1', undefined, S.title));
  const sourceLine = el('div', 'source muted');
  titleBox.append(sourceLine);
  const actions = el('div', 'actions');
  const refreshButton = button(S.refresh, { appearance: 'secondary', id: 'refresh', title: S.refreshTitle, onClick: () => on.send({ type: 'action', action: 'refresh' }) });
  const compareButton = button(S.compare, { appearance: 'secondary', id: 'compare', title: S.compareTitle, onClick: () => on.send({ type: 'action', action: 'compare' }) });
  const pngButton = button(S.savePng, { appearance: 'secondary', id: 'save-png', title: S.savePngTitle, onClick: () => on.savePng() });
  const htmlButton = button(S.saveHtml, {
    appearance: 'secondary',
    id: 'save-html',
    title: S.saveHtmlTitle,
    onClick: () => on.send({ type: 'saveHtml', ...on.themeSnapshot() }),
  });
  if (standalone) actions.append(pngButton);
  else actions.append(refreshButton, compareButton, pngButton, htmlButton);
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
  const viewControl = radios(S.view, { id: 'view', choices: viewChoices, value: view.view, onChange: (v) => on.update({ view: v as AttentionViewKind }) });
  const layerControl = dropdown(S.layer, { id: 'layer', choices: [{ value: '0', label: '1' }], onChange: (v) => on.update({ layer: Number(v) }) });
  const headControl = dropdown(S.head, { id: 'head', choices: [{ value: '0', label: '1' }], onChange: (v) => on.update({ head: Number(v) }) });
  const layerFilterControl = dropdown(S.layers, {
    id: 'layer-filter',
    title: S.layersTitle,
    choices: [{ value: 'all', label: S.all }],
    onChange: (v) => on.update({ layerFilter: v === 'all' ? 'all' : Number(v) }),
  });
  const headFilterControl = dropdown(S.heads, {
    id: 'head-filter',
    title: S.headsTitle,
    choices: [{ value: 'all', label: S.all }],
    onChange: (v) => on.update({ headFilter: v === 'all' ? 'all' : Number(v) }),
  });
  const scaleControl = dropdown(S.scale, {
    id: 'scale',
    title: S.scaleTitle,
    choices: [
      { value: 'linear', label: S.scales.linear },
      { value: 'sqrt', label: S.scales.sqrt },
      { value: 'max', label: S.scales.max },
    ],
    onChange: (v) => on.update({ scale: v === 'sqrt' || v === 'max' ? v : 'linear' }),
  });
  const followControl = checkbox(S.follow, {
    id: 'follow',
    title: S.followTitle,
    checked: view.follow,
    onChange: (checked) => on.update({ follow: checked }),
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
  return { app, header, titleBox, sourceLine, actions, refreshButton, compareButton, pngButton, htmlButton, statusBox, notice, controls, viewControl, layerControl, headControl, layerFilterControl, headFilterControl, scaleControl, followControl, queryInfo, tokenStrip, canvasWrap, canvas, tooltip, hint };
}
