// Helpers shared by the integration suites. Not a *.test.ts file: scripts/vscode-host/bundle.mjs bundles
// each suite with what it imports, so this module ends up inside every bundle that uses it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { BACKEND_NAMES } from '../../src/engine/backends/names';
import { PRESET_SETTINGS } from '../../src/engine/presets';
import { TOKENIZERS } from '../../src/engine/tokenizer';
import type { LmExplorerApi } from '../../src/extension';
import { formatNumber, plural, setDisplayLanguage } from '../../src/l10n/format';

export const EXTENSION_ID = 'lm-explorer.lm-explorer';

/** The extension under test (fails the test when the host does not have it). */
export function extension(): vscode.Extension<LmExplorerApi> {
  const ext = vscode.extensions.getExtension<LmExplorerApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in the extension host`);
  return ext;
}

/** Activates the extension and returns the API `activate` returns, with the extension itself. */
export async function activate(): Promise<{ api: LmExplorerApi; ext: vscode.Extension<LmExplorerApi> }> {
  const ext = extension();
  return { api: await ext.activate(), ext };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type Probe<T> = () => T | undefined | false | Promise<T | undefined | false>;

/** Polls `probe` every 50 ms until it returns something truthy; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: Probe<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** One setting as `updateSetting` changes it: where it lives, and what it was before the first change. */
interface ChangedSetting {
  section: string;
  key: string;
  languageId?: string;
  previous: unknown;
}

/** Settings changed since the last restoreSettings(), by section/key/language. */
const changedSettings = new Map<string, ChangedSetting>();

function settingValue(section: string, key: string, languageId?: string): unknown {
  const inspected = vscode.workspace.getConfiguration(section, languageId ? { languageId } : undefined).inspect(key);
  return languageId ? inspected?.globalLanguageValue : inspected?.globalValue;
}

/**
 * Sets a user (global) setting, for one language when `languageId` is given; `undefined` removes it. Waits
 * until the configuration shows it. The value it had before is remembered, and restoreSettings() (which
 * isolateTests/isolateSuite call) puts it back.
 */
export async function updateSetting(
  section: string,
  key: string,
  value: unknown,
  options: { languageId?: string; timeoutMs?: number } = {},
): Promise<void> {
  const { languageId, timeoutMs = 15_000 } = options;
  rememberSetting(section, key, languageId);
  const config = vscode.workspace.getConfiguration(section, languageId ? { languageId } : undefined);
  await config.update(key, value, vscode.ConfigurationTarget.Global, languageId ? true : undefined);
  await waitFor(
    `${section}.${key}${languageId ? ` [${languageId}]` : ''} = ${JSON.stringify(value)}`,
    () => (JSON.stringify(settingValue(section, key, languageId)) === JSON.stringify(value) ? true : undefined),
    timeoutMs,
  );
}

/**
 * Remembers a user setting's value now, for restoreSettings() to put back: for settings that the command
 * under test writes itself (updateSetting remembers by itself).
 */
export function rememberSetting(section: string, key: string, languageId?: string): void {
  const id = `${section}/${key}/${languageId ?? ''}`;
  if (!changedSettings.has(id)) changedSettings.set(id, { section, key, languageId, previous: settingValue(section, key, languageId) });
}

/** Sets an lmExplorer.* setting globally (`undefined` removes it): updateSetting('lmExplorer', key, value). */
export async function setSetting(key: string, value: unknown, timeoutMs: number): Promise<void> {
  await updateSetting('lmExplorer', key, value, { timeoutMs });
}

/** Puts back every setting updateSetting/setSetting changed since the last call, last change first. */
export async function restoreSettings(): Promise<void> {
  const changes = [...changedSettings.values()].reverse();
  for (const { section, key, languageId, previous } of changes) {
    if (JSON.stringify(settingValue(section, key, languageId)) === JSON.stringify(previous)) continue;
    await updateSetting(section, key, previous, { languageId });
  }
  changedSettings.clear();
}

/** `waitFor` and `setSetting` with one suite's timeout (a `waitFor` call may still pass its own). */
export function withTimeout(timeoutMs: number) {
  return {
    waitFor: <T>(what: string, probe: Probe<T>, ms = timeoutMs): Promise<T> => waitFor(what, probe, ms),
    setSetting: (key: string, value: unknown): Promise<void> => setSetting(key, value, timeoutMs),
  };
}

/**
 * Opens an untitled document with `content` in an editor, and waits until that editor is the active one
 * (unless `preserveFocus`), so that a command run next acts on it. Still, pass the document's URI to the
 * command under test where it takes one (see src/host/editorTarget.ts).
 */
export async function openEditor(content: string, language = 'markdown', options: vscode.TextDocumentShowOptions = {}): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ content, language });
  const editor = await vscode.window.showTextDocument(document, { preview: false, ...options });
  if (!options.preserveFocus) {
    await waitFor('the new editor to be the active one', () => vscode.window.activeTextEditor?.document === document, 10_000);
  }
  return editor;
}

function openTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs);
}

/** Editors of documents (not the output panel's). */
function documentEditors(): readonly vscode.TextEditor[] {
  return vscode.window.visibleTextEditors.filter((editor) => editor.document.uri.scheme !== 'output');
}

/**
 * Closes every editor tab (text editors, webview panels, diffs), discarding unsaved changes, and any open
 * quick pick; waits until none is left. With files.hotExit off, closing a changed document would ask
 * whether to save it, so those are reverted and closed one at a time.
 */
export async function closeEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  for (let round = 0; round < 200 && openTabs().length > 0; round++) {
    const dirty = openTabs().find((tab) => tab.isDirty);
    if (!dirty) {
      await vscode.window.tabGroups.close(openTabs());
      continue;
    }
    const uri = dirty.input instanceof vscode.TabInputText ? dirty.input.uri.toString() : undefined;
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    if (document) await vscode.window.showTextDocument(document, { viewColumn: dirty.group.viewColumn, preview: false });
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await waitFor('every editor to close', () => (openTabs().length === 0 && documentEditors().length === 0 ? true : undefined), 10_000);
}

/**
 * Call inside a describe(): every test of it starts with no editor open, and after each test its editors
 * are closed (changes discarded) and the settings it changed through updateSetting/setSetting are put back.
 * For suites whose tests are steps of one scenario on a shared editor, use isolateSuite instead.
 */
export function isolateTests(): void {
  isolateBetween(beforeEach, afterEach);
}

/** Like isolateTests, once around the whole suite: it starts with no editor open and leaves none, settings restored. */
export function isolateSuite(): void {
  isolateBetween(before, after);
}

function isolateBetween(start: Mocha.HookFunction, end: Mocha.HookFunction): void {
  start(async () => {
    await closeEditors();
  });
  end(async () => {
    await closeEditors();
    await restoreSettings();
  });
}

/** Stops code-server's notices about other processes' ports (they would cover the screenshots). */
export async function noPortForwarding(): Promise<void> {
  await updateSetting('remote', 'autoForwardPorts', false);
}

/** What the launcher's capture (scripts/webview-capture.mjs) writes about a screenshot it took. */
export interface CaptureReport {
  ok: boolean;
  error?: string;
  canvases?: { id: string; painted: number; colours: number }[];
  /** The webview's <html lang> and the texts a person reads in it (outside translate="no" elements). */
  readable?: { lang: string; texts: string[] };
  /**
   * captureEditors: per visible editor, its rendered lines and the inline spans that end past its right
   * edge; and its decoration labels (the token IDs): the smallest gaps to the text before and after one
   * (px), the label's font size over the text's, the lowest contrast of a label against its background.
   */
  editors?: {
    lines: number;
    spans: number;
    overflowing: number;
    pastEdge: number;
    labels: {
      count: number;
      minGapBefore: number | null;
      minGapAfter: number | null;
      fontRatio: number;
      minContrast: number | null;
      /** The computed colours of the least legible label. */
      worst?: { colour: string; background: string; editorBackground: string };
    };
  }[];
}

const CAPTURE_TAG = '@@lmx-capture@@';

/**
 * Asks the launcher to photograph the webview element `selector` as `outDir/<name>.png` (after pressing the
 * keys of `press` in the webview, each on its element); resolves with its report, or undefined when nothing captures (only outside npm test, e.g. under `npm run test:electron`).
 */
export async function captureWebview(
  outDir: string,
  name: string,
  selector: string,
  options: { press?: { selector: string; key: string }[] } = {},
): Promise<CaptureReport | undefined> {
  return requestCapture(outDir, name, { selector, ...options });
}

/**
 * Asks the launcher to measure the workbench's visible text editors (and photograph the workbench as
 * `outDir/<name>-workbench.png`); undefined when nothing captures.
 */
export async function captureEditors(outDir: string, name: string): Promise<CaptureReport | undefined> {
  return requestCapture(outDir, name, { editors: true });
}

async function requestCapture(outDir: string, name: string, request: object): Promise<CaptureReport | undefined> {
  await vscode.commands.executeCommand('notifications.clearAll');
  const file = path.join(outDir, `${name}.json`);
  fs.rmSync(file, { force: true });
  console.log(CAPTURE_TAG + JSON.stringify({ name, ...request }));
  const deadline = Date.now() + 20_000;
  while (!fs.existsSync(file) && Date.now() < deadline) await sleep(200);
  if (fs.existsSync(file)) {
    const report = JSON.parse(fs.readFileSync(file, 'utf8')) as CaptureReport;
    const left = report.readable ? untranslatedTexts(report.readable.texts) : [];
    assert.deepStrictEqual(left, [], `"${name}" shows English in a ${displayLanguage()} UI: ${left.join(' | ')}`);
    return report;
  }
  // npm test's launcher always captures (it sets LMX_TEST_CAPTURE=1): there, no answer is a failure.
  if (process.env.LMX_TEST_CAPTURE === '1') throw new Error(`the launcher did not capture "${name}" within 20 s (see test-results/integration-vscode.log)`);
  return undefined;
}

/** The display language the host was started with (LMX_TEST_LOCALE, code-server's --locale; English by default). */
export function displayLanguage(): string {
  return process.env.LMX_TEST_LOCALE || 'en';
}

/** The pseudo-locale of @vscode/l10n-dev generate-pseudo (npm run l10n:pseudo): every letter accented. */
export const PSEUDO_LOCALE = 'qps-ploc';

/**
 * The texts of a view that are still English in a translated UI. In the pseudo-locale every letter of a
 * translated text is accented, so a word of three or more plain ASCII letters is English that did not go
 * through the localisation (words the user wrote, in the open documents, and names that are data — presets,
 * tokenizers, backends — excepted). In another language: a text that is an English message of the bundle
 * whose translation differs.
 */
export function untranslatedTexts(texts: readonly string[]): string[] {
  const language = displayLanguage();
  if (language === 'en') return [];
  if (language === PSEUDO_LOCALE) {
    const allowed = new Set([...DATA_NAMES, ...vscode.workspace.textDocuments.flatMap((d) => d.getText().match(/[A-Za-z]+/g) ?? [])].map((w) => w.toLowerCase()));
    return texts.filter((text) => text.split(/\s+/).some((chunk) => {
      const word = chunk.replace(/^[^A-Za-z]+|[^A-Za-z]+$/g, '');
      return /^[A-Za-z]{3,}$/.test(word) && !allowed.has(word.toLowerCase());
    }));
  }
  const root = extension().extensionPath;
  const english = JSON.parse(fs.readFileSync(path.join(root, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
  const translated = JSON.parse(fs.readFileSync(path.join(root, 'l10n', `bundle.l10n.${language}.json`), 'utf8')) as Record<string, string>;
  const patterns = Object.keys(english)
    .filter((message) => translated[message] !== message)
    .flatMap((message) => message.split('|'))
    // a form with one word besides its placeholders ("{0} token") is as likely a Polish text's ending
    .filter((form) => form.replace(/\{[^}]+\}/g, ' ').trim().split(/\s+/).length >= 2)
    .map((message) => new RegExp(`^${message.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`));
  return texts.filter((text) => patterns.some((pattern) => pattern.test(text)));
}

/** Names shown as they are in every language: setting values and identifiers, not words to translate. */
const DATA_NAMES = [
  ...PRESET_SETTINGS,
  ...TOKENIZERS,
  ...BACKEND_NAMES,
  // VS Code's own name of a new file ("Untitled-1"): the stand-in language pack translates none of VS Code
  'Untitled',
  // notation: the mask token and the token embedding's tensor name (wteᵀ), the same in every language
  'MASK',
  'wte',
];

/**
 * A pattern matching one of the extension's messages as the display language shows it: the bundle's
 * translation (the English itself without one), each placeholder any text, each plural form an alternative.
 * Tests that look for a text the user reads use it, so that they hold in every display language.
 */
export function shownAs(english: string, flags = ''): RegExp {
  const translated = (vscode.l10n.bundle?.[english] as string | undefined) ?? english;
  const forms = translated.split('|').map((form) =>
    form
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.+?'),
  );
  return new RegExp(forms.length > 1 ? `(?:${forms.join('|')})` : forms[0], flags);
}

// the expected texts of the tests are formatted as the extension formats them
setDisplayLanguage(vscode.env.language);

/** A count with its noun as the extension shows it: `shownCount(3, '{0} file|{0} files')` is "3 files" / "3 pliki". */
export function shownCount(n: number, english: string, ...rest: (string | number)[]): string {
  return plural(n, vscode.l10n.t(english, formatNumber(n), ...rest));
}

export { formatNumber as shownNumber };

/** A tiny model trained on the sample notes in a few steps: enough to have one for the features to run. */
export async function trainTinyModel(api: LmExplorerApi, extensionPath: string): Promise<void> {
  const outcome = await api.training.train({
    roots: [vscode.Uri.file(path.join(extensionPath, 'sample-workspace'))],
    notification: false,
    overrides: { preset: 'tiny', tokenizer: 'o200k_base', steps: 12, minutes: 0, batchSize: 8, learningRate: 0.01, evalInterval: 0, checkpointInterval: 12, sampleInterval: 0, backend: 'auto' },
  });
  assert.strictEqual(outcome.status, 'completed', outcome.message);
}
