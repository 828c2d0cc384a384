// `lmx fill`: an encoder fills in the [MASK]s of a text.

import * as l10n from '@vscode/l10n';
import { BACKEND_NAMES } from '../../engine/backends';
import { encodeWithMasks, fillMasks } from '../../engine/mlm/fill';
import { choiceList, choiceOption, integerOption, stringOption } from '../args';
import { loadModel } from '../checkpointModel';
import { EXIT_OK, type Command } from '../command';
import { formatPercent } from '../../l10n/format';
import { padEnd, padStart, stdout, stdoutLines, widestLabel } from '../terminal';

export const fill: Command = {
  summary: l10n.t('fill in the [MASK]s of a text with an encoder'),
  usage: 'lmx fill --model DIR --text "Natura [MASK] najpiękniejsze obrazy" [--top N]',
  positionals: 'none',
  options: {
    model: { type: 'string', short: 'm' },
    text: { type: 'string', short: 't' },
    top: { type: 'string' },
    json: { type: 'boolean' },
    backend: { type: 'string' },
  },
  help: l10n.t(
    'Prints the most likely tokens for the [MASK]s of a text, with their probabilities, from a model trained\nwith lmx train --kind encoder. Each [MASK] stands for one token (a space before it belongs to it, as GPT\ntokens carry their leading space). Several [MASK]s are filled one token at a time, left to right.\n\nOptions:\n  --model, -m DIR   a checkpoint folder written by lmx train --kind encoder (required)\n  --text, -t TEXT   the text, with [MASK] where a token is missing (required)\n  --top N           candidates to list (default 10)\n  --json            print the candidates as JSON\n  --backend NAME    {0} (default auto)',
    choiceList(BACKEND_NAMES),
  ),
  async run(values) {
    const dir = stringOption(values, 'model', true);
    const text = stringOption(values, 'text', true);
    const top = integerOption(values, 'top', 1, 1000) ?? 10;
    const backendName = choiceOption(values, 'backend', BACKEND_NAMES) ?? 'auto';
    const { model, vocab } = await loadModel(dir, backendName);
    try {
      const result = await fillMasks(model, vocab, encodeWithMasks(text, vocab), top);
      if (values.json) {
        stdout(JSON.stringify({ masks: result.maskPositions.length, candidates: result.candidates.map(({ text: t, prob, steps, ids }) => ({ text: t, prob, steps, ids })) }));
        return EXIT_OK;
      }
      stdout(fillMethod(result.maskPositions.length, top));
      const labels = result.candidates.map((c) => c.ids.map((id) => vocab.tokenLabel(id)).join(' · '));
      const width = widestLabel(labels, 5);
      const rank = String(result.candidates.length).length;
      stdoutLines(result.candidates.map((c, i) => `${padStart(String(i + 1), rank)}  ${padEnd(labels[i], width)}  ${formatPercent(c.prob, 2).padStart(7)}   ${c.filledText}`));
    } finally {
      model.dispose();
    }
    return EXIT_OK;
  },
};

/** How the masks were filled, in a sentence. */
export function fillMethod(masks: number, top: number): string {
  return masks === 1
    ? l10n.t('One [MASK], one token: the model’s probabilities for it.')
    : l10n.t(
        '{0} [MASK]s, filled one token at a time, left to right: the first mask’s top {1} tokens, each followed by the most likely token for every next mask given the ones before; a candidate’s probability is the product of its steps.',
        masks,
        top,
      );
}
