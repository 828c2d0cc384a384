// Pure logic of the training feature: the worker protocol's helpers, corpus filtering, and the
// words and numbers the UI shows (durations, ETA, status bar).
import * as assert from 'assert';
import {
  classifyText,
  defaultSamplePrompt,
  describeSkips,
  enabledGlobs,
  GlobSet,
  globToRegExp,
  sizeLimit,
} from '../../../../src/features/training/core/corpusFilter';
import { formatCount, formatDuration } from '../../../../src/l10n/format';
import { formatEta, formatRate, keptModelText, percent, progressLine, statusBarText } from '../../../../src/features/training/core/trainingFormat';
import {
  EngineError,
  estimateRemainingMs,
  isHostToWorker,
  isWorkerToHost,
  requestMessage,
  toWireError,
} from '../../../../src/worker/engine/protocol';

describe('worker protocol helpers', () => {
  it('builds request messages the worker accepts', () => {
    const msg = requestMessage(3, 'attention', { text: 'hello' });
    assert.deepStrictEqual(msg, { type: 'request', id: 3, method: 'attention', params: { text: 'hello' } });
    assert.ok(isHostToWorker(msg));
    assert.ok(isHostToWorker({ type: 'cancel', id: 3 }));
  });

  it('rejects messages outside the protocol', () => {
    assert.ok(!isHostToWorker({ type: 'request', id: 1, method: 'format-disk', params: {} }));
    assert.ok(!isHostToWorker({ type: 'request', id: 1.5, method: 'status', params: {} }));
    assert.ok(!isHostToWorker({ type: 'request', id: 1, method: 'status' }));
    assert.ok(!isHostToWorker(null));
    assert.ok(!isHostToWorker('cancel'));
    assert.ok(isWorkerToHost({ type: 'result', id: 1, result: 5 }));
    assert.ok(isWorkerToHost({ type: 'error', id: 1, error: { code: 'internal', message: 'x' } }));
    assert.ok(!isWorkerToHost({ type: 'error', id: 1, error: 'x' }));
    assert.ok(!isWorkerToHost({ type: 'progress', id: 1 }));
    assert.ok(isWorkerToHost({ type: 'ready', pid: 1 }));
  });

  it('turns thrown values into wire errors with codes', () => {
    assert.deepStrictEqual(toWireError(new EngineError('no-model', 'No model.')), { code: 'no-model', message: 'No model.' });
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    assert.strictEqual(toWireError(abort).code, 'cancelled');
    const checkpoint = new Error('/m/config.json: not JSON');
    checkpoint.name = 'CheckpointError';
    assert.deepStrictEqual(
      { code: toWireError(checkpoint).code, message: toWireError(checkpoint).message },
      { code: 'checkpoint', message: '/m/config.json: not JSON' },
    );
    const user = new Error('too small');
    user.name = 'UserError';
    assert.deepStrictEqual(toWireError(user), { code: 'user', message: 'too small' });
    const bug = toWireError(new TypeError('x is undefined'));
    assert.strictEqual(bug.code, 'internal');
    assert.match(bug.detail ?? '', /TypeError/);
    assert.strictEqual(toWireError('plain').message, 'plain');
    const back = EngineError.fromWire({ code: 'busy', message: 'busy' });
    assert.ok(back instanceof EngineError);
    assert.strictEqual(back.code, 'busy');
  });

  it('estimates the time left by steps, capped by the time limit', () => {
    assert.strictEqual(estimateRemainingMs(0, 100, 0), undefined);
    assert.strictEqual(estimateRemainingMs(25, 100, 10_000), 30_000);
    assert.strictEqual(estimateRemainingMs(100, 100, 10_000), 0);
    // 1 minute limit, 50 s gone: 10 s left even though the steps would take 150 s
    assert.strictEqual(estimateRemainingMs(25, 100, 50_000, 1), 10_000);
    // a resumed run: the pace counts only this session's steps
    assert.strictEqual(estimateRemainingMs(60, 100, 10_000, undefined, 50), 40_000);
    assert.strictEqual(estimateRemainingMs(0, 100, 0, 2), 120_000);
  });
});

