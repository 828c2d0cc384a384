// "LM Explorer: Show Attention" inside a real VS Code extension host: a tiny model trained here on the
// sample notes, the attention of a selection (shape, rows summing to 1, the causal mask, the model
// vocabulary's labels for the engine's tokenization), the panel drawn in the real browser (pixel variance,
// in every view), token ↔ editor, follow selection, edits, the cut to the context, the exports, the
// "no model" offer — and, when the launcher captures (scripts/webview-capture.mjs), screenshots of the
// panel in a dark and a light theme under test-results/.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { Vocabulary } from '../../src/engine/vocab';
import { decode } from '../../src/engine/tokenizer';
import type { LmExplorerApi } from '../../src/extension';
import { readExportedData } from '../../src/features/attention/core/attentionExport';
import { base64ToFloat32 } from '../../src/features/attention/core/attentionMaps';
import type { ShowAttentionResult } from '../../src/features/attention/attentionResults';
import type { AttentionRenderReport } from '../../src/features/attention/protocol';
import { plural } from '../../src/l10n/format';
import { activate, captureWebview, isolateSuite, noPortForwarding, openEditor, shownAs, shownNumber, sleep, updateSetting, withTimeout, type CaptureReport } from './helpers';

/** Canvas luma variance above this is a drawing, not a blank (a flat background has 0). */
const MIN_VARIANCE = 20;

const TEXT = [
  '# Uwaga (attention)',
  '',
  'Self-attention lets each token look at the other tokens of the sequence.',
  'Każdy token ma zapytanie, klucz i wartość: Q = X · W_Q, K = X · W_K, V = X · W_V.',
  'scores = Q · Kᵀ / √d_k, then a softmax over every earlier token.',
  '',
  'The end.',
].join('\n');

const { waitFor: until } = withTimeout(20_000);

function selectText(editor: vscode.TextEditor, fragment: string, occurrence = 0): vscode.Selection {
  const text = editor.document.getText();
  let at = -1;
  for (let i = 0; i <= occurrence; i++) at = text.indexOf(fragment, at + 1);
  assert.ok(at >= 0, `"${fragment}" is not in the document`);
  const selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + fragment.length));
  editor.selection = selection;
  return selection;
}

function assertDrawn(report: AttentionRenderReport, what: string): void {
  assert.ok(report.canvas.width > 100 && report.canvas.height > 100, `${what}: canvas ${JSON.stringify(report.canvas)}`);
  assert.ok(report.canvas.variance > MIN_VARIANCE, `${what} looks blank: ${JSON.stringify(report.canvas)}`);
}

