// The native backend (src/engine/backends/native.ts, native/): every C++ kernel against the cpu backend's
// reference kernel on random inputs, and one training step on native against cpu.
//
// The addon is part of the product: `npm install` / `npm ci` builds it (scripts/build-native.mjs). These
// tests fail, loudly, where it was not built or does not load; they are not skipped.

import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { NATIVE_BACKEND, nativeAddon, registerNativeBackend } from '../../src/engine/backends/native';
import { GPT } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/presets';
import { keepThreshold, Rng } from '../../src/engine/rng';

function randomArray(n: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.next() * 2 - 1) * scale;
  return a;
}

function size(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Runs f on a backend and returns its result's values and shape (tensors created inside are freed). */
async function on(backend: string, f: () => tf.Tensor): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const t = tf.tidy(f);
  const values = (await t.data()) as Float32Array;
  const shape = t.shape;
  t.dispose();
  return { values: Float32Array.from(values), shape };
}

function assertClose(actual: Float32Array, expected: Float32Array, tolerance: number, what: string): void {
  assert.strictEqual(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (const v of expected) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    const ok = Object.is(actual[i], expected[i]) || Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, scale) || (Number.isNaN(actual[i]) && Number.isNaN(expected[i]));
    if (!ok) assert.fail(`${what}: element ${i} is ${actual[i]}, the cpu backend says ${expected[i]}`);
  }
}

/** The op on native and on cpu: same shape, values within tolerance (relative to the largest value). */
async function compare(what: string, f: () => tf.Tensor, tolerance = 1e-5): Promise<void> {
  const expected = await on('cpu', f);
  const actual = await on(NATIVE_BACKEND, f);
  assert.deepStrictEqual(actual.shape, expected.shape, `${what}: shape`);
  assertClose(actual.values, expected.values, tolerance, what);
}

/** initBackend(requested) in a fresh Node process with the given environment; its report. */
function reportInChild(requested: string, env: Record<string, string> = {}): { name: string; tried: { backend: string; ok: boolean; reason: string }[] } {
  const script = `require('./src/engine/backends/index.ts').initBackend('${requested}')
    .then((r) => console.log(JSON.stringify(r)), (e) => console.log(JSON.stringify({ error: e.message })));`;
  const child = spawnSync(process.execPath, ['-r', './scripts/ts-register.js', '-e', script], {
    cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env },
  });
  assert.strictEqual(child.status, 0, child.stderr);
  const result = JSON.parse(child.stdout.trim().split('\n').pop()!);
  assert.ok(!result.error, result.error);
  return result;
}

