// `lmx export --format hf`: a model as a folder that transformers loads (src/engine/hf/exportHf.ts).

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
  summary: 'write a model in another format (hf: a Hugging Face transformers folder)',
  usage: 'lmx export --format hf --model DIR --out DIR',
  positionals: 'none',
  options: {
    format: { type: 'string' },
    model: { type: 'string', short: 'm' },
    out: { type: 'string', short: 'o' },
    backend: { type: 'string' },
  },
  help: `Options:
  --format NAME       ${choiceList(FORMATS)}: a folder GPT2LMHeadModel.from_pretrained loads, with the tokenizer,
                      a model card (README.md) and train_hf.py to train it further (required)
  --model, -m DIR     the model: a checkpoint folder (required)
  --out, -o DIR       where the folder goes: a new or empty folder, or an earlier export, which is replaced
                      (required; anything else is refused and nothing is written)
  --backend NAME      ${choiceList(BACKEND_NAMES)} (default auto)`,
  async run(values) {
    if (values.format === undefined) throw new UserError(`lmx export needs --format (${FORMATS.join(', ')}); see lmx export --help.`);
    choiceOption(values, 'format', FORMATS);
    const dir = stringOption(values, 'model', true);
    const out = path.resolve(stringOption(values, 'out', true));
    const loaded = await loadModel(dir, choiceOption(values, 'backend', BACKEND_NAMES) ?? 'auto');
    try {
      const files = await exportHfFolder(out, await exportSourceOf(loaded));
      stdout(`exported to ${out}: ${files.sort().join(', ')}`);
      stdout(`load it: GPT2LMHeadModel.from_pretrained("${out}"); tokenizer: see ${path.join(out, 'README.md')}`);
    } finally {
      loaded.model.dispose();
    }
    return EXIT_OK;
  },
};
