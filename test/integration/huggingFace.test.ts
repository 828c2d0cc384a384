// Hugging Face folders in the real extension host: Load Model… of a GPT-2 that transformers built (random
// weights, a byte-level BPE tokenizer trained in the test) gives transformers' own next-token list and the
// tokenizer's IDs, and Export Model… writes a transformers folder of it; Show Token IDs with the 'model'
// encoding shows that tokenizer.json's IDs, through edits and off the host thread, and follows the model
// when it is loaded and when it is reset.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LmExplorerApi } from '../../src/extension';
import { requirements } from '../unit/requirements';
import type { OverlayInfo, ShowResult } from '../../src/features/tokens/overlayInfo';
import type { ContextFitResult } from '../../src/features/tokens/commands';
import { activate, isolateSuite, shownAs, shownNumber, withTimeout } from './helpers';

const TEXT = 'Zażółć gęślą jaźń, hello world';
/** The document of the Token IDs test: Polish, emoji the tokenizer never saw (byte pieces), code; and after its edit. */
const DOCUMENT = 'Zażółć gęślą jaźń 🎉\nfunction f(x) { return x; }\n\thello world 👩‍💻 koniec\n';
const EDIT = { line: 1, character: 9, text: 'ąę 🦊' };
const EDITED = DOCUMENT.replace('function ', `function ${EDIT.text}`);

const { waitFor, setSetting } = withTimeout(30_000);

/** Builds and saves the GPT-2, and prints transformers' answer for TEXT: its token IDs and top 5 next tokens. */
const MAKE_GPT2 = String.raw`
import json, sys, torch
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
from transformers import GPT2Config, GPT2LMHeadModel
out, text, others = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
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
print(json.dumps({"ids": ids, "top": top.indices.tolist(), "probs": top.values.tolist(), "vocabSize": tok.get_vocab_size(), "others": [tok.encode(t).ids for t in others]}))
`;

