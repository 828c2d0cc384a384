// Checkpoints: one folder per model.
//
//   DIR/model.safetensors          float32 weights, nanoGPT names (GPT.parameterShapes()), in that order: the
//                                  kept model, the one with the lowest validation loss of its training, which
//                                  every feature uses
//   DIR/latest-model.safetensors   the weights at the latest step, when training went on past the kept model's
//                                  step: what Resume continues from (with the training state below)
//   DIR/config.json                { formatVersion, model: GPTConfig (model.kind "encoder" for an encoder, absent
//                                  for a decoder), tokenizer, vocabSize, created, step, … }
//   DIR/vocab.json                 the Vocabulary (vocab.ts)
//   DIR/trainer-state.safetensors  AdamW's moments "m.<parameter>" and "v.<parameter>", when there is a
//                                  training state
//   DIR/trainer.json               the rest of the training state: step, seed, batch generator state, the
//                                  best validation loss …
//
// A checkpoint saved before the kept model existed has model.safetensors only: the kept and the latest model
// are then the same, and it loads as it always did.
//
// Saving is atomic: everything is written into a sibling folder DIR.tmp-<random> and fsynced, config.json
// last; then DIR is renamed to DIR.old-<random>, the new folder renamed to DIR, and the old one removed. A crash
// at any point leaves either DIR complete, or (between the two renames) no DIR but a complete DIR.tmp-* and
// DIR.old-*: the loader then takes the newest complete one, and the next save first moves it back to DIR
// (recoverInterruptedSave), so every command sees the same checkpoint. A DIR.tmp-* without a readable
// config.json is an interrupted write and is never loaded; leftovers are removed by the next save.
//
// A save never destroys what it did not write. DIR is replaced only when it is a model folder: its
// config.json is an LM Explorer checkpoint's and it holds nothing but CHECKPOINT_FILES (inspectModelFolder in
// modelFolder.ts). A folder of notes, a regular file, a link: the save refuses with a
// NotAModelFolderError and writes nothing. Old copies are removed file by file, by name, so a file that is not
// a checkpoint's is never deleted.
//
// Loading checks everything and throws a CheckpointError naming the file and what is wrong with it.

import { promises as fs } from 'fs';
import * as path from 'path';
import { UserError } from './errors';
import { GPT, modelKind, parameterShapesOf, validateConfig, type GPTConfig } from './model';
import { readSafetensors, SafetensorsError, writeSafetensors, type SafeTensor, type SafetensorsFile } from './safetensors';
import { isTokenizerName, TOKENIZERS } from './tokenizer';
import { Rng, type RngState } from './rng';
import type { TrainerState } from './training';
import { HF_TOKENIZER, Vocabulary, type VocabularyTokenizer } from './vocab';
import { isHfModelFolder, readHfFolder } from './hf/importHf';
import {
  CHECKPOINT_FILES,
  CHECKPOINT_LAYOUT,
  ENGINE_NAME,
  exists,
  resolveCheckpointDir,
  writeFileSynced,
  writeModelFolder,
  type FolderSwapHooks,
} from './modelFolder';

export {
  CHECKPOINT_FILES,
  inspectModelFolder,
  NotAModelFolderError,
  recoverInterruptedSave,
  resolveCheckpointDir,
  type ModelFolder,
} from './modelFolder';

export const CHECKPOINT_FORMAT_VERSION = 1;

/** What is wrong with a checkpoint; the message is "<file>: <what is wrong>". */
export class CheckpointError extends UserError {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'CheckpointError';
  }
}

/** config.json. Fields beyond these (from SaveOptions.info) are kept as they are. */
export interface CheckpointConfig {
  formatVersion: number;
  model: GPTConfig;
  tokenizer: VocabularyTokenizer;
  vocabSize: number;
  /** ISO 8601 time of the save. */
  created: string;
  /** Optimiser steps taken (0 without a training state). */
  step: number;
  parameters: number;
  engine: { name: string; version: number };
  [key: string]: unknown;
}

export interface LoadedCheckpoint {
  model: GPT;
  vocab: Vocabulary;
  state?: TrainerState;
  config: CheckpointConfig;
  /** The folder actually read: DIR, or a complete DIR.tmp-… or DIR.old-… left by a save that was cut short. */
  dir: string;
  /** Which weights `model` holds: the kept model's, or the latest step's (LoadOptions.weights). */
  weights: 'kept' | 'latest';
  /** The kept model's step and validation loss, when the checkpoint records them. */
  kept?: KeptModelInfo;
}

/** The model a checkpoint keeps for the features: its step and its validation loss. */
export interface KeptModelInfo {
  step: number;
  valLoss: number;
}

