// AdamW as one loop over Float32Arrays in main memory, for the backends that keep tensors there (cpu, wasm,
// tensorflow, native): each gradient is read once and each parameter written once. On the native backend the
// addon runs the loop, in the same double-precision arithmetic.

import * as tf from '@tensorflow/tfjs-core';
import { nativeOptimizerKernels } from '../backends/native';
import type { AdamW, AdamWMoments, AdamWPath, AdamWStep } from './adamw';

export class LoopAdamW implements AdamW {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  constructor(
    private readonly params: tf.Variable[],
    private readonly decay: boolean[],
    initial?: AdamWMoments,
  ) {
    this.m = params.map((p, i) => (initial ? Float32Array.from(initial.m[i]) : new Float32Array(p.size)));
    this.v = params.map((p, i) => (initial ? Float32Array.from(initial.v[i]) : new Float32Array(p.size)));
  }

  path(): AdamWPath {
    return nativeOptimizerKernels() ? 'native' : 'js';
  }

  async update(grads: (tf.Tensor | undefined)[], s: AdamWStep): Promise<number> {
    const g = (await Promise.all(grads.map((t) => t?.data()))) as (Float32Array | undefined)[];
    tf.dispose(grads.filter((t): t is tf.Tensor => t !== undefined));
    const native = nativeOptimizerKernels();
    let sumSquares = 0;
    for (const gi of g) if (gi) if (native) sumSquares += native.sumSquares(gi); else for (let j = 0; j < gi.length; j++) sumSquares += gi[j] * gi[j];
    const norm = Math.sqrt(sumSquares);
    const scale = s.gradClip > 0 ? Math.min(1, s.gradClip / (norm + 1e-6)) : 1;
    const { beta1: b1, beta2: b2, eps } = s;
    const stepSize = s.lr / (1 - Math.pow(b1, s.t));
    const invSqrtBc2 = 1 / Math.sqrt(1 - Math.pow(b2, s.t));
    for (let i = 0; i < this.params.length; i++) {
      const gi = g[i];
      if (!gi) continue;
      const param = this.params[i];
      const p = (await param.data()) as Float32Array;
      const m = this.m[i];
      const v = this.v[i];
      const keep = this.decay[i] ? 1 - s.lr * s.weightDecay : 1;
      const out = new Float32Array(p.length);
      if (native) native.adamw(p, gi, m, v, out, scale, b1, b2, stepSize, invSqrtBc2, eps, keep);
      else for (let j = 0; j < p.length; j++) {
        const gj = gi[j] * scale;
        const mj = (m[j] = b1 * m[j] + (1 - b1) * gj);
        const vj = (v[j] = b2 * v[j] + (1 - b2) * gj * gj);
        out[j] = p[j] * keep - (stepSize * mj) / (Math.sqrt(vj) * invSqrtBc2 + eps);
      }
      tf.tidy(() => param.assign(tf.tensor(out, param.shape)));
    }
    return norm;
  }

  moments() {
    return { m: this.m.map((a) => Float32Array.from(a)), v: this.v.map((a) => Float32Array.from(a)) };
  }

  async readMoments() {
    return this.moments();
  }

  dispose(): void {}
}
