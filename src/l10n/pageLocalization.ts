// How a webview page learns the display language: the host writes a PageLocalization into the page's HTML
// as a JSON data block (not a script: the content security policy does not apply to it, and the page has it
// before its first paint, also when VS Code revives the panel), and webview/l10n.ts reads it at load.

/** The display language and the extension's translation bundle for it (empty in English). */
export interface PageLocalization {
  /** VS Code's display language ('en', 'pl', 'qps-ploc'). */
  language: string;
  /** English message -> translation, as in l10n/bundle.l10n.<language>.json. */
  bundle: Record<string, string>;
}

/** The id of the page's `<script type="application/json">` element that holds the PageLocalization. */
export const PAGE_LOCALIZATION_ID = 'lmx-l10n';

/** The data block for a page's HTML. `<` is escaped so that no text of a translation can end the element. */
export function pageLocalizationBlock(localization: PageLocalization): string {
  const json = JSON.stringify(localization).replace(/</g, '\\u003c');
  return `<script type="application/json" id="${PAGE_LOCALIZATION_ID}">${json}</script>`;
}
