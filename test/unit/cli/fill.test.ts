// `lmx train --kind encoder`, `lmx fill` and `lmx attention` on an encoder, run as the real CLI; and the
// decoder-only commands refusing an encoder in one line that names its kind.

import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertUsageError, lmx } from '../fixtures/lmx';

const SENTENCE = 'Natura tworzy najpiękniejsze obrazy, a malarz tylko je kopiuje.';

describe('lmx fill (CLI, encoder)', function () {
  this.timeout(240_000);
  let dir: string;
  let trained: { kind: string; valAccuracy: number; kept: Record<string, unknown> };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-fill-'));
    fs.mkdirSync(path.join(dir, 'notes'));
    fs.writeFileSync(path.join(dir, 'notes', 'one.md'), Array.from({ length: 40 }, () => SENTENCE).join(' '));
    const run = lmx(
      ['train', 'notes', '--out', 'enc', '--kind', 'encoder', '--mask-rate', '0.3', '--preset', 'tiny', '--context', '32', '--batch-size', '16', '--steps', '1500',
        '--lr', '0.003', '--warmup', '10', '--dropout', '0', '--weight-decay', '0', '--min-count', '1', '--patience', '0', '--minutes', '0', '--eval-interval', '200', '--json'],
      dir,
    );
    assert.strictEqual(run.status, 0, run.stderr);
    assert.match(run.stderr, /kind: encoder \(bidirectional attention, masked-language-model training\)/);
    assert.match(run.stderr, /masking: 30% of the tokens each batch; of those 80% \[MASK\], 10% a random token, 10% unchanged/);
    assert.match(run.stderr, /val acc \d/);
    trained = JSON.parse(run.stdout);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains an encoder: the kind and the masked-token accuracy in the summary, no bits per byte', () => {
    assert.strictEqual(trained.kind, 'encoder');
    assert.ok(trained.valAccuracy > 0.8, `validation accuracy ${trained.valAccuracy}`);
    assert.ok(!('bitsPerByte' in trained.kept));
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'enc', 'config.json'), 'utf8'));
    assert.strictEqual(config.model.kind, 'encoder');
    assert.strictEqual(JSON.parse(fs.readFileSync(path.join(dir, 'enc', 'vocab.json'), 'utf8')).mask, true);
  });

  it('fills a [MASK] with the word it learnt, top 10 with probabilities, most likely first', () => {
    // " a" is one token of the o200k_base encoding (a space and a letter), so one [MASK]
    const run = lmx(['fill', '--model', 'enc', '--text', 'Natura tworzy najpiękniejsze obrazy, [MASK] malarz tylko je kopiuje.'], dir);
    assert.strictEqual(run.status, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0], /One \[MASK\], one token/);
    assert.strictEqual(lines.length, 11);
    assert.match(lines[1], /^ 1 {2}·a +\d+\.\d\d% {3}Natura tworzy najpiękniejsze obrazy, a malarz tylko je kopiuje\.$/);
    const probs = lines.slice(1).map((l) => Number(/(\d+\.\d\d)%/.exec(l)![1]));
    assert.ok(probs.every((p, i) => i === 0 || p <= probs[i - 1]));
    const json = JSON.parse(lmx(['fill', '--model', 'enc', '--text', 'Natura [MASK][MASK] obrazy', '--top', '3', '--json'], dir).stdout);
    assert.strictEqual(json.masks, 2);
    assert.match(lmx(['fill', '--model', 'enc', '--text', 'Natura [MASK][MASK] obrazy', '--top', '3'], dir).stdout, /^2 \[MASK\]s, filled one token at a time, left to right: the first mask’s top 3 tokens/);
    assert.strictEqual(json.candidates.length, 3);
    for (const c of json.candidates) assert.ok(Math.abs(c.prob - c.steps[0] * c.steps[1]) < 1e-9 && c.ids.length === 2);
  });

  it('shows an encoder’s attention both ways, and says so', () => {
    const run = lmx(['attention', '--model', 'enc', '--text', 'Natura tworzy najpiękniejsze obrazy'], dir);
    assert.strictEqual(run.status, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^encoder, bidirectional attention \(each token sees every token\); layer 0, head 0/);
    const columns = lines[1].trim().split(/\s+/).length;
    const first = lines[2].trim().split(/\s+/).slice(-columns);
    assert.ok(columns > 2 && first.every((cell) => /^\d\.\d\d$/.test(cell)), `no masked cell in the first row: ${lines[2]}`);
    const weights = first.map(Number);
    assert.ok(weights.slice(1).some((v) => v > 0), 'the first token attends to later ones');
    assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 0.03);
  });

  it('refuses generate on an encoder, and fill on a decoder, in one line naming the kind', () => {
    assertUsageError(lmx(['generate', '--model', 'enc', '--prompt', 'Natura'], dir), /This model is an encoder \(masked-language model\): it has no next-token probabilities/);
    const decoder = lmx(['train', 'notes', '--out', 'dec', '--preset', 'tiny', '--context', '16', '--steps', '2', '--min-count', '1', '--minutes', '0'], dir);
    assert.strictEqual(decoder.status, 0, decoder.stderr);
    assertUsageError(lmx(['fill', '--model', 'dec', '--text', 'Natura [MASK] obrazy'], dir), /has no \[MASK\] token: it belongs to a decoder, not an encoder/);
    assertUsageError(lmx(['train', 'notes', '--out', 'enc', '--resume', '--kind', 'decoder'], dir), /--kind cannot be changed when resuming/);
  });
});
