// Import from transformers, checked against transformers itself: a GPT-2 that transformers builds (random
// weights, save_pretrained) with a byte-level BPE tokenizer trained by `tokenizers` in the test loads in the
// engine and gives transformers' token IDs, logits and attention maps, and generates transformers' greedy tokens
// on the addon's fused decoder; folders it cannot use are refused in one line, and nothing in them changes.

import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { CHECKPOINT_FILES, loadCheckpoint, saveCheckpoint } from '../../../src/engine/checkpoint';
import { HfFormatError } from '../../../src/engine/hf/errors';
import { exportHfFolder, exportSourceOf } from '../../../src/engine/hf/exportHf';
import { readHfFolder } from '../../../src/engine/hf/importHf';
import { generate } from '../../../src/engine/generate';
import { Vocabulary } from '../../../src/engine/vocab';
import { CHECK_TEXTS, NOTES } from './fixtures';
import { python, runPython } from './python';

/** Builds a GPT-2 with transformers and a tokenizer with tokenizers, saves both, and answers for the texts. */
const MAKE_GPT2 = String.raw`
import json, sys, torch
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
from transformers import GPT2Config, GPT2LMHeadModel
out, texts, notes, act = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
tok.train_from_iterator([notes] * 20, trainers.BpeTrainer(vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=["<|endoftext|>"]))
tok.save(out + "/tokenizer.json")
torch.manual_seed(0)
config = GPT2Config(vocab_size=tok.get_vocab_size(), n_positions=64, n_embd=48, n_layer=2, n_head=4, activation_function=act,
                    layer_norm_epsilon=1e-6, initializer_range=0.2, bos_token_id=0, eos_token_id=0)
model = GPT2LMHeadModel(config).eval()
model.save_pretrained(out)
model = GPT2LMHeadModel.from_pretrained(out, attn_implementation="eager").eval()
answers = []
with torch.no_grad():
    for text in texts:
        ids = tok.encode(text).ids[:64]
        r = model(torch.tensor([ids]), output_attentions=True)
        answers.append({"ids": ids, "logits": r.logits[0].flatten().tolist(), "attention": [a[0].tolist() for a in r.attentions]})
    prompt = torch.tensor([answers[0]["ids"][:10]])
    greedy = model.generate(prompt, max_new_tokens=30, min_new_tokens=30, do_sample=False, pad_token_id=0)[0, 10:].tolist()
print(json.dumps({"vocabSize": tok.get_vocab_size(), "answers": answers, "greedy": greedy}))
`;

interface Answer {
  ids: number[];
  logits: number[];
  attention: number[][][][];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.strictEqual(a.length, b.length, 'lengths');
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Every file under a folder with its size and modification time, to show that nothing changed. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await fs.readdir(dir)).sort()) {
    const stat = await fs.stat(path.join(dir, name));
    out.push(`${name} ${stat.size} ${stat.mtimeMs}`);
  }
  return out;
}

