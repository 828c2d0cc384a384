// Training an encoder through the one training path (buildTrainingRun + runTraining): a fresh mask every
// step, validation on a fixed mask, accuracy at the masked positions, and a model overfitted on one sentence
// that fills its masked word.

import * as assert from 'assert';
import { initBackend } from '../../../../src/engine/backends';
import { GPT } from '../../../../src/engine/model';
import { Trainer, type TrainProgress } from '../../../../src/engine/training';
import { buildTrainingRun, runTraining } from '../../../../src/engine/trainingRun';
import { fillMasks, encodeWithMasks } from '../../../../src/engine/mlm/fill';
import { MaskBranch } from '../../../../src/engine/mlm/masking';

const SENTENCE = 'Natura tworzy najpiękniejsze obrazy, a malarz tylko je kopiuje.';

describe('encoder training', function () {
  this.timeout(120_000);
  before(async () => {
    await initBackend('auto'); // the native addon where it is built: the cpu backend is 40× slower
  });

  it('builds an encoder run: [MASK] in the vocabulary, the kind in the config, the masking rates as settings', async () => {
    const run = await buildTrainingRun([SENTENCE.repeat(20)], { kind: 'encoder', preset: 'tiny', contextLength: 16, maskRate: 0.2, minCount: 1 });
    assert.strictEqual(run.config.kind, 'encoder');
    assert.strictEqual(run.vocab.maskId, run.vocab.size - 1);
    assert.strictEqual(run.config.vocabSize, run.vocab.size);
    assert.deepStrictEqual(run.trainOptions.masked?.rates, { maskRate: 0.2, maskTokenShare: 0.8, randomTokenShare: 0.1 });
    const decoder = await buildTrainingRun([SENTENCE.repeat(20)], { preset: 'tiny', contextLength: 16, minCount: 1 });
    assert.strictEqual(decoder.config.kind, undefined);
    assert.strictEqual(decoder.trainOptions.masked, undefined);
    assert.strictEqual(decoder.vocab.size, run.vocab.size - 1, 'the same vocabulary but for [MASK]');
    await assert.rejects(buildTrainingRun([SENTENCE.repeat(20)], { kind: 'encoder', maskTokenShare: 0.9, randomTokenShare: 0.2 }), /add up to more than 1/);
  });

  it('validates on the same rows and the same mask every time: unchanged weights, the same loss at a later step', async () => {
    const run = await buildTrainingRun([SENTENCE.repeat(30)], { kind: 'encoder', preset: 'tiny', contextLength: 16, minCount: 1 });
    const model = new GPT(run.config, 1);
    const trainer = new Trainer(model, run.corpus, { ...run.trainOptions, optimizer: 'js' });
    try {
      const first = await trainer.evaluate();
      await trainer.trainStep(0); // learning rate 0: the weights stay as they are
      const second = await trainer.evaluate();
      assert.ok(first !== undefined && Number.isFinite(first));
      assert.strictEqual(second, first);
    } finally {
      trainer.dispose();
      model.dispose();
    }
  });

  it('overfitted on one sentence, fills its masked word; reports accuracy on training and validation and a masking row', async function () {
    this.timeout(400_000); // 1200 steps: about 20 s alone, minutes on a shared machine
    const run = await buildTrainingRun([SENTENCE.repeat(40)], {
      kind: 'encoder',
      preset: 'tiny',
      contextLength: 16,
      batchSize: 16,
      steps: 1200,
      // more chosen positions per step than the default 15%: the one sentence is learnt in fewer steps
      maskRate: 0.3,
      learningRate: 0.003,
      warmupSteps: 10,
      dropout: 0,
      weightDecay: 0,
      evalInterval: 200,
      patience: 0,
      minCount: 1,
      minutes: 0,
      valFraction: 0.1,
    });
    const model = new GPT(run.config, 1);
    const progress: TrainProgress[] = [];
    try {
      const outcome = await runTraining(run, model, undefined, { save: async () => undefined, onProgress: (p) => void progress.push(p), trainer: { optimizer: 'js' } });
      assert.strictEqual(outcome.result.step, 1200);
      for (const p of progress) {
        assert.ok(p.accuracy !== undefined && p.accuracy >= 0 && p.accuracy <= 1, `training accuracy ${p.accuracy}`);
        assert.ok(p.masking && p.masking.inputs.length === 16 && p.masking.branches.some((b) => b !== MaskBranch.NONE));
        p.masking.branches.forEach((b, i) => {
          if (b === MaskBranch.MASK) assert.strictEqual(p.masking!.inputs[i], run.vocab.maskId);
          if (b === MaskBranch.NONE || b === MaskBranch.UNCHANGED) assert.strictEqual(p.masking!.inputs[i], p.masking!.targets[i]);
        });
      }
      const evaluated = progress.filter((p) => p.valLoss !== undefined);
      assert.ok(evaluated.length >= 4 && evaluated.every((p) => p.valAccuracy !== undefined));
      const last = progress[progress.length - 1];
      assert.ok(last.loss < progress[0].loss / 4, `training loss fell: ${progress[0].loss} → ${last.loss}`);
      assert.ok(last.valAccuracy! > 0.8, `validation accuracy ${last.valAccuracy}`);

      // every word of the sentence, masked in turn, is filled back as the first candidate
      const ids = run.vocab.encode(SENTENCE);
      let right = 0;
      for (let k = 1; k < ids.length - 1; k++) {
        const masked = ids.slice();
        masked[k] = run.vocab.maskId!;
        const { candidates } = await fillMasks(model, run.vocab, masked);
        assert.strictEqual(candidates.length, 10);
        assert.ok(candidates.every((c, i) => i === 0 || c.prob <= candidates[i - 1].prob), 'most likely first');
        if (candidates[0].ids[0] === ids[k]) right++;
      }
      assert.ok(right >= ids.length - 3, `${right} of ${ids.length - 2} words filled back`);
      // and written as text: a whole word (one token with its leading space) in place of [MASK]
      const k = ids.findIndex((id, i) => i > 2 && run.vocab.decode([id]).startsWith(' '));
      const text = `${run.vocab.decode(ids.slice(0, k))} [MASK]${run.vocab.decode(ids.slice(k + 1))}`;
      const { candidates, maskPositions } = await fillMasks(model, run.vocab, encodeWithMasks(text, run.vocab));
      assert.deepStrictEqual(maskPositions, [k]);
      assert.strictEqual(candidates[0].text, run.vocab.decode([ids[k]]), `${text}: ${candidates[0].text}`);
    } finally {
      model.dispose();
    }
  });
});
