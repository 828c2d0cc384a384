// `lmx export --format hf`: a model as a folder that transformers loads (src/engine/hf/exportHf.ts).

import * as l10n from '@vscode/l10n';
import * as path from 'path';
import { BACKEND_NAMES } from '../../engine/backends';
import { UserError } from '../../engine/errors';
import { exportHfFolder, exportSourceOf } from '../../engine/hf/exportHf';
import { choiceList, choiceOption, stringOption } from '../args';
import { loadModel } from '../checkpointModel';
import { EXIT_OK, type Command } from '../command';
import { stdout } from '../terminal';

const FORMATS = ['hf'] as const;

export const exportCommand: Command = {
  summary: l10n.t('write a model in another format (hf: a Hugging Face transformers folder)'),
  usage: 'lmx export --format hf --model DIR --out DIR',
  positionals: 'none',
  options: {
    format: { type: 'string' },
    model: { type: 'string', short: 'm' },
    out: { type: 'string', short: 'o' },
    backend: { type: 'string' },
  },
  help: l10n.t(
    'Options:\n  --format NAME       {0}: a folder GPT2LMHeadModel.from_pretrained loads, with the tokenizer,\n                      a model card (README.md) and train_hf.py to train it further (required)\n  --model, -m DIR     the model: a checkpoint folder (required)\n  --out, -o DIR       where the folder goes: a new or empty folder, or an earlier export, which is replaced\n                      (required; anything else is refused and nothing is written)\n  --backend NAME      {1} (default auto)',
    choiceList(FORMATS),
    choiceList(BACKEND_NAMES),
  ),
  async run(values) {
    if (values.format === undefined) throw new UserError(l10n.t('lmx export needs --format ({0}); see lmx export --help.', FORMATS.join(', ')));
    choiceOption(values, 'format', FORMATS);
    const dir = stringOption(values, 'model', true);
    const out = path.resolve(stringOption(values, 'out', true));
    const loaded = await loadModel(dir, choiceOption(values, 'backend', BACKEND_NAMES) ?? 'auto');
    try {
      const files = await exportHfFolder(out, await exportSourceOf(loaded));
      stdout(l10n.t('exported to {0}: {1}', out, files.sort().join(', ')));
      stdout(l10n.t('load it: GPT2LMHeadModel.from_pretrained("{0}"); tokenizer: see {1}', out, path.join(out, 'README.md')));
    } finally {
      loaded.model.dispose();
    }
    return EXIT_OK;
  },
};
