// Every text the Compare Causal and Bidirectional page shows, in the display language (see CONTRIBUTING.md,
// "Localisation"). The heatmaps' own words (axes, legend) are the attention panel's (webview/attention/strings.ts).

import * as l10n from '@vscode/l10n';
import { formatNumber, plural } from '../../src/l10n/format';
import type { ModelKind } from '../../src/engine/model';
import '../l10n';

const count = (n: number) => formatNumber(n);

export const strings = {
  title: l10n.t('Causal and Bidirectional'),
  lead: l10n.t('The same text through two models trained on the same notes: a decoder on the left, an encoder on the right. Pick a layer and a head on each side.'),
  refresh: l10n.t('Refresh'),
  refreshTitle: l10n.t('Run both models again on the same text'),
  heading: { decoder: l10n.t('Decoder (GPT): causal attention'), encoder: l10n.t('Encoder (BERT): bidirectional attention') } satisfies Record<ModelKind, string>,
  explanation: {
    decoder: l10n.t('Causal: xᵢ cannot use xᵢ₊₁. Each token attends only to itself and the tokens before it; the hatched triangle above the diagonal is masked.'),
    encoder: l10n.t('Bidirectional: every token attends to every other token, before and after it, so there is no masked triangle.'),
  } satisfies Record<ModelKind, string>,
  origin: {
    workspace: (shape: string) => l10n.t('The workspace model · {0}', shape),
    kept: (shape: string) => l10n.t('Kept when a model of the other kind replaced it · {0}', shape),
    folder: (dir: string, shape: string) => l10n.t('From {0} · {1}', dir, shape),
  },
  train: { decoder: l10n.t('Train Decoder Model'), encoder: l10n.t('Train Encoder Model') } satisfies Record<ModelKind, string>,
  trainTitle: {
    decoder: l10n.t('Train a decoder on the workspace notes; the workspace encoder is kept for this comparison'),
    encoder: l10n.t('Train an encoder on the workspace notes; the workspace decoder is kept for this comparison'),
  } satisfies Record<ModelKind, string>,
  chooseFolder: l10n.t('Choose Model Folder…'),
  chooseFolderTitle: l10n.t('Use a model folder exported by LM Explorer or saved by lmx train for this side'),
  layer: l10n.t('Layer'),
  head: l10n.t('Head'),
  sideAria: (heading: string, tokens: number) => plural(tokens, l10n.t('{0}: attention of {1} token|{0}: attention of {1} tokens', heading, count(tokens))),
  tokens: (n: number) => plural(n, l10n.t('{0} token|{0} tokens', count(n))),
  running: l10n.t('Running both models on the text…'),
};
