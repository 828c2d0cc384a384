// The Model Inspector inside a real VS Code extension host: a tiny model trained here on the sample notes;
// its commands on an editor's selection and on the word at the cursor, the hover action, every tab's numbers
// checked against the checkpoint's own tensors (model.safetensors read back here), the parameter counts
// against what the dashboard and lmx report, keyboard use and a click on an attention block in the real
// browser, the exports, a reload, and one screenshot of every tab in a dark and a light theme under
// test-results/ (scripts/webview-capture.mjs).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { readSafetensors } from '../../src/engine/safetensors';
import { Vocabulary } from '../../src/engine/vocab';
import type { LmExplorerApi } from '../../src/extension';
import type { InspectorShowResult } from '../../src/features/inspector/inspectorPanel';
import type { InspectorAnswer, InspectorRenderReport, InspectorTab } from '../../src/features/inspector/protocol';
import { activate, type CaptureReport, captureWebview, isolateSuite, noPortForwarding, openEditor, shownAs, sleep, updateSetting, withTimeout } from './helpers';

/** Canvas luma variance above this is a drawing, not a blank (a flat background has 0). */
const MIN_VARIANCE = 20;

const TEXT = [
  '# Osadzenia (embeddings)',
  '',
  'Natura stwarza najpiękniejsze obrazy: each token of the text is one row of the embedding matrix.',
  'Król i królowa, mężczyzna i kobieta.',
].join('\n');

const { waitFor: until } = withTimeout(30_000);

type Answer<V extends InspectorTab> = Extract<InspectorAnswer, { view: V }>;

function select(editor: vscode.TextEditor, fragment: string): string {
  const at = editor.document.getText().indexOf(fragment);
  assert.ok(at >= 0, `"${fragment}" is not in the document`);
  editor.selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + fragment.length));
  return fragment;
}

