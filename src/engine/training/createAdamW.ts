// Picks the AdamW implementation for the backend in use.

import * as tf from '@tensorflow/tfjs-core';
import { webgpuKernels } from '../backends/webgpuKernels';
import type { AdamW, AdamWMoments, AdamWPlacement } from './adamw';
import { LoopAdamW } from './loopAdamW';
import { TensorOpsAdamW } from './tensorOpsAdamW';
import { WebGPUAdamW } from './webgpuAdamW';

/** Backends that keep tensors on a GPU, where AdamW should stay in tensor ops. */
const DEVICE_BACKENDS = new Set(['webgl', 'webgpu']);

/**
 * An AdamW over `params`, decaying those whose `decay` is true, starting from `initial` moments (zeros when
 * absent). 'auto' runs on the device on GPU backends and as a loop in main memory elsewhere.
 */
export function createAdamW(placement: Exclude<AdamWPlacement, 'fused'>, params: tf.Variable[], decay: boolean[], initial?: AdamWMoments): AdamW {
  const where = placement === 'auto' ? (DEVICE_BACKENDS.has(tf.getBackend()) ? 'tf' : 'js') : placement;
  if (where === 'js') return new LoopAdamW(params, decay, initial);
  return webgpuKernels() ? new WebGPUAdamW(params, decay, initial) : new TensorOpsAdamW(params, decay, initial);
}
