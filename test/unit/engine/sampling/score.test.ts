import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPT, type GPTConfig } from '../../../../src/engine/model';
import { Rng } from '../../../../src/engine/rng';
import { encode } from '../../../../src/engine/tokenizer';
import { Vocabulary } from '../../../../src/engine/vocab';
import { scoreSequence, scoreTotals, scoreWindows } from '../../../../src/engine/sampling/score';
import { encodeWithOffsets, scoreText, textTotals } from '../../../../src/engine/sampling/scoreText';
import { randomModel as randomFixtureModel } from '../../fixtures/randomModel';

function randomModel(config: GPTConfig, seed: number): GPT {
  return randomFixtureModel(config, seed, { wteStd: 0.8, std: 0.3 });
}

/** The engine's cross-entropy (model.loss, the training loss) summed over targets a+1 … b of a window. */
async function windowLossSum(model: GPT, window: number[], a: number, b: number): Promise<number> {
  // loss over the window's first n positions is the mean over targets 1 … n (causal attention): sums of
  // two prefixes give the targets between them
  const prefixSum = async (n: number) => {
    if (n === 0) return 0;
    const loss = tf.tidy(() => model.loss(tf.tensor2d(window.slice(0, n), [1, n], 'int32'), tf.tensor2d(window.slice(1, n + 1), [1, n], 'int32')));
    const value = (await loss.data())[0];
    loss.dispose();
    return value * n;
  };
  return (await prefixSum(b)) - (await prefixSum(a));
}

