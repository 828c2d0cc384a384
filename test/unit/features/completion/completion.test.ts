// The pure logic of inline completions (src/features/completion/core/): stop rules, the mid-word rule,
// the prompt window, debounce with "last request wins", typing through a suggestion, the status texts,
// and noticing a replaced checkpoint.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyStopRule, continueSuggestion, fitToCursor, stopSequencesFor, wordAfterCursor } from '../../../../src/features/completion/core/suggestionText';
import { checkpointVersion } from '../../../../src/features/completion/core/completionEngine';
import { completionStatusText } from '../../../../src/features/completion/core/completionStatus';
import { LastWins } from '../../../../src/features/completion/core/lastWins';
import { LruCache } from '../../../../src/features/completion/core/lruCache';
import { promptTokenBudget, promptWindow } from '../../../../src/features/completion/core/promptWindow';
import { formatProbability, probabilityBar } from '../../../../src/features/completion/core/probabilityBar';
import { tokenSource } from '../../fixtures/cancellation';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('inline completion: stop rules', () => {
  it('line: cuts before the first line break and drops trailing spaces', () => {
    assert.strictEqual(applyStopRule(' sat on the mat.\nThe dog', 'line'), ' sat on the mat.');
    assert.strictEqual(applyStopRule(' sat on   \r\nx', 'line'), ' sat on');
    assert.strictEqual(applyStopRule(' no break at all', 'line'), ' no break at all');
  });

  it('line: a text that starts with a line break suggests nothing (the model ends the line)', () => {
    assert.strictEqual(applyStopRule('\nNext line', 'line'), '');
    assert.strictEqual(applyStopRule('   \n', 'line'), '');
    assert.strictEqual(applyStopRule('', 'line'), '');
  });

  it('sentence: ends after . ! ? … (with closing quotes) followed by white space or the end', () => {
    assert.strictEqual(applyStopRule(' sat on the mat. Then it slept.', 'sentence'), ' sat on the mat.');
    assert.strictEqual(applyStopRule(' really?! Yes', 'sentence'), ' really?!');
    assert.strictEqual(applyStopRule(' he said “stop.” and left', 'sentence'), ' he said “stop.”');
    assert.strictEqual(applyStopRule(' wait… what', 'sentence'), ' wait…');
    assert.strictEqual(applyStopRule(' costs 3.14 euro. More', 'sentence'), ' costs 3.14 euro.', 'a decimal point is not a sentence end');
    assert.strictEqual(applyStopRule(' the end.', 'sentence'), ' the end.');
  });

  it('sentence: a line break inside a sentence is kept; a new block (blank line, list item, heading) ends it', () => {
    assert.strictEqual(applyStopRule(' goes on\nover two lines. And', 'sentence'), ' goes on\nover two lines.');
    assert.strictEqual(applyStopRule(' first item\n- second item', 'sentence'), ' first item');
    assert.strictEqual(applyStopRule(' a paragraph  \n\nAnother', 'sentence'), ' a paragraph');
    assert.strictEqual(applyStopRule(' text\n## Heading', 'sentence'), ' text');
    assert.strictEqual(applyStopRule(' text\n1. one', 'sentence'), ' text');
    assert.strictEqual(applyStopRule('\n\nNew paragraph.', 'sentence'), '');
  });

  it('none: only maxTokens ends it (white space alone is still nothing)', () => {
    assert.strictEqual(applyStopRule(' a.\nb. c ', 'none'), ' a.\nb. c ');
    assert.strictEqual(applyStopRule(' \n ', 'none'), '');
  });

  it('gives the worker early stop sequences that agree with the exact cut', () => {
    assert.deepStrictEqual(stopSequencesFor('line'), ['\n']);
    assert.deepStrictEqual(stopSequencesFor('sentence'), ['\n\n']);
    assert.deepStrictEqual(stopSequencesFor('none'), []);
    // what the worker returns for 'line' (cut before the stop) is left as it is
    assert.strictEqual(applyStopRule(' sat', 'line'), ' sat');
  });
});

