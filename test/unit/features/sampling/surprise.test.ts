import * as assert from 'assert';
import { bucketCounts, cleanThresholds, detailRange, rankBucket, surpriseSpans } from '../../../../src/features/sampling/core/surprise';
import { isLabToWebview, isLabFromWebview, samplingParamsOf } from '../../../../src/features/sampling/protocol';
import type { ScoredToken } from '../../../../src/worker/engine/samplingProtocol';

function token(start: number, end: number, rank: number): ScoredToken {
  return { id: 1, label: 'x', text: 'x', start, end, prob: 0.1, rank, surprisalBits: 3.3, entropyBits: 4, top: [] };
}

describe('token surprise: buckets and spans', () => {
  it('puts ranks in GLTR buckets by the thresholds', () => {
    const t = [1, 10, 100];
    assert.deepStrictEqual(
      [1, 2, 10, 11, 100, 101, 5000].map((r) => rankBucket(r, t)),
      [0, 1, 1, 2, 2, 3, 3],
    );
    assert.deepStrictEqual(cleanThresholds([100, 10, 10, 0, 2.5, 'x']), [10, 100]);
    assert.deepStrictEqual(cleanThresholds('nonsense'), [1, 10, 100]);
    assert.deepStrictEqual(cleanThresholds([]), [1, 10, 100]);
  });

  it('joins the byte tokens of one character into one span, coloured by the least expected', () => {
    // "ab" [0,2) then "ę" spelled in two bytes [2,3) and [2,3), then a token finishing a character: empty at 4
    const spans = surpriseSpans([token(0, 2, 1), token(2, 3, 5), token(2, 3, 300), token(3, 4, 2), token(4, 4, 50), token(4, 6, 1)], [1, 10, 100]);
    assert.deepStrictEqual(
      spans.map((s) => [s.start, s.end, s.tokens.length, s.bucket]),
      [
        [0, 2, 1, 0],
        [2, 3, 2, 3],
        [3, 4, 2, 2],
        [4, 6, 1, 0],
      ],
    );
    assert.deepStrictEqual(bucketCounts(spans, 4), [2, 0, 1, 1]);
  });

  it('scores the visible lines of the scored part only', () => {
    assert.deepStrictEqual(detailRange([{ start: 0, end: 50 }, { start: 80, end: 120 }], 10, 100), { start: 10, end: 100 });
    assert.deepStrictEqual(detailRange([{ start: 200, end: 300 }], 10, 100), undefined);
  });
});

describe('sampling lab protocol', () => {
  it('accepts the messages of each direction and nothing else', () => {
    assert.ok(isLabFromWebview({ type: 'params', params: { temperature: 0.7, topK: 40, topP: 0.9 } }));
    assert.ok(!isLabFromWebview({ type: 'params', params: { temperature: 3, topK: 40, topP: 0.9 } }), 'temperature beyond the slider');
    assert.ok(!isLabFromWebview({ type: 'params', params: { temperature: 1, topK: 1.5, topP: 0.9 } }));
    assert.ok(isLabFromWebview({ type: 'step', choice: { kind: 'pick', id: 4 }, seed: 1 }));
    assert.ok(!isLabFromWebview({ type: 'step', choice: { kind: 'pick', id: -1 }, seed: 1 }));
    assert.ok(!isLabFromWebview({ type: 'step', choice: { kind: 'sample' }, seed: 1 }), 'a draw needs its seed');
    assert.ok(isLabFromWebview({ type: 'compare', maxNewTokens: 32 }));
    assert.ok(!isLabFromWebview({ type: 'compare', maxNewTokens: 10_000 }));
    assert.ok(isLabFromWebview({ type: 'ready' }));
    assert.ok(!isLabFromWebview({ type: 'ready', state: { prompt: 1 } }));
    assert.ok(!isLabFromWebview({ type: 'eval', code: '1' }));
    assert.ok(isLabToWebview({ type: 'busy', busy: true }));
    assert.ok(!isLabToWebview({ type: 'snapshot', snapshot: {}, prompt: '', params: { temperature: 1, topK: 0, topP: 1 }, seed: 1 }), 'a snapshot needs its seq');
  });

  it('maps the sliders to the engine: top-k 0 and top-p 1 are no limit', () => {
    assert.deepStrictEqual(samplingParamsOf({ temperature: 0.5, topK: 0, topP: 1 }), { temperature: 0.5 });
    assert.deepStrictEqual(samplingParamsOf({ temperature: 1, topK: 40, topP: 0.9 }), { temperature: 1, topK: 40, topP: 0.9 });
  });
});