describe('corpus filtering', () => {
  it('matches VS Code-style globs', () => {
    const md = globToRegExp('**/*.{md,markdown,txt,rst,tex,adoc}');
    for (const p of ['a.md', 'notes/b.markdown', 'x/y/z.txt', 'deep/a.rst']) assert.ok(md.test(p), p);
    for (const p of ['a.mdx', 'notes/b.png', 'md', 'a.md/x.png']) assert.ok(!md.test(p), p);
    assert.ok(globToRegExp('*.md').test('a.md'));
    assert.ok(!globToRegExp('*.md').test('dir/a.md'));
    assert.ok(globToRegExp('file?.txt').test('file1.txt'));
    assert.ok(!globToRegExp('file?.txt').test('file12.txt'));
    assert.ok(globToRegExp('[!a]*.txt').test('b.txt'));
    assert.ok(!globToRegExp('[!a]*.txt').test('a.txt'));
    assert.ok(globToRegExp('a+b (1).md').test('a+b (1).md'));
    assert.ok(globToRegExp('**/{build,out}/**').test('x/out/y.md'));
  });

  it('excludes whole folders and what lies beneath them', () => {
    const set = new GlobSet(['**/node_modules/**', '**/.git', 'drafts', '']);
    assert.ok(set.matches('node_modules/pkg/README.md'));
    assert.ok(set.matches('a/node_modules/pkg/README.md'));
    assert.ok(set.matches('.git/HEAD'));
    assert.ok(set.matches('drafts/idea.md'));
    assert.ok(!set.matches('notes/drafts.md'));
    assert.ok(!set.matches('notes/idea.md'));
    assert.ok(!new GlobSet([]).matches('anything.md'));
  });

  it('takes only the files.exclude globs that are switched on', () => {
    assert.deepStrictEqual(enabledGlobs({ '**/.git': true, '**/*.js': { when: '$(basename).ts' }, '**/tmp': false }), ['**/.git']);
    assert.deepStrictEqual(enabledGlobs(undefined), []);
  });

  it('keeps UTF-8 text and says why other bytes are not text', () => {
    const enc = new TextEncoder();
    assert.deepStrictEqual(classifyText(enc.encode('Zażółć\r\ngęślą\rjaźń')), { text: 'Zażółć\ngęślą\njaźń' });
    assert.deepStrictEqual(classifyText(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01])), { skip: 'binary' });
    assert.deepStrictEqual(classifyText(new Uint8Array([0x63, 0x61, 0x66, 0xe9])), { skip: 'invalid-utf8' }); // Latin-1 "café"
    assert.deepStrictEqual(classifyText(new Uint8Array([])), { skip: 'empty' });
    assert.deepStrictEqual(classifyText(enc.encode(' \n\t ')), { skip: 'empty' });
  });

  it('applies the file and corpus size limits', () => {
    assert.strictEqual(sizeLimit(100, 0, 1000, 10_000), undefined);
    assert.strictEqual(sizeLimit(2000, 0, 1000, 10_000), 'too-large');
    assert.strictEqual(sizeLimit(900, 9500, 1000, 10_000), 'corpus-limit');
    assert.strictEqual(sizeLimit(5_000_000, 0, 0, 0), undefined); // 0: no limit
  });

  it('summarises what was skipped, most common reason first', () => {
    const text = describeSkips([
      { path: 'a.md', reason: 'invalid-utf8' },
      { path: 'b.md', reason: 'binary' },
      { path: 'c.md', reason: 'binary' },
    ]);
    assert.strictEqual(text, '2 are binary (contain NUL bytes), 1 is not valid UTF-8');
    assert.strictEqual(describeSkips([]), '');
  });

  it('picks a fixed sample prompt from the first note', () => {
    assert.strictEqual(defaultSamplePrompt(['\n# Notes on bread\n\nFlour and water.']), 'Notes on');
    assert.strictEqual(defaultSamplePrompt(['   ', '- Sourdough starter needs feeding']), 'Sourdough starter');
    assert.strictEqual(defaultSamplePrompt([]), '');
  });
});

