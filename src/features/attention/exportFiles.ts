// Save as PNG and Save as HTML from the panel: where the save dialog starts, the dialog, the atomic write,
// and the self-contained page built around the viewer bundle.

import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { writeAtomically } from '../../host/atomicWrite';
import { pageLocalization } from '../../host/l10n';
import type { Notifier } from '../../host/notifier';
import { buildAttentionHtml, decodePngDataUrl } from './core/attentionExport';
import type { AttentionMaps } from './core/attentionMaps';
import type { AttentionPayload, AttentionViewState } from './protocol';

/** Beside the document the text came from (a local one), else in the first workspace folder. */
export function exportDefaultUri(sourceUri: string | undefined, name: string): vscode.Uri | undefined {
  const doc = sourceUri ? vscode.Uri.parse(sourceUri) : undefined;
  if (doc && doc.scheme === 'file') return vscode.Uri.joinPath(doc, '..', name);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder ? vscode.Uri.joinPath(folder, name) : undefined;
}

export async function savePngInteractive(notify: Notifier, dataUrl: string, defaultUri: vscode.Uri | undefined): Promise<void> {
  const target = await vscode.window.showSaveDialog({ title: vscode.l10n.t('Save the attention view as PNG'), filters: { [vscode.l10n.t('PNG image')]: ['png'] }, ...(defaultUri ? { defaultUri } : {}) });
  if (!target) return;
  try {
    await writeAtomically(target, decodePngDataUrl(dataUrl));
    void notify.info(vscode.l10n.t('Saved {0}.', path.basename(target.path)));
  } catch (error) {
    void notify.error(vscode.l10n.t('Could not save the PNG: {0}', (error as Error).message));
  }
}

export async function saveHtmlInteractive(notify: Notifier, defaultUri: vscode.Uri | undefined, build: () => Promise<string>): Promise<void> {
  const target = await vscode.window.showSaveDialog({ title: vscode.l10n.t('Save the attention panel as a web page'), filters: { [vscode.l10n.t('Web page')]: ['html'] }, ...(defaultUri ? { defaultUri } : {}) });
  if (!target) return;
  try {
    await writeAtomically(target, await build());
    void notify.info(vscode.l10n.t('Saved {0}: it opens in any browser, without a network.', path.basename(target.path)));
  } catch (error) {
    void notify.error(vscode.l10n.t('Could not save the page: {0}', (error as Error).message));
  }
}

/** The exported page: the shown data (float32 weights) and view, the viewer bundle, the theme's colours. */
export async function attentionPageHtml(
  extensionUri: vscode.Uri,
  shown: { payload: AttentionPayload; maps: AttentionMaps },
  view: AttentionViewState | undefined,
  themeVars: Record<string, string>,
  themeKind: string,
): Promise<string> {
  const script = await fs.promises.readFile(path.join(extensionUri.fsPath, 'dist', 'webview', 'attention.js'), 'utf8');
  const shownView = view ?? { view: 'head', layer: 0, head: 0, query: shown.maps.T - 1, follow: false, scale: 'linear', layerFilter: 'all', headFilter: 'all' };
  return buildAttentionHtml({
    script,
    data: { ...shown.payload, weights: shown.maps.weights, source: undefined },
    view: { ...shownView, follow: false },
    themeVars,
    themeKind,
    localization: pageLocalization(),
  });
}
