import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encode, tokenPieces } from '../../../../src/engine/tokenizer';
import { Vocabulary } from '../../../../src/engine/vocab';
import { countChars, countWords, formatCounts, textStats, tableTokenBytes, tokenTable } from '../../../../src/features/tokens/core/tokenTable';
import { isSuperseded, TokenizeService } from '../../../../src/worker/tokens/client';
import { ModelVocabulary, resolveEncoding } from '../../../../src/features/tokens/core/encodingSetting';

describe('tokenizeService', () => {
  describe('counting', () => {
    it('counts words as runs of letters and digits, Polish included', () => {
      assert.equal(countWords(''), 0);
      assert.equal(countWords('   \n\t '), 0);
      assert.equal(countWords('Zażółć gęślą jaźń'), 3);
      assert.equal(countWords("don't stop self-attention GPT-4o"), 4);
      assert.equal(countWords('Q·Kᵀ/√d_k, softmax!'), 5); // Q, Kᵀ, d, k, softmax
      assert.equal(countWords('🎉 — … 42'), 1);
      assert.equal(countWords('a\u0000b'), 2);
    });

    it('counts characters as code points', () => {
      assert.equal(countChars(''), 0);
      assert.equal(countChars('abc'), 3);
      assert.equal(countChars('ąę'), 2);
      assert.equal(countChars('🎉x'), 2);
      assert.equal(countChars('\ud800x'), 2); // a lone surrogate is one character
      assert.equal(countChars('x\udc00'), 2);
    });

    it('formats the status bar text', () => {
      assert.equal(formatCounts({ tokens: 1234, words: 1, chars: 5 }), '1,234 tokens · 1 word · 5 chars');
      assert.equal(formatCounts({ tokens: 1, words: 0, chars: 1 }), '1 token · 0 words · 1 char');
    });

    it('gives stats in any encoding', () => {
      const text = 'Tokeny to kawałki tekstu.';
      assert.deepEqual(textStats(text, 'o200k_base'), { tokens: encode(text, 'o200k_base').length, words: 4, chars: 25 });
      assert.equal(textStats('', 'r50k_base').tokens, 0);
    });
  });

  it('builds a compact token table matching the encoder', () => {
    const text = 'Uwaga (attention) 🎉\u0000\ud800!';
    const table = tokenTable(text, 'cl100k_base');
    assert.deepEqual(Array.from(table.ids), encode(text, 'cl100k_base'));
    for (let i = 1; i < table.ids.length; i++) assert.ok(table.starts[i] >= table.starts[i - 1] && table.ends[i] >= table.ends[i - 1]);
    assert.equal(table.ends[table.ids.length - 1], text.length);
  });

  describe('the worker', function () {
    this.timeout(120_000);
    let dir: string;
    let workerPath: string;

    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-token-worker-'));
      workerPath = path.join(dir, 'tokenWorker.js');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('esbuild').buildSync({
        entryPoints: [path.join(__dirname, '../../../../src/worker/tokens/worker.ts')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        outfile: workerPath,
        logLevel: 'error',
      });
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('tokenizes large texts off the thread with the same result as inline', async () => {
      const service = new TokenizeService({ workerPath, threshold: () => 100 });
      encode('', 'o200k_base'); // loaded on this thread: small texts are then tokenized inline
      try {
        const small = 'małe';
        const large = 'Duży tekst o tokenach i uwadze. Large text about attention. '.repeat(50);
        assert.equal(service.usesWorker(small.length), false);
        assert.equal(service.usesWorker(large.length), true);
        const [a, b] = await Promise.all([service.tokenize(large, 'o200k_base'), service.tokenize(small, 'o200k_base')]);
        assert.deepEqual(Array.from(a.ids), encode(large, 'o200k_base'));
        assert.deepEqual(Array.from(b.ids), encode(small, 'o200k_base'));
        assert.deepEqual(await service.stats(large, 'r50k_base'), textStats(large, 'r50k_base'));
        assert.equal(await service.count(large, 'cl100k_base'), encode(large, 'cl100k_base').length);
        assert.equal(service.workerRequests, 3);
        assert.equal(service.inlineRequests, 1);
      } finally {
        service.dispose();
      }
    });

    it('never loads an encoding on the calling thread when the worker can: even a small text goes there', () => {
      // A fresh process, where no encoding is loaded yet (in this one other tests have loaded them all).
      const script = `
        const { TokenizeService } = require(${JSON.stringify(path.join(__dirname, '../../../../src/worker/tokens/client.ts'))});
        const { isTokenizerLoaded } = require(${JSON.stringify(path.join(__dirname, '../../../../src/engine/tokenizer.ts'))});
        const service = new TokenizeService({ workerPath: ${JSON.stringify(workerPath)} });
        service.count('Ala ma kota', 'p50k_base').then((count) => {
          console.log(JSON.stringify({ count, worker: service.workerRequests, inline: service.inlineRequests, loaded: isTokenizerLoaded('p50k_base') }));
          service.dispose();
        });`;
      const run = spawnSync(process.execPath, ['-r', path.join(__dirname, '../../../../scripts/ts-register.js'), '-e', script], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), { count: encode('Ala ma kota', 'p50k_base').length, worker: 1, inline: 0, loaded: false });
    });

    it('answers only the latest of requests with the same key', async () => {
      const service = new TokenizeService({ workerPath, threshold: () => 10 });
      try {
        const text = 'abc def ghi jkl mno pqr '.repeat(200);
        const first = service.count(text, 'o200k_base', { key: 'k' }); // sent at once
        const second = service.count(text + 'x', 'o200k_base', { key: 'k' }); // queued…
        const third = service.count(text + 'yy', 'o200k_base', { key: 'k' }); // …and replaces it
        const results = await Promise.allSettled([first, second, third]);
        assert.equal(results[0].status, 'fulfilled');
        assert.equal(results[1].status, 'rejected');
        assert.ok(isSuperseded((results[1] as PromiseRejectedResult).reason));
        assert.deepEqual(results[2], { status: 'fulfilled', value: encode(text + 'yy', 'o200k_base').length });
      } finally {
        service.dispose();
      }
    });

    it('falls back to inline work when the worker file is missing', async () => {
      const logs: string[] = [];
      const service = new TokenizeService({ workerPath: path.join(dir, 'missing.js'), threshold: () => 1, log: (m) => logs.push(m) });
      try {
        assert.equal(await service.count('hello world', 'r50k_base'), 2);
        assert.equal(service.inlineRequests, 1);
        assert.match(logs.join('\n'), /not found/);
      } finally {
        service.dispose();
      }
    });
  });

  describe('the model encoding', () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-model-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('falls back to o200k_base, saying so, when there is no model', async () => {
      const resolved = await resolveEncoding('model', new ModelVocabulary(() => dir));
      assert.equal(resolved.tokenizer, 'o200k_base');
      assert.equal(resolved.vocab, undefined);
      assert.match(resolved.fallback!, /No trained model yet/);
      const none = await resolveEncoding('model', new ModelVocabulary(() => undefined));
      assert.match(none.fallback!, /No trained model yet/);
    });

    it("uses the model's vocabulary when vocab.json is there, and reports a broken one", async () => {
      const vocab = Vocabulary.build([encode('ala ma kota, kot ma ale', 'cl100k_base')], 'cl100k_base');
      fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(vocab.toJSON()));
      const model = new ModelVocabulary(() => dir);
      const resolved = await resolveEncoding('model', model);
      assert.equal(resolved.tokenizer, 'cl100k_base');
      assert.equal(resolved.vocab?.size, vocab.size);
      assert.equal(resolved.fallback, undefined);
      assert.match(resolved.label, /^model \(cl100k_base, \d+ tokens\)$/);
      fs.writeFileSync(path.join(dir, 'vocab.json'), '{"format":"nope"}');
      const broken = await resolveEncoding('model', model);
      assert.equal(broken.tokenizer, 'o200k_base');
      assert.match(broken.fallback!, /could not be read .*vocab\.json/);
    });

    it('passes a GPT encoding through', async () => {
      const r = await resolveEncoding('p50k_base', new ModelVocabulary(() => dir));
      assert.deepEqual([r.tokenizer, r.label, r.fallback], ['p50k_base', 'p50k_base', undefined]);
    });
  });
});

