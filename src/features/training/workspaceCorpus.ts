// Collects the training corpus from workspace folders: files matching `lmExplorer.training.include`,
// minus `lmExplorer.training.exclude` and `files.exclude`, read through `workspace.fs` (so a remote
// workspace works), within `maxFileBytes` / `maxCorpusBytes`, and only text (no NUL bytes, valid UTF-8).
// The decisions are in ./corpusFilter.ts.

import * as vscode from 'vscode';
import {
  classifyText,
  comparePaths,
  enabledGlobs,
  GlobSet,
  sizeLimit,
  type SkippedFile,
} from './core/corpusFilter';

export interface CorpusCollectOptions {
  /** Folders to search: the workspace folders by default. */
  roots: readonly vscode.Uri[];
  include: string;
  exclude: readonly string[];
  maxFileBytes: number;
  maxCorpusBytes: number;
  /** Upper bound on files looked at. */
  maxFiles?: number;
  token?: vscode.CancellationToken;
}

export interface CorpusFile {
  uri: vscode.Uri;
  path: string;
  bytes: number;
}

export interface CollectedCorpus {
  /** The files taken, in corpus order (by path). */
  files: CorpusFile[];
  /** Their texts, line endings normalised to \n; texts[i] belongs to files[i]. */
  texts: string[];
  skipped: SkippedFile[];
  /** Files that matched the include glob (taken + skipped). */
  matched: number;
  bytes: number;
  include: string;
  roots: vscode.Uri[];
}

/** The folder's name prefix when several roots are searched, so paths stay unique. */
function displayPath(root: vscode.Uri, uri: vscode.Uri, multiRoot: boolean): string {
  const base = root.path.endsWith('/') ? root.path : `${root.path}/`;
  const rel = uri.path.startsWith(base) ? uri.path.slice(base.length) : uri.path;
  return multiRoot ? `${root.path.split('/').filter(Boolean).pop() ?? ''}/${rel}` : rel;
}

function relativeTo(root: vscode.Uri, uri: vscode.Uri): string {
  const base = root.path.endsWith('/') ? root.path : `${root.path}/`;
  return uri.path.startsWith(base) ? uri.path.slice(base.length) : uri.path;
}

export async function collectWorkspaceCorpus(options: CorpusCollectOptions): Promise<CollectedCorpus> {
  const roots = [...options.roots];
  const multiRoot = roots.length > 1;
  const exclude = new GlobSet(options.exclude);
  const found: { root: vscode.Uri; uri: vscode.Uri; path: string; rel: string }[] = [];
  for (const root of roots) {
    const filesExclude = new GlobSet(enabledGlobs(vscode.workspace.getConfiguration('files', root).get<Record<string, unknown>>('exclude')));
    // `undefined` as exclude: VS Code applies files.exclude itself while searching (excluded folders are
    // not walked); the GlobSets below make the same decision visible and cover lmExplorer.training.exclude.
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(root, options.include), undefined, options.maxFiles ?? 50_000, options.token);
    for (const uri of uris) {
      const rel = relativeTo(root, uri);
      if (exclude.matches(rel) || filesExclude.matches(rel)) continue;
      found.push({ root, uri, rel, path: displayPath(root, uri, multiRoot) });
    }
  }
  found.sort((a, b) => comparePaths(a.path, b.path));

  const result: CollectedCorpus = { files: [], texts: [], skipped: [], matched: found.length, bytes: 0, include: options.include, roots };
  for (const file of found) {
    if (options.token?.isCancellationRequested) break;
    let size: number;
    try {
      size = (await vscode.workspace.fs.stat(file.uri)).size;
    } catch (error) {
      result.skipped.push({ path: file.path, reason: 'read-error', detail: (error as Error).message });
      continue;
    }
    const limit = sizeLimit(size, result.bytes, options.maxFileBytes, options.maxCorpusBytes);
    if (limit) {
      result.skipped.push({ path: file.path, reason: limit, detail: `${size} bytes` });
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(file.uri);
    } catch (error) {
      result.skipped.push({ path: file.path, reason: 'read-error', detail: (error as Error).message });
      continue;
    }
    // The file may have grown between stat and read.
    const lateLimit = sizeLimit(bytes.length, result.bytes, options.maxFileBytes, options.maxCorpusBytes);
    if (lateLimit) {
      result.skipped.push({ path: file.path, reason: lateLimit, detail: `${bytes.length} bytes` });
      continue;
    }
    const text = classifyText(bytes);
    if ('skip' in text) {
      result.skipped.push({ path: file.path, reason: text.skip });
      continue;
    }
    result.files.push({ uri: file.uri, path: file.path, bytes: bytes.length });
    result.texts.push(text.text);
    result.bytes += bytes.length;
  }
  return result;
}
