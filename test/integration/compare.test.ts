// "LM Explorer: Compare Causal and Bidirectional" in a real VS Code extension host: a tiny decoder trained on
// the sample notes through the Train command; the compare page says the encoder is missing and offers its
// buttons; an encoder trained on the same notes through the same command keeps the decoder aside; then the
// page draws one decoder head beside one encoder head of the same selection, and the page's own measurements
// of its canvases say the decoder's upper triangle is the masked hatch and the encoder's is painted. Its view
// survives a reload; it is photographed in a dark and a light theme; Reset Model leaves the kept model
// unless asked to delete it too.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LmExplorerApi } from '../../src/extension';
import type { CompareResult } from '../../src/features/compare/comparePanel';
import type { CompareRenderReport } from '../../src/features/compare/protocol';
import type { TrainOverrides } from '../../src/features/training/core/trainParams';
import type { TrainOutcome } from '../../src/features/training/trainingController';
import { activate, captureWebview, isolateSuite, noPortForwarding, openEditor, shownAs, sleep, updateSetting, withTimeout, type CaptureReport } from './helpers';

const TEXT = ['# Uwaga', '', 'Każdy token ma zapytanie, klucz i wartość: the model looks at the other tokens.', '', 'The end.'].join('\n');
const FRAGMENT = 'Każdy token ma zapytanie, klucz i wartość';

/** A few steps: enough to have a model of each kind (the comparison is of the attention's shape, not of quality). */
const TINY: Partial<TrainOverrides> = { preset: 'tiny', tokenizer: 'o200k_base', steps: 12, minutes: 0, batchSize: 8, learningRate: 0.01, evalInterval: 0, checkpointInterval: 12, sampleInterval: 0, backend: 'auto' };

const { waitFor } = withTimeout(30_000);

function assertSideDrawn(report: CompareRenderReport, kind: 'decoder' | 'encoder'): void {
  const side = report.sides[kind];
  assert.ok(side, `the ${kind} side is drawn: ${JSON.stringify(report)}`);
  assert.ok(side.canvas.width > 100 && side.canvas.height > 100 && side.canvas.variance > 20, `${kind} canvas: ${JSON.stringify(side.canvas)}`);
  assert.ok(side.lowerPainted >= 0.95, `${kind}: the cells on and below the diagonal show their weights (${side.lowerPainted})`);
  if (kind === 'decoder') assert.strictEqual(side.upperPainted, 0, 'the decoder\'s upper triangle is masked: no weight colour above the diagonal');
  else assert.ok(side.upperPainted >= 0.95, `the encoder's upper triangle shows its weights (${side.upperPainted})`);
}

