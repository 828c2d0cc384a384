// Model folders on disk, before anything is loaded: what a checkpoint folder may hold, whether a path is one
// (inspectModelFolder), and the copies an interrupted save leaves beside it. Nothing here needs TensorFlow.js,
// so the extension host can use it too (Export Model… checks the folder picked before the worker saves).
//
// A save never destroys what it did not write: DIR is replaced only when it is a model folder (its config.json
// is an LM Explorer checkpoint's and it holds nothing but CHECKPOINT_FILES), and old
// copies are removed file by file, by those names, so a file that is not a checkpoint's is never deleted.

import { promises as fs } from 'fs';
import * as path from 'path';
import { UserError } from './errors';

/**
 * Everything a save writes into a model folder: its files, and any folder it writes (a name ending in "/"),
 * which holds entries of this same list. A folder holding anything else is not a model folder and is never
 * replaced, and old copies are removed by these names alone: a new file or folder a save writes needs only its
 * entry here. (What each file holds: checkpoint.ts.)
 */
export const CHECKPOINT_FILES = {
  model: 'model.safetensors',
  latestModel: 'latest-model.safetensors',
  config: 'config.json',
  vocab: 'vocab.json',
  trainerTensors: 'trainer-state.safetensors',
  trainer: 'trainer.json',
  /** Not the engine's: the extension writes a model's curves beside it on export (src/features/training/core/trainingHistory.ts). */
  history: 'training-history.json',
} as const;

/** The engine name a checkpoint's config.json carries ("engine": { "name" }). */
export const ENGINE_NAME = 'lm-explorer';

const checkpointEntries: readonly string[] = Object.values(CHECKPOINT_FILES);
const checkpointFileNames: ReadonlySet<string> = new Set(checkpointEntries.filter((name) => !name.endsWith('/')));
const checkpointFolderNames: ReadonlySet<string> = new Set(checkpointEntries.filter((name) => name.endsWith('/')).map((name) => name.slice(0, -1)));

/** What is at a path a model is to be saved to. */
export type ModelFolder =
  | { kind: 'missing'; dir: string }
  /** An existing folder with nothing in it: a save fills it. */
  | { kind: 'empty'; dir: string }
  /** A checkpoint folder (config.json says so, nothing else in it): a save may replace it. */
  | { kind: 'model'; dir: string }
  /**
   * Anything else, never replaced: `reason` completes "<dir> …" ("is a file, not a folder", "holds files that
   * are not a checkpoint's: notes.md, sub/"), `inTheWay` lists what is in the way (relative paths; folders end in /).
   */
  | { kind: 'other'; dir: string; reason: string; inTheWay: string[] };

/** Whether a model may be saved at `dir`, and if not, what is in the way. Reads names and config.json only. */
export async function inspectModelFolder(dir: string): Promise<ModelFolder> {
  const target = path.resolve(dir);
  let stat;
  try {
    stat = await fs.lstat(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing', dir: target };
    if (code === 'ENOTDIR') return { kind: 'other', dir: target, reason: 'is inside a file, not a folder', inTheWay: [path.dirname(target)] };
    throw error;
  }
  const other = (reason: string, inTheWay: string[] = [path.basename(target)]): ModelFolder => ({ kind: 'other', dir: target, reason, inTheWay });
  if (stat.isSymbolicLink()) return other('is a symbolic link, not a model folder');
  if (!stat.isDirectory()) return other('is a file, not a folder');
  const names = await fs.readdir(target);
  if (names.length === 0) return { kind: 'empty', dir: target };
  const foreign = await foreignEntries(target, '');
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ` and ${foreign.length - 3} more` : '');
    return other(`holds files that are not a checkpoint's: ${shown}`, foreign);
  }
  if (!(await isLmExplorerConfig(path.join(target, CHECKPOINT_FILES.config)))) {
    return other(`has no ${CHECKPOINT_FILES.config} of an LM Explorer checkpoint`, names.sort());
  }
  return { kind: 'model', dir: target };
}

