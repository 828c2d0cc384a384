// Fused native decoding (src/engine/nativeDecode.ts, native/src/decoder.cc) against the TensorFlow.js path:
// same logits (within 1e-4) and the same greedy tokens, cached and recomputed, learned and sinusoidal
// positions, past the context length, with the exact GELU and with an imported GPT-2's tanh GELU and LayerNorm ε;
// the decoder follows weight changes; and generate() falls back to tf when the addon is switched off. Like
// native.test.ts, these fail where the addon was not built.

import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { addonNumerics, nativeAddon } from '../../src/engine/backends/native';
import { generate } from '../../src/engine/generate';
import { GPT, type GPTConfig } from '../../src/engine/model';
import { acquireNativeDecoder, nativeDecodeUnavailable, releaseNativeDecoder } from '../../src/engine/nativeDecode';
import { Rng } from '../../src/engine/rng';

const root = path.resolve(__dirname, '..', '..');
const register = path.join(root, 'scripts', 'ts-register.js');
const V = 40;
const decoder = { decode: (ids: number[]) => ids.map((i) => String.fromCharCode(97 + (i % 26))).join('') };
const config: GPTConfig = { vocabSize: V, contextLength: 12, nLayer: 2, nHead: 2, nEmbd: 16, positional: 'learned' };

/** Large random weights (non-zero biases and gains): peaked distributions, no near-ties for argmax. */
function randomModel(seed: number, overrides: Partial<GPTConfig> = {}): GPT {
  const model = new GPT({ ...config, ...overrides }, seed);
  randomize(model, seed + 100);
  return model;
}

