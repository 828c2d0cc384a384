// Export the workspace model to a folder (an LM Explorer model folder, or a Hugging Face transformers folder
// made in the engine worker) and load a model from a folder as the workspace's model.

import * as vscode from 'vscode';
import { readConfig } from '../../config';
import { HF_EXPORT_LAYOUT } from '../../engine/hf/exportHf';
import { formatNumber } from '../../l10n/format';
import type { Notifier } from '../../host/notifier';
import type { EngineClient } from '../../worker/engine/client';
import type { ModelInfo } from '../../worker/engine/protocol';
import { exportFolder, HF_EXPORT_SUBFOLDER, type ExportFormat } from './core/exportFolder';
import { emptyHistory, HISTORY_FILE, historyForLoadedModel, type HistoryFile, type HistoryWriter } from './core/trainingHistory';
import * as path from 'path';

/** What export and load need of the training controller. */
export interface ModelTransferHost {
  readonly engine: EngineClient;
  readonly notify: Notifier;
  readonly output: vscode.LogOutputChannel;
  readonly storageUri: vscode.Uri;
  readonly modelDir: string;
  readonly historyWriter: HistoryWriter;
  hasModel(): boolean;
  isTraining(): boolean;
  /** The workspace's training history (an exported model takes its curves along). */
  history(): HistoryFile;
  /** A loaded model is the workspace's now, with `history`: save the history, show the model's state. */
  adoptLoadedModel(history: HistoryFile): Promise<void>;
}

/**
 * Saves the model to a folder (asks for one when not given), as an LM Explorer model folder or, with format
 * 'hf', as a Hugging Face transformers folder; without a target it also asks which. Returns the folder, or undefined.
 */
export async function exportModel(host: ModelTransferHost, target?: vscode.Uri, format?: ExportFormat): Promise<string | undefined> {
  if (!host.hasModel() && !host.engine.currentModel) {
    void host.notify.info(vscode.l10n.t('There is no model to export yet: train one first.'));
    return undefined;
  }
  if (!target && !format) {
    const choices: (vscode.QuickPickItem & { format: ExportFormat })[] = [
      { label: vscode.l10n.t('LM Explorer model folder'), detail: vscode.l10n.t('Load Model… and lmx open it; keeps the training state for Resume'), format: 'lmx' },
      {
        label: vscode.l10n.t('Hugging Face transformers folder'),
        detail: vscode.l10n.t('GPT2LMHeadModel.from_pretrained loads it; with its tokenizer, a model card and train_hf.py to train further on a GPU or a cluster'),
        format: 'hf',
      },
    ];
    const chosen = await vscode.window.showQuickPick(choices, { title: vscode.l10n.t('Export the model as') });
    if (!chosen) return undefined;
    format = chosen.format;
  }
  if (format === 'hf') return exportHf(host, target);
  const picked = await exportTarget(target, {
    openLabel: vscode.l10n.t('Export Model Here'),
    title: vscode.l10n.t('Export the model to a folder (a folder with other files in it gets a new lm-explorer-model subfolder)'),
  }, host.notify);
  if (!picked) return undefined;
  let dir: string | undefined;
  let model: ModelInfo;
  try {
    dir = await exportFolder(picked, (folder) => replaceModel(host, folder));
    if (!dir) return undefined;
    model = await host.engine.request('save', { dir });
  } catch (error) {
    void host.notify.error(vscode.l10n.t('Could not export the model to {0}: {1}', dir ?? picked, (error as Error).message));
    return undefined;
  }
  // The curves go with the model, so that loading it shows them again.
  try {
    if (host.history().points.length > 0) await host.historyWriter.save(path.join(dir, HISTORY_FILE), { ...host.history(), model });
  } catch (error) {
    host.output.warn(`The model was exported without its training history: ${(error as Error).message}`);
  }
  const where = dir === picked ? dir : vscode.l10n.t('{0} ({1} holds other files, which were left as they are)', dir, picked);
  host.output.info(`Model exported to ${where}.`);
  void host.notify.info(vscode.l10n.t('Model exported to {0}. Try it from a terminal: lmx generate --model "{1}" --prompt "…"', where, dir));
  return dir;
}

