import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { generate, sampleNext } from '../../../../src/engine/generate';
import { GPT, type GPTConfig } from '../../../../src/engine/model';
import { nativeDecodeUnavailable } from '../../../../src/engine/nativeDecode';
import { Rng } from '../../../../src/engine/rng';
import { chooseToken, SamplingSession } from '../../../../src/engine/sampling/session';
import { compareStrategies, repetition, strategyLabel } from '../../../../src/engine/sampling/compare';
import { randomModel as randomFixtureModel } from '../../fixtures/randomModel';

const V = 40;
const config: GPTConfig = { vocabSize: V, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 16, positional: 'learned' };
const decoder = { decode: (ids: number[]) => ids.map((i) => String.fromCharCode(65 + i)).join('') };

function randomModel(seed: number): GPT {
  return randomFixtureModel(config, seed);
}

/** The next-token logits after `ids` by a full forward pass of their last contextLength tokens. */
function forwardLogits(model: GPT, ids: number[]): Float32Array {
  const window = ids.slice(-config.contextLength);
  return tf.tidy(() => {
    const all = model.forward(tf.tensor2d(window, [1, window.length], 'int32')).dataSync() as Float32Array;
    return all.slice((window.length - 1) * V);
  });
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('sampling maths: a step-by-step session', () => {
  let model: GPT;
  before(async () => {
    await tf.setBackend('cpu');
    model = randomModel(5);
  });
  after(() => model.dispose());

  for (const native of [true, false]) {
    const name = native ? 'native decoder' : 'TensorFlow.js cache';
    it(`steps, past the context length, with the logits of a full forward pass (${name})`, async () => {
      if (native) assert.strictEqual(nativeDecodeUnavailable(), undefined, 'the native addon (npm run build:native) must load');
      const session = await SamplingSession.open(model, [3, 1, 4], { native });
      try {
        const params = { temperature: 0.9, topK: 10 };
        for (let i = 0; i < 12; i++) {
          assert.ok(maxDiff(session.logits, forwardLogits(model, [...session.allTokens])) < 1e-4, `before step ${i}`);
          await session.step(i % 3 === 0 ? { kind: 'greedy' } : i % 3 === 1 ? { kind: 'sample', seed: 100 + i } : { kind: 'pick', id: i }, params);
        }
        assert.strictEqual(session.generated.length, 12);
        assert.strictEqual(session.generated[2], 2, 'a picked token is appended as it is');
      } finally {
        session.dispose();
      }
    });

    it(`undo gives back the previous state exactly, and the next step after it is right (${name})`, async () => {
      const session = await SamplingSession.open(model, [7, 7, 2], { native });
      try {
        const params = { temperature: 1, topP: 0.9 };
        await session.step({ kind: 'greedy' }, params);
        await session.step({ kind: 'sample', seed: 1 }, params);
        const before = { view: session.view(params), logits: session.logits, tokens: [...session.allTokens], steps: structuredClone(session.steps) };
        for (let i = 0; i < 7; i++) await session.step({ kind: 'sample', seed: 9 + i }, params); // past the context: the cache is rebuilt
        for (let i = 0; i < 7; i++) assert.ok(session.undo());
        assert.deepStrictEqual(session.view(params), before.view);
        assert.deepStrictEqual(session.logits, before.logits);
        assert.deepStrictEqual([...session.allTokens], before.tokens);
        assert.deepStrictEqual(session.steps, before.steps);
        // a different token now: the cache holds positions of the undone ones and must not be used as is
        await session.step({ kind: 'pick', id: 39 }, params);
        assert.ok(maxDiff(session.logits, forwardLogits(model, [...session.allTokens])) < 1e-4);
        session.undo();
        session.undo();
        session.undo();
        assert.strictEqual(session.undo(), undefined, 'nothing left to undo: the prompt stays');
        assert.deepStrictEqual([...session.allTokens], [7, 7, 2]);
      } finally {
        session.dispose();
      }
    });
  }

  it('greedy equals temperature 0 and equals generate() at temperature 0', async () => {
    const session = await SamplingSession.open(model, [1, 2, 3]);
    try {
      for (let i = 0; i < 10; i++) {
        const logits = session.logits;
        const greedy = chooseToken(logits, { kind: 'greedy' }, { temperature: 0.8 });
        for (const seed of [1, 2, 3]) {
          assert.strictEqual(chooseToken(logits, { kind: 'sample', seed }, { temperature: 0 }), greedy);
          assert.strictEqual(sampleNext(logits, { temperature: 0, topK: 5 }, new Rng(seed)), greedy);
        }
        const step = await session.step({ kind: 'greedy' }, { temperature: 0 });
        assert.strictEqual(step.filteredProb, 1);
      }
      const reference = await generate(model, decoder, [1, 2, 3], { maxNewTokens: 10, temperature: 0 });
      assert.deepStrictEqual(session.generated, reference.ids);
    } finally {
      session.dispose();
    }
  });

  it('a seeded draw is reproducible and records the probabilities it was drawn with', async () => {
    const a = await SamplingSession.open(model, [9]);
    const b = await SamplingSession.open(model, [9], { native: false });
    try {
      const params = { temperature: 1.3, topK: 20 };
      for (let i = 0; i < 6; i++) {
        const sa = await a.step({ kind: 'sample', seed: 42 + i }, params);
        const sb = await b.step({ kind: 'sample', seed: 42 + i }, params);
        assert.strictEqual(sa.id, sb.id);
        const bar = a.steps[i];
        assert.ok(bar.filteredProb > 0 && bar.filteredProb <= 1 && bar.rawProb > 0);
      }
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('rejects a bad prompt and a pick outside the vocabulary', async () => {
    await assert.rejects(SamplingSession.open(model, []), /at least one token/);
    await assert.rejects(SamplingSession.open(model, [V]), /not a model ID/);
    const session = await SamplingSession.open(model, [1]);
    try {
      await assert.rejects(session.step({ kind: 'pick', id: -1 }, { temperature: 1 }), /not a model ID/);
      assert.strictEqual(session.generated.length, 0);
    } finally {
      session.dispose();
    }
  });

  it('compares strategies: greedy is generate() at temperature 0; repetition counts repeated n-grams', async () => {
    const runs = await compareStrategies(model, decoder, [4, 5], [{ temperature: 0 }, { temperature: 0.7, topK: 40, seed: 3 }], 12);
    assert.deepStrictEqual(
      runs.map((r) => r.label),
      ['greedy', 'T 0.7 · top-k 40'],
    );
    const greedy = await generate(model, decoder, [4, 5], { maxNewTokens: 12, temperature: 0 });
    assert.deepStrictEqual(
      runs[0].tokens.map((t) => t.id),
      greedy.ids,
    );
    runs[0].tokens.forEach((t) => assert.strictEqual(t.id, t.topId));
    assert.strictEqual(repetition([1, 2, 3, 4, 1, 2, 3, 4, 1], 4), 2 / 6);
    assert.strictEqual(repetition([1, 2, 3], 4), 0);
    assert.strictEqual(strategyLabel({ temperature: 1, topP: 0.9 }), 'T 1 · top-p 0.9');
  });

  it('logit lens: the last row is the model output, one row per block plus the embeddings', async () => {
    const ids = [3, 9, 27, 1];
    const lens = await model.logitLens(ids);
    assert.strictEqual(lens.length, (config.nLayer + 1) * V);
    assert.ok(maxDiff(lens.subarray(config.nLayer * V), forwardLogits(model, ids)) < 1e-4);
    assert.ok(maxDiff(lens.subarray(0, V), lens.subarray(config.nLayer * V)) > 1e-3, 'earlier layers give other logits');
  });
});
