// `lmx score`: how surprised a trained model is by a text, token by token, and the passage's totals.

import * as fs from 'fs';
import { BACKEND_NAMES } from '../../engine/backends';
import { UserError } from '../../engine/errors';
import { defaultStride, scoreText, textTotals } from '../../engine/sampling/index';
import { choiceList, choiceOption, integerOption, stringOption } from '../args';
import { loadModel } from '../checkpointModel';
import { EXIT_OK, type Command } from '../command';
import { padEnd, padStart, readStdin, stdout, stdoutLines, widestLabel } from '../terminal';

export const score: Command = {
  summary: "show how likely a trained model finds each token of a text",
  usage: 'lmx score --model DIR FILE | --text TEXT [options]',
  positionals: 'many',
  options: {
    model: { type: 'string', short: 'm' },
    text: { type: 'string', short: 't' },
    stride: { type: 'string' },
    json: { type: 'boolean' },
    backend: { type: 'string' },
  },
  help: `Prints, for every token of the text, the probability the model gave it after the text before it, its
rank among the model's guesses (1: the most likely), its surprisal (−log₂ p, bits) and the entropy of the
model's distribution there; then the totals: mean cross-entropy (nats per token), perplexity (exp of the
mean) and bits per byte. The text is read as a document from its start (its first token follows <sep>).
A text longer than the model's context is scored in windows of the context length that start every
STRIDE tokens: each token after the first window is predicted from at least context − STRIDE tokens.

Options:
  --model, -m DIR    a checkpoint folder written by lmx train (required)
  --text, -t TEXT    the text to score (or give a FILE; "-" reads stdin)
  --stride N         window stride in tokens (default: half the context length)
  --json             print the tokens and totals as JSON (what Show Token Surprise shows)
  --backend NAME     ${choiceList(BACKEND_NAMES)} (default auto)`,
  async run(values, positionals) {
    const dir = stringOption(values, 'model', true);
    const text = await inputText(values.text, positionals);
    const backendName = choiceOption(values, 'backend', BACKEND_NAMES) ?? 'auto';
    const { model, vocab } = await loadModel(dir, backendName);
    try {
      const contextLength = model.config.contextLength;
      const stride = integerOption(values, 'stride', 1, contextLength) ?? defaultStride(contextLength);
      const tokens = await scoreText(model, vocab, text, { stride, topGuesses: values.json ? 5 : 0 });
      const totals = textTotals(tokens, vocab);
      if (values.json) {
        const label = (id: number) => vocab.tokenLabel(id);
        const out = {
          contextLength,
          stride,
          tokens: tokens.map((t) => ({ id: t.id, label: label(t.id), start: t.start, end: t.end, prob: t.prob, rank: t.rank, surprisalBits: t.surprisalBits, entropyBits: t.entropyBits, top: t.top.map((g) => ({ id: g.id, label: label(g.id), prob: g.prob })) })),
          totals,
        };
        stdout(JSON.stringify(out));
        return EXIT_OK;
      }
      const labels = tokens.map((t) => vocab.tokenLabel(t.id));
      const width = widestLabel(labels, 5);
      stdout(`${padEnd('token', width)}  ${padStart('prob', 8)}  ${padStart('rank', 6)}  ${padStart('bits', 6)}  ${padStart('entropy', 7)}`);
      stdoutLines(tokens.map((t, i) => `${padEnd(labels[i], width)}  ${padStart(t.prob.toFixed(4), 8)}  ${padStart(String(t.rank), 6)}  ${padStart(t.surprisalBits.toFixed(2), 6)}  ${padStart(t.entropyBits.toFixed(2), 7)}`));
      stdout(
        `${totals.tokens} tokens, ${totals.bytes} bytes: mean loss ${totals.meanLossNats.toFixed(4)} nats/token, perplexity ${totals.perplexity.toFixed(2)}, ${totals.bitsPerByte.toFixed(4)} bits per byte`,
      );
      stdout(`(windows of ${contextLength} tokens, stride ${stride})`);
    } finally {
      model.dispose();
    }
    return EXIT_OK;
  },
};

async function inputText(text: unknown, positionals: string[]): Promise<string> {
  if (typeof text === 'string') {
    if (positionals.length) throw new UserError('Give either --text or a FILE, not both.');
    return text;
  }
  if (positionals.length !== 1) throw new UserError('Give a FILE or --text TEXT to score (see lmx score --help).');
  const file = positionals[0];
  if (file === '-') return readStdin();
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new UserError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}.`);
  }
  if (bytes.includes(0)) throw new UserError(`${file} is not a text file (it holds NUL bytes).`);
  return new TextDecoder('utf-8').decode(bytes);
}
