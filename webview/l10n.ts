// A webview page's display language. Importing this module (every page's strings.ts does) reads the
// PageLocalization the host wrote into the HTML, gives its bundle to @vscode/l10n's `t` and its language to
// the formatters, before any string of the page is built. See CONTRIBUTING.md, "Localisation".

import * as l10n from '@vscode/l10n';
import { setDisplayLanguage } from '../src/l10n/format';
import { PAGE_LOCALIZATION_ID, type PageLocalization } from '../src/l10n/pageLocalization';

function readPageLocalization(): PageLocalization | undefined {
  if (typeof document === 'undefined') return undefined; // a unit test importing a page module in Node
  const text = document.getElementById(PAGE_LOCALIZATION_ID)?.textContent;
  if (!text) return undefined;
  try {
    return JSON.parse(text) as PageLocalization;
  } catch {
    return undefined;
  }
}

const localization = readPageLocalization();
l10n.config({ contents: localization?.bundle ?? {} });
setDisplayLanguage(localization?.language);

/** The page's display language ('en' when the host sent none). */
export const pageLanguage = localization?.language ?? 'en';
