// `lmx score`: how surprised a trained model is by a text, token by token, and the passage's totals.

import * as l10n from '@vscode/l10n';
import * as fs from 'fs';
import { BACKEND_NAMES } from '../../engine/backends';
import { UserError } from '../../engine/errors';
import { defaultStride, scoreText, textTotals } from '../../engine/sampling/index';
import { choiceList, choiceOption, integerOption, stringOption } from '../args';
import { loadModel } from '../checkpointModel';
import { EXIT_OK, type Command } from '../command';
import { displayWidth, padEnd, padStart, readStdin, stdout, stdoutLines, widestLabel } from '../terminal';
import { formatFixed, formatNumber, plural } from '../../l10n/format';

export const score: Command = {
  summary: l10n.t("show how likely a trained model finds each token of a text"),
  usage: 'lmx score --model DIR FILE | --text TEXT [options]',
  positionals: 'many',
  options: {
    model: { type: 'string', short: 'm' },
    text: { type: 'string', short: 't' },
    stride: { type: 'string' },
    json: { type: 'boolean' },
    backend: { type: 'string' },
  },
  help: l10n.t(
    'Prints, for every token of the text, the probability the model gave it after the text before it, its\nrank among the model\'s guesses (1: the most likely), its surprisal (−log₂ p, bits) and the entropy of the\nmodel\'s distribution there; then the totals: mean cross-entropy (nats per token), perplexity (exp of the\nmean) and bits per byte. The text is read as a document from its start (its first token follows <sep>).\nA text longer than the model\'s context is scored in windows of the context length that start every\nSTRIDE tokens: each token after the first window is predicted from at least context − STRIDE tokens.\n\nOptions:\n  --model, -m DIR    a checkpoint folder written by lmx train (required)\n  --text, -t TEXT    the text to score (or give a FILE; "-" reads stdin)\n  --stride N         window stride in tokens (default: half the context length)\n  --json             print the tokens and totals as JSON (what Show Token Surprise shows)\n  --backend NAME     {0} (default auto)',
    choiceList(BACKEND_NAMES),
  ),
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
      const columns = [l10n.t('prob'), l10n.t('rank'), l10n.t('bits'), l10n.t('entropy')];
      const widths = columns.map((c, i) => Math.max(displayWidth(c), [8, 6, 6, 7][i]));
      stdout(`${padEnd(l10n.t('token'), width)}  ${columns.map((c, i) => padStart(c, widths[i])).join('  ')}`);
      stdoutLines(
        tokens.map((t, i) =>
          [padEnd(labels[i], width), padStart(formatFixed(t.prob, 4), widths[0]), padStart(String(t.rank), widths[1]), padStart(formatFixed(t.surprisalBits, 2), widths[2]), padStart(formatFixed(t.entropyBits, 2), widths[3])].join('  '),
        ),
      );
      stdout(
        l10n.t('{0}, {1}: mean loss {2} nats/token, perplexity {3}, {4} bits per byte', {
          0: plural(totals.tokens, l10n.t('{0} token|{0} tokens', formatNumber(totals.tokens))),
          1: plural(totals.bytes, l10n.t('{0} byte|{0} bytes', formatNumber(totals.bytes))),
          2: formatFixed(totals.meanLossNats, 4),
          3: formatFixed(totals.perplexity, 2),
          4: formatFixed(totals.bitsPerByte, 4),
        }),
      );
      stdout(l10n.t('(windows of {0}, stride {1})', plural(contextLength, l10n.t('{0} token|{0} tokens', formatNumber(contextLength))), formatNumber(stride)));
    } finally {
      model.dispose();
    }
    return EXIT_OK;
  },
};

async function inputText(text: unknown, positionals: string[]): Promise<string> {
  if (typeof text === 'string') {
    if (positionals.length) throw new UserError(l10n.t('Give either --text or a FILE, not both.'));
    return text;
  }
  if (positionals.length !== 1) throw new UserError(l10n.t('Give a FILE or --text TEXT to score (see lmx score --help).'));
  const file = positionals[0];
  if (file === '-') return readStdin();
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new UserError(l10n.t('Cannot read {0}: {1}.', file, (error as NodeJS.ErrnoException).code === 'ENOENT' ? l10n.t('no such file') : (error as Error).message));
  }
  if (bytes.includes(0)) throw new UserError(l10n.t('{0} is not a text file (it holds NUL bytes).', file));
  return new TextDecoder('utf-8').decode(bytes);
}
