// The .vsix as a user gets it: scripts/test.mjs builds the packages (scripts/package.mjs), installs one
// into a fresh code-server with `--install-extension`, and runs this suite there. The development folder
// is not loaded (the host's extensionDevelopmentPath is an empty test-runner extension), so every command
// below runs from the installed copy: Show Token IDs, a short training run on the workspace's notes, Show
// Attention, and the walkthrough. The engine must start from what the package carries: the platform package
// its C++ kernels, the universal one WebAssembly, saying why the native kernels were passed over.
//
// Environment (set by scripts/test.mjs): LMX_INSTALLED_VSIX (the package's file name),
// LMX_INSTALLED_TARGET (its platform, or 'universal'), LMX_INSTALLED_EXTENSIONS_DIR, LMX_SOURCE_ROOT.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LmExplorerApi } from '../../src/extension';
import type { TrainOutcome } from '../../src/features/training/trainingController';
import type { TrainOverrides } from '../../src/features/training/core/trainParams';
import { EXTENSION_ID, closeEditors, extension, isolateSuite, waitFor } from '../integration/helpers';

const vsix = process.env.LMX_INSTALLED_VSIX ?? '';
const target = process.env.LMX_INSTALLED_TARGET ?? '';
const extensionsDir = process.env.LMX_INSTALLED_EXTENSIONS_DIR ?? '';
const sourceRoot = process.env.LMX_SOURCE_ROOT ?? '';

/** A few steps of the tiny preset: enough to build a model the features can use. */
const SHORT_RUN: Partial<TrainOverrides> = {
  preset: 'tiny',
  tokenizer: 'o200k_base',
  steps: 6,
  minutes: 0,
  batchSize: 4,
  evalInterval: 3,
  checkpointInterval: 3,
  sampleInterval: 0,
  backend: 'auto',
};

const NOTES = [
  '# Uwaga (attention)',
  '',
  'Każdy token ma zapytanie, klucz i wartość. Self-attention lets each token look at the earlier tokens.',
  'Model językowy przewiduje następny token. A language model predicts the next token from the ones before it.',
  '',
].join('\n');

const SENTENCE = 'Każdy token ma zapytanie, klucz i wartość.';

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return !!relative && !relative.startsWith('..') && !path.isAbsolute(relative);
}

async function openSentence(): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: `${SENTENCE}\n` });
  const editor = await vscode.window.showTextDocument(document);
  editor.selection = new vscode.Selection(0, 0, 0, SENTENCE.length);
  return editor;
}

