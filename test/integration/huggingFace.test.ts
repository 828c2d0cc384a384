// Hugging Face folders in the real extension host: Load Model… of a GPT-2 that transformers built (random
// weights, a byte-level BPE tokenizer trained in the test) gives transformers' own next-token list and the
// tokenizer's IDs, and Export Model… writes a transformers folder of it.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LmExplorerApi } from '../../src/extension';
import { requirements } from '../unit/requirements';
import { activate, isolateSuite } from './helpers';

const TEXT = 'Zażółć gęślą jaźń, hello world';

/** Builds and saves the GPT-2, and prints transformers' answer for TEXT: its token IDs and top 5 next tokens. */
const MAKE_GPT2 = String.raw`
import json, sys, torch
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
from transformers import GPT2Config, GPT2LMHeadModel
out, text = sys.argv[1], sys.argv[2]
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
tok.train_from_iterator([text + " function f(x) { return x; }"] * 50, trainers.BpeTrainer(vocab_size=320, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=["<|endoftext|>"]))
tok.save(out + "/tokenizer.json")
torch.manual_seed(1)
model = GPT2LMHeadModel(GPT2Config(vocab_size=tok.get_vocab_size(), n_positions=128, n_embd=64, n_layer=2, n_head=4, initializer_range=0.3)).eval()
model.save_pretrained(out)
ids = tok.encode(text).ids
with torch.no_grad():
    probs = model(torch.tensor([ids])).logits[0, -1].softmax(-1)
top = probs.topk(5)
print(json.dumps({"ids": ids, "top": top.indices.tolist(), "probs": top.values.tolist(), "vocabSize": tok.get_vocab_size()}))
`;

describe('Hugging Face folders', function () {
  this.timeout(240_000);
  let api: LmExplorerApi;
  let scratch: string;
  isolateSuite();

  before(async () => {
    ({ api } = await activate());
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-hf-'));
    await api.training.reset({ confirm: false });
  });
  after(async () => {
    await api.training.reset({ confirm: false });
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('Load Model… of a GPT-2 folder gives transformers’ next-token list, over the tokenizer’s own IDs; Export Model… writes it back for transformers', async () => {
    const python = requirements.testPython();
    const problem = requirements.pythonProblem(python);
    assert.strictEqual(problem, undefined, `${problem}: ${requirements.pythonInstallCommand()}`);
    const folder = path.join(scratch, 'gpt2');
    fs.mkdirSync(folder);
    const made = spawnSync(python, ['-c', MAKE_GPT2, folder, TEXT], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, HF_HUB_OFFLINE: '1' } });
    assert.strictEqual(made.status, 0, made.stderr);
    const expected = JSON.parse(made.stdout.trim().split('\n').pop()!) as { ids: number[]; top: number[]; probs: number[]; vocabSize: number };

    const model = await api.training.loadModel(vscode.Uri.file(folder));
    assert.ok(model, 'loaded');
    assert.strictEqual(model.tokenizer, 'hf');
    assert.strictEqual(model.config.vocabSize, expected.vocabSize);
    assert.strictEqual(api.training.state().kind, 'ready');

    const next = await api.engine.request('nextTokens', { text: TEXT, topN: 5 });
    assert.deepStrictEqual(next.context.map((t) => t.id), expected.ids, "the tokenizer's own IDs");
    assert.deepStrictEqual(next.candidates.map((c) => c.id), expected.top, "transformers' top 5");
    next.candidates.forEach((c, i) => assert.ok(Math.abs(c.prob - expected.probs[i]) < 1e-4, `probability ${i}: ${c.prob} vs ${expected.probs[i]}`));
    assert.strictEqual(next.context.map((t) => t.label.replace(/·/g, ' ')).join(''), TEXT, "the tokens' labels spell the text");

    const exported = await api.training.exportModel(vscode.Uri.file(path.join(scratch, 'exported')), 'hf');
    assert.ok(exported);
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'README.md', 'train_hf.py']) assert.ok(fs.existsSync(path.join(exported, file)), file);
    assert.strictEqual(JSON.parse(fs.readFileSync(path.join(exported, 'config.json'), 'utf8')).activation_function, 'gelu_new');
  });
});