describe('Hugging Face folders', function () {
  this.timeout(240_000);
  let api: LmExplorerApi;
  let scratch: string;
  let folder: string;
  let expected: { ids: number[]; top: number[]; probs: number[]; vocabSize: number; others: number[][] };
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

  /** Builds the GPT-2 folder with transformers, once. */
  function makeGpt2(): void {
    if (expected) return;
    const python = requirements.testPython();
    const problem = requirements.pythonProblem(python);
    assert.strictEqual(problem, undefined, `${problem}: ${requirements.pythonInstallCommand()}`);
    folder = path.join(scratch, 'gpt2');
    fs.mkdirSync(folder);
    const made = spawnSync(python, ['-c', MAKE_GPT2, folder, TEXT, JSON.stringify([DOCUMENT, EDITED])], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, HF_HUB_OFFLINE: '1' } });
    assert.strictEqual(made.status, 0, made.stderr);
    expected = JSON.parse(made.stdout.trim().split('\n').pop()!) as typeof expected;
  }

  it('Load Model… of a GPT-2 folder gives transformers’ next-token list, over the tokenizer’s own IDs; Export Model… writes it back for transformers', async () => {
    makeGpt2();
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

  it("Show Token IDs with the 'model' encoding shows the imported tokenizer.json's IDs, through edits and off the host thread, and follows the model", async () => {
    makeGpt2();
    await api.training.reset({ confirm: false });
    await setSetting('tokens.encoding', 'model');
    const document = await vscode.workspace.openTextDocument({ content: DOCUMENT, language: 'plaintext' });
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    const show = () => vscode.commands.executeCommand<ShowResult>('lmExplorer.showTokenIds', document.uri);
    const fallback = await show();
    assert.ok(fallback.ok && fallback.encoding === 'o200k_base', 'no model yet: o200k_base');

    // Load Model…: the overlay shown follows it, to the model's own tokenizer
    assert.ok(await api.training.loadModel(vscode.Uri.file(folder)), 'loaded');
    const imported = await waitFor('the overlay to show the imported tokenizer', () => {
      const info = api.tokenOverlay.current();
      return info?.tokenizer === 'hf' ? info : undefined;
    });
    const assertShows = (info: OverlayInfo, text: string, ids: number[], what: string) => {
      assert.strictEqual(info.encoding, 'model', what);
      assert.deepStrictEqual(info.tokens.map((t) => t.id), ids, `${what}: the tokenizer.json's IDs`);
      assert.strictEqual(info.tokens.map((t) => document.getText(t.range)).join(''), text, `${what}: the ranges tile the text`);
      assert.deepStrictEqual(info.tokens.map((t) => t.label), info.tokens.map((t) => (t.range.isEmpty ? `+${t.id}` : String(t.id))), `${what}: labels`);
      assert.strictEqual(info.tokens.some((t) => t.modelId !== undefined), false, `${what}: one ID per token, the model's`);
    };
    assertShows(imported, DOCUMENT, expected.others[0], 'after Load Model…');
    assert.ok(imported.tokens.some((t) => t.range.isEmpty), 'the emoji are cut into byte pieces');
    assert.ok(shownAs('model (imported {0}, {1} token)|model (imported {0}, {1} tokens)').test(imported.label), imported.label);
    assert.ok(imported.label.includes(shownNumber(expected.vocabSize)), imported.label);

    // the hover names the tokenizer and the ID; a split emoji's pieces by their bytes
    const word = imported.tokens.find((t) => document.getText(t.range).trim().length > 2)!;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, word.range.start);
    const hover = (hovers ?? []).flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
    assert.ok(hover.includes(`ID **${word.id}**`) && hover.includes(imported.label), hover);
    assert.ok(shownAs('Written {0} in {1}').test(hover) && hover.includes('tokenizer.json'), hover);
    const emoji = imported.tokens.find((t) => t.range.isEmpty)!;
    const emojiHovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, emoji.range.start.translate(0, -2));
    const emojiHover = (emojiHovers ?? []).flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
    assert.match(emojiHover, /<F0>|F0 9F/, emojiHover);
    assert.ok(!emojiHover.includes('\ufffd'), emojiHover);

    // the same IDs as the next-token view gives the same text
    const next = await api.engine.request('nextTokens', { text: DOCUMENT, topN: 1 });
    assert.deepStrictEqual(next.context.map((t) => t.id), expected.others[0], 'the next-token view');

    // the status bar counts the model's tokens
    await vscode.window.showTextDocument(document);
    await api.statusBar.refresh();
    assert.strictEqual(api.statusBar.counts()?.encoding, 'model');
    assert.strictEqual(api.statusBar.counts()?.tokens, expected.others[0].length);

    // Check Context Fit counts with it where a model's own encoding is not known
    const fit = await vscode.commands.executeCommand<ContextFitResult>('lmExplorer.checkContextFit', document.uri);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.strictEqual(fit.encoding, 'hf');
    assert.strictEqual(fit.counts.hf, expected.others[0].length);
    assert.ok(fit.rows.some((r) => !r.exact && r.encoding === 'hf' && r.tokens === expected.others[0].length), 'the estimates');

    // an edit re-tokenizes: the IDs are the edited text's
    await editor.edit((e) => e.insert(new vscode.Position(EDIT.line, EDIT.character), EDIT.text));
    assert.strictEqual(document.getText(), EDITED);
    await api.tokenOverlay.whenIdle();
    assertShows(api.tokenOverlay.current()!, EDITED, expected.others[1], 'after an edit');

    // off the host thread, the same answer
    await setSetting('tokens.workerThreshold', 16);
    const offThread = await show();
    assert.ok(offThread.ok);
    const worker = api.tokenOverlay.current()!;
    assert.strictEqual(worker.offThread, true, 'tokenized in the token worker');
    assert.strictEqual(api.tokenizer.workerProblem(), undefined);
    assertShows(worker, EDITED, expected.others[1], 'in the worker');

    // the model reset: the overlay follows, back to o200k_base
    await api.training.reset({ confirm: false });
    await waitFor('the overlay to follow the reset', () => api.tokenOverlay.current()?.tokenizer === 'o200k_base');
    await vscode.commands.executeCommand('lmExplorer.clearTokenIds');
  });
});
