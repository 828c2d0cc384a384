// The fused native training step (src/engine/training/fusedStep.ts, native/src/trainstep.cc) against the
// TensorFlow.js path on the same backend: one step's loss and every parameter's gradient (relative error under
// 1e-4), with and without dropout, learned and sinusoidal positions, one and two threads, a block shorter than the
// context; the gradients against finite differences of the fused loss itself; weights set from outside between
// steps; bad batches. Like native.test.ts, these fail where the addon was not built.
//
// The key projection's bias is the one exception to the relative comparison: softmax ignores a constant added to
// a row of scores, so its exact gradient is 0 and both paths compute rounding noise (model.ts says so too). For it
// the test asserts that both are negligible next to the key weight's gradient.

import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { NATIVE_BACKEND, registerNativeBackend } from '../../../../src/engine/backends/native';
import { GPT, type GPTConfig } from '../../../../src/engine/model';
import { Rng } from '../../../../src/engine/rng';
import { FusedTrainingStep, fusedStepUnavailable } from '../../../../src/engine/training/fusedStep';

const tiny: GPTConfig = { vocabSize: 23, contextLength: 12, nLayer: 2, nHead: 2, nEmbd: 16, positional: 'learned' };

function randomize(model: GPT, seed: number, std = 0.3): void {
  const rng = new Rng(seed);
  const weights = model.getWeights();
  for (const [name, w] of weights) {
    const gain = /ln_\d|ln_f/.test(name) && name.endsWith('.weight');
    for (let i = 0; i < w.length; i++) w[i] = (gain ? 1 : 0) + rng.normal() * std;
  }
  model.setWeights(weights);
}

function batch(B: number, T: number, V: number, seed: number): { x: Int32Array; y: Int32Array } {
  const rng = new Rng(seed);
  return { x: Int32Array.from({ length: B * T }, () => rng.int(V)), y: Int32Array.from({ length: B * T }, () => rng.int(V)) };
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < actual.length; i++) d += (actual[i] - expected[i]) ** 2;
  return Math.sqrt(d) / norm(expected);
}

/** AdamW decays the tensors of two or more dimensions (the trainer's groups). */
function decayOf(model: GPT): boolean[] {
  return Object.values(model.parameterShapes()).map((shape) => shape.length >= 2);
}

/** The tfjs path's loss and gradients of a batch (GPT.loss and its hand-written gradients), by parameter name. */
function reference(model: GPT, x: Int32Array, y: Int32Array, B: number, T: number, dropout?: { rate: number; rng: Rng }) {
  const vars = [...model.params.values()];
  const grads = new Map<string, Float32Array>();
  let loss = NaN;
  tf.tidy(() => {
    const r = tf.variableGrads(() => model.loss(tf.tensor2d(x, [B, T], 'int32'), tf.tensor2d(y, [B, T], 'int32'), dropout), vars);
    for (const [name, v] of model.params) grads.set(name, Float32Array.from(r.grads[v.name].dataSync() as Float32Array));
    loss = r.value.dataSync()[0];
  });
  return { loss, grads };
}

function assertGradientsMatch(actual: Map<string, Float32Array>, expected: Map<string, Float32Array>, what: string): void {
  assert.deepStrictEqual([...actual.keys()], [...expected.keys()]);
  for (const [name, g] of actual) {
    const ref = expected.get(name)!;
    assert.strictEqual(g.length, ref.length, name);
    if (/attn\.c_k\.bias$/.test(name)) {
      const keyWeight = norm(expected.get(name.replace(/bias$/, 'weight'))!);
      assert.ok(norm(g) < 1e-5 * keyWeight && norm(ref) < 1e-5 * keyWeight, `${what} ${name}: not negligible (${norm(g)}, ${norm(ref)} vs ${keyWeight})`);
      continue;
    }
    assert.ok(norm(ref) > 0, `${what} ${name}: the reference gradient is 0, nothing to compare`);
    const error = relativeError(g, ref);
    assert.ok(error < 1e-4, `${what} ${name}: relative error ${error.toExponential(2)}`);
  }
}

