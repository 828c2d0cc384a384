// What the dashboard reads out of the curves: bits per byte, the uniform guess, the best validation
// point, the memorising stretches and a sample's copied run (src/features/training/core/trainingInsights.ts).
import * as assert from 'assert';
import {
  bestValidation,
  bitsPerByte,
  bitsPerByteFactors,
  copiedRange,
  describeStretch,
  memorisingStretches,
  uniformLoss,
  type CurvePoint,
} from '../../../../src/features/training/core/trainingInsights';

/** Training points every 10 steps with a validation reading every `every` steps from `val`. */
function curve(train: (step: number) => number, val: number[], every = 50): CurvePoint[] {
  const points: CurvePoint[] = [];
  const last = val.length * every;
  for (let step = 10; step <= last; step += 10) {
    const p: CurvePoint = { step, loss: train(step) };
    if (step % every === 0) p.valLoss = val[step / every - 1];
    points.push(p);
  }
  return points;
}

describe('training insights', () => {
  it('converts nats per token to bits per byte', () => {
    // A token per byte at ln 2 nats is one bit per byte.
    assert.strictEqual(bitsPerByte(Math.LN2, 100, 100), 1);
    // 3 nats per token, 1,000 tokens over 4,000 bytes: 3·1000 / (4000·ln 2) = 1.0820…
    assert.ok(Math.abs(bitsPerByte(3, 1000, 4000) - 1.082021) < 1e-6);
    const f = bitsPerByteFactors({ trainTokens: 900, valTokens: 100, trainBytes: 3600, valBytes: 500 });
    assert.ok(f);
    assert.ok(Math.abs(f.train - 900 / (3600 * Math.LN2)) < 1e-12);
    assert.ok(Math.abs(f.val - 100 / (500 * Math.LN2)) < 1e-12);
    assert.strictEqual(bitsPerByteFactors({ trainTokens: 900, valTokens: 100 }), undefined, 'no byte counts: no conversion');
    assert.strictEqual(bitsPerByteFactors({ trainTokens: 900, valTokens: 0, trainBytes: 10, valBytes: 0 }), undefined);
    assert.strictEqual(bitsPerByteFactors(undefined), undefined);
  });

  it('puts the uniform guess at ln V', () => {
    assert.ok(Math.abs(uniformLoss(3400) - 8.1315) < 1e-4);
    assert.strictEqual(uniformLoss(1), 0);
  });

  it('finds the best validation point, the earliest of equal ones', () => {
    const points = curve((s) => 5 - s / 100, [6, 5.5, 5.2, 5.2, 5.9]);
    assert.deepStrictEqual(bestValidation(points), { step: 150, valLoss: 5.2 });
    assert.strictEqual(bestValidation([{ step: 1, loss: 3 }]), undefined);
    assert.deepStrictEqual(bestValidation([{ step: 1, loss: 3, valLoss: NaN }, { step: 2, loss: 3, valLoss: 4 }]), { step: 2, valLoss: 4 });
  });

  it('finds the stretch where validation rises while training loss falls (the issue’s run)', () => {
    // Validation lowest at step 200, then worse at every evaluation, while training loss keeps falling.
    const val = [7.4, 6.7, 7.1, 7.9, 9.0, 10.4, 11.6];
    const points = curve((s) => 8 * Math.exp(-s / 80) + 0.1, val, 100);
    const stretches = memorisingStretches(points);
    assert.strictEqual(stretches.length, 1);
    const [s] = stretches;
    assert.strictEqual(s.fromStep, 200);
    assert.strictEqual(s.toStep, 700);
    assert.strictEqual(s.bestValLoss, 6.7);
    assert.strictEqual(s.peakValLoss, 11.6);
    assert.ok(s.trainLossTo < s.trainLossFrom);
    assert.match(describeStretch(s), /^Steps 200–700: memorising: validation rises while training loss falls \(validation 6\.70 → 11\.60 at most, training \d\.\d\d → 0\.\d\d\)\.$/);
    // In bits per byte each part has its own factor.
    assert.match(describeStretch(s, { train: 1, val: 0.5 }), /\(validation 3\.35 → 5\.80 at most, training/);
  });

  it('sees no memorising while validation falls with the training loss', () => {
    const points = curve((s) => 6 - s / 200, [6, 5.6, 5.3, 5.1, 5.0, 4.95]);
    assert.deepStrictEqual(memorisingStretches(points), []);
  });

  it('needs two evaluations after the best and a clear rise', () => {
    const falling = (s: number) => 6 - s / 200;
    // One higher reading at the end: noise or the start of a rise, not yet a stretch.
    assert.deepStrictEqual(memorisingStretches(curve(falling, [6, 5.5, 5.0, 5.8])), []);
    // Two readings a hair above the best (0.005 nats): noise.
    assert.deepStrictEqual(memorisingStretches(curve(falling, [6, 5.5, 5.0, 5.003, 5.005])), []);
    // Two readings clearly above it: a stretch.
    assert.strictEqual(memorisingStretches(curve(falling, [6, 5.5, 5.0, 5.2, 5.4])).length, 1);
  });

  it('does not call a rise memorising when the training loss rose too (a bad learning rate, not memorising)', () => {
    const points = curve((s) => 3 + s / 100, [6, 5.0, 5.5, 6.0]);
    assert.deepStrictEqual(memorisingStretches(points), []);
  });

  it('ends a stretch where validation beats its best again, and finds the next one', () => {
    const val = [6, 5.0, 5.4, 5.6, 4.8, 4.7, 5.1, 5.5];
    const points = curve((s) => 6 - s / 150, val);
    const stretches = memorisingStretches(points);
    assert.deepStrictEqual(
      stretches.map((s) => [s.fromStep, s.toStep]),
      [
        [100, 200],
        [300, 400],
      ],
    );
  });

  it('averages the training loss since the previous evaluation (one noisy step does not decide)', () => {
    // The training loss falls, but the step right at the last evaluation is a spike above the best's.
    const points = curve((s) => 5 - s / 100, [6, 5.0, 5.4, 5.8], 50);
    const last = points[points.length - 1];
    last.loss = 4.5; // above the 4.0 of step 100, the best's step
    const [s] = memorisingStretches(points);
    assert.ok(s, 'still a stretch');
    assert.ok(s.trainLossTo < s.trainLossFrom, `${s.trainLossTo} < ${s.trainLossFrom}`);
  });

  it('finds a sample’s copied run in the text shown', () => {
    assert.deepStrictEqual(copiedRange('Bread is flour, water and salt.', 'flour, water'), { start: 9, end: 21 });
    assert.strictEqual(copiedRange('Bread', 'soup'), undefined);
    assert.strictEqual(copiedRange('Bread', ''), undefined);
  });
});
