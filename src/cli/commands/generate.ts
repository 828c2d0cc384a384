// `lmx generate`: a trained model continues a prompt.

import { BACKEND_NAMES } from '../../engine/backends';
import { generate as generateText } from '../../engine/generate';
import { choiceList, choiceOption, integerOption, numberOption, stringOption } from '../args';
import { loadModel, promptIds } from '../checkpointModel';
import { EXIT_OK, type Command } from '../command';
import { stderr } from '../terminal';

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
      const result = await generateText(model, vocab, ids, {
        maxNewTokens,
        temperature,
        seed,
        ...(topK !== undefined ? { topK } : {}),
        ...(topP !== undefined ? { topP } : {}),
      });
      process.stdout.write(prompt + result.text + '\n');
    } finally {
      model.dispose();
    }
    return EXIT_OK;
  },
};
