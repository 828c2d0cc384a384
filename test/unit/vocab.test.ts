import * as assert from 'assert';
import { encode } from '../../src/engine/tokenizer';
import { Vocabulary } from '../../src/engine/vocab';

describe('Vocabulary', () => {
  it('puts <unk> and <sep> first, then tokens by count (descending) and ID (ascending)', () => {
    const vocab = Vocabulary.build(
      [
        [50, 30, 30, 70, 90],
        [70, 30, 80],
      ],
      'r50k_base',
    );
    assert.strictEqual(Vocabulary.UNK, 0);
    assert.strictEqual(Vocabulary.SEP, 1);
    // counts: 30×3, 70×2, then 50, 80, 90 once each (ties by ID)
    assert.deepStrictEqual([2, 3, 4, 5, 6].map((m) => vocab.toExternal(m)), [30, 70, 50, 80, 90]);
    assert.strictEqual(vocab.size, 7);
    assert.deepStrictEqual(vocab.toModel([90, 30, 12345]), [6, 2, Vocabulary.UNK]);
    assert.strictEqual(vocab.toExternal(Vocabulary.UNK), undefined);
    assert.strictEqual(vocab.toExternal(Vocabulary.SEP), undefined);
    assert.strictEqual(vocab.toExternal(7), undefined);
    assert.strictEqual(vocab.count(2), 3);
    assert.strictEqual(vocab.count(Vocabulary.UNK), undefined);
  });

  it('does not depend on the order of the streams', () => {
    const a = Vocabulary.build([[3, 1, 2], [2, 9]], 'char');
    const b = Vocabulary.build([[2, 9], [2, 1, 3]], 'char');
    assert.deepStrictEqual(a.toJSON(), b.toJSON());
  });

  it('keeps at most maxVocab model IDs, the specials included', () => {
    const text = 'abcdefghij'.repeat(3) + 'aaabbc';
    const vocab = Vocabulary.build([encode(text, 'char')], 'char', 5);
    assert.strictEqual(vocab.size, 5);
    assert.deepStrictEqual([2, 3, 4].map((m) => String.fromCodePoint(vocab.toExternal(m)!)), ['a', 'b', 'c']);
    assert.deepStrictEqual(vocab.encode('abz'), [2, 3, Vocabulary.UNK]);
    assert.throws(() => Vocabulary.build([[1]], 'char', 2), /maxVocab/);
  });

  it('maps unknown tokens to <unk> and drops the specials when decoding', () => {
    const vocab = Vocabulary.build([encode('Natura stwarza najpiękniejsze obrazy', 'o200k_base')], 'o200k_base');
    const ids = vocab.encode('Natura stwarza');
    assert.ok(ids.every((id) => id >= 2));
    assert.strictEqual(vocab.decode(ids), 'Natura stwarza');
    const withUnknown = vocab.encode('Natura 🦜 obrazy');
    assert.ok(withUnknown.includes(Vocabulary.UNK));
    assert.strictEqual(vocab.decode([Vocabulary.SEP, ...vocab.encode(' obrazy'), Vocabulary.UNK]), ' obrazy');
  });

  it('labels tokens for display, specials and partial bytes included', () => {
    const vocab = Vocabulary.build([encode('a b\n🦜', 'r50k_base')], 'r50k_base');
    assert.strictEqual(vocab.tokenLabel(Vocabulary.UNK), '<unk>');
    assert.strictEqual(vocab.tokenLabel(Vocabulary.SEP), '<sep>');
    const labels = Array.from({ length: vocab.size - 2 }, (_, i) => vocab.tokenLabel(i + 2));
    assert.ok(labels.includes('·b'), labels.join(' '));
    assert.ok(labels.includes('↵'), labels.join(' '));
    assert.ok(labels.includes('<F0><9F>') || labels.some((l) => l.startsWith('<')), labels.join(' '));
    assert.ok(labels.every((l) => !l.includes('\uFFFD')));
    const spaced = vocab.toModel(encode(' b', 'r50k_base'))[0];
    assert.strictEqual(vocab.tokenLabel(spaced, { whitespace: false }), ' b');
    assert.throws(() => vocab.tokenLabel(vocab.size), /outside the vocabulary/);
  });

  it('round-trips through JSON', () => {
    for (const tokenizer of ['cl100k_base', 'char'] as const) {
      const vocab = Vocabulary.build([encode('Zażółć gęślą jaźń 👍 zażółć', tokenizer)], tokenizer);
      const copy = Vocabulary.fromJSON(JSON.parse(JSON.stringify(vocab)));
      assert.strictEqual(copy.size, vocab.size);
      assert.strictEqual(copy.tokenizer, tokenizer);
      assert.deepStrictEqual(copy.toJSON(), vocab.toJSON());
      for (let m = 0; m < vocab.size; m++) assert.strictEqual(copy.toExternal(m), vocab.toExternal(m));
      assert.deepStrictEqual(copy.encode('zażółć'), vocab.encode('zażółć'));
    }
  });

  it('rejects malformed JSON with a clear message', () => {
    const good = Vocabulary.build([[10, 11, 12]], 'r50k_base').toJSON();
    const cases: [unknown, RegExp][] = [
      [null, /not a JSON object/],
      [[], /not a JSON object/],
      [{ ...good, format: 'other' }, /"format" is "other"/],
      [{ ...good, version: 2 }, /version 2 is not supported/],
      [{ ...good, tokenizer: 'gpt5' }, /tokenizer "gpt5" is unknown/],
      [{ ...good, tokens: 'abc' }, /"tokens" is not an array/],
      [{ ...good, tokens: [10, 10.5] }, /token 1 is 10.5, not a token ID/],
      [{ ...good, tokens: [10, -1] }, /token 1 is -1/],
      [{ ...good, tokens: [10, 11, 10] }, /token 10 appears twice/],
      [{ ...good, tokens: [10, 60000] }, /token 60000 is not in the r50k_base encoding/],
      [{ ...good, tokenizer: 'char', tokens: [0x110000] }, /not a Unicode code point/],
      [{ ...good, counts: [1] }, /"counts" must be an array as long as "tokens"/],
    ];
    for (const [json, message] of cases) {
      assert.throws(() => Vocabulary.fromJSON(json), message, JSON.stringify(json));
    }
  });
});
