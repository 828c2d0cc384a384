// `lmx export --format hf` and `lmx import --from-hf`, run as a user runs them: a checkpoint goes out as a
// transformers folder and comes back as a checkpoint that computes the same; bad input is one line, exit 2.

import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadCheckpoint, saveCheckpoint } from '../../../src/engine/checkpoint';
import { buildVocab, CHECK_TEXTS, randomModel } from '../hf/fixtures';

const root = path.resolve(__dirname, '..', '..', '..');

function lmx(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['-r', path.join(root, 'scripts/ts-register.js'), path.join(root, 'src/cli/main.ts'), ...args, '--backend', 'cpu'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, LMX_DEBUG: '' },
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('lmx export --format hf and lmx import --from-hf', function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-cli-hf-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exports a checkpoint for transformers and imports it back, computing the same logits', async () => {
    const vocab = buildVocab('char');
    const model = randomModel(vocab, 'sinusoidal', 5);
    try {
      await saveCheckpoint(path.join(dir, 'model'), model, vocab);
      const exported = lmx(['export', '--format', 'hf', '--model', path.join(dir, 'model'), '--out', path.join(dir, 'hf')]);
      assert.strictEqual(exported.status, 0, exported.stderr);
      assert.match(exported.stdout, /^exported to .*hf: README\.md, config\.json, .*model\.safetensors.*train_hf\.py/);
      const imported = lmx(['import', '--from-hf', path.join(dir, 'hf')]);
      assert.strictEqual(imported.status, 0, imported.stderr);
      assert.match(imported.stdout, /^imported .*hf → .*hf-lmx: [\d,]+ parameters, 2 layers × 2 heads, width 32, context 48, vocabulary [\d,]+ \(char\)/);
      const back = await loadCheckpoint(path.join(dir, 'hf-lmx'));
      try {
        const ids = vocab.encode(CHECK_TEXTS[0]).slice(0, 48);
        assert.deepStrictEqual(back.vocab.encode(CHECK_TEXTS[0]).slice(0, 48), ids, 'the same vocabulary');
        const a = await model.attention(ids);
        const b = await back.model.attention(ids);
        let diff = 0;
        for (let i = 0; i < a.logits.length; i++) diff = Math.max(diff, Math.abs(a.logits[i] - b.logits[i]));
        assert.ok(diff < 1e-4, `max |logit difference| ${diff}`);
      } finally {
        back.model.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  it('says in one line what is wrong, with exit code 2, and writes nothing', () => {
    fs.mkdirSync(path.join(dir, 'notes'));
    fs.writeFileSync(path.join(dir, 'notes', 'a.md'), '# notes');
    const cases: [string[], RegExp][] = [
      [['export', '--model', path.join(dir, 'model'), '--out', path.join(dir, 'x')], /^lmx export needs --format \(hf\)/],
      [['export', '--format', 'onnx', '--model', path.join(dir, 'model'), '--out', path.join(dir, 'x')], /--format/],
      [['export', '--format', 'hf', '--model', path.join(dir, 'model'), '--out', path.join(dir, 'notes')], /notes holds files that are not a Hugging Face export's: a\.md/],
      [['import', '--from-hf', path.join(dir, 'notes')], /notes\/config\.json: is missing; a Hugging Face model folder has config\.json/],
      [['import', '--from-hf', path.join(dir, 'model')], /model\/config\.json: is an LM Explorer checkpoint's, not a Hugging Face model's/],
    ];
    for (const [args, message] of cases) {
      const run = lmx(args);
      assert.strictEqual(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.strictEqual(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
    assert.deepStrictEqual(fs.readdirSync(path.join(dir, 'notes')), ['a.md']);
    assert.ok(!fs.existsSync(path.join(dir, 'x')) && !fs.existsSync(path.join(dir, 'notes-lmx')) && !fs.existsSync(path.join(dir, 'model-lmx')));
  });
});
