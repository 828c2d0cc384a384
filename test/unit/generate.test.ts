import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { GPT, type GPTConfig } from '../../src/engine/model';
import { generate, nextTokenDistribution, sampleNext, samplingDistribution } from '../../src/engine/generate';
import { Rng } from '../../src/engine/rng';
import { randomModel as randomFixtureModel } from './fixtures/randomModel';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz .,;!?';
const decoder = { decode: (ids: number[]) => ids.map((i) => ALPHABET[i]).join('') };
const config: GPTConfig = { vocabSize: ALPHABET.length, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 16, positional: 'learned' };

function randomModel(seed: number, overrides: Partial<GPTConfig> = {}): GPT {
  return randomFixtureModel({ ...config, ...overrides }, seed);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('generate', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  describe('the key/value cache', () => {
    it('gives the tokens and logits of full recomputation, also past the context length', async () => {
      for (const positional of ['learned', 'sinusoidal'] as const) {
        const model = randomModel(1, { positional });
        try {
          const prompt = [3, 1, 4, 1, 5];
          const n = 20; // 5 + 20 tokens: well past contextLength 8
          for (const sampling of [{ temperature: 0 }, { temperature: 1, seed: 5 }]) {
            const cached = await generate(model, decoder, prompt, { maxNewTokens: n, ...sampling, returnLogits: true });
            const full = await generate(model, decoder, prompt, { maxNewTokens: n, ...sampling, returnLogits: true, useCache: false });
            assert.deepStrictEqual(cached.ids, full.ids, `${positional} ${JSON.stringify(sampling)}`);
            assert.strictEqual(cached.ids.length, n);
            assert.strictEqual(cached.finishReason, 'length');
            cached.logits!.forEach((l, i) => assert.ok(maxDiff(l, full.logits![i]) < 1e-4, `${positional} token ${i}: ${maxDiff(l, full.logits![i])}`));
          }
        } finally {
          model.dispose();
        }
      }
    });

    it('runs new positions against the cache like forward() runs the whole sequence', () => {
      const model = randomModel(2);
      const seq = [7, 3, 9, 9, 0, 12, 30, 4];
      const V = config.vocabSize;
      try {
        const full = tf.tidy(() => model.forward(tf.tensor2d(seq, [1, 8], 'int32')).dataSync() as Float32Array);
        const cache = model.newCache();
        const parts = [[7, 3, 9], [9], [0, 12, 30], [4]];
        const got: number[] = [];
        for (const part of parts) {
          const logits = model.forwardCached(part, cache);
          got.push(...(logits.dataSync() as Float32Array));
          logits.dispose();
        }
        assert.strictEqual(cache.length, 8);
        assert.deepStrictEqual(cache.layers[0].k.shape, [1, 2, 8, 8]);
        assert.ok(maxDiff(got, full) < 1e-5, `max difference ${maxDiff(got, full)}`);
        assert.strictEqual(got.length, 8 * V);
        assert.throws(() => model.forwardCached([1], cache), /longer than the context length/);
        model.disposeCache(cache);
      } finally {
        model.dispose();
      }
    });

    it('leaves no tensors behind', async () => {
      const model = randomModel(3);
      try {
        const before = tf.memory().numTensors;
        await generate(model, decoder, [1, 2, 3], { maxNewTokens: 12, temperature: 0.8, seed: 1 });
        await generate(model, decoder, [1, 2, 3], { maxNewTokens: 12, temperature: 0, useCache: false });
        await nextTokenDistribution(model, [1, 2, 3]);
        assert.strictEqual(tf.memory().numTensors, before);
      } finally {
        model.dispose();
      }
    });
  });

  describe('sampling', () => {
    const probs = [0.5, 0.3, 0.15, 0.05];
    const logits = Float32Array.from(probs.map(Math.log));

    it('top-p keeps the smallest set of most likely tokens reaching p', () => {
      const keep = (p: number) => Array.from(samplingDistribution(logits, { temperature: 1, topP: p }));
      const close = (a: number[], b: number[]) => assert.ok(maxDiff(a, b) < 1e-6, `${a} vs ${b}`);
      close(keep(0.4), [1, 0, 0, 0]);
      close(keep(0.7), [0.625, 0.375, 0, 0]);
      close(keep(0.9), [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0]);
      close(keep(1), probs);
    });

    it('top-k keeps the k most likely; temperature sharpens and flattens; 0 is greedy', () => {
      const d = (o: object) => Array.from(samplingDistribution(logits, { temperature: 1, ...o }));
      assert.ok(maxDiff(d({ topK: 2 }), [0.625, 0.375, 0, 0]) < 1e-6);
      assert.deepStrictEqual(d({ topK: 1 }), [1, 0, 0, 0]);
      assert.deepStrictEqual(d({ temperature: 0 }), [1, 0, 0, 0]);
      const cold = d({ temperature: 0.5 });
      const hot = d({ temperature: 2 });
      assert.ok(cold[0] > 0.5 && hot[0] < 0.5 && hot[3] > 0.05 && cold[3] < 0.05);
      assert.ok(Math.abs(cold.reduce((a, b) => a + b) - 1) < 1e-9);
    });

    it('draws tokens with the distribution’s frequencies', () => {
      const rng = new Rng(9);
      const counts = [0, 0, 0, 0];
      const n = 20000;
      for (let i = 0; i < n; i++) counts[sampleNext(logits, { temperature: 1 }, rng)]++;
      counts.forEach((c, i) => assert.ok(Math.abs(c / n - probs[i]) < 0.015, `token ${i}: ${c / n} vs ${probs[i]}`));
      const nucleus = [0, 0, 0, 0];
      for (let i = 0; i < 2000; i++) nucleus[sampleNext(logits, { temperature: 1, topP: 0.7 }, rng)]++;
      assert.strictEqual(nucleus[2] + nucleus[3], 0);
      assert.ok(nucleus[1] > 600 && nucleus[1] < 900, `${nucleus}`);
    });

    it('is reproducible with a seed; top-k 1 is greedy', async () => {
      const model = randomModel(4);
      try {
        const prompt = [0, 1, 2];
        const a = await generate(model, decoder, prompt, { maxNewTokens: 15, temperature: 1.5, seed: 42 });
        const b = await generate(model, decoder, prompt, { maxNewTokens: 15, temperature: 1.5, seed: 42 });
        const c = await generate(model, decoder, prompt, { maxNewTokens: 15, temperature: 1.5, seed: 43 });
        assert.deepStrictEqual(a.ids, b.ids);
        assert.strictEqual(a.text, decoder.decode(a.ids));
        assert.notDeepStrictEqual(a.ids, c.ids);
        const greedy = await generate(model, decoder, prompt, { maxNewTokens: 15, temperature: 0 });
        const top1 = await generate(model, decoder, prompt, { maxNewTokens: 15, temperature: 1.5, topK: 1, seed: 7 });
        assert.deepStrictEqual(top1.ids, greedy.ids);
        assert.notDeepStrictEqual(a.ids, greedy.ids);
      } finally {
        model.dispose();
      }
    });
  });

  describe('stopping', () => {
    it('stops at a stop sequence and cuts it off', async () => {
      const model = randomModel(5);
      try {
        const free = await generate(model, decoder, [2, 3], { maxNewTokens: 16, temperature: 0 });
        assert.strictEqual(free.text.length, 16);
        const stop = free.text.slice(6, 8); // two characters from the middle
        const first = free.text.indexOf(stop);
        const out = await generate(model, decoder, [2, 3], { maxNewTokens: 16, temperature: 0, stopSequences: ['never there', stop] });
        assert.strictEqual(out.finishReason, 'stop');
        assert.strictEqual(out.text, free.text.slice(0, first));
        assert.deepStrictEqual(out.ids, free.ids.slice(0, first + 2));
      } finally {
        model.dispose();
      }
    });

    it('stops when the signal aborts', async () => {
      const model = randomModel(6);
      try {
        const early = new AbortController();
        early.abort();
        const none = await generate(model, decoder, [1], { maxNewTokens: 10, signal: early.signal });
        assert.deepStrictEqual([none.ids, none.finishReason], [[], 'aborted']);

        const controller = new AbortController();
        let calls = 0;
        const watching = {
          decode(ids: number[]) {
            if (++calls === 3) controller.abort();
            return decoder.decode(ids);
          },
        };
        const out = await generate(model, watching, [1], { maxNewTokens: 10, temperature: 0, signal: controller.signal, stopSequences: ['@'] });
        assert.strictEqual(out.finishReason, 'aborted');
        assert.strictEqual(out.ids.length, 3);
      } finally {
        model.dispose();
      }
    });

    it('rejects bad options', async () => {
      const model = randomModel(7);
      try {
        await assert.rejects(generate(model, decoder, [], { maxNewTokens: 1 }), /at least one token/);
        await assert.rejects(generate(model, decoder, [99], { maxNewTokens: 1 }), /not a model ID/);
        await assert.rejects(generate(model, decoder, [1], { temperature: -1 }), /temperature/);
        await assert.rejects(generate(model, decoder, [1], { topP: 0 }), /topP/);
      } finally {
        model.dispose();
      }
    });
  });

  it('gives the next-token distribution, most likely first', async () => {
    const model = randomModel(8);
    try {
      const prompt = [4, 4, 2, 9, 1, 0, 3, 3, 8, 7]; // longer than the context: the last 8 count
      const top = await nextTokenDistribution(model, prompt, 5);
      assert.strictEqual(top.length, 5);
      for (let i = 1; i < 5; i++) assert.ok(top[i].prob <= top[i - 1].prob);
      const expected = tf.tidy(() => {
        const logits = model.forward(tf.tensor2d(prompt.slice(-8), [1, 8], 'int32'));
        return tf.softmax(tf.reshape(tf.slice(logits, [0, 7, 0], [1, 1, config.vocabSize]), [config.vocabSize])).dataSync() as Float32Array;
      });
      for (const { id, prob } of top) assert.ok(Math.abs(prob - expected[id]) < 1e-6);
      assert.strictEqual(top[0].id, expected.indexOf(Math.max(...expected)));
      const all = await nextTokenDistribution(model, prompt, 1000);
      assert.strictEqual(all.length, config.vocabSize);
      assert.ok(Math.abs(all.reduce((a, b) => a + b.prob, 0) - 1) < 1e-5);
    } finally {
      model.dispose();
    }
  });

  it('generates the same tokens on wasm as on cpu', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const model = randomModel(9);
      const out = await generate(model, decoder, [5, 6, 7], { maxNewTokens: 12, temperature: 0.9, seed: 3, returnLogits: true });
      model.dispose();
      return out;
    };
    try {
      const wasm = await run('wasm');
      const cpu = await run('cpu');
      assert.deepStrictEqual(wasm.ids, cpu.ids);
      wasm.logits!.forEach((l, i) => assert.ok(maxDiff(l, cpu.logits![i]) < 1e-4));
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
