// AdamW on webgpu, in the fused shaders of backends/webgpuKernels.ts.

import * as tf from '@tensorflow/tfjs-core';
import { webgpuKernels } from '../backends/webgpuKernels';
import { readAndDispose, type AdamW, type AdamWMoments, type AdamWPath, type AdamWStep } from './adamw';

/**
 * AdamW on webgpu in the fused shaders of backends/webgpuKernels.ts: the global norm in one dispatch per
 * 7 gradients, then two per parameter (both moments, kept packed in one buffer [m | v]; the parameter),
 * where tensorOpsAdamW.ts takes some 20 per parameter.
 */
export class WebGPUAdamW implements AdamW {
  /** Per parameter, [m | v]: 2 × its size. */
  private readonly mv: tf.Variable[];

  constructor(
    private readonly params: tf.Variable[],
    private readonly decay: boolean[],
    initial?: AdamWMoments,
  ) {
    this.mv = params.map((p, i) => {
      const packed = new Float32Array(2 * p.size);
      if (initial) {
        packed.set(initial.m[i]);
        packed.set(initial.v[i], p.size);
      }
      return tf.tidy(() => tf.variable(tf.tensor1d(packed), false));
    });
  }

  path(): AdamWPath {
    return 'webgpu';
  }

  async update(grads: (tf.Tensor | undefined)[], s: AdamWStep): Promise<number> {
    const kernels = webgpuKernels();
    if (!kernels) throw new Error('The webgpu AdamW needs the webgpu backend, which is no longer the current one');
    const norm = tf.tidy(() => {
      const present = grads.filter((t): t is tf.Tensor => t !== undefined);
      const norm = tf.sqrt(kernels.sumOfSquares(present));
      const scale = s.gradClip > 0 ? tf.minimum(1, tf.div(s.gradClip, tf.add(norm, 1e-6))) : tf.ones([1]);
      const hyper = {
        beta1: s.beta1,
        beta2: s.beta2,
        stepSize: s.lr / (1 - Math.pow(s.beta1, s.t)),
        invSqrtBc2: 1 / Math.sqrt(1 - Math.pow(s.beta2, s.t)),
        eps: s.eps,
      };
      grads.forEach((gi, i) => {
        if (!gi) return;
        const keep = this.decay[i] ? 1 - s.lr * s.weightDecay : 1;
        const next = kernels.adamw(this.params[i], gi, this.mv[i], scale, { ...hyper, keep });
        this.mv[i].assign(next.moments);
        this.params[i].assign(next.param);
      });
      return norm;
    });
    return readAndDispose(norm, grads);
  }

  private split(packed: Float32Array[]): AdamWMoments {
    return {
      m: packed.map((a, i) => a.slice(0, this.params[i].size)),
      v: packed.map((a, i) => a.slice(this.params[i].size)),
    };
  }

  moments() {
    return this.split(this.mv.map((t) => t.dataSync() as Float32Array));
  }

  async readMoments() {
    return this.split((await Promise.all(this.mv.map((t) => t.data()))) as Float32Array[]);
  }

  dispose(): void {
    tf.dispose(this.mv);
  }
}
