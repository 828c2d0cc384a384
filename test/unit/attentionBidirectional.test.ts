// The attention panel's maps for an encoder: no masked triangle. The real model's bidirectional maps,
// painted without transparent cells, with the query bars over every key and the payload saying so.

import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { attentionData, headMap, queryAcrossHeads } from '../../src/features/attention/core/attentionMaps';
import { buildLut, mapMax, paintMap } from '../../src/features/attention/core/colourScale';
import { randomModel } from './fixtures/randomModel';

describe('attention view of an encoder (bidirectional)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('paints every cell, bars over every key, and the payload says it is not causal', async () => {
    const config = { vocabSize: 13, contextLength: 8, nLayer: 1, nHead: 2, nEmbd: 8, positional: 'learned' as const };
    const T = 6;
    const ids = [2, 5, 7, 3, 9, 4];
    for (const kind of ['encoder', 'decoder'] as const) {
      const model = randomModel({ ...config, kind }, 3, { wteStd: 0.5, std: 0.5 });
      try {
        const weights = await model.attentionMaps(ids);
        const tokens = ids.map((id) => ({ id, label: String(id) }));
        const { maps, payload } = attentionData({ tokens, truncated: false, offsets: [], totalTokens: T, attention: [], weights, nLayer: 1, nHead: 2 }, { ...config, kind }, { seq: 1, sourceLabel: '', modelLabel: '' });
        const causal = kind === 'decoder';
        assert.strictEqual(payload.causal, causal);
        const map = headMap(maps, 0, 1);
        const pixels = paintMap(map, T, buildLut([{ r: 0, g: 0, b: 0, a: 1 }, { r: 255, g: 255, b: 255, a: 1 }]), 'linear', undefined, causal);
        const transparentAbove = Array.from({ length: T * T }, (_, i) => i).filter((i) => i % T > Math.floor(i / T) && pixels[i * 4 + 3] === 0).length;
        assert.strictEqual(transparentAbove, causal ? (T * (T - 1)) / 2 : 0);
        const bars = queryAcrossHeads(maps, 0, causal);
        assert.strictEqual(bars[0].weights.length, causal ? 1 : T);
        if (!causal) {
          assert.ok(bars[0].weights.slice(1).some((w) => w > 1e-4), 'the first query attends to later keys');
          assert.ok(mapMax(map, T, false) >= mapMax(map, T, true));
        }
      } finally {
        model.dispose();
      }
    }
  });
});
