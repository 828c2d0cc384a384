// What the dashboard page reads out of its state (webview/dashboard/pageState.ts): the model's kind, the loss's
// unit (an encoder's is nats per masked token, whatever was chosen for a decoder), the accuracy curves, and how
// progress merges into the curves. The page itself is checked in the real browser (test/integration).
import * as assert from 'assert';
import type { DashboardState, LossPoint } from '../../../../src/features/training/protocol';
import type { ModelInfo } from '../../../../src/worker/engine/protocol';
import { mergePoints, PageData } from '../../../../webview/dashboard/pageState';

function model(kind: 'decoder' | 'encoder' | undefined): ModelInfo {
  return {
    config: { vocabSize: 300, contextLength: 32, nLayer: 2, nHead: 2, nEmbd: 32, positional: 'learned', ...(kind ? { kind } : {}) },
    parameters: { embeddings: 1, attention: 1, mlp: 1, norms: 1, total: 4 },
    tokenizer: 'o200k_base',
    step: 60,
    backend: 'cpu',
  };
}

/** A corpus whose byte counts are known (bits per byte can be shown for a decoder). */
const CORPUS = {
  files: 1,
  bytes: 4000,
  skipped: 0,
  skippedSummary: '',
  include: '**/*.md',
  tokens: { documents: 1, tokens: 1000, trainTokens: 900, valTokens: 100, trainBytes: 3600, valBytes: 400, vocabSize: 300, tokenizer: 'o200k_base', unknownTokens: 0 },
} as DashboardState['corpus'];

function page(state: Partial<DashboardState>, unit: 'nats' | 'bpb' = 'bpb'): PageData {
  return new PageData({ data: { status: { kind: 'ready' }, points: [], samples: [], corpus: CORPUS, ...state }, view: { unit } });
}

const point = (step: number, extra: Partial<LossPoint> = {}): LossPoint => ({ step, loss: 5 - step / 100, lr: 0.01, tokensPerSecond: 1000, elapsedMs: step * 10, ...extra });

describe('dashboard page state', () => {
  it('a decoder offers both units and shows bits per byte when chosen', () => {
    for (const kind of ['decoder', undefined] as const) {
      const p = page({ model: model(kind) });
      assert.strictEqual(p.isEncoder(), false);
      assert.deepStrictEqual(p.unitChoices(), ['nats', 'bpb']);
      assert.strictEqual(p.shownUnit(), 'bpb');
      assert.ok(Math.abs(p.unitFactors().val - 100 / (400 * Math.LN2)) < 1e-12);
    }
    assert.strictEqual(page({ model: model('decoder') }, 'nats').shownUnit(), 'nats');
  });

  it('an encoder offers no unit choice: bits per byte, saved for a decoder, fall back to nats per masked token', () => {
    const p = page({ model: model('encoder') }, 'bpb');
    assert.strictEqual(p.isEncoder(), true);
    assert.deepStrictEqual(p.unitChoices(), []);
    assert.strictEqual(p.bitsPerByte(), undefined, 'the byte counts are known, but an encoder’s loss is not per byte');
    assert.strictEqual(p.shownUnit(), 'nats');
    assert.deepStrictEqual(p.unitFactors(), { train: 1, val: 1 });
    assert.deepStrictEqual(p.view, { unit: 'bpb' }, 'the choice itself stays, for the next decoder');
  });

  it('knows an encoder before its model arrives, from its masked row or its accuracy', () => {
    assert.strictEqual(page({ run: { steps: 10, step: 1, elapsedMs: 0, masking: [] } }).isEncoder(), true);
    assert.strictEqual(page({ points: [point(1, { accuracy: 0.1 })] }).isEncoder(), true);
    assert.strictEqual(page({ points: [point(1)] }).isEncoder(), false);
    // the model's configuration decides once it is there
    assert.strictEqual(page({ model: model('decoder'), run: { steps: 10, step: 1, elapsedMs: 0, masking: [] } }).isEncoder(), false);
  });

  it('the accuracy curves: the training batch at each step, validation at the evaluations, the latest and the highest readings', () => {
    const points = [point(10, { accuracy: 0.1 }), point(20, { accuracy: 0.3, valAccuracy: 0.25 }), point(30, { accuracy: 0.4 }), point(40, { accuracy: 0.5, valAccuracy: 0.2 })];
    const c = page({ model: model('encoder'), points }).accuracyCurves();
    assert.deepStrictEqual(c.steps, [10, 20, 30, 40]);
    assert.deepStrictEqual(c.train, [0.1, 0.3, 0.4, 0.5]);
    assert.deepStrictEqual(c.val, [null, 0.25, null, 0.2]);
    assert.deepStrictEqual(c.lastTrain, { step: 40, value: 0.5 });
    assert.deepStrictEqual(c.lastVal, { step: 40, value: 0.2 });
    assert.deepStrictEqual(c.bestVal, { step: 20, value: 0.25 });
    const none = page({ model: model('encoder') }).accuracyCurves();
    assert.deepStrictEqual([none.steps, none.lastTrain, none.lastVal, none.bestVal], [[], undefined, undefined, undefined]);
  });

  it('progress appends points; a resumed run replaces those from its first step on', () => {
    const a = [point(1), point(2), point(3)];
    assert.deepStrictEqual(mergePoints(a, []), a);
    assert.deepStrictEqual(mergePoints(a, [point(4)]).map((p) => p.step), [1, 2, 3, 4]);
    assert.deepStrictEqual(mergePoints(a, [point(2, { loss: 9 })]).map((p) => [p.step, p.loss]), [[1, 4.99], [2, 9]]);
    const p = page({ points: a });
    p.apply({ type: 'progress', points: [point(4)], run: { steps: 10, step: 4, elapsedMs: 40 }, status: { kind: 'training', step: 4, steps: 10 } });
    assert.deepStrictEqual(p.state.points.map((q) => q.step), [1, 2, 3, 4]);
    assert.strictEqual(p.state.status.kind, 'training');
  });

  it('a saved state without points starts empty; a state message brings the host’s view', () => {
    const empty = new PageData(undefined);
    assert.deepStrictEqual([empty.state.points, empty.view], [[], { unit: 'nats' }]);
    empty.apply({ type: 'state', state: { status: { kind: 'none' }, points: [], samples: [], view: { unit: 'bpb' } } });
    assert.deepStrictEqual(empty.view, { unit: 'bpb' });
  });
});