describe('tokenTable', () => {
  const texts = [
    'Zażółć gęślą jaźń 🎉 hello 🦊🦊 world\n\tfoo\r\n\r\nbar',
    'lone \ud800 high, lone \udc00 low, pair \ud83c\udf89, at end \ud83c',
    '\u0000\u0001 NUL and control, 中文字符, combining é, ZWJ 👩‍👩‍👧',
    '',
    '🎉',
    '\ud800',
  ];
  for (const tokenizer of ['o200k_base', 'cl100k_base', 'p50k_base', 'r50k_base', 'char'] as const) {
    it(`gives the engine's tokenPieces offsets (${tokenizer})`, () => {
      for (const text of texts) {
        const table = tokenTable(text, tokenizer);
        const pieces = tokenPieces(text, tokenizer);
        assert.deepEqual(Array.from(table.ids), pieces.map((p) => p.id), JSON.stringify(text));
        assert.deepEqual(Array.from(table.starts), pieces.map((p) => p.start), JSON.stringify(text));
        assert.deepEqual(Array.from(table.ends), pieces.map((p) => p.end), JSON.stringify(text));
      }
    });
  }

  it('agrees with tokenPieces on random text (surrogates, emoji, Polish, control characters)', () => {
    const alphabet = ['a', ' ', 'ą', 'ł', '\n', '\t', '🎉', '🦊', '\ud800', '\udfff', '\u0000', '中', 'é', '\u0301', 'the', ' token'];
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      let text = '';
      const length = Math.floor(random() * 40);
      for (let k = 0; k < length; k++) text += alphabet[Math.floor(random() * alphabet.length)];
      for (const tokenizer of ['o200k_base', 'r50k_base'] as const) {
        const table = tokenTable(text, tokenizer);
        const pieces = tokenPieces(text, tokenizer);
        assert.deepEqual(
          [Array.from(table.starts), Array.from(table.ends)],
          [pieces.map((p) => p.start), pieces.map((p) => p.end)],
          JSON.stringify(text),
        );
        // each token's bytes, read from the text's UTF-8 (what the hover shows), are the encoding's own
        pieces.forEach((p, i) => assert.deepEqual(tableTokenBytes(table, text, i), p.bytes, `${JSON.stringify(text)} token ${i}`));
      }
    }
  });
});
