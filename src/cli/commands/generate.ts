// `lmx generate`: a trained model continues a prompt.

import { BACKEND_NAMES } from '../../engine/backends';
import { generate as generateText, topIndices } from '../../engine/generate';
import { softmax, traceGeneration, type GeneratedToken } from '../../engine/sampling/index';
import { choiceList, choiceOption, integerOption, numberOption, stringOption } from '../args';
import { loadModel, promptIds } from '../checkpointModel';
import { EXIT_OK, type Command } from '../command';
import { padEnd, stderr, stdoutLines, widestLabel } from '../terminal';

export const generate: Command = {
  summary: 'continue a prompt with a trained model',
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
  help: `Options:
  --model, -m DIR     a checkpoint folder written by lmx train (required)
  --prompt, -p TEXT   the text to continue (default: the start of a document)
  --max-tokens N      tokens to generate (default 100)
  --temperature X     0 = always the most likely token (default 0.8)
  --top-k N           sample from the N most likely tokens only
  --top-p X           sample from the smallest set of tokens with probability ≥ X (0 < X ≤ 1)
  --seed N            random seed (default 1)
  --trace             after the text, each step: the token chosen and the model's top 5 with their probabilities
  --backend NAME      ${choiceList(BACKEND_NAMES)} (default auto)`,
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
      if (unknown) stderr(`note: ${unknown} prompt token${unknown > 1 ? 's are' : ' is'} not in the model's vocabulary (read as <unk>)`);
      if (cut) stderr(`note: the prompt is longer than the context; its last ${model.config.contextLength} tokens are used`);
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
    const top = topIndices(logits[i], Math.min(5, p.length)).map((id) => `${label(id)} ${p[id].toFixed(3)}`);
    return `${String(i + 1).padStart(digits)}  ${padEnd(chosen[i], width)}  p ${t.prob.toFixed(3)}   top 5: ${top.join(' · ')}`;
  });
}