describe('native backend', function () {
  this.timeout(120000);
  let previous: string;

  before(() => {
    previous = tf.getBackend();
    // Throws with the reason where the addon is not built: that is a failure of the product.
    const loaded = registerNativeBackend();
    assert.ok(loaded.file.endsWith('lmx_native.node'), loaded.file);
  });

  after(async () => {
    nativeAddon().forceGeneric(false);
    if (previous && previous !== tf.getBackend()) await tf.setBackend(previous);
  });

  it('loads the addon built by npm install', () => {
    const info = nativeAddon().info();
    assert.strictEqual(info.version, 2);
    assert.ok(info.threads >= 1);
  });

  it('is what auto picks after tensorflow and webgpu, before wasm; LMX_NATIVE=0 falls back to wasm with the reason', () => {
    const auto = reportInChild('auto');
    if (auto.name !== 'tensorflow' && auto.name !== 'webgpu') {
      assert.strictEqual(auto.name, 'native', JSON.stringify(auto.tried));
      assert.match(auto.tried[auto.tried.length - 1].reason, /^C\+\+ kernels \((AVX2\/FMA|portable), \d+ threads?\) from .*lmx_native\.node$/);
    }
    const off = reportInChild('auto', { LMX_NATIVE: '0' });
    assert.deepStrictEqual(off.tried.find((t) => t.backend === 'native'), { backend: 'native', ok: false, reason: 'switched off (LMX_NATIVE=0)' });
    assert.strictEqual(off.name === 'tensorflow' || off.name === 'webgpu' ? 'wasm' : off.name, 'wasm');
  });

  const matmulCases: [number[], number[], boolean, boolean][] = [
    [[1, 1], [1, 1], false, false],
    [[7, 5], [5, 19], false, false],
    [[7, 5], [19, 5], false, true],
    [[5, 7], [5, 19], true, false],
    [[5, 7], [19, 5], true, true],
    [[37, 300], [300, 45], false, false], // K beyond one 256 block, ragged edges
    [[130, 70], [33, 70], false, true],
    [[300, 61], [300, 29], true, false],
    [[3, 13, 33], [3, 33, 17], false, false], // batch dims
    [[2, 3, 13, 33], [2, 3, 17, 33], false, true],
    [[2, 3, 33, 13], [2, 3, 33, 17], true, false],
    [[4, 9, 11], [11, 6], false, false], // b broadcast over the batch
    [[9, 11], [4, 11, 6], false, false], // a broadcast over the batch
    [[48, 64, 32], [48, 64, 32], false, true], // attention-sized: q·kᵀ
    [[1, 70], [70, 33], false, false], // one row: the unpacked path (bias and LayerNorm gradients, generation)
    [[1, 70], [33, 70], false, true],
    [[5, 1, 40], [5, 40, 9], false, false],
    [[70, 1], [70, 33], true, false],
    [[200, 128], [128, 520], false, false], // large enough for the thread pool
    [[128, 200], [128, 520], true, false],
  ];

  for (const generic of [false, true]) {
    for (const threads of [1, 2]) {
      it(`BatchMatMul matches the cpu kernel (${generic ? 'portable' : 'best'} micro-kernel, ${threads} thread${threads > 1 ? 's' : ''})`, async () => {
        const addon = nativeAddon();
        const before = addon.info().threads;
        addon.forceGeneric(generic);
        addon.setThreads(threads);
        try {
          const rng = new Rng(threads * 7 + (generic ? 1 : 0));
          for (const [sa, sb, ta, tb] of matmulCases) {
            const a = randomArray(size(sa), rng);
            const b = randomArray(size(sb), rng);
            await compare(`matMul ${JSON.stringify(sa)}${ta ? 'ᵀ' : ''} · ${JSON.stringify(sb)}${tb ? 'ᵀ' : ''}`, () =>
              tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), ta, tb));
          }
        } finally {
          addon.forceGeneric(false);
          addon.setThreads(before);
        }
      });
    }
  }

  it('add, sub, mul and div match the cpu kernels, broadcasting included', async () => {
    const rng = new Rng(3);
    const shapes: [number[], number[]][] = [
      [[5], [5]],
      [[4, 6], [4, 6]],
      [[4, 6], [6]],
      [[4, 6], [4, 1]],
      [[4, 1], [1, 6]],
      [[2, 3, 4, 5], [3, 1, 5]],
      [[2, 1, 4, 5], [1, 3, 1, 5]],
      [[7, 3], []],
      [[], [2, 2]],
      [[1, 1, 9], [9]],
      [[0, 3], [3]],
    ];
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div]];
    for (const [sa, sb] of shapes) {
      const a = randomArray(size(sa), rng);
      const b = randomArray(size(sb), rng, 2).map((v) => v + Math.sign(v) * 0.5);
      for (const [name, op] of ops) await compare(`${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, () => op(tf.tensor(a, sa), tf.tensor(b, sb)));
    }
    // int32 stays with the cpu kernel
    await compare('int32 add', () => tf.cast(tf.add(tf.tensor([1, 2, 3], [3], 'int32'), tf.scalar(4, 'int32')), 'float32'));
  });

  it('transpose matches the cpu kernel', async () => {
    const rng = new Rng(4);
    const cases: [number[], number[]][] = [
      [[3, 5], [1, 0]],
      [[70, 45], [1, 0]], // tiled, ragged tiles
      [[3, 37, 41], [0, 2, 1]],
      [[2, 3, 4, 5], [0, 2, 1, 3]],
      [[2, 3, 4, 5], [3, 1, 0, 2]],
      [[4, 1, 6], [2, 1, 0]],
      [[7], [0]],
    ];
    for (const [shape, perm] of cases) {
      const x = randomArray(size(shape), rng);
      await compare(`transpose ${JSON.stringify(shape)} ${JSON.stringify(perm)}`, () => tf.transpose(tf.tensor(x, shape), perm));
    }
  });

  it('softmax matches the cpu kernel, masked rows included', async () => {
    const rng = new Rng(5);
    for (const shape of [[3, 7], [2, 4, 5, 5], [1, 1]]) {
      const x = randomArray(size(shape), rng, 8);
      await compare(`softmax ${JSON.stringify(shape)}`, () => tf.softmax(tf.tensor(x, shape)));
    }
    const masked = Float32Array.from([1, -Infinity, -Infinity, 2, 3, -Infinity, 0.5, 0.25, 0.125]);
    await compare('softmax with -inf', () => tf.softmax(tf.tensor(masked, [3, 3])));
  });

  it('sum, mean, max and min match the cpu kernels (trailing axes native, others the cpu kernels)', async () => {
    const rng = new Rng(6);
    const x = randomArray(3 * 4 * 37, rng, 3);
    const t = () => tf.tensor(x, [3, 4, 37]);
    for (const keepDims of [false, true]) {
      for (const axis of [-1, 2, [1, 2], [2, 1], [0, 1, 2], 0, 1, [0, 2]]) {
        await compare(`sum ${JSON.stringify(axis)} ${keepDims}`, () => tf.sum(t(), axis, keepDims), 1e-6);
        await compare(`mean ${JSON.stringify(axis)} ${keepDims}`, () => tf.mean(t(), axis, keepDims), 1e-6);
        await compare(`max ${JSON.stringify(axis)} ${keepDims}`, () => tf.max(t(), axis, keepDims), 0);
        await compare(`min ${JSON.stringify(axis)} ${keepDims}`, () => tf.min(t(), axis, keepDims), 0);
      }
    }
  });

  it('exp, erf, square, rsqrt, log and sqrt match the cpu kernels', async () => {
    const rng = new Rng(7);
    const x = randomArray(1000, rng, 4);
    const positive = x.map((v) => Math.abs(v) + 1e-3);
    await compare('exp', () => tf.exp(tf.tensor(x)), 1e-6);
    await compare('erf', () => tf.erf(tf.tensor(x)), 1e-6);
    await compare('square', () => tf.square(tf.tensor(x)), 1e-6);
    await compare('rsqrt', () => tf.rsqrt(tf.tensor(positive)), 1e-6);
    await compare('log', () => tf.log(tf.tensor(positive)), 1e-6);
    await compare('sqrt', () => tf.sqrt(tf.tensor(positive)), 1e-6);
    // exp element by element within 2e-7 relative, across the range and at its ends
    const wide = Float32Array.from([...randomArray(997, rng, 80), -Infinity, Infinity, NaN, -87.5, -87.3, 88.7, 88.8, -100, 100, 0, -0]);
    const expected = await on('cpu', () => tf.exp(tf.tensor(wide)));
    const actual = await on(NATIVE_BACKEND, () => tf.exp(tf.tensor(wide)));
    for (let i = 0; i < wide.length; i++) {
      const [a, e] = [actual.values[i], expected.values[i]];
      const ok = Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)) || Math.abs(a - e) <= 2e-7 * Math.abs(e) || (e < 1e-37 && Math.abs(a) < 1e-37);
      assert.ok(ok, `exp(${wide[i]}) = ${a}, the cpu backend says ${e}`);
    }
    await compare('erf, wide', () => tf.erf(tf.tensor(wide.map((v) => (Number.isFinite(v) ? v / 20 : v)))), 1e-6);
  });

  it('gather of rows matches the cpu kernel', async () => {
    const rng = new Rng(8);
    const table = randomArray(11 * 5, rng);
    const ids = Int32Array.from([3, 0, 10, 3, 7, 7]);
    await compare('gather rows', () => tf.gather(tf.tensor(table, [11, 5]), tf.tensor(ids, [6], 'int32')));
    await compare('gather rows, 2-D ids', () => tf.gather(tf.tensor(table, [11, 5]), tf.tensor(ids, [2, 3], 'int32')));
    await compare('gather elements', () => tf.gather(tf.tensor(table), tf.tensor(ids, [6], 'int32')));
    await compare('gather axis 1 (cpu kernel)', () => tf.gather(tf.tensor(table, [11, 5]), tf.tensor([4, 1], [2], 'int32'), 1));
  });

  it('recycles kernel outputs without exposing them: read values survive dispose', async () => {
    await tf.setBackend(NATIVE_BACKEND);
    const a = tf.tensor(randomArray(4096, new Rng(10)), [64, 64]);
    const first = tf.matMul(a, a);
    const seen = first.dataSync();
    const copy = Float32Array.from(seen);
    const view = tf.slice(first, [0, 0], [32, 64]); // the cpu kernel's slice is a view of first's array
    first.dispose();
    for (let i = 0; i < 5; i++) tf.dispose(tf.add(tf.matMul(a, a), 1)); // would reuse first's array
    assert.deepStrictEqual(seen, copy, 'values read before dispose changed');
    assert.deepStrictEqual(view.dataSync(), copy.subarray(0, 32 * 64), 'a live view changed');
    tf.dispose([a, view]);
  });

  it('AdamW and the squared-gradient sum match the trainer\'s JavaScript loops', () => {
    const rng = new Rng(11);
    const n = 1003;
    const p = randomArray(n, rng);
    const g = randomArray(n, rng, 0.1);
    const m0 = randomArray(n, rng, 0.01);
    const v0 = randomArray(n, rng, 0.01).map(Math.abs);
    const [scale, b1, b2, stepSize, invSqrtBc2, eps, keep] = [0.7, 0.9, 0.99, 1e-3 / 0.1, 1 / Math.sqrt(1 - 0.99), 1e-8, 1 - 1e-4];
    const m = Float32Array.from(m0);
    const v = Float32Array.from(v0);
    const out = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const gj = g[j] * scale;
      const mj = (m[j] = b1 * m[j] + (1 - b1) * gj);
      const vj = (v[j] = b2 * v[j] + (1 - b2) * gj * gj);
      out[j] = p[j] * keep - (stepSize * mj) / (Math.sqrt(vj) * invSqrtBc2 + eps);
    }
    const nm = Float32Array.from(m0);
    const nv = Float32Array.from(v0);
    const nout = new Float32Array(n);
    nativeAddon().adamw(p, g, nm, nv, nout, scale, b1, b2, stepSize, invSqrtBc2, eps, keep);
    assert.deepStrictEqual(nm, m);
    assert.deepStrictEqual(nv, v);
    assert.deepStrictEqual(nout, out);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += g[j] * g[j];
    assert.ok(Math.abs(nativeAddon().sumSquares(g) - sum) <= 1e-12 * sum);
  });

  it('draws the dropout mask of Rng.fillMask, bit for bit', () => {
    const fill = nativeAddon().fillMask;
    assert.strictEqual(typeof fill, 'function', 'the addon has no fillMask: it was built before dropout; rebuild it (npm run build:native)');
    for (const [rate, n, seed] of [[0.1, 1, 3], [0.2, 1003, 4], [0.5, 4096, 0xffffffff], [0.9, 77, 0]]) {
      const expected = new Float32Array(n);
      new Rng(seed).fillMask(expected, rate, 1 / (1 - rate));
      const actual = new Float32Array(n);
      fill!.call(nativeAddon(), actual, seed, keepThreshold(rate), 1 / (1 - rate));
      assert.deepStrictEqual(actual, expected, `rate ${rate}, ${n} values, seed ${seed}`);
    }
  });

  const trainingStep = (rate: number) => async () => {
    const config = { ...PRESETS.tiny, contextLength: 16, vocabSize: 23 };
    const rng = new Rng(9);
    const B = 3;
    const T = 16;
    const x = Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize));
    const y = Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize));
    const step = async (backend: string) => {
      await tf.setBackend(backend);
      const model = new GPT(config, 42);
      const idx = tf.tensor2d(x, [B, T], 'int32');
      const targets = tf.tensor2d(y, [B, T], 'int32');
      const dropout = rate > 0 ? { rate, rng: new Rng(77) } : undefined;
      const { value, grads } = tf.variableGrads(() => model.loss(idx, targets, dropout));
      const loss = (await value.data())[0];
      const out = new Map<string, Float32Array>();
      for (const [name, g] of Object.entries(grads)) out.set(name.replace(/^.*?\//, ''), Float32Array.from(await g.data()));
      tf.dispose([value, idx, targets, ...Object.values(grads)]);
      model.dispose();
      return { loss, grads: out };
    };
    const cpu = await step('cpu');
    const native = await step(NATIVE_BACKEND);
    assert.ok(Math.abs(native.loss - cpu.loss) <= 1e-4 * Math.abs(cpu.loss), `loss ${native.loss} vs ${cpu.loss}`);
    assert.strictEqual(native.grads.size, cpu.grads.size);
    assert.ok(cpu.grads.size > 10, 'gradients of every parameter');
    for (const [name, g] of cpu.grads) {
      const n = native.grads.get(name);
      assert.ok(n, `no native gradient for ${name}`);
      assertClose(n, g, 1e-4, `gradient of ${name}`);
    }
  };

  it('one training step: loss and gradients as on the cpu backend (1e-4 relative)', trainingStep(0));

  it('one training step with dropout: the same masks, so the same loss and gradients as on cpu', trainingStep(0.3));
});
