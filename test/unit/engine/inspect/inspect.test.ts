// The Model Inspector's numbers, checked against the checkpoint's own tensors: a model is saved, its
// model.safetensors read back here with the safetensors reader, and every figure recomputed in the test by
// the plainest loop (a sum, a sort of every cosine) to compare with what the inspector answers.

import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../../../src/engine/backends';
import { loadCheckpoint, saveCheckpoint } from '../../../../src/engine/checkpoint';
import { inspect, type InspectAnswer, type InspectRequest, type InspectSubject } from '../../../../src/engine/inspect';
import { GPT, type GPTConfig } from '../../../../src/engine/model';
import { readSafetensors } from '../../../../src/engine/safetensors';
import { encode } from '../../../../src/engine/tokenizer';
import { Vocabulary } from '../../../../src/engine/vocab';

const TEXT = 'Natura stwarza najpiękniejsze obrazy. Król i królowa, mężczyzna i kobieta. The quick brown fox jumps over the lazy dog. ';

type Token = { id: number; label: string };

function ask<V extends InspectRequest['view']>(subject: InspectSubject, request: Extract<InspectRequest, { view: V }>, other?: { weights: Map<string, Float32Array> }) {
  return inspect<Token>(subject, request, (id) => ({ id, label: subject.vocab.tokenLabel(id) }), other) as Extract<InspectAnswer<Token>, { view: V }>;
}

/** The tensors of a saved model, read from its model.safetensors file. */
async function savedTensors(dir: string): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const { tensors } = await readSafetensors(path.join(dir, 'model.safetensors'));
  return new Map([...tensors].map(([name, t]) => [name, { shape: t.shape, data: t.data as Float32Array }]));
}

function bruteCosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

