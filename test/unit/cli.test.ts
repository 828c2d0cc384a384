// The `lmx` command line, run as a child process from its TypeScript source (node -r scripts/ts-register.js),
// so it tests the code as it is now without a build; one test also runs the built dist/cli.js when it is fresh.

import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_DROPOUT } from '../../src/engine/dropoutRate';
import { encode } from '../../src/engine/tokenizer';
import { assertUsageError, lmx } from './fixtures/lmx';

const root = path.resolve(__dirname, '..', '..');
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;

/** Every file under `dir`, relative path → its bytes (folders as empty entries ending in /). */
function snapshot(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    files.set(entry.isDirectory() ? `${rel}/` : rel, entry.isDirectory() ? Buffer.alloc(0) : fs.readFileSync(full));
  }
  return files;
}

describe('lmx (CLI)', function () {
  let dir: string;
  const model = () => path.join(dir, 'model');

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-cli-'));
    const words = 'natura stwarza najpiękniejsze obrazy the quick brown fox jumps over a lazy dog'.split(' ');
    let seed = 1;
    const pick = () => words[(seed = (seed * 16807) % 2147483647) % words.length];
    fs.mkdirSync(path.join(dir, 'notes', 'sub'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'notes', '.git'));
    fs.writeFileSync(path.join(dir, 'notes', 'a.md'), Array.from({ length: 400 }, pick).join(' '));
    fs.writeFileSync(path.join(dir, 'notes', 'sub', 'b.txt'), '\ufeff' + Array.from({ length: 200 }, pick).join(' '));
    fs.writeFileSync(path.join(dir, 'notes', 'image.md'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    fs.writeFileSync(path.join(dir, 'notes', 'latin1.txt'), Buffer.from('za\xbf\xf3\xb3\xe6', 'latin1'));
    fs.writeFileSync(path.join(dir, 'notes', 'script.py'), 'print("not a note")');
    fs.writeFileSync(path.join(dir, 'notes', '.git', 'HEAD.md'), 'ref: refs/heads/main');
    fs.mkdirSync(path.join(dir, 'empty'));
    fs.writeFileSync(path.join(dir, 'empty', 'blank.md'), '  \n');
    fs.writeFileSync(path.join(dir, 'short.md'), 'too short');
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints its version and help', () => {
    const v = lmx(['--version'], dir);
    assert.strictEqual(v.status, 0);
    assert.match(v.stdout, new RegExp(`^lmx ${version.replace(/\./g, '\\.')} \\(node `));
    // and which backend auto takes here, with the reasons it passed the others over
    assert.match(v.stdout, /^backend: (tensorflow|webgpu|native|wasm|cpu)$/m);
    assert.match(v.stdout, /✗ @tensorflow\/tfjs-node-gpu/);
    const help = lmx(['--help'], dir);
    assert.strictEqual(help.status, 0);
    for (const command of ['train', 'generate', 'attention', 'tokenize', 'backends']) assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'));
    const trainHelp = lmx(['train', '--help'], dir);
    assert.strictEqual(trainHelp.status, 0);
    assert.match(trainHelp.stdout, /^Usage: lmx train/);
    assert.match(trainHelp.stdout, /--out, -o DIR/);
    assert.match(trainHelp.stdout, new RegExp(`--dropout P +dropout rate while training, 0 ≤ P < 1 \\(default ${DEFAULT_DROPOUT}; 0: off\\)`));
  });

  it('tokenizes text into token and ID pairs', () => {
    const text = 'Natura stwarza najpiękniejsze obrazy';
    const run = lmx(['tokenize', text, '--encoding', 'o200k_base'], dir);
    assert.strictEqual(run.status, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^token\s+id$/);
    const rows = lines.slice(1, -1).map((l) => /^(.*?)\s+(\d+)$/.exec(l)!);
    assert.deepStrictEqual(
      rows.map((m) => Number(m[2])),
      encode(text, 'o200k_base'),
    );
    assert.strictEqual(rows.map((m) => m[1]).join('').replace(/·/g, ' '), text);
    assert.strictEqual(lines[lines.length - 1], `${rows.length} tokens, ${text.length} characters (o200k_base)`);
  });

  it('tokenizes 1 MB of notes from stdin, and a long ruler of "="', () => {
    const notes = fs.readFileSync(path.join(dir, 'notes', 'a.md'), 'utf8');
    const text = (notes + '\n').repeat(Math.ceil(1_000_000 / (notes.length + 1))).slice(0, 1_000_000);
    const run = lmx(['tokenize', '-'], dir, text);
    assert.strictEqual(run.status, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    const ids = encode(text, 'o200k_base');
    assert.strictEqual(lines[lines.length - 1], `${ids.length.toLocaleString('en-US')} tokens, ${text.length.toLocaleString('en-US')} characters (o200k_base)`);
    assert.strictEqual(lines.length, ids.length + 2);
    const ruler = lmx(['tokenize', '-', '-e', 'cl100k_base'], dir, '='.repeat(300_000));
    assert.strictEqual(ruler.status, 0, ruler.stderr);
    assert.match(ruler.stdout, /^4,688 tokens, 300,000 characters \(cl100k_base\)$/m);
  });

  describe('output through a pipe to a slow reader is the same as into a file', () => {
    /** A reader that starts a second late and then waits 30 ms after each read, copying stdin to a file. */
    const SLOW_READER = `
      const fs = require('fs');
      const out = fs.openSync(process.argv[1], 'w');
      process.stdin.pause();
      setTimeout(() => {
        process.stdin.on('data', (chunk) => {
          fs.writeSync(out, chunk);
          process.stdin.pause();
          setTimeout(() => process.stdin.resume(), 30);
        });
        process.stdin.on('end', () => fs.closeSync(out));
        process.stdin.resume();
      }, 1000);`;

    /** stdout into a file (written synchronously), and through a pipe to SLOW_READER, as `lmx … | slow`. */
    function fileAndPipe(args: string[], input?: string): { file: Buffer; pipe: Buffer } {
      const cli = [process.execPath, '-r', path.join(root, 'scripts/ts-register.js'), path.join(root, 'src/cli/main.ts'), ...args];
      const fileOut = path.join(dir, 'stdout-file.txt');
      const pipeOut = path.join(dir, 'stdout-pipe.txt');
      const fd = fs.openSync(fileOut, 'w');
      try {
        const run = spawnSync(cli[0], cli.slice(1), { cwd: dir, input, stdio: ['pipe', fd, 'pipe'], timeout: 120_000 });
        assert.strictEqual(run.status, 0, String(run.stderr));
      } finally {
        fs.closeSync(fd);
      }
      const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
      const pipeline = `${cli.map(quote).join(' ')} | ${quote(process.execPath)} -e ${quote(SLOW_READER)} ${quote(pipeOut)}`;
      const run = spawnSync('bash', ['-o', 'pipefail', '-c', pipeline], { cwd: dir, input, encoding: 'utf8', timeout: 120_000 });
      assert.strictEqual(run.status, 0, run.stderr);
      const result = { file: fs.readFileSync(fileOut), pipe: fs.readFileSync(pipeOut) };
      fs.rmSync(fileOut);
      fs.rmSync(pipeOut);
      return result;
    }

    it('tokenize, 100 KB', () => {
      const notes = fs.readFileSync(path.join(dir, 'notes', 'a.md'), 'utf8');
      const text = notes.repeat(Math.ceil(100_000 / notes.length)).slice(0, 100_000);
      const { file, pipe } = fileAndPipe(['tokenize', '-'], text);
      assert.ok(file.length > 300_000, `${file.length} bytes`);
      assert.strictEqual(pipe.length, file.length);
      assert.ok(pipe.equals(file));
    });

    it('attention, 128 rows', () => {
      const out = path.join(dir, 'context-128');
      const train = lmx(['train', 'notes', '--out', out, '--preset', 'tiny', '--steps', '1', '--batch-size', '1', '--context', '128', '--tokenizer', 'char', '--backend', 'cpu', '--eval-batches', '0'], dir);
      assert.strictEqual(train.status, 0, train.stderr);
      const text = fs.readFileSync(path.join(dir, 'notes', 'a.md'), 'utf8').slice(0, 128);
      const { file, pipe } = fileAndPipe(['attention', '--model', out, '--text', text, '--backend', 'cpu']);
      assert.strictEqual(file.toString().trimEnd().split('\n').length, 2 + 128, 'title, column numbers, 128 rows');
      assert.strictEqual(pipe.length, file.length);
      assert.ok(pipe.equals(file));
    });
  });

  it('shows the bytes of tokens that are part of a character, never U+FFFD', () => {
    const run = lmx(['tokenize', 'ptak 🦜', '-e', 'r50k_base'], dir);
    assert.strictEqual(run.status, 0, run.stderr);
    assert.ok(!run.stdout.includes('\uFFFD'));
    assert.match(run.stdout, /^·<F0><9F>\s+\d+$/m);
    assert.match(run.stdout, /^<A6>\s+\d+$/m);
    const stdin = lmx(['tokenize', '-', '-e', 'char'], dir, 'ab\n');
    assert.match(stdin.stdout, /^↵\s+10$/m);
  });

  it('trains on a folder, skipping binary files, then generates and shows attention', () => {
    const train = lmx(
      ['train', 'notes', '--out', model(), '--preset', 'tiny', '--steps', '6', '--batch-size', '2', '--context', '16', '--tokenizer', 'char', '--backend', 'cpu', '--eval-interval', '3', '--eval-batches', '1', '--checkpoint-interval', '3', '--dropout', '0.3', '--json'],
      dir,
    );
    assert.strictEqual(train.status, 0, train.stderr);
    assert.match(train.stderr, /skipping notes\/image\.md: binary file \(contains NUL bytes\)/);
    assert.match(train.stderr, /skipping notes\/latin1\.txt: binary file \(not valid UTF-8\)/);
    assert.match(train.stderr, /^corpus: 2 documents, /m);
    assert.match(train.stderr, /^model: .* parameters, dropout 0\.3 while training$/m);
    assert.match(train.stderr, /^step 3\/6  loss \d+\.\d{3}  val \d+\.\d{3}  [\d,]+ tok\/s  ETA /m);
    assert.match(train.stderr, /^step 6\/6 /m);
    assert.match(train.stderr, /^ended at step 6\/6, loss .*; kept step [36], validation loss \d+\.\d{3} \(\d+\.\d\d bits per byte\), .*; saved to /m);
    assert.match(train.stderr, /^(Finished at step 6\.|Stopped at step 6) .*Kept the model/m);
    const summary = JSON.parse(train.stdout);
    assert.strictEqual(summary.step, 6);
    assert.strictEqual(summary.backend, 'cpu');
    assert.strictEqual(summary.corpus.documents, 2);
    assert.strictEqual(summary.dropout, 0.3);
    assert.ok(summary.tokensPerSecond > 0);
    const files = fs.readdirSync(model()).sort();
    // latest-model.safetensors only when the kept model (the best validation) is not the last step's
    const keptLast = summary.kept.step === 6;
    assert.deepStrictEqual(files, ['config.json', ...(keptLast ? [] : ['latest-model.safetensors']), 'model.safetensors', 'trainer-state.safetensors', 'trainer.json', 'vocab.json']);

    const gen = lmx(['generate', '--model', model(), '--prompt', 'natura', '--max-tokens', '12', '--seed', '5', '--backend', 'cpu'], dir);
    assert.strictEqual(gen.status, 0, gen.stderr);
    assert.ok(gen.stdout.startsWith('natura'), gen.stdout);
    assert.ok([...gen.stdout.trimEnd()].length > 'natura'.length);
    const again = lmx(['generate', '--model', model(), '--prompt', 'natura', '--max-tokens', '12', '--seed', '5', '--backend', 'cpu'], dir);
    assert.strictEqual(again.stdout, gen.stdout, 'seeded generation repeats');

    const att = lmx(['attention', '--model', model(), '--text', 'fox ąę', '--layer', '1', '--head', '1', '--backend', 'cpu'], dir);
    assert.strictEqual(att.status, 0, att.stderr);
    const lines = att.stdout.trimEnd().split('\n');
    assert.strictEqual(lines[0], 'decoder, causal attention (each token sees the tokens before it); layer 1, head 1: row = query token, column = key token it attends to');
    const matrix = lines.slice(1);
    // ę is in the notes (najpiękniejsze); ą is not: it is spelled in its two UTF-8 bytes (C4 85)
    assert.strictEqual(matrix.length, 1 + 7, 'header and one row per token');
    assert.ok(
      matrix.every((l) => [...l].length === [...matrix[0]].length),
      `rows are aligned:\n${matrix.join('\n')}`,
    );
    assert.match(matrix[1], /^0 f\s+1\.00(\s+·){6}$/);
    assert.match(matrix[5], /^4 <C4>/, 'ą is spelled in bytes');
    assert.match(matrix[6], /^5 <85>/);
    assert.match(matrix[7], /^6 ę/);
    const row5 = matrix[matrix.length - 1].trim().split(/\s+/).slice(2).map(Number);
    assert.ok(Math.abs(row5.reduce((a, b) => a + b, 0) - 1) < 0.05, 'a row sums to 1');

    const resume = lmx(['train', 'notes', '--out', model(), '--steps', '8', '--batch-size', '2', '--backend', 'cpu', '--eval-batches', '1', '--resume', '--json'], dir);
    assert.strictEqual(resume.status, 0, resume.stderr);
    assert.strictEqual(JSON.parse(resume.stdout).step, 8);
    assert.match(resume.stderr, /^step 8\/8 /m);
    assert.ok(!/^step [1-6]\/8 /m.test(resume.stderr), 'resumed at step 6');

    assertUsageError(lmx(['train', 'notes', '--out', model(), '--backend', 'cpu'], dir), /already holds a checkpoint; pass --resume to continue it, or --force to replace it\.$/);
    assertUsageError(lmx(['train', 'notes', '--out', model(), '--resume', '--preset', 'small'], dir), /--preset cannot be changed when resuming/);
    assertUsageError(lmx(['attention', '--model', model(), '--text', 'fox', '--layer', '2', '--backend', 'cpu'], dir), /--layer must be between 0 and 1 \(the model has 2 layers\), got 2\.$/);
  });

  describe('--out never replaces what is not a model folder', () => {
    const tiny = ['--preset', 'tiny', '--steps', '2', '--batch-size', '2', '--context', '8', '--tokenizer', 'char', '--backend', 'cpu', '--eval-batches', '0'];

    it('the notes folder itself, with or without --force, keeps every file byte for byte', () => {
      const before = snapshot(path.join(dir, 'notes'));
      for (const force of [[], ['--force'], ['--resume']]) {
        assertUsageError(
          lmx(['train', 'notes', '--out', 'notes', ...tiny, ...force], dir),
          /^lmx: --out notes holds files that are not a checkpoint's: \.git\/, a\.md, image\.md and 3 more; choose a new or empty folder \(--force replaces only a model folder\)\.$/,
        );
        assert.deepStrictEqual(snapshot(path.join(dir, 'notes')), before, `notes changed (${force.join(' ') || 'no flag'})`);
      }
      assert.deepStrictEqual(fs.readdirSync(dir).filter((n) => n.startsWith('notes.')), [], 'nothing written beside it');
    });

    it('a regular file is kept', () => {
      const file = path.join(dir, 'precious.txt');
      fs.writeFileSync(file, 'the only copy of my thesis\n');
      for (const out of ['precious.txt', path.join('precious.txt', 'model')]) {
        assertUsageError(lmx(['train', 'notes', '--out', out, ...tiny, '--force'], dir), /^lmx: --out precious\.txt(\/model)? is (inside )?a file, not a folder; choose a new or empty folder/);
      }
      assert.strictEqual(fs.readFileSync(file, 'utf8'), 'the only copy of my thesis\n');
      assert.deepStrictEqual(fs.readdirSync(dir).filter((n) => n.startsWith('precious.txt.')), []);
    });

    it('--force replaces a model folder and says so; an interrupted save is recovered, never trained over', () => {
      const out = path.join(dir, 'forced');
      const first = lmx(['train', 'notes', '--out', out, ...tiny, '--seed', '1'], dir);
      assert.strictEqual(first.status, 0, first.stderr);
      const forced = lmx(['train', 'notes', '--out', out, ...tiny, '--seed', '2', '--force'], dir);
      assert.strictEqual(forced.status, 0, forced.stderr);
      assert.match(forced.stderr, new RegExp(`^note: replacing the checkpoint in ${out} \\(--force\\)$`, 'm'));
      assert.strictEqual(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).training.seed, 2);

      // A save cut between its two renames: no DIR, a complete DIR.tmp-* beside it.
      fs.renameSync(out, `${out}.tmp-0a0a0a`);
      const fresh = lmx(['train', 'notes', '--out', out, ...tiny], dir);
      assert.strictEqual(fresh.status, 2, fresh.stderr);
      assert.match(fresh.stderr, new RegExp(`^note: ${out} was recovered from a save that was cut short \\(forced\\.tmp-0a0a0a\\)$`, 'm'));
      assert.match(fresh.stderr, /already holds a checkpoint; pass --resume to continue it, or --force to replace it\.$/m);
      assert.strictEqual(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).training.seed, 2, 'the recovered checkpoint is in place');
      fs.renameSync(out, `${out}.old-0b0b0b`);
      const resumed = lmx(['train', 'notes', '--out', out, '--steps', '3', '--backend', 'cpu', '--eval-batches', '0', '--resume', '--json'], dir);
      assert.strictEqual(resumed.status, 0, resumed.stderr);
      assert.strictEqual(JSON.parse(resumed.stdout).step, 3, 'resumed from step 2');
      assert.deepStrictEqual(fs.readdirSync(dir).filter((n) => n.startsWith('forced.')), []);
    });
  });

  it('saves and exits cleanly on Ctrl-C', async function () {
    const out = path.join(dir, 'interrupted');
    const child = spawn(
      process.execPath,
      ['-r', path.join(root, 'scripts/ts-register.js'), path.join(root, 'src/cli/main.ts'), 'train', 'notes', '--out', out, '--preset', 'tiny', '--steps', '100000', '--batch-size', '1', '--context', '8', '--tokenizer', 'char', '--backend', 'cpu', '--eval-batches', '0'],
      { cwd: dir },
    );
    let stderr = '';
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (/^model: /m.test(stderr)) resolve();
      });
      child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
    });
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGINT');
    const code = await exit;
    assert.strictEqual(code, 130, stderr);
    assert.match(stderr, /interrupted: stopping after this step and saving/);
    assert.match(stderr, /^interrupted at step \d+\/100000, .*saved to .*\(continue with --resume\)$/m);
    assert.ok(!/\n\s+at /.test(stderr), stderr);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    assert.ok(config.step > 0 && config.step < 100000, `step ${config.step}`);
  });

  describe('bad input: one line on stderr, exit code 2', () => {
    it('a missing path', () => assertUsageError(lmx(['train', 'no-such-folder', '--out', 'x'], dir), /^lmx: No such file or folder: no-such-folder$/));
    it('an unknown option', () => assertUsageError(lmx(['train', 'notes', '--out', 'x', '--bogus'], dir), /^lmx train: unknown option '--bogus' \(see lmx train --help\)\.$/));
    it('an option without its value', () => assertUsageError(lmx(['generate', '--model'], dir), /option '--model' needs a value/));
    it('an unknown command', () => assertUsageError(lmx(['trian'], dir), /Unknown command 'trian'/));
    it('a bad number', () => {
      assertUsageError(lmx(['train', 'notes', '--out', 'x', '--steps', 'ten'], dir), /--steps must be a whole number, got "ten"\.$/);
      assertUsageError(lmx(['train', 'notes', '--out', 'x', '--lr=-1'], dir), /--lr must be > 0 and ≤ 10, got -1\.$/);
      assertUsageError(lmx(['generate', '--model', 'm', '--top-p', '1.5'], dir), /--top-p must be > 0 and ≤ 1, got 1\.5\.$/);
      assertUsageError(lmx(['train', 'notes', '--out', 'x', '--dropout', '1'], dir), /--dropout must be ≥ 0 and < 1, got 1\.$/);
      assertUsageError(lmx(['train', 'notes', '--out', 'x', '--tokenizer', 'gpt2'], dir), /--tokenizer must be one of o200k_base, cl100k_base, p50k_base, r50k_base, char; got "gpt2"\.$/);
    });
    it('a context that would not fit in memory, refused before anything is allocated', () => {
      const notes = path.join(dir, 'long-notes.md');
      fs.writeFileSync(notes, fs.readFileSync(path.join(dir, 'notes', 'a.md'), 'utf8').repeat(12));
      const run = lmx(['train', notes, '--out', 'too-big', '--preset', 'small', '--context', '8192', '--tokenizer', 'char', '--backend', 'cpu'], dir);
      assertUsageError(
        run,
        /^lmx: Training this model needs about \d+ GB of memory \(context 8192, batch 16, 4 layers, 4 heads, 128 channels, vocabulary \d+\), more than the [\d.]+ (MB|GB|TB) allowed \(75% of this (machine's|process's memory limit of) [\d.]+ (MB|GB|TB)\); use a shorter context or a smaller batch\.$/,
      );
      assert.ok(!fs.existsSync(path.join(dir, 'too-big')), 'nothing written');
      fs.rmSync(notes);
    });
    it('an empty corpus', () => assertUsageError(lmx(['train', 'empty', '--out', 'x'], dir), /No text to train on in empty/));
    it('a corpus too small for the context', () =>
      assertUsageError(lmx(['train', 'short.md', '--out', 'x', '--tokenizer', 'char', '--context', '64'], dir), /The corpus is too small for a context of 64 tokens/));
    it('a missing model folder', () => assertUsageError(lmx(['generate', '--model', 'nowhere', '--prompt', 'x'], dir), /nowhere: no such checkpoint folder$/));
    it('a corrupt model folder', () => {
      assert.ok(fs.existsSync(path.join(model(), 'model.safetensors')), 'needs the model the training test above writes (it failed?)');
      const broken = path.join(dir, 'broken');
      fs.cpSync(model(), broken, { recursive: true });
      const weights = path.join(broken, 'model.safetensors');
      const size = fs.statSync(weights).size;
      fs.truncateSync(weights, size - 10);
      // The default backend: the files are checked before any backend is probed.
      assertUsageError(
        lmx(['generate', '--model', broken, '--prompt', 'x'], dir),
        new RegExp(`broken/model\\.safetensors: file is truncated \\(expected ${size} bytes, found ${size - 10}\\)$`),
      );
      fs.writeFileSync(path.join(broken, 'config.json'), '{ not json');
      assertUsageError(lmx(['attention', '--model', broken, '--text', 'x'], dir), /broken\/config\.json: not valid JSON/);
    });
  });

  it('runs as the built dist/cli.js, with its #! line', () => {
    const bundle = path.join(root, 'dist', 'cli.js');
    const stale = !fs.existsSync(bundle) || fs.statSync(bundle).mtimeMs < fs.statSync(path.join(root, 'src', 'cli', 'main.ts')).mtimeMs;
    assert.ok(!stale, `${bundle} is missing or older than src/cli/main.ts: run \`npm run build\` (npm test builds first)`);
    assert.ok(fs.readFileSync(bundle, 'utf8').startsWith('#!/usr/bin/env node\n'));
    const run = spawnSync(bundle, ['tokenize', 'hello world'], { encoding: 'utf8' });
    assert.strictEqual(run.status, 0, run.stderr);
    assert.match(run.stdout, /^·world\s+\d+$/m);
  });
});
