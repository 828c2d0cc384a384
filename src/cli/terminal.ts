// Writing to the terminal: lines on stdout and stderr, text aligned by terminal columns, and the training
// progress line (a redrawn bar on a terminal, a line every so many steps on a pipe).

import * as l10n from '@vscode/l10n';
import type { TrainProgress } from '../engine/training';
import { formatDuration, formatFixed, formatNumber, formatPercent } from '../l10n/format';

export const stderr = (line = '') => process.stderr.write(line + '\n');
export const stdout = (line = '') => process.stdout.write(line + '\n');

/** Writes many lines to stdout in blocks of about 64 KB (one write per line is slow on a pipe). */
export function stdoutLines(lines: Iterable<string>): void {
  let block = '';
  for (const line of lines) {
    block += line + '\n';
    if (block.length >= 65536) {
      process.stdout.write(block);
      block = '';
    }
  }
  if (block) process.stdout.write(block);
}

/** The widest of some labels in terminal columns, at least `min` (a loop: a long text has more labels than a call takes arguments). */
export function widestLabel(labels: readonly string[], min = 0): number {
  let width = min;
  for (const label of labels) width = Math.max(width, displayWidth(label));
  return width;
}

/** Terminal columns a string takes: wide (CJK, emoji) characters count 2, combining marks 0. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x1f3fb && cp <= 0x1f3ff)) continue;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1f300 && cp <= 0x1f64f) ||
      (cp >= 0x1f680 && cp <= 0x1f6ff) ||
      (cp >= 0x1f900 && cp <= 0x1f9ff) ||
      (cp >= 0x20000 && cp <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}

export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

export function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

/** Cuts a label to at most `width` columns, marking the cut with '…'. */
export function clip(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  for (const ch of text) {
    if (displayWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return out + '…';
}

/** The training progress on stderr: a bar redrawn in place on a terminal, a line every `every` steps elsewhere. */
export class ProgressLine {
  private readonly tty: boolean;
  private lastPrinted = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly every: number,
  ) {
    this.tty = !!stream.isTTY && process.env.TERM !== 'dumb';
  }

  update(p: TrainProgress, startStep: number): void {
    const done = p.step - startStep;
    const left = p.steps - p.step;
    const perStep = done > 0 ? p.elapsedMs / done : NaN;
    const eta = formatDuration(left * perStep);
    const fields = [
      l10n.t('step {0}/{1}', formatNumber(p.step), formatNumber(p.steps)),
      l10n.t('loss {0}', formatFixed(p.loss, 3)),
      p.valLoss !== undefined ? l10n.t('val {0}', formatFixed(p.valLoss, 3)) : undefined,
      // an encoder's: the share of the masked tokens it gets right
      p.accuracy !== undefined ? l10n.t('masked acc {0}', formatPercent(p.accuracy)) : undefined,
      p.valAccuracy !== undefined ? l10n.t('val acc {0}', formatPercent(p.valAccuracy, 1)) : undefined,
      l10n.t('{0} tok/s', formatNumber(Math.round(p.tokensPerSecond))),
      l10n.t('ETA {0}', eta),
    ].filter(Boolean);
    if (this.tty) {
      const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 70));
      const filled = Math.round((width * p.step) / Math.max(1, p.steps));
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.stream.write(`\r\x1b[K${bar} ${fields.join('  ')}`);
      this.drawn = true;
      if (p.valLoss !== undefined) {
        // keep evaluation results in the scroll-back
        this.stream.write('\n');
        this.drawn = false;
      }
    } else if (p.step === p.steps || p.valLoss !== undefined || p.step - this.lastPrinted >= this.every) {
      this.lastPrinted = p.step;
      this.stream.write(fields.join('  ') + '\n');
    }
  }

  /** Ends the line being redrawn, before other output. */
  finish(): void {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

/** All of stdin, as UTF-8 text. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
