import * as assert from 'node:assert/strict';
import type { TokenizerName } from '../../../../src/engine/tokenizer';
import { Rng } from '../../../../src/engine/rng';
import { tokenTable, type TokenTable } from '../../../../src/features/tokens/core/tokenTable';
import { composeChanges, spliceTable, spliceValues, type TextChange } from '../../../../src/features/tokens/core/tokenSplice';

const NOTES = [
  '# Wykład 3: osadzenia',
  '',
  'Zażółć gęślą jaźń 🎉 — tokeny, osadzenia i uwaga.',
  '| 0.1234 | -0.98 | 72332 | 1398 |',
  '    wcięcie\tz tabulatorem',
  '',
  '',
  'Koniec: Q·Kᵀ/√d_k.\r',
  '//komentarz',
  '12345678901234567890',
].join('\n');

const PIECES = ['a', ' ', '\n', '\n\n', 'ę', 'ż', '🦊', '12', '.', '\t', '  ', 'Wykład', '\r\n', '//', '—', 'x y'];

function plain(table: TokenTable) {
  return {
    ids: Array.from(table.ids),
    starts: Array.from(table.starts),
    ends: Array.from(table.ends),
    byteStarts: Array.from(table.byteStarts),
  };
}

/** A random edit of `text`: delete, insert or replace a few characters (never inside a surrogate pair). */
function randomEdit(rng: Rng, text: string): { change: TextChange; text: string } {
  const clamp = (offset: number) => (offset > 0 && offset < text.length && /[\udc00-\udfff]/.test(text[offset]) ? offset - 1 : offset);
  const start = clamp(rng.int(text.length + 1));
  const end = clamp(Math.min(text.length, start + (rng.next() < 0.5 ? 0 : rng.int(12))));
  let inserted = '';
  const count = rng.next() < 0.3 ? 0 : 1 + rng.int(3);
  for (let k = 0; k < count; k++) inserted += PIECES[rng.int(PIECES.length)];
  if (end === start && inserted === '') inserted = 'q';
  return {
    change: { start, oldEnd: end, newEnd: start + inserted.length },
    text: text.slice(0, start) + inserted + text.slice(end),
  };
}

describe('tokenSplice', () => {
  for (const tokenizer of ['o200k_base', 'r50k_base', 'cl100k_base'] as TokenizerName[]) {
    it(`keeps the table equal to a fresh tokenization over random edits (${tokenizer})`, async () => {
      const seed = 1601 + tokenizer.length;
      const rng = new Rng(seed);
      let text = NOTES.repeat(3);
      let table = tokenTable(text, tokenizer);
      let partial = 0;
      for (let step = 0; step < 300; step++) {
        const edit = randomEdit(rng, text);
        const result = await spliceTable(table, edit.text, edit.change, (t) => tokenTable(t, tokenizer), 4096);
        assert.ok(result, 'a small edit never needs the whole text');
        if (result.to - result.from < edit.text.length) partial++;
        assert.deepEqual(plain(result.table), plain(tokenTable(edit.text, tokenizer)), `seed ${seed}, step ${step}: ${JSON.stringify(edit.change)}`);
        text = edit.text;
        table = result.table;
      }
      assert.ok(partial > 250, `only ${partial} of 300 edits re-tokenized part of the text`);
    });
  }

  it('composes two edits into one change of the original text', async () => {
    const original = 'one\ntwo\nthree\nfour\n';
    // "two" → "TWO!" then "four" → "4"
    const first = { start: 4, oldEnd: 7, newEnd: 8 };
    const middle = 'one\nTWO!\nthree\nfour\n';
    const second = { start: 15, oldEnd: 19, newEnd: 16 };
    const final = 'one\nTWO!\nthree\n4\n';
    assert.equal(middle.slice(0, 15) + '4' + middle.slice(19), final);
    const both = composeChanges(first, second);
    assert.deepEqual(both, { start: 4, oldEnd: 18, newEnd: 16 });
    assert.equal(original.slice(0, both.start) + final.slice(both.start, both.newEnd) + original.slice(both.oldEnd), final);
    const result = await spliceTable(tokenTable(original, 'o200k_base'), final, both, (t) => tokenTable(t, 'o200k_base'), 1000);
    assert.deepEqual(plain(result!.table), plain(tokenTable(final, 'o200k_base')));
  });

  it('gives up (for the whole text to be tokenized instead) when the window would exceed the limit', async () => {
    const lines = 'line\n'.repeat(10);
    const text = `${lines}${'x'.repeat(5000)}\n${lines}`;
    const at = lines.length + 2500;
    const edited = `${text.slice(0, at)}y${text.slice(at)}`;
    const result = await spliceTable(tokenTable(text, 'o200k_base'), edited, { start: at, oldEnd: at, newEnd: at + 1 }, (t) => tokenTable(t, 'o200k_base'), 100);
    assert.equal(result, undefined);
  });

  it('splices the values beside a table', () => {
    assert.deepEqual(Array.from(spliceValues(Uint32Array.from([1, 2, 3, 4]), 1, 2, [9, 8, 7])), [1, 9, 8, 7, 4]);
  });
});