function randomize(model: GPT, seed: number): void {
  const rng = new Rng(seed);
  const weights = model.getWeights();
  for (const [name, w] of weights) {
    const gain = /ln_(\d|f)/.test(name) && name.endsWith('.weight');
    for (let i = 0; i < w.length; i++) w[i] = (gain ? 1 : 0) + rng.normal() * (name === 'wte' ? 1 : 0.4);
  }
  model.setWeights(weights);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('native decoding', () => {
  before(async () => {
    await tf.setBackend('cpu');
    assert.strictEqual(nativeDecodeUnavailable(), undefined, 'the native addon (npm run build:native) must load');
  });

  it('gives the logits and greedy tokens of the tf path, cached and recomputed, past the context length', async () => {
    for (const positional of ['learned', 'sinusoidal'] as const) {
      const model = randomModel(3, { positional });
      try {
        const prompt = [3, 1, 4, 1, 5, 9, 2];
        const n = 20; // 7 + 20 tokens: well past contextLength 12 (the window is rebuilt every token)
        const run = (o: object) => generate(model, decoder, prompt, { maxNewTokens: n, temperature: 0, returnLogits: true, ...o });
        const native = await run({});
        const tfCached = await run({ native: false });
        const tfFull = await run({ useCache: false });
        assert.deepStrictEqual([native.decoding, tfCached.decoding, tfFull.decoding], ['fused', 'cached', 'recomputed']);
        for (const [name, other] of [['tf cached', tfCached], ['tf recomputed', tfFull]] as const) {
          assert.deepStrictEqual(native.ids, other.ids, `${positional}: greedy tokens vs ${name}`);
          native.logits!.forEach((l, i) => assert.ok(maxDiff(l, other.logits![i]) < 1e-4, `${positional} ${name} token ${i}: ${maxDiff(l, other.logits![i])}`));
        }
        assert.strictEqual(native.ids.length, n);
        // sampling draws the same tokens from the same logits
        const sampled = await run({ temperature: 0.9, topK: 10, topP: 0.9, seed: 7 });
        const sampledTf = await run({ temperature: 0.9, topK: 10, topP: 0.9, seed: 7, native: false });
        assert.deepStrictEqual(sampled.ids, sampledTf.ids, `${positional}: sampled tokens`);
      } finally {
        model.dispose();
      }
    }
  });

  // GPT-2's numerics (transformers' gelu_new, ε 1e-5), another ε with the tanh GELU, and an ε large enough that
  // a decoder computing the default instead could not pass; contextLength 24: 30 tokens cached, then past it
  const numerics = [
    { activation: 'gelu_tanh', layerNormEpsilon: 1e-5, positional: 'learned' },
    { activation: 'gelu_tanh', layerNormEpsilon: 1e-6, positional: 'sinusoidal' },
    { activation: 'gelu', layerNormEpsilon: 0.25, positional: 'learned' },
  ] as const;
  for (const n of numerics) {
    it(`computes the ${n.activation} MLP with LayerNorm ε ${n.layerNormEpsilon}: the tf path's logits and 30 greedy tokens`, async () => {
      const model = randomModel(8, { ...n, contextLength: 24 });
      const plain = randomModel(8, { positional: n.positional, contextLength: 24 }); // the same weights, default numerics
      try {
        const prompt = [3, 1, 4, 1, 5];
        const run = (m: GPT, o: object) => generate(m, decoder, prompt, { maxNewTokens: 30, temperature: 0, returnLogits: true, ...o });
        const native = await run(model, {});
        const tfCached = await run(model, { native: false });
        const tfFull = await run(model, { useCache: false });
        assert.deepStrictEqual([native.decoding, tfCached.decoding, tfFull.decoding], ['fused', 'cached', 'recomputed']);
        assert.strictEqual(native.ids.length, 30);
        for (const [name, other] of [['tf cached', tfCached], ['tf recomputed', tfFull]] as const) {
          assert.deepStrictEqual(native.ids, other.ids, `greedy tokens vs ${name}`);
          native.logits!.forEach((l, i) => assert.ok(maxDiff(l, other.logits![i]) < 1e-4, `${name} token ${i}: ${maxDiff(l, other.logits![i])}`));
        }
        // the numerics matter here: the default ones give logits further from these than the tolerance (the tanh
        // GELU is close to the exact one, ~1e-3 apart on these logits), so a decoder ignoring them could not pass
        const defaults = await run(plain, { maxNewTokens: 1 });
        assert.ok(maxDiff(defaults.logits![0], native.logits![0]) > 5e-4, `the default numerics give the same logits: ${maxDiff(defaults.logits![0], native.logits![0])}`);
      } finally {
        model.dispose();
        plain.dispose();
      }
    });
  }

  it("refuses numerics it does not know (the addon's binding)", () => {
    const addon = nativeAddon();
    const dims = [4, 2, 1, 1, 2];
    const weights = [8, 4, 2, 2, 4, 2, 4, 2, 4, 2, 4, 2, 2, 2, 16, 8, 16, 2, 2, 2].map((n) => new Float32Array(n));
    addon.decoderFree!(addon.decoderCreate!(dims, weights, ...addonNumerics({ activation: 'gelu_tanh', layerNormEpsilon: 1e-5 })));
    assert.throws(() => addon.decoderCreate!(dims, weights, 2, 1e-5), /activation must be 0 \(exact GELU\) or 1 \(tanh GELU\)/);
    for (const eps of [0, -1, 1, NaN]) assert.throws(() => addon.decoderCreate!(dims, weights, 0, eps), /layerNormEpsilon must be in \(0, 1\)/);
  });

  it('runs prompt chunks against its cache like forward() runs the whole sequence', () => {
    const model = randomModel(4, { positional: 'sinusoidal' });
    try {
      const seq = [7, 3, 9, 9, 0, 12, 30, 4, 39, 1, 2, 5];
      const full = tf.tidy(() => model.forward(tf.tensor2d(seq, [1, seq.length], 'int32')).dataSync() as Float32Array); // (T, V)
      const dec = acquireNativeDecoder(model)!;
      const addon = nativeAddon();
      try {
        // the AVX2/FMA kernels where the CPU has them, and the portable ones
        for (const generic of [false, true]) {
          addon.forceGeneric(generic);
          dec.reset();
          let at = 0;
          for (const part of [[7, 3, 9], [9], [0, 12, 30, 4, 39], [1], [2, 5]]) {
            const logits = dec.run(part);
            at += part.length;
            const d = maxDiff(logits, full.subarray((at - 1) * V, at * V));
            assert.ok(d < 1e-4, `generic ${generic}, after ${at} tokens: ${d}`);
          }
          assert.strictEqual(dec.length, seq.length);
          assert.throws(() => dec.run([1]), /contextLength/);
        }
      } finally {
        addon.forceGeneric(false);
        releaseNativeDecoder(model, dec);
      }
    } finally {
      model.dispose();
    }
  });

  it('follows weight changes (setWeights) between calls', async () => {
    const model = randomModel(5);
    try {
      const prompt = [1, 2, 3];
      const before = await generate(model, decoder, prompt, { maxNewTokens: 4, temperature: 0, returnLogits: true });
      randomize(model, 99);
      const after = await generate(model, decoder, prompt, { maxNewTokens: 4, temperature: 0, returnLogits: true });
      const reference = await generate(model, decoder, prompt, { maxNewTokens: 4, temperature: 0, returnLogits: true, native: false });
      assert.ok(maxDiff(before.logits![0], after.logits![0]) > 1e-2, 'the new weights change the logits');
      assert.ok(maxDiff(after.logits![0], reference.logits![0]) < 1e-4);
      assert.deepStrictEqual(after.ids, reference.ids);
      // dispose() frees the decoder's weight copy; generate() then refuses, as on the tf path
      model.dispose();
      await assert.rejects(generate(model, decoder, prompt, { maxNewTokens: 1 }), /disposed/);
    } finally {
      model.dispose();
    }
  });

  it('lets concurrent generate() calls on one model each have their own cache', async () => {
    const model = randomModel(6);
    try {
      const o = { maxNewTokens: 15, temperature: 0 };
      const [a, b] = await Promise.all([generate(model, decoder, [1, 2], o), generate(model, decoder, [5, 6, 7], o)]);
      assert.deepStrictEqual(a.ids, (await generate(model, decoder, [1, 2], { ...o, native: false })).ids);
      assert.deepStrictEqual(b.ids, (await generate(model, decoder, [5, 6, 7], { ...o, native: false })).ids);
    } finally {
      model.dispose();
    }
  });

  it('falls back to the tf path when the addon is switched off (LMX_NATIVE=0)', () => {
    const script = `
      const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu');
      const { GPT } = require('./src/engine/model.ts');
      const { generate } = require('./src/engine/generate.ts');
      const { nativeDecodeUnavailable } = require('./src/engine/nativeDecode.ts');
      (async () => {
        await tf.setBackend('cpu');
        const model = new GPT({ vocabSize: 20, contextLength: 6, nLayer: 1, nHead: 2, nEmbd: 8, positional: 'learned' }, 1);
        const d = { decode: (ids) => ids.join(',') };
        const a = await generate(model, d, [1, 2], { maxNewTokens: 8, temperature: 0 });
        const b = await generate(model, d, [1, 2], { maxNewTokens: 8, temperature: 0, useCache: false });
        console.log(JSON.stringify({ reason: nativeDecodeUnavailable(), a: a.ids, b: b.ids, decoding: a.decoding }));
      })();`;
    const proc = spawnSync(process.execPath, ['-r', register, '-e', script], {
      cwd: root,
      env: { ...process.env, LMX_NATIVE: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.strictEqual(proc.status, 0, proc.stderr);
    const lines = proc.stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]);
    assert.match(result.reason, /LMX_NATIVE=0/);
    assert.strictEqual(result.decoding, 'cached');
    assert.strictEqual(result.a.length, 8);
    assert.deepStrictEqual(result.a, result.b);
  });
});
