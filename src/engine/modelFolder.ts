// Model folders on disk, before anything is loaded: what a checkpoint folder may hold, whether a path is one
// (inspectModelFolder), and the copies an interrupted save leaves beside it. Nothing here needs TensorFlow.js,
// so the extension host can use it too (Export Model… checks the folder picked before the worker saves).
//
// A save never destroys what it did not write: DIR is replaced only when it is a model folder (its config.json
// is an LM Explorer checkpoint's and it holds nothing but CHECKPOINT_FILES), and old
// copies are removed file by file, by those names, so a file that is not a checkpoint's is never deleted.

import { randomBytes } from 'crypto';
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

/**
 * A kind of folder LM Explorer writes whole: the names of everything it writes there (a folder's ends in "/"),
 * what it is called in messages, and how its config.json tells that LM Explorer wrote it. Such a folder is
 * replaced only when it holds these names alone and its config.json is one LM Explorer wrote.
 */
export interface FolderLayout {
  /** "a checkpoint": completes "holds files that are not …'s". */
  noun: string;
  /** "an LM Explorer checkpoint": completes "has no config.json of …". */
  writtenBy: string;
  entries: readonly string[];
  /** Whether the parsed config.json is one that LM Explorer wrote for this layout. */
  ownsConfig(json: unknown): boolean;
}

/** The checkpoint folder of checkpoint.ts. */
export const CHECKPOINT_LAYOUT: FolderLayout = {
  noun: 'a checkpoint',
  writtenBy: 'an LM Explorer checkpoint',
  entries: Object.values(CHECKPOINT_FILES),
  ownsConfig: (json) => {
    const c = json as { engine?: { name?: unknown }; formatVersion?: unknown } | null;
    return typeof c === 'object' && c !== null && c.engine?.name === ENGINE_NAME && typeof c.formatVersion === 'number';
  },
};

const fileNames = (layout: FolderLayout): ReadonlySet<string> => new Set(layout.entries.filter((name) => !name.endsWith('/')));
const folderNames = (layout: FolderLayout): ReadonlySet<string> => new Set(layout.entries.filter((name) => name.endsWith('/')).map((name) => name.slice(0, -1)));

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
export async function inspectModelFolder(dir: string, layout: FolderLayout = CHECKPOINT_LAYOUT): Promise<ModelFolder> {
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
  const foreign = await foreignEntries(target, '', layout);
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ` and ${foreign.length - 3} more` : '');
    return other(`holds files that are not ${layout.noun}'s: ${shown}`, foreign);
  }
  if (!(await configOwnedBy(path.join(target, CHECKPOINT_FILES.config), layout))) {
    return other(`has no ${CHECKPOINT_FILES.config} of ${layout.writtenBy}`, names.sort());
  }
  return { kind: 'model', dir: target };
}

/** The entries under `dir` that the layout does not write (relative to the model folder; folders end in /). */
async function foreignEntries(dir: string, prefix: string, layout: FolderLayout): Promise<string[]> {
  const files = fileNames(layout);
  const folders = folderNames(layout);
  const foreign: string[] = [];
  for (const entry of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const relative = prefix + entry.name;
    if (entry.isFile() && files.has(entry.name)) continue;
    if (entry.isDirectory() && folders.has(entry.name)) {
      for (const inner of await foreignEntries(path.join(dir, entry.name), `${relative}/`, layout)) foreign.push(inner);
      continue;
    }
    foreign.push(entry.isDirectory() ? `${relative}/` : relative);
  }
  return foreign;
}

