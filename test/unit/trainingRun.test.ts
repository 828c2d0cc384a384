// The one training path (src/engine/trainingRun.ts): what `auto` plans, the split, keeping the best model,
// early stopping, copied samples; and that `lmx train` and the extension's engine worker build the same run
// from the same folder, files with CRLF line ends included.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/engine/backends';
import { loadCheckpoint, readCheckpointWeights, saveCheckpoint } from '../../src/engine/checkpoint';
import { GPT } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';
import { Trainer } from '../../src/engine/training';
import { COPY_MIN_TOKENS, CopyDetector } from '../../src/engine/copyDetection';
import { splitDocuments } from '../../src/engine/runCorpus';
import { RUN_DEFAULTS } from '../../src/engine/runSettings';
import { planTraining } from '../../src/engine/trainingPlan';
import { buildTrainingRun, normalizeText, runTraining, type TrainingRun } from '../../src/engine/trainingRun';
import { Vocabulary } from '../../src/engine/vocab';
import { EngineClient } from '../../src/worker/engine/client';
import type { CorpusInfo, TrainEvent, TrainingPlanInfo } from '../../src/worker/engine/protocol';

const root = path.join(__dirname, '..', '..');
const WORKER = path.join(root, 'src', 'worker', 'engine', 'worker.ts');

/** Notes of random words: nothing in one note's tail follows from its head beyond word frequencies, so a model that learns more than those is memorising. */
function randomNotes(documents: number, words: number, seed: number): string[] {
  const lexicon = (
    'apple river stone cloud green house music paper water light north table dream glass horse smile bread chair plant money forest window ' +
    'garden summer winter yellow silver orange planet rocket butter candle doctor engine family guitar island jacket kitten ladder market ' +
    'needle ocean pencil rabbit saddle tiger violin wallet basket bottle camera dinner'
  ).split(' ');
  const rng = new Rng(seed);
  return Array.from({ length: documents }, () => Array.from({ length: words }, () => lexicon[rng.int(lexicon.length)]).join(' ') + '\n');
}

/** The exact validation loss of a model on a run's validation part. */
async function validationLoss(run: TrainingRun, model: GPT): Promise<number> {
  const trainer = new Trainer(model, run.corpus, { ...run.trainOptions, optimizer: 'js' });
  try {
    return (await trainer.evaluate())!;
  } finally {
    trainer.dispose();
  }
}

