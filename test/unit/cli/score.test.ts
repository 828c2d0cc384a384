// `lmx score` and `lmx generate --trace`, run as a user runs them, against the engine in this process.

import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { saveCheckpoint } from '../../../src/engine/checkpoint';
import { generate } from '../../../src/engine/generate';
import { PRESETS } from '../../../src/engine/presets';
import { scoreText, textTotals } from '../../../src/engine/sampling/index';
import { encode } from '../../../src/engine/tokenizer';
import { Vocabulary } from '../../../src/engine/vocab';
import { randomModel } from '../fixtures/randomModel';

const root = path.resolve(__dirname, '..', '..', '..');

function lmx(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['-r', path.join(root, 'scripts/ts-register.js'), path.join(root, 'src/cli/main.ts'), ...args, '--backend', 'cpu'], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, LMX_DEBUG: '', LC_ALL: '', LC_MESSAGES: '', LANG: 'C.UTF-8' },
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

const NOTES = 'Sourdough starter needs flour and water. Feed the starter every day. The bread rises overnight.';
const TEXT = 'Feed the starter flour and water every day, then bake the bread. Zażółć gęślą jaźń — the bread rises.';

describe('lmx score and lmx generate --trace', function () {
  this.timeout(120_000);
  let dir: string;
  let vocab: Vocabulary;
  let model: ReturnType<typeof randomModel>;

  before(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-score-'));
    vocab = Vocabulary.build([encode(NOTES, 'o200k_base')], 'o200k_base');
    model = randomModel({ ...PRESETS.tiny, contextLength: 16, vocabSize: vocab.size }, 21, { wteStd: 0.5, std: 0.2 });
    await saveCheckpoint(path.join(dir, 'model'), model, vocab);
  });

  after(() => {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints what the engine computes for each token and the totals (--json), the same for a FILE', async () => {
    const run = lmx(['score', '--model', path.join(dir, 'model'), '--text', TEXT, '--json']);
    assert.strictEqual(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    const expected = await scoreText(model, vocab, TEXT, { topGuesses: 5 });
    assert.ok(expected.length > 16, 'longer than the context: several windows');
    assert.strictEqual(out.tokens.length, expected.length);
    out.tokens.forEach((t: { id: number; start: number; end: number; prob: number; rank: number; label: string }, i: number) => {
      assert.deepStrictEqual([t.id, t.start, t.end, t.rank], [expected[i].id, expected[i].start, expected[i].end, expected[i].rank]);
      assert.ok(Math.abs(t.prob - expected[i].prob) < 1e-6);
      assert.strictEqual(t.label, vocab.tokenLabel(t.id));
      assert.ok(!t.label.includes('\uFFFD'));
    });
    const totals = textTotals(expected, vocab);
    assert.ok(Math.abs(out.totals.meanLossNats - totals.meanLossNats) < 1e-6);
    assert.ok(Math.abs(out.totals.perplexity - Math.exp(out.totals.meanLossNats)) < 1e-9);
    assert.strictEqual(out.totals.bytes, Buffer.byteLength(TEXT));
    assert.deepStrictEqual([out.contextLength, out.stride], [16, 8]);

    const file = path.join(dir, 'text.md');
    fs.writeFileSync(file, TEXT);
    const plain = lmx(['score', '--model', path.join(dir, 'model'), file]);
    assert.strictEqual(plain.status, 0, plain.stderr);
    const lines = plain.stdout.trim().split('\n');
    assert.strictEqual(lines.length, 1 + expected.length + 2, 'a header, one line a token, the totals and the windows');
    assert.match(lines[lines.length - 2], new RegExp(`mean loss ${totals.meanLossNats.toFixed(4)} nats/token, perplexity ${new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(totals.perplexity)}, ${totals.bitsPerByte.toFixed(4)} bits per byte`));
    assert.match(lines[lines.length - 1], /windows of 16 tokens, stride 8/);
  });

  it('generate --trace prints each step with the top 5; at temperature 0 the chosen token is the first of them', async () => {
    const run = lmx(['generate', '--model', path.join(dir, 'model'), '--prompt', 'Feed the', '--max-tokens', '6', '--temperature', '0', '--trace']);
    assert.strictEqual(run.status, 0, run.stderr);
    const [text, trace] = run.stdout.split('\n\n');
    const expected = await generate(model, vocab, vocab.encode('Feed the'), { maxNewTokens: 6, temperature: 0 });
    assert.strictEqual(text, 'Feed the' + expected.text);
    const steps = trace.trim().split('\n');
    assert.strictEqual(steps.length, 6);
    steps.forEach((line, i) => {
      const m = /^\s*(\d+)\s+(\S+)\s+p ([\d.]+)\s+top 5: (.*)$/.exec(line);
      assert.ok(m, line);
      assert.strictEqual(Number(m[1]), i + 1);
      assert.strictEqual(m[2], vocab.tokenLabel(expected.ids[i]));
      const top = m[4].split(' · ');
      assert.strictEqual(top.length, 5);
      assert.strictEqual(top[0].split(' ')[0], m[2], 'greedy takes the most likely token');
      assert.strictEqual(top[0].split(' ')[1], m[3]);
    });
  });

  it('says in one line what is wrong with bad input', () => {
    const none = lmx(['score', '--model', path.join(dir, 'model')]);
    assert.strictEqual(none.status, 2);
    assert.match(none.stderr.trim(), /^lmx: Give a FILE or --text TEXT to score/);
    const missing = lmx(['score', '--model', path.join(dir, 'model'), path.join(dir, 'nothing.md')]);
    assert.strictEqual(missing.status, 2);
    assert.match(missing.stderr.trim(), /Cannot read .*nothing\.md: no such file/);
    const binary = path.join(dir, 'binary.bin');
    fs.writeFileSync(binary, Buffer.from([1, 0, 2, 3]));
    assert.match(lmx(['score', '--model', path.join(dir, 'model'), binary]).stderr, /not a text file/);
  });
});
