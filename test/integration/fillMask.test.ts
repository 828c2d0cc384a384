// An encoder in the real VS Code extension host: trained on one repeated sentence, it fills a selected word
// with Predict Masked Word (the document unchanged until a candidate is picked, then the selection replaced),
// and the completion provider and Show Next-Token Probabilities say clearly that an encoder cannot complete.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LmExplorerApi } from '../../src/extension';
import type { TrainOverrides } from '../../src/features/training/core/trainParams';
import { activate, captureWebview, isolateTests, openEditor, shownAs, sleep, updateSetting, withTimeout, type CaptureReport } from './helpers';

const SENTENCE = 'Natura tworzy najpiękniejsze obrazy, a malarz tylko je kopiuje.';

/** An encoder overfitted on the sentence (30% masked per batch: learnt in fewer steps than at 15%). */
const TRAIN: Partial<TrainOverrides> = {
  kind: 'encoder',
  maskRate: 0.3,
  preset: 'tiny',
  contextLength: 32,
  tokenizer: 'o200k_base',
  steps: 1500,
  minutes: 0,
  batchSize: 16,
  learningRate: 0.003,
  dropout: 0,
  weightDecay: 0,
  patience: 0,
  evalInterval: 200,
  checkpointInterval: 10_000,
  sampleInterval: 0,
  backend: 'auto',
  seed: 1,
};

const { waitFor } = withTimeout(20_000);

