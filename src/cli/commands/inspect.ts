// `lmx inspect`: the Model Inspector's architecture table (every box's parameters, share, bytes and FLOPs
// per token) and, with --nearest, a word's nearest tokens, read from a checkpoint folder.

import * as l10n from '@vscode/l10n';
import { promises as fs } from 'fs';
import * as path from 'path';
import { readCheckpointConfig, readCheckpointWeights } from '../../engine/checkpoint';
import { architecture, inspect } from '../../engine/inspect';
import { CHECKPOINT_FILES } from '../../engine/modelFolder';
import { Vocabulary } from '../../engine/vocab';
import { stringOption } from '../args';
import { EXIT_OK, type Command } from '../command';
import { formatNumber } from '../../l10n/format';
import { padEnd, padStart, stdout, widestLabel } from '../terminal';

export const inspectCommand: Command = {
  summary: l10n.t("print a model's boxes with their parameters, and a word's nearest tokens"),
  usage: 'lmx inspect --model DIR [--text TEXT] [--nearest WORD] [--json]',
  positionals: 'none',
  options: {
    model: { type: 'string', short: 'm' },
    text: { type: 'string', short: 't' },
    nearest: { type: 'string', short: 'n' },
    json: { type: 'boolean' },
  },
  help: l10n.t(
    'Prints the model\'s architecture as the Model Inspector draws it: each box (embeddings, every block\'s\nLayerNorms, attention and MLP, the output layer) with its parameters, its share of the total, its bytes in\nfloat32 and its FLOPs per token. The output layer is tied to the token embedding and counted once.\n\nOptions:\n  --model, -m DIR     a checkpoint folder written by lmx train (required)\n  --text, -t TEXT     give the activation shapes for this text (default: a full context)\n  --nearest, -n WORD  also print the 20 tokens nearest to WORD (cosine of the embedding rows)\n  --json              print JSON instead of a table',
  ),
  async run(values) {
    const dir = stringOption(values, 'model', true);
    const text = stringOption(values, 'text');
    const word = stringOption(values, 'nearest');
    const config = await readCheckpointConfig(dir);
    const needsVocab = text !== undefined || word !== undefined;
    const vocab = needsVocab ? Vocabulary.fromJSON(JSON.parse(await fs.readFile(path.join(dir, CHECKPOINT_FILES.vocab), 'utf8'))) : undefined;
    const arch = architecture(config.model, text && vocab ? vocab.encode(text).length : config.model.contextLength);
    let nearest: { label: string; id: number; cosine: number }[] | undefined;
    if (word !== undefined && vocab) {
      const weights = await readCheckpointWeights(dir, 'kept');
      const answer = inspect({ config: config.model, vocab, weights: weights! }, { view: 'nearest', query: { text: word } }, (id) => ({ id, label: vocab.tokenLabel(id) }));
      if (answer.view === 'nearest') nearest = answer.neighbours;
    }
    if (values.json) {
      stdout(JSON.stringify({ architecture: arch, ...(nearest ? { nearest } : {}) }));
      return EXIT_OK;
    }
    const ids = arch.boxes.map((b) => b.id);
    const idWidth = widestLabel(ids, 8);
    stdout(`${padEnd('box', idWidth)}  ${padStart('parameters', 12)}  ${padStart('share', 7)}  ${padStart('bytes', 12)}  ${padStart('FLOPs/token', 12)}  activation`);
    for (const b of arch.boxes) {
      const share = `${(100 * b.share).toFixed(1)}%`;
      stdout(`${padEnd(b.id, idWidth)}  ${padStart(formatNumber(b.parameters), 12)}  ${padStart(share, 7)}  ${padStart(formatNumber(b.bytes), 12)}  ${padStart(formatNumber(b.flopsPerToken), 12)}  ${b.activation.join('×')}${b.tiedTo ? `  (tied to ${b.tiedTo})` : ''}`);
    }
    stdout(`${padEnd('total', idWidth)}  ${padStart(formatNumber(arch.total.parameters), 12)}  ${padStart('100%', 7)}  ${padStart(formatNumber(arch.total.bytes), 12)}  ${padStart(formatNumber(arch.total.flopsPerToken), 12)}`);
    if (nearest) {
      stdout('');
      stdout(l10n.t('nearest tokens to {0}:', JSON.stringify(word)));
      nearest.forEach((n, i) => stdout(`${padStart(String(i + 1), 3)}  ${padEnd(n.label, 20)}  #${n.id}  ${n.cosine.toFixed(3)}`));
    }
    return EXIT_OK;
  },
};
