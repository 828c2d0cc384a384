// What every `lmx` command is: its help, its options and what it runs. A command is one file in commands/
// and one row of the table in commands/index.ts.

import type { OptionSpec } from './args';

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** Option values as util.parseArgs gives them. */
export type OptionValues = Record<string, string | boolean | undefined>;

export interface Command {
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  help: string;
  positionals: 'none' | 'one' | 'many';
  /** Returns the exit code; a UserError thrown is one line on stderr and exit code 2. */
  run(values: OptionValues, positionals: string[]): Promise<number>;
}