describe('attention panel', function () {
  this.timeout(240_000);
  let api: LmExplorerApi;
  let extensionPath: string;
  let scratch: string;
  let editor: vscode.TextEditor;
  let vocab: Vocabulary;

  // The tests are steps on one editor and one panel, in order: the suite as a whole starts and ends clean.
  isolateSuite();

  before(async () => {
    const { api: activated, ext } = await activate();
    api = activated;
    extensionPath = ext.extensionPath;
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-attention-'));
    await noPortForwarding();
    // A tiny model on the sample notes (Polish and English): a few steps are enough to have one.
    const outcome = await api.training.train({
      roots: [vscode.Uri.file(path.join(extensionPath, 'sample-workspace'))],
      notification: false,
      overrides: { preset: 'tiny', tokenizer: 'o200k_base', steps: 12, minutes: 0, batchSize: 8, learningRate: 0.01, evalInterval: 0, checkpointInterval: 12, sampleInterval: 0, backend: 'auto' },
    });
    assert.strictEqual(outcome.status, 'completed', outcome.message);
    vocab = Vocabulary.fromJSON(JSON.parse(fs.readFileSync(path.join(api.training.modelDir(), 'vocab.json'), 'utf8')));
    editor = await openEditor(TEXT, 'markdown', { viewColumn: vscode.ViewColumn.One });
  });

  after(async () => {
    api.attention.close();
    // Leave no model behind for the suites after this one.
    await api.training.reset({ confirm: false });
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('says what to do on an empty selection', async () => {
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const result = await vscode.commands.executeCommand<ShowAttentionResult>('lmExplorer.showAttention', editor.document.uri);
    assert.strictEqual(result.ok, false);
    assert.strictEqual(!result.ok && result.reason, 'empty');
    assert.match(api.messages.last()?.text ?? '', shownAs('Select the text whose attention you want to see, then run Show Attention again (the model reads at most its context length of tokens).'));
    assert.strictEqual(api.attention.isOpen(), false);
  });

  it('returns the attention of a selection with the right shape, rows summing to 1 and the mask', async () => {
    const fragment = 'Każdy token ma zapytanie, klucz i wartość';
    selectText(editor, fragment);
    const result = await api.attention.show({ editor });
    assert.ok(result.ok, !result.ok ? result.message : '');
    const model = api.engine.currentModel!;
    const snap = api.attention.current()!;
    const maps = api.attention.attention()!;
    assert.strictEqual(snap.T, result.tokens);
    assert.strictEqual(maps.length, model.config.nLayer);
    for (const layer of maps) {
      assert.strictEqual(layer.length, model.config.nHead);
      for (const head of layer) {
        assert.strictEqual(head.length, snap.T);
        head.forEach((row, q) => {
          assert.strictEqual(row.length, snap.T);
          const sum = row.reduce((a, b) => a + b, 0);
          assert.ok(Math.abs(sum - 1) <= 1e-5, `row ${q} sums to ${sum}`);
          for (let k = q + 1; k < row.length; k++) assert.strictEqual(row[k], 0, `entry (${q}, ${k}) above the diagonal`);
        });
      }
    }
    // the labels are the model vocabulary's labels for the engine's tokenization of the selected text
    const ids = vocab.encode(fragment);
    assert.deepStrictEqual(
      snap.tokens.map((t) => t.id),
      ids,
    );
    assert.deepStrictEqual(
      snap.tokens.map((t) => t.label),
      ids.map((id) => vocab.tokenLabel(id)),
    );
    // each has both IDs: the model's and the GPT encoding's (a special token has only the first)
    assert.deepStrictEqual(
      snap.tokens.map((t) => t.gptId),
      ids.map((id) => vocab.toExternal(id)),
    );
    // and each token's range in the document holds that token's text
    const document = editor.document;
    for (const t of snap.tokens) {
      const external = vocab.toExternal(t.id);
      const text = document.getText(new vscode.Range(document.positionAt(t.start), document.positionAt(t.end)));
      if (external !== undefined && t.end > t.start) assert.strictEqual(text, decode([external], vocab.subsetOf), `token ${t.label}`);
    }
    // the same through the engine directly, with nested arrays
    const direct = await api.attention.compute(fragment);
    assert.deepStrictEqual(
      direct.tokens.map((t) => t.label),
      snap.tokens.map((t) => t.label),
    );
    assert.ok(Math.abs(direct.attention[0][0][1][0] - maps[0][0][1][0]) < 1e-6);
    assert.strictEqual(direct.offsets.length, direct.tokens.length);
    console.log(`      attention timing (${snap.T} tokens, tiny): ${JSON.stringify(api.attention.timing())}`);
  });

  it('draws the panel in the browser: every view is not blank', async () => {
    assertDrawn(await api.attention.selfCheck(), 'head view');
    for (const view of ['model', 'layerMean', 'query'] as const) {
      const report = await api.attention.setView({ view });
      assert.strictEqual(report.view, view);
      assertDrawn(report, `${view} view`);
    }
    assertDrawn(await api.attention.setView({ view: 'head', layer: 1, head: 1, scale: 'sqrt' }), 'head view, layer 2 head 2');
    assert.deepStrictEqual(
      [api.attention.current()!.view?.layer, api.attention.current()!.view?.head],
      [1, 1],
    );
    // the command reuses the panel
    const again = await vscode.commands.executeCommand<ShowAttentionResult>('lmExplorer.showAttention', editor.document.uri);
    assert.ok(again.ok);
    const panels = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('lmExplorer.attention'));
    assert.strictEqual(panels.length, 1, 'one attention panel');
    await api.attention.whenRendered();
  });

  it('keeps its view when the page is reloaded', async () => {
    await api.attention.setView({ view: 'head', layer: 1, head: 0 });
    const seq = api.attention.current()!.seq;
    const loads = api.attention.pageLoads();
    await vscode.commands.executeCommand('workbench.action.webview.reloadWebviewAction');
    await until('the page to load again', () => api.attention.pageLoads() > loads);
    const report = await api.attention.whenRendered(seq);
    assertDrawn(report, 'reloaded page');
    assert.strictEqual(report.view, 'head');
    assert.deepStrictEqual([api.attention.current()!.view?.layer, api.attention.current()!.view?.head], [1, 0]);
  });

  it('highlights a clicked token in the editor', async () => {
    const snap = api.attention.current()!;
    const index = 2;
    const range = await api.attention.clickToken(index);
    assert.ok(range);
    assert.strictEqual(editor.document.offsetAt(range.start), snap.tokens[index].start);
    assert.strictEqual(editor.document.offsetAt(range.end), snap.tokens[index].end);
    assert.strictEqual(api.attention.highlighted()?.uri, editor.document.uri.toString());
  });

  it('follows the editor: the cursor picks the query token, a new selection re-runs the panel', async () => {
    const snap = api.attention.current()!;
    const target = snap.tokens[3];
    editor = vscode.window.visibleTextEditors.find((e) => e.document === editor.document) ?? editor;
    const cursor = editor.document.positionAt(target.start);
    editor.selection = new vscode.Selection(cursor, cursor);
    await until('the query token to follow the cursor', () => api.attention.current()?.view?.query === 3).catch((error) => {
      const now = api.attention.current();
      throw new Error(`${error.message}: view ${JSON.stringify(now?.view)}, cursor at ${editor.document.offsetAt(editor.selection.active)}, token ${JSON.stringify(target)}`);
    });
    const fragment = 'scores = Q · Kᵀ / √d_k';
    selectText(editor, fragment);
    await until('the panel to follow the selection', () => api.attention.current()?.text === fragment);
    const report = await api.attention.whenRendered();
    assertDrawn(report, 'followed selection');
    assert.strictEqual(report.query, api.attention.current()!.T - 1, 'a new text starts with its last token as the query');
  });

  it('shows a selection of only whitespace', async () => {
    const at = editor.document.getText().indexOf('\n\n');
    editor.selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + 2));
    const result = await api.attention.show({ editor });
    assert.ok(result.ok, !result.ok ? result.message : '');
    const snap = api.attention.current()!;
    assert.ok(snap.T >= 1);
    assert.ok(snap.tokens.every((t) => /^[↵·→␍]*$|^<unk>$/.test(t.label)), snap.tokens.map((t) => t.label).join(' '));
  });

  it('marks the maps stale when the text is edited, and Refresh runs them again', async () => {
    // (with Follow selection on, the selection growing with the edit would re-run the panel at once)
    await api.attention.setView({ follow: false });
    selectText(editor, 'Self-attention lets each token look');
    assert.ok((await api.attention.show({ editor })).ok);
    const before = api.attention.current()!;
    // an edit before the text only moves it
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'X'));
    await until('the range to move', () => api.attention.current()?.source.start === before.source.start + 1);
    assert.strictEqual(api.attention.current()!.stale, false);
    // an edit inside makes it stale
    await editor.edit((b) => b.insert(editor.document.positionAt(api.attention.current()!.source.start + 4), "Z"));
    await until('stale', () => api.attention.current()?.stale);
    const report = await api.attention.selfCheck();
    assert.match(report.notice, shownAs('The text changed since this was computed: Refresh to run the model on it again.'));
    const refreshed = await api.attention.refresh();
    assert.ok(refreshed.ok);
    assert.strictEqual(api.attention.current()!.stale, false);
    assert.strictEqual(api.attention.current()!.text, 'SelfZ-attention lets each token look');
  });

  it('cuts a long selection to the context and says so', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `Token ${i}: uwaga, klucz i wartość.`).join(' ');
    const longEditor = await openEditor(long, 'markdown', { viewColumn: vscode.ViewColumn.One });
    const document = longEditor.document;
    longEditor.selection = new vscode.Selection(document.positionAt(0), document.positionAt(long.length));
    const result = await api.attention.show({ editor: longEditor });
    assert.ok(result.ok, !result.ok ? result.message : '');
    const context = api.engine.currentModel!.config.contextLength;
    assert.strictEqual(result.truncated, true);
    assert.strictEqual(result.tokens, context);
    assert.strictEqual(result.totalTokens, vocab.encode(long).length);
    const snap = api.attention.current()!;
    // the last `context` tokens, ending at the end of the selection
    assert.strictEqual(snap.tokens[snap.tokens.length - 1].end, long.length);
    assert.deepStrictEqual(
      snap.tokens.map((t) => t.id),
      vocab.encode(long).slice(-context),
    );
    const report = result.report!;
    assert.ok(
      report.notice.includes(
        plural(
          result.totalTokens,
          vscode.l10n.t(
            'The selection has {0} token; the model reads at most {1} at a time (its context length), so this shows the last {2} and leaves out the first {3}.|The selection has {0} tokens; the model reads at most {1} at a time (its context length), so this shows the last {2} and leaves out the first {3}.',
            shownNumber(result.totalTokens),
            shownNumber(context),
            shownNumber(context),
            shownNumber(result.totalTokens - context),
          ),
        ),
      ),
      report.notice,
    );
    assertDrawn(await api.attention.setView({ view: 'model' }), 'model view of a full context');
    editor = await vscode.window.showTextDocument(editor.document, { viewColumn: vscode.ViewColumn.One, preview: false });
  });

  it('saves the view as PNG and the panel as a self-contained HTML page', async () => {
    selectText(editor, 'Każdy token ma zapytanie');
    assert.ok((await api.attention.show({ editor })).ok);
    await api.attention.setView({ view: 'head', layer: 0, head: 0, scale: 'linear' });
    const png = vscode.Uri.file(path.join(scratch, 'attention.png'));
    await api.attention.exportPng(png);
    const bytes = fs.readFileSync(png.fsPath);
    assert.deepStrictEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(bytes.length > 2000, `${bytes.length} bytes`);
    const html = vscode.Uri.file(path.join(scratch, 'attention.html'));
    await api.attention.exportHtml(html);
    const page = fs.readFileSync(html.fsPath, 'utf8');
    assert.doesNotMatch(page, /(src|href)=["']?https?:/i);
    assert.match(page, /--vscode-editor-background:/);
    const data = readExportedData(page);
    const snap = api.attention.current()!;
    assert.deepStrictEqual(
      data.data.tokens.map((t) => t.label),
      snap.tokens.map((t) => t.label),
    );
    assert.strictEqual(base64ToFloat32(data.data.weights).length, snap.nLayer * snap.nHead * snap.T * snap.T);
    assert.deepStrictEqual(fs.readdirSync(scratch).sort(), ['attention.html', 'attention.png'], 'no temporary files left');
    // a copy for the test report
    const results = path.join(extensionPath, 'test-results');
    fs.mkdirSync(results, { recursive: true });
    fs.copyFileSync(png.fsPath, path.join(results, 'attention-export.png'));
    fs.copyFileSync(html.fsPath, path.join(results, 'attention-export.html'));
  });

  it('is photographed in the real browser in a dark and a light theme (when the launcher captures)', async function () {
    const outDir = path.join(extensionPath, 'test-results');
    selectText(editor, 'Każdy token ma zapytanie, klucz i wartość');
    assert.ok((await api.attention.show({ editor })).ok);
    await api.attention.setView({ view: 'head', layer: 0, head: 0, scale: 'linear' });
    const capture = (name: string) => captureWebview(outDir, name, '#attention-app');
    const check = (report: CaptureReport, name: string) => {
      assert.ok(report.ok, String(report.error));
      const canvas = report.canvases?.[0];
      assert.ok(canvas && canvas.painted > 5000 && canvas.colours >= 8, `${name}: ${JSON.stringify(canvas)}`);
    };
    const theme = (name: string) => updateSetting('workbench', 'colorTheme', name);
    await theme('Default Dark Modern');
    await sleep(1500);
    assertDrawn(await api.attention.selfCheck(), 'dark theme');
    const dark = await capture('attention-dark');
    if (!dark) this.skip(); // only under test:electron, which does not capture (under npm test a missing capture fails)
    check(dark, 'dark');
    await api.attention.setView({ view: 'query' });
    assert.ok(await capture('attention-dark-query'));
    await api.attention.setView({ view: 'head' });
    await theme('Default Light Modern');
    await sleep(1500);
    const report = await api.attention.selfCheck();
    assertDrawn(report, 'light theme');
    const light = await capture('attention-light');
    assert.ok(light);
    check(light, 'light');
    await api.attention.setView({ view: 'model' });
    const model = await capture('attention-light-model');
    assert.ok(model);
  });

  it('offers to train when there is no model', async () => {
    await api.training.reset({ confirm: false });
    selectText(editor, 'The end.');
    const result = await vscode.commands.executeCommand<ShowAttentionResult>('lmExplorer.showAttention', editor.document.uri);
    assert.strictEqual(result.ok, false);
    assert.strictEqual(!result.ok && result.reason, 'no-model');
    assert.match(!result.ok ? result.message : '', shownAs('There is no model yet: train one on your notes first, then Show Attention runs it on the selection.'));
  });
});
