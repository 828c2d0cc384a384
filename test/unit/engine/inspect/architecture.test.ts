// The architecture view's boxes: their parameters add up to the model's total (what the dashboard and lmx
// report), the tied output layer adds none, and the shapes follow the configuration and the text.

import * as assert from 'assert';
import { architecture, pcaMap, tableChange } from '../../../../src/engine/inspect';
import { GPT, type GPTConfig } from '../../../../src/engine/model';
import { PRESETS } from '../../../../src/engine/presets';

describe('inspector (engine): architecture', () => {
  const configs: GPTConfig[] = [];
  for (const [name, preset] of Object.entries(PRESETS)) {
    for (const positional of ['learned', 'sinusoidal'] as const) configs.push({ ...preset, vocabSize: name === 'small' ? 8192 : 3000, positional });
  }

  for (const config of configs) {
    it(`adds the boxes up to the model's parameters: ${config.nLayer} layers, ${config.nEmbd} channels, ${config.positional}`, () => {
      const arch = architecture(config);
      const counts = GPT.prototype.parameterCounts.call({ parameterShapes: () => GPT.prototype.parameterShapes.call({ config } as GPT) } as unknown as GPT);
      const sum = arch.boxes.reduce((s, b) => s + b.parameters, 0);
      assert.strictEqual(sum, counts.total);
      assert.strictEqual(arch.total.parameters, counts.total);
      assert.strictEqual(arch.total.bytes, counts.total * 4);
      const byKind = (kinds: string[]) => arch.boxes.filter((b) => kinds.includes(b.kind)).reduce((s, b) => s + b.parameters, 0);
      assert.strictEqual(byKind(['tokenEmbedding', 'positionEmbedding']), counts.embeddings);
      assert.strictEqual(byKind(['attention']), counts.attention);
      assert.strictEqual(byKind(['mlp']), counts.mlp);
      assert.strictEqual(byKind(['layerNorm']), counts.norms);
      assert.ok(Math.abs(arch.boxes.reduce((s, b) => s + b.share, 0) - 1) < 1e-9);
      const head = arch.boxes.find((b) => b.id === 'lm_head')!;
      assert.strictEqual(head.parameters, 0);
      assert.strictEqual(head.tiedTo, 'wte');
      assert.deepStrictEqual(arch.boxes.filter((b) => b.kind === 'attention').map((b) => b.layer), [...Array(config.nLayer).keys()]);
      const C = config.nEmbd;
      // attention: Wq, Wk, Wv, W_O (C × C) and their biases
      assert.strictEqual(arch.boxes.find((b) => b.id === 'h.0.attn')!.parameters, 4 * C * C + 4 * C);
      // MLP: C → 4C → C with biases
      assert.strictEqual(arch.boxes.find((b) => b.id === 'h.0.mlp')!.parameters, 8 * C * C + 5 * C);
      assert.strictEqual(arch.boxes.find((b) => b.id === 'wpe')!.parameters, config.positional === 'learned' ? config.contextLength * C : 0);
    });
  }

  it('gives the activations of a text of T tokens and FLOPs per token that grow with T in attention only', () => {
    const config: GPTConfig = { ...PRESETS.small, vocabSize: 8192 };
    const short = architecture(config, 10);
    const long = architecture(config, 100);
    const box = (a: ReturnType<typeof architecture>, id: string) => a.boxes.find((b) => b.id === id)!;
    assert.deepStrictEqual(box(short, 'h.1.attn').inner.weights, [4, 10, 10]);
    assert.deepStrictEqual(box(short, 'h.1.attn').inner['Wq per head'], [128, 32]);
    assert.deepStrictEqual(box(short, 'h.1.mlp').inner.hidden, [10, 512]);
    assert.deepStrictEqual(box(short, 'lm_head').activation, [10, 8192]);
    assert.strictEqual(box(short, 'lm_head').flopsPerToken, 2 * 128 * 8192);
    assert.ok(box(long, 'h.0.attn').flopsPerToken > box(short, 'h.0.attn').flopsPerToken);
    assert.strictEqual(box(long, 'h.0.mlp').flopsPerToken, box(short, 'h.0.mlp').flopsPerToken);
    assert.strictEqual(architecture(config, 1000).tokens, config.contextLength);
  });
});

describe('inspector (engine): PCA map and table changes', () => {
  it('puts points spread along two directions on the two axes, by their share of the variance', () => {
    const rows = 400;
    const d = 6;
    const data = new Float32Array(rows * d);
    const u = [1, 1, 0, 0, 0, 0].map((x) => x / Math.SQRT2);
    const v = [0, 0, 1, -1, 0, 0].map((x) => x / Math.SQRT2);
    for (let r = 0; r < rows; r++) {
      const a = 3 * Math.sin(r * 1.3);
      const b = Math.cos(r * 0.7);
      for (let c = 0; c < d; c++) data[r * d + c] = a * u[c] + b * v[c] + 0.01 * Math.sin(r * c);
    }
    const map = pcaMap({ rows, width: d, data });
    // x follows a, y follows b (up to the map's fixed sign), and they take almost all the variance
    let ax = 0;
    let by = 0;
    for (let r = 0; r < rows; r++) {
      ax += map.coords[2 * r] * 3 * Math.sin(r * 1.3);
      by += map.coords[2 * r + 1] * Math.cos(r * 0.7);
    }
    assert.ok(Math.abs(ax) > 0.99 * rows * 4.4, `x does not follow the first direction (${ax})`);
    assert.ok(Math.abs(by) > 0.95 * rows * 0.45, `y does not follow the second direction (${by})`);
    assert.ok(map.explained[0] > map.explained[1] && map.explained[0] + map.explained[1] > 0.99, JSON.stringify(map.explained));
    assert.strictEqual(pcaMap({ rows, width: d, data: Float32Array.from(data) }).coords[0], map.coords[0]);
  });

  it('measures how far each row turned between two tables', () => {
    const before = { rows: 3, width: 2, data: Float32Array.of(1, 0, 0, 1, 1, 1) };
    const after = { rows: 3, width: 2, data: Float32Array.of(1, 0, 1, 0, 2, 2) };
    const change = tableChange(before, after);
    assert.strictEqual(change.moved[0].index, 1);
    assert.deepStrictEqual(change.moved.map((m) => m.index).sort(), [0, 1, 2]);
    assert.ok(Math.abs(change.moved[0].cosine) < 1e-9);
    assert.ok(Math.abs(change.moved.find((m) => m.index === 2)!.normChange - Math.SQRT2) < 1e-6);
    assert.ok(Math.abs(change.meanCosine - 2 / 3) < 1e-9);
  });
});