/** The entries under `dir` that a checkpoint does not write (relative to the model folder; folders end in /). */
async function foreignEntries(dir: string, prefix: string): Promise<string[]> {
  const foreign: string[] = [];
  for (const entry of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const relative = prefix + entry.name;
    if (entry.isFile() && checkpointFileNames.has(entry.name)) continue;
    if (entry.isDirectory() && checkpointFolderNames.has(entry.name)) {
      for (const inner of await foreignEntries(path.join(dir, entry.name), `${relative}/`)) foreign.push(inner);
      continue;
    }
    foreign.push(entry.isDirectory() ? `${relative}/` : relative);
  }
  return foreign;
}

/** config.json of an LM Explorer checkpoint (of any format version): it names the engine that wrote it. */
async function isLmExplorerConfig(file: string): Promise<boolean> {
  try {
    const json = JSON.parse(await fs.readFile(file, 'utf8')) as { engine?: { name?: unknown }; formatVersion?: unknown } | null;
    return typeof json === 'object' && json !== null && json.engine?.name === ENGINE_NAME && typeof json.formatVersion === 'number';
  } catch {
    return false;
  }
}

/** A save refused because something that is not a model folder is where the model would go. */
export class NotAModelFolderError extends UserError {
  constructor(readonly folder: Extract<ModelFolder, { kind: 'other' }>) {
    super(`${folder.dir} ${folder.reason}; a model is saved only into a new or empty folder or over a model folder, so nothing was written.`);
    this.name = 'NotAModelFolderError';
  }
}

/**
 * When DIR is missing because a save was cut between its two renames, moves the newest complete copy beside it
 * (the one loadCheckpoint reads) back to DIR. Returns the folder it recovered, or undefined when there was
 * nothing to do. Every command that writes DIR does this first, so none starts over a checkpoint it could load.
 */
export async function recoverInterruptedSave(dir: string): Promise<string | undefined> {
  const target = path.resolve(dir);
  if (await exists(target)) return undefined;
  for (const candidate of await resolveCheckpointDir(target)) {
    if ((await inspectModelFolder(candidate)).kind !== 'model') continue;
    await fs.rename(candidate, target);
    await syncDirectory(path.dirname(target));
    return candidate;
  }
  return undefined;
}

/**
 * Removes a folder a save wrote: the checkpoint's files and folders by name, then the folder itself if that
 * left it empty. Anything else in it stays where it is.
 */
export async function removeCheckpointFolder(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && checkpointFileNames.has(entry.name)) await fs.unlink(full);
    else if (entry.isDirectory() && checkpointFolderNames.has(entry.name)) await removeCheckpointFolder(full);
  }
  await fs.rmdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
  });
}

/** DIR.tmp-* and DIR.old-*: the folders a save writes beside DIR and removes once DIR is in place. */
export function isLeftoverName(name: string, base: string): boolean {
  return name.startsWith(`${base}.tmp-`) || name.startsWith(`${base}.old-`);
}

/**
 * Where a checkpoint can be read: DIR when it exists; when it does not (a save was cut short between its two
 * renames), the newest complete DIR.tmp-* and then DIR.old-* beside it, if any.
 */
export async function resolveCheckpointDir(dir: string): Promise<string[]> {
  const target = path.resolve(dir);
  if (await exists(target)) return [target];
  const parent = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = await fs.readdir(parent);
  } catch {
    return [];
  }
  const candidates: { dir: string; kind: number; time: number }[] = [];
  for (const name of names) {
    if (!isLeftoverName(name, base)) continue;
    const full = path.join(parent, name);
    try {
      const config = JSON.parse(await fs.readFile(path.join(full, CHECKPOINT_FILES.config), 'utf8'));
      const time = Date.parse(config?.created);
      // A save moves the old folder aside only once the new one is complete: the .tmp one is newer.
      candidates.push({ dir: full, kind: name.startsWith(`${base}.tmp-`) ? 0 : 1, time: Number.isFinite(time) ? time : 0 });
    } catch {
      // no readable config.json: an interrupted write, never loaded
    }
  }
  candidates.sort((a, b) => a.kind - b.kind || b.time - a.time);
  return candidates.map((c) => c.dir);
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** fsync a folder, so that the names in it (renames, new files) are on disk too. Not possible on Windows. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EPERM on Windows, where directories cannot be opened for fsync: nothing to do
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
