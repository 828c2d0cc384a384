// The workspace model's state between runs (core/modelStatus.ts): what the status bar shows once no run is going.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkpointStep, lastValLoss, readyState } from '../../../../src/features/training/core/modelStatus';
import { emptyHistory, type HistoryFile } from '../../../../src/features/training/core/trainingHistory';

const point = (step: number, loss: number, valLoss?: number) => ({ step, loss, lr: 1e-3, tokensPerSecond: 100, elapsedMs: step, ...(valLoss !== undefined ? { valLoss } : {}) });

describe('training: the model state between runs', () => {
  it('is none without a saved model, whatever the history says', () => {
    const history: HistoryFile = { ...emptyHistory(), points: [point(1, 3)], run: { steps: 10, step: 1, elapsedMs: 1 } };
    assert.deepStrictEqual(readyState(history, false, () => 1), { kind: 'none' });
  });

  it('names the kept (best-validation) model and the latest step, where Resume continues', () => {
    const history: HistoryFile = {
      ...emptyHistory(),
      points: [point(10, 3, 3.5), point(20, 2.5, 3.2), point(30, 2, 3.4), point(40, 1.9)],
      run: { steps: 40, step: 40, elapsedMs: 40, best: { step: 20, valLoss: 3.2 } },
    };
    assert.deepStrictEqual(readyState(history, true, () => assert.fail('the history knows the step')), { kind: 'ready', step: 20, valLoss: 3.2, loss: 1.9, best: true, latestStep: 40 });
    assert.strictEqual(lastValLoss(history), 3.4);
  });

  it("takes the checkpoint's step when the history has none (a model without its curves)", () => {
    assert.deepStrictEqual(readyState(emptyHistory(), true, () => 7), { kind: 'ready', step: 7, latestStep: 7 });
    assert.deepStrictEqual(readyState(emptyHistory(), true, () => undefined), { kind: 'ready' });
  });

  it("reads the step from the checkpoint's config.json, undefined when it has none", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-model-status-'));
    try {
      assert.strictEqual(checkpointStep(dir), undefined);
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ step: 12 }));
      assert.strictEqual(checkpointStep(dir), 12);
      fs.writeFileSync(path.join(dir, 'config.json'), '{ not json');
      assert.strictEqual(checkpointStep(dir), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
