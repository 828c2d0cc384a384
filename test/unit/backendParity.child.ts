// One side of the backend-parity test (backendParity.test.ts), run in its own process because a
// TensorFlow.js backend is global to a process:
//
//   node -r ./scripts/ts-register.js test/unit/backendParity.child.ts <backend> <out.json>
//
// On <backend> it builds a small GPT with fixed weights, computes one training step (and one encoder step) — the loss and the
// gradient of every parameter, without and with dropout — the logits of a forward pass, a greedy generation with the KV
// cache, and three Trainer steps of the decoder and of the encoder (masks drawn from the Trainer's seeded Rng, the
// masked-language-model loss and accuracy, AdamW), and writes them as JSON. Every value is read with the asynchronous `await t.data()`: the
// webgpu backend cannot read synchronously in Node.

import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../../src/engine/backends';
import { webgpuErrors } from '../../src/engine/backends/webgpu';
import { GPT, type GPTConfig } from '../../src/engine/model';
import '../../src/engine/kernels/gradients';
import { Rng } from '../../src/engine/rng';
import { Trainer } from '../../src/engine/training';
import { Corpus } from '../../src/engine/corpus';
import type { MaskingExample } from '../../src/engine/mlm/maskedObjective';
import { Vocabulary } from '../../src/engine/vocab';
import { MASKING_DEFAULTS, maskingVocabulary, maskTokens } from '../../src/engine/mlm/masking';
import { encode } from '../../src/engine/tokenizer';

/** Sizes chosen to be small (SwiftShader is slow) and awkward: nothing a multiple of 4 but dh. */
export const PARITY_TEXT =
  'It was the best of times, it was the worst of times; it was the age of wisdom, it was the age of foolishness!';
export const PARITY_SHAPE = { contextLength: 24, nLayer: 2, nHead: 3, nEmbd: 24, batch: 3, time: 13, newTokens: 10 };
export const PARITY_PROMPT = 'it was the ';
const DROPOUT_RATE = 0.25;
const DROPOUT_SEED = 5;

export interface ParityResult {
  backend: string;
  device: string;
  loss: number;
  grads: Record<string, number[]>;
  /** The same step with dropout (rate DROPOUT_RATE, masks from Rng(DROPOUT_SEED)): on webgpu drawn by a shader. */
  dropoutLoss: number;
  dropoutGrads: Record<string, number[]>;
  logits: number[];
  /** One encoder step (bidirectional attention, the masked-language-model loss at the chosen positions). */
  encoderLoss: number;
  encoderGrads: Record<string, number[]>;
  /** The encoder's attention maps of the first row (L, H, T, T): non-zero above the diagonal. */
  encoderAttention: number[];
  tokens: number[];
  /** Per generated token: the gap between the best and second-best logit (ties would make argmax fragile). */
  margins: number[];
  generatedWith: 'generate.ts' | 'forwardCached';
  /** Every parameter after three Trainer steps (AdamW, clipping) on the same batch, the third resumed from a snapshot. */
  trained: Record<string, number[]>;
  trainLosses: number[];
  /** The global gradient norm of each Trainer step (before clipping). */
  gradNorms: number[];
  /** Where the Trainer's AdamW ran (Trainer.optimizerPath). */
  optimizerPath: string;
  /** Three Trainer steps of the encoder: every parameter after them, and per step the masked-token loss, the share
   *  of chosen positions predicted right, the gradient norm and the batch's first row as masked. */
  encoderTrained: Record<string, number[]>;
  encoderTrainLosses: number[];
  encoderAccuracies: number[];
  encoderGradNorms: number[];
  encoderMasking: MaskingExample[];
  encoderOptimizerPath: string;
  /** WebGPU device errors (validation, out of memory): they drop work silently. */
  errors: string[];
  ms: number;
}