describe('compare causal and bidirectional', function () {
  this.timeout(300_000);
  let api: LmExplorerApi;
  let extensionPath: string;
  let editor: vscode.TextEditor;
  let notes: vscode.Uri;

  isolateSuite();

  before(async () => {
    ({ api } = await activate());
    extensionPath = vscode.extensions.getExtension('lm-explorer.lm-explorer')!.extensionPath;
    notes = vscode.Uri.file(path.join(extensionPath, 'sample-workspace'));
    await noPortForwarding();
    await api.training.reset({ confirm: false, kept: true });
    editor = await openEditor(TEXT, 'markdown', { viewColumn: vscode.ViewColumn.One });
  });

  after(async () => {
    api.compare.close();
    await api.training.reset({ confirm: false, kept: true });
  });

  const train = (kind: 'decoder' | 'encoder') =>
    vscode.commands.executeCommand<TrainOutcome>('lmExplorer.train', { mode: 'fresh', roots: [notes], notification: false, overrides: { ...TINY, kind } });

  const select = (fragment: string) => {
    const at = editor.document.getText().indexOf(fragment);
    editor.selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + fragment.length));
  };

  it('with only a decoder, says the encoder is missing and offers to train one or choose a folder', async () => {
    const outcome = await train('decoder');
    assert.strictEqual(outcome.status, 'completed', outcome.message);
    select(FRAGMENT);
    const result = await vscode.commands.executeCommand<CompareResult>('lmExplorer.compareAttention', editor.document.uri);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepStrictEqual(result.missing, ['encoder']);
    const report = await api.compare.whenRendered(result.seq);
    assertSideDrawn(report, 'decoder');
    const missing = report.missing.encoder;
    assert.ok(missing, JSON.stringify(report));
    assert.match(missing.message, shownAs('No encoder yet: train one on the same notes (the workspace decoder is kept for this comparison), or choose an encoder model folder.'));
    assert.strictEqual(missing.buttons.length, 2, JSON.stringify(missing.buttons));
    assert.match(missing.buttons[0], shownAs('Train Encoder Model'));
    assert.match(missing.buttons[1], shownAs('Choose Model Folder…'));
    // the workspace decoder is no encoder: refused with a message, nothing remembered
    assert.strictEqual(await api.compare.chooseFolder('encoder', vscode.Uri.file(api.training.modelDir())), false);
    assert.match(api.messages.last()?.text ?? '', shownAs('{0} holds a decoder; this side needs an encoder (bidirectional attention).'));
  });

  it('trains an encoder on the same notes and keeps the decoder it replaces; the open page shows both', async () => {
    const before = api.compare.current()!.seq;
    const decoderConfig = fs.readFileSync(path.join(api.training.modelDir(), 'config.json'), 'utf8');
    const outcome = await train('encoder');
    assert.strictEqual(outcome.status, 'completed', outcome.message);
    assert.ok('kept' in outcome && outcome.kept, 'the outcome names the kept model');
    assert.strictEqual(outcome.kept.kind, 'decoder');
    assert.strictEqual(fs.readFileSync(path.join(outcome.kept.dir, 'config.json'), 'utf8'), decoderConfig, 'the decoder, as it was');
    assert.ok(fs.existsSync(path.join(outcome.kept.dir, 'model.safetensors')));
    assert.deepStrictEqual(api.training.keptModels().map((k) => k.kind), ['decoder']);
    assert.strictEqual(api.engine.currentModel?.config.kind, 'encoder');
    assert.ok(api.messages.all().some((m) => shownAs('The workspace decoder is kept in {0}: Compare Causal and Bidirectional shows it beside the new encoder.').test(m.text)));
    // the page ran both models again once the run ended
    await waitFor('the page to compare again after training', () => (api.compare.current()?.seq ?? 0) > before && api.compare.current()!.sides.encoder.status === 'ready');
  });

  it('draws one decoder head beside one encoder head of the same selection: masked triangle left, none right', async () => {
    select(FRAGMENT);
    const result = await api.compare.show({ editor });
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepStrictEqual(result.missing, []);
    const report = result.report!;
    assertSideDrawn(report, 'decoder');
    assertSideDrawn(report, 'encoder');
    assert.strictEqual(report.sides.decoder!.T, report.sides.encoder!.T, 'the same tokens on both sides');
    assert.match(report.sides.decoder!.heading, shownAs('Decoder (GPT): causal attention'));
    assert.match(report.sides.encoder!.heading, shownAs('Encoder (BERT): bidirectional attention'));
    assert.match(report.sides.decoder!.explanation, shownAs('Causal: xᵢ cannot use xᵢ₊₁. Each token attends only to itself and the tokens before it; the hatched triangle above the diagonal is masked.'));

    const snap = api.compare.current()!;
    assert.strictEqual(snap.text, FRAGMENT);
    assert.deepStrictEqual([snap.sides.decoder.origin, snap.sides.encoder.origin], ['kept', 'workspace']);
    assert.deepStrictEqual(snap.sides.decoder.tokens, snap.sides.encoder.tokens);
    const [dec, enc] = [snap.sides.decoder.attention![0][0], snap.sides.encoder.attention![0][0]];
    for (const [name, head] of [['decoder', dec], ['encoder', enc]] as const) {
      head.forEach((row, q) => assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4, `${name} row ${q}`));
    }
    assert.ok(dec.every((row, q) => row.slice(q + 1).every((w) => w === 0)), 'decoder: nothing above the diagonal');
    assert.ok(enc.slice(0, -1).every((row, q) => row.slice(q + 1).some((w) => w > 1e-3)), 'encoder: every token but the last attends to later ones');

    // each side has its own head picker
    const changed = await api.compare.setView({ encoder: { layer: 1, head: 1 } });
    assert.deepStrictEqual([changed.sides.encoder!.layer, changed.sides.encoder!.head], [1, 1]);
    assert.deepStrictEqual([changed.sides.decoder!.layer, changed.sides.decoder!.head], [0, 0]);
    assertSideDrawn(changed, 'encoder');
  });

  it('keeps both sides\' heads when the page is reloaded', async () => {
    await api.compare.setView({ decoder: { layer: 1, head: 0 }, encoder: { layer: 0, head: 1 } });
    const seq = api.compare.current()!.seq;
    const loads = api.compare.pageLoads();
    await vscode.commands.executeCommand('workbench.action.webview.reloadWebviewAction');
    await waitFor('the page to load again', () => api.compare.pageLoads() > loads);
    const report = await api.compare.whenRendered(seq);
    assert.deepStrictEqual([report.sides.decoder!.layer, report.sides.decoder!.head, report.sides.encoder!.layer, report.sides.encoder!.head], [1, 0, 0, 1]);
    assertSideDrawn(report, 'decoder');
  });

  it('is photographed in the real browser in a dark and a light theme (when the launcher captures)', async function () {
    const outDir = path.join(extensionPath, 'test-results');
    const check = (report: CaptureReport | undefined, name: string) => {
      assert.ok(report?.ok, `${name}: ${report?.error}`);
      assert.strictEqual(report.canvases?.length, 2, `${name}: two heatmaps: ${JSON.stringify(report.canvases)}`);
      for (const canvas of report.canvases!) assert.ok(canvas.painted > 5000 && canvas.colours >= 8, `${name}: ${JSON.stringify(canvas)}`);
      for (const heading of ['Decoder (GPT): causal attention', 'Encoder (BERT): bidirectional attention']) {
        assert.ok(report.readable?.texts.some((t) => shownAs(heading).test(t)), `${name} names the kind: ${report.readable?.texts.join(' | ')}`);
      }
    };
    // the panel's editor group takes the whole window: room for the two heatmaps side by side
    await vscode.commands.executeCommand('workbench.action.focusSecondEditorGroup');
    await vscode.commands.executeCommand('workbench.action.toggleMaximizeEditorGroup');
    try {
      for (const theme of ['Default Dark Modern', 'Default Light Modern']) {
        const shade = theme.includes('Dark') ? 'dark' : 'light';
        await updateSetting('workbench', 'colorTheme', theme);
        await sleep(1500);
        const measured = await api.compare.selfCheck();
        assert.ok(measured.sideBySide, 'decoder and encoder side by side');
        assertSideDrawn(measured, 'decoder');
        assertSideDrawn(measured, 'encoder');
        const shot = await captureWebview(outDir, `compare-${shade}`, '#compare-app');
        if (!shot) this.skip(); // only under test:electron, which does not capture (under npm test a missing capture fails)
        check(shot, `compare (${shade})`);
      }
    } finally {
      await vscode.commands.executeCommand('workbench.action.toggleMaximizeEditorGroup');
      await vscode.commands.executeCommand('workbench.action.focusFirstEditorGroup');
    }
  });

  it('Reset Model leaves the kept decoder unless asked, and the page then says the encoder is missing', async () => {
    await api.training.reset({ confirm: false });
    assert.deepStrictEqual(api.training.keptModels().map((k) => k.kind), ['decoder'], 'the kept decoder stays');
    select('The end.');
    const result = await api.compare.show({ editor });
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepStrictEqual(result.missing, ['encoder']);
    assert.strictEqual(api.compare.current()!.sides.decoder.origin, 'kept');
    assert.match(result.report!.missing.encoder!.message, shownAs('No encoder yet: train one on your notes, or choose an encoder model folder.'));
    const keptDir = api.training.keptModels()[0].dir;
    await api.training.reset({ confirm: false, kept: true });
    assert.deepStrictEqual(api.training.keptModels(), []);
    assert.ok(!fs.existsSync(keptDir), 'the kept model is deleted');
    const none = await api.compare.show({ editor });
    assert.ok(none.ok);
    assert.deepStrictEqual(none.missing, ['decoder', 'encoder']);
    assert.match(none.report!.missing.decoder!.message, shownAs('No decoder yet: train one on your notes, or choose a decoder model folder.'));
  });

  it('without a selection takes the paragraph at the cursor, and on a blank line says what to do', async () => {
    await train('decoder');
    const line = editor.document.getText().split('\n').findIndex((l) => l.startsWith('Każdy'));
    editor.selection = new vscode.Selection(line, 3, line, 3);
    const result = await vscode.commands.executeCommand<CompareResult>('lmExplorer.compareAttention', editor.document.uri);
    assert.ok(result.ok, JSON.stringify(result));
    assert.strictEqual(api.compare.current()!.text, editor.document.lineAt(line).text);
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    const blank = await vscode.commands.executeCommand<CompareResult>('lmExplorer.compareAttention', editor.document.uri);
    assert.strictEqual(blank.ok, false);
    assert.match(!blank.ok ? blank.message : '', shownAs('Select some text, or put the cursor in a paragraph, then run Compare Causal and Bidirectional again.'));
  });
});
