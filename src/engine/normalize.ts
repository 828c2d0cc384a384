// The one normalisation of training text, the same in `lmx train` and the extension (kept apart from the
// rest of the engine so that the extension host can use it without loading TensorFlow.js).

/**
 * Line breaks become \n (a file saved on Windows must give the same tokens as the same file saved
 * elsewhere) and a leading byte-order mark is dropped (an editor's mark, not text). Nothing else changes.
 */
export function normalizeText(text: string): string {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body.replace(/\r\n?/g, '\n');
}
