// `lmx import --from-hf`: a transformers GPT-2 folder as an LM Explorer checkpoint (src/engine/hf/importHf.ts).

import * as l10n from '@vscode/l10n';
import * as path from 'path';
import { BACKEND_NAMES } from '../../engine/backends';
import { saveCheckpoint } from '../../engine/checkpoint';
import { isHfModelFolder, readHfFolder } from '../../engine/hf/importHf';
import { formatNumber } from '../../l10n/format';
import { choiceList, choiceOption, stringOption } from '../args';
import { loadModel } from '../checkpointModel';
import { EXIT_OK, type Command } from '../command';
import { stdout } from '../terminal';

export const importCommand: Command = {
  summary: l10n.t('turn a Hugging Face GPT-2 folder into an LM Explorer checkpoint'),
  usage: 'lmx import --from-hf DIR [--out DIR]',
  positionals: 'none',
  options: {
    'from-hf': { type: 'string' },
    out: { type: 'string', short: 'o' },
    backend: { type: 'string' },
  },
  help: l10n.t(
    'Options:\n  --from-hf DIR       a transformers GPT-2 folder: config.json (model_type gpt2), model.safetensors (float32)\n                      and tokenizer.json (required); pytorch_model.bin is not read (a pickle runs code)\n  --out, -o DIR       the checkpoint folder to write (default: DIR-lmx beside it); a new or empty folder or a\n                      model folder, anything else is refused\n  --backend NAME      {0} (default auto)\nEvery other command also takes the GPT-2 folder itself as --model; import keeps a checkpoint of it.',
    choiceList(BACKEND_NAMES),
  ),
  async run(values) {
    const source = path.resolve(stringOption(values, 'from-hf', true));
    const out = path.resolve(stringOption(values, 'out') ?? `${source.replace(/[\\/]+$/, '')}-lmx`);
    // a folder that is not a GPT-2 one (a checkpoint of LM Explorer's included) says why here, before any backend starts
    if (!(await isHfModelFolder(source))) await readHfFolder(source);
    const loaded = await loadModel(source, choiceOption(values, 'backend', BACKEND_NAMES) ?? 'auto');
    try {
      await saveCheckpoint(out, loaded.model, loaded.vocab, undefined, { info: { importedFrom: source } });
      const c = loaded.model.config;
      stdout(
        l10n.t('imported {0} → {1}: {2} parameters, {3} layers × {4} heads, width {5}, context {6}, vocabulary {7} ({8})', {
          0: source,
          1: out,
          2: formatNumber(loaded.config.parameters),
          3: c.nLayer,
          4: c.nHead,
          5: c.nEmbd,
          6: c.contextLength,
          7: formatNumber(loaded.vocab.size),
          8: loaded.vocab.tokenizer,
        }),
      );
    } finally {
      loaded.model.dispose();
    }
    return EXIT_OK;
  },
};