/** Deterministic weights with enough spread that greedy decoding has clear winners. */
function parityWeights(model: GPT): Map<string, Float32Array> {
  const rng = new Rng(20240611);
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of Object.entries(model.parameterShapes())) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const std = name === 'wte' ? 0.5 : name === 'wpe' ? 0.2 : name.endsWith('.bias') ? 0.05 : name.includes('ln_') ? 0.1 : 0.15;
    const mean = name.includes('ln_') && name.endsWith('.weight') ? 1 : 0;
    for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
    out.set(name, data);
  }
  return out;
}

async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from((await t.data()) as Float32Array);
}

/** The best and second-best entries of one row of logits. */
function topTwo(row: ArrayLike<number>): { best: number; margin: number } {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  let second = -Infinity;
  for (let i = 0; i < row.length; i++) if (i !== best && row[i] > second) second = row[i];
  return { best, margin: row[best] - second };
}

async function greedy(model: GPT, vocab: Vocabulary, prompt: number[], n: number): Promise<Pick<ParityResult, 'tokens' | 'margins' | 'generatedWith'>> {
  // The margins always come from the cached forward pass, so that a mismatch can be told from a near-tie.
  const cache = model.newCache();
  const tokens: number[] = [];
  const margins: number[] = [];
  try {
    let next = prompt;
    for (let i = 0; i < n; i++) {
      const logits = model.forwardCached(next, cache);
      const data = await logits.data();
      logits.dispose();
      const V = model.config.vocabSize;
      const { best, margin } = topTwo(data.subarray(data.length - V));
      tokens.push(best);
      margins.push(margin);
      next = [best];
    }
  } finally {
    model.disposeCache(cache);
  }
  // The engine's own generate(), where it exists, must produce the same tokens.
  let generateModule: { generate?: Function } | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    generateModule = require('../../src/engine/generate');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
  }
  if (typeof generateModule?.generate !== 'function') return { tokens, margins, generatedWith: 'forwardCached' };
  const result = await generateModule.generate(model, vocab, prompt, { maxNewTokens: n, temperature: 0, useCache: true });
  const ids: number[] = Array.isArray(result?.ids) ? result.ids : [];
  // generate() may return the prompt followed by the new tokens, or the new tokens only
  const generated = ids.length === prompt.length + n && prompt.every((t, i) => ids[i] === t) ? ids.slice(prompt.length) : ids;
  if (generated.join(',') !== tokens.join(',')) {
    throw new Error(`generate() (temperature 0) gave [${generated}], the cached greedy loop [${tokens}]`);
  }
  return { tokens: generated, margins, generatedWith: 'generate.ts' };
}

/**
 * max |a - b| / max(‖b‖∞, floor): relative to the size of the reference tensor, with a floor for
 * tensors that are zero in exact arithmetic (the gradient of the key biases: softmax is invariant to
 * a shift of a whole row of scores, so both backends return rounding noise of ~1e-9 there).
 */
export function relativeError(a: number[], b: number[], floor: number): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) return Infinity;
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, floor);
}

export interface NamedError {
  name: string;
  error: number;
}

/** How far one side is from the reference, measure by measure (the test and `parity-report` use this). */
export interface ParityComparison {
  loss: number;
  /** Every gradient, against max(its own largest entry, 1e-3 × the largest entry of all gradients). */
  gradients: NamedError[];
  /** The worst gradient among those not zero in exact arithmetic. */
  worstGradient: NamedError;
  /** The same with dropout. */
  dropoutLoss: number;
  dropoutGradients: NamedError[];
  logits: number;
  encoderLoss: number;
  encoderGradients: NamedError[];
  encoderAttention: number;
  /** Per Trainer step, the loss's relative error. */
  trainLosses: number[];
  /** Per Trainer step, the gradient norm's relative error (Adam's update hardly depends on it: checked apart). */
  gradNorms: number[];
  /** Every parameter after the three Trainer steps, but the ones left out (below). */
  trained: NamedError[];
  /** Parameters whose gradient is zero in exact arithmetic (the key biases): Adam divides their rounding
   *  noise by its own magnitude, so each backend moves them by ±lr in its own direction. */
  trainedLeftOut: string[];
  /** The same for the encoder's three Trainer steps (its key biases left out by its own gradients). */
  encoderTrainLosses: number[];
  encoderGradNorms: number[];
  encoderTrained: NamedError[];
  encoderTrainedLeftOut: string[];
  /** Whether both sides chose the same positions and branches (the first row of each step's batch). */
  sameMasks: boolean;
  sameTokens: boolean;
}

