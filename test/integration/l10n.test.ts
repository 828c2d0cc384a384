// Runs inside a real VS Code extension host. The display language is the one the host was started with
// (LMX_TEST_LOCALE: code-server's --locale and the stand-in language pack of scripts/vscode-host/launch.mjs;
// English by default): the suite checks that the contributions, the host's strings and the pages follow it,
// and photographs the dashboard and the attention panel in it (test-results/l10n-<language>-*.png).
// Every capture of every suite is also searched for English left in a translated view (helpers.ts).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LmExplorerApi } from '../../src/extension';
import { activate, captureWebview, closeEditors, displayLanguage, extension, trainTinyModel, isolateSuite, noPortForwarding, openEditor, type CaptureReport } from './helpers';

const language = displayLanguage();

/** The extension's translation of an English text of the bundle (the English itself in English). */
function bundleText(extensionPath: string, english: string): string {
  if (language === 'en') return english;
  const bundle = JSON.parse(fs.readFileSync(path.join(extensionPath, 'l10n', `bundle.l10n.${language}.json`), 'utf8')) as Record<string, string>;
  return bundle[english] ?? english;
}

const NOTE = ['# Uwaga', '', 'Każdy token patrzy na wcześniejsze tokeny: zapytanie, klucz i wartość.', ''].join('\n');

describe('localisation', function () {
  this.timeout(240_000);
  let api: LmExplorerApi;
  let extensionPath: string;
  isolateSuite();

  before(async () => {
    const { api: activated, ext } = await activate();
    api = activated;
    extensionPath = ext.extensionPath;
    await noPortForwarding();
  });

  after(async () => {
    api.attention.close();
    api.dashboard.close();
    await closeEditors();
    // the model trained here is not the next suite's
    await api.training.reset({ confirm: false });
  });

  it(`runs in the display language the host was started with (${language})`, () => {
    assert.strictEqual(vscode.env.language, language);
    if (language === 'en') assert.strictEqual(vscode.l10n.bundle, undefined);
    else assert.deepStrictEqual(vscode.l10n.bundle, JSON.parse(fs.readFileSync(path.join(extensionPath, 'l10n', `bundle.l10n.${language}.json`), 'utf8')));
  });

  it('shows the commands in that language (package.nls)', () => {
    const nlsFile = path.join(extensionPath, language === 'en' ? 'package.nls.json' : `package.nls.${language}.json`);
    const nls = JSON.parse(fs.readFileSync(nlsFile, 'utf8')) as Record<string, string>;
    // VS Code gives a localised command title as { value, original }
    const commands = (extension().packageJSON as { contributes: { commands: { command: string; title: string | { value: string } }[] } }).contributes.commands;
    for (const id of ['showTokenIds', 'train', 'showAttention']) {
      const title = commands.find((c) => c.command === `lmExplorer.${id}`)?.title;
      assert.strictEqual(typeof title === 'string' ? title : title?.value, nls[`command.${id}.title`]);
    }
  });

  it('shows the dashboard and the attention panel in that language, photographed in the real browser', async function () {
    await trainTinyModel(api, extensionPath);
    await api.dashboard.show();
    await api.dashboard.selfCheck();
    const outDir = path.join(extensionPath, 'test-results');
    const dashboard = await captureWebview(outDir, `l10n-${language}-dashboard`, '#loss-card canvas');
    if (!dashboard) this.skip(); // only under test:electron, which does not capture (under npm test a missing capture fails)
    assertInLanguage(dashboard, [bundleText(extensionPath, 'Training Dashboard'), bundleText(extensionPath, 'Parameters: {0}').replace(/\{0\}.*/, '')]);

    const editor = await openEditor(NOTE, 'markdown', { viewColumn: vscode.ViewColumn.One });
    const text = editor.document.getText();
    const start = text.indexOf('Każdy');
    editor.selection = new vscode.Selection(editor.document.positionAt(start), editor.document.positionAt(text.indexOf('.', start) + 1));
    await vscode.commands.executeCommand('lmExplorer.showAttention', editor.document.uri);
    const shown = await waitForAttention(api);
    assert.ok(shown);
    const attention = await captureWebview(outDir, `l10n-${language}-attention`, '#attention-app canvas');
    assert.ok(attention);
    assertInLanguage(attention, [bundleText(extensionPath, 'Attention'), bundleText(extensionPath, 'Colour scale')]);
  });
});

function assertInLanguage(report: CaptureReport, expected: string[]): void {
  assert.ok(report.ok, report.error);
  assert.strictEqual(report.readable?.lang, language, 'the page says its language in <html lang>');
  const all = report.readable?.texts.join('\n') ?? '';
  for (const text of expected) assert.ok(all.includes(text), `the page shows "${text}"; it shows:\n${all.slice(0, 2000)}`);
}

async function waitForAttention(api: LmExplorerApi): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (api.attention.isOpen() && api.attention.current()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
