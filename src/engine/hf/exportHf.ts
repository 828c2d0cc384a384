// Export for transformers: a folder that GPT2LMHeadModel.from_pretrained(folder) loads as it is, with the
// model's tokenizer (tokenizerFiles.ts), a model card and train_hf.py (pythonFiles.ts). The folder is written
// the way checkpoints are (writeModelFolder: a temporary sibling, then a rename), and only where nothing but
// an earlier export of LM Explorer would be replaced.

import * as path from 'path';
import type { CheckpointConfig, LoadedCheckpoint } from '../checkpoint';
import { ENGINE_NAME, writeFileSynced, writeModelFolder, type FolderLayout } from '../modelFolder';
import { UserError } from '../errors';
import { modelKind, type GPTConfig } from '../model';
import { writeSafetensors } from '../safetensors';
import type { TrainerState } from '../training/trainer';
import type { EncodingName } from '../tokenizer';
import { Vocabulary } from '../vocab';
import { gpt2Config, gpt2Tensors } from './gpt2';
import { modelCard, type ModelCardFacts } from './modelCard';
import { TOKENIZER_LOADER_PY, TRAIN_SCRIPT_PY } from './pythonFiles';
import { charTokenizerJson, encodingTokenizerJson, tokenizerConfigJson } from './tokenizerFiles';

/** Every file an export writes (see the files' own modules for what each holds). */
export const HF_EXPORT_FILES = {
  config: 'config.json',
  model: 'model.safetensors',
  generationConfig: 'generation_config.json',
  /** 'char' and imported models: the exact tokenizer. */
  tokenizer: 'tokenizer.json',
  /** For AutoTokenizer: the exact tokenizer's class, or (GPT-encoding models) the loader's, which it does not know. */
  tokenizerConfig: 'tokenizer_config.json',
  /** GPT-encoding models only: the encoding as a tokenizer.json (GPT IDs). */
  encoding: 'lmx-encoding.json',
  /** Models trained here: their vocabulary (vocab.json), GPT ID → model ID. */
  vocab: 'lmx-vocab.json',
  loader: 'lmx_tokenizer.py',
  trainScript: 'train_hf.py',
  readme: 'README.md',
} as const;

/** The folder of an export: replaced only when it is an earlier export (its config.json says LM Explorer wrote it). */
export const HF_EXPORT_LAYOUT: FolderLayout = {
  noun: 'a Hugging Face export',
  writtenBy: 'a Hugging Face export of LM Explorer',
  entries: Object.values(HF_EXPORT_FILES),
  ownsConfig: (json) => (json as { lmx_export?: { engine?: unknown } } | null)?.lmx_export?.engine === ENGINE_NAME,
};

/** What an export is made of: the model's configuration and weights, its vocabulary, and what its card says. */
export interface HfExportSource {
  config: GPTConfig;
  weights: Map<string, Float32Array>;
  vocab: Vocabulary;
  card: ModelCardFacts;
}

/** The export source of a loaded checkpoint: its kept model and what its files record. */
export async function exportSourceOf(loaded: LoadedCheckpoint): Promise<HfExportSource> {
  return { config: loaded.model.config, weights: await loaded.model.readWeights(), vocab: loaded.vocab, card: cardFacts(loaded.config, loaded.state, loaded.kept) };
}

function cardFacts(config: CheckpointConfig, state: TrainerState | undefined, kept: LoadedCheckpoint['kept']): ModelCardFacts {
  const corpus = config.corpus as Partial<Record<'documents' | 'trainTokens' | 'valTokens' | 'trainBytes' | 'valBytes', number>> | undefined;
  return {
    parameters: config.parameters,
    step: kept?.step ?? config.step,
    valLoss: kept?.valLoss ?? state?.best?.valLoss ?? state?.valLoss,
    tokensSeen: state?.tokensSeen,
    documents: corpus?.documents,
    trainTokens: corpus?.trainTokens,
    valTokens: corpus?.valTokens,
    corpusBytes: corpus?.trainBytes !== undefined && corpus.valBytes !== undefined ? corpus.trainBytes + corpus.valBytes : undefined,
    created: config.created,
  };
}

/** Writes the export into `dir` (a new or empty folder, or an earlier export); returns the files written. */
export async function exportHfFolder(dir: string, source: HfExportSource): Promise<string[]> {
  const { config, vocab } = source;
  if (modelKind(config) === 'encoder') {
    throw new UserError('This model is an encoder (masked-language model); the Hugging Face export writes GPT-2 models, which are decoders.');
  }
  if (vocab.size !== config.vocabSize) throw new Error(`The vocabulary has ${vocab.size} tokens but the model was built for ${config.vocabSize}`);
  const written: string[] = [];
  const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
  await writeModelFolder(dir, HF_EXPORT_LAYOUT, async (tmp) => {
    const write = async (name: string, text: string) => {
      await writeFileSynced(path.join(tmp, name), text);
      written.push(name);
    };
    await writeSafetensors(path.join(tmp, HF_EXPORT_FILES.model), gpt2Tensors(config, source.weights), { format: 'pt' }, { fsync: true });
    written.push(HF_EXPORT_FILES.model);
    if (vocab.hf) {
      // an imported model: its own tokenizer, as it came
      await write(HF_EXPORT_FILES.tokenizer, JSON.stringify(vocab.hf.json));
      await write(HF_EXPORT_FILES.tokenizerConfig, json(vocab.hf.config));
    } else {
      if (vocab.tokenizer === 'char') await write(HF_EXPORT_FILES.tokenizer, JSON.stringify(charTokenizerJson(vocab)));
      else await write(HF_EXPORT_FILES.encoding, JSON.stringify(encodingTokenizerJson(vocab.subsetOf as EncodingName)));
      await write(HF_EXPORT_FILES.tokenizerConfig, json(tokenizerConfigJson(vocab, config.contextLength)));
      await write(HF_EXPORT_FILES.vocab, JSON.stringify(vocab.toJSON()));
    }
    await write(HF_EXPORT_FILES.loader, TOKENIZER_LOADER_PY);
    await write(HF_EXPORT_FILES.trainScript, TRAIN_SCRIPT_PY);
    await write(HF_EXPORT_FILES.readme, modelCard(config, vocab, source.card));
    await write(HF_EXPORT_FILES.generationConfig, json({ bos_token_id: Vocabulary.SEP, eos_token_id: Vocabulary.SEP }));
    // config.json last: a temporary folder with a readable config.json is complete.
    const lmx = { engine: ENGINE_NAME, tokenizer: vocab.tokenizer, positional: config.positional, created: new Date().toISOString(), step: source.card.step };
    await write(HF_EXPORT_FILES.config, json(gpt2Config(config, { sep: Vocabulary.SEP }, lmx)));
  });
  return written;
}
