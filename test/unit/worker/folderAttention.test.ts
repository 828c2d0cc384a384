// The engine worker's folderAttention request (Compare Causal and Bidirectional), called as the worker calls
// it: a decoder and an encoder saved as checkpoint folders, each read back beside the other, their maps of
// the same text (causal vs bidirectional), the kind check, and the one folder model's tensors freed on change.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadCheckpoint, saveCheckpoint } from '../../../src/engine/checkpoint';
import { PRESETS } from '../../../src/engine/presets';
import { encode } from '../../../src/engine/tokenizer';
import { Vocabulary } from '../../../src/engine/vocab';
import { copyModelFolder, inspectModelFolder } from '../../../src/engine/modelFolder';
import { FolderModels, modelAttention } from '../../../src/worker/engine/folderAttention';
import type { FolderAttentionResult } from '../../../src/worker/engine/protocol';
import { randomModel } from '../fixtures/randomModel';

const NOTES = 'Natura tworzy najpiękniejsze obrazy, a malarz tylko je kopiuje. The bread rises overnight in a warm kitchen.';
const TEXT = 'Natura tworzy najpiękniejsze obrazy';

const token = (vocab: Vocabulary, id: number) => ({ id, label: vocab.tokenLabel(id) });

/** maps[layer][head] as T×T rows, from the packed weights. */
function heads(result: FolderAttentionResult): Float32Array[][][] {
  const T = result.tokens.length;
  const { nLayer = 0, nHead = 0, weights } = result;
  assert.ok(weights, 'packed weights');
  return Array.from({ length: nLayer }, (_, l) =>
    Array.from({ length: nHead }, (_, h) => Array.from({ length: T }, (_, q) => weights.subarray(((l * nHead + h) * T + q) * T, ((l * nHead + h) * T + q + 1) * T))),
  );
}