describe('encoder: Predict Masked Word and what an encoder cannot do', function () {
  this.timeout(600_000);
  let api: LmExplorerApi;
  let notes: string;

  before(async () => {
    ({ api } = await activate());
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test host opens a workspace folder');
    notes = path.join(folder.uri.fsPath, 'lmx-encoder-notes');
    fs.mkdirSync(notes, { recursive: true });
    fs.writeFileSync(path.join(notes, 'natura.md'), Array.from({ length: 40 }, () => SENTENCE).join(' ') + '\n');
    const outcome = await api.training.train({ roots: [vscode.Uri.file(notes)], overrides: TRAIN, notification: false });
    assert.strictEqual(outcome.status, 'completed', outcome.message);
    assert.strictEqual(api.engine.currentModel?.config.kind, 'encoder');
  });

  isolateTests();

  after(async () => {
    // with the decoder a suite before may have left, kept when this encoder replaced it
    await api.training.reset({ confirm: false, kept: true });
    fs.rmSync(notes, { recursive: true, force: true });
  });

  it('fills the selected word: top 10 with probabilities, the document unchanged until a pick replaces the selection', async () => {
    const editor = await openEditor(`${SENTENCE}\n`, 'markdown');
    // " a" is one token of o200k_base: one [MASK] (the space before the selection goes with it)
    const word = 'a';
    const start = SENTENCE.indexOf(', a ') + 2;
    editor.selection = new vscode.Selection(new vscode.Position(0, start), new vscode.Position(0, start + word.length));
    const result = await vscode.commands.executeCommand<Awaited<ReturnType<LmExplorerApi['fillMask']['last']>>>('lmExplorer.predictMaskedWord', editor.document.uri);
    assert.ok(result?.ok, JSON.stringify(result));
    assert.strictEqual(result.fill.candidates.length, 10);
    assert.strictEqual(result.fill.masks, 1);
    assert.strictEqual(result.fill.candidates[0].text, ' a', JSON.stringify(result.fill.candidates.slice(0, 3)));
    for (let i = 1; i < 10; i++) assert.ok(result.fill.candidates[i - 1].prob >= result.fill.candidates[i].prob);
    assert.ok(result.fill.context.some((t) => t.label === '[MASK]'), 'the model saw a [MASK]');
    assert.deepStrictEqual([result.range.start.character, result.range.end.character], [start - 1, start + word.length], 'the space before the word goes with its token');
    assert.strictEqual(editor.document.getText(), `${SENTENCE}\n`, 'nothing changes before a pick');
    assert.strictEqual(result.quickPick.items.length, 10);
    assert.match(result.quickPick.items[0].description ?? '', /%/);

    // pick the second candidate: it replaces the word (and the space its token carries)
    const second = result.fill.candidates[1].text;
    const quickPick = result.quickPick;
    await waitFor('the quick pick to focus its first item', () => quickPick.activeItems[0] === quickPick.items[0]);
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await waitFor('the quick pick to focus the second item', () => quickPick.activeItems[0] === quickPick.items[1]);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.strictEqual(await result.picked, second);
    assert.strictEqual(editor.document.getText(), `${SENTENCE.slice(0, start - 1)}${second}${SENTENCE.slice(start + word.length)}\n`);
  });

  it('tells the user (in api.messages) when nothing is selected, and when the document changed before the pick', async () => {
    const editor = await openEditor(`${SENTENCE}\n`, 'markdown');
    editor.selection = new vscode.Selection(new vscode.Position(0, 3), new vscode.Position(0, 3));
    const empty = await vscode.commands.executeCommand<Awaited<ReturnType<LmExplorerApi['fillMask']['last']>>>('lmExplorer.predictMaskedWord', editor.document.uri);
    assert.ok(empty && !empty.ok && empty.reason === 'no-selection', JSON.stringify(empty));
    assert.match(empty.message, shownAs('Select the word to predict: its tokens become [MASK]s for the model.'));
    assert.deepStrictEqual(api.messages.last(), { level: 'info', text: empty.message });

    const start = SENTENCE.indexOf(', a ') + 2;
    editor.selection = new vscode.Selection(new vscode.Position(0, start), new vscode.Position(0, start + 1));
    const result = await vscode.commands.executeCommand<Awaited<ReturnType<LmExplorerApi['fillMask']['last']>>>('lmExplorer.predictMaskedWord', editor.document.uri);
    assert.ok(result?.ok, JSON.stringify(result));
    await waitFor('the quick pick to focus its first item', () => result.quickPick.activeItems[0] === result.quickPick.items[0]);
    assert.ok(await editor.edit((edit) => edit.insert(new vscode.Position(1, 0), 'later\n')));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.strictEqual(await result.picked, undefined);
    assert.strictEqual(editor.document.getText(), `${SENTENCE}\nlater\n`, 'nothing replaced in the changed document');
    assert.strictEqual(api.messages.last()?.level, 'warning');
    assert.match(api.messages.last()?.text ?? '', shownAs('The document changed while the model was answering: nothing was replaced. Run Predict Masked Word again.'));
  });

  it('draws the masked row on the dashboard and bidirectional attention, photographed in a dark and a light theme', async function () {
    const extensionPath = vscode.extensions.getExtension('lm-explorer.lm-explorer')!.extensionPath;
    const outDir = path.join(extensionPath, 'test-results');
    const run = api.training.snapshot().run;
    assert.ok(run?.masking && run.masking.some((t) => t.branch !== 'none'), 'the last progress carried a masked row');
    assert.ok(api.training.snapshot().points.some((p) => p.valAccuracy !== undefined), 'validation accuracy is recorded');

    const editor = await openEditor(`${SENTENCE}\n`, 'markdown');
    editor.selection = new vscode.Selection(new vscode.Position(0, 0), new vscode.Position(0, SENTENCE.length));
    assert.ok((await api.attention.show({ editor })).ok);
    await api.attention.setView({ view: 'head', layer: 0, head: 0, scale: 'linear' });
    const maps = api.attention.attention()!;
    const head = maps[0][0];
    assert.ok(head[0].slice(1).some((w) => w > 1e-3), 'the first token attends to later ones');
    for (const row of head) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3);

    const check = (report: CaptureReport | undefined, name: string, text: RegExp) => {
      assert.ok(report?.ok, `${name}: ${report?.error}`);
      assert.ok(report.readable?.texts.some((t) => text.test(t)), `${name} shows ${text}: ${report.readable?.texts.join(' | ')}`);
    };
    for (const theme of ['Default Dark Modern', 'Default Light Modern']) {
      const shade = theme.includes('Dark') ? 'dark' : 'light';
      await updateSetting('workbench', 'colorTheme', theme);
      assert.ok((await api.attention.show({ editor })).ok, 'the attention panel in front again (the dashboard took its place)');
      await sleep(1500);
      const attention = await captureWebview(outDir, `encoder-attention-${shade}`, '#attention-app');
      if (!attention) this.skip(); // only under test:electron, which does not capture (under npm test a missing capture fails)
      check(attention, `attention (${shade})`, shownAs('encoder, bidirectional attention'));
      const canvas = attention.canvases?.[0];
      assert.ok(canvas && canvas.painted > 5000 && canvas.colours >= 8, JSON.stringify(canvas));
      await api.dashboard.show();
      await sleep(500);
      check(await captureWebview(outDir, `encoder-masking-${shade}`, '#masking-card'), `masking row (${shade})`, shownAs('Accuracy at the masked positions: {0} on the last training batch, {1} on validation (the same mask every time).'));
    }
    api.dashboard.close();
    api.attention.close();
  });

  it('gives no inline completion and no next-token list, with a message naming the kind', async () => {
    const editor = await openEditor('Natura tworzy ', 'markdown');
    const end = editor.document.lineAt(0).range.end;
    editor.selection = new vscode.Selection(end, end);
    // the engine answers from the model it held before (a decoder of an earlier suite) while the encoder loads
    await waitFor('the completion engine to load the encoder', async () => (await api.completion.ensureModel())?.config.kind === 'encoder', 60_000);
    assert.strictEqual(await api.completion.provide(editor.document, end), undefined);
    const last = api.completion.last();
    assert.strictEqual(last?.reason, 'error');
    assert.match(last?.message ?? '', shownAs('The workspace model is an encoder (masked-language model): it has no next-token probabilities, so it gives no inline completions. Use Predict Masked Word with it, or train a decoder.'));
    await waitFor('the status bar to show it', () => (api.completion.status().tooltip ?? '').includes(last?.message ?? '\u0000'));
    const next = await vscode.commands.executeCommand<{ ok: boolean; reason?: string; message?: string }>('lmExplorer.showNextTokenProbabilities', editor.document.uri);
    assert.strictEqual(next.ok, false);
    assert.match(next.message ?? '', shownAs('The workspace model is an encoder (masked-language model): it has no next-token probabilities. Use Predict Masked Word with it, or train a decoder.'));
  });
});
