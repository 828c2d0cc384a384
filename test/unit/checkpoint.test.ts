import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backends';
import {
  CHECKPOINT_FORMAT_VERSION,
  CheckpointError,
  inspectModelFolder,
  loadCheckpoint,
  NotAModelFolderError,
  readCheckpointConfig,
  recoverInterruptedSave,
  saveCheckpoint,
} from '../../src/engine/checkpoint';
import { Corpus } from '../../src/engine/corpus';
import { UserError } from '../../src/engine/errors';
import { GPT, type GPTConfig } from '../../src/engine/model';
import { parseSafetensors, serializeSafetensors } from '../../src/engine/safetensors';
import { encode } from '../../src/engine/tokenizer';
import { Trainer, type TrainerState } from '../../src/engine/training';
import { Vocabulary } from '../../src/engine/vocab';

const TEXT = 'Natura stwarza najpiękniejsze obrazy. The quick brown fox jumps over the lazy dog. '.repeat(8);
const TRAIN = { batchSize: 2, evalBatches: 0, warmupSteps: 1, learningRate: 3e-3, seed: 7 };

function logitsOf(model: GPT, ids: number[]): Float32Array {
  return tf.tidy(() => model.forward(tf.tensor2d([ids], [1, ids.length], 'int32')).dataSync() as Float32Array);
}

/** Every file under `dir` (or `dir` itself when it is a file), relative path → its bytes. */
async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const visit = async (at: string, rel: string): Promise<void> => {
    const stat = await fs.lstat(at);
    if (stat.isDirectory()) {
      files.set(`${rel}/`, Buffer.alloc(0));
      for (const name of await fs.readdir(at)) await visit(path.join(at, name), rel ? `${rel}/${name}` : name);
    } else files.set(rel, await fs.readFile(at));
  };
  await visit(dir, '');
  return files;
}