describe('Hugging Face import (checked against transformers)', function () {
  this.timeout(300_000);
  let root: string;
  const folders: Record<string, { dir: string; answers: Answer[]; vocabSize: number; greedy: number[] }> = {};

  before(async () => {
    python();
    await tf.setBackend('cpu');
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'lmx-hf-import-'));
    for (const activation of ['gelu_new', 'gelu']) {
      const dir = path.join(root, `gpt2-${activation}`);
      await fs.mkdir(dir);
      const r = runPython<{ vocabSize: number; answers: Answer[]; greedy: number[] }>(MAKE_GPT2, [dir, JSON.stringify(CHECK_TEXTS), NOTES, activation]);
      folders[activation] = { dir, ...r };
    }
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  for (const activation of ['gelu_new', 'gelu']) {
    it(`loads a GPT-2 made by transformers (${activation}, ε 1e-6) and gives its token IDs, logits, attention maps and greedy tokens (fused decoder)`, async () => {
      const { dir, answers, vocabSize, greedy } = folders[activation];
      const loaded = await loadCheckpoint(dir);
      try {
        assert.strictEqual(loaded.vocab.tokenizer, 'hf');
        assert.strictEqual(loaded.vocab.size, vocabSize);
        assert.strictEqual(loaded.model.config.activation, activation === 'gelu_new' ? 'gelu_tanh' : undefined);
        assert.strictEqual(loaded.model.config.layerNormEpsilon, 1e-6);
        for (const [i, text] of CHECK_TEXTS.entries()) {
          const expected = answers[i];
          assert.deepStrictEqual(loaded.vocab.encode(text).slice(0, 64), expected.ids, `token IDs of text ${i}`);
          const { logits, attention } = await loaded.model.attention(expected.ids);
          const logitDiff = maxAbsDiff(logits, expected.logits);
          assert.ok(logitDiff < 1e-4, `text ${i}: max |logit difference| ${logitDiff}`);
          const attentionDiff = maxAbsDiff(attention.flat(3), expected.attention.flat(3));
          assert.ok(attentionDiff < 1e-5, `text ${i}: max |attention difference| ${attentionDiff}`);
        }
        // decoding gives the text back, and labels show the tokenizer's pieces
        const ids = loaded.vocab.encode(CHECK_TEXTS[0]);
        assert.strictEqual(loaded.vocab.decode(ids), CHECK_TEXTS[0]);
        assert.strictEqual(loaded.vocab.pieces(CHECK_TEXTS[0]).map((p) => CHECK_TEXTS[0].slice(p.start, p.end)).join(''), CHECK_TEXTS[0]);
        // transformers' greedy generation (model.generate), on the addon's fused decoder with the model's numerics
        const completion = await generate(loaded.model, loaded.vocab, answers[0].ids.slice(0, 10), { maxNewTokens: 30, temperature: 0 });
        assert.strictEqual(completion.decoding, 'fused');
        assert.strictEqual(greedy.length, 30);
        assert.deepStrictEqual(completion.ids, greedy);
      } finally {
        loaded.model.dispose();
      }
    });
  }

  it('keeps an imported model in a checkpoint whose vocab.json brings its tokenizer back, and exports it with that tokenizer', async () => {
    const { dir, answers } = folders.gelu_new;
    const loaded = await loadCheckpoint(dir);
    const checkpoint = path.join(root, 'kept');
    const exported = path.join(root, 'exported-again');
    try {
      await saveCheckpoint(checkpoint, loaded.model, loaded.vocab, undefined, { info: { importedFrom: dir } });
      const vocab = Vocabulary.fromJSON(JSON.parse(await fs.readFile(path.join(checkpoint, CHECKPOINT_FILES.vocab), 'utf8')));
      assert.deepStrictEqual(vocab.encode(CHECK_TEXTS[1]).slice(0, 64), answers[1].ids);
      await exportHfFolder(exported, await exportSourceOf(loaded));
      const again = await loadCheckpoint(exported);
      try {
        const { logits } = await again.model.attention(answers[2].ids);
        assert.ok(maxAbsDiff(logits, answers[2].logits) < 1e-4, 'the round trip computes the same');
        assert.deepStrictEqual(again.vocab.encode(CHECK_TEXTS[2]).slice(0, 64), answers[2].ids);
      } finally {
        again.model.dispose();
      }
    } finally {
      loaded.model.dispose();
    }
  });

  describe('refuses, in one line and changing nothing,', () => {
    const cases: { name: string; message: RegExp; spoil: (dir: string) => Promise<void> }[] = [
      {
        name: 'another model_type',
        message: /config\.json: "model_type" is "llama"; LM Explorer imports GPT-2 models/,
        spoil: async (dir) => editConfig(dir, (c) => ({ ...c, model_type: 'llama' })),
      },
      { name: 'a missing model.safetensors', message: /model\.safetensors: is missing/, spoil: (dir) => fs.rm(path.join(dir, 'model.safetensors')) },
      {
        name: 'pytorch_model.bin only',
        message: /pytorch_model\.bin is not read: it is a Python pickle/,
        spoil: async (dir) => {
          await fs.rename(path.join(dir, 'model.safetensors'), path.join(dir, 'pytorch_model.bin'));
        },
      },
      { name: 'a missing tokenizer.json', message: /tokenizer\.json: is missing/, spoil: (dir) => fs.rm(path.join(dir, 'tokenizer.json')) },
      {
        name: 'shapes that do not match config.json',
        message: /model\.safetensors: tensor "wte\.weight" has shape \[\d+,48\], but config\.json makes it \[\d+,64\]/,
        spoil: async (dir) => editConfig(dir, (c) => ({ ...c, n_embd: 64 })),
      },
      { name: 'a truncated model.safetensors', message: /model\.safetensors: file is truncated/, spoil: (dir) => truncate(path.join(dir, 'model.safetensors')) },
      { name: 'a config.json that is not JSON', message: /config\.json: is not valid JSON/, spoil: (dir) => fs.writeFile(path.join(dir, 'config.json'), '{"model_type": "gpt2",') },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const dir = path.join(root, `spoilt-${c.name.replace(/\W+/g, '-')}`);
        await fs.cp(folders.gelu_new.dir, dir, { recursive: true });
        await c.spoil(dir);
        const before = await snapshot(dir);
        // a config.json that does not parse is not recognised as a transformers folder: read it as one
        const load = c.name.includes('not JSON') ? readHfFolder(dir) : loadCheckpoint(dir);
        await assert.rejects(load, (e: unknown) => {
          assert.ok(e instanceof HfFormatError, `an HfFormatError: ${e}`);
          assert.match((e as Error).message, c.message);
          assert.ok(!(e as Error).message.includes('\n'), 'one line');
          return true;
        });
        assert.deepStrictEqual(await snapshot(dir), before, 'nothing in the folder changed');
      });
    }
  });
});

async function editConfig(dir: string, edit: (c: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const file = path.join(dir, 'config.json');
  await fs.writeFile(file, JSON.stringify(edit(JSON.parse(await fs.readFile(file, 'utf8')))));
}

async function truncate(file: string): Promise<void> {
  const bytes = await fs.readFile(file);
  await fs.writeFile(file, bytes.subarray(0, bytes.length - 100));
}