describe('inline completion: the mid-word rule', () => {
  it('finds the word characters right after the cursor (letters of any script, digits, _)', () => {
    assert.strictEqual(wordAfterCursor('lo world'), 'lo');
    assert.strictEqual(wordAfterCursor('źń, i'), 'źń');
    assert.strictEqual(wordAfterCursor(' next'), '');
    assert.strictEqual(wordAfterCursor(''), '');
    assert.strictEqual(wordAfterCursor('**bold**'), '');
    assert.strictEqual(wordAfterCursor('x_1)'), 'x_1');
  });

  it('at the end of a line or before punctuation: the suggestion is inserted at the cursor', () => {
    assert.deepStrictEqual(fitToCursor(' on the mat', ''), { insertText: ' on the mat', replaceLength: 0 });
    assert.deepStrictEqual(fitToCursor('wn fox', ''), { insertText: 'wn fox', replaceLength: 0 }, 'a word being typed may be continued');
    assert.deepStrictEqual(fitToCursor(' mat', ')'), { insertText: ' mat', replaceLength: 0 });
  });

  it('in the middle of a word: nothing, unless the model’s text continues that word', () => {
    // "hel|lo": the model must produce "lo…"
    assert.deepStrictEqual(fitToCursor(' there', 'lo world'), { reason: 'mid-word' });
    assert.deepStrictEqual(fitToCursor('lo there', 'lo world'), { insertText: 'lo there', replaceLength: 2 });
    assert.deepStrictEqual(fitToCursor('lo', 'lo world'), { reason: 'mid-word' }, 'nothing new to show');
    // just before a word ("the |cat"): the same rule
    assert.deepStrictEqual(fitToCursor('big ', 'cat'), { reason: 'mid-word' });
    assert.deepStrictEqual(fitToCursor('cats and dogs', 'cat'), { insertText: 'cats and dogs', replaceLength: 3 });
  });

  it('an empty suggestion is nothing', () => {
    assert.deepStrictEqual(fitToCursor('', ''), { reason: 'empty' });
  });
});

describe('inline completion: the prompt', () => {
  it('keeps room in the context for the new tokens, but at least half the context', () => {
    assert.strictEqual(promptTokenBudget(128, 24), 104);
    assert.strictEqual(promptTokenBudget(64, 24), 40);
    assert.strictEqual(promptTokenBudget(64, 200), 32);
    assert.strictEqual(promptTokenBudget(1, 24), 1);
  });

  it('sends the end of the text before the cursor, starting at a white-space boundary', () => {
    assert.strictEqual(promptWindow('short text', 100), 'short text');
    const text = 'alpha beta gamma delta';
    const w = promptWindow(text, 14); // 'a gamma delta' cut inside "beta" → starts at the space
    assert.strictEqual(w, ' gamma delta');
    assert.ok(text.endsWith(w));
  });

  it('never starts inside a surrogate pair', () => {
    const text = 'x🎉🎉🎉';
    const w = promptWindow(text, 5); // would start on the low half of the first emoji
    assert.ok(!/^[\udc00-\udfff]/.test(w), JSON.stringify(w));
    assert.ok(text.endsWith(w));
  });
});

describe('inline completion: debounce, last request wins', () => {
  it('settles after the delay when nothing newer came', async () => {
    const lw = new LastWins();
    const t = lw.begin();
    const started = Date.now();
    assert.strictEqual(await lw.settle(t, 40), true);
    assert.ok(Date.now() - started >= 35);
    assert.ok(t.isCurrent());
  });

  it('a newer request supersedes the waiting one at once (it does not wait out its delay)', async () => {
    const lw = new LastWins();
    const first = lw.begin();
    const started = Date.now();
    const firstDone = lw.settle(first, 1000);
    await sleep(10);
    const second = lw.begin();
    assert.strictEqual(await firstDone, false);
    assert.ok(Date.now() - started < 500, 'the superseded request resolved early');
    assert.strictEqual(first.isCurrent(), false);
    assert.strictEqual(await lw.settle(second, 20), true);
  });

  it('of a burst of keystrokes only the last one gets through', async () => {
    const lw = new LastWins();
    const results: Promise<boolean>[] = [];
    for (let i = 0; i < 5; i++) {
      results.push(lw.settle(lw.begin(), 30));
      await sleep(5);
    }
    assert.deepStrictEqual(await Promise.all(results), [false, false, false, false, true]);
  });

  it('a cancelled token ends the wait at once, and a settled-but-superseded ticket is not current', async () => {
    const lw = new LastWins();
    const source = tokenSource();
    const t = lw.begin();
    const pending = lw.settle(t, 1000, source.token);
    setTimeout(() => source.cancel(), 10);
    const started = Date.now();
    assert.strictEqual(await pending, false);
    assert.ok(Date.now() - started < 500);
    assert.strictEqual(source.listeners.size, 0, 'the cancellation listener is removed');
    // already cancelled: no wait at all
    assert.strictEqual(await lw.settle(lw.begin(), 1000, source.token), false);
    // a request that got through is stale once a newer one begins (its result is then dropped)
    const a = lw.begin();
    assert.strictEqual(await lw.settle(a, 0), true);
    lw.begin();
    assert.strictEqual(a.isCurrent(), false);
  });
});

