// The encoder's training objective, for the trainer: a masked batch from the corpus (a fresh mask every step,
// drawn from the trainer's own batch stream), its loss at the chosen positions and how many of them the
// model gets right, and validation with a fixed seeded mask, so that one evaluation compares with the next.

import * as tf from '@tensorflow/tfjs-core';
import type { Dropout, GPT } from '../model';
import { Rng } from '../rng';
import { MaskBranch, maskTokens, type MaskedBatch, type MaskingRates, type MaskingVocabulary } from './masking';

/** What the trainer needs to train an encoder. */
export interface MaskedTraining {
  rates: MaskingRates;
  vocab: MaskingVocabulary;
}

/** The rows a masked batch is cut from: the corpus's (the next-token targets are not used). */
export interface MaskedBatchSource {
  batch(split: 'train' | 'val', batchSize: number, blockSize: number, rng: Rng): { x: Int32Array };
  validationRows?(blockSize: number): { x: Int32Array; weights: Float32Array; rows: number };
}

/** One row of a masked batch, for a person to see: what the model was shown, what it had to find, and how. */
export interface MaskingExample {
  inputs: number[];
  targets: number[];
  /** Per position, its MaskBranch. */
  branches: number[];
}

/** A training batch, masked with draws from `rng` (after the rows' own draws). */
export function maskedTrainingBatch(source: MaskedBatchSource, batchSize: number, blockSize: number, rng: Rng, training: MaskedTraining): MaskedBatch {
  const { x } = source.batch('train', batchSize, blockSize, rng);
  return maskTokens(x, training.vocab, training.rates, rng);
}

/** The loss and the predictions of a masked batch (tensors; the caller disposes them or takes gradients). */
export function maskedBatchLoss(model: GPT, batch: MaskedBatch, batchSize: number, blockSize: number, dropout?: Dropout): { loss: tf.Scalar; predicted: tf.Tensor1D } {
  return tf.tidy(() =>
    model.maskedLoss(tf.tensor2d(batch.inputs, [batchSize, blockSize], 'int32'), tf.tensor1d(batch.targets, 'int32'), tf.tensor1d(batch.positions, 'int32'), dropout),
  );
}

/** How many chosen positions of a batch the model predicted right. */
export function correctPredictions(batch: MaskedBatch, predicted: ArrayLike<number>): number {
  let correct = 0;
  batch.positions.forEach((p, i) => (correct += predicted[i] === batch.targets[p] ? 1 : 0));
  return correct;
}

export type MaskingBranchName = 'none' | 'mask' | 'random' | 'unchanged';

/** One position of a masked row for a person: the token the model saw, the original, and the branch it took. */
export interface MaskingRowToken {
  /** What the model saw: the original, [MASK], or the random token. */
  shown: string;
  original: string;
  branch: MaskingBranchName;
}

const BRANCH_NAMES: Record<MaskBranch, MaskingBranchName> = {
  [MaskBranch.NONE]: 'none',
  [MaskBranch.MASK]: 'mask',
  [MaskBranch.RANDOM]: 'random',
  [MaskBranch.UNCHANGED]: 'unchanged',
};

/** A masking example in words: `label` is the vocabulary's tokenLabel. */
export function maskingRow(example: MaskingExample, label: (id: number) => string): MaskingRowToken[] {
  return example.inputs.map((id, i) => ({ shown: label(id), original: label(example.targets[i]), branch: BRANCH_NAMES[example.branches[i] as MaskBranch] }));
}

/** The first row of a masked batch with a chosen position (every batch has one). */
export function maskingExample(batch: MaskedBatch, blockSize: number): MaskingExample {
  const start = Math.floor(batch.positions[0] / blockSize) * blockSize;
  const row = <T extends Int32Array | Uint8Array>(a: T) => Array.from(a.subarray(start, start + blockSize));
  return { inputs: row(batch.inputs), targets: row(batch.targets), branches: row(batch.branches) };
}

export interface MaskedEvaluation {
  /** Mean cross-entropy over every chosen position of the validation rows. */
  loss: number;
  /** Share of the chosen positions whose most likely token is the original one. */
  accuracy: number;
  /** How many positions were chosen. */
  positions: number;
}

export interface MaskedEvaluationOptions {
  batchSize: number;
  blockSize: number;
  /** Batches per evaluation; the whole validation part is used when it is no larger. */
  evalBatches: number;
  /** The seed of the validation rows and of their mask: the same every evaluation. */
  seed: number;
}

/**
 * The masked-language-model loss and accuracy on the validation part, with the same rows and the same mask
 * at every evaluation (both drawn from `seed`). The whole part when it fits in evalBatches batches, each
 * token counted once (a row's overlap with the one before is never chosen); else evalBatches random batches.
 */
export async function evaluateMasked(model: GPT, source: MaskedBatchSource, training: MaskedTraining, o: MaskedEvaluationOptions): Promise<MaskedEvaluation> {
  const T = o.blockSize;
  const rng = new Rng(o.seed);
  const rows: { x: Int32Array; weights?: Float32Array; n: number }[] = [];
  const whole = source.validationRows?.(T);
  if (whole && whole.rows > 0 && whole.rows <= o.evalBatches * o.batchSize) {
    for (let r = 0; r < whole.rows; r += o.batchSize) {
      const n = Math.min(o.batchSize, whole.rows - r);
      rows.push({ x: whole.x.subarray(r * T, (r + n) * T), weights: whole.weights.subarray(r * T, (r + n) * T), n });
    }
  } else {
    for (let i = 0; i < o.evalBatches; i++) rows.push({ x: source.batch('val', o.batchSize, T, rng).x, n: o.batchSize });
  }
  const results: { loss: tf.Scalar; predicted: tf.Tensor1D; batch: MaskedBatch }[] = [];
  try {
    // every batch is queued before any value is read: on a GPU one wait instead of one per batch
    for (const { x, weights, n } of rows) {
      const batch = maskTokens(x, training.vocab, training.rates, rng, weights);
      results.push({ ...maskedBatchLoss(model, batch, n, T), batch });
    }
    let positions = 0;
    let lossSum = 0;
    let correct = 0;
    for (const r of results) {
      const [loss, predicted] = await Promise.all([r.loss.data(), r.predicted.data()]);
      const n = r.batch.positions.length;
      positions += n;
      lossSum += loss[0] * n;
      correct += correctPredictions(r.batch, predicted);
    }
    return { loss: lossSum / positions, accuracy: correct / positions, positions };
  } finally {
    tf.dispose(results.flatMap((r) => [r.loss, r.predicted]));
  }
}