async function expectCheckpointError(dir: string, file: string, message: RegExp): Promise<void> {
  await assert.rejects(loadCheckpoint(dir), (error: unknown) => {
    assert.ok(error instanceof CheckpointError, `not a CheckpointError: ${(error as Error)?.stack ?? error}`);
    assert.ok(error instanceof UserError);
    assert.strictEqual(error.file, path.join(path.resolve(dir), file));
    assert.ok(error.message.startsWith(`${path.join(path.resolve(dir), file)}: `), error.message);
    assert.match(error.message, message);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
}

describe('checkpoint', function () {
  let root: string;
  let vocab: Vocabulary;
  let corpus: Corpus;
  let config: GPTConfig;
  let model: GPT;
  let state: TrainerState;
  let good: string;

  before(async () => {
    await initBackend('cpu');
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'lmx-ckpt-'));
    vocab = Vocabulary.build([encode(TEXT, 'char')], 'char');
    corpus = Corpus.fromDocuments([TEXT], vocab, { blockSize: 16 });
    config = { vocabSize: vocab.size, contextLength: 16, nLayer: 1, nHead: 2, nEmbd: 16, positional: 'learned' };
    model = new GPT(config, 3);
    const trainer = new Trainer(model, corpus, { ...TRAIN, steps: 2 });
    await trainer.run();
    state = trainer.state();
    trainer.dispose();
    good = path.join(root, 'good');
    await saveCheckpoint(good, model, vocab, state, { info: { corpus: corpus.summary() } });
  });

  after(async () => {
    model?.dispose();
    await fs.rm(root, { recursive: true, force: true });
  });

  /** A fresh copy of the good checkpoint to break. */
  async function copy(name: string): Promise<string> {
    const dir = path.join(root, name);
    await fs.cp(good, dir, { recursive: true });
    return dir;
  }

  it('writes the documented files', async () => {
    assert.deepStrictEqual((await fs.readdir(good)).sort(), ['config.json', 'model.safetensors', 'trainer-state.safetensors', 'trainer.json', 'vocab.json']);
    const cfg = JSON.parse(await fs.readFile(path.join(good, 'config.json'), 'utf8'));
    assert.strictEqual(cfg.formatVersion, CHECKPOINT_FORMAT_VERSION);
    assert.deepStrictEqual(cfg.model, config);
    assert.strictEqual(cfg.tokenizer, 'char');
    assert.strictEqual(cfg.step, 2);
    assert.strictEqual(cfg.vocabSize, vocab.size);
    assert.ok(!Number.isNaN(Date.parse(cfg.created)));
    assert.deepStrictEqual(cfg.corpus, corpus.summary());
    const weights = parseSafetensors(await fs.readFile(path.join(good, 'model.safetensors')));
    assert.deepStrictEqual([...weights.tensors.keys()], Object.keys(model.parameterShapes()));
    assert.deepStrictEqual(weights.tensors.get('h.0.attn.c_q.weight')!.shape, [16, 16]);
    const moments = parseSafetensors(await fs.readFile(path.join(good, 'trainer-state.safetensors')));
    assert.deepStrictEqual(moments.tensors.get('m.wte')!.shape, [vocab.size, 16]);
    assert.strictEqual(moments.tensors.size, 2 * weights.tensors.size);
    assert.deepStrictEqual((await readCheckpointConfig(good)).model, config);
  });

  it('round-trips: identical logits, vocabulary and training state', async () => {
    const loaded = await loadCheckpoint(good);
    try {
      assert.strictEqual(loaded.dir, path.resolve(good));
      assert.deepStrictEqual(loaded.model.config, config);
      const ids = vocab.encode('Natura stwarza');
      assert.deepStrictEqual(logitsOf(loaded.model, ids), logitsOf(model, ids));
      assert.deepStrictEqual(loaded.vocab.toJSON(), vocab.toJSON());
      const s = loaded.state!;
      assert.strictEqual(s.step, 2);
      assert.strictEqual(s.seed, state.seed);
      assert.strictEqual(s.tokensSeen, state.tokensSeen);
      assert.deepStrictEqual(s.rngState, state.rngState);
      assert.strictEqual(s.loss, state.loss);
      for (const name of Object.keys(model.parameterShapes())) {
        assert.deepStrictEqual(s.optimizer.m[name], state.optimizer.m[name], `m.${name}`);
        assert.deepStrictEqual(s.optimizer.v[name], state.optimizer.v[name], `v.${name}`);
      }
    } finally {
      loaded.model.dispose();
    }
  });

  it('resumes training exactly where it stopped', async () => {
    // 4 steps straight through, versus 2 steps, save, load, 2 more.
    const straight = new GPT(config, 11);
    const a = new Trainer(straight, corpus, { ...TRAIN, steps: 4 });
    await a.run();
    a.dispose();
    const half = new GPT(config, 11);
    const b = new Trainer(half, corpus, { ...TRAIN, steps: 2 });
    await b.run();
    const dir = path.join(root, 'resume');
    await saveCheckpoint(dir, half, vocab, b.state());
    b.dispose();
    half.dispose();
    const loaded = await loadCheckpoint(dir);
    const c = new Trainer(loaded.model, corpus, { ...TRAIN, steps: 4 }, loaded.state);
    await c.run();
    c.dispose();
    const ids = vocab.encode('quick brown');
    assert.deepStrictEqual(logitsOf(loaded.model, ids), logitsOf(straight, ids));
    loaded.model.dispose();
    straight.dispose();
  });

  it('saves a model without training state', async () => {
    const dir = path.join(root, 'weights-only');
    await saveCheckpoint(dir, model, vocab);
    assert.ok(!(await fs.readdir(dir)).includes('trainer.json'));
    const loaded = await loadCheckpoint(dir);
    assert.strictEqual(loaded.state, undefined);
    assert.strictEqual(loaded.config.step, 0);
    loaded.model.dispose();
  });

  describe('refuses a broken checkpoint, naming the file and the problem', () => {
    it('a missing folder', async () => {
      const dir = path.join(root, 'nothing-here');
      await assert.rejects(loadCheckpoint(dir), (e: unknown) => e instanceof CheckpointError && e.message === `${dir}: no such checkpoint folder`);
    });

    it('a truncated model.safetensors', async () => {
      const dir = await copy('truncated');
      const file = path.join(dir, 'model.safetensors');
      const size = (await fs.stat(file)).size;
      await fs.truncate(file, 4096);
      await expectCheckpointError(dir, 'model.safetensors', new RegExp(`: file is truncated \\(expected ${size} bytes, found 4096\\)$`));
    });

    it('a tensor of the wrong shape', async () => {
      const dir = await copy('wrong-shape');
      const file = path.join(dir, 'model.safetensors');
      const { tensors, metadata } = parseSafetensors(await fs.readFile(file));
      tensors.set('h.0.attn.c_q.weight', { dtype: 'F32', shape: [16, 8], data: new Float32Array(128) });
      await fs.writeFile(file, serializeSafetensors(tensors, metadata));
      await expectCheckpointError(dir, 'model.safetensors', /: tensor "h\.0\.attn\.c_q\.weight" has shape \[16,8\], expected \[16,16\]$/);
    });

    it('a NaN or an infinite value in the weights or the training state', async () => {
      const dir = await copy('not-finite');
      const file = path.join(dir, 'model.safetensors');
      const original = await fs.readFile(file);
      const { tensors, metadata } = parseSafetensors(original);
      const weights = tensors.get('h.0.mlp.c_fc.weight')!;
      const broken = new Float32Array(weights.data as Float32Array);
      broken[37] = NaN;
      tensors.set('h.0.mlp.c_fc.weight', { ...weights, data: broken });
      await fs.writeFile(file, serializeSafetensors(tensors, metadata));
      await expectCheckpointError(dir, 'model.safetensors', /: tensor "h\.0\.mlp\.c_fc\.weight" holds NaN \(at index 37 of 1024\); the model is broken, train it again or load an earlier copy$/);
      await fs.writeFile(file, original);
      const stateFile = path.join(dir, 'trainer-state.safetensors');
      const state = parseSafetensors(await fs.readFile(stateFile));
      const moment = state.tensors.get('v.wte')!;
      const infinite = new Float32Array(moment.data as Float32Array);
      infinite[0] = -Infinity;
      state.tensors.set('v.wte', { ...moment, data: infinite });
      await fs.writeFile(stateFile, serializeSafetensors(state.tensors, state.metadata));
      await expectCheckpointError(dir, 'trainer-state.safetensors', /: tensor "v\.wte" holds an infinite value \(at index 0 of \d+\)/);
    });

    it('a missing and an unexpected tensor', async () => {
      const dir = await copy('missing-tensor');
      const file = path.join(dir, 'model.safetensors');
      const { tensors } = parseSafetensors(await fs.readFile(file));
      tensors.delete('ln_f.bias');
      await fs.writeFile(file, serializeSafetensors(tensors));
      await expectCheckpointError(dir, 'model.safetensors', /: tensor "ln_f\.bias" \(shape \[16\]\) is missing$/);
      tensors.set('ln_f.bias', { dtype: 'F32', shape: [16], data: new Float32Array(16) });
      tensors.set('lm_head.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
      await fs.writeFile(file, serializeSafetensors(tensors));
      await expectCheckpointError(dir, 'model.safetensors', /: unexpected tensor "lm_head\.weight"/);
    });

    it('config.json that is not JSON', async () => {
      const dir = await copy('bad-json');
      await fs.writeFile(path.join(dir, 'config.json'), '{"formatVersion": 1, "model": {');
      await expectCheckpointError(dir, 'config.json', /: not valid JSON \(/);
    });

    it('a missing file', async () => {
      const dir = await copy('missing-file');
      await fs.rm(path.join(dir, 'vocab.json'));
      await expectCheckpointError(dir, 'vocab.json', /: file is missing$/);
      const dir2 = await copy('missing-config');
      await fs.rm(path.join(dir2, 'config.json'));
      await expectCheckpointError(dir2, 'config.json', /: file is missing$/);
      const dir3 = await copy('missing-moments');
      await fs.rm(path.join(dir3, 'trainer-state.safetensors'));
      await expectCheckpointError(dir3, 'trainer-state.safetensors', /: file is missing \(trainer\.json is there\)$/);
    });

    it('a format version it does not know', async () => {
      const dir = await copy('future');
      const file = path.join(dir, 'config.json');
      const cfg = JSON.parse(await fs.readFile(file, 'utf8'));
      await fs.writeFile(file, JSON.stringify({ ...cfg, formatVersion: 99 }));
      await expectCheckpointError(dir, 'config.json', /: formatVersion 99 is not supported \(this version of LM Explorer reads 1\)$/);
      delete cfg.formatVersion;
      await fs.writeFile(file, JSON.stringify(cfg));
      await expectCheckpointError(dir, 'config.json', /: has no formatVersion; not an LM Explorer checkpoint$/);
    });

    it('an impossible model configuration', async () => {
      const dir = await copy('bad-config');
      const file = path.join(dir, 'config.json');
      const cfg = JSON.parse(await fs.readFile(file, 'utf8'));
      await fs.writeFile(file, JSON.stringify({ ...cfg, model: { ...cfg.model, nHead: 3 } }));
      await expectCheckpointError(dir, 'config.json', /: "model": .*divisible by nHead/);
    });

    it('a vocabulary of the wrong size', async () => {
      const dir = await copy('vocab-size');
      const file = path.join(dir, 'vocab.json');
      const json = JSON.parse(await fs.readFile(file, 'utf8'));
      json.tokens.pop();
      json.counts.pop();
      await fs.writeFile(file, JSON.stringify(json));
      await expectCheckpointError(dir, 'vocab.json', new RegExp(`: has ${vocab.size - 1} tokens, but config.json says the model's vocabSize is ${vocab.size}$`));
      json.tokens.push(json.tokens[0]);
      json.counts.push(1);
      await fs.writeFile(file, JSON.stringify(json));
      await expectCheckpointError(dir, 'vocab.json', /: vocabulary token \d+ appears twice$/);
    });

    it('a training state that does not fit the model', async () => {
      const dir = await copy('bad-state');
      const file = path.join(dir, 'trainer-state.safetensors');
      const { tensors } = parseSafetensors(await fs.readFile(file));
      tensors.set('v.wpe', { dtype: 'F32', shape: [8, 16], data: new Float32Array(128) });
      await fs.writeFile(file, serializeSafetensors(tensors));
      await expectCheckpointError(dir, 'trainer-state.safetensors', /: tensor "v\.wpe" has shape \[8,16\], expected \[16,16\]$/);
      const jsonFile = path.join(dir, 'trainer.json');
      await fs.cp(path.join(good, 'trainer-state.safetensors'), file);
      const json = JSON.parse(await fs.readFile(jsonFile, 'utf8'));
      await fs.writeFile(jsonFile, JSON.stringify({ ...json, step: -3 }));
      await expectCheckpointError(dir, 'trainer.json', /: "step" -3 is not a whole number ≥ 0$/);
    });
  });

  describe('never replaces what it did not write', () => {
    /** A folder of notes: files at the top, in a subfolder, and one named like a checkpoint file. */
    async function notesFolder(name: string): Promise<string> {
      const dir = path.join(root, name);
      await fs.mkdir(path.join(dir, 'lectures'), { recursive: true });
      await fs.writeFile(path.join(dir, 'notatki.md'), '# Wykład 1\nZażółć gęślą jaźń.\n');
      await fs.writeFile(path.join(dir, 'lectures', 'w2.txt'), 'Druga notatka.\n');
      await fs.writeFile(path.join(dir, 'vocab.json'), '{"mine": true}\n');
      return dir;
    }

    async function expectRefused(dir: string, inTheWay: RegExp): Promise<void> {
      await assert.rejects(saveCheckpoint(dir, model, vocab, state), (error: unknown) => {
        assert.ok(error instanceof NotAModelFolderError, `not a NotAModelFolderError: ${(error as Error)?.stack ?? error}`);
        assert.ok(error instanceof UserError);
        assert.ok(error.message.startsWith(path.resolve(dir) + ' '), error.message);
        assert.match(error.message, inTheWay);
        assert.match(error.message, /nothing was written\.$/);
        return true;
      });
    }

    async function siblingsOf(dir: string): Promise<string[]> {
      return (await fs.readdir(path.dirname(dir))).filter((n) => n.startsWith(`${path.basename(dir)}.`));
    }

    it('tells a missing, an empty, a model and any other folder apart', async () => {
      assert.deepStrictEqual(await inspectModelFolder(path.join(root, 'nowhere')), { kind: 'missing', dir: path.join(root, 'nowhere') });
      const empty = path.join(root, 'empty-folder');
      await fs.mkdir(empty);
      assert.strictEqual((await inspectModelFolder(empty)).kind, 'empty');
      assert.deepStrictEqual(await inspectModelFolder(good), { kind: 'model', dir: path.resolve(good) });
      const notes = await inspectModelFolder(await notesFolder('inspect-notes'));
      assert.strictEqual(notes.kind, 'other');
      assert.deepStrictEqual(notes.kind === 'other' && notes.inTheWay, ['lectures/', 'notatki.md'], 'vocab.json is a checkpoint file name');
      const file = path.join(root, 'precious.txt');
      await fs.writeFile(file, 'keep me');
      assert.deepStrictEqual(await inspectModelFolder(file), { kind: 'other', dir: file, reason: 'is a file, not a folder', inTheWay: ['precious.txt'] });
      assert.strictEqual((await inspectModelFolder(path.join(file, 'model'))).kind, 'other');
      const link = path.join(root, 'link-to-model');
      await fs.symlink(good, link);
      assert.strictEqual((await inspectModelFolder(link)).kind, 'other');
      // Only checkpoint files, but the config.json is someone else's (a Hugging Face folder, say).
      const foreign = path.join(root, 'hf-model');
      await fs.mkdir(foreign);
      await fs.writeFile(path.join(foreign, 'config.json'), '{"model_type": "gpt2"}');
      await fs.copyFile(path.join(good, 'model.safetensors'), path.join(foreign, 'model.safetensors'));
      const hf = await inspectModelFolder(foreign);
      assert.ok(hf.kind === 'other' && /has no config\.json of an LM Explorer checkpoint/.test(hf.reason), JSON.stringify(hf));
    });

    it('a folder of notes keeps every file byte for byte', async () => {
      const dir = await notesFolder('notes-as-target');
      const before = await snapshot(dir);
      await expectRefused(dir, /holds files that are not a checkpoint's: lectures\/, notatki\.md;/);
      assert.deepStrictEqual(await snapshot(dir), before);
      assert.deepStrictEqual(await siblingsOf(dir), [], 'no temporary folder left beside it');
    });

    it('a regular file is kept', async () => {
      const file = path.join(root, 'precious-2.txt');
      await fs.writeFile(file, 'my only copy\n');
      await expectRefused(file, /is a file, not a folder;/);
      assert.strictEqual(await fs.readFile(file, 'utf8'), 'my only copy\n');
      assert.deepStrictEqual(await siblingsOf(file), []);
    });

    it('a model folder with a note of the user in it is kept whole', async () => {
      const dir = await copy('model-plus-note');
      await fs.writeFile(path.join(dir, 'README.md'), 'what this model is\n');
      const before = await snapshot(dir);
      await expectRefused(dir, /holds files that are not a checkpoint's: README\.md;/);
      assert.deepStrictEqual(await snapshot(dir), before);
    });

    it('fills an empty folder and replaces a model folder', async () => {
      const empty = path.join(root, 'empty-target');
      await fs.mkdir(empty);
      await saveCheckpoint(empty, model, vocab, { ...state, step: 6 });
      assert.strictEqual((await readCheckpointConfig(empty)).step, 6);
      await saveCheckpoint(empty, model, vocab, { ...state, step: 7 });
      assert.strictEqual((await readCheckpointConfig(empty)).step, 7);
      assert.deepStrictEqual(await siblingsOf(empty), []);
    });

    it('removes old copies by name: a file that appears in one is left where it is', async () => {
      const dir = await copy('old-copy-gains-a-file');
      let oldDir = '';
      await saveCheckpoint(dir, model, vocab, { ...state, step: 8 }, {
        betweenRenames: async (old) => {
          oldDir = old;
          await fs.writeFile(path.join(old, 'draft.md'), 'written while saving\n');
        },
      });
      assert.strictEqual((await readCheckpointConfig(dir)).step, 8);
      assert.deepStrictEqual(await fs.readdir(oldDir), ['draft.md']);
      assert.strictEqual(await fs.readFile(path.join(oldDir, 'draft.md'), 'utf8'), 'written while saving\n');
      // A later save removes leftovers the same way: the draft still stays.
      await saveCheckpoint(dir, model, vocab, { ...state, step: 9 });
      assert.deepStrictEqual(await fs.readdir(oldDir), ['draft.md']);
    });

    it('recovers an interrupted save into DIR, and a save starts from it', async () => {
      const dir = path.join(root, 'recover');
      assert.strictEqual(await recoverInterruptedSave(dir), undefined, 'nothing to recover');
      const newer = path.join(root, 'recover-src');
      await saveCheckpoint(newer, model, vocab, { ...state, step: 5 });
      await fs.rename(newer, `${dir}.tmp-ffffff`);
      assert.strictEqual(await recoverInterruptedSave(dir), `${dir}.tmp-ffffff`);
      assert.strictEqual((await readCheckpointConfig(dir)).step, 5);
      assert.deepStrictEqual(await siblingsOf(dir), []);
      assert.strictEqual(await recoverInterruptedSave(dir), undefined, 'DIR is there: nothing to do');
    });
  });

  describe('saves atomically', () => {
    async function stepOf(dir: string): Promise<number> {
      const loaded = await loadCheckpoint(dir);
      loaded.model.dispose();
      return loaded.config.step;
    }

    async function siblings(dir: string): Promise<string[]> {
      const base = path.basename(dir);
      return (await fs.readdir(path.dirname(dir))).filter((n) => n.startsWith(`${base}.`));
    }

    it('keeps the previous checkpoint when a save fails before the swap', async () => {
      const dir = path.join(root, 'atomic-1');
      await saveCheckpoint(dir, model, vocab, state);
      const later = { ...state, step: 9 };
      await assert.rejects(
        saveCheckpoint(dir, model, vocab, later, {
          beforeSwap: () => {
            throw new Error('disk full');
          },
        }),
        /disk full/,
      );
      assert.strictEqual(await stepOf(dir), 2);
      assert.deepStrictEqual(await siblings(dir), [], 'no temporary folder left behind');
    });

    it('puts the previous checkpoint back when a save fails between the renames', async () => {
      const dir = path.join(root, 'atomic-2');
      await saveCheckpoint(dir, model, vocab, state);
      await assert.rejects(
        saveCheckpoint(dir, model, vocab, { ...state, step: 9 }, {
          betweenRenames: () => {
            throw new Error('power cut');
          },
        }),
        /power cut/,
      );
      assert.strictEqual(await stepOf(dir), 2);
      assert.deepStrictEqual(await siblings(dir), []);
      await saveCheckpoint(dir, model, vocab, { ...state, step: 10 });
      assert.strictEqual(await stepOf(dir), 10);
    });

    it('loads the newest complete copy after a crash between the renames, and a later save cleans up', async () => {
      // The state a crash leaves between "DIR → DIR.old-*" and "DIR.tmp-* → DIR": no DIR, both copies complete,
      // plus an interrupted write that must never be taken.
      const dir = path.join(root, 'atomic-3');
      const older = path.join(root, 'older');
      const newer = path.join(root, 'newer');
      await saveCheckpoint(older, model, vocab, { ...state, step: 3 });
      await saveCheckpoint(newer, model, vocab, { ...state, step: 4 });
      await fs.rename(older, `${dir}.old-aaaaaa`);
      await fs.rename(newer, `${dir}.tmp-bbbbbb`);
      await fs.mkdir(`${dir}.tmp-cccccc`);
      await fs.writeFile(`${dir}.tmp-cccccc/model.safetensors`, 'partial');
      const loaded = await loadCheckpoint(dir);
      assert.strictEqual(loaded.config.step, 4);
      assert.strictEqual(loaded.dir, `${dir}.tmp-bbbbbb`);
      loaded.model.dispose();
      assert.strictEqual((await readCheckpointConfig(dir)).step, 4);
      await saveCheckpoint(dir, model, vocab, { ...state, step: 5 });
      assert.strictEqual(await stepOf(dir), 5);
      assert.deepStrictEqual(await siblings(dir), [], 'leftovers removed');
    });

    it('never loads an interrupted write', async () => {
      const dir = path.join(root, 'atomic-4');
      await fs.mkdir(`${dir}.tmp-dddddd`);
      await fs.writeFile(`${dir}.tmp-dddddd/model.safetensors`, 'partial');
      await assert.rejects(loadCheckpoint(dir), (e: unknown) => e instanceof CheckpointError && /no such checkpoint folder$/.test(e.message));
      // With DIR present, leftovers beside it are ignored.
      await saveCheckpoint(dir, model, vocab, state, {
        beforeSwap: async (tmp) => {
          assert.ok(tmp.startsWith(`${dir}.tmp-`));
          assert.ok((await fs.readdir(tmp)).includes('config.json'), 'config.json written before the swap');
        },
      });
      await fs.mkdir(`${dir}.tmp-eeeeee`);
      assert.strictEqual(await stepOf(dir), 2);
    });
  });
});
