// The training history file: atomic, ordered saves (two saves once raced on one temporary name and
// logged "ENOENT … training-history.json.tmp"), and the history that comes back with a loaded model.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { emptyHistory, HISTORY_FILE, historyForLoadedModel, HistoryWriter, parseHistory, readHistorySync, type HistoryFile } from '../../../../src/features/training/core/trainingHistory';
import type { ModelInfo } from '../../../../src/worker/engine/protocol';

const MODEL: ModelInfo = {
  config: { vocabSize: 300, contextLength: 64, nLayer: 2, nHead: 2, nEmbd: 32, positional: 'learned' },
  parameters: { embeddings: 1, attention: 1, mlp: 1, norms: 1, total: 4 },
  tokenizer: 'o200k_base',
  step: 40,
  backend: 'cpu',
};

function withPoints(n: number): HistoryFile {
  return { ...emptyHistory(), model: MODEL, points: Array.from({ length: n }, (_, i) => ({ step: i + 1, loss: 5 - i / 100, lr: 0.01, tokensPerSecond: 100, elapsedMs: i })) };
}

describe('training history', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-history-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('saves many times at once without an error, the last save on disk, no temporary file left', async () => {
    const writer = new HistoryWriter();
    // The folder does not exist yet either (the first save of a new workspace).
    const file = path.join(dir, 'storage', HISTORY_FILE);
    const saves = Array.from({ length: 25 }, (_, i) => writer.save(file, withPoints(i + 1)));
    await Promise.all(saves);
    assert.strictEqual(readHistorySync(file)?.points.length, 25);
    assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), [HISTORY_FILE]);
  });

  it('keeps the data of the moment save was called', async () => {
    const writer = new HistoryWriter();
    const file = path.join(dir, HISTORY_FILE);
    const history = withPoints(3);
    const saved = writer.save(file, history);
    history.points.push({ step: 99, loss: 1, lr: 0, tokensPerSecond: 0, elapsedMs: 0 });
    await saved;
    assert.strictEqual(readHistorySync(file)?.points.length, 3);
  });

  it('a failed save rejects, leaves the old file, and the next save still runs', async () => {
    const writer = new HistoryWriter();
    const file = path.join(dir, HISTORY_FILE);
    await writer.save(file, withPoints(2));
    const blocked = path.join(dir, 'blocked');
    fs.writeFileSync(blocked, 'a file where a folder should be');
    await assert.rejects(writer.save(path.join(blocked, HISTORY_FILE), withPoints(5)));
    await writer.save(file, withPoints(4));
    assert.strictEqual(readHistorySync(file)?.points.length, 4);
  });

  it('reads back only history files', () => {
    assert.ok(parseHistory(withPoints(1)));
    assert.strictEqual(parseHistory({ version: 2, points: [], samples: [] }), undefined);
    assert.strictEqual(parseHistory({ version: 1, points: [{ step: 'x' }], samples: [] }), undefined);
    assert.strictEqual(parseHistory(null), undefined);
    fs.writeFileSync(path.join(dir, HISTORY_FILE), '{ half a file');
    assert.strictEqual(readHistorySync(path.join(dir, HISTORY_FILE)), undefined);
  });

  it('gives a loaded model the history exported with it, and says why when there is none', async () => {
    const none = historyForLoadedModel(dir, MODEL);
    assert.ok('reason' in none && /has no training-history\.json/.test(none.reason), JSON.stringify(none));
    await new HistoryWriter().save(path.join(dir, HISTORY_FILE), withPoints(7));
    const found = historyForLoadedModel(dir, { ...MODEL, dir: '/elsewhere' });
    assert.ok('history' in found);
    assert.strictEqual(found.history.points.length, 7);
    assert.strictEqual(found.history.model?.dir, '/elsewhere', 'the loaded model’s description replaces the saved one');
    const other = historyForLoadedModel(dir, { ...MODEL, step: 80 });
    assert.ok('reason' in other && /belongs to another model \(step 40\), not to the one loaded \(step 80\)/.test(other.reason), JSON.stringify(other));
    const shape = historyForLoadedModel(dir, { ...MODEL, config: { ...MODEL.config, nEmbd: 64 } });
    assert.ok('reason' in shape);
    fs.writeFileSync(path.join(dir, HISTORY_FILE), 'not json');
    const damaged = historyForLoadedModel(dir, MODEL);
    assert.ok('reason' in damaged && /could not be read/.test(damaged.reason));
  });
});
