// AdamW in tensor ops, on the device of the current backend: no gradient is read back, only the norm.

import * as tf from '@tensorflow/tfjs-core';
import { readAndDispose, type AdamW, type AdamWMoments, type AdamWPath, type AdamWStep } from './adamw';

export class TensorOpsAdamW implements AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly params: tf.Variable[],
    private readonly decay: boolean[],
    initial?: AdamWMoments,
  ) {
    const moment = (p: tf.Variable, data?: Float32Array) =>
      tf.tidy(() => tf.variable(data ? tf.tensor(data, p.shape) : tf.zeros(p.shape), false));
    this.m = params.map((p, i) => moment(p, initial?.m[i]));
    this.v = params.map((p, i) => moment(p, initial?.v[i]));
  }

  path(): AdamWPath {
    return 'tf';
  }

  async update(grads: (tf.Tensor | undefined)[], s: AdamWStep): Promise<number> {
    const norm = tf.tidy(() => {
      const present = grads.filter((t): t is tf.Tensor => t !== undefined);
      const norm = tf.sqrt(tf.addN(present.map((gi) => tf.sum(tf.square(gi)))));
      const scale = s.gradClip > 0 ? tf.minimum(1, tf.div(s.gradClip, tf.add(norm, 1e-6))) : tf.scalar(1);
      const b1 = tf.scalar(s.beta1);
      const b2 = tf.scalar(s.beta2);
      const oneMinusB1 = tf.scalar(1 - s.beta1);
      const oneMinusB2 = tf.scalar(1 - s.beta2);
      const stepSize = tf.scalar(s.lr / (1 - Math.pow(s.beta1, s.t)));
      const invSqrtBc2 = tf.scalar(1 / Math.sqrt(1 - Math.pow(s.beta2, s.t)));
      const keep = tf.scalar(1 - s.lr * s.weightDecay);
      for (let i = 0; i < this.params.length; i++) {
        const gi = grads[i];
        if (!gi) continue;
        const g = tf.mul(gi, scale);
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, oneMinusB1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), oneMinusB2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const update = tf.div(tf.mul(m, stepSize), tf.add(tf.mul(tf.sqrt(v), invSqrtBc2), s.eps));
        const p = this.decay[i] ? tf.mul(this.params[i], keep) : this.params[i];
        this.params[i].assign(tf.sub(p, update));
      }
      return norm;
    });
    return readAndDispose(norm, grads);
  }

  moments() {
    return {
      m: this.m.map((t) => Float32Array.from(t.dataSync() as Float32Array)),
      v: this.v.map((t) => Float32Array.from(t.dataSync() as Float32Array)),
    };
  }

  async readMoments() {
    const read = async (t: tf.Tensor) => Float32Array.from((await t.data()) as Float32Array);
    return { m: await Promise.all(this.m.map(read)), v: await Promise.all(this.v.map(read)) };
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