describe('inspector (engine)', function () {
  this.timeout(120_000);
  let dir: string;
  let subject: InspectSubject;
  let saved: Map<string, { shape: number[]; data: Float32Array }>;

  before(async () => {
    await initBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-inspect-'));
    const vocab = Vocabulary.build([encode(TEXT.repeat(3), 'o200k_base')], 'o200k_base');
    const config: GPTConfig = { vocabSize: vocab.size, contextLength: 32, nLayer: 2, nHead: 2, nEmbd: 16, positional: 'learned' };
    const model = new GPT(config, 11);
    await saveCheckpoint(path.join(dir, 'model'), model, vocab);
    model.dispose();
    // The worker's path: load the checkpoint, read the model's weights back from TensorFlow.js.
    const loaded = await loadCheckpoint(path.join(dir, 'model'));
    subject = { config: loaded.model.config, vocab: loaded.vocab, weights: await loaded.model.readWeights() };
    loaded.model.dispose();
    saved = await savedTensors(path.join(dir, 'model'));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives each final input embedding as the token row plus the position row of the saved tensors', () => {
    const text = 'Natura stwarza obrazy.';
    const answer = ask(subject, { view: 'embeddings', text });
    const ids = subject.vocab.encode(text);
    assert.deepStrictEqual(answer.tokens.map((t) => t.id), ids);
    const wte = saved.get('wte')!;
    const wpe = saved.get('wpe')!;
    const C = wte.shape[1];
    answer.rows.forEach((row, t) => {
      assert.strictEqual(row.position, t);
      for (let c = 0; c < C; c++) {
        const token = wte.data[ids[t] * C + c];
        const position = wpe.data[t * C + c];
        assert.strictEqual(row.token[c], token);
        assert.strictEqual(row.positionRow[c], position);
        assert.strictEqual(row.sum[c], Math.fround(token + position));
      }
      assert.ok(Math.abs(row.tokenCosine - bruteCosine(row.token, row.sum)) < 1e-9);
      assert.ok(Math.abs(row.positionNorm - Math.hypot(...row.positionRow)) < 1e-9);
    });
    assert.strictEqual(answer.truncated, false);
  });

  it('cuts a text longer than the context to its first tokens and says so', () => {
    const answer = ask(subject, { view: 'embeddings', text: TEXT.repeat(4) });
    assert.strictEqual(answer.rows.length, subject.config.contextLength);
    assert.strictEqual(answer.truncated, true);
    assert.ok(answer.totalTokens > subject.config.contextLength);
  });

  it('finds the same nearest tokens as a brute-force cosine ranking of model.safetensors', () => {
    const wte = saved.get('wte')!;
    const [V, C] = wte.shape;
    const row = (i: number) => wte.data.subarray(i * C, (i + 1) * C);
    for (const word of [' the', ' quick', ' fox', '.']) {
      const ids = subject.vocab.encode(word);
      assert.strictEqual(ids.length, 1, `${word} is one token`);
      const [q] = ids;
      const brute = Array.from({ length: V }, (_, i) => ({ id: i, cos: bruteCosine(row(q), row(i)) }))
        .filter((x) => x.id !== q)
        .sort((a, b) => b.cos - a.cos || a.id - b.id)
        .slice(0, 20);
      const answer = ask(subject, { view: 'nearest', query: { text: word } });
      assert.deepStrictEqual(answer.neighbours.map((n) => n.id), brute.map((b) => b.id), word);
      answer.neighbours.forEach((n, i) => assert.ok(Math.abs(n.cosine - brute[i].cos) < 1e-9));
      assert.strictEqual(answer.map.coords.length, 2 * V);
      assert.strictEqual(answer.labels.length, V);
    }
  });

  it('looks a query up by model ID too, byte pieces included, with labels that never show U+FFFD', () => {
    const byteToken = Vocabulary.FIRST_BYTE + 0xc5; // the first byte of "Ł"/"ś"…: not a character by itself
    const answer = ask(subject, { view: 'nearest', query: { id: byteToken } });
    assert.strictEqual(answer.query[0].label, '<C5>');
    assert.ok(answer.labels.every((l) => !l.includes('\ufffd')));
    assert.ok(!answer.neighbours.some((n) => n.id === byteToken));
  });

  it('ranks positions by the cosine of their rows in wpe', () => {
    const wpe = saved.get('wpe')!;
    const C = wpe.shape[1];
    const row = (i: number) => wpe.data.subarray(i * C, (i + 1) * C);
    const answer = ask(subject, { view: 'nearest', query: { text: ' the' }, position: 5 });
    const brute = Array.from({ length: wpe.shape[0] }, (_, i) => ({ i, cos: bruteCosine(row(5), row(i)) }))
      .filter((x) => x.i !== 5)
      .sort((a, b) => b.cos - a.cos || a.i - b.i)
      .slice(0, 10);
    assert.deepStrictEqual(answer.positions.neighbours.map((n) => n.position), brute.map((b) => b.i));
    assert.strictEqual(answer.positions.similarity.length, wpe.shape[0] ** 2);
    assert.ok(Math.abs(answer.positions.similarity[5 * wpe.shape[0] + 7] - bruteCosine(row(5), row(7))) < 1e-9);
  });

  it('answers a multi-token word with the mean of its tokens\' rows', () => {
    const word = ' najpiękniejsze';
    const ids = subject.vocab.encode(word);
    assert.ok(ids.length > 1, 'the word is several tokens');
    const wte = saved.get('wte')!;
    const C = wte.shape[1];
    const mean = Array.from({ length: C }, (_, c) => ids.reduce((s, id) => s + wte.data[id * C + c], 0) / ids.length);
    const answer = ask(subject, { view: 'nearest', query: { text: word }, count: 5 });
    assert.deepStrictEqual(answer.query.map((t) => t.id), ids);
    const best = answer.neighbours[0];
    assert.ok(Math.abs(best.cosine - bruteCosine(mean, wte.data.subarray(best.id * C, (best.id + 1) * C))) < 1e-9);
  });

  it('gives the analogy planted in the vectors, excluding the input words unless asked', () => {
    const vocab = Vocabulary.build([encode(' king queen man woman apple river stone cloud', 'o200k_base')], 'o200k_base');
    const id = (w: string) => {
      const ids = vocab.encode(w);
      assert.strictEqual(ids.length, 1, `${w} is one token`);
      return ids[0];
    };
    const C = 8;
    const config: GPTConfig = { vocabSize: vocab.size, contextLength: 4, nLayer: 1, nHead: 1, nEmbd: C, positional: 'learned' };
    // Dimensions: 0 royal, 1 male, 2 female; the other tokens lie elsewhere (dimensions 3–7), small.
    const wte = new Float32Array(vocab.size * C);
    for (let r = 0; r < vocab.size; r++) for (let c = 3; c < C; c++) wte[r * C + c] = Math.sin(r * 7 + c) * 0.3;
    const plant = (w: string, v: number[]) => v.forEach((x, c) => (wte[id(w) * C + c] = x));
    plant(' king', [1, 1, 0, 0, 0, 0, 0, 0]);
    plant(' queen', [1, 0, 1, 0, 0, 0, 0, 0]);
    plant(' man', [0, 1, 0, 0.05, 0, 0, 0, 0]);
    plant(' woman', [0, 0, 1, 0, 0.05, 0, 0, 0]);
    const weights = new Map([...Object.entries(new GPT(config).parameterShapes())].map(([name, shape]) => [name, new Float32Array(shape.reduce((a, b) => a * b, 1))]));
    weights.set('wte', wte);
    const planted: InspectSubject = { config, vocab, weights };
    const answer = ask(planted, { view: 'analogy', a: ' king', b: ' man', c: ' woman', expected: ' queen' });
    assert.strictEqual(answer.answers[0].id, id(' queen'));
    assert.ok(answer.answers[0].cosine > 0.99);
    assert.deepStrictEqual(answer.expected && { rank: answer.expected.rank, multiToken: answer.expected.multiToken }, { rank: 1, multiToken: false });
    for (const w of [' king', ' man', ' woman']) assert.ok(!answer.answers.some((a) => a.id === id(w)), `${w} is excluded`);
    assert.deepStrictEqual(answer.excluded.map((t) => t.id).sort(), [id(' king'), id(' man'), id(' woman')].sort());
    // With the inputs: woman (cosine about 0.71 with king − man + woman) comes second, then king (0.5).
    const withInputs = ask(planted, { view: 'analogy', a: ' king', b: ' man', c: ' woman', includeInputs: true, count: 3 });
    assert.deepStrictEqual(withInputs.answers.map((a) => a.id), [id(' queen'), id(' woman'), id(' king')]);
    assert.deepStrictEqual(withInputs.excluded, []);
  });

  it('ranks an expected answer of several tokens as its mean vector among every token', () => {
    const answer = ask(subject, { view: 'analogy', a: ' król', b: ' mężczyzna', c: ' kobieta', expected: ' królowa' });
    assert.ok(answer.expected);
    assert.strictEqual(answer.expected.multiToken, subject.vocab.encode(' królowa').length > 1);
    const better = answer.answers.filter((a) => a.cosine > answer.expected!.cosine).length;
    assert.ok(answer.expected.rank >= better + 1);
    assert.strictEqual(answer.answers.length, 10);
  });

  it('says what to type when a word of an analogy is empty', () => {
    assert.throws(() => ask(subject, { view: 'analogy', a: '', b: ' man', c: ' woman' }), /Type the word a/);
  });

  it('compares two checkpoints: nothing moves against itself, a changed row moves most', () => {
    const same = ask(subject, { view: 'compare', against: { kind: 'latest' }, query: { text: ' król' } }, { weights: new Map(subject.weights) });
    assert.ok(Math.abs(same.meanCosine - 1) < 1e-6);
    assert.strictEqual(same.common, same.after.length);
    const changed = new Map(subject.weights);
    const wte = Float32Array.from(subject.weights.get('wte')!);
    const C = subject.config.nEmbd;
    const target = subject.vocab.encode(' the')[0];
    for (let c = 0; c < C; c++) wte[target * C + c] = -wte[target * C + c];
    changed.set('wte', wte);
    const answer = ask(subject, { view: 'compare', against: { kind: 'latest' }, query: { text: ' the' } }, { weights: changed });
    assert.strictEqual(answer.moved[0].id, target);
    assert.ok(answer.moved[0].cosine < -0.99);
    assert.ok(answer.queryCosine < -0.99);
  });
});