/** Whether a config.json is one LM Explorer wrote for the layout (any format version). */
async function configOwnedBy(file: string, layout: FolderLayout): Promise<boolean> {
  try {
    return layout.ownsConfig(JSON.parse(await fs.readFile(file, 'utf8')));
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
export async function recoverInterruptedSave(dir: string, layout: FolderLayout = CHECKPOINT_LAYOUT): Promise<string | undefined> {
  const target = path.resolve(dir);
  if (await exists(target)) return undefined;
  for (const candidate of await resolveCheckpointDir(target)) {
    if ((await inspectModelFolder(candidate, layout)).kind !== 'model') continue;
    await fs.rename(candidate, target);
    await syncDirectory(path.dirname(target));
    return candidate;
  }
  return undefined;
}

/**
 * Removes a folder a save wrote: the layout's files and folders by name, then the folder itself if that
 * left it empty. Anything else in it stays where it is.
 */
export async function removeCheckpointFolder(dir: string, layout: FolderLayout = CHECKPOINT_LAYOUT): Promise<void> {
  const files = fileNames(layout);
  const folders = folderNames(layout);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && files.has(entry.name)) await fs.unlink(full);
    else if (entry.isDirectory() && folders.has(entry.name)) await removeCheckpointFolder(full, layout);
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

/** Test hooks of writeModelFolder. */
export interface FolderSwapHooks {
  /** For tests: called with the temporary folder once it is complete, before the swap. */
  beforeSwap?: (tmpDir: string) => void | Promise<void>;
  /** For tests: called between moving the old folder aside and moving the new one in. */
  betweenRenames?: (oldDir: string, tmpDir: string) => void | Promise<void>;
}

/**
 * Writes a folder of `layout` at `dir` atomically: `fill` writes every file into a sibling DIR.tmp-<random>
 * (config.json last, each file fsynced); then DIR, when it is there, is renamed to DIR.old-<random>, the new
 * folder renamed to DIR, and the old one removed by the layout's names. Refuses with a NotAModelFolderError,
 * writing nothing, unless DIR is missing, empty or a folder of the layout; a failure puts everything back.
 */
export async function writeModelFolder(dir: string, layout: FolderLayout, fill: (tmpDir: string) => Promise<void>, hooks: FolderSwapHooks = {}): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  await fs.mkdir(parent, { recursive: true });
  await recoverInterruptedSave(target, layout);
  await assertReplaceable(target, layout);
  const tmp = path.join(parent, `${base}.tmp-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(tmp);
  let old: string | undefined;
  let swapped = false;
  try {
    await fill(tmp);
    await syncDirectory(tmp);
    await hooks.beforeSwap?.(tmp);
    // Again, just before the swap: the folder may have changed while the files were written.
    if ((await assertReplaceable(target, layout)) !== 'missing') {
      old = path.join(parent, `${base}.old-${randomBytes(6).toString('hex')}`);
      await fs.rename(target, old);
    }
    await hooks.betweenRenames?.(old ?? '', tmp);
    await fs.rename(tmp, target);
    swapped = true;
    await syncDirectory(parent);
  } catch (error) {
    // Put things back as they were: the previous folder in place, no temporary folder.
    if (!swapped) {
      if (old && !(await exists(target))) await fs.rename(old, target).catch(() => undefined);
      await removeCheckpointFolder(tmp, layout).catch(() => undefined);
    }
    throw error;
  }
  if (old) await removeCheckpointFolder(old, layout).catch(() => undefined);
  await removeLeftovers(parent, base, layout);
}

/** Throws NotAModelFolderError unless a folder of the layout may be written at `target`; returns what is there. */
async function assertReplaceable(target: string, layout: FolderLayout): Promise<ModelFolder['kind']> {
  const folder = await inspectModelFolder(target, layout);
  if (folder.kind === 'other') throw new NotAModelFolderError(folder);
  return folder.kind;
}

/** Removes DIR.tmp-* and DIR.old-* folders left by saves that were cut short. */
async function removeLeftovers(parent: string, base: string, layout: FolderLayout): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (isLeftoverName(name, base)) await removeCheckpointFolder(path.join(parent, name), layout).catch(() => undefined);
  }
}

/**
 * Copies the checkpoint folder `from` to `to` (atomically, by writeModelFolder: `to` is replaced only when it
 * is a checkpoint folder itself). Only the checkpoint's own files are copied, config.json last; `from` is
 * left as it is. Refuses with a NotAModelFolderError when `from` is not a checkpoint folder.
 */
export async function copyModelFolder(from: string, to: string): Promise<void> {
  await recoverInterruptedSave(from);
  const source = await inspectModelFolder(from);
  if (source.kind === 'other') throw new NotAModelFolderError(source);
  if (source.kind !== 'model') throw new UserError(`${source.dir} holds no model to copy.`);
  const names = [...fileNames(CHECKPOINT_LAYOUT)].filter((name) => name !== CHECKPOINT_FILES.config);
  await writeModelFolder(to, CHECKPOINT_LAYOUT, async (tmp) => {
    for (const name of [...names, CHECKPOINT_FILES.config]) {
      const file = path.join(source.dir, name);
      if (!(await exists(file))) continue;
      await fs.copyFile(file, path.join(tmp, name));
      const handle = await fs.open(path.join(tmp, name), 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  });
}

/** Writes a text file and fsyncs it (the files of a folder written by writeModelFolder). */
export async function writeFileSynced(file: string, text: string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}
