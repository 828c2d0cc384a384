// Which editor a command acts on. Run from the editor's context menu, a command gets the document's URI
// as its first argument; tests and other extensions pass the URI of the editor they mean in the same way,
// so the result does not depend on which editor happens to have the focus. From the command palette or
// a key binding there is no argument: then it is the active editor.
import * as vscode from 'vscode';

/** The visible editor of the document `target` names (the active one first), or the active editor. */
export function targetEditor(target?: unknown): vscode.TextEditor | undefined {
  const active = vscode.window.activeTextEditor;
  if (!(target instanceof vscode.Uri)) return active;
  const uri = target.toString();
  if (active?.document.uri.toString() === uri) return active;
  return vscode.window.visibleTextEditors.find((editor) => editor.document.uri.toString() === uri);
}
