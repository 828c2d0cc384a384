// A webview panel of the extension (the training dashboard, the attention panel), in one place:
// create-or-show, revive after a restart (a serializer), dispose, the page's 'ready' handshake (nothing
// is posted before it: the page would drop it), and the page's HTML with a strict content security
// policy in which the page's script carries a fresh nonce.

import * as crypto from 'crypto';
import * as vscode from 'vscode';
import { pageLocalizationMarkup } from '../l10n';
import type { WebviewMessage } from './protocol';

/** What a panel is: its view type, title, page bundle, styles, icon, and the guard of its page's messages. */
export interface PanelPage<FromPage extends WebviewMessage> {
  viewType: string;
  title: string;
  /** The page's script, relative to the extension (dist/webview/….js). */
  script: string;
  /** The icon's base name in media/ (media/<icon>-light.svg and media/<icon>-dark.svg). */
  icon: string;
  /** Checks a message from the page (its protocol's guard); others are dropped. */
  isMessage(value: unknown): value is FromPage;
}

/** What the owner of a panel does when its page speaks, VS Code revives it, or it closes. */
export interface PanelEvents<FromPage extends WebviewMessage> {
  /** The page (re)loaded and listens: post what it shows. */
  onReady(): void;
  onMessage(message: Exclude<FromPage, { type: 'ready' }>): void;
  /** VS Code restored the panel after a restart, with the state the page saved (vscode.setState). */
  onRevive?(state: unknown): void | Promise<void>;
  /** The panel was closed (by the user or by close()). */
  onClose?(): void;
}

export interface ShowOptions {
  /** Where a new panel opens. */
  viewColumn: vscode.ViewColumn;
  preserveFocus: boolean;
  /** Where an open panel is revealed (default: where it is). */
  revealColumn?: vscode.ViewColumn;
}

/** Scripts on; only the bundles and the static media: nothing else on disk is reachable from the page. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** One webview panel at most of a view type, with its page's handshake and messages typed both ways. */
export class WebviewPanelHost<ToPage extends WebviewMessage, FromPage extends WebviewMessage> implements vscode.Disposable {
  private current: vscode.WebviewPanel | undefined;
  private currentDisposables: vscode.Disposable[] = [];
  private ready = false;
  private readyWaiters: (() => void)[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly page: PanelPage<FromPage>,
    private readonly events: PanelEvents<FromPage>,
  ) {}

  get panel(): vscode.WebviewPanel | undefined {
    return this.current;
  }

  get isOpen(): boolean {
    return this.current !== undefined;
  }

  /** Whether the page has said 'ready' (and not reloaded since). */
  get isReady(): boolean {
    return this.current !== undefined && this.ready;
  }

  /** Reveals the panel, or creates it. */
  createOrShow(options: ShowOptions): vscode.WebviewPanel {
    if (this.current) {
      this.current.reveal(options.revealColumn, options.preserveFocus);
      return this.current;
    }
    const panel = vscode.window.createWebviewPanel(
      this.page.viewType,
      this.page.title,
      { viewColumn: options.viewColumn, preserveFocus: options.preserveFocus },
      webviewOptions(this.extensionUri),
    );
    this.attach(panel);
    return panel;
  }

  /** Revives the panel after a VS Code restart (activation event onWebviewPanel:<viewType>). */
  registerSerializer(): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(this.page.viewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        if (this.current && this.current !== panel) this.current.dispose();
        this.attach(panel);
        await this.events.onRevive?.(state);
      },
    });
  }

  /** Posts to the page; false (nothing sent) before its 'ready', since the page would drop it. */
  post(message: ToPage): Thenable<boolean> {
    if (!this.current || !this.ready) return Promise.resolve(false);
    return this.current.webview.postMessage(message);
  }

  /** Resolves once the page has said 'ready'. */
  whenReady(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Closes the panel (onClose follows). */
  close(): void {
    this.current?.dispose();
  }

  dispose(): void {
    this.close();
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.current = panel;
    this.ready = false;
    panel.iconPath = {
      light: vscode.Uri.joinPath(this.extensionUri, 'media', `${this.page.icon}-light.svg`),
      dark: vscode.Uri.joinPath(this.extensionUri, 'media', `${this.page.icon}-dark.svg`),
    };
    panel.webview.options = webviewOptions(this.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, this.page);
    this.currentDisposables.push(
      panel.onDidDispose(() => this.detach(panel)),
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
    );
  }

  private detach(panel: vscode.WebviewPanel): void {
    if (this.current !== panel) return;
    this.current = undefined;
    this.ready = false;
    this.currentDisposables.splice(0).forEach((d) => d.dispose());
    this.events.onClose?.();
  }

  private receive(message: unknown): void {
    if (!this.page.isMessage(message)) return;
    if (message.type === 'ready') {
      this.ready = true;
      this.events.onReady();
      this.readyWaiters.splice(0).forEach((w) => w());
      return;
    }
    this.events.onMessage(message as Exclude<FromPage, { type: 'ready' }>);
  }
}

/** The HTML of a panel's page. */
function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: PanelPage<WebviewMessage>): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const uri = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, file));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  // the display language and its strings, read by the page before its first paint (webview/l10n.ts)
  const localization = pageLocalizationMarkup();
  return `<!DOCTYPE html>
<html lang="${localization.lang}">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <!-- The toolkit (FAST) probes :focus-visible with a <style> element; it takes its nonce from here. -->
  <meta property="csp-nonce" content="${nonce}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>${page.title}</title>
</head>
<body>
  <main id="app" aria-live="polite"></main>
  ${localization.block}
  <script nonce="${nonce}" src="${uri(page.script)}"></script>
</body>
</html>`;
}
