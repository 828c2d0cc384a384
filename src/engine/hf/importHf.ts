// Import from transformers: a GPT-2-family folder (config.json + model.safetensors + tokenizer.json), read
// and checked in full before anything is built or written; every problem is one HfFormatError naming the file.
//
// The tokenizer: lmx-vocab.json when the folder is an LM Explorer export (trained further with train_hf.py,
// say), which gives back the model's own vocabulary exactly; otherwise tokenizer.json (with
// tokenizer_config.json), run by @huggingface/tokenizers, whose IDs are the model's.
//
// pytorch_model.bin is not read: it is a Python pickle, and unpickling runs whatever code the file names.
// Sharded weights (model-00001-of-…) and half-precision tensors are not read either; the messages say so.

import { promises as fs } from 'fs';
import * as path from 'path';
import { CHECKPOINT_LAYOUT, exists } from '../modelFolder';
import type { GPTConfig } from '../model';
import { readSafetensors, SafetensorsError } from '../safetensors';
import { Vocabulary } from '../vocab';
import { HfFormatError } from './errors';
import { engineConfigOf, engineWeightsOf } from './gpt2';

/** The files an import reads. */
export const HF_IMPORT_FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
  /** An LM Explorer export's vocabulary (exportHf.ts). */
  lmxVocab: 'lmx-vocab.json',
  /** Not read (see the top of this file). */
  pickle: 'pytorch_model.bin',
  shardIndex: 'model.safetensors.index.json',
} as const;

/** A GPT-2 folder, read and checked: what the engine needs to build and run the model. */
export interface HfModel {
  dir: string;
  config: GPTConfig;
  weights: Map<string, Float32Array>;
  vocab: Vocabulary;
}

/** Whether a folder looks like a transformers model (its config.json has a model_type), not an LM Explorer checkpoint. */
export async function isHfModelFolder(dir: string): Promise<boolean> {
  try {
    const json = JSON.parse(await fs.readFile(path.join(dir, HF_IMPORT_FILES.config), 'utf8')) as { model_type?: unknown; formatVersion?: unknown } | null;
    return typeof json?.model_type === 'string' && json.formatVersion === undefined;
  } catch {
    return false;
  }
}

async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HfFormatError(file, code === 'ENOENT' ? `is missing; ${what}` : `cannot be read (${code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HfFormatError(file, `is not valid JSON (${(error as Error).message})`);
  }
}

/** Reads and checks a GPT-2 folder; throws an HfFormatError naming the file and the problem. */
export async function readHfFolder(dir: string): Promise<HfModel> {
  const root = path.resolve(dir);
  const stat = await fs.stat(root).catch(() => undefined);
  if (!stat) throw new HfFormatError(root, 'does not exist');
  if (!stat.isDirectory()) throw new HfFormatError(root, 'is not a folder; pick the folder that holds config.json and model.safetensors');
  const file = (name: string) => path.join(root, name);

  const configFile = file(HF_IMPORT_FILES.config);
  const configJson = await readJsonFile(configFile, 'a Hugging Face model folder has config.json beside its weights');
  if (CHECKPOINT_LAYOUT.ownsConfig(configJson)) throw new HfFormatError(configFile, "is an LM Explorer checkpoint's, not a Hugging Face model's: use the folder as it is");
  const config = engineConfigOf(configJson, configFile);

  const weightsFile = file(HF_IMPORT_FILES.weights);
  if (!(await exists(weightsFile))) {
    if (await exists(file(HF_IMPORT_FILES.shardIndex))) {
      throw new HfFormatError(weightsFile, 'is missing: the weights are split into shards (model.safetensors.index.json), which LM Explorer does not read; save them as one file: model.save_pretrained(dir, max_shard_size="10GB")');
    }
    if (await exists(file(HF_IMPORT_FILES.pickle))) {
      throw new HfFormatError(
        weightsFile,
        'is missing, and pytorch_model.bin is not read: it is a Python pickle, which runs code from the file when loaded; convert it where you trust it: GPT2LMHeadModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)',
      );
    }
    throw new HfFormatError(weightsFile, 'is missing; a Hugging Face model folder has its weights in model.safetensors');
  }
  let tensors;
  try {
    ({ tensors } = await readSafetensors(weightsFile));
  } catch (error) {
    if (error instanceof SafetensorsError) {
      const halfPrecision = /dtype (F16|BF16)/.exec(error.detail);
      if (halfPrecision) {
        throw new HfFormatError(weightsFile, `${error.detail}; save the model in float32 first: model.float().save_pretrained(dir)`);
      }
      throw new HfFormatError(weightsFile, error.detail);
    }
    throw error;
  }
  const weights = engineWeightsOf(config, tensors, weightsFile);
  for (const [name, data] of weights) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new HfFormatError(weightsFile, `tensor for ${name} holds ${Number.isNaN(data[i]) ? 'NaN' : 'an infinite value'} (at index ${i}); the model is broken`);
    }
  }
  return { dir: root, config, weights, vocab: await readVocabulary(root, config.vocabSize) };
}

async function readVocabulary(root: string, vocabSize: number): Promise<Vocabulary> {
  const lmxFile = path.join(root, HF_IMPORT_FILES.lmxVocab);
  if (await exists(lmxFile)) {
    let vocab: Vocabulary;
    try {
      vocab = Vocabulary.fromJSON(await readJsonFile(lmxFile, ''));
    } catch (error) {
      if (error instanceof HfFormatError) throw error;
      throw new HfFormatError(lmxFile, (error as Error).message);
    }
    if (vocab.size !== vocabSize) throw new HfFormatError(lmxFile, `has ${vocab.size} tokens, but config.json's vocab_size is ${vocabSize}`);
    return vocab;
  }
  const tokenizerFile = path.join(root, HF_IMPORT_FILES.tokenizer);
  const tokenizer = await readJsonFile(tokenizerFile, 'LM Explorer tokenizes with the model\'s own tokenizer.json (save it with tokenizer.save_pretrained(dir))');
  const configFile = path.join(root, HF_IMPORT_FILES.tokenizerConfig);
  const tokenizerConfig = (await exists(configFile)) ? await readJsonFile(configFile, '') : {};
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(tokenizer) || !isObject(tokenizer.model)) throw new HfFormatError(tokenizerFile, 'is not a tokenizer.json of the tokenizers library (no "model")');
  if (!isObject(tokenizerConfig)) throw new HfFormatError(configFile, 'is not a JSON object');
  let vocab: Vocabulary;
  try {
    vocab = Vocabulary.fromHf(tokenizer, tokenizerConfig, vocabSize);
  } catch (error) {
    throw new HfFormatError(tokenizerFile, `cannot be used: ${(error as Error).message}`);
  }
  let largest = -1;
  for (const id of Object.values((tokenizer.model as { vocab?: Record<string, unknown> }).vocab ?? {})) if (typeof id === 'number' && id > largest) largest = id;
  if (largest >= vocabSize) throw new HfFormatError(tokenizerFile, `has token ID ${largest}, but config.json's vocab_size is ${vocabSize}: they are not the same model's`);
  return vocab;
}
