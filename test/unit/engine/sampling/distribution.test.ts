import * as assert from 'assert';
import { distributionView, entropyBits, softmax } from '../../../../src/engine/sampling/distribution';
import { Rng } from '../../../../src/engine/rng';

/**
 * The filtered distribution computed here from its definition, independently of the engine: softmax of the
 * logits over the temperature, keep the k most likely, renormalise; then keep the most likely tokens until
 * their probabilities reach p (at least one), renormalise.
 */
function reference(logits: number[], temperature: number, topK?: number, topP?: number): number[] {
  const V = logits.length;
  if (temperature === 0) {
    const best = logits.indexOf(Math.max(...logits));
    return logits.map((_, i) => (i === best ? 1 : 0));
  }
  const scaled = logits.map((l) => l / temperature);
  const m = Math.max(...scaled);
  const z = scaled.reduce((s, l) => s + Math.exp(l - m), 0);
  let p = scaled.map((l) => Math.exp(l - m) / z);
  const order = [...p.keys()].sort((a, b) => p[b] - p[a] || a - b);
  const keep = new Set(order.slice(0, topK ? Math.min(topK, V) : V));
  p = p.map((x, i) => (keep.has(i) ? x : 0));
  let sum = p.reduce((s, x) => s + x, 0);
  p = p.map((x) => x / sum);
  if (topP !== undefined && topP < 1) {
    const nucleus = new Set<number>();
    let mass = 0;
    for (const i of order) {
      if (!keep.has(i)) continue;
      if (nucleus.size > 0 && mass >= topP) break;
      nucleus.add(i);
      mass += p[i];
    }
    p = p.map((x, i) => (nucleus.has(i) ? x : 0));
    sum = p.reduce((s, x) => s + x, 0);
    p = p.map((x) => x / sum);
  }
  return p;
}

function randomLogits(rng: Rng, V: number, scale: number): number[] {
  return Array.from({ length: V }, () => rng.normal() * scale);
}

describe('sampling maths: the distribution view', () => {
  const settings = [
    { temperature: 1 },
    { temperature: 0.3 },
    { temperature: 1.7, topK: 5 },
    { temperature: 0.7, topK: 40 },
    { temperature: 1, topP: 0.9 },
    { temperature: 0.8, topK: 12, topP: 0.5 },
    { temperature: 2, topK: 1 },
    { temperature: 1.2, topP: 0.05 },
  ];

  it('filters like an independent computation of temperature, top-k and top-p, renormalised', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 20; trial++) {
      const logits = randomLogits(rng, 64, 1 + trial / 4);
      for (const s of settings) {
        const view = distributionView(logits, s, 64);
        const expected = reference(logits, s.temperature, s.topK, s.topP);
        for (const bar of view.bars) {
          assert.ok(Math.abs(bar.filtered - expected[bar.id]) < 1e-9, `trial ${trial} ${JSON.stringify(s)} token ${bar.id}: ${bar.filtered} vs ${expected[bar.id]}`);
        }
        assert.strictEqual(view.kept, expected.filter((x) => x > 0).length, `${JSON.stringify(s)}: tokens left`);
        const h = -expected.reduce((acc, x) => acc + (x > 0 ? x * Math.log2(x) : 0), 0);
        assert.ok(Math.abs(view.filteredEntropyBits - h) < 1e-9);
      }
    }
  });

  it('gives distributions that sum to 1, with the cumulative line reaching 1', () => {
    const rng = new Rng(11);
    for (const s of settings) {
      const logits = randomLogits(rng, 200, 3);
      const view = distributionView(logits, s, 200);
      for (const key of ['raw', 'tempered', 'filtered'] as const) {
        const sum = view.bars.reduce((acc, b) => acc + b[key], 0);
        assert.ok(Math.abs(sum - 1) < 1e-9, `${key} sums to ${sum} under ${JSON.stringify(s)}`);
      }
      assert.ok(Math.abs(view.bars[view.bars.length - 1].cumulative - 1) < 1e-9);
      for (let i = 1; i < view.bars.length; i++) assert.ok(view.bars[i].cumulative >= view.bars[i - 1].cumulative);
    }
  });

  it('at temperature 0 leaves only the most likely token (greedy)', () => {
    const logits = [0.5, 2.5, -1, 2.4, 0];
    const view = distributionView(logits, { temperature: 0, topK: 3, topP: 0.5 }, 5);
    assert.deepStrictEqual(
      view.bars.map((b) => [b.id, b.filtered]),
      [
        [1, 1],
        [3, 0],
        [0, 0],
        [4, 0],
        [2, 0],
      ],
    );
    assert.strictEqual(view.kept, 1);
    assert.strictEqual(view.filteredEntropyBits, 0);
    assert.ok(Math.abs(view.rawEntropyBits - entropyBits(softmax(logits))) < 1e-12);
  });

  it('shows the bars by rank and the raw softmax whatever the filter', () => {
    const logits = [1, 3, 2, 0];
    const view = distributionView(logits, { temperature: 0.5, topK: 2 }, 3);
    assert.deepStrictEqual(
      view.bars.map((b) => b.id),
      [1, 2, 0],
    );
    const raw = softmax(logits);
    view.bars.forEach((b) => assert.strictEqual(b.raw, raw[b.id]));
    assert.strictEqual(view.bars[2].filtered, 0);
    assert.strictEqual(view.keptByTopK, 2);
    assert.strictEqual(view.vocabSize, 4);
  });

  it('entropy of a uniform distribution is log2 of its size', () => {
    assert.ok(Math.abs(entropyBits(softmax(new Array(16).fill(0.3))) - 4) < 1e-12);
  });
});
