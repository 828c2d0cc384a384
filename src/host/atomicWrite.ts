// Atomic writes on any file system VS Code knows: the engine's writeFileAtomic for local files, else a
// temporary name beside the target through vscode.workspace.fs, then a rename.

import * as crypto from 'crypto';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../engine/atomicWrite';

/** Atomic write for any file system VS Code knows: a temp name beside the target, then a rename. */
export async function writeAtomically(target: vscode.Uri, bytes: Uint8Array | string): Promise<void> {
  if (target.scheme === 'file') return writeFileAtomic(target.fsPath, bytes);
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const tmp = target.with({ path: `${target.path}.tmp-${crypto.randomBytes(4).toString('hex')}` });
  await vscode.workspace.fs.writeFile(tmp, data);
  try {
    await vscode.workspace.fs.rename(tmp, target, { overwrite: true });
  } catch (error) {
    await vscode.workspace.fs.delete(tmp).then(undefined, () => undefined);
    throw error;
  }
}
