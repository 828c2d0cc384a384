// Which text Compare Causal and Bidirectional takes without a selection: the paragraph at the cursor.
import * as assert from 'assert';
import { paragraphAround } from '../../../../src/features/compare/core/compareText';

const LINES = ['# Title', '', 'First line of a paragraph,', 'its second line.', '   ', 'Another one.'];
const around = (line: number) => paragraphAround((n) => LINES[n], LINES.length, line);

describe('compare: the paragraph at the cursor', () => {
  it('is the run of non-blank lines around the cursor\'s line', () => {
    assert.deepStrictEqual(around(3), { first: 2, last: 3 });
    assert.deepStrictEqual(around(2), { first: 2, last: 3 });
    assert.deepStrictEqual(around(0), { first: 0, last: 0 });
    assert.deepStrictEqual(around(5), { first: 5, last: 5 }, 'the last line of the document');
  });

  it('is nothing on a blank (or whitespace-only) line, or outside the document', () => {
    assert.strictEqual(around(1), undefined);
    assert.strictEqual(around(4), undefined);
    assert.strictEqual(around(6), undefined);
    assert.strictEqual(around(-1), undefined);
  });
});
