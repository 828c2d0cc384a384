// "Show Next-Token Probabilities": the model's top 10 next tokens at the cursor, with their probabilities as
// bars — the lecture notes' "LLM as a probabilistic classifier" made visible: one class per token of the
// vocabulary, a softmax over all of them. Picking a token inserts it at the cursor (one step of greedy or
// sampled generation done by hand).

import * as vscode from 'vscode';
import type { Notifier } from '../../host/notifier';
import type { ModelToken } from '../../worker/engine/protocol';
import { formatProbability, probabilityBar } from './core/probabilityBar';
import type { CompletionEngine } from './core/completionEngine';
import { ModelVocabulary } from '../tokens/core/encodingSetting';
import { modelTokenIds, modelVocabularyNote, type ModelTokenIds } from '../tokens/core/modelTokenIds';

export interface NextTokenCandidate extends ModelTokenIds {
  /** Display text ('·' space, '↵' line break, '<unk>', '<sep>'). */
  label: string;
  prob: number;
  /** What picking it inserts; undefined for special tokens and pieces of a character. */
  text?: string;
  /** Its IDs as the list shows them: "model #129 · GPT 140914". */
  ids: string;
}

export type NextTokenProbabilitiesResult =
  | {
      ok: true;
      documentUri: string;
      /** The tokens the distribution is conditioned on (the end of the text before the cursor). */
      context: ModelToken[];
      candidates: NextTokenCandidate[];
      /** The probability mass of the candidates together. */
      total: number;
    }
  | { ok: false; reason: 'no-editor' | 'no-model' | 'error'; message: string };

/**
 * Asks the completion engine for the top 10 next tokens at the cursor of `editor` and shows them in a
 * quick pick. Resolves once the quick pick is shown (not when it is closed) with what it shows.
 */
export async function showNextTokenProbabilities(
  engine: CompletionEngine,
  modelDir: string,
  editor: vscode.TextEditor | undefined,
  notify: Notifier,
): Promise<NextTokenProbabilitiesResult> {
  if (!editor) {
    const message = vscode.l10n.t('Open a text file first: the model predicts the token after the cursor.');
    void notify.info(message);
    return { ok: false, reason: 'no-editor', message };
  }
  if (!engine.hasModel()) {
    const message = vscode.l10n.t('There is no model yet: train one on your notes to see which tokens it expects next.');
    void notify.info(message, vscode.l10n.t('Train Model')).then((p) => p && vscode.commands.executeCommand('lmExplorer.train'));
    return { ok: false, reason: 'no-model', message };
  }
  const document = editor.document;
  const position = editor.selection.active;
  const offset = document.offsetAt(position);
  const before = document.getText(new vscode.Range(document.positionAt(Math.max(0, offset - 8192)), position));
  let answer;
  try {
    answer = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Asking the model…') }, () => engine.nextTokens(before, 10));
  } catch (error) {
    const message = vscode.l10n.t('The model could not answer: {0}', (error as Error).message);
    void notify.error(message);
    return { ok: false, reason: 'error', message };
  }
  if (!answer) {
    const state = engine.state();
    const message = state.kind === 'error' ? vscode.l10n.t('The model could not be loaded: {0}', state.message) : vscode.l10n.t('There is no model yet: train one first.');
    void notify.info(message);
    return { ok: false, reason: state.kind === 'error' ? 'error' : 'no-model', message };
  }
  let vocab;
  try {
    vocab = await new ModelVocabulary(() => modelDir).load();
  } catch {
    vocab = undefined; // labels still show; picking inserts nothing
  }
  const candidates: NextTokenCandidate[] = answer.candidates.map((c) => {
    let text: string | undefined;
    if (vocab && c.id >= 2 && c.id < vocab.size) {
      const decoded = vocab.decode([c.id]);
      if (decoded && !decoded.includes('\uFFFD')) text = decoded;
    }
    const { id, gptId, byteHex, codePoint, label, prob } = c;
    return { id, gptId, byteHex, codePoint, label, prob, ids: modelTokenIds(c), ...(text !== undefined ? { text } : {}) };
  });
  const total = candidates.reduce((sum, c) => sum + c.prob, 0);
  const result: NextTokenProbabilitiesResult = { ok: true, documentUri: document.uri.toString(), context: answer.context, candidates, total };
  show(editor, position, result);
  return result;
}

/** The Sampling Lab's command (src/features/sampling): it opens on the same text before the cursor. */
const OPEN_SAMPLING_LAB = 'lmExplorer.openSamplingLab';

function show(editor: vscode.TextEditor, position: vscode.Position, result: Extract<NextTokenProbabilitiesResult, { ok: true }>): void {
  type Item = vscode.QuickPickItem & { candidate?: NextTokenCandidate };
  const tail = result.context.slice(-8).map((t) => t.label).join('');
  const quickPick = vscode.window.createQuickPick<Item>();
  quickPick.title = vscode.l10n.t('Next token after “…{0}” — top {1} cover {2}', tail, result.candidates.length, formatProbability(result.total));
  quickPick.placeholder = vscode.l10n.t("A classifier over the model's vocabulary: one probability per token. Pick one to insert it. {0}", modelVocabularyNote());
  quickPick.matchOnDescription = true;
  quickPick.items = result.candidates.map((c, i) => ({
    label: `${i + 1}. ${c.label}`,
    description: `${probabilityBar(c.prob)} ${formatProbability(c.prob)}`,
    detail:
      c.text === undefined
        ? `${c.ids} — ${c.gptId === undefined && c.byteHex === undefined && c.codePoint === undefined ? vscode.l10n.t('a special token') : vscode.l10n.t('part of a character')}`
        : c.ids,
    candidate: c,
  }));
  // the same distribution, explored: temperature, top-k, top-p and steps by hand
  const openLab = { iconPath: new vscode.ThemeIcon('beaker'), tooltip: vscode.l10n.t('Open in Sampling Lab') };
  const openLabItem: Item = { label: `$(beaker) ${vscode.l10n.t('Open in Sampling Lab')}`, detail: vscode.l10n.t('The whole distribution, temperature, top-k and top-p, and generation step by step') };
  quickPick.items = [...quickPick.items, { label: '', kind: vscode.QuickPickItemKind.Separator }, openLabItem];
  quickPick.buttons = [openLab];
  const toLab = () => {
    quickPick.hide();
    void vscode.commands.executeCommand(OPEN_SAMPLING_LAB, editor.document.uri);
  };
  quickPick.onDidTriggerButton(toLab);
  quickPick.onDidAccept(() => {
    if (quickPick.selectedItems[0] === openLabItem) return toLab();
    const picked = quickPick.selectedItems[0]?.candidate;
    quickPick.hide();
    if (picked?.text !== undefined && editor.document.version >= 0) {
      void editor.edit((edit) => edit.insert(position, picked.text!));
    }
  });
  quickPick.onDidHide(() => quickPick.dispose());
  quickPick.show();
}
