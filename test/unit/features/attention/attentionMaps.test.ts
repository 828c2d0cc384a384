// The engine's side of the attention panel: GPT.attentionMaps (the packed maps the worker sends for the
// panel) holds exactly what GPT.attention returns as nested arrays, and the maps are causal softmaxes.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPT } from '../../../../src/engine/model';
import { Rng } from '../../../../src/engine/rng';
import { checkMaps, packAttention } from '../../../../src/features/attention/core/attentionMaps';

describe('attention maps (engine)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('attentionMaps equals attention() packed, rows sum to 1, zeros above the diagonal', async () => {
    const model = new GPT({ vocabSize: 13, contextLength: 9, nLayer: 2, nHead: 3, nEmbd: 12, positional: 'learned' }, 5);
    try {
      const rng = new Rng(3);
      const weights = model.getWeights();
      for (const w of weights.values()) for (let i = 0; i < w.length; i++) w[i] += rng.normal() * 0.3;
      model.setWeights(weights);
      const ids = Array.from({ length: 7 }, () => rng.int(13));
      const packed = await model.attentionMaps(ids);
      const nested = packAttention((await model.attention(ids)).attention);
      assert.strictEqual(packed.length, 2 * 3 * 7 * 7);
      for (let i = 0; i < packed.length; i++) assert.ok(Math.abs(packed[i] - nested.weights[i]) < 1e-6, `value ${i}`);
      const check = checkMaps({ nLayer: 2, nHead: 3, T: 7, weights: packed });
      assert.ok(check.maxRowError < 1e-5, String(check.maxRowError));
      assert.strictEqual(check.maxAboveDiagonal, 0);
      await assert.rejects(model.attentionMaps([]), RangeError);
      await assert.rejects(model.attentionMaps(Array(10).fill(1)), /context length is 9/);
    } finally {
      model.dispose();
    }
  });
});
