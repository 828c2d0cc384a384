// "LM Explorer: Training Dashboard": one webview panel (create-or-show, as in the VS Code webview
// sample), revived after a restart by a WebviewPanelSerializer. The page (webview/dashboard/main.ts)
// draws the curves with uPlot; every message in both directions is declared in src/webviewProtocol.ts.

import * as vscode from 'vscode';
import {
  isWebviewMessage,
  type ChartRender,
  type DashboardCommand,
  type DashboardPageReport,
  type DashboardFromWebview,
  type DashboardState,
  type DashboardToWebview,
} from '../webviewProtocol';
import type { TrainingController } from './training';
import { webviewHtml, webviewOptions } from './webviewHtml';

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

export class DashboardPanel implements vscode.Disposable {
  static current: DashboardPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly checks: ((report: SelfCheckReport) => void)[] = [];
  private ready = false;
  private readyWaiters: (() => void)[] = [];

  /** Shows the dashboard, creating it if needed. */
  static createOrShow(extensionUri: vscode.Uri, controller: TrainingController, preserveFocus = false): DashboardPanel {
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal(undefined, preserveFocus);
      return DashboardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      'Training Dashboard',
      { viewColumn: column, preserveFocus },
      webviewOptions(extensionUri),
    );
    DashboardPanel.current = new DashboardPanel(panel, extensionUri, controller);
    return DashboardPanel.current;
  }

  /** A panel VS Code restored after a restart (the serializer's deserializeWebviewPanel). */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, controller: TrainingController): DashboardPanel {
    DashboardPanel.current?.dispose();
    DashboardPanel.current = new DashboardPanel(panel, extensionUri, controller);
    return DashboardPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly controller: TrainingController,
  ) {
    panel.iconPath = {
      light: vscode.Uri.joinPath(extensionUri, 'media', 'dashboard-light.svg'),
      dark: vscode.Uri.joinPath(extensionUri, 'media', 'dashboard-dark.svg'),
    };
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = webviewHtml({
      webview: panel.webview,
      extensionUri,
      script: 'dist/webview/dashboard.js',
      styles: ['media/dashboard.css'],
      title: 'Training Dashboard',
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      controller.onDidPost((message) => this.post(message)),
    );
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Resolves once the page has loaded and received its state. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Asks the page whether its charts have drawn pixels. */
  async selfCheck(timeoutMs = 10_000): Promise<SelfCheckReport> {
    await this.whenReady();
    return new Promise<SelfCheckReport>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The dashboard did not answer the self-check.')), timeoutMs);
      this.checks.push((report) => {
        clearTimeout(timer);
        resolve(report);
      });
      void this.post({ type: 'selfCheck' });
    });
  }

  private post(message: DashboardToWebview): Thenable<boolean> {
    // Before 'ready' the page would drop it; it gets the whole state when it says 'ready'.
    if (!this.ready) return Promise.resolve(false);
    return this.panel.webview.postMessage(message);
  }

  private receive(message: unknown): void {
    if (!isWebviewMessage(message)) return;
    const msg = message as DashboardFromWebview;
    switch (msg.type) {
      case 'ready': {
        this.ready = true;
        void this.post({ type: 'state', state: this.state() });
        const waiters = this.readyWaiters;
        this.readyWaiters = [];
        waiters.forEach((w) => w());
        return;
      }
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
      case 'viewChanged':
        if (msg.view && (msg.view.unit === 'nats' || msg.view.unit === 'bpb')) this.controller.setView({ unit: msg.view.unit });
        return;
    }
  }

  private state(): DashboardState {
    return this.controller.snapshot();
  }

  dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    this.ready = false;
    const disposables = this.disposables.splice(0);
    disposables.forEach((d) => d.dispose());
    this.panel.dispose();
  }
}

/** Revives the dashboard after a VS Code restart (activation event onWebviewPanel:lmExplorer.dashboard). */
export function registerDashboardSerializer(extensionUri: vscode.Uri, controller: TrainingController): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, _state: unknown) {
      // The page keeps its last state with vscode.setState and draws it at once; the host then sends the
      // state it has (the training history is kept on disk beside the model).
      DashboardPanel.revive(panel, extensionUri, controller);
    },
  });
}