export function compareParity(side: ParityResult, reference: ParityResult): ParityComparison {
  const names = Object.keys(reference.grads).sort();
  const peak = (values: number[]) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const largest = Math.max(...names.map((n) => peak(reference.grads[n])));
  const isNoise = (n: string) => peak(reference.grads[n]) < 1e-6 * largest;
  const gradients = names.map((n) => ({ name: n, error: relativeError(side.grads[n] ?? [], reference.grads[n], 1e-3 * largest) }));
  const worstGradient = gradients.filter((e) => !isNoise(e.name)).reduce((a, b) => (b.error > a.error ? b : a));
  const dropoutGradients = names.map((n) => ({ name: n, error: relativeError(side.dropoutGrads[n] ?? [], reference.dropoutGrads[n], 1e-3 * largest) }));
  const kept = Object.keys(reference.trained).filter((n) => !isNoise(n));
  const encoderLargest = Math.max(...Object.values(reference.encoderGrads).map(peak));
  const isEncoderNoise = (n: string) => peak(reference.encoderGrads[n] ?? []) < 1e-6 * encoderLargest;
  const stepErrors = (side: number[], reference: number[]) => reference.map((r, i) => Math.abs((side[i] ?? NaN) - r) / Math.abs(r));
  return {
    loss: Math.abs(side.loss - reference.loss) / Math.abs(reference.loss),
    gradients,
    worstGradient,
    dropoutLoss: Math.abs(side.dropoutLoss - reference.dropoutLoss) / Math.abs(reference.dropoutLoss),
    dropoutGradients,
    logits: relativeError(side.logits, reference.logits, 1e-6),
    encoderLoss: Math.abs(side.encoderLoss - reference.encoderLoss) / Math.abs(reference.encoderLoss),
    encoderGradients: encoderGradients(side, reference),
    encoderAttention: relativeError(side.encoderAttention, reference.encoderAttention, 1e-6),
    trainLosses: reference.trainLosses.map((l, i) => Math.abs((side.trainLosses[i] ?? NaN) - l) / Math.abs(l)),
    gradNorms: reference.gradNorms.map((n, i) => Math.abs((side.gradNorms[i] ?? NaN) - n) / Math.abs(n)),
    trained: kept.map((n) => ({ name: n, error: relativeError(side.trained[n] ?? [], reference.trained[n], 1e-6) })),
    trainedLeftOut: Object.keys(reference.trained).filter(isNoise),
    encoderTrainLosses: stepErrors(side.encoderTrainLosses, reference.encoderTrainLosses),
    encoderGradNorms: stepErrors(side.encoderGradNorms, reference.encoderGradNorms),
    encoderTrained: Object.keys(reference.encoderTrained)
      .filter((n) => !isEncoderNoise(n))
      .map((n) => ({ name: n, error: relativeError(side.encoderTrained[n] ?? [], reference.encoderTrained[n], 1e-6) })),
    encoderTrainedLeftOut: Object.keys(reference.encoderTrained).filter(isEncoderNoise),
    sameMasks: JSON.stringify(side.encoderMasking) === JSON.stringify(reference.encoderMasking),
    sameTokens: side.tokens.length === reference.tokens.length && side.tokens.every((t, i) => t === reference.tokens[i]),
  };
}

