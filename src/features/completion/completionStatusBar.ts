// The inline completions' status bar item: says why there is no suggestion (off, not this language, no model,
// model loading, error) and, after one, how long it took (ms, tokens/s). A click toggles completions.

import * as vscode from 'vscode';
import { completionStatusDetail, completionStatusText, type CompletionStatus } from './core/completionStatus';

const TOOLTIP_COMMANDS = ['lmExplorer.toggleCompletions', 'lmExplorer.showNextTokenProbabilities', 'lmExplorer.train', 'workbench.action.openSettings'];

export class CompletionStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private current: CompletionStatus = { kind: 'ready' };
  private tooltipText = '';

  constructor() {
    this.item = vscode.window.createStatusBarItem('lmExplorer.completion', vscode.StatusBarAlignment.Right, 101);
    this.item.name = vscode.l10n.t('LM Explorer Inline Completions');
    this.item.command = { title: vscode.l10n.t('Toggle Inline Completions'), command: 'lmExplorer.toggleCompletions' };
  }

  get status(): CompletionStatus {
    return this.current;
  }

  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    return this.tooltipText;
  }

  get visible(): boolean {
    return this.shown;
  }

  private shown = false;

  /** Shows a state; hidden when there is no text editor to complete in. */
  set(status: CompletionStatus, visible: boolean): void {
    this.current = status;
    this.item.text = completionStatusText(status);
    this.tooltipText = completionStatusDetail(status);
    const tip = new vscode.MarkdownString(undefined, true);
    tip.isTrusted = { enabledCommands: TOOLTIP_COMMANDS };
    tip.appendMarkdown(`**${vscode.l10n.t('LM Explorer inline completions')}**\n\n`);
    tip.appendText(this.tooltipText);
    const links: string[] = [];
    links.push(`[$(sparkle) ${status.kind === 'off' ? vscode.l10n.t('Turn on') : vscode.l10n.t('Turn off')}](command:lmExplorer.toggleCompletions)`);
    if (status.kind === 'no-model') links.push(`[$(play) ${vscode.l10n.t('Train Model on Workspace')}](command:lmExplorer.train)`);
    else links.push(`[$(graph) ${vscode.l10n.t('Next-token probabilities')}](command:lmExplorer.showNextTokenProbabilities)`);
    links.push(`[$(gear) ${vscode.l10n.t('Settings')}](command:workbench.action.openSettings?${encodeURIComponent(JSON.stringify(['lmExplorer.completion']))})`);
    tip.appendMarkdown(`\n\n${links.join(' · ')}`);
    this.item.tooltip = tip;
    this.item.backgroundColor = status.kind === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.shown = visible;
    if (visible) this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