describe('inline completion: typing through a suggestion, cache', () => {
  it('what is left of the suggestion after the user typed its start', () => {
    assert.strictEqual(continueSuggestion(' sat on the mat', ' sa'), 't on the mat');
    assert.strictEqual(continueSuggestion(' sat on the mat', ' so'), undefined, 'typed something else');
    assert.strictEqual(continueSuggestion(' sat', ' sat'), undefined, 'used up');
    assert.strictEqual(continueSuggestion(' sat ', ' sat'), undefined, 'only white space left');
    assert.strictEqual(continueSuggestion(' sat', ''), undefined);
  });

  it('LRU cache keeps the most recently used entries', () => {
    const cache = new LruCache<string>(2);
    cache.set('a', '1');
    cache.set('b', '2');
    assert.strictEqual(cache.get('a'), '1');
    cache.set('c', '3'); // evicts b, the least recently used
    assert.strictEqual(cache.get('b'), undefined);
    assert.strictEqual(cache.get('a'), '1');
    assert.strictEqual(cache.get('c'), '3');
    assert.strictEqual(cache.size, 2);
  });
});

describe('inline completion: status texts', () => {
  it('says why there is no suggestion, and the last one’s timing', () => {
    assert.match(completionStatusText({ kind: 'off' }), /off$/);
    assert.match(completionStatusText({ kind: 'language', languageId: 'python' }), /off for python/);
    assert.match(completionStatusText({ kind: 'no-model' }), /no model/);
    assert.match(completionStatusText({ kind: 'loading' }), /loading model/);
    assert.match(completionStatusText({ kind: 'error', message: 'x' }), /error/);
    assert.strictEqual(completionStatusText({ kind: 'suggested', ms: 14.4, tokens: 24, tokensPerSecond: 1666.6 }), '$(sparkle) LM 14 ms · 1,667 tok/s');
    assert.match(completionStatusText({ kind: 'nothing', reason: 'mid-word' }), /no suggestion \(mid-word\)/);
    assert.match(completionStatusText({ kind: 'nothing', reason: 'empty' }), /end of line/);
  });

  it('probability bars are proportional, in eighths of a cell', () => {
    assert.strictEqual(probabilityBar(1, 4), '████');
    assert.strictEqual(probabilityBar(0.5, 4), '██');
    assert.strictEqual(probabilityBar(0.5 + 1 / 32, 4), '██▏');
    assert.strictEqual(probabilityBar(0, 4), '▏', 'a zero still shows a sliver');
    assert.strictEqual(formatProbability(0.4213), '42.1%');
    assert.strictEqual(formatProbability(0.01234), '1.23%');
  });
});

describe('inline completion: the checkpoint it serves from', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-completion-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has a version that changes when an atomic save swaps the folder, and none without a checkpoint', () => {
    const model = path.join(dir, 'model');
    assert.strictEqual(checkpointVersion(model), undefined);
    assert.strictEqual(checkpointVersion(undefined), undefined);
    const write = (target: string) => {
      fs.mkdirSync(target, { recursive: true });
      fs.writeFileSync(path.join(target, 'model.safetensors'), 'weights');
      fs.writeFileSync(path.join(target, 'config.json'), '{}');
    };
    write(model);
    const v1 = checkpointVersion(model);
    assert.ok(v1);
    assert.strictEqual(checkpointVersion(model), v1, 'stable while nothing changes');
    // the checkpoint's save: write DIR.tmp-x, rename DIR → DIR.old-x, DIR.tmp-x → DIR
    write(`${model}.tmp-1`);
    fs.renameSync(model, `${model}.old-1`);
    assert.strictEqual(checkpointVersion(model), 'swapping', 'between the renames');
    fs.renameSync(`${model}.tmp-1`, model);
    fs.rmSync(`${model}.old-1`, { recursive: true });
    const v2 = checkpointVersion(model);
    assert.ok(v2 && v2 !== v1, `${v1} → ${v2}`);
    fs.rmSync(model, { recursive: true });
    assert.strictEqual(checkpointVersion(model), undefined);
  });
});
