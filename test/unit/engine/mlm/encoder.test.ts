// The encoder (model kind 'encoder'): bidirectional attention, the masked-language-model loss at the chosen
// positions only, its gradients against finite differences and across backends, the kind in checkpoints,
// and the decoder-only paths refusing it with a message that names the kind.

import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { GPT, KindError, type GPTConfig } from '../../../../src/engine/model';
import { NATIVE_BACKEND, registerNativeBackend } from '../../../../src/engine/backends/native';
import { generate, nextTokenDistribution } from '../../../../src/engine/generate';
import { loadCheckpoint, saveCheckpoint } from '../../../../src/engine/checkpoint';
import { MASKING_DEFAULTS, maskingVocabulary, maskTokens } from '../../../../src/engine/mlm/masking';
import { encodeWithMasks, maskSelection } from '../../../../src/engine/mlm/fill';
import { Rng } from '../../../../src/engine/rng';
import { Vocabulary } from '../../../../src/engine/vocab';
import { randomModel } from '../../fixtures/randomModel';

/** Random weights large enough that gradients and logits are far from 0. */
const WEIGHTS = { wteStd: 0.3, std: 0.3 };

const encoder: GPTConfig = { vocabSize: 13, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 8, positional: 'learned', kind: 'encoder' };
const MASK_ID = 12; // the last ID, as in an encoder's vocabulary
const B = 2;
const T = 8;

function ids(n: number, vocab: number, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => 2 + rng.int(vocab - 3)); // never a special token
}

const maskingIds = { maskId: MASK_ID, specialIds: [0, 1, MASK_ID], randomFrom: 0, randomTo: encoder.vocabSize };

function maskedBatch(seed: number) {
  return maskTokens(Int32Array.from(ids(B * T, encoder.vocabSize, seed)), maskingIds, { ...MASKING_DEFAULTS, maskRate: 0.3 }, new Rng(seed + 1));
}

function lossOf(model: GPT, inputs: Int32Array, targets: Int32Array, positions: Int32Array, dropout?: { rate: number; rng: Rng }): number {
  return tf.tidy(() => {
    const r = model.maskedLoss(tf.tensor2d(inputs, [B, T], 'int32'), tf.tensor1d(targets, 'int32'), tf.tensor1d(positions, 'int32'), dropout);
    return r.loss.dataSync()[0];
  });
}