describe('engine worker: folderAttention (a second model beside the workspace model)', () => {
  let scratch: string;
  let decoderDir: string;
  let encoderDir: string;
  let folders: FolderModels;

  before(async () => {
    await tf.setBackend('cpu');
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-folder-attention-'));
    decoderDir = path.join(scratch, 'decoder');
    encoderDir = path.join(scratch, 'encoder');
    const streams = [encode(NOTES, 'o200k_base')];
    const shape = { ...PRESETS.tiny, contextLength: 16 };
    const decoderVocab = Vocabulary.build(streams, 'o200k_base');
    const encoderVocab = Vocabulary.build(streams, 'o200k_base', { mask: true });
    const decoder = randomModel({ ...shape, vocabSize: decoderVocab.size }, 3, { wteStd: 0.3, std: 0.05 });
    // small weights: attention spread over every key, none of it vanishing below float32's range
    const encoder = randomModel({ ...shape, vocabSize: encoderVocab.size, kind: 'encoder' }, 4, { wteStd: 0.3, std: 0.05 });
    await saveCheckpoint(decoderDir, decoder, decoderVocab);
    await saveCheckpoint(encoderDir, encoder, encoderVocab);
    decoder.dispose();
    encoder.dispose();
  });

  beforeEach(() => {
    folders = new FolderModels(token);
  });
  afterEach(() => folders.dispose());
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('gives both models\' maps of the same text: the decoder\'s causal, the encoder\'s bidirectional, rows summing to 1', async () => {
    const decoder = await folders.attention({ dir: decoderDir, kind: 'decoder', text: TEXT, packed: true, backend: 'cpu' });
    const encoder = await folders.attention({ dir: encoderDir, kind: 'encoder', text: TEXT, packed: true, backend: 'cpu' });
    assert.ok(decoder.tokens.length > 3);
    assert.deepStrictEqual(encoder.tokens.map((t) => t.label), decoder.tokens.map((t) => t.label), 'the same tokens on both sides');
    assert.deepStrictEqual(encoder.offsets, decoder.offsets);
    assert.deepStrictEqual([decoder.model.config.kind, encoder.model.config.kind], [undefined, 'encoder']);
    assert.strictEqual(encoder.model.dir, path.resolve(encoderDir));
    const T = decoder.tokens.length;
    let encoderAbove = 0;
    for (const [name, result] of [['decoder', decoder], ['encoder', encoder]] as const) {
      const maps = heads(result);
      assert.strictEqual(maps.length, PRESETS.tiny.nLayer);
      for (const layer of maps) {
        assert.strictEqual(layer.length, PRESETS.tiny.nHead);
        for (const head of layer) {
          head.forEach((row, q) => {
            const sum = row.reduce((a, b) => a + b, 0);
            assert.ok(Math.abs(sum - 1) < 1e-5, `${name}: row ${q} sums to ${sum}`);
            for (let k = q + 1; k < T; k++) {
              if (name === 'decoder') assert.strictEqual(row[k], 0, `decoder (${q}, ${k}) above the diagonal`);
              else if (row[k] > 1e-4) encoderAbove++;
            }
          });
        }
      }
    }
    const aboveCells = PRESETS.tiny.nLayer * PRESETS.tiny.nHead * ((T * (T - 1)) / 2);
    assert.strictEqual(encoderAbove, aboveCells, 'every cell of the encoder above the diagonal has weight');
  });

  it('answers as the held model\'s attention does (the same tokens and maps as request "attention")', async () => {
    const viaFolder = await folders.attention({ dir: decoderDir, text: TEXT, packed: true, backend: 'cpu' });
    // the same checkpoint, loaded as the workspace model would be
    const loaded = await loadCheckpoint(decoderDir);
    try {
      const held = await modelAttention(loaded, { text: TEXT, packed: true }, (id) => token(loaded.vocab, id));
      assert.deepStrictEqual(viaFolder.tokens, held.tokens);
      assert.deepStrictEqual(Array.from(viaFolder.weights!), Array.from(held.weights!));
      const nested = await modelAttention(loaded, { text: TEXT }, (id) => token(loaded.vocab, id));
      assert.strictEqual(nested.attention[0][0][0][0], held.weights![0]);
    } finally {
      loaded.model.dispose();
    }
  });

  it('refuses a folder of the other kind, naming both', async () => {
    await assert.rejects(folders.attention({ dir: decoderDir, kind: 'encoder', text: TEXT, packed: true, backend: 'cpu' }), (error: Error) => {
      assert.strictEqual(error.name, 'UserError');
      assert.match(error.message, /holds a decoder, not an encoder/);
      return true;
    });
  });

  it('holds one folder model: the same folder again costs no tensors, another one frees the first, release frees all', async () => {
    const base = tf.memory().numTensors;
    await folders.attention({ dir: decoderDir, text: TEXT, packed: true, backend: 'cpu' });
    const one = tf.memory().numTensors;
    assert.ok(one > base, 'the model\'s weights are held');
    await folders.attention({ dir: decoderDir, text: 'obrazy', packed: true, backend: 'cpu' });
    assert.strictEqual(tf.memory().numTensors, one, 'the same folder: the model is reused, nothing leaks');
    await folders.attention({ dir: encoderDir, text: TEXT, packed: true, backend: 'cpu' });
    const two = tf.memory().numTensors;
    assert.strictEqual(folders.heldDir, path.resolve(encoderDir));
    assert.ok(two - base < 2 * (one - base), 'the encoder replaced the decoder: one model held, not two');
    await folders.attention({ dir: decoderDir, text: TEXT, packed: true, backend: 'cpu' });
    assert.strictEqual(tf.memory().numTensors, one, 'back to the decoder: the encoder\'s tensors were freed');
    await folders.release();
    assert.strictEqual(tf.memory().numTensors, base, 'release frees every tensor');
    assert.strictEqual(folders.heldDir, undefined);
  });

  it('loads a folder again once a save replaced its files', async () => {
    const copy = path.join(scratch, 'kept-decoder');
    await copyModelFolder(decoderDir, copy);
    const first = await folders.attention({ dir: copy, text: TEXT, packed: true, backend: 'cpu' });
    await copyModelFolder(encoderDir, copy); // what training's keep does when the kind changes: a new model there
    const second = await folders.attention({ dir: copy, text: TEXT, packed: true, backend: 'cpu' });
    assert.strictEqual(first.model.config.kind, undefined);
    assert.strictEqual(second.model.config.kind, 'encoder');
  });

  it('copies a model folder whole and never replaces a folder that is not a model\'s', async () => {
    const copy = path.join(scratch, 'copy');
    await copyModelFolder(decoderDir, copy);
    assert.strictEqual((await inspectModelFolder(copy)).kind, 'model');
    assert.deepStrictEqual(fs.readdirSync(copy).sort(), fs.readdirSync(decoderDir).sort());
    for (const name of fs.readdirSync(decoderDir)) assert.ok(fs.readFileSync(path.join(copy, name)).equals(fs.readFileSync(path.join(decoderDir, name))), name);
    const notes = path.join(scratch, 'notes');
    fs.mkdirSync(notes);
    fs.writeFileSync(path.join(notes, 'a.md'), 'mine');
    await assert.rejects(copyModelFolder(decoderDir, notes), /holds files that are not a checkpoint's: a\.md/);
    assert.deepStrictEqual(fs.readdirSync(notes), ['a.md']);
    await assert.rejects(copyModelFolder(notes, path.join(scratch, 'nowhere')), /holds files that are not a checkpoint's/);
    assert.ok(!fs.existsSync(path.join(scratch, 'nowhere')));
  });
});
