// The display language in the extension host. `vscode.l10n.t` translates the host's own strings; the
// vscode-free code it shares with the CLI and the webviews (src/l10n, features' core/) writes its strings
// with @vscode/l10n's `t`, which is given the same bundle here, and formats with src/l10n/format.ts.

import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { setDisplayLanguage } from '../l10n/format';
import { pageLocalizationBlock, type PageLocalization } from '../l10n/pageLocalization';

/** At activation, before anything formats or translates: shared code follows VS Code's display language. */
export function initLocalization(): void {
  setDisplayLanguage(vscode.env.language);
  l10n.config({ contents: vscode.l10n.bundle ?? {} });
}

/** The display language and its bundle, for a webview page. */
export function pageLocalization(): PageLocalization {
  return { language: vscode.env.language, bundle: vscode.l10n.bundle ?? {} };
}

/** The `<html lang>` value and the data block a webview page's HTML carries (see webview/l10n.ts). */
export function pageLocalizationMarkup(): { lang: string; block: string } {
  const localization = pageLocalization();
  return { lang: localization.language, block: pageLocalizationBlock(localization) };
}
