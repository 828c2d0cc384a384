import * as assert from 'node:assert/strict';
import { decode, tokenPieces } from '../../../../src/engine/tokenizer';
import {
  hoverMarkdown,
  inlineCode,
  labelOffset,
  layoutWindow,
  modelLabels,
  paletteIndex,
  PALETTE_SIZE,
  tokenLabel,
  tokensAt,
  tokenWindow,
} from '../../../../src/features/tokens/core/tokenLayout';
import { tokenTable } from '../../../../src/features/tokens/core/tokenTable';
import { encode, tokenBytes } from '../../../../src/engine/tokenizer';
import { Vocabulary } from '../../../../src/engine/vocab';

const SAMPLE = 'Zażółć gęślą jaźń 🎉 hello world\n\tTokeny i osadzenia (embeddings).\r\n\r\nKoniec.';

describe('tokenLayout', () => {
  describe('palette', () => {
    it('gives neighbouring tokens different colours, the same for a token wherever the window starts', () => {
      for (let i = 0; i < 100; i++) {
        assert.notEqual(paletteIndex(i), paletteIndex(i + 1));
        assert.ok(paletteIndex(i) >= 0 && paletteIndex(i) < PALETTE_SIZE);
        assert.equal(paletteIndex(i), i % PALETTE_SIZE);
      }
      assert.equal(paletteIndex(-1), PALETTE_SIZE - 1);
    });

    it('colours the decorated tokens by their index in the whole overlay', () => {
      const table = tokenTable(SAMPLE, 'o200k_base');
      const all = layoutWindow(table, table.ids, SAMPLE, { first: 0, last: table.ids.length });
      const part = layoutWindow(table, table.ids, SAMPLE, { first: 5, last: 9 });
      for (const b of part.backgrounds) {
        assert.equal(b.palette, all.backgrounds.find((a) => a.index === b.index)!.palette);
      }
    });
  });

  it('labels a token with its ID, and a token that finishes a character with +ID', () => {
    assert.equal(tokenLabel(1234, false), '1234');
    assert.equal(tokenLabel(231, true), '+231');
  });

  it('puts the label of a token that ends in a line break before the break', () => {
    assert.equal(labelOffset('ab\n', 0, 3), 2);
    assert.equal(labelOffset('ab\r\n', 0, 4), 2);
    assert.equal(labelOffset('\n', 0, 1), 0);
    assert.equal(labelOffset('\n\n\n', 0, 3), 2);
    assert.equal(labelOffset('ab', 0, 2), 2);
  });

  it('lays out every token: backgrounds and labels cover the text in order', () => {
    const table = tokenTable(SAMPLE, 'o200k_base');
    const layout = layoutWindow(table, table.ids, SAMPLE, { first: 0, last: table.ids.length });
    // Every token gets exactly one label.
    const labelled = [
      ...layout.backgrounds.filter((b) => b.label !== undefined).map((b) => b.index),
      ...layout.labels.map((l) => l.index),
    ].sort((a, b) => a - b);
    assert.deepEqual(labelled, [...table.ids.keys()]);
    // Backgrounds never overlap and stay inside the text.
    const spans = [...layout.backgrounds].sort((a, b) => a.start - b.start);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i].start >= spans[i - 1].end);
    // The emoji is split over two tokens: the second one is a "+" continuation with an empty range.
    const emojiAt = SAMPLE.indexOf('🎉');
    const plus = layout.labels.find((l) => l.label.startsWith('+'));
    assert.ok(plus, 'a continuation label');
    assert.equal(plus!.at, emojiAt + 2);
    // The pieces reassemble the text.
    assert.equal(decode(Array.from(table.ids), 'o200k_base'), SAMPLE);
  });

  it('marks whitespace when asked, drawing whitespace that ends a token with its label', () => {
    const text = 'a b\tc\n';
    const table = tokenTable(text, 'r50k_base');
    const layout = layoutWindow(table, table.ids, text, { first: 0, last: table.ids.length }, { whitespace: true });
    const kinds = layout.whitespace.map((m) => `${m.kind}@${m.at}`);
    assert.deepEqual(kinds, ['space@1']);
    // The tab token ends with its tab: the mark goes with the label.
    assert.equal(layout.backgrounds.find((b) => b.start === 3)?.label, '→197');
    const newlineLabel = layout.labels.find((l) => l.at === 5);
    assert.equal(newlineLabel?.label, '↵198');
    const plain = layoutWindow(table, table.ids, text, { first: 0, last: table.ids.length });
    assert.equal(plain.whitespace.length, 0);
    assert.equal(plain.labels.find((l) => l.at === 5)?.label, '198');
  });

  it('finds the window of tokens that touch an offset range, capped', () => {
    const text = 'one two three four five six seven eight nine ten';
    const table = tokenTable(text, 'cl100k_base');
    const lo = text.indexOf('four');
    const hi = text.indexOf('six') + 1;
    const w = tokenWindow(table, lo, hi, 1000);
    const words = Array.from({ length: w.last - w.first }, (_, k) => text.slice(table.starts[w.first + k], table.ends[w.first + k]));
    assert.deepEqual(words, [' four', ' five', ' six']);
    assert.equal(w.capped, false);
    const capped = tokenWindow(table, 0, text.length, 3);
    assert.deepEqual([capped.first, capped.last, capped.capped], [0, 3, true]);
    const none = tokenWindow(table, text.length, text.length, 10);
    assert.equal(none.last - none.first, 0);
  });

  it('finds the tokens under an offset, with the continuation of a split character', () => {
    const table = tokenTable(SAMPLE, 'o200k_base');
    const emoji = SAMPLE.indexOf('🎉');
    const found = tokensAt(table, SAMPLE, emoji);
    assert.equal(found.length, 2);
    assert.equal(table.ends[found[1]] - table.starts[found[1]], 0);
    assert.deepEqual(tokensAt(table, SAMPLE, emoji + 1), found, 'the second half of the surrogate pair too');
    const z = tokensAt(table, SAMPLE, 0);
    assert.deepEqual(z, [0]);
    assert.deepEqual(tokensAt(table, SAMPLE, SAMPLE.length + 5), []);
    assert.deepEqual(tokensAt(table, SAMPLE, SAMPLE.length), [table.ids.length - 1], 'past the end: the last token');
  });

  it('finds every byte piece of a split letter, wherever the pieces start (r50k_base)', () => {
    const text = 'Zażółć gęślą jaźń, łódź i żółw';
    const table = tokenTable(text, 'r50k_base');
    const bytes = new TextEncoder().encode(text);
    let split = 0;
    for (let offset = 0; offset < text.length; offset++) {
      const found = tokensAt(table, text, offset);
      assert.ok(found.length > 0, `a token at ${offset} (${text[offset]})`);
      // together the tokens hold all of the character's bytes
      const charStart = new TextEncoder().encode(text.slice(0, offset)).length;
      const charEnd = charStart + new TextEncoder().encode(text[offset]).length;
      assert.ok(table.byteStarts[found[0]] <= charStart && table.byteStarts[found[found.length - 1] + 1] >= charEnd, `all of ${text[offset]}`);
      for (const i of found) assert.ok(table.byteStarts[i] < charEnd && table.byteStarts[i + 1] > charStart, `token ${i} holds a byte of it`);
      if (found.length > 1) split++;
    }
    assert.ok(split >= 3, `r50k_base splits several Polish letters (${split})`);
    // "ę" in "gęślą" is C4 99, split over two byte tokens
    const e = text.indexOf('ę');
    const pieces = tokensAt(table, text, e);
    assert.equal(pieces.length, 2);
    const md = hoverMarkdown(
      pieces.map((i) => ({ index: i, id: table.ids[i], bytes: bytes.subarray(table.byteStarts[i], table.byteStarts[i + 1]), complete: false })),
      table.ids.length,
      'r50k_base',
      'r50k_base',
      'ę',
    );
    assert.match(md, /^`ę` is 2 bytes, `C4 99`, split over 2 tokens:/);
    for (const i of pieces) assert.match(md, new RegExp(`ID \\*\\*${table.ids[i]}\\*\\*`));
  });

  it('writes the hover: index of total, ID, visible whitespace, bytes of partial characters', () => {
    const pieces = tokenPieces(' hello🎉', 'o200k_base');
    const tokens = pieces.map((p, index) => ({ index, id: p.id, bytes: p.bytes, complete: p.complete }));
    const md = hoverMarkdown(tokens.slice(0, 1), 240, 'o200k_base', 'o200k_base');
    assert.match(md, /\*\*Token 1 of 240\*\* — ID \*\*\d+\*\*/);
    assert.match(md, /`·hello`/);
    assert.match(md, /\*o200k_base\* — `·` space/, 'the legend is set off by a dash, not by a dot like the space mark');
    const partial = tokens.filter((t) => !t.complete);
    assert.ok(partial.length > 0);
    const md2 = hoverMarkdown(partial, 3, 'o200k_base', 'o200k_base');
    assert.match(md2, /Bytes: `[0-9A-F]{2}( [0-9A-F]{2})*`/);
    assert.match(md2, /part of a character/);
    const unknown = hoverMarkdown([{ ...tokens[0], modelId: 0 }], 1, 'model (o200k_base, 10 tokens)', 'o200k_base');
    assert.match(unknown, /<unk>/);
    const model = hoverMarkdown([{ ...tokens[0], modelId: 129 }], 1, 'model (o200k_base, 10 tokens)', 'o200k_base');
    assert.match(model, new RegExp(`model #129 · GPT ${tokens[0].id}`));
    assert.match(model, /compact vocabulary/);
  });

  it('makes code spans that survive backticks', () => {
    assert.equal(inlineCode('a'), '`a`');
    assert.equal(inlineCode('a`b'), '``a`b``');
    assert.equal(inlineCode('`'), '`` ` ``');
  });

  it('labels a token the model spells in bytes with those byte tokens, never with <unk>', () => {
    // The model learnt "ala ma kota" only: "gęślą" is none of its tokens, so it spells it in bytes.
    const vocab = Vocabulary.build([encode('ala ma kota ala ma kota', 'o200k_base')], 'o200k_base');
    const text = 'ala gęślą';
    const table = tokenTable(text, 'o200k_base');
    const modelIds = Uint32Array.from(table.ids, (id) => vocab.modelIdOf(id) ?? Vocabulary.UNK);
    const labels = modelLabels(vocab, table.ids, modelIds);
    assert.equal(labels.length, table.ids.length);
    assert.equal(labels[0], vocab.modelIdOf(table.ids[0]));
    let spelled = 0;
    for (let i = 0; i < table.ids.length; i++) {
      assert.notEqual(labels[i], Vocabulary.UNK, `token ${i} is drawn as <unk>`);
      if (modelIds[i] !== Vocabulary.UNK) continue;
      spelled++;
      const bytes = Array.from(tokenBytes(table.ids[i], 'o200k_base'), (b) => Vocabulary.FIRST_BYTE + b);
      assert.equal(labels[i], bytes.join('/'));
    }
    assert.ok(spelled > 0, 'the test text has a token the model spells in bytes');
    const layout = layoutWindow(table, labels, text, { first: 0, last: table.ids.length });
    const drawn = [...layout.backgrounds.map((b) => b.label), ...layout.labels.map((l) => l.label)].join(' ');
    assert.doesNotMatch(drawn, /(^|\s|\+)0(\s|$)/);
  });
});
