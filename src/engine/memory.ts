// How much memory training a configuration takes, checked before anything is allocated: a context of 8192
// tokens asks for hundreds of gigabytes of attention scores, and TensorFlow.js would grow until the system
// killed the process. The CLI and the extension's engine worker both check with assertTrainingFits.
//
// The estimate counts float32 values, as model.ts computes them for one training step:
//   parameters      weights, gradients and AdamW's two moments: 4 · P
//   causal mask     T · T (built with the model)
//   per layer       the attention scores, the masked scores and the softmax, (B, H, T, T) each, and their
//                   gradients: 6; about 40 (B·T, C) tensors (LayerNorm, q, k, v and their per-head copies,
//                   the heads merged back, the projections, the residual sums, 2 × 4C in the MLP, and the
//                   gradients of the layer being differentiated)
//   backward        one more layer's worth (a layer's gradients beside the activations still kept)
//   output layer    the logits and their gradient, (B·T, V) each
// plus the runtime itself (Node, TensorFlow.js, the corpus): RUNTIME_BYTES. The counts were set against the
// peak resident memory of real runs on the cpu backend (`lmx train --json` prints it as maxRssBytes).

import * as os from 'os';
import { UserError } from './errors';
import { parameterShapesOf, type GPTConfig } from './model';

/** Node, TensorFlow.js and the tokenized corpus, before any tensor of the model. */
export const RUNTIME_BYTES = 512 * 1024 * 1024;

/** Share of the machine's memory (or of the process's cgroup limit) a training run may plan to use. */
export const MEMORY_SHARE = 0.75;

/** Bytes one training step of `config` with `batchSize` sequences takes, estimated (see the header). */
export function trainingMemoryBytes(config: GPTConfig, batchSize: number): number {
  const { vocabSize: V, contextLength: T, nLayer: L, nHead: H, nEmbd: C } = config;
  const B = batchSize;
  let parameters = 0;
  for (const shape of Object.values(parameterShapesOf(config))) parameters += shape.reduce((a, b) => a * b, 1);
  const layerActivations = 6 * B * H * T * T + 40 * B * T * C;
  const floats = 4 * parameters + T * T + (L + 1) * layerActivations + 3 * B * T * C + 2 * B * T * V;
  return RUNTIME_BYTES + 4 * floats;
}

/** How much memory a training run may plan to use here, and where that figure comes from. */
export function memoryLimit(): { bytes: number; description: string } {
  const override = Number(process.env.LMX_MEMORY_LIMIT_MB);
  if (Number.isFinite(override) && override > 0) return { bytes: override * 1024 * 1024, description: 'LMX_MEMORY_LIMIT_MB' };
  const total = os.totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  // constrainedMemory() is 0, or a huge number, when no cgroup limit applies
  const fromLimit = constrained > 0 && constrained < total;
  const base = fromLimit ? constrained : total;
  const share = `${Math.round(MEMORY_SHARE * 100)}% of`;
  return {
    bytes: Math.floor(MEMORY_SHARE * base),
    description: fromLimit ? `${share} this process's memory limit of ${formatBytes(base)}` : `${share} this machine's ${formatBytes(base)}`,
  };
}

/**
 * Throws a UserError, one line naming the estimate and the limit, when training `config` with `batchSize`
 * would need more memory than memoryLimit() allows. Call it before building the model.
 */
export function assertTrainingFits(config: GPTConfig, batchSize: number, limit = memoryLimit()): void {
  const needed = trainingMemoryBytes(config, batchSize);
  if (needed <= limit.bytes) return;
  throw new UserError(
    `Training this model needs about ${formatBytes(needed)} of memory (context ${config.contextLength}, batch ${batchSize}, ` +
      `${config.nLayer} layers, ${config.nHead} heads, ${config.nEmbd} channels, vocabulary ${config.vocabSize}), ` +
      `more than the ${formatBytes(limit.bytes)} allowed (${limit.description}); use a shorter context or a smaller batch.`,
  );
}

/** Bytes as "1.5 GB" (powers of 1024, as the system monitors count). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
