// The attention page's canvas: drawing the current view (heatmap, model view, bars) with its layout kept for
// hit-testing, and what a pointer position hits.

import { cellAt, filterIndices, thumbnailAt, thumbnailGrid } from '../../src/features/attention/core/mapLayout';
import { headMap, meanOverHeads, queryAcrossHeads } from '../../src/features/attention/core/attentionMaps';
import { headName } from '../../src/features/attention/core/panelText';
import { drawBars, drawHeatmap, drawModelView, layoutBars, layoutHeatmap, prepareCanvas, readTheme, TITLE_HEIGHT, type MapImages } from './draw';
import type { PageState } from './pageState';
import { strings as S } from './strings';

/** Draws the view of `state` on the canvas; false (and the canvas hidden) when there is nothing to draw. */
export function drawView(canvas: HTMLCanvasElement, canvasWrap: HTMLElement, state: PageState, images: MapImages): boolean {
  const d = state.data;
  const m = state.maps;
  if (!d || !m) {
    canvasWrap.hidden = true;
    return false;
  }
  canvasWrap.hidden = false;
  const probe = canvas.getContext('2d')!;
  state.theme ??= readTheme(probe);
  images.reset(`${d.seq}|${state.view.scale}|${state.theme.key}`);
  const t = state.theme;
  const labels = d.tokens.map((x) => x.label);
  const causal = d.causal !== false;
  const width = Math.max(260, canvasWrap.clientWidth - 2);
  const visibleHeight = Math.max(320, window.innerHeight - canvasWrap.getBoundingClientRect().top + window.scrollY - 16);
  const image = (l: number, h: number) => images.get(`${l}/${h}`, headMap(m, l, h), m.T, t, state.view.scale, causal);
  const h = state.hover;
  switch (state.view.view) {
    case 'head':
    case 'layerMean': {
      const layout = layoutHeatmap(probe, t, m.T, labels, width, Math.max(visibleHeight, 360) - TITLE_HEIGHT);
      const ctx = prepareCanvas(canvas, Math.max(layout.width, 260), layout.height + TITLE_HEIGHT);
      const mean = state.view.view === 'layerMean';
      const map = mean ? meanOverHeads(m, state.view.layer) : headMap(m, state.view.layer, state.view.head);
      const img = mean ? images.get(`mean/${state.view.layer}`, map, m.T, t, state.view.scale, causal) : image(state.view.layer, state.view.head);
      drawHeatmap(
        ctx,
        t,
        layout,
        {
          title: mean ? S.layerMeanTitle(state.view.layer + 1, m.nHead) : headName(state.view.layer, state.view.head),
          map,
          T: m.T,
          labels,
          scale: state.view.scale,
          query: state.view.query,
          ...(h && 'query' in h ? { hover: h } : {}),
          image: img,
          causal,
        },
        Math.max(layout.width, 260),
      );
      state.lastLayout = { kind: 'heatmap', layout };
      canvas.setAttribute('aria-label', S.attentionOfAria(mean ? S.layerMeanAria(state.view.layer + 1) : headName(state.view.layer, state.view.head), m.T));
      break;
    }
    case 'model': {
      const layers = filterIndices(m.nLayer, state.view.layerFilter);
      const heads = filterIndices(m.nHead, state.view.headFilter);
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
          selected: { layer: state.view.layer, head: state.view.head },
          ...(h && 'layer' in h ? { hover: h } : {}),
          images: image,
          title: `${S.allHeadsTitle(m.nLayer, m.nHead)}${layers.length < m.nLayer || heads.length < m.nHead ? S.showing(layers.length, heads.length) : ''}`,
        },
        grid.width,
      );
      state.lastLayout = { kind: 'model', grid, layers, heads };
      canvas.setAttribute('aria-label', S.modelViewAria(layers.length, heads.length));
      break;
    }
    case 'query': {
      const layers = new Set(filterIndices(m.nLayer, state.view.layerFilter));
      const heads = new Set(filterIndices(m.nHead, state.view.headFilter));
      const rows = queryAcrossHeads(m, state.view.query, causal).filter((r) => layers.has(r.layer) && heads.has(r.head));
      const keyLabels = labels.slice(0, state.view.query + 1);
      const layout = layoutBars(probe, t, rows.length, keyLabels, width);
      const ctx = prepareCanvas(canvas, Math.max(layout.width, 260), layout.height + TITLE_HEIGHT);
      drawBars(
        ctx,
        t,
        layout,
        { title: S.whereLooks(labels[state.view.query], state.view.query + 1), rows, labels: keyLabels, query: state.view.query, ...(h && 'row' in h ? { hover: h } : {}) },
        Math.max(layout.width, 260),
      );
      state.lastLayout = { kind: 'bars', layout, rows: rows.map((r) => ({ layer: r.layer, head: r.head })) };
      canvas.setAttribute('aria-label', S.queryAria(state.view.query + 1, rows.length));
      break;
    }
  }
  return true;
}

function canvasPoint(canvas: HTMLCanvasElement, event: MouseEvent): { x: number; y: number } {
  const r = canvas.getBoundingClientRect();
  return { x: event.clientX - r.left, y: event.clientY - r.top - TITLE_HEIGHT };
}

export function hitTest(canvas: HTMLCanvasElement, state: PageState, event: MouseEvent):
  | { kind: 'cell'; query: number; key: number }
  | { kind: 'thumb'; layer: number; head: number }
  | { kind: 'bar'; row: number; key: number }
  | undefined {
  const m = state.maps;
  if (!m || !state.lastLayout) return undefined;
  const { x, y } = canvasPoint(canvas, event);
  if (state.lastLayout.kind === 'heatmap') {
    const c = cellAt(state.lastLayout.layout, m.T, x, y);
    return c ? { kind: 'cell', ...c } : undefined;
  }
  if (state.lastLayout.kind === 'model') {
    const t = thumbnailAt(state.lastLayout.grid, x, y);
    return t ? { kind: 'thumb', layer: state.lastLayout.layers[t.row], head: state.lastLayout.heads[t.col] } : undefined;
  }
  const { layout, rows } = state.lastLayout;
  const row = Math.floor((y - layout.y0) / layout.rowHeight);
  const key = Math.floor((x - layout.x0) / layout.barWidth);
  if (row < 0 || row >= rows.length || key < 0 || key > state.view.query) return undefined;
  return { kind: 'bar', row, key };
}
