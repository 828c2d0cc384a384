// Export for transformers, checked by transformers itself: the exported folder loads in GPT2LMHeadModel and
// computes the engine's logits and greedy tokens; its tokenizer gives the engine's IDs; train_hf.py trains it.

import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { generate } from '../../../src/engine/generate';
import { exportHfFolder, HF_EXPORT_FILES } from '../../../src/engine/hf/exportHf';
import { GPT } from '../../../src/engine/model';
import { NotAModelFolderError } from '../../../src/engine/modelFolder';
import { buildVocab, CHECK_TEXTS, NOTES, randomModel, sourceOf } from './fixtures';
import { python, runPython, runPythonJsonLines } from './python';

const TRANSFORMERS_RUN = String.raw`
import json, sys, torch
from transformers import GPT2LMHeadModel
folder, data = sys.argv[1], json.load(open(sys.argv[2]))
model, info = GPT2LMHeadModel.from_pretrained(folder, output_loading_info=True)
model.eval()
with torch.no_grad():
    ids = torch.tensor([data["ids"]])
    logits = model(ids).logits[0]
    expected = torch.tensor(data["logits"], dtype=torch.float32).view_as(logits)
    diff = (logits - expected).abs().max().item()
    seq = list(data["prompt"])
    for _ in range(data["steps"]):
        seq.append(int(model(torch.tensor([seq])).logits[0, -1].argmax()))
print(json.dumps({
    "maxDiff": diff,
    "greedy": seq[len(data["prompt"]):],
    "missing": sorted(info["missing_keys"]), "unexpected": sorted(info["unexpected_keys"]), "mismatched": sorted(str(m) for m in info["mismatched_keys"]),
    "tied": model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr(),
    "activation": model.config.activation_function,
}))
`;

const TOKENIZER_RUN = String.raw`
import json, sys
sys.path.insert(0, sys.argv[1])
from lmx_tokenizer import LmxTokenizer
texts = json.load(open(sys.argv[2]))
tok = LmxTokenizer(sys.argv[1])
out = {"loader": [tok.encode(t) for t in texts], "decoded": [tok.decode(tok.encode(t)) for t in texts]}
try:
    from transformers import AutoTokenizer
    auto = AutoTokenizer.from_pretrained(sys.argv[1])
    out["auto"] = [auto(t)["input_ids"] for t in texts]
except Exception as e:
    out["autoError"] = str(e)
print(json.dumps(out))
`;