/** The encoder step's gradients, each against 1e-3 × the largest (as the decoder's). */
function encoderGradients(side: ParityResult, reference: ParityResult): NamedError[] {
  const names = Object.keys(reference.encoderGrads).sort();
  const largest = Math.max(...names.map((n) => reference.encoderGrads[n].reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
  return names.map((n) => ({ name: n, error: relativeError(side.encoderGrads[n] ?? [], reference.encoderGrads[n], 1e-3 * largest) }));
}

export async function runParity(backend: BackendName): Promise<ParityResult> {
  const report = await initBackend(backend);
  if (tf.getBackend() !== backend) throw new Error(`asked for ${backend}, running on ${tf.getBackend()}`);
  const taken = report.tried.find((t) => t.ok);
  const started = Date.now();

  const vocab = Vocabulary.build([encode(PARITY_TEXT, 'char')], 'char');
  const { contextLength, nLayer, nHead, nEmbd, batch: B, time: T, newTokens } = PARITY_SHAPE;
  const config: GPTConfig = { vocabSize: vocab.size, contextLength, nLayer, nHead, nEmbd, positional: 'learned' };
  const model = new GPT(config, 1);
  model.setWeights(parityWeights(model));

  const rng = new Rng(99);
  const x = new Int32Array(B * T);
  const y = new Int32Array(B * T);
  for (let i = 0; i < B * T; i++) {
    x[i] = rng.int(vocab.size);
    y[i] = rng.int(vocab.size);
  }
  const xs = tf.tensor2d(x, [B, T], 'int32');
  const ys = tf.tensor2d(y, [B, T], 'int32');

  // one training step: loss and the gradient of every parameter, without and with dropout
  const names = [...model.params.keys()];
  const variables = names.map((n) => model.params.get(n) as tf.Variable);
  const byVariable = new Map(variables.map((v, i) => [v.name, names[i]]));
  const lossAndGradients = async (dropout?: { rate: number; rng: Rng }) => {
    const { value, grads } = tf.variableGrads(() => model.loss(xs, ys, dropout), variables);
    const gradValues: Record<string, number[]> = {};
    for (const [variableName, grad] of Object.entries(grads)) {
      gradValues[byVariable.get(variableName) ?? variableName] = await values(grad);
    }
    const loss = (await values(value))[0];
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, gradValues };
  };
  const { loss, gradValues } = await lossAndGradients();
  const dropped = await lossAndGradients({ rate: DROPOUT_RATE, rng: new Rng(DROPOUT_SEED) });

  const logitsTensor = model.forward(xs);
  const logits = await values(logitsTensor);
  tf.dispose([logitsTensor, xs, ys]);

  // one encoder step: the same weights in a model of kind 'encoder' over a vocabulary with [MASK]
  const encoderVocab = Vocabulary.build([encode(PARITY_TEXT, 'char')], 'char', { mask: true });
  const encoder = new GPT({ ...config, vocabSize: encoderVocab.size, kind: 'encoder' }, 1);
  encoder.setWeights(parityWeights(encoder));
  const masked = maskTokens(Int32Array.from(x, (id) => id % (encoderVocab.size - 1)), maskingVocabulary(encoderVocab), MASKING_DEFAULTS, new Rng(123));
  const encoderVariables = [...encoder.params.values()];
  const encoderNames = new Map([...encoder.params].map(([n, v]) => [v.name, n]));
  const encoderStep = tf.variableGrads(
    () => encoder.maskedLoss(tf.tensor2d(masked.inputs, [B, T], 'int32'), tf.tensor1d(masked.targets, 'int32'), tf.tensor1d(masked.positions, 'int32')).loss,
    encoderVariables,
  );
  const encoderGrads: Record<string, number[]> = {};
  for (const [variableName, grad] of Object.entries(encoderStep.grads)) encoderGrads[encoderNames.get(variableName) ?? variableName] = await values(grad);
  const encoderLoss = (await values(encoderStep.value))[0];
  tf.dispose([encoderStep.value, ...Object.values(encoderStep.grads)]);
  const encoderAttention = Array.from(await encoder.attentionMaps(Array.from(masked.inputs.subarray(0, T))));
  encoder.dispose();
  const encoderTraining = await trainEncoder(encoderVocab, { ...config, vocabSize: encoderVocab.size, kind: 'encoder' });

  const prompt = vocab.encode(PARITY_PROMPT);
  const generation = await greedy(model, vocab, prompt, newTokens);

  // three optimizer steps of the engine's Trainer (AdamW, gradient clipping, dropout active) on the same batch, the
  // third by a new Trainer resumed from a snapshot of the first (the optimizer's moments read and restored)
  const source = { batch: () => ({ x, y }) };
  const options = { steps: 3, batchSize: B, blockSize: T, learningRate: 1e-2, warmupSteps: 0, gradClip: 0.5, dropout: 0.2, evalBatches: 0, evalInterval: 0 };
  const trainLosses: number[] = [];
  const gradNorms: number[] = [];
  const step = async (trainer: Trainer) => {
    const result = await trainer.trainStep();
    trainLosses.push(result.loss);
    gradNorms.push(result.gradNorm);
  };
  const first = new Trainer(model, source, options);
  await step(first);
  await step(first);
  const optimizerPath = first.optimizerPath;
  const snapshot = await first.snapshot();
  first.dispose();
  const resumed = new Trainer(model, source, options, snapshot);
  await step(resumed);
  resumed.dispose();
  const trained: Record<string, number[]> = {};
  for (const [name, variable] of model.params) trained[name] = await values(variable);
  model.dispose();
  return {
    backend: tf.getBackend(),
    device: taken?.reason ?? '',
    loss,
    grads: gradValues,
    dropoutLoss: dropped.loss,
    dropoutGrads: dropped.gradValues,
    logits,
    encoderLoss,
    encoderGrads,
    encoderAttention,
    ...generation,
    trained,
    trainLosses,
    gradNorms,
    optimizerPath,
    ...encoderTraining,
    errors: [...webgpuErrors()],
    ms: Date.now() - started,
  };
}

/**
 * Three Trainer steps of the encoder (the parity weights): rows of a corpus and their masks drawn from the Trainer's
 * seeded Rng (MASKING_DEFAULTS), the masked-language-model loss with dropout, gradient clipping, AdamW.
 */
async function trainEncoder(
  vocab: Vocabulary,
  config: GPTConfig,
): Promise<Pick<ParityResult, 'encoderTrained' | 'encoderTrainLosses' | 'encoderAccuracies' | 'encoderGradNorms' | 'encoderMasking' | 'encoderOptimizerPath'>> {
  const { batch: B, time: T } = PARITY_SHAPE;
  const model = new GPT(config, 1);
  model.setWeights(parityWeights(model));
  const corpus = Corpus.fromDocuments([PARITY_TEXT.repeat(3)], vocab, { blockSize: T });
  const trainer = new Trainer(model, corpus, {
    steps: 3, batchSize: B, blockSize: T, learningRate: 1e-2, warmupSteps: 0, gradClip: 0.5, dropout: 0.2, evalBatches: 0, evalInterval: 0, seed: 11,
    masked: { rates: MASKING_DEFAULTS, vocab: maskingVocabulary(vocab) },
  });
  const out = { encoderTrainLosses: [] as number[], encoderAccuracies: [] as number[], encoderGradNorms: [] as number[], encoderMasking: [] as MaskingExample[] };
  try {
    for (let i = 0; i < 3; i++) {
      const r = await trainer.trainStep();
      out.encoderTrainLosses.push(r.loss);
      out.encoderAccuracies.push(r.accuracy ?? NaN);
      out.encoderGradNorms.push(r.gradNorm);
      out.encoderMasking.push(r.masking!);
    }
    const encoderTrained: Record<string, number[]> = {};
    for (const [name, variable] of model.params) encoderTrained[name] = await values(variable);
    return { ...out, encoderTrained, encoderOptimizerPath: trainer.optimizerPath };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

// (the file name too: in the parity-report bundle this module is part of the main module)
if (require.main === module && /backendParity\.child/.test(process.argv[1] ?? '')) {
  const [backend, out] = process.argv.slice(2);
  runParity(backend as BackendName)
    .then((result) => {
      fs.writeFileSync(out, JSON.stringify(result));
      process.exit(0); // Dawn need not be torn down politely
    })
    .catch((error) => {
      console.error(error instanceof Error ? error.stack : String(error));
      process.exit(1);
    });
}
