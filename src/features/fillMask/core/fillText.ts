// What Predict Masked Word sends the engine and does with its answer, without `vscode`: the copy of the text
// around the selection, and the document range a picked candidate replaces.

/** Characters of the document either side of the selection that go with it (the engine keeps what fits its context). */
export const FILL_CONTEXT_CHARS = 4000;

export interface FillWindow {
  /** A copy of the document's text around the selection. */
  text: string;
  /** Where `text` starts in the document. */
  offset: number;
  /** The selection in `text`. */
  start: number;
  end: number;
}

/** The window of `document` (its text) around the selection [selectionStart, selectionEnd). */
export function fillWindow(documentText: string, selectionStart: number, selectionEnd: number, chars = FILL_CONTEXT_CHARS): FillWindow {
  const offset = Math.max(0, selectionStart - chars);
  const stop = Math.min(documentText.length, selectionEnd + chars);
  return { text: documentText.slice(offset, stop), offset, start: selectionStart - offset, end: selectionEnd - offset };
}

/** A one-line preview of the text with `fill` in place of [replaceStart, replaceEnd) of the window. */
export function fillPreview(window: FillWindow, replaceStart: number, replaceEnd: number, fill: string, around = 40): string {
  const before = window.text.slice(Math.max(0, replaceStart - around), replaceStart);
  const after = window.text.slice(replaceEnd, replaceEnd + around);
  return `…${before}【${fill}】${after}…`.replace(/\s+/g, ' ');
}
