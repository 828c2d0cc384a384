// `lmx tokenize`: the tokens of a text with their IDs.

import { displayToken, tokenPieces, TOKENIZERS } from '../../engine/tokenizer';
import { choiceList, choiceOption } from '../args';
import { EXIT_OK, type Command } from '../command';
import { padEnd, readStdin, stdout, stdoutLines, widestLabel } from '../terminal';

export const tokenize: Command = {
  summary: 'show the tokens of a text',
  usage: 'lmx tokenize TEXT [--encoding NAME]',
  positionals: 'one',
  options: { encoding: { type: 'string', short: 'e' } },
  help: `Prints each token of TEXT with its ID ("-" reads the text from stdin). Tokens that are only part of a
character show their bytes, as <E2><80>; whitespace shows as · (space), → (tab), ↵ (newline).

Options:
  --encoding, -e NAME   ${choiceList(TOKENIZERS)} (default o200k_base)`,
  async run(values, positionals) {
    const encoding = choiceOption(values, 'encoding', TOKENIZERS) ?? 'o200k_base';
    let text = positionals[0];
    if (text === '-') text = await readStdin();
    const pieces = tokenPieces(text, encoding);
    const labels = pieces.map((p) => displayToken(p.bytes, { whitespace: true }));
    const width = widestLabel(labels, 5);
    stdout(`${padEnd('token', width)}  id`);
    stdoutLines(pieces.map((p, i) => `${padEnd(labels[i], width)}  ${p.id}`));
    stdout(`${pieces.length} token${pieces.length === 1 ? '' : 's'}, ${[...text].length} characters (${encoding})`);
    return EXIT_OK;
  },
};
