// The page and the options of the extension's webview panels (the training dashboard, the attention
// panel): scripts enabled, only dist/ and media/ reachable, and a strict content security policy in
// which the page's own script and styles carry a fresh nonce.

import * as crypto from 'crypto';
import * as vscode from 'vscode';

/** Scripts on; only the bundles and the static media: nothing else on disk is reachable from the page. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export interface WebviewPage {
  webview: vscode.Webview;
  extensionUri: vscode.Uri;
  /** The page's script, relative to the extension (dist/webview/….js). */
  script: string;
  /** Stylesheets, relative to the extension (media/….css). */
  styles?: string[];
  title: string;
  /** The body's markup before the script. */
  body?: string;
}

/** The HTML of a webview panel's page. */
export function webviewHtml({ webview, extensionUri, script, styles = [], title, body = '<main id="app" aria-live="polite"></main>' }: WebviewPage): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const uri = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, file));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const links = styles.map((file) => `\n  <link rel="stylesheet" href="${uri(file)}" nonce="${nonce}">`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <!-- The toolkit (FAST) probes :focus-visible with a <style> element; it takes its nonce from here. -->
  <meta property="csp-nonce" content="${nonce}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">${links}
  <title>${title}</title>
</head>
<body>
  ${body}
  <script nonce="${nonce}" src="${uri(script)}"></script>
</body>
</html>`;
}
