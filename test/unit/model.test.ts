import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { GPT, validateConfig, type GPTConfig } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/presets';
import { crossEntropy, dropout, embedding, gelu, geluTanh, layerNorm, linear, matMulTransposed } from '../../src/engine/kernels/ops';
import { Rng } from '../../src/engine/rng';

const small: GPTConfig = { vocabSize: 11, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 8, positional: 'learned' };

function ids(n: number, vocab: number, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.int(vocab));
}

/** Replaces the GPT-2 initialisation by larger random weights, so that gradients and logits are far from 0. */
function randomize(model: GPT, seed: number, std = 0.3): void {
  const rng = new Rng(seed);
  const weights = model.getWeights();
  for (const [name, w] of weights) {
    const gain = /ln_\d|ln_f/.test(name) && name.endsWith('.weight');
    for (let i = 0; i < w.length; i++) w[i] = (gain ? 1 : 0) + rng.normal() * std;
  }
  model.setWeights(weights);
}

function std(a: Float32Array): number {
  let s = 0;
  let s2 = 0;
  for (const x of a) {
    s += x;
    s2 += x * x;
  }
  const mean = s / a.length;
  return Math.sqrt(s2 / a.length - mean * mean);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.strictEqual(actual.length, expected.length, `${what}: lengths differ`);
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= tol * (1 + Math.abs(expected[i])))) {
      assert.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]} (|diff| ${diff} > ${tol})`);
    }
  }
}

describe('model', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  describe('config', () => {
    it('has the three presets', () => {
      assert.deepStrictEqual(PRESETS.tiny, { contextLength: 64, nLayer: 2, nHead: 2, nEmbd: 64, positional: 'learned' });
      assert.deepStrictEqual(PRESETS.small, { contextLength: 128, nLayer: 4, nHead: 4, nEmbd: 128, positional: 'learned' });
      assert.deepStrictEqual(PRESETS.medium, { contextLength: 256, nLayer: 6, nHead: 6, nEmbd: 384, positional: 'learned' });
    });

    it('rejects bad configs with clear messages', () => {
      assert.throws(() => validateConfig({ ...small, nEmbd: 10, nHead: 3 }), /nEmbd \(10\) must be divisible by nHead \(3\)/);
      assert.throws(() => validateConfig({ ...small, nLayer: 0 }), /nLayer must be a positive integer/);
      assert.throws(() => validateConfig({ ...small, vocabSize: 2.5 }), /vocabSize must be a positive integer/);
      assert.throws(() => new GPT({ ...small, positional: 'rotary' as never }), /positional must be 'learned' or 'sinusoidal'/);
      assert.deepStrictEqual(validateConfig(small), small);
    });
  });

  describe('parameters', () => {
    it('counts parameters by group, the tied output once', () => {
      const V = 65;
      const C = 64;
      const L = 2;
      const model = new GPT({ ...PRESETS.tiny, vocabSize: V });
      try {
        const counts = model.parameterCounts();
        assert.deepStrictEqual(counts, {
          embeddings: V * C + 64 * C,
          attention: L * 4 * (C * C + C),
          mlp: L * (C * 4 * C + 4 * C + 4 * C * C + C),
          norms: L * 4 * C + 2 * C,
          total: V * C + 64 * C + L * (12 * C * C + 13 * C) + 2 * C,
        });
        let n = 0;
        for (const v of model.params.values()) n += v.size;
        assert.strictEqual(n, counts.total);
      } finally {
        model.dispose();
      }
    });

    it('names parameters like nanoGPT, weights (in, out), no position table when sinusoidal', () => {
      const model = new GPT({ ...small, positional: 'sinusoidal' });
      try {
        const shapes = model.parameterShapes();
        assert.deepStrictEqual(shapes.wte, [11, 8]);
        assert.strictEqual(shapes.wpe, undefined);
        assert.deepStrictEqual(shapes['h.1.attn.c_q.weight'], [8, 8]);
        assert.deepStrictEqual(shapes['h.0.mlp.c_fc.weight'], [8, 32]);
        assert.deepStrictEqual(shapes['h.0.mlp.c_proj.weight'], [32, 8]);
        assert.deepStrictEqual(shapes['ln_f.bias'], [8]);
        assert.deepStrictEqual([...model.params.keys()], Object.keys(shapes));
        for (const [name, v] of model.params) assert.deepStrictEqual(v.shape, shapes[name], name);
      } finally {
        model.dispose();
      }
    });

    it('initialises like GPT-2, deterministically from the seed', () => {
      const config = { ...PRESETS.small, vocabSize: 500 };
      const a = new GPT(config, 42);
      const b = new GPT(config, 42);
      const c = new GPT(config, 43);
      try {
        const wa = a.getWeights();
        const wb = b.getWeights();
        for (const [name, w] of wa) assert.deepStrictEqual(w, wb.get(name), name);
        assert.notDeepStrictEqual(wa.get('wte'), c.getWeights().get('wte'));
        assert.ok(Math.abs(std(wa.get('wte')!) - 0.02) < 0.001);
        assert.ok(Math.abs(std(wa.get('h.0.mlp.c_fc.weight')!) - 0.02) < 0.001);
        const projStd = 0.02 / Math.sqrt(2 * 4);
        assert.ok(Math.abs(std(wa.get('h.3.attn.c_proj.weight')!) - projStd) < 0.0007);
        assert.ok(Math.abs(std(wa.get('h.3.mlp.c_proj.weight')!) - projStd) < 0.0007);
        assert.ok(wa.get('h.2.attn.c_k.bias')!.every((x) => x === 0));
        assert.ok(wa.get('h.1.ln_2.weight')!.every((x) => x === 1));
        assert.ok(wa.get('ln_f.bias')!.every((x) => x === 0));
      } finally {
        a.dispose();
        b.dispose();
        c.dispose();
      }
    });

    it('round-trips weights and rejects wrong ones', () => {
      const a = new GPT(small, 1);
      const b = new GPT(small, 2);
      try {
        b.setWeights(a.getWeights());
        for (const [name, w] of a.getWeights()) assert.deepStrictEqual(b.getWeights().get(name), w);
        const record = Object.fromEntries(a.getWeights());
        b.setWeights(record);
        const missing = new Map(a.getWeights());
        missing.delete('h.1.ln_1.bias');
        assert.throws(() => b.setWeights(missing), /Missing weight h\.1\.ln_1\.bias/);
        const wrong = new Map(a.getWeights());
        wrong.set('wte', new Float32Array(3));
        assert.throws(() => b.setWeights(wrong), /Weight wte has 3 values; shape \[11, 8\] needs 88/);
        const extra = new Map(a.getWeights());
        extra.set('lm_head.weight', new Float32Array(88));
        assert.throws(() => b.setWeights(extra), /Unexpected weight lm_head\.weight/);
      } finally {
        a.dispose();
        b.dispose();
      }
    });
  });

  describe('forward', () => {
    it('gives (B, T, V) logits and a loss near ln V at initialisation', () => {
      const model = new GPT({ ...PRESETS.tiny, vocabSize: 65 });
      try {
        const x = tf.tensor2d(ids(2 * 64, 65, 1), [2, 64], 'int32');
        const y = tf.tensor2d(ids(2 * 64, 65, 2), [2, 64], 'int32');
        const logits = model.forward(x);
        assert.deepStrictEqual(logits.shape, [2, 64, 65]);
        const loss = model.loss(x, y).dataSync()[0];
        assert.ok(Math.abs(loss - Math.log(65)) < 0.1, `loss ${loss}`);
        tf.dispose([x, y, logits]);
      } finally {
        model.dispose();
      }
    });

    it('is causal: a later token never changes earlier logits', () => {
      for (const positional of ['learned', 'sinusoidal'] as const) {
        const model = new GPT({ ...small, positional }, 5);
        randomize(model, 9);
        try {
          const a = ids(8, 11, 3);
          const V = 11;
          for (const t of [1, 4, 7]) {
            const b = a.slice();
            b[t] = (b[t] + 1 + t) % V;
            const la = tf.tidy(() => model.forward(tf.tensor2d(a, [1, 8], 'int32')).dataSync() as Float32Array);
            const lb = tf.tidy(() => model.forward(tf.tensor2d(b, [1, 8], 'int32')).dataSync() as Float32Array);
            assert.deepStrictEqual(lb.subarray(0, t * V), la.subarray(0, t * V), `${positional}: positions before ${t} changed`);
            let changed = 0;
            for (let i = t * V; i < (t + 1) * V; i++) changed = Math.max(changed, Math.abs(la[i] - lb[i]));
            assert.ok(changed > 1e-3, `${positional}: position ${t} itself should change`);
          }
        } finally {
          model.dispose();
        }
      }
    });

    it('rejects a sequence longer than the context', () => {
      const model = new GPT(small);
      try {
        assert.throws(() => model.forward(tf.zeros([1, 9], 'int32') as tf.Tensor2D), /longer than the context length \(8\)/);
      } finally {
        model.dispose();
      }
    });
  });

  describe('attention maps', () => {
    it('are [layers][heads][T][T] probabilities, exactly 0 above the diagonal, and come with the logits', async () => {
      const model = new GPT({ ...small, nLayer: 3, nHead: 4 }, 3);
      randomize(model, 4);
      try {
        const seq = ids(7, 11, 8);
        const before = tf.memory().numTensors;
        const { logits, attention } = await model.attention(seq);
        assert.strictEqual(tf.memory().numTensors, before);
        assert.strictEqual(attention.length, 3);
        for (const layer of attention) {
          assert.strictEqual(layer.length, 4);
          for (const head of layer) {
            assert.strictEqual(head.length, 7);
            head.forEach((row, q) => {
              assert.strictEqual(row.length, 7);
              const sum = row.reduce((a, b) => a + b, 0);
              assert.ok(Math.abs(sum - 1) < 1e-5, `row ${q} sums to ${sum}`);
              for (let k = q + 1; k < 7; k++) assert.strictEqual(row[k], 0);
              for (let k = 0; k <= q; k++) assert.ok(row[k] > 0);
            });
          }
        }
        const expected = tf.tidy(() => model.forward(tf.tensor2d(seq, [1, 7], 'int32')).dataSync() as Float32Array);
        assertClose(logits, expected, 1e-6, 'logits');
        await assert.rejects(model.attention(ids(9, 11, 1)), /context length is 8/);
      } finally {
        model.dispose();
      }
    });
  });

  describe('gradients', () => {
    /** Finite differences of the loss; with dropout, every evaluation draws the same masks (a fresh Rng(seed)). */
    const finiteDifferenceCheck = (rate: number) => () => {
      const model = new GPT(small, 11);
      randomize(model, 12);
      const x = tf.tensor2d(ids(16, 11, 13), [2, 8], 'int32');
      const y = tf.tensor2d(ids(16, 11, 14), [2, 8], 'int32');
      const masks = () => (rate > 0 ? { rate, rng: new Rng(15) } : undefined);
      try {
        const vars = [...model.params.values()];
        const grads = tf.tidy(() => {
          const { grads: g } = tf.variableGrads(() => model.loss(x, y, masks()), vars);
          return g;
        });
        const lossNow = () => tf.tidy(() => model.loss(x, y, masks()).dataSync()[0]);
        const h = 1e-2;
        const checked = [
          'wte',
          'wpe',
          'h.0.ln_1.weight',
          'h.1.ln_2.bias',
          'h.0.attn.c_q.weight',
          'h.1.attn.c_k.weight',
          'h.0.attn.c_v.bias',
          'h.1.attn.c_proj.weight',
          'h.0.mlp.c_fc.weight',
          'h.1.mlp.c_proj.bias',
          'ln_f.weight',
        ];
        for (const name of checked) {
          const v = model.params.get(name)!;
          const g = grads[v.name].dataSync() as Float32Array;
          const original = Float32Array.from(v.dataSync() as Float32Array);
          // the largest entries (the best-conditioned differences) and one at random
          const order = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]));
          const picks = [order[0], order[1], order[2], order[Math.floor(order.length / 2)]];
          for (const i of picks) {
            const at = (value: number) => {
              const w = Float32Array.from(original);
              w[i] = value;
              tf.tidy(() => v.assign(tf.tensor(w, v.shape)));
              return lossNow();
            };
            const fd = (at(original[i] + h) - at(original[i] - h)) / (2 * h);
            tf.tidy(() => v.assign(tf.tensor(original, v.shape)));
            const tol = 1e-3 + 0.03 * Math.abs(g[i]);
            assert.ok(Math.abs(fd - g[i]) < tol, `${name}[${i}]: autodiff ${g[i]} vs finite difference ${fd}`);
          }
          assert.ok(Math.abs(g[order[0]]) > 1e-3, `${name}: gradient too small to test`);
        }
        tf.dispose(grads);
      } finally {
        tf.dispose([x, y]);
        model.dispose();
      }
    };

    it('match finite differences on a tiny model', finiteDifferenceCheck(0));

    it('match finite differences with dropout (embeddings, attention weights, residual outputs)', finiteDifferenceCheck(0.25));
  });

  describe('dropout', () => {
    const x = () => tf.tensor2d(ids(16, 11, 41), [2, 8], 'int32');
    const y = () => tf.tensor2d(ids(16, 11, 42), [2, 8], 'int32');

    /** The loss and every gradient of one step, with or without dropout. */
    function step(model: GPT, d?: { rate: number; rng: Rng }): { loss: number; grads: Float32Array[] } {
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => model.loss(x(), y(), d), [...model.params.values()]);
        return { loss: value.dataSync()[0], grads: [...model.params.values()].map((v) => Float32Array.from(grads[v.name].dataSync() as Float32Array)) };
      });
    }

    it('changes the training loss and every gradient; the same Rng state gives the same masks; rate 0 is no dropout at all', () => {
      const model = new GPT(small, 31);
      randomize(model, 32);
      try {
        const plain = step(model);
        const zero = step(model, { rate: 0, rng: new Rng(1) });
        assert.strictEqual(zero.loss, plain.loss);
        zero.grads.forEach((g, i) => assert.deepStrictEqual(g, plain.grads[i]));

        const dropped = step(model, { rate: 0.2, rng: new Rng(1) });
        const again = step(model, { rate: 0.2, rng: new Rng(1) });
        const other = step(model, { rate: 0.2, rng: new Rng(2) });
        assert.notStrictEqual(dropped.loss, plain.loss);
        assert.strictEqual(again.loss, dropped.loss);
        again.grads.forEach((g, i) => assert.deepStrictEqual(g, dropped.grads[i]));
        assert.notStrictEqual(other.loss, dropped.loss);
        const names = [...model.params.keys()];
        dropped.grads.forEach((g, i) => {
          // the key bias's gradient is rounding noise either way (see model.ts); every other one moves
          if (names[i].endsWith('c_k.bias')) return;
          assert.ok(g.some((v, j) => v !== plain.grads[i][j]), `${names[i]}: the same gradient with and without dropout`);
        });
        // each dropout place draws one seed: the embeddings, then per layer the attention weights and the two residual outputs
        const rng = new Rng(1);
        step(model, { rate: 0.2, rng });
        const expected = new Rng(1);
        for (let i = 0; i < 1 + 3 * small.nLayer; i++) expected.next();
        assert.deepStrictEqual(rng.state, expected.state);
        assert.throws(() => model.loss(x(), y(), { rate: 1, rng: new Rng(1) }), /Dropout rate must be in \[0, 1\), got 1/);
      } finally {
        model.dispose();
      }
    });

    it('never reaches the inference paths: forward, the KV cache, attention maps and the plain loss are deterministic and unchanged', async () => {
      const model = new GPT(small, 33);
      randomize(model, 34);
      const sequence = ids(8, 11, 43);
      const inference = async () => {
        const logits = tf.tidy(() => Float32Array.from(model.forward(tf.tensor2d(sequence, [1, 8], 'int32')).dataSync() as Float32Array));
        const cache = model.newCache();
        const cached = model.forwardCached(sequence, cache);
        const cachedLogits = Float32Array.from((await cached.data()) as Float32Array);
        cached.dispose();
        model.disposeCache(cache);
        const maps = await model.attentionMaps(sequence);
        const loss = tf.tidy(() => model.loss(x(), y()).dataSync()[0]);
        return { logits, cachedLogits, maps, loss };
      };
      try {
        const before = await inference();
        for (let i = 0; i < 3; i++) step(model, { rate: 0.5, rng: new Rng(i) });
        const after = await inference();
        assert.deepStrictEqual(after, before);
        assertClose(before.cachedLogits, before.logits, 1e-5, 'cached logits');
      } finally {
        model.dispose();
      }
    });
  });

  describe('backends', () => {
    after(async () => {
      await tf.setBackend('cpu');
    });

    it('computes the same loss, gradients and attention on wasm as on cpu', async function () {
      this.timeout(30_000);
      const x = ids(3 * 8, 11, 31);
      const y = ids(3 * 8, 11, 32);
      const run = async (backend: string) => {
        await tf.setBackend(backend);
        const model = new GPT({ ...small, nHead: 4 }, 3);
        randomize(model, 17);
        const xs = tf.tensor2d(x, [3, 8], 'int32');
        const ys = tf.tensor2d(y, [3, 8], 'int32');
        const { value, grads } = tf.variableGrads(() => model.loss(xs, ys), [...model.params.values()]);
        const out = { loss: value.dataSync()[0], grads: new Map<string, Float32Array>(), attention: (await model.attention(x.slice(0, 6))).attention };
        for (const [name, v] of model.params) out.grads.set(name, grads[v.name].dataSync() as Float32Array);
        tf.dispose([xs, ys, value, ...Object.values(grads)]);
        model.dispose();
        return out;
      };
      const wasm = await run('wasm');
      assert.strictEqual(tf.getBackend(), 'wasm');
      const cpu = await run('cpu');
      assert.ok(Math.abs(wasm.loss - cpu.loss) < 1e-5, `loss: wasm ${wasm.loss}, cpu ${cpu.loss}`);
      for (const [name, g] of cpu.grads) {
        const scale = Math.max(...g.map(Math.abs), 1e-3);
        assertClose(wasm.grads.get(name)!.map((v) => v / scale), g.map((v) => v / scale), 1e-4, `gradient of ${name}`);
      }
      assertClose(wasm.attention.flat(3), cpu.attention.flat(3), 1e-5, 'attention');
    });
  });

  describe('custom-gradient ops equal the plain TensorFlow.js formulation', () => {
    const rng = new Rng(21);
    const rand = (shape: number[], scale = 1) =>
      tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * scale), shape);

    /** Value and gradients (w.r.t. every float input) of sum(f(...) * r) for a random r. */
    function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], wrt: number[], r: tf.Tensor) {
      return tf.tidy(() => {
        const value = f(...inputs).dataSync() as Float32Array;
        const g = tf.grads((...xs: tf.Tensor[]) => {
          const all = inputs.slice();
          wrt.forEach((k, j) => (all[k] = xs[j]));
          return tf.sum(tf.mul(f(...all), r));
        });
        const grads = g(wrt.map((k) => inputs[k])).map((t) => t.dataSync() as Float32Array);
        return { value: Float32Array.from(value), grads };
      });
    }

    function compare(custom: (...xs: tf.Tensor[]) => tf.Tensor, plain: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], wrt: number[], outShape: number[], tol = 1e-5) {
      const r = rand(outShape);
      const a = valueAndGrads(custom, inputs, wrt, r);
      const b = valueAndGrads(plain, inputs, wrt, r);
      assertClose(a.value, b.value, tol, 'value');
      a.grads.forEach((g, i) => assertClose(g, b.grads[i], tol, `gradient ${i}`));
      r.dispose();
    }

    it('linear and x·Wᵀ', () => {
      const x = rand([6, 5]);
      const w = rand([5, 3]);
      const b = rand([3]);
      compare((x, w, b) => linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), (x, w, b) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b), [x, w, b], [0, 1, 2], [6, 3]);
      compare((x, w) => linear(x as tf.Tensor2D, w as tf.Tensor2D), (x, w) => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), [x, w], [0, 1], [6, 3]);
      const table = rand([7, 5]);
      compare((x, t) => matMulTransposed(x as tf.Tensor2D, t as tf.Tensor2D), (x, t) => tf.matMul(x as tf.Tensor2D, t as tf.Tensor2D, false, true), [x, table], [0, 1], [6, 7]);
      tf.dispose([x, w, b, table]);
    });

    it('embedding, with repeated ids', () => {
      const table = rand([7, 4]);
      const idx = tf.tensor1d([3, 0, 3, 6, 3, 1, 0], 'int32');
      const plain = (t: tf.Tensor, i: tf.Tensor) => tf.matMul(tf.oneHot(i as tf.Tensor1D, 7, 1, 0, 'float32'), t as tf.Tensor2D);
      compare((t, i) => embedding(t as tf.Tensor2D, i as tf.Tensor1D), plain, [table, idx], [0], [7, 4]);
      assert.deepStrictEqual(embedding(table as tf.Tensor2D, idx).dataSync(), tf.gather(table, idx).dataSync());
      tf.dispose([table, idx]);
    });

    it('fused softmax cross-entropy, stable for large logits', () => {
      const targets = tf.tensor1d([2, 0, 4, 4, 1], 'int32');
      const plain = (l: tf.Tensor, t: tf.Tensor) =>
        tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(t as tf.Tensor1D, 6, 1, 0, 'float32'), tf.logSoftmax(l)), 1)));
      const custom = (l: tf.Tensor, t: tf.Tensor) => crossEntropy(l as tf.Tensor2D, t as tf.Tensor1D);
      const logits = rand([5, 6], 3);
      compare(custom, plain, [logits, targets], [0], []);
      const huge = tf.mul(logits, 1000);
      const loss = crossEntropy(huge as tf.Tensor2D, targets).dataSync()[0];
      assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
      tf.dispose([targets, logits, huge]);
    });

    it('layer norm', () => {
      const x = tf.add(rand([6, 8], 2), 3);
      const g = rand([8]);
      const b = rand([8]);
      const plain = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const mean = tf.mean(x, 1, true);
        const centered = tf.sub(x, mean);
        const variance = tf.mean(tf.square(centered), 1, true);
        return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, 1e-5))), g), b);
      };
      compare((x, g, b) => layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D), plain, [x, g, b], [0, 1, 2], [6, 8], 2e-5);
      tf.dispose([x, g, b]);
    });

    it('dropout: x times the mask of Rng(seed), 1 / (1 − rate) where kept; its gradient is the mask', () => {
      const x = rand([40, 50]);
      const rate = 0.3;
      const fromNext = new Rng(8);
      const mask = tf.tensor(Float32Array.from({ length: 2000 }, () => (fromNext.next() >= rate ? 1 / (1 - rate) : 0)), [40, 50]);
      compare((x) => dropout(x, rate, 8), (x) => tf.mul(x, mask), [x], [0], [40, 50], 0);
      const m = mask.dataSync();
      const kept = m.filter((v) => v !== 0).length;
      // 2000 draws at p = 0.7: σ ≈ 20.5, so 4σ
      assert.ok(Math.abs(kept - 1400) < 82, `${kept} of 2000 kept at rate ${rate}`);
      assert.strictEqual(dropout(x, 0, 8), x, 'rate 0 returns x itself');
      assert.throws(() => dropout(x, -0.1, 8), /Dropout rate must be in \[0, 1\)/);
      tf.dispose([x, mask]);
    });

    it('exact GELU', () => {
      const x = rand([4, 9], 2);
      const plain = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
      compare((x) => gelu(x), plain, [x], [0], [4, 9]);
      // against PyTorch's nn.GELU() at a few points
      assertClose(gelu(tf.tensor1d([-3, -1, 0, 0.5, 2])).dataSync(), [-0.0040496, -0.1586553, 0, 0.3457312, 1.9544997], 1e-5, 'gelu');
      x.dispose();
    });

    it("GELU's tanh form (GPT-2's gelu_new, for imported models)", () => {
      const x = rand([4, 9], 2);
      const formula = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
      const values = x.dataSync();
      assertClose(geluTanh(x).dataSync(), Array.from(values, formula), 1e-5, 'value');
      // tfjs-core's CommonJS build has no gradient for Tanh, so the plain form cannot be differentiated here:
      // the hand-written gradient against central differences of the formula (in double precision)
      const dy = rand([4, 9]);
      const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(geluTanh(v), dy)))(x).dataSync();
      const h = 1e-4;
      const dyValues = dy.dataSync();
      assertClose(grad, Array.from(values, (v, i) => (dyValues[i] * (formula(v + h) - formula(v - h))) / (2 * h)), 1e-4, 'gradient');
      dy.dispose();
      // against PyTorch's gelu(approximate='tanh') at a few points
      assertClose(geluTanh(tf.tensor1d([-3, -1, 0, 0.5, 2])).dataSync(), [-0.0036374, -0.158808, 0, 0.345714, 1.9545977], 1e-5, 'gelu_tanh');
      x.dispose();
    });

    it("layer norm with another ε (an imported model's)", () => {
      const x = tf.mul(rand([6, 8], 2), 1e-3);
      const g = rand([8]);
      const b = rand([8]);
      const plain = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const centered = tf.sub(x, tf.mean(x, 1, true));
        return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(tf.mean(tf.square(centered), 1, true), 1e-8))), g), b);
      };
      compare((x, g, b) => layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-8), plain, [x, g, b], [0, 1, 2], [6, 8], 2e-4);
      tf.dispose([x, g, b]);
    });
  });
});
