import * as assert from 'assert';
import {
  decode,
  displayToken,
  encode,
  ENCODINGS,
  hexBytes,
  isTokenizerName,
  tokenBytes,
  tokenPieces,
  TOKENIZERS,
  type TokenizerName,
} from '../../src/engine/tokenizer';

const SAMPLES: Record<string, string> = {
  polish: 'Natura stwarza najpiękniejsze obrazy',
  polishDiacritics: 'Zażółć gęślą jaźń — ĄĆĘŁŃÓŚŹŻ',
  emoji: 'Family 👩‍👩‍👧‍👦, parrot 🦜, flag 🇵🇱, thumbs 👍🏽!',
  cjk: '日本語のテキストと中文文本',
  crlf: 'first line\r\nsecond line\r\n\r\nthird\ttabbed',
  combining: 'e\u0301 n\u0303 Å',
  specialLooking: 'notes about <|endoftext|> and <|im_start|> markers',
  mixed: 'x = ∑ᵢ αᵢ·βᵢ; “quotes” — and …',
};

const utf8 = new TextEncoder();

/** gpt-tokenizer's own encode of an encoding: its quadratic merge, the reference for the same IDs. */
function referenceEncode(text: string, encoding: 'o200k_base' | 'cl100k_base'): number[] {
  const api = require(`gpt-tokenizer/cjs/encoding/${encoding}`).default as { encode(text: string, options: object): number[] };
  return api.encode(text, { disallowedSpecial: new Set() });
}

/** [id, how many times in a row] for each run of equal IDs. */
function runsOf(ids: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const id of ids) {
    const last = runs[runs.length - 1];
    if (last && last[0] === id) last[1]++;
    else runs.push([id, 1]);
  }
  return runs;
}

function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

