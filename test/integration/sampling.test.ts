// The Sampling Lab and Show Token Surprise inside a real VS Code extension host, with a tiny model trained
// here on the sample notes: the lab's distributions (sum to 1, filtered as the sliders say), greedy as
// temperature 0, seeded sampling, Undo giving back exactly the previous state, Insert into Editor, Compare
// Strategies, the logit lens; the surprise decorations and hovers against `lmx score` on the same text, the
// status bar totals, the validation part; and, when the launcher captures (scripts/webview-capture.mjs),
// screenshots of the lab and of the decorated editor in a dark and a light theme under test-results/.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LmExplorerApi } from '../../src/extension';
import type { ScoredToken } from '../../src/worker/engine/samplingProtocol';
import { activate, captureEditors, trainTinyModel, captureWebview, isolateSuite, noPortForwarding, openEditor, sleep, updateSetting } from './helpers';

const NOTE = [
  '# Sourdough',
  '',
  'Feed the starter with flour and water every day. The starter needs warm water and rye flour.',
  'Bake the bread in a hot oven. Zażółć gęślą jaźń — the dough rises overnight.',
  '',
].join('\n');


describe('sampling lab and token surprise', function () {
  this.timeout(240_000);
  let api: LmExplorerApi;
  let extensionPath: string;
  let editor: vscode.TextEditor;

  isolateSuite();

  before(async () => {
    const { api: activated, ext } = await activate();
    api = activated;
    extensionPath = ext.extensionPath;
    await noPortForwarding();
    await trainTinyModel(api, extensionPath);
    editor = await openEditor(NOTE, 'markdown', { viewColumn: vscode.ViewColumn.One });
    editor.selection = new vscode.Selection(editor.document.positionAt(NOTE.indexOf(' with flour')), editor.document.positionAt(NOTE.indexOf(' with flour')));
  });

  after(async () => {
    api.sampling.lab.close();
    api.sampling.surprise.hide();
    await api.training.reset({ confirm: false });
  });

  it('opens on the text before the cursor and draws both distributions, which sum to 1', async () => {
    const result = await vscode.commands.executeCommand<{ ok: boolean }>('lmExplorer.openSamplingLab', editor.document.uri);
    assert.ok(result.ok);
    const opened = await api.sampling.lab.open({ editor });
    assert.ok(opened.ok, !opened.ok ? opened.message : '');
    const report = opened.report!;
    assert.strictEqual(report.bars, 30);
    assert.strictEqual(report.charts.length, 2);
    for (const chart of report.charts) assert.ok(chart.width > 200 && chart.variance > 20, `a chart looks blank: ${JSON.stringify(chart)}`);
    const view = opened.snapshot.view;
    // a softmax over the whole vocabulary: its 30 most likely tokens hold at most all the mass, and at least their uniform share
    const raw = view.bars.reduce((s, b) => s + b.raw, 0);
    assert.ok(raw <= 1 + 1e-9 && raw >= 30 / view.vocabSize - 1e-9, `raw mass of the bars ${raw}`);
    for (let i = 1; i < view.bars.length; i++) assert.ok(view.bars[i].raw <= view.bars[i - 1].raw, 'most likely first');
    assert.strictEqual(opened.snapshot.steps.length, 0);
    assert.ok(opened.snapshot.promptTokens > 3);
  });

  it('filters with the sliders in the worker: top-k 5 leaves 5 tokens summing to 1, greedy is temperature 0', async () => {
    const { snapshot } = await api.sampling.lab.setParams({ temperature: 0.7, topK: 5, topP: 1 });
    const bars = snapshot!.view.bars;
    assert.strictEqual(snapshot!.view.kept, 5);
    assert.ok(Math.abs(bars.slice(0, 5).reduce((s, b) => s + b.filtered, 0) - 1) < 1e-9);
    assert.ok(bars.slice(5).every((b) => b.filtered === 0));
    // the filtered probabilities from the raw ones, computed here: (p_i^(1/T)) renormalised over the top 5
    const powered = bars.slice(0, 5).map((b) => Math.pow(b.raw, 1 / 0.7));
    const z = powered.reduce((a, b) => a + b, 0);
    powered.forEach((p, i) => assert.ok(Math.abs(p / z - bars[i].filtered) < 1e-6, `bar ${i}`));
    const cold = await api.sampling.lab.setParams({ temperature: 0, topK: 0, topP: 1 });
    assert.strictEqual(cold.snapshot!.view.kept, 1);
    const greedy = await api.sampling.lab.step({ kind: 'greedy' });
    assert.strictEqual(greedy.snapshot!.steps[0].id, cold.snapshot!.view.bars[0].id);
    assert.strictEqual(greedy.report.steps, 1);
    await api.sampling.lab.undo();
    const sampled = await api.sampling.lab.step({ kind: 'sample', seed: 7 });
    assert.strictEqual(sampled.snapshot!.steps[0].id, greedy.snapshot!.steps[0].id, 'a draw at temperature 0 is the greedy token');
  });

  it('undo gives back exactly the state before the step', async () => {
    await api.sampling.lab.setParams({ temperature: 1.2, topK: 40, topP: 0.9 });
    const before = api.sampling.lab.snapshot()!;
    await api.sampling.lab.step({ kind: 'sample', seed: 3 });
    const picked = before.view.bars[4].id;
    const after = await api.sampling.lab.step({ kind: 'pick', id: picked });
    assert.strictEqual(after.snapshot!.steps.length, before.steps.length + 2);
    assert.strictEqual(after.snapshot!.steps[after.snapshot!.steps.length - 1].choice.kind, 'pick');
    await api.sampling.lab.undo();
    const back = await api.sampling.lab.undo();
    assert.deepStrictEqual(back.snapshot!.view, before.view);
    assert.deepStrictEqual(back.snapshot!.steps, before.steps);
    assert.strictEqual(back.snapshot!.text, before.text);
    // a seeded draw is reproducible
    const a = await api.sampling.lab.step({ kind: 'sample', seed: 11 });
    await api.sampling.lab.undo();
    const b = await api.sampling.lab.step({ kind: 'sample', seed: 11 });
    assert.strictEqual(a.snapshot!.steps.at(-1)!.id, b.snapshot!.steps.at(-1)!.id);
  });

  it('shows the distribution a past step was chosen from, inserts the text, compares strategies and shows the logit lens', async () => {
    const shown = await api.sampling.lab.showStep(0);
    const chosen = shown.snapshot!.steps[0].id;
    assert.ok(shown.snapshot!.view.bars.some((b) => b.id === chosen));
    await api.sampling.lab.showStep(undefined);
    const inserted = await api.sampling.lab.insert();
    assert.ok(inserted.ok && inserted.text.length > 0);
    assert.ok(editor.document.getText().includes(inserted.text));
    const runs = await api.sampling.lab.compare(16);
    assert.deepStrictEqual(
      runs.map((r) => r.label),
      ['greedy', 'T 0.7 · top-k 40', 'T 1 · top-p 0.9'],
    );
    for (const run of runs) assert.ok(run.tokens.length > 0 && run.tokens.every((t) => t.prob > 0 && t.prob <= 1));
    const layers = await api.sampling.lab.lens();
    assert.strictEqual(layers.length, api.engine.currentModel!.config.nLayer + 1);
    for (const layer of layers) assert.strictEqual(layer.top.length, 5);
  });

  it('is photographed in the real browser in a dark and a light theme (when the launcher captures)', async function () {
    const outDir = path.join(extensionPath, 'test-results');
    for (const [theme, name] of [
      ['Default Dark Modern', 'sampling-lab-dark'],
      ['Default Light Modern', 'sampling-lab-light'],
    ]) {
      await updateSetting('workbench', 'colorTheme', theme);
      await sleep(1500);
      const { report } = await api.sampling.lab.setParams({ temperature: 0.8, topK: 20, topP: 0.8 });
      for (const chart of report.charts) assert.ok(chart.variance > 20, `${name}: ${JSON.stringify(chart)}`);
      const capture = await captureWebview(outDir, name, '#sampling-app');
      if (!capture) this.skip(); // only under test:electron, which does not capture (under npm test a missing capture fails)
      assert.ok(capture.ok, String(capture.error));
      const painted = capture.canvases?.filter((c) => c.painted > 5000 && c.colours >= 4) ?? [];
      assert.strictEqual(painted.length, 2, `${name}: ${JSON.stringify(capture.canvases)}`);
    }
  });

  it('decorates the tokens with what `lmx score` prints for the same text, hovers them, and sums them up', async () => {
    api.sampling.lab.close();
    const text = editor.document.getText();
    const result = await vscode.commands.executeCommand<{ ok: boolean; spans: number }>('lmExplorer.showTokenSurprise', editor.document.uri);
    assert.ok(result.ok);
    const cli = spawnSync(process.execPath, [path.join(extensionPath, 'dist', 'cli.js'), 'score', '--model', api.training.modelDir(), '--text', text, '--json'], { encoding: 'utf8', timeout: 120_000 });
    assert.strictEqual(cli.status, 0, cli.stderr);
    const scored = JSON.parse(cli.stdout) as { tokens: ScoredToken[]; totals: { meanLossNats: number; perplexity: number; bitsPerByte: number; tokens: number } };
    const shown = api.sampling.surprise.spans().flatMap((s) => s.tokens);
    assert.strictEqual(shown.length, scored.tokens.length, 'the whole note is on screen: every token is decorated');
    shown.forEach((t, i) => {
      const c = scored.tokens[i];
      assert.deepStrictEqual([t.id, t.start, t.end, t.rank, t.label], [c.id, c.start, c.end, c.rank, c.label], `token ${i}`);
      assert.ok(Math.abs(t.prob - c.prob) < 1e-4, `token ${i}: ${t.prob} vs ${c.prob}`);
      assert.deepStrictEqual(
        t.top.map((g) => g.id),
        c.top.map((g) => g.id),
      );
    });
    const [part] = api.sampling.surprise.parts();
    assert.ok(Math.abs(part.totals.meanLossNats - scored.totals.meanLossNats) < 1e-4);
    assert.ok(Math.abs(part.totals.perplexity - Math.exp(part.totals.meanLossNats)) < 1e-9);
    assert.match(api.sampling.surprise.status() ?? '', new RegExp(`${scored.totals.meanLossNats.toFixed(2)} nats/token`));
    // the hover of the first token carries the summary; another token's its own numbers only
    const first = api.sampling.surprise.hover(editor.document, editor.document.positionAt(shown[0].start))!;
    assert.match(first, /rank \d+/);
    assert.match(first, new RegExp(`perplexity ${part.totals.perplexity.toFixed(2)}`));
    const later = api.sampling.surprise.spans()[5];
    const hover = api.sampling.surprise.hover(editor.document, editor.document.positionAt(later.start))!;
    assert.match(hover, new RegExp(`rank ${later.tokens[0].rank.toLocaleString()}`));
    assert.ok(!/perplexity/.test(hover));
    // GLTR buckets by the thresholds setting
    for (const span of api.sampling.surprise.spans()) {
      const worst = Math.max(...span.tokens.map((t) => t.rank));
      assert.strictEqual(span.bucket, worst <= 1 ? 0 : worst <= 10 ? 1 : worst <= 100 ? 2 : 3);
    }
  });

  it('compares the training part of a note with its validation part, and photographs the decorations', async function () {
    const result = await vscode.commands.executeCommand<{ ok: boolean; parts: { kind: string; totals: { tokens: number } }[] }>('lmExplorer.showTokenSurpriseValidation', editor.document.uri);
    assert.ok(result.ok);
    assert.deepStrictEqual(
      result.parts.map((p) => p.kind),
      ['training', 'validation'],
    );
    assert.ok(result.parts.every((p) => p.totals.tokens > 0));
    const outDir = path.join(extensionPath, 'test-results');
    for (const [theme, name] of [
      ['Default Dark Modern', 'surprise-dark'],
      ['Default Light Modern', 'surprise-light'],
    ]) {
      await updateSetting('workbench', 'colorTheme', theme);
      await sleep(1500);
      const capture = await captureEditors(outDir, name);
      if (!capture) this.skip(); // only under test:electron, which does not capture
      assert.ok(capture.ok, String(capture.error));
    }
    await vscode.commands.executeCommand('lmExplorer.hideTokenSurprise');
    assert.strictEqual(api.sampling.surprise.spans().length, 0);
    assert.strictEqual(api.sampling.surprise.status(), undefined);
  });

  it('says what to do when there is no model', async () => {
    await api.training.reset({ confirm: false });
    const lab = await vscode.commands.executeCommand<{ ok: boolean; reason?: string }>('lmExplorer.openSamplingLab', editor.document.uri);
    assert.strictEqual(lab.ok, false);
    assert.strictEqual(lab.reason, 'no-model');
    const surprise = await vscode.commands.executeCommand<{ ok: boolean; reason?: string }>('lmExplorer.showTokenSurprise', editor.document.uri);
    assert.strictEqual(surprise.reason, 'no-model');
    assert.match(api.messages.last()?.text ?? '', /no model yet/);
  });
});
