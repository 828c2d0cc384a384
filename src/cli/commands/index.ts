// The commands of `lmx`, in the order its help lists them.

import type { Command } from '../command';
import { attention } from './attention';
import { backends } from './backends';
import { fill } from './fill';
import { exportCommand } from './export';
import { generate } from './generate';
import { importCommand } from './import';
import { inspectCommand } from './inspect';
import { score } from './score';
import { tokenize } from './tokenize';
import { train } from './train';

export const COMMANDS: Readonly<Record<string, Command>> = {
  train,
  generate,
  score,
  fill,
  attention,
  inspect: inspectCommand,
  tokenize,
  export: exportCommand,
  import: importCommand,
  backends,
};
