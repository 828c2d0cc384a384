// `lmx inspect`, run as a child process: its boxes add up to the parameters `lmx train` reported and saved,
// and its nearest tokens are the brute-force cosine ranking of the saved model.safetensors.

import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSafetensors } from '../../../src/engine/safetensors';
import { Vocabulary } from '../../../src/engine/vocab';

const root = path.resolve(__dirname, '..', '..', '..');

function lmx(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['-r', path.join(root, 'scripts/ts-register.js'), path.join(root, 'src/cli/main.ts'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('lmx inspect (CLI)', function () {
  this.timeout(180_000);
  let dir: string;
  let trained: { parameters: number };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-inspect-cli-'));
    fs.mkdirSync(path.join(dir, 'notes'));
    fs.writeFileSync(path.join(dir, 'notes', 'a.md'), 'Natura stwarza najpiękniejsze obrazy. The quick brown fox jumps over the lazy dog. '.repeat(40));
    const run = lmx(['train', 'notes', '--out', 'model', '--preset', 'tiny', '--steps', '2', '--batch-size', '2', '--context', '16', '--tokenizer', 'o200k_base', '--backend', 'cpu', '--eval-batches', '0', '--json'], dir);
    assert.strictEqual(run.status, 0, run.stderr);
    trained = JSON.parse(run.stdout.trim().split('\n').pop()!);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints boxes that add up to the parameters lmx train reported and config.json holds', () => {
    const run = lmx(['inspect', '--model', 'model', '--json'], dir);
    assert.strictEqual(run.status, 0, run.stderr);
    const { architecture } = JSON.parse(run.stdout) as { architecture: { boxes: { parameters: number }[]; total: { parameters: number } } };
    const sum = architecture.boxes.reduce((s, b) => s + b.parameters, 0);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'model', 'config.json'), 'utf8'));
    assert.strictEqual(sum, trained.parameters);
    assert.strictEqual(architecture.total.parameters, config.parameters);
    const table = lmx(['inspect', '--model', 'model'], dir);
    assert.strictEqual(table.status, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`^total\\s+${trained.parameters.toLocaleString('en-US')}\\s`, 'm'));
    assert.match(table.stdout, /^lm_head\s+0\s.*\(tied to wte\)$/m);
  });

  it('prints the nearest tokens of a word as a brute-force ranking of model.safetensors', async () => {
    const run = lmx(['inspect', '--model', 'model', '--nearest', ' fox', '--json'], dir);
    assert.strictEqual(run.status, 0, run.stderr);
    const { nearest } = JSON.parse(run.stdout) as { nearest: { id: number; cosine: number }[] };
    const vocab = Vocabulary.fromJSON(JSON.parse(fs.readFileSync(path.join(dir, 'model', 'vocab.json'), 'utf8')));
    const [q] = vocab.encode(' fox');
    const wte = (await readSafetensors(path.join(dir, 'model', 'model.safetensors'))).tensors.get('wte')!;
    const [V, C] = wte.shape;
    const data = wte.data as Float32Array;
    const cos = (i: number) => {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let c = 0; c < C; c++) {
        ab += data[q * C + c] * data[i * C + c];
        aa += data[q * C + c] ** 2;
        bb += data[i * C + c] ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    };
    const brute = Array.from({ length: V }, (_, i) => i)
      .filter((i) => i !== q)
      .sort((a, b) => cos(b) - cos(a) || a - b)
      .slice(0, 20);
    assert.deepStrictEqual(nearest.map((n) => n.id), brute);
  });
});