describe('Hugging Face export (checked by transformers)', function () {
  this.timeout(300_000);
  let root: string;

  before(async () => {
    python(); // fails here, naming the packages, where the environment lacks them
    await tf.setBackend('cpu');
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'lmx-hf-export-'));
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  for (const positional of ['learned', 'sinusoidal'] as const) {
    it(`gives transformers the engine's logits (< 1e-4) and 30 identical greedy tokens: ${positional} positions`, async () => {
      const vocab = buildVocab('o200k_base');
      const model = randomModel(vocab, positional, positional === 'learned' ? 7 : 8);
      try {
        const dir = path.join(root, `model-${positional}`);
        const files = await exportHfFolder(dir, sourceOf(model, vocab));
        assert.deepStrictEqual([...files].sort(), [...(await fs.readdir(dir))].sort(), 'the files it says it wrote are the folder');
        const ids = vocab.encode(CHECK_TEXTS[0]).slice(0, model.config.contextLength);
        const logits = tf.tidy(() => model.forward(tf.tensor2d([ids], [1, ids.length], 'int32')));
        const prompt = vocab.encode('Notatki z wykładu');
        const greedy = await generate(model, vocab, prompt, { maxNewTokens: 30, temperature: 0 });
        const dataFile = path.join(root, `data-${positional}.json`);
        await fs.writeFile(dataFile, JSON.stringify({ ids, logits: Array.from(await logits.data()), prompt, steps: 30 }));
        logits.dispose();
        const r = runPython<{ maxDiff: number; greedy: number[]; missing: string[]; unexpected: string[]; mismatched: string[]; tied: boolean; activation: string }>(TRANSFORMERS_RUN, [dir, dataFile]);
        assert.deepStrictEqual({ missing: r.missing, unexpected: r.unexpected, mismatched: r.mismatched }, { missing: [], unexpected: [], mismatched: [] }, 'every tensor loads by name and shape');
        assert.ok(r.tied, 'the output layer is tied to wte');
        assert.strictEqual(r.activation, 'gelu', "the engine's exact GELU");
        assert.ok(r.maxDiff < 1e-4, `max |logit difference| ${r.maxDiff}`);
        assert.strictEqual(greedy.ids.length, 30);
        assert.deepStrictEqual(r.greedy, greedy.ids, 'greedy tokens');
        const config = JSON.parse(await fs.readFile(path.join(dir, HF_EXPORT_FILES.config), 'utf8'));
        assert.strictEqual(config.model_type, 'gpt2');
        assert.strictEqual(config.lmx_export.positional, positional);
      } finally {
        model.dispose();
      }
    });
  }

  for (const tokenizer of ['o200k_base', 'cl100k_base', 'char'] as const) {
    it(`exports a tokenizer that gives the model's own IDs on Polish, emoji and code: ${tokenizer}`, async () => {
      const vocab = buildVocab(tokenizer);
      const model = randomModel(vocab, 'learned', 3);
      try {
        const dir = path.join(root, `tokenizer-${tokenizer}`);
        await exportHfFolder(dir, sourceOf(model, vocab));
        const textsFile = path.join(root, `texts-${tokenizer}.json`);
        await fs.writeFile(textsFile, JSON.stringify(CHECK_TEXTS));
        const r = runPython<{ loader: number[][]; decoded: string[]; auto?: number[][]; autoError?: string }>(TOKENIZER_RUN, [dir, textsFile]);
        const expected = CHECK_TEXTS.map((t) => vocab.encode(t));
        // byte tokens are exercised: each text has characters the notes never had
        for (const ids of expected) assert.ok(ids.some((id) => vocab.byteOf(id) !== undefined), 'some byte tokens');
        assert.deepStrictEqual(r.loader, expected, 'lmx_tokenizer.py');
        assert.deepStrictEqual(r.decoded, CHECK_TEXTS, 'decode(encode(text)) is the text');
        if (tokenizer === 'char') assert.deepStrictEqual(r.auto, expected, 'AutoTokenizer and tokenizer.json');
        else assert.ok(r.autoError, `AutoTokenizer refuses rather than give other IDs: ${JSON.stringify(r.auto)?.slice(0, 80)}`);
      } finally {
        model.dispose();
      }
    });
  }

  it('refuses a folder of notes, changing nothing, and replaces an earlier export', async () => {
    const vocab = buildVocab('char');
    const model = randomModel(vocab, 'learned', 4);
    try {
      const notes = path.join(root, 'notes');
      await fs.mkdir(notes);
      await fs.writeFile(path.join(notes, 'config.json'), '{"mine": true}');
      await fs.writeFile(path.join(notes, 'README.md'), '# my notes');
      await assert.rejects(exportHfFolder(notes, sourceOf(model, vocab)), (e: unknown) => e instanceof NotAModelFolderError && /nothing was written/.test((e as Error).message));
      assert.deepStrictEqual((await fs.readdir(notes)).sort(), ['README.md', 'config.json']);
      assert.strictEqual(await fs.readFile(path.join(notes, 'config.json'), 'utf8'), '{"mine": true}');
      assert.deepStrictEqual((await fs.readdir(root)).filter((n) => n.startsWith('notes.')), [], 'no temporary folder left');

      const dir = path.join(root, 'again');
      await exportHfFolder(dir, sourceOf(model, vocab));
      const first = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')).lmx_export.created;
      await new Promise((resolve) => setTimeout(resolve, 5));
      await exportHfFolder(dir, sourceOf(model, vocab));
      assert.notStrictEqual(JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')).lmx_export.created, first, 'replaced');
    } finally {
      model.dispose();
    }
  });

  it('writes train_hf.py, which trains the export for 5 steps on the CPU with a falling loss', async () => {
    const vocab = buildVocab('o200k_base');
    const model = new GPT({ vocabSize: vocab.size, contextLength: 32, nLayer: 2, nHead: 2, nEmbd: 32, positional: 'sinusoidal' }, 11);
    try {
      const dir = path.join(root, 'to-train');
      await exportHfFolder(dir, sourceOf(model, vocab));
      const notes = path.join(root, 'train-notes');
      await fs.mkdir(path.join(notes, 'sub'), { recursive: true });
      await fs.writeFile(path.join(notes, 'a.md'), NOTES.repeat(4));
      await fs.writeFile(path.join(notes, 'sub', 'b.txt'), CHECK_TEXTS.join('\n').repeat(4));
      const out = path.join(root, 'trained');
      const script = String.raw`
import runpy, sys
sys.argv = [sys.argv[1]] + sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
`;
      const r = runPythonJsonLines(script, [path.join(dir, 'train_hf.py'), notes, '--out', out, '--steps', '5', '--batch-size', '4', '--lr', '3e-3', '--log-every', '1', '--block-size', '32']);
      const losses = r.filter((l) => typeof l.loss === 'number').map((l) => l.loss as number);
      assert.strictEqual(losses.length, 5, JSON.stringify(r));
      assert.ok(losses[4] < losses[0], `loss ${losses.join(' → ')}`);
      assert.ok(r.some((l) => l.done === true));
      for (const name of ['config.json', 'model.safetensors', 'lmx_tokenizer.py', 'lmx-vocab.json', 'lmx-encoding.json']) {
        await fs.access(path.join(out, name));
      }
    } finally {
      model.dispose();
    }
  });
});
