// The display language of LM Explorer's processes outside the extension host (the `lmx` CLI): chosen by
// --lang, else the POSIX locale variables, and read from the same l10n/bundle.l10n.<language>.json the
// extension uses, through @vscode/l10n (whose `t` the CLI's strings are written with).

import * as fs from 'fs';
import * as path from 'path';
import * as l10n from '@vscode/l10n';
import { setDisplayLanguage } from './format';

/** The translation bundles' folder name beside package.json. */
export const BUNDLE_FOLDER = 'l10n';

/**
 * The language the environment asks for, as POSIX defines the precedence for messages:
 * LC_ALL, then LC_MESSAGES, then LANG ('pl_PL.UTF-8' -> 'pl-pl'); undefined for C/POSIX or none.
 */
export function languageFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '');
  if (!value) return undefined;
  const tag = value.replace(/[.@].*$/, '').replace(/_/g, '-').toLowerCase();
  return tag === 'c' || tag === 'posix' || tag === '' ? undefined : tag;
}

/** The bundle file for a language: the full tag first ('pt-br'), then its language alone ('pl-pl' -> 'pl'). */
export function bundleFile(language: string, bundleDir: string): string | undefined {
  const tag = language.toLowerCase();
  const candidates = [tag, tag.split('-')[0]];
  for (const candidate of candidates) {
    const file = path.join(bundleDir, `bundle.l10n.${candidate}.json`);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

/** The nearest folder at or above `start` that holds l10n/bundle.l10n.json (the repository or the package). */
export function findBundleDir(start: string = __dirname): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, BUNDLE_FOLDER);
    if (fs.existsSync(path.join(candidate, 'bundle.l10n.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Switches @vscode/l10n's `t` and the formatters to `language` (English when undefined or when no bundle
 * exists for it). Returns the language in use: the bundle's, or 'en'.
 */
export function useLanguage(language: string | undefined, bundleDir: string | undefined = findBundleDir()): string {
  const file = language && !/^en\b/.test(language) && bundleDir ? bundleFile(language, bundleDir) : undefined;
  if (!file) {
    l10n.config({ contents: {} });
    setDisplayLanguage('en');
    return 'en';
  }
  l10n.config({ fsPath: file });
  const used = path.basename(file).replace(/^bundle\.l10n\.|\.json$/g, '');
  setDisplayLanguage(used);
  return used;
}
