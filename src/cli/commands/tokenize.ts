// `lmx tokenize`: the tokens of a text with their IDs.

import * as l10n from '@vscode/l10n';
import { displayToken, tokenPieces, TOKENIZERS } from '../../engine/tokenizer';
import { formatNumber, plural } from '../../l10n/format';
import { choiceList, choiceOption } from '../args';
import { EXIT_OK, type Command } from '../command';
import { padEnd, readStdin, stdout, stdoutLines, widestLabel } from '../terminal';

export const tokenize: Command = {
  summary: l10n.t('show the tokens of a text'),
  usage: 'lmx tokenize TEXT [--encoding NAME]',
  positionals: 'one',
  options: { encoding: { type: 'string', short: 'e' } },
  help: l10n.t(
    'Prints each token of TEXT with its ID ("-" reads the text from stdin). Tokens that are only part of a\ncharacter show their bytes, as <E2><80>; whitespace shows as · (space), → (tab), ↵ (newline).\n\nOptions:\n  --encoding, -e NAME   {0} (default o200k_base)',
    choiceList(TOKENIZERS),
  ),
  async run(values, positionals) {
    const encoding = choiceOption(values, 'encoding', TOKENIZERS) ?? 'o200k_base';
    let text = positionals[0];
    if (text === '-') text = await readStdin();
    const pieces = tokenPieces(text, encoding);
    const labels = pieces.map((p) => displayToken(p.bytes, { whitespace: true }));
    const width = widestLabel(labels, 5);
    stdout(`${padEnd(l10n.t('token'), width)}  ${l10n.t('id')}`);
    stdoutLines(pieces.map((p, i) => `${padEnd(labels[i], width)}  ${p.id}`));
    const characters = [...text].length;
    stdout(
      l10n.t(
        '{0}, {1} ({2})',
        plural(pieces.length, l10n.t('{0} token|{0} tokens', formatNumber(pieces.length))),
        plural(characters, l10n.t('{0} character|{0} characters', formatNumber(characters))),
        encoding,
      ),
    );
    return EXIT_OK;
  },
};