describe(`installed .vsix: ${vsix}`, function () {
  this.timeout(180_000);
  let api: LmExplorerApi;
  let extensionPath: string;
  let notes: string;

  isolateSuite();

  before(async () => {
    for (const [name, value] of Object.entries({ vsix, target, extensionsDir, sourceRoot })) {
      assert.ok(value, `${name} is not set: this suite runs under scripts/test.mjs, with the package installed`);
    }
    const ext = extension();
    extensionPath = ext.extensionPath;
    api = await ext.activate();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test host opens a workspace folder');
    notes = path.join(folder.uri.fsPath, 'notes.md');
    assert.ok(!fs.existsSync(notes), `${notes} is there before the suite`);
    fs.writeFileSync(notes, NOTES.repeat(8));
  });

  after(async () => {
    await closeEditors();
    await api?.training.cancel();
    await api?.training.reset({ confirm: false });
    if (notes) fs.rmSync(notes, { force: true });
  });

  it('runs from the installed copy, which carries what its platform needs and nothing of the sources', () => {
    assert.ok(isInside(extensionPath, extensionsDir), `${EXTENSION_ID} runs from ${extensionPath}, not from ${extensionsDir}`);
    assert.ok(!isInside(extensionPath, sourceRoot) && extensionPath !== sourceRoot, `${extensionPath} is the development folder`);
    const pkg = extension().packageJSON as { version: string; name: string };
    assert.ok(path.basename(extensionPath).startsWith(`${EXTENSION_ID}-${pkg.version}`), `${extensionPath} is not version ${pkg.version}`);
    for (const file of ['dist/extension.js', 'dist/worker.js', 'dist/tokenWorker.js', 'dist/tfjs-backend-wasm-simd.wasm', 'dist/webview/attention.js', 'media/icon.png', 'LICENSE.txt']) {
      assert.ok(fs.existsSync(path.join(extensionPath, file)), `the package has no ${file}`);
    }
    for (const left of ['src', 'test', 'native', 'node_modules', 'scripts', 'dist/cli.js', 'dist/extension.js.map']) {
      assert.ok(!fs.existsSync(path.join(extensionPath, left)), `the package carries ${left}`);
    }
    const native = fs.existsSync(path.join(extensionPath, 'dist', 'lmx_native.node'));
    const dawn = fs.existsSync(path.join(extensionPath, 'dist', 'node_modules', 'webgpu', 'dist', target, 'dawn.node'));
    if (target === 'universal') {
      assert.ok(!native && !fs.existsSync(path.join(extensionPath, 'dist', 'node_modules')), 'the universal package carries native code');
    } else {
      assert.ok(native, `the ${target} package has no dist/lmx_native.node`);
      assert.ok(dawn, `the ${target} package has no Dawn for ${target}`);
    }
  });

  it('shows token IDs on a sentence', async () => {
    const editor = await openSentence();
    await vscode.commands.executeCommand('lmExplorer.showTokenIds', editor.document.uri);
    await api.tokenOverlay.whenIdle();
    const overlay = await waitFor('the token overlay', () => api.tokenOverlay.current(), 15_000);
    assert.strictEqual(overlay.editorUri, editor.document.uri.toString());
    assert.strictEqual(overlay.source, 'selection');
    assert.ok(overlay.tokenCount >= 8, `${overlay.tokenCount} tokens for "${SENTENCE}"`);
    assert.strictEqual(overlay.tokens.map((t) => editor.document.getText(t.range)).join(''), SENTENCE);
    await vscode.commands.executeCommand('lmExplorer.clearTokenIds');
    await closeEditors();
  });

  it('trains a few steps on the workspace notes, on the engine this package carries', async () => {
    const outcome = (await vscode.commands.executeCommand('lmExplorer.train', { mode: 'fresh', overrides: SHORT_RUN })) as TrainOutcome;
    assert.strictEqual(outcome.status, 'completed', outcome.message);
    assert.ok(outcome.status === 'completed' && outcome.result.step === SHORT_RUN.steps, JSON.stringify(outcome));
    assert.strictEqual(api.training.state().kind, 'ready');
    const report = api.training.backendReport();
    assert.ok(report, 'the run reported no backend');
    const taken = report.tried.find((t) => t.ok);
    const native = report.tried.find((t) => t.backend === 'native');
    if (target === 'universal') {
      assert.strictEqual(report.backend, 'wasm', JSON.stringify(report));
      assert.ok(taken?.reason.includes(path.join(extensionPath, 'dist')), `wasm binaries not from the package: ${taken?.reason}`);
      assert.ok(native && !native.ok, JSON.stringify(report));
      assert.match(native.reason, /universal \.vsix is WebAssembly only.*lm-explorer-linux-x64-<version>\.vsix/, native.reason);
    } else {
      // Dawn loads from the package: auto takes WebGPU on a hardware GPU, and passes it over without one
      // (for that reason, not a missing package); then the C++ kernels of the package
      const webgpu = report.tried.find((t) => t.backend === 'webgpu');
      assert.ok(webgpu && !/not installed|failed to load/.test(webgpu.reason), `Dawn did not load from the package: ${webgpu?.reason}`);
      if (report.backend !== 'webgpu') {
        assert.strictEqual(report.backend, 'native', JSON.stringify(report));
        assert.ok(taken?.reason.includes(path.join(extensionPath, 'dist', 'lmx_native.node')), `the C++ kernels not from the package: ${taken?.reason}`);
      }
    }
    assert.ok(api.training.statusBarTooltip().includes(`Engine: **${report.backend}**`), api.training.statusBarTooltip());
  });

  it('shows attention on a sentence, with the model it trained', async () => {
    const editor = await openSentence();
    await vscode.commands.executeCommand('lmExplorer.showAttention', editor.document.uri);
    const shown = await waitFor('the attention panel', () => api.attention.isOpen() && api.attention.current(), 60_000);
    assert.ok(shown.tokens.length >= 8, JSON.stringify(shown.tokens));
    const maps = api.attention.attention();
    assert.ok(maps && maps.length === 2 && maps[0].length === 2, 'the tiny preset has 2 layers × 2 heads');
    const rows = maps[0][0];
    for (const row of rows) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3, `a row sums to ${row.reduce((a, b) => a + b, 0)}`);
    await closeEditors();
  });

  it('has a walkthrough whose steps each open the command they describe', async () => {
    const manifest = extension().packageJSON as {
      contributes: { walkthroughs: { id: string; steps: { id: string; description: string; completionEvents: string[]; media: Record<string, string> }[] }[] };
    };
    const [walkthrough] = manifest.contributes.walkthroughs;
    assert.deepStrictEqual(walkthrough.steps.map((s) => s.id), ['showTokenIds', 'train', 'showAttention', 'tryCompletions']);
    const commands = new Set(await vscode.commands.getCommands(false));
    for (const step of walkthrough.steps) {
      const linked = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
      assert.strictEqual(linked.length, 1, `${step.id} links ${linked.length} commands`);
      assert.ok(commands.has(linked[0]), `${step.id} links ${linked[0]}, which is not a command`);
      assert.deepStrictEqual(step.completionEvents, [`onCommand:${linked[0]}`], step.id);
      assert.ok(step.description.length < 220, `${step.id}'s text is long (${step.description.length} characters)`);
      const media = step.media.image ?? step.media.markdown;
      assert.ok(media && fs.existsSync(path.join(extensionPath, media)), `${step.id}'s ${media} is not in the package`);
    }
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#${walkthrough.id}`, false);
    await closeEditors();
  });
});
