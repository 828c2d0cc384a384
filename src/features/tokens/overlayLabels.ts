// How the overlay draws the IDs: as decorations after each token, or as inlay hints where the editor wraps
// lines, and the themed style of a label.

import * as vscode from 'vscode';

export type LabelMode = 'decorations' | 'inlayHints';

/**
 * Inlay hints where the document's editor wraps lines and shows inlay hints in full; decorations elsewhere
 * (they look lighter). In full: `editor.inlayHints.maximumLength` cuts a line's hints after so many
 * characters (43 by default), and a wrapped paragraph is one line, so hints need it at 0, which
 * LM Explorer makes the default for Markdown and plain text (package.json). Alt+Z's toggle is per editor
 * and invisible to extensions: the settings decide.
 */
export function labelMode(document: vscode.TextDocument): LabelMode {
  const editor = vscode.workspace.getConfiguration('editor', document);
  const wraps = editor.get<string>('wordWrap', 'off') !== 'off';
  const hints = editor.get<string>('inlayHints.enabled', 'on');
  const whole = editor.get<number>('inlayHints.maximumLength', 43) === 0;
  return wraps && whole && (hints === 'on' || hints === 'onUnlessPressed') ? 'inlayHints' : 'decorations';
}

export function labelStyle(contentText: string): vscode.ThemableDecorationAttachmentRenderOptions {
  return {
    contentText,
    color: new vscode.ThemeColor('lmExplorer.tokenIdForeground'),
    backgroundColor: new vscode.ThemeColor('lmExplorer.tokenIdBackground'),
    border: '1px solid',
    borderColor: new vscode.ThemeColor('lmExplorer.tokenIdBorder'),
    // A gap on both sides, so that an ID never runs into digits of the text ("1398" then "16")
    margin: '0 0.35em',
    fontStyle: 'normal',
    fontWeight: 'normal',
    // Smaller, raised and boxed, like an inlay hint: the IDs should not compete with the text nor read as part of it.
    textDecoration:
      'none; font-size: 0.72em; vertical-align: 0.2em; padding: 0 0.3em; border-radius: 3px; font-variant-numeric: tabular-nums; line-height: normal',
  };
}
