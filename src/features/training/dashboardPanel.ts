// "LM Explorer: Training Dashboard": one webview panel, revived after a restart. The page
// (webview/dashboard/main.ts) draws the curves with uPlot; every message in both directions is declared
// in ./protocol.ts.

import * as vscode from 'vscode';
import { WebviewPanelHost } from '../../host/webview/panel';
import {
  isDashboardFromWebview,
  type ChartRender,
  type DashboardCommand,
  type DashboardPageReport,
  type DashboardFromWebview,
  type DashboardToWebview,
} from './protocol';
import type { TrainingController } from './trainingController';

export const DASHBOARD_VIEW_TYPE = 'lmExplorer.dashboard';

export interface SelfCheckReport {
  /** Each chart: whether its canvas has drawn pixels; the loss chart's marks (best, kept, uniform, memorising). */
  charts: ChartRender[];
  /** What the page shows beside the charts. */
  page: DashboardPageReport;
  /** What the page's content security policy blocked since it loaded (should be nothing). */
  cspViolations: string[];
}

const COMMAND_IDS: Record<DashboardCommand, string> = {
  train: 'lmExplorer.train',
  resume: 'lmExplorer.resumeTraining',
  cancel: 'lmExplorer.cancelTraining',
  reset: 'lmExplorer.resetModel',
  export: 'lmExplorer.exportModel',
  load: 'lmExplorer.loadModel',
  settings: 'workbench.action.openSettings',
};

/** The dashboard: at most one panel, fed by the training controller. */
export class DashboardPanel implements vscode.Disposable {
  private readonly page: WebviewPanelHost<DashboardToWebview, DashboardFromWebview>;
  private readonly checks: ((report: SelfCheckReport) => void)[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    extensionUri: vscode.Uri,
    private readonly controller: TrainingController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.page = new WebviewPanelHost(
      extensionUri,
      {
        viewType: DASHBOARD_VIEW_TYPE,
        title: vscode.l10n.t('Training Dashboard'),
        script: 'dist/webview/dashboard.js',
        icon: 'dashboard',
        isMessage: isDashboardFromWebview,
      },
      {
        onReady: () => void this.page.post({ type: 'state', state: this.controller.snapshot() }),
        onMessage: (message) => this.receive(message),
        // The page keeps its last state with vscode.setState and draws it at once; on 'ready' the host
        // sends the state it has (the training history is kept on disk beside the model).
      },
    );
    this.disposables.push(this.page, this.page.registerSerializer(), controller.onDidPost((message) => void this.page.post(message)));
  }

  /** Shows the dashboard, creating it if needed. */
  show(preserveFocus = false): this {
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    this.page.createOrShow({ viewColumn: column, preserveFocus });
    return this;
  }

  get isOpen(): boolean {
    return this.page.isOpen;
  }

  /** Resolves once the page has loaded and received its state. */
  whenReady(): Promise<void> {
    return this.page.whenReady();
  }

  close(): void {
    this.page.close();
  }

  /** Asks the page whether its charts have drawn pixels. */
  async selfCheck(timeoutMs = 10_000): Promise<SelfCheckReport> {
    if (!this.page.isOpen) throw new Error('The dashboard is not open.');
    await this.whenReady();
    return new Promise<SelfCheckReport>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The dashboard did not answer the self-check.')), timeoutMs);
      this.checks.push((report) => {
        clearTimeout(timer);
        resolve(report);
      });
      void this.page.post({ type: 'selfCheck' });
    });
  }

  private receive(msg: Exclude<DashboardFromWebview, { type: 'ready' }>): void {
    switch (msg.type) {
      case 'command': {
        const id = COMMAND_IDS[msg.command];
        if (!id) return;
        if (msg.command === 'settings') void vscode.commands.executeCommand(id, '@ext:lm-explorer.lm-explorer');
        else void vscode.commands.executeCommand(id);
        return;
      }
      case 'rendered': {
        const waiters = this.checks.splice(0);
        waiters.forEach((w) => w({ charts: msg.charts, page: msg.page, cspViolations: msg.cspViolations ?? [] }));
        return;
      }
      case 'log':
        this.log.warn(`[dashboard page] ${msg.message}`);
        return;
      case 'viewChanged':
        if (msg.view && (msg.view.unit === 'nats' || msg.view.unit === 'bpb')) this.controller.setView({ unit: msg.view.unit });
        return;
    }
  }

  dispose(): void {
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}