describe('sampling maths: scoring a text', () => {
  const config: GPTConfig = { vocabSize: 50, contextLength: 16, nLayer: 2, nHead: 2, nEmbd: 16, positional: 'learned' };
  let model: GPT;
  before(async () => {
    await tf.setBackend('cpu');
    model = randomModel(config, 8);
  });
  after(() => model.dispose());

  it('lays out windows that score every target once, each after at least contextLength − stride tokens', () => {
    for (const [length, stride] of [
      [2, 8],
      [16, 8],
      [17, 8],
      [18, 8],
      [100, 8],
      [100, 5],
      [100, 16],
      [61, 1],
    ]) {
      const windows = scoreWindows(length, 16, stride);
      const scored: number[] = [];
      for (const w of windows) {
        assert.ok(w.end - w.start <= 16 && w.start % stride === 0);
        for (let t = w.scoreFrom; t <= w.end; t++) {
          scored.push(t);
          if (w.start > 0) assert.ok(t - w.start >= 16 - stride, `target ${t} sees ${t - w.start} tokens`);
        }
      }
      assert.deepStrictEqual(
        scored,
        Array.from({ length: length - 1 }, (_, i) => i + 1),
        `length ${length} stride ${stride}`,
      );
    }
    assert.throws(() => scoreWindows(10, 16, 0), /stride/);
  });

  it('mean loss equals the engine cross-entropy over the same windows, and perplexity is exp(mean loss)', async () => {
    const rng = new Rng(4);
    const sequence = Array.from({ length: 70 }, () => rng.int(50));
    for (const stride of [8, 5, 16]) {
      const scores = await scoreSequence(model, sequence, { stride });
      assert.deepStrictEqual(
        scores.map((s) => s.position),
        Array.from({ length: 69 }, (_, i) => i + 1),
      );
      let engineSum = 0;
      for (const w of scoreWindows(sequence.length, 16, stride)) {
        engineSum += await windowLossSum(model, sequence.slice(w.start, w.end + 1), w.scoreFrom - 1 - w.start, w.end - w.start);
      }
      const totals = scoreTotals(scores, () => 1);
      assert.ok(Math.abs(totals.meanLossNats - engineSum / 69) < 1e-4, `stride ${stride}: ${totals.meanLossNats} vs ${engineSum / 69}`);
      assert.ok(Math.abs(totals.perplexity - Math.exp(totals.meanLossNats)) < 1e-12);
      assert.ok(Math.abs(totals.bitsPerByte - (totals.meanLossNats * 69) / Math.LN2 / 69) < 1e-12);
    }
  });

  it('gives each token its probability, rank, surprisal, entropy and top guesses from the full softmax', async () => {
    const sequence = [1, 5, 9, 13, 2, 2, 40, 7, 30];
    const scores = await scoreSequence(model, sequence, { topGuesses: 5 });
    const logits = tf.tidy(() => model.forward(tf.tensor2d(sequence, [1, sequence.length], 'int32')).dataSync() as Float32Array);
    for (const s of scores) {
      const row = Array.from(logits.subarray((s.position - 1) * 50, s.position * 50));
      const m = Math.max(...row);
      const z = row.reduce((acc, l) => acc + Math.exp(l - m), 0);
      const p = row.map((l) => Math.exp(l - m) / z);
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
      assert.ok(Math.abs(s.prob - p[s.id]) < 1e-6);
      assert.strictEqual(s.rank, 1 + p.filter((x) => x > p[s.id]).length);
      assert.ok(Math.abs(s.surprisalBits + Math.log2(p[s.id])) < 1e-5);
      const h = -p.reduce((acc, x) => acc + x * Math.log2(x), 0);
      assert.ok(Math.abs(s.entropyBits - h) < 1e-5);
      const order = [...p.keys()].sort((a, b) => p[b] - p[a]).slice(0, 5);
      assert.deepStrictEqual(
        s.top.map((t) => t.id),
        order,
      );
      if (s.rank === 1) assert.strictEqual(s.top[0].id, s.id);
    }
  });

  it('scores a part of the sequence exactly as it scores it within the whole', async () => {
    const rng = new Rng(9);
    const sequence = Array.from({ length: 60 }, () => rng.int(50));
    const whole = await scoreSequence(model, sequence, { stride: 6 });
    const part = await scoreSequence(model, sequence, { stride: 6, from: 33, to: 47 });
    assert.deepStrictEqual(part, whole.slice(32, 46));
  });

  it('scores the tokens of a text in a range, after <sep>, with their text offsets', async () => {
    const text = 'the cat sat on the mat. Zażółć gęślą jaźń 🙂 the cat sat.';
    const streams = [encode('the cat sat on the mat. the cat', 'o200k_base')];
    const vocab = Vocabulary.build(streams, 'o200k_base');
    const big = randomModel({ ...config, vocabSize: vocab.size }, 3);
    try {
      const { ids, offsets } = encodeWithOffsets(text, vocab);
      assert.deepStrictEqual(ids, vocab.encode(text));
      assert.ok(ids.length > 30 && ids.length > big.config.contextLength, 'some letters are spelled in bytes, and the text is longer than the context');
      const all = await scoreText(big, vocab, text);
      assert.strictEqual(all.length, ids.length);
      all.forEach((s, i) => assert.deepStrictEqual([s.id, s.start, s.end], [ids[i], offsets[i].start, offsets[i].end]));
      const sequence = await scoreSequence(big, [Vocabulary.SEP, ...ids]);
      assert.deepStrictEqual(
        all.map((s) => s.prob),
        sequence.map((s) => s.prob),
      );
      const at = text.indexOf('gęślą');
      const range = await scoreText(big, vocab, text, { range: { start: at, end: at + 5 } });
      assert.ok(range.length > 0 && range.every((s) => s.end > at && s.start < at + 5));
      assert.deepStrictEqual(range, all.filter((s) => s.end > at && s.start < at + 5));
      const totals = textTotals(all, vocab);
      assert.strictEqual(totals.bytes, new TextEncoder().encode(text).length);
      assert.deepStrictEqual(await scoreText(big, vocab, ''), []);
      // no token label is U+FFFD: a byte token is shown by its byte
      for (const s of all) assert.ok(!vocab.tokenLabel(s.id).includes('\uFFFD'));
    } finally {
      big.dispose();
    }
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(scoreSequence(model, [1, 2, 3], { signal: controller.signal }), { name: 'AbortError' });
  });
});