function assertDrawn(report: InspectorRenderReport, what: string): void {
  assert.ok(report.canvases.length > 0, `${what}: no canvas`);
  for (const c of report.canvases) {
    assert.ok(c.width > 100 && c.height > 50, `${what}: canvas ${JSON.stringify(c)}`);
    assert.ok(c.variance > MIN_VARIANCE, `${what}: canvas ${c.id} looks blank: ${JSON.stringify(c)}`);
  }
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

describe('model inspector', function () {
  this.timeout(300_000);
  let api: LmExplorerApi;
  let extensionPath: string;
  let scratch: string;
  let editor: vscode.TextEditor;
  let vocab: Vocabulary;
  let wte: { shape: number[]; data: Float32Array };
  let wpe: { shape: number[]; data: Float32Array };

  isolateSuite();

  const shown = async (result: InspectorShowResult): Promise<InspectorRenderReport> => {
    assert.ok(result.ok, !result.ok ? result.message : '');
    return api.inspector.whenRendered(result.seq);
  };

  before(async () => {
    const { api: activated, ext } = await activate();
    api = activated;
    extensionPath = ext.extensionPath;
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lmx-inspector-'));
    await noPortForwarding();
    const outcome = await api.training.train({
      roots: [vscode.Uri.file(path.join(extensionPath, 'sample-workspace'))],
      notification: false,
      overrides: { preset: 'tiny', tokenizer: 'o200k_base', steps: 12, minutes: 0, batchSize: 8, learningRate: 0.01, evalInterval: 0, checkpointInterval: 12, sampleInterval: 0, backend: 'auto' },
    });
    assert.strictEqual(outcome.status, 'completed', outcome.message);
    const dir = api.training.modelDir();
    vocab = Vocabulary.fromJSON(JSON.parse(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8')));
    const { tensors } = await readSafetensors(path.join(dir, 'model.safetensors'));
    const read = (name: string) => ({ shape: tensors.get(name)!.shape, data: tensors.get(name)!.data as Float32Array });
    wte = read('wte');
    wpe = read('wpe');
    editor = await openEditor(TEXT, 'markdown', { viewColumn: vscode.ViewColumn.One });
  });

  after(async () => {
    api.inspector.close();
    api.attention.close();
    await api.training.reset({ confirm: false });
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('Show Embeddings on a selection: each final input embedding is the token row plus the position row of model.safetensors', async () => {
    const fragment = select(editor, 'Natura stwarza najpiękniejsze obrazy');
    const result = await vscode.commands.executeCommand<InspectorShowResult>('lmExplorer.showEmbeddings', editor.document.uri);
    const report = await shown(result);
    assertDrawn(report, 'embeddings');
    const answer = api.inspector.answer('embeddings') as Answer<'embeddings'>;
    const ids = vocab.encode(fragment);
    assert.deepStrictEqual(answer.tokens.map((t) => t.id), ids);
    assert.strictEqual(report.rows, ids.length);
    const C = wte.shape[1];
    answer.rows.forEach((row, t) => {
      for (let c = 0; c < C; c++) {
        assert.strictEqual(row.token[c], wte.data[ids[t] * C + c]);
        assert.strictEqual(row.positionRow[c], wpe.data[t * C + c]);
        assert.strictEqual(row.sum[c], Math.fround(wte.data[ids[t] * C + c] + wpe.data[t * C + c]));
      }
    });
    // a token the vocabulary spells in bytes is shown by its bytes, never as U+FFFD
    assert.ok(answer.tokens.every((t) => !t.label.includes('\ufffd')));
    assert.strictEqual(api.inspector.currentTab(), 'embeddings');
  });

  it('Show Nearest Tokens on the word at the cursor: the brute-force cosine ranking of model.safetensors', async () => {
    const at = editor.document.getText().indexOf('token of');
    editor.selection = new vscode.Selection(editor.document.positionAt(at + 2), editor.document.positionAt(at + 2));
    const result = await vscode.commands.executeCommand<InspectorShowResult>('lmExplorer.showNearestTokens', editor.document.uri);
    assertDrawn(await shown(result), 'nearest tokens');
    const answer = api.inspector.answer('nearest') as Answer<'nearest'>;
    // the word mid-sentence is " token", with its space, as the tokenizer reads it
    assert.deepStrictEqual(answer.query.map((t) => t.id), vocab.encode(' token'));
    const [V, C] = wte.shape;
    const q = answer.query[0].id;
    const row = (i: number) => wte.data.subarray(i * C, (i + 1) * C);
    const brute = Array.from({ length: V }, (_, i) => i)
      .filter((i) => i !== q)
      .map((i) => ({ i, cos: cosine(row(q), row(i)) }))
      .sort((a, b) => b.cos - a.cos || a.i - b.i)
      .slice(0, 20);
    assert.deepStrictEqual(answer.neighbours.map((n) => n.id), brute.map((b) => b.i));
    assert.strictEqual(answer.map.coords.length, 2 * V);
  });

  it('offers Show Nearest Tokens in the hover of a word, and the link runs it', async () => {
    const at = editor.document.getText().indexOf('matrix');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, editor.document.positionAt(at + 1));
    const link = hovers
      .flatMap((h) => h.contents)
      .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
      .find((v) => v.includes('command:lmExplorer.showNearestTokens'));
    assert.ok(link, `no hover action among ${JSON.stringify(hovers.map((h) => h.contents))}`);
    const args = JSON.parse(decodeURIComponent(/command:lmExplorer\.showNearestTokens\?([^)]+)\)/.exec(link)![1]));
    assert.deepStrictEqual(args[1], { text: ' matrix' });
    const result = await vscode.commands.executeCommand<InspectorShowResult>('lmExplorer.showNearestTokens', ...args);
    await shown(result);
    assert.deepStrictEqual((api.inspector.answer('nearest') as Answer<'nearest'>).query.map((t) => t.id), vocab.encode(' matrix'));
  });

  it('answers an analogy with the input words left out and the rank of an expected answer', async () => {
    const report = await api.inspector.show({ view: 'analogy', a: ' król', b: ' mężczyzna', c: ' kobieta', expected: ' królowa' });
    assert.ok(report.ok, !report.ok ? report.message : '');
    assertDrawn(report.report!, 'analogies');
    const answer = api.inspector.answer('analogy') as Answer<'analogy'>;
    assert.strictEqual(answer.answers.length, 10);
    const inputs = new Set([' król', ' mężczyzna', ' kobieta'].flatMap((w) => vocab.encode(w)));
    assert.ok(answer.answers.every((a) => !inputs.has(a.id)));
    assert.ok(answer.expected && answer.expected.rank >= 1);
    const withInputs = await api.inspector.show({ view: 'analogy', a: ' król', b: ' mężczyzna', c: ' kobieta', includeInputs: true });
    assert.ok(withInputs.ok);
    assert.deepStrictEqual((api.inspector.answer('analogy') as Answer<'analogy'>).excluded, []);
  });

  it('Show Model Architecture: the boxes add up to the parameters the dashboard and lmx report', async () => {
    select(editor, 'Król i królowa');
    const result = await vscode.commands.executeCommand<InspectorShowResult>('lmExplorer.showArchitecture', editor.document.uri);
    assertDrawn(await shown(result), 'architecture');
    const { architecture, forText } = api.inspector.answer('architecture') as Answer<'architecture'>;
    const sum = architecture.boxes.reduce((s, b) => s + b.parameters, 0);
    // the dashboard shows the worker's ModelInfo.parameters; lmx and the training save it in config.json
    assert.strictEqual(sum, api.engine.currentModel!.parameters.total);
    assert.strictEqual(sum, JSON.parse(fs.readFileSync(path.join(api.training.modelDir(), 'config.json'), 'utf8')).parameters);
    assert.strictEqual(forText, true);
    assert.strictEqual(architecture.tokens, vocab.encode('Król i królowa').length);
    assert.deepStrictEqual(architecture.boxes.find((b) => b.id === 'lm_head')!.activation, [architecture.tokens, vocab.size]);
  });

  it('shows what training changed against the initial weights', async () => {
    const report = await api.inspector.show({ view: 'compare', against: { kind: 'initial' }, query: { text: ' token' } });
    assert.ok(report.ok, !report.ok ? report.message : '');
    assertDrawn(report.report!, 'what training changed');
    const answer = api.inspector.answer('compare') as Answer<'compare'>;
    assert.strictEqual(answer.steps.before, 0);
    assert.ok(answer.meanCosine < 1 && answer.meanCosine > -1, String(answer.meanCosine));
    assert.strictEqual(answer.before.length, 20);
  });

  it('reaches every tab from the command palette', async () => {
    for (const [command, tab] of [
      ['lmExplorer.showAnalogies', 'analogy'],
      ['lmExplorer.showTrainingChanges', 'compare'],
      ['lmExplorer.openInspector', 'compare'],
    ] as const) {
      await vscode.commands.executeCommand(command);
      assert.strictEqual(api.inspector.currentTab(), tab, command);
      const report = await api.inspector.selfCheck();
      assert.strictEqual(report.tab, tab, `${command}: the page shows ${report.tab}`);
      assertDrawn(report, command);
    }
    const embeddings = await vscode.commands.executeCommand<InspectorShowResult>('lmExplorer.showEmbeddings', editor.document.uri);
    assert.ok(embeddings.ok, 'the selection is still there: Show Embeddings computes it');
  });

  it('is used from the keyboard: arrow keys move between the tabs, Enter on an attention block opens the attention panel at its layer', async function () {
    const outDir = path.join(extensionPath, 'test-results');
    await api.inspector.selectTab('architecture');
    const pressed = await captureWebview(outDir, 'inspector-keyboard', '#inspector-app', {
      press: [
        { selector: '#tab-architecture', key: 'ArrowRight' },
        { selector: '#tab-compare', key: 'Home' },
      ],
    });
    if (!pressed) this.skip(); // only under test:electron, which does not capture (under npm test a missing capture fails)
    assert.ok(pressed.ok, pressed.error);
    await until('the tab chosen with Home', () => api.inspector.currentTab() === 'embeddings');
    await api.inspector.selectTab('architecture');
    const clicked = await captureWebview(outDir, 'inspector-attention-block', '#inspector-app', { press: [{ selector: '[data-box="h.1.attn"]', key: 'Enter' }] });
    assert.ok(clicked?.ok, clicked?.error);
    await until('the attention panel at layer 2', () => api.attention.isOpen() && api.attention.current()?.view?.layer === 1);
    api.attention.close();
  });

  it('exports the table as CSV and the pictures as PNG', async () => {
    await api.inspector.selectTab('nearest');
    const csv = await api.inspector.exportCsv('nearest', vscode.Uri.file(path.join(scratch, 'nearest.csv')));
    const lines = fs.readFileSync(csv.fsPath, 'utf8').trim().split('\r\n');
    assert.strictEqual(lines[0], 'rank,token,model_id,tokenizer_id,cosine');
    assert.strictEqual(lines.length, 21);
    const png = await api.inspector.exportPng(vscode.Uri.file(path.join(scratch, 'nearest.png')));
    const bytes = fs.readFileSync(png.fsPath);
    assert.deepStrictEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(bytes.length > 5000);
  });

  it('keeps its tab and asks for its views again when the page is reloaded', async () => {
    await api.inspector.selectTab('analogy');
    const loads = api.inspector.pageLoads();
    const before = api.inspector.answer('analogy');
    await vscode.commands.executeCommand('workbench.action.webview.reloadWebviewAction');
    await until('the page to load again', () => api.inspector.pageLoads() > loads);
    await until('the analogy asked again', () => api.inspector.answer('analogy') !== before && api.inspector.answer('analogy'));
    assert.strictEqual(api.inspector.currentTab(), 'analogy');
    await sleep(500);
    assertDrawn(await api.inspector.selfCheck(), 'reloaded page');
  });

  it('is photographed in the real browser, every tab in a dark and a light theme', async function () {
    const outDir = path.join(extensionPath, 'test-results');
    // the canvases of the tab on screen (the capture names each by its section, panel-<tab>)
    const check = (report: CaptureReport | undefined, tab: InspectorTab, name: string) => {
      assert.ok(report, `no capture of ${name}`);
      assert.ok(report.ok, String(report.error));
      const shown = (report.canvases ?? []).filter((c) => c.id === `panel-${tab}`);
      assert.ok(shown.length > 0, `${name}: no canvas of the tab in ${JSON.stringify(report.canvases)}`);
      for (const c of shown) assert.ok(c.painted > 2000 && c.colours >= 4, `${name}: ${JSON.stringify(c)}`);
    };
    const tabs: InspectorTab[] = ['embeddings', 'nearest', 'analogy', 'architecture', 'compare'];
    for (const [theme, kind] of [
      ['Default Dark Modern', 'dark'],
      ['Default Light Modern', 'light'],
    ] as const) {
      await updateSetting('workbench', 'colorTheme', theme);
      await sleep(1500);
      for (const tab of tabs) {
        assertDrawn(await api.inspector.selectTab(tab), `${tab}, ${kind}`);
        const report = await captureWebview(outDir, `inspector-${tab}-${kind}`, '#inspector-app');
        if (!report) this.skip(); // only under test:electron, which does not capture
        check(report, tab, `${tab}, ${kind}`);
      }
    }
  });

  it('offers to train when there is no model', async () => {
    api.inspector.close();
    await api.training.reset({ confirm: false });
    const result = await vscode.commands.executeCommand<InspectorShowResult>('lmExplorer.openInspector');
    assert.strictEqual(result.ok, false);
    assert.strictEqual(!result.ok && result.reason, 'no-model');
    assert.match(api.messages.last()?.text ?? '', shownAs('There is no model yet: train one on your notes first, then the Model Inspector shows what it learned.'));
  });
});
