// EngineClient against a fake worker that speaks the protocol (test/unit/fixtures/fakeEngineWorker.ts):
// routing of results and events, cancellation, crash reporting and recovery, loading the workspace model.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EngineClient, type WorkerDeath } from '../../../../src/worker/engine/client';
import { EngineError, type TrainEvent, type TrainParams } from '../../../../src/worker/engine/protocol';

const FAKE = path.join(__dirname, '..', '..', 'fixtures', 'fakeEngineWorker.ts');

function trainParams(steps: number): TrainParams {
  return {
    documents: ['a'],
    checkpointDir: '/tmp/none',
    backend: 'cpu',
    settings: { steps, learningRate: 1e-3, batchSize: 1, evalInterval: 1, checkpointInterval: 1, sampleInterval: 0, samplePrompt: '', sampleTokens: 0, seed: 1 },
  };
}

describe('EngineClient', function () {
  this.timeout(20_000);
  let client: EngineClient;
  let deaths: WorkerDeath[];
  let modelDir: string | undefined;

  beforeEach(() => {
    deaths = [];
    modelDir = undefined;
    client = new EngineClient({ workerPath: FAKE, onWorkerDeath: (d) => deaths.push(d), modelDir: () => modelDir });
  });
  afterEach(() => client.dispose());

  it('starts the worker on the first request, not before', async () => {
    assert.strictEqual(client.isRunning, false);
    const status = await client.request('status', {});
    assert.deepStrictEqual(status.running, []);
    assert.strictEqual(client.isRunning, true);
    assert.strictEqual(client.workerStarts, 1);
  });

  it('routes progress events to their request and resolves with the result', async () => {
    const events: TrainEvent[] = [];
    const result = await client.request('train', trainParams(3), { onEvent: (e) => events.push(e) });
    assert.strictEqual(result.stoppedBy, 'steps');
    assert.deepStrictEqual(
      events.map((e) => (e.kind === 'progress' ? e.step : -1)),
      [1, 2, 3],
    );
    assert.strictEqual(client.currentModel?.step, 7);
  });

  it('cancels a train request and still gets its result (the checkpoint is kept)', async () => {
    const controller = new AbortController();
    let seen = 0;
    const started = Date.now();
    const pending = client.request('train', trainParams(1000), {
      signal: controller.signal,
      onEvent: () => {
        if (++seen === 3) controller.abort();
      },
    });
    const result = await pending;
    assert.strictEqual(result.stoppedBy, 'cancel');
    assert.ok(result.step < 10, `stopped at ${result.step}`);
    assert.ok(Date.now() - started < 5000);
  });

  it('rejects a cancelled completion at once with code "cancelled"', async () => {
    let cancel!: () => void;
    const token = {
      isCancellationRequested: false,
      onCancellationRequested(listener: () => void) {
        cancel = listener;
        return { dispose() {} };
      },
    };
    modelDir = undefined;
    const pending = client.request('complete', { prompt: 'x', sampling: { maxNewTokens: 5, temperature: 0 } }, { token });
    setTimeout(() => cancel(), 50);
    await assert.rejects(pending, (e: unknown) => e instanceof EngineError && e.code === 'cancelled');
    // the worker is still fine
    assert.ok(await client.request('status', {}));
  });

  for (const mode of ['throw', 'exit'] as const) {
    it(`reports a worker that dies (${mode}), rejects what was in flight, and starts a fresh one next time`, async () => {
      await client.request('status', {});
      const inFlight = client.request('train', trainParams(1000));
      await new Promise((r) => setTimeout(r, 50));
      void client.request('crash', { mode }).catch(() => undefined);
      await assert.rejects(inFlight, (e: unknown) => e instanceof EngineError && e.code === 'worker-died' && /engine stopped/.test(e.message));
      assert.strictEqual(deaths.length, 1);
      assert.match(deaths[0].reason, mode === 'throw' ? /Crash requested by a test/ : /exited with code 7/);
      assert.ok(deaths[0].inFlight.includes('train'));
      assert.strictEqual(client.isRunning, false);
      const status = await client.request('status', {});
      assert.ok(status);
      assert.strictEqual(client.workerStarts, 2);
    });
  }

  it('loads the workspace model before a request that needs one', async () => {
    modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-client-'));
    fs.writeFileSync(path.join(modelDir, 'config.json'), '{}');
    const answer = await client.request('nextTokens', { text: 'a' });
    assert.strictEqual(answer.candidates[0].label, 'a');
    assert.strictEqual(client.currentModel?.dir, modelDir);
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  it('passes a checkpoint error through with its message, and keeps no model', async () => {
    await assert.rejects(client.request('load', { dir: '/nowhere/bad', backend: 'cpu' }), (e: unknown) => e instanceof EngineError && e.code === 'checkpoint' && /config\.json/.test(e.message));
    assert.strictEqual(client.currentModel, undefined);
  });

  it('refuses requests after dispose', async () => {
    client.dispose();
    await assert.rejects(client.request('status', {}), (e: unknown) => e instanceof EngineError && e.code === 'worker-died');
  });
});
