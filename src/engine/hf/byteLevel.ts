// Byte-level BPE spells each of the 256 bytes as one printable character (GPT-2's bytes_to_unicode): the
// printable Latin-1 bytes as themselves, the others as U+0100 onwards, in byte order.

/** The character that stands for each byte, by byte. */
export function byteLevelAlphabet(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const alphabet: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) alphabet[b] = String.fromCodePoint(printable(b) ? b : 256 + extra++);
  return alphabet;
}
