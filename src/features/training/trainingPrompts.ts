// What the Train command asks before a run: to trust the workspace (training reads every note in it) and,
// for a new model, which kind to train.

import * as vscode from 'vscode';
import type { ModelKind } from '../../engine/model';

/** Resolves true once the workspace is trusted (telling the user training waits for it), false if cancelled. */
export async function waitForTrust(token: vscode.CancellationToken): Promise<boolean> {
  void vscode.window
    .showWarningMessage(
      vscode.l10n.t('LM Explorer trains only in a trusted workspace: it reads every note in the folder. Training starts as soon as you trust this workspace.'),
      vscode.l10n.t('Manage Workspace Trust'),
    )
    .then((p) => p && vscode.commands.executeCommand('workbench.trust.manage'));
  return new Promise<boolean>((resolve) => {
    const subs: vscode.Disposable[] = [];
    const done = (value: boolean) => {
      subs.forEach((s) => s.dispose());
      resolve(value);
    };
    subs.push(vscode.workspace.onDidGrantWorkspaceTrust(() => done(true)));
    subs.push(token.onCancellationRequested(() => done(false)));
  });
}

/** The Train command's choice of model kind, the setting's first; undefined when dismissed. */
export async function pickModelKind(setting: ModelKind): Promise<ModelKind | undefined> {
  const items: (vscode.QuickPickItem & { modelKind: ModelKind })[] = [
    {
      modelKind: 'decoder',
      label: vscode.l10n.t('Decoder (GPT)'),
      description: vscode.l10n.t('causal attention · predicts the next token'),
      detail: vscode.l10n.t('Inline completions, next-token probabilities, sampling: each token sees only the tokens before it.'),
    },
    {
      modelKind: 'encoder',
      label: vscode.l10n.t('Encoder (BERT)'),
      description: vscode.l10n.t('bidirectional attention · fills in masked words'),
      detail: vscode.l10n.t('Predict Masked Word: trained by masking 15% of the tokens (80% [MASK], 10% random, 10% unchanged); each token sees every token.'),
    },
  ];
  items.sort((a, b) => (a.modelKind === setting ? -1 : b.modelKind === setting ? 1 : 0));
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Train a new model on the workspace'),
    placeHolder: vscode.l10n.t('Which kind of model? (setting lmExplorer.model.kind: {0})', setting),
  });
  return picked?.modelKind;
}
