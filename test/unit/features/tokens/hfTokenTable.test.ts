// The Token IDs view's table for an imported model's own tokenizer, checked against the `tokenizers` library
// in Python: a byte-level BPE (GPT-2's kind) and a SentencePiece-style BPE with byte fallback (Metaspace),
// both trained in the test. The table's IDs are the tokenizer's, its ranges tile the text where Python's
// offsets say, pieces of a split character are shown by their bytes, an edit re-tokenized in a few lines
// gives what the whole text does, and the token worker answers as the inline path does.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HfTokenizer } from '../../../../src/engine/hf/hfTokenizer';
import { encodingTokenizerJson } from '../../../../src/engine/hf/tokenizerFiles';
import { Rng } from '../../../../src/engine/rng';
import { displayToken } from '../../../../src/engine/tokenizer';
import { Vocabulary } from '../../../../src/engine/vocab';
import { ModelVocabulary, resolveEncoding } from '../../../../src/features/tokens/core/encodingSetting';
import { tableTokenBytes, textStats, tokenTable, type TokenTable } from '../../../../src/features/tokens/core/tokenTable';
import { spliceTable, type TextChange } from '../../../../src/features/tokens/core/tokenSplice';
import { TokenizeService } from '../../../../src/worker/tokens/client';
import { MAX_LOADED_TOKENIZERS } from '../../../../src/worker/tokens/protocol';
import { CHECK_TEXTS, NOTES } from '../../hf/fixtures';
import { python, runPython } from '../../hf/python';

/** Trains both tokenizers on the notes, saves them, and gives tokenizers' IDs and offsets for the texts. */
const MAKE_TOKENIZERS = String.raw`
import json, sys
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
out, texts, notes = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
byte_level = Tokenizer(models.BPE())
byte_level.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
byte_level.decoder = decoders.ByteLevel()
byte_level.train_from_iterator([notes] * 20, trainers.BpeTrainer(vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=["<|endoftext|>"]))
byte_level.save(out + "/byte-level.json")
# SentencePiece's kind: spaces as ▁, and any character the vocabulary lacks as its UTF-8 bytes <0xC4><0x85>
# (the byte tokens are ordinary vocabulary entries, as in Llama's tokenizer.json)
fallback = Tokenizer(models.BPE(byte_fallback=True))
fallback.pre_tokenizer = pre_tokenizers.Metaspace()
fallback.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
fallback.train_from_iterator([notes] * 20, trainers.BpeTrainer(vocab_size=300, limit_alphabet=40, special_tokens=["<unk>"]))
spec = json.loads(fallback.to_str())
vocab = spec["model"]["vocab"]
for b in range(256):
    vocab.setdefault("<0x%02X>" % b, len(vocab))
fallback = Tokenizer.from_str(json.dumps(spec))
fallback.save(out + "/byte-fallback.json")
answers = {}
for name, tok in [("byte-level", byte_level), ("byte-fallback", fallback)]:
    answers[name] = [{"ids": e.ids, "tokens": e.tokens, "offsets": e.offsets} for e in (tok.encode(t) for t in texts)]
print(json.dumps(answers))
`;

interface Answer {
  ids: number[];
  tokens: string[];
  /** Code point offsets, as Python counts. */
  offsets: [number, number][];
}

const KINDS = ['byte-level', 'byte-fallback'] as const;
type Kind = (typeof KINDS)[number];

/** Python's code point offset → the UTF-16 offset of the same place. */
function utf16Offset(text: string, codePoints: number): number {
  let units = 0;
  let seen = 0;
  for (const ch of text) {
    if (seen === codePoints) break;
    units += ch.length;
    seen++;
  }
  return units;
}

function plain(table: TokenTable) {
  return { ids: Array.from(table.ids), starts: Array.from(table.starts), ends: Array.from(table.ends), byteStarts: Array.from(table.byteStarts) };
}

const EXTRA_TEXTS = ['Zażółć gęślą jaźń 🎉 hello\nworld <|endoftext|> i dalej', 'pair \ud83e\udd8a, combining e\u0301, 中文\r\n\r\nkoniec'];
/** Not well-formed UTF-16, so not for Python (its tokenizers take only well-formed text): here only. */
const LONE_SURROGATES = 'lone \ud800 high, lone \udc00 low, at the end \ud83c';

