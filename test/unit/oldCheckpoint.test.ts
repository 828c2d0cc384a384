// A checkpoint saved by the code before byte fallback and the kept model (vocabulary format 1, one set of
// weights) must still load, encode as it did (unknown tokens are <unk>) and generate the same tokens.
// test/fixtures/checkpoint-v1 was written by that code, with the tokens it generated in expected.json.

import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../src/engine/backends';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { generate } from '../../src/engine/generate';
import { Vocabulary } from '../../src/engine/vocab';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'checkpoint-v1');

interface Expected {
  prompt: string;
  promptIds: number[];
  greedy: number[];
  greedyText: string;
  sampledSeed3: number[];
  sampledText: string;
  unkPrompt: string;
  unkPromptIds: number[];
}

describe('a checkpoint saved before byte fallback (vocabulary format 1)', () => {
  const expected = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8')) as Expected;

  before(async () => {
    await initBackend('cpu');
  });

  it('loads, encodes as before (<unk> included) and generates the same tokens', async () => {
    const { model, vocab, state } = await loadCheckpoint(FIXTURE);
    try {
      assert.strictEqual(vocab.version, 1);
      assert.strictEqual(vocab.byteFallback, false);
      assert.strictEqual(state?.step, 20);
      assert.deepStrictEqual(vocab.encode(expected.prompt), expected.promptIds);
      assert.deepStrictEqual(vocab.encode(expected.unkPrompt), expected.unkPromptIds);
      assert.ok(expected.unkPromptIds.includes(Vocabulary.UNK), 'the fixture has a prompt with tokens the old vocabulary lacks');
      const greedy = await generate(model, vocab, expected.promptIds, { maxNewTokens: 12, temperature: 0, useCache: false });
      assert.deepStrictEqual(greedy.ids, expected.greedy);
      assert.strictEqual(greedy.text, expected.greedyText);
      for (const useCache of [false, true]) {
        const sampled = await generate(model, vocab, expected.promptIds, { maxNewTokens: 12, temperature: 1, seed: 3, useCache });
        assert.deepStrictEqual(sampled.ids, expected.sampledSeed3, `useCache ${useCache}`);
        assert.strictEqual(sampled.text, expected.sampledText);
      }
    } finally {
      model.dispose();
    }
  });
});
