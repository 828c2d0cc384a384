// Dynamic masking (src/engine/mlm/masking.ts): the statistics of many batches against the rates, within a
// binomial tolerance, and never a special token chosen or drawn.

import * as assert from 'assert';
import { MASKING_DEFAULTS, MaskBranch, maskingVocabulary, maskTokens, unchangedShare, validateMaskingRates, type MaskingRates } from '../../../../src/engine/mlm/masking';
import { Rng } from '../../../../src/engine/rng';
import { Vocabulary } from '../../../../src/engine/vocab';

const vocabulary = Vocabulary.build([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], 'o200k_base', { mask: true });
const ids = maskingVocabulary(vocabulary);

/** Batches of random tokens with <sep>, <unk> and [MASK] scattered in (about 1 in 8 special). */
function batchOf(n: number, rng: Rng): Int32Array {
  const specials = [Vocabulary.UNK, Vocabulary.SEP, vocabulary.maskId!];
  return Int32Array.from({ length: n }, () => (rng.int(8) === 0 ? specials[rng.int(3)] : Vocabulary.SPECIALS + rng.int(vocabulary.size - 3)));
}

/** |observed − expected share| within z binomial standard deviations. */
function assertBinomial(hits: number, trials: number, p: number, what: string, z = 4.5): void {
  const sd = Math.sqrt((p * (1 - p)) / trials);
  const share = hits / trials;
  assert.ok(Math.abs(share - p) <= z * sd, `${what}: ${share.toFixed(4)} of ${trials}, expected ${p} ± ${(z * sd).toFixed(4)}`);
}

function statistics(rates: MaskingRates, batches: number) {
  const rng = new Rng(4242);
  const data = new Rng(7);
  let eligible = 0;
  let chosen = 0;
  const branches: Record<number, number> = { [MaskBranch.MASK]: 0, [MaskBranch.RANDOM]: 0, [MaskBranch.UNCHANGED]: 0 };
  let specialChosen = 0;
  let specialDrawn = 0;
  for (let b = 0; b < batches; b++) {
    const x = batchOf(16 * 64, data);
    const m = maskTokens(x, ids, rates, rng);
    for (let i = 0; i < x.length; i++) {
      const special = vocabulary.isSpecial(x[i]);
      if (!special) eligible++;
      const branch = m.branches[i];
      if (branch === MaskBranch.NONE) {
        assert.strictEqual(m.inputs[i], x[i], 'a position not chosen is left alone');
        continue;
      }
      chosen++;
      if (special) specialChosen++;
      branches[branch]++;
      if (branch === MaskBranch.MASK) assert.strictEqual(m.inputs[i], vocabulary.maskId);
      if (branch === MaskBranch.UNCHANGED) assert.strictEqual(m.inputs[i], x[i]);
      if (branch === MaskBranch.RANDOM && vocabulary.isSpecial(m.inputs[i])) specialDrawn++;
    }
    assert.deepStrictEqual(Array.from(m.targets), Array.from(x), 'the targets are the original tokens');
    assert.deepStrictEqual(Array.from(m.positions), Array.from(m.branches).flatMap((br, i) => (br !== MaskBranch.NONE ? [i] : [])), 'positions are the chosen ones, ascending');
  }
  return { eligible, chosen, branches, specialChosen, specialDrawn };
}

