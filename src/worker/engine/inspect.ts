// The engine worker's side of the Model Inspector: reads the embedding tables of the model it holds (and,
// for "What training changed", of the second model) and answers with the engine's inspector
// (src/engine/inspect). Every number is computed here, on the worker's thread.

import { promises as fs } from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { CHECKPOINT_FILES } from '../../engine/modelFolder';
import { readCheckpointConfig, readCheckpointWeights } from '../../engine/checkpoint';
import { UserError } from '../../engine/errors';
import { inspect, pcaMap, type CompareTarget } from '../../engine/inspect';
import { GPT, type GPTConfig } from '../../engine/model';
import type { TrainerState } from '../../engine/training/trainer';
import { Vocabulary } from '../../engine/vocab';
import type { InspectParams, InspectResult, ModelToken } from './protocol';

/** What the worker holds that the inspector reads. */
export interface InspectedModel {
  model: GPT;
  vocab: Vocabulary;
  state?: TrainerState;
  dir?: string;
  /** The kept model's step and validation loss. */
  best?: { step: number };
  /** The latest step's weights, when training went on past the kept model. */
  latestWeights?: Map<string, Float32Array>;
}

/** The tables the inspector reads: the token embedding and, with learned positions, wpe. */
const TABLES = ['wte', 'wpe'];

async function tablesOf(model: GPT): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const name of TABLES) {
    const v = model.params.get(name);
    if (v) out.set(name, (await v.data()) as Float32Array);
  }
  return out;
}

/** The starting tables of the last (configuration, seed) asked for: they never change. */
let initial: { key: string; tables: Map<string, Float32Array> } | undefined;

/** A model's weights before its first step: training builds it as new GPT(config, seed). */
async function initialTables(config: GPTConfig, seed: number): Promise<Map<string, Float32Array>> {
  const key = JSON.stringify({ config, seed });
  if (initial?.key !== key) {
    const model = new GPT(config, seed);
    try {
      initial = { key, tables: await tablesOf(model) };
    } finally {
      model.dispose();
    }
  }
  return initial.tables;
}

/** The second model of a comparison: its weights and its step. */
async function otherModel(h: InspectedModel, against: CompareTarget): Promise<{ weights: Map<string, Float32Array>; step?: number }> {
  switch (against.kind) {
    case 'initial': {
      if (h.state === undefined) throw new UserError('This model has no training state, so its starting weights are not known: compare it with another checkpoint folder instead.');
      return { weights: await initialTables(h.model.config, h.state.seed), step: 0 };
    }
    case 'latest': {
      const weights = h.latestWeights ?? (h.dir ? await readCheckpointWeights(h.dir, 'latest') : undefined);
      if (!weights) throw new UserError('The kept model is the latest step of its training: there is no later model to compare it with.');
      return { weights, ...(h.state ? { step: h.state.step } : {}) };
    }
    case 'folder': {
      const config = await readCheckpointConfig(against.dir);
      const mine = h.model.config;
      if (JSON.stringify(config.model) !== JSON.stringify(mine)) {
        throw new UserError(`The model in ${against.dir} has another shape (${config.model.nLayer} layers, ${config.model.nEmbd} channels, ${config.model.vocabSize} tokens): only checkpoints of the same model can be compared.`);
      }
      const vocabJson = JSON.parse(await fs.readFile(path.join(against.dir, CHECKPOINT_FILES.vocab), 'utf8'));
      if (JSON.stringify(Vocabulary.fromJSON(vocabJson).toJSON().tokens) !== JSON.stringify(h.vocab.toJSON().tokens)) {
        throw new UserError(`The model in ${against.dir} has another vocabulary: its token IDs mean other tokens, so its rows cannot be compared.`);
      }
      const weights = await readCheckpointWeights(against.dir, 'kept');
      return { weights: weights!, step: config.step };
    }
  }
}

/**
 * One inspector request for the model the worker holds; `describe` names a model token. With `prepareMap`,
 * the PCA map of the vocabulary (the one costly step, kept per table) is computed right after the answer,
 * so that the Nearest tokens tab, usually opened next, finds it ready.
 */
export async function answerInspect(h: InspectedModel, params: InspectParams, describe: (id: number) => ModelToken, options: { prepareMap?: boolean } = {}): Promise<InspectResult> {
  const started = performance.now();
  const weights = await tablesOf(h.model);
  // The model's own step: the kept model's when training went on past it.
  const step = h.best && h.latestWeights ? h.best.step : h.state?.step;
  const other = params.view === 'compare' ? await otherModel(h, params.against) : undefined;
  const answer = inspect({ config: h.model.config, vocab: h.vocab, weights }, params, describe, other, step);
  const workerMs = Math.round((performance.now() - started) * 10) / 10;
  const wte = weights.get('wte');
  if (options.prepareMap && params.view !== 'nearest' && wte) {
    const { vocabSize, nEmbd } = h.model.config;
    setImmediate(() => pcaMap({ rows: vocabSize, width: nEmbd, data: wte }));
  }
  return { answer, workerMs };
}
