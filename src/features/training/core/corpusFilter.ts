// Pure logic of collecting a training corpus from workspace files: glob matching for the exclude
// settings, deciding which files are text, the size limits, and the words for what was skipped.
// No `vscode` import (unit-tested in plain Node); src/features/training/workspaceCorpus.ts does the I/O.

import * as l10n from '@vscode/l10n';
import { normalizeText } from '../../../engine/normalize';
import { formatNumber, plural } from '../../../l10n/format';

export type SkipReason = 'too-large' | 'binary' | 'invalid-utf8' | 'empty' | 'corpus-limit' | 'read-error' | 'excluded';

export interface SkippedFile {
  /** Path relative to its workspace folder (prefixed with the folder's name when there are several). */
  path: string;
  reason: SkipReason;
  /** Extra words for the output channel (a size, an error message). */
  detail?: string;
}

/** Why a file was left out, in English for the log (one file / several). */
export const SKIP_REASON_TEXT: Record<SkipReason, [one: string, many: string]> = {
  'too-large': ['is larger than lmExplorer.training.maxFileBytes', 'are larger than lmExplorer.training.maxFileBytes'],
  binary: ['is binary (contains NUL bytes)', 'are binary (contain NUL bytes)'],
  'invalid-utf8': ['is not valid UTF-8', 'are not valid UTF-8'],
  empty: ['is empty', 'are empty'],
  'corpus-limit': ['is past lmExplorer.training.maxCorpusBytes', 'are past lmExplorer.training.maxCorpusBytes'],
  'read-error': ['could not be read', 'could not be read'],
  excluded: ['is excluded', 'are excluded'],
};

/** "3 are binary (contain NUL bytes)" in the display language, with the count's plural form. */
function skipsOf(reason: SkipReason, n: number): string {
  const count = formatNumber(n);
  switch (reason) {
    case 'too-large':
      return plural(n, l10n.t('{0} is larger than lmExplorer.training.maxFileBytes|{0} are larger than lmExplorer.training.maxFileBytes', count));
    case 'binary':
      return plural(n, l10n.t('{0} is binary (contains NUL bytes)|{0} are binary (contain NUL bytes)', count));
    case 'invalid-utf8':
      return plural(n, l10n.t('{0} is not valid UTF-8|{0} are not valid UTF-8', count));
    case 'empty':
      return plural(n, l10n.t('{0} is empty|{0} are empty', count));
    case 'corpus-limit':
      return plural(n, l10n.t('{0} is past lmExplorer.training.maxCorpusBytes|{0} are past lmExplorer.training.maxCorpusBytes', count));
    case 'read-error':
      return plural(n, l10n.t('{0} could not be read|{0} could not be read', count));
    case 'excluded':
      return plural(n, l10n.t('{0} is excluded|{0} are excluded', count));
  }
}

const REGEX_SPECIAL = /[.+^$()|\\/]/;

/**
 * A VS Code–style glob as a RegExp over '/'-separated relative paths: `**` any number of path segments,
 * `*` and `?` within one segment, `{a,b}` alternatives (nestable), `[abc]` / `[!abc]` character classes.
 * Matching is case-sensitive, as VS Code's is on Linux.
 */
export function globToRegExp(glob: string): RegExp {
  let i = 0;
  const parse = (inBraces: boolean): string => {
    let out = '';
    while (i < glob.length) {
      const c = glob[i];
      if (inBraces && (c === ',' || c === '}')) return out;
      if (c === '*') {
        if (glob[i + 1] === '*') {
          const atStart = i === 0 || glob[i - 1] === '/' || glob[i - 1] === '{' || glob[i - 1] === ',';
          i += 2;
          if (glob[i] === '/' && atStart) {
            i++;
            out += '(?:[^/]*/)*'; // "**/": zero or more whole segments
          } else {
            out += '.*';
          }
        } else {
          i++;
          out += '[^/]*';
        }
      } else if (c === '?') {
        i++;
        out += '[^/]';
      } else if (c === '[') {
        const close = glob.indexOf(']', i + 2);
        if (close < 0) {
          out += '\\[';
          i++;
        } else {
          let body = glob.slice(i + 1, close);
          if (body.startsWith('!') || body.startsWith('^')) body = '^' + body.slice(1);
          out += `[${body.replace(/\\/g, '\\\\')}]`;
          i = close + 1;
        }
      } else if (c === '{') {
        i++;
        const alternatives: string[] = [];
        for (;;) {
          alternatives.push(parse(true));
          if (glob[i] === ',') {
            i++;
            continue;
          }
          if (glob[i] === '}') i++;
          break;
        }
        out += `(?:${alternatives.join('|')})`;
      } else {
        out += REGEX_SPECIAL.test(c) ? `\\${c}` : c;
        i++;
      }
    }
    return out;
  };
  return new RegExp(`^${parse(false)}$`);
}

export class GlobSet {
  private readonly patterns: RegExp[];

  constructor(readonly globs: readonly string[]) {
    this.patterns = globs.filter((g) => g.trim() !== '').map((g) => globToRegExp(g.trim()));
  }

  /** Whether a relative path ('/'-separated) matches any glob. A glob also excludes what lies beneath a matching folder. */
  matches(relativePath: string): boolean {
    if (this.patterns.length === 0) return false;
    const parts = relativePath.split('/');
    for (let n = parts.length; n >= 1; n--) {
      const prefix = parts.slice(0, n).join('/');
      if (this.patterns.some((re) => re.test(prefix))) return true;
    }
    return false;
  }
}

/** The globs of a `files.exclude`-style object that are switched on (`true`; conditional `when` entries are left out). */
export function enabledGlobs(excludes: Record<string, unknown> | undefined): string[] {
  if (!excludes) return [];
  return Object.entries(excludes)
    .filter(([, value]) => value === true)
    .map(([glob]) => glob);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A file's bytes as text, or why they are not training text. */
export function classifyText(bytes: Uint8Array): { text: string } | { skip: 'binary' | 'invalid-utf8' | 'empty' } {
  if (bytes.length === 0) return { skip: 'empty' };
  if (bytes.indexOf(0) >= 0) return { skip: 'binary' };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { skip: 'invalid-utf8' };
  }
  if (text.trim() === '') return { skip: 'empty' };
  return { text: normalizeText(text) };
}

/** Which limit, if any, keeps a file of `size` bytes out, when `taken` bytes are already in the corpus. */
export function sizeLimit(size: number, taken: number, maxFileBytes: number, maxCorpusBytes: number): SkipReason | undefined {
  if (maxFileBytes > 0 && size > maxFileBytes) return 'too-large';
  if (maxCorpusBytes > 0 && taken + size > maxCorpusBytes) return 'corpus-limit';
  return undefined;
}

/** "3 are binary (contain NUL bytes), 1 is not valid UTF-8", most common reason first. */
export function describeSkips(skipped: readonly SkippedFile[]): string {
  const counts = new Map<SkipReason, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => skipsOf(reason, n))
    .join(', ');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

/** Files in a stable order: by path, so the corpus (and the train/validation split) never depends on search order. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The fixed prompt for the dashboard's sample generations when lmExplorer.training.samplePrompt is empty:
 * the first two words of the first line of text in the first note (Markdown heading marks left out).
 */
export function defaultSamplePrompt(texts: readonly string[]): string {
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const clean = line.replace(/^[\s#>*\-+=`|]+/, '').trim();
      const words = clean.split(/\s+/).filter(Boolean);
      if (words.length === 0) continue;
      // No trailing space: the GPT encodings put a word's space in front of it, so the model adds it.
      return words.slice(0, 2).join(' ');
    }
  }
  return '';
}