export interface SaveOptions extends FolderSwapHooks {
  /** Extra fields for config.json (training settings, corpus summary …). */
  info?: Record<string, unknown>;
  /**
   * The kept model: its weights go to model.safetensors and the model's own (latest) weights to
   * latest-model.safetensors. Without it the model's weights are both.
   */
  kept?: KeptModelInfo & { weights: Map<string, Float32Array> };
  /** With `kept`: the latest step's weights, when the model holds other ones (default: the model's own). */
  latest?: Map<string, Float32Array>;
}

// ---------------------------------------------------------------------------------------------------
// Saving

export async function saveCheckpoint(dir: string, model: GPT, vocab: Vocabulary, state?: TrainerState, options: SaveOptions = {}): Promise<void> {
  if (vocab.size !== model.config.vocabSize) {
    throw new Error(`The vocabulary has ${vocab.size} tokens but the model was built for ${model.config.vocabSize}`);
  }
  await writeModelFolder(
    dir,
    CHECKPOINT_LAYOUT,
    async (tmp) => {
      // The weights, in parameterShapes() order.
      const weights = options.kept && options.latest ? options.latest : await model.readWeights();
      const shapes = model.parameterShapes();
      const weightTensors = (source: Map<string, Float32Array>) => {
        const tensors = new Map<string, SafeTensor>();
        for (const [name, shape] of Object.entries(shapes)) {
          const data = source.get(name);
          if (!data || data.length !== size(shape)) throw new Error(`The weights to save have no ${size(shape)} values for ${name}`);
          tensors.set(name, { dtype: 'F32', shape, data });
        }
        return tensors;
      };
      const metadata = { format: 'pt', lmx_format_version: String(CHECKPOINT_FORMAT_VERSION) };
      await writeSafetensors(path.join(tmp, CHECKPOINT_FILES.model), weightTensors(options.kept?.weights ?? weights), metadata, { fsync: true });
      // The latest weights only when they differ from the kept ones (training went on past the kept step).
      if (options.kept && options.kept.step !== state?.step) {
        await writeSafetensors(path.join(tmp, CHECKPOINT_FILES.latestModel), weightTensors(weights), metadata, { fsync: true });
      }
      await writeFileSynced(path.join(tmp, CHECKPOINT_FILES.vocab), JSON.stringify(vocab.toJSON()));
      let step = 0;
      if (state) {
        await writeSafetensors(path.join(tmp, CHECKPOINT_FILES.trainerTensors), stateTensors(state, shapes), { format: 'lmx-trainer-state' }, { fsync: true });
        await writeFileSynced(path.join(tmp, CHECKPOINT_FILES.trainer), JSON.stringify(stateJSON(state), null, 2) + '\n');
        step = state.step;
      }
      const config: CheckpointConfig = {
        ...(options.info ?? {}),
        formatVersion: CHECKPOINT_FORMAT_VERSION,
        model: { ...model.config },
        tokenizer: vocab.tokenizer,
        vocabSize: vocab.size,
        created: new Date().toISOString(),
        step,
        parameters: model.parameterCounts().total,
        engine: { name: ENGINE_NAME, version: CHECKPOINT_FORMAT_VERSION },
        ...(options.kept ? { kept: { step: options.kept.step, valLoss: options.kept.valLoss } } : {}),
      };
      // config.json last: a temporary folder with a readable config.json is complete.
      await writeFileSynced(path.join(tmp, CHECKPOINT_FILES.config), JSON.stringify(config, null, 2) + '\n');
    },
    options,
  );
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// ---------------------------------------------------------------------------------------------------
// The training state: AdamW's moments into safetensors ("m.<parameter>", "v.<parameter>", with the
// parameters' shapes), the rest into trainer.json.

/** trainer.json. */
interface TrainerJSON {
  formatVersion: number;
  step: number;
  seed: number;
  tokensSeen: number;
  elapsedMs: number;
  rngState?: RngState;
  loss?: number;
  valLoss?: number;
  best?: { step: number; valLoss: number };
  evalsSinceBest?: number;
}

function stateTensors(state: TrainerState, shapes: Record<string, number[]>): Map<string, SafeTensor> {
  const tensors = new Map<string, SafeTensor>();
  for (const which of ['m', 'v'] as const) {
    const moments = state.optimizer[which] as Record<string, Float32Array> | Map<string, Float32Array>;
    for (const [name, shape] of Object.entries(shapes)) {
      const data = moments instanceof Map ? moments.get(name) : moments[name];
      if (!data || data.length !== size(shape)) throw new Error(`Training state: optimizer.${which} has no ${size(shape)} values for ${name}`);
      tensors.set(`${which}.${name}`, { dtype: 'F32', shape, data });
    }
  }
  return tensors;
}

function stateJSON(state: TrainerState): TrainerJSON {
  const json: TrainerJSON = {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    step: state.step,
    seed: state.seed,
    tokensSeen: state.tokensSeen,
    elapsedMs: state.elapsedMs,
  };
  if (state.rngState) json.rngState = { ...state.rngState };
  if (state.loss !== undefined && Number.isFinite(state.loss)) json.loss = state.loss;
  if (state.valLoss !== undefined && Number.isFinite(state.valLoss)) json.valLoss = state.valLoss;
  if (state.best) json.best = { step: state.best.step, valLoss: state.best.valLoss };
  if (state.evalsSinceBest !== undefined) json.evalsSinceBest = state.evalsSinceBest;
  return json;
}

// ---------------------------------------------------------------------------------------------------
// Loading

/** Reads config.json only (cheap: for listing checkpoints). */
export async function readCheckpointConfig(dir: string): Promise<CheckpointConfig> {
  const [first] = await resolveCheckpointDir(dir);
  return readConfig(first ?? path.resolve(dir));
}

export interface LoadOptions {
  /**
   * Called once every file has been read and checked, before the model is built: the place to start a
   * TensorFlow.js backend, so that a broken checkpoint is reported before any backend is probed.
   */
  beforeModel?: () => unknown | Promise<unknown>;
  /**
   * 'kept' (default): the kept model, the one the features use. 'latest': the weights of the latest step,
   * which the training state belongs to: what Resume continues from.
   */
  weights?: 'kept' | 'latest';
}

/**
 * Loads a checkpoint folder, or a transformers GPT-2 folder (hf/importHf.ts); every problem with its files is
 * a CheckpointError (an HfFormatError for a GPT-2 folder) naming the file.
 */
export async function loadCheckpoint(dir: string, options: LoadOptions = {}): Promise<LoadedCheckpoint> {
  if (await isHfModelFolder(dir)) return loadHfFolder(dir, options);
  const candidates = await resolveCheckpointDir(dir);
  if (candidates.length === 0) throw new CheckpointError(path.resolve(dir), 'no such checkpoint folder');
  let firstError: unknown;
  for (const candidate of candidates) {
    try {
      return await loadFrom(candidate, options);
    } catch (error) {
      // DIR itself is the only candidate when it exists: its errors are reported as they are.
      firstError ??= error;
    }
  }
  throw firstError;
}

/** A GPT-2 folder as a loaded checkpoint: its model, its tokenizer, and the config.json a save would write for it. */
async function loadHfFolder(dir: string, options: LoadOptions): Promise<LoadedCheckpoint> {
  const hf = await readHfFolder(dir);
  await options.beforeModel?.();
  const model = new GPT(hf.config);
  model.setWeights(hf.weights);
  const config: CheckpointConfig = {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    model: model.config,
    tokenizer: hf.vocab.tokenizer,
    vocabSize: hf.vocab.size,
    created: new Date().toISOString(),
    step: 0,
    parameters: model.parameterCounts().total,
    engine: { name: ENGINE_NAME, version: CHECKPOINT_FORMAT_VERSION },
    importedFrom: hf.dir,
  };
  return { model, vocab: hf.vocab, config, dir: hf.dir, weights: 'kept' };
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CheckpointError(file, code === 'ENOENT' ? 'file is missing' : `cannot be read (${code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(file, `not valid JSON (${(error as Error).message})`);
  }
}

async function readConfig(dir: string): Promise<CheckpointConfig> {
  const file = path.join(dir, CHECKPOINT_FILES.config);
  const fail = (detail: string): never => {
    throw new CheckpointError(file, detail);
  };
  const json = await readJson(file);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('not a JSON object');
  const c = json as Record<string, unknown>;
  if (c.formatVersion === undefined) fail('has no formatVersion; not an LM Explorer checkpoint');
  if (c.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    fail(`formatVersion ${JSON.stringify(c.formatVersion)} is not supported (this version of LM Explorer reads ${CHECKPOINT_FORMAT_VERSION})`);
  }
  let model: GPTConfig;
  try {
    model = validateConfig(c.model as GPTConfig);
  } catch (error) {
    return fail(`"model": ${(error as Error).message}`);
  }
  if (!isTokenizerName(c.tokenizer) && c.tokenizer !== HF_TOKENIZER) fail(`"tokenizer" ${JSON.stringify(c.tokenizer)} is unknown (known: ${[...TOKENIZERS, HF_TOKENIZER].join(', ')})`);
  if (c.vocabSize !== undefined && c.vocabSize !== model.vocabSize) fail(`"vocabSize" ${c.vocabSize} differs from model.vocabSize ${model.vocabSize}`);
  return {
    ...c,
    model,
    tokenizer: c.tokenizer as VocabularyTokenizer,
    vocabSize: model.vocabSize,
    step: typeof c.step === 'number' ? c.step : 0,
  } as CheckpointConfig;
}

/** Reads a checkpoint's tensor file; a NaN or infinite value anywhere is a CheckpointError naming the tensor. */
async function readTensors(file: string): Promise<SafetensorsFile> {
  let read: SafetensorsFile;
  try {
    read = await readSafetensors(file);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new CheckpointError(error.file, error.detail);
    throw error;
  }
  // A model that diverged, or a damaged file, would otherwise load and print NaN attention and "a‡‡‡‡".
  for (const [name, t] of read.tensors) {
    if (t.dtype !== 'F32') continue;
    const data = t.data as Float32Array;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new CheckpointError(file, `tensor "${name}" holds ${Number.isNaN(data[i]) ? 'NaN' : 'an infinite value'} (at index ${i} of ${data.length}); the model is broken, train it again or load an earlier copy`);
      }
    }
  }
  return read;
}

async function loadFrom(dir: string, options: LoadOptions): Promise<LoadedCheckpoint> {
  const config = await readConfig(dir);

  const vocabFile = path.join(dir, CHECKPOINT_FILES.vocab);
  let vocab: Vocabulary;
  try {
    vocab = Vocabulary.fromJSON(await readJson(vocabFile));
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(vocabFile, (error as Error).message);
  }
  if (vocab.size !== config.model.vocabSize) {
    throw new CheckpointError(vocabFile, `has ${vocab.size} tokens, but config.json says the model's vocabSize is ${config.model.vocabSize}`);
  }
  if (vocab.tokenizer !== config.tokenizer) {
    throw new CheckpointError(vocabFile, `is for the ${vocab.tokenizer} tokenizer, but config.json says ${config.tokenizer}`);
  }
  if ((modelKind(config.model) === 'encoder') !== (vocab.maskId !== undefined)) {
    throw new CheckpointError(
      vocabFile,
      vocab.maskId === undefined
        ? `has no ${Vocabulary.MASK_LABEL} token, but config.json says the model is an encoder`
        : `has a ${Vocabulary.MASK_LABEL} token, but config.json says the model is a ${modelKind(config.model)}`,
    );
  }

  const latestFile = path.join(dir, CHECKPOINT_FILES.latestModel);
  const weights = options.weights === 'latest' && (await exists(latestFile)) ? 'latest' : 'kept';
  const modelFile = weights === 'latest' ? latestFile : path.join(dir, CHECKPOINT_FILES.model);
  const { tensors } = await readTensors(modelFile);
  const shapes = parameterShapesOf(config.model);
  for (const [name, t] of tensors) {
    const expected = shapes[name];
    if (!expected) throw new CheckpointError(modelFile, `unexpected tensor "${name}" (the model has no such parameter)`);
    if (t.dtype !== 'F32') throw new CheckpointError(modelFile, `tensor "${name}" has dtype ${t.dtype}, expected F32`);
    if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      throw new CheckpointError(modelFile, `tensor "${name}" has shape [${t.shape}], expected [${expected}]`);
    }
  }
  for (const [name, shape] of Object.entries(shapes)) {
    if (!tensors.has(name)) throw new CheckpointError(modelFile, `tensor "${name}" (shape [${shape}]) is missing`);
  }
  const state = await loadState(dir, shapes);

  // Every file is read and checked: only now is TensorFlow.js needed.
  await options.beforeModel?.();
  const model = new GPT(config.model);
  try {
    const weights = new Map<string, Float32Array>();
    for (const [name, t] of tensors) weights.set(name, t.data as Float32Array);
    model.setWeights(weights);
  } catch (error) {
    model.dispose();
    throw new CheckpointError(modelFile, (error as Error).message);
  }
  const kept = keptInfo(config.kept);
  return { model, vocab, state, config, dir, weights, ...(kept ? { kept } : {}) };
}

