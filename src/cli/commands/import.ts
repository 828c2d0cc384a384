// `lmx import --from-hf`: a transformers GPT-2 folder as an LM Explorer checkpoint (src/engine/hf/importHf.ts).

import * as path from 'path';
import { BACKEND_NAMES } from '../../engine/backends';
import { saveCheckpoint } from '../../engine/checkpoint';
import { isHfModelFolder, readHfFolder } from '../../engine/hf/importHf';
import { choiceList, choiceOption, stringOption } from '../args';
import { loadModel } from '../checkpointModel';
import { EXIT_OK, type Command } from '../command';
import { stdout } from '../terminal';

export const importCommand: Command = {
  summary: 'turn a Hugging Face GPT-2 folder into an LM Explorer checkpoint',
  usage: 'lmx import --from-hf DIR [--out DIR]',
  positionals: 'none',
  options: {
    'from-hf': { type: 'string' },
    out: { type: 'string', short: 'o' },
    backend: { type: 'string' },
  },
  help: `Options:
  --from-hf DIR       a transformers GPT-2 folder: config.json (model_type gpt2), model.safetensors (float32)
                      and tokenizer.json (required); pytorch_model.bin is not read (a pickle runs code)
  --out, -o DIR       the checkpoint folder to write (default: DIR-lmx beside it); a new or empty folder or a
                      model folder, anything else is refused
  --backend NAME      ${choiceList(BACKEND_NAMES)} (default auto)
Every other command also takes the GPT-2 folder itself as --model; import keeps a checkpoint of it.`,
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
        `imported ${source} → ${out}: ${loaded.config.parameters.toLocaleString('en-US')} parameters, ${c.nLayer} layers × ${c.nHead} heads, ` +
          `width ${c.nEmbd}, context ${c.contextLength}, vocabulary ${loaded.vocab.size.toLocaleString('en-US')} (${loaded.vocab.tokenizer})`,
      );
    } finally {
      loaded.model.dispose();
    }
    return EXIT_OK;
  },
};