describe('encoder', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('records its kind in the config; a config without one is a decoder', () => {
    const model = new GPT(encoder, 1);
    const decoder = new GPT({ ...encoder, kind: undefined }, 1);
    try {
      assert.strictEqual(model.kind, 'encoder');
      assert.strictEqual(model.config.kind, 'encoder');
      assert.strictEqual(decoder.kind, 'decoder');
      assert.ok(!('kind' in decoder.config), 'a decoder config is written as before encoders existed');
      assert.throws(() => new GPT({ ...encoder, kind: 'seq2seq' as never }), /kind must be 'decoder' or 'encoder'/);
    } finally {
      model.dispose();
      decoder.dispose();
    }
  });

  it('attends both ways: attention rows sum to 1 and are non-zero above the diagonal', async () => {
    const model = randomModel(encoder, 2, WEIGHTS);
    try {
      const { attention } = await model.attention(ids(T, encoder.vocabSize, 4));
      for (const layer of attention) {
        for (const head of layer) {
          head.forEach((row, q) => {
            assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `row ${q} sums to 1`);
            for (let k = q + 1; k < T; k++) assert.ok(row[k] > 1e-6, `query ${q} attends to the later key ${k}: ${row[k]}`);
          });
        }
      }
      const packed = await model.attentionMaps(ids(T, encoder.vocabSize, 4));
      assert.deepStrictEqual(Array.from(packed).map((v) => Math.round(v * 1e5)), attention.flat(3).map((v) => Math.round(v * 1e5)));
    } finally {
      model.dispose();
    }
  });

  it('is not causal: changing a later token changes the outputs of earlier positions (a decoder’s stay the same)', () => {
    for (const kind of ['encoder', 'decoder'] as const) {
      const model = randomModel({ ...encoder, kind }, 5, WEIGHTS);
      try {
        const a = ids(T, encoder.vocabSize, 7);
        const b = a.slice();
        b[T - 1] = a[T - 1] === 5 ? 6 : 5;
        const logits = (x: number[]) => tf.tidy(() => model.forward(tf.tensor2d(x, [1, T], 'int32')).dataSync() as Float32Array);
        const la = logits(a);
        const lb = logits(b);
        const V = encoder.vocabSize;
        for (let t = 0; t < T - 1; t++) {
          let diff = 0;
          for (let v = 0; v < V; v++) diff = Math.max(diff, Math.abs(la[t * V + v] - lb[t * V + v]));
          if (kind === 'encoder') assert.ok(diff > 1e-4, `encoder position ${t} did not change (${diff})`);
          else assert.ok(diff < 1e-5, `decoder position ${t} changed (${diff})`);
        }
      } finally {
        model.dispose();
      }
    }
  });

  it('counts only the chosen positions: a target elsewhere changes nothing, a chosen one changes the loss', () => {
    const model = randomModel(encoder, 8, WEIGHTS);
    try {
      const batch = maskedBatch(10);
      const chosen = new Set(batch.positions);
      assert.ok(chosen.size >= 2 && chosen.size < B * T);
      const base = lossOf(model, batch.inputs, batch.targets, batch.positions);
      const other = Int32Array.from(batch.targets, (t, i) => (chosen.has(i) ? t : t === 4 ? 5 : 4));
      assert.strictEqual(lossOf(model, batch.inputs, other, batch.positions), base, 'targets at unchosen positions are ignored');
      const first = batch.positions[0];
      const changed = Int32Array.from(batch.targets, (t, i) => (i === first ? (t === 4 ? 5 : 4) : t));
      assert.notStrictEqual(lossOf(model, batch.inputs, changed, batch.positions), base);
      // and it is the mean cross-entropy of those positions, from the full logits
      const logits = tf.tidy(() => tf.logSoftmax(tf.reshape(model.forward(tf.tensor2d(batch.inputs, [B, T], 'int32')), [B * T, -1])).arraySync() as number[][]);
      const expected = -Array.from(batch.positions).reduce((s, p) => s + logits[p][batch.targets[p]], 0) / batch.positions.length;
      assert.ok(Math.abs(base - expected) < 1e-5, `${base} vs ${expected}`);
    } finally {
      model.dispose();
    }
  });

  const finiteDifferences = (rate: number) => () => {
    const model = randomModel(encoder, 11, WEIGHTS);
    const batch = maskedBatch(13);
    const masks = () => (rate > 0 ? { rate, rng: new Rng(15) } : undefined);
    try {
      const vars = [...model.params.values()];
      const grads = tf.tidy(() => {
        const { grads: g } = tf.variableGrads(
          () => model.maskedLoss(tf.tensor2d(batch.inputs, [B, T], 'int32'), tf.tensor1d(batch.targets, 'int32'), tf.tensor1d(batch.positions, 'int32'), masks()).loss,
          vars,
        );
        return g;
      });
      const h = 1e-2;
      for (const name of ['wte', 'wpe', 'h.0.ln_1.weight', 'h.0.attn.c_q.weight', 'h.1.attn.c_k.weight', 'h.0.attn.c_v.bias', 'h.1.attn.c_proj.weight', 'h.0.mlp.c_fc.weight', 'h.1.mlp.c_proj.bias', 'ln_f.bias']) {
        const v = model.params.get(name)!;
        const g = grads[v.name].dataSync() as Float32Array;
        const original = Float32Array.from(v.dataSync() as Float32Array);
        const order = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]));
        for (const i of [order[0], order[1], order[Math.floor(order.length / 2)]]) {
          const at = (value: number) => {
            const w = Float32Array.from(original);
            w[i] = value;
            tf.tidy(() => v.assign(tf.tensor(w, v.shape)));
            return lossOf(model, batch.inputs, batch.targets, batch.positions, masks());
          };
          const fd = (at(original[i] + h) - at(original[i] - h)) / (2 * h);
          tf.tidy(() => v.assign(tf.tensor(original, v.shape)));
          assert.ok(Math.abs(fd - g[i]) < 1e-3 + 0.03 * Math.abs(g[i]), `${name}[${i}]: autodiff ${g[i]} vs finite difference ${fd}`);
        }
        assert.ok(Math.abs(g[order[0]]) > 1e-3, `${name}: gradient too small to test`);
      }
      tf.dispose(grads);
    } finally {
      model.dispose();
    }
  };

  it('has gradients that match finite differences', finiteDifferences(0));

  it('has gradients that match finite differences with dropout', finiteDifferences(0.25));

  describe('backends: one encoder step (loss, every gradient, attention) on wasm and native as on cpu', function () {
    this.timeout(60_000);
    after(async () => {
      await tf.setBackend('cpu');
    });

    const step = async (backend: string) => {
      await tf.setBackend(backend);
      const model = randomModel(encoder, 3, WEIGHTS);
      const batch = maskedBatch(21);
      const { value, grads } = tf.variableGrads(
        () => model.maskedLoss(tf.tensor2d(batch.inputs, [B, T], 'int32'), tf.tensor1d(batch.targets, 'int32'), tf.tensor1d(batch.positions, 'int32')).loss,
        [...model.params.values()],
      );
      const out = { loss: (await value.data())[0], grads: new Map<string, Float32Array>(), attention: await model.attentionMaps(Array.from(batch.inputs.subarray(0, T))) };
      for (const [name, v] of model.params) out.grads.set(name, Float32Array.from(await grads[v.name].data()));
      tf.dispose([value, ...Object.values(grads)]);
      model.dispose();
      return out;
    };

    for (const backend of ['wasm', NATIVE_BACKEND]) {
      it(backend, async () => {
        if (backend === NATIVE_BACKEND) registerNativeBackend(); // throws with the reason where the addon is not built
        const other = await step(backend);
        assert.strictEqual(tf.getBackend(), backend);
        const cpu = await step('cpu');
        assert.ok(Math.abs(other.loss - cpu.loss) < 1e-5 * Math.max(1, cpu.loss), `loss: ${backend} ${other.loss}, cpu ${cpu.loss}`);
        for (const [name, g] of cpu.grads) {
          const scale = Math.max(...g.map(Math.abs), 1e-3);
          const mine = other.grads.get(name)!;
          for (let i = 0; i < g.length; i++) assert.ok(Math.abs(mine[i] - g[i]) / scale < 1e-4, `gradient of ${name}[${i}]: ${mine[i]} vs ${g[i]}`);
        }
        for (let i = 0; i < cpu.attention.length; i++) assert.ok(Math.abs(other.attention[i] - cpu.attention[i]) < 1e-5, `attention[${i}]`);
        assert.ok(Array.from(cpu.attention).some((v, i) => i % T > Math.floor(i / T) % T && v > 1e-6), 'bidirectional on every backend');
      });
    }
  });

  it('refuses the decoder-only paths with a message naming the kind', async () => {
    const model = new GPT(encoder, 1);
    try {
      const vocab = { decode: () => '' };
      await assert.rejects(generate(model, vocab, [3, 4]), (e: unknown) => e instanceof KindError && /encoder/.test((e as Error).message) && /next-token/.test((e as Error).message));
      await assert.rejects(nextTokenDistribution(model, [3, 4]), /This model is an encoder \(masked-language model\): it has no next-token probabilities/);
      assert.throws(() => model.forwardCached([3], model.newCache()), KindError);
      assert.throws(() => tf.tidy(() => model.loss(tf.tensor2d([[3, 4]], [1, 2], 'int32'), tf.tensor2d([[4, 5]], [1, 2], 'int32'))), KindError);
      const decoder = new GPT({ ...encoder, kind: 'decoder' }, 1);
      await assert.rejects(decoder.maskedLogits([3, MASK_ID], [1]), /This model is a decoder/);
      decoder.dispose();
    } finally {
      model.dispose();
    }
  });

  describe('checkpoints', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-encoder-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const vocab = Vocabulary.build([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], 'o200k_base', { mask: true });

    it('round-trip the kind, the [MASK] token and the predictions', async () => {
      const model = new GPT({ ...encoder, vocabSize: vocab.size, contextLength: 16 }, 4);
      const target = path.join(dir, 'model');
      try {
        await saveCheckpoint(target, model, vocab);
        const loaded = await loadCheckpoint(target);
        try {
          assert.strictEqual(loaded.model.kind, 'encoder');
          assert.strictEqual(loaded.config.model.kind, 'encoder');
          assert.strictEqual(loaded.vocab.maskId, vocab.maskId);
          const input = encodeWithMasks('Natura [MASK] obrazy', loaded.vocab);
          const at = [input.indexOf(vocab.maskId!)];
          assert.deepStrictEqual(await loaded.model.maskedLogits(input, at), await model.maskedLogits(input, at));
        } finally {
          loaded.model.dispose();
        }
      } finally {
        model.dispose();
      }
    });

    it('refuse an encoder without a [MASK] token, and a decoder with one', async () => {
      const plain = Vocabulary.build([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], 'o200k_base');
      const target = path.join(dir, 'model');
      const model = new GPT({ ...encoder, vocabSize: plain.size, contextLength: 16 }, 4);
      try {
        await saveCheckpoint(target, model, plain);
        await assert.rejects(loadCheckpoint(target), /has no \[MASK\] token, but config.json says the model is an encoder/);
      } finally {
        model.dispose();
      }
      const decoder = new GPT({ ...encoder, kind: 'decoder', vocabSize: vocab.size, contextLength: 16 }, 4);
      try {
        await saveCheckpoint(target, decoder, vocab);
        await assert.rejects(loadCheckpoint(target), /has a \[MASK\] token, but config.json says the model is a decoder/);
      } finally {
        decoder.dispose();
      }
    });
  });

  it('writes [MASK] in text as the mask token, the space before it belonging to the masked token', () => {
    const vocab = Vocabulary.build([[1, 2, 3]], 'o200k_base', { mask: true });
    const ids = encodeWithMasks('Natura [MASK] najpiękniejsze', vocab);
    assert.deepStrictEqual(ids.filter((id) => id === vocab.maskId).length, 1);
    assert.strictEqual(vocab.decode(ids), 'Natura najpiękniejsze');
    const two = encodeWithMasks('a [MASK][MASK] b', vocab);
    assert.strictEqual(two.filter((id) => id === vocab.maskId).length, 2);
  });

  it('masks a selection in a copy of the text: one [MASK] per token, the space before a word with it', () => {
    const vocab = Vocabulary.build([[1, 2, 3]], 'o200k_base', { mask: true });
    const text = 'Natura tworzy najpiękniejsze obrazy';
    const start = text.indexOf('obrazy');
    const masked = maskSelection(text, start, text.length, vocab);
    assert.deepStrictEqual([masked.replaceStart, masked.replaceEnd], [start - 1, text.length]);
    const masks = masked.ids.filter((id) => id === vocab.maskId).length;
    assert.strictEqual(masks, vocab.encode(' obrazy').length);
    assert.deepStrictEqual(masked.ids.slice(0, masked.ids.length - masks), vocab.encode('Natura tworzy najpiękniejsze'));
    const first = maskSelection(text, 0, 6, vocab);
    assert.deepStrictEqual([first.replaceStart, first.replaceEnd], [0, 6], 'no space before the first word');
    assert.throws(() => maskSelection(text, 3, 3, vocab), /selection is empty/);
  });
});
