// `lmx attention`: one head's attention matrix for a text, as aligned text.

import * as l10n from '@vscode/l10n';
import { BACKEND_NAMES } from '../../engine/backends';
import { UserError } from '../../engine/errors';
import { plural } from '../../l10n/format';
import { choiceList, choiceOption, integerOption, stringOption } from '../args';
import { loadModel, promptIds } from '../checkpointModel';
import { EXIT_OK, type Command } from '../command';
import { clip, padEnd, padStart, stderr, stdout, stdoutLines, widestLabel } from '../terminal';

export const attention: Command = {
  summary: l10n.t("print one attention head's matrix for a text"),
  usage: 'lmx attention --model DIR --text TEXT [--layer L] [--head H]',
  positionals: 'none',
  options: {
    model: { type: 'string', short: 'm' },
    text: { type: 'string', short: 't' },
    layer: { type: 'string' },
    head: { type: 'string' },
    backend: { type: 'string' },
  },
  help: l10n.t(
    'Prints how much each token (row) attends to each token (column) in one head: a decoder\'s to the\nearlier tokens only (causal attention; \'·\' above the diagonal), an encoder\'s to all of them (bidirectional).\n\nOptions:\n  --model, -m DIR   a checkpoint folder written by lmx train (required)\n  --text, -t TEXT   the text to look at (required)\n  --layer L         layer, from 0 (default 0)\n  --head H          head, from 0 (default 0)\n  --backend NAME    {0} (default auto)',
    choiceList(BACKEND_NAMES),
  ),
  async run(values) {
    const dir = stringOption(values, 'model', true);
    const text = stringOption(values, 'text', true);
    const layerOpt = integerOption(values, 'layer', 0);
    const headOpt = integerOption(values, 'head', 0);
    const backendName = choiceOption(values, 'backend', BACKEND_NAMES) ?? 'auto';
    const { model, vocab } = await loadModel(dir, backendName);
    try {
      const { nLayer, nHead, contextLength } = model.config;
      const layer = layerOpt ?? 0;
      const head = headOpt ?? 0;
      if (layer >= nLayer) throw new UserError(plural(nLayer, l10n.t('--layer must be between 0 and {0} (the model has {1} layer), got {2}.|--layer must be between 0 and {0} (the model has {1} layers), got {2}.', nLayer - 1, nLayer, layer)));
      if (head >= nHead) throw new UserError(plural(nHead, l10n.t('--head must be between 0 and {0} (the model has {1} head), got {2}.|--head must be between 0 and {0} (the model has {1} heads), got {2}.', nHead - 1, nHead, head)));
      const { ids, cut } = promptIds(vocab, text, contextLength);
      if (cut) stderr(l10n.t('note: the text is longer than the context; its last {0} tokens are shown', contextLength));
      const { attention } = await model.attention(ids);
      const matrix = attention[layer][head];
      const causal = model.kind === 'decoder';
      stdout(
        (causal ? l10n.t('decoder, causal attention (each token sees the tokens before it)') : l10n.t('encoder, bidirectional attention (each token sees every token)')) +
          '; ' +
          l10n.t('layer {0}, head {1}: row = query token, column = key token it attends to', layer, head),
      );
      stdoutLines(formatAttention(ids.map((id) => vocab.tokenLabel(id)), matrix, causal));
    } finally {
      model.dispose();
    }
    return EXIT_OK;
  },
};

/** An attention matrix as aligned text: column numbers on top, "i label" down the side, '·' for a causal model's masked cells. */
export function formatAttention(labels: string[], matrix: number[][], causal = true): string[] {
  const n = labels.length;
  const shown = labels.map((l) => clip(l, 14));
  const indexWidth = String(n - 1).length;
  const sideWidth = indexWidth + 1 + widestLabel(shown);
  const cell = 5;
  const lines = [padEnd('', sideWidth) + ' ' + Array.from({ length: n }, (_, j) => padStart(String(j), cell)).join('')];
  for (let i = 0; i < n; i++) {
    const side = padEnd(`${String(i).padStart(indexWidth)} ${shown[i]}`, sideWidth);
    const cells = Array.from({ length: n }, (_, j) => padStart(causal && j > i ? '·' : matrix[i][j].toFixed(2), cell));
    lines.push(`${side} ${cells.join('')}`);
  }
  return lines;
}