describe('tokenizer', () => {
  it('knows its tokenizer names', () => {
    assert.deepStrictEqual([...TOKENIZERS], [...ENCODINGS, 'char']);
    assert.ok(isTokenizerName('o200k_base'));
    assert.ok(isTokenizerName('char'));
    assert.ok(!isTokenizerName('gpt2'));
    assert.ok(!isTokenizerName(42));
  });

  for (const tokenizer of TOKENIZERS) {
    describe(tokenizer, () => {
      for (const [name, text] of Object.entries(SAMPLES)) {
        it(`round-trips ${name} text exactly`, () => {
          const ids = encode(text, tokenizer);
          assert.ok(ids.length > 0);
          assert.ok(ids.every((id) => Number.isInteger(id) && id >= 0));
          assert.strictEqual(decode(ids, tokenizer), text);
        });
      }

      it('gives pieces whose offsets tile the text and whose bytes are its UTF-8', () => {
        for (const text of Object.values(SAMPLES)) {
          const pieces = tokenPieces(text, tokenizer);
          assert.deepStrictEqual(
            pieces.map((p) => p.id),
            encode(text, tokenizer),
          );
          let at = 0;
          for (const p of pieces) {
            assert.strictEqual(p.start, at, `piece ${p.id} starts at ${p.start}, expected ${at} in ${JSON.stringify(text)}`);
            assert.ok(p.end >= p.start);
            at = p.end;
          }
          assert.strictEqual(at, text.length);
          assert.strictEqual(pieces.map((p) => text.slice(p.start, p.end)).join(''), text);
          assert.deepStrictEqual(concatBytes(pieces.map((p) => p.bytes)), utf8.encode(text));
          for (const p of pieces) {
            assert.deepStrictEqual(p.bytes, tokenBytes(p.id, tokenizer));
            if (p.complete) assert.strictEqual(p.text, text.slice(p.start, p.end));
            else assert.strictEqual(p.text, '');
          }
        }
      });

      it('never displays a token as U+FFFD', () => {
        for (const text of Object.values(SAMPLES)) {
          for (const p of tokenPieces(text, tokenizer)) {
            const shown = displayToken(p.bytes, { whitespace: true });
            assert.ok(!shown.includes('\uFFFD'), `${tokenizer} token ${p.id} displayed as ${shown}`);
            assert.ok(shown.length > 0);
          }
        }
      });
    });
  }

  it('shows partial UTF-8 tokens as their bytes', () => {
    // GPT-2's encoding has no token for the parrot emoji: it is split into byte tokens.
    const pieces = tokenPieces('🦜', 'r50k_base');
    assert.ok(pieces.length > 1);
    assert.ok(pieces.every((p) => !p.complete));
    const shown = pieces.map((p) => displayToken(p.bytes));
    assert.strictEqual(shown.join(''), '<F0><9F><A6><9C>');
    // The first piece takes the whole character's range, the others an empty range after it.
    assert.deepStrictEqual(
      pieces.map((p) => [p.start, p.end]),
      [[0, 2], ...pieces.slice(1).map(() => [2, 2])],
    );
    // Polish diacritics are split into bytes by p50k_base too; the complete pieces keep their text.
    const polish = tokenPieces('żółć', 'p50k_base');
    assert.ok(polish.some((p) => !p.complete));
    assert.strictEqual(polish.map((p) => displayToken(p.bytes)).join('').includes('\uFFFD'), false);
  });

  it('makes whitespace and control characters visible when asked', () => {
    assert.strictEqual(displayToken(utf8.encode(' a\tb\n')), ' a\tb\n');
    assert.strictEqual(displayToken(utf8.encode(' a\tb\n'), { whitespace: true }), '·a→b↵');
    assert.strictEqual(displayToken(utf8.encode('\r\n'), { whitespace: true }), '␍↵');
    assert.strictEqual(displayToken(new Uint8Array([0, 0x1b])), '␀␛');
    assert.strictEqual(displayToken(new Uint8Array([0x61, 0xe2, 0x80])), 'a<E2><80>');
    assert.strictEqual(hexBytes(new Uint8Array([0xe2, 0x80, 0x94])), 'E2 80 94');
  });

  it('treats special-token text as ordinary text', () => {
    for (const tokenizer of ENCODINGS) {
      const ids = encode('<|endoftext|>', tokenizer);
      assert.ok(ids.length > 1, `${tokenizer} encoded <|endoftext|> as a special token`);
    }
  });

  it('uses code points for the char tokenizer', () => {
    assert.deepStrictEqual(encode('ą🦜', 'char'), [0x105, 0x1f99c]);
    assert.deepStrictEqual(tokenBytes(0x1f99c, 'char'), utf8.encode('🦜'));
    const pieces = tokenPieces('a🦜b', 'char');
    assert.deepStrictEqual(
      pieces.map((p) => [p.start, p.end, p.text]),
      [
        [0, 1, 'a'],
        [1, 3, '🦜'],
        [3, 4, 'b'],
      ],
    );
  });

  describe('long runs of one character (rulers, ASCII art)', () => {
    const runs: [string, string][] = [
      ['equals signs', '='],
      ['dashes and equals', '-='],
      ['Polish letters', 'ąę'],
      ['spaces', ' '],
      ['newlines', '\n'],
      ['capitals', 'A'],
      ['a word', 'żółw'],
      ['emoji', '🦜'],
    ];
    for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
      it(`${encoding}: the same IDs as gpt-tokenizer's own merge`, () => {
        for (const [name, unit] of runs) {
          for (const length of [255, 256, 1000, 5000]) {
            const text = unit.repeat(Math.ceil(length / unit.length));
            assert.deepStrictEqual(encode(text, encoding), referenceEncode(text, encoding), `${name} × ${length}`);
          }
        }
        // One long piece of mixed punctuation and letters, and ordinary notes around long pieces.
        let seed = 11;
        const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
        const alphabet = '=-_*#~^.,;:!?()[]{}<>/\\|@$%&+"\'`ąęłńóśźż';
        let soup = '';
        for (let i = 0; i < 3000; i++) soup += alphabet[Math.floor(random() * alphabet.length)];
        const notes = Object.values(SAMPLES).join('\n');
        for (const text of [soup, `${notes}\n${'='.repeat(2000)}\n${notes}\n${' '.repeat(700)}${soup}`]) {
          assert.deepStrictEqual(encode(text, encoding), referenceEncode(text, encoding));
        }
      });
    }

    it('300 KB of "=" is 64-character tokens and one longer last one, and decodes back', () => {
      const text = '='.repeat(300_000);
      const o200k = encode(text, 'o200k_base');
      assert.deepStrictEqual(runsOf(o200k), [
        [17686, 4686],
        [193856, 1],
      ]);
      assert.strictEqual(hexBytes(tokenBytes(17686, 'o200k_base')), Array(64).fill('3D').join(' '));
      assert.strictEqual(tokenBytes(193856, 'o200k_base').length, 96, '4686 · 64 + 96 = 300000');
      const cl100k = encode(text, 'cl100k_base');
      assert.deepStrictEqual(runsOf(cl100k), [
        [8315, 4687],
        [3134, 1],
      ]);
      assert.strictEqual(tokenBytes(8315, 'cl100k_base').length, 64);
      assert.strictEqual(tokenBytes(3134, 'cl100k_base').length, 32, '4687 · 64 + 32 = 300000');
      assert.strictEqual(decode(o200k, 'o200k_base'), text);
      const pieces = tokenPieces(text, 'o200k_base');
      assert.strictEqual(pieces.length, o200k.length);
      assert.deepStrictEqual([pieces[4686].start, pieces[4686].end], [299_904, 300_000]);
    });
  });

  describe('a byte-order mark (U+FEFF) is a character like any other', () => {
    it('encodes to the token whose bytes are EF BB BF, as tiktoken does', () => {
      // o200k_base: [5574] is tiktoken's own answer. cl100k_base: 3305 is its token for the bytes EF BB BF.
      assert.deepStrictEqual(encode('\ufeff', 'o200k_base'), [5574]);
      assert.deepStrictEqual(encode('\ufeff', 'cl100k_base'), [3305]);
      assert.strictEqual(hexBytes(tokenBytes(5574, 'o200k_base')), 'EF BB BF');
      assert.strictEqual(hexBytes(tokenBytes(3305, 'cl100k_base')), 'EF BB BF');
    });

    it('round-trips at the start of a text and inside it, in every encoding', () => {
      for (const tokenizer of TOKENIZERS) {
        for (const text of ['\ufeff', '\ufeff# Notatki\nZażółć', 'a\ufeffb', '\ufeff\ufeff', `\ufeff${'='.repeat(400)}`]) {
          const ids = encode(text, tokenizer);
          assert.strictEqual(decode(ids, tokenizer), text, `${tokenizer}: ${JSON.stringify(text)}`);
          assert.strictEqual(concatBytes(tokenPieces(text, tokenizer).map((p) => p.bytes)).join(), utf8.encode(text).join());
        }
      }
    });
  });

  it('rejects a token ID the encoding does not have', () => {
    assert.throws(() => tokenBytes(10_000_000, 'r50k_base' as TokenizerName), /not in r50k_base/);
  });
});