describe('masking', () => {
  it('has the defaults 15% chosen, 80% [MASK] / 10% random / 10% unchanged', () => {
    assert.deepStrictEqual(MASKING_DEFAULTS, { maskRate: 0.15, maskTokenShare: 0.8, randomTokenShare: 0.1 });
    assert.ok(Math.abs(unchangedShare(MASKING_DEFAULTS) - 0.1) < 1e-12);
  });

  for (const rates of [MASKING_DEFAULTS, { maskRate: 0.4, maskTokenShare: 0.5, randomTokenShare: 0.3 }]) {
    it(`over 300 batches comes out at ${rates.maskRate} / ${rates.maskTokenShare} / ${rates.randomTokenShare} / ${unchangedShare(rates).toFixed(2)} within a binomial tolerance, never choosing or drawing a special token`, () => {
      const s = statistics(rates, 300);
      assert.strictEqual(s.specialChosen, 0, 'a special token was chosen');
      assert.strictEqual(s.specialDrawn, 0, 'a random replacement was a special token');
      assert.ok(s.eligible > 250_000);
      assertBinomial(s.chosen, s.eligible, rates.maskRate, 'chosen');
      assertBinomial(s.branches[MaskBranch.MASK], s.chosen, rates.maskTokenShare, '[MASK]');
      assertBinomial(s.branches[MaskBranch.RANDOM], s.chosen, rates.randomTokenShare, 'random');
      assertBinomial(s.branches[MaskBranch.UNCHANGED], s.chosen, unchangedShare(rates), 'unchanged');
    });
  }

  it('draws a fresh mask each batch from the Rng, and the same mask from the same Rng state', () => {
    const x = batchOf(512, new Rng(3));
    const rng = new Rng(11);
    const first = maskTokens(x, ids, MASKING_DEFAULTS, rng);
    const second = maskTokens(x, ids, MASKING_DEFAULTS, rng);
    assert.notDeepStrictEqual(Array.from(first.branches), Array.from(second.branches));
    const again = maskTokens(x, ids, MASKING_DEFAULTS, new Rng(11));
    assert.deepStrictEqual(Array.from(again.inputs), Array.from(first.inputs));
  });

  it('chooses at least one position, never one of weight 0, and refuses a batch of special tokens only', () => {
    const x = Int32Array.from([Vocabulary.SEP, 300, Vocabulary.SEP, 301]);
    for (let seed = 0; seed < 50; seed++) {
      const m = maskTokens(x, ids, { ...MASKING_DEFAULTS, maskRate: 0.01 }, new Rng(seed), [1, 0, 1, 1]);
      assert.deepStrictEqual(Array.from(m.positions), [3]);
    }
    assert.throws(() => maskTokens(Int32Array.from([0, 1, vocabulary.maskId!]), ids, MASKING_DEFAULTS, new Rng(1)), /special tokens only/);
  });

  it('rejects rates that do not add up', () => {
    assert.throws(() => validateMaskingRates({ maskRate: 0, maskTokenShare: 0.8, randomTokenShare: 0.1 }), /masking rate/);
    assert.throws(() => validateMaskingRates({ maskRate: 0.15, maskTokenShare: 0.8, randomTokenShare: 0.3 }), /add up to more than 1/);
    assert.deepStrictEqual(validateMaskingRates(MASKING_DEFAULTS), MASKING_DEFAULTS);
  });

  it('knows the vocabulary [MASK] (last ID) and its special tokens; a decoder vocabulary has none', () => {
    assert.strictEqual(vocabulary.maskId, vocabulary.size - 1);
    assert.deepStrictEqual(ids.specialIds, [0, 1, vocabulary.size - 1]);
    assert.strictEqual(vocabulary.tokenLabel(vocabulary.maskId!), '[MASK]');
    assert.strictEqual(vocabulary.decode([Vocabulary.FIRST_BYTE + 65, vocabulary.maskId!]), 'A', '[MASK] decodes to nothing');
    const decoder = Vocabulary.build([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], 'o200k_base');
    assert.strictEqual(decoder.maskId, undefined);
    assert.strictEqual(decoder.size, vocabulary.size - 1, 'the same IDs but for [MASK]');
    assert.throws(() => maskingVocabulary(decoder), /no \[MASK\]/);
    const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(vocabulary.toJSON())));
    assert.strictEqual(back.maskId, vocabulary.maskId);
    assert.strictEqual(Vocabulary.fromJSON(JSON.parse(JSON.stringify(decoder.toJSON()))).maskId, undefined);
  });
});
