// Which text Compare Causal and Bidirectional runs both models on: the selection, or without one the
// paragraph around the cursor (the lines up to the blank lines around it), or nothing on a blank line.

/** Lines [first, last] of the paragraph holding line `line`; undefined when that line is blank. */
export function paragraphAround(lineText: (line: number) => string, lineCount: number, line: number): { first: number; last: number } | undefined {
  const blank = (n: number) => lineText(n).trim() === '';
  if (line < 0 || line >= lineCount || blank(line)) return undefined;
  let first = line;
  let last = line;
  while (first > 0 && !blank(first - 1)) first--;
  while (last < lineCount - 1 && !blank(last + 1)) last++;
  return { first, last };
}
