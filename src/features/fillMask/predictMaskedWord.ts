// "Predict Masked Word": the selection's tokens become [MASK]s in a copy of the text around it, the workspace
// encoder fills them (in the engine worker), and its top 10 appear in a quick pick in the style of the
// next-token list. The document changes only when the user picks a candidate: that replaces the selection.

import * as vscode from 'vscode';
import type { Notifier } from '../../host/notifier';
import type { EngineClient } from '../../worker/engine/client';
import type { FillResult } from '../../worker/engine/protocol';
import { formatProbability, probabilityBar } from '../completion/core/probabilityBar';
import { fillPreview, fillWindow, type FillWindow } from './core/fillText';

export type PredictMaskedWordResult =
  | {
      ok: true;
      documentUri: string;
      fill: FillResult;
      /** The document range a picked candidate replaces. */
      range: vscode.Range;
      /** The quick pick (open until the user picks or dismisses it). */
      quickPick: vscode.QuickPick<FillItem>;
      /** Resolves once the quick pick closes: the candidate applied, if any. */
      picked: Promise<string | undefined>;
    }
  | { ok: false; reason: 'no-editor' | 'no-selection' | 'no-model' | 'decoder' | 'error'; message: string };

export type FillItem = vscode.QuickPickItem & { fill: string };

export async function predictMaskedWord(engine: EngineClient, notify: Notifier, editor: vscode.TextEditor | undefined): Promise<PredictMaskedWordResult> {
  const refuse = (reason: Extract<PredictMaskedWordResult, { ok: false }>['reason'], message: string): PredictMaskedWordResult => {
    void (reason === 'error' ? notify.error(message) : notify.info(message));
    return { ok: false, reason, message };
  };
  if (!editor) return refuse('no-editor', vscode.l10n.t('Open a text file and select a word first: the model predicts what the selection hides.'));
  if (editor.selection.isEmpty) return refuse('no-selection', vscode.l10n.t('Select the word to predict: its tokens become [MASK]s for the model.'));
  const model = await engine.ensureModel();
  if (!model) return refuse('no-model', vscode.l10n.t('There is no model yet: train an encoder on your notes (Train Model on Workspace → Encoder).'));
  if ((model.config.kind ?? 'decoder') !== 'encoder') {
    return refuse(
      'decoder',
      vscode.l10n.t('The workspace model is a decoder (causal, next-token): it was not trained to fill in masked words. Train an encoder (Train Model on Workspace → Encoder) for Predict Masked Word.'),
    );
  }
  const document = editor.document;
  const version = document.version;
  const window = fillWindow(document.getText(), document.offsetAt(editor.selection.start), document.offsetAt(editor.selection.end));
  let fill: FillResult;
  try {
    fill = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Asking the model…') }, () =>
      engine.request('fill', { text: window.text, start: window.start, end: window.end, topN: 10 }),
    );
  } catch (error) {
    return refuse('error', vscode.l10n.t('The model could not fill the mask: {0}', (error as Error).message));
  }
  const range = new vscode.Range(document.positionAt(window.offset + fill.replaceStart), document.positionAt(window.offset + fill.replaceEnd));
  const { quickPick, picked } = show(notify, editor, version, range, window, fill);
  return { ok: true, documentUri: document.uri.toString(), fill, range, quickPick, picked };
}

function show(notify: Notifier, editor: vscode.TextEditor, version: number, range: vscode.Range, window: FillWindow, fill: FillResult) {
  const quickPick = vscode.window.createQuickPick<FillItem>();
  const hidden = editor.document.getText(range);
  quickPick.title =
    fill.masks === 1
      ? vscode.l10n.t('Masked word “{0}”: one [MASK], the model’s top {1}', hidden.trim(), fill.candidates.length)
      : vscode.l10n.t('Masked word “{0}”: {1} [MASK]s, filled one token at a time, left to right', hidden.trim(), fill.masks);
  quickPick.placeholder =
    fill.masks === 1
      ? vscode.l10n.t('The encoder sees the text on both sides of the mask. Pick a candidate to replace the selection.')
      : vscode.l10n.t('Each candidate: one of the first mask’s top tokens, then the most likely token for each next mask; its probability is the product of the steps. Pick one to replace the selection.');
  quickPick.matchOnDescription = true;
  quickPick.items = fill.candidates.map((c, i) => ({
    label: `${i + 1}. ${c.labels.join(' · ')}`,
    description: `${probabilityBar(c.prob)} ${formatProbability(c.prob)}`,
    detail: fillPreview(window, fill.replaceStart, fill.replaceEnd, c.text),
    fill: c.text,
  }));
  const apply = async (choice: string | undefined): Promise<string | undefined> => {
    if (choice === undefined) return undefined;
    if (editor.document.version !== version) {
      void notify.warn(vscode.l10n.t('The document changed while the model was answering: nothing was replaced. Run Predict Masked Word again.'));
      return undefined;
    }
    return (await editor.edit((edit) => edit.replace(range, choice))) ? choice : undefined;
  };
  let accepted: Promise<string | undefined> = Promise.resolve(undefined);
  const picked = new Promise<string | undefined>((resolve) => {
    quickPick.onDidAccept(() => {
      accepted = apply(quickPick.selectedItems[0]?.fill);
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      quickPick.dispose();
      void accepted.then(resolve);
    });
  });
  quickPick.show();
  return { quickPick, picked };
}
