// Helpers shared by the integration suites. Not a *.test.ts file: scripts/vscode-host/bundle.mjs bundles
// each suite with what it imports, so this module ends up inside every bundle that uses it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LmExplorerApi } from '../../src/extension';

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

/** Sets an lmExplorer.* setting globally (`undefined` removes it) and waits until the configuration shows it. */
export async function setSetting(key: string, value: unknown, timeoutMs: number): Promise<void> {
  await vscode.workspace.getConfiguration('lmExplorer').update(key, value, vscode.ConfigurationTarget.Global);
  await waitFor(
    `${key} = ${JSON.stringify(value)}`,
    () => (vscode.workspace.getConfiguration('lmExplorer').inspect(key)?.globalValue === value ? true : undefined),
    timeoutMs,
  );
}

/** `waitFor` and `setSetting` with one suite's timeout (a `waitFor` call may still pass its own). */
export function withTimeout(timeoutMs: number) {
  return {
    waitFor: <T>(what: string, probe: Probe<T>, ms = timeoutMs): Promise<T> => waitFor(what, probe, ms),
    setSetting: (key: string, value: unknown): Promise<void> => setSetting(key, value, timeoutMs),
  };
}

/** Opens an untitled document with `content` in an editor. */
export async function openEditor(content: string, language = 'markdown', options: vscode.TextDocumentShowOptions = {}): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ content, language });
  return vscode.window.showTextDocument(document, { preview: false, ...options });
}

/** Closes the open editors, discarding their changes. */
export async function closeEditors(): Promise<void> {
  for (let i = 0; i < 20 && vscode.window.activeTextEditor; i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
}

/** Stops code-server's notices about other processes' ports (they would cover the screenshots). */
export async function noPortForwarding(): Promise<void> {
  await vscode.workspace.getConfiguration('remote').update('autoForwardPorts', false, vscode.ConfigurationTarget.Global);
}

/** What the launcher's capture (scripts/webview-capture.mjs) writes about a screenshot it took. */
export interface CaptureReport {
  ok: boolean;
  error?: string;
  canvases?: { id: string; painted: number; colours: number }[];
  /** captureEditors: per visible editor, its rendered lines and the inline spans that end past its right edge. */
  editors?: { lines: number; spans: number; overflowing: number; pastEdge: number }[];
}

const CAPTURE_TAG = '@@lmx-capture@@';

/**
 * Asks the launcher to photograph the webview element `selector` as `outDir/<name>.png`; resolves with its
 * report, or undefined when nothing captures (the suite was not started by a capturing launcher).
 */
export async function captureWebview(outDir: string, name: string, selector: string): Promise<CaptureReport | undefined> {
  return requestCapture(outDir, name, { selector });
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
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}
