// The token the user clicked in the attention panel, highlighted in its editor (the find-match colours).

import * as vscode from 'vscode';

export class TokenHighlight implements vscode.Disposable {
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
    borderColor: new vscode.ThemeColor('focusBorder'),
    borderStyle: 'solid',
    borderWidth: '1px',
    borderRadius: '2px',
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.findMatchForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
  });
  private shown: { uri: string; range: vscode.Range } | undefined;

  get current(): { uri: string; range: vscode.Range } | undefined {
    return this.shown;
  }

  /** Highlights document offsets start…end of the document `uri` (opening it beside if needed) and reveals them. */
  async show(uri: string, start: number, end: number): Promise<vscode.Range> {
    let editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri);
    if (!editor) {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
      editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preserveFocus: true, preview: false });
    }
    const document = editor.document;
    const range = new vscode.Range(document.positionAt(start), document.positionAt(end));
    editor.setDecorations(this.decoration, range.isEmpty ? [] : [range]);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    this.shown = { uri, range };
    return range;
  }

  clear(): void {
    if (!this.shown) return;
    const uri = this.shown.uri;
    for (const editor of vscode.window.visibleTextEditors) if (editor.document.uri.toString() === uri) editor.setDecorations(this.decoration, []);
    this.shown = undefined;
  }

  dispose(): void {
    this.decoration.dispose();
  }
}
