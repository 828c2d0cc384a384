import * as assert from 'assert';
import { Rng } from '../../src/engine/rng';

describe('Rng', () => {
  it('is mulberry32: known first values for seed 1', () => {
    // Values of the published mulberry32 (Tommy Ettinger's JavaScript) for seed 1.
    const rng = new Rng(1);
    const values = [rng.next(), rng.next(), rng.next()].map((v) => Math.round(v * 4294967296));
    assert.deepStrictEqual(values, [2693262067, 11749833, 2265367787]);
  });

  it('repeats for a seed and differs between seeds', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const sa = Array.from({ length: 20 }, () => a.next());
    assert.deepStrictEqual(sa, Array.from({ length: 20 }, () => b.next()));
    assert.notDeepStrictEqual(sa, Array.from({ length: 20 }, () => c.next()));
    assert.ok(sa.every((v) => v >= 0 && v < 1));
  });

  it('draws integers in range and normals with mean 0 and variance 1', () => {
    const rng = new Rng(2024);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 5000; i++) counts[rng.int(5)]++;
    assert.ok(counts.every((n) => n > 850 && n < 1150), String(counts));
    let sum = 0;
    let sq = 0;
    const N = 20000;
    for (let i = 0; i < N; i++) {
      const z = rng.normal();
      sum += z;
      sq += z * z;
    }
    assert.ok(Math.abs(sum / N) < 0.03, `mean ${sum / N}`);
    assert.ok(Math.abs(sq / N - 1) < 0.05, `variance ${sq / N}`);
    assert.throws(() => rng.int(0), /positive integer/);
  });

  it('resumes exactly from its state, a waiting normal included', () => {
    const rng = new Rng(5);
    rng.normal();
    const state = JSON.parse(JSON.stringify(rng.state));
    assert.notStrictEqual(state.spare, null);
    const expected = [rng.normal(), rng.next(), rng.normal(), rng.int(100)];
    const copy = Rng.fromState(state);
    assert.deepStrictEqual([copy.normal(), copy.next(), copy.normal(), copy.int(100)], expected);
    assert.throws(() => Rng.fromState({ a: -1, spare: null }), /Invalid random-number generator state/);
  });

  it('draws a dropout mask from the same numbers as next(), and moves on as far', () => {
    for (const rate of [0, 0.1, 0.5, 0.999]) {
      const a = new Rng(11);
      const b = new Rng(11);
      const mask = new Float32Array(1000);
      a.fillMask(mask, rate, 2.5);
      const expected = Float32Array.from({ length: 1000 }, () => (b.next() >= rate ? 2.5 : 0));
      assert.deepStrictEqual(mask, expected, `rate ${rate}`);
      assert.deepStrictEqual(a.state, b.state);
    }
    // number j depends on the seed and j alone (what the webgpu shader relies on): seed + (j + 1) · 0x6d2b79f5
    const stream = new Rng(7);
    for (let j = 0; j < 5; j++) stream.next();
    assert.strictEqual(stream.next(), new Rng((7 + 5 * 0x6d2b79f5) >>> 0).next());
    assert.throws(() => new Rng(1).fillMask(new Float32Array(1), 1, 1), /rate in \[0, 1\)/);
  });
});