/** Asks whether to replace the model already in `folder` with this one. */
async function replaceModel(host: ModelTransferHost, folder: string): Promise<boolean> {
  const replace = vscode.l10n.t('Replace Model');
  return (await host.notify.ask(vscode.l10n.t('{0} already holds a model. Replace it with this one?', folder), replace)) === replace;
}

/** Export for transformers (src/engine/hf/exportHf.ts), in the engine worker, with a progress notification. */
async function exportHf(host: ModelTransferHost, target?: vscode.Uri): Promise<string | undefined> {
  const picked = await exportTarget(target, {
    openLabel: vscode.l10n.t('Export Here'),
    title: vscode.l10n.t('Export for Hugging Face transformers (a folder with other files in it gets a new subfolder)'),
  }, host.notify);
  if (!picked) return undefined;
  let dir: string | undefined;
  try {
    dir = await exportFolder(picked, (folder) => replaceModel(host, folder), HF_EXPORT_LAYOUT, HF_EXPORT_SUBFOLDER);
    if (!dir) return undefined;
    const into = dir;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Exporting the model for transformers…') },
      () => host.engine.request('exportHf', { dir: into }),
    );
  } catch (error) {
    void host.notify.error(vscode.l10n.t('Could not export the model to {0}: {1}', dir ?? picked, (error as Error).message));
    return undefined;
  }
  host.output.info(`Model exported for transformers to ${dir}.`);
  void host.notify.info(
    vscode.l10n.t('Model exported for transformers to {0}. Its README.md says how to load it, and train_hf.py trains it further.', dir),
  );
  return dir;
}

/**
 * Loads a model from a folder (asks for one when not given) and makes it the workspace's model.
 * A folder that is not a model gets a message naming the problem, and the current model stays.
 */
export async function loadModel(host: ModelTransferHost, source?: vscode.Uri): Promise<ModelInfo | undefined> {
  if (host.isTraining()) {
    void host.notify.warn(vscode.l10n.t('Stop the training run first: a model cannot be loaded while one is training.'));
    return undefined;
  }
  if (!source) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: vscode.l10n.t('Load Model'),
      title: vscode.l10n.t('Load a model folder (exported by LM Explorer, saved by lmx, or a Hugging Face GPT-2 folder)'),
    });
    if (!picked?.[0]) return undefined;
    source = picked[0];
  }
  const dir = source.fsPath;
  let model: ModelInfo;
  try {
    model = await host.engine.request('load', { dir, backend: readConfig().engine.backend });
  } catch (error) {
    const message = vscode.l10n.t('Could not load a model from {0}: {1} The current model is unchanged.', dir, (error as Error).message);
    host.output.warn(message);
    void host.notify.error(message);
    return undefined;
  }
  // Keep it: the loaded model becomes the workspace's model (the worker saves it atomically).
  await vscode.workspace.fs.createDirectory(host.storageUri);
  model = await host.engine.request('save', { dir: host.modelDir });
  const found = historyForLoadedModel(dir, model);
  const history: HistoryFile = 'history' in found ? { ...found.history, model } : { ...emptyHistory(), model, note: found.reason };
  if ('reason' in found) host.output.info(found.reason);
  // The kept model is now the loaded one: what the engine says of it, not what its old run said.
  if (history.run) {
    if (model.best) history.run.best = model.best;
    else delete history.run.best;
  }
  await host.adoptLoadedModel(history);
  const message = vscode.l10n.t('Loaded the model from {0} ({1} parameters, {2}).', dir, formatNumber(model.parameters.total), model.tokenizer);
  host.output.info(message);
  void host.notify.info(message);
  return model;
}

/**
 * The folder an export goes to: `target`, or the one the user picks (undefined when they cancel); a folder that
 * is not on this machine's disk is refused with a message (undefined).
 */
async function exportTarget(target: vscode.Uri | undefined, dialog: { openLabel: string; title: string }, notify: Notifier): Promise<string | undefined> {
  if (!target) {
    const picked = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, ...dialog });
    if (!picked?.[0]) return undefined;
    target = picked[0];
  }
  if (target.scheme !== 'file') {
    void notify.error(vscode.l10n.t("The model can only be exported to a folder on this machine's disk, not {0}.", target.toString()));
    return undefined;
  }
  return target.fsPath;
}