describe('fused training step (native backend)', () => {
  let previous: string;
  before(async () => {
    previous = tf.getBackend() ?? 'cpu';
    registerNativeBackend();
    await tf.setBackend(NATIVE_BACKEND);
    assert.strictEqual(fusedStepUnavailable(), undefined, 'the native addon with the fused step (npm run build:native) must load');
  });
  after(async () => {
    await tf.setBackend(previous);
  });

  const cases = [
    { title: 'learned positions, no dropout, one thread', positional: 'learned', rate: 0, threads: 1, B: 3, T: 12 },
    { title: 'learned positions, dropout 0.2, two threads', positional: 'learned', rate: 0.2, threads: 2, B: 3, T: 12 },
    { title: 'sinusoidal positions, dropout 0.3, two threads, a block shorter than the context', positional: 'sinusoidal', rate: 0.3, threads: 2, B: 4, T: 9 },
  ] as const;
  for (const c of cases) {
    it(`gives the loss and every gradient of the tfjs path (${c.title})`, () => {
      const model = new GPT({ ...tiny, positional: c.positional }, 7);
      randomize(model, 8);
      const fused = new FusedTrainingStep(model, c.B, c.T, decayOf(model), undefined, { threads: c.threads });
      try {
        const { x, y } = batch(c.B, c.T, tiny.vocabSize, 9);
        const dropout = () => (c.rate > 0 ? { rate: c.rate, rng: new Rng(10) } : undefined);
        const expected = reference(model, x, y, c.B, c.T, dropout());
        const actual = fused.gradients(x, y, dropout());
        assert.ok(Math.abs(actual.loss - expected.loss) < 1e-5 * expected.loss, `loss ${actual.loss} vs ${expected.loss}`);
        assertGradientsMatch(actual.grads, expected.grads, c.title);
        let squares = 0;
        for (const g of expected.grads.values()) squares += norm(g) ** 2;
        assert.ok(Math.abs(actual.gradNorm - Math.sqrt(squares)) < 1e-4 * Math.sqrt(squares), 'gradient norm');
        if (c.rate > 0) {
          // the masks matter: without them the same batch gives another loss
          const plain = fused.gradients(x, y);
          assert.ok(Math.abs(plain.loss - actual.loss) > 1e-3, 'dropout changed nothing');
        }
      } finally {
        fused.dispose();
        model.dispose();
      }
    });
  }

  const finiteDifferences = (rate: number) => () => {
    const model = new GPT(tiny, 11);
    randomize(model, 12);
    const B = 2;
    const T = 8;
    const fused = new FusedTrainingStep(model, B, T, decayOf(model), undefined, { threads: 2 });
    try {
      const { x, y } = batch(B, T, tiny.vocabSize, 13);
      const masks = () => (rate > 0 ? { rate, rng: new Rng(15) } : undefined); // the same masks every evaluation
      const { grads } = fused.gradients(x, y, masks());
      const h = 1e-2;
      for (const name of ['wte', 'wpe', 'h.0.ln_1.weight', 'h.1.ln_2.bias', 'h.0.attn.c_q.weight', 'h.1.attn.c_k.weight', 'h.0.attn.c_v.bias',
        'h.1.attn.c_proj.weight', 'h.0.mlp.c_fc.weight', 'h.1.mlp.c_proj.bias', 'ln_f.weight']) {
        const g = grads.get(name)!;
        const weights = model.getWeights();
        const original = weights.get(name)!;
        const order = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]));
        for (const i of [order[0], order[1], order[2], order[Math.floor(order.length / 2)]]) {
          // setWeights between steps: the fused step copies the new values in before its next call
          const at = (value: number) => {
            const w = Float32Array.from(original);
            w[i] = value;
            model.setWeights(new Map([...weights, [name, w]]));
            return fused.gradients(x, y, masks()).loss;
          };
          const fd = (at(original[i] + h) - at(original[i] - h)) / (2 * h);
          model.setWeights(weights);
          const tol = 1e-3 + 0.03 * Math.abs(g[i]);
          assert.ok(Math.abs(fd - g[i]) < tol, `${name}[${i}]: fused ${g[i]} vs finite difference ${fd}`);
        }
        assert.ok(Math.abs(g[order[0]]) > 1e-3, `${name}: gradient too small to test`);
      }
    } finally {
      fused.dispose();
      model.dispose();
    }
  };
  it('has gradients that match finite differences of its own loss on a tiny model', finiteDifferences(0));
  it('has gradients that match finite differences with dropout (the same masks each time)', finiteDifferences(0.25));

  it('refuses ids outside the vocabulary and batches of the wrong size, and a disposed step', () => {
    const model = new GPT(tiny, 1);
    const fused = new FusedTrainingStep(model, 2, 4, decayOf(model));
    try {
      const { x, y } = batch(2, 4, tiny.vocabSize, 1);
      assert.throws(() => fused.gradients(x.map((v, i) => (i === 3 ? tiny.vocabSize : v)), y), /token id out of range/);
      assert.throws(() => fused.gradients(x.subarray(1), y), /needs 8 ids/);
      assert.doesNotThrow(() => fused.gradients(x, y));
    } finally {
      fused.dispose();
      model.dispose();
    }
    assert.throws(() => fused.gradients(new Int32Array(8), new Int32Array(8)), /disposed/);
  });
});