describe('training UI text', () => {
  it('formats durations and ETAs', () => {
    assert.strictEqual(formatDuration(undefined), '—');
    assert.strictEqual(formatDuration(-5), '—');
    assert.strictEqual(formatDuration(950), '<1s');
    assert.strictEqual(formatDuration(12_400), '12s');
    assert.strictEqual(formatDuration(75_000), '1m 15s');
    assert.strictEqual(formatDuration(3_723_000), '1h 02m');
    assert.strictEqual(formatDuration(90_061_000), '1d 01h');
    assert.strictEqual(formatEta(undefined), '');
    assert.strictEqual(formatEta(500), 'almost done');
    assert.strictEqual(formatEta(185_000), '3m 05s left');
  });

  it('formats counts and rates', () => {
    assert.strictEqual(formatCount(1234), '1,234');
    assert.strictEqual(formatCount(1_234_567), '1.23M');
    assert.strictEqual(formatCount(12_345_678), '12.3M');
    assert.strictEqual(formatRate(1234.4), '1,234 tok/s');
    assert.strictEqual(formatRate(undefined), '—');
    assert.strictEqual(percent(42, 100), 42);
    assert.strictEqual(percent(5, 0), 0);
    assert.strictEqual(percent(150, 100), 100);
  });

  it('writes the status bar states', () => {
    assert.strictEqual(statusBarText({ kind: 'none' }), '$(circle-outline) LM: no model');
    assert.strictEqual(statusBarText({ kind: 'training', step: 42, steps: 100, loss: 2.3149 }), '$(sync~spin) LM: training 42% loss 2.31');
    assert.strictEqual(statusBarText({ kind: 'ready', valLoss: 1.9512 }), '$(check) LM: ready · val 1.95');
    assert.strictEqual(statusBarText({ kind: 'ready', step: 400, valLoss: 6.7, best: true, latestStep: 640 }), '$(check) LM: ready · step 400 · val 6.70');
    assert.strictEqual(statusBarText({ kind: 'ready', step: 40, loss: 3.2 }), '$(check) LM: ready · step 40 · loss 3.20');
    assert.strictEqual(statusBarText({ kind: 'ready' }), '$(check) LM: ready');
  });

  it('says which model is kept and where Resume continues', () => {
    assert.strictEqual(
      keptModelText({ step: 400, valLoss: 6.7, best: true, latestStep: 640 }),
      'The kept model is from step 400, validation loss 6.70: the best validation of its run, the one the features use. Resume continues from the latest state (step 640).',
    );
    assert.strictEqual(
      keptModelText({ step: 400, valLoss: 6.7, best: true, latestStep: 400 }),
      'The kept model is from step 400, validation loss 6.70: the best validation of its run, the one the features use. Resume continues from the latest state.',
    );
    assert.strictEqual(keptModelText({ step: 40 }), 'The model is from step 40.');
    assert.strictEqual(keptModelText({}), '');
  });

  it('writes the progress notification line', () => {
    assert.strictEqual(
      progressLine({ step: 120, steps: 400, loss: 2.314, tokensPerSecond: 1234, remainingMs: 80_000 }),
      'step 120/400 · loss 2.31 · 1,234 tok/s · 1m 20s left',
    );
    assert.strictEqual(progressLine({ step: 1, steps: 2, loss: 5, valLoss: 5.5, tokensPerSecond: 10 }), 'step 1/2 · loss 5.00 · val 5.50 · 10 tok/s');
  });
});