describe('training run', function () {
  this.timeout(180_000);
  let scratch: string;

  before(async () => {
    await initBackend('auto');
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-training-run-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('normalises line ends and the byte-order mark, and nothing else', () => {
    assert.strictEqual(normalizeText('\uFEFFa\r\nb\rc\nd  \t'), 'a\nb\nc\nd  \t');
  });

  it('holds out the tail of every document, not the end of the last one', () => {
    const { train, val } = splitDocuments([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16, 17, 18, 19, 20], [21, 22]], 0.2);
    assert.deepStrictEqual(train, [[1, 2, 3, 4, 5, 6, 7, 8], [11, 12, 13, 14, 15, 16, 17, 18], [21, 22]]);
    assert.deepStrictEqual(val, [[9, 10], [19, 20]]);
  });

  it('builds the vocabulary from the training part only', async () => {
    const run = await buildTrainingRun(['alpha beta gamma '.repeat(40) + 'zebra zebra zebra'], { contextLength: 8, minCount: 1 });
    const zebra = run.vocab.encode(' zebra');
    // " zebra" occurs only in the tail (the validation part): it is spelled in bytes, not a token of its own
    assert.ok(zebra.length > 1 && zebra.every((id) => run.vocab.byteOf(id) !== undefined), JSON.stringify(zebra));
    assert.ok(run.vocab.encode(' beta').length === 1);
    assert.strictEqual(run.sizes.unknownTokens, 0);
    assert.strictEqual(run.sizes.trainBytes + run.sizes.valBytes, Buffer.byteLength('alpha beta gamma '.repeat(40) + 'zebra zebra zebra'));
  });

  it('plans from the corpus size with auto, and takes explicit settings as they are', () => {
    const small = planTraining(5_000);
    assert.strictEqual(small.preset, 'tiny');
    assert.strictEqual(small.contextLength, 64);
    // 120 passes over 5,000 tokens at 16 × 64 tokens a step
    assert.strictEqual(small.steps, Math.round((120 * 5_000) / 1024));
    // a larger corpus gets more steps, up to the tiny model's budget of 2.5M training tokens
    assert.strictEqual(planTraining(50_000).steps, Math.floor(2_500_000 / 1024));
    assert.ok(small.reasons.some((r) => /^Model: tiny, because 5,000 training tokens/.test(r)), small.reasons.join('\n'));
    const larger = planTraining(400_000);
    assert.strictEqual(larger.preset, 'small');
    assert.strictEqual(larger.contextLength, 128);
    assert.strictEqual(larger.steps, Math.floor(800_000 / (16 * 128)));
    assert.ok(larger.reasons.some((r) => r.includes("the small model's budget of 800k training tokens")), larger.reasons.join('\n'));
    const set = planTraining(5_000, { preset: 'medium', contextLength: 32, steps: 77, learningRate: 0.01, patience: 0 });
    assert.deepStrictEqual([set.preset, set.contextLength, set.steps, set.learningRate, set.patience], ['medium', 32, 77, 0.01, 0]);
    assert.ok(set.reasons.includes('Model: medium, as set.') && set.reasons.includes('Steps: 77, as set.'));
  });

  it('has one set of defaults, which package.json repeats', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const sections = Array.isArray(pkg.contributes.configuration) ? pkg.contributes.configuration : [pkg.contributes.configuration];
    const props = Object.assign({}, ...sections.map((s: { properties: object }) => s.properties));
    const setting = (key: string) => props[`lmExplorer.${key}`]?.default;
    assert.deepStrictEqual(
      {
        preset: setting('model.preset'),
        contextLength: setting('model.contextLength'),
        positional: setting('model.positional'),
        tokenizer: setting('model.tokenizer'),
        steps: setting('training.steps'),
        minutes: setting('training.minutes'),
        learningRate: setting('training.learningRate'),
        batchSize: setting('training.batchSize'),
        patience: setting('training.patience'),
        weightDecay: setting('training.weightDecay'),
        checkpointInterval: setting('training.checkpointInterval'),
      },
      {
        preset: RUN_DEFAULTS.preset,
        contextLength: RUN_DEFAULTS.contextLength,
        positional: RUN_DEFAULTS.positional,
        tokenizer: RUN_DEFAULTS.tokenizer,
        steps: RUN_DEFAULTS.steps,
        minutes: RUN_DEFAULTS.minutes,
        learningRate: RUN_DEFAULTS.learningRate,
        batchSize: RUN_DEFAULTS.batchSize,
        patience: RUN_DEFAULTS.patience,
        weightDecay: RUN_DEFAULTS.weightDecay,
        checkpointInterval: RUN_DEFAULTS.checkpointInterval,
      },
    );
    const dropout = setting('model.dropout');
    if (dropout !== undefined) assert.strictEqual(dropout, RUN_DEFAULTS.dropout);
  });

  /** A run made to overfit: random words, a model much larger than they need, a high learning rate, no dropout. */
  async function overfitting(patience: number) {
    const run = await buildTrainingRun(randomNotes(3, 120, 11), {
      preset: 'tiny',
      contextLength: 16,
      batchSize: 8,
      steps: 200,
      learningRate: 0.003,
      warmupSteps: 5,
      dropout: 0,
      weightDecay: 0,
      evalInterval: 10,
      patience,
      minCount: 1,
      checkpointInterval: 40,
      minutes: 0,
    });
    const model = new GPT(run.config, 1);
    const dir = path.join(scratch, `overfit-${patience}`);
    const saves: { step: number; kept?: number }[] = [];
    const valLosses: { step: number; valLoss: number }[] = [];
    const outcome = await runTraining(run, model, undefined, {
      save: async (state, kept) => {
        saves.push({ step: state.step, ...(kept ? { kept: kept.step } : {}) });
        await saveCheckpoint(dir, model, run.vocab, state, kept ? { kept } : {});
      },
      onProgress: (p) => {
        if (p.valLoss !== undefined) valLosses.push({ step: p.step, valLoss: p.valLoss });
      },
      trainer: { optimizer: 'js' },
    });
    return { run, model, dir, saves, valLosses, outcome };
  }

  it('keeps the best model of a run that overfits, and saves the latest state beside it', async () => {
    const { run, model, dir, valLosses, outcome } = await overfitting(0);
    try {
      const { result, kept } = outcome;
      assert.strictEqual(result.stoppedBy, 'steps');
      assert.strictEqual(result.step, 200);
      assert.ok(kept, 'a kept model');
      const lowest = valLosses.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
      assert.deepStrictEqual({ step: kept.step, valLoss: kept.valLoss }, lowest);
      const lastVal = valLosses[valLosses.length - 1].valLoss;
      assert.ok(kept.step < 100, `validation is best early (step ${kept.step}), before memorising: ${JSON.stringify(valLosses)}`);
      assert.ok(lastVal > kept.valLoss + 0.5, `validation rose after step ${kept.step}: ${kept.valLoss} → ${lastVal}`);
      // the model returned is the kept one
      assert.ok(Math.abs((await validationLoss(run, model)) - kept.valLoss) < 1e-4);
      assert.match(outcome.message, new RegExp(`^Finished at step 200\\. Kept the model from step ${kept.step} \\(validation loss ${kept.valLoss.toFixed(3)}\\)\\.$`));
      // on disk: the kept model for the features, the latest weights and state for Resume
      const features = await loadCheckpoint(dir);
      const resume = await loadCheckpoint(dir, { weights: 'latest' });
      try {
        assert.deepStrictEqual(features.kept, { step: kept.step, valLoss: kept.valLoss });
        assert.strictEqual(features.weights, 'kept');
        assert.strictEqual(resume.weights, 'latest');
        assert.strictEqual(resume.state?.step, 200);
        assert.deepStrictEqual(resume.state?.best, { step: kept.step, valLoss: kept.valLoss });
        assert.ok(Math.abs((await validationLoss(run, features.model)) - kept.valLoss) < 1e-4);
        assert.ok(Math.abs((await validationLoss(run, resume.model)) - lastVal) < 1e-4);
      } finally {
        features.model.dispose();
        resume.model.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  it('resumes from the latest state, measuring the kept model again on the notes as they are now', async () => {
    const { dir, model: first } = await overfitting(0);
    first.dispose();
    const latest = await loadCheckpoint(dir, { weights: 'latest' });
    const keptWeights = await readCheckpointWeights(dir, 'kept');
    const before = latest.state!.best!;
    // other notes: the old best validation loss is a number from other text
    const run = await buildTrainingRun(randomNotes(3, 120, 99), { contextLength: 16, batchSize: 8, steps: 210, evalInterval: 10, patience: 0, minutes: 0 }, {
      vocab: latest.vocab,
      config: latest.model.config,
      step: latest.state!.step,
    });
    const keptModel = new GPT(latest.model.config);
    keptModel.setWeights(keptWeights!);
    const keptNow = await validationLoss(run, keptModel);
    keptModel.dispose();
    assert.ok(Math.abs(keptNow - before.valLoss) > 1e-3, 'the kept model scores differently on the new notes');
    const outcome = await runTraining(run, latest.model, latest.state, { save: async () => undefined, trainer: { optimizer: 'js' } }, { ...before, weights: keptWeights! });
    try {
      assert.strictEqual(outcome.result.step, 210);
      const kept = outcome.kept!;
      if (kept.step === before.step) assert.ok(Math.abs(kept.valLoss - keptNow) < 1e-4, `${kept.valLoss} vs ${keptNow}`);
      else assert.ok(kept.step > 200 && kept.valLoss < keptNow, 'a later step is kept only when it beats the kept model on the new notes');
    } finally {
      latest.model.dispose();
    }
  });

  it('stops early when validation stops improving, naming both steps', async () => {
    const { model, valLosses, outcome } = await overfitting(3);
    try {
      const { result, kept } = outcome;
      assert.strictEqual(result.stoppedBy, 'early-stop');
      assert.ok(kept && result.step < 200);
      assert.strictEqual(result.step, kept.step + 3 * 10, 'three validations, 10 steps apart, without a new best');
      assert.ok(valLosses.filter((v) => v.step > kept.step).every((v) => v.valLoss >= kept.valLoss));
      assert.strictEqual(
        outcome.message,
        `Stopped at step ${result.step}: validation loss has not improved since step ${kept.step}, so the model had started to memorise the notes. ` +
          `Kept the model from step ${kept.step} (validation loss ${kept.valLoss.toFixed(3)}).`,
      );
    } finally {
      model.dispose();
    }
  });

  it('finds samples that copy 8 or more consecutive tokens of the training text', () => {
    const train = Array.from({ length: 100 }, (_, i) => i + 300);
    const copies = new CopyDetector(train);
    assert.strictEqual(COPY_MIN_TOKENS, 8);
    assert.strictEqual(copies.longestCopy([1, 2, 310, 311, 312, 313, 314, 315, 316, 3]), undefined, '7 tokens are not a copy');
    assert.deepStrictEqual(copies.longestCopy([1, 310, 311, 312, 313, 314, 315, 316, 317, 318, 4, 350, 351]), { start: 1, tokens: 9 });
  });

  it('gives the same vocabulary, corpus and model from lmx train and from the engine worker, CRLF files included', async () => {
    const notes = path.join(scratch, 'notes');
    fs.mkdirSync(path.join(notes, 'sub'), { recursive: true });
    const [a, b, c] = randomNotes(3, 300, 5);
    fs.writeFileSync(path.join(notes, 'a.md'), a.replace(/ (?=model)/g, '\n').replace(/\n/g, '\r\n')); // Windows line ends
    fs.writeFileSync(path.join(notes, 'b.txt'), '\uFEFF' + b); // a byte-order mark
    fs.writeFileSync(path.join(notes, 'sub', 'c.md'), c);
    const cliDir = path.join(scratch, 'cli-model');
    const cli = spawnSync(
      process.execPath,
      ['-r', path.join(root, 'scripts/ts-register.js'), path.join(root, 'src/cli/main.ts'), 'train', notes, '--out', cliDir, '--steps', '1', '--backend', 'cpu', '--json'],
      { encoding: 'utf8' },
    );
    assert.strictEqual(cli.status, 0, cli.stderr);
    const summary = JSON.parse(cli.stdout) as { corpus: CorpusInfo; plan: TrainingPlanInfo };

    // The extension's host reads the files' texts and hands them to the worker as they are (in path order).
    const files = [path.join(notes, 'a.md'), path.join(notes, 'b.txt'), path.join(notes, 'sub', 'c.md')];
    const documents = files.map((f) => fs.readFileSync(f, 'utf8'));
    assert.ok(documents[0].includes('\r\n'));
    const workerDir = path.join(scratch, 'worker-model');
    const client = new EngineClient({ workerPath: WORKER });
    const events: TrainEvent[] = [];
    try {
      await client.request(
        'train',
        {
          documents,
          fresh: { preset: 'auto', contextLength: 0, positional: 'learned', tokenizer: 'o200k_base' },
          checkpointDir: workerDir,
          backend: 'cpu',
          settings: { steps: 1, learningRate: 0, batchSize: RUN_DEFAULTS.batchSize, evalInterval: 0, checkpointInterval: RUN_DEFAULTS.checkpointInterval, sampleInterval: 0, samplePrompt: '', sampleTokens: 0, seed: RUN_DEFAULTS.seed, maxMinutes: RUN_DEFAULTS.minutes },
        },
        { onEvent: (e) => events.push(e) },
      );
    } finally {
      client.dispose();
    }
    const corpus = events.find((e): e is Extract<TrainEvent, { kind: 'corpus' }> => e.kind === 'corpus')!.corpus;
    const plan = events.find((e): e is Extract<TrainEvent, { kind: 'plan' }> => e.kind === 'plan')!.plan;
    assert.deepStrictEqual(corpus, summary.corpus);
    for (const key of ['preset', 'contextLength', 'steps', 'batchSize', 'dropout', 'patience', 'reasons'] as const) {
      assert.deepStrictEqual(plan[key], summary.plan[key], key);
    }
    const read = (dir: string, file: string) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    assert.deepStrictEqual(read(workerDir, 'vocab.json'), read(cliDir, 'vocab.json'));
    assert.deepStrictEqual(read(workerDir, 'config.json').model, read(cliDir, 'config.json').model);
    // The same seed and options: the same first step, so the same weights.
    assert.deepStrictEqual(fs.readFileSync(path.join(workerDir, 'model.safetensors')), fs.readFileSync(path.join(cliDir, 'model.safetensors')));
    // and CRLF made no difference: no token holds a carriage return
    const vocab = Vocabulary.fromJSON(read(cliDir, 'vocab.json'));
    for (let id = vocab.firstToken; id < vocab.size; id++) assert.ok(!vocab.tokenLabel(id, { whitespace: false }).includes('\r'));
  });
});
