// The engine worker's sampling requests, called as the worker calls them, against the engine directly.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PRESETS } from '../../../src/engine/presets';
import { scoreText, textTotals } from '../../../src/engine/sampling/index';
import { encode } from '../../../src/engine/tokenizer';
import { Vocabulary } from '../../../src/engine/vocab';
import { samplingHandlers } from '../../../src/worker/engine/samplingHandlers';
import { randomModel } from '../fixtures/randomModel';

const NOTES = 'Feed the starter with flour and water every day. The bread rises overnight in a warm kitchen.';

describe('engine worker: sampling requests', () => {
  const signal = new AbortController().signal;
  let vocab: Vocabulary;
  let model: ReturnType<typeof randomModel>;
  let other: ReturnType<typeof randomModel>;
  let held: { model: ReturnType<typeof randomModel>; vocab: Vocabulary };

  before(async () => {
    await tf.setBackend('cpu');
    vocab = Vocabulary.build([encode(NOTES, 'o200k_base')], 'o200k_base');
    model = randomModel({ ...PRESETS.tiny, contextLength: 16, vocabSize: vocab.size }, 4, { wteStd: 0.6, std: 0.3 });
    other = randomModel({ ...PRESETS.tiny, contextLength: 16, vocabSize: vocab.size }, 5, { wteStd: 0.6, std: 0.3 });
    held = { model, vocab };
  });
  after(() => {
    model.dispose();
    other.dispose();
  });

  it('scores the detail and the totals of their ranges in one pass, as the engine scores each range', async () => {
    const h = samplingHandlers(() => held);
    const text = NOTES + ' Zażółć gęślą jaźń. ' + NOTES;
    const detail = { start: 30, end: 80 };
    const totals = [
      { start: 0, end: 60 },
      { start: 60, end: text.length },
    ];
    const result = await h.score({ text, detail, totals }, { signal });
    const expected = await scoreText(model, vocab, text, { range: detail, topGuesses: 5 });
    assert.deepStrictEqual(
      result.tokens.map((t) => [t.id, t.start, t.end, t.rank, t.prob, t.top.map((g) => g.id)]),
      expected.map((t) => [t.id, t.start, t.end, t.rank, t.prob, t.top.map((g) => g.id)]),
    );
    for (const [i, range] of totals.entries()) {
      const own = textTotals(await scoreText(model, vocab, text, { range, topGuesses: 0 }), vocab);
      assert.deepStrictEqual(result.totals![i], own);
    }
    assert.deepStrictEqual([result.contextLength, result.stride], [16, 8]);
    assert.ok(result.tokens.every((t) => !t.label.includes('\uFFFD') && !t.text.includes('\uFFFD')));
  });

  it('keeps a session per lab: steps, undo, the view of a past step; a session of an earlier model is refused', async () => {
    const h = samplingHandlers(() => held);
    const params = { temperature: 0.9, topK: 10 };
    const opened = await h.samplingOpen({ prompt: 'Feed the', params }, { signal });
    const stepped = await h.samplingStep({ session: opened.session, choice: { kind: 'greedy' }, params }, { signal });
    assert.strictEqual(stepped.steps[0].id, opened.view.bars[0].id);
    const past = await h.samplingView({ session: opened.session, params, at: 0 }, { signal });
    assert.deepStrictEqual(past.view, opened.view);
    const undone = await h.samplingUndo({ session: opened.session, params }, { signal });
    assert.deepStrictEqual(undone.view, opened.view);
    assert.deepStrictEqual(undone.steps, []);
    const replayed = await h.samplingOpen({ prompt: 'Feed the', params, replay: [stepped.steps[0].id] }, { signal });
    assert.deepStrictEqual(replayed.view, stepped.view);
    held = { model: other, vocab };
    await assert.rejects(h.samplingStep({ session: opened.session, choice: { kind: 'greedy' }, params }, { signal }), { code: 'user' });
    held = { model, vocab };
    assert.deepStrictEqual(await h.samplingClose({ session: replayed.session }, { signal }), { closed: true });
    assert.deepStrictEqual(await h.samplingClose({ session: replayed.session }, { signal }), { closed: false });
  });

  it('puts the validation part where training holds out the end of a note', async () => {
    const h = samplingHandlers(() => held);
    const { start, valFraction } = await h.validationSplit({ text: NOTES }, { signal });
    const n = encode(NOTES, 'o200k_base').length;
    const tail = Math.round(n * valFraction);
    assert.strictEqual(encode(NOTES.slice(start), 'o200k_base').length, tail);
  });
});
