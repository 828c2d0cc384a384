import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { GPT, type GPTConfig } from '../../src/engine/model';
import { generate } from '../../src/engine/generate';
import { Rng } from '../../src/engine/rng';
import { DEFAULT_TRAIN_OPTIONS, learningRateAt, Trainer, type BatchSource, type TrainProgress, type TrainerState } from '../../src/engine/training';
import { DEFAULT_DROPOUT } from '../../src/engine/dropoutRate';
import * as fs from 'fs';
import * as path from 'path';

/** Batches from a token array, like Corpus.batch: random rows and the same rows shifted by one. */
class ArraySource implements BatchSource {
  constructor(
    readonly train: Int32Array,
    readonly val: Int32Array = train,
  ) {}
  batch(split: 'train' | 'val', B: number, T: number, rng: Rng) {
    const data = split === 'train' ? this.train : this.val;
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const s = rng.int(data.length - T);
      x.set(data.subarray(s, s + T), b * T);
      y.set(data.subarray(s + 1, s + T + 1), b * T);
    }
    return { x, y };
  }
  fits(split: 'train' | 'val', T: number) {
    return (split === 'train' ? this.train : this.val).length >= T + 1;
  }
}

const SENTENCE = 'the quick brown fox jumps over the lazy dog. ';
const chars = [...new Set(SENTENCE)].sort();
const encode = (s: string) => [...s].map((c) => chars.indexOf(c));
const decoder = { decode: (ids: number[]) => ids.map((i) => chars[i] ?? '?').join('') };

function repeated(text: string, times: number): Int32Array {
  return Int32Array.from(encode(text.repeat(times)));
}

const config: GPTConfig = { vocabSize: chars.length, contextLength: 16, nLayer: 2, nHead: 2, nEmbd: 32, positional: 'learned' };
/** For the tests of the mechanics (not of learning): small, so that each step is quick on the cpu backend. */
const mini: GPTConfig = { ...config, contextLength: 8, nLayer: 1, nEmbd: 16 };
const quiet = { evalInterval: 0, evalBatches: 0, warmupSteps: 0 };

