// A panel's text, remembered as a document and offsets in the page's state, read again when VS Code
// restores the panel after a reload: the document may have shrunk meanwhile.
import * as vscode from 'vscode';

/** Opens the document of `source` again, with the offsets clipped to its text now; throws when none of the text is left. */
export async function reopenSource<S extends { uri: string; start: number; end: number }>(source: S): Promise<{ document: vscode.TextDocument; source: S }> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(source.uri));
  const length = document.getText().length;
  const clipped = { ...source, start: Math.min(source.start, length), end: Math.min(source.end, length) };
  if (clipped.end <= clipped.start) throw new Error('the text is no longer there');
  return { document, source: clipped };
}
