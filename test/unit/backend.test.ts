import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, isBackendName, wasmDirectory, type BackendReport } from '../../src/engine/backends';
import { UserError } from '../../src/engine/errors';

const root = path.resolve(__dirname, '..', '..');

/**
 * Runs a script in a fresh Node process (its own TensorFlow.js state), with fetch disabled and, optionally,
 * the native packages made to fail as a broken install would. Prints its result as the last stdout line.
 */
function runIsolated(body: string, nativeFailure = false): { result: any; stderr: string } {
  const hook = nativeFailure
    ? `
      const Module = require('module');
      const load = Module._load;
      Module._load = function (request, ...rest) {
        if (request === '@tensorflow/tfjs-node-gpu') throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
        if (request === '@tensorflow/tfjs-node') {
          const e = new Error("Cannot find module '/x/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'");
          e.code = 'MODULE_NOT_FOUND';
          throw e;
        }
        return load.call(this, request, ...rest);
      };`
    : '';
  const script = `
    ${hook}
    let fetched = [];
    globalThis.fetch = async (url) => { fetched.push(String(url)); throw new Error('no network in tests'); };
    const backend = require('./src/engine/backends/index.ts');
    const tf = require('@tensorflow/tfjs-core');
    (async () => {
      const out = await (async () => { ${body} })();
      console.log(JSON.stringify({ ...out, fetched }));
    })().catch((e) => { console.log(JSON.stringify({ error: e.message, name: e.name })); });`;
  const child = spawnSync(process.execPath, ['-r', './scripts/ts-register.js', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.strictEqual(child.status, 0, child.stderr);
  const lines = child.stdout.trim().split('\n');
  return { result: JSON.parse(lines[lines.length - 1]), stderr: child.stderr };
}

describe('backend', () => {
  it('knows the backend names', () => {
    for (const name of ['auto', 'tensorflow', 'wasm', 'cpu']) assert.ok(isBackendName(name), name);
    assert.ok(!isBackendName('gpu'));
  });

  it('starts cpu on request, once', async () => {
    const report = await initBackend('cpu');
    assert.strictEqual(report.name, 'cpu');
    assert.strictEqual(tf.getBackend(), 'cpu');
    assert.deepStrictEqual(report.tried, [{ backend: 'cpu', ok: true, reason: 'plain JavaScript (slowest)' }]);
    assert.strictEqual(await initBackend('cpu'), report, 'a second call returns the same report');
  });

  it('rejects an unknown backend with a UserError', async () => {
    await assert.rejects(initBackend('gpu' as never), (e: unknown) => e instanceof UserError && /Unknown backend "gpu"/.test(e.message));
  });

  it('finds the wasm binaries on disk', () => {
    const dir = wasmDirectory();
    assert.ok(dir, 'no wasm directory');
    assert.ok(fs.existsSync(path.join(dir, 'tfjs-backend-wasm.wasm')));
  });

  it('starts wasm from local files, fetching nothing', () => {
    const { result } = runIsolated(`
      const r = await backend.initBackend('wasm');
      const again = await backend.initBackend('wasm');
      const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1], [1]])).dataSync();
      return { report: r, same: r === again, backend: tf.getBackend(), y: Array.from(y) };`);
    assert.strictEqual(result.error, undefined, result.error);
    const report = result.report as BackendReport;
    assert.strictEqual(report.name, 'wasm');
    assert.strictEqual(result.backend, 'wasm');
    assert.ok(result.same);
    assert.deepStrictEqual(result.y, [3, 7]);
    assert.deepStrictEqual(result.fetched, []);
    assert.strictEqual(report.tried.length, 1);
    assert.match(report.tried[0].reason, /^WebAssembly.*binaries from \//);
  });

  it('auto passes over missing native packages and says why', () => {
    const { result } = runIsolated(`return { report: await backend.initBackend('auto') };`);
    const report = result.report as BackendReport;
    assert.ok(['tensorflow', 'webgpu', 'native', 'wasm', 'cpu'].includes(report.name), report.name);
    const taken = report.tried.filter((t) => t.ok);
    assert.strictEqual(taken.length, 1, 'exactly one backend taken');
    assert.strictEqual(report.tried[report.tried.length - 1].ok, true, 'the taken one is the last tried');
    for (const t of report.tried.filter((a) => !a.ok)) assert.ok(t.reason.length > 0, `${t.backend} has no reason`);
    const native = report.tried.filter((t) => t.backend.startsWith('@tensorflow/tfjs-node'));
    let installed = true;
    try {
      require.resolve('@tensorflow/tfjs-node-gpu');
    } catch {
      installed = false;
    }
    if (!installed) {
      assert.deepStrictEqual(native[0], { backend: '@tensorflow/tfjs-node-gpu', ok: false, reason: 'not installed' });
    }
  });

  it('treats a native package that fails to load as a reason, not a crash', () => {
    const { result } = runIsolated(
      `const auto = await backend.initBackend('auto');
       let error; try { await backend.initBackend('tensorflow'); } catch (e) { error = { name: e.name, message: e.message }; }
       return { report: auto, error, after: tf.getBackend() };`,
      true,
    );
    const report = result.report as BackendReport;
    assert.deepStrictEqual(report.tried[0], {
      backend: '@tensorflow/tfjs-node-gpu',
      ok: false,
      reason: 'installed but failed to load: libcudart.so.11.0: cannot open shared object file: No such file or directory',
    });
    assert.strictEqual(report.tried[1].backend, '@tensorflow/tfjs-node');
    assert.match(report.tried[1].reason, /^installed but failed to load: Cannot find module '.*tfjs_binding\.node'/);
    assert.notStrictEqual(report.name, 'tensorflow');
    // Asking for the native backend explicitly is a one-line UserError; the backend in use stays.
    assert.strictEqual(result.error.name, 'UserError');
    assert.match(result.error.message, /^The tensorflow backend is not available \(@tensorflow\/tfjs-node-gpu: installed but failed to load: libcudart/);
    assert.ok(!result.error.message.includes('\n'));
    assert.strictEqual(result.after, report.name);
  });
});
