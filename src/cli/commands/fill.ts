// `lmx fill`: an encoder fills in the [MASK]s of a text.

import { BACKEND_NAMES } from '../../engine/backends';
import { encodeWithMasks, fillMasks } from '../../engine/mlm/fill';
import { Vocabulary } from '../../engine/vocab';
import { choiceList, choiceOption, integerOption, stringOption } from '../args';
import { loadModel } from '../checkpointModel';
import { EXIT_OK, type Command } from '../command';
import { padEnd, padStart, stdout, stdoutLines, widestLabel } from '../terminal';

export const fill: Command = {
  summary: 'fill in the [MASK]s of a text with an encoder',
  usage: 'lmx fill --model DIR --text "Natura [MASK] najpiękniejsze obrazy" [--top N]',
  positionals: 'none',
  options: {
    model: { type: 'string', short: 'm' },
    text: { type: 'string', short: 't' },
    top: { type: 'string' },
    json: { type: 'boolean' },
    backend: { type: 'string' },
  },
  help: `Prints the most likely tokens for the ${Vocabulary.MASK_LABEL}s of a text, with their probabilities, from a
model trained with lmx train --kind encoder. Each ${Vocabulary.MASK_LABEL} stands for one token (a space before it
belongs to it, as GPT tokens carry their leading space). Several ${Vocabulary.MASK_LABEL}s are filled one token at a
time, left to right: each of the first one's top candidates, then the most likely token for each next one.

Options:
  --model, -m DIR   a checkpoint folder written by lmx train --kind encoder (required)
  --text, -t TEXT   the text, with ${Vocabulary.MASK_LABEL} where a token is missing (required)
  --top N           candidates to list (default 10)
  --json            print the candidates as JSON
  --backend NAME    ${choiceList(BACKEND_NAMES)} (default auto)`,
  async run(values) {
    const dir = stringOption(values, 'model', true);
    const text = stringOption(values, 'text', true);
    const top = integerOption(values, 'top', 1, 1000) ?? 10;
    const backendName = choiceOption(values, 'backend', BACKEND_NAMES) ?? 'auto';
    const { model, vocab } = await loadModel(dir, backendName);
    try {
      const result = await fillMasks(model, vocab, encodeWithMasks(text, vocab), top);
      if (values.json) {
        stdout(JSON.stringify({ method: result.method, candidates: result.candidates.map(({ text: t, prob, steps, ids }) => ({ text: t, prob, steps, ids })) }));
        return EXIT_OK;
      }
      stdout(result.method);
      const labels = result.candidates.map((c) => c.ids.map((id) => vocab.tokenLabel(id)).join(' · '));
      const width = widestLabel(labels, 5);
      const rank = String(result.candidates.length).length;
      stdoutLines(result.candidates.map((c, i) => `${padStart(String(i + 1), rank)}  ${padEnd(labels[i], width)}  ${(100 * c.prob).toFixed(2).padStart(6)}%   ${c.filledText}`));
    } finally {
      model.dispose();
    }
    return EXIT_OK;
  },
};