function keptInfo(value: unknown): KeptModelInfo | undefined {
  const v = value as Partial<KeptModelInfo> | undefined;
  return v && Number.isInteger(v.step) && typeof v.valLoss === 'number' ? { step: v.step!, valLoss: v.valLoss } : undefined;
}

async function loadState(dir: string, shapes: Record<string, number[]>): Promise<TrainerState | undefined> {
  const jsonFile = path.join(dir, CHECKPOINT_FILES.trainer);
  const tensorFile = path.join(dir, CHECKPOINT_FILES.trainerTensors);
  const hasJson = await exists(jsonFile);
  const hasTensors = await exists(tensorFile);
  if (!hasJson && !hasTensors) return undefined;
  if (!hasJson) throw new CheckpointError(jsonFile, `file is missing (${CHECKPOINT_FILES.trainerTensors} is there)`);
  if (!hasTensors) throw new CheckpointError(tensorFile, `file is missing (${CHECKPOINT_FILES.trainer} is there)`);

  const json = await readJson(jsonFile);
  const fail = (detail: string): never => {
    throw new CheckpointError(jsonFile, detail);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('not a JSON object');
  const j = json as Record<string, unknown>;
  if (j.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    fail(`formatVersion ${JSON.stringify(j.formatVersion)} is not supported (this version of LM Explorer reads ${CHECKPOINT_FORMAT_VERSION})`);
  }
  const count = (key: string): number => {
    const v = j[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(`"${key}" ${JSON.stringify(v)} is not a whole number ≥ 0`);
    return v as number;
  };
  const state: TrainerState = {
    step: count('step'),
    seed: count('seed'),
    tokensSeen: count('tokensSeen'),
    elapsedMs: typeof j.elapsedMs === 'number' && j.elapsedMs >= 0 ? j.elapsedMs : fail(`"elapsedMs" ${JSON.stringify(j.elapsedMs)} is not a duration`),
    optimizer: { m: {}, v: {} },
  };
  if (j.rngState !== undefined) {
    try {
      state.rngState = Rng.fromState(j.rngState as RngState).state;
    } catch (error) {
      fail(`"rngState": ${(error as Error).message}`);
    }
  }
  for (const key of ['loss', 'valLoss'] as const) {
    if (j[key] === undefined) continue;
    if (typeof j[key] !== 'number') fail(`"${key}" ${JSON.stringify(j[key])} is not a number`);
    state[key] = j[key] as number;
  }
  if (j.best !== undefined) {
    const best = keptInfo(j.best);
    if (!best) fail(`"best" ${JSON.stringify(j.best)} is not { step, valLoss }`);
    state.best = best;
    state.evalsSinceBest = typeof j.evalsSinceBest === 'number' && j.evalsSinceBest >= 0 ? Math.floor(j.evalsSinceBest) : 0;
  }

  const { tensors } = await readTensors(tensorFile);
  for (const [name, t] of tensors) {
    const match = /^([mv])\.(.+)$/.exec(name);
    const shape = match ? shapes[match[2]] : undefined;
    if (!match || !shape) throw new CheckpointError(tensorFile, `unexpected tensor "${name}" (expected m.<parameter> and v.<parameter>)`);
    if (t.dtype !== 'F32') throw new CheckpointError(tensorFile, `tensor "${name}" has dtype ${t.dtype}, expected F32`);
    if (t.shape.join() !== shape.join() || t.shape.length !== shape.length) {
      throw new CheckpointError(tensorFile, `tensor "${name}" has shape [${t.shape}], expected [${shape}]`);
    }
    state.optimizer[match[1] as 'm' | 'v'][match[2]] = t.data as Float32Array;
  }
  for (const which of ['m', 'v'] as const) {
    for (const [name, shape] of Object.entries(shapes)) {
      if (!state.optimizer[which][name]) throw new CheckpointError(tensorFile, `tensor "${which}.${name}" (shape [${shape}]) is missing`);
    }
  }
  return state;
}

/**
 * The weights of a checkpoint without building a model: 'kept' (model.safetensors) or 'latest'
 * (latest-model.safetensors; undefined when the checkpoint has none, i.e. the latest model is the kept one).
 */
export async function readCheckpointWeights(dir: string, which: 'kept' | 'latest'): Promise<Map<string, Float32Array> | undefined> {
  const [first] = await resolveCheckpointDir(dir);
  const folder = first ?? path.resolve(dir);
  const file = path.join(folder, which === 'kept' ? CHECKPOINT_FILES.model : CHECKPOINT_FILES.latestModel);
  if (which === 'latest' && !(await exists(file))) return undefined;
  const { tensors } = await readTensors(file);
  const weights = new Map<string, Float32Array>();
  for (const [name, t] of tensors) {
    if (t.dtype !== 'F32') throw new CheckpointError(file, `tensor "${name}" has dtype ${t.dtype}, expected F32`);
    weights.set(name, t.data as Float32Array);
  }
  return weights;
}
