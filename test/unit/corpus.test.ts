import * as assert from 'assert';
import { Corpus, minimumCorpusTokens } from '../../src/engine/corpus';
import { UserError } from '../../src/engine/errors';
import { Rng } from '../../src/engine/rng';
import { encode } from '../../src/engine/tokenizer';
import { Vocabulary } from '../../src/engine/vocab';

function charVocab(docs: string[]): Vocabulary {
  return Vocabulary.build(
    docs.map((d) => encode(d, 'char')),
    'char',
  );
}

describe('Corpus', () => {
  it('joins documents with <sep> into one stream', () => {
    const docs = ['ab', 'ba', 'c'];
    const vocab = charVocab(docs);
    const corpus = Corpus.fromDocuments(docs, vocab, 0);
    const [a, b, c] = vocab.encode('abc');
    assert.deepStrictEqual(Array.from(corpus.tokens), [a, b, Vocabulary.SEP, b, a, Vocabulary.SEP, c]);
    assert.deepStrictEqual(corpus.summary(), { documents: 3, tokens: 7, trainTokens: 7, valTokens: 0, unknownTokens: 0 });
  });

  it('keeps the last tenth of the stream for validation, deterministically', () => {
    const docs = ['The quick brown fox jumps over the lazy dog. '.repeat(20), 'Zażółć gęślą jaźń. '.repeat(10)];
    const vocab = charVocab(docs);
    const one = Corpus.fromDocuments(docs, vocab);
    const two = Corpus.fromDocuments(docs, vocab);
    const total = one.tokens.length;
    assert.strictEqual(one.val.length, Math.round(total * 0.1));
    assert.strictEqual(one.train.length + one.val.length, total);
    assert.deepStrictEqual(Array.from(one.val), Array.from(one.tokens.slice(total - one.val.length)));
    assert.deepStrictEqual(Array.from(one.train), Array.from(two.train));
    assert.deepStrictEqual(Array.from(one.val), Array.from(two.val));
    // The validation part is the end of the last document.
    assert.strictEqual(vocab.decode(Array.from(one.val)), docs[1].slice(docs[1].length - one.val.length));
  });

  it('counts tokens outside the vocabulary (an old, format-1 vocabulary has <unk>; byte fallback has none)', () => {
    const old = Vocabulary.fromJSON({ format: 'lmx-vocabulary', version: 1, tokenizer: 'char', tokens: [97, 98, 99] });
    assert.strictEqual(Corpus.fromDocuments(['abcxyz'], old, 0).summary().unknownTokens, 3);
    assert.strictEqual(Corpus.fromDocuments(['abcxyz'], charVocab(['abc']), 0).summary().unknownTokens, 0);
  });

  it('gives the whole validation part as rows, each target counted once', () => {
    const corpus = Corpus.fromParts([5, 6, 7, 8, 9, 10], [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30], 1);
    const rows = corpus.validationRows(4);
    // rows start at 0, 4 and (the end) 6: targets 21…24, 25…28, then 27…30 of which 29, 30 are new
    assert.strictEqual(rows.rows, 3);
    assert.deepStrictEqual(Array.from(rows.x), [20, 21, 22, 23, 24, 25, 26, 27, 26, 27, 28, 29]);
    assert.deepStrictEqual(Array.from(rows.y), [21, 22, 23, 24, 25, 26, 27, 28, 27, 28, 29, 30]);
    assert.deepStrictEqual(Array.from(rows.weights), [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1]);
    const counted = new Map<number, number>();
    rows.y.forEach((t, i) => rows.weights[i] && counted.set(t, (counted.get(t) ?? 0) + 1));
    assert.deepStrictEqual([...counted.keys()].sort((a, b) => a - b), [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    assert.ok([...counted.values()].every((n) => n === 1));
    assert.strictEqual(Corpus.fromParts([1, 2, 3], [4, 5], 1).validationRows(4).rows, 0);
  });

  it('makes both parts long enough for the context when it is given', () => {
    const tokens = Array.from({ length: 40 }, (_, i) => 2 + (i % 5));
    const corpus = Corpus.fromModelIds(tokens, { valFraction: 0.1, blockSize: 8 });
    assert.strictEqual(corpus.val.length, 9); // 10% would be 4, too short for one row of 8 + 1
    assert.strictEqual(corpus.train.length, 31);
    assert.strictEqual(minimumCorpusTokens(8), 18);
    const smallest = Corpus.fromModelIds(tokens.slice(0, 18), { blockSize: 8 });
    assert.strictEqual(smallest.train.length, 9);
    assert.strictEqual(smallest.val.length, 9);
  });

  it('refuses a corpus too small for the context with a clear UserError', () => {
    const vocab = charVocab(['tiny']);
    assert.throws(
      () => Corpus.fromDocuments(['tiny'], vocab, { blockSize: 64 }),
      (error: unknown) =>
        error instanceof UserError &&
        /^The corpus is too small for a context of 64 tokens: it has 4 tokens and needs at least 130/.test(error.message) &&
        !error.message.includes('\n'),
    );
    const corpus = Corpus.fromDocuments(['tiny'], vocab);
    assert.strictEqual(corpus.val.length, 1, 'a non-empty validation part when there is more than one token');
    assert.throws(() => corpus.batch('val', 1, 4, new Rng(1)), (e: unknown) => e instanceof UserError && /validation part of the corpus has 1 tokens/.test(e.message));
  });

  it('cuts seeded batches, with targets shifted by one', () => {
    const n = 500;
    const corpus = Corpus.fromModelIds(
      Array.from({ length: n }, (_, i) => i),
      0.2,
    );
    const B = 6;
    const T = 16;
    const a = corpus.batch('train', B, T, new Rng(42));
    const b = corpus.batch('train', B, T, new Rng(42));
    const c = corpus.batch('train', B, T, new Rng(43));
    assert.deepStrictEqual(a, b);
    assert.notDeepStrictEqual(a.x, c.x);
    assert.strictEqual(a.x.length, B * T);
    assert.strictEqual(a.y.length, B * T);
    for (let row = 0; row < B; row++) {
      const start = a.x[row * T];
      for (let t = 0; t < T; t++) {
        assert.strictEqual(a.x[row * T + t], start + t);
        assert.strictEqual(a.y[row * T + t], start + t + 1);
      }
      assert.ok(start + T < corpus.train.length, 'targets stay inside the training part');
    }
    const val = corpus.batch('val', B, T, new Rng(7));
    assert.ok(Array.from(val.x).every((id) => id >= corpus.train.length));
    assert.ok(Array.from(val.y).every((id) => id >= corpus.train.length && id < n));
  });

  it('reaches every start position, both ends included', () => {
    const corpus = Corpus.fromModelIds(
      Array.from({ length: 12 }, (_, i) => i),
      0,
    );
    const seen = new Set<number>();
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) seen.add(corpus.batch('train', 1, 4, rng).x[0]);
    assert.deepStrictEqual([...seen].sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('continues the same batches from a saved generator state', () => {
    const corpus = Corpus.fromModelIds(
      Array.from({ length: 300 }, (_, i) => i),
      0.1,
    );
    const rng = new Rng(99);
    corpus.batch('train', 4, 8, rng);
    rng.normal(); // leaves a spare normal in the state
    const saved = JSON.parse(JSON.stringify(rng.state));
    const next = corpus.batch('train', 4, 8, rng);
    const z = rng.normal();
    const resumed = Rng.fromState(saved);
    assert.deepStrictEqual(corpus.batch('train', 4, 8, resumed), next);
    assert.strictEqual(resumed.normal(), z);
  });
});