describe("the Token IDs view's table for an imported tokenizer.json (checked against Python's tokenizers)", function () {
  this.timeout(240_000);
  let dir: string;
  const tokenizers = {} as Record<Kind, HfTokenizer>;
  let answers: Record<Kind, Answer[]>;
  const texts = [...CHECK_TEXTS, ...EXTRA_TEXTS];

  before(() => {
    python();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-hf-table-'));
    answers = runPython<Record<Kind, Answer[]>>(MAKE_TOKENIZERS, [dir, JSON.stringify(texts), NOTES]);
    for (const kind of KINDS) tokenizers[kind] = new HfTokenizer(JSON.parse(fs.readFileSync(path.join(dir, `${kind}.json`), 'utf8')));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const kind of KINDS) {
    it(`gives tokenizers' own IDs on Polish, emoji and code, with ranges that tile the text where tokenizers' offsets say (${kind})`, () => {
      const hf = tokenizers[kind];
      [...texts, LONE_SURROGATES].forEach((text, t) => {
        const expected = answers[kind][t];
        const table = tokenTable(text, hf);
        assert.equal(table.tokenizer, 'hf');
        assert.deepEqual(Array.from(table.ids), hf.encode(text), `text ${t}: HfTokenizer.encode`);
        if (expected) assert.deepEqual(Array.from(table.ids), expected.ids, `text ${t}: Python's IDs`);
        // the ranges follow one another and cover the text, all of it
        let covered = '';
        for (let i = 0; i < table.ids.length; i++) {
          assert.equal(table.starts[i], i === 0 ? 0 : table.ends[i - 1], `text ${t}, token ${i}: starts where the one before ends`);
          covered += text.slice(table.starts[i], table.ends[i]);
        }
        assert.equal(covered, text, `text ${t}: the ranges tile the text`);
        assert.equal(table.byteStarts[table.ids.length], new TextEncoder().encode(text).length);
        // where a token has a range, it is the one tokenizers gives, except that a character split over
        // tokens belongs to the first of them (tokenizers gives it to each: a token that starts inside it
        // starts after it here)
        if (expected) {
          const encoded = new TextEncoder().encode(text);
          for (let i = 0; i < table.ids.length; i++) {
            if (table.starts[i] === table.ends[i]) continue;
            const [from, to] = expected.offsets[i];
            const where = `text ${t}, token ${i} ${expected.tokens[i]}`;
            assert.equal(table.ends[i], utf16Offset(text, to), where);
            const startsInside = (encoded[table.byteStarts[i]] & 0xc0) === 0x80;
            if (!startsInside) assert.equal(table.starts[i], utf16Offset(text, from), where);
          }
        }
      });
    });
  }

  it('matches the engine’s own pieces for byte-level BPE, and shows the pieces of a split character by their bytes', () => {
    const hf = tokenizers['byte-level'];
    const vocab = Vocabulary.fromHf(hf.json, hf.config, 400);
    for (const text of texts) {
      const table = tokenTable(text, hf);
      const pieces = vocab.pieces(text);
      assert.deepEqual(Array.from(table.starts), pieces.map((p) => p.start));
      assert.deepEqual(Array.from(table.ends), pieces.map((p) => p.end));
    }
    const text = CHECK_TEXTS[1]; // emoji the tokenizer never saw: cut into byte pieces
    const table = tokenTable(text, hf);
    const encoded = new TextEncoder().encode(text);
    const split = [...Array(table.ids.length).keys()].filter((i) => table.starts[i] === table.ends[i]);
    assert.ok(split.length > 0, 'some emoji are split over tokens');
    for (const i of split) {
      const bytes = tableTokenBytes(table, encoded, i);
      assert.deepEqual(bytes, hf.tokenBytes(table.ids[i]), `token ${i}: its bytes, read from the text`);
      const shown = displayToken(bytes);
      assert.match(shown, /^(<[0-9A-F]{2}>)+$/, `token ${i} is shown by its bytes: ${shown}`);
      assert.ok(!shown.includes('\ufffd'));
    }
  });

  it('reads byte-fallback tokens as one byte each: a letter the vocabulary lacks is its UTF-8 bytes', () => {
    const hf = tokenizers['byte-fallback'];
    const text = 'Źdźbło 😀';
    const table = tokenTable(text, hf);
    const encoded = new TextEncoder().encode(text);
    const names = Array.from(table.ids, (id) => hf.tokenString(id)!);
    const fallback = names.flatMap((name, i) => (/^<0x[0-9A-F]{2}>$/.test(name) ? [i] : []));
    assert.ok(fallback.length >= 4, `the emoji is four byte tokens: ${names.join(' ')}`);
    for (const i of fallback) {
      assert.deepEqual(tableTokenBytes(table, encoded, i), Uint8Array.of(parseInt(names[i].slice(3, 5), 16)), `token ${i} ${names[i]}`);
    }
    // a word's ▁ is its space: the labels the model's vocabulary gives spell the text
    const vocab = Vocabulary.fromHf(hf.json, hf.config, 600);
    assert.equal(vocab.decode(Array.from(table.ids)).trimStart(), text);
  });

  it('says which tokenizers cut afresh at line starts, as the GPT encodings do (so an edit re-tokenizes a few lines)', () => {
    assert.equal(tokenizers['byte-level'].cutsAtLineStarts, true);
    assert.equal(tokenizers['byte-fallback'].cutsAtLineStarts, false, 'Metaspace does not split at line breaks');
    const prefixed = { ...tokenizers['byte-level'].json, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true } };
    assert.equal(new HfTokenizer(prefixed).cutsAtLineStarts, false, 'a prefix space changes every part');
  });

  it("gives r50k_base's own table, token for token, from GPT-2's 50k-token tokenizer.json (the Split form transformers saves now)", () => {
    const gpt2 = new HfTokenizer(encodingTokenizerJson('r50k_base'));
    assert.equal(gpt2.cutsAtLineStarts, true);
    for (const text of [...texts, LONE_SURROGATES, NOTES.repeat(20)]) assert.deepEqual(plain(tokenTable(text, gpt2)), plain(tokenTable(text, 'r50k_base')));
  });

  for (const kind of ['byte-level', 'GPT-2'] as const) {
    it(`keeps the table equal to a fresh tokenization over random edits, re-tokenizing a few lines (${kind})`, async () => {
      await randomEdits(kind === 'GPT-2' ? new HfTokenizer(encodingTokenizerJson('r50k_base')) : tokenizers[kind]);
    });
  }

  async function randomEdits(hf: HfTokenizer): Promise<void> {
    const pieces = ['a', ' ', '\n', '\n\n', 'ę', 'ż', '🦊', '12', '.', '\t', 'Wykład', '//', '—', '<|endoftext|>', 'ą'];
    const rng = new Rng(2207);
    let text = [NOTES, ...CHECK_TEXTS].join('\n').repeat(3);
    let table = tokenTable(text, hf);
    let partial = 0;
    for (let step = 0; step < 200; step++) {
      const clamp = (offset: number) => (offset > 0 && offset < text.length && /[\udc00-\udfff]/.test(text[offset]) ? offset - 1 : offset);
      const start = clamp(rng.int(text.length + 1));
      const end = clamp(Math.min(text.length, start + (rng.next() < 0.5 ? 0 : rng.int(12))));
      let inserted = '';
      for (let k = rng.next() < 0.3 ? 0 : 1 + rng.int(3); k > 0; k--) inserted += pieces[rng.int(pieces.length)];
      if (end === start && inserted === '') inserted = 'q';
      const change: TextChange = { start, oldEnd: end, newEnd: start + inserted.length };
      const next = text.slice(0, start) + inserted + text.slice(end);
      const result = await spliceTable(table, next, change, (part) => tokenTable(part, hf), 4096);
      assert.ok(result, 'a small edit never needs the whole text');
      if (result.to - result.from < next.length) partial++;
      assert.deepEqual(plain(result.table), plain(tokenTable(next, hf)), `step ${step}: ${JSON.stringify(change)}`);
      text = next;
      table = result.table;
    }
    assert.ok(partial > 150, `only ${partial} of 200 edits re-tokenized part of the text`);
  }

  describe('in the token worker', () => {
    let workerDir: string;
    let workerPath: string;
    before(() => {
      workerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-token-worker-hf-'));
      workerPath = path.join(workerDir, 'tokenWorker.js');
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
    after(() => fs.rmSync(workerDir, { recursive: true, force: true }));

    it('is sent each tokenizer.json once, keeps the last few, and answers as the inline path does', async () => {
      const service = new TokenizeService({ workerPath, threshold: () => 200 });
      const inline = new TokenizeService();
      try {
        const large = texts.join('\n').repeat(4);
        const small = CHECK_TEXTS[0];
        // one more tokenizer than the worker keeps, each used twice in turn: the first is sent again after it was dropped
        const more = Array.from({ length: MAX_LOADED_TOKENIZERS - 1 }, () => new HfTokenizer(tokenizers['byte-level'].json));
        for (const hf of [tokenizers['byte-level'], tokenizers['byte-fallback'], ...more, tokenizers['byte-level']]) {
          const [table, stats, count] = await Promise.all([service.tokenize(large, hf), service.stats(large, hf), service.count(large, hf)]);
          assert.deepEqual(plain(table), plain(tokenTable(large, hf)));
          assert.deepEqual(plain(await inline.tokenize(large, hf)), plain(table));
          assert.deepEqual(stats, textStats(large, hf));
          assert.equal(count, hf.encode(large).length);
          assert.deepEqual(plain(await service.tokenize(small, hf)), plain(tokenTable(small, hf)), 'small texts inline');
        }
        assert.equal(service.workerRequests, 3 * (MAX_LOADED_TOKENIZERS + 2));
        assert.equal(service.workerProblem, undefined);
      } finally {
        service.dispose();
        inline.dispose();
      }
    });
  });

  it("resolves the 'model' encoding of an imported model to its own tokenizer, its IDs the model's", async () => {
    const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-hf-model-'));
    try {
      const hf = tokenizers['byte-level'];
      fs.writeFileSync(path.join(modelDir, 'vocab.json'), JSON.stringify(Vocabulary.fromHf(hf.json, {}, 50257).toJSON()));
      const resolved = await resolveEncoding('model', new ModelVocabulary(() => modelDir));
      assert.ok(resolved.tokenizer instanceof HfTokenizer);
      assert.equal(resolved.name, 'hf');
      assert.equal(resolved.mapsIds, false);
      assert.equal(resolved.fallback, undefined);
      assert.equal(resolved.label, 'model (imported tokenizer.json, 50,257 tokens)');
      assert.deepEqual(Array.from(tokenTable(CHECK_TEXTS[2], resolved.tokenizer).ids), answers['byte-level'][2].ids);
    } finally {
      fs.rmSync(modelDir, { recursive: true, force: true });
    }
  });
});