describe('trainer', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('warms up linearly, then decays along a cosine to the minimum', () => {
    const o = { learningRate: 1e-3, minLearningRate: 1e-4, warmupSteps: 10, steps: 110 };
    assert.ok(Math.abs(learningRateAt(0, o) - 1e-3 / 11) < 1e-12);
    assert.ok(Math.abs(learningRateAt(9, o) - 1e-3 * (10 / 11)) < 1e-12);
    assert.ok(Math.abs(learningRateAt(10, o) - 1e-3) < 1e-12);
    assert.ok(Math.abs(learningRateAt(60, o) - 5.5e-4) < 1e-12); // halfway: the mean of max and min
    assert.ok(Math.abs(learningRateAt(110, o) - 1e-4) < 1e-12);
    for (let s = 11; s <= 110; s++) assert.ok(learningRateAt(s, o) < learningRateAt(s - 1, o));
  });

  for (const optimizer of ['js', 'tf'] as const) {
    it(`takes exact AdamW steps (${optimizer}): clipping by global norm, decay on matrices only`, async () => {
      const model = new GPT(mini, 3);
      const reference = new GPT(mini, 3);
      const source = new ArraySource(repeated(SENTENCE, 4));
      // dropout 0: the reference gradient is the plain loss's
      const o = { ...quiet, steps: 1, batchSize: 2, learningRate: 0.01, weightDecay: 0.5, gradClip: 0.05, eps: 1e-3, dropout: 0, optimizer };
      try {
        // the gradient the trainer will see: same weights, same first batch
        const { x, y } = source.batch('train', 2, mini.contextLength, new Rng(1337));
        const vars = [...reference.params.values()];
        const grads = tf.tidy(() => {
          const { grads: g } = tf.variableGrads(() => reference.loss(tf.tensor2d(x, [2, 8], 'int32'), tf.tensor2d(y, [2, 8], 'int32')), vars);
          return g;
        });
        const before = model.getWeights();
        let norm = 0;
        for (const g of Object.values(grads)) for (const v of g.dataSync()) norm += v * v;
        norm = Math.sqrt(norm);
        assert.ok(norm > o.gradClip, `norm ${norm} should be clipped`);
        const scale = o.gradClip / (norm + 1e-6);

        const trainer = new Trainer(model, source, o);
        const step = await trainer.trainStep();
        assert.ok(Math.abs(step.gradNorm - norm) < 1e-4 * norm, `gradNorm ${step.gradNorm} vs ${norm}`);
        const after = model.getWeights();
        for (const [name, v] of reference.params) {
          const g = grads[v.name].dataSync();
          const p0 = before.get(name)!;
          const decayed = v.rank >= 2;
          const lr = o.learningRate;
          // step 1: m̂ = ĝ, v̂ = ĝ² → p ← p·(1 − lr·wd) − lr·ĝ / (|ĝ| + eps)
          for (let i = 0; i < p0.length; i += 7) {
            const gh = g[i] * scale;
            const expected = p0[i] * (decayed ? 1 - lr * o.weightDecay : 1) - (lr * gh) / (Math.abs(gh) + o.eps);
            assert.ok(Math.abs(after.get(name)![i] - expected) < 2e-6, `${name}[${i}]: ${after.get(name)![i]} vs ${expected}`);
          }
        }
        tf.dispose(grads);
        trainer.dispose();
      } finally {
        model.dispose();
        reference.dispose();
      }
    });
  }

  it('runs AdamW the same in JavaScript and in tensor ops, and resumes across the two', async () => {
    const source = new ArraySource(repeated(SENTENCE, 6));
    const o = { steps: 5, batchSize: 2, learningRate: 3e-3, warmupSteps: 2, evalInterval: 0, evalBatches: 0 };
    const run = async (optimizer: 'js' | 'tf', steps: number, model: GPT, state?: TrainerState) => {
      const losses: number[] = [];
      const trainer = new Trainer(model, source, { ...o, steps, optimizer, onProgress: (p) => void losses.push(p.loss) }, state);
      await trainer.run();
      const s = trainer.state();
      trainer.dispose();
      return { losses, state: s };
    };
    const a = new GPT(mini, 4);
    const b = new GPT(mini, 4);
    const c = new GPT(mini, 4);
    try {
      const js = await run('js', 5, a);
      const t = await run('tf', 5, b);
      const first = await run('js', 2, c);
      const mixed = [...first.losses, ...(await run('tf', 5, c, first.state)).losses];
      assert.strictEqual(mixed.length, 5);
      for (const losses of [t.losses, mixed]) losses.forEach((l, i) => assert.ok(Math.abs(l - js.losses[i]) < 1e-5, `step ${i + 1}: ${l} vs ${js.losses[i]}`));
      for (const [name, w] of a.getWeights()) {
        const other = b.getWeights().get(name)!;
        w.forEach((x, i) => assert.ok(Math.abs(x - other[i]) < 1e-5, `${name}[${i}]: ${x} vs ${other[i]}`));
        const m = t.state.optimizer.m[name];
        js.state.optimizer.m[name].forEach((x, i) => assert.ok(Math.abs(x - m[i]) < 1e-6 + 1e-4 * Math.abs(x), `m ${name}[${i}]`));
      }
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  it('is reproducible, and resumes exactly from its state (dropout masks included)', async () => {
    const source = new ArraySource(repeated(SENTENCE, 6));
    const o = { steps: 6, batchSize: 2, evalInterval: 3, evalBatches: 1, warmupSteps: 2, seed: 7, dropout: 0.3 };
    const run = async (model: GPT, opts: object, state?: TrainerState) => {
      const losses: number[] = [];
      const vals: number[] = [];
      const trainer = new Trainer(model, source, { ...o, ...opts, onProgress: (p) => void (losses.push(p.loss), p.valLoss !== undefined && vals.push(p.valLoss)) }, state);
      await trainer.run();
      const s = trainer.state();
      trainer.dispose();
      return { losses, vals, state: s };
    };
    const a = new GPT(mini, 5);
    const b = new GPT(mini, 5);
    const c = new GPT(mini, 5);
    try {
      const full = await run(a, {});
      const again = await run(b, {});
      assert.deepStrictEqual(again.losses, full.losses);
      assert.deepStrictEqual(again.vals, full.vals);
      assert.strictEqual(full.losses.length, 6);
      assert.strictEqual(full.vals.length, 2);

      const first = await run(c, { steps: 3 });
      assert.strictEqual(first.state.step, 3);
      const resumedModel = new GPT(mini, 99); // other weights, replaced by the checkpoint's
      resumedModel.setWeights(c.getWeights());
      const copy: TrainerState = JSON.parse(JSON.stringify({ ...first.state, optimizer: undefined }));
      copy.optimizer = first.state.optimizer;
      const second = await run(resumedModel, {}, copy);
      assert.deepStrictEqual([...first.losses, ...second.losses], full.losses);
      assert.deepStrictEqual([...first.vals, ...second.vals], full.vals);
      for (const [name, w] of a.getWeights()) assert.deepStrictEqual(resumedModel.getWeights().get(name), w, name);
      assert.strictEqual(second.state.tokensSeen, 6 * 2 * 8);
      resumedModel.dispose();
      assert.throws(() => new Trainer(a, source, o, { ...first.state, optimizer: { m: {}, v: {} } }), /optimizer\.m has no entry for wte/);
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  it('drops out in training steps only: the same batch gives another loss and gradient, validation is the same with or without', async () => {
    const source = new ArraySource(repeated(SENTENCE, 6));
    const o = { ...quiet, steps: 3, batchSize: 2, evalBatches: 2, seed: 9 };
    const models = [new GPT(mini, 6), new GPT(mini, 6), new GPT(mini, 6)];
    const [plain, dropped, unset] = models;
    try {
      const without = new Trainer(plain, source, { ...o, dropout: 0 });
      const withDropout = new Trainer(dropped, source, { ...o, dropout: 0.3 });
      // validation before any step: the same weights, the same batches, the same loss
      const val = await without.evaluate();
      assert.ok(val !== undefined && Number.isFinite(val));
      assert.strictEqual(await withDropout.evaluate(), val);
      assert.strictEqual(await withDropout.evaluate(), val, 'validation is deterministic');

      // the first step: the same batch (the batch stream does not depend on dropout), another loss
      const { x, y } = source.batch('train', 2, mini.contextLength, new Rng(9));
      const reference = tf.tidy(() => plain.loss(tf.tensor2d(x, [2, 8], 'int32'), tf.tensor2d(y, [2, 8], 'int32')).dataSync()[0]);
      const a = await without.trainStep();
      const b = await withDropout.trainStep();
      assert.strictEqual(a.loss, reference, 'dropout 0: the plain loss, exactly');
      assert.notStrictEqual(b.loss, a.loss);
      assert.notStrictEqual(b.gradNorm, a.gradNorm);

      // a model with the dropped-out trainer's weights and state validates like it without dropout
      unset.setWeights(dropped.getWeights());
      const check = new Trainer(unset, source, { ...o, dropout: 0 }, withDropout.state());
      assert.strictEqual(await check.evaluate(), await withDropout.evaluate());
      for (const t of [without, withDropout, check]) t.dispose();
      assert.throws(() => new Trainer(plain, source, { dropout: 1 }), /dropout must be in \[0, 1\), got 1/);
    } finally {
      for (const m of models) m.dispose();
    }
  });

  it('has one default dropout rate: the trainer\'s is the setting\'s (package.json)', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    const setting = manifest.contributes.configuration.properties['lmExplorer.model.dropout'];
    assert.strictEqual(DEFAULT_TRAIN_OPTIONS.dropout, DEFAULT_DROPOUT);
    assert.strictEqual(setting.default, DEFAULT_DROPOUT);
    assert.ok(DEFAULT_DROPOUT > 0, 'training regularises by default');
  });

  for (const optimizer of ['js', 'tf'] as const) {
    it(`does not leak tensors across steps (AdamW in ${optimizer})`, async () => {
      const model = new GPT(mini, 1);
      try {
        const counts: Record<number, number> = {};
        const trainer = new Trainer(model, new ArraySource(repeated(SENTENCE, 6)), {
          steps: 20,
          batchSize: 2,
          optimizer,
          evalInterval: 4,
          evalBatches: 2,
          onProgress: (p) => {
            counts[p.step] = tf.memory().numTensors;
          },
        });
        await trainer.run();
        assert.strictEqual(counts[20], counts[2]);
        assert.strictEqual(counts[7], counts[2]);
        const end = tf.memory().numTensors;
        trainer.dispose();
        assert.strictEqual(tf.memory().numTensors, end - (optimizer === 'tf' ? 2 * model.params.size : 0)); // the moments
      } finally {
        model.dispose();
      }
    });
  }

  it('stops promptly when cancelled, and still hands over a checkpoint', async () => {
    const model = new GPT(mini, 1);
    try {
      const controller = new AbortController();
      const progress: TrainProgress[] = [];
      const checkpoints: number[] = [];
      const trainer = new Trainer(model, new ArraySource(repeated(SENTENCE, 6)), {
        steps: 1000,
        batchSize: 2,
        evalInterval: 0,
        evalBatches: 1,
        signal: controller.signal,
        checkpointInterval: 2,
        onCheckpoint: async (s) => void checkpoints.push(s.step),
        onProgress: (p) => {
          progress.push(p);
          if (p.step === 3) controller.abort();
        },
      });
      const result = await trainer.run();
      assert.strictEqual(result.cancelled, true);
      assert.strictEqual(result.stoppedBy, 'cancel');
      assert.strictEqual(result.step, 3);
      assert.strictEqual(progress.length, 3);
      assert.strictEqual(result.valLoss, undefined); // no evaluation after a cancel
      assert.deepStrictEqual(checkpoints, [2, 3]);
      const p = progress[2];
      assert.ok(p.tokensPerSecond > 0 && p.elapsedMs > 0 && p.lr > 0 && p.steps === 1000);

      // an abort from outside (a timer) gets in between steps too
      const outside = new AbortController();
      const timed = new Trainer(model, new ArraySource(repeated(SENTENCE, 6)), { steps: 100_000, batchSize: 2, ...quiet, signal: outside.signal });
      setTimeout(() => outside.abort(), 300);
      const t0 = Date.now();
      const r2 = await timed.run();
      assert.strictEqual(r2.stoppedBy, 'cancel');
      assert.ok(Date.now() - t0 < 5000 && r2.step > 0 && r2.step < 100_000);
      trainer.dispose();
      timed.dispose();
    } finally {
      model.dispose();
    }
  });

  it('stops when the loss is no longer a number, and saves nothing of the diverged step', async () => {
    // A training state whose first moments are near float32's largest value and whose second moments are 0:
    // the next AdamW update is infinite, so the step after it has a NaN loss: a real divergence.
    const model = new GPT(mini, 5);
    const source = new ArraySource(repeated(SENTENCE, 8));
    const shapes = model.parameterShapes();
    const moments = (fill: number) => Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill)]));
    const state: TrainerState = { step: 10, seed: 1, tokensSeen: 0, elapsedMs: 0, optimizer: { m: moments(3e38), v: moments(0) } };
    const saved: number[] = [];
    const trainer = new Trainer(model, source, { ...quiet, steps: 20, batchSize: 2, checkpointInterval: 100, optimizer: 'js', onCheckpoint: async (s) => void saved.push(s.step) }, state);
    const result = await trainer.run();
    trainer.dispose();
    assert.strictEqual(result.stoppedBy, 'diverged');
    assert.ok(result.step > 10 && result.step < 20, `stopped at step ${result.step}`);
    assert.deepStrictEqual(saved, [], 'no checkpoint of a diverged model');
    model.dispose();
  });

  it('stops at the time limit and validates at the end', async () => {
    const model = new GPT(mini, 1);
    try {
      const trainer = new Trainer(model, new ArraySource(repeated(SENTENCE, 6)), {
        steps: 100_000,
        batchSize: 2,
        evalInterval: 0,
        evalBatches: 1,
        maxMinutes: 0.4 / 60,
      });
      const result = await trainer.run();
      trainer.dispose();
      assert.strictEqual(result.stoppedBy, 'time');
      assert.strictEqual(result.cancelled, false);
      assert.ok(result.valLoss !== undefined && result.step > 0);
      assert.ok(result.elapsedMs < 5000, `${result.elapsedMs} ms`);
    } finally {
      model.dispose();
    }
  });

  // These train for a few hundred steps: on the wasm backend, about ten times faster than cpu here.
  // (The last test shows that wasm and cpu take the same steps.)
  describe('learning (wasm backend)', () => {
    before(async () => {
      await tf.setBackend('wasm');
    });
    after(async () => {
      await tf.setBackend('cpu');
    });

    it('learns a repetitive corpus: the loss falls far below its start', async function () {
      this.timeout(60_000);
      const model = new GPT(config, 1);
      try {
        const losses: number[] = [];
        const trainer = new Trainer(model, new ArraySource(repeated(SENTENCE, 20)), {
          steps: 120,
          batchSize: 8,
          learningRate: 3e-3,
          minLearningRate: 3e-4,
          warmupSteps: 10,
          evalInterval: 60,
          evalBatches: 2,
          onProgress: (p) => {
            losses.push(p.loss);
          },
        });
        const result = await trainer.run();
        trainer.dispose();
        assert.strictEqual(result.stoppedBy, 'steps');
        assert.strictEqual(result.step, 120);
        assert.ok(losses[0] > 2.5, `first loss ${losses[0]}`);
        assert.ok(result.loss! < 0.3 * losses[0], `loss fell only from ${losses[0]} to ${result.loss}`);
        assert.ok(result.valLoss! < 0.3 * losses[0], `validation loss ${result.valLoss}`);
      } finally {
        model.dispose();
      }
    });

    it('overfits one sentence until greedy decoding regenerates it', async function () {
      this.timeout(60_000);
      const model = new GPT({ ...config, contextLength: 24, nEmbd: 48 }, 2);
      try {
        const trainer = new Trainer(model, new ArraySource(repeated(SENTENCE, 30)), {
          steps: 250,
          batchSize: 8,
          learningRate: 5e-3,
          minLearningRate: 5e-4,
          warmupSteps: 20,
          weightDecay: 0,
          evalInterval: 0,
          evalBatches: 0,
        });
        await trainer.run();
        trainer.dispose();
        const prompt = 'the quick';
        const out = await generate(model, decoder, encode(prompt), { maxNewTokens: SENTENCE.length - prompt.length, temperature: 0 });
        assert.strictEqual(prompt + out.text, SENTENCE);
      } finally {
        model.dispose();
      }
    });
  });

  it('takes the same training steps on wasm as on cpu', async function () {
    this.timeout(60_000);
    const source = new ArraySource(repeated(SENTENCE, 6));
    const o = { steps: 3, batchSize: 3, learningRate: 1e-2, gradClip: 0.5, evalInterval: 3, evalBatches: 1, warmupSteps: 1 };
    const losses = async (backend: string) => {
      await tf.setBackend(backend);
      const model = new GPT(config, 8);
      const out: number[] = [];
      const trainer = new Trainer(model, source, { ...o, onProgress: (p) => void out.push(p.loss, ...(p.valLoss !== undefined ? [p.valLoss] : [])) });
      await trainer.run();
      trainer.dispose();
      model.dispose();
      return { out };
    };
    try {
      const wasm = await losses('wasm');
      assert.strictEqual(tf.getBackend(), 'wasm');
      const cpu = await losses('cpu');
      assert.strictEqual(wasm.out.length, 4);
      wasm.out.forEach((l, i) => assert.ok(Math.abs(l - cpu.out[i]) < 1e-4, `loss ${i}: wasm ${l}, cpu ${cpu.out[i]}`));
      assert.notStrictEqual(wasm.out[0], wasm.out[2]); // the steps changed the weights
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
