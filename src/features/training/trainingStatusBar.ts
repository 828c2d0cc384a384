// The training status bar item: the model's state (none, preparing, training, ready, error) and, after a
// run, the engine's backend; a click opens the dashboard.

import { formatNumber } from '../../l10n/format';
import * as vscode from 'vscode';
import { formatLoss, keptModelText, statusBarText, type ModelState } from './core/trainingFormat';
import type { TrainingController } from './trainingController';

/** The status bar item: the model's state; a click opens the dashboard. */
export class TrainingStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly sub: vscode.Disposable;

  constructor(private readonly controller: TrainingController) {
    this.item = vscode.window.createStatusBarItem('lmExplorer.model', vscode.StatusBarAlignment.Left, 50);
    this.item.name = vscode.l10n.t('LM Explorer Model');
    this.item.command = 'lmExplorer.showDashboard';
    this.update(controller.modelState);
    this.sub = controller.onDidChangeState((s) => this.update(s));
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    const tip = this.item.tooltip;
    return typeof tip === 'string' ? tip : (tip?.value ?? '');
  }

  private update(state: ModelState): void {
    this.item.text = statusBarText(state);
    const tip = new vscode.MarkdownString(undefined, true);
    switch (state.kind) {
      case 'none':
        tip.appendMarkdown(vscode.l10n.t('No model in this workspace yet. Run **LM Explorer: {0}**.', vscode.l10n.t('Train Model on Workspace')));
        break;
      case 'preparing':
        tip.appendMarkdown(vscode.l10n.t('Getting ready to train: {0}.', state.message));
        break;
      case 'training':
        tip.appendMarkdown(
          state.valLoss !== undefined
            ? vscode.l10n.t('Training: step {0} of {1}, loss {2}, validation {3}.', formatNumber(state.step), formatNumber(state.steps), formatLoss(state.loss), formatLoss(state.valLoss))
            : vscode.l10n.t('Training: step {0} of {1}, loss {2}.', formatNumber(state.step), formatNumber(state.steps), formatLoss(state.loss)),
        );
        break;
      case 'ready':
        tip.appendMarkdown(`${vscode.l10n.t('Model ready.')} ${keptModelText(state)}`);
        break;
      case 'error':
        tip.appendMarkdown(state.message);
        break;
    }
    const backend = this.controller.backendReport;
    if (backend) {
      const passed = backend.tried.filter((t) => !t.ok).map((t) => `${t.backend} (${t.reason})`);
      tip.appendMarkdown(`\n\n${passed.length ? vscode.l10n.t('Engine: **{0}**; passed over: ', backend.backend) : vscode.l10n.t('Engine: **{0}**', backend.backend)}`);
      if (passed.length) tip.appendText(passed.join('; '));
    }
    tip.appendMarkdown(`\n\n${vscode.l10n.t('Click for the training dashboard.')}`);
    this.item.tooltip = tip;
    this.item.backgroundColor = state.kind === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.sub.dispose();
    this.item.dispose();
  }
}
