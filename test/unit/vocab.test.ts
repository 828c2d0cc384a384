import * as assert from 'assert';
import { encode, tokenBytes } from '../../src/engine/tokenizer';
import { Vocabulary } from '../../src/engine/vocab';

describe('Vocabulary', () => {
  it('puts <unk>, <sep> and the 256 bytes first, then tokens by count (descending) and ID (ascending)', () => {
    const vocab = Vocabulary.build(
      [
        [50, 30, 30, 70, 90],
        [70, 30, 80],
      ],
      'r50k_base',
    );
    assert.strictEqual(Vocabulary.UNK, 0);
    assert.strictEqual(Vocabulary.SEP, 1);
    assert.strictEqual(vocab.version, 2);
    const first = Vocabulary.MIN_SIZE;
    assert.strictEqual(first, 258);
    // counts: 30×3, 70×2, then 50, 80, 90 once each (ties by ID)
    assert.deepStrictEqual([0, 1, 2, 3, 4].map((i) => vocab.toExternal(first + i)), [30, 70, 50, 80, 90]);
    assert.strictEqual(vocab.size, first + 5);
    // 12345 is not in the vocabulary: it is spelled in its bytes
    const bytes = Array.from(tokenBytes(12345, 'r50k_base'), (b) => Vocabulary.FIRST_BYTE + b);
    assert.deepStrictEqual(vocab.toModel([90, 30, 12345]), [first + 4, first, ...bytes]);
    assert.strictEqual(vocab.toExternal(Vocabulary.UNK), undefined);
    assert.strictEqual(vocab.toExternal(Vocabulary.SEP), undefined);
    assert.strictEqual(vocab.toExternal(Vocabulary.FIRST_BYTE + 65), undefined);
    assert.strictEqual(vocab.byteOf(Vocabulary.FIRST_BYTE + 65), 65);
    assert.strictEqual(vocab.byteOf(first), undefined);
    assert.strictEqual(vocab.toExternal(first + 5), undefined);
    assert.strictEqual(vocab.count(first), 3);
    assert.strictEqual(vocab.count(Vocabulary.UNK), undefined);
  });

  it('keeps whole only the tokens seen minCount times; the rest are spelled in bytes', () => {
    const vocab = Vocabulary.build([[30, 30, 30, 70, 70, 90]], 'r50k_base', { minCount: 2 });
    assert.deepStrictEqual([vocab.has(30), vocab.has(70), vocab.has(90)], [true, true, false]);
    assert.strictEqual(vocab.size, Vocabulary.MIN_SIZE + 2);
    assert.strictEqual(vocab.minCount, 2);
    assert.strictEqual(Vocabulary.fromJSON(JSON.parse(JSON.stringify(vocab))).minCount, 2);
    assert.throws(() => Vocabulary.build([[1]], 'char', { minCount: 0 }), /minCount/);
  });

  it('encodes any text without <unk> and decodes it back exactly (byte fallback)', () => {
    const vocab = Vocabulary.build([encode('Natura stwarza najpiękniejsze obrazy', 'o200k_base')], 'o200k_base');
    const texts = [
      'Zażółć gęślą jaźń — ŹDŹBŁO',
      'Natura 🦜 obrazy 👩🏽‍💻 and 🇵🇱',
      '日本語のテキスト, ελληνικά, עברית',
      '\u0000\u0007 tabs\tand\r\nCRLF',
      'a\u0301 (combining) \uFEFF\u200B',
      '',
    ];
    // and random well-formed strings, astral planes included
    let seed = 12345;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let n = 0; n < 200; n++) {
      let s = '';
      for (let i = 0; i < 1 + Math.floor(random() * 12); i++) {
        let cp = Math.floor(random() * 0x110000);
        if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800;
        s += String.fromCodePoint(cp);
      }
      texts.push(s);
    }
    for (const tokenizer of ['o200k_base', 'char'] as const) {
      const v = tokenizer === 'char' ? Vocabulary.build([encode('abc', 'char')], 'char') : vocab;
      for (const text of texts) {
        const ids = v.encode(text);
        assert.ok(!ids.includes(Vocabulary.UNK), `${tokenizer}: <unk> in ${JSON.stringify(text)}`);
        assert.ok(ids.every((id) => id >= Vocabulary.FIRST_BYTE && id < v.size));
        assert.strictEqual(v.decode(ids), text, `${tokenizer}: ${JSON.stringify(text)}`);
      }
      // A lone surrogate is not well-formed UTF-16: it is written as U+FFFD, as in any UTF-8 file.
      const lone = v.encode('x\uD800y');
      assert.ok(!lone.includes(Vocabulary.UNK));
      assert.strictEqual(v.decode(lone), 'x\uFFFDy');
    }
    assert.strictEqual(vocab.decode([Vocabulary.SEP, ...vocab.encode(' obrazy'), Vocabulary.UNK]), ' obrazy');
  });

  it('labels byte pieces by their byte and whole tokens by their text', () => {
    const vocab = Vocabulary.build([encode('a b', 'r50k_base')], 'r50k_base');
    const ids = vocab.encode('🦜');
    assert.ok(ids.length >= 2);
    assert.deepStrictEqual(ids.map((id) => vocab.tokenLabel(id)), Array.from(new TextEncoder().encode('🦜'), (b) => `<${b.toString(16).toUpperCase()}>`));
    assert.strictEqual(vocab.tokenLabel(vocab.encode(' b')[0]), '·b');
  });

  it('does not depend on the order of the streams', () => {
    const a = Vocabulary.build([[3, 1, 2], [2, 9]], 'char');
    const b = Vocabulary.build([[2, 9], [2, 1, 3]], 'char');
    assert.deepStrictEqual(a.toJSON(), b.toJSON());
  });

  it('keeps at most maxVocab model IDs, the specials and the bytes included', () => {
    const text = 'abcdefghij'.repeat(3) + 'aaabbc';
    const vocab = Vocabulary.build([encode(text, 'char')], 'char', Vocabulary.MIN_SIZE + 3);
    assert.strictEqual(vocab.size, Vocabulary.MIN_SIZE + 3);
    assert.deepStrictEqual([0, 1, 2].map((i) => String.fromCodePoint(vocab.toExternal(Vocabulary.MIN_SIZE + i)!)), ['a', 'b', 'c']);
    assert.deepStrictEqual(vocab.encode('abz'), [Vocabulary.MIN_SIZE, Vocabulary.MIN_SIZE + 1, Vocabulary.FIRST_BYTE + 0x7a]);
    assert.throws(() => Vocabulary.build([[1]], 'char', Vocabulary.MIN_SIZE - 1), /maxVocab/);
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
      [{ ...good, version: 4 }, /version 4 is not supported/],
      [{ ...good, version: 3 }, /version 3 is an imported tokenizer's \("hf"\), not "r50k_base"/],
      [{ ...good, version: 3, tokenizer: 'hf', size: 10 }, /"hf" must hold the tokenizer\.json and tokenizer_config\.json objects/],
      [{ ...good, version: 3, tokenizer: 'hf', size: 0, hf: { tokenizer: {}, config: {} } }, /"size" 0 is not a positive integer/],
      [{ ...good, minCount: 0 }, /"minCount" 0/],
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