describe('inspector (engine): sinusoidal positions', () => {
  it('shows the fixed table, which matches sin/cos of pos / 10000^(2i/d), between −1 and 1', () => {
    const vocab = Vocabulary.build([encode('abc', 'char')], 'char');
    const config: GPTConfig = { vocabSize: vocab.size, contextLength: 40, nLayer: 1, nHead: 2, nEmbd: 12, positional: 'sinusoidal' };
    const shapes = parameterShapesOfConfig(config);
    assert.ok(!('wpe' in shapes));
    const weights = new Map(Object.entries(shapes).map(([name, shape]) => [name, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5)]));
    const answer = inspect({ config, vocab, weights }, { view: 'embeddings', text: 'abca' }, (id) => ({ id })) as Extract<InspectAnswer<{ id: number }>, { view: 'embeddings' }>;
    assert.strictEqual(answer.positional, 'sinusoidal');
    const { table } = answer;
    assert.deepStrictEqual([table.rows, table.width], [40, 12]);
    for (let pos = 0; pos < 40; pos++) {
      for (let i = 0; i < 6; i++) {
        const angle = pos / 10000 ** ((2 * i) / 12);
        assert.ok(Math.abs(table.values[pos * 12 + 2 * i] - Math.sin(angle)) < 1e-6);
        assert.ok(Math.abs(table.values[pos * 12 + 2 * i + 1] - Math.cos(angle)) < 1e-6);
      }
    }
    assert.ok(table.min >= -1 && table.max <= 1);
    // char tokens: the sum is the token's row plus the table's row
    assert.strictEqual(answer.rows[3].sum[0], Math.fround(0.5 + table.values[3 * 12]));
  });
});

function parameterShapesOfConfig(config: GPTConfig): Record<string, number[]> {
  return new GPT(config).parameterShapes();
}
