// `lmx generate`: a trained model continues a prompt.

import * as l10n from '@vscode/l10n';
import { BACKEND_NAMES } from '../../engine/backends';
import { generate as generateText, topIndices } from '../../engine/generate';
import { softmax, traceGeneration, type GeneratedToken } from '../../engine/sampling/index';
import { formatFixed, plural } from '../../l10n/format';
import { choiceList, choiceOption, integerOption, numberOption, stringOption } from '../args';
import { loadModel, promptIds } from '../checkpointModel';
import { EXIT_OK, type Command } from '../command';
import { padEnd, stderr, stdoutLines, widestLabel } from '../terminal';

export const generate: Command = {
  summary: l10n.t('continue a prompt with a trained model'),
  usage: 'lmx generate --model DIR --prompt TEXT [options]',
  positionals: 'none',
  options: {
    model: { type: 'string', short: 'm' },
    prompt: { type: 'string', short: 'p' },
    'max-tokens': { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    seed: { type: 'string' },
    trace: { type: 'boolean' },
    backend: { type: 'string' },
  },
  help: l10n.t(
    "Options:\n  --model, -m DIR     a checkpoint folder written by lmx train (required)\n  --prompt, -p TEXT   the text to continue (default: the start of a document)\n  --max-tokens N      tokens to generate (default 100)\n  --temperature X     0 = always the most likely token (default 0.8)\n  --top-k N           sample from the N most likely tokens only\n  --top-p X           sample from the smallest set of tokens with probability ≥ X (0 < X ≤ 1)\n  --seed N            random seed (default 1)\n  --trace             after the text, each step: the token chosen and the model's top 5 with their probabilities\n  --backend NAME      {0} (default auto)",
    choiceList(BACKEND_NAMES),
  ),
  async run(values) {
    const dir = stringOption(values, 'model', true);
    const prompt = typeof values.prompt === 'string' ? values.prompt : '';
    const maxNewTokens = integerOption(values, 'max-tokens', 1, 100_000) ?? 100;
    const temperature = numberOption(values, 'temperature', { min: 0, max: 100 }) ?? 0.8;
    const topK = integerOption(values, 'top-k', 1);
    const topP = numberOption(values, 'top-p', { min: 0, minExclusive: true, max: 1 });
    const seed = integerOption(values, 'seed', 0, 0xffffffff) ?? 1;
    const backendName = choiceOption(values, 'backend', BACKEND_NAMES) ?? 'auto';
    const { model, vocab } = await loadModel(dir, backendName);
    try {
      const { ids, unknown, cut } = promptIds(vocab, prompt, model.config.contextLength);
      if (unknown) stderr(plural(unknown, l10n.t("note: {0} prompt token is not in the model's vocabulary (read as <unk>)|note: {0} prompt tokens are not in the model's vocabulary (read as <unk>)", unknown)));
      if (cut) stderr(l10n.t('note: the prompt is longer than the context; its last {0} tokens are used', model.config.contextLength));
      const sampling = { temperature, seed, ...(topK !== undefined ? { topK } : {}), ...(topP !== undefined ? { topP } : {}) };
      if (!values.trace) {
        const result = await generateText(model, vocab, ids, { maxNewTokens, ...sampling });
        process.stdout.write(prompt + result.text + '\n');
        return EXIT_OK;
      }
      const traced = await traceGeneration(model, vocab, ids, sampling, maxNewTokens);
      process.stdout.write(prompt + traced.text + '\n\n');
      stdoutLines(traceLines(traced.tokens, traced.logits, (id) => vocab.tokenLabel(id)));
    } finally {
      model.dispose();
    }
    return EXIT_OK;
  },
};

/** One line a step: its number, the token chosen with its probability, and the model's top 5 there. */
function traceLines(tokens: GeneratedToken[], logits: Float32Array[], label: (id: number) => string): string[] {
  const chosen = tokens.map((t) => label(t.id));
  const width = widestLabel(chosen, 5);
  const digits = String(tokens.length).length;
  return tokens.map((t, i) => {
    const p = softmax(logits[i]);
    const top = topIndices(logits[i], Math.min(5, p.length)).map((id) => `${label(id)} ${formatFixed(p[id], 3)}`);
    return `${String(i + 1).padStart(digits)}  ${padEnd(chosen[i], width)}  ${l10n.t('p {0}   top 5: {1}', formatFixed(t.prob, 3), top.join(' · '))}`;
  });
}
