// Every text the attention panel shows, in the display language (see CONTRIBUTING.md, "Localisation").
// The page saved by "Save as HTML" carries the same language block, so it speaks the language it was saved in.

import * as l10n from '@vscode/l10n';
import { formatNumber, plural } from '../../src/l10n/format';
import '../l10n';

const count = (n: number) => formatNumber(n);

export const strings = {
  title: l10n.t('Attention'),
  keysAxis: l10n.t('keys →'),
  queriesAxis: l10n.t('queries ↓'),
  masked: l10n.t('masked'),
  weight: l10n.t('weight'),
  weightSqrt: l10n.t('weight (√ scale)'),
  weightMax: l10n.t('weight (0 – max)'),
  refresh: l10n.t('Refresh'),
  refreshTitle: l10n.t('Run the model again on the same text'),
  compare: l10n.t('Compare with the Other Kind'),
  compareTitle: l10n.t('Compare Causal and Bidirectional: this text through a decoder and an encoder, one head of each side by side'),
  savePng: l10n.t('Save as PNG'),
  savePngTitle: l10n.t('Save the current view as a PNG image'),
  saveHtml: l10n.t('Save as HTML'),
  saveHtmlTitle: l10n.t('Save a self-contained page with the data and this viewer: opens in any browser, no network'),
  views: {
    head: l10n.t('Head'),
    model: l10n.t('Model'),
    layerMean: l10n.t('Layer mean'),
    query: l10n.t('Query across heads'),
  },
  view: l10n.t('View'),
  layer: l10n.t('Layer'),
  head: l10n.t('Head'),
  layers: l10n.t('Layers'),
  layersTitle: l10n.t('Show every layer, or one'),
  heads: l10n.t('Heads'),
  headsTitle: l10n.t('Show every head, or one'),
  all: l10n.t('all'),
  scale: l10n.t('Colour scale'),
  scaleTitle: l10n.t('Square root, or 0 to the largest weight of each map, spread the small weights of long texts apart; the legend shows the values'),
  scales: { linear: l10n.t('linear'), sqrt: l10n.t('square root'), max: l10n.t('0 to largest') },
  follow: l10n.t('Follow selection'),
  followTitle: l10n.t('Select other text in the editor to see its attention; move the cursor to pick the query token'),
  tokensAria: l10n.t('Tokens: click one to make it the query (and to find it in the editor)'),
  hints: {
    head: l10n.t('Row = the token that is looking (query), column = the token it looks at (key). Each row sums to 1. Hover for the weight; click a row to make it the query.'),
    model: l10n.t('Every head of every layer at once. Click a thumbnail to open it in the head view.'),
    layerMean: l10n.t('The average over the heads of one layer: where the layer as a whole looks.'),
    query: l10n.t('Where the chosen query token looks in each head: one bar per earlier token. Click a token above to choose another query.'),
  },
  queryInfo: (index: number, label: string, total: number) => l10n.t('Query token: #{0} «{1}» of {2}', count(index), label, count(total)),
  tokenTitleClick: l10n.t(' — click: make it the query and show it in the editor'),
  layerMeanTitle: (layer: number, heads: number) => plural(heads, l10n.t('Layer {0} · mean of {1} head|Layer {0} · mean of {1} heads', count(layer), count(heads))),
  layerMeanAria: (layer: number) => l10n.t('Layer {0} mean', count(layer)),
  // the short labels beside and above the model view's thumbnails and the query view's bars (1-based)
  layerShort: (layer: number) => l10n.t('L{0}', count(layer)),
  headShort: (head: number) => l10n.t('H{0}', count(head)),
  layerHeadShort: (layer: number, head: number) => l10n.t('L{0} H{1}', count(layer), count(head)),
  attentionOfAria: (name: string, tokens: number) => plural(tokens, l10n.t('{0}: attention of {1} token|{0}: attention of {1} tokens', name, count(tokens))),
  allHeadsTitle: (layers: number, heads: number) =>
    l10n.t('All heads: {0} × {1}', plural(layers, l10n.t('{0} layer|{0} layers', count(layers))), plural(heads, l10n.t('{0} head|{0} heads', count(heads)))),
  showing: (layers: number, heads: number) => l10n.t(' (showing {0} × {1})', count(layers), count(heads)),
  modelViewAria: (layers: number, heads: number) =>
    l10n.t('Model view: {0} × {1}', plural(layers, l10n.t('{0} layer|{0} layers', count(layers))), plural(heads, l10n.t('{0} head|{0} heads', count(heads)))),
  whereLooks: (label: string, index: number) => l10n.t('Where «{0}» (#{1}) looks, in every head', label, count(index)),
  queryAria: (index: number, heads: number) => plural(heads, l10n.t('Attention of token {0} in {1} head|Attention of token {0} in {1} heads', count(index), count(heads))),
  clickToOpen: (name: string) => l10n.t('{0} — click to open', name),
  tallestBar: (title: string, value: string) => l10n.t('{0} · tallest bar {1}', title, value),
  trainModel: l10n.t('Train a model'),
  trainModelTitle: l10n.t('LM Explorer: Train Model on Workspace'),
  running: l10n.t('Running the model on the text…'),
  tokens: (n: number) => plural(n, l10n.t('{0} token|{0} tokens', count(n))),
  ofTotal: (total: number) => l10n.t(' (of {0})', count(total)),
};
