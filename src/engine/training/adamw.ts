// AdamW (PyTorch's formulation), the one update its three implementations share:
//
//   g ← g · min(1, clip / ‖g‖)                          global norm over all parameters
//   m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²
//   p ← p · (1 − lr·wd) − (lr / bc1) · m / (√v / √bc2 + eps),   bc = 1 − βᵗ   (decay on matrices only)
//
// loopAdamW.ts runs it as one loop over Float32Arrays in main memory (in the native addon when it is loaded),
// tensorOpsAdamW.ts in tensor ops on the device, webgpuAdamW.ts in fused shaders on webgpu.

import * as tf from '@tensorflow/tfjs-core';

/** The hyper-parameters of one step. */
export interface AdamWStep {
  lr: number;
  /** Adam's step count, from 1. */
  t: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  gradClip: number;
}

/**
 * Which implementation runs: 'fused' (the native backend's fused training step, fusedStep.ts, whose addon call
 * does the update too), 'native' (the addon's loop), 'js' (a JavaScript loop), 'webgpu' (fused shaders) or 'tf'
 * (tensor ops).
 */
export type AdamWPath = 'fused' | 'native' | 'js' | 'webgpu' | 'tf';

/**
 * What a run asks for: 'fused' the fused native step (native backend only), 'js' a loop in main memory, 'tf' on
 * the device, 'auto' by the backend (the fused step on native, where the addon has it).
 */
export type AdamWPlacement = 'auto' | 'fused' | 'js' | 'tf';

export const ADAMW_PLACEMENTS: readonly AdamWPlacement[] = ['auto', 'fused', 'js', 'tf'];

/** AdamW's moments per parameter, in parameter order. */
export interface AdamWMoments {
  m: Float32Array[];
  v: Float32Array[];
}

/** What the trainer keeps of an optimizer between steps: its path, its moments (for checkpoints) and its buffers. */
export interface OptimizerState {
  path(): AdamWPath;
  /** Copies of the moments, in parameter order. */
  moments(): AdamWMoments;
  /** moments(), read asynchronously (what the GPU backends need). */
  readMoments(): Promise<AdamWMoments>;
  dispose(): void;
}

export interface AdamW extends OptimizerState {
  /** Updates every parameter from its gradient (disposing the gradients); returns ‖g‖ before clipping. */
  update(grads: (tf.Tensor | undefined)[], s: AdamWStep): Promise<number>;
}

/** Disposes the gradients, reads the norm (the one wait of a GPU step) and disposes it. */
export async function readAndDispose(norm: tf.Tensor, grads: (tf.Tensor | undefined)[]): Promise<number> {
  tf.dispose(grads.filter((t): t is tf.Tensor => t !== undefined));
  try {
    return (await norm.data())[0];
  } finally {
    norm.dispose();
  }
}
