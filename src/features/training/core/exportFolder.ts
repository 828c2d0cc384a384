// Where Export Model… writes: the folder picked when it is new or empty, or holds a model the user agrees
// to replace; any other folder gets a new subfolder, so nothing in it is touched.

import * as l10n from '@vscode/l10n';
import * as fs from 'fs';
import * as path from 'path';
import { CHECKPOINT_LAYOUT, inspectModelFolder, type FolderLayout } from '../../../engine/modelFolder';

/** Export Model… into a folder that holds anything but a model writes this new subfolder (-2, -3 … when taken). */
export const EXPORT_SUBFOLDER = 'lm-explorer-model';
/** The same for Export Model… as a Hugging Face transformers folder. */
export const HF_EXPORT_SUBFOLDER = 'lm-explorer-hf-model';

/** What Export Model… writes: an LM Explorer model folder, or a Hugging Face transformers folder. */
export type ExportFormat = 'lmx' | 'hf';

/** The folder to export into, or undefined when the user keeps the model already in `picked`. */
export async function exportFolder(
  picked: string,
  replaceModel: (folder: string) => Promise<boolean>,
  layout: FolderLayout = CHECKPOINT_LAYOUT,
  subfolder: string = EXPORT_SUBFOLDER,
): Promise<string | undefined> {
  const folder = await inspectModelFolder(picked, layout);
  if (folder.kind === 'missing' || folder.kind === 'empty') return picked;
  if (folder.kind === 'model') return (await replaceModel(picked)) ? picked : undefined;
  const stat = await fs.promises.stat(picked).catch(() => undefined);
  if (!stat?.isDirectory()) throw new Error(l10n.t('{0} {1}; pick a folder.', folder.dir, folder.reason));
  for (let n = 1; n < 1000; n++) {
    const candidate = path.join(picked, n === 1 ? subfolder : `${subfolder}-${n}`);
    const kind = (await inspectModelFolder(candidate, layout)).kind;
    if (kind === 'missing' || kind === 'empty') return candidate;
  }
  throw new Error(l10n.t('{0} has no free {1}-N subfolder name left; pick another folder.', picked, subfolder));
}
