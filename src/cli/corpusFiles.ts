// The files `lmx train` reads: those named, and the text files inside the folders named.

import * as l10n from '@vscode/l10n';
import { promises as fs } from 'fs';
import * as path from 'path';
import { errorMessage, UserError } from '../engine/errors';

/** File name extensions read from folders (a file named on the command line is read whatever its name). */
export const TEXT_EXTENSIONS = ['.md', '.markdown', '.txt', '.rst', '.tex', '.adoc'];

export interface CollectedFile {
  path: string;
  text: string;
}

/** Reads the text files named, and those with a text extension inside the folders named (recursively). */
export async function collectDocuments(inputs: string[], warn: (line: string) => void): Promise<CollectedFile[]> {
  const files: string[] = [];
  for (const input of inputs) {
    let stat;
    try {
      stat = await fs.stat(input);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(code === 'ENOENT' ? l10n.t('No such file or folder: {0}', input) : l10n.t('Cannot read {0} ({1}).', input, code ?? errorMessage(error)));
    }
    if (stat.isDirectory()) {
      const found = await walk(input);
      if (found.length === 0) warn(l10n.t('note: no {0} files in {1}', TEXT_EXTENSIONS.join(' '), input));
      for (const file of found) files.push(file);
    } else files.push(input);
  }
  const unique = [...new Set(files.map((f) => path.resolve(f)))].sort();
  const documents: CollectedFile[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const file of unique) {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (error) {
      throw new UserError(l10n.t('Cannot read {0} ({1}).', file, (error as NodeJS.ErrnoException).code ?? errorMessage(error)));
    }
    if (bytes.includes(0)) {
      warn(l10n.t('skipping {0}: binary file (contains NUL bytes)', path.relative('.', file) || file));
      continue;
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      warn(l10n.t('skipping {0}: binary file (not valid UTF-8)', path.relative('.', file) || file));
      continue;
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') continue;
    documents.push({ path: file, text });
  }
  return documents;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) for (const file of await walk(full)) out.push(file);
    else if (entry.isFile() && TEXT_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) out.push(full);
  }
  return out;
}
